//! A NIR graph as typed Rust data: one variant per NIR primitive with the fields the
//! Python package `nir` 1.0.8 writes, every parameter array as `f64`.
//!
//! NIR's neurons are continuous-time ODEs (`tau`, `r`, `v_leak`, `v_threshold`); how
//! spikeforge discretizes them is in [`crate::float`] and [`crate::import`]. Parameters
//! may be scalars (shape `[]`) or one value per neuron; [`Param`] reads both.

use std::collections::BTreeMap;

use ndarray::ArrayD;

/// A NIR graph: named nodes and directed edges `(from, to)`.
#[derive(Clone, Debug, PartialEq)]
pub struct NirGraph {
    /// Nodes by name (NIR names are strings such as `"input"`, `"0"`, `"lif1"`).
    pub nodes: BTreeMap<String, NirNode>,
    /// Edges in file order.
    pub edges: Vec<(String, String)>,
}

/// Zero-dimensional or per-element parameter array.
pub type Param = ArrayD<f64>;

/// One NIR node. Field names follow the NIR specification; arrays keep NIR's layouts
/// (`Affine.weight` is `[out, in]`, `Conv2d.weight` is `[out, in, kh, kw]`).
// A graph holds tens of nodes: boxing the parameter-heavy variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum NirNode {
    /// Graph input of the given shape (may start with a batch dimension of 1).
    Input {
        /// Shape of one input.
        shape: Vec<usize>,
    },
    /// Graph output of the given shape.
    Output {
        /// Shape of one output.
        shape: Vec<usize>,
    },
    /// `y = W x + b`.
    Affine {
        /// `[out, in]`.
        weight: Param,
        /// `[out]`.
        bias: Param,
    },
    /// `y = W x`.
    Linear {
        /// `[out, in]`.
        weight: Param,
    },
    /// `y = scale ⊙ x`.
    Scale {
        /// Element-wise factors.
        scale: Param,
    },
    /// 2-D convolution (cross-correlation, as in PyTorch).
    Conv2d {
        /// `[H, W]` of the input, when the file gives it.
        input_shape: Option<Vec<usize>>,
        /// `[out, in / groups, kh, kw]`.
        weight: Param,
        /// `[sy, sx]`.
        stride: [usize; 2],
        /// `[py, px]` zero padding.
        padding: Padding,
        /// `[dy, dx]`.
        dilation: [usize; 2],
        /// Channel groups.
        groups: usize,
        /// `[out]`.
        bias: Param,
    },
    /// Sum over `kernel_size` windows.
    SumPool2d {
        /// `[kh, kw]`.
        kernel_size: [usize; 2],
        /// `[sy, sx]`.
        stride: [usize; 2],
        /// `[py, px]`.
        padding: [usize; 2],
    },
    /// Mean over `kernel_size` windows.
    AvgPool2d {
        /// `[kh, kw]`.
        kernel_size: [usize; 2],
        /// `[sy, sx]`.
        stride: [usize; 2],
        /// `[py, px]`.
        padding: [usize; 2],
    },
    /// Flattens dimensions `start_dim..=end_dim` (negative counts from the end).
    Flatten {
        /// First flattened dimension.
        start_dim: i64,
        /// Last flattened dimension.
        end_dim: i64,
    },
    /// `dv/dt = r I`; `z = v > v_threshold`; `v = v_reset` where `z`.
    If {
        /// Resistance.
        r: Param,
        /// Firing threshold.
        v_threshold: Param,
        /// Reset potential.
        v_reset: Param,
    },
    /// `tau dv/dt = (v_leak - v) + r I`; `z = v > v_threshold`; `v = v_reset` where `z`.
    Lif {
        /// Membrane time constant.
        tau: Param,
        /// Resistance.
        r: Param,
        /// Leak potential.
        v_leak: Param,
        /// Firing threshold.
        v_threshold: Param,
        /// Reset potential.
        v_reset: Param,
    },
    /// `tau_syn dI/dt = -I + w_in S`, then a LIF on `I`.
    CubaLif {
        /// Synaptic time constant.
        tau_syn: Param,
        /// Membrane time constant.
        tau_mem: Param,
        /// Resistance.
        r: Param,
        /// Leak potential.
        v_leak: Param,
        /// Firing threshold.
        v_threshold: Param,
        /// Reset potential.
        v_reset: Param,
        /// Input weight.
        w_in: Param,
    },
    /// Leaky integrator without firing: `tau dv/dt = (v_leak - v) + r I`.
    Li {
        /// Time constant.
        tau: Param,
        /// Resistance.
        r: Param,
        /// Leak potential.
        v_leak: Param,
    },
    /// Integrator without leak or firing: `dv/dt = r I`.
    I {
        /// Resistance.
        r: Param,
    },
    /// Stateless Heaviside: `z = I > threshold`.
    Threshold {
        /// Threshold.
        threshold: Param,
    },
    /// A nested graph (snnTorch writes its recurrent `RSynaptic` as one).
    Graph(NirGraph),
    /// A NIR primitive spikeforge has no mapping for (`Delay`, `Conv1d`, `CubaLI`, ...),
    /// kept by name so the refusal can say what it was.
    Other {
        /// The node's `type` string.
        kind: String,
    },
}

