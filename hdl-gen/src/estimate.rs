//! Analytic resource estimates of a plan: per-layer logic and memory bits, and the shape of
//! every memory array, before synthesis (whose reports replace them).

use model::{HardwarePlan, Network};
use serde::Serialize;

use crate::layer::{LayerRtl, value_bits};
use crate::{HdlError, board, check_plan, layer_rtls};

/// Resource estimates of one layer (analytic; synthesis reports replace them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Estimate {
    /// Weight ROM bits.
    pub weight_bits: u64,
    /// Membrane RAM plus bias ROM bits.
    pub state_bits: u64,
    /// Input event buffer bits (both slots).
    pub buffer_bits: u64,
    /// Flip-flops: accumulators, pipeline and emission registers, control.
    pub flip_flops: u64,
    /// Look-up tables: adders, constant multipliers, neuron update, emission.
    pub luts: u64,
}

/// What a memory array holds; the layer or buffer number where there are several.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemoryKind {
    /// The UART bridge's two banks of request values (one received while the other feeds the core).
    UartInput,
    /// The UART bridge's buffer of one load request's bytes.
    LoadBuffer,
    /// Event buffer `i` (both slots): the input of layer `i`.
    Buffer(usize),
    /// A layer's weights.
    Weights(usize),
    /// A layer's biases.
    Biases(usize),
    /// A layer's provisional spikes between its two passes (lateral connections).
    LateralEvents(usize),
    /// A layer's stored membranes.
    Membranes(usize),
}

impl std::fmt::Display for MemoryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MemoryKind::UartInput => write!(f, "uart input"),
            MemoryKind::LoadBuffer => write!(f, "uart load buffer"),
            MemoryKind::Buffer(i) => write!(f, "buffer {i}"),
            MemoryKind::Weights(i) => write!(f, "l{i} weights"),
            MemoryKind::Biases(i) => write!(f, "l{i} biases"),
            MemoryKind::LateralEvents(i) => write!(f, "l{i} lateral events"),
            MemoryKind::Membranes(i) => write!(f, "l{i} membranes"),
        }
    }
}

/// Reports name a memory by its label (`l0 weights`, `buffer 1`, ...).
impl Serialize for MemoryKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One memory array of a generated design, as synthesis sees it: `depth` words of `width`
/// bits behind one read port. Which block RAM configuration holds it best is the target
/// family's business (`bitstreams::sizing`); this is only the shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MemoryShape {
    /// What it holds (serialized as its label, `l0 weights`, `buffer 1`, ...).
    #[serde(rename = "name")]
    pub kind: MemoryKind,
    /// Words.
    pub depth: u64,
    /// Bits per word.
    pub width: u64,
    /// Written while running (buffers, membranes) rather than a ROM (weights, biases):
    /// synthesis maps the two differently.
    pub writable: bool,
    /// Loaded weights ([`model::WeightStore::Loaded`]): no initial contents and one shared
    /// address port, the shape a single-port RAM (iCE40 SPRAM) can hold.
    pub loaded: bool,
}

impl MemoryShape {
    /// `depth · width`.
    pub fn bits(&self) -> u64 {
        self.depth * self.width
    }

    /// A RAM written while running.
    fn ram(kind: MemoryKind, depth: u64, width: u64) -> MemoryShape {
        MemoryShape { kind, depth, width, writable: true, loaded: false }
    }
}

/// What [`resources`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanResources {
    /// Per layer, in order.
    pub estimates: Vec<Estimate>,
    /// Every memory array.
    pub memories: Vec<MemoryShape>,
    /// Lane multipliers (lanes receiving multi-bit payload events).
    pub multipliers: u64,
    /// Their size: weight bits times value bits, summed over them (what a multiplier built in
    /// logic costs grows with).
    pub multiplier_bits: u64,
}

/// The resources [`crate::generate`] would spend on `net` with `plan`, without building the
/// files: each layer's [`Estimate`] and every memory array of the board design (layer
/// weights, biases and membranes, the event buffers, the UART bridge's input buffer).
///
/// ```
/// use hdl_gen::MemoryKind;
/// let net = model::examples::tiny_network(); // 6 inputs -> 5 -> 3
/// let plan = model::HardwarePlan::uniform(&net, 2).unwrap();
/// let cost = hdl_gen::resources(&net, &plan).unwrap();
/// let weights = cost.memories.iter().find(|m| m.kind == MemoryKind::Weights(0)).unwrap();
/// // 6 inputs x 3 groups words of 2 lanes x 4-bit weights
/// assert_eq!((weights.depth, weights.width), (18, 8));
/// assert_eq!(cost.estimates.len(), 2);
/// ```
pub fn resources(net: &Network, plan: &HardwarePlan) -> Result<PlanResources, HdlError> {
    check_plan(net, plan)?;
    let layers = layer_rtls(net, plan, "net");
    // The bridge's two request banks (one received while the other feeds the core), a
    // chunk of `values_per_cycle` values a word.
    let chunk = plan.values_per_cycle.max(1) as u64;
    let mut memories = vec![MemoryShape::ram(
        MemoryKind::UartInput,
        2 * net.input.size() as u64 / chunk,
        chunk * value_bits(net.input.max_value as u64) as u64,
    )];
    if let Some(bytes) = board::load_buffer_bytes(&layers) {
        memories.push(MemoryShape::ram(MemoryKind::LoadBuffer, bytes, 8));
    }
    for l in &layers {
        memories.extend(layer_memories(net, l));
    }
    // A lane receiving payload events multiplies the weight by a value of several bits:
    // synthesis maps that to a hard multiplier where the flow lets it infer them (the UP5K's
    // SB_MAC16); the ECP5 flow builds it in logic, whose cost grows with multiplier_bits.
    // A conv stage scales every tap of a kernel row in every lane: K multipliers per lane.
    let payload: Vec<&LayerRtl> = layers.iter().filter(|l| l.in_payload && l.input.sel_bits > 1).collect();
    let count = |l: &LayerRtl| l.plan.lanes as u64 * l.plan.taps_per_word() as u64;
    let multipliers = payload.iter().map(|l| count(l)).sum();
    let multiplier_bits = payload.iter().map(|l| count(l) * l.plan.weight_bits as u64 * l.input.sel_bits as u64).sum();
    Ok(PlanResources { estimates: layers.iter().map(estimate).collect(), memories, multipliers, multiplier_bits })
}

