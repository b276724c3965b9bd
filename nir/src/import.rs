//! A NIR graph onto spikeforge's integer IR.
//!
//! Two steps. [`lower`] walks the chain ([`crate::chain`]) and folds its nodes into float
//! layers of the shape the IR has (a synapse, then a neuron): a `Scale` or a pooling node
//! between a synapse and its neuron folds into the synapse, a pooling node after a neuron
//! becomes a sum pooling layer. [`quantize`] then turns each float layer into integers.
//!
//! ## Discretization at `dt` (forward Euler, as snnTorch's and Norse's exports assume)
//!
//! | NIR node | per timestep | spikeforge |
//! |---|---|---|
//! | `LIF` | `v += dt/tau · (v_leak - v + r·I)`; fire `v > v_threshold`; `v = v_reset` | binary LIF, leak `λ = 1 - dt/tau`, input gain `dt/tau · r` |
//! | `IF` | `v += dt · r·I` | binary LIF, `λ = 1`, gain `dt · r` |
//! | `CubaLIF` | `I_syn += dt/tau_syn · (w_in·S - I_syn)`, then `LIF` on `I_syn` | only when `tau_syn = dt` (the current does not outlive the step): gain `w_in · dt/tau_mem · r` |
//! | `Threshold` | fire `I > threshold` | binary LIF, `λ = 0` |
//! | `LI` | `v += dt/tau · (v_leak - v + r·I)` | readout, `λ = 1 - dt/tau` |
//! | `I` | `v += dt · r·I` | readout, `λ = 1` |
//! | a synapse straight into `Output` | the current | readout, `λ = 1` (scores are the summed current) |
//!
//! `v_leak` enters as a constant drive `dt/tau · v_leak` added to the bias. Reset follows the
//! node: NIR resets the membrane *to* `v_reset` when it fires (hard reset); spikeforge's hard
//! reset sets it to 0, so `v_reset` must be 0 (a non-zero one is refused). snnTorch's default
//! subtractive reset has no NIR form: its exporter writes `v_reset = 0`, and a network
//! trained with `reset_mechanism="subtract"` imports as what its NIR file says, a hard reset.
//!
//! ## Integers
//!
//! Every neuron's membrane is measured in its own unit: for a spiking layer the unit is
//! chosen so that the threshold is `2^q` exactly (`s = 2^q / v_threshold` per neuron or
//! channel, `q` the largest that keeps every `s · gain · w` inside `weight_bits`); weights and
//! biases are `round(s · gain · w)`. A readout layer uses one power-of-two scale for all its
//! neurons, so scores compare. The leak `λ` becomes the nearest of keep (1), clear (0), `leak:k`
//! (`1 - 2^-k`) and `shift:k` (`2^-k`). Inputs are `pixel · input_scale` in float and the
//! pixel itself in integers, so layer 0's weights carry `input_scale`.

use model::{
    Conv2d, Decay, Dense, Input, Layer, LayerOp, Network, Neuron, NeuronKind, Pool2d, Reset, Shape3, SpikeCode,
};

use crate::NirError;
use crate::chain::{Link, linearize};
use crate::graph::{NirGraph, NirNode, Padding, Param};
use crate::report::ImportReport;

/// How to map a graph's floats onto integers.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportOptions {
    /// The model's name (generated module names are built from it).
    pub name: String,
    /// Timesteps per input (NIR graphs do not say).
    pub timesteps: u32,
    /// Signed width of every weight (1..=16).
    pub weight_bits: u8,
    /// The time step the continuous-time neurons are discretized at (snnTorch exports
    /// assume 1e-4).
    pub dt: f64,
    /// What one unit of the integer input is in the graph's float input (`1/255` for pixels
    /// the network saw scaled to `0..=1`, as torchvision's `ToTensor` does).
    pub input_scale: f64,
    /// The largest integer input value (255 for 8-bit pixels).
    pub input_max: u32,
}

impl ImportOptions {
    /// 8-bit weights, `dt = 1e-4`, 8-bit pixels scaled to `0..=1`.
    pub fn new(name: &str, timesteps: u32) -> ImportOptions {
        ImportOptions {
            name: name.into(),
            timesteps,
            weight_bits: 8,
            dt: 1e-4,
            input_scale: 1.0 / 255.0,
            input_max: 255,
        }
    }
}

/// An imported network and what importing it did.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The integer network (validated).
    pub network: Network,
    /// Every mapping and approximation.
    pub report: crate::ImportReport,
}

/// Maps `graph` onto a validated integer network, or refuses in one line naming the node.
pub fn import(graph: &NirGraph, options: &ImportOptions) -> Result<Imported, NirError> {
    import_with_headroom(graph, options, &[])
}

/// [`import`] with layer `i`'s scale doubled `headroom[i]` more times (see [`quantize`]).
pub fn import_with_headroom(graph: &NirGraph, options: &ImportOptions, headroom: &[u8]) -> Result<Imported, NirError> {
    check_options(options)?;
    let mut report = ImportReport::default();
    let lowered = lower(graph, options, &mut report)?;
    let network = validated(quantize(&lowered, options, headroom, &mut report)?, options)?;
    Ok(Imported { network, report })
}

/// `network` if it passes the IR's rules, else the rule it breaks.
pub(crate) fn validated(network: Network, options: &ImportOptions) -> Result<Network, NirError> {
    network
        .validate()
        .map_err(|e| NirError::Model(model::ModelError::Invalid { origin: options.name.clone(), error: e }))?;
    Ok(network)
}

pub(crate) fn check_options(o: &ImportOptions) -> Result<(), NirError> {
    let bad =
        |field: &str, reason: String| NirError::Unsupported { node: "options".into(), kind: field.into(), reason };
    if !(1..=model::MAX_WEIGHT_BITS).contains(&o.weight_bits) {
        return Err(bad("weight_bits", format!("{} is outside 1..={}", o.weight_bits, model::MAX_WEIGHT_BITS)));
    }
    if !(o.dt.is_finite() && o.dt > 0.0) {
        return Err(bad("dt", format!("{} is not a positive time step", o.dt)));
    }
    if !(o.input_scale.is_finite() && o.input_scale > 0.0) {
        return Err(bad("input_scale", format!("{} is not a positive factor", o.input_scale)));
    }
    Ok(())
}

