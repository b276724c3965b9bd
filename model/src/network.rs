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
    /// otherwise the previous layer's emitted range ([`Network::output_range_of`]).
    pub fn input_range_of(&self, index: usize) -> SpikeRange {
        if index == 0 {
            SpikeRange { min: 0, max: self.input.max_value as i32 }
        } else {
            self.output_range_of(index - 1)
        }
    }

    /// The range of values layer `index` emits: its neuron kind's range; for max pooling its
    /// input's range; for sum pooling `kernel²` times its input's range (a window's sum).
    pub fn output_range_of(&self, index: usize) -> SpikeRange {
        let layer = &self.layers[index];
        match &layer.op {
            LayerOp::SumPool2d(p) if index > 0 => {
                let r = self.input_range_of(index);
                let n = (p.kernel as i64 * p.kernel as i64).min(i32::MAX as i64) as i32;
                SpikeRange { min: r.min.saturating_mul(n), max: r.max.saturating_mul(n) }
            }
            LayerOp::MaxPool2d(_) if index > 0 => self.input_range_of(index),
            _ => layer.neuron.kind.spike_range(),
        }
    }

    /// The code in which layer `index`'s input spikes travel. Pooling layers pass on the
    /// code of what feeds them (sum pooling forwards the events themselves, remapped).
    pub fn input_code_of(&self, index: usize) -> SpikeCode {
        if index == 0 {
            return self.input.code.clone();
        }
        match &self.layers[index - 1].op {
            LayerOp::SumPool2d(_) | LayerOp::MaxPool2d(_) => self.input_code_of(index - 1),
            _ => self.layers[index - 1].neuron.kind.code(),
        }
    }

    /// The spatial shape layer `index` receives: the input's `[C, H, W]` for layer 0 (when
    /// the input shape has three dimensions), a conv or pooling layer's output shape, else
    /// `None` (flat).
    pub fn input_shape_of(&self, index: usize) -> Option<Shape3> {
        if index == 0 {
            match self.input.shape[..] {
                [channels, height, width] => Some(Shape3 { channels, height, width }),
                _ => None,
            }
        } else {
            self.layers[index - 1].output_shape()
        }
    }

    /// The typed refusal of what the hardware (RTL, cycle model, co-simulation, boards)
    /// cannot build: a pooling layer runs inside the conv stage before it, so it must follow
    /// a conv layer directly. Everything else the IR holds has hardware.
    pub fn require_hardware(&self) -> Result<(), crate::ModelError> {
        for (layer, l) in self.layers.iter().enumerate() {
            if l.is_pooling()
                && !matches!(self.layers.get(layer.wrapping_sub(1)).map(|p| &p.op), Some(LayerOp::Conv2d(_)))
            {
                return Err(crate::ModelError::NoRtl {
                    layer,
                    name: l.name.clone(),
                    reason: format!(
                        "{} after a pooling layer (hardware pools inside the conv stage before the pooling layer; \
                         merge the two windows into one)",
                        l.op.name()
                    ),
                });
            }
        }
        Ok(())
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
    /// Number of input spikes this layer consumes (`C·H·W` for conv and pooling layers).
    pub fn inputs(&self) -> usize {
        match &self.op {
            LayerOp::Dense(d) => d.inputs as usize,
            LayerOp::Conv2d(c) => c.input_shape().size(),
            LayerOp::SumPool2d(p) | LayerOp::MaxPool2d(p) => p.input_shape().size(),
        }
    }

    /// Number of neurons (pooling layers: pooled outputs), saturating on absurd shapes.
    pub fn outputs(&self) -> usize {
        match &self.op {
            LayerOp::Dense(d) => d.outputs as usize,
            LayerOp::Conv2d(c) => c.output_shape().map_or(0, |s| s.size()),
            LayerOp::SumPool2d(p) | LayerOp::MaxPool2d(p) => p.output_shape().map_or(0, |s| s.size()),
        }
    }

    /// The spatial shape of the layer's output (`None` for a dense layer, whose output is flat).
    pub fn output_shape(&self) -> Option<Shape3> {
        match &self.op {
            LayerOp::Dense(_) => None,
            LayerOp::Conv2d(c) => c.output_shape(),
            LayerOp::SumPool2d(p) | LayerOp::MaxPool2d(p) => p.output_shape(),
        }
    }

    /// Whether the layer is a pooling layer (no weights, no membrane).
    pub fn is_pooling(&self) -> bool {
        matches!(self.op, LayerOp::SumPool2d(_) | LayerOp::MaxPool2d(_))
    }

    /// Number of weights plus biases (lateral weights included).
    pub fn parameters(&self) -> usize {
        let lateral = self.lateral.as_ref().map_or(0, |l| l.weights.len());
        match &self.op {
            LayerOp::Dense(d) => d.weights.len() + d.bias.len() + lateral,
            LayerOp::Conv2d(c) => c.weights.len() + c.bias.len() + lateral,
            LayerOp::SumPool2d(_) | LayerOp::MaxPool2d(_) => 0,
        }
    }

    /// Signed width of the layer's weight memory words: the wider of the declared input and
    /// lateral weight widths (hardware keeps both matrices in one memory); 0 for pooling.
    pub fn weight_bits(&self) -> u32 {
        let lateral = self.lateral.as_ref().map_or(0, |l| l.weight_bits as u32);
        match &self.op {
            LayerOp::Dense(d) => (d.weight_bits as u32).max(lateral),
            LayerOp::Conv2d(c) => (c.weight_bits as u32).max(lateral),
            LayerOp::SumPool2d(_) | LayerOp::MaxPool2d(_) => 0,
        }
    }

    /// Rows of weights an event can select: one per input, plus one per neuron with lateral
    /// connections (their rows follow the input rows in the hardware's weight memory).
    pub fn weight_rows(&self) -> usize {
        self.inputs() + if self.lateral.is_some() { self.outputs() } else { 0 }
    }

    /// Synaptic operations one non-zero input spike at every input position causes, summed:
    /// `inputs · outputs` for dense, `Σ` over input positions of the output positions each
    /// one's kernel reaches times the output channels for conv, 0 for pooling (an address
    /// remap or a compare, no weight).
    pub fn dense_synops(&self) -> u64 {
        match &self.op {
            LayerOp::Dense(d) => d.inputs as u64 * d.outputs as u64,
            LayerOp::Conv2d(c) => c.output_shape().map_or(0, |o| {
                let reach = |size: u32, out: u32| -> u64 { (0..size).map(|y| c.reach(y, out).count() as u64).sum() };
                c.in_channels as u64 * reach(c.in_height, o.height) * reach(c.in_width, o.width) * c.out_channels as u64
            }),
            LayerOp::SumPool2d(_) | LayerOp::MaxPool2d(_) => 0,
        }
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

/// The synaptic operation of a layer. Serialized externally tagged (`{"dense": {...}}`,
/// `{"conv2d": {...}}`, `{"sum_pool2d": {...}}`, `{"max_pool2d": {...}}`) so that large
/// weight arrays deserialize without buffering (lateral connections are a [`Layer`] field,
/// not an op).
///
/// Conv and pooling layers see their input as `[C, H, W]` and number their outputs
/// channel-major, `c·H·W + y·W + x` (the row-major flattening of `[C, H, W]`), which is also
/// the order a dense layer after them reads them in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerOp {
    /// Fully connected: `x[j] = bias[j] + sum_i s[i] * weights[i * outputs + j]`.
    Dense(Dense),
    /// 2-D convolution with zero padding (see [`Conv2d`]).
    Conv2d(Conv2d),
    /// Sum of the spike values in each non-overlapping window: linear, so in an event-driven
    /// design an address remap of the incoming events (see [`Pool2d`]).
    SumPool2d(Pool2d),
    /// Largest spike value in each non-overlapping window (see [`Pool2d`]).
    MaxPool2d(Pool2d),
}

impl LayerOp {
    /// The op's tag in the model file.
    pub fn name(&self) -> &'static str {
        match self {
            LayerOp::Dense(_) => "dense",
            LayerOp::Conv2d(_) => "conv2d",
            LayerOp::SumPool2d(_) => "sum_pool2d",
            LayerOp::MaxPool2d(_) => "max_pool2d",
        }
    }
}

