//! Surviving mutants shown equivalent by yosys: the mutated design against the original
//! with `equiv_make`, `equiv_simple` and `equiv_induct` (a SAT proof by induction over the
//! registers, from matching states), flattened and with memories as registers.
//!
//! Cheapest first, by structure alone ([`Scope::Pruned`]): the mutant applied under its
//! control input, the module optimized as synthesis would, and the control input found to
//! drive nothing (a bit of a 32-bit address sum the module truncates); the same in the
//! whole host from power-on ([`Scope::HostPruned`]: a constant a neighbour drives, a
//! memory bit every write sets to 0). Then the mutated module alone (its own
//! parameterization, submodules inlined): equal outputs for every input sequence. If that
//! fails (the mutant is observable at the module's ports, or only from states the module
//! never reaches), the module in each parent with one copy of the parent's registers
//! ([`Scope::Dormant`]: the mutant never changes what the original loads or shows, in any
//! state the original reaches). Then the module from power-on: a miter of the two copies,
//! every register zero at first, proven safe by `scorr` and `dprove` (`yosys-abc`). Then the
//! module inside its parent, from power-on, the parent's outputs compared only where its
//! readers read them ([`observed`]): a port bit the parent never reads, or reads only at
//! other times. Then the whole host core: equal outputs for every input stream the core
//! can be given. A proof that fails or runs out of time says nothing; the mutant stays a
//! survivor.
//!
//! `equiv_*` and the AIGER model give every flip-flop the one global clock, so a register
//! whose clock is inverted or stuck looked like the original (a stuck clock of `sf_layer`'s
//! `group_first` was "proven" that way in session 20). So no proof is tried for an inverted
//! clock, and a stuck one is proven only from power-on, where yosys's `opt_dff` first
//! replaces a flip-flop whose clock is constant by its initial value (0, as configuration
//! leaves it): what it holds for ever.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::observed::{self, DesignModules, StepFrom};
use super::yosys::{
    INVARIANT_DEFINE, Reading, keeping_initial_values, past_end_zero, read_script, read_script_defining,
};
use super::{Mutant, invariant};
use crate::cosim::guard::GuardedChild;
use crate::error::SimError;

/// Where an equivalence was proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The mutated module's own ports, by structure: the mutant applied under its control
    /// input (`mutate -ctrl`: the mutated logic where the control input holds the mutant's
    /// number, the original elsewhere), then the module optimized by yosys passes that keep
    /// its behaviour for every value of every input and every state (`opt -fine -keepdc`,
    /// `wreduce -keepdc`, `opt_clean`, then `techmap` to one gate or flip-flop per bit and
    /// `opt_clean` again), and the control input left driving nothing. The optimized module
    /// is then one circuit for the original (control 0) and the mutant alike. No SAT:
    /// seconds where [`Scope::Module`] runs out of time (the memories of `sf_conv` as
    /// registers).
    ///
    /// Examples: `sf_conv` computes a read address as a 32-bit sum and keeps its low 8 bits.
    /// A mutant forcing bit 26 of the sum's operand to 1 has its multiplexer on a bit that
    /// `wreduce` cuts from the sum, and `opt_clean` then removes the multiplexer and the
    /// comparison with the control input. A mutant inverting bit 31 of the 32-bit register
    /// `pass_pool_base`, which counts up by a constant and is read by its low bits only,
    /// survives the word-level passes: `opt_clean` removes whole cells, and the register and
    /// its sum are read. After `techmap` bit 31 is a flip-flop of its own, read only by its
    /// own sum's bit 31, and that loop nothing outside reads goes.
    ///
    /// `techmap`'s gates give a bit `x` only where its own inputs are `x` (a word-level sum
    /// is `x` everywhere for one `x` input bit): they agree with the module on every input
    /// and state without `x`, which every proof here takes as its meaning.
    Pruned,
    /// The host core's ports (the board top's for a board host: what co-simulation
    /// observes), by structure as [`Scope::Pruned`], from power-on: the host flattened,
    /// every register and memory word 0 at first (as configuration leaves the FPGA, the
    /// assumption of [`Scope::PowerOn`]; `x` constants 0 as there), then the same passes
    /// and yosys's memory optimizations, and the control input left driving nothing. What
    /// the module alone cannot show: a module's input its neighbour drives with a constant,
    /// or a memory bit every writer writes 0, or one no reader reads (tried again with the
    /// memories as registers: yosys prunes the unread bits of registers, not of a memory
    /// cell). Seconds in a small host, about 30 s in a conv host (twice that again with
    /// the memories as registers), where the two-copy proofs of the host run out of time.
    ///
    /// Example: `conv-forward`'s first event buffer holds the encoder's events, whose sign
    /// bit (bit 10 of the word) the encoder ties to 0: its pixels are never negative. A
    /// mutant forcing that bit to 0 where the buffer writes it is a multiplexer between two
    /// zeros once the encoder's constant reaches it, and `opt` removes it. The buffer's own
    /// ports take any word, so [`Scope::Pruned`] and [`Scope::Module`] cannot see it.
    HostPruned,
    /// The mutated module's own ports.
    Module,
    /// The host core's ports (what co-simulation observes).
    Host,
    /// The mutated module's own ports from the FPGA's power-on state: every register zero
    /// (as configuration leaves it on the iCE40, ECP5 and Gowin parts, and as the core
    /// harness starts; the library declares no other initial value but `sf_reset`'s
    /// counter's 0), then every input sequence, the reset the board gives its modules
    /// included. Proven by `scorr` and `dprove` (`yosys-abc`) over a miter: the one proof here
    /// that looks only at states the module can reach, so a counter whose bits are visited
    /// in another order, or a register that toggles where it should hold at times it is
    /// never read, can be shown equivalent.
    PowerOn,
    /// `sf_reset` only, which has no input: its whole output sequence, simulated from its
    /// counter's power-on value until the state repeats, is a reset high for the first
    /// `L >= 1` cycles and low ever after ([`reset_cycles`]). Every register of the board
    /// top resets synchronously and holds its reset value while `rst` is high, so after
    /// `max(L, 16)` cycles the board is in the state the original's reset leaves: the same
    /// board for every host that starts after that (the UART test's host starts at cycle 20;
    /// a real host milliseconds after configuration).
    StartUp,
    /// The mutated module inside each module that instantiates it (each parameterization of
    /// `sf_layer` holding the `sf_emit_search` or `sf_lane`), from power-on as
    /// [`Scope::PowerOn`], with the parent's outputs compared only in the cycles they are
    /// read ([`observed`]): a mutant that changes a port its parent never
    /// reads, or reads only at other times, is equivalent there. `rst` is high only in the
    /// first cycles, as the harness and `sf_reset` give it (`observed::masked_miter`). For a
    /// module the host's top instantiates, the parent is the whole host core.
    Parent,
    /// The mutated module inside each parent, as [`Scope::Parent`], proven by one copy of
    /// the parent's registers instead of two: in every state the original parent reaches
    /// from power-on, the mutant would load every register with what the original loads and
    /// give every read output what the original gives ([`observed::step_miter`]). By
    /// induction over the cycles the mutated parent then runs through the original's states:
    /// a mutation that never makes a difference where it could be seen ("dormant").
    ///
    /// Example: `sf_lane` computes `add_pending <= add_en && !clear`. With `!clear` stuck at
    /// 1 it differs exactly when `add_en` and `clear` are high together, which its module
    /// can be given but `sf_layer` never gives it (`add_en` is the pipeline's fourth stage,
    /// `clear` the update state, and the pipeline drains before the update; after a reset
    /// only in the first cycles). The two-copy miter of [`Scope::Parent`] must relate two
    /// sets of registers and ran out of time; here PDR needs only that invariant of the
    /// original (7 clauses, 0.02 s). A mutant that changes a register nobody reads, or
    /// changes it and lets it catch up, is not dormant: this proof fails where the others
    /// may not.
    Dormant,
    /// The mutated module's own ports and registers, one cycle from every state: the two
    /// copies' registers (memories as registers) made the same free inputs, the mutant's
    /// next state and outputs equal the original's for every state and input
    /// ([`observed::any_state_miter`], decided by `yosys-abc`'s `dprove`, here a
    /// combinational check). Started in one state, the copies then never part. Stronger
    /// than [`Scope::Module`] asks and often quicker: `equiv_induct` over `sf_conv` ran
    /// past 10 minutes where this takes under one (`conv` #1126, session 30).
    Step,
    /// The mutated module's own ports and registers, one cycle from every state that holds
    /// the invariant its RTL states ([`observed::invariant_miter`]): as [`Scope::Step`],
    /// the original read a second time with `SF_INVARIANT` defined, which declares
    /// `wire invariant_holds` over its registers (`sf_uart_bridge.v`'s last lines). The
    /// same check proves the invariant holds at power-on (every register 0, as for
    /// [`Scope::PowerOn`]) and is kept by every step, so a mutant that changes nothing from
    /// such a state is equivalent from power-on, whatever drives the module. Only for
    /// modules that state an invariant.
    ///
    /// Example: the bridge's timestep count `items_done` is 32 bits and never passes
    /// `T + 1`; a mutant holding bit 3 of the register at 0 (`board` #129, `T` = 2) differs
    /// from states [`Scope::Step`] must consider and none that hold the invariant.
    Invariant,
    /// The mutated module alone from power-on, as [`Scope::PowerOn`], with its own outputs
    /// compared only in the cycles their readers read them and `rst` high only in the first
    /// cycles, as [`Scope::Parent`] compares a parent's ([`observed::qualified_outputs`]):
    /// for a module whose parent is the whole host core or board top, where the two-copy
    /// miter of the parent runs out of time. Tried only for a module with such outputs.
    ///
    /// Example: `sf_encoder` clears its chunk index on entering an input even while
    /// `in_valid` is low (its `if (in_valid)` forced true for that register). The index
    /// differs at `out_event` until the first chunk arrives, but the image buffer reads
    /// `out_event` only with `out_wr_en`, which is low until then; at the module's ports
    /// the mutant is visible, in the core it is not.
    Observed,
    /// The mutated module inside the whole host core (the host's top), from power-on as
    /// [`Scope::Parent`], the core's outputs compared in the cycles co-simulation reads them:
    /// for a module deeper than the core's children (`sf_emit_search` and `sf_lane` inside
    /// `sf_layer` inside its generated wrapper), whose parent's inputs are free where the
    /// core drives them (the wrapper's event counts and events come from an event buffer
    /// another layer filled). A refutation here is an input sequence of the core itself:
    /// input values on its stream, with the valid pattern the harness's stall mode gives.
    Core,
    /// The host's top (the board top of a board host) from power-on, with the instances of
    /// generated modules it holds cut out (the board's core; a core host's layer
    /// wrappers): what they drive becomes inputs both copies share, free in every cycle,
    /// and what goes into them is compared with the top's outputs in every cycle. Where the
    /// two copies agree on all of that for every sequence the cut-out modules could give,
    /// they agree with the real ones in place. For a module outside every cut instance (the
    /// board's UART modules, loaders and bridge), where the whole board ([`Scope::Parent`])
    /// is too big a miter: without its core, `board-wide`'s two copies are 5,432 latches that
    /// `scorr` merges at once.
    ///
    /// Example: the transmitter's bit counter reset to 1 rather than 0 (`board-wide` #515)
    /// makes `ready` low for one cycle after the reset ends. Its own ports show it, and
    /// the bridge reads `ready` only when it has a reply to send, a byte time or more later.
    /// A failure records no refutation: the cut modules' outputs are free, so its input
    /// sequence may be one no real core gives.
    Shell,
}

