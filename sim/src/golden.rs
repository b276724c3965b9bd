//! The golden integer model: the reference every other implementation (the trainer's
//! integer mode, the RTL) must match bit for bit. ARCHITECTURE.md "Integer contract" is the
//! prose of this file.
//!
//! Per layer `l` and timestep `t`, for every neuron `j`:
//!
//! ```text
//! acc   = Σ_i s_{l-1,t}[i] · W[i][j]          (exact; equal to Σ over events of multiplier·W)
//! u     = decay(stored) + bias[j] + acc        (decay: keep | clear | v >> k | v - (v >> k),
//!                                               every >> arithmetic)
//! s     = fire(u)                              (bounds::fire: threshold, round half up, clamp)
//! stored = after_reset(u, s)                   (hard: 0 if s != 0; soft: u - s·θ)
//! ```
//!
//! A layer with lateral connections ([`model::Lateral`], weights `R`) runs two passes per
//! timestep: `u1 = decay(stored) + bias + acc`, provisional spikes `s1 = fire(u1)` (not
//! emitted, no reset), then `u = u1 + (Σ_k s1[k] · R[k][j]) · 2^shift`, `s = fire(u)` and the reset
//! as above.
//!
//! Layer 0 receives the input values every timestep. A readout layer never fires; its final
//! `u` is the score. Otherwise a score is the sum of the last layer's spike values
//! `Σ_t s_t` (not the number of spikes). The class is the first index of the highest score.

use std::ops::{AddAssign, Mul};

use model::bounds::{self, after_reset, fire};
use model::{CodeTable, Decay, LayerOp, Network, Neuron, NeuronKind, SpikeEvent};
use ndarray::Array2;

use crate::error::SimError;
use crate::membrane::MembraneDigest;

/// One non-zero spike: neuron index and signed integer value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Spike {
    /// Emitting neuron.
    pub neuron: u32,
    /// Value (`-1..=D`, never 0).
    pub value: i32,
}

/// Everything one input does, for comparison with the RTL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// Per layer, per timestep, the non-zero spikes in ascending neuron order (the order the
    /// hardware emits them). A readout layer's lists are empty.
    pub layers: Vec<Vec<Vec<Spike>>>,
    /// Output scores.
    pub scores: Vec<i64>,
    /// `argmax(scores)`, first index on ties.
    pub class: usize,
    /// Per layer, per timestep, the provisional spikes `s1` of a layer with lateral
    /// connections (what its lateral pass replays; never emitted). Empty for other layers.
    pub provisional: Vec<Vec<Vec<Spike>>>,
    /// Per layer, per timestep, the digest of the membranes the update pass leaves
    /// ([`crate::membrane`]); 0 for a pooling layer, which has none.
    pub digests: Vec<Vec<MembraneDigest>>,
}

/// Receives each layer's dense output vector as it is produced.
pub trait Observer {
    /// `values[j]` is neuron `j`'s spike at timestep `t` (all zeros for a readout layer).
    fn spikes(&mut self, layer: usize, t: usize, values: &[i32]);

    /// `values[j]` is neuron `j`'s provisional spike `s1` at timestep `t` of a layer with
    /// lateral connections, reported before [`Observer::spikes`] of the same layer and step.
    fn provisional(&mut self, _layer: usize, _t: usize, _values: &[i32]) {}

    /// `stored[j]` is neuron `j`'s membrane after timestep `t`'s update: `v'` after fire and
    /// reset, a readout layer's `u`. Reported after [`Observer::spikes`] of the same layer
    /// and step; never for a pooling layer.
    fn membranes(&mut self, _layer: usize, _t: usize, _stored: &[i64]) {}
}

impl<O: Observer + ?Sized> Observer for &mut O {
    fn spikes(&mut self, layer: usize, t: usize, values: &[i32]) {
        (**self).spikes(layer, t, values);
    }

