//! Validation: every rule a model must satisfy before anything downstream touches it.
//! After `validate` succeeds, the golden model and generators can index without checks and
//! compute in `i64` without overflow.

use crate::bounds;
use crate::code::SpikeCode;
use crate::error::{Location, ValidationError};
use crate::network::{
    Conv2d, Decay, Dense, FORMAT_NAME, FORMAT_VERSION, LayerOp, Network, Neuron, NeuronKind, Pool2d, Shape3,
};

/// Most timesteps per input.
pub const MAX_TIMESTEPS: u32 = 64;
/// Most layers.
pub const MAX_LAYERS: usize = 64;
/// Most inputs or neurons of one layer.
pub const MAX_WIDTH: usize = 1 << 20;
/// Widest weight.
pub const MAX_WEIGHT_BITS: u8 = 16;
/// Widest bias.
pub const MAX_BIAS_BITS: u8 = 32;
/// Largest threshold shift `q` (θ = 2^q).
pub const MAX_THRESHOLD_SHIFT: u8 = 24;
/// Largest spike maximum D and input maximum.
pub const MAX_SPIKE: u32 = 255;
/// Widest membrane or accumulator the hardware (and the `i64` golden model) supports.
pub const MAX_DATAPATH_BITS: u32 = 48;

fn err(location: &Location, field: impl Into<String>, reason: impl Into<String>) -> ValidationError {
    ValidationError { location: location.clone(), field: field.into(), reason: reason.into() }
}

fn signed_range(bits: u8) -> (i64, i64) {
    let half = 1i64 << (bits - 1);
    (-half, half - 1)
}

fn check_code(loc: &Location, field: &str, code: &SpikeCode, max: u32) -> Result<(), ValidationError> {
    code.table(max)
        .map(|_| ())
        .map_err(|e| err(loc, field, format!("{e} (values 0..={max} must all be representable)")))
}