/// A proof that a mutant is equivalent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proof {
    /// At which ports.
    pub scope: Scope,
    /// Seconds yosys took.
    pub seconds: f64,
    /// Made with every part-select reading 0 past the end of its vector (`techmap` only
    /// after `yosys::past_end_zero`'s rule), as every proof since session 37 is. Records
    /// from before say `false` (the field is missing): `techmap`'s own gates read some bit
    /// inside the vector there, so such a proof of a mutant that moves an offset past the
    /// end may not hold ([`Proof::predates_past_end_zero`]).
    #[serde(default)]
    pub past_end_zero: bool,
}

impl Proof {
    /// A proof at `scope` that took from `started` until now.
    pub fn since(scope: Scope, started: Instant) -> Proof {
        Proof { scope, seconds: started.elapsed().as_secs_f64(), past_end_zero: true }
    }

    /// Whether this proof went through `techmap` before part-selects read 0 past the end of
    /// their vector, and is to be made again before it counts for sure. The `equiv_*`
    /// scopes ([`Scope::Module`], [`Scope::Host`]) reason on yosys's word-level cells, and
    /// [`Scope::StartUp`] simulates `sf_reset`: none of them maps a select.
    pub fn predates_past_end_zero(&self) -> bool {
        !self.past_end_zero && !matches!(self.scope, Scope::Module | Scope::Host | Scope::StartUp)
    }

    /// Whether this kind of proof holds for `mutant`: `equiv_induct` and PDR proofs for
    /// modules whose behaviour does not start from an initial value and mutants that leave
    /// every clock alone (PDR also for a clock stuck at a constant), the structural proof
    /// for any mutant of those modules, the reset sequence for `sf_reset`.
    pub fn holds_for(&self, mutant: &Mutant) -> bool {
        match self.scope {
            Scope::StartUp => return !mutant.module.provable(),
            // Logic that drives nothing: whatever it was, the clock of a register included.
            Scope::Pruned | Scope::HostPruned => return mutant.module.provable(),
            // One clock loads the shared registers of both copies; in one step, the
            // registers are the same inputs of both.
            Scope::Dormant | Scope::Step | Scope::Invariant => {
                return mutant.module.provable() && !mutates_a_clock(&mutant.command);
            }
            _ => {}
        }
        let from_power_on =
            matches!(self.scope, Scope::PowerOn | Scope::Parent | Scope::Observed | Scope::Core | Scope::Shell);
        mutant.module.provable()
            && (!mutates_a_clock(&mutant.command) || (from_power_on && sticks_a_clock(&mutant.command)))
    }
}

/// The other answer a proof can give: for some input sequence, the copies' compared outputs
/// differ `frame` cycles after power-on (yosys-abc's `dprove` found the sequence). Recorded at
/// [`Scope::Parent`] and [`Scope::Core`] only: there a wire nothing drives reads 0 in both
/// copies, so the difference is the mutant's. (At [`Scope::PowerOn`] such a wire is free in
/// each copy separately, and two identical copies can differ on it.) A refuted survivor is
/// not equivalent in its parent for some sequence of the parent's inputs, which are free
/// but for `rst`: a hole in the tests if the parent is the host core (its inputs are the
/// harness's and the board's), else one unless the grandparent never drives the parent
/// that way or hides the difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refutation {
    /// Where the difference shows.
    pub scope: Scope,
    /// The cycle after power-on in which the outputs first differ (0: the first).
    pub frame: u32,
    /// The parent's inputs in each cycle up to `frame` (empty where `yosys-abc` wrote none).
    #[serde(default, skip_serializing_if = "Trace::is_empty")]
    pub trace: Trace,
}

/// The input sequence of a counterexample: each input port of the miter that is not 0 in
/// some cycle, with its value in every cycle from power-on to the one the outputs differ in.
/// Ports 0 throughout are left out; so is the miter's clock, which the model does not have.
///
/// Example: `in_valid: 0 1 1; in_event: 00 3f 3f` is a parent given `in_valid` high in
/// cycles 1 and 2 with `in_event` 0x3f (values in hex, as wide as the port).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// The module whose inputs these are (the parent, or the host's top), as yosys names it.
    #[serde(default)]
    pub module: String,
    /// The ports, in the miter's order.
    pub inputs: Vec<PortTrace>,
    /// The outputs whose two copies differ in the cycle the miter fires, as `port gold/gate`
    /// in binary (every such output, read there or not; empty where the replay did not run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differs: Vec<String>,
    /// The counterexample as an AIGER witness (every register 0 at first), for the replay.
    #[serde(skip)]
    witness: Option<String>,
}

/// One input port in a [`Trace`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortTrace {
    /// The port's name in the miter (the parent's port of the same name).
    pub port: String,
    /// Its value in each cycle from power-on, in hex.
    pub values: Vec<String>,
}

impl Trace {
    /// Whether it names no module and no input port other than 0 (no counterexample was
    /// written).
    pub fn is_empty(&self) -> bool {
        self.module.is_empty() && self.inputs.is_empty()
    }

    /// The counterexample `yosys-abc` wrote (`write_cex -n`: `pi<K>@<frame>=<bit>` lines)
    /// for an AIGER model whose inputs `write_aiger -map` listed (`input <K> <bit> <port>`
    /// lines). Inputs the map does not name, and lines of neither form, are skipped.
    pub fn from_cex(map: &str, cex: &str) -> Trace {
        let mut bits: Vec<(String, usize)> = Vec::new();
        for line in map.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if let ["input", k, bit, port] = words[..]
                && let (Ok(k), Ok(bit)) = (k.parse::<usize>(), bit.parse::<usize>())
            {
                if bits.len() <= k {
                    bits.resize(k + 1, (String::new(), 0));
                }
                bits[k] = (port.to_string(), bit);
            }
        }
        // port -> per frame, the bits set; and every (input, frame) that is 1
        let mut ports: Vec<(String, usize, Vec<Vec<usize>>)> = Vec::new();
        let mut high = std::collections::BTreeSet::new();
        let mut frames = 0;
        for line in cex.lines() {
            let Some((pi, value)) = line.trim().split_once('=') else { continue };
            let Some((k, frame)) = pi.strip_prefix("pi").and_then(|p| p.split_once('@')) else { continue };
            let (Ok(k), Ok(frame)) = (k.parse::<usize>(), frame.parse::<usize>()) else { continue };
            let Some((port, bit)) = bits.get(k).filter(|(p, _)| !p.is_empty()) else { continue };
            frames = frames.max(frame + 1);
            let slot = match ports.iter().position(|(p, _, _)| p == port) {
                Some(i) => i,
                None => {
                    ports.push((port.clone(), 0, Vec::new()));
                    ports.len() - 1
                }
            };
            let entry = &mut ports[slot];
            entry.1 = entry.1.max(bit + 1);
            if entry.2.len() <= frame {
                entry.2.resize(frame + 1, Vec::new());
            }
            if value.trim() == "1" {
                entry.2[frame].push(*bit);
                high.insert((k, frame));
            }
        }
        let inputs = ports
            .into_iter()
            .filter(|(_, _, set)| set.iter().any(|b| !b.is_empty()))
            .map(|(port, width, mut set)| {
                set.resize(frames, Vec::new());
                let values = set.iter().map(|b| hex(width, b)).collect();
                PortTrace { port, values }
            })
            .collect();
        let latches = map.lines().filter(|l| l.starts_with("latch ")).count();
        let witness = (frames > 0).then(|| {
            let mut text = format!("1\nb0\n{}\n", "0".repeat(latches));
            for frame in 0..frames {
                let line: String =
                    (0..bits.len()).map(|k| if high.contains(&(k, frame)) { '1' } else { '0' }).collect();
                text.push_str(&line);
                text.push('\n');
            }
            text.push_str(".\n");
            text
        });
        Trace { module: String::new(), inputs, differs: Vec::new(), witness }
    }
}

/// The value of a `width`-bit word whose set bits are `set`, in hex digits enough for
/// `width`.
fn hex(width: usize, set: &[usize]) -> String {
    let digits = width.div_ceil(4).max(1);
    (0..digits)
        .rev()
        .map(|d| {
            let nibble = set.iter().filter(|&&b| b / 4 == d).fold(0u32, |v, &b| v | 1 << (b % 4));
            char::from_digit(nibble, 16).unwrap_or('0')
        })
        .collect()
}

