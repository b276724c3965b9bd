//! Per-layer hardware parameters: everything the RTL library's `sf_layer` needs, derived
//! from the network, its bounds and the hardware plan, each with the reason for its value.

use model::bounds::LayerBounds;
use model::{CodeTable, Decay, LayerOp, LayerPlan, Network, NeuronKind, Reset, SpikeCode, WeightStore};
use serde::Serialize;

use crate::verilog::{Param, hex};

/// Bits to index `n` items (`0..n`), at least 1.
pub fn index_bits(n: u64) -> u32 {
    if n <= 1 { 1 } else { 64 - (n - 1).leading_zeros() }
}

/// Bits to hold the unsigned value `v`, at least 1.
pub fn value_bits(v: u64) -> u32 {
    (64 - v.leading_zeros()).max(1)
}

/// How events arriving at a layer are encoded on the wire (`{neg, sel, source}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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

fn bits_of(values: impl Iterator<Item = u64>, width: u32) -> Vec<bool> {
    values.flat_map(|v| (0..width).map(move |b| v >> b & 1 == 1)).collect()
}

/// Derive layer `index`'s hardware from the network, its bounds and its plan.
pub fn layer_rtl(net: &Network, bounds: &LayerBounds, plan: &LayerPlan, index: usize, top: &str) -> LayerRtl {
    let layer = &net.layers[index];
    let LayerOp::Dense(dense) = &layer.op else { unreachable!("check_plan refuses conv and pooling layers") };
    let last = index + 1 == net.layers.len();
    let in_code = net.input_code_of(index);
    let in_range = net.input_range_of(index);
    let in_max = in_range.max.unsigned_abs();
    let in_table = in_code.table(in_max).expect("validated code");
    let input = EventFormat::new(dense.inputs as u64, &in_code, &in_table, in_max);
    let kind = &layer.neuron.kind;
    let (out_code, max_spike) = match kind {
        NeuronKind::Readout => (SpikeCode::Planes(vec![1]), 1u32),
        k => (k.code(), k.spike_range().max as u32),
    };
    let out_table = out_code.table(max_spike).expect("validated code");
    let output = (!last).then(|| EventFormat::new(dense.outputs as u64, &out_code, &out_table, max_spike));
    let out_k = out_code.planes() as u32;
    let out_sel = match &out_code {
        SpikeCode::Payload => value_bits(max_spike as u64),
        SpikeCode::Planes(_) => index_bits(out_k as u64),
    };
    let value_bits_out = value_bits(max_spike as u64).max(out_sel);
    let neuron_bits = index_bits(dense.outputs as u64);
    let module = format!("{top}_l{index}_{}", identifier(&layer.name));
    let weights_file = format!("l{index}_{}_weights.mem", identifier(&layer.name));
    let bias_file = format!("l{index}_{}_bias.mem", identifier(&layer.name));

    let (in_amps, amp_bits) = code_amplitudes(&in_code);
    let out_masks = bits_of((0..=max_spike).map(|v| out_table.mask(v) as u64), out_k);
    let (out_amps, out_amp_bits) = code_amplitudes(&out_code);
    let (kind_id, kind_doc) = match kind {
        NeuronKind::BinaryLif => (0, "binary LIF: s = u >= θ"),
        NeuronKind::Ternary => (1, "ternary: s = ±1 when |u| >= θ"),
        NeuronKind::Integer { .. } => (2, "integer (LMS): s = clamp((u + θ/2) >>> Q, 0, D)"),
        NeuronKind::Readout => (3, "readout: never fires, its membrane is the score"),
    };
    let (decay_mode, decay_shift, decay_doc) = match layer.neuron.decay {
        Decay::Keep => (0, 1, "keep: λ = 1".to_string()),
        Decay::Clear => (1, 1, "clear: λ = 0".to_string()),
        Decay::Shift(k) => (2, k as i64, format!("λ = 2^-{k}, arithmetic shift")),
    };
    let t = net.timesteps as u64;
    let in_label = if index == 0 { "input".to_string() } else { format!("layer {}", index - 1) };
    let mut params = vec![
        Param::int("N", dense.outputs as i64, "neurons"),
        Param::int("M", dense.inputs as i64, "inputs"),
        Param::int("P", plan.lanes as i64, "lanes (hardware plan)"),
        Param::int("G", plan.groups as i64, "groups = ceil(N / P)"),
        Param::int("T", t as i64, "timesteps per input"),
        Param::int("T_BITS", index_bits(t) as i64, ""),
        Param::int("G_BITS", index_bits(plan.groups as u64) as i64, ""),
        Param::int("SRC_BITS", input.source_bits as i64, "bits of an input index"),
        Param::int("NEURON_BITS", neuron_bits as i64, "bits of a neuron index"),
        Param::int("IN_K", in_code.planes() as i64, &format!("planes of the incoming code {}", in_code.label())),
        Param::int("IN_SEL_BITS", input.sel_bits as i64, ""),
        Param::int("IN_AMP_BITS", amp_bits as i64, ""),
        Param::bits("IN_AMPS", in_amps, &format!("amplitudes {} of {in_label}'s code", in_code.label())),
        Param::int("IN_PAYLOAD", i64::from(in_code == SpikeCode::Payload), "events carry values, not planes"),
        Param::int("IN_IS_IMAGE", i64::from(index == 0), "input slot holds all T timesteps"),
        Param::int(
            "IN_ADDR_BITS",
            input.addr_bits() as i64,
            &format!("buffer slot of up to {} events", input.max_events),
        ),
        Param::int("IN_COUNT_BITS", input.count_bits() as i64, ""),
        Param::int(
            "W_BITS",
            plan.weight_bits as i64,
            if layer.lateral.is_some() {
                "wider of the declared input and lateral weight widths"
            } else {
                "declared weight width"
            },
        ),
        Param::int("BIAS_BITS", dense.bias_bits as i64, "declared bias width"),
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
        Param::int("KIND", kind_id, kind_doc),
        Param::int(
            "Q",
            layer.neuron.threshold_shift as i64,
            &format!("threshold θ = 2^{}", layer.neuron.threshold_shift),
        ),
        Param::int("MAX_SPIKE", max_spike as i64, "D"),
        Param::int("DECAY_MODE", decay_mode, &decay_doc),
        Param::int("DECAY_SHIFT", decay_shift, ""),
        Param::int(
            "RESET_SOFT",
            i64::from(layer.neuron.reset == Reset::Soft),
            if layer.neuron.reset == Reset::Soft { "soft reset: u - s·θ" } else { "hard reset: 0" },
        ),
        Param::int("OUT_K", out_k as i64, &format!("planes of the emitted code {}", out_code.label())),
        Param::int("OUT_SEL_BITS", out_sel as i64, ""),
        Param::int("OUT_VALUE_BITS", value_bits_out as i64, ""),
        Param::int("OUT_PAYLOAD", i64::from(out_code == SpikeCode::Payload), ""),
        Param::bits("OUT_MASKS", out_masks, "canonical planes of each value 0..=D (fewest planes)"),
        Param::int("HAS_OUT", i64::from(!last), if last { "last layer: no output buffer" } else { "" }),
    ];
    if let Some(lateral) = &layer.lateral {
        // The lateral pass replays the layer's own provisional spikes: its lanes need the
        // emitted code, and the lateral buffer holds up to every neuron's every plane.
        let lateral_events = dense.outputs as u64 * out_k as u64;
        params.extend([
            Param::int("LATERAL", 1, "lateral connections: a second pass over the provisional spikes"),
            Param::int("OUT_AMP_BITS", out_amp_bits as i64, ""),
            Param::bits("OUT_AMPS", out_amps, &format!("amplitudes {} of the layer's own code", out_code.label())),
            Param::int(
                "LAT_ADDR_BITS",
                index_bits(lateral_events) as i64,
                &format!("lateral buffer of up to {lateral_events} events"),
            ),
            Param::int("LAT_COUNT_BITS", value_bits(lateral_events) as i64, ""),
            Param::int("LAT_SHIFT", lateral.shift as i64, &format!("the lateral sum counts 2^{}", lateral.shift)),
        ]);
    }
    params.extend([
        Param::int(
            "WEIGHTS_LOADED",
            i64::from(plan.weights == WeightStore::Loaded),
            if plan.weights == WeightStore::Loaded { "weights written over wt_wr_* at start-up" } else { "" },
        ),
        Param::int("WADDR_BITS", index_bits(plan.weight_words()) as i64, "weight word address"),
        Param::string("WEIGHTS_FILE", &weights_file, ""),
        Param::string("BIAS_FILE", &bias_file, ""),
    ]);
    LayerRtl {
        index,
        name: layer.name.clone(),
        module,
        plan: plan.clone(),
        input,
        output,
        neuron_bits,
        value_bits: value_bits_out,
        sel_bits: out_sel,
        out_planes: out_k,
        in_planes: in_code.planes() as u32,
        in_payload: in_code == SpikeCode::Payload,
        timesteps: net.timesteps,
        bias_bits: dense.bias_bits as u32,
        weights_file,
        bias_file,
        params,
    }
}

