//! A model's static summary (what `spikeforge inspect` prints): shapes, widths, neurons,
//! codes, proven datapath widths, and synaptic operations and energy per inference,
//! expected from the layers' spike histograms where the file has them, else upper bounds.

use model::bounds;
use model::{Decay, LayerOp, Network, NeuronKind, Reset};
use serde::Serialize;

use crate::eval::{E_AC_PJ, E_MAC_PJ};

/// Per-layer summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerSummary {
    /// Layer name.
    pub name: String,
    /// e.g. `dense 784x128`, `conv2d 1x28x28 k5 s1 p2`, `max_pool2d 2x2`.
    pub op: String,
    /// What the layer emits: `16x28x28` for conv and pooling layers, the width for dense.
    pub output_shape: String,
    /// Inputs one neuron sums: `M` for dense, `C·K·K` for conv, `K·K` for pooling.
    pub fan_in: usize,
    /// Weights plus biases.
    pub parameters: usize,
    /// Signed weight width.
    pub weight_bits: u32,
    /// Neuron kind label (`-` for pooling).
    pub neuron: String,
    /// D for integer neurons.
    pub max_spike: Option<u32>,
    /// Emitted spike code (`-` for readout).
    pub code: String,
    /// Threshold as `2^q`.
    pub threshold_shift: u8,
    /// `keep`, `clear`, `>>k` or `leak:k`.
    pub decay: String,
    /// `hard` or `soft`.
    pub reset: String,
    /// Proven accumulator width.
    pub accumulator_bits: u32,
    /// Proven membrane width.
    pub membrane_bits: u32,
    /// `M · N · T`: what a dense ANN layer would multiply (for conv: every input position
    /// times the outputs its kernel reaches, times T; 0 for pooling).
    pub dense_macs: f64,
    /// Synaptic operations per inference: received events times the neurons each one
    /// updates (N for dense), over T timesteps; 0 for pooling.
    pub synaptic_ops: f64,
    /// `true` when `synaptic_ops` comes from the previous layer's histogram, `false` when it
    /// is the worst case (every input at its most expensive value).
    pub expected: bool,
    /// Seeds' convention: layer 0 at `dense_macs · E_MAC`, later layers at
    /// `synaptic_ops · E_AC` (pJ).
    pub energy_pj: f64,
}

/// Whole-model summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelSummary {
    /// Model name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Provenance flag.
    pub trained: bool,
    /// T.
    pub timesteps: u32,
    /// Input shape.
    pub input_shape: Vec<u32>,
    /// Input maximum.
    pub input_max: u32,
    /// Input plane code.
    pub input_code: String,
    /// Weights plus biases.
    pub parameters: usize,
    /// Per layer.
    pub layers: Vec<LayerSummary>,
    /// Sum of layer energies, pJ (an upper bound if any layer's ops are).
    pub energy_pj: f64,
}

/// Mean events per value of a histogram (bin `i` counts value `i + min`) sent in `table`'s
/// code; `None` for an empty histogram.
fn events_per_value(histogram: &[u64], table: &model::CodeTable, min: i32) -> Option<f64> {
    let total: u64 = histogram.iter().sum();
    let events: f64 = histogram
        .iter()
        .enumerate()
        .map(|(i, &c)| c as f64 * table.events_for((i as i32 + min).unsigned_abs()).unwrap_or(0) as f64)
        .sum();
    (total > 0).then(|| events / total as f64)
}

/// Mean events one input value of layer `l` arrives as, and whether that is expected from a
/// histogram (else the worst case). A sum-pooled value arrives as its window's events
/// (`kernel²` values' worth); a max-pooled one as one value of the feeding layer's code
/// (worst case: pooling changes the distribution the feeding histogram describes).
fn input_events_per_value(net: &Network, l: usize) -> (f64, bool) {
    if l > 0 {
        match &net.layers[l - 1].op {
            LayerOp::SumPool2d(p) => {
                let (e, expected) = input_events_per_value(net, l - 1);
                return (e * (p.kernel * p.kernel) as f64, expected);
            }
            LayerOp::MaxPool2d(_) => {
                let range = net.input_range_of(l);
                let table = net.input_code_of(l).table(range.max.unsigned_abs()).expect("validated code");
                return (table.max_events() as f64, false);
            }
            _ => {}
        }
    }
    let code = net.input_code_of(l);
    let range = net.input_range_of(l);
    let table = code.table(range.max.unsigned_abs()).expect("validated code");
    let worst = table.max_events() as f64;
    let from_hist = (l > 0)
        .then(|| net.layers[l - 1].histogram.as_ref())
        .flatten()
        .and_then(|h| events_per_value(h, &table, range.min));
    (from_hist.unwrap_or(worst), from_hist.is_some())
}

