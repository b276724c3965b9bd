//! Small networks for documentation, tests and the untrained example model.
//!
//! [`random_network`] is deterministic for a seed on every platform (ChaCha8), so a model
//! file regenerated with the same spec and seed is byte-identical.

mod conv;
mod leak;

pub use conv::{ConvSpec, ConvSpecError, fuzz_conv_hardware_network, fuzz_conv_network, random_conv_network};
pub use leak::with_random_leaks;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::code::SpikeCode;
use crate::network::{Decay, Dense, Input, Lateral, Layer, LayerOp, Network, Neuron, NeuronKind, Provenance, Reset};

/// A hand-written 6 -> 5 (integer, D = 3) -> 3 (readout) network with T = 2.
pub fn tiny_network() -> Network {
    let weights1 = vec![
        3, -2, 1, 0, 5, //
        -1, 4, 2, -3, 0, //
        2, 2, -4, 1, 1, //
        0, -1, 3, 4, -2, //
        1, 0, 0, 2, 3, //
        -2, 1, 1, -1, 4,
    ];
    let weights2 = vec![
        4, -3, 1, //
        -2, 5, 0, //
        1, 1, -4, //
        3, -1, 2, //
        -5, 2, 3,
    ];
    let mut net = Network::new(
        "tiny",
        2,
        Input { shape: vec![6], max_value: 15, code: SpikeCode::binary(15) },
        vec![
            Layer {
                name: "hidden".into(),
                op: LayerOp::Dense(Dense {
                    inputs: 6,
                    outputs: 5,
                    weight_bits: 4,
                    bias_bits: 6,
                    weights: weights1,
                    bias: vec![1, -2, 0, 3, -1],
                }),
                neuron: Neuron {
                    kind: NeuronKind::Integer { max_spike: 3, code: SpikeCode::Planes(vec![1, 2]) },
                    threshold_shift: 3,
                    decay: Decay::Shift(1),
                    reset: Reset::Soft,
                },
                histogram: None,
                lateral: None,
            },
            Layer {
                name: "out".into(),
                op: LayerOp::Dense(Dense {
                    inputs: 5,
                    outputs: 3,
                    weight_bits: 4,
                    bias_bits: 4,
                    weights: weights2,
                    bias: vec![0, 1, -1],
                }),
                neuron: Neuron {
                    kind: NeuronKind::Readout,
                    threshold_shift: 0,
                    decay: Decay::Keep,
                    reset: Reset::Hard,
                },
                histogram: None,
                lateral: None,
            },
        ],
    );
    net.description = "hand-written network for documentation and tests".into();
    net
}

/// [`tiny_network`] with lateral connections on its hidden layer (5 x 5, 4-bit, shift 1:
/// each neuron excites its successor by 2 · 2 and inhibits the one after by 3 · 2), T = 2.
///
/// ```
/// let net = model::examples::tiny_lateral_network();
/// net.validate().unwrap();
/// assert_eq!(net.layers[0].weight_rows(), 6 + 5);
/// ```
pub fn tiny_lateral_network() -> Network {
    let mut net = tiny_network();
    net.name = "tinylat".into();
    let n = 5;
    let weights = (0..n * n)
        .map(|i| {
            let (k, j) = (i / n, i % n);
            match (j + n - k) % n {
                1 => 2,
                2 => -3,
                _ => 0,
            }
        })
        .collect();
    net.layers[0].lateral = Some(Lateral { weight_bits: 4, shift: 1, weights });
    net
}

/// Neuron family of a generated network's hidden layers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HiddenNeuron {
    /// Binary LIF, soft reset.
    Binary,
    /// Ternary, hard reset.
    Ternary,
    /// LMS integer spikes up to D, soft reset, binary code.
    Integer {
        /// D.
        max_spike: u32,
    },
}

/// Shape and dynamics of a generated (untrained) network.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomSpec {
    /// Name written into the file.
    pub name: String,
    /// Input shape, e.g. `[1, 28, 28]`.
    pub input_shape: Vec<u32>,
    /// Hidden layer widths.
    pub hidden: Vec<u32>,
    /// Output classes (readout layer width).
    pub classes: u32,
    /// Timesteps T.
    pub timesteps: u32,
    /// Hidden neuron family.
    pub neuron: HiddenNeuron,
    /// Weight width of every layer.
    pub weight_bits: u8,
    /// Membrane decay of hidden layers.
    pub decay: Decay,
    /// Expected fraction of non-zero input values, used to place thresholds so that
    /// roughly a third of hidden neurons fire on such inputs.
    pub input_density: f64,
}