impl std::fmt::Display for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ports: Vec<String> = self.inputs.iter().map(|p| format!("{}: {}", p.port, p.values.join(" "))).collect();
        let ports = if ports.is_empty() { "every input 0".to_string() } else { ports.join("; ") };
        match self.module.is_empty() {
            true => write!(f, "{ports}")?,
            false => write!(f, "{ports} in {}", self.module)?,
        }
        match self.differs.is_empty() {
            true => Ok(()),
            false => write!(f, "; differing there: {}", self.differs.join(", ")),
        }
    }
}

/// What trying to prove a survivor equivalent found.
#[derive(Clone, Debug, PartialEq)]
pub enum Finding {
    /// Equivalent.
    Proven(Proof),
    /// Not equivalent in a parent, and not proven at any scope tried.
    Refuted(Refutation),
    /// Neither, within the budget (or a mutant no proof is tried for).
    Open,
}

impl Finding {
    /// The proof, if one was found.
    pub fn proof(&self) -> Option<&Proof> {
        match self {
            Finding::Proven(proof) => Some(proof),
            _ => None,
        }
    }

    /// The refutation, if one was found.
    pub fn refutation(&self) -> Option<&Refutation> {
        match self {
            Finding::Refuted(refutation) => Some(refutation),
            _ => None,
        }
    }
}

/// What `yosys-abc` said of a miter.
#[derive(Clone, Debug, PartialEq, Eq)]
enum MiterVerdict {
    /// Its output never rises: the copies agree.
    Holds,
    /// Its output rises in this cycle after power-on, given these inputs.
    Fails(u32, Trace),
    /// Out of time, or no answer.
    Unknown,
}

/// The verdict in `yosys-abc`'s log of `dprove` (or `pdr`): "Networks are equivalent"
/// ("Property proved" from `pdr`, "UNSATISFIABLE" where no register was left and it ran a
/// combinational check), or "Output 0 of miter \"m\" was asserted in frame N".
fn miter_verdict(log: &str) -> MiterVerdict {
    let holds = log.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with("Networks are equivalent") || line.starts_with("UNSATISFIABLE")
    });
    if holds || log.contains("Property proved") {
        return MiterVerdict::Holds;
    }
    log.split("was asserted in frame ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .map_or(MiterVerdict::Unknown, |frame| MiterVerdict::Fails(frame, Trace::default()))
}

/// Whether `command` mutates a flip-flop's clock input.
pub fn mutates_a_clock(command: &str) -> bool {
    command.split_whitespace().collect::<Vec<_>>().windows(2).any(|w| w == ["-port", "CLK"])
}

/// Whether `command` ties a flip-flop's clock to a constant (`-mode const0`/`const1`): the
/// flip-flop then never changes.
pub fn sticks_a_clock(command: &str) -> bool {
    let words: Vec<&str> = command.split_whitespace().collect();
    mutates_a_clock(command) && words.windows(2).any(|w| w == ["-mode", "const0"] || w == ["-mode", "const1"])
}

/// The flip-flop output bit a mutant of a flip-flop's `Q` port changes, as its `mutate`
/// command names it: the flip-flop cell, the register's wire, the bit.
#[derive(Clone, Debug, PartialEq, Eq)]
struct MovedBit {
    cell: String,
    wire: String,
    bit: usize,
}

/// Whether `command` mutates an output bit of a flip-flop `proc` made (`-cell $procdff$N
/// -port Q ... -wire W -wirebit B`), and which. `mutate` moves that bit of the flip-flop
/// onto a wire of its own (the readers get the mutated value on the old one).
fn moved_bit(command: &str) -> Option<MovedBit> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let after = |flag: &str| words.windows(2).find(|w| w[0] == flag).map(|w| w[1]);
    let cell = after("-cell").filter(|c| c.starts_with("$procdff$"))?;
    (after("-port")? == "Q").then_some(())?;
    Some(MovedBit { cell: cell.to_string(), wire: after("-wire")?.to_string(), bit: after("-wirebit")?.parse().ok()? })
}

/// Try to prove `mutant` equivalent in the generated design in `dir` (read as `reading`
/// says) at each of `scopes` in turn, each within `budget`: proven at the first scope that
/// holds, else refuted if [`Scope::Parent`] was tried and found a difference, else open. A
/// module that is not [`RtlModule::provable`](super::RtlModule::provable) (`sf_reset`) is
/// judged by its reset sequence instead ([`Scope::StartUp`]).
pub fn prove(
    dir: &Path,
    reading: &Reading,
    mutant: &Mutant,
    scopes: &[Scope],
    budget: Duration,
) -> Result<Finding, SimError> {
    let at = Subject { dir, reading, mutant };
    if !mutant.module.provable() {
        let started = Instant::now();
        return Ok(match reset_cycles(dir, reading, mutant)? {
            Some(cycles) if cycles >= 1 => Finding::Proven(Proof::since(Scope::StartUp, started)),
            _ => Finding::Open,
        });
    }
    let module = mutated_module(mutant)?;
    let mutation = without_control(&mutant.command);
    let clock = mutates_a_clock(&mutant.command);
    let mut refuted = None;
    for &scope in scopes {
        let unit = match scope {
            Scope::Pruned | Scope::HostPruned => {
                if let Some(proof) = prove_pruned(at, &module, scope, budget)? {
                    return Ok(Finding::Proven(proof));
                }
                continue;
            }
            // Proofs by `equiv_induct` would see the stuck clock as the global one, PDR an
            // inverted one.
            Scope::Module | Scope::Host if clock => continue,
            Scope::PowerOn | Scope::Parent | Scope::Observed | Scope::Core | Scope::Shell
                if clock && !sticks_a_clock(&mutant.command) =>
            {
                continue;
            }
            Scope::Module => module.as_str(),
            Scope::Host => reading.top.as_str(),
            Scope::PowerOn => {
                if let Some(proof) = prove_from_power_on(at, &module, budget)? {
                    return Ok(Finding::Proven(proof));
                }
                continue;
            }
            Scope::Observed => {
                if let Some(proof) = prove_observed(at, &module, budget)? {
                    return Ok(Finding::Proven(proof));
                }
                continue;
            }
            Scope::Step if clock => continue,
            Scope::Step => {
                if let Some(proof) = prove_in_one_step(at, &module, budget)? {
                    return Ok(Finding::Proven(proof));
                }
                continue;
            }
            Scope::Invariant if clock => continue,
            Scope::Invariant => {
                if let Some(proof) = prove_under_invariant(at, &module, budget)? {
                    return Ok(Finding::Proven(proof));
                }
                continue;
            }
            Scope::Dormant if clock => continue,
            Scope::Dormant => {
                if let Some(proof) = prove_dormant(at, &module, budget)? {
                    return Ok(Finding::Proven(proof));
                }
                continue;
            }
            Scope::Shell => {
                if let Some(proof) = prove_in_shell(at, &module, budget)? {
                    return Ok(Finding::Proven(proof));
                }
                continue;
            }
            Scope::Core => {
                match prove_in_core(at, budget)? {
                    Finding::Open => {}
                    Finding::Refuted(r) => refuted = Some(r),
                    proven @ Finding::Proven(_) => return Ok(proven),
                }
                continue;
            }
            Scope::Parent => {
                match prove_in_parents(at, &module, budget)? {
                    Finding::Open => {}
                    Finding::Refuted(r) => refuted = Some(r),
                    proven @ Finding::Proven(_) => return Ok(proven),
                }
                continue;
            }
            Scope::StartUp => continue,
        };
        let started = Instant::now();
        let script = format!(
            "{copies}equiv_make gold gate equiv\nhierarchy -top equiv\n\
             equiv_simple -seq 4\nequiv_induct -seq 4\nequiv_status -assert\n",
            copies = gold_and_gate(reading, &mutation, |name| isolate(unit, name), None),
        );
        let name = format!("equiv-{}-{}-{}", mutant.id, scope_name(scope), std::process::id());
        if run_yosys_script(dir, &name, &script, budget)? {
            return Ok(Finding::Proven(Proof::since(scope, started)));
        }
    }
    Ok(refuted.map_or(Finding::Open, Finding::Refuted))
}

/// The mutant a proof is of, and the host design it is in: what every proof reads.
#[derive(Clone, Copy)]
struct Subject<'a> {
    /// The host design's directory, where yosys runs.
    dir: &'a Path,
    /// How yosys reads the design.
    reading: &'a Reading,
    /// The mutant.
    mutant: &'a Mutant,
}

/// [`Scope::Pruned`] or [`Scope::HostPruned`]: whether the control input of `mutant`'s
/// command drives something before the optimizations and nothing after, in `module` or in
/// the host's top.
fn prove_pruned(at: Subject<'_>, module: &str, scope: Scope, budget: Duration) -> Result<Option<Proof>, SimError> {
    let Subject { dir, reading, mutant } = at;
    let Some(control) = control_wire(&mutant.command) else { return Ok(None) };
    // Memories stay cells first (`-nomap`: as registers the conv hosts took twice as long),
    // their contents and every flip-flop 0 at first; the word-level passes first, on the
    // smaller design. yosys prunes no unread bit of a memory cell, only of registers: a
    // mutant of the sign bit an event buffer writes, where the layer reading its events
    // takes none negative (`IN_SIGNED` 0) and so never reads that bit, is pruned only with
    // the memories as registers (`conv-forward` #237: 94 s), so that is tried next.
    let (top, power_on): (&str, &[&str]) = match scope {
        Scope::HostPruned => (
            reading.top.as_str(),
            &[
                "memory -nomap\nopt_clean\nsetundef -zero -init -params\n",
                "memory\nopt_clean\nsetundef -zero -init -params\n",
            ],
        ),
        _ => (module, &[""]),
    };
    let started = Instant::now();
    // `select -assert-*` ends yosys with an error: the script succeeds only if the control
    // input has readers before the optimizations and none after. `mutate -ctrl` adds the
    // input to every module above the mutated one, and flattening leaves the mutated
    // instance's copy of it as an alias (`%a`) of the top's.
    let readers = format!("w:{control} %a %co c:* %i");
    let name = format!("{}-{}-{}", scope_name(scope), mutant.id, std::process::id());
    let past_end = past_end_zero(dir)?;
    for power_on in power_on {
        let script = format!(
            "{read}{mutation}\nhierarchy -top {top}\nflatten\n\
             select -assert-count 1 w:{control}\nselect -assert-any {readers}\n\
             opt -fine -keepdc\nwreduce -keepdc\nopt_clean\n{power_on}opt -fine -keepdc\n\
             {past_end}techmap\nopt -fast -keepdc\nopt_clean\n\
             select -assert-none {readers}\n",
            read = read_script(reading),
            mutation = mutant.command,
        );
        let left = budget.saturating_sub(started.elapsed());
        if !left.is_zero() && run_yosys_script(dir, &name, &script, left)? {
            return Ok(Some(Proof::since(scope, started)));
        }
    }
    Ok(None)
}

