//! Cycle-accurate co-simulation: the generated RTL in Verilator against the golden model
//! (every emitted event, every score) and the cycle model (every layer's DONE cycle).
//!
//! The route (measured on this machine kind, ARCHITECTURE.md "Co-simulation"): a C++
//! harness compiled with `verilator --cc --exe --build -O3 --x-assign fast --x-initial fast`
//! (single-threaded), cached by a hash of the Verilog and the harness, driven over pipes:
//! all inputs go in on stdin and stream through back to back, the taps come out on stdout
//! as one text record per event. On the first mismatch the same inputs are replayed in a
//! `--trace` build that dumps a VCD of only the failing input's cycles.
//!
//! Architecture Invariant: this module is the only place in the workspace that runs
//! Verilator.

pub(crate) mod build;
pub mod ci;
mod compare;
pub mod fuzz;
pub(crate) mod guard;
mod icarus;
pub mod junit;
mod records;
mod shard;
pub mod uart;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use model::HardwarePlan;
use rayon::prelude::*;

pub use build::{Verilator, find_verilator, version_dir};
pub use compare::{CosimReport, Mismatch, MismatchKind, Timing, compare, locate_membrane};
pub use guard::SimTimeout;
pub use hdl_gen::DesignInfo;
pub use icarus::find_icarus;
use serde::Serialize;
pub use shard::Shard;

use crate::cycle::{self, InputWork, input_work};
use crate::error::SimError;
use crate::golden::{Golden, NoObserver, Trace};
use crate::membrane::MembraneDigest;
use guard::GuardedChild;
use records::RecordParser;

/// One emitted event as the RTL's tap saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtlEvent {
    /// Emitting neuron.
    pub neuron: u32,
    /// Plane (plane codes) or value (payload codes).
    pub sel: u32,
    /// Negative (ternary) spike.
    pub neg: bool,
    /// The score (last layer of a readout network only).
    pub score: i64,
}

/// One item (input, timestep) of one layer as the RTL ran it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RtlItem {
    /// Events emitted, in order.
    pub events: Vec<RtlEvent>,
    /// Timestep the layer reported.
    pub t: u32,
    /// DONE cycle.
    pub done: u64,
    /// Digest of the membranes the layer's update wrote for the item (`None`: the record
    /// carried none).
    pub digest: Option<MembraneDigest>,
    /// The membranes themselves, `(neuron, value)` in the order written: only inside a VCD
    /// window, where they locate a digest mismatch.
    pub membranes: Vec<(u32, i64)>,
}

/// Everything the RTL did for a batch of inputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RtlRun {
    /// Encoder START cycle of every input.
    pub starts: Vec<u64>,
    /// `[layer][item]`, items in order `input · T + t`.
    pub layers: Vec<Vec<RtlItem>>,
    /// Cycles simulated.
    pub cycles: u64,
    /// True if the run hit the cycle limit before all inputs were done.
    pub timed_out: bool,
}

/// Which simulator runs the RTL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SimulatorKind {
    /// Verilator with the C++ harness: fast, the default.
    #[default]
    Verilator,
    /// Icarus Verilog with the generated Verilog testbench: the event-driven reference.
    Icarus,
}

impl SimulatorKind {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            SimulatorKind::Verilator => "verilator",
            SimulatorKind::Icarus => "icarus",
        }
    }
}

/// One run as both simulators take it ([`Simulator::run`]).
#[derive(Clone, Copy)]
struct Batch<'a> {
    inputs: &'a [u8],
    size: usize,
    limit: u64,
    vcd: Option<(&'a Path, u64, u64)>,
}

/// A compiled simulation of one design.
#[derive(Clone, Debug)]
pub struct Simulator {
    /// The simulator that runs it.
    pub kind: SimulatorKind,
    /// The harness binary (Verilator) or compiled testbench (Icarus `.vvp`).
    pub binary: PathBuf,
    /// The generated design directory (memory files are read from it at run time).
    pub design_dir: PathBuf,
    /// Layers in the design.
    pub layers: usize,
    /// Timesteps per input.
    pub timesteps: u64,
    /// Input values the core takes per cycle, and the bits of each (how inputs are packed).
    pub input_chunk: (u32, u32),
    /// The wall-clock guard on each run.
    pub timeout: SimTimeout,
    /// A seed to stall the input stream with (`in_valid` low in about one cycle in four,
    /// the same cycles in both simulators); `None`: back to back.
    pub stall: Option<u64>,
}