/// Layer `l` of `net`: its input buffer, weights, biases, lateral buffer and membranes.
fn layer_memories(net: &Network, l: &LayerRtl) -> Vec<MemoryShape> {
    let (p, g) = (l.plan.lanes as u64, l.plan.groups as u64);
    let i = l.index;
    // A fused pooling layer has no buffer or memory of its own (its window maxima are a row
    // of registers).
    if l.plan.stage == model::Stage::FusedPool {
        return Vec::new();
    }
    let mut memories = vec![
        MemoryShape::ram(MemoryKind::Buffer(i), 2 << l.input.addr_bits(), l.input.event_bits as u64),
        MemoryShape {
            kind: MemoryKind::Weights(i),
            depth: l.weight_words(),
            width: l.weight_word_bits() as u64,
            writable: l.loads_weights(),
            loaded: l.loads_weights(),
        },
        MemoryShape { writable: false, ..MemoryShape::ram(MemoryKind::Biases(i), g, p * l.bias_bits as u64) },
    ];
    if l.plan.lateral {
        let depth = l.plan.neurons as u64 * l.out_planes as u64;
        let width = 1 + l.sel_bits as u64 + l.neuron_bits as u64;
        memories.push(MemoryShape::ram(MemoryKind::LateralEvents(i), depth, width));
    }
    match l.plan.stage {
        // SETS·P·B banks of G·H'·ceil(W'/B) words, each with its own ports.
        model::Stage::Conv { banks, sets, .. } => {
            let (rows, columns) = net.layers[i].output_shape().map_or((1, 1), |s| (s.height as u64, s.width as u64));
            let words = g * rows * columns.div_ceil(banks as u64).max(1);
            for _ in 0..sets.count() as u64 * p * banks as u64 {
                memories.push(MemoryShape::ram(MemoryKind::Membranes(i), words, l.plan.membrane_bits as u64));
            }
        }
        _ => memories.push(MemoryShape::ram(MemoryKind::Membranes(i), g, p * l.plan.membrane_bits as u64)),
    }
    memories
}

/// The analytic estimate of one layer.
pub(crate) fn estimate(l: &LayerRtl) -> Estimate {
    let p = l.plan.lanes as u64;
    let g = l.plan.groups as u64;
    let acc = l.plan.accumulator_bits as u64;
    let mem = l.plan.membrane_bits as u64;
    let w = l.plan.weight_bits as u64;
    let k_out = l.out_planes as u64;
    let in_scale = if l.in_payload { l.input.sel_bits as u64 } else { l.in_planes as u64 };
    // Lateral connections: the lanes also scale by the layer's own code, and the update has
    // a second path (u1 + the shifted lateral sum) beside the first, with the muxes that pick
    // between the passes. Calibrated on one placed design (784-64-10 LMS, 22 lanes on the
    // Tang Nano 9K: 3,556 LUT4 more than without lateral connections, ~135 per lane before
    // the Gowin factor), where the first guess (w·K + 2·mem) was 2.5x too small.
    let lateral_luts = if l.plan.lateral { w * k_out.max(l.sel_bits as u64) + 6 * mem } else { 0 };
    match l.plan.stage {
        model::Stage::FusedPool => return Estimate::default(),
        model::Stage::Conv { banks, kernel, sets, .. } => {
            let (b, k) = (banks as u64, kernel as u64);
            // A second membrane set adds a read mux per bank word and the set's port muxes.
            let second_set = if sets == model::MembraneSets::Two { p * b * mem * 2 } else { 0 };
            return Estimate {
                weight_bits: l.plan.weight_words() * k * p * w,
                state_bits: sets.count() as u64 * l.plan.neurons as u64 * mem + g * p * l.bias_bits as u64,
                buffer_bits: 2 * (1u64 << l.input.addr_bits()) * l.input.event_bits as u64,
                // The weight row twice (read, held), the scaled taps, the routed deltas and
                // the forwarded sums per bank, the pending word.
                flip_flops: 2 * k * p * w + k * p * mem + 2 * b * p * mem + b * (mem + k_out + 2) + 256,
                // K scalers and B adders per lane, B neuron updates, the routing muxes.
                luts: p * (k * w * in_scale + b * mem + b * k.min(b) * mem / 2)
                    + b * 4 * mem
                    + 2 * b * k_out
                    + second_set,
            };
        }
        model::Stage::Dense => {}
    }
    Estimate {
        weight_bits: l.plan.weight_words() * p * w,
        state_bits: g * p * (mem + l.bias_bits as u64),
        buffer_bits: 2 * (1u64 << l.input.addr_bits()) * l.input.event_bits as u64,
        flip_flops: p * (acc + mem + k_out + l.value_bits as u64 + 1) + p * w + 64,
        // Per lane: the accumulator adder; the incoming weight scaled by the event's plane
        // amplitude (a mux over K shifted copies) or, for payload events, by its value (a
        // shift-add multiplier, one partial product per value bit); the neuron update;
        // emission.
        luts: p * (acc + w * in_scale + 4 * mem + 2 * k_out + lateral_luts),
    }
}
