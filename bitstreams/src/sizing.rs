//! Lanes per layer for a board, before synthesis: what a plan will cost on a part
//! ([`usage`]), whether it fits and if not which resource and by how much ([`check_fit`]),
//! and the plan that maximizes throughput within the part ([`size_lanes`]).
//!
//! The cost model has two parts.
//!
//! * **Block RAM** is counted per memory array, quantized the way the part's blocks are:
//!   an array of `depth x width` takes `min over configurations (d x w) of ceil(depth / d) *
//!   ceil(width / w)` blocks. A wide, shallow weight ROM (many lanes) and a narrow, deep one
//!   (few lanes) hold the same bits in different block counts, which a bit total misses.
//!   Shallow arrays go to logic instead, at the depths where yosys 0.70's `memory_libmap`
//!   was measured to switch ([`PartBudget::rom_block_depth`], [`PartBudget::ram_block_at`]).
//!   Each part's numbers are its row of the board table ([`crate::boards`]).
//! * **Logic** is hdl-gen's analytic LUT estimate scaled by a per-family factor plus a fixed
//!   part for the UART bridge, encoder and buffers, calibrated on measured builds
//!   (BENCHMARKS.md "The sizing model against placed designs"); plans are held to
//!   [`PartBudget::logic_headroom`] of the part so placement has room (and, on the ECP5,
//!   so YoWASP's nextpnr can place them at all).
//!
//! Architecture Invariant: this module never runs a tool; its numbers are predictions that
//! `spikeforge build` puts beside the measured ones.

use hdl_gen::{MemoryKind, MemoryShape};
use model::plan::{BankRange, bank_range, lane_width};
use model::{HardwarePlan, LayerOp, MembraneSets, Network};
use serde::Serialize;

use crate::BitstreamError;
use crate::boards::Board;
pub use crate::boards::{LutRam, PartBudget, SinglePortRams};

/// Block RAMs an array takes on a part with these configurations.
///
/// ```
/// # use bitstreams::sizing::blocks_for;
/// let ecp5 = bitstreams::boards::Board::Ulx3s.budget().configurations;
/// // 784 inputs x 16 groups of 16 lanes x 8 bits: 12,544 x 128, best as 512 x 36 blocks
/// assert_eq!(blocks_for(12_544, 128, ecp5), 100);
/// // the same bits as 784 x 2048 (256 lanes, one group): 1024 x 18 blocks
/// assert_eq!(blocks_for(784, 2048, ecp5), 114);
/// ```
pub fn blocks_for(depth: u64, width: u64, configurations: &[(u64, u64)]) -> u64 {
    block_layout(depth, width, configurations).0
}

/// Blocks of the cheapest configuration and how many of them are stacked in depth (fewest
/// stacked among equally cheap ones: they need no output mux).
fn block_layout(depth: u64, width: u64, configurations: &[(u64, u64)]) -> (u64, u64) {
    configurations
        .iter()
        .map(|&(d, w)| (depth.div_ceil(d) * width.div_ceil(w), depth.div_ceil(d)))
        .min()
        .unwrap_or((u64::MAX, 1))
}

/// Logic cells to read `width` bits from blocks stacked `deep` in depth: a mux per output
/// bit, about a cell per bit per extra block (a 2:1 mux is half a LUT4, and the address
/// decode and wide muxes add the rest).
fn stacked_mux_logic(width: u64, deep: u64) -> u64 {
    width * deep.saturating_sub(1)
}

