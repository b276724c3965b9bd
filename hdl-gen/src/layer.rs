//! Per-layer hardware parameters: everything the RTL library's `sf_layer` needs, derived
//! from the network, its bounds and the hardware plan, each with the reason for its value.

use model::bounds::LayerBounds;
use model::{CodeTable, Decay, LayerOp, LayerPlan, Network, NeuronKind, Reset, SpikeCode, WeightStore};
use serde::{Deserialize, Serialize};

use crate::defs::{decay_code, kind_code};
use crate::verilog::{Param, pack_bits};

/// Bits to index `n` items (`0..n`), at least 1.
pub fn index_bits(n: u64) -> u32 {
    if n <= 1 { 1 } else { 64 - (n - 1).leading_zeros() }
}

/// Bits to hold the unsigned value `v`, at least 1.
pub fn value_bits(v: u64) -> u32 {
    (64 - v.leading_zeros()).max(1)
}

/// How events arriving at a layer are encoded on the wire (`{neg, sel, source}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFormat {
    /// Bits of the source index.
    pub source_bits: u32,
    /// Bits of the plane index (plane codes) or value (payload codes).
    pub sel_bits: u32,
    /// Whole event word: `1 + sel_bits + source_bits`.
    pub event_bits: u32,
    /// Most events one item can carry (every source at its most expensive value).
    pub max_events: u64,
}

impl EventFormat {
    fn new(sources: u64, code: &SpikeCode, table: &CodeTable, max_value: u32) -> EventFormat {
        let source_bits = index_bits(sources);
        let sel_bits = match code {
            SpikeCode::Payload => value_bits(max_value as u64),
            SpikeCode::Planes(a) => index_bits(a.len() as u64),
        };
        let worst = table.max_events() as u64;
        EventFormat {
            source_bits,
            sel_bits,
            event_bits: 1 + sel_bits + source_bits,
            max_events: sources * worst.max(1),
        }
    }

    /// Address bits of one buffer slot.
    pub fn addr_bits(&self) -> u32 {
        index_bits(self.max_events)
    }

    /// Bits of an event count `0..=max_events`.
    pub fn count_bits(&self) -> u32 {
        value_bits(self.max_events)
    }
}

/// Everything about one layer's hardware.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRtl {
    /// Position in the network.
    pub index: usize,
    /// Layer name from the model.
    pub name: String,
    /// Generated wrapper module name.
    pub module: String,
    /// Lanes, groups, widths.
    pub plan: LayerPlan,
    /// Events this layer receives.
    pub input: EventFormat,
    /// Events this layer emits (`None` for the last layer, which has no output buffer).
    pub output: Option<EventFormat>,
    /// Bits of this layer's neuron index.
    pub neuron_bits: u32,
    /// Bits of an emitted spike magnitude.
    pub value_bits: u32,
    /// Bits of the emitted plane/value field.
    pub sel_bits: u32,
    /// Planes of the emitted code (1 for readout layers).
    pub out_planes: u32,
    /// Planes of the incoming code.
    pub in_planes: u32,
    /// Incoming events carry their value (payload code): each lane multiplies.
    pub in_payload: bool,
    /// Timesteps per input.
    pub timesteps: u32,
    /// Signed bias width.
    pub bias_bits: u32,
    /// Weight memory file name (relative).
    pub weights_file: String,
    /// Bias memory file name (relative).
    pub bias_file: String,
    /// `sf_layer` parameters, in declaration order, with their reasons.
    #[serde(skip)]
    pub params: Vec<Param>,
}

impl LayerRtl {
    /// Whether the weights are a RAM written at start-up ([`WeightStore::Loaded`]).
    pub fn loads_weights(&self) -> bool {
        self.plan.weights == WeightStore::Loaded
    }

    /// Words of the weight memory: `inputs · groups`.
    pub fn weight_words(&self) -> u64 {
        self.plan.weight_words()
    }

    /// Bits of one weight word: `lanes · weight_bits`.
    pub fn weight_word_bits(&self) -> u32 {
        self.plan.lanes * self.plan.weight_bits
    }

    /// Bits of a weight word address.
    pub fn weight_addr_bits(&self) -> u32 {
        index_bits(self.weight_words())
    }
}

/// A Verilog identifier from free text: letters, digits and `_`, not starting with a digit.
pub fn identifier(text: &str) -> String {
    let mut s: String =
        text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'n');
    }
    s
}