/// A `[channels, height, width]` shape; its flat index is `c·H·W + y·W + x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape3 {
    /// Channels C.
    pub channels: u32,
    /// Height H.
    pub height: u32,
    /// Width W.
    pub width: u32,
}

impl Shape3 {
    /// `C·H·W`, saturating on absurd shapes.
    pub fn size(&self) -> usize {
        (self.channels as usize).saturating_mul(self.height as usize).saturating_mul(self.width as usize)
    }

    /// The flat (channel-major) index of `(c, y, x)`.
    pub fn index(&self, c: u32, y: u32, x: u32) -> usize {
        (c as usize * self.height as usize + y as usize) * self.width as usize + x as usize
    }
}

impl std::fmt::Display for Shape3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}x{}", self.channels, self.height, self.width)
    }
}

/// A 2-D convolution over a `[in_channels, in_height, in_width]` input with a square
/// `kernel`, one `stride` and zero `padding` on every side, giving
/// `[out_channels, H_out, W_out]` with `H_out = (in_height + 2·padding - kernel) / stride + 1`
/// (floor; likewise `W_out`).
///
/// Output `(o, oy, ox)` receives input `(c, y, x)` through kernel tap `(ky, kx)` when
/// `y = oy·stride - padding + ky` and `x = ox·stride - padding + kx`; padded positions
/// (outside the input) are zeros and contribute nothing.
///
/// Weights are laid out `[in_channels][kernel][kernel][out_channels]`:
/// `weights[((c·kernel + ky)·kernel + kx)·out_channels + o]`. One input event at `(c, y, x)`
/// reads, for each tap `(ky, kx)` that lands inside the output, the contiguous row of
/// `out_channels` weights `(c, ky, kx, ·)`, the same "one row per source" shape a dense layer
/// has, so output channels map to lanes. The rows also make a conv layer's weights a dense
/// `[in_channels·kernel²][out_channels]` matrix for the bounds analysis.
///
/// ```
/// use model::network::Conv2d;
/// let c = Conv2d { in_channels: 1, in_height: 4, in_width: 4, out_channels: 2, kernel: 3,
///     stride: 1, padding: 1, weight_bits: 4, bias_bits: 8, weights: vec![0; 18], bias: vec![0; 2] };
/// let o = c.output_shape().unwrap();
/// assert_eq!((o.channels, o.height, o.width), (2, 4, 4));
/// assert_eq!(c.weight_index(0, 2, 1, 1), (2 * 3 + 1) * 2 + 1);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conv2d {
    /// Input channels C.
    pub in_channels: u32,
    /// Input height H.
    pub in_height: u32,
    /// Input width W.
    pub in_width: u32,
    /// Output channels.
    pub out_channels: u32,
    /// Kernel side K (square kernels).
    pub kernel: u32,
    /// Step between output positions, in input positions (1..).
    pub stride: u32,
    /// Zero positions added on every side (`0..kernel`).
    pub padding: u32,
    /// Signed two's-complement width every weight fits in (1..=16).
    pub weight_bits: u8,
    /// Signed two's-complement width every bias fits in (1..=32).
    pub bias_bits: u8,
    /// `in_channels · kernel · kernel · out_channels` weights (see the type's doc for the order).
    pub weights: Vec<i32>,
    /// `out_channels` biases, one per output channel, added to every position once per timestep.
    pub bias: Vec<i32>,
}