/// A code's plane amplitudes as a packed parameter (`[k*bits +: bits]` = plane `k`) and the
/// width of one; payload codes carry values instead, `1'b1` stands in.
fn code_amplitudes(code: &SpikeCode) -> (Vec<bool>, u32) {
    match code {
        SpikeCode::Planes(a) => {
            let w = value_bits(a.iter().copied().max().unwrap_or(1) as u64);
            (bits_of(a.iter().map(|&x| x as u64), w), w)
        }
        SpikeCode::Payload => (vec![true], 1),
    }
}

/// `$readmemh` text: one word per line, lane 0 in the low bits, two's complement.
fn memory_words(words: impl Iterator<Item = Vec<i64>>, width: u32) -> String {
    let mut out = String::new();
    for lanes in words {
        let bits: Vec<bool> = lanes.iter().flat_map(|&v| (0..width).map(move |b| (v >> b) & 1 == 1)).collect();
        out.push_str(&hex(&bits));
        out.push('\n');
    }
    out
}

/// The weight words in memory order: word `source * G + g` holds
/// `W[source][g*P .. g*P + P - 1]`, zero for lanes past the last neuron; with lateral
/// connections word `(M + k) * G + g` holds `R[k][g*P .. g*P + P - 1]`.
fn weight_lanes(net: &Network, rtl: &LayerRtl) -> impl Iterator<Item = Vec<i64>> {
    let layer = &net.layers[rtl.index];
    let LayerOp::Dense(d) = &layer.op else { unreachable!("check_plan refuses conv and pooling layers") };
    let (p, g, n) = (rtl.plan.lanes as usize, rtl.plan.groups as usize, d.outputs as usize);
    let lateral: &[i32] = layer.lateral.as_ref().map_or(&[], |l| &l.weights);
    let rows = d.weights.chunks(n).chain(lateral.chunks(n));
    rows.flat_map(move |row| {
        (0..g).map(move |grp| (0..p).map(|lane| grp * p + lane).map(|j| row.get(j).map_or(0, |&w| w as i64)).collect())
    })
}

