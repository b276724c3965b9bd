//! RTL mutation campaign (issue #18): yosys's `mutate` pass (the engine of YosysHQ's mcy)
//! plants faults in the hand-written modules of small host designs, and the tests must
//! notice each one.
//!
//! Per host design: generate it, list `per_module` mutants in every hand-written module it
//! instantiates (over that host's parameterizations of the module), apply them all behind a
//! control register ([`netlist`]), build the netlist once in Verilator and run it once per
//! mutant. Core hosts run [`crate::cosim::cosimulate`] on the host's random inputs, streamed
//! and, if that notices nothing, stalled, then on a few inputs from reset
//! ([`Host::from_reset`]) both ways; the board host plays [`board::script`] over the
//! simulated UART from registers 0 and, if that notices nothing, from every register bit 1,
//! then from registers random ([`board::POWER_ONS`]). A survivor of all that runs it again
//! on a second netlist whose part-selects read 0 past the end of their vector, where
//! Verilator wraps the offset ([`PreparedHost::past_end_zero`]). A mutant is killed when
//! the test reports a mismatch, the simulation fails or exits early, or it runs past its
//! time budget. Before any mutant both netlists with none live must pass, which checks the
//! whole machinery (yosys's reading of the RTL, the instrumentation, the simulator).

pub mod board;
pub mod equivalence;
pub mod invariant;
mod json;
pub mod netlist;
pub mod observed;
pub mod offsets;
pub mod report;
mod yosys;

pub use yosys::Reading;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use model::examples::{
    ConvSpec, HiddenNeuron, RandomSpec, random_conv_network, random_network, tiny_lateral_network, tiny_network,
};
use model::{Decay, HardwarePlan, LayerOp, Network, NeuronKind, Shape3, SpikeCode};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cosim::fuzz::{describe, random_inputs};
use crate::cosim::uart::{UartSimulator, UartTiming};
use crate::cosim::{CosimOptions, DesignInfo, Shard, SimTimeout, SimulatorKind, cosimulate};
use crate::error::SimError;
use crate::golden::Golden;
use equivalence::{Finding, Proof, Refutation, Scope};

/// A hand-written module of the core (`hdl-gen/rtl/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RtlModule {
    /// `sf_encoder.v`.
    Encoder,
    /// `sf_event_buffer.v`.
    EventBuffer,
    /// `sf_layer.v`.
    Layer,
    /// `sf_lane.v`.
    Lane,
    /// `sf_emit_search.v`.
    EmitSearch,
    /// `sf_conv.v`.
    Conv,
    /// `board/sf_uart_bridge.v`.
    UartBridge,
    /// `board/sf_uart_rx.v`.
    UartRx,
    /// `board/sf_uart_tx.v`.
    UartTx,
    /// `board/sf_weight_loader.v`.
    WeightLoader,
    /// `board/sf_reset.v`.
    Reset,
}

impl RtlModule {
    /// Every hand-written module of the core.
    pub const CORE: [RtlModule; 6] = [
        RtlModule::Encoder,
        RtlModule::EventBuffer,
        RtlModule::Layer,
        RtlModule::Lane,
        RtlModule::EmitSearch,
        RtlModule::Conv,
    ];

    /// Every hand-written module of the board top that simulates (the PLL wrappers, vendor
    /// primitives, do not).
    pub const BOARD: [RtlModule; 5] =
        [RtlModule::UartBridge, RtlModule::UartRx, RtlModule::UartTx, RtlModule::WeightLoader, RtlModule::Reset];

    /// Core and board modules.
    pub fn all() -> Vec<RtlModule> {
        RtlModule::CORE.into_iter().chain(RtlModule::BOARD).collect()
    }

    /// The Verilog module name.
    pub fn name(self) -> &'static str {
        match self {
            RtlModule::Encoder => "sf_encoder",
            RtlModule::EventBuffer => "sf_event_buffer",
            RtlModule::Layer => "sf_layer",
            RtlModule::Lane => "sf_lane",
            RtlModule::EmitSearch => "sf_emit_search",
            RtlModule::Conv => "sf_conv",
            RtlModule::UartBridge => "sf_uart_bridge",
            RtlModule::UartRx => "sf_uart_rx",
            RtlModule::UartTx => "sf_uart_tx",
            RtlModule::WeightLoader => "sf_weight_loader",
            RtlModule::Reset => "sf_reset",
        }
    }

    /// Whether the module belongs to the board top (mutated in the board host only).
    pub fn is_board(self) -> bool {
        RtlModule::BOARD.contains(&self)
    }

    /// Where the module's mutants are numbered in a host: its place in [`RtlModule::CORE`]
    /// or [`RtlModule::BOARD`]. Its mutants are `slot * per_module + 1` on, whichever
    /// modules a run mutates, so a survivor's id names the same mutant in a run narrowed by
    /// `MUTATION_MODULES` (a rerun of `sf_conv`'s survivors alone numbered its mutants from
    /// 1 and ran other mutants under the survivors' ids).
    pub fn slot(self) -> usize {
        let family: &[RtlModule] = if self.is_board() { &RtlModule::BOARD } else { &RtlModule::CORE };
        family.iter().position(|&m| m == self).unwrap_or_default()
    }

    /// Whether a survivor of this module can be shown equivalent by yosys's `equiv_induct`.
    /// Not `sf_reset`: `equiv_induct` proves only the induction step (matching states stay
    /// matching) and never looks at the initial state, and all `sf_reset` does is count
    /// from its counter's initial value. Mutants that never reset at all were "proven"
    /// equivalent that way; the board test kills them, its registers starting random.
    /// [`equivalence::prove`] judges `sf_reset` by its reset sequence instead.
    pub fn provable(self) -> bool {
        self != RtlModule::Reset
    }
}

/// What a host design is run as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostKind {
    /// The core in the co-simulation harness ([`cosimulate`]): its core modules mutated.
    Core,
    /// The board top behind the simulated UART at this timing, played [`board::script`]
    /// from each of [`board::POWER_ONS`]: its board modules mutated.
    Board(UartTiming),
}

/// The name of the core host that reaches `sf_layer`'s WAIT (see [`hosts`]).
pub const WAIT_HOST: &str = "wait";

/// The name of the first board host.
pub const BOARD_HOST: &str = "board";

/// The name of the second board host: both layers loaded over the UART, words of several
/// bytes, two values per cycle, 13 clocks per bit.
pub const WIDE_BOARD_HOST: &str = "board-wide";

/// The name of the third board host: a last layer of spiking neurons, so the bridge
/// counts spikes into two-byte scores, and 12 input values a request.
pub const COUNTS_BOARD_HOST: &str = "board-counts";

/// The name of the fourth board host: a last layer of ternary neurons, so the bridge
/// counts spikes of both signs into scores that go negative, and its argmax compares them.
pub const SIGNED_BOARD_HOST: &str = "board-signed";

/// The name of the fifth board host: 96 input values at 4 clocks per bit, so a sparse
/// request of zeros is written faster than the encoder takes the busiest request before it
/// (the bridge's second buffer bank is needed), and a last layer whose spikes travel in the
/// payload code, so the bridge counts the spike values themselves.
pub const PAYLOAD_BOARD_HOST: &str = "board-payload";

/// The name of the second conv host: every channel in one group, so back-to-back scatter
/// writes can hit one membrane word (see [`hosts`]).
pub const CONV_FORWARD_HOST: &str = "conv-forward";

/// The core hosts of [`hosts`], in its order.
const CORE_HOSTS: [&str; 6] = ["dense", "lateral", "conv", "ternary", WAIT_HOST, CONV_FORWARD_HOST];

/// The board hosts, each with the UART timing it is simulated and read with
/// (`CLKS_PER_BIT`, `TIMEOUT`): fast to simulate, and for the others a bit time that is not
/// a power of two, so its counters use every bit, and an odd timeout. A silence counter
/// that reads bit `k` inverted reaches 4,000 on the same cycle as the original (4,000 is a
/// multiple of 2^(k+1) for k < 5), and 4,001 a cycle or more early: the script's byte
/// `TIMEOUT` cycles after the one before catches it. Every other host is a core host.
const BOARD_HOSTS: [(&str, UartTiming); 5] = [
    (BOARD_HOST, UartTiming::FAST),
    (WIDE_BOARD_HOST, UartTiming { clks_per_bit: 13, timeout: 4001 }),
    (COUNTS_BOARD_HOST, UartTiming { clks_per_bit: 11, timeout: 4003 }),
    (SIGNED_BOARD_HOST, UartTiming { clks_per_bit: 9, timeout: 4005 }),
    (PAYLOAD_BOARD_HOST, UartTiming { clks_per_bit: 4, timeout: 4007 }),
];