/// A network between NIR and integers: float layers shaped like the IR's.
#[derive(Clone, Debug, PartialEq)]
pub struct Lowered {
    /// The integer input's shape (`[C, H, W]` or `[N]`).
    pub input_shape: Vec<u32>,
    /// Layers in data-flow order.
    pub layers: Vec<FloatLayer>,
}

/// One float layer: a synapse and the neuron after it (or a pooling layer).
#[derive(Clone, Debug, PartialEq)]
pub struct FloatLayer {
    /// The spikeforge layer name (`fc1`, `conv2`, `pool1`).
    pub name: String,
    /// The NIR nodes folded into it, as `name (type)`.
    pub nodes: Vec<String>,
    /// The synapse, with `input_scale` or a preceding average pooling's `1/k²` already in
    /// the weights.
    pub op: FloatOp,
    /// The neuron; `None` for pooling layers.
    pub neuron: Option<FloatNeuron>,
}

/// A float synapse. Weights use the IR's layouts (`[in][out]`, `[c][ky][kx][o]`).
#[derive(Clone, Debug, PartialEq)]
pub enum FloatOp {
    /// Fully connected.
    Dense {
        /// Inputs.
        inputs: u32,
        /// Outputs.
        outputs: u32,
        /// `[in][out]`.
        weights: Vec<f64>,
        /// `[out]`.
        bias: Vec<f64>,
    },
    /// Square-kernel convolution.
    Conv {
        /// Input `[C, H, W]`.
        input: Shape3,
        /// Output channels.
        out_channels: u32,
        /// Kernel side.
        kernel: u32,
        /// Stride.
        stride: u32,
        /// Zero padding.
        padding: u32,
        /// `[c][ky][kx][o]`.
        weights: Vec<f64>,
        /// `[o]`.
        bias: Vec<f64>,
    },
    /// Sum pooling of spikes over non-overlapping `kernel` windows.
    Pool {
        /// Input `[C, H, W]`.
        input: Shape3,
        /// Window side and stride.
        kernel: u32,
    },
}

impl FloatOp {
    fn columns(&self) -> usize {
        match self {
            FloatOp::Dense { outputs, .. } => *outputs as usize,
            FloatOp::Conv { out_channels, .. } => *out_channels as usize,
            FloatOp::Pool { .. } => 0,
        }
    }

    fn weights_mut(&mut self) -> (&mut Vec<f64>, &mut Vec<f64>) {
        match self {
            FloatOp::Dense { weights, bias, .. } | FloatOp::Conv { weights, bias, .. } => (weights, bias),
            FloatOp::Pool { .. } => unreachable!("pooling has no weights"),
        }
    }

    fn output_shape(&self) -> Shape {
        match self {
            FloatOp::Dense { outputs, .. } => Shape::Flat(*outputs),
            FloatOp::Conv { input, out_channels, kernel, stride, padding, .. } => {
                let side = |n: u32| (n + 2 * padding - kernel) / stride + 1;
                Shape::Map(Shape3 { channels: *out_channels, height: side(input.height), width: side(input.width) })
            }
            FloatOp::Pool { input, kernel } => Shape::Map(Shape3 {
                channels: input.channels,
                height: input.height / kernel,
                width: input.width / kernel,
            }),
        }
    }
}

/// A float neuron, one value per output column (dense neuron or conv channel).
#[derive(Clone, Debug, PartialEq)]
pub struct FloatNeuron {
    /// Spiking (with thresholds) or readout.
    pub fires: bool,
    /// `v_threshold` per column (unused for readout).
    pub threshold: Vec<f64>,
    /// What multiplies the synaptic current (`dt/tau · r` for LIF).
    pub gain: Vec<f64>,
    /// Constant drive per timestep (`dt/tau · v_leak`).
    pub drive: Vec<f64>,
    /// Membrane kept per timestep, `λ` (one per layer).
    pub leak: f64,
    /// How `leak` was derived, for the report (`tau 0.0005 at dt 0.0001`).
    pub leak_source: String,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    Flat(u32),
    Map(Shape3),
}

impl Shape {
    fn size(self) -> usize {
        match self {
            Shape::Flat(n) => n as usize,
            Shape::Map(s) => s.size(),
        }
    }
}

struct Pending {
    op: FloatOp,
    nodes: Vec<String>,
    /// What folding did, reported under the layer's name once it has one.
    notes: Vec<String>,
}

fn unsupported(link: &Link, reason: impl Into<String>) -> NirError {
    NirError::Unsupported { node: link.name.into(), kind: link.node.kind().into(), reason: reason.into() }
}

fn field(link: &Link, field: &str, reason: impl Into<String>) -> NirError {
    NirError::Field {
        node: link.name.into(),
        kind: link.node.kind().into(),
        field: field.into(),
        reason: reason.into(),
    }
}

fn label(link: &Link) -> String {
    format!("{} ({})", link.name, link.node.kind())
}

fn dim(link: &Link, what: &str, v: usize) -> Result<u32, NirError> {
    u32::try_from(v).ok().filter(|&v| v > 0).ok_or_else(|| field(link, what, format!("{v} is not a usable size")))
}