    fn provisional(&mut self, layer: usize, t: usize, values: &[i32]) {
        (**self).provisional(layer, t, values);
    }

    fn membranes(&mut self, layer: usize, t: usize, stored: &[i64]) {
        (**self).membranes(layer, t, stored);
    }
}

/// Both observers see every layer's output.
impl<A: Observer, B: Observer> Observer for (A, B) {
    fn spikes(&mut self, layer: usize, t: usize, values: &[i32]) {
        self.0.spikes(layer, t, values);
        self.1.spikes(layer, t, values);
    }

    fn provisional(&mut self, layer: usize, t: usize, values: &[i32]) {
        self.0.provisional(layer, t, values);
        self.1.provisional(layer, t, values);
    }

    fn membranes(&mut self, layer: usize, t: usize, stored: &[i64]) {
        self.0.membranes(layer, t, stored);
        self.1.membranes(layer, t, stored);
    }
}

/// Records nothing: the fastest way to classify.
pub struct NoObserver;

impl Observer for NoObserver {
    fn spikes(&mut self, _: usize, _: usize, _: &[i32]) {}
}

struct TraceObserver {
    layers: Vec<Vec<Vec<Spike>>>,
    provisional: Vec<Vec<Vec<Spike>>>,
    digests: Vec<Vec<MembraneDigest>>,
}

fn non_zero(values: &[i32]) -> Vec<Spike> {
    values.iter().enumerate().filter(|(_, v)| **v != 0).map(|(j, &value)| Spike { neuron: j as u32, value }).collect()
}

impl Observer for TraceObserver {
    fn spikes(&mut self, layer: usize, _t: usize, values: &[i32]) {
        self.layers[layer].push(non_zero(values));
    }

    fn provisional(&mut self, layer: usize, _t: usize, values: &[i32]) {
        self.provisional[layer].push(non_zero(values));
    }

    fn membranes(&mut self, layer: usize, t: usize, stored: &[i64]) {
        self.digests[layer][t] = MembraneDigest::of(stored);
    }
}

/// Keeps every layer's membranes at every timestep (`[layer][t][neuron]`; empty for a
/// pooling layer): what locates a membrane digest mismatch to its neuron.
struct MembraneObserver(Vec<Vec<Vec<i64>>>);

impl Observer for MembraneObserver {
    fn spikes(&mut self, _: usize, _: usize, _: &[i32]) {}

    fn membranes(&mut self, layer: usize, t: usize, stored: &[i64]) {
        self.0[layer][t] = stored.to_vec();
    }
}

/// Accumulator element: `i32` when the bounds analysis proves it suffices, else `i64`.
trait Acc: Copy + Default + AddAssign + Mul<Output = Self> + Into<i64> + Send + Sync {
    fn from_i32(v: i32) -> Self;
}

impl Acc for i32 {
    fn from_i32(v: i32) -> Self {
        v
    }
}

impl Acc for i64 {
    fn from_i32(v: i32) -> Self {
        v as i64
    }
}

/// A weight matrix `[sources][outputs]`: one contiguous row per source, as the hardware
/// reads it, and an `i64` copy when the accumulator needs more than 32 bits.
struct Matrix {
    rows: Array2<i32>,
    wide: Option<Array2<i64>>,
}

impl Matrix {
    fn new(sources: usize, outputs: usize, weights: &[i32], accumulator_bits: u32) -> Matrix {
        let rows = Array2::from_shape_vec((sources, outputs), weights.to_vec()).expect("validated shape");
        // i32 products and sums are exact when every partial sum fits in 32 bits.
        let wide = (accumulator_bits > 32).then(|| rows.mapv(|w| w as i64));
        Matrix { rows, wide }
    }
}