impl Simulator {
    /// Compile (or reuse from `cache`) the design in `design_dir`, whose manifest names the
    /// top and files, for `kind`. `trace` builds Verilator's VCD-capable variant (the Icarus
    /// testbench can always dump one).
    pub fn build(kind: SimulatorKind, design_dir: &Path, cache: &Path, trace: bool) -> Result<Simulator, SimError> {
        match kind {
            SimulatorKind::Verilator => build::build(design_dir, cache, trace),
            SimulatorKind::Icarus => icarus::build(design_dir, cache),
        }
    }

    /// Run `count` inputs of `size` values back to back. `vcd` = (file, first, last cycle).
    /// A run still going after [`SimTimeout::budget`] for `limit` cycles is killed
    /// ([`SimError::Hung`]); under Verilator each finished item restarts that clock with
    /// one item's share of `limit`.
    pub fn run(
        &self,
        inputs: &[u8],
        size: usize,
        limit: u64,
        vcd: Option<(&Path, u64, u64)>,
        mut progress: impl FnMut(usize),
    ) -> Result<RtlRun, SimError> {
        match self.kind {
            SimulatorKind::Verilator => self.run_harness(Batch { inputs, size, limit, vcd }, &mut progress),
            SimulatorKind::Icarus => icarus::run(self, Batch { inputs, size, limit, vcd }, &mut progress),
        }
    }

    /// Start this simulator's process `cmd` in the design directory (memory files are read
    /// from it) under the guard for a run of `limit` cycles; returns it and its budget.
    fn start(&self, cmd: &mut Command, limit: u64) -> Result<(GuardedChild, Duration), SimError> {
        let guarded = GuardedChild::spawn(cmd.current_dir(&self.design_dir))?;
        let budget = self.timeout.budget(self.kind, limit);
        guarded.arm(budget);
        Ok((guarded, budget))
    }

    fn run_harness(&self, batch: Batch, progress: &mut impl FnMut(usize)) -> Result<RtlRun, SimError> {
        let Batch { inputs, size, limit, vcd } = batch;
        let count = inputs.len() / size.max(1);
        let mut cmd = Command::new(&self.binary);
        cmd.arg(limit.to_string());
        if let Some(seed) = self.stall {
            cmd.env("SF_STALL_SEED", seed.to_string());
        }
        if let Some((path, first, last)) = vcd {
            let abs = std::path::absolute(path).map_err(|source| SimError::Io { path: path.to_path_buf(), source })?;
            cmd.arg(abs).arg(first.to_string()).arg(last.to_string());
        }
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let (mut guarded, budget) = self.start(&mut cmd, limit)?;
        let child = &mut guarded.child;
        let mut stdin = child.stdin.take().expect("piped");
        let mut payload = Vec::with_capacity(8 + inputs.len());
        payload.extend_from_slice(&(count as u32).to_le_bytes());
        payload.extend_from_slice(&(size as u32).to_le_bytes());
        payload.extend_from_slice(inputs);
        // Feed stdin and drain stderr from threads so no full pipe can deadlock us.
        let writer = std::thread::spawn(move || stdin.write_all(&payload));
        let mut stderr = child.stderr.take().expect("piped");
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            text
        });
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut parser = RecordParser::new(self.layers);
        // Every finished item re-arms the guard for one item's share of the cycles: a large
        // design that simulates slowly but keeps finishing items is not hung (the measured
        // speed is a small dense design's); a stuck one is still killed.
        let items = (count as u64 * self.timesteps).max(1);
        let per_item = self.timeout.budget(self.kind, limit.div_ceil(items));
        let armed = std::cell::Cell::new(budget);
        let read = stdout.lines().try_for_each(|line| {
            let line =
                line.map_err(|source| SimError::Process { step: "reading", program: "the harness".into(), source })?;
            parser.line(&line, &mut |n| {
                guarded.arm(per_item);
                armed.set(per_item);
                progress(n)
            })
        });
        guarded.disarm();
        // A killed harness may have left half a record: the hang is the error to report.
        if guarded.fired() {
            return Err(parser.hung(self.kind, armed.get(), vcd.map(|(path, _, _)| path)));
        }
        read?;
        let status = guarded.child.wait().map_err(|source| SimError::Process {
            step: "waiting for",
            program: "the harness".into(),
            source,
        })?;
        let _ = writer.join();
        let err = errors.join().unwrap_or_default();
        if !status.success() {
            return Err(SimError::Exited { program: "the simulation", status, said: err.trim().to_string() });
        }
        parser.finish()
    }
}