/// Folds the graph's chain into float layers shaped like the IR's.
pub fn lower(graph: &NirGraph, options: &ImportOptions, report: &mut ImportReport) -> Result<Lowered, NirError> {
    let chain = linearize(graph)?;
    let input = chain[0];
    let NirNode::Input { shape } = input.node else { unreachable!("linearize starts at the Input") };
    let mut dims: Vec<u32> = shape.iter().map(|&d| dim(&input, "shape", d)).collect::<Result<_, _>>()?;
    if (dims.len() == 2 || dims.len() == 4) && dims[0] == 1 {
        dims.remove(0);
        report.exact("input", format!("shape {shape:?}: leading batch dimension of 1 dropped"));
    }
    let mut current = match dims[..] {
        [n] => Shape::Flat(n),
        [channels, height, width] => Shape::Map(Shape3 { channels, height, width }),
        _ => return Err(field(&input, "shape", format!("{shape:?}: spikeforge inputs are [N] or [C, H, W]"))),
    };
    report.exact(
        "input",
        format!(
            "integer values 0..={} stand for {} each in the graph's float input (input scale)",
            options.input_max,
            fmt_num(options.input_scale)
        ),
    );
    let input_shape = dims.clone();
    // What one unit of the next synapse's integer input is worth in the float graph.
    let mut multiplier = options.input_scale;
    let mut pending: Option<Pending> = None;
    let mut layers: Vec<FloatLayer> = Vec::new();
    let mut counts = [0usize; 3];
    let mut next_name = |op: &FloatOp| -> String {
        let (i, prefix) = match op {
            FloatOp::Dense { .. } => (0, "fc"),
            FloatOp::Conv { .. } => (1, "conv"),
            FloatOp::Pool { .. } => (2, "pool"),
        };
        counts[i] += 1;
        format!("{prefix}{}", counts[i])
    };

    for link in &chain[1..] {
        match link.node {
            NirNode::Flatten { .. } => {
                if pending.is_some() {
                    return Err(unsupported(link, "a Flatten between a synapse and its neuron"));
                }
                current = Shape::Flat(u32::try_from(current.size()).map_err(|_| field(link, "shape", "too large"))?);
            }
            NirNode::Affine { .. } | NirNode::Linear { .. } | NirNode::Conv2d { .. } => {
                if let Some(p) = &pending {
                    return Err(unsupported(
                        link,
                        format!(
                            "follows synapse {} without a neuron between; a spikeforge layer is one synapse and one neuron",
                            p.nodes.join(", ")
                        ),
                    ));
                }
                let op = synapse(link, current, multiplier)?;
                let mut notes = Vec::new();
                if multiplier != 1.0 {
                    notes.push(format!(
                        "weights x {}, what one unit of its integer input is worth in the graph",
                        fmt_num(multiplier)
                    ));
                }
                multiplier = 1.0;
                pending = Some(Pending { op, nodes: vec![label(link)], notes });
            }
            NirNode::Scale { scale } => match &mut pending {
                Some(p) => {
                    let per = per_column(link, "scale", scale, &p.op)?;
                    let (weights, bias) = p.op.weights_mut();
                    let cols = bias.len();
                    for (i, w) in weights.iter_mut().enumerate() {
                        *w *= per[i % cols];
                    }
                    for (b, s) in bias.iter_mut().zip(&per) {
                        *b *= s;
                    }
                    p.nodes.push(label(link));
                    p.notes.push(format!("{} folded into the weights", label(link)));
                }
                None => {
                    let s = uniform(link, "scale", scale)?;
                    multiplier *= s;
                }
            },
            NirNode::SumPool2d { kernel_size, stride, padding }
            | NirNode::AvgPool2d { kernel_size, stride, padding } => {
                let average = matches!(link.node, NirNode::AvgPool2d { .. });
                let k = pool_kernel(link, *kernel_size, *stride, *padding)?;
                match &mut pending {
                    Some(p) => {
                        fold_pool_into_conv(link, &mut p.op, k, average)?;
                        p.nodes.push(label(link));
                        let FloatOp::Conv { kernel, stride, .. } = &p.op else { unreachable!("fold checked the op") };
                        p.notes.push(format!(
                            "{} pools the conv's currents: folded into one conv, kernel {kernel}, stride {stride}",
                            label(link)
                        ));
                    }
                    None => {
                        let Shape::Map(input) = current else {
                            return Err(unsupported(link, "pooling of a flat (dense) output"));
                        };
                        if layers.is_empty() {
                            return Err(unsupported(
                                link,
                                "pooling the input itself: spikeforge pools a conv layer's spikes",
                            ));
                        }
                        if input.height % k != 0 || input.width % k != 0 {
                            return Err(unsupported(
                                link,
                                format!(
                                    "{k}x{k} windows do not tile {}x{}: spikeforge's pooling windows must cover the map exactly",
                                    input.height, input.width
                                ),
                            ));
                        }
                        let op = FloatOp::Pool { input, kernel: k };
                        current = op.output_shape();
                        let name = next_name(&op);
                        report.exact(&name, format!("from {}", label(link)));
                        if average {
                            multiplier /= (k * k) as f64;
                            report.exact(
                                &name,
                                format!("average pooling as sum pooling; the next synapse's weights carry 1/{}", k * k),
                            );
                        }
                        layers.push(FloatLayer { name, nodes: vec![label(link)], op, neuron: None });
                    }
                }
            }
            NirNode::Lif { .. }
            | NirNode::If { .. }
            | NirNode::CubaLif { .. }
            | NirNode::Threshold { .. }
            | NirNode::Li { .. }
            | NirNode::I { .. } => {
                let Some(mut p) = pending.take() else {
                    return Err(unsupported(link, "a neuron without a synapse before it"));
                };
                let neuron = neuron(link, &p.op, options.dt)?;
                p.nodes.push(label(link));
                current = p.op.output_shape();
                let name = next_name(&p.op);
                report_layer(report, &name, &p);
                layers.push(FloatLayer { name, nodes: p.nodes, op: p.op, neuron: Some(neuron) });
                multiplier = 1.0;
            }
            NirNode::Output { .. } => {
                if let Some(p) = pending.take() {
                    let cols = p.op.columns();
                    let name = next_name(&p.op);
                    report_layer(report, &name, &p);
                    report.exact(&name, "synapse straight into Output: a readout layer whose score is the current summed over timesteps".into());
                    layers.push(FloatLayer {
                        name,
                        nodes: p.nodes,
                        op: p.op,
                        neuron: Some(FloatNeuron {
                            fires: false,
                            threshold: vec![0.0; cols],
                            gain: vec![1.0; cols],
                            drive: vec![0.0; cols],
                            leak: 1.0,
                            leak_source: "no neuron".into(),
                        }),
                    });
                }
            }
            NirNode::Input { .. } => unreachable!("linearize has one Input, first"),
            NirNode::Graph(_) => unreachable!("linearize refuses nested graphs"),
            NirNode::Other { kind } => {
                return Err(unsupported(link, format!("spikeforge has no mapping for {kind} nodes")));
            }
        }
    }
    if layers.is_empty() {
        return Err(NirError::Structure("no synapse between Input and Output".into()));
    }
    Ok(Lowered { input_shape, layers })
}

fn report_layer(report: &mut ImportReport, name: &str, p: &Pending) {
    report.exact(name, format!("from {}", p.nodes.join(", ")));
    for note in &p.notes {
        report.exact(name, note.clone());
    }
}