/// An untrained network with uniform random weights and thresholds calibrated on random
/// inputs of the spec's density. Marked `trained: false` in its provenance.
pub fn random_network(spec: &RandomSpec, seed: u64) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let input = Input::pixels(spec.input_shape.clone());
    let mut fan_in = input.size() as u32;
    let mut in_max = input.max_value as i64;
    let mut in_min = 0i64;
    let mut density = spec.input_density.clamp(0.01, 1.0);
    let wmax = (1i32 << (spec.weight_bits - 1)) - 1;
    let mut layers = Vec::new();
    let widths: Vec<u32> = spec.hidden.iter().copied().chain([spec.classes]).collect();
    for (index, &outputs) in widths.iter().enumerate() {
        let last = index + 1 == widths.len();
        let weights: Vec<i32> =
            (0..fan_in as usize * outputs as usize).map(|_| rng.random_range(-wmax..=wmax)).collect();
        let bias = vec![0; outputs as usize];
        // Calibrate: input currents of a few random inputs, pick θ = 2^q near the 67th
        // percentile of |x| so about a third of the neurons reach threshold.
        let mut currents: Vec<i64> = Vec::new();
        for _ in 0..16 {
            let s: Vec<i64> = (0..fan_in)
                .map(|_| if rng.random_bool(density) { rng.random_range(in_min.max(1)..=in_max) } else { 0 })
                .collect();
            for j in 0..outputs as usize {
                currents.push(
                    s.iter().enumerate().map(|(i, &v)| v * weights[i * outputs as usize + j] as i64).sum::<i64>().abs(),
                );
            }
        }
        currents.sort_unstable();
        let target = currents[currents.len() * 2 / 3].max(1);
        let kind = if last {
            NeuronKind::Readout
        } else {
            match spec.neuron {
                HiddenNeuron::Binary => NeuronKind::BinaryLif,
                HiddenNeuron::Ternary => NeuronKind::Ternary,
                HiddenNeuron::Integer { max_spike } => {
                    NeuronKind::Integer { max_spike, code: SpikeCode::binary(max_spike) }
                }
            }
        };
        // Integer neurons should spread over 0..=D, so θ is the target divided by D/2.
        let scale = match &kind {
            NeuronKind::Integer { max_spike, .. } => (*max_spike as i64 / 2).max(1),
            _ => 1,
        };
        let q = (63 - (target / scale).max(1).leading_zeros()) as u8;
        let (neuron, next_range, next_density) = if last {
            (Neuron { kind, threshold_shift: 0, decay: Decay::Keep, reset: Reset::Hard }, (0, 0), density)
        } else {
            let reset = if matches!(kind, NeuronKind::Ternary) { Reset::Hard } else { Reset::Soft };
            let r = kind.spike_range();
            (Neuron { kind, threshold_shift: q.min(24), decay: spec.decay, reset }, (r.min as i64, r.max as i64), 0.33)
        };
        let bias_bits = 8;
        layers.push(Layer {
            name: if last { "out".into() } else { format!("fc{}", index + 1) },
            op: LayerOp::Dense(Dense {
                inputs: fan_in,
                outputs,
                weight_bits: spec.weight_bits,
                bias_bits,
                weights,
                bias,
            }),
            neuron,
            histogram: None,
            lateral: None,
        });
        fan_in = outputs;
        (in_min, in_max) = next_range;
        density = next_density;
    }
    let mut net = Network::new(&spec.name, spec.timesteps, input, layers);
    net.description = "UNTRAINED example: random weights, thresholds calibrated on random inputs; \
                       it exercises the flow, its accuracy is chance level"
        .into();
    net.provenance =
        Provenance { trained: false, generator: "spikeforge example".into(), seed: Some(seed), dataset: None };
    net
}

/// A random neuron of any kind (readout only for the last layer), threshold and dynamics.
pub(super) fn random_neuron(rng: &mut ChaCha8Rng, last: bool) -> Neuron {
    let kind = match rng.random_range(0..if last { 4 } else { 3 }) {
        0 => NeuronKind::BinaryLif,
        1 => NeuronKind::Ternary,
        2 => {
            let max_spike = rng.random_range(1..=15u32);
            NeuronKind::Integer { max_spike, code: random_code(rng, max_spike, true) }
        }
        _ => NeuronKind::Readout,
    };
    let decay = match rng.random_range(0..3) {
        0 => Decay::Keep,
        1 => Decay::Clear,
        _ => Decay::Shift(rng.random_range(1..=3)),
    };
    let reset = if rng.random_bool(0.5) { Reset::Hard } else { Reset::Soft };
    Neuron { kind, threshold_shift: rng.random_range(0..=6), decay, reset }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_validate() {
        tiny_network().validate().unwrap();
        for neuron in [HiddenNeuron::Binary, HiddenNeuron::Ternary, HiddenNeuron::Integer { max_spike: 7 }] {
            let spec = RandomSpec {
                name: "r".into(),
                input_shape: vec![1, 8, 8],
                hidden: vec![16, 12],
                classes: 4,
                timesteps: 3,
                neuron,
                weight_bits: 5,
                decay: Decay::Shift(2),
                input_density: 0.3,
            };
            let a = random_network(&spec, 7);
            a.validate().unwrap();
            assert_eq!(a, random_network(&spec, 7));
            assert_ne!(a, random_network(&spec, 8));
        }
    }
}