/// Geometry of a conv layer, with each input row's and column's reach precomputed.
struct ConvOp {
    channels: usize,
    height: usize,
    width: usize,
    kernel: usize,
    out_channels: usize,
    out_height: usize,
    out_width: usize,
    /// Per input row `y`: the `(ky, oy)` pairs it reaches (likewise per column).
    reach_y: Vec<Vec<(usize, usize)>>,
    reach_x: Vec<Vec<(usize, usize)>>,
    /// Rows `(c, ky, kx)` of `out_channels` weights each.
    weights: Matrix,
}

impl ConvOp {
    fn new(c: &model::Conv2d, accumulator_bits: u32) -> ConvOp {
        let out = c.output_shape().expect("validated conv shape");
        let reach = |size: u32, out: u32| -> Vec<Vec<(usize, usize)>> {
            (0..size).map(|y| c.reach(y, out).map(|(k, o)| (k as usize, o as usize)).collect()).collect()
        };
        let rows = (c.in_channels * c.kernel * c.kernel) as usize;
        ConvOp {
            channels: c.in_channels as usize,
            height: c.in_height as usize,
            width: c.in_width as usize,
            kernel: c.kernel as usize,
            out_channels: c.out_channels as usize,
            out_height: out.height as usize,
            out_width: out.width as usize,
            reach_y: reach(c.in_height, out.height),
            reach_x: reach(c.in_width, out.width),
            weights: Matrix::new(rows, c.out_channels as usize, &c.weights, accumulator_bits),
        }
    }

    /// Output positions times output channels an event at flat input `source` updates.
    fn fanout(&self, source: usize) -> u64 {
        let (y, x) = ((source / self.width) % self.height, source % self.width);
        (self.reach_y[y].len() * self.reach_x[x].len() * self.out_channels) as u64
    }
}

/// Geometry of a pooling layer (non-overlapping `kernel x kernel` windows).
struct PoolOp {
    channels: usize,
    height: usize,
    width: usize,
    kernel: usize,
}

impl PoolOp {
    fn new(p: &model::Pool2d) -> PoolOp {
        PoolOp {
            channels: p.channels as usize,
            height: p.in_height as usize,
            width: p.in_width as usize,
            kernel: p.kernel as usize,
        }
    }

    /// The pooled output flat input `source` belongs to.
    fn target(&self, source: usize) -> usize {
        let (c, y, x) = (source / (self.height * self.width), (source / self.width) % self.height, source % self.width);
        let (oh, ow) = (self.height / self.kernel, self.width / self.kernel);
        (c * oh + y / self.kernel) * ow + x / self.kernel
    }
}

/// A layer's synaptic operation, compiled.
enum Op {
    Dense(Matrix),
    Conv(ConvOp),
    SumPool(PoolOp),
    MaxPool(PoolOp),
}

struct CompiledLayer {
    inputs: usize,
    outputs: usize,
    op: Op,
    /// Lateral connections `[neuron][neuron]` and their shift, if any.
    lateral: Option<(Matrix, u8)>,
    bias: Vec<i64>,
    neuron: Neuron,
    /// Code table of the spikes this layer emits (`None` for readout layers).
    table: Option<CodeTable>,
    /// Max pooling: the code table of what feeds it, in which it sends its maxima.
    max_pool_table: Option<CodeTable>,
}

/// Scratch buffers for one in-flight input; reuse across inputs to avoid allocation.
pub struct Scratch {
    acc: Vec<i64>,
    acc32: Vec<i32>,
    /// Conv accumulators position-major (`[oy][ox][o]`), so each weight row adds to a
    /// contiguous run; transposed into `acc` (channel-major) afterwards.
    conv32: Vec<i32>,
    conv64: Vec<i64>,
    /// The feedforward membrane `u1` of a layer with lateral connections.
    u1: Vec<i64>,
    /// Layer 0's accumulator, computed once per input (its input is the same every timestep).
    first_acc: Vec<i64>,
    stored: Vec<Vec<i64>>,
    spikes: Vec<Vec<i32>>,
    counts: Vec<i64>,
    input: Vec<i32>,
}

