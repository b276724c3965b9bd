//! The trainer's integer-mode forward: the exported [`model::Network`] evaluated with
//! libtorch `int64` tensors, following ARCHITECTURE.md's integer contract step by step
//! (accumulate, integrate with floor-shift decay, fire, reset, store; with lateral
//! connections `u1`, provisional spikes `s1 = fire(u1)`, `u = u1 + s1·R`, then fire and reset
//! from `u`). It is written independently of the golden model (`sim::golden`); a test asserts
//! both agree bit for bit.
//!
//! Conv layers in the gather form of the contract, exactly in int64: for every tap `(ky, kx)`
//! the strided slice of the zero-padded input is multiplied by that tap's `[C_in, C_out]`
//! weights (libtorch has no int64 convolution, but int64 matmul is exact); pooling sums or
//! takes the maximum over each window of spike values.

use model::{Conv2d, Decay, LayerOp, Network, NeuronKind, Pool2d, Reset};
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

/// What a layer computes from its flat input.
enum IntOp {
    /// Weights `[inputs, outputs]`.
    Dense(Tensor),
    /// The geometry and the weights `[C_in, K, K, C_out]`.
    Conv(Conv2d, Tensor),
    SumPool(Pool2d),
    MaxPool(Pool2d),
}

struct IntLayer {
    op: IntOp,
    /// Per neuron (a conv bias repeated over its channel's positions); empty for pooling.
    bias: Tensor,
    /// Lateral weights `[source neuron, neuron]`.
    lateral: Option<Tensor>,
    kind: NeuronKind,
    /// Neurons (pooling layers: pooled outputs).
    outputs: i64,
    theta: i64,
    shift: u8,
    decay: Decay,
    reset: Reset,
}

/// Run `images` (`count · input size` values) through `net` (a network the trainer exported:
/// dense, conv and pooling layers) in chunks.
pub fn forward(net: &Network, images: &[u8]) -> IntegerRun {
    let size = net.input.size();
    let count = images.len() / size.max(1);
    let layers: Vec<IntLayer> = net
        .layers
        .iter()
        .map(|l| {
            let ints = |v: &[i32]| Tensor::from_slice(&v.iter().map(|&w| w as i64).collect::<Vec<i64>>());
            let (op, bias) = match &l.op {
                LayerOp::Dense(d) => {
                    (IntOp::Dense(ints(&d.weights).view([d.inputs as i64, d.outputs as i64])), ints(&d.bias))
                }
                LayerOp::Conv2d(c) => {
                    let (k, cin, cout) = (c.kernel as i64, c.in_channels as i64, c.out_channels as i64);
                    let positions = c.output_shape().map_or(0, |s| s.height as i64 * s.width as i64);
                    let bias = ints(&c.bias).repeat_interleave_self_int(positions, 0, None);
                    (IntOp::Conv(c.clone(), ints(&c.weights).view([cin, k, k, cout])), bias)
                }
                LayerOp::SumPool2d(p) => (IntOp::SumPool(p.clone()), Tensor::zeros([0], (Kind::Int64, Device::Cpu))),
                LayerOp::MaxPool2d(p) => (IntOp::MaxPool(p.clone()), Tensor::zeros([0], (Kind::Int64, Device::Cpu))),
            };
            let n = l.outputs() as i64;
            IntLayer {
                op,
                bias,
                // The shift folded into R: (s1 · R) · 2^p = s1 · (R · 2^p), exact in int64.
                lateral: l.lateral.as_ref().map(|lat| {
                    let r: Vec<i64> = lat.weights.iter().map(|&w| (w as i64) << lat.shift).collect();
                    Tensor::from_slice(&r).view([n, n])
                }),
                kind: l.neuron.kind.clone(),
                outputs: n,
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
                _ if l.is_pooling() => None,
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
        Decay::Leak(k) => v - v.floor_divide_scalar(1i64 << k),
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

/// `acc[j] = Σ_c Σ_ky Σ_kx s[c, oy·S - P + ky, ox·S - P + kx] · W[c][ky][kx][o]` for the flat
/// input `x` (`[batch, C·H·W]`), flat channel-major `[batch, C'·H'·W']`.
fn conv(c: &Conv2d, w: &Tensor, x: &Tensor) -> Tensor {
    let out = c.output_shape().expect("a validated conv layer");
    let (s, p) = (c.stride as i64, c.padding as i64);
    let (ho, wo) = (out.height as i64, out.width as i64);
    let image = x.view([-1, c.in_channels as i64, c.in_height as i64, c.in_width as i64]);
    // Zero padding contributes nothing, as the contract says of positions outside the input.
    let padded = image.constant_pad_nd([p, p, p, p]);
    let mut acc = Tensor::zeros([x.size()[0], ho, wo, c.out_channels as i64], (Kind::Int64, Device::Cpu));
    for ky in 0..c.kernel as i64 {
        for kx in 0..c.kernel as i64 {
            // Input rows oy·S + ky of the padded image, oy = 0..H', likewise columns.
            let taps = padded.slice(2, ky, ky + s * (ho - 1) + 1, s).slice(3, kx, kx + s * (wo - 1) + 1, s);
            acc += taps.permute([0, 2, 3, 1]).matmul(&w.select(1, ky).select(1, kx));
        }
    }
    acc.permute([0, 3, 1, 2]).flatten(1, -1)
}

/// Pooled spike values, flat: the sum or the maximum (signed) of each window.
fn pool(p: &Pool2d, sum: bool, x: &Tensor) -> Tensor {
    let k = p.kernel as i64;
    let windows = x.view([-1, p.channels as i64, p.in_height as i64 / k, k, p.in_width as i64 / k, k]);
    let pooled = if sum {
        windows.sum_dim_intlist([3i64, 5].as_slice(), false, Kind::Int64)
    } else {
        windows.amax([3i64, 5], false)
    };
    pooled.flatten(1, -1)
}

fn chunk(layers: &[IntLayer], x: &Tensor, timesteps: u32, run: &mut IntegerRun) -> Tensor {
    let n = x.size()[0];
    let mut membranes: Vec<Tensor> =
        layers.iter().map(|l| Tensor::zeros([n, l.outputs], (Kind::Int64, Device::Cpu))).collect();
    let last = layers.len() - 1;
    let mut counts = Tensor::zeros([n, layers[last].outputs], (Kind::Int64, Device::Cpu));
    for _t in 0..timesteps {
        let mut input = x.shallow_clone();
        for (l, layer) in layers.iter().enumerate() {
            let acc = match &layer.op {
                IntOp::Dense(w) => input.matmul(w),
                IntOp::Conv(c, w) => conv(c, w, &input),
                IntOp::SumPool(p) | IntOp::MaxPool(p) => {
                    // No membrane, no state: the pooled spikes go on in the same timestep.
                    input = pool(p, matches!(layer.op, IntOp::SumPool(_)), &input);
                    run.spikes[l] += input.ne(0).sum(Kind::Int64).int64_value(&[]) as u64;
                    if l == last {
                        counts += &input;
                    }
                    continue;
                }
            };
            let mut u = decay(&membranes[l], layer.decay) + &layer.bias + acc;
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