/// Summarize a validated network.
pub fn summarize(net: &Network) -> ModelSummary {
    let all = bounds::analyze(net);
    let t = net.timesteps as f64;
    let layers = net
        .layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            let (per_value, expected) = input_events_per_value(net, l);
            let t_ops = |fanout_sum: f64| fanout_sum * t * per_value;
            let (mut synaptic_ops, dense_macs, op, fan_in) = match &layer.op {
                LayerOp::Dense(d) => {
                    let (m, n) = (d.inputs as f64, d.outputs as f64);
                    let op = match &layer.lateral {
                        Some(_) => format!("dense {}x{} +lateral", d.inputs, d.outputs),
                        None => format!("dense {}x{}", d.inputs, d.outputs),
                    };
                    (m * t * per_value * n, layer.weight_rows() as f64 * n * t, op, d.inputs as usize)
                }
                LayerOp::Conv2d(c) => {
                    let reach = layer.dense_synops() as f64;
                    let op = format!("conv2d {} k{} s{} p{}", c.input_shape(), c.kernel, c.stride, c.padding);
                    (t_ops(reach), reach * t, op, (c.in_channels * c.kernel * c.kernel) as usize)
                }
                LayerOp::SumPool2d(p) | LayerOp::MaxPool2d(p) => {
                    (0.0, 0.0, format!("{} {}x{}", layer.op.name(), p.kernel, p.kernel), (p.kernel * p.kernel) as usize)
                }
            };
            let n = layer.outputs() as f64;
            // The lateral pass replays the layer's own spikes: their events per neuron from its
            // own histogram (the emitted spikes stand in for the provisional ones), else the
            // worst case.
            if layer.lateral.is_some() {
                let own = layer.neuron.kind.code();
                let range = layer.neuron.kind.spike_range();
                let table = own.table(range.max.unsigned_abs()).expect("validated code");
                let worst = table.max_events();
                let per_neuron = layer
                    .histogram
                    .as_ref()
                    .and_then(|h| events_per_value(h, &table, range.min))
                    .unwrap_or(worst as f64);
                synaptic_ops += n * t * per_neuron * n;
            }
            let pooling = layer.is_pooling();
            LayerSummary {
                name: layer.name.clone(),
                op,
                output_shape: layer.output_shape().map_or_else(|| layer.outputs().to_string(), |s| s.to_string()),
                fan_in,
                parameters: layer.parameters(),
                weight_bits: layer.weight_bits(),
                neuron: if pooling { "-".into() } else { layer.neuron.kind.label() },
                max_spike: match layer.neuron.kind {
                    NeuronKind::Integer { max_spike, .. } => Some(max_spike),
                    _ => None,
                },
                code: if matches!(layer.neuron.kind, NeuronKind::Readout) {
                    "-".into()
                } else {
                    if pooling { net.input_code_of(l).label() } else { layer.neuron.kind.code().label() }
                },
                threshold_shift: layer.neuron.threshold_shift,
                decay: match layer.neuron.decay {
                    Decay::Keep => "keep".into(),
                    Decay::Clear => "clear".into(),
                    Decay::Shift(k) => format!(">>{k}"),
                    Decay::Leak(k) => format!("leak:{k}"),
                },
                reset: match layer.neuron.reset {
                    Reset::Hard => "hard".into(),
                    Reset::Soft => "soft".into(),
                },
                accumulator_bits: all[l].accumulator_bits,
                membrane_bits: all[l].membrane_bits,
                dense_macs,
                synaptic_ops,
                expected,
                energy_pj: if l == 0 { dense_macs * E_MAC_PJ } else { synaptic_ops * E_AC_PJ },
            }
        })
        .collect::<Vec<_>>();
    ModelSummary {
        name: net.name.clone(),
        description: net.description.clone(),
        trained: net.provenance.trained,
        timesteps: net.timesteps,
        input_shape: net.input.shape.clone(),
        input_max: net.input.max_value,
        input_code: net.input.code.label(),
        parameters: net.parameters(),
        energy_pj: layers.iter().map(|l| l.energy_pj).sum(),
        layers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_summary() {
        let mut net = model::examples::tiny_network();
        let s = summarize(&net);
        assert_eq!(s.layers[0].op, "dense 6x5");
        assert_eq!(s.layers[0].dense_macs, 60.0);
        assert_eq!(s.layers[0].energy_pj, 60.0 * E_MAC_PJ);
        // Layer 1 receives D = 3 spikes in code [1, 2]: worst case 2 events per value.
        assert!(!s.layers[1].expected);
        assert_eq!(s.layers[1].synaptic_ops, 5.0 * 2.0 * 2.0 * 3.0);
        // With a histogram (half zeros, half 3s) the expectation is 1 event per value.
        net.layers[0].histogram = Some(vec![5, 0, 0, 5]);
        let s = summarize(&net);
        assert!(s.layers[1].expected);
        assert_eq!(s.layers[1].synaptic_ops, 5.0 * 2.0 * 1.0 * 3.0);
    }
}