/// An `Affine`, `Linear` or `Conv2d` node as a float synapse on `current`, inputs worth
/// `multiplier` each.
fn synapse(link: &Link, current: Shape, multiplier: f64) -> Result<FloatOp, NirError> {
    match link.node {
        NirNode::Affine { weight, .. } | NirNode::Linear { weight } => {
            let [outputs, inputs] = weight.shape()[..] else {
                return Err(field(link, "weight", format!("shape {:?}, expected [out, in]", weight.shape())));
            };
            if inputs != current.size() {
                return Err(field(link, "weight", format!("takes {inputs} inputs, but receives {}", current.size())));
            }
            let bias = match link.node {
                NirNode::Affine { bias, .. } => {
                    if bias.len() != outputs {
                        return Err(field(link, "bias", format!("{} values for {outputs} outputs", bias.len())));
                    }
                    bias.iter().copied().collect()
                }
                _ => vec![0.0; outputs],
            };
            let mut weights = vec![0.0; inputs * outputs];
            for ((o, i), &w) in weight.indexed_iter().map(|(ix, w)| ((ix[0], ix[1]), w)) {
                weights[i * outputs + o] = w * multiplier;
            }
            Ok(FloatOp::Dense {
                inputs: dim(link, "weight", inputs)?,
                outputs: dim(link, "weight", outputs)?,
                weights,
                bias,
            })
        }
        NirNode::Conv2d { input_shape, weight, stride, padding, dilation, groups, bias } => {
            let Shape::Map(input) = current else {
                return Err(unsupported(link, "a convolution of a flat input"));
            };
            let [out_channels, in_channels, kh, kw] = weight.shape()[..] else {
                return Err(field(link, "weight", format!("shape {:?}, expected [out, in, kh, kw]", weight.shape())));
            };
            if *groups != 1 {
                return Err(unsupported(
                    link,
                    format!("groups {groups}: spikeforge convolutions connect every input channel"),
                ));
            }
            if *dilation != [1, 1] {
                return Err(unsupported(link, format!("dilation {dilation:?}: spikeforge kernels are dense")));
            }
            if kh != kw {
                return Err(unsupported(link, format!("kernel {kh}x{kw}: spikeforge kernels are square")));
            }
            if stride[0] != stride[1] {
                return Err(unsupported(
                    link,
                    format!("stride {stride:?}: spikeforge strides are the same on both axes"),
                ));
            }
            let pad = match padding {
                Padding::Explicit([py, px]) if py == px => *py,
                Padding::Explicit(p) => {
                    return Err(unsupported(link, format!("padding {p:?}: spikeforge pads both axes alike")));
                }
                Padding::Valid => 0,
                Padding::Same if stride[0] == 1 && kh % 2 == 1 => kh / 2,
                Padding::Same => return Err(unsupported(link, "padding \"same\" with an even kernel or a stride")),
            };
            if in_channels != input.channels as usize {
                return Err(field(
                    link,
                    "weight",
                    format!("{in_channels} input channels, but receives {}", input.channels),
                ));
            }
            if let Some(s) = input_shape {
                let hw = &s[s.len().saturating_sub(2)..];
                if hw != [input.height as usize, input.width as usize] {
                    return Err(field(link, "input_shape", format!("{s:?}, but receives {input}")));
                }
            }
            if bias.len() != out_channels {
                return Err(field(link, "bias", format!("{} values for {out_channels} channels", bias.len())));
            }
            if pad >= kh {
                return Err(unsupported(link, format!("padding {pad} is not smaller than the kernel {kh}")));
            }
            let k = kh;
            let padded = |n: u32| n as usize + 2 * pad;
            if padded(input.height) < k || padded(input.width) < k {
                return Err(unsupported(link, format!("kernel {k} is larger than the padded input {input}")));
            }
            let mut weights = vec![0.0; in_channels * k * k * out_channels];
            for (ix, &w) in weight.indexed_iter() {
                let (o, c, ky, kx) = (ix[0], ix[1], ix[2], ix[3]);
                weights[((c * k + ky) * k + kx) * out_channels + o] = w * multiplier;
            }
            let op = FloatOp::Conv {
                input,
                out_channels: dim(link, "weight", out_channels)?,
                kernel: dim(link, "weight", k)?,
                stride: dim(link, "stride", stride[0])?,
                padding: pad as u32,
                weights,
                bias: bias.iter().copied().collect(),
            };
            Ok(op)
        }
        _ => unreachable!("called for synapses only"),
    }
}

/// Non-overlapping square windows without padding, the only pooling the IR has.
fn pool_kernel(link: &Link, kernel: [usize; 2], stride: [usize; 2], padding: [usize; 2]) -> Result<u32, NirError> {
    if kernel[0] != kernel[1] {
        return Err(unsupported(link, format!("kernel {kernel:?}: spikeforge pools square windows")));
    }
    if stride != kernel {
        return Err(unsupported(
            link,
            format!(
                "stride {stride:?} with kernel {kernel:?}: spikeforge pools non-overlapping windows (stride = kernel)"
            ),
        ));
    }
    if padding != [0, 0] {
        return Err(unsupported(link, format!("padding {padding:?}: spikeforge pools without padding")));
    }
    dim(link, "kernel_size", kernel[0])
}

/// Pooling a conv's currents with `k x k` windows (stride `k`) is a conv of its own: kernel
/// `(k-1)·S + K`, stride `k·S`, the same padding, and weights the `k x k` box sum of the
/// original (shifted by `S`), over `k²` for an average. Exact, including PyTorch's floor
/// of a map the windows do not tile.
fn fold_pool_into_conv(link: &Link, op: &mut FloatOp, k: u32, average: bool) -> Result<(), NirError> {
    let FloatOp::Conv { input, out_channels, kernel, stride, padding, weights, bias } = op else {
        return Err(unsupported(link, "pooling the currents of a dense synapse"));
    };
    let (c_in, o_n, kk, s) = (input.channels as usize, *out_channels as usize, *kernel as usize, *stride as usize);
    let k = k as usize;
    let folded_kernel = (k - 1) * s + kk;
    let norm = if average { 1.0 / (k * k) as f64 } else { 1.0 };
    let mut folded = vec![0.0; c_in * folded_kernel * folded_kernel * o_n];
    for c in 0..c_in {
        for ky in 0..kk {
            for kx in 0..kk {
                for dy in 0..k {
                    for dx in 0..k {
                        let (a, b) = (dy * s + ky, dx * s + kx);
                        for o in 0..o_n {
                            folded[((c * folded_kernel + a) * folded_kernel + b) * o_n + o] +=
                                norm * weights[((c * kk + ky) * kk + kx) * o_n + o];
                        }
                    }
                }
            }
        }
    }
    if !average {
        bias.iter_mut().for_each(|b| *b *= (k * k) as f64);
    }
    *weights = folded;
    *kernel = folded_kernel as u32;
    *stride = (k * s) as u32;
    if *padding >= *kernel {
        return Err(unsupported(link, "padding not smaller than the folded kernel"));
    }
    Ok(())
}