impl HostKind {
    /// The kind of the host named `name`.
    pub fn of(name: &str) -> HostKind {
        BOARD_HOSTS
            .iter()
            .find(|(board, _)| *board == name)
            .map_or(HostKind::Core, |(_, timing)| HostKind::Board(*timing))
    }

    /// The names of the core hosts of [`hosts`].
    pub fn core_hosts() -> Vec<String> {
        CORE_HOSTS.iter().map(|name| name.to_string()).collect()
    }

    /// Whether this is a board host.
    pub fn is_board(self) -> bool {
        matches!(self, HostKind::Board(_))
    }

    /// How yosys reads the host `name`'s design, generated in `rtl`.
    pub fn reading(name: &str, rtl: &Path) -> Result<Reading, SimError> {
        let info = DesignInfo::read(rtl).map_err(SimError::Design)?;
        Ok(match HostKind::of(name) {
            HostKind::Core => {
                Reading { top: info.top().into(), sources: info.sources(), preload: true, params: vec![] }
            }
            HostKind::Board(timing) => {
                let board = info.board();
                Reading {
                    top: board.top.clone(),
                    sources: info.sources().into_iter().chain(board.files.iter().cloned()).collect(),
                    preload: false,
                    params: vec![("CLKS_PER_BIT".into(), timing.clks_per_bit), ("TIMEOUT".into(), timing.timeout)],
                }
            }
        })
    }
}

/// A design the mutants run in: a network, its plan and its inputs.
pub struct Host {
    /// Short name (`dense`, `lateral`, `conv`, `ternary`, `wait`, `board`, `board-wide`,
    /// `board-counts`, `conv-forward`, `board-signed`, `board-payload`).
    pub name: String,
    /// Core or board top.
    pub kind: HostKind,
    /// The network.
    pub network: Network,
    /// Lanes, banks and weight stores.
    pub plan: HardwarePlan,
    /// Concatenated inputs.
    pub inputs: Vec<u8>,
    /// Concatenated inputs co-simulated again from reset, after `inputs` (core hosts: the
    /// silent input, the quietest input per receiving layer, then the edge inputs; board
    /// hosts: none).
    pub from_reset: Vec<u8>,
}

/// The host designs: the tiny dense network (its readout's weights in a start-up-loaded
/// RAM), the same with lateral connections (groups narrower than the layer), a small conv
/// network (integer neurons, max pooling fused, a dense readout), and a ternary network whose
/// readout has one lane for eight neurons (negative events, and a consumer slow enough that
/// the event buffer fills), each with `inputs` random inputs of `seed` and then the
/// edge inputs (a silent one, a few spikes, every value full); the tiny dense
/// network with every hidden bias at its maximum, four lanes a group and a silent input
/// first (`wait`: a group firing all 4 x 2 planes while the next group replays no events
/// makes that group's FIRE wait three cycles for the emission, state WAIT, which no other
/// host reaches; with three lanes, one cycle of WAIT, a FIRE that never waits survived);
/// and four board tops, each with at most 16 random inputs: the tiny dense network (its hidden
/// layer's weights loaded over the UART), the same with both layers loaded, words of
/// several bytes and two values a cycle (`board-wide`), and a network of 12 inputs whose
/// last layer spikes (integer neurons, D = 3, planes 1 and 2; every class spiking on an input
/// appended for it), its weights loaded
/// (`board-counts`: the bridge's spike counting, amplitudes and two-byte scores, which the
/// readout hosts never build); last, a second conv network (`conv-forward`: two input
/// channels, no padding, sum pooling fused, a 1x1 conv over three channels) whose conv
/// layers have a lane per channel (with two channels into the 1x1 conv it never fired on
/// the host's inputs, and its emission went untested); and after it the fourth board top
/// (`board-signed`, session 33): a network of 10 inputs whose last layer is ternary, so
/// the bridge counts spikes of both signs and its argmax compares negative scores (a
/// class's highest and lowest count and an input on which every class counts below 0
/// appended), which no other host builds; last the fifth board top (`board-payload`,
/// session 34): `board-counts`' shape with 96 inputs at 4 clocks per bit, the busiest and
/// the silent input first (the script's two requests in flight: the second's zeros, 8 a
/// byte time in a sparse frame, are written faster than the encoder takes the first's
/// values, 8 planes each, so in one buffer bank they would overtake its feed), and its
/// last layer's spikes in the payload code, whose values the bridge counts (`g_pad`).
///
/// In `conv` (two groups, padding 1) no two back-to-back scatter writes of a bank hit one
/// membrane word, so `sf_conv`'s forwarding of the word written the cycle before never
/// runs: an event's rows are distinct words of its group, and consecutive cycles change
/// the row or the group. With one group and no padding, an event in the first input row
/// reaches one output row, and the next event in that row writes a column of the same word
/// again in the next cycle.
///
/// Each core host's inputs end with the busiest inputs (`busiest_inputs`) and a silent
/// input after them; its [`Host::from_reset`] inputs
/// are run after them, from reset. Only the hosts `names` lists are built (all if it is
/// empty); a host's inputs are the same whichever others are.
pub fn hosts(inputs: usize, seed: u64, names: &[String]) -> Result<Vec<Host>, SimError> {
    let conv_spec = ConvSpec {
        name: "mutconv".into(),
        input: Shape3 { channels: 1, height: 6, width: 6 },
        arch: "c3k3p1-mp2-fc3".parse().expect("a valid architecture"),
        timesteps: 2,
        neuron: HiddenNeuron::Integer { max_spike: 3 },
        weight_bits: 4,
        decay: Decay::Shift(1),
        input_density: 0.5,
    };
    let conv = random_conv_network(&conv_spec, seed)
        .map_err(|e| SimError::Mutation { host: "conv".into(), reason: e.to_string() })?;
    let conv_plan = HardwarePlan::per_layer(&conv, &[2, 1, 2])?;
    let forward_spec = ConvSpec {
        name: "mutconvfwd".into(),
        input: Shape3 { channels: 2, height: 6, width: 6 },
        arch: "c3k3-sp2-c3k1-fc3".parse().expect("a valid architecture"),
        ..conv_spec.clone()
    };
    let forward = random_conv_network(&forward_spec, seed)
        .map_err(|e| SimError::Mutation { host: CONV_FORWARD_HOST.into(), reason: e.to_string() })?;
    let forward_plan = HardwarePlan::per_layer(&forward, &[3, 1, 3, 3])?;
    let ternary_spec = RandomSpec {
        name: "mutternary".into(),
        input_shape: vec![6],
        hidden: vec![8],
        classes: 8,
        timesteps: 3,
        neuron: HiddenNeuron::Ternary,
        weight_bits: 4,
        decay: Decay::Shift(1),
        input_density: 0.5,
    };
    let ternary = random_network(&ternary_spec, seed);
    let ternary_plan = HardwarePlan::per_layer(&ternary, &[8, 1])?;
    let mut saturated = tiny_network();
    if let LayerOp::Dense(dense) = &mut saturated.layers[0].op {
        dense.bias.iter_mut().for_each(|b| *b = 31);
    }
    let saturated_plan = HardwarePlan::per_layer(&saturated, &[4, 3])?;
    let [counts_host, signed_host, payload_host] = spiking_hosts();
    let (counts, counts_inputs) = spiking_network(&counts_host, seed)?;
    let counts_plan = HardwarePlan::per_layer(&counts, &[3, 2])?.with_loaded_weights(&[1])?;
    let (signed, signed_inputs) = spiking_network(&signed_host, seed)?;
    let signed_plan = HardwarePlan::per_layer(&signed, &[2, 4])?.with_loaded_weights(&[1])?;
    let (payload, payload_inputs) = spiking_network(&payload_host, seed)?;
    let payload_plan = HardwarePlan::per_layer(&payload, &[3, 1])?.with_loaded_weights(&[1])?;
    let [dense, lateral, conv_host, ternary_host, wait, forward_host] = CORE_HOSTS;
    let hosts = [
        (dense, tiny_network(), HardwarePlan::per_layer(&tiny_network(), &[2, 3])?.with_loaded_weights(&[1])?),
        (lateral, tiny_lateral_network(), HardwarePlan::per_layer(&tiny_lateral_network(), &[3, 1])?),
        (conv_host, conv, conv_plan),
        (ternary_host, ternary, ternary_plan),
        (wait, saturated, saturated_plan),
        (BOARD_HOST, tiny_network(), HardwarePlan::per_layer(&tiny_network(), &[2, 3])?.with_loaded_weights(&[0])?),
        (
            WIDE_BOARD_HOST,
            tiny_network(),
            HardwarePlan::per_layer(&tiny_network(), &[5, 1])?
                .with_loaded_weights(&[0, 1])?
                .with_values_per_cycle(&tiny_network(), 2)?,
        ),
        (COUNTS_BOARD_HOST, counts, counts_plan),
        // Each host's inputs come from a stream keyed by its place here: a new host goes last.
        (forward_host, forward, forward_plan),
        (SIGNED_BOARD_HOST, signed, signed_plan),
        (PAYLOAD_BOARD_HOST, payload, payload_plan),
    ];
    hosts
        .into_iter()
        .enumerate()
        .filter(|(_, (name, _, _))| names.is_empty() || names.iter().any(|n| n == name))
        .map(|(i, (name, network, plan))| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (0x6d75_7400 + i as u64));
            let kind = HostKind::of(name);
            let count = if kind.is_board() { inputs.min(16) } else { inputs };
            let mut inputs = random_inputs(&network, count, &mut rng);
            let mut from_reset = Vec::new();
            if kind == HostKind::Core {
                // Their own streams: the same edge and busiest inputs after any number of
                // random ones.
                let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (0x7370_0000 + i as u64));
                let edge = edge_inputs(&network, &mut rng);
                inputs.extend(&edge);
                let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (0x6275_7300 + i as u64));
                inputs.extend(busiest_inputs(&network, &mut rng)?);
                // Then the silent input: the stage feeding the readout, with the least to
                // do, right after the readout's busiest item, waits for the readout to free
                // its slot (by the cycle model `conv` 31 cycles and `conv-forward` 8, against
                // at most 3 and none in the inputs before it; that buffer forced to say free
                // survived them, session 36).
                inputs.extend(std::iter::repeat_n(0, network.input.size()));
                let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (0x7175_6900 + i as u64));
                from_reset.extend(std::iter::repeat_n(0, network.input.size()));
                from_reset.extend(quietest_inputs(&network, &mut rng)?);
                from_reset.extend(edge);
            }
            if name == WAIT_HOST {
                inputs.splice(0..0, std::iter::repeat_n(0, network.input.size()));
            }
            if name == COUNTS_BOARD_HOST {
                inputs.extend(&counts_inputs);
            }
            if name == SIGNED_BOARD_HOST {
                inputs.extend(&signed_inputs);
            }
            if name == PAYLOAD_BOARD_HOST {
                // The busiest input, then the silent one, first: the script's two requests
                // in flight send them, the second sparse (a mask byte per 8 zeros), and
                // its zeros are written faster than the encoder takes the first's values
                // (`the_payload_board_host_counts_payload_spikes_and_feeds_slower_than_the_uart`).
                let size = network.input.size();
                let first: Vec<u8> = std::iter::repeat_n(network.input.max_value as u8, size)
                    .chain(std::iter::repeat_n(0, size))
                    .collect();
                inputs.splice(0..0, first);
                inputs.extend(&payload_inputs);
            }
            Ok(Host { name: name.into(), kind, network, plan, inputs, from_reset })
        })
        .collect()
}