impl Network {
    /// Check every rule of the IR; the first broken one is returned with its layer and field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let net = &Location::Network;
        if self.format != FORMAT_NAME {
            return Err(err(net, "format", format!("is {:?}, expected {FORMAT_NAME:?}", self.format)));
        }
        if self.version != FORMAT_VERSION {
            return Err(err(net, "version", format!("is {}, this build reads {FORMAT_VERSION}", self.version)));
        }
        if self.timesteps == 0 || self.timesteps > MAX_TIMESTEPS {
            return Err(err(net, "timesteps", format!("is {}, must be 1..={MAX_TIMESTEPS}", self.timesteps)));
        }
        self.validate_input()?;
        if self.layers.is_empty() {
            return Err(err(net, "layers", "the network has no layers"));
        }
        if self.layers.len() > MAX_LAYERS {
            return Err(err(net, "layers", format!("{} layers, at most {MAX_LAYERS}", self.layers.len())));
        }
        for index in 0..self.layers.len() {
            self.validate_layer(index)?;
        }
        for (index, layer) in self.layers.iter().enumerate() {
            let b = bounds::layer_bounds(self, index);
            let loc = Location::Layer { index, name: layer.name.clone() };
            for (what, bits) in [("accumulator", b.accumulator_bits), ("membrane", b.membrane_bits)] {
                if bits > MAX_DATAPATH_BITS {
                    return Err(err(
                        &loc,
                        "weights",
                        format!("the worst-case {what} needs {bits} bits, at most {MAX_DATAPATH_BITS} supported"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate_input(&self) -> Result<(), ValidationError> {
        let loc = &Location::Input;
        let input = &self.input;
        if input.shape.is_empty() || input.shape.contains(&0) {
            return Err(err(loc, "shape", format!("{:?} must be non-empty with no zero dimension", input.shape)));
        }
        if input.size() > MAX_WIDTH {
            return Err(err(loc, "shape", format!("{} values, at most {MAX_WIDTH}", input.size())));
        }
        if input.max_value == 0 || input.max_value > MAX_SPIKE {
            return Err(err(loc, "max_value", format!("is {}, must be 1..={MAX_SPIKE}", input.max_value)));
        }
        check_code(loc, "code", &input.code, input.max_value)
    }

    fn validate_layer(&self, index: usize) -> Result<(), ValidationError> {
        let layer = &self.layers[index];
        let loc = &Location::Layer { index, name: layer.name.clone() };
        if layer.name.trim().is_empty() {
            return Err(err(loc, "name", "must not be empty"));
        }
        if let Some(first) = self.layers[..index].iter().position(|l| l.name == layer.name) {
            return Err(err(loc, "name", format!("duplicates the name of layer {first}")));
        }
        match &layer.op {
            LayerOp::Dense(d) => self.validate_dense(index, loc, d)?,
            LayerOp::Conv2d(c) => self.validate_conv(index, loc, c)?,
            LayerOp::SumPool2d(p) => self.validate_pool(index, loc, "sum_pool2d", p)?,
            LayerOp::MaxPool2d(p) => self.validate_pool(index, loc, "max_pool2d", p)?,
        }
        let n = &layer.neuron;
        if n.threshold_shift > MAX_THRESHOLD_SHIFT {
            return Err(err(
                loc,
                "neuron.threshold_shift",
                format!("is {}, must be 0..={MAX_THRESHOLD_SHIFT}", n.threshold_shift),
            ));
        }
        // Shift 0 would be λ = 1 and leak 0 λ = 0: each has its own name.
        let decay_shift = match n.decay {
            Decay::Shift(k) => Some(("neuron.decay.shift", k, "use \"keep\" for no leak")),
            Decay::Leak(k) => Some(("neuron.decay.leak", k, "use \"clear\" for λ = 0")),
            Decay::Keep | Decay::Clear => None,
        };
        if let Some((field, k, hint)) = decay_shift {
            if k == 0 || k > 31 {
                return Err(err(loc, field, format!("is {k}, must be 1..=31 ({hint})")));
            }
        }
        let last = index + 1 == self.layers.len();
        match &n.kind {
            NeuronKind::Integer { max_spike, code } => {
                if *max_spike == 0 || *max_spike > MAX_SPIKE {
                    return Err(err(
                        loc,
                        "neuron.kind.integer.max_spike",
                        format!("is {max_spike}, the spike maximum D must be 1..={MAX_SPIKE}"),
                    ));
                }
                check_code(loc, "neuron.kind.integer.code", code, *max_spike)?;
            }
            NeuronKind::Readout if !last => {
                return Err(err(loc, "neuron.kind", "a readout (non-spiking) layer must be the last layer"));
            }
            _ => {}
        }
        if let Some(lat) = &layer.lateral {
            if !matches!(layer.op, LayerOp::Dense(_)) {
                // A conv layer's lateral matrix would be (C·H·W)² weights with no spatial
                // structure; a local lateral kernel is a design of its own, not done yet.
                return Err(err(
                    loc,
                    "lateral",
                    format!("only dense layers may have lateral connections, not {}", layer.op.name()),
                ));
            }
            if matches!(n.kind, NeuronKind::Readout) {
                return Err(err(loc, "lateral", "a readout layer emits no spikes to feed back"));
            }
            if lat.weight_bits == 0 || lat.weight_bits > MAX_WEIGHT_BITS {
                return Err(err(
                    loc,
                    "lateral.weight_bits",
                    format!("is {}, must be 1..={MAX_WEIGHT_BITS}", lat.weight_bits),
                ));
            }
            if lat.shift > MAX_THRESHOLD_SHIFT {
                return Err(err(loc, "lateral.shift", format!("is {}, must be 0..={MAX_THRESHOLD_SHIFT}", lat.shift)));
            }
            let n_out = layer.outputs();
            if lat.weights.len() != n_out * n_out {
                return Err(err(
                    loc,
                    "lateral.weights",
                    format!(
                        "has {} values, expected outputs x outputs = {n_out} x {n_out} = {}",
                        lat.weights.len(),
                        n_out * n_out
                    ),
                ));
            }
            let (lo, hi) = signed_range(lat.weight_bits);
            if let Some(k) = lat.weights.iter().position(|&w| (w as i64) < lo || (w as i64) > hi) {
                return Err(err(
                    loc,
                    format!("lateral.weights[{}][{}]", k / n_out, k % n_out),
                    format!("{} is outside the declared {}-bit range {lo}..={hi}", lat.weights[k], lat.weight_bits),
                ));
            }
        }
        if let Some(h) = &layer.histogram {
            if layer.is_pooling() {
                return Err(err(loc, "histogram", "a pooling layer has no neurons of its own to histogram"));
            }
            let range = n.kind.spike_range();
            if matches!(n.kind, NeuronKind::Readout) {
                return Err(err(loc, "histogram", "a readout layer emits no spikes to histogram"));
            }
            if h.len() != range.len() {
                return Err(err(
                    loc,
                    "histogram",
                    format!("has {} bins, expected {} (values {}..={})", h.len(), range.len(), range.min, range.max),
                ));
            }
        }
        Ok(())
    }
    fn validate_dense(&self, index: usize, loc: &Location, d: &Dense) -> Result<(), ValidationError> {
        let expected_inputs = if index == 0 { self.input.size() } else { self.layers[index - 1].outputs() };
        if d.inputs as usize != expected_inputs {
            let from = if index == 0 { "the input size".to_string() } else { format!("layer {}'s outputs", index - 1) };
            return Err(err(loc, "dense.inputs", format!("is {}, but {from} is {expected_inputs}", d.inputs)));
        }
        if d.outputs == 0 || d.outputs as usize > MAX_WIDTH {
            return Err(err(loc, "dense.outputs", format!("is {}, must be 1..={MAX_WIDTH}", d.outputs)));
        }
        let want = d.inputs as usize * d.outputs as usize;
        let shape = format!("inputs x outputs = {} x {} = {want}", d.inputs, d.outputs);
        check_weights(
            loc,
            "dense",
            (d.weight_bits, &d.weights, want, &shape),
            (d.bias_bits, &d.bias),
            d.outputs as usize,
        )
    }

    /// The spatial shape layer `index` must receive, or the error naming `field`.
    fn spatial_input(&self, index: usize, loc: &Location, field: &str) -> Result<Shape3, ValidationError> {
        self.input_shape_of(index).ok_or_else(|| {
            let from = if index == 0 {
                format!("the input shape {:?} is not [C, H, W]", self.input.shape)
            } else {
                format!("layer {} is {} with a flat output", index - 1, self.layers[index - 1].op.name())
            };
            err(loc, field, format!("needs a [C, H, W] input, but {from}"))
        })
    }

    fn validate_conv(&self, index: usize, loc: &Location, c: &Conv2d) -> Result<(), ValidationError> {
        let want = self.spatial_input(index, loc, "conv2d.in_channels")?;
        for (field, got, expected) in [
            ("conv2d.in_channels", c.in_channels, want.channels),
            ("conv2d.in_height", c.in_height, want.height),
            ("conv2d.in_width", c.in_width, want.width),
        ] {
            if got != expected {
                return Err(err(loc, field, format!("is {got}, but the layer receives {want}")));
            }
        }
        if c.out_channels == 0 {
            return Err(err(loc, "conv2d.out_channels", "is 0, must be at least 1"));
        }
        if c.kernel == 0 {
            return Err(err(loc, "conv2d.kernel", "is 0, must be at least 1"));
        }
        if c.stride == 0 {
            return Err(err(loc, "conv2d.stride", "is 0, must be at least 1"));
        }
        if c.padding >= c.kernel {
            // With padding < kernel every output window touches at least one real input.
            return Err(err(loc, "conv2d.padding", format!("is {}, must be below the kernel {}", c.padding, c.kernel)));
        }
        let Some(out) = c.output_shape() else {
            return Err(err(
                loc,
                "conv2d.kernel",
                format!(
                    "{} is larger than the padded input {}x{} ({want} with padding {})",
                    c.kernel,
                    c.in_height as u64 + 2 * c.padding as u64,
                    c.in_width as u64 + 2 * c.padding as u64,
                    c.padding
                ),
            ));
        };
        if out.size() > MAX_WIDTH {
            return Err(err(
                loc,
                "conv2d.out_channels",
                format!("gives {out} = {} outputs, at most {MAX_WIDTH}", out.size()),
            ));
        }
        let rows = (c.in_channels as usize).saturating_mul(c.kernel as usize).saturating_mul(c.kernel as usize);
        let n = c.out_channels as usize;
        let shape = format!(
            "in_channels x kernel x kernel x out_channels = {} x {} x {} x {n} = {}",
            c.in_channels,
            c.kernel,
            c.kernel,
            rows.saturating_mul(n)
        );
        check_weights(
            loc,
            "conv2d",
            (c.weight_bits, &c.weights, rows.saturating_mul(n), &shape),
            (c.bias_bits, &c.bias),
            n,
        )
    }

    fn validate_pool(&self, index: usize, loc: &Location, op: &str, p: &Pool2d) -> Result<(), ValidationError> {
        if index == 0 {
            return Err(err(loc, op, "pooling takes the spikes of a conv or pooling layer, not the input"));
        }
        let want = self.spatial_input(index, loc, &format!("{op}.channels"))?;
        for (field, got, expected) in [
            ("channels", p.channels, want.channels),
            ("in_height", p.in_height, want.height),
            ("in_width", p.in_width, want.width),
        ] {
            if got != expected {
                return Err(err(loc, format!("{op}.{field}"), format!("is {got}, but the layer receives {want}")));
            }
        }
        if p.kernel == 0 {
            return Err(err(loc, format!("{op}.kernel"), "is 0, must be at least 1"));
        }
        if p.output_shape().is_none() {
            return Err(err(
                loc,
                format!("{op}.kernel"),
                format!(
                    "{}x{} windows do not tile the {want} input (height and width must be multiples)",
                    p.kernel, p.kernel
                ),
            ));
        }
        let feeding = self.layers[index - 1].neuron.kind.clone();
        if matches!(feeding, NeuronKind::Readout) {
            return Err(err(loc, op, format!("layer {} is a readout layer and emits no spikes to pool", index - 1)));
        }
        if op == "max_pool2d" {
            // Max pooling re-sends its value in the code of what feeds it; after sum pooling
            // that value can exceed the code's range.
            let range = self.input_range_of(index);
            let code = self.input_code_of(index);
            if code.table(range.max.unsigned_abs()).is_err() {
                return Err(err(
                    loc,
                    op,
                    format!(
                        "max pooling re-sends its value in the code of what feeds it ({}), which cannot represent the summed range {}..={} of the sum pooling before it",
                        code.label(),
                        range.min,
                        range.max
                    ),
                ));
            }
        }
        let layer = &self.layers[index];
        let expected = Neuron::pooling(feeding);
        if layer.neuron != expected {
            return Err(err(
                loc,
                "neuron",
                format!(
                    "a pooling layer has no membrane: its neuron must be the feeding layer's kind with threshold_shift 0, decay keep, reset hard ({expected:?}), found {:?}",
                    layer.neuron
                ),
            ));
        }
        Ok(())
    }
}

/// The weight and bias rules dense and conv layers share: widths, counts and ranges.
fn check_weights(
    loc: &Location,
    op: &str,
    (weight_bits, weights, want, shape): (u8, &[i32], usize, &str),
    (bias_bits, bias): (u8, &[i32]),
    outputs: usize,
) -> Result<(), ValidationError> {
    if weight_bits == 0 || weight_bits > MAX_WEIGHT_BITS {
        return Err(err(loc, format!("{op}.weight_bits"), format!("is {weight_bits}, must be 1..={MAX_WEIGHT_BITS}")));
    }
    if bias_bits == 0 || bias_bits > MAX_BIAS_BITS {
        return Err(err(loc, format!("{op}.bias_bits"), format!("is {bias_bits}, must be 1..={MAX_BIAS_BITS}")));
    }
    if weights.len() != want {
        return Err(err(loc, format!("{op}.weights"), format!("has {} values, expected {shape}", weights.len())));
    }
    if bias.len() != outputs {
        return Err(err(loc, format!("{op}.bias"), format!("has {} values, expected {outputs}", bias.len())));
    }
    let (wlo, whi) = signed_range(weight_bits);
    if let Some(k) = weights.iter().position(|&w| (w as i64) < wlo || (w as i64) > whi) {
        let (i, j) = (k / outputs, k % outputs);
        return Err(err(
            loc,
            format!("{op}.weights[{i}][{j}]"),
            format!("{} is outside the declared {weight_bits}-bit range {wlo}..={whi}", weights[k]),
        ));
    }
    let (blo, bhi) = signed_range(bias_bits);
    if let Some(j) = bias.iter().position(|&b| (b as i64) < blo || (b as i64) > bhi) {
        return Err(err(
            loc,
            format!("{op}.bias[{j}]"),
            format!("{} is outside the declared {bias_bits}-bit range {blo}..={bhi}", bias[j]),
        ));
    }
    Ok(())
}