/// Derive layer `index`'s hardware from the network, its bounds and its plan.
pub fn layer_rtl(net: &Network, bounds: &LayerBounds, plan: &LayerPlan, index: usize, top: &str) -> LayerRtl {
    let layer = &net.layers[index];
    let LayerOp::Dense(dense) = &layer.op else { unreachable!("check_plan refuses conv and pooling layers") };
    let last = index + 1 == net.layers.len();
    let in_code = net.input_code_of(index);
    let in_max = net.input_range_of(index).max.unsigned_abs();
    let in_table = in_code.table(in_max).expect("validated code");
    let (out_code, max_spike) = match &layer.neuron.kind {
        NeuronKind::Readout => (SpikeCode::Planes(vec![1]), 1u32),
        k => (k.code(), k.spike_range().max as u32),
    };
    let out_table = out_code.table(max_spike).expect("validated code");
    let out_k = out_code.planes() as u32;
    let out_sel = match &out_code {
        SpikeCode::Payload => value_bits(max_spike as u64),
        SpikeCode::Planes(_) => index_bits(out_k as u64),
    };
    let mut rtl = LayerRtl {
        index,
        name: layer.name.clone(),
        module: format!("{top}_l{index}_{}", identifier(&layer.name)),
        plan: plan.clone(),
        input: EventFormat::new(dense.inputs as u64, &in_code, &in_table, in_max),
        output: (!last).then(|| EventFormat::new(dense.outputs as u64, &out_code, &out_table, max_spike)),
        neuron_bits: index_bits(dense.outputs as u64),
        value_bits: value_bits(max_spike as u64).max(out_sel),
        sel_bits: out_sel,
        out_planes: out_k,
        in_planes: in_code.planes() as u32,
        in_payload: in_code == SpikeCode::Payload,
        timesteps: net.timesteps,
        bias_bits: dense.bias_bits as u32,
        weights_file: format!("l{index}_{}_weights.mem", identifier(&layer.name)),
        bias_file: format!("l{index}_{}_bias.mem", identifier(&layer.name)),
        params: Vec::new(),
    };
    let codes = Codes { input: &in_code, output: &out_code, out_table: &out_table, max_spike };
    let mut params = shape_params(&rtl, &codes);
    params.extend(neuron_params(net, bounds, &rtl, &codes));
    if let Some(lateral) = &layer.lateral {
        params.extend(lateral_params(&rtl, &codes, lateral.shift));
    }
    params.extend(memory_params(&rtl));
    rtl.params = params;
    rtl
}

/// The spike codes a layer receives and emits.
struct Codes<'a> {
    input: &'a SpikeCode,
    output: &'a SpikeCode,
    out_table: &'a CodeTable,
    /// Largest emitted value `D` (1 for readout layers).
    max_spike: u32,
}

/// `sf_layer`'s sizes and the incoming events' format.
fn shape_params(rtl: &LayerRtl, codes: &Codes) -> Vec<Param> {
    let (plan, input, in_code, index) = (&rtl.plan, &rtl.input, codes.input, rtl.index);
    let t = rtl.timesteps as u64;
    let (in_amps, amp_bits) = code_amplitudes(in_code);
    let in_label = if index == 0 { "input".to_string() } else { format!("layer {}", index - 1) };
    vec![
        Param::int("N", plan.neurons as i64, "neurons"),
        Param::int("M", plan.inputs as i64, "inputs"),
        Param::int("P", plan.lanes as i64, "lanes (hardware plan)"),
        Param::int("G", plan.groups as i64, "groups = ceil(N / P)"),
        Param::int("T", t as i64, "timesteps per input"),
        Param::int("T_BITS", index_bits(t) as i64, ""),
        Param::int("G_BITS", index_bits(plan.groups as u64) as i64, ""),
        Param::int("SRC_BITS", input.source_bits as i64, "bits of an input index"),
        Param::int("NEURON_BITS", rtl.neuron_bits as i64, "bits of a neuron index"),
        Param::int("IN_K", in_code.planes() as i64, &format!("planes of the incoming code {}", in_code.label())),
        Param::int("IN_SEL_BITS", input.sel_bits as i64, ""),
        Param::int("IN_AMP_BITS", amp_bits as i64, ""),
        Param::bits("IN_AMPS", in_amps, &format!("amplitudes {} of {in_label}'s code", in_code.label())),
        Param::int("IN_PAYLOAD", i64::from(*in_code == SpikeCode::Payload), "events carry values, not planes"),
        Param::int("IN_IS_IMAGE", i64::from(index == 0), "input slot holds all T timesteps"),
        Param::int(
            "IN_ADDR_BITS",
            input.addr_bits() as i64,
            &format!("buffer slot of up to {} events", input.max_events),
        ),
        Param::int("IN_COUNT_BITS", input.count_bits() as i64, ""),
    ]
}