/// Inputs random ones almost never are, appended to a core host's: a silent one, then one,
/// two and three values of 1 (one spike each in a binary code) and one and two of the
/// maximum, the rest 0, at random positions, then every value the maximum and every value 1.
/// The sparse ones give layers items of no event and of exactly one, two or three:
/// `sf_layer`'s choice between replaying an item and draining an empty one
/// (`in_count == 0`) survived with a bit of the count ignored or forced, since no random
/// input left a layer with so few events (session 23). The full ones give the most events
/// an item can have.
///
/// Appended, not mixed in: the random inputs run first and unchanged, so a mutant they
/// kill stays killed, and a rerun of the survivors is a rerun of the whole campaign.
fn edge_inputs(network: &Network, rng: &mut ChaCha8Rng) -> Vec<u8> {
    use rand::seq::SliceRandom;
    let size = network.input.size();
    let max = network.input.max_value as u8;
    let mut inputs = vec![0; size];
    for (count, value) in [(1, 1), (2, 1), (3, 1), (1, max), (2, max), (size, max), (size, 1)] {
        let mut input = vec![0; size];
        let mut positions: Vec<usize> = (0..size).collect();
        positions.shuffle(rng);
        positions.iter().take(count).for_each(|&p| input[p] = value);
        inputs.extend(input);
    }
    inputs
}

/// [`busiest_inputs`]' search per layer: this many climbs, each this many steps. On
/// `conv-forward` one climb of 10,000 steps ended at 61 to 68 events into the 1x1 conv (of
/// 96 possible) and at 16 to 18 into the readout (of 24) over nine tries; the search keeps
/// the best of three. About a second per layer on a conv host (release build).
const BUSIEST_CLIMBS: usize = 3;
const BUSIEST_STEPS: usize = 10_000;

/// One input per layer that receives events from another (pooling layers aside), appended
/// after the edge inputs: the input found to give that layer the most events in one
/// timestep (ties to the most in all timesteps). The most an item can hold sizes the event
/// buffer in front of the layer, its counters and the layer's event index, and neither
/// random inputs nor the all-maximum one come near it where the weights inhibit: in
/// `conv-forward` the readout received at most 8 events in a timestep from any of them,
/// the 1x1 conv at most 32, and the readout's index bit 4 (16 events, of 24 possible) and
/// the second buffer's pointer bit 6 (64 of 96) were never set; their mutants survived
/// (session 27).
///
/// Hill climbs on the golden model, seeded: from the all-maximum input and from random
/// ones, change one to four values (to 0, the maximum or a random value) and keep the
/// change if the layer receives no fewer events; the best end of [`BUSIEST_CLIMBS`].
fn busiest_inputs(network: &Network, rng: &mut ChaCha8Rng) -> Result<Vec<u8>, SimError> {
    let golden = Golden::new(network)?;
    let (size, max) = (network.input.size(), network.input.max_value as u8);
    let timesteps = network.timesteps as usize;
    let busy = |input: &[u8], layer: usize| -> Result<(usize, usize), SimError> {
        let trace = golden.trace(input)?;
        let counts: Vec<usize> =
            (0..timesteps).map(|t| golden.received_events(input, &trace, layer, t).len()).collect();
        Ok((counts.iter().copied().max().unwrap_or(0), counts.iter().sum()))
    };
    let mut inputs = Vec::new();
    for layer in (1..network.layers.len()).filter(|&l| !network.layers[l].is_pooling()) {
        inputs.extend(best_climb(full_then_random(size, max), max, rng, |input| busy(input, layer))?);
    }
    Ok(inputs)
}

/// The starts of [`best_climb`]'s climbs that look for the most of something: every value
/// `max` first, then random inputs of `size` values.
fn full_then_random(size: usize, max: u8) -> impl Fn(usize, &mut ChaCha8Rng) -> Vec<u8> {
    use rand::Rng;
    move |climb, rng| match climb {
        0 => vec![max; size],
        _ => (0..size).map(|_| rng.random_range(0..=max)).collect(),
    }
}

/// The best end of [`BUSIEST_CLIMBS`] hill climbs over inputs of values up to `max`, climb
/// `k` from `start(k, rng)`, by `measure` (more is better): [`BUSIEST_STEPS`] steps each, a
/// step changing one to four values (to 0, `max` or a random value) and kept if the measure
/// is no worse. Each start is drawn when its climb begins, so the draws, and the inputs a
/// seed gives, are those of the climbs written out one after another.
fn best_climb<K: Ord>(
    start: impl Fn(usize, &mut ChaCha8Rng) -> Vec<u8>,
    max: u8,
    rng: &mut ChaCha8Rng,
    measure: impl Fn(&[u8]) -> Result<K, SimError>,
) -> Result<Vec<u8>, SimError> {
    use rand::Rng;
    let mut found: Option<(Vec<u8>, K)> = None;
    for climb in 0..BUSIEST_CLIMBS {
        let mut best = start(climb, rng);
        let mut best_measure = measure(&best)?;
        for _ in 0..BUSIEST_STEPS {
            let mut candidate = best.clone();
            for _ in 0..rng.random_range(1..=4) {
                let at = rng.random_range(0..candidate.len());
                candidate[at] = match rng.random_range(0..3) {
                    0 => 0,
                    1 => max,
                    _ => rng.random_range(0..=max),
                };
            }
            let m = measure(&candidate)?;
            if m >= best_measure {
                (best, best_measure) = (candidate, m);
            }
        }
        if found.as_ref().is_none_or(|(_, m)| best_measure > *m) {
            found = Some((best, best_measure));
        }
    }
    Ok(found.map(|(input, _)| input).unwrap_or_default())
}

