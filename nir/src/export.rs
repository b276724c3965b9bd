//! A spikeforge model as a NIR graph.
//!
//! Binary LIF layers with hard reset become NIR's standard nodes: `Affine` (dense) or
//! `Conv2d` (conv) for the synapse, `SumPool2d` for sum pooling, `Flatten` where a map
//! meets a dense layer, and a `LIF` whose discretization at `dt` ([`crate::import`]'s
//! table) is the layer's integer arithmetic:
//!
//! | spikeforge decay | `λ` | LIF `tau` | `r` (so `dt/tau · r = 1`) |
//! |---|---|---|---|
//! | `leak:k` | `1 - 2^-k` | `dt · 2^k` | `2^k` |
//! | `shift:k` | `2^-k` | `dt / (1 - 2^-k)` | `tau / dt` |
//! | `clear` | 0 | `dt` | 1 |
//! | `keep` | 1 | `dt · 2^24` (`λ = 1 - 2^-24`; NIR's `IF` would be exact, but snnTorch's importer reads it as a leaky neuron) | `2^24` |
//!
//! `v_threshold = 2^q - 1/2`: an integer membrane `u` has `u >= 2^q` exactly when
//! `u > 2^q - 1/2`, so firing matches NIR's strict `>`. `v_reset = 0`, `v_leak = 0`. The
//! graph takes the integer input values themselves (`0..=max_value`) as its float input.
//!
//! Exact in float for `keep` (up to `2^-24` of leak) and `clear`; for `leak:k` and `shift:k`
//! the float membrane keeps `λ·v` where the integer one floors it, so a float run can fire
//! where the integer one does not. A readout layer with `keep` is its synapse straight into
//! `Output` (the score is the summed current); with another decay an `LI` node.
//!
//! Refused, with the reason: ternary and integer (LMS) neurons (NIR neurons emit 0 or 1 and
//! no combination of standard nodes shares one membrane between several thresholds),
//! soft reset (a NIR LIF resets *to* `v_reset`), lateral connections (NIR recurrence
//! arrives one timestep later), max pooling (NIR 1.0 has no max pooling node).

use std::collections::BTreeMap;

use model::{Decay, LayerOp, Network, NeuronKind, Reset};
use ndarray::{ArrayD, IxDyn};

use crate::NirError;
use crate::graph::{NirGraph, NirNode, Padding};

