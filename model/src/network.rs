//! The network IR: plain data, exactly what the model file holds.

use serde::{Deserialize, Serialize};

use crate::code::SpikeCode;

/// The `format` string every model file carries.
pub const FORMAT_NAME: &str = "spikeforge-model";
/// The model-file version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A whole spiking network after training: integer weights, power-of-two thresholds and
/// per-layer spike codes. Everything downstream (golden model, RTL) is defined by it.
///
/// ```
/// use model::{Network, Input, Layer, LayerOp, Dense, Neuron, NeuronKind, Decay, Reset, SpikeCode};
/// let net = Network::new("tiny", 1, Input::pixels(vec![4]), vec![Layer {
///     name: "out".into(),
///     op: LayerOp::Dense(Dense { inputs: 4, outputs: 2, weight_bits: 4, bias_bits: 8,
///         weights: vec![1, -1, 2, 0, 0, 3, -8, 7], bias: vec![0, 1] }),
///     neuron: Neuron { kind: NeuronKind::Readout, threshold_shift: 0, decay: Decay::Keep, reset: Reset::Hard },
///     histogram: None,
///     lateral: None,
/// }]);
/// net.validate().unwrap();
/// assert_eq!(net.layers[0].outputs(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// Always [`FORMAT_VERSION`] for files this build writes.
    pub version: u32,
    /// Short name, used for generated module names and reports.
    pub name: String,
    /// Free text for people.
    #[serde(default)]
    pub description: String,
    /// Where the weights came from.
    #[serde(default)]
    pub provenance: Provenance,
    /// Timesteps T per input (T = 1 allowed). The input is presented unchanged every timestep.
    pub timesteps: u32,
    /// Shape and coding of the input.
    pub input: Input,
    /// Layers in data-flow order; layer 0 consumes the input.
    pub layers: Vec<Layer>,
}

impl Network {
    /// A network with the current format tag and version and empty provenance.
    pub fn new(name: &str, timesteps: u32, input: Input, layers: Vec<Layer>) -> Network {
        Network {
            format: FORMAT_NAME.to_string(),
            version: FORMAT_VERSION,
            name: name.to_string(),
            description: String::new(),
            provenance: Provenance::default(),
            timesteps,
            input,
            layers,
        }
    }

    /// Number of output classes (the last layer's width).
    pub fn classes(&self) -> usize {
        self.layers.last().map_or(0, |l| l.outputs())
    }

    /// Total number of weights and biases.
    pub fn parameters(&self) -> usize {
        self.layers.iter().map(Layer::parameters).sum()
    }

    /// The range of spike values layer `index` receives: the input's pixel range for layer 0,
    /// otherwise the previous layer's emitted range.
    pub fn input_range_of(&self, index: usize) -> SpikeRange {
        if index == 0 {
            SpikeRange { min: 0, max: self.input.max_value as i32 }
        } else {
            self.layers[index - 1].neuron.kind.spike_range()
        }
    }

    /// The code in which layer `index`'s input spikes travel.
    pub fn input_code_of(&self, index: usize) -> SpikeCode {
        if index == 0 { self.input.code.clone() } else { self.layers[index - 1].neuron.kind.code() }
    }
}

/// Where a model came from. `trained = false` marks generated example models.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// True only when the weights were learned from data.
    #[serde(default)]
    pub trained: bool,
    /// The program (and command) that wrote the file.
    #[serde(default)]
    pub generator: String,
    /// Seed of the run that produced the weights, if seeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Dataset the weights were fitted or calibrated on, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
}

/// The network input: an array of unsigned integers (8-bit pixels by default) that enter
/// layer 0 as "spikes" in `0..=max_value`, sent as bit-planes of `code`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// Logical shape, e.g. `[1, 28, 28]` (channels, height, width) or `[784]`. Dense layers
    /// see the row-major flattening.
    pub shape: Vec<u32>,
    /// Largest input value (255 for 8-bit pixels).
    pub max_value: u32,
    /// Plane code for the input values (binary `[1, 2, 4, ..., 128]` for pixels).
    pub code: SpikeCode,
}