/// [`Scope::PowerOn`]: yosys builds the miter of the original `module` and the mutated one,
/// every flip-flop's initial value 0 (`setundef -zero -init`), and writes it as an AIGER
/// model whose one output is "the copies' outputs differ"; `yosys-abc` merges the registers
/// the two copies share (`scorr`: signal correspondence by induction from the initial
/// state, which leaves the mutant's cone) and `dprove` proves that the output never rises, or
/// finds the input sequence that raises it.
///
/// `x` constants in the logic (a `case` default) are 0 in both copies, and a part-select
/// reads 0 past either end of its vector whatever its offset ([`past_end_zero`], as the
/// second netlist reads it): the proof is of that one choice of each don't-care, the same
/// in both. A wire
/// nothing drives (a memory's read of a word past its last) is a free input in each copy,
/// separately, which can only make a proof fail.
fn prove_from_power_on(at: Subject<'_>, module: &str, budget: Duration) -> Result<Option<Proof>, SimError> {
    let started = Instant::now();
    let proven = power_on_miter(at, module, None, &[], false, budget)? == MiterVerdict::Holds;
    Ok(proven.then(|| Proof::since(Scope::PowerOn, started)))
}

/// [`Scope::Parent`]: the power-on proof of every module that instantiates `module`, each
/// with its outputs compared as [`observed::qualified_outputs`] says, within `budget` in
/// all: proven if every parent holds, refuted if one shows a difference. No parent (the
/// host's top): open.
fn prove_in_parents(at: Subject<'_>, module: &str, budget: Duration) -> Result<Finding, SimError> {
    let started = Instant::now();
    let verdict = in_every_parent(at, module, budget, |design, parent, left| {
        masked_power_on(at, design, parent, &design.rules(parent), None, true, left)
    })?;
    Ok(match verdict {
        MiterVerdict::Holds => Finding::Proven(Proof::since(Scope::Parent, started)),
        MiterVerdict::Fails(frame, trace) => Finding::Refuted(Refutation { scope: Scope::Parent, frame, trace }),
        MiterVerdict::Unknown => Finding::Open,
    })
}

/// [`Scope::Core`]: the power-on miter of the host's top, its outputs compared as
/// [`observed::qualified_outputs`] says, within `budget`: proven if it holds, refuted (at
/// [`Scope::Core`]) if the outputs differ.
fn prove_in_core(at: Subject<'_>, budget: Duration) -> Result<Finding, SimError> {
    let started = Instant::now();
    let Some(design) = design_modules(at, budget)? else { return Ok(Finding::Open) };
    let top = at.reading.top.as_str();
    let left = budget.saturating_sub(started.elapsed());
    Ok(match masked_power_on(at, &design, top, &design.rules(top), None, true, left)? {
        MiterVerdict::Holds => Finding::Proven(Proof::since(Scope::Core, started)),
        MiterVerdict::Fails(frame, trace) => Finding::Refuted(Refutation { scope: Scope::Core, frame, trace }),
        MiterVerdict::Unknown => Finding::Open,
    })
}

/// [`Scope::Shell`]: the power-on miter of the host's top with its generated instances cut
/// out, every output and every input of a cut instance compared. Not tried (`None`) where
/// the top has no such instance or `module` has an instance inside one (the mutant would
/// be cut out with it).
fn prove_in_shell(at: Subject<'_>, module: &str, budget: Duration) -> Result<Option<Proof>, SimError> {
    let started = Instant::now();
    let Some(design) = design_modules(at, budget)? else { return Ok(None) };
    let top = at.reading.top.as_str();
    let cut = design.generated_instances(top);
    let inside_cut =
        cut.iter().any(|instance| design.instance_kind(top, instance).is_some_and(|kind| design.within(module, kind)));
    if cut.is_empty() || inside_cut || !design.within(module, top) {
        return Ok(None);
    }
    let left = budget.saturating_sub(started.elapsed());
    let holds = power_on_miter(at, top, None, &cut, false, left)? == MiterVerdict::Holds;
    Ok(holds.then(|| Proof::since(Scope::Shell, started)))
}

/// [`Scope::Observed`]: the power-on miter of `module` itself, its outputs compared as its
/// readers read them, its inputs as their driver gives them where the module has an
/// [`observed::InputAssumption`] and the driver is proven to guarantee it (else its inputs
/// are free). Not tried (`None`) for a module with neither output rules nor an assumption.
fn prove_observed(at: Subject<'_>, module: &str, budget: Duration) -> Result<Option<Proof>, SimError> {
    let started = Instant::now();
    let Some(design) = design_modules(at, budget)? else { return Ok(None) };
    let rules = design.rules(module);
    let assumption = design.input_assumption(module);
    if rules.is_empty() && assumption.is_none() {
        return Ok(None);
    }
    let mut assumed = None;
    if let Some(a) = &assumption {
        let left = budget.saturating_sub(started.elapsed());
        if guaranteed(at, &design, a, left)? {
            assumed = Some(a.holds.as_str());
        }
    }
    let left = budget.saturating_sub(started.elapsed());
    let holds = masked_power_on(at, &design, module, &rules, assumed, false, left)? == MiterVerdict::Holds;
    Ok(holds.then(|| Proof::since(Scope::Observed, started)))
}

/// Whether the driver of `assumption` (unmutated: the mutant is in the module it drives)
/// guarantees it from power-on, whatever the driver's inputs, within `budget`: by induction
/// with the driver's stated invariant ([`invariant::proves_with_stated`]), else by the
/// model checker from power-on.
fn guaranteed(
    at: Subject<'_>,
    design: &DesignModules,
    assumption: &observed::InputAssumption,
    budget: Duration,
) -> Result<bool, SimError> {
    let Some(driver) = design.module(&assumption.driver) else { return Ok(false) };
    let key = guarantee_key(at.dir, &at.mutant.command, assumption);
    if key.as_ref().is_some_and(|key| proven_guarantees().contains(key)) {
        return Ok(true);
    }
    // By induction with the driver's stated invariant first: seconds where it carries the
    // statement, and where it does not a few seconds lost before the model checker.
    let started = Instant::now();
    let name = format!("guarantee-{}-{}", at.mutant.id, std::process::id());
    let holds = by_induction(at.dir, at.reading, driver, assumption, &name, budget)? || {
        let miter = observed::guarantee_miter(&driver.ports, &assumption.holds);
        let left = budget.saturating_sub(started.elapsed());
        power_on_miter(at, &assumption.driver, Some(&miter), &[], false, left)? == MiterVerdict::Holds
    };
    if let Some(key) = key.filter(|_| holds) {
        proven_guarantees().insert(key);
    }
    Ok(holds)
}

/// Whether `driver` (its summary) is proven to guarantee `assumption` by induction with its
/// stated invariant ([`invariant::proves_with_stated`]), within `budget` and at most
/// [`INDUCTION_BUDGET`]; at once `false` where no source of the host states an invariant.
fn by_induction(
    dir: &Path,
    reading: &Reading,
    driver: &observed::ModuleSummary,
    assumption: &observed::InputAssumption,
    name: &str,
    budget: Duration,
) -> Result<bool, SimError> {
    let budget = budget.min(INDUCTION_BUDGET);
    Ok(invariant::stated_in(dir, reading)
        && invariant::proves_with_stated(
            dir,
            reading,
            &assumption.driver,
            &driver.ports,
            &assumption.holds,
            name,
            budget,
        )?)
}

/// What a module of a host assumes of its inputs ([`observed::InputAssumption`]) and whether
/// its driver is proven to guarantee it by induction with the driver's stated invariant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputGuarantee {
    /// The module whose inputs are assumed (yosys's name as the host parameterizes it).
    pub module: String,
    /// The module that drives those inputs (yosys's name).
    pub driver: String,
    /// The statement, a Verilog expression over the driver's outputs.
    pub holds: String,
    /// Whether the induction proved it.
    pub proven: bool,
}

impl std::fmt::Display for InputGuarantee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verdict = if self.proven { "proven by induction with" } else { "not proven by induction with" };
        write!(f, "{}: its inputs `{}` {verdict} {}'s stated invariant", self.module, self.holds, self.driver)
    }
}

/// Each input assumption of the host in `dir` read as `reading`, with whether its driver
/// guarantees it by induction with its stated invariant, within `budget` per yosys run.
/// Proven ones are kept for this process's proofs at [`Scope::Observed`], so a campaign
/// that lists them first proves none again; one not proven here is still tried from
/// power-on by each proof that assumes it. Sorted by module.
pub fn input_guarantees(dir: &Path, reading: &Reading, budget: Duration) -> Result<Vec<InputGuarantee>, SimError> {
    let name = format!("guarantees-{}", std::process::id());
    let Some(design) = read_modules(dir, reading, &reading.top, &name, budget)? else {
        return Err(SimError::Mutation {
            host: reading.top.clone(),
            reason: format!("yosys did not list the design's modules in {} within {budget:?}", dir.display()),
        });
    };
    let mut found = Vec::new();
    for module in design.names() {
        let Some(assumption) = design.input_assumption(module) else { continue };
        let Some(driver) = design.module(&assumption.driver) else { continue };
        let proven = by_induction(dir, reading, driver, &assumption, &name, budget)?;
        if proven {
            proven_guarantees().insert(key_of(dir, &assumption));
        }
        found.push(InputGuarantee {
            module: module.to_string(),
            driver: assumption.driver,
            holds: assumption.holds,
            proven,
        });
    }
    Ok(found)
}