/// The graph of `net` for a simulator stepping at `dt`.
pub fn export(net: &Network, dt: f64) -> Result<NirGraph, NirError> {
    let mut nodes = BTreeMap::new();
    let mut edges = Vec::new();
    let shape: Vec<usize> = net.input.shape.iter().map(|&d| d as usize).collect();
    nodes.insert("input".to_string(), NirNode::Input { shape: shape.clone() });
    let mut last = "input".to_string();
    let mut spatial = shape.len() == 3;
    let mut chain = |nodes: &mut BTreeMap<String, NirNode>, name: String, node: NirNode, last: &mut String| {
        nodes.insert(name.clone(), node);
        edges.push((last.clone(), name.clone()));
        *last = name;
    };
    for (index, layer) in net.layers.iter().enumerate() {
        let refuse =
            |reason: String| NirError::Unsupported { node: layer.name.clone(), kind: layer.op.name().into(), reason };
        if layer.lateral.is_some() {
            return Err(refuse(
                "lateral connections act within a timestep; NIR recurrence arrives one timestep later".into(),
            ));
        }
        match &layer.op {
            LayerOp::Dense(d) => {
                if spatial {
                    chain(
                        &mut nodes,
                        format!("{}_flatten", layer.name),
                        NirNode::Flatten { start_dim: 0, end_dim: -1 },
                        &mut last,
                    );
                }
                let (i_n, o_n) = (d.inputs as usize, d.outputs as usize);
                let mut weight = ArrayD::zeros(IxDyn(&[o_n, i_n]));
                for i in 0..i_n {
                    for o in 0..o_n {
                        weight[[o, i]] = d.weights[i * o_n + o] as f64;
                    }
                }
                let bias = vector(&d.bias);
                chain(&mut nodes, layer.name.clone(), NirNode::Affine { weight, bias }, &mut last);
            }
            LayerOp::Conv2d(c) => {
                let (ci, co, k) = (c.in_channels as usize, c.out_channels as usize, c.kernel as usize);
                let mut weight = ArrayD::zeros(IxDyn(&[co, ci, k, k]));
                for (ix, w) in weight.indexed_iter_mut() {
                    *w = c.weights[c.weight_index(ix[1] as u32, ix[2] as u32, ix[3] as u32, ix[0] as u32)] as f64;
                }
                let (s, p) = (c.stride as usize, c.padding as usize);
                chain(
                    &mut nodes,
                    layer.name.clone(),
                    NirNode::Conv2d {
                        input_shape: Some(vec![c.in_height as usize, c.in_width as usize]),
                        weight,
                        stride: [s, s],
                        padding: Padding::Explicit([p, p]),
                        dilation: [1, 1],
                        groups: 1,
                        bias: vector(&c.bias),
                    },
                    &mut last,
                );
            }
            LayerOp::SumPool2d(p) => {
                let k = p.kernel as usize;
                chain(
                    &mut nodes,
                    layer.name.clone(),
                    NirNode::SumPool2d { kernel_size: [k, k], stride: [k, k], padding: [0, 0] },
                    &mut last,
                );
                continue;
            }
            LayerOp::MaxPool2d(_) => return Err(refuse("NIR 1.0 has no max pooling node".into())),
        }
        let n = &layer.neuron;
        let outputs = layer.outputs();
        let per_neuron = |v: f64| ArrayD::from_elem(IxDyn(&[outputs]), v);
        let per_map = |v: f64| match layer.output_shape() {
            Some(s) => ArrayD::from_elem(IxDyn(&[s.channels as usize, s.height as usize, s.width as usize]), v),
            None => per_neuron(v),
        };
        let (tau, r) = lif_constants(n.decay, dt);
        match &n.kind {
            NeuronKind::BinaryLif => {
                if n.reset == Reset::Soft {
                    return Err(refuse("soft reset subtracts the threshold; a NIR LIF resets to v_reset".into()));
                }
                let node = NirNode::Lif {
                    tau: per_map(tau),
                    r: per_map(r),
                    v_leak: per_map(0.0),
                    v_threshold: per_map(n.threshold() as f64 - 0.5),
                    v_reset: per_map(0.0),
                };
                chain(&mut nodes, format!("{}_lif", layer.name), node, &mut last);
            }
            NeuronKind::Readout => {
                if index + 1 != net.layers.len() {
                    return Err(refuse("a readout layer before the last".into()));
                }
                if n.decay != Decay::Keep {
                    let node = NirNode::Li { tau: per_map(tau), r: per_map(r), v_leak: per_map(0.0) };
                    chain(&mut nodes, format!("{}_li", layer.name), node, &mut last);
                }
            }
            NeuronKind::Ternary => {
                return Err(refuse(
                    "ternary neurons fire +1 and -1 from one membrane; NIR neurons emit 0 or 1 and no standard nodes share a membrane between two thresholds".into(),
                ));
            }
            NeuronKind::Integer { max_spike, .. } => {
                return Err(refuse(format!(
                    "integer (LMS) neurons emit round(u / 2^q) up to {max_spike}; NIR neurons emit 0 or 1 and no standard nodes share a membrane between several thresholds"
                )));
            }
        }
        spatial = layer.output_shape().is_some();
    }
    let out_shape = match net.layers.last().and_then(|l| l.output_shape()) {
        Some(s) => vec![s.channels as usize, s.height as usize, s.width as usize],
        None => vec![net.classes()],
    };
    chain(&mut nodes, "output".into(), NirNode::Output { shape: out_shape }, &mut last);
    Ok(NirGraph { nodes, edges })
}

/// A LIF's `tau` and `r` at `dt` whose discretization keeps `λ` of the decay and adds the
/// current with gain 1 (the module doc's table).
pub fn lif_constants(decay: Decay, dt: f64) -> (f64, f64) {
    let tau = match decay {
        Decay::Leak(k) => dt * (k as f64).exp2(),
        Decay::Shift(k) => dt / (1.0 - (-(k as f64)).exp2()),
        Decay::Clear => dt,
        Decay::Keep => dt * 24f64.exp2(),
    };
    (tau, tau / dt)
}

fn vector(values: &[i32]) -> ArrayD<f64> {
    ArrayD::from_shape_vec(IxDyn(&[values.len()]), values.iter().map(|&v| v as f64).collect()).expect("1-D")
}