/// A validated network prepared for fast integer evaluation.
pub struct Golden {
    net: Network,
    layers: Vec<CompiledLayer>,
    input_table: CodeTable,
}

impl Golden {
    /// Validate `net` and prepare it.
    pub fn new(net: &Network) -> Result<Golden, SimError> {
        net.validate()?;
        let all_bounds = bounds::analyze(net);
        let mut layers = Vec::with_capacity(net.layers.len());
        for (layer, b) in net.layers.iter().zip(&all_bounds) {
            let (m, n) = (layer.inputs(), layer.outputs());
            let (op, bias): (Op, &[i32]) = match &layer.op {
                LayerOp::Dense(d) => (Op::Dense(Matrix::new(m, n, &d.weights, b.accumulator_bits)), &d.bias),
                LayerOp::Conv2d(c) => (Op::Conv(ConvOp::new(c, b.accumulator_bits)), &c.bias),
                LayerOp::SumPool2d(p) => (Op::SumPool(PoolOp::new(p)), &[]),
                LayerOp::MaxPool2d(p) => (Op::MaxPool(PoolOp::new(p)), &[]),
            };
            let lateral =
                layer.lateral.as_ref().map(|lat| (Matrix::new(n, n, &lat.weights, b.accumulator_bits), lat.shift));
            // Pooling layers forward their input's code (sum pooling the events themselves,
            // whose sums may exceed the code's range): no table of their own.
            let table = match &layer.neuron.kind {
                NeuronKind::Readout => None,
                _ if layer.is_pooling() => None,
                kind => Some(kind.code().table(kind.spike_range().max as u32).expect("validated code")),
            };
            let max_pool_table = match &layer.op {
                LayerOp::MaxPool2d(_) => {
                    let index = layers.len();
                    Some(
                        net.input_code_of(index)
                            .table(net.input_range_of(index).max.unsigned_abs())
                            .expect("validated code"),
                    )
                }
                _ => None,
            };
            // A conv layer's bias is per output channel: expand it to every position.
            let per_neuron = match &op {
                Op::Conv(c) => (0..n).map(|j| bias[j / (c.out_height * c.out_width)] as i64).collect(),
                _ => bias.iter().map(|&b| b as i64).collect(),
            };
            layers.push(CompiledLayer {
                inputs: m,
                outputs: n,
                op,
                lateral,
                bias: per_neuron,
                neuron: layer.neuron.clone(),
                table,
                max_pool_table,
            });
        }
        let input_table = net.input.code.table(net.input.max_value).expect("validated input code");
        Ok(Golden { net: net.clone(), layers, input_table })
    }

    /// The network this was built from.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Whether the network has a conv or pooling layer (whose events and synaptic operations
    /// depend on where a spike sits, not only on its value).
    pub fn spatial(&self) -> bool {
        self.layers.iter().any(|l| !matches!(l.op, Op::Dense(_)))
    }

    /// Fresh scratch buffers for this network.
    pub fn scratch(&self) -> Scratch {
        let widest = self.layers.iter().map(|l| l.outputs).max().unwrap_or(0);
        let conv = |wide: bool| {
            let n = self.layers.iter().filter(|l| matches!(&l.op, Op::Conv(c) if c.weights.wide.is_some() == wide));
            n.map(|l| l.outputs).max().unwrap_or(0)
        };
        Scratch {
            acc: vec![0; widest],
            acc32: vec![0; widest],
            conv32: vec![0; conv(false)],
            conv64: vec![0; conv(true)],
            u1: vec![0; widest],
            first_acc: vec![0; self.layers[0].outputs],
            stored: self.layers.iter().map(|l| vec![0; l.outputs]).collect(),
            spikes: self.layers.iter().map(|l| vec![0; l.outputs]).collect(),
            counts: vec![0; self.net.classes()],
            input: vec![0; self.layers[0].inputs],
        }
    }