/// The datapath widths, the neuron model and the emitted code.
fn neuron_params(net: &Network, bounds: &LayerBounds, rtl: &LayerRtl, codes: &Codes) -> Vec<Param> {
    let layer = &net.layers[rtl.index];
    let neuron = &layer.neuron;
    let kind_doc = match &neuron.kind {
        NeuronKind::BinaryLif => "binary LIF: s = u >= θ",
        NeuronKind::Ternary => "ternary: s = ±1 when |u| >= θ",
        NeuronKind::Integer { .. } => "integer (LMS): s = clamp((u + θ/2) >>> Q, 0, D)",
        NeuronKind::Readout => "readout: never fires, its membrane is the score",
    };
    let (decay_shift, decay_doc) = match neuron.decay {
        Decay::Keep => (1, "keep: λ = 1".to_string()),
        Decay::Clear => (1, "clear: λ = 0".to_string()),
        Decay::Shift(k) => (k as i64, format!("λ = 2^-{k}, arithmetic shift")),
    };
    let out_code = codes.output;
    let out_masks = pack_bits((0..=codes.max_spike).map(|v| codes.out_table.mask(v) as i64), rtl.out_planes);
    let last = rtl.output.is_none();
    vec![
        Param::int(
            "W_BITS",
            rtl.plan.weight_bits as i64,
            if layer.lateral.is_some() {
                "wider of the declared input and lateral weight widths"
            } else {
                "declared weight width"
            },
        ),
        Param::int("BIAS_BITS", rtl.bias_bits as i64, "declared bias width"),
        Param::int(
            "ACC_BITS",
            bounds.accumulator_bits as i64,
            &format!("proven accumulator range {}..={}", bounds.accumulator.lo, bounds.accumulator.hi),
        ),
        Param::int(
            "MEM_BITS",
            bounds.membrane_bits as i64,
            &format!("proven membrane range {}..={}", bounds.membrane.lo, bounds.membrane.hi),
        ),
        Param::int("KIND", kind_code(&neuron.kind), kind_doc),
        Param::int("Q", neuron.threshold_shift as i64, &format!("threshold θ = 2^{}", neuron.threshold_shift)),
        Param::int("MAX_SPIKE", codes.max_spike as i64, "D"),
        Param::int("DECAY_MODE", decay_code(&neuron.decay), &decay_doc),
        Param::int("DECAY_SHIFT", decay_shift, ""),
        Param::int(
            "RESET_SOFT",
            i64::from(neuron.reset == Reset::Soft),
            if neuron.reset == Reset::Soft { "soft reset: u - s·θ" } else { "hard reset: 0" },
        ),
        Param::int("OUT_K", rtl.out_planes as i64, &format!("planes of the emitted code {}", out_code.label())),
        Param::int("OUT_SEL_BITS", rtl.sel_bits as i64, ""),
        Param::int("OUT_VALUE_BITS", rtl.value_bits as i64, ""),
        Param::int("OUT_PAYLOAD", i64::from(*out_code == SpikeCode::Payload), ""),
        Param::bits("OUT_MASKS", out_masks, "canonical planes of each value 0..=D (fewest planes)"),
        Param::int("HAS_OUT", i64::from(!last), if last { "last layer: no output buffer" } else { "" }),
    ]
}

/// The lateral pass: it replays the layer's own provisional spikes, so its lanes need the
/// emitted code, and the lateral buffer holds up to every neuron's every plane.
fn lateral_params(rtl: &LayerRtl, codes: &Codes, shift: u8) -> [Param; 6] {
    let lateral_events = rtl.plan.neurons as u64 * rtl.out_planes as u64;
    let (out_amps, out_amp_bits) = code_amplitudes(codes.output);
    [
        Param::int("LATERAL", 1, "lateral connections: a second pass over the provisional spikes"),
        Param::int("OUT_AMP_BITS", out_amp_bits as i64, ""),
        Param::bits("OUT_AMPS", out_amps, &format!("amplitudes {} of the layer's own code", codes.output.label())),
        Param::int(
            "LAT_ADDR_BITS",
            index_bits(lateral_events) as i64,
            &format!("lateral buffer of up to {lateral_events} events"),
        ),
        Param::int("LAT_COUNT_BITS", value_bits(lateral_events) as i64, ""),
        Param::int("LAT_SHIFT", shift as i64, &format!("the lateral sum counts 2^{shift}")),
    ]
}

/// Where the weights live and the memory files.
fn memory_params(rtl: &LayerRtl) -> [Param; 4] {
    let loaded = rtl.loads_weights();
    [
        Param::int(
            "WEIGHTS_LOADED",
            i64::from(loaded),
            if loaded { "weights written over wt_wr_* at start-up" } else { "" },
        ),
        Param::int("WADDR_BITS", rtl.weight_addr_bits() as i64, "weight word address"),
        Param::string("WEIGHTS_FILE", &rtl.weights_file, ""),
        Param::string("BIAS_FILE", &rtl.bias_file, ""),
    ]
}

/// A code's plane amplitudes as a packed parameter (`[k*bits +: bits]` = plane `k`) and the
/// width of one; payload codes carry values instead, `1'b1` stands in.
fn code_amplitudes(code: &SpikeCode) -> (Vec<bool>, u32) {
    match code {
        SpikeCode::Planes(a) => {
            let w = value_bits(a.iter().copied().max().unwrap_or(1) as u64);
            (pack_bits(a.iter().map(|&x| x as i64), w), w)
        }
        SpikeCode::Payload => (vec![true], 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(index_bits(1), 1);
        assert_eq!(index_bits(2), 1);
        assert_eq!(index_bits(3), 2);
        assert_eq!(index_bits(784), 10);
        assert_eq!(value_bits(0), 1);
        assert_eq!(value_bits(7), 3);
        assert_eq!(value_bits(8), 4);
        assert_eq!(identifier("fc-1"), "fc_1");
        assert_eq!(identifier("1st"), "n1st");
    }
}
