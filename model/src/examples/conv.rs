//! Generated convolutional networks: random ones for property tests ([`fuzz_conv_network`])
//! and untrained ones from an architecture string ([`random_conv_network`]).
//!
//! Both draw from their own RNG streams, so the dense generators above produce exactly the
//! networks they produced before conv layers existed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{HiddenNeuron, random_code, random_neuron};
use crate::arch::{Arch, ArchLayer};
use crate::code::SpikeCode;
use crate::network::{
    Conv2d, Decay, Dense, Input, Layer, LayerOp, Network, Neuron, NeuronKind, Pool2d, Provenance, Reset, Shape3,
};

/// Mixed into the seed so that conv fuzz networks never share a stream with
/// [`super::fuzz_network`].
const CONV_STREAM: u64 = 0xc0a7_2d00_5eed_0001;

/// A random small convolutional network: a `[1..=3, 2..=8, 2..=8]` input, 1 to 3 conv or
/// pooling layers (every neuron kind, kernels 1 to 3, strides 1 and 2, padding `0..kernel`,
/// sum and max pooling where the windows tile), then half the time a dense layer; random
/// codes (payload included), decays, resets, widths and T. Deterministic for a seed.
///
/// ```
/// let net = model::examples::fuzz_conv_network(3);
/// net.validate().unwrap();
/// assert!(net.layers.iter().any(|l| matches!(l.op, model::LayerOp::Conv2d(_))));
/// ```
pub fn fuzz_conv_network(seed: u64) -> Network {
    conv_network(seed, true)
}

/// Mixed into the seed of [`fuzz_conv_hardware_network`].
const HARDWARE_STREAM: u64 = 0xc0a7_2d00_5eed_0002;

/// A random small convolutional network the hardware can build (what co-simulation fuzzes):
/// as [`fuzz_conv_network`], except that a pooling layer always follows a conv layer (the
/// hardware computes it inside that conv's stage). Its own stream: seed `s` is not
/// [`fuzz_conv_network`]`(s)` with its chains cut.
///
/// ```
/// for seed in 0..20 {
///     let net = model::examples::fuzz_conv_hardware_network(seed);
///     net.require_hardware().unwrap();
/// }
/// ```
pub fn fuzz_conv_hardware_network(seed: u64) -> Network {
    let mut net = conv_network(seed ^ HARDWARE_STREAM ^ CONV_STREAM, false);
    net.name = format!("fuzzconvhw{seed}");
    net.provenance.generator = "fuzz_conv_hardware_network".into();
    net.provenance.seed = Some(seed);
    net
}