/// The most [`guaranteed`] gives the induction with the driver's stated invariant: it
/// answers in seconds where it answers at all (4 s for the board's bridge).
const INDUCTION_BUDGET: Duration = Duration::from_secs(60);

/// A proven guarantee: the host design's directory, the driver, the statement.
type GuaranteeKey = (PathBuf, String, String);

/// The input guarantees [`guaranteed`] and [`input_guarantees`] proved in this process.
/// Only proofs are kept: a budget that ran out once may not the next time.
static GUARANTEED: Mutex<BTreeSet<GuaranteeKey>> = Mutex::new(BTreeSet::new());

/// [`GUARANTEED`], locked. Poisoning is ignored: a set of proofs is whole after any insert.
fn proven_guarantees() -> std::sync::MutexGuard<'static, BTreeSet<GuaranteeKey>> {
    GUARANTEED.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Where [`GUARANTEED`] keeps the proof of `assumption` for the mutant `command` of the host
/// design in `dir`, or `None` for a mutant inside the driver. The proof is of the unmutated
/// driver, the same for every mutant outside it: proving a board's bridge again took all
/// but 2 s of a loader mutant's 86 (`board-counts`, session 36).
fn guarantee_key(dir: &Path, command: &str, assumption: &observed::InputAssumption) -> Option<GuaranteeKey> {
    let inside = command.contains(&format!("-module {} ", assumption.driver));
    (!inside).then(|| key_of(dir, assumption))
}

/// The [`GuaranteeKey`] of `assumption` in the host design in `dir`.
fn key_of(dir: &Path, assumption: &observed::InputAssumption) -> GuaranteeKey {
    (dir.to_path_buf(), assumption.driver.clone(), assumption.holds.clone())
}

/// The power-on miter of `unit` (a module of `design`) and its mutated copy, its outputs
/// compared as `rules` say ([`observed::masked_miter`]): what [`Scope::Parent`] asks of
/// each parent and [`Scope::Observed`] of the mutated module itself. With `replay`, a
/// counterexample names the outputs that differ ([`replay`]; a yosys run more, so only
/// where a refutation is recorded).
fn masked_power_on(
    at: Subject<'_>,
    design: &DesignModules,
    unit: &str,
    rules: &[observed::QualifiedOutput],
    assumed: Option<&str>,
    replay: bool,
    budget: Duration,
) -> Result<MiterVerdict, SimError> {
    let Some(summary) = design.module(unit) else { return Ok(MiterVerdict::Unknown) };
    let miter = observed::masked_miter(&summary.ports, rules, assumed);
    power_on_miter(at, unit, Some(&miter), &[], replay, budget)
}

/// [`Scope::Step`]: `module`'s next state and outputs, mutated, are the original's from
/// every state, within `budget`.
fn prove_in_one_step(at: Subject<'_>, module: &str, budget: Duration) -> Result<Option<Proof>, SimError> {
    one_step_proof(at, module, StepFrom::Any, Scope::Step, budget)
}

/// `module`'s one-step miter from the states `from` names, within `budget`: a proof at
/// `scope` if it holds.
fn one_step_proof(
    at: Subject<'_>,
    module: &str,
    from: StepFrom,
    scope: Scope,
    budget: Duration,
) -> Result<Option<Proof>, SimError> {
    let started = Instant::now();
    let proven = step_miter(at, module, &[], from, budget)? == MiterVerdict::Holds;
    Ok(proven.then(|| Proof::since(scope, started)))
}

/// [`Scope::Invariant`]: as [`prove_in_one_step`], from the states that hold `module`'s
/// stated invariant (none stated: not proven; where no source of the host states one, at
/// once, without yosys reading a conv core twice).
fn prove_under_invariant(at: Subject<'_>, module: &str, budget: Duration) -> Result<Option<Proof>, SimError> {
    if !invariant::stated_in(at.dir, at.reading) {
        return Ok(None);
    }
    one_step_proof(at, module, StepFrom::Invariant, Scope::Invariant, budget)
}

/// [`Scope::Dormant`]: in every module that instantiates `module`, the mutant never changes
/// a register or a read output from any state the original reaches, within `budget` in all.
/// No parent (the host's top): not proven. A failing miter refutes nothing here: the
/// mutant may change a register that is never read in that state.
fn prove_dormant(at: Subject<'_>, module: &str, budget: Duration) -> Result<Option<Proof>, SimError> {
    let started = Instant::now();
    let verdict = in_every_parent(at, module, budget, |design, parent, left| {
        step_miter(at, parent, &design.rules(parent), StepFrom::Reached, left)
    })?;
    let proven = verdict == MiterVerdict::Holds;
    Ok(proven.then(|| Proof::since(Scope::Dormant, started)))
}

/// `miter(design, parent, time left)` in every module of the design that instantiates
/// `module`, within `budget` in all: the first that fails, else unknown if one had no
/// answer (another may still fail) or there is no parent, else holds.
fn in_every_parent(
    at: Subject<'_>,
    module: &str,
    budget: Duration,
    miter: impl Fn(&DesignModules, &str, Duration) -> Result<MiterVerdict, SimError>,
) -> Result<MiterVerdict, SimError> {
    let started = Instant::now();
    let Some(design) = design_modules(at, budget)? else { return Ok(MiterVerdict::Unknown) };
    let parents = design.parents_of(module);
    if parents.is_empty() {
        return Ok(MiterVerdict::Unknown);
    }
    let mut verdict = MiterVerdict::Holds;
    for parent in parents {
        let left = budget.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Ok(MiterVerdict::Unknown);
        }
        match miter(&design, parent, left)? {
            MiterVerdict::Holds => {}
            fails @ MiterVerdict::Fails(..) => return Ok(fails),
            MiterVerdict::Unknown => verdict = MiterVerdict::Unknown,
        }
    }
    Ok(verdict)
}

/// [`observed::step_miter`] of `unit` and the same with `mutant` applied, its outputs
/// compared as `rules` say (or [`observed::any_state_miter`], from every state, `from`
/// [`StepFrom::Any`], or [`observed::invariant_miter`], from every state that holds the
/// original's stated invariant, `from` [`StepFrom::Invariant`]: `rules` unused), decided
/// by `dprove` within `budget`. Each copy is flattened, its
/// memories made registers, and its flip-flops turned into ports (`expose -evert-dff`, after
/// `dffunmap` gave every flip-flop a plain D input); their initial values go, the miter's
/// registers start at 0 (power-on). yosys writes the copies' ports, then the miter is read
/// with them and written as AIGER.
fn step_miter(
    at: Subject<'_>,
    unit: &str,
    rules: &[observed::QualifiedOutput],
    from: StepFrom,
    budget: Duration,
) -> Result<MiterVerdict, SimError> {
    let Subject { dir, reading, mutant } = at;
    let started = Instant::now();
    let name = format!("step-{}-{}", mutant.id, std::process::id());
    // The stated invariant, a wire, becomes an output before the flip-flops turn into ports.
    let invariant =
        if from == StepFrom::Invariant { format!("expose w:{}\n", observed::INVARIANT) } else { String::new() };
    // A flip-flop output bit the mutant moved onto a wire of its own: `expose -evert-dff`
    // turns a flip-flop into ports per whole wire on its output, so the register is split
    // into one wire per bit in both copies (`splitnets`, by the register's name, the same
    // in both readings), and the moved bit's wire, private, is named in the mutant's copy
    // (by the flip-flop's cell name, which is the campaign's reading's: the original read
    // with `SF_INVARIANT` numbers its cells otherwise). It pairs with the original's bit.
    let moved = match from {
        StepFrom::Any | StepFrom::Invariant => moved_bit(&mutant.command),
        StepFrom::Reached => None,
    };
    let split = |copy: &str| match &moved {
        Some(MovedBit { cell, wire, .. }) if copy == "gate" => format!(
            "rename -enumerate -pattern {pattern} c:{cell} %co:+[Q] c:{cell} %d w:$* %i\nsplitnets w:{wire}\n",
            pattern = observed::MOVED_PATTERN,
        ),
        Some(MovedBit { wire, .. }) => format!("splitnets w:{wire}\n"),
        None => String::new(),
    };
    let copy = |name: &str| {
        format!(
            "hierarchy -top {unit}\nflatten\n{split}memory\nopt_clean\nasync2sync\ndffunmap\n{invariant}\
             expose -evert-dff -dff\nsetattr -unset init\nrename {unit} {name}\n",
            split = split(name),
        )
    };
    let mutation = without_control(&mutant.command);
    let stating = (from == StepFrom::Invariant).then_some(INVARIANT_DEFINE);
    let copies = gold_and_gate(reading, &mutation, copy, stating);
    let everted = format!("{copies}write_rtlil {name}.il\nwrite_json {name}.json\n");
    let (il, json, miter_path) =
        (dir.join(format!("{name}.il")), dir.join(format!("{name}.json")), dir.join(format!("{name}-miter.v")));
    let remove = || {
        for file in [&il, &json, &miter_path] {
            let _ = std::fs::remove_file(file);
        }
    };
    let ports = |design: &DesignModules, copy: &str| design.module(copy).map(|m| m.ports.clone());
    let miter = run_yosys_script(dir, &name, &everted, budget)?
        .then(|| std::fs::read_to_string(&json).ok())
        .flatten()
        .and_then(|text| DesignModules::from_json(&text).ok())
        .and_then(|design| Some((ports(&design, "gold")?, ports(&design, "gate")?)))
        .and_then(|(gold, gate)| {
            // The original's register the mutant's `sf_moved_0` pairs with (none from `Reached`).
            let moved = match &moved {
                Some(m) => Some(observed::split_register(&gold, &m.wire, m.bit)?),
                None => None,
            };
            match from {
                StepFrom::Reached => observed::step_miter(&gold, &gate, rules),
                StepFrom::Any => observed::any_state_miter(&gold, &gate, moved.as_deref()),
                StepFrom::Invariant => observed::invariant_miter(&gold, &gate, moved.as_deref()),
            }
        });
    let Some(miter) = miter else {
        remove();
        return Ok(MiterVerdict::Unknown);
    };
    std::fs::write(&miter_path, miter).map_err(|source| SimError::Io { path: miter_path.clone(), source })?;
    let script = format!(
        "read_rtlil {name}.il\nread_verilog {name}-miter.v\nproc\nhierarchy -top {top}\nflatten\n\
         opt -fast\n{past_end}techmap\nopt -fast\nsetundef -zero\nsetundef -undriven -zero\ndffunmap\naigmap\nopt_clean\n\
         write_aiger -zinit -map {name}.map {name}.aig\n",
        top = observed::STEP_MITER,
        past_end = past_end_zero(dir)?,
    );
    let built = run_yosys_script(dir, &format!("{name}-aig"), &script, budget.saturating_sub(started.elapsed()))?;
    remove();
    let verdict = prove_miter(dir, &name, built, budget.saturating_sub(started.elapsed()));
    remove_model(dir, &name);
    verdict
}