impl Input {
    /// 8-bit pixels in the binary bit-plane code.
    pub fn pixels(shape: Vec<u32>) -> Input {
        Input { shape, max_value: 255, code: SpikeCode::binary(255) }
    }

    /// Number of input values (product of the shape), saturating on absurd shapes.
    pub fn size(&self) -> usize {
        self.shape.iter().fold(1usize, |acc, &d| acc.saturating_mul(d as usize))
    }
}

/// One layer: an operation producing input currents and the neurons that integrate them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// Unique, non-empty; used in reports and generated module names.
    pub name: String,
    /// How input spikes become input currents.
    pub op: LayerOp,
    /// How input currents become membranes and spikes.
    pub neuron: Neuron,
    /// Measured histogram of this layer's emitted spike values on calibration data, indexed
    /// by `value - min` of the neuron's spike range (so index 0 is -1 for ternary layers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histogram: Option<Vec<u64>>,
    /// Optional lateral (recurrent) connections of the layer to itself within a timestep
    /// (see [`Lateral`]). Absent in files without it, so older files read unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lateral: Option<Lateral>,
}

impl Layer {
    /// Number of input spikes this layer consumes.
    pub fn inputs(&self) -> usize {
        match &self.op {
            LayerOp::Dense(d) => d.inputs as usize,
        }
    }

    /// Number of neurons.
    pub fn outputs(&self) -> usize {
        match &self.op {
            LayerOp::Dense(d) => d.outputs as usize,
        }
    }

    /// Number of weights plus biases (lateral weights included).
    pub fn parameters(&self) -> usize {
        let lateral = self.lateral.as_ref().map_or(0, |l| l.weights.len());
        match &self.op {
            LayerOp::Dense(d) => d.weights.len() + d.bias.len() + lateral,
        }
    }

    /// Signed width of the layer's weight memory words: the wider of the declared input and
    /// lateral weight widths (hardware keeps both matrices in one memory).
    pub fn weight_bits(&self) -> u32 {
        let lateral = self.lateral.as_ref().map_or(0, |l| l.weight_bits as u32);
        match &self.op {
            LayerOp::Dense(d) => (d.weight_bits as u32).max(lateral),
        }
    }

    /// Rows of weights an event can select: one per input, plus one per neuron with lateral
    /// connections (their rows follow the input rows in the hardware's weight memory).
    pub fn weight_rows(&self) -> usize {
        self.inputs() + if self.lateral.is_some() { self.outputs() } else { 0 }
    }
}

/// Lateral (recurrent) connections of a layer to its own neurons within one timestep, after
/// the single-timestep paper ("update neuron states by utilizing both current stimuli and
/// recurrence information transmitted from other neurons"): at T = 1 an ordinary recurrent
/// connection from the previous timestep would carry nothing, so the recurrence runs inside
/// the timestep, in two passes.
///
/// ```text
/// u1 = decay(v) + b + Σ_i s_in[i] · W[i][j]     the feedforward membrane
/// s1 = fire(u1)                                  provisional spikes (no reset, not emitted)
/// u  = u1 + (Σ_k s1[k] · R[k][j]) · 2^shift      lateral current from the layer's own spikes
/// s  = fire(u); v = reset(u, s)                  emitted; stored as usual
/// ```
///
/// Only spiking layers (not readout) may have one. `R` may connect a neuron to itself.
/// The `shift` gives `R` its own scale: the layer's input weights fix the membrane unit
/// (pixel-fed weights make it small), and B-bit lateral weights in that unit alone could
/// only nudge the membrane; hardware shifts the lateral sum left before adding it.
///
/// ```
/// use model::Lateral;
/// // two neurons that inhibit each other by 3
/// let r = Lateral { weight_bits: 4, shift: 0, weights: vec![0, -3, -3, 0] };
/// assert_eq!(r.row(1, 2), &[-3, 0]);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lateral {
    /// Signed two's-complement width every lateral weight fits in (1..=16).
    pub weight_bits: u8,
    /// The lateral sum is multiplied by `2^shift` (0..=24) before it joins `u1`; absent in
    /// files means 0.
    #[serde(default)]
    pub shift: u8,
    /// `outputs * outputs` weights, row-major by source neuron: `weights[k * outputs + j]`
    /// is what neuron `k`'s provisional spike adds to neuron `j`.
    pub weights: Vec<i32>,
}