    /// Run one input and record every layer's spikes.
    pub fn trace(&self, input: &[u8]) -> Result<Trace, SimError> {
        self.trace_observed(input, 0, &mut NoObserver)
    }

    /// Run input `index` of a batch, record every layer's spikes and also report them to
    /// `also` (e.g. a statistics counter), so one forward pass serves both.
    pub fn trace_observed<O: Observer>(&self, input: &[u8], index: usize, also: &mut O) -> Result<Trace, SimError> {
        let empty = vec![Vec::new(); self.layers.len()];
        let digests = vec![vec![MembraneDigest::default(); self.net.timesteps as usize]; self.layers.len()];
        let mut obs = (TraceObserver { layers: empty.clone(), provisional: empty, digests }, also);
        let mut scratch = self.scratch();
        let scores = self.run(input, index, &mut scratch, &mut obs)?;
        let TraceObserver { layers, provisional, digests } = obs.0;
        Ok(Trace { class: argmax(&scores), scores, layers, provisional, digests })
    }

    /// Every layer's membranes after every timestep of one input, `[layer][t][neuron]`
    /// (see [`Observer::membranes`]; empty for a pooling layer).
    pub fn membranes(&self, input: &[u8]) -> Result<Vec<Vec<Vec<i64>>>, SimError> {
        let mut obs = MembraneObserver(vec![vec![Vec::new(); self.net.timesteps as usize]; self.layers.len()]);
        self.run(input, 0, &mut self.scratch(), &mut obs)?;
        Ok(obs.0)
    }

    /// Run one input, reporting spikes to `obs`; returns the scores. `index` names the input
    /// in errors.
    pub fn run<O: Observer>(
        &self,
        input: &[u8],
        index: usize,
        s: &mut Scratch,
        obs: &mut O,
    ) -> Result<Vec<i64>, SimError> {
        self.load_input(input, index, s)?;
        for st in &mut s.stored {
            st.fill(0);
        }
        s.counts.fill(0);
        let last = self.layers.len() - 1;
        for t in 0..self.net.timesteps as usize {
            for (l, layer) in self.layers.iter().enumerate() {
                let n = layer.outputs;
                if let Op::SumPool(p) | Op::MaxPool(p) = &layer.op {
                    // No membrane: the pooled spikes leave in the same timestep.
                    let (before, after) = s.spikes.split_at_mut(l);
                    pool(p, matches!(layer.op, Op::MaxPool(_)), &before[l - 1], &mut after[0]);
                    if l == last {
                        for (c, &v) in s.counts.iter_mut().zip(after[0].iter()) {
                            *c += v as i64;
                        }
                    }
                    obs.spikes(l, t, &s.spikes[l]);
                    continue;
                }
                if l == 0 {
                    if t == 0 {
                        layer.accumulate(&s.input, &mut s.first_acc, &mut s.acc32[..n], &mut s.conv32, &mut s.conv64);
                    }
                    s.acc[..n].copy_from_slice(&s.first_acc);
                } else {
                    let (before, _) = s.spikes.split_at(l);
                    layer.accumulate(&before[l - 1], &mut s.acc[..n], &mut s.acc32[..n], &mut s.conv32, &mut s.conv64);
                }
                let nr = &layer.neuron;
                let readout = matches!(nr.kind, NeuronKind::Readout);
                // u (u1 with lateral connections) = decay(stored) + bias + acc, into acc.
                add_decayed(nr.decay, &s.stored[l], &layer.bias, &mut s.acc[..n]);
                if let Some((lateral, shift)) = &layer.lateral {
                    // Provisional spikes s1 = fire(u1) through R, added to u1.
                    let provisional = &mut s.spikes[l];
                    for (p, &u1) in provisional.iter_mut().zip(&s.acc[..n]) {
                        *p = fire(&nr.kind, nr.threshold_shift, u1);
                    }
                    obs.provisional(l, t, provisional);
                    s.u1[..n].copy_from_slice(&s.acc[..n]);
                    accumulate(lateral, provisional, &mut s.acc[..n], &mut s.acc32[..n]);
                    for (u, &u1) in s.acc[..n].iter_mut().zip(&s.u1[..n]) {
                        *u = u1 + (*u << shift);
                    }
                }
                let out = &mut s.spikes[l];
                let stored = &mut s.stored[l];
                if readout {
                    stored.copy_from_slice(&s.acc[..n]);
                    out.fill(0);
                } else {
                    fire_all(nr, &s.acc[..n], stored, out);
                }
                if l == last && !readout {
                    for (c, &v) in s.counts.iter_mut().zip(out.iter()) {
                        *c += v as i64;
                    }
                }
                obs.spikes(l, t, &s.spikes[l]);
                obs.membranes(l, t, &s.stored[l]);
            }
        }
        Ok(if matches!(self.layers[last].neuron.kind, NeuronKind::Readout) {
            s.stored[last].clone()
        } else {
            s.counts.clone()
        })
    }