/// `verilator --lint-only -Wall` over a generated directory (every `.v` its manifest
/// lists), then over its Verilog testbench (with `--timing`, which its clock needs) and its
/// board top.
/// Returns the warnings as an error if there are any.
pub fn lint(design_dir: &Path) -> Result<(), SimError> {
    let verilator = find_verilator()?;
    let info = DesignInfo::read(design_dir).map_err(SimError::Design)?;
    let (sources, tb, board) = (info.sources(), info.testbench(), info.board());
    let runs = [
        (info.top(), sources.clone(), None),
        (&tb.top, sources.iter().chain(&tb.files).cloned().collect(), Some("--timing")),
        (&board.top, sources.iter().chain(&board.files).cloned().collect(), None),
    ];
    for (top, files, extra) in runs {
        lint_top(&verilator, design_dir, top, &files, extra)?;
    }
    Ok(())
}

/// `verilator --lint-only -Wall` over a generated directory's clocked top for `family` (the
/// board top behind its PLL, synthesis only), with `primitives`: a file in the directory
/// declaring the vendor primitives the PLL module instantiates (yosys's `cells_sim.v`
/// modules). Their own warnings are not the design's, so a Verilator configuration file
/// written beside them turns lint off for that file alone.
pub fn lint_clocked_top(design_dir: &Path, family: hdl_gen::pll::PllFamily, primitives: &str) -> Result<(), SimError> {
    let verilator = find_verilator()?;
    let info = DesignInfo::read(design_dir).map_err(SimError::Design)?;
    let board = info.board();
    let clocked = board.pll(family);
    let config = format!("{primitives}.vlt");
    let config_path = design_dir.join(&config);
    std::fs::write(&config_path, format!("`verilator_config\nlint_off -file \"*{primitives}\"\n"))
        .map_err(|source| SimError::Io { path: config_path, source })?;
    let files: Vec<String> = [config, primitives.to_string()]
        .into_iter()
        .chain(info.sources())
        .chain(board.files.iter().cloned())
        .chain(clocked.files.iter().cloned())
        .collect();
    lint_top(&verilator, design_dir, &clocked.top, &files, None)
}

/// One Verilator lint run of `top` over `files` in `dir`.
fn lint_top(
    verilator: &Verilator,
    dir: &Path,
    top: &str,
    files: &[String],
    extra: Option<&str>,
) -> Result<(), SimError> {
    let output = Command::new(&verilator.path)
        .current_dir(dir)
        .args(["--lint-only", "-Wall", "--top-module", top])
        .args(extra)
        .args(files)
        .output()
        .map_err(|source| SimError::Process { step: "cannot run", program: "verilator".into(), source })?;
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() || text.contains("%Warning") || text.contains("%Error") {
        return Err(SimError::Lint { dir: dir.to_path_buf(), top: top.to_string(), output: text });
    }
    Ok(())
}

/// The build cache: `dir` when given (`--cache-dir`), else [`default_cache_dir`].
/// Verilator builds go into a subdirectory named from its version ([`version_dir`]).
pub fn cache_dir(dir: Option<&Path>) -> PathBuf {
    dir.map_or_else(default_cache_dir, Path::to_path_buf)
}

/// Where compiled simulations are cached: `$SPIKEFORGE_CACHE_DIR`, else
/// `~/.cache/spikeforge/verilator`, else the system temp directory.
pub fn default_cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SPIKEFORGE_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cache/spikeforge/verilator"),
        None => std::env::temp_dir().join("spikeforge-verilator"),
    }
}

/// Options of [`cosimulate`].
pub struct CosimOptions<'a> {
    /// The simulator.
    pub simulator: SimulatorKind,
    /// Build cache.
    pub cache: PathBuf,
    /// Where to write the VCD of the first mismatching input (`None`: do not write one).
    pub vcd_dir: Option<PathBuf>,
    /// Called with the number of inputs finished since the last call.
    pub progress: &'a dyn Fn(usize),
    /// The wall-clock guard on each simulator run.
    pub timeout: SimTimeout,
    /// Stall the input stream with this seed ([`Simulator::stall`]). Spikes, scores and
    /// membranes are compared as always; START and DONE cycles are not (the cycle model
    /// assumes a stream that never stalls), only that every input starts once.
    pub stall: Option<u64>,
}

