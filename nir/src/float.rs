//! A NIR graph run in float, node by node, at a time step `dt`: what the graph means before
//! any folding or rounding, to hold the imported integer network against.
//!
//! Every timestep the input (`pixel · input_scale`, the same each step) flows through the
//! chain in order; neurons keep their state between steps (forward Euler at `dt`, the
//! formulas in [`crate::import`]'s table; CubaLIF in full, with its synaptic current). The
//! score of an output is the sum over timesteps of what reaches `Output` (spike counts,
//! currents), or for an `LI` / `I` node feeding `Output` its membrane after the last step,
//! the same rule the integer golden model uses.

use ndarray::ArrayD;

use crate::NirError;
use crate::chain::{Link, linearize};
use crate::graph::{NirGraph, NirNode, Padding, Param};

/// A graph ready to run: the chain and its discretization.
pub struct FloatNet<'a> {
    chain: Vec<Link<'a>>,
    dt: f64,
    input_scale: f64,
    timesteps: u32,
    /// The input's shape without a leading batch dimension of 1.
    input_shape: Vec<usize>,
    /// Whether the score is the last membrane (LI / I into Output) rather than a sum.
    last_state: bool,
}

/// A value between nodes: numbers and their shape (`[N]` or `[C, H, W]`).
#[derive(Clone, Debug)]
pub(crate) struct Tensor {
    pub(crate) shape: Vec<usize>,
    pub(crate) data: Vec<f64>,
}

/// What a node keeps between timesteps.
#[derive(Clone, Debug, Default)]
struct State {
    v: Vec<f64>,
    current: Vec<f64>,
}