/// `yosys-abc`'s verdict on `{name}.aig` in `dir` (its one output never rises, or rises in a
/// cycle), by `scorr` and `dprove` within `budget`, if yosys `built` it; the log is removed,
/// the model and its map stay for [`replay`] ([`remove_model`] removes them).
///
/// `scorr` merges the signals of the two copies that agree in every reachable state,
/// proven by induction from the initial state, one cycle deep; then again two cycles deep
/// (`-F 2`), unless the miter's output is no longer a candidate for a constant (`-q`: a
/// difference was simulated). Two copies of the UART bridge in the Observed miter (5,212
/// latches) kept 5,096 after the first, so PDR had to relate some 2,500 register pairs
/// itself and ran out of time; the second merged them all and left the output constant
/// (25 s in all, session 28). On a miter that fails, `-F 2` without `-q` ran past 200 s.
/// `dprove` then tries BMC, induction and interpolation before PDR (given the time left):
/// the bridge's guarantee to a one-target board's loader (`guaranteed`) took it 19 s where
/// PDR alone had no answer in 200, and a false guarantee's counterexample 1 s against 40.
fn prove_miter(dir: &Path, name: &str, built: bool, budget: Duration) -> Result<MiterVerdict, SimError> {
    let [log, map, cex] = ["log", "map", "cex"].map(|ext| dir.join(format!("{name}.{ext}")));
    let seconds = budget.as_secs().max(1);
    // `scorr` and `dc2` keep the model's inputs, so the counterexample's are the miter's.
    let abc = format!(
        "read_aiger {name}.aig; strash; scorr; scorr -q -F 2; dc2; dprove -T {seconds}; write_cex -n {name}.cex"
    );
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    let verdict = if built && !budget.is_zero() && run_within(dir, "yosys-abc", &["-c", &abc], Some(&log), budget)? {
        match miter_verdict(&read(&log)) {
            MiterVerdict::Fails(frame, _) => MiterVerdict::Fails(frame, Trace::from_cex(&read(&map), &read(&cex))),
            verdict => verdict,
        }
    } else {
        MiterVerdict::Unknown
    };
    // The model and its map stay for a replay of a counterexample ([`remove_model`]).
    for file in [&log, &cex] {
        let _ = std::fs::remove_file(file);
    }
    Ok(verdict)
}

/// Remove the files [`prove_miter`] and [`replay`] leave: the model, its map, the witness
/// and the replay's VCD.
fn remove_model(dir: &Path, name: &str) {
    for ext in ["aig", "map", "aiw", "vcd"] {
        let _ = std::fs::remove_file(dir.join(format!("{name}.{ext}")));
    }
}

/// Whether the original `unit` and the one with `mutant` applied never differ from
/// power-on (see [`prove_from_power_on`]), decided within `budget`: compared at every output
/// by `miter -equiv`, or by `masked` (Verilog of an [`observed::MITER`] over the two copies
/// `gold` and `gate`), a masked miter's counterexample replayed if `replay_failure`. The
/// instances of `unit` named in `cut` are cut out of both copies (`expose -evert`, before
/// flattening): their outputs become inputs the copies share, their inputs outputs
/// compared with the rest (only with `masked` `None`: a masked miter lists `unit`'s own
/// ports).
fn power_on_miter(
    at: Subject<'_>,
    unit: &str,
    masked: Option<&str>,
    cut: &[String],
    replay_failure: bool,
    budget: Duration,
) -> Result<MiterVerdict, SimError> {
    let Subject { dir, reading, mutant } = at;
    let started = Instant::now();
    let name = format!("pdr-{}-{}", mutant.id, std::process::id());
    // A flip-flop whose clock the mutant tied to a constant holds its initial value.
    let stuck = if sticks_a_clock(&mutant.command) { "opt_dff\n" } else { "" };
    let cut: String = cut.iter().map(|instance| format!("expose -evert {unit}/{instance}\n")).collect();
    let copy = |name: &str| {
        format!(
            "hierarchy -top {unit}\n{cut}flatten\nmemory\nopt_clean\nsetundef -zero -init\n{stuck}rename {unit} {name}\n"
        )
    };
    let miter_path = dir.join(format!("{name}-miter.v"));
    let miter = match masked {
        None => "miter -equiv -flatten gold gate miter\nhierarchy -top miter\n".to_string(),
        Some(text) => {
            std::fs::write(&miter_path, text).map_err(|source| SimError::Io { path: miter_path.clone(), source })?;
            format!("read_verilog {name}-miter.v\nproc\nhierarchy -top {top}\nflatten\n", top = observed::MITER)
        }
    };
    // A masked miter's parent holds memories whose address its free inputs drive (a layer's
    // `wt_wr_addr`) past the last word, where a read is undriven: free in each copy, it
    // differs between two identical copies. There such a word reads 0 in both, as the
    // memory's zero-initialized spare words read in a block RAM; the designs never address
    // them from their own state.
    let undriven = if masked.is_some() { "-zero" } else { "-anyseq" };
    let script = format!(
        "{copies}{miter}\
         opt -fast\nasync2sync\n{past_end}techmap\nopt -fast\nsetundef -zero\nsetundef -undriven {undriven}\ndffunmap\n\
         aigmap\nopt_clean\nwrite_aiger -zinit -map {name}.map {name}.aig\n",
        copies = gold_and_gate(reading, &without_control(&mutant.command), copy, None),
        past_end = past_end_zero(dir)?,
    );
    let built = run_yosys_script(dir, &name, &script, budget)?;
    let verdict = match prove_miter(dir, &name, built, budget.saturating_sub(started.elapsed()))? {
        MiterVerdict::Fails(frame, mut trace) => {
            trace.module = unit.to_string();
            if masked.is_some() && replay_failure {
                let left = budget.saturating_sub(started.elapsed());
                trace.differs = replay(dir, &name, &script, &trace, frame, left)?;
            }
            MiterVerdict::Fails(frame, trace)
        }
        verdict => verdict,
    };
    let _ = std::fs::remove_file(&miter_path);
    remove_model(dir, &name);
    Ok(verdict)
}

/// The outputs whose copies differ in `frame` when the masked miter `script` built (its
/// last line writes the AIGER model) is simulated on `trace`'s witness (`sim -r`, from the
/// AIGER map): each `gold_<port>` wire of [`observed::MITER`] against its `gate_<port>`.
/// Empty if the replay does not finish within `budget` or the trace has no witness.
fn replay(
    dir: &Path,
    name: &str,
    script: &str,
    trace: &Trace,
    frame: u32,
    budget: Duration,
) -> Result<Vec<String>, SimError> {
    let Some(witness) = &trace.witness else { return Ok(Vec::new()) };
    let [aiw, vcd] = ["aiw", "vcd"].map(|ext| dir.join(format!("{name}.{ext}")));
    std::fs::write(&aiw, witness).map_err(|source| SimError::Io { path: aiw.clone(), source })?;
    let replay = format!(
        "{script}sim -clock clk -r {name}.aiw -map {name}.map -scope {top} -q -vcd {name}.vcd\n",
        top = observed::MITER
    );
    let ran = run_yosys_script(dir, &format!("{name}-replay"), &replay, budget)?;
    let text = std::fs::read_to_string(&vcd).unwrap_or_default();
    Ok(if ran { differing_pairs(&text, frame) } else { Vec::new() })
}

/// From a `sim -vcd` of [`observed::MITER`]: each `gold_<port>` whose value differs from
/// `gate_<port>`'s at `frame`, as `<port> <gold>/<gate>`.
fn differing_pairs(vcd: &str, frame: u32) -> Vec<String> {
    let dump = Vcd::read(vcd);
    let mut values: BTreeMap<&str, &str> = BTreeMap::new(); // code -> value
    // Values as of the frame's rising edge, not its falling one.
    for (time, code, value) in &dump.changes {
        if *time > 10 * frame as u64 {
            break;
        }
        values.insert(code, value);
    }
    let by_name: BTreeMap<&str, &str> = dump
        .signals
        .iter()
        .filter(|(_, (name, _))| name.starts_with("gold_") || name.starts_with("gate_"))
        .map(|(code, (name, _))| (name.as_str(), values.get(code.as_str()).copied().unwrap_or("?")))
        .collect();
    by_name
        .iter()
        .filter_map(|(name, gold)| {
            let port = name.strip_prefix("gold_")?;
            let gate = by_name.get(format!("gate_{port}").as_str())?;
            (gold != gate).then(|| format!("{port} {gold}/{gate}"))
        })
        .collect()
}

