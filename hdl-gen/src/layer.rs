//! Per-layer hardware parameters: everything the RTL library's `sf_layer` needs, derived
//! from the network, its bounds and the hardware plan, each with the reason for its value.

use model::bounds::LayerBounds;
use model::{
    AxisTaps, CodeTable, Conv2d, Decay, LayerOp, LayerPlan, Network, NeuronKind, Reset, Shape3, SpikeCode, Stage,
    WeightStore,
};
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
    /// Into a conv stage the source is packed coordinates `{c, y, x}` of these widths
    /// (`source_bits` is their sum); otherwise the flat channel-major index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packed: Option<[u32; 3]>,
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
            packed: None,
            sel_bits,
            event_bits: 1 + sel_bits + source_bits,
            max_events: sources * worst.max(1),
        }
    }

    /// The same events with packed `{c, y, x}` sources over `shape` (into a conv stage).
    fn packed(self, shape: Shape3) -> EventFormat {
        let bits = [index_bits(shape.channels as u64), index_bits(shape.height as u64), index_bits(shape.width as u64)];
        let source_bits = bits.iter().sum();
        EventFormat { source_bits, packed: Some(bits), event_bits: 1 + self.sel_bits + source_bits, ..self }
    }

    /// The events layer `index` receives: their code, the most one item carries (every
    /// source of the producing stage at its most expensive value; after sum pooling the
    /// conv's events themselves), packed coordinates into a conv layer.
    pub fn received(net: &Network, index: usize) -> EventFormat {
        let code = net.input_code_of(index);
        // After sum pooling the events are the conv's own: its values, its count.
        let (sources, max) = match index.checked_sub(1).map(|p| (p, &net.layers[p].op)) {
            None => (net.input.size() as u64, net.input.max_value),
            Some((p, LayerOp::SumPool2d(_))) => {
                (net.layers[p - 1].outputs() as u64, net.input_range_of(p).max.unsigned_abs())
            }
            Some((p, _)) => (net.layers[p].outputs() as u64, net.input_range_of(index).max.unsigned_abs()),
        };
        let table = code.table(max).expect("validated code");
        let format = EventFormat::new(sources, &code, &table, max);
        match (&net.layers[index].op, net.input_shape_of(index)) {
            (LayerOp::Conv2d(_), Some(shape)) => format.packed(shape),
            _ => format,
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

    /// Bits of one weight word: `lanes · weight_bits` (a conv layer's: `K · lanes · weight_bits`).
    pub fn weight_word_bits(&self) -> u32 {
        self.plan.taps_per_word() * self.plan.lanes * self.plan.weight_bits
    }

    /// Bits of a weight word address.
    pub fn weight_addr_bits(&self) -> u32 {
        index_bits(self.weight_words())
    }

    /// Membranes the simulation-only membrane tap (`mem_tap_*`) shows in one cycle: a dense
    /// stage's lanes (the group UPDATE wrote), a conv stage's banks (the word of one channel
    /// the update pass fired); 0 for a fused pooling layer, which has no membranes.
    ///
    /// ```
    /// # use model::examples::tiny_network;
    /// # use model::HardwarePlan;
    /// let net = tiny_network();
    /// let plan = HardwarePlan::per_layer(&net, &[2, 3]).unwrap();
    /// let design = hdl_gen::generate(&net, &plan).unwrap();
    /// assert_eq!(design.layers[0].membrane_tap_width(), 2);
    /// ```
    pub fn membrane_tap_width(&self) -> u32 {
        match self.plan.stage {
            Stage::Dense => self.plan.lanes,
            Stage::Conv { banks, .. } => banks,
            Stage::FusedPool => 0,
        }
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
    // A stage writes what its consumer reads: the layer after it, or after its fused pool.
    let consumer = if net.layers.get(index + 1).is_some_and(|l| l.is_pooling()) { index + 2 } else { index + 1 };
    let output = (consumer < net.layers.len()).then(|| EventFormat::received(net, consumer));
    // What the layer emits on its own tap: a pooling layer sends what feeds it.
    let kind = if layer.is_pooling() { net.layers[index - 1].neuron.kind.clone() } else { layer.neuron.kind.clone() };
    let (out_code, max_spike) = match &kind {
        NeuronKind::Readout => (SpikeCode::Planes(vec![1]), 1u32),
        k => (k.code(), k.spike_range().max as u32),
    };
    let out_table = out_code.table(max_spike).expect("validated code");
    let out_k = out_code.planes() as u32;
    let out_sel = match &out_code {
        SpikeCode::Payload => value_bits(max_spike as u64),
        SpikeCode::Planes(_) => index_bits(out_k as u64),
    };
    let in_code = net.input_code_of(index);
    let (bias_bits, file) = match &layer.op {
        LayerOp::Dense(d) => (d.bias_bits as u32, true),
        LayerOp::Conv2d(c) => (c.bias_bits as u32, true),
        LayerOp::SumPool2d(_) | LayerOp::MaxPool2d(_) => (0, false),
    };
    let mut rtl = LayerRtl {
        index,
        name: layer.name.clone(),
        module: format!("{top}_l{index}_{}", identifier(&layer.name)),
        plan: plan.clone(),
        input: EventFormat::received(net, index),
        output,
        neuron_bits: index_bits(layer.outputs() as u64),
        value_bits: value_bits(max_spike as u64).max(out_sel),
        sel_bits: out_sel,
        out_planes: out_k,
        in_planes: in_code.planes() as u32,
        in_payload: in_code == SpikeCode::Payload,
        timesteps: net.timesteps,
        bias_bits,
        weights_file: if file { format!("l{index}_{}_weights.mem", identifier(&layer.name)) } else { String::new() },
        bias_file: if file { format!("l{index}_{}_bias.mem", identifier(&layer.name)) } else { String::new() },
        params: Vec::new(),
    };
    let in_signed = net.input_range_of(index).min < 0;
    let codes = Codes { input: &in_code, in_signed, output: &out_code, out_table: &out_table, max_spike };
    rtl.params = match (&layer.op, plan.stage) {
        (LayerOp::Conv2d(conv), Stage::Conv { banks, sets, .. }) => {
            conv_params(net, bounds, &rtl, &codes, conv, banks, sets)
        }
        (LayerOp::Dense(_), _) => {
            let mut params = shape_params(&rtl, &codes);
            params.extend(neuron_params(net, bounds, &rtl, &codes));
            if let Some(lateral) = &layer.lateral {
                params.extend(lateral_params(&rtl, &codes, lateral.shift));
            }
            params.extend(memory_params(&rtl));
            params
        }
        // A fused pooling layer is part of its conv stage's parameters.
        _ => Vec::new(),
    };
    rtl
}

/// `sf_conv`'s parameters: geometry, tap tables, incoming events, the neuron and emitted
/// code (as for `sf_layer`), the outgoing event format and the fused pooling layer.
fn conv_params(
    net: &Network,
    bounds: &LayerBounds,
    rtl: &LayerRtl,
    codes: &Codes,
    conv: &Conv2d,
    banks: u32,
    sets: model::MembraneSets,
) -> Vec<Param> {
    let out = conv.output_shape().expect("validated conv");
    let (plan, input, index) = (&rtl.plan, &rtl.input, rtl.index);
    let t = rtl.timesteps as u64;
    let words_per_row = out.width.div_ceil(banks);
    let tap_bits = index_bits(conv.kernel as u64);
    let oy_bits = index_bits(out.height as u64);
    let cnt_bits = value_bits(conv.kernel as u64);
    let word_bits = index_bits(words_per_row as u64);
    let y_table = (0..conv.in_height).flat_map(|y| {
        let a = AxisTaps::of(y, conv.kernel, conv.stride, conv.padding, out.height);
        let mut bits = pack_bits([a.first_tap as i64], tap_bits);
        bits.extend(pack_bits([a.first_out as i64], oy_bits));
        bits.extend(pack_bits([a.count as i64], cnt_bits));
        bits
    });
    let x_table = (0..conv.in_width).flat_map(|x| {
        let a = AxisTaps::of(x, conv.kernel, conv.stride, conv.padding, out.width);
        (0..banks).flat_map(move |b| {
            // The tap i < count whose output column first_out - i lands in bank b.
            let hit = (0..a.count).find(|i| (a.first_out - i) % banks == b);
            let (valid, tap, word) = match hit {
                Some(i) => (1, a.first_tap + i * conv.stride, (a.first_out - i) / banks),
                None => (0, 0, 0),
            };
            let mut bits = pack_bits([word as i64], word_bits);
            bits.extend(pack_bits([tap as i64], tap_bits));
            bits.push(valid == 1);
            bits
        })
    });
    let [in_c, in_y, in_x] = input.packed.expect("a conv layer reads packed sources");
    let (in_amps, amp_bits) = code_amplitudes(codes.input);
    let in_label = if index == 0 { "input".to_string() } else { format!("layer {}", index - 1) };
    let pool = net.layers.get(index + 1).filter(|l| l.is_pooling());
    let (pool_code, pool_kernel, pooled) = match pool.map(|l| &l.op) {
        Some(LayerOp::SumPool2d(p)) => (1, p.kernel, p.output_shape()),
        Some(LayerOp::MaxPool2d(p)) => (2, p.kernel, p.output_shape()),
        _ => (0, 1, Some(out)),
    };
    let pooled = pooled.expect("validated pooling");
    let (out_packed, out_y, out_x, out_src) = match rtl.output.as_ref().map(|o| (o.packed, o.source_bits)) {
        Some((Some([_, y, x]), bits)) => (1, y, x, bits),
        Some((None, bits)) => (0, 1, 1, bits),
        None => (0, 1, 1, rtl.neuron_bits),
    };
    let out_event_bits = rtl.output.as_ref().map_or(1 + rtl.sel_bits + out_src, |o| o.event_bits);
    let mut params = vec![
        Param::int("C", conv.in_channels as i64, "input channels"),
        Param::int("H", conv.in_height as i64, "input rows"),
        Param::int("W", conv.in_width as i64, "input columns"),
        Param::int("CO", out.channels as i64, "output channels"),
        Param::int("HO", out.height as i64, &format!("output rows (padding {}, stride {})", conv.padding, conv.stride)),
        Param::int("WO", out.width as i64, "output columns"),
        Param::int("K", conv.kernel as i64, "kernel side"),
        Param::int("S", conv.stride as i64, "stride"),
        Param::int("P", plan.lanes as i64, "channel lanes (hardware plan)"),
        Param::int("G", plan.groups as i64, "channel groups = ceil(CO / P)"),
        Param::int("B", banks as i64, "membrane banks per lane (hardware plan)"),
        Param::int("SETS", sets.count() as i64, "membrane sets (hardware plan): 2 overlaps scatter and update pass"),
        Param::int("WB", words_per_row as i64, "words per output row = ceil(WO / B)"),
        Param::int("T", t as i64, "timesteps per input"),
        Param::int("T_BITS", index_bits(t) as i64, ""),
        Param::int("TAP_BITS", tap_bits as i64, ""),
        Param::int("OY_BITS", oy_bits as i64, ""),
        Param::int("CNT_BITS", cnt_bits as i64, ""),
        Param::int("WORD_BITS", word_bits as i64, ""),
        Param::bits("Y_TABLE", y_table.collect(), "per input row: {rows, first output row, first kernel row}"),
        Param::bits("X_TABLE", x_table.collect(), "per input column and bank: {valid, kernel column, word}"),
        Param::int("IN_C_BITS", in_c as i64, "packed source {c, y, x}"),
        Param::int("IN_Y_BITS", in_y as i64, ""),
        Param::int("IN_X_BITS", in_x as i64, ""),
        Param::int(
            "IN_K",
            codes.input.planes() as i64,
            &format!("planes of the incoming code {}", codes.input.label()),
        ),
        Param::int("IN_SEL_BITS", input.sel_bits as i64, ""),
        Param::int("IN_AMP_BITS", amp_bits as i64, ""),
        Param::bits("IN_AMPS", in_amps, &format!("amplitudes {} of {in_label}'s code", codes.input.label())),
        Param::int("IN_PAYLOAD", i64::from(*codes.input == SpikeCode::Payload), "events carry values, not planes"),
        Param::int(
            "IN_SIGNED",
            i64::from(codes.in_signed),
            if codes.in_signed { "ternary: events may be negative" } else { "no event is negative" },
        ),
        Param::int("IN_IS_IMAGE", i64::from(index == 0), "input slot holds all T timesteps"),
        Param::int(
            "IN_ADDR_BITS",
            input.addr_bits() as i64,
            &format!("buffer slot of up to {} events", input.max_events),
        ),
        Param::int("IN_COUNT_BITS", input.count_bits() as i64, ""),
    ];
    // The neuron and the emitted code, as for a dense layer (no accumulator: the membrane
    // words hold the partial sums).
    params.extend(neuron_params(net, bounds, rtl, codes).into_iter().filter(|p| p.name != "ACC_BITS"));
    params.extend([
        Param::int("NEURON_BITS", rtl.neuron_bits as i64, "bits of a flat conv neuron index"),
        Param::int("OUT_PACKED", out_packed, if out_packed == 1 { "the consumer is a conv stage" } else { "" }),
        Param::int("OUT_Y_BITS", out_y as i64, ""),
        Param::int("OUT_X_BITS", out_x as i64, ""),
        Param::int("OUT_SRC_BITS", out_src as i64, ""),
        Param::int("OUT_EVENT_BITS", out_event_bits as i64, "the output buffer's event word"),
        Param::int("POOL", pool_code, ["no pooling", "fused sum pooling", "fused max pooling"][pool_code as usize]),
        Param::int("PK", pool_kernel as i64, "pooling window"),
        Param::int("WP", pooled.width as i64, "pooled columns"),
        Param::int("POOL_NEURON_BITS", index_bits(pooled.size() as u64) as i64, ""),
        Param::string("WEIGHTS_FILE", &rtl.weights_file, ""),
        Param::string("BIAS_FILE", &rtl.bias_file, ""),
    ]);
    params
}

/// The spike codes a layer receives and emits.
struct Codes<'a> {
    input: &'a SpikeCode,
    /// Whether an incoming event can be negative (the producer is ternary).
    in_signed: bool,
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
        Param::int(
            "IN_SIGNED",
            i64::from(codes.in_signed),
            if codes.in_signed { "ternary: events may be negative" } else { "no event is negative" },
        ),
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
        Decay::Leak(k) => (k as i64, format!("λ = 1 - 2^-{k}, v - (v >>> {k})")),
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