/// One input per layer that receives events from another (pooling layers aside), for the
/// run from reset ([`Host::from_reset`]): the input found to give that layer the fewest
/// events over all its timesteps, ideally none, and of those the most events into the
/// layers before it. A layer fed items of no event runs its controller's empty path (no
/// REPLAY, the drain at once) every timestep and its neurons integrate their biases alone;
/// fed them slowly, by layers busy with events that fire nothing, it also waits idle
/// between them. Where the layer before fires from its biases the silent input gives the
/// layer events, and no random input came near none. Session 29's counterexamples for 12
/// survivors in a layer's wrapper fed it items of no event or of one (`ternary`'s readout:
/// three empty ones some 60 cycles apart).
///
/// Hill climbs as [`busiest_inputs`]', from the silent input, the all-maximum one and a
/// random one, keeping a change that gives the layer no more events and, at as few, the
/// layers before it no fewer.
fn quietest_inputs(network: &Network, rng: &mut ChaCha8Rng) -> Result<Vec<u8>, SimError> {
    use rand::Rng;
    use std::cmp::Reverse;
    let golden = Golden::new(network)?;
    let (size, max) = (network.input.size(), network.input.max_value as u8);
    let timesteps = network.timesteps as usize;
    // Fewer events into `layer`, then more into the layers before it: the larger, the quieter.
    let quiet = |input: &[u8], layer: usize| -> Result<(Reverse<usize>, usize), SimError> {
        let trace = golden.trace(input)?;
        let into = |l: usize| (0..timesteps).map(|t| golden.received_events(input, &trace, l, t).len()).sum::<usize>();
        Ok((Reverse(into(layer)), (0..layer).map(into).sum()))
    };
    let mut inputs = Vec::new();
    for layer in (1..network.layers.len()).filter(|&l| !network.layers[l].is_pooling()) {
        let start = |climb, rng: &mut ChaCha8Rng| match climb {
            0 => vec![0; size],
            1 => vec![max; size],
            _ => (0..size).map(|_| rng.random_range(0..=max)).collect(),
        };
        inputs.extend(best_climb(start, max, rng, |input| quiet(input, layer))?);
    }
    Ok(inputs)
}

/// The counts a spiking host's network must reach (see [`spiking_network`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Counts {
    /// Every class spikes on some input.
    Positive,
    /// Also: every class counts below 0 on some input, and on some input every class does.
    Signed,
}

/// The inputs appended after a spiking board host's random ones: per class, the input found
/// to give that class the highest spike count; for [`Counts::Signed`] then, per class, the
/// input found to give it the lowest, and last the input whose best class counts lowest
/// (the argmax over negative scores). The first `board-counts` network's 16 random inputs
/// never made class 0 spike, so a bridge that dropped class 0's spikes (`tap_emit_hit`
/// bit 0 held at 0, `board-counts` #152) answered every request right (session 32).
///
/// Hill climbs as [`busiest_inputs`]', from the all-maximum input and random ones.
fn counting_inputs(network: &Network, rng: &mut ChaCha8Rng, counts: Counts) -> Result<Vec<u8>, SimError> {
    use std::cmp::Reverse;
    let golden = Golden::new(network)?;
    let (size, max) = (network.input.size(), network.input.max_value as u8);
    let classes = golden.trace(&vec![0; size])?.scores.len();
    let scores = |input: &[u8]| -> Result<Vec<i64>, SimError> { Ok(golden.trace(input)?.scores) };
    let mut inputs = Vec::new();
    for class in 0..classes {
        let count = |input: &[u8]| Ok(scores(input)?[class]);
        inputs.extend(best_climb(full_then_random(size, max), max, rng, count)?);
    }
    if counts == Counts::Signed {
        for class in 0..classes {
            let lowest = |input: &[u8]| Ok(Reverse(scores(input)?[class]));
            inputs.extend(best_climb(full_then_random(size, max), max, rng, lowest)?);
        }
        let best_lowest = |input: &[u8]| Ok(Reverse(scores(input)?.into_iter().max()));
        inputs.extend(best_climb(full_then_random(size, max), max, rng, best_lowest)?);
    }
    Ok(inputs)
}

/// A board host whose network's last layer spikes (its readout left off), so its answers
/// are spike counts: the network and the inputs appended for it ([`spiking_network`]).
struct SpikingHost {
    /// Its name in [`hosts`].
    name: &'static str,
    /// Its place in [`hosts`]' list, which keys each host's streams (its climbs' too).
    place: u64,
    /// The network's shape.
    spec: RandomSpec,
    /// What the counts must reach.
    counts: Counts,
    /// What the host changes in each random network of `spec` before it is judged.
    adapt: fn(&mut Network),
}

/// The spiking board hosts, in [`hosts`]' order: `board-counts` (12 inputs, 6 then 3
/// integer neurons, D = 3 in planes 1 and 2, T = 2), `board-signed` (10 inputs, 6 then 4
/// ternary neurons, T = 3) and `board-payload` (`board-counts`' shape with 96 inputs, its
/// last layer's spikes in the payload code).
fn spiking_hosts() -> [SpikingHost; 3] {
    let counts = RandomSpec {
        name: "mutcounts".into(),
        input_shape: vec![12],
        hidden: vec![6, 3],
        classes: 2,
        timesteps: 2,
        neuron: HiddenNeuron::Integer { max_spike: 3 },
        weight_bits: 4,
        decay: Decay::Shift(1),
        input_density: 0.5,
    };
    let signed = RandomSpec {
        name: "mutsigned".into(),
        input_shape: vec![10],
        hidden: vec![6, 4],
        timesteps: 3,
        neuron: HiddenNeuron::Ternary,
        ..counts.clone()
    };
    let payload = RandomSpec { name: "mutpayload".into(), input_shape: vec![96], ..counts.clone() };
    [
        SpikingHost { name: COUNTS_BOARD_HOST, place: 7, spec: counts, counts: Counts::Positive, adapt: |_| {} },
        SpikingHost { name: SIGNED_BOARD_HOST, place: 9, spec: signed, counts: Counts::Signed, adapt: |_| {} },
        SpikingHost {
            name: PAYLOAD_BOARD_HOST,
            place: 10,
            spec: payload,
            counts: Counts::Positive,
            adapt: payload_out,
        },
    ]
}

/// `board-payload`'s change to a network: the last layer's spikes in the payload code (the
/// bridge counts `tap_emit_sel` itself, 2 bits wide for D = 3: `g_pad`).
fn payload_out(network: &mut Network) {
    if let Some(NeuronKind::Integer { code, .. }) = network.layers.last_mut().map(|l| &mut l.neuron.kind) {
        *code = SpikeCode::Payload;
    }
}

/// A spiking board host's network (of [`spiking_hosts`]): the first random network of its
/// spec's shape from `seed` on (`seed`, `seed + 1`, ...), its readout layer left off (the
/// spiking layers' thresholds are calibrated on their inputs) and adapted, whose counts on
/// the inputs [`counting_inputs`] finds for it reach what the host asks; with those inputs,
/// which the host appends. Seed 1's own `board-counts` network kept classes 0 and 2 silent
/// on every input the search found, so the bridge's counting of their spikes went untested
/// (session 32).
fn spiking_network(host: &SpikingHost, seed: u64) -> Result<(Network, Vec<u8>), SimError> {
    let counts = host.counts;
    for k in 0..SPIKING_NETWORK_TRIES {
        let mut net = random_network(&host.spec, seed.wrapping_add(k));
        net.layers.pop();
        (host.adapt)(&mut net);
        let golden = Golden::new(&net)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (0x636c_7300 + host.place));
        let found = counting_inputs(&net, &mut rng, counts)?;
        let scores =
            found.chunks(net.input.size()).map(|x| golden.trace(x).map(|t| t.scores)).collect::<Result<Vec<_>, _>>()?;
        let classes = net.layers.last().map_or(0, |l| l.outputs());
        let mut reached = (0..classes).all(|c| scores[c][c] > 0);
        if counts == Counts::Signed {
            reached &=
                (0..classes).all(|c| scores[classes + c][c] < 0) && scores[2 * classes].iter().all(|&score| score < 0);
        }
        if reached {
            return Ok((net, found));
        }
    }
    Err(SimError::Mutation {
        host: host.name.into(),
        reason: format!("no network of seeds {seed} to {seed} + {SPIKING_NETWORK_TRIES} reaches {counts:?} counts"),
    })
}

/// How many seeds [`spiking_network`] tries.
const SPIKING_NETWORK_TRIES: u64 = 64;