impl Conv2d {
    /// `[in_channels, in_height, in_width]`.
    pub fn input_shape(&self) -> Shape3 {
        Shape3 { channels: self.in_channels, height: self.in_height, width: self.in_width }
    }

    /// `[out_channels, H_out, W_out]`, `None` when the kernel is larger than the padded input
    /// or the stride is 0.
    pub fn output_shape(&self) -> Option<Shape3> {
        let side = |size: u32| -> Option<u32> {
            let padded = size as u64 + 2 * self.padding as u64;
            if self.stride == 0 || self.kernel == 0 || padded < self.kernel as u64 {
                return None;
            }
            u32::try_from((padded - self.kernel as u64) / self.stride as u64 + 1).ok()
        };
        Some(Shape3 { channels: self.out_channels, height: side(self.in_height)?, width: side(self.in_width)? })
    }

    /// Index into `weights` of input channel `c`, tap `(ky, kx)`, output channel `o`.
    pub fn weight_index(&self, c: u32, ky: u32, kx: u32, o: u32) -> usize {
        ((c as usize * self.kernel as usize + ky as usize) * self.kernel as usize + kx as usize)
            * self.out_channels as usize
            + o as usize
    }

    /// The `out_channels` weights of input channel `c` at tap `(ky, kx)`.
    pub fn row(&self, c: u32, ky: u32, kx: u32) -> &[i32] {
        let start = self.weight_index(c, ky, kx, 0);
        &self.weights[start..start + self.out_channels as usize]
    }