/// One memory array and where the cost model puts it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MemoryPlacement {
    /// The array.
    #[serde(flatten)]
    pub shape: MemoryShape,
    /// Block RAMs it takes (0: built from logic or single-port RAM).
    pub block_rams: u64,
    /// Single-port RAM blocks it takes (loaded weights on parts that have them).
    pub single_port_rams: u64,
    /// LUT-RAM primitives it takes ([`LutRam`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub lut_rams: u64,
    /// Logic cells it takes when built from logic.
    pub logic: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Predicted use of a part by a plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Usage {
    /// Board name.
    pub board: &'static str,
    /// Logic cells (see the module doc for the model).
    pub logic: u64,
    /// The part's logic cells.
    pub logic_available: u64,
    /// nextpnr's name of a logic cell.
    pub logic_kind: &'static str,
    /// The most logic a plan may be predicted to use ([`PartBudget::logic_headroom`]).
    pub logic_limit: u64,
    /// Block RAMs.
    pub block_rams: u64,
    /// The part's block RAMs.
    pub block_rams_available: u64,
    /// nextpnr's name of a block RAM.
    pub block_ram_kind: &'static str,
    /// Every array.
    pub memories: Vec<MemoryPlacement>,
    /// Hard multipliers used and available, with nextpnr's name (parts that infer them).
    pub multipliers: Option<(&'static str, u64, u64)>,
    /// Single-port RAM blocks used and available, with nextpnr's name (parts that have them).
    pub single_port_rams: Option<(&'static str, u64, u64)>,
    /// LUT-RAM primitives used and available, with nextpnr's name (parts that place fewer
    /// than their logic would hold).
    pub lut_rams: Option<(&'static str, u64, u64)>,
}

impl Usage {
    /// The hard blocks besides logic and block RAM the plan uses, where the part has them:
    /// `(nextpnr kind, used, available)` for multipliers and single-port RAMs.
    pub fn hard_blocks(&self) -> impl Iterator<Item = (&'static str, u64, u64)> {
        self.multipliers.into_iter().chain(self.single_port_rams).chain(self.lut_rams)
    }

    /// The predicted count of nextpnr resource `kind`, if the model predicts it.
    pub fn predicted(&self, kind: &str) -> Option<u64> {
        if kind == self.logic_kind {
            Some(self.logic)
        } else if kind == self.block_ram_kind {
            Some(self.block_rams)
        } else {
            self.hard_blocks().find(|(k, _, _)| *k == kind).map(|(_, used, _)| used)
        }
    }

    /// Why the plan does not fit, naming the resource and by how much; `None` if it fits
    /// (logic held to [`Usage::logic_limit`]).
    pub fn shortfall(&self) -> Option<String> {
        let mut short = Vec::new();
        if self.block_rams > self.block_rams_available {
            let weights: u64 = self
                .memories
                .iter()
                .filter(|m| matches!(m.shape.kind, MemoryKind::Weights(_)))
                .map(|m| m.block_rams)
                .sum();
            // A conv stage's membranes are banks, several memories per layer: name them
            // where they take blocks, as they are then most of the need.
            let banked = |m: &&MemoryPlacement| {
                matches!(m.shape.kind, MemoryKind::Membranes(_))
                    && self.memories.iter().filter(|o| o.shape.kind == m.shape.kind).count() > 1
            };
            let membranes: u64 = self.memories.iter().filter(banked).map(|m| m.block_rams).sum();
            let membranes =
                if membranes > 0 { format!(", {membranes} for conv membrane banks") } else { String::new() };
            short.push(format!(
                "block RAM: {} {} needed ({} for weights{membranes}), the part has {} ({} over, {:.1}x)",
                self.block_rams,
                self.block_ram_kind,
                weights,
                self.block_rams_available,
                self.block_rams - self.block_rams_available,
                self.block_rams as f64 / self.block_rams_available as f64
            ));
        }
        let logic_limit = self.logic_limit;
        if self.logic > logic_limit {
            short.push(format!(
                "logic: about {} {} predicted, {:.0}% of the part's {} is the limit ({} over)",
                self.logic,
                self.logic_kind,
                100.0 * logic_limit as f64 / self.logic_available as f64,
                self.logic_available,
                self.logic - logic_limit
            ));
        }
        if let Some((kind, used, available)) = self.single_port_rams
            && used > available
        {
            short.push(format!(
                "single-port RAM: {used} {kind} needed for loaded weights, the part has {available} ({} over)",
                used - available
            ));
        }
        if let Some((kind, used, available)) = self.lut_rams
            && used > available
        {
            short.push(format!(
                "LUT-RAM: {used} {kind} needed for small written arrays (conv membrane banks), the part places {available} ({} over)",
                used - available
            ));
        }
        if let Some((kind, used, available)) = self.multipliers {
            // One more than the lanes: synthesis also puts an index product in one.
            if used + 1 > available {
                short.push(format!(
                    "multipliers: {} {kind} for payload lanes, the part has {available} ({} over)",
                    used + 1,
                    used + 1 - available
                ));
            }
        }
        (!short.is_empty()).then(|| short.join("; "))
    }
}

/// Predict what `net` with `plan` takes of `board`'s part.
pub fn usage(board: Board, net: &Network, plan: &HardwarePlan) -> Result<Usage, BitstreamError> {
    let budget = board.budget();
    let cost = hdl_gen::resources(net, plan)?;
    let memories: Vec<MemoryPlacement> = cost
        .memories
        .into_iter()
        .map(|shape| {
            if let Some(spram) = budget.single_port_rams.as_ref().filter(|_| shape.loaded) {
                // Tiled like block RAM, with the one shape the blocks have.
                let (blocks, deep) = block_layout(shape.depth, shape.width, &[(spram.depth, spram.width)]);
                return MemoryPlacement {
                    logic: stacked_mux_logic(shape.width, deep),
                    shape,
                    block_rams: 0,
                    single_port_rams: blocks,
                    lut_rams: 0,
                };
            }
            let distributed = if shape.writable {
                !budget.ram_block_at.iter().any(|&(depth, bits)| shape.depth >= depth && shape.bits() >= bits)
            } else {
                shape.depth < budget.rom_block_depth
            };
            if distributed {
                // A ROM is a LUT tree per bit (a one-word ROM, a constant); LUT-RAM is tiled
                // from the part's primitive; without LUT-RAM a written array is a flip-flop
                // per bit, a cell each where cells pair a LUT with a flip-flop (iCE40), while
                // elsewhere one word of flip-flops costs no LUT.
                let lut_ram = budget.lut_ram.as_ref();
                let primitives = match lut_ram {
                    Some(r) if shape.writable && shape.depth > 1 => {
                        shape.depth.div_ceil(r.depth) * shape.width.div_ceil(r.width)
                    }
                    _ => 0,
                };
                let logic = match (shape.writable, lut_ram, shape.depth) {
                    (_, _, 0..=1) if !shape.writable || lut_ram.is_some() => 0,
                    (false, _, _) => shape.depth.div_ceil(8) * shape.width,
                    (true, Some(r), _) => primitives * r.logic,
                    (true, None, _) => shape.bits(),
                };
                MemoryPlacement { shape, block_rams: 0, single_port_rams: 0, lut_rams: primitives, logic }
            } else {
                let (block_rams, deep) = block_layout(shape.depth, shape.width, budget.configurations);
                MemoryPlacement {
                    logic: stacked_mux_logic(shape.width, deep),
                    shape,
                    block_rams,
                    single_port_rams: 0,
                    lut_rams: 0,
                }
            }
        })
        .collect();
    let estimated: f64 = cost
        .estimates
        .iter()
        .zip(&plan.layers)
        .map(|(e, l)| {
            let factor = l.stage.sets().map_or(1.0, |sets| budget.conv_logic_factor[sets.count() as usize - 1]);
            e.luts as f64 * factor
        })
        .sum();
    let logic = (estimated * budget.logic_per_estimated_lut).round() as u64
        + budget.fixed_logic
        + (cost.multiplier_bits as f64 * budget.soft_multiplier_logic).round() as u64
        + if plan.loads_weights() { WEIGHT_CRC_LOGIC } else { 0 }
        + memories.iter().map(|m| m.logic).sum::<u64>();
    Ok(Usage {
        board: board.facts().name,
        logic,
        logic_available: budget.logic,
        logic_kind: budget.logic_kind,
        logic_limit: (budget.logic as f64 * budget.logic_headroom) as u64,
        multipliers: budget.multipliers.map(|(kind, available)| (kind, cost.multipliers, available)),
        single_port_rams: budget
            .single_port_rams
            .as_ref()
            .map(|r| (r.kind, memories.iter().map(|m| m.single_port_rams).sum(), r.count)),
        lut_rams: budget
            .lut_ram
            .as_ref()
            .and_then(|r| Some((r.kind?, memories.iter().map(|m| m.lut_rams).sum(), r.count?))),
        block_rams: memories.iter().map(|m| m.block_rams).sum(),
        block_rams_available: budget.block_rams,
        block_ram_kind: budget.block_ram_kind,
        memories,
    })
}

/// What would make a plan fit, for a caller to offer in its own terms (a command line names
/// its flags).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FitRemedy {
    /// The most lanes, the same for every layer, that fit.
    pub uniform_lanes: Option<u32>,
    /// Whether lanes sized per layer for the board ([`size_lanes`]) would fit.
    pub sized_lanes: bool,
    /// A layer whose weights, loaded over the UART at start-up, would make the network fit.
    pub load_layer: Option<usize>,
}

/// Refuse a plan that cannot fit, saying which resource, by how much, and what would fit.
pub fn check_fit(board: Board, net: &Network, plan: &HardwarePlan) -> Result<Usage, BitstreamError> {
    let predicted = usage(board, net, plan)?;
    let Some(reason) = predicted.shortfall() else { return Ok(predicted) };
    let loaded = plan.loaded_layers();
    let mut remedy = FitRemedy { uniform_lanes: largest_uniform_fit(board, net, &loaded)?, ..FitRemedy::default() };
    let mut advice = match remedy.uniform_lanes {
        Some(lanes) => {
            remedy.sized_lanes = true;
            format!("{lanes} lanes per layer would fit, or lanes sized per layer for the {}", board.facts().name)
        }
        None => "no lane count fits, not even one per layer: use fewer or narrower weights or a larger board".into(),
    };
    remedy.load_layer = load_suggestion(board, net, plan)?;
    if let Some(layer) = remedy.load_layer {
        advice.push_str(&format!(
            "; or keep layer {layer}'s weights in {} loaded over the UART at start-up",
            board.budget().single_port_rams.as_ref().map_or("RAM", |r| r.kind)
        ));
    }
    Err(BitstreamError::DoesNotFit { board: board.facts().name.into(), reason: format!("{reason}; {advice}"), remedy })
}

/// On a part with single-port RAM, the layer with the most weight bits still in ROM, if
/// loading it makes the network fit at some lane count.
fn load_suggestion(board: Board, net: &Network, plan: &HardwarePlan) -> Result<Option<usize>, BitstreamError> {
    if board.budget().single_port_rams.is_none() {
        return Ok(None);
    }
    let loaded = plan.loaded_layers();
    // Only dense layers' weights can be loaded (sf_conv keeps its weights in ROM).
    let Some(layer) = (0..net.layers.len())
        .filter(|&i| !loaded.contains(&i) && matches!(net.layers[i].op, LayerOp::Dense(_)))
        .max_by_key(|&i| net.layers[i].inputs() * net.layers[i].outputs() * net.layers[i].weight_bits() as usize)
    else {
        return Ok(None);
    };
    let mut with = loaded;
    with.push(layer);
    // Any lane count for that layer, the others at one lane: the sizer can take it from there.
    let mut lanes = vec![1u32; net.layers.len()];
    for step in lane_steps(lane_width(net, layer)) {
        lanes[layer] = step;
        let plan = HardwarePlan::per_layer(net, &lanes)?.with_loaded_weights(&with)?;
        if usage(board, net, &plan)?.shortfall().is_none() {
            return Ok(Some(layer));
        }
    }
    Ok(None)
}

/// The most lanes, the same for every layer, whose plan (with the weights of `loaded`
/// loaded at start-up) fits; `None` if not even one lane does.
pub fn largest_uniform_fit(board: Board, net: &Network, loaded: &[usize]) -> Result<Option<u32>, BitstreamError> {
    let widest = (0..net.layers.len()).map(|i| lane_width(net, i)).max().unwrap_or(1);
    let mut best = None;
    // Not a search that stops at the first misfit: single-port RAM is tiled in both
    // dimensions, so one lane (a narrow, very deep array) can need more blocks than sixteen.
    for lanes in lane_steps(widest) {
        let plan = HardwarePlan::uniform(net, lanes)?.with_loaded_weights(loaded)?;
        if usage(board, net, &plan)?.shortfall().is_none() {
            best = Some(lanes);
        }
    }
    Ok(best)
}

/// The lane counts worth having for `neurons` neurons (a conv layer's output channels,
/// [`lane_width`]), ascending: each the fewest lanes for its group count
/// `ceil(neurons / lanes)` (more lanes at the same count only idle).
///
/// ```
/// assert_eq!(bitstreams::sizing::lane_steps(10), vec![1, 2, 3, 4, 5, 10]);
/// ```
pub fn lane_steps(neurons: u32) -> Vec<u32> {
    // ceil(n / g) is already the fewest lanes giving ceil(n / g)'s group count.
    let n = neurons.max(1);
    let mut steps: Vec<u32> = (1..=n).map(|g| n.div_ceil(g)).collect();
    steps.sort_unstable();
    steps.dedup();
    steps
}

/// Why [`size_lanes`] stopped adding lanes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SizingLimit {
    /// The input encoder (one cycle per input value at least) is the slowest stage: more
    /// lanes anywhere would not raise throughput.
    InputBound,
    /// The slowest layer already has a lane per neuron (a conv layer: per output channel,
    /// and a membrane word per output row, or banks fixed by the caller).
    FullyParallel {
        /// The layer.
        layer: usize,
    },
    /// A conv layer with a lane per output channel whose update pass is bound by its
    /// events: more membrane banks (fewer words per row) would not lower its cycles.
    EventBound {
        /// The layer.
        layer: usize,
        /// Its banks.
        banks: u32,
    },
    /// The slowest layer's next step does not fit the part.
    Resources {
        /// The layer.
        layer: usize,
        /// The lanes that did not fit (or the lanes it has, when its banks did not fit).
        lanes: u32,
        /// The membrane banks that did not fit, when the step was a conv layer's banks.
        #[serde(skip_serializing_if = "Option::is_none")]
        banks: Option<u32>,
        /// The resource and by how much.
        reason: String,
    },
}

/// Logic of the weight read-back and CRC-32 a board top with loaded weights carries (the
/// bridge's CRC, the loaders' read path): measured +117 LUT4 (mnist-up5k) and +163
/// (digits-lms) in `synth_ice40` when it was added; the larger is counted.
const WEIGHT_CRC_LOGIC: u64 = 165;

/// What [`size_lanes`] chose and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sizing {
    /// The plan.
    pub plan: HardwarePlan,
    /// Its predicted use of the part.
    pub usage: Usage,
    /// Mean busy cycles per input of the input encoder.
    pub encoder_cycles: f64,
    /// Mean busy cycles per input of each layer stage under the plan.
    pub stage_cycles: Vec<f64>,
    /// Why no more lanes.
    pub limit: SizingLimit,
}

