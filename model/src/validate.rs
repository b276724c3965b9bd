//! Validation: every rule a model must satisfy before anything downstream touches it.
//! After `validate` succeeds, the golden model and generators can index without checks and
//! compute in `i64` without overflow.

use crate::bounds;
use crate::code::SpikeCode;
use crate::error::{Location, ValidationError};
use crate::network::{Decay, FORMAT_NAME, FORMAT_VERSION, LayerOp, Network, NeuronKind};

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
        let expected_inputs = if index == 0 { self.input.size() } else { self.layers[index - 1].outputs() };
        let LayerOp::Dense(d) = &layer.op;
        if d.inputs as usize != expected_inputs {
            let from = if index == 0 { "the input size".to_string() } else { format!("layer {}'s outputs", index - 1) };
            return Err(err(loc, "dense.inputs", format!("is {}, but {from} is {expected_inputs}", d.inputs)));
        }
        if d.outputs == 0 || d.outputs as usize > MAX_WIDTH {
            return Err(err(loc, "dense.outputs", format!("is {}, must be 1..={MAX_WIDTH}", d.outputs)));
        }
        if d.weight_bits == 0 || d.weight_bits > MAX_WEIGHT_BITS {
            return Err(err(loc, "dense.weight_bits", format!("is {}, must be 1..={MAX_WEIGHT_BITS}", d.weight_bits)));
        }
        if d.bias_bits == 0 || d.bias_bits > MAX_BIAS_BITS {
            return Err(err(loc, "dense.bias_bits", format!("is {}, must be 1..={MAX_BIAS_BITS}", d.bias_bits)));
        }
        let want = d.inputs as usize * d.outputs as usize;
        if d.weights.len() != want {
            return Err(err(
                loc,
                "dense.weights",
                format!(
                    "has {} values, expected inputs x outputs = {} x {} = {want}",
                    d.weights.len(),
                    d.inputs,
                    d.outputs
                ),
            ));
        }
        if d.bias.len() != d.outputs as usize {
            return Err(err(loc, "dense.bias", format!("has {} values, expected {}", d.bias.len(), d.outputs)));
        }
        let (wlo, whi) = signed_range(d.weight_bits);
        if let Some(k) = d.weights.iter().position(|&w| (w as i64) < wlo || (w as i64) > whi) {
            let (i, j) = (k / d.outputs as usize, k % d.outputs as usize);
            return Err(err(
                loc,
                format!("dense.weights[{i}][{j}]"),
                format!("{} is outside the declared {}-bit range {wlo}..={whi}", d.weights[k], d.weight_bits),
            ));
        }
        let (blo, bhi) = signed_range(d.bias_bits);
        if let Some(j) = d.bias.iter().position(|&b| (b as i64) < blo || (b as i64) > bhi) {
            return Err(err(
                loc,
                format!("dense.bias[{j}]"),
                format!("{} is outside the declared {}-bit range {blo}..={bhi}", d.bias[j], d.bias_bits),
            ));
        }
        let n = &layer.neuron;
        if n.threshold_shift > MAX_THRESHOLD_SHIFT {
            return Err(err(
                loc,
                "neuron.threshold_shift",
                format!("is {}, must be 0..={MAX_THRESHOLD_SHIFT}", n.threshold_shift),
            ));
        }
        if let Decay::Shift(k) = n.decay {
            if k == 0 || k > 31 {
                return Err(err(
                    loc,
                    "neuron.decay.shift",
                    format!("is {k}, must be 1..=31 (use \"keep\" for no leak)"),
                ));
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
            let n_out = d.outputs as usize;
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
}