    fn load_input(&self, input: &[u8], index: usize, s: &mut Scratch) -> Result<(), SimError> {
        let expected = self.layers[0].inputs;
        if input.len() != expected {
            return Err(SimError::InputLength { input: index, got: input.len(), expected });
        }
        let max = self.net.input.max_value;
        if let Some(position) = input.iter().position(|&v| v as u32 > max) {
            return Err(SimError::InputValue { input: index, position, value: input[position] as u32, max });
        }
        for (d, &v) in s.input.iter_mut().zip(input) {
            *d = v as i32;
        }
        Ok(())
    }

    /// The events layer 0 receives each timestep for `input`, in hardware order (input index
    /// ascending, then plane ascending).
    pub fn input_events(&self, input: &[u8]) -> Vec<SpikeEvent> {
        let mut out = Vec::new();
        for (i, &v) in input.iter().enumerate() {
            self.input_table.push_events(i as u32, v as i32, &mut out);
        }
        out
    }

    /// The events of a list of spikes emitted by `layer`, in hardware order.
    pub fn events(&self, layer: usize, spikes: &[Spike]) -> Vec<SpikeEvent> {
        let mut out = Vec::new();
        if let Some(table) = &self.layers[layer].table {
            for s in spikes {
                table.push_events(s.neuron, s.value, &mut out);
            }
        }
        out
    }

    /// The events `layer` sends at timestep `t` of `trace`, in hardware order: a spiking
    /// layer's spikes in its code; sum pooling's, the events of the layer feeding it with
    /// each source renamed to its window (in the order received); max pooling's, its maxima
    /// in the code of what feeds it; none from a readout layer.
    pub fn wire_events(&self, trace: &Trace, layer: usize, t: usize) -> Vec<SpikeEvent> {
        let spikes = &trace.layers[layer][t];
        match (&self.layers[layer].op, &self.layers[layer].max_pool_table) {
            (Op::SumPool(p), _) => {
                let mut events = self.wire_events(trace, layer - 1, t);
                for e in &mut events {
                    e.source = p.target(e.source as usize) as u32;
                }
                events
            }
            (_, Some(table)) => {
                let mut out = Vec::new();
                for s in spikes {
                    table.push_events(s.neuron, s.value, &mut out);
                }
                out
            }
            _ => self.events(layer, spikes),
        }
    }

    /// The code table of the events `layer` sends ([`Golden::wire_events`]): a spiking
    /// layer's own; a pooling layer's, the code of what feeds it. `None` for a readout layer.
    pub fn wire_table(&self, layer: usize) -> Option<&CodeTable> {
        match (&self.layers[layer].op, &self.layers[layer].max_pool_table) {
            (Op::SumPool(_), _) => self.wire_table(layer - 1),
            (_, Some(table)) => Some(table),
            _ => self.layers[layer].table.as_ref(),
        }
    }