impl Lateral {
    /// The lateral weights of source neuron `k` towards every neuron of an `n`-neuron layer.
    pub fn row(&self, k: usize, n: usize) -> &[i32] {
        &self.weights[k * n..(k + 1) * n]
    }
}

/// The synaptic operation of a layer. Serialized externally tagged (`{"dense": {...}}`) so
/// that large weight arrays deserialize without buffering. Conv2d and pooling are planned
/// variants (lateral connections are a [`Layer`] field, not an op); the input shape already carries channels and size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerOp {
    /// Fully connected: `x[j] = bias[j] + sum_i s[i] * weights[i * outputs + j]`.
    Dense(Dense),
}

/// Fully connected weights, row-major `[inputs][outputs]`: the row of input `i` is the
/// contiguous slice `weights[i * outputs .. (i + 1) * outputs]`, which is exactly what one
/// input event reads from block RAM.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dense {
    /// Input count; must equal the previous layer's outputs (or the input size).
    pub inputs: u32,
    /// Neuron count.
    pub outputs: u32,
    /// Signed two's-complement width every weight fits in (1..=16).
    pub weight_bits: u8,
    /// Signed two's-complement width every bias fits in (1..=32).
    pub bias_bits: u8,
    /// `inputs * outputs` weights, row-major by input.
    pub weights: Vec<i32>,
    /// `outputs` biases, added once per timestep.
    pub bias: Vec<i32>,
}

impl Dense {
    /// The weights of input `i` towards every output.
    pub fn row(&self, i: usize) -> &[i32] {
        let n = self.outputs as usize;
        &self.weights[i * n..(i + 1) * n]
    }
}

/// Neuron dynamics of a layer, with the threshold already a power of two.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Neuron {
    /// What the neuron emits.
    pub kind: NeuronKind,
    /// `q` with threshold `θ = 2^q` (0..=24).
    pub threshold_shift: u8,
    /// Membrane leak applied to the post-reset membrane each timestep.
    pub decay: Decay,
    /// What firing does to the membrane.
    pub reset: Reset,
}

impl Neuron {
    /// The threshold `θ = 2^q`.
    pub fn threshold(&self) -> i64 {
        1i64 << self.threshold_shift
    }
}

/// What a neuron emits. See ARCHITECTURE.md "Integer contract" for the exact rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeuronKind {
    /// `s = 1` if `u >= θ` else 0.
    BinaryLif,
    /// `s = +1` if `u >= θ`, `-1` if `u <= -θ`, else 0. The learned amplitude is already
    /// folded into the next layer's weights.
    Ternary,
    /// LMS integer spike `s = clamp((u + θ/2) >> q, 0, D)` sent in `code`'s planes.
    Integer {
        /// The spike maximum D (1..=255).
        max_spike: u32,
        /// How a value `0..=D` travels as binary planes.
        code: SpikeCode,
    },
    /// Non-spiking output layer: its final membrane is the score. Only valid last.
    Readout,
}

impl NeuronKind {
    /// Range of values this neuron emits (Readout emits nothing: `0..=0`).
    pub fn spike_range(&self) -> SpikeRange {
        match self {
            NeuronKind::BinaryLif => SpikeRange { min: 0, max: 1 },
            NeuronKind::Ternary => SpikeRange { min: -1, max: 1 },
            NeuronKind::Integer { max_spike, .. } => SpikeRange { min: 0, max: *max_spike as i32 },
            NeuronKind::Readout => SpikeRange { min: 0, max: 0 },
        }
    }