/// A random small network exercising every feature of the IR: 1 to 3 layers of 1 to 12
/// neurons, every neuron kind, random codes (including payload), decays, resets, weight
/// widths and T. Deterministic for a seed; used by property tests and co-simulation fuzzing.
pub fn fuzz_network(seed: u64) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let inputs = rng.random_range(1..=16u32);
    let max_value = *[1u32, 3, 15, 100, 255].get(rng.random_range(0..5)).unwrap_or(&255);
    let input_code = match rng.random_range(0..10) {
        0..=5 => SpikeCode::binary(max_value),
        6..=7 => random_code(&mut rng, max_value, false),
        _ => SpikeCode::Payload,
    };
    let input = Input { shape: vec![inputs], max_value, code: input_code };
    let depth = rng.random_range(1..=3usize);
    let mut fan_in = inputs;
    let mut layers = Vec::new();
    for index in 0..depth {
        let last = index + 1 == depth;
        let outputs = rng.random_range(1..=12u32);
        let weight_bits = rng.random_range(2..=8u8);
        let bias_bits = rng.random_range(2..=10u8);
        let wmax = (1i32 << (weight_bits - 1)) - 1;
        let bmax = (1i32 << (bias_bits - 1)) - 1;
        let weights = (0..fan_in * outputs).map(|_| rng.random_range(-wmax - 1..=wmax)).collect();
        let bias = (0..outputs).map(|_| rng.random_range(-bmax - 1..=bmax)).collect();
        let neuron = random_neuron(&mut rng, last);
        layers.push(Layer {
            name: format!("l{index}"),
            op: LayerOp::Dense(Dense { inputs: fan_in, outputs, weight_bits, bias_bits, weights, bias }),
            neuron,
            histogram: None,
            lateral: None,
        });
        fan_in = outputs;
    }
    // Lateral connections come from a second stream, so adding them left every other draw
    // (and so every earlier fuzz seed's network otherwise) as it was.
    let mut lateral_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1a7e_4a1c_0ec7_0001);
    for layer in &mut layers {
        if matches!(layer.neuron.kind, NeuronKind::Readout) || !lateral_rng.random_bool(0.3) {
            continue;
        }
        let n = layer.outputs();
        let weight_bits = lateral_rng.random_range(2..=8u8);
        let wmax = (1i32 << (weight_bits - 1)) - 1;
        let weights = (0..n * n).map(|_| lateral_rng.random_range(-wmax - 1..=wmax)).collect();
        let shift = lateral_rng.random_range(0..=3u8);
        layer.lateral = Some(Lateral { weight_bits, shift, weights });
    }
    let mut net = Network::new(&format!("fuzz{seed}"), rng.random_range(1..=4), input, layers);
    net.provenance = Provenance { trained: false, generator: "fuzz_network".into(), seed: Some(seed), dataset: None };
    net
}

/// A random code that represents every value `0..=max`: binary, a random complete
/// amplitude sequence, or (if allowed) payload.
fn random_code(rng: &mut ChaCha8Rng, max: u32, payload: bool) -> SpikeCode {
    match rng.random_range(0..if payload { 3 } else { 2 }) {
        0 => SpikeCode::binary(max),
        1 => {
            let mut amps = vec![1u32];
            let mut sum = 1u32;
            while sum < max {
                let planes_left = crate::code::MAX_PLANES - amps.len();
                // Double when needed so that the remaining planes still reach `max`.
                let must = (sum + 1) << (planes_left - 1) <= max;
                let lo = *amps.last().unwrap_or(&1);
                let a = if must { sum + 1 } else { rng.random_range(lo..=(sum + 1).min(max)) };
                amps.push(a);
                sum += a;
            }
            SpikeCode::Planes(amps)
        }
        _ => SpikeCode::Payload,
    }
}

#[cfg(test)]
mod fuzz_tests {
    #[test]
    fn fuzz_networks_validate() {
        for seed in 0..500 {
            let net = super::fuzz_network(seed);
            net.validate().unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        }
    }
}
