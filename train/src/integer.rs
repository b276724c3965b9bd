//! The trainer's integer-mode forward: the exported [`model::Network`] evaluated with
//! libtorch `int64` tensors, following ARCHITECTURE.md's integer contract step by step
//! (accumulate, integrate with floor-shift decay, fire, reset, store; with lateral
//! connections `u1`, provisional spikes `s1 = fire(u1)`, `u = u1 + s1·R`, then fire and reset
//! from `u`). It is written independently of the golden model (`sim::golden`); a test asserts
//! both agree bit for bit.

use model::{Decay, LayerOp, Network, NeuronKind, Reset};
use tch::{Device, Kind, Tensor};

/// What the integer forward measured.
#[derive(Clone, Debug, PartialEq)]
pub struct IntegerRun {
    /// `[input][class]` scores: readout membranes, or spike counts of a spiking last layer.
    pub scores: Vec<Vec<i64>>,
    /// Class per input (the smallest index of the largest score).
    pub classes: Vec<usize>,
    /// Per layer: histogram of emitted spike values (index `value - min`), `None` for readout.
    pub histograms: Vec<Option<Vec<u64>>>,
    /// Per layer: non-zero spikes emitted over all inputs and timesteps.
    pub spikes: Vec<u64>,
}

struct IntLayer {
    weight: Tensor,
    bias: Tensor,
    /// Lateral weights `[source neuron, neuron]`.
    lateral: Option<Tensor>,
    kind: NeuronKind,
    theta: i64,
    shift: u8,
    decay: Decay,
    reset: Reset,
}

/// Run `images` (`count · input size` values) through `net` (a dense network the trainer
/// exported) in chunks.
pub fn forward(net: &Network, images: &[u8]) -> IntegerRun {
    let size = net.input.size();
    let count = images.len() / size.max(1);
    let layers: Vec<IntLayer> = net
        .layers
        .iter()
        .map(|l| {
            // Only the trainer's own exports come here, and it exports dense layers only (conv
            // training is the next part of issue #14).
            let LayerOp::Dense(d) = &l.op else { unreachable!("the trainer exports dense layers only") };
            let w: Vec<i64> = d.weights.iter().map(|&w| w as i64).collect();
            let b: Vec<i64> = d.bias.iter().map(|&b| b as i64).collect();
            let n = d.outputs as i64;
            IntLayer {
                weight: Tensor::from_slice(&w).view([d.inputs as i64, n]),
                bias: Tensor::from_slice(&b),
                // The shift folded into R: (s1 · R) · 2^p = s1 · (R · 2^p), exact in int64.
                lateral: l.lateral.as_ref().map(|lat| {
                    let r: Vec<i64> = lat.weights.iter().map(|&w| (w as i64) << lat.shift).collect();
                    Tensor::from_slice(&r).view([n, n])
                }),
                kind: l.neuron.kind.clone(),
                theta: l.neuron.threshold(),
                shift: l.neuron.threshold_shift,
                decay: l.neuron.decay,
                reset: l.neuron.reset,
            }
        })
        .collect();
    let mut run = IntegerRun {
        scores: Vec::with_capacity(count),
        classes: Vec::with_capacity(count),
        histograms: net
            .layers
            .iter()
            .map(|l| match l.neuron.kind {
                NeuronKind::Readout => None,
                ref k => Some(vec![0; k.spike_range().len()]),
            })
            .collect(),
        spikes: vec![0; net.layers.len()],
    };
    const CHUNK: usize = 512;
    for start in (0..count).step_by(CHUNK) {
        let n = CHUNK.min(count - start);
        let pixels: Vec<i64> = images[start * size..(start + n) * size].iter().map(|&p| p as i64).collect();
        let x = Tensor::from_slice(&pixels).view([n as i64, size as i64]);
        let scores = chunk(&layers, &x, net.timesteps, &mut run);
        let classes = scores.argmax(1, false);
        let scores: Vec<Vec<i64>> = Vec::<Vec<i64>>::try_from(&scores).expect("int64 scores");
        let classes: Vec<i64> = Vec::<i64>::try_from(&classes).expect("int64 classes");
        run.scores.extend(scores);
        run.classes.extend(classes.into_iter().map(|c| c as usize));
    }
    run
}

fn decay(v: &Tensor, decay: Decay) -> Tensor {
    match decay {
        Decay::Keep => v.shallow_clone(),
        Decay::Clear => v.zeros_like(),
        // floor(v / 2^k), the arithmetic shift of the contract.
        Decay::Shift(k) => v.floor_divide_scalar(1i64 << k),
    }
}

/// The spike of a spiking layer for membrane `u` (step 3 of the contract).
fn fire(layer: &IntLayer, u: &Tensor) -> Tensor {
    match &layer.kind {
        NeuronKind::BinaryLif => u.ge(layer.theta).to_kind(Kind::Int64),
        NeuronKind::Ternary => u.ge(layer.theta).to_kind(Kind::Int64) - u.le(-layer.theta).to_kind(Kind::Int64),
        NeuronKind::Integer { max_spike, .. } => {
            let half = if layer.shift == 0 { 0 } else { 1i64 << (layer.shift - 1) };
            (u + half).floor_divide_scalar(layer.theta).clamp(0, *max_spike as i64)
        }
        NeuronKind::Readout => unreachable!("a readout layer never fires"),
    }
}

fn chunk(layers: &[IntLayer], x: &Tensor, timesteps: u32, run: &mut IntegerRun) -> Tensor {
    let n = x.size()[0];
    let mut membranes: Vec<Tensor> =
        layers.iter().map(|l| Tensor::zeros([n, l.bias.size()[0]], (Kind::Int64, Device::Cpu))).collect();
    let last = layers.len() - 1;
    let mut counts = Tensor::zeros([n, layers[last].bias.size()[0]], (Kind::Int64, Device::Cpu));
    for _t in 0..timesteps {
        let mut input = x.shallow_clone();
        for (l, layer) in layers.iter().enumerate() {
            let mut u = decay(&membranes[l], layer.decay) + &layer.bias + input.matmul(&layer.weight);
            if matches!(layer.kind, NeuronKind::Readout) {
                membranes[l] = u;
                continue;
            }
            if let Some(r) = &layer.lateral {
                // u1 = u so far; provisional spikes s1 = fire(u1), not emitted, no reset.
                u = &u + fire(layer, &u).matmul(r);
            }
            let spikes = fire(layer, &u);
            membranes[l] = match layer.reset {
                Reset::Soft => &u - &spikes * layer.theta,
                Reset::Hard => u.where_scalarother(&spikes.eq(0), 0),
            };
            let min = layer.kind.spike_range().min as i64;
            if let Some(h) = run.histograms[l].as_mut() {
                let bins = (&spikes - min).flatten(0, -1).bincount::<Tensor>(None, h.len() as i64);
                for (slot, c) in h.iter_mut().zip(Vec::<i64>::try_from(&bins).expect("int64 bins")) {
                    *slot += c as u64;
                }
            }
            run.spikes[l] += spikes.ne(0).sum(Kind::Int64).int64_value(&[]) as u64;
            if l == last {
                counts += &spikes;
            }
            input = spikes;
        }
    }
    match layers[last].kind {
        NeuronKind::Readout => membranes.swap_remove(last),
        _ => counts,
    }
}