/// Conv2d padding: explicit sizes or one of PyTorch's names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Padding {
    /// `[py, px]`.
    Explicit([usize; 2]),
    /// `"same"` (output size equals input size at stride 1).
    Same,
    /// `"valid"` (no padding).
    Valid,
}

impl NirNode {
    /// The NIR `type` string of the node.
    pub fn kind(&self) -> &str {
        match self {
            NirNode::Input { .. } => "Input",
            NirNode::Output { .. } => "Output",
            NirNode::Affine { .. } => "Affine",
            NirNode::Linear { .. } => "Linear",
            NirNode::Scale { .. } => "Scale",
            NirNode::Conv2d { .. } => "Conv2d",
            NirNode::SumPool2d { .. } => "SumPool2d",
            NirNode::AvgPool2d { .. } => "AvgPool2d",
            NirNode::Flatten { .. } => "Flatten",
            NirNode::If { .. } => "IF",
            NirNode::Lif { .. } => "LIF",
            NirNode::CubaLif { .. } => "CubaLIF",
            NirNode::Li { .. } => "LI",
            NirNode::I { .. } => "I",
            NirNode::Threshold { .. } => "Threshold",
            NirNode::Graph(_) => "NIRGraph",
            NirNode::Other { kind } => kind,
        }
    }

    /// Number of parameters (array elements) the node holds, nested graphs included.
    pub fn parameters(&self) -> usize {
        let arrays: Vec<&Param> = match self {
            NirNode::Affine { weight, bias } => vec![weight, bias],
            NirNode::Linear { weight } => vec![weight],
            NirNode::Scale { scale } => vec![scale],
            NirNode::Conv2d { weight, bias, .. } => vec![weight, bias],
            NirNode::If { r, v_threshold, v_reset } => vec![r, v_threshold, v_reset],
            NirNode::Lif { tau, r, v_leak, v_threshold, v_reset } => vec![tau, r, v_leak, v_threshold, v_reset],
            NirNode::CubaLif { tau_syn, tau_mem, r, v_leak, v_threshold, v_reset, w_in } => {
                vec![tau_syn, tau_mem, r, v_leak, v_threshold, v_reset, w_in]
            }
            NirNode::Li { tau, r, v_leak } => vec![tau, r, v_leak],
            NirNode::I { r } => vec![r],
            NirNode::Threshold { threshold } => vec![threshold],
            NirNode::Graph(g) => return g.nodes.values().map(NirNode::parameters).sum(),
            _ => vec![],
        };
        arrays.iter().map(|a| a.len()).sum()
    }
}

impl NirGraph {
    /// Edges leaving `node`, in file order.
    pub fn successors<'a>(&'a self, node: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.edges.iter().filter(move |(a, _)| a == node).map(|(_, b)| b.as_str())
    }

    /// Edges entering `node`, in file order.
    pub fn predecessors<'a>(&'a self, node: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.edges.iter().filter(move |(_, b)| b == node).map(|(a, _)| a.as_str())
    }
}