impl Sizing {
    /// The slowest stage's cycles per input: the pipeline's steady-state interval.
    pub fn bottleneck_cycles(&self) -> f64 {
        self.stage_cycles.iter().copied().fold(self.encoder_cycles, f64::max)
    }

    /// The throughput the bottleneck allows at `clock_mhz`: an estimate from the slowest
    /// stage alone, where the cycle model's pipelined schedule is the measurement.
    pub fn bottleneck_inputs_per_second(&self, clock_mhz: f64) -> f64 {
        crate::pipeline::inputs_per_second(clock_mhz, self.bottleneck_cycles())
    }
}

/// What [`size_lanes`] may choose besides lanes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SizingChoices<'a> {
    /// Layers whose weights are loaded at start-up in every plan tried.
    pub loaded: &'a [usize],
    /// Every conv layer's membrane banks, fixed ([`HardwarePlan::with_conv_banks`]);
    /// `None`: the sizer grows them once a conv layer has a lane per output channel.
    pub banks: Option<u32>,
    /// Every conv layer's membrane sets, fixed; `None`: the sizer sizes the network with
    /// two sets and with one and keeps the faster plan.
    pub sets: Option<MembraneSets>,
    /// Input values the encoder takes per cycle, fixed; `None`: the sizer starts at one and
    /// widens the encoder (up to [`AUTO_VALUES_PER_CYCLE`]) whenever it is the bottleneck.
    pub values_per_cycle: Option<u32>,
}