/// A parameter as one value per output column (dense neuron or conv channel): a scalar is
/// repeated; one value per neuron of a conv map must be the same across each channel.
fn per_column(link: &Link, name: &str, p: &Param, op: &FloatOp) -> Result<Vec<f64>, NirError> {
    let cols = op.columns();
    let values: Vec<f64> = p.iter().copied().collect();
    if values.len() == 1 {
        return Ok(vec![values[0]; cols]);
    }
    if values.len() == cols {
        return Ok(values);
    }
    let per_channel = op.output_shape().size() / cols.max(1);
    if let FloatOp::Conv { .. } = op
        && values.len() == cols * per_channel
    {
        let mut out = Vec::with_capacity(cols);
        for (c, chunk) in values.chunks(per_channel).enumerate() {
            if chunk.iter().any(|v| (v - chunk[0]).abs() > 1e-9 * chunk[0].abs().max(1.0)) {
                return Err(unsupported(
                    link,
                    format!(
                        "`{name}` differs across the positions of channel {c}: a conv layer's neurons share their channel's parameters"
                    ),
                ));
            }
            out.push(chunk[0]);
        }
        return Ok(out);
    }
    Err(field(link, name, format!("{} values (shape {:?}) for {cols} neurons or channels", values.len(), p.shape())))
}

fn uniform(link: &Link, name: &str, p: &Param) -> Result<f64, NirError> {
    let first = p.iter().next().copied().ok_or_else(|| field(link, name, "empty"))?;
    if p.iter().any(|v| (v - first).abs() > 1e-12 * first.abs().max(1.0)) {
        return Err(unsupported(
            link,
            format!("`{name}` differs across elements here: only a uniform factor folds into the next synapse"),
        ));
    }
    Ok(first)
}

/// The neuron node after a synapse, discretized at `dt`.
fn neuron(link: &Link, op: &FloatOp, dt: f64) -> Result<FloatNeuron, NirError> {
    let col = |name: &str, p: &Param| per_column(link, name, p, op);
    let cols = op.columns();
    let leak_of = |tau: &Param, name: &str| -> Result<(f64, String), NirError> {
        let t = uniform(link, name, tau).map_err(|_| {
            unsupported(link, format!("`{name}` differs across neurons: spikeforge layers have one leak"))
        })?;
        if t <= 0.0 {
            return Err(field(link, name, format!("{t} is not a positive time constant")));
        }
        Ok((1.0 - dt / t, format!("{name} {} at dt {}", fmt_num(t), fmt_num(dt))))
    };
    let zero_reset = |v_reset: &Param| -> Result<(), NirError> {
        match v_reset.iter().find(|v| **v != 0.0) {
            Some(v) => Err(unsupported(link, format!("v_reset {v}: spikeforge's hard reset sets the membrane to 0"))),
            None => Ok(()),
        }
    };
    let positive = |name: &str, v: Vec<f64>| -> Result<Vec<f64>, NirError> {
        match v.iter().find(|t| **t <= 0.0) {
            Some(t) => Err(unsupported(link, format!("{name} {t}: spikeforge thresholds are positive powers of two"))),
            None => Ok(v),
        }
    };
    Ok(match link.node {
        NirNode::Lif { tau, r, v_leak, v_threshold, v_reset } => {
            zero_reset(v_reset)?;
            let (leak, leak_source) = leak_of(tau, "tau")?;
            let a = dt / uniform(link, "tau", tau)?;
            FloatNeuron {
                fires: true,
                threshold: positive("v_threshold", col("v_threshold", v_threshold)?)?,
                gain: col("r", r)?.iter().map(|r| a * r).collect(),
                drive: col("v_leak", v_leak)?.iter().map(|v| a * v).collect(),
                leak,
                leak_source,
            }
        }
        NirNode::If { r, v_threshold, v_reset } => {
            zero_reset(v_reset)?;
            FloatNeuron {
                fires: true,
                threshold: positive("v_threshold", col("v_threshold", v_threshold)?)?,
                gain: col("r", r)?.iter().map(|r| dt * r).collect(),
                drive: vec![0.0; cols],
                leak: 1.0,
                leak_source: "IF (no leak)".into(),
            }
        }
        NirNode::CubaLif { tau_syn, tau_mem, r, v_leak, v_threshold, v_reset, w_in } => {
            zero_reset(v_reset)?;
            let ts = uniform(link, "tau_syn", tau_syn)?;
            let alpha = 1.0 - dt / ts;
            if alpha.abs() > 1e-6 {
                return Err(unsupported(
                    link,
                    format!(
                        "synaptic current decays by {} per step (tau_syn {} at dt {}): spikeforge neurons have one state, the membrane; only tau_syn = dt maps",
                        fmt_num(alpha),
                        fmt_num(ts),
                        fmt_num(dt)
                    ),
                ));
            }
            let (leak, leak_source) = leak_of(tau_mem, "tau_mem")?;
            let a = dt / uniform(link, "tau_mem", tau_mem)?;
            let w = col("w_in", w_in)?;
            FloatNeuron {
                fires: true,
                threshold: positive("v_threshold", col("v_threshold", v_threshold)?)?,
                gain: col("r", r)?.iter().zip(&w).map(|(r, w)| a * r * w).collect(),
                drive: col("v_leak", v_leak)?.iter().map(|v| a * v).collect(),
                leak,
                leak_source,
            }
        }
        NirNode::Threshold { threshold } => FloatNeuron {
            fires: true,
            threshold: positive("threshold", col("threshold", threshold)?)?,
            gain: vec![1.0; cols],
            drive: vec![0.0; cols],
            leak: 0.0,
            leak_source: "Threshold (no state)".into(),
        },
        NirNode::Li { tau, r, v_leak } => {
            let (leak, leak_source) = leak_of(tau, "tau")?;
            let a = dt / uniform(link, "tau", tau)?;
            FloatNeuron {
                fires: false,
                threshold: vec![0.0; cols],
                gain: col("r", r)?.iter().map(|r| a * r).collect(),
                drive: col("v_leak", v_leak)?.iter().map(|v| a * v).collect(),
                leak,
                leak_source,
            }
        }
        NirNode::I { r } => FloatNeuron {
            fires: false,
            threshold: vec![0.0; cols],
            gain: col("r", r)?.iter().map(|r| dt * r).collect(),
            drive: vec![0.0; cols],
            leak: 1.0,
            leak_source: "I (no leak)".into(),
        },
        _ => unreachable!("called for neurons only"),
    })
}