    /// Along one axis: the `(tap, output position)` pairs input position `y` reaches in an
    /// output of `out` positions, taps ascending (output positions descending).
    pub fn reach(&self, y: u32, out: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0..self.kernel).filter_map(move |k| {
            let shifted = (y + self.padding).checked_sub(k)?;
            (shifted % self.stride == 0 && shifted / self.stride < out).then_some((k, shifted / self.stride))
        })
    }
}

/// A pooling window over a `[channels, in_height, in_width]` spike map: non-overlapping
/// `kernel x kernel` windows (stride = kernel) that must tile the input exactly, giving
/// `[channels, in_height / kernel, in_width / kernel]`. Output `(c, oy, ox)` pools inputs
/// `(c, oy·kernel + dy, ox·kernel + dx)` for `dy, dx` in `0..kernel`.
///
/// A pooling layer has no weights and no membrane: its `neuron` must be
/// [`Neuron::pooling`] of the kind that feeds it, and its spikes are emitted in the same
/// timestep it receives them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pool2d {
    /// Channels C (kept by pooling).
    pub channels: u32,
    /// Input height H (a multiple of `kernel`).
    pub in_height: u32,
    /// Input width W (a multiple of `kernel`).
    pub in_width: u32,
    /// Window side and stride (1..).
    pub kernel: u32,
}

impl Pool2d {
    /// `[channels, in_height, in_width]`.
    pub fn input_shape(&self) -> Shape3 {
        Shape3 { channels: self.channels, height: self.in_height, width: self.in_width }
    }

    /// `[channels, in_height / kernel, in_width / kernel]`, `None` if the windows do not tile.
    pub fn output_shape(&self) -> Option<Shape3> {
        let k = self.kernel;
        if k == 0 || self.in_height % k != 0 || self.in_width % k != 0 {
            return None;
        }
        Some(Shape3 { channels: self.channels, height: self.in_height / k, width: self.in_width / k })
    }
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
    /// The neuron field a pooling layer carries: the `kind` of the layer feeding it (what
    /// travels through it, in that kind's code), `threshold_shift` 0, `decay` keep, `reset`
    /// hard. Pooling has no membrane, so validation accepts exactly this and nothing else.
    pub fn pooling(kind: NeuronKind) -> Neuron {
        Neuron { kind, threshold_shift: 0, decay: Decay::Keep, reset: Reset::Hard }
    }

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

/// Membrane leak `λ` as a shift. Serialized as `"keep"`, `"clear"`, `{"shift": k}` or
/// `{"leak": k}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decay {
    /// `λ = 1`: the membrane integrates without leak.
    Keep,
    /// `λ = 0`: nothing carries over between timesteps.
    Clear,
    /// `λ = 2^-k`, `k` in 1..=31: arithmetic right shift (floor).
    Shift(u8),
    /// `λ = 1 - 2^-k`, `k` in 1..=31: `v - (v >> k)` with the arithmetic (floor) shift, the
    /// leak factors near 1 (0.5, 0.75, 0.875, ...) that snnTorch and NIR networks use.
    Leak(u8),
}