/// The weight memory as `$readmemh` text (see [`weight_lanes`] for the order).
pub fn weight_memory(net: &Network, rtl: &LayerRtl) -> String {
    memory_words(weight_lanes(net, rtl), rtl.plan.weight_bits)
}

/// The weight memory as the bytes a start-up load sends: each word's
/// `ceil(lanes · weight_bits / 8)` bytes little-endian (lane 0 in the low bits of byte 0),
/// words in address order.
///
/// ```
/// let net = model::examples::tiny_network(); // 6 inputs -> 5 -> 3, 4-bit weights
/// let plan = model::HardwarePlan::uniform(&net, 2).unwrap();
/// let design = hdl_gen::generate(&net, &plan).unwrap();
/// let bytes = hdl_gen::layer::weight_bytes(&net, &design.layers[0]);
/// // 6 inputs x 3 groups words of 2 lanes x 4 bits = one byte each
/// assert_eq!(bytes.len(), 18);
/// ```
pub fn weight_bytes(net: &Network, rtl: &LayerRtl) -> Vec<u8> {
    let width = rtl.plan.weight_bits;
    let word_bytes = rtl.weight_word_bits().div_ceil(8) as usize;
    let mut out = Vec::with_capacity(rtl.weight_words() as usize * word_bytes);
    for lanes in weight_lanes(net, rtl) {
        let mut word = vec![0u8; word_bytes];
        for (bit, set) in lanes.iter().flat_map(|&v| (0..width).map(move |b| (v >> b) & 1 == 1)).enumerate() {
            if set {
                word[bit / 8] |= 1 << (bit % 8);
            }
        }
        out.extend_from_slice(&word);
    }
    out
}

/// The bias memory: word `g` holds the biases of group `g`.
pub fn bias_memory(net: &Network, rtl: &LayerRtl) -> String {
    let LayerOp::Dense(d) = &net.layers[rtl.index].op else {
        unreachable!("check_plan refuses conv and pooling layers")
    };
    let (p, n) = (rtl.plan.lanes as usize, d.outputs as usize);
    let words = (0..rtl.plan.groups as usize)
        .map(|grp| (0..p).map(|lane| grp * p + lane).map(|j| if j < n { d.bias[j] as i64 } else { 0 }).collect());
    memory_words(words, d.bias_bits as u32)
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

    #[test]
    fn memory_words_pack_lane_zero_low() {
        // lanes (-1, 2) at 4 bits: lane 1 = 0010, lane 0 = 1111 -> 0x2f
        assert_eq!(memory_words([vec![-1, 2]].into_iter(), 4), "2f\n");
        // 3-bit lanes (1, -4, 3): 011 100 001 = 0b011100001 = 0x0e1
        assert_eq!(memory_words([vec![1, -4, 3]].into_iter(), 3), "0e1\n");
    }
}