/// The generator behind both: `chained_pools` lets a pooling layer follow a pooling layer.
fn conv_network(seed: u64, chained_pools: bool) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ CONV_STREAM);
    let mut shape =
        Shape3 { channels: rng.random_range(1..=3), height: rng.random_range(2..=8), width: rng.random_range(2..=8) };
    let max_value = [1u32, 3, 15, 100, 255][rng.random_range(0..5usize)];
    let input_code = match rng.random_range(0..10) {
        0..=5 => SpikeCode::binary(max_value),
        6..=7 => random_code(&mut rng, max_value, false),
        _ => SpikeCode::Payload,
    };
    let input = Input { shape: vec![shape.channels, shape.height, shape.width], max_value, code: input_code };
    let spatial = rng.random_range(1..=3usize);
    let dense_tail = rng.random_bool(0.5);
    let mut layers: Vec<Layer> = Vec::new();
    let mut summed = false;
    for index in 0..spatial {
        let last = index + 1 == spatial && !dense_tail;
        let windows: Vec<u32> = (1..=3).filter(|k| shape.height % k == 0 && shape.width % k == 0).collect();
        let after_pool = index > 0 && layers[index - 1].is_pooling();
        let pool = index > 0 && (chained_pools || !after_pool) && rng.random_bool(0.4);
        if pool {
            // The hardware stream prefers windows that pool something.
            let wide: Vec<u32> = windows.iter().copied().filter(|&k| k > 1).collect();
            let windows = if chained_pools || wide.is_empty() { windows } else { wide };
            let kernel = windows[rng.random_range(0..windows.len())];
            let p = Pool2d { channels: shape.channels, in_height: shape.height, in_width: shape.width, kernel };
            let feeding = layers[index - 1].neuron.kind.clone();
            // After sum pooling the values may exceed the code a max pooling would re-send
            // them in (validation refuses that), so summed spikes are only summed further.
            let sum = rng.random_bool(0.5) || summed;
            summed |= sum;
            let op = if sum { LayerOp::SumPool2d(p.clone()) } else { LayerOp::MaxPool2d(p.clone()) };
            shape = p.output_shape().expect("windows chosen to tile");
            layers.push(Layer {
                name: format!("p{index}"),
                op,
                neuron: Neuron::pooling(feeding),
                histogram: None,
                lateral: None,
            });
            continue;
        }
        let kernel = rng.random_range(1..=3u32);
        let mut padding = rng.random_range(0..kernel);
        if shape.height.min(shape.width) + 2 * padding < kernel {
            padding = kernel - 1;
        }
        let stride = rng.random_range(1..=2u32);
        let out_channels = rng.random_range(1..=4u32);
        let weight_bits = rng.random_range(2..=8u8);
        let bias_bits = rng.random_range(2..=10u8);
        let wmax = (1i32 << (weight_bits - 1)) - 1;
        let bmax = (1i32 << (bias_bits - 1)) - 1;
        let count = shape.channels * kernel * kernel * out_channels;
        let conv = Conv2d {
            in_channels: shape.channels,
            in_height: shape.height,
            in_width: shape.width,
            out_channels,
            kernel,
            stride,
            padding,
            weight_bits,
            bias_bits,
            weights: (0..count).map(|_| rng.random_range(-wmax - 1..=wmax)).collect(),
            bias: (0..out_channels).map(|_| rng.random_range(-bmax - 1..=bmax)).collect(),
        };
        shape = conv.output_shape().expect("padding chosen to fit the kernel");
        summed = false;
        layers.push(Layer {
            name: format!("c{index}"),
            op: LayerOp::Conv2d(conv),
            neuron: random_neuron(&mut rng, last),
            histogram: None,
            lateral: None,
        });
    }
    if dense_tail {
        let (inputs, outputs) = (shape.size() as u32, rng.random_range(1..=6u32));
        let weight_bits = rng.random_range(2..=8u8);
        let bias_bits = rng.random_range(2..=10u8);
        let wmax = (1i32 << (weight_bits - 1)) - 1;
        let bmax = (1i32 << (bias_bits - 1)) - 1;
        let weights = (0..inputs * outputs).map(|_| rng.random_range(-wmax - 1..=wmax)).collect();
        let bias = (0..outputs).map(|_| rng.random_range(-bmax - 1..=bmax)).collect();
        layers.push(Layer {
            name: "fc".into(),
            op: LayerOp::Dense(Dense { inputs, outputs, weight_bits, bias_bits, weights, bias }),
            neuron: random_neuron(&mut rng, true),
            histogram: None,
            lateral: None,
        });
    }
    let mut net = Network::new(&format!("fuzzconv{seed}"), rng.random_range(1..=4), input, layers);
    net.provenance =
        Provenance { trained: false, generator: "fuzz_conv_network".into(), seed: Some(seed), dataset: None };
    net
}

/// Shape and dynamics of an untrained network built from an architecture string.
#[derive(Clone, Debug, PartialEq)]
pub struct ConvSpec {
    /// Name written into the file.
    pub name: String,
    /// Input `[C, H, W]` (8-bit pixels in the binary code).
    pub input: Shape3,
    /// The layers; the last one (conv or dense) is the readout layer.
    pub arch: Arch,
    /// Timesteps T.
    pub timesteps: u32,
    /// Neuron family of every conv and dense layer but the last.
    pub neuron: HiddenNeuron,
    /// Weight width of every conv and dense layer.
    pub weight_bits: u8,
    /// Membrane decay of the spiking layers.
    pub decay: Decay,
    /// Expected fraction of non-zero input values (places the thresholds).
    pub input_density: f64,
}

/// Why a [`ConvSpec`] does not give a network: the layer (1-based, as in the architecture
/// string) and the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("architecture {arch}, layer {position} ({layer}): {reason}")]
pub struct ConvSpecError {
    /// The architecture string.
    pub arch: String,
    /// 1-based layer position.
    pub position: usize,
    /// The layer's text.
    pub layer: String,
    /// What is wrong.
    pub reason: String,
}