/// One mutant: a `mutate` command of yosys live in one host design.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mutant {
    /// The host design.
    pub host: String,
    /// The module it mutates.
    pub module: RtlModule,
    /// Its control value (what `mutsel.mem` holds to make it live).
    pub id: u32,
    /// The `mutate -ctrl ... -mode ... -module ... -cell ... -port ...` line yosys listed.
    pub command: String,
}

/// How co-simulation noticed a mutant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict", content = "detail")]
pub enum Verdict {
    /// Co-simulation passed: an equivalent mutant, or a hole in the tests.
    Survived,
    /// A spike, score, membrane or cycle differed.
    Mismatch(String),
    /// The simulation ran past its budget.
    Timeout(String),
    /// The simulation exited early or wrote something it should not.
    Crashed(String),
}

impl Verdict {
    /// Whether co-simulation noticed the mutant.
    pub fn killed(&self) -> bool {
        !matches!(self, Verdict::Survived)
    }

    /// The verdict with `how` it was reached (`"<how>: "`) before its message.
    pub fn under(self, how: &str) -> Verdict {
        match self {
            Verdict::Survived => Verdict::Survived,
            Verdict::Mismatch(m) => Verdict::Mismatch(format!("{how}: {m}")),
            Verdict::Timeout(m) => Verdict::Timeout(format!("{how}: {m}")),
            Verdict::Crashed(m) => Verdict::Crashed(format!("{how}: {m}")),
        }
    }
}

/// A mutant and what co-simulation said.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MutantResult {
    /// The mutant.
    pub mutant: Mutant,
    /// The outcome.
    pub verdict: Verdict,
    /// Wall-clock seconds of its co-simulation.
    pub seconds: f64,
    /// For a survivor: yosys's proof that it is equivalent, if one was found.
    #[serde(default)]
    pub proof: Option<Proof>,
    /// For a survivor: where a proof found it not equivalent, if one did (a hole in the
    /// tests, or a difference a module further up hides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refuted: Option<Refutation>,
}

/// A host design ready to run mutants: the instrumented netlist is built and passes.
pub struct PreparedHost {
    /// The host.
    pub host: Host,
    /// Its mutants, in id order.
    pub mutants: Vec<Mutant>,
    /// The instrumented design (copied per worker thread).
    pub dir: PathBuf,
    /// The same with every part-select reading 0 past either end of its vector, where
    /// survivors run again.
    pub past_end_zero: PathBuf,
    /// The generated design the mutants were listed in.
    pub rtl: PathBuf,
    /// How yosys read it.
    pub reading: Reading,
    /// CRC-32 of the mutated netlist and the network: what a summary's mutant ids and
    /// `mutate` commands mean (see [`PreparedHost::describe`]).
    pub design_digest: u32,
    golden: Golden,
    /// The board host's exchanges.
    script: Vec<board::Exchange>,
    /// When the unmutated board top sent each byte of its replies to `script`, from each of
    /// [`board::POWER_ONS`].
    timelines: Vec<board::Timeline>,
}

/// What a campaign runs.
#[derive(Clone, Debug)]
pub struct CampaignOptions {
    /// Where host designs and worker copies go.
    pub work_dir: PathBuf,
    /// Verilator build cache.
    pub cache: PathBuf,
    /// Mutants listed per module and host.
    pub per_module: usize,
    /// yosys `mutate -seed` (and the seed of the hosts' inputs).
    pub seed: u64,
    /// Random inputs per host.
    pub inputs: usize,
    /// Extra `mutate -list` filter options, e.g. `-mode inv` (empty for none).
    pub filter: String,
    /// Modules to mutate.
    pub modules: Vec<RtlModule>,
    /// Hosts to use (by name; empty: all).
    pub hosts: Vec<String>,
    /// Which mutants of the whole list run: mutant `k` in shard `(k mod N) + 1`.
    pub shard: Shard,
    /// Only these mutants (host and id; empty: all), e.g. the survivors of an earlier run.
    pub only: Vec<(String, u32)>,
    /// The earlier run's host lines ([`PreparedHost::describe`]) that `only` was drawn in:
    /// a host built now whose line differs stops the campaign before any mutant runs (its
    /// ids would name other mutants). A line without a design digest (a summary from before
    /// session 33) is taken as it is.
    pub designs: Vec<String>,
    /// The wall-clock guard per mutant's run.
    pub timeout: SimTimeout,
}

impl CampaignOptions {
    /// The campaign's defaults: 200 mutants per module and host, seed 1, 60 inputs, every
    /// core and board module and host, no shard, a 5 s floor on each run's budget.
    pub fn new(work_dir: &Path, cache: &Path) -> CampaignOptions {
        CampaignOptions {
            work_dir: work_dir.to_path_buf(),
            cache: cache.to_path_buf(),
            per_module: 200,
            seed: 1,
            inputs: 60,
            filter: String::new(),
            modules: RtlModule::all(),
            hosts: Vec::new(),
            shard: Shard::WHOLE,
            only: Vec::new(),
            designs: Vec::new(),
            timeout: SimTimeout { floor: Duration::from_secs(5), factor: 10.0 },
        }
    }
}

/// Generate `host` in `options.work_dir/<host>/rtl`, list and apply its mutants with yosys,
/// write the instrumented design to `.../mutants`, build it and check that it co-simulates
/// exactly with no mutant live.
pub fn prepare(host: Host, options: &CampaignOptions) -> Result<PreparedHost, SimError> {
    let root = options.work_dir.join(&host.name);
    // Start clean: a worker's copy from an earlier run holds that run's netlist, and `run`
    // copies the design into a worker only once.
    if root.exists() {
        std::fs::remove_dir_all(&root).map_err(|source| SimError::Io { path: root.clone(), source })?;
    }
    let rtl = root.join("rtl");
    let generate = |source| SimError::Generate { seed: None, source };
    let design = hdl_gen::generate(&host.network, &host.plan).map_err(generate)?;
    hdl_gen::write_dir(&design, &rtl, true).map_err(generate)?;
    let reading = HostKind::reading(&host.name, &rtl)?;
    let modules: Vec<RtlModule> =
        options.modules.iter().copied().filter(|m| m.is_board() == host.kind.is_board()).collect();
    let mutated =
        yosys::mutate(&rtl, &host.name, &reading, &modules, (options.per_module, options.seed), &options.filter)?;
    // A module in the netlist with no mutant means the selection missed its name.
    for m in &modules {
        let instantiated = mutated.netlist.contains(&format!("\\{} ", m.name()))
            || mutated.netlist.contains(&format!("\\{}\\", m.name()))
            || mutated.netlist.contains(&format!("module {}(", m.name()));
        if instantiated && !mutated.mutants.iter().any(|x| x.module == *m) {
            return Err(SimError::Mutation {
                host: host.name,
                reason: format!("yosys listed no mutant in {}, which the design instantiates", m.name()),
            });
        }
    }
    let install = |netlist: &str, dir: &Path| -> Result<usize, SimError> {
        let (text, readers) = netlist::instrument(netlist);
        let text = netlist::redeclare(&text, &reading.top, &reading.params);
        copy_design(&rtl, dir)?;
        for source in &reading.sources {
            let body = if *source == format!("{}.v", reading.top) { text.as_str() } else { "" };
            write(&dir.join(source), body)?;
        }
        write(&dir.join(netlist::SELECT_FILE), &netlist::select(0))?;
        Ok(readers)
    };
    let dir = root.join(Netlist::AsWritten.design_dir());
    let past_end_zero = root.join(Netlist::PastEndZero.design_dir());
    let readers = install(&mutated.netlist, &dir)?;
    install(&mutated.netlist_past_end_zero, &past_end_zero)?;
    if readers == 0 && !mutated.mutants.is_empty() {
        return Err(SimError::Mutation {
            host: host.name,
            reason: "no module of the netlist reads the control".into(),
        });
    }
    let golden = Golden::new(&host.network)?;
    let script = match host.kind {
        HostKind::Core => Vec::new(),
        HostKind::Board(timing) => board::script(&host.name, &golden, &host.plan, &design, timing, &host.inputs)?,
    };
    // The netlist holds the RTL and the mutants as drawn (ids, cells, source lines); the
    // network its weights, which a board host loads over the line and the netlist lacks.
    // The inputs stay out: a rerun with more of them is the same design.
    let network = serde_json::to_vec(&host.network)
        .map_err(|e| SimError::Mutation { host: host.name.clone(), reason: format!("the network as JSON: {e}") })?;
    let design_digest = hdl_gen::protocol::crc32(&[mutated.netlist.as_bytes(), &network].concat());
    let mut prepared = PreparedHost {
        host,
        mutants: mutated.mutants,
        dir,
        past_end_zero,
        rtl,
        reading,
        design_digest,
        golden,
        script,
        timelines: Vec::new(),
    };
    // Both netlists with no mutant live pass, and a board's replies keep one timeline: the
    // original reads nothing past the end of a vector where it matters.
    for netlist in Netlist::BOTH {
        let dir = prepared.design(netlist).to_path_buf();
        let clean = match prepared.host.kind {
            HostKind::Core => prepared.cosimulate(&dir, options)?,
            HostKind::Board(timing) => {
                let uart = UartSimulator::build(&dir, &options.cache, timing)?;
                let (clean, timelines) = board::play_from_each_power_on(&uart, &prepared.script, None)?;
                if prepared.timelines.is_empty() {
                    prepared.timelines = timelines;
                } else if timelines != prepared.timelines {
                    return Err(SimError::Mutation {
                        host: prepared.host.name,
                        reason: format!("{PAST_END_ZERO}, the netlist with no mutant live replies in other cycles"),
                    });
                }
                clean
            }
        };
        if let Verdict::Mismatch(m) | Verdict::Timeout(m) | Verdict::Crashed(m) = netlist.told(clean) {
            return Err(SimError::Mutation {
                host: prepared.host.name,
                reason: format!("the netlist with no mutant live fails co-simulation: {m}"),
            });
        }
    }
    Ok(prepared)
}