impl CosimOptions<'_> {
    /// The simulator of the design in `design_dir` (`trace`: the VCD-capable build) with
    /// these options' time guard and stall.
    fn simulator(&self, design_dir: &Path, trace: bool) -> Result<Simulator, SimError> {
        let mut sim = Simulator::build(self.simulator, design_dir, &self.cache, trace)?;
        sim.timeout = self.timeout;
        sim.stall = self.stall;
        Ok(sim)
    }
}

/// What [`cosimulate`] found.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct CosimOutcome {
    /// The simulator that ran the RTL.
    pub simulator: SimulatorKind,
    /// The comparison.
    pub report: CosimReport,
    /// The VCD written for the first mismatch, if any.
    pub vcd: Option<PathBuf>,
    /// Seconds spent compiling (0 when cached).
    pub build_seconds: f64,
    /// Seconds spent simulating (RTL only).
    pub sim_seconds: f64,
    /// Seconds for the golden traces and the cycle model.
    pub golden_seconds: f64,
    /// Per layer: ideal replay cycles `events · N / P` over the replay cycles spent
    /// (`events · G`), from the cycle model the RTL was held to.
    pub lane_utilization: Vec<f64>,
    /// The shard of the inputs that ran (left out of JSON for the unsharded run).
    #[serde(default, skip_serializing_if = "Shard::is_whole")]
    pub shard: Shard,
    /// The seed the input stream was stalled with, if it was (cycles then unchecked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall: Option<u64>,
}

/// Co-simulate the design in `design_dir` (written by `hdl_gen`) on `inputs` (concatenated,
/// `network.input.size()` values each) against the golden model and the cycle model.
pub fn cosimulate(
    golden: &Golden,
    plan: &HardwarePlan,
    design_dir: &Path,
    inputs: &[u8],
    options: &CosimOptions,
) -> Result<CosimOutcome, SimError> {
    cosimulate_shard(golden, plan, design_dir, inputs, Shard::WHOLE, options)
}

/// [`cosimulate`] on `shard`'s part of `inputs` only ([`Shard`]), streamed as one run. Input
/// indices in the outcome and its errors (mismatches, the waveform's name, a hang) are the
/// whole run's, so every shard names an input as the unsharded run would.
pub fn cosimulate_shard(
    golden: &Golden,
    plan: &HardwarePlan,
    design_dir: &Path,
    inputs: &[u8],
    shard: Shard,
    options: &CosimOptions,
) -> Result<CosimOutcome, SimError> {
    let net = golden.network();
    let size = net.input.size();
    let selected;
    let inputs = if shard.is_whole() {
        inputs
    } else {
        selected = shard.select_inputs(inputs, size);
        &selected
    };
    let started = Instant::now();
    let sim = options.simulator(design_dir, false)?;
    let build_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let traces: Vec<Trace> = inputs
        .par_chunks(size)
        .enumerate()
        .map(|(i, x)| golden.trace_observed(x, shard.global(i), &mut NoObserver))
        .collect::<Result<_, _>>()?;
    let works: Vec<InputWork> =
        traces.iter().zip(inputs.chunks(size)).map(|(t, x)| input_work(golden, plan, x, t)).collect();
    let schedule = cycle::schedule(&works);
    let golden_seconds = started.elapsed().as_secs_f64();

    let limit = schedule.total * 2 + 10_000;
    let started = Instant::now();
    let run = match sim.run(inputs, size, limit, None, options.progress) {
        Err(hung @ SimError::Hung { input: Some(n), .. }) if options.vcd_dir.is_some() => {
            let dir = options.vcd_dir.as_deref().expect("checked");
            let first = schedule.inputs[n].start.saturating_sub(2);
            let inputs = (&inputs[..(n + 1) * size], size);
            return Err(renumber_hung(
                hung_waveform(options, design_dir, inputs, (limit, first), dir, hung, shard),
                shard,
            ));
        }
        run => run.map_err(|e| renumber_hung(e, shard))?,
    };
    let sim_seconds = started.elapsed().as_secs_f64();
    let timing = if options.stall.is_some() { Timing::Unchecked } else { Timing::Checked };
    let mut report = compare(golden, &traces, &schedule, &run, timing);
    for m in report.first.iter_mut().chain(&mut report.mismatches) {
        m.input = shard.global(m.input);
    }

    let mut vcd = None;
    if let (Some(m), Some(dir)) = (report.first.clone(), &options.vcd_dir) {
        let n = shard.local(m.input).expect("renumbered from this shard");
        let first = schedule.inputs[n].start.min(run.starts.get(n).copied().unwrap_or(u64::MAX)).saturating_sub(2);
        let rtl_done =
            run.layers.last().and_then(|l| l.get((n + 1) * net.timesteps as usize - 1)).map_or(0, |i| i.done);
        let last = schedule.inputs[n].done.max(rtl_done) + 2;
        std::fs::create_dir_all(dir).map_err(|source| SimError::Io { path: dir.to_path_buf(), source })?;
        let path = dir.join(format!("input{}.vcd", m.input));
        let replay = options
            .simulator(design_dir, true)?
            .run(&inputs[..(n + 1) * size], size, last + 10, Some((&path, first, last)), |_| {})
            .map_err(|e| renumber_hung(e, shard))?;
        // The replay listed the membranes of the input's window: name the neuron.
        let located = locate_in_replay(golden, &m, &inputs[n * size..(n + 1) * size], &replay, n)?;
        if let Some((neuron, kind)) = located {
            let same = |x: &&mut Mismatch| x.input == m.input;
            for x in report.first.iter_mut().chain(report.mismatches.iter_mut().filter(same).take(1)) {
                x.neuron = Some(neuron);
                x.kind = kind.clone();
            }
        }
        vcd = Some(path);
    }
    let lane_utilization = cycle::lane_utilization(plan, works.iter());
    Ok(CosimOutcome {
        simulator: options.simulator,
        report,
        vcd,
        build_seconds,
        sim_seconds,
        golden_seconds,
        lane_utilization,
        shard,
        stall: options.stall,
    })
}