impl<'a> FloatNet<'a> {
    /// Prepares `graph` for float runs of `timesteps` steps at `dt`.
    pub fn new(graph: &'a NirGraph, dt: f64, input_scale: f64, timesteps: u32) -> Result<FloatNet<'a>, NirError> {
        let chain = linearize(graph)?;
        let NirNode::Input { shape } = chain[0].node else { unreachable!("linearize starts at the Input") };
        let mut input_shape = shape.clone();
        if (input_shape.len() == 2 || input_shape.len() == 4) && input_shape[0] == 1 {
            input_shape.remove(0);
        }
        let last_state =
            chain.len() >= 2 && matches!(chain[chain.len() - 2].node, NirNode::Li { .. } | NirNode::I { .. });
        for link in &chain {
            if let NirNode::Other { kind } = link.node {
                return Err(NirError::Unsupported {
                    node: link.name.into(),
                    kind: kind.clone(),
                    reason: "the float simulator has no semantics for it".into(),
                });
            }
        }
        Ok(FloatNet { chain, dt, input_scale, timesteps, input_shape, last_state })
    }

    /// Values one input holds.
    pub fn input_size(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// Refuses a data set whose inputs do not have the graph's input size.
    pub fn check_size(&self, data: &datasets::Dataset) -> Result<(), NirError> {
        if data.image_size() == self.input_size() {
            return Ok(());
        }
        Err(NirError::Input {
            index: 0,
            reason: format!(
                "{} has {} values per input, the graph takes {}",
                data.name,
                data.image_size(),
                self.input_size()
            ),
        })
    }

    /// Scores of one input (pixels as integers).
    pub fn scores(&self, pixels: &[u8]) -> Result<Vec<f64>, NirError> {
        if pixels.len() != self.input_size() {
            return Err(NirError::Input {
                index: 0,
                reason: format!("{} values, the graph's input takes {}", pixels.len(), self.input_size()),
            });
        }
        let input = Tensor {
            shape: self.input_shape.clone(),
            data: pixels.iter().map(|&p| p as f64 * self.input_scale).collect(),
        };
        let mut states = vec![State::default(); self.chain.len()];
        let mut scores: Vec<f64> = Vec::new();
        for _ in 0..self.timesteps {
            let mut x = input.clone();
            for (i, link) in self.chain.iter().enumerate().skip(1) {
                if matches!(link.node, NirNode::Output { .. }) {
                    break;
                }
                x = self.step(link, &mut states[i], x)?;
            }
            if self.last_state || scores.is_empty() {
                scores = x.data;
            } else {
                scores.iter_mut().zip(&x.data).for_each(|(s, v)| *s += v);
            }
        }
        Ok(scores)
    }

    fn step(&self, link: &Link, state: &mut State, x: Tensor) -> Result<Tensor, NirError> {
        let dt = self.dt;
        let bad =
            |reason: String| NirError::Unsupported { node: link.name.into(), kind: link.node.kind().into(), reason };
        Ok(match link.node {
            NirNode::Affine { weight, bias } => affine(weight, Some(bias), &x),
            NirNode::Linear { weight } => affine(weight, None, &x),
            NirNode::Scale { scale } => {
                let s = broadcast(scale, &x.shape).map_err(bad)?;
                Tensor { data: x.data.iter().zip(&s).map(|(a, b)| a * b).collect(), shape: x.shape }
            }
            NirNode::Conv2d { weight, stride, padding, dilation, groups, bias, .. } => {
                if *groups != 1 {
                    return Err(bad(format!("groups {groups}")));
                }
                conv(weight, bias, *stride, padding, *dilation, &x).map_err(bad)?
            }
            NirNode::SumPool2d { kernel_size, stride, padding }
            | NirNode::AvgPool2d { kernel_size, stride, padding } => {
                if *padding != [0, 0] {
                    return Err(bad(format!("padding {padding:?}")));
                }
                let average = matches!(link.node, NirNode::AvgPool2d { .. });
                pool(*kernel_size, *stride, average, &x).map_err(bad)?
            }
            NirNode::Flatten { .. } => Tensor { shape: vec![x.data.len()], data: x.data },
            NirNode::Lif { tau, r, v_leak, v_threshold, v_reset } => {
                let p = |a: &Param| broadcast(a, &x.shape).map_err(&bad);
                state.v.resize(x.data.len(), 0.0);
                leaky_update(&mut state.v, dt, &p(tau)?, &p(r)?, &p(v_leak)?, &x.data);
                Tensor { data: fire(&mut state.v, &p(v_threshold)?, &p(v_reset)?), shape: x.shape }
            }
            NirNode::If { r, v_threshold, v_reset } => {
                let p = |a: &Param| broadcast(a, &x.shape).map_err(&bad);
                state.v.resize(x.data.len(), 0.0);
                for ((v, r), x) in state.v.iter_mut().zip(&p(r)?).zip(&x.data) {
                    *v += dt * r * x;
                }
                Tensor { data: fire(&mut state.v, &p(v_threshold)?, &p(v_reset)?), shape: x.shape }
            }
            NirNode::CubaLif { tau_syn, tau_mem, r, v_leak, v_threshold, v_reset, w_in } => {
                let p = |a: &Param| broadcast(a, &x.shape).map_err(&bad);
                state.current.resize(x.data.len(), 0.0);
                for ((c, ts), (w, x)) in state.current.iter_mut().zip(&p(tau_syn)?).zip(p(w_in)?.iter().zip(&x.data)) {
                    *c += dt / ts * (w * x - *c);
                }
                state.v.resize(x.data.len(), 0.0);
                leaky_update(&mut state.v, dt, &p(tau_mem)?, &p(r)?, &p(v_leak)?, &state.current);
                Tensor { data: fire(&mut state.v, &p(v_threshold)?, &p(v_reset)?), shape: x.shape }
            }
            NirNode::Li { tau, r, v_leak } => {
                let p = |a: &Param| broadcast(a, &x.shape).map_err(&bad);
                state.v.resize(x.data.len(), 0.0);
                leaky_update(&mut state.v, dt, &p(tau)?, &p(r)?, &p(v_leak)?, &x.data);
                Tensor { shape: x.shape, data: state.v.clone() }
            }
            NirNode::I { r } => {
                let r = broadcast(r, &x.shape).map_err(bad)?;
                state.v.resize(x.data.len(), 0.0);
                for ((v, r), x) in state.v.iter_mut().zip(&r).zip(&x.data) {
                    *v += dt * r * x;
                }
                Tensor { shape: x.shape, data: state.v.clone() }
            }
            NirNode::Threshold { threshold } => {
                let th = broadcast(threshold, &x.shape).map_err(bad)?;
                Tensor {
                    data: x.data.iter().zip(&th).map(|(v, t)| if v > t { 1.0 } else { 0.0 }).collect(),
                    shape: x.shape,
                }
            }
            NirNode::Input { .. } | NirNode::Output { .. } | NirNode::Graph(_) | NirNode::Other { .. } => {
                unreachable!("Input/Output are skipped, the rest refused in new")
            }
        })
    }
}

/// `v += dt/tau · (v_leak - v + r·i)`, element by element (LIF, LI, CubaLIF's membrane).
fn leaky_update(v: &mut [f64], dt: f64, tau: &[f64], r: &[f64], v_leak: &[f64], i: &[f64]) {
    for (k, v) in v.iter_mut().enumerate() {
        *v += dt / tau[k] * (v_leak[k] - *v + r[k] * i[k]);
    }
}

/// NIR's firing rule after the update: `z = v > v_threshold`, and `v = v_reset` where `z`.
fn fire(v: &mut [f64], threshold: &[f64], reset: &[f64]) -> Vec<f64> {
    v.iter_mut()
        .zip(threshold.iter().zip(reset))
        .map(|(v, (th, r))| {
            if *v > *th {
                *v = *r;
                1.0
            } else {
                0.0
            }
        })
        .collect()
}

/// A parameter for every element of `shape`: a scalar, one per element, or one per channel
/// of a `[C, H, W]` map.
fn broadcast(p: &Param, shape: &[usize]) -> Result<Vec<f64>, String> {
    let n: usize = shape.iter().product();
    let values: Vec<f64> = p.iter().copied().collect();
    match values.len() {
        1 => Ok(vec![values[0]; n]),
        len if len == n => Ok(values),
        len if shape.len() == 3 && len == shape[0] => {
            let per = shape[1] * shape[2];
            Ok((0..n).map(|i| values[i / per]).collect())
        }
        len => Err(format!("a parameter of {len} values (shape {:?}) for a {shape:?} input", p.shape())),
    }
}

pub(crate) fn affine(weight: &ArrayD<f64>, bias: Option<&ArrayD<f64>>, x: &Tensor) -> Tensor {
    let (outputs, inputs) = (weight.shape()[0], weight.shape()[1]);
    let w = weight.as_slice().map(<[f64]>::to_vec).unwrap_or_else(|| weight.iter().copied().collect());
    let mut y: Vec<f64> = match bias {
        Some(b) => b.iter().copied().collect(),
        None => vec![0.0; outputs],
    };
    for (i, &xi) in x.data.iter().enumerate().take(inputs) {
        if xi != 0.0 {
            for (o, yo) in y.iter_mut().enumerate() {
                *yo += w[o * inputs + i] * xi;
            }
        }
    }
    Tensor { shape: vec![outputs], data: y }
}

pub(crate) fn conv(
    weight: &ArrayD<f64>,
    bias: &ArrayD<f64>,
    stride: [usize; 2],
    padding: &Padding,
    dilation: [usize; 2],
    x: &Tensor,
) -> Result<Tensor, String> {
    let [c_in, h, w] = x.shape[..] else { return Err(format!("a convolution of a {:?} input", x.shape)) };
    let [c_out, wc, kh, kw] = weight.shape()[..] else { return Err("weight is not [out, in, kh, kw]".into()) };
    if wc != c_in {
        return Err(format!("{wc} input channels, but receives {c_in}"));
    }
    let [py, px] = match padding {
        Padding::Explicit(p) => *p,
        Padding::Valid => [0, 0],
        Padding::Same => [dilation[0] * (kh - 1) / 2, dilation[1] * (kw - 1) / 2],
    };
    let span = |n: usize, p: usize, d: usize, k: usize, s: usize| -> Option<usize> {
        (n + 2 * p).checked_sub(d * (k - 1) + 1).map(|r| r / s + 1)
    };
    let (Some(ho), Some(wo)) = (span(h, py, dilation[0], kh, stride[0]), span(w, px, dilation[1], kw, stride[1]))
    else {
        return Err("kernel larger than the padded input".into());
    };
    let wt = weight.as_slice().map(<[f64]>::to_vec).unwrap_or_else(|| weight.iter().copied().collect());
    let b: Vec<f64> = bias.iter().copied().collect();
    let mut y = vec![0.0; c_out * ho * wo];
    for o in 0..c_out {
        for oy in 0..ho {
            for ox in 0..wo {
                let mut acc = b[o];
                for c in 0..c_in {
                    for ky in 0..kh {
                        let iy = (oy * stride[0] + ky * dilation[0]) as isize - py as isize;
                        if iy < 0 || iy >= h as isize {
                            continue;
                        }
                        for kx in 0..kw {
                            let ix = (ox * stride[1] + kx * dilation[1]) as isize - px as isize;
                            if ix < 0 || ix >= w as isize {
                                continue;
                            }
                            let v = x.data[(c * h + iy as usize) * w + ix as usize];
                            if v != 0.0 {
                                acc += v * wt[((o * c_in + c) * kh + ky) * kw + kx];
                            }
                        }
                    }
                }
                y[(o * ho + oy) * wo + ox] = acc;
            }
        }
    }
    Ok(Tensor { shape: vec![c_out, ho, wo], data: y })
}

pub(crate) fn pool(kernel: [usize; 2], stride: [usize; 2], average: bool, x: &Tensor) -> Result<Tensor, String> {
    let [c, h, w] = x.shape[..] else { return Err(format!("pooling a {:?} input", x.shape)) };
    if h < kernel[0] || w < kernel[1] || stride.contains(&0) {
        return Err("window larger than the map".into());
    }
    let (ho, wo) = ((h - kernel[0]) / stride[0] + 1, (w - kernel[1]) / stride[1] + 1);
    let norm = if average { 1.0 / (kernel[0] * kernel[1]) as f64 } else { 1.0 };
    let mut y = vec![0.0; c * ho * wo];
    for ch in 0..c {
        for oy in 0..ho {
            for ox in 0..wo {
                let mut s = 0.0;
                for dy in 0..kernel[0] {
                    for dx in 0..kernel[1] {
                        s += x.data[(ch * h + oy * stride[0] + dy) * w + ox * stride[1] + dx];
                    }
                }
                y[(ch * ho + oy) * wo + ox] = s * norm;
            }
        }
    }
    Ok(Tensor { shape: vec![c, ho, wo], data: y })
}

/// First index of the largest score (ties to the lower class, as the golden model).
pub fn argmax(scores: &[f64]) -> usize {
    let mut best = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = i;
        }
    }
    best
}