/// An untrained network with uniform random weights for `spec`, marked `trained: false`.
/// Thresholds `θ = 2^q` sit near the typical magnitude of a layer's input current
/// (`sqrt(fan-in · density) · s_max · w_max / 3`), so a fair share of neurons fire.
///
/// ```
/// use model::examples::{ConvSpec, HiddenNeuron, random_conv_network};
/// let spec = ConvSpec { name: "c".into(), input: model::Shape3 { channels: 1, height: 8, width: 8 },
///     arch: "c4k3p1-sp2-fc10".parse().unwrap(), timesteps: 2, neuron: HiddenNeuron::Binary,
///     weight_bits: 4, decay: model::Decay::Shift(1), input_density: 0.5 };
/// let net = random_conv_network(&spec, 1).unwrap();
/// net.validate().unwrap();
/// assert_eq!(net.layers[2].inputs(), 4 * 4 * 4);
/// ```
pub fn random_conv_network(spec: &ConvSpec, seed: u64) -> Result<Network, ConvSpecError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ CONV_STREAM);
    let input = Input::pixels(vec![spec.input.channels, spec.input.height, spec.input.width]);
    let wmax = (1i32 << (spec.weight_bits.clamp(2, 16) - 1)) - 1;
    let mut shape = Some(spec.input);
    let mut flat = spec.input.size();
    let mut in_max = input.max_value as f64;
    let mut density = spec.input_density.clamp(0.01, 1.0);
    let mut layers: Vec<Layer> = Vec::new();
    let fail = |position: usize, layer: &ArchLayer, reason: String| ConvSpecError {
        arch: spec.arch.to_string(),
        position: position + 1,
        layer: layer.to_string(),
        reason,
    };
    let count = spec.arch.layers.len();
    for (index, arch_layer) in spec.arch.layers.iter().enumerate() {
        let last = index + 1 == count;
        let hidden_kind = || match spec.neuron {
            HiddenNeuron::Binary => NeuronKind::BinaryLif,
            HiddenNeuron::Ternary => NeuronKind::Ternary,
            HiddenNeuron::Integer { max_spike } => {
                NeuronKind::Integer { max_spike, code: SpikeCode::binary(max_spike) }
            }
        };
        let kind = if last { NeuronKind::Readout } else { hidden_kind() };
        let (op, fan_in) = match *arch_layer {
            ArchLayer::Conv { channels, kernel, stride, padding } => {
                let Some(s) = shape else {
                    return Err(fail(
                        index,
                        arch_layer,
                        "a conv layer needs a [C, H, W] input, not a dense layer's".into(),
                    ));
                };
                let rows = s.channels * kernel * kernel;
                let conv = Conv2d {
                    in_channels: s.channels,
                    in_height: s.height,
                    in_width: s.width,
                    out_channels: channels,
                    kernel,
                    stride,
                    padding,
                    weight_bits: spec.weight_bits,
                    bias_bits: 8,
                    weights: (0..rows * channels).map(|_| rng.random_range(-wmax..=wmax)).collect(),
                    bias: vec![0; channels as usize],
                };
                let Some(out) = conv.output_shape().filter(|_| padding < kernel) else {
                    return Err(fail(
                        index,
                        arch_layer,
                        format!(
                            "kernel {kernel} with padding {padding} does not fit the {s} input (padding must be below the kernel)"
                        ),
                    ));
                };
                (shape, flat) = (Some(out), out.size());
                (LayerOp::Conv2d(conv), rows as f64)
            }
            ArchLayer::SumPool { kernel } | ArchLayer::MaxPool { kernel } => {
                let Some(s) = shape.filter(|_| index > 0) else {
                    return Err(fail(index, arch_layer, "pooling needs a conv or pooling layer before it".into()));
                };
                let p = Pool2d { channels: s.channels, in_height: s.height, in_width: s.width, kernel };
                let Some(out) = p.output_shape() else {
                    return Err(fail(
                        index,
                        arch_layer,
                        format!("{kernel}x{kernel} windows do not tile the {s} input"),
                    ));
                };
                if last {
                    return Err(fail(
                        index,
                        arch_layer,
                        "the last layer must be conv or fc (the readout layer)".into(),
                    ));
                }
                (shape, flat) = (Some(out), out.size());
                let op = if matches!(arch_layer, ArchLayer::SumPool { .. }) {
                    in_max *= (kernel * kernel) as f64;
                    LayerOp::SumPool2d(p)
                } else {
                    LayerOp::MaxPool2d(p)
                };
                let feeding = layers[index - 1].neuron.kind.clone();
                layers.push(Layer {
                    name: format!("pool{}", index + 1),
                    op,
                    neuron: Neuron::pooling(feeding),
                    histogram: None,
                    lateral: None,
                });
                continue;
            }
            ArchLayer::Dense { outputs } => {
                let weights = (0..flat * outputs as usize).map(|_| rng.random_range(-wmax..=wmax)).collect();
                let dense = Dense {
                    inputs: flat as u32,
                    outputs,
                    weight_bits: spec.weight_bits,
                    bias_bits: 8,
                    weights,
                    bias: vec![0; outputs as usize],
                };
                let fan_in = flat as f64;
                (shape, flat) = (None, outputs as usize);
                (LayerOp::Dense(dense), fan_in)
            }
        };
        let target = ((fan_in * density).sqrt() * in_max * wmax as f64 / 3.0).max(1.0);
        let scale = match &kind {
            NeuronKind::Integer { max_spike, .. } => (*max_spike as f64 / 2.0).max(1.0),
            _ => 1.0,
        };
        let q = ((target / scale).max(1.0).log2().round() as u8).min(24);
        let neuron = if last {
            Neuron { kind, threshold_shift: 0, decay: Decay::Keep, reset: Reset::Hard }
        } else {
            let reset = if matches!(kind, NeuronKind::Ternary) { Reset::Hard } else { Reset::Soft };
            in_max = kind.spike_range().max as f64;
            density = 0.33;
            Neuron { kind, threshold_shift: q, decay: spec.decay, reset }
        };
        let name = match op {
            LayerOp::Conv2d(_) => format!("conv{}", index + 1),
            _ if last => "out".into(),
            _ => format!("fc{}", index + 1),
        };
        layers.push(Layer { name, op, neuron, histogram: None, lateral: None });
    }
    let mut net = Network::new(&spec.name, spec.timesteps, input, layers);
    net.description = format!(
        "UNTRAINED example ({}): random weights, thresholds placed from the fan-in; it exercises the flow, its \
         accuracy is chance level",
        spec.arch
    );
    net.provenance =
        Provenance { trained: false, generator: "spikeforge example --arch".into(), seed: Some(seed), dataset: None };
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzz_conv_networks_validate_and_cover_every_op() {
        let (mut conv, mut sum, mut max, mut dense, mut padded, mut strided) = (0, 0, 0, 0, 0, 0);
        for seed in 0..500 {
            let net = fuzz_conv_network(seed);
            net.validate().unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert_eq!(net, fuzz_conv_network(seed));
            for l in &net.layers {
                match &l.op {
                    LayerOp::Conv2d(c) => {
                        conv += 1;
                        padded += usize::from(c.padding > 0);
                        strided += usize::from(c.stride > 1);
                    }
                    LayerOp::SumPool2d(_) => sum += 1,
                    LayerOp::MaxPool2d(_) => max += 1,
                    LayerOp::Dense(_) => dense += 1,
                }
            }
        }
        for (what, n) in
            [("conv", conv), ("sum", sum), ("max", max), ("dense", dense), ("pad", padded), ("stride", strided)]
        {
            assert!(n > 20, "{what}: only {n} layers in 500 seeds");
        }
    }

    #[test]
    fn dense_fuzz_networks_are_unchanged_by_the_conv_stream() {
        // The conv generator has its own stream: the dense one's seed 0 still starts as before.
        let net = super::super::fuzz_network(0);
        assert!(net.layers.iter().all(|l| matches!(l.op, LayerOp::Dense(_))));
    }

    #[test]
    fn bad_specs_name_the_layer() {
        let spec = |arch: &str| ConvSpec {
            name: "x".into(),
            input: Shape3 { channels: 1, height: 8, width: 8 },
            arch: arch.parse().unwrap(),
            timesteps: 1,
            neuron: HiddenNeuron::Binary,
            weight_bits: 4,
            decay: Decay::Keep,
            input_density: 0.2,
        };
        let e = random_conv_network(&spec("c4k3-mp4-fc2"), 1).unwrap_err();
        assert_eq!((e.position, e.layer.as_str()), (2, "mp4"));
        assert!(e.reason.contains("do not tile"), "{e}");
        let e = random_conv_network(&spec("fc8-c4k3"), 1).unwrap_err();
        assert_eq!(e.position, 2);
        let e = random_conv_network(&spec("c4k9-fc2"), 1).unwrap_err();
        assert!(e.reason.contains("does not fit"), "{e}");
        let e = random_conv_network(&spec("mp2-fc2"), 1).unwrap_err();
        assert_eq!(e.position, 1);
        for neuron in [HiddenNeuron::Binary, HiddenNeuron::Ternary, HiddenNeuron::Integer { max_spike: 7 }] {
            let net = random_conv_network(&ConvSpec { neuron, ..spec("c4k3p1-sp2-c6k3s2p1-mp2-fc10") }, 5).unwrap();
            net.validate().unwrap();
        }
    }
}