/// The decay nearest to the leak factor `λ`: keep, clear, `leak:k` (`1 - 2^-k`) or
/// `shift:k` (`2^-k`), ties to the first in that order.
///
/// ```
/// use model::Decay;
/// assert_eq!(nir::import::nearest_decay(1.0), Decay::Keep);
/// assert_eq!(nir::import::nearest_decay(0.875), Decay::Leak(3));
/// assert_eq!(nir::import::nearest_decay(0.3), Decay::Shift(2));
/// ```
pub fn nearest_decay(leak: f64) -> Decay {
    let mut candidates = vec![(Decay::Keep, 1.0), (Decay::Clear, 0.0)];
    candidates.extend((1..=16u8).map(|k| (Decay::Leak(k), 1.0 - (-(k as f64)).exp2())));
    candidates.extend((2..=16u8).map(|k| (Decay::Shift(k), (-(k as f64)).exp2())));
    candidates.into_iter().min_by(|a, b| (a.1 - leak).abs().total_cmp(&(b.1 - leak).abs())).map_or(Decay::Keep, |c| c.0)
}

/// The factor `λ` a decay keeps per timestep (before the floor of the integer shift).
pub fn decay_factor(decay: Decay) -> f64 {
    match decay {
        Decay::Keep => 1.0,
        Decay::Clear => 0.0,
        Decay::Shift(k) => (-(k as f64)).exp2(),
        Decay::Leak(k) => 1.0 - (-(k as f64)).exp2(),
    }
}

/// Turns float layers into a validated-shape integer network, reporting every rounding.
///
/// `headroom[i]` (missing: 0) doubles layer `i`'s integer scale that many more times than
/// the largest one that clips no weight: finer steps for the many small weights, the few
/// largest clipped to the range ([`crate::calibrate`] chooses it on data).
pub fn quantize(
    lowered: &Lowered,
    options: &ImportOptions,
    headroom: &[u8],
    report: &mut ImportReport,
) -> Result<Network, NirError> {
    let wmax = ((1i64 << (options.weight_bits - 1)) - 1) as f64;
    let mut layers = Vec::new();
    let mut previous_kind = NeuronKind::BinaryLif;
    for (index, l) in lowered.layers.iter().enumerate() {
        let extra = headroom.get(index).copied().unwrap_or(0);
        let Some(neuron) = &l.neuron else {
            let FloatOp::Pool { input, kernel } = l.op else { unreachable!("only pooling has no neuron") };
            layers.push(Layer {
                name: l.name.clone(),
                op: LayerOp::SumPool2d(Pool2d {
                    channels: input.channels,
                    in_height: input.height,
                    in_width: input.width,
                    kernel,
                }),
                neuron: Neuron::pooling(previous_kind.clone()),
                histogram: None,
                lateral: None,
            });
            continue;
        };
        let (weights, bias) = match &l.op {
            FloatOp::Dense { weights, bias, .. } | FloatOp::Conv { weights, bias, .. } => (weights, bias),
            FloatOp::Pool { .. } => unreachable!("pooling has no neuron"),
        };
        let cols = bias.len();
        // Effective float weights: what one unit of input adds to the membrane.
        let eff: Vec<f64> = weights.iter().enumerate().map(|(i, w)| w * neuron.gain[i % cols]).collect();
        let eff_bias: Vec<f64> = (0..cols).map(|o| bias[o] * neuron.gain[o] + neuron.drive[o]).collect();
        let mut col_max = vec![0.0f64; cols];
        for (i, w) in eff.iter().enumerate() {
            col_max[i % cols] = col_max[i % cols].max(w.abs());
        }
        let (scales, threshold_shift) = if neuron.fires {
            // The largest q that keeps every column's weights inside wmax once its threshold is 2^q.
            let room = (0..cols)
                .filter(|&o| col_max[o] > 0.0)
                .map(|o| wmax * neuron.threshold[o] / col_max[o])
                .fold(f64::INFINITY, f64::min);
            let q = if room.is_finite() {
                (room.log2().floor() + extra as f64).clamp(0.0, model::MAX_THRESHOLD_SHIFT as f64) as u8
            } else {
                8
            };
            let theta = (1u64 << q) as f64;
            let thresholds = unique(&neuron.threshold);
            let factor = if neuron.threshold.iter().all(|t| *t == neuron.threshold[0]) {
                fmt_num(theta / neuron.threshold[0])
            } else {
                "2^q / v_threshold per neuron".into()
            };
            report.exact(
                &l.name,
                format!("v_threshold {thresholds} -> 2^{q} = {}: weights and bias x {factor}", 1u64 << q),
            );
            ((0..cols).map(|o| theta / neuron.threshold[o]).collect::<Vec<_>>(), q)
        } else {
            // A power of two, as for spiking layers: weights on a binary grid stay exact.
            let m = col_max.iter().copied().fold(0.0, f64::max);
            let s = if m > 0.0 { ((wmax / m).log2().floor() + extra as f64).exp2() } else { 1.0 };
            report.exact(
                &l.name,
                format!("readout: weights and bias x {} for every neuron, so scores compare", fmt_num(s)),
            );
            (vec![s; cols], 0)
        };
        let mut int_weights = Vec::with_capacity(eff.len());
        let (mut clipped, mut zeroed, mut worst) = (0usize, 0usize, 0.0f64);
        for (i, w) in eff.iter().enumerate() {
            let exact = w * scales[i % cols];
            let r = exact.round().clamp(-wmax - 1.0, wmax);
            if r != exact.round() {
                clipped += 1;
            }
            if r == 0.0 && *w != 0.0 {
                zeroed += 1;
            }
            worst = worst.max((r - exact).abs());
            int_weights.push(r as i32);
        }
        let text = format!(
            "{} weights to {} bits (largest |w| {} -> {}), rounding error up to {} of a step{}{}",
            eff.len(),
            options.weight_bits,
            fmt_num(col_max.iter().copied().fold(0.0, f64::max)),
            int_weights.iter().map(|w| w.unsigned_abs()).max().unwrap_or(0),
            fmt_num(worst),
            if zeroed > 0 { format!(", {zeroed} became 0") } else { String::new() },
            if clipped > 0 { format!(", {clipped} clipped to the range") } else { String::new() },
        );
        if worst > 0.0 || clipped > 0 {
            report.approx(&l.name, text)
        } else {
            report.exact(&l.name, text)
        }
        let limit = (1i64 << (model::MAX_BIAS_BITS - 1)) as f64;
        let mut int_bias = Vec::with_capacity(cols);
        let mut bias_worst = 0.0f64;
        for o in 0..cols {
            let exact = eff_bias[o] * scales[o];
            let r = exact.round().clamp(-limit, limit - 1.0);
            bias_worst = bias_worst.max((r - exact).abs());
            int_bias.push(r as i32);
        }
        let bias_bits = int_bias.iter().map(|&b| signed_bits(b as i64)).max().unwrap_or(1);
        if bias_worst > 0.0 {
            report.approx(
                &l.name,
                format!("bias to {bias_bits} bits, rounding error up to {} of a step", fmt_num(bias_worst)),
            );
        }
        let decay = nearest_decay(neuron.leak);
        let kept = decay_factor(decay);
        let decay_text = if (kept - neuron.leak).abs() <= 1e-6 {
            format!(
                "{} -> decay {decay} (λ {}{})",
                neuron.leak_source,
                fmt_num(kept),
                if matches!(decay, Decay::Leak(_) | Decay::Shift(_)) { ", the integer shift floors" } else { "" }
            )
        } else {
            format!("{} -> decay {decay} (λ {}, was {})", neuron.leak_source, fmt_num(kept), fmt_num(neuron.leak))
        };
        if kept == neuron.leak && matches!(decay, Decay::Keep | Decay::Clear) {
            report.exact(&l.name, decay_text);
        } else {
            // shift and leak floor the membrane, so even an exact factor rounds.
            report.approx(&l.name, decay_text);
        }
        let kind = if neuron.fires { NeuronKind::BinaryLif } else { NeuronKind::Readout };
        let op = match &l.op {
            FloatOp::Dense { inputs, outputs, .. } => LayerOp::Dense(Dense {
                inputs: *inputs,
                outputs: *outputs,
                weight_bits: options.weight_bits,
                bias_bits,
                weights: int_weights,
                bias: int_bias,
            }),
            FloatOp::Conv { input, out_channels, kernel, stride, padding, .. } => LayerOp::Conv2d(Conv2d {
                in_channels: input.channels,
                in_height: input.height,
                in_width: input.width,
                out_channels: *out_channels,
                kernel: *kernel,
                stride: *stride,
                padding: *padding,
                weight_bits: options.weight_bits,
                bias_bits,
                weights: int_weights,
                bias: int_bias,
            }),
            FloatOp::Pool { .. } => unreachable!("handled above"),
        };
        previous_kind = kind.clone();
        layers.push(Layer {
            name: l.name.clone(),
            op,
            neuron: Neuron { kind, threshold_shift, decay, reset: Reset::Hard },
            histogram: None,
            lateral: None,
        });
    }
    if lowered.layers.iter().any(|l| l.neuron.as_ref().is_some_and(|n| n.fires)) {
        report.approx(
            "graph",
            "neurons fire at v >= 2^q where NIR fires at v > v_threshold: they differ only when a membrane lands exactly on the threshold".into(),
        );
    }
    let input = Input {
        shape: lowered.input_shape.clone(),
        max_value: options.input_max,
        code: SpikeCode::binary(options.input_max),
    };
    let mut net = Network::new(&options.name, options.timesteps, input, layers);
    net.provenance.trained = true;
    net.provenance.generator = "spikeforge import (NIR)".into();
    Ok(net)
}