    /// The code the emitted spikes travel in; binary and ternary use one plane of amplitude 1
    /// (ternary events carry a sign).
    pub fn code(&self) -> SpikeCode {
        match self {
            NeuronKind::Integer { code, .. } => code.clone(),
            _ => SpikeCode::Planes(vec![1]),
        }
    }

    /// Short name for tables.
    pub fn label(&self) -> String {
        match self {
            NeuronKind::BinaryLif => "binary".into(),
            NeuronKind::Ternary => "ternary".into(),
            NeuronKind::Integer { max_spike, .. } => format!("integer D={max_spike}"),
            NeuronKind::Readout => "readout".into(),
        }
    }
}

/// Inclusive range of spike values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpikeRange {
    /// Smallest value (-1 for ternary, else 0).
    pub min: i32,
    /// Largest value (D).
    pub max: i32,
}

impl SpikeRange {
    /// Number of distinct values (histogram length).
    pub fn len(&self) -> usize {
        (self.max - self.min + 1) as usize
    }

    /// Never true; present for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Membrane leak `λ` as a shift. Serialized as `"keep"`, `"clear"` or `{"shift": k}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decay {
    /// `λ = 1`: the membrane integrates without leak.
    Keep,
    /// `λ = 0`: nothing carries over between timesteps.
    Clear,
    /// `λ = 2^-k`, `k` in 1..=31: arithmetic right shift (floor).
    Shift(u8),
}

/// `keep`, `clear` or `shift:K`; [`FromStr`](std::str::FromStr) reads the same text back,
/// with `K` in 1..=31.
///
/// ```
/// use model::Decay;
/// assert_eq!(Decay::Shift(3).to_string(), "shift:3");
/// assert_eq!("keep".parse::<Decay>(), Ok(Decay::Keep));
/// assert!("shift:0".parse::<Decay>().is_err());
/// ```
impl std::fmt::Display for Decay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Decay::Keep => f.write_str("keep"),
            Decay::Clear => f.write_str("clear"),
            Decay::Shift(k) => write!(f, "shift:{k}"),
        }
    }
}

impl std::str::FromStr for Decay {
    type Err = crate::error::ParseError;

    fn from_str(text: &str) -> Result<Decay, Self::Err> {
        match text {
            "keep" => Ok(Decay::Keep),
            "clear" => Ok(Decay::Clear),
            _ => text
                .strip_prefix("shift:")
                .and_then(|k| k.parse::<u8>().ok())
                .filter(|k| (1..=31).contains(k))
                .map(Decay::Shift)
                .ok_or_else(|| crate::error::ParseError {
                    text: text.to_string(),
                    expected: "keep, clear or shift:K with K in 1..=31",
                }),
        }
    }
}

impl Decay {
    /// Apply the leak to a post-reset membrane (floor division by `2^k`).
    pub fn apply(self, v: i64) -> i64 {
        match self {
            Decay::Keep => v,
            Decay::Clear => 0,
            Decay::Shift(k) => v >> k,
        }
    }
}

/// What firing does to the membrane, applied right after the spike is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reset {
    /// A neuron that emitted a non-zero spike restarts from 0.
    Hard,
    /// Subtract what was emitted: `u - s·θ`.
    Soft,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decays_round_trip(k in 1u8..=31, which in 0usize..3) {
            let decay: Decay = [Decay::Keep, Decay::Clear, Decay::Shift(k)][which];
            prop_assert_eq!(decay.to_string().parse::<Decay>(), Ok(decay));
        }
    }

    #[test]
    fn decays_outside_the_range_are_refused() {
        for text in ["shift:0", "shift:32", "shift:", "slow", "Keep"] {
            let e = text.parse::<Decay>().unwrap_err().to_string();
            assert_eq!(e, format!("`{text}`: expected keep, clear or shift:K with K in 1..=31"));
        }
    }
}