    /// The events `layer` receives at timestep `t`: the input's for layer 0 (the same at
    /// every timestep), else what the layer before sends ([`Golden::wire_events`]).
    pub fn received_events(&self, input: &[u8], trace: &Trace, layer: usize, t: usize) -> Vec<SpikeEvent> {
        if layer == 0 { self.input_events(input) } else { self.wire_events(trace, layer - 1, t) }
    }

    /// Code table of the input values.
    pub fn input_table(&self) -> &CodeTable {
        &self.input_table
    }

    /// Code table of `layer`'s emitted spikes (`None` for a readout or pooling layer).
    pub fn table(&self, layer: usize) -> Option<&CodeTable> {
        self.layers[layer].table.as_ref()
    }

    /// How many neurons one event from input `source` of `layer` updates: every neuron of a
    /// dense layer; for conv the output positions its kernel taps reach times the output
    /// channels; 0 for pooling (a remap or a compare, no synaptic operation).
    pub fn fanout(&self, layer: usize, source: usize) -> u64 {
        let l = &self.layers[layer];
        match &l.op {
            Op::Dense(_) => l.outputs as u64,
            Op::Conv(c) => c.fanout(source),
            Op::SumPool(_) | Op::MaxPool(_) => 0,
        }
    }

    /// For a sum pooling layer, the output input `source`'s events are remapped to (its
    /// window); `None` for every other layer.
    pub fn sum_pool_target(&self, layer: usize, source: usize) -> Option<usize> {
        match &self.layers[layer].op {
            Op::SumPool(p) => Some(p.target(source)),
            _ => None,
        }
    }
}

impl CompiledLayer {
    /// `acc[j]` = the layer's weighted input sum for neuron `j` (dense or conv).
    fn accumulate(&self, input: &[i32], acc: &mut [i64], acc32: &mut [i32], conv32: &mut [i32], conv64: &mut [i64]) {
        match &self.op {
            Op::Dense(weights) => accumulate(weights, input, acc, acc32),
            Op::Conv(c) => match &c.weights.wide {
                None => {
                    let rows = &c.weights.rows;
                    scatter::<i32>(c, input, |r| rows.row(r).to_slice().expect("standard layout"), conv32);
                    transpose(c, conv32, acc);
                }
                Some(w64) => {
                    scatter::<i64>(c, input, |r| w64.row(r).to_slice().expect("standard layout"), conv64);
                    transpose(c, conv64, acc);
                }
            },
            Op::SumPool(_) | Op::MaxPool(_) => unreachable!("pooling layers do not accumulate"),
        }
    }
}

/// Event-driven conv: every non-zero input `(ch, y, x)` adds `s · W[ch][ky][kx][o]` to
/// output `(o, oy, ox)` for every tap `(ky, kx)` that lands on an output position
/// (`y = oy·stride - padding + ky`, likewise `x`). `out` is position-major `[oy][ox][o]`.
fn scatter<'w, A: Acc + 'w>(c: &ConvOp, input: &[i32], row: impl Fn(usize) -> &'w [A], out: &mut [A]) {
    out.fill(A::default());
    let co = c.out_channels;
    for ch in 0..c.channels {
        for y in 0..c.height {
            for x in 0..c.width {
                let s = input[(ch * c.height + y) * c.width + x];
                if s == 0 {
                    continue;
                }
                let s = A::from_i32(s);
                for &(ky, oy) in &c.reach_y[y] {
                    for &(kx, ox) in &c.reach_x[x] {
                        let weights = row((ch * c.kernel + ky) * c.kernel + kx);
                        let base = (oy * c.out_width + ox) * co;
                        for (a, &w) in out[base..base + co].iter_mut().zip(weights) {
                            *a += s * w;
                        }
                    }
                }
            }
        }
    }
}