/// `keep`, `clear`, `shift:K` or `leak:K`; [`FromStr`](std::str::FromStr) reads the same
/// text back, with `K` in 1..=31.
///
/// ```
/// use model::Decay;
/// assert_eq!(Decay::Shift(3).to_string(), "shift:3");
/// assert_eq!("keep".parse::<Decay>(), Ok(Decay::Keep));
/// assert_eq!("leak:4".parse::<Decay>(), Ok(Decay::Leak(4)));
/// assert!("shift:0".parse::<Decay>().is_err());
/// ```
impl std::fmt::Display for Decay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Decay::Keep => f.write_str("keep"),
            Decay::Clear => f.write_str("clear"),
            Decay::Shift(k) => write!(f, "shift:{k}"),
            Decay::Leak(k) => write!(f, "leak:{k}"),
        }
    }
}

impl std::str::FromStr for Decay {
    type Err = crate::error::ParseError;

    fn from_str(text: &str) -> Result<Decay, Self::Err> {
        match text {
            "keep" => Ok(Decay::Keep),
            "clear" => Ok(Decay::Clear),
            _ => {
                let shift = |prefix: &str| {
                    text.strip_prefix(prefix).and_then(|k| k.parse::<u8>().ok()).filter(|k| (1..=31).contains(k))
                };
                shift("shift:").map(Decay::Shift).or_else(|| shift("leak:").map(Decay::Leak)).ok_or_else(|| {
                    crate::error::ParseError {
                        text: text.to_string(),
                        expected: "keep, clear, shift:K or leak:K with K in 1..=31",
                    }
                })
            }
        }
    }
}

impl Decay {
    /// Apply the leak to a post-reset membrane: `v`, 0, `v >> k` or `v - (v >> k)`, every
    /// shift arithmetic (floor division by `2^k`).
    ///
    /// ```
    /// use model::Decay;
    /// assert_eq!(Decay::Leak(2).apply(100), 75);
    /// assert_eq!(Decay::Leak(1).apply(-7), -3); // -7 - floor(-7 / 2) = -7 + 4
    /// ```
    #[inline]
    pub fn apply(self, v: i64) -> i64 {
        match self {
            Decay::Keep => v,
            Decay::Clear => 0,
            Decay::Shift(k) => v >> k,
            Decay::Leak(k) => v - (v >> k),
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
        fn decays_round_trip(k in 1u8..=31, which in 0usize..4) {
            let decay: Decay = [Decay::Keep, Decay::Clear, Decay::Shift(k), Decay::Leak(k)][which];
            prop_assert_eq!(decay.to_string().parse::<Decay>(), Ok(decay));
        }
    }

    #[test]
    fn decays_outside_the_range_are_refused() {
        for text in ["shift:0", "shift:32", "shift:", "leak:0", "leak:32", "leak:", "slow", "Keep"] {
            let e = text.parse::<Decay>().unwrap_err().to_string();
            assert_eq!(e, format!("`{text}`: expected keep, clear, shift:K or leak:K with K in 1..=31"));
        }
    }

    #[test]
    fn leak_keeps_all_but_the_floor_shifted_part() {
        // v - floor(v / 2^k), by hand
        for (v, k, want) in [(100, 2, 75), (-7, 1, -3), (7, 1, 4), (-1, 31, 0), (-3, 1, -1), (0, 5, 0), (-100, 3, -87)]
        {
            assert_eq!(Decay::Leak(k).apply(v), want, "v = {v}, k = {k}");
        }
    }
}