/// Width of the smallest two's-complement word holding `v` (at least 1).
fn signed_bits(v: i64) -> u8 {
    let magnitude = if v < 0 { !v } else { v };
    (64 - magnitude.leading_zeros() + 1) as u8
}

fn unique(values: &[f64]) -> String {
    let first = values.first().copied().unwrap_or(0.0);
    if values.iter().all(|v| *v == first) {
        fmt_num(first)
    } else {
        format!("{} values from {}", values.len(), fmt_num(first))
    }
}

/// A float in at most four significant digits, without noise (`0.0005`, `152.4`, `1`).
pub(crate) fn fmt_num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (3 - v.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use ndarray::{ArrayD, IxDyn};
    use proptest::prelude::*;

    use super::*;
    use crate::float::{FloatNet, Tensor, conv, pool};

    fn arr(shape: &[usize], values: Vec<f64>) -> Param {
        ArrayD::from_shape_vec(IxDyn(shape), values).unwrap()
    }

    fn chain_graph(nodes: Vec<(&str, NirNode)>) -> NirGraph {
        let edges = nodes.windows(2).map(|w| (w[0].0.to_string(), w[1].0.to_string())).collect();
        NirGraph { nodes: nodes.into_iter().map(|(k, n)| (k.to_string(), n)).collect(), edges }
    }

    proptest! {
        /// Pooling a conv's currents equals the folded conv, for every kernel, stride,
        /// padding and window: the fold is exact, floor of an untiled map included.
        #[test]
        fn folding_a_pool_into_a_conv_is_exact(
            (c, h, w) in (1usize..3, 4usize..11, 4usize..11),
            (o, k, s, p) in (1usize..3, 1usize..4, 1usize..3, 0usize..2),
            window in 1usize..4,
            average in any::<bool>(),
            seed in any::<u64>(),
        ) {
            prop_assume!(p < k && h + 2 * p >= k && w + 2 * p >= k);
            let ho = (h + 2 * p - k) / s + 1;
            let wo = (w + 2 * p - k) / s + 1;
            prop_assume!(ho >= window && wo >= window);
            let mut rng = seed;
            let mut next = move || { rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); ((rng >> 33) % 17) as f64 - 8.0 };
            let weight = arr(&[o, c, k, k], (0..o * c * k * k).map(|_| next()).collect());
            let bias = arr(&[o], (0..o).map(|_| next()).collect());
            let x = Tensor { shape: vec![c, h, w], data: (0..c * h * w).map(|_| next().abs()).collect() };
            let direct = conv(&weight, &bias, [s, s], &Padding::Explicit([p, p]), [1, 1], &x).unwrap();
            let pooled = pool([window, window], [window, window], average, &direct).unwrap();
            let g = chain_graph(vec![
                ("in", NirNode::Input { shape: vec![c, h, w] }),
                ("conv", NirNode::Conv2d { input_shape: None, weight: weight.clone(), stride: [s, s], padding: Padding::Explicit([p, p]), dilation: [1, 1], groups: 1, bias: bias.clone() }),
                ("out", NirNode::Output { shape: vec![] }),
            ]);
            let link = Link { name: "pool", node: &g.nodes["conv"] };
            let mut op = synapse(&Link { name: "conv", node: &g.nodes["conv"] }, Shape::Map(Shape3 { channels: c as u32, height: h as u32, width: w as u32 }), 1.0).unwrap();
            fold_pool_into_conv(&link, &mut op, window as u32, average).unwrap();
            let FloatOp::Conv { kernel, stride, padding, weights, bias: fb, .. } = &op else { unreachable!() };
            let (kk, oo) = (*kernel as usize, o);
            // back to NIR's [out, in, kh, kw] to run the folded conv through the same code
            let mut folded = vec![0.0; oo * c * kk * kk];
            for cc in 0..c { for ky in 0..kk { for kx in 0..kk { for q in 0..oo {
                folded[((q * c + cc) * kk + ky) * kk + kx] = weights[((cc * kk + ky) * kk + kx) * oo + q];
            }}}}
            let once = conv(&arr(&[oo, c, kk, kk], folded), &arr(&[oo], fb.clone()), [*stride as usize; 2], &Padding::Explicit([*padding as usize; 2]), [1, 1], &x).unwrap();
            prop_assert_eq!(&once.shape, &pooled.shape);
            for (a, b) in once.data.iter().zip(&pooled.data) {
                prop_assert!((a - b).abs() < 1e-9, "{} vs {}", a, b);
            }
        }

        /// On graphs whose float arithmetic is exact (weights and biases on a binary grid,
        /// membranes never exactly on the threshold, IF at dt = 1/2 or stateless LIF), the
        /// imported integer network gives the float graph's scores exactly.
        #[test]
        fn exact_graphs_import_exactly(
            (c, h, w) in (1usize..3, 4usize..8, 4usize..8),
            (o1, k) in (1usize..4, 1usize..4),
            hidden in 1usize..6,
            sum_pool in any::<bool>(),
            stateless in any::<bool>(),
            timesteps in 1u32..4,
            seed in any::<u64>(),
        ) {
            let ho = h - k + 1;
            let wo = w - k + 1;
            let window = if sum_pool && ho % 2 == 0 && wo % 2 == 0 { 2 } else { 1 };
            let mut rng = seed;
            let mut next = move |n: u64| { rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); ((rng >> 33) % (2 * n + 1)) as f64 - n as f64 };
            // weights k/8 with |k| <= 63; biases also on that grid plus 1/16, so no membrane
            // is ever exactly 1.0.
            let grid = |v: f64| v / 8.0;
            let conv_w = arr(&[o1, c, k, k], (0..o1 * c * k * k).map(|_| grid(next(63))).collect());
            let conv_b = arr(&[o1], (0..o1).map(|_| grid(next(20)) + 1.0 / 16.0).collect());
            let flat = o1 * (ho / window) * (wo / window);
            let fc_w = arr(&[hidden, flat], (0..hidden * flat).map(|_| grid(next(63))).collect());
            let fc_b = arr(&[hidden], (0..hidden).map(|_| grid(next(20)) + 1.0 / 16.0).collect());
            let dt = 0.5;
            let one = |v: f64| arr(&[], vec![v]);
            let neuron = |stateless: bool| if stateless {
                NirNode::Lif { tau: one(dt), r: one(1.0), v_leak: one(0.0), v_threshold: one(1.0), v_reset: one(0.0) }
            } else {
                NirNode::If { r: one(2.0), v_threshold: one(1.0), v_reset: one(0.0) }
            };
            let mut nodes = vec![
                ("input", NirNode::Input { shape: vec![1, c, h, w] }),
                ("conv", NirNode::Conv2d { input_shape: Some(vec![h, w]), weight: conv_w, stride: [1, 1], padding: Padding::Valid, dilation: [1, 1], groups: 1, bias: conv_b }),
                ("lif1", neuron(stateless)),
            ];
            if window == 2 {
                nodes.push(("pool", NirNode::SumPool2d { kernel_size: [2, 2], stride: [2, 2], padding: [0, 0] }));
            }
            nodes.extend([
                ("flat", NirNode::Flatten { start_dim: 0, end_dim: -1 }),
                ("fc", NirNode::Affine { weight: fc_w, bias: fc_b }),
                ("output", NirNode::Output { shape: vec![hidden] }),
            ]);
            let g = chain_graph(nodes);
            let options = ImportOptions { dt, input_scale: 1.0, input_max: 3, ..ImportOptions::new("exact", timesteps) };
            let imported = import(&g, &options).unwrap();
            let golden = sim::golden::Golden::new(&imported.network).unwrap();
            let float = FloatNet::new(&g, dt, 1.0, timesteps).unwrap();
            for _ in 0..4 {
                let pixels: Vec<u8> = (0..c * h * w).map(|_| next(1) as u8 + 1).collect();
                let f = float.scores(&pixels).unwrap();
                let trace = golden.trace(&pixels).unwrap();
                // the readout's integer scale: its scores are the float ones times one factor
                let scale = trace.scores.iter().zip(&f).find(|(_, f)| f.abs() > 1e-9).map(|(i, f)| *i as f64 / f);
                for (i, fv) in trace.scores.iter().zip(&f) {
                    let expected = scale.map_or(0.0, |s| fv * s);
                    prop_assert!((*i as f64 - expected).abs() < 1e-6, "integer {:?} vs float {:?}", trace.scores, f);
                }
            }
        }
    }

    #[test]
    fn decays_round_to_the_nearest_factor() {
        assert_eq!(nearest_decay(0.8), Decay::Leak(2));
        assert_eq!(nearest_decay(0.9), Decay::Leak(3));
        assert_eq!(nearest_decay(0.97), Decay::Leak(5));
        assert_eq!(nearest_decay(0.0), Decay::Clear);
        assert_eq!(nearest_decay(0.2), Decay::Shift(2));
        assert_eq!(nearest_decay(0.9999999), Decay::Keep);
    }

    #[test]
    fn fmt_num_keeps_four_significant_digits() {
        assert_eq!(fmt_num(0.0005), "0.0005");
        assert_eq!(fmt_num(152.4321), "152.4");
        assert_eq!(fmt_num(1.0), "1");
        assert_eq!(fmt_num(1.0 / 255.0), "0.003922");
    }
}