/// The widest encoder the sizer chooses by itself (a wider one must be asked for): its
/// logic grows with `values · planes` and is not in the resource estimate.
pub const AUTO_VALUES_PER_CYCLE: u32 = 8;

impl SizingChoices<'_> {
    /// `plan` (lanes chosen elsewhere) with these loaded layers, conv banks and sets: the
    /// one place a plan given on a command line, or the unsized default, takes them.
    pub fn apply(&self, net: &Network, plan: HardwarePlan) -> Result<HardwarePlan, BitstreamError> {
        let plan = plan.with_loaded_weights(self.loaded)?;
        let plan = match self.values_per_cycle {
            Some(values) => plan.with_values_per_cycle(net, values)?,
            None => plan,
        };
        let plan = match self.banks {
            Some(banks) => plan.with_conv_banks(net, banks)?,
            None => plan,
        };
        Ok(match self.sets {
            Some(sets) => plan.with_membrane_sets(sets),
            None => plan,
        })
    }
}

/// The sizer's position: lanes per layer and each conv layer's banks.
#[derive(Clone, Debug)]
struct Point {
    lanes: Vec<u32>,
    /// `Some` for conv layers.
    banks: Vec<Option<u32>>,
    sets: MembraneSets,
    /// The encoder's width.
    values: u32,
}

impl Point {
    fn plan(&self, net: &Network, loaded: &[usize]) -> Result<HardwarePlan, BitstreamError> {
        let mut plan = HardwarePlan::per_layer(net, &self.lanes)?
            .with_loaded_weights(loaded)?
            .with_membrane_sets(self.sets)
            .with_values_per_cycle(net, self.values)?;
        for (index, banks) in self.banks.iter().enumerate() {
            if let Some(banks) = *banks {
                plan = plan.with_banks(net, index, banks)?;
            }
        }
        Ok(plan)
    }
}

/// Lanes per layer (and membrane banks per conv layer) that maximize throughput on
/// `board`: start every layer at one lane and the fewest banks, then repeatedly give the
/// slowest stage its next [`lane_steps`] count while the plan fits; a conv layer with a
/// lane per output channel next gets its next [`model::plan::BankRange::steps`] count (fewer
/// membrane words for its update pass to visit), where that lowers its cycles. A
/// pipeline's throughput is its slowest stage's, so growing any other stage would only
/// spend resources; the loop stops when the slowest stage cannot grow (see [`SizingLimit`]).
///
/// A network with conv layers is sized twice, with two membrane sets per conv stage (its
/// scatter and update pass overlap) and with one (half the membrane memory, so more lanes
/// may fit), and the plan with the shorter bottleneck is kept (two sets on a tie).
///
/// When the encoder is the slowest stage and its width is not fixed, it takes the next
/// width [`HardwarePlan::encoder_widths`] allows (up to [`AUTO_VALUES_PER_CYCLE`]) that
/// lowers its cycles, and the lanes grow on from there.
///
/// `stage_cycles(plan)` returns each layer stage's mean busy cycles per input under `plan`
/// (the caller measures it with `sim`'s cycle model on real inputs, which this crate does
/// not depend on); `encoder_cycles(values)` is the input encoder's taking `values` values
/// per cycle, which nothing else in a plan changes.
pub fn size_lanes(
    board: Board,
    net: &Network,
    choices: SizingChoices,
    encoder_cycles: &dyn Fn(u32) -> f64,
    stage_cycles: &dyn Fn(&HardwarePlan) -> Vec<f64>,
) -> Result<Sizing, BitstreamError> {
    let has_conv = net.layers.iter().any(|l| matches!(l.op, LayerOp::Conv2d(_)));
    let candidates = match choices.sets {
        Some(sets) => vec![sets],
        None if has_conv => vec![MembraneSets::Two, MembraneSets::One],
        None => vec![MembraneSets::Two],
    };
    let mut best: Option<Result<Sizing, BitstreamError>> = None;
    for sets in candidates {
        let sized = size_with_sets(board, net, choices, sets, encoder_cycles, stage_cycles);
        best = Some(match (best, sized) {
            (Some(Ok(kept)), Ok(new)) if new.bottleneck_cycles() >= kept.bottleneck_cycles() => Ok(kept),
            (Some(Ok(kept)), Err(_)) => Ok(kept),
            (_, sized) => sized,
        });
    }
    best.expect("one candidate at least")
}