/// How a verdict of the netlist whose part-selects read 0 past the end is told apart.
const PAST_END_ZERO: &str = "with selects past the end of a vector reading 0";

/// The two netlists of a host (`yosys::mutate`), in the order a mutant runs on them: a
/// survivor of the first runs again on the second, killed where either shows it.
#[derive(Clone, Copy)]
enum Netlist {
    /// As yosys wrote it ([`PreparedHost::dir`]).
    AsWritten,
    /// Every part-select reading 0 past either end of its vector
    /// ([`PreparedHost::past_end_zero`]).
    PastEndZero,
}

impl Netlist {
    const BOTH: [Netlist; 2] = [Netlist::AsWritten, Netlist::PastEndZero];

    /// The instrumented design's directory, beside the host's `rtl`.
    fn design_dir(self) -> &'static str {
        match self {
            Netlist::AsWritten => "mutants",
            Netlist::PastEndZero => "mutants-past-end-zero",
        }
    }

    /// Worker thread `thread`'s copy of it, beside the design.
    fn worker_dir(self, thread: usize) -> String {
        match self {
            Netlist::AsWritten => format!("worker{thread}"),
            Netlist::PastEndZero => format!("worker{thread}-past-end-zero"),
        }
    }

    /// `verdict`, reached on this netlist, as reported.
    fn told(self, verdict: Verdict) -> Verdict {
        match self {
            Netlist::AsWritten => verdict,
            Netlist::PastEndZero => verdict.under(PAST_END_ZERO),
        }
    }
}

impl PreparedHost {
    /// Co-simulate `mutant` (in this thread's copy of the design).
    pub fn run(&self, mutant: &Mutant, options: &CampaignOptions) -> Result<MutantResult, SimError> {
        let started = Instant::now();
        let thread = rayon::current_thread_index().unwrap_or(0);
        let mut verdict = Verdict::Survived;
        for design in Netlist::BOTH {
            let worker = self.dir.with_file_name(design.worker_dir(thread));
            if !worker.join(netlist::SELECT_FILE).exists() {
                copy_design(self.design(design), &worker)?;
            }
            write(&worker.join(netlist::SELECT_FILE), &netlist::select(mutant.id))?;
            verdict = design.told(self.cosimulate(&worker, options)?);
            if verdict.killed() {
                break;
            }
        }
        Ok(MutantResult {
            mutant: mutant.clone(),
            verdict,
            seconds: started.elapsed().as_secs_f64(),
            proof: None,
            refuted: None,
        })
    }

    /// The instrumented design of `netlist`.
    fn design(&self, netlist: Netlist) -> &Path {
        match netlist {
            Netlist::AsWritten => &self.dir,
            Netlist::PastEndZero => &self.past_end_zero,
        }
    }

    /// Try to prove a survivor equivalent at `scopes` in turn ([`equivalence::prove`]).
    pub fn prove(&self, mutant: &Mutant, scopes: &[Scope], budget: Duration) -> Result<Finding, SimError> {
        equivalence::prove(&self.rtl, &self.reading, mutant, scopes, budget)
    }

    /// Check the invariants this host's modules state ([`invariant::check`]), within
    /// `budget` per module.
    pub fn stated_invariants(&self, budget: Duration) -> Result<Vec<invariant::StatedInvariant>, SimError> {
        invariant::check(&self.rtl, &self.reading, budget)
    }

    /// Each input assumption of this host with whether its driver guarantees it by
    /// induction with its stated invariant ([`equivalence::input_guarantees`]), within
    /// `budget` per yosys run.
    pub fn input_guarantees(&self, budget: Duration) -> Result<Vec<equivalence::InputGuarantee>, SimError> {
        equivalence::input_guarantees(&self.rtl, &self.reading, budget)
    }

    /// The host's line in a summary: `name: network (lanes [..]), design <digest>`. Two runs
    /// whose lines for a host differ drew its mutants in different designs, so one run's ids
    /// and `mutate` commands say nothing about the other's.
    pub fn describe(&self) -> String {
        let lanes: Vec<u32> = self.host.plan.layers.iter().map(|l| l.lanes).collect();
        format!(
            "{}: {} (lanes {lanes:?}), design {:08x}",
            self.host.name,
            describe(&self.host.network),
            self.design_digest
        )
    }

    fn cosimulate(&self, dir: &Path, options: &CampaignOptions) -> Result<Verdict, SimError> {
        if let HostKind::Board(timing) = self.host.kind {
            let uart = UartSimulator::build(dir, &options.cache, timing)?;
            return Ok(board::play_from_each_power_on(&uart, &self.script, Some(&self.timelines))?.0);
        }
        // The stream back to back (every cycle checked), then, if that noticed nothing,
        // stalled (values only): the encoder's stall paths run only there. Then the short
        // inputs from reset, both ways: the states a long stream has left behind (an emission
        // mask, a read index) are 0 there, and the silent input first, which the stream
        // reaches only after its random inputs, killed survivors of `sf_lane` and `sf_layer`
        // that the same input in the stream did not (session 29).
        let runs = [(&self.host.inputs, None), (&self.host.inputs, Some(options.seed))];
        let fresh = [(&self.host.from_reset, None), (&self.host.from_reset, Some(options.seed))];
        let fresh = if self.host.from_reset.is_empty() { &[][..] } else { &fresh[..] };
        for (k, &(inputs, stall)) in runs.iter().chain(fresh).enumerate() {
            let cosim = CosimOptions {
                simulator: SimulatorKind::Verilator,
                cache: options.cache.clone(),
                vcd_dir: None,
                progress: &|_| {},
                timeout: options.timeout,
                stall,
            };
            let verdict = match cosimulate(&self.golden, &self.host.plan, dir, inputs, &cosim) {
                Ok(outcome) => outcome.report.first.map_or(Verdict::Survived, |m| Verdict::Mismatch(m.to_string())),
                Err(e @ SimError::Hung { .. }) => Verdict::Timeout(e.to_string()),
                Err(e @ (SimError::Exited { .. } | SimError::Record { .. } | SimError::Unfinished { .. })) => {
                    Verdict::Crashed(e.to_string())
                }
                Err(e) => return Err(e),
            };
            let verdict = match stall {
                Some(seed) => verdict.under(&format!("with the stream stalled (seed {seed})")),
                None => verdict,
            };
            let verdict = if k >= runs.len() { verdict.under("the short inputs from reset") } else { verdict };
            if verdict.killed() {
                return Ok(verdict);
            }
        }
        Ok(Verdict::Survived)
    }
}