/// For a membrane digest mismatch `m` (of local input `n`, whose values are `input`): the
/// first neuron whose membrane the replay listed differently from the golden model, and the
/// mismatch kind with both values. `None` for other mismatches, or if the listing agrees.
fn locate_in_replay(
    golden: &Golden,
    m: &Mismatch,
    input: &[u8],
    replay: &RtlRun,
    n: usize,
) -> Result<Option<(u32, MismatchKind)>, SimError> {
    let MismatchKind::Membrane { expected, got, value: None } = m.kind else { return Ok(None) };
    let t_max = golden.network().timesteps as usize;
    let Some(item) = replay.layers.get(m.layer).and_then(|l| l.get(n * t_max + m.timestep as usize)) else {
        return Ok(None);
    };
    let membranes = golden.membranes(input)?;
    let expected_values = &membranes[m.layer][m.timestep as usize];
    Ok(compare::locate_membrane(expected_values, &item.membranes)
        .map(|(neuron, e, g)| (neuron, MismatchKind::Membrane { expected, got, value: Some((e, g)) })))
}

/// A hang while simulating this shard's `n`th input names the whole run's input.
fn renumber_hung(e: SimError, shard: Shard) -> SimError {
    match e {
        SimError::Hung { simulator, budget, input, layer, vcd } => {
            SimError::Hung { simulator, budget, input: input.map(|n| shard.global(n)), layer, vcd }
        }
        other => other,
    }
}

/// The error for `hung` (input `n`, the last of `inputs`), naming the waveform of that
/// input as far as the simulator gets before it is killed again.
fn hung_waveform(
    options: &CosimOptions,
    design_dir: &Path,
    (inputs, size): (&[u8], usize),
    (limit, first): (u64, u64),
    dir: &Path,
    hung: SimError,
    shard: Shard,
) -> SimError {
    let SimError::Hung { input: Some(n), .. } = hung else { return hung };
    let path = dir.join(format!("input{}.vcd", shard.global(n)));
    let traced = std::fs::create_dir_all(dir)
        .map_err(|source| SimError::Io { path: dir.to_path_buf(), source })
        .and_then(|_| options.simulator(design_dir, true));
    let traced = match traced {
        Ok(traced) => traced,
        Err(e) => return e,
    };
    match traced.run(inputs, size, limit, Some((&path, first, limit)), |_| {}) {
        Err(e @ SimError::Hung { .. }) => e,
        // The replay did not hang the same way: the first report stands.
        _ => hung,
    }
}