fn size_with_sets(
    board: Board,
    net: &Network,
    choices: SizingChoices,
    sets: MembraneSets,
    encoder_cycles: &dyn Fn(u32) -> f64,
    stage_cycles: &dyn Fn(&HardwarePlan) -> Vec<f64>,
) -> Result<Sizing, BitstreamError> {
    let loaded = choices.loaded;
    let widths: Vec<u32> = match choices.values_per_cycle {
        Some(values) => vec![values],
        None => HardwarePlan::encoder_widths(net).into_iter().filter(|&v| v <= AUTO_VALUES_PER_CYCLE).collect(),
    };
    let ranges: Vec<Option<BankRange>> = (0..net.layers.len()).map(|i| bank_range(net, i)).collect();
    let banks = ranges.iter().map(|r| r.map(|r| choices.banks.map_or(r.least, |b| r.legal(b)))).collect();
    let mut at = Point { lanes: vec![1u32; net.layers.len()], banks, sets, values: widths[0] };
    let mut encoder = encoder_cycles(at.values);
    // Refuses a layer index the network does not have, before any is used.
    at.plan(net, loaded)?;
    // Single-port RAM is tiled in depth as well as width: at one lane a loaded layer's
    // weights can be too deep for it. Such layers start at their fewest lanes that fit.
    for &layer in loaded {
        for step in lane_steps(lane_width(net, layer)) {
            at.lanes[layer] = step;
            if usage(board, net, &at.plan(net, loaded)?)?
                .single_port_rams
                .is_none_or(|(_, used, available)| used <= available)
            {
                break;
            }
        }
    }
    let mut plan = at.plan(net, loaded)?;
    let mut predicted = usage(board, net, &plan)?;
    if let Some(reason) = predicted.shortfall() {
        let mut advice = "use fewer or narrower weights or a larger board".to_string();
        let load_layer = load_suggestion(board, net, &plan)?;
        if let Some(layer) = load_layer {
            advice.push_str(&format!(", or load layer {layer}'s weights over the UART"));
        }
        return Err(BitstreamError::DoesNotFit {
            board: board.facts().name.into(),
            reason: format!("{reason}, even at lanes {:?}: {advice}", at.lanes),
            remedy: FitRemedy { load_layer, ..FitRemedy::default() },
        });
    }
    let mut cycles = stage_cycles(&plan);
    loop {
        let (slowest, &worst) =
            cycles.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).expect("validated networks have layers");
        let done = |limit| Sizing {
            plan: plan.clone(),
            usage: predicted.clone(),
            encoder_cycles: encoder,
            stage_cycles: cycles.clone(),
            limit,
        };
        if worst <= encoder {
            // A wider encoder, if one is allowed and helps, moves the bottleneck back to a layer.
            let wider =
                widths.iter().filter(|&&v| v > at.values).map(|&v| (v, encoder_cycles(v))).find(|(_, c)| *c < encoder);
            let Some((values, cycles_then)) = wider else { return Ok(done(SizingLimit::InputBound)) };
            at.values = values;
            encoder = cycles_then;
            plan = at.plan(net, loaded)?;
            continue;
        }
        // Lanes first (each a whole group of output channels off every item), then banks.
        let lane_candidates =
            lane_steps(lane_width(net, slowest)).into_iter().filter(|&p| p > at.lanes[slowest]).map(|p| {
                let mut next = at.clone();
                next.lanes[slowest] = p;
                next
            });
        let bank_candidates = match (ranges[slowest], at.banks[slowest], choices.banks) {
            (Some(range), Some(now), None) => range.steps().into_iter().filter(|&b| b > now).collect(),
            _ => Vec::new(),
        }
        .into_iter()
        .map(|b| {
            let mut next = at.clone();
            next.banks[slowest] = Some(b);
            next
        });
        let growing_lanes = at.lanes[slowest] < lane_width(net, slowest);
        let candidates: Vec<Point> = if growing_lanes { lane_candidates.collect() } else { bank_candidates.collect() };
        if candidates.is_empty() {
            return Ok(done(SizingLimit::FullyParallel { layer: slowest }));
        }
        // The first step that fits, not only the next: memory is quantized, and a conv
        // layer's membrane banks can take fewer LUT-RAM primitives or blocks at 4 lanes
        // than at 3. A bank step must also lower the layer's cycles: once its update pass
        // is bound by its events, fewer words save nothing.
        let mut first_misfit = None;
        let mut grown_to = None;
        let mut fitting = false;
        for next in candidates {
            let candidate = next.plan(net, loaded)?;
            let candidate_usage = usage(board, net, &candidate)?;
            if let Some(reason) = candidate_usage.shortfall() {
                first_misfit.get_or_insert((next, reason));
                continue;
            }
            fitting = true;
            let candidate_cycles = stage_cycles(&candidate);
            if growing_lanes || candidate_cycles[slowest] < worst {
                grown_to = Some((next, candidate, candidate_usage, candidate_cycles));
                break;
            }
        }
        match (grown_to, first_misfit) {
            (Some(grown), _) => (at, plan, predicted, cycles) = grown,
            // Steps that fit but do not help say more than the larger ones that do not fit.
            (None, Some((next, reason))) if !fitting => {
                let (lanes, banks) = (next.lanes[slowest], next.banks[slowest].filter(|_| !growing_lanes));
                return Ok(done(SizingLimit::Resources { layer: slowest, lanes, banks, reason }));
            }
            (None, _) => {
                let banks = at.banks[slowest].unwrap_or(1);
                return Ok(done(SizingLimit::EventBound { layer: slowest, banks }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An MNIST-shaped LMS MLP (784 -> hidden -> 10, 8-bit weights, T = 2).
    fn example(hidden: u32) -> Network {
        mlp(28, hidden)
    }

    /// A `side x side -> hidden -> 10` LMS MLP.
    fn mlp(side: u32, hidden: u32) -> Network {
        let spec = model::examples::RandomSpec {
            name: "mlp".into(),
            input_shape: vec![1, side, side],
            hidden: vec![hidden],
            classes: 10,
            timesteps: 2,
            neuron: model::examples::HiddenNeuron::Integer { max_spike: 15 },
            weight_bits: 8,
            decay: model::Decay::Shift(2),
            input_density: 0.2,
        };
        model::examples::random_network(&spec, 1)
    }

    #[test]
    fn block_counts_follow_the_best_configuration() {
        let ice = Board::Icebreaker.budget().configurations;
        assert_eq!(blocks_for(256, 16, ice), 1);
        assert_eq!(blocks_for(2048, 2, ice), 1);
        assert_eq!(blocks_for(2048, 16, ice), 8);
        assert_eq!(blocks_for(100, 17, ice), 2);
    }

    #[test]
    fn the_example_does_not_fit_the_up5k_and_no_lane_count_helps() {
        let net = example(256);
        let plan = HardwarePlan::uniform(&net, 16).unwrap();
        let e = check_fit(Board::Icebreaker, &net, &plan).unwrap_err().to_string();
        assert!(e.contains("block RAM") && e.contains("ICESTORM_RAM") && e.contains("no lane count fits"), "{e}");
        assert!(check_fit(Board::Ulx3s, &net, &plan).is_ok());
    }

    #[test]
    fn too_many_lanes_for_the_logic_is_refused_with_a_lane_count_that_fits() {
        let net = mlp(14, 64);
        let plan = HardwarePlan::uniform(&net, 64).unwrap();
        let e = check_fit(Board::Tangnano9k, &net, &plan).unwrap_err().to_string();
        assert!(e.contains("logic") && e.contains("lanes per layer would fit"), "{e}");
        assert!(!e.contains("--"), "no command-line flags in a library error: {e}");
        let lanes = largest_uniform_fit(Board::Tangnano9k, &net, &[]).unwrap().unwrap();
        assert!(lanes < 64);
        assert!(check_fit(Board::Tangnano9k, &net, &HardwarePlan::uniform(&net, lanes).unwrap()).is_ok());
    }

    #[test]
    fn payload_multipliers_are_hard_on_the_up5k_and_logic_on_the_ecp5() {
        let mut net = mlp(14, 256);
        net.input.code = model::SpikeCode::Payload;
        // The UP5K has 8 SB_MAC16 (`synth_ice40 -dsp`) and holds payload lanes to them.
        let four = HardwarePlan::per_layer(&net, &[4, 1]).unwrap();
        assert_eq!(usage(Board::Icebreaker, &net, &four).unwrap().multipliers, Some(("ICESTORM_DSP", 4, 8)));
        let nine = HardwarePlan::per_layer(&net, &[9, 1]).unwrap();
        let e = usage(Board::Icebreaker, &net, &nine).unwrap().shortfall().unwrap();
        assert!(e.contains("ICESTORM_DSP for payload lanes, the part has 8"), "{e}");
        // The ECP5 builds them in logic (`synth_ecp5 -nodsp`): no multiplier count, and each
        // costs logic by its size (8-bit weights x 8-bit values here).
        let narrow = HardwarePlan::per_layer(&net, &[128, 1]).unwrap();
        let payload = usage(Board::Ulx3s, &net, &narrow).unwrap();
        assert_eq!(payload.multipliers, None);
        let planes = usage(Board::Ulx3s, &mlp(14, 256), &narrow).unwrap();
        let per_bit = (payload.logic as f64 - planes.logic as f64) / (128.0 * 8.0 * 8.0);
        assert!(per_bit > 2.41, "{per_bit}: the multipliers' logic comes on top of the lanes' estimate");
    }

    /// The UP5K route to MNIST: 784-256-10 with 4-bit weights and payload input does not
    /// fit its block RAM, the error says to load layer 0; loaded, 16 lanes fill the four
    /// SPRAMs exactly (64-bit words, 12,544 deep) and 32 lanes would need eight.
    #[test]
    fn loaded_weights_go_to_the_up5k_spram() {
        let spec = model::examples::RandomSpec {
            name: "mlp".into(),
            input_shape: vec![1, 28, 28],
            hidden: vec![256],
            classes: 10,
            timesteps: 2,
            neuron: model::examples::HiddenNeuron::Integer { max_spike: 15 },
            weight_bits: 4,
            decay: model::Decay::Shift(2),
            input_density: 0.2,
        };
        let mut net = model::examples::random_network(&spec, 1);
        net.input.code = model::SpikeCode::Payload;
        let rom = HardwarePlan::per_layer(&net, &[8, 10]).unwrap();
        let e = check_fit(Board::Icebreaker, &net, &rom).unwrap_err().to_string();
        assert!(e.contains("block RAM") && e.contains("keep layer 0's weights in ICESTORM_SPRAM"), "{e}");
        match check_fit(Board::Icebreaker, &net, &rom) {
            Err(BitstreamError::DoesNotFit { remedy, .. }) => assert_eq!(remedy.load_layer, Some(0)),
            other => panic!("{other:?}"),
        }
        // Sized with layer 0 loaded: four lanes (16-bit words, 50,176 deep: four SPRAMs);
        // one lane would need 13, more lanes more block RAM for the membranes.
        let s = size_lanes(Board::Icebreaker, &net, loaded(&[0]), &|_| 900.0, &groups_cost(vec![300.0, 60.0])).unwrap();
        assert!(s.usage.shortfall().is_none());
        assert_eq!(s.plan.layers[0].lanes, 4, "{:?}", s.plan);
        assert_eq!(s.plan.layers[0].weights, model::WeightStore::Loaded);
        let loaded = HardwarePlan::per_layer(&net, &[16, 10]).unwrap().with_loaded_weights(&[0]).unwrap();
        let u = usage(Board::Icebreaker, &net, &loaded).unwrap();
        assert_eq!(u.single_port_rams, Some(("ICESTORM_SPRAM", 4, 4)));
        let weights = u.memories.iter().find(|m| m.shape.kind == MemoryKind::Weights(0)).unwrap();
        assert_eq!((weights.block_rams, weights.single_port_rams), (0, 4));
        let wide = HardwarePlan::per_layer(&net, &[32, 10]).unwrap().with_loaded_weights(&[0]).unwrap();
        let short = usage(Board::Icebreaker, &net, &wide).unwrap().shortfall().unwrap();
        assert!(short.contains("single-port RAM: 8 ICESTORM_SPRAM"), "{short}");
        // Elsewhere loaded weights are ordinary block RAM.
        assert_eq!(usage(Board::Ulx3s, &net, &loaded).unwrap().single_port_rams, None);
    }

    /// An untrained conv network of `arch` on a `side x side` picture (8-bit weights, T = 2).
    fn conv(arch: &str, side: u32) -> Network {
        let spec = model::examples::ConvSpec {
            name: "conv".into(),
            input: model::Shape3 { channels: 1, height: side, width: side },
            arch: arch.parse().unwrap(),
            timesteps: 2,
            neuron: model::examples::HiddenNeuron::Binary,
            weight_bits: 8,
            decay: model::Decay::Shift(1),
            input_density: 0.3,
        };
        model::examples::random_conv_network(&spec, 1).unwrap()
    }

    /// A conv stage's memories: `SETS·P·B` membrane banks of `G·H'·ceil(W'/B)` words, one
    /// weight memory of `C·K·G` words of `K·P` weights; where the banks go follows the family.
    #[test]
    fn conv_memories_are_banks_and_wide_weight_rows() {
        let net = conv("c16k3p1-sp2-fc10", 8);
        // 6 lanes: 3 channel groups; 3 taps per kernel row, rounded to the pool's 2: 4 banks.
        let plan = HardwarePlan::per_layer(&net, &[6, 1, 10]).unwrap();
        assert_eq!(plan.layers[0].stage.banks(), Some(4));
        let mem_bits = plan.layers[0].membrane_bits as u64;
        let u = usage(Board::Icebreaker, &net, &plan).unwrap();
        let banks: Vec<&MemoryPlacement> =
            u.memories.iter().filter(|m| m.shape.kind == MemoryKind::Membranes(0)).collect();
        assert_eq!(banks.len(), 2 * 6 * 4);
        let one = plan.clone().with_membrane_sets(MembraneSets::One);
        let one_set = usage(Board::Icebreaker, &net, &one).unwrap();
        assert_eq!(one_set.memories.iter().filter(|m| m.shape.kind == MemoryKind::Membranes(0)).count(), 6 * 4);
        assert!(banks.iter().all(|m| (m.shape.depth, m.shape.width) == (3 * 8 * 2, mem_bits)), "{banks:?}");
        // No LUT RAM on the iCE40: 48 words is block RAM, a block per 16 bits of each bank.
        let per_bank = mem_bits.div_ceil(16);
        assert!(banks.iter().all(|m| m.block_rams == per_bank && m.logic == 0), "{mem_bits} bits: {banks:?}");
        let weights = u.memories.iter().find(|m| m.shape.kind == MemoryKind::Weights(0)).unwrap();
        assert_eq!((weights.shape.depth, weights.shape.width), (3 * 3, 3 * 6 * 8));
        // LUT RAM on the ECP5: 16 words x 2 bits a cell, no block RAM.
        let ecp5 = usage(Board::Ulx3s, &net, &plan).unwrap();
        let bank = ecp5.memories.iter().find(|m| m.shape.kind == MemoryKind::Membranes(0)).unwrap();
        assert_eq!((bank.block_rams, bank.logic), (0, 3 * mem_bits.div_ceil(2)));
        // The pooling layer has no memories; payload input scales K taps per lane.
        assert!(!u.memories.iter().any(|m| matches!(m.shape.kind, MemoryKind::Membranes(1) | MemoryKind::Weights(1))));
        let mut payload = net.clone();
        payload.input.code = model::SpikeCode::Payload;
        assert_eq!(usage(Board::Icebreaker, &payload, &plan).unwrap().multipliers, Some(("ICESTORM_DSP", 6 * 3, 8)));
    }

    /// Written arrays move to block RAM where `memory_libmap` was measured to move them, on
    /// the ECP5 and the Gowin part alike (`synth_* -run begin:map_ffs` on one-array designs).
    #[test]
    fn written_arrays_go_to_block_ram_where_yosys_puts_them() {
        let net = mlp(8, 16);
        let plan = HardwarePlan::uniform(&net, 4).unwrap();
        for board in [Board::Ulx3s, Board::Tangnano9k] {
            let cost = hdl_gen::resources(&net, &plan).unwrap();
            let mut shape = cost.memories[0].clone();
            for (depth, width, block) in [
                (96, 16, false),
                (128, 16, true),
                (32, 64, false),
                (64, 32, true),
                (128, 8, false),
                (192, 8, true),
                (256, 4, false),
                (384, 4, true),
            ] {
                (shape.depth, shape.width, shape.writable) = (depth, width, true);
                let b = board.budget();
                let to_block = b.ram_block_at.iter().any(|&(d, bits)| depth >= d && shape.bits() >= bits);
                assert_eq!(to_block, block, "{board:?}: {depth} x {width}");
            }
        }
    }

    /// The Gowin part places 270 RAM16SDP4 (16 x 4 LUT-RAM, 8 LUT4 each): 16 conv channels
    /// of 8 x 8 membranes (16 kbit) in banks shallower than a block take 256 of them at any
    /// lane count that keeps them shallow, and 8 lanes no longer fit beside the rest.
    #[test]
    fn gowin_lut_ram_is_counted_and_capped() {
        let net = conv("c16k3p1-sp2-fc10", 8);
        let plan = HardwarePlan::per_layer(&net, &[8, 1, 3]).unwrap();
        let u = usage(Board::Tangnano9k, &net, &plan).unwrap();
        let (kind, used, available) = u.lut_rams.unwrap();
        let bank = u.memories.iter().find(|m| m.shape.kind == MemoryKind::Membranes(0)).unwrap();
        // 2 groups x 8 rows x 2 words: 32 x mem_bits, 2 x ceil(bits / 4) primitives.
        assert_eq!(bank.lut_rams, 2 * bank.shape.width.div_ceil(4));
        assert_eq!(bank.logic, 8 * bank.lut_rams);
        assert_eq!((kind, available), ("RAM16SDP4", 270));
        assert!(used > 256, "{used}");
        let short = u.shortfall().unwrap();
        assert!(short.contains("LUT-RAM") && short.contains("RAM16SDP4"), "{short}");
        // Other parts have no such limit to report.
        assert_eq!(usage(Board::Ulx3s, &net, &plan).unwrap().lut_rams, None);
    }

    /// Lanes step over a conv layer's output channels, never its neurons; a fused pool keeps
    /// its one; a conv layer's weights are never loaded.
    #[test]
    fn conv_lanes_step_over_output_channels() {
        let net = conv("c16k3p1-sp2-fc10", 8);
        for board in Board::ALL {
            let s = size_lanes(board, &net, SizingChoices::default(), &|_| 10.0, &groups_cost(vec![2000.0, 0.0, 50.0]))
                .unwrap();
            assert!(lane_steps(16).contains(&s.plan.layers[0].lanes), "{board:?}: {:?}", s.plan);
            assert_eq!(s.plan.layers[1].lanes, 1);
            if let SizingLimit::FullyParallel { layer } = s.limit {
                assert_eq!((layer, s.plan.layers[0].lanes), (0, 16));
            }
            assert!(s.plan.layers.iter().all(|l| l.weights == model::WeightStore::Rom));
        }
        let e = size_lanes(Board::Icebreaker, &net, loaded(&[0]), &|_| 10.0, &groups_cost(vec![1.0; 3])).unwrap_err();
        assert!(e.to_string().contains("conv layer's weights cannot be loaded"), "{e}");
    }

    /// A stand-in for the conv cycle model: `G · E` for the scatter plus a cycle per
    /// membrane word (`G · H' · ceil(W' / B)`) for the update pass, with `events` per layer.
    fn conv_cost(net: &Network, events: Vec<f64>) -> impl Fn(&HardwarePlan) -> Vec<f64> + '_ {
        move |plan| {
            plan.layers
                .iter()
                .zip(&events)
                .enumerate()
                .map(|(i, (l, e))| {
                    let words = match (l.stage, &net.layers[i].op) {
                        (model::Stage::Conv { banks, .. }, LayerOp::Conv2d(c)) => {
                            let out = c.output_shape().unwrap();
                            out.height * out.width.div_ceil(banks)
                        }
                        _ => 0,
                    };
                    l.groups as f64 * (e + words as f64)
                })
                .collect()
        }
    }

    /// Once a conv layer has a lane per output channel, the sizer gives it banks while
    /// they shorten its update pass and fit; not when they are fixed or would not help.
    #[test]
    fn conv_banks_grow_after_lanes_where_they_shorten_the_pass() {
        let net = conv("c8k3p1-sp2-fc10", 16);
        let range = bank_range(&net, 0).unwrap();
        let s =
            size_lanes(Board::Ulx3s, &net, SizingChoices::default(), &|_| 1.0, &conv_cost(&net, vec![40.0, 0.0, 1.0]))
                .unwrap();
        assert_eq!(s.plan.layers[0].lanes, 8, "{:?}", s.plan);
        assert_eq!(s.plan.layers[0].stage.banks(), Some(range.most), "{:?}", s.limit);
        assert_eq!(s.limit, SizingLimit::FullyParallel { layer: 0 });
        // Banks fixed by the caller: made legal, never grown.
        let fixed = SizingChoices { banks: Some(3), ..SizingChoices::default() };
        let s = size_lanes(Board::Ulx3s, &net, fixed, &|_| 1.0, &conv_cost(&net, vec![40.0, 0.0, 1.0])).unwrap();
        assert_eq!(s.plan.layers[0].stage.banks(), Some(range.legal(3)));
        assert_eq!(s.limit, SizingLimit::FullyParallel { layer: 0 });
        // A pass bound by its events: no bank step lowers the cycles, none is taken.
        let flat = |plan: &HardwarePlan| plan.layers.iter().map(|l| l.groups as f64 * l.neurons as f64).collect();
        let s = size_lanes(Board::Ulx3s, &net, SizingChoices::default(), &|_| 1.0, &flat).unwrap();
        assert_eq!(s.plan.layers[0].stage.banks(), Some(range.least));
        assert_eq!(s.limit, SizingLimit::EventBound { layer: 0, banks: range.least });
    }

    /// MNIST's c16k5p2-mp2-c32k3p1-sp2-fc10 needs 238 kbit of conv membranes alone: the
    /// UP5K (120 kbit of block RAM) refuses it in one line naming them.
    #[test]
    fn a_conv_network_too_big_for_the_part_is_refused_naming_its_membranes() {
        let net = conv("c16k5p2-mp2-c32k3p1-sp2-fc10", 28);
        let e = size_lanes(Board::Icebreaker, &net, SizingChoices::default(), &|_| 10.0, &groups_cost(vec![1.0; 5]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("for conv membrane banks") && e.contains("even at lanes [1, 1, 1, 1, 1]"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    fn loaded(layers: &[usize]) -> SizingChoices<'_> {
        SizingChoices { loaded: layers, ..SizingChoices::default() }
    }

    /// A stand-in for the cycle model with its shape: `G · (E + 5)` per layer.
    fn groups_cost(events: Vec<f64>) -> impl Fn(&HardwarePlan) -> Vec<f64> {
        move |plan| plan.layers.iter().zip(&events).map(|(l, e)| l.groups as f64 * (e + 5.0)).collect()
    }

    /// An encoder costing 800 cycles at one value per cycle and half as much per doubling:
    /// left free, the sizer widens it whenever it is the bottleneck and grows lanes on; fixed
    /// at one value, the same network stops input-bound.
    #[test]
    fn the_sizer_widens_the_encoder_when_it_is_the_bottleneck() {
        let net = mlp(16, 64); // 256 inputs: widths 1, 2, 4, 8 (the sizer's cap)
        let encoder = |values: u32| 800.0 / values as f64;
        let free = size_lanes(Board::Ulx3s, &net, SizingChoices::default(), &encoder, &groups_cost(vec![100.0, 10.0]))
            .unwrap();
        assert!(free.plan.values_per_cycle > 1, "{:?}", free.plan);
        assert_eq!(free.encoder_cycles, encoder(free.plan.values_per_cycle));
        assert!(free.bottleneck_cycles() < 800.0);
        let fixed = SizingChoices { values_per_cycle: Some(1), ..SizingChoices::default() };
        let narrow = size_lanes(Board::Ulx3s, &net, fixed, &encoder, &groups_cost(vec![100.0, 10.0])).unwrap();
        assert_eq!((narrow.plan.values_per_cycle, &narrow.limit), (1, &SizingLimit::InputBound));
        assert!(narrow.plan.layers[0].lanes <= free.plan.layers[0].lanes);
        // Never wider than the cap, even where a wider encoder would still help.
        assert!(free.plan.values_per_cycle <= AUTO_VALUES_PER_CYCLE);
    }

    #[test]
    fn sizing_grows_the_slowest_layer_until_the_part_is_full() {
        let net = example(256);
        let s = size_lanes(Board::Ulx3s, &net, SizingChoices::default(), &|_| 800.0, &groups_cost(vec![400.0, 60.0]))
            .unwrap();
        assert!(s.usage.shortfall().is_none());
        assert!(s.plan.layers[0].lanes > s.plan.layers[1].lanes, "{:?}", s.plan);
        match &s.limit {
            SizingLimit::Resources { layer, .. } => assert_eq!(*layer, 0),
            SizingLimit::InputBound => assert!(s.stage_cycles.iter().all(|&c| c <= 800.0)),
            other => panic!("unexpected {other:?}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Whatever the demand, a sized plan fits, and no stage is slower than the
        /// bottleneck it reports.
        #[test]
        fn sized_plans_fit(hidden in 8u32..300, e0 in 1.0f64..2000.0, e1 in 1.0f64..500.0, board in 0usize..3) {
            let net = example(hidden);
            let board = Board::ALL[board];
            match size_lanes(board, &net, SizingChoices::default(), &|_| 100.0, &groups_cost(vec![e0, e1])) {
                Ok(s) => {
                    prop_assert!(s.usage.shortfall().is_none());
                    let check = check_fit(board, &net, &s.plan);
                    prop_assert!(check.is_ok(), "{:?}", check.err());
                    prop_assert!(s.stage_cycles.iter().all(|&c| c <= s.bottleneck_cycles()));
                }
                Err(e) => prop_assert!(e.to_string().contains("even at lanes"), "{e}"),
            }
        }

        #[test]
        fn lane_steps_are_the_distinct_group_counts(n in 1u32..2000) {
            let steps = lane_steps(n);
            let groups: std::collections::BTreeSet<u32> = (1..=n).map(|p| n.div_ceil(p)).collect();
            prop_assert_eq!(steps.len(), groups.len());
            prop_assert_eq!(steps[0], 1);
            prop_assert_eq!(*steps.last().unwrap(), n);
        }
    }
}