/// Run a campaign: prepare the hosts, then co-simulate this shard's mutants on rayon's
/// threads, calling `progress` after each. Returns every result in mutant order; proving
/// the survivors equivalent is a step of its own ([`equivalence::prove`]), resumable.
pub fn campaign(
    options: &CampaignOptions,
    progress: impl Fn(&MutantResult) + Sync,
) -> Result<(Vec<PreparedHost>, Vec<MutantResult>), SimError> {
    let hosts = hosts(options.inputs, options.seed, &options.hosts)?;
    let prepared: Vec<PreparedHost> = hosts.into_par_iter().map(|h| prepare(h, options)).collect::<Result<_, _>>()?;
    for p in &prepared {
        let now = p.describe();
        if let Some(before) = design_changed(&options.designs, &p.host.name, &now) {
            return Err(SimError::Mutation {
                host: p.host.name.clone(),
                reason: format!(
                    "the design changed since the run whose mutants this one repeats ({before}; now {now}): \
                     its ids name other mutants there; run the host's whole campaign again (MUTATION_ADD=1)"
                ),
            });
        }
    }
    let wanted = |m: &Mutant| options.only.is_empty() || options.only.iter().any(|(h, id)| *h == m.host && *id == m.id);
    let jobs: Vec<(&PreparedHost, &Mutant)> = options
        .shard
        .select(prepared.iter().flat_map(|p| p.mutants.iter().filter(|m| wanted(m)).map(move |m| (p, m))))
        .collect();
    let results = jobs
        .par_iter()
        .map(|(p, m)| {
            let r = p.run(m, options)?;
            progress(&r);
            Ok(r)
        })
        .collect::<Result<Vec<_>, SimError>>()?;
    Ok((prepared, results))
}

/// The host a summary's line ([`PreparedHost::describe`]) is of: its name, before the colon.
pub fn host_of_line(line: &str) -> &str {
    line.split(':').next().unwrap_or_default()
}

/// The line of `designs` for `host` if it names another design than `now` (both
/// [`PreparedHost::describe`]); a line without a digest names none.
fn design_changed<'a>(designs: &'a [String], host: &str, now: &str) -> Option<&'a str> {
    designs
        .iter()
        .find(|line| host_of_line(line) == host)
        .filter(|line| line.contains(", design ") && *line != now)
        .map(String::as_str)
}

fn write(path: &Path, text: &str) -> Result<(), SimError> {
    std::fs::write(path, text).map_err(|source| SimError::Io { path: path.to_path_buf(), source })
}