/// A `sim -clock clk -vcd` dump of yosys: each signal's name and width by its code, and
/// every value change in time order (a clock period is 10 time units, a cycle's values set
/// at its rising edge, time `10 * cycle`).
struct Vcd {
    /// Code -> (name, width).
    signals: BTreeMap<String, (String, usize)>,
    /// (time, code, value), in the dump's order.
    changes: Vec<(u64, String, String)>,
}

impl Vcd {
    fn read(text: &str) -> Vcd {
        let mut signals = BTreeMap::new();
        let mut changes = Vec::new();
        let mut time = 0u64;
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if let ["$var", _, width, code, name, ..] = words.as_slice() {
                signals.insert(code.to_string(), (name.to_string(), width.parse().unwrap_or(0)));
            } else if let Some(t) = line.strip_prefix('#') {
                time = t.parse::<u64>().unwrap_or(time);
            } else if let Some((value, code)) = line.strip_prefix('b').and_then(|l| l.split_once(' ')) {
                changes.push((time, code.to_string(), value.to_string()));
            } else if let Some(level) = line.get(..1).filter(|l| matches!(*l, "0" | "1" | "x" | "z")) {
                changes.push((time, line[1..].to_string(), level.to_string()));
            }
        }
        Vcd { signals, changes }
    }
}

/// The modules of the design in `dir` read as `reading` says, with their ports,
/// parameters and instances (`write_json`; half a second for a core host), or `None` if
/// yosys did not finish within `budget`. Read anew for each proof: a cache keyed by the
/// directory would outlive a campaign that regenerates it.
fn design_modules(at: Subject<'_>, budget: Duration) -> Result<Option<DesignModules>, SimError> {
    let name = format!("modules-{}-{}", at.mutant.id, std::process::id());
    read_modules(at.dir, at.reading, &at.mutant.host, &name, budget)
}

/// [`design_modules`] for the host `host`, its files named `name`.
fn read_modules(
    dir: &Path,
    reading: &Reading,
    host: &str,
    name: &str,
    budget: Duration,
) -> Result<Option<DesignModules>, SimError> {
    let script = format!("{}write_json {name}.json\n", read_script(reading));
    let json = dir.join(format!("{name}.json"));
    let ran = run_yosys_script(dir, name, &script, budget)?;
    let text = std::fs::read_to_string(&json);
    let _ = std::fs::remove_file(&json);
    if !ran {
        return Ok(None);
    }
    let text = text.map_err(|source| SimError::Io { path: json.clone(), source })?;
    DesignModules::from_json(&text).map(Some).map_err(|e| SimError::Mutation {
        host: host.to_string(),
        reason: format!("yosys's JSON of the design in {}: {e}", dir.display()),
    })
}

/// The yosys commands that read the host as `reading` says and leave two modules, `gold`
/// (the original) and `gate` (with `mutation` applied), each made by `copy(name)` from the
/// design it was read into. With `gold_defining` (`SF_INVARIANT`, [`Scope::Invariant`]),
/// `gold` comes from the host read again with that define too (its stated invariants);
/// `gate` is always the host as the campaign reads it, so the mutation names the cells it
/// was drawn from.
fn gold_and_gate(
    reading: &Reading,
    mutation: &str,
    copy: impl Fn(&str) -> String,
    gold_defining: Option<&str>,
) -> String {
    let (save, read_gold) = match gold_defining {
        None => ("design -save orig\n", "design -load orig\n".to_string()),
        Some(define) => ("", read_script_defining(reading, Some(define))),
    };
    format!(
        "{read}{save}{mutation}\n{gate}design -stash mutated\n{read_gold}{gold}\
         design -copy-from mutated -as gate gate\n",
        read = read_script(reading),
        gate = copy("gate"),
        gold = copy("gold"),
    )
}

/// Write `script` to `{name}.ys` in `dir`, run it with `yosys -q` within `budget` and remove
/// it: whether yosys ran to the end and succeeded.
pub(super) fn run_yosys_script(dir: &Path, name: &str, script: &str, budget: Duration) -> Result<bool, SimError> {
    let file = format!("{name}.ys");
    let path = dir.join(&file);
    std::fs::write(&path, script).map_err(|source| SimError::Io { path: path.clone(), source })?;
    let passed = run_within(dir, "yosys", &["-q", "-s", &file], None, budget);
    let _ = std::fs::remove_file(&path);
    passed
}

/// Run `program` with `args` in `dir` (its output to `log`, if given), killed after
/// `budget`: whether it ran to the end and succeeded.
pub(super) fn run_within(
    dir: &Path,
    program: &str,
    args: &[&str],
    log: Option<&Path>,
    budget: Duration,
) -> Result<bool, SimError> {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(dir).stderr(Stdio::null());
    match log {
        Some(path) => {
            let file =
                std::fs::File::create(path).map_err(|source| SimError::Io { path: path.to_path_buf(), source })?;
            cmd.stdout(file);
        }
        None => {
            cmd.stdout(Stdio::null());
        }
    }
    let mut guarded = GuardedChild::spawn(&mut cmd)?;
    guarded.arm(budget);
    let status = guarded.child.wait().map_err(|source| SimError::Process {
        step: "waiting for",
        program: program.into(),
        source,
    })?;
    Ok(status.success() && !guarded.fired())
}

/// Cycles simulated from power-on: more than the 2^5 states of the host's 5-bit counter,
/// so the sequence has entered its cycle and gone once round it.
const RESET_SIMULATED: u64 = 80;

/// The reset sequence of a mutated `sf_reset` (it has no input, so one simulation from its
/// initial value is all its behaviour): `Some(L)` if `rst` is high in cycles `0..L` and low
/// in every later cycle of the 80 simulated (more than the 2^5 states of its counter), else
/// `None`.
pub fn reset_cycles(dir: &Path, reading: &Reading, mutant: &Mutant) -> Result<Option<u64>, SimError> {
    let module = mutated_module(mutant)?;
    let name = format!("reset-{}-{}", mutant.id, std::process::id());
    let vcd = dir.join(format!("{name}.vcd"));
    let script = format!(
        "{read}{mutation}hierarchy -top {module}
flatten
sim -clock clk -n {RESET_SIMULATED} -vcd {name}.vcd
",
        read = read_script(reading),
        mutation = keeping_initial_values(&without_control(&mutant.command)),
    );
    let path = dir.join(format!("{name}.ys"));
    std::fs::write(&path, script).map_err(|source| SimError::Io { path: path.clone(), source })?;
    let output = Command::new("yosys")
        .args(["-q", "-s", &format!("{name}.ys")])
        .current_dir(dir)
        .output()
        .map_err(|source| SimError::Process { step: "cannot run", program: "yosys".into(), source })?;
    let _ = std::fs::remove_file(&path);
    let text = std::fs::read_to_string(&vcd).unwrap_or_default();
    let _ = std::fs::remove_file(&vcd);
    if !output.status.success() {
        return Ok(None);
    }
    Ok(reset_high_first(&rst_levels(&text)))
}

/// `rst` in each simulated cycle, from `sim -clock clk -vcd` output ([`Vcd`]).
fn rst_levels(vcd: &str) -> Vec<Option<bool>> {
    let dump = Vcd::read(vcd);
    let id = dump.signals.iter().find(|(_, (name, width))| name == "rst" && *width == 1).map(|(code, _)| code);
    let mut levels = vec![None; RESET_SIMULATED as usize + 1];
    for (time, code, value) in &dump.changes {
        let cycle = (*time / 10) as usize;
        if Some(code) == id && cycle < levels.len() {
            let level = match value.as_str() {
                "1" => Some(true),
                "0" => Some(false),
                _ => None,
            };
            levels[cycle..].iter_mut().for_each(|l| *l = level);
        }
    }
    levels
}

/// `Some(L)` if `levels` is `L` highs then only lows (every cycle known).
fn reset_high_first(levels: &[Option<bool>]) -> Option<u64> {
    let known: Option<Vec<bool>> = levels.iter().copied().collect();
    let known = known?;
    let high = known.iter().take_while(|&&l| l).count();
    (high < known.len() && known[high..].iter().all(|&l| !l)).then_some(high as u64)
}

/// Make `unit` the top, inline its submodules, turn memories into registers, drop the bits
/// nothing reads, name it `name`.
///
/// `equiv_make` pairs every wire of one name, and `equiv_status -assert` wants every pair
/// proven, also a pair that drives nothing: a mutant of bit 20 of a 32-bit address whose
/// low 5 bits are the only ones read failed its proof at the unread bit, and with it every
/// register the induction could not close without that pair (`weight_row`, `u_row`).
/// `wreduce` narrows each cell to the bits that are read and `opt_clean` removes the rest,
/// so only what reaches a register or a port is compared. Both keep the module's behaviour
/// and every register's name. Not `opt`: its `opt_merge` keeps one of two registers that
/// compute the same, under a name that can differ between the two copies, and an unpaired
/// register is a free variable to the induction (the unmutated host against itself then
/// failed, at the event buffers' read registers).
fn isolate(unit: &str, name: &str) -> String {
    format!("hierarchy -top {unit}\nflatten\nmemory\nwreduce\nopt_clean\nrename {unit} {name}\n")
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Pruned => "pruned",
        Scope::HostPruned => "host-pruned",
        Scope::Module => "module",
        Scope::Host => "host",
        Scope::PowerOn => "power-on",
        Scope::StartUp => "start-up",
        Scope::Parent => "parent",
        Scope::Dormant => "dormant",
        Scope::Step => "step",
        Scope::Invariant => "invariant",
        Scope::Observed => "observed",
        Scope::Core => "core",
        Scope::Shell => "shell",
    }
}