/// Position-major `[oy][ox][o]` into the channel-major `acc[o·H·W + oy·W + ox]`.
fn transpose<A: Acc + Into<i64>>(c: &ConvOp, from: &[A], acc: &mut [i64]) {
    let positions = c.out_height * c.out_width;
    for (p, row) in from[..positions * c.out_channels].chunks_exact(c.out_channels).enumerate() {
        for (o, &v) in row.iter().enumerate() {
            acc[o * positions + p] = v.into();
        }
    }
}

/// `out[(c, oy, ox)]` = the sum (or the largest) of `input[(c, oy·k + dy, ox·k + dx)]`.
fn pool(p: &PoolOp, max: bool, input: &[i32], out: &mut [i32]) {
    let k = p.kernel;
    let (oh, ow) = (p.height / k, p.width / k);
    for c in 0..p.channels {
        for oy in 0..oh {
            for ox in 0..ow {
                let window = (0..k).flat_map(|dy| {
                    let row = (c * p.height + oy * k + dy) * p.width + ox * k;
                    input[row..row + k].iter().copied()
                });
                out[(c * oh + oy) * ow + ox] = if max { window.max().expect("kernel >= 1") } else { window.sum() };
            }
        }
    }
}

/// `acc[j] = Σ_i input[i] · W[i][j]`, skipping zero inputs (event-driven, like the hardware).
fn accumulate(weights: &Matrix, input: &[i32], acc: &mut [i64], acc32: &mut [i32]) {
    match &weights.wide {
        None => {
            accumulate_rows::<i32>(input, |i| weights.rows.row(i).to_slice().expect("standard layout"), acc32);
            for (a, &b) in acc.iter_mut().zip(acc32.iter()) {
                *a = b as i64;
            }
        }
        Some(w64) => accumulate_rows::<i64>(input, |i| w64.row(i).to_slice().expect("standard layout"), acc),
    }
}

fn accumulate_rows<'w, A: Acc + 'w>(input: &[i32], row: impl Fn(usize) -> &'w [A], acc: &mut [A]) {
    acc.fill(A::default());
    for (i, &s) in input.iter().enumerate() {
        if s == 0 {
            continue;
        }
        let s = A::from_i32(s);
        for (a, &w) in acc.iter_mut().zip(row(i)) {
            *a += s * w;
        }
    }
}

/// `acc[j] += decay(stored[j]) + bias[j]`, the decay chosen once per layer so the loop
/// vectorizes.
fn add_decayed(decay: Decay, stored: &[i64], bias: &[i64], acc: &mut [i64]) {
    let terms = acc.iter_mut().zip(stored).zip(bias);
    match decay {
        Decay::Keep => terms.for_each(|((a, &v), &b)| *a += v + b),
        Decay::Clear => terms.for_each(|((a, _), &b)| *a += b),
        Decay::Shift(k) => terms.for_each(|((a, &v), &b)| *a += (v >> k) + b),
        Decay::Leak(k) => terms.for_each(|((a, &v), &b)| *a += v - (v >> k) + b),
    }
}

/// Fire every neuron of a spiking layer from its membrane `u` and store what the reset
/// leaves (`fire` and `after_reset` are inlined, so the per-neuron match on the layer's
/// kind and reset can be hoisted out of the loop).
fn fire_all(nr: &Neuron, u: &[i64], stored: &mut [i64], out: &mut [i32]) {
    let (kind, q, reset) = (&nr.kind, nr.threshold_shift, nr.reset);
    for ((&u, st), o) in u.iter().zip(stored.iter_mut()).zip(out.iter_mut()) {
        let spike = fire(kind, q, u);
        *st = after_reset(reset, q, u, spike);
        *o = spike;
    }
}

/// First index of the largest score (ties go to the lower class).
pub fn argmax(scores: &[i64]) -> usize {
    let mut best = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = i;
        }
    }
    best
}