/// Copy the files of design directory `from` into `to` (created).
fn copy_design(from: &Path, to: &Path) -> Result<(), SimError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SimError::Io { path, source }
    };
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        if entry.file_type().map_err(io(&entry.path()))?.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).map_err(io(&entry.path()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_s_mutants_are_numbered_by_its_place_not_by_which_modules_a_run_mutates() {
        // The numbering of every summary and proofs.jsonl so far: 200 per module in order.
        let first = |m: RtlModule| m.slot() * 200 + 1;
        assert_eq!(RtlModule::CORE.map(first), [1, 201, 401, 601, 801, 1001]);
        assert_eq!(RtlModule::BOARD.map(first), [1, 201, 401, 601, 801]);
        let dir = tempfile::tempdir().unwrap();
        let reading = Reading { top: "t".into(), sources: Vec::new(), preload: false, params: Vec::new() };
        // `mutate` writes its script before it runs yosys; a conv-only run lists from 1001.
        let _ = yosys::mutate(dir.path(), "conv", &reading, &[RtlModule::Conv], (200, 1), "");
        let script = std::fs::read_to_string(dir.path().join("mutate.ys")).unwrap();
        assert!(script.contains("-ctrl mutsel 16 1001 -o mutants-sf_conv.ys"), "{script}");
    }

    #[test]
    fn a_rerun_stops_where_a_host_s_design_changed_and_takes_a_line_without_a_digest() {
        let designs = [
            "board: in 6 -> 5 (lanes [2, 3]), design 0000abcd".to_string(),
            "board-wide: in 6 -> 5 (lanes [5, 1])".to_string(),
        ];
        assert_eq!(design_changed(&designs, "board", "board: in 6 -> 5 (lanes [2, 3]), design 0000abcd"), None);
        assert_eq!(
            design_changed(&designs, "board", "board: in 6 -> 5 (lanes [2, 3]), design 0000abce"),
            Some(designs[0].as_str())
        );
        // Before session 33 a line had no digest: what it drew in is not known.
        assert_eq!(design_changed(&designs, "board-wide", "board-wide: in 6 -> 5 (lanes [5, 1]), design 1"), None);
        // A host's line is found by its whole name: `board`'s is not `board-wide`'s.
        let wide = ["board-wide: x, design 1".to_string()];
        assert_eq!(design_changed(&wide, "board", "board: x, design 2"), None);
        assert_eq!(design_changed(&designs, "board-counts", "board-counts: x, design 2"), None);
    }

    /// The layers [`busiest_inputs`] gives an input each, in order.
    fn receiving_layers(network: &Network) -> Vec<usize> {
        (1..network.layers.len()).filter(|&l| !network.layers[l].is_pooling()).collect()
    }

    #[test]
    fn the_busiest_inputs_give_their_layers_the_most_events_of_any_input() {
        for host in hosts(30, 1, &[]).unwrap().iter().filter(|h| h.kind == HostKind::Core) {
            let golden = Golden::new(&host.network).unwrap();
            let most = |input: &[u8], layer: usize| {
                let trace = golden.trace(input).unwrap();
                (0..host.network.timesteps as usize)
                    .map(|t| golden.received_events(input, &trace, layer, t).len())
                    .max()
                    .unwrap()
            };
            let layers = receiving_layers(&host.network);
            let inputs: Vec<&[u8]> = host.inputs.chunks(host.network.input.size()).collect();
            // The silent input after them (`hosts`).
            let (silent, inputs) = inputs.split_last().unwrap();
            assert!(silent.iter().all(|&v| v == 0), "{}", host.name);
            let (others, busiest) = inputs.split_at(inputs.len() - layers.len());
            for (&layer, busiest) in layers.iter().zip(busiest) {
                let other = others.iter().map(|input| most(input, layer)).max().unwrap();
                let found = most(busiest, layer);
                println!("{} layer {layer}: {found} events in a timestep (others: {other})", host.name);
                assert!(found >= other, "{} layer {layer}: {found} < {other}", host.name);
                // What the search is for: the readout's event index bit 4, buffer 2's pointer bit 6.
                if host.name == CONV_FORWARD_HOST {
                    assert!(found >= [0, 0, 64, 16][layer], "{} layer {layer}: {found}", host.name);
                }
            }
        }
    }

    #[test]
    fn every_class_of_the_spiking_board_hosts_counts_both_ways_its_host_asks_for() {
        let names = spiking_hosts().map(|host| host.name.to_string());
        for host in hosts(16, 1, &names).unwrap() {
            let golden = Golden::new(&host.network).unwrap();
            let size = host.network.input.size();
            let scores: Vec<Vec<i64>> =
                host.inputs.chunks(size).map(|input| golden.trace(input).unwrap().scores).collect();
            // `board-payload`'s busiest and silent inputs go first.
            let first = if host.name == PAYLOAD_BOARD_HOST { 2 } else { 0 };
            let (random, climbed) = scores[first..].split_at(16);
            let classes = random[0].len();
            let signed = host.name == SIGNED_BOARD_HOST;
            assert_eq!(climbed.len(), if signed { 2 * classes + 1 } else { classes }, "{}", host.name);
            for class in 0..classes {
                let (most, least) = (random.iter().map(|s| s[class]).max(), random.iter().map(|s| s[class]).min());
                let (high, low) = (climbed[class][class], climbed.get(classes + class).map(|s| s[class]));
                println!(
                    "{} class {class}: {most:?} .. {least:?} in the random inputs, {high} and {low:?} in its own",
                    host.name
                );
                assert!(high > 0 && Some(high) >= most, "{} class {class}: {climbed:?}", host.name);
                if signed {
                    assert!(low < Some(0) && low <= least, "{} class {class}: {climbed:?}", host.name);
                }
            }
            if signed {
                let last = &climbed[2 * classes];
                assert!(last.iter().all(|&s| s < 0), "{}: every class below 0 on the last input: {last:?}", host.name);
            }
        }
    }

    #[test]
    fn the_inputs_from_reset_are_the_silent_one_the_quietest_and_the_edge_ones() {
        for host in hosts(2, 1, &[]).unwrap() {
            if host.kind.is_board() {
                assert!(host.from_reset.is_empty(), "{}", host.name);
                continue;
            }
            let golden = Golden::new(&host.network).unwrap();
            let size = host.network.input.size();
            let received = |input: &[u8], layer: usize| {
                let trace = golden.trace(input).unwrap();
                (0..host.network.timesteps as usize)
                    .map(|t| golden.received_events(input, &trace, layer, t).len())
                    .sum::<usize>()
            };
            let inputs: Vec<&[u8]> = host.from_reset.chunks(size).collect();
            assert!(inputs[0].iter().all(|&v| v == 0), "{}: the silent input first", host.name);
            // The edge inputs last, as the stream has them.
            let edge = &host.from_reset[host.from_reset.len() - 8 * size..];
            assert!(host.inputs.windows(edge.len()).any(|w| w == edge), "{}", host.name);
            // One quietest input per receiving layer, giving it no more events than the
            // silent or any edge input does.
            let layers = receiving_layers(&host.network);
            assert_eq!(inputs.len(), 1 + layers.len() + 8, "{}", host.name);
            for (&layer, quiet) in layers.iter().zip(&inputs[1..]) {
                let fewest = inputs[0..1].iter().chain(&inputs[1 + layers.len()..]).map(|i| received(i, layer)).min();
                let found = received(quiet, layer);
                let before: usize = (0..layer).map(|l| received(quiet, l)).sum();
                println!(
                    "{} layer {layer}: {found} events, {before} before it (others: at least {fewest:?})",
                    host.name
                );
                assert!(Some(found) <= fewest, "{} layer {layer}", host.name);
            }
            // `dense`: the silent input gives the readout an event, the quietest none.
            if host.name == "dense" {
                assert!(received(inputs[0], 1) > 0 && received(inputs[1], 1) == 0);
            }
        }
    }

    #[test]
    fn every_core_host_ends_with_the_edge_inputs_after_its_random_ones_then_the_busiest_and_the_silent() {
        let (few, many) = (hosts(3, 1, &[]).unwrap(), hosts(5, 1, &[]).unwrap());
        for (a, b) in few.iter().zip(&many).filter(|(h, _)| h.kind == HostKind::Core) {
            let size = a.network.input.size();
            // Last the busiest inputs and the silent one, the same at any count of random ones.
            let busiest = (receiving_layers(&a.network).len() + 1) * size;
            assert!(a.inputs[a.inputs.len() - size..].iter().all(|&v| v == 0), "{}", a.name);
            let (a_in, b_in) = (&a.inputs[..a.inputs.len() - busiest], &b.inputs[..b.inputs.len() - busiest]);
            assert_eq!(a.inputs[a_in.len()..], b.inputs[b_in.len()..], "{}", a.name);
            let tail = 8 * size;
            let nonzero = |input: &[u8]| input.iter().filter(|&&v| v != 0).count();
            let last: Vec<usize> = b_in[b_in.len() - tail..].chunks(size).map(nonzero).collect();
            assert_eq!(last, [0, 1, 2, 3, 1, 2, size, size], "{}", a.name);
            let full = &b_in[b_in.len() - 2 * size..];
            assert!(full[..size].iter().all(|&v| v as u32 == a.network.input.max_value), "{}", a.name);
            assert!(full[size..].iter().all(|&v| v == 1), "{}", a.name);
            // More random inputs leave the first ones and the edge ones as they were.
            let random = a_in.len() - tail;
            assert_eq!(a_in[..random], b_in[..random], "{}", a.name);
            assert_eq!(a_in[random..], b_in[b_in.len() - tail..], "{}", a.name);
        }
        let board = many.iter().find(|h| h.name == BOARD_HOST).unwrap();
        assert_eq!(board.inputs.len(), 5 * board.network.input.size(), "the board hosts' scripts are as they were");
    }

    #[test]
    fn the_core_host_names_are_the_core_hosts() {
        let core: Vec<String> =
            hosts(1, 1, &[]).unwrap().into_iter().filter(|h| h.kind == HostKind::Core).map(|h| h.name).collect();
        assert_eq!(core, HostKind::core_hosts());
    }

    #[test]
    fn the_spiking_board_hosts_sit_at_the_places_their_climbs_are_keyed_by() {
        let names: Vec<String> = hosts(1, 1, &[]).unwrap().into_iter().map(|h| h.name).collect();
        let place = |name: &str| names.iter().position(|n| n == name).map(|p| p as u64);
        for host in spiking_hosts() {
            assert_eq!(place(host.name), Some(host.place), "{names:?}");
        }
    }

    #[test]
    fn the_signed_board_host_counts_ternary_spikes() {
        let host = hosts(4, 1, &[SIGNED_BOARD_HOST.into()]).unwrap().remove(0);
        assert!(host.kind.is_board());
        host.network.validate().unwrap();
        let last = host.network.layers.last().unwrap();
        assert_eq!(last.neuron.kind, NeuronKind::Ternary, "{last:?}");
        let design = hdl_gen::generate(&host.network, &host.plan).unwrap();
        let reply = design.manifest.board.reply;
        assert_eq!(reply.classes, 4);
        let (_, top) = design.files.iter().find(|(name, _)| name.ends_with("_board.v")).expect("the board top");
        assert!(top.contains(".READOUT(0)"), "{top}");
    }

    #[test]
    fn the_payload_board_host_counts_payload_spikes_and_feeds_slower_than_the_uart() {
        let host = hosts(16, 1, &[PAYLOAD_BOARD_HOST.into()]).unwrap().remove(0);
        let HostKind::Board(timing) = host.kind else { panic!("a board host") };
        host.network.validate().unwrap();
        let last = host.network.layers.last().unwrap();
        assert_eq!(last.neuron.kind.code(), SpikeCode::Payload, "{last:?}");
        let design = hdl_gen::generate(&host.network, &host.plan).unwrap();
        let (_, top) = design.files.iter().find(|(name, _)| name.ends_with("_board.v")).expect("the board top");
        assert!(top.contains(".READOUT(0)") && top.contains(".PAYLOAD(1)"), "{top}");
        // The script's two requests in flight: the busiest input dense, the silent one
        // sparse right behind it. The first's job starts at the earliest half a bit before
        // the second's sync byte (its last CRC byte is taken mid stop bit), and the encoder
        // takes value j of it no sooner than the planes of the values before it allow (one
        // value a chunk, a cycle a plane: 8 for 255). The second's value j is written at
        // the latest 8 cycles after the byte that carries it (for a 0, its group's mask
        // byte) is in: 8 zeros a byte time. From some value on, the second request's zeros
        // land while the first's values there are still unread: in one bank they would be
        // read in their place (a byte time of margin).
        let size = host.network.input.size();
        let (a, b) = (&host.inputs[..size], &host.inputs[size..2 * size]);
        assert_eq!(host.plan.values_per_cycle, 1);
        assert!(a.iter().all(|&v| v == 255) && b.iter().all(|&v| v == 0), "{a:?} {b:?}");
        let table = host.network.input.code.table(host.network.input.max_value).unwrap();
        let cpb = timing.clks_per_bit as i64;
        let mut byte = 3; // sync and length
        let overtaken: Vec<usize> = (0..size)
            .filter(|&j| {
                if j % 8 == 0 {
                    byte += 1; // the group's mask
                }
                if b[j] != 0 {
                    byte += 1;
                }
                let written = byte * 10 * cpb + 8;
                let read = a[..j].iter().map(|&v| table.events_for(v as u32).unwrap().max(1) as i64).sum::<i64>();
                read - cpb / 2 > written + 10 * cpb
            })
            .collect();
        println!("values {overtaken:?} of {size} overtaken");
        assert!(overtaken.len() >= 8, "{overtaken:?}");
    }

    #[test]
    fn the_board_hosts_before_board_payload_leave_the_first_value_out_of_their_short_request() {
        // Their campaign results are of that script (`board::short_request`).
        let names = [BOARD_HOST, WIDE_BOARD_HOST, COUNTS_BOARD_HOST, SIGNED_BOARD_HOST].map(String::from);
        for host in hosts(16, 1, &names).unwrap() {
            let xs: Vec<&[u8]> = host.inputs.chunks(host.network.input.size()).collect();
            let frame = board::short_request(&xs);
            assert_eq!(frame, hdl_gen::protocol::request(&xs[0][1..]), "{}", host.name);
        }
    }

    #[test]
    fn the_counts_board_host_builds_what_the_readout_hosts_do_not() {
        let hosts = hosts(4, 1, &[COUNTS_BOARD_HOST.into()]).unwrap();
        let host = hosts.iter().find(|h| h.name == COUNTS_BOARD_HOST).expect("the host");
        assert!(host.kind.is_board());
        host.network.validate().unwrap();
        assert!(host.network.input.size() > 8, "more inputs than a byte of sources");
        let design = hdl_gen::generate(&host.network, &host.plan).unwrap();
        let reply = design.manifest.board.reply;
        assert_eq!((reply.classes, reply.score_bytes), (3, 2), "spike counts of the last layer, two bytes each");
        let (_, top) = design.files.iter().find(|(name, _)| name.ends_with("_board.v")).expect("the board top");
        assert!(top.contains(".READOUT(0)"), "{top}");
    }
}