/// The module `mutant`'s command mutates.
fn mutated_module(mutant: &Mutant) -> Result<String, SimError> {
    module_of(&mutant.command).ok_or_else(|| SimError::Mutation {
        host: mutant.host.clone(),
        reason: format!("no -module in {:?}", mutant.command),
    })
}

/// The `-module` argument of a `mutate` command.
fn module_of(command: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "-module")?;
    words.get(at + 1).map(|w| w.to_string())
}

/// `NAME` of the command's `-ctrl NAME WIDTH VALUE`.
fn control_wire(command: &str) -> Option<&str> {
    let mut words = command.split_whitespace();
    words.position(|w| w == "-ctrl")?;
    words.next()
}

/// The command without its `-ctrl NAME WIDTH VALUE`: the mutation applied unconditionally.
fn without_control(command: &str) -> String {
    let words: Vec<&str> = command.split_whitespace().collect();
    match words.iter().position(|w| *w == "-ctrl") {
        Some(at) => words[..at].iter().chain(words.iter().skip(at + 4)).copied().collect::<Vec<_>>().join(" "),
        None => command.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guarantee_is_proven_once_per_host_for_the_mutants_outside_its_driver() {
        let bridge = "$paramod$bf9c\\sf_uart_bridge";
        let assumption =
            observed::InputAssumption { driver: bridge.into(), holds: "!(read_en && load_target >= 8'd1)".into() };
        let loader =
            "mutate -ctrl mutsel 16 733 -mode const1 -module $paramod$5681\\sf_weight_loader -cell $and$1 -port B";
        let in_bridge = format!("mutate -ctrl mutsel 16 7 -mode const0 -module {bridge} -cell $eq$2 -port A");
        let [a, b] = [Path::new("work/board/rtl"), Path::new("work/board-counts/rtl")];
        let key = guarantee_key(a, loader, &assumption).unwrap();
        assert_eq!(key, (a.to_path_buf(), bridge.to_string(), assumption.holds.clone()));
        assert_ne!(Some(key), guarantee_key(b, loader, &assumption), "another host's bridge");
        assert_eq!(guarantee_key(a, &in_bridge, &assumption), None, "a mutant of the driver itself");
    }

    #[test]
    fn a_reset_is_highs_then_lows_read_from_the_vcd() {
        let vcd = "$var wire 1 n3 rst $end\n$var reg 5 n2 count $end\n#0\nb1 n3\n#10\nb00001 n2\n#160\nb0 n3\n";
        let levels = rst_levels(vcd);
        assert_eq!(levels[15], Some(true));
        assert_eq!(levels[16], Some(false));
        assert_eq!(reset_high_first(&levels), Some(16));
        assert_eq!(reset_high_first(&rst_levels("$var wire 1 n3 rst $end\n#0\nb0 n3\n")), Some(0));
        // High again later, or never known: no.
        assert_eq!(reset_high_first(&rst_levels("$var wire 1 n3 rst $end\n#0\nb1 n3\n#50\nb0 n3\n#90\nb1 n3\n")), None);
        assert_eq!(reset_high_first(&rst_levels("$var wire 1 n3 rst $end\n#0\nbx n3\n")), None);
        assert_eq!(reset_high_first(&rst_levels("$var wire 1 n3 rst $end\n#0\nb1 n3\n")), None);
    }

    #[test]
    fn a_mutant_of_a_clock_input_is_taken_as_proven_only_if_stuck_and_from_power_on() {
        let stuck = "mutate -ctrl mutsel 16 443 -mode const0 -module $paramod$6\\sf_layer -cell $procdff$7355 -port CLK -portbit 0";
        let inverted = stuck.replace("const0", "inv");
        assert!(mutates_a_clock(stuck) && sticks_a_clock(stuck));
        assert!(mutates_a_clock(&inverted) && !sticks_a_clock(&inverted));
        assert!(!mutates_a_clock("mutate -mode inv -module m -cell $procdff$1 -port Q -portbit 0 -wire CLK"));
        assert!(!sticks_a_clock("mutate -mode const0 -module m -cell $procdff$1 -port D -portbit 0"));
        let mutant = |command: &str| Mutant {
            host: "wait".into(),
            module: super::super::RtlModule::Layer,
            id: 443,
            command: command.into(),
        };
        for scope in [Scope::Module, Scope::PowerOn, Scope::Host, Scope::Parent] {
            let proof = Proof { scope, seconds: 1.0, past_end_zero: true };
            let from_power_on = matches!(scope, Scope::PowerOn | Scope::Parent);
            assert_eq!(proof.holds_for(&mutant(stuck)), from_power_on, "{scope:?}");
            assert!(!proof.holds_for(&mutant(&inverted)), "{scope:?}");
            assert!(proof.holds_for(&mutant("mutate -mode inv -module m -cell c -port Q -portbit 0")), "{scope:?}");
        }
        // The dormant proof clocks the shared registers with one clock: no clock mutant.
        let dormant = Proof { scope: Scope::Dormant, seconds: 1.0, past_end_zero: true };
        assert!(!dormant.holds_for(&mutant(stuck)) && !dormant.holds_for(&mutant(&inverted)));
        assert!(dormant.holds_for(&mutant("mutate -mode inv -module m -cell c -port Q -portbit 0")));
    }

    #[test]
    fn the_miter_verdict_is_read_from_the_model_checker_log() {
        let failed = "ABC command line: \"read_aiger t.aig; strash; scorr; scorr -q -F 2; dc2; dprove -T 60\".\n\n\
                      Output 0 of miter \"t\" was asserted in frame 5.  Time =     0.01 sec\n";
        assert_eq!(miter_verdict(failed), MiterVerdict::Fails(5, Trace::default()));
        assert_eq!(miter_verdict("Property proved.  Time =     0.02 sec\n"), MiterVerdict::Holds);
        assert_eq!(miter_verdict("Networks are equivalent.  Time =    18.17 sec\n"), MiterVerdict::Holds);
        assert_eq!(
            miter_verdict("The network has no latches. Running CEC.\nUNSATISFIABLE  Time = 0.01 sec\n"),
            MiterVerdict::Holds
        );
        assert_eq!(miter_verdict("SATISFIABLE  Time = 0.01 sec\n"), MiterVerdict::Unknown);
        let differs =
            "Output 0 of miter \"g\" was asserted in frame 8. Time =     0.01 sec\nNetworks are not equivalent.\n";
        assert_eq!(miter_verdict(differs), MiterVerdict::Fails(8, Trace::default()));
        assert_eq!(miter_verdict("Reached timeout (60 seconds).\n"), MiterVerdict::Unknown);
        assert_eq!(miter_verdict(""), MiterVerdict::Unknown);
    }

    #[test]
    fn a_replay_names_the_outputs_whose_copies_differ_in_the_frame() {
        // `sim -vcd` of a miter: a cycle is 10 units; values as of the frame's rising edge.
        let vcd = "$var wire 1 ! gold_valid $end\n$var wire 3 \" gold_neuron $end\n\
                   $var wire 1 # gate_valid $end\n$var wire 3 $ gate_neuron $end\n$var wire 1 % trigger $end\n\
                   $enddefinitions $end\n#0\n0!\nb000 \"\n0#\nb111 $\n0%\n#20\n1!\n1#\nb001 $\n#25\n#30\nb010 $\n";
        assert_eq!(differing_pairs(vcd, 0), ["neuron 000/111"]);
        assert_eq!(differing_pairs(vcd, 2), ["neuron 000/001"]);
        assert_eq!(differing_pairs(vcd, 3), ["neuron 000/010"]);
    }

    #[test]
    fn a_counterexample_reads_as_each_input_port_per_cycle() {
        // `write_aiger -map` and `write_cex -n` of a 3-cycle counterexample (yosys 0.23): a
        // clock input the model does not use, a 1-bit and a 2-bit port, and a register line.
        let map = "input 0 0 clk\ninput 1 0 a\ninput 2 0 b\ninput 3 1 b\noutput 0 0 trigger\nlatch 0 0 c\n";
        let cex = "# FALSIFYING OUTPUTS: po0\n# COUNTEREXAMPLE LENGTH: 3\nlo0@0=0\npi0@0=0\npi1@0=1\npi2@0=0\n\
                   pi3@0=1\npi0@1=0\npi1@1=1\npi2@1=1\npi3@1=1\npi0@2=0\npi1@2=0\npi2@2=1\npi3@2=0\n# DONE\n";
        let trace = Trace::from_cex(map, cex);
        let port = |port: &str, values: &[&str]| PortTrace {
            port: port.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        assert_eq!(trace.inputs, vec![port("a", &["1", "1", "0"]), port("b", &["2", "3", "1"])]);
        assert_eq!(trace.to_string(), "a: 1 1 0; b: 2 3 1");
        let named = Trace { module: "m".into(), ..trace.clone() };
        assert_eq!(named.to_string(), "a: 1 1 0; b: 2 3 1 in m");
        assert_eq!(Trace { module: "m".into(), ..Trace::default() }.to_string(), "every input 0 in m");
        assert_eq!(hex(10, &[9, 0]), "201");
        assert!(Trace::from_cex(map, "").is_empty());
        // The witness `sim -r` reads: the one latch 0, then each frame's inputs in order.
        assert_eq!(trace.witness.as_deref(), Some("1\nb0\n0\n0101\n0111\n0010\n.\n"));
    }

    #[test]
    fn the_mutation_is_the_command_without_its_control() {
        let line = "mutate -ctrl mutsel 16 17 -mode inv -module $paramod$a\\sf_lane -cell $procmux$2739 -port A";
        assert_eq!(without_control(line), "mutate -mode inv -module $paramod$a\\sf_lane -cell $procmux$2739 -port A");
        assert_eq!(module_of(line).as_deref(), Some("$paramod$a\\sf_lane"));
        assert_eq!(control_wire(line), Some("mutsel"));
        assert_eq!(control_wire("mutate -mode inv -module m"), None);
    }
}
