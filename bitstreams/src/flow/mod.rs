//! Synthesis, place and route and packing of a generated design's board top for one board,
//! with the tools' reports parsed into one [`BuildReport`].
//!
//! [`build`] runs named steps in order, each leaving its outputs and its tool's log in the
//! build directory: [`stage`] (copy what the tools read, settle the clock), [`synthesize`]
//! (yosys `synth_<family>`, `stat -json`), [`place_and_route`] (nextpnr with `--report`,
//! over placer seeds until timing is met), [`pack`] (icepack / ecppack / gowin_pack) and
//! [`report`]. The family-specific parts of every command line come from the board table
//! ([`crate::boards`]); tools are found and run by [`crate::tools`].

mod pll;
mod reports;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

pub use pll::{
    Ecp5Pll, GowinPll, Ice40Pll, Pll, board_pll, core_clock_mhz, ecp5_pll, ecp5_settings, gowin_pll, gowin_settings,
    ice40_filter_range, ice40_pll, ice40_settings, pll_settings,
};
pub use reports::{parse_fmax, parse_stat, parse_utilization};

use crate::BitstreamError;
use crate::boards::{Board, BoardFacts};
use crate::tools::{self, run_tool};

/// The tool commands of one flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tools {
    /// yosys.
    pub yosys: PathBuf,
    /// nextpnr for the family.
    pub nextpnr: PathBuf,
    /// The packer.
    pub pack: PathBuf,
    /// Where they came from (`YoWASP (.venv)` or `PATH`, or both).
    pub origin: String,
}

/// Find the flow's tools for `board` ([`tools::find`]), or say which is missing and how to
/// install it.
pub fn find_tools(board: Board) -> Result<Tools, BitstreamError> {
    let flow = &board.facts().flow;
    let (yosys, a) = tools::find(tools::YOSYS)?;
    let (nextpnr, b) = tools::find(flow.nextpnr)?;
    let (pack, c) = tools::find(flow.pack)?;
    let origin = if a == b && b == c {
        a.label().to_string()
    } else {
        format!("{} and {}", tools::Origin::Venv.label(), tools::Origin::Path.label())
    };
    Ok(Tools { yosys, nextpnr, pack, origin })
}

/// Options of [`build`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BuildOptions {
    /// Target board.
    pub board: Board,
    /// Clock target in MHz for nextpnr (default: the board's oscillator).
    pub freq_mhz: Option<f64>,
    /// Placer seeds to try until timing is met.
    pub seeds: u32,
    /// UART baud rate of the board top ([`crate::boards::uart_divider`] checks it against the
    /// board's USB bridge and the core clock).
    pub baud: u32,
}

/// One resource row: what the design uses of what the part has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// nextpnr's cell type (`ICESTORM_LC`, `TRELLIS_COMB`, ...).
    pub kind: String,
    /// Used.
    pub used: u64,
    /// Available on the part.
    pub available: u64,
}

/// A placement attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedResult {
    /// Placer seed.
    pub seed: u32,
    /// Achieved Fmax in MHz.
    pub fmax_mhz: f64,
    /// Met the target.
    pub met: bool,
}

/// Everything a build measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BuildReport {
    /// Board name.
    pub board: String,
    /// Tools used.
    pub tools: Tools,
    /// Synthesized cells by type (yosys `stat -json`).
    pub cells: Vec<(String, u64)>,
    /// Placed resources (nextpnr `--report`), types with any use or of a main kind.
    pub resources: Vec<Resource>,
    /// Every seed tried.
    pub seeds: Vec<SeedResult>,
    /// Target clock in MHz.
    pub target_mhz: f64,
    /// The clock the board top runs on in MHz: the board's oscillator, or the PLL's.
    pub clock_mhz: f64,
    /// The PLL in front of the board top, where a core clock other than the oscillator was
    /// asked for: its dividers and the clock it makes.
    pub pll: Option<Pll>,
    /// Best achieved Fmax in MHz.
    pub fmax_mhz: f64,
    /// Cells on the critical path of the best placement (from, to).
    pub critical_path: Option<(String, String)>,
    /// The UART's baud rate (absent in reports of builds before it was recorded).
    #[serde(default)]
    pub baud: Option<u32>,
    /// The bitstream.
    pub bitstream: PathBuf,
    /// Seconds per step.
    pub seconds: Vec<(String, f64)>,
}

/// Build the board top of the design in `design_dir` into `out_dir` (which receives the
/// sources, the logs, the reports and the bitstream). `progress` hears each step.
pub fn build(
    design_dir: &Path,
    out_dir: &Path,
    options: &BuildOptions,
    progress: &dyn Fn(&str),
) -> Result<BuildReport, BitstreamError> {
    let tools = find_tools(options.board)?;
    let staged = stage(design_dir, out_dir, options)?;
    let mut seconds = Vec::new();
    progress("synthesis (yosys)");
    let cells = timed(&mut seconds, "synthesis", || synthesize(&tools, &staged))?;
    let placed = timed(&mut seconds, "place and route", || place_and_route(&tools, &staged, options.seeds, progress))?;
    progress("packing");
    let bitstream = timed(&mut seconds, "packing", || pack(&tools, &staged, placed.best_seed))?;
    report(staged, tools, cells, placed, bitstream, seconds)
}

/// The design staged in the build directory, and the clock it is built for.
pub struct Staged {
    /// The build directory.
    dir: PathBuf,
    /// The board's row.
    facts: &'static BoardFacts,
    /// The synthesis top: the board top, or the PLL top around it.
    top: String,
    /// Synthesizable sources, in reading order.
    sources: Vec<String>,
    /// Whether a layer's weights are loaded at start-up (single-port RAM on the UP5K).
    loads_weights: bool,
    /// The PLL in front of the board top.
    pll: Option<Pll>,
    /// The clock the board top runs on in MHz.
    clock_mhz: f64,
    /// nextpnr's target in MHz.
    target_mhz: f64,
    /// The UART's baud rate.
    baud: u32,
    /// Its clocks per bit at `clock_mhz`.
    clks_per_bit: u32,
}

/// Step 1: copy everything the tools read into `out_dir` (they run on relative names),
/// write the board's constraints, and settle the clock: the board's PLL in front of the board
/// top where another clock than the oscillator was asked for ([`board_pll`]).
pub fn stage(design_dir: &Path, out_dir: &Path, options: &BuildOptions) -> Result<Staged, BitstreamError> {
    let facts = options.board.facts();
    let info = hdl_gen::DesignInfo::read(design_dir)?;
    // A manifest of another version was refused by `read`: every design has the board top
    // and a clocked top per PLL family.
    let board_top = info.board();
    let pll = board_pll(options.board, options.freq_mhz)?;
    let pll_top = pll.map(|p| board_top.pll(p.family()));
    let oscillator_mhz = options.board.oscillator_mhz();
    let clock_mhz = pll.map_or(oscillator_mhz, |p| p.mhz());
    let clks_per_bit = crate::boards::uart_divider(options.board, clock_mhz * 1e6, options.baud)?;
    let io = |p: &Path, error| BitstreamError::Io { path: p.to_path_buf(), error };
    std::fs::create_dir_all(out_dir).map_err(|e| io(out_dir, e))?;
    let pll_sources = pll_top.map(|p| p.files.clone()).unwrap_or_default();
    let sources: Vec<String> = info.sources().iter().chain(&board_top.files).chain(&pll_sources).cloned().collect();
    let mut files: Vec<String> = sources.iter().chain(&info.includes()).cloned().collect();
    for entry in std::fs::read_dir(design_dir).map_err(|e| io(design_dir, e))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".mem") {
            files.push(name);
        }
    }
    for f in &files {
        std::fs::copy(design_dir.join(f), out_dir.join(f)).map_err(|e| io(&design_dir.join(f), e))?;
    }
    let constraints = out_dir.join(facts.constraints);
    std::fs::write(&constraints, facts.constraints_text).map_err(|e| io(&constraints, e))?;
    Ok(Staged {
        dir: out_dir.to_path_buf(),
        facts,
        top: pll_top.map_or(&board_top.top, |p| &p.top).clone(),
        sources,
        loads_weights: !board_top.loads.is_empty(),
        pll,
        clock_mhz,
        target_mhz: if pll.is_some() { clock_mhz } else { options.freq_mhz.unwrap_or(oscillator_mhz) },
        baud: options.baud,
        clks_per_bit,
    })
}

/// Step 2: synthesize the top with the board top's UART timing and PLL dividers as
/// parameters into `synth.json`; returns the synthesized cells by type.
pub fn synthesize(tools: &Tools, staged: &Staged) -> Result<Vec<(String, u64)>, BitstreamError> {
    let clock_hz = staged.clock_mhz * 1e6;
    let clks_per_bit = staged.clks_per_bit;
    let timeout = (clock_hz / 10.0) as u64;
    let pll_params: String = staged
        .pll
        .iter()
        .flat_map(|p| p.parameters())
        .map(|(name, value)| format!(" -chparam {name} {value}"))
        .collect();
    let flow = &staged.facts.flow;
    // Loaded weights (no initial contents, one address port) go to single-port RAM, which
    // synthesis may only infer when asked.
    let synth = match flow.synth_loaded_weights.filter(|_| staged.loads_weights) {
        Some(option) => format!("{} {option}", flow.synth),
        None => flow.synth.to_string(),
    };
    let top = &staged.top;
    let script = format!(
        "read_verilog -defer -I. {}; hierarchy -top {top} -chparam CLKS_PER_BIT {clks_per_bit} -chparam TIMEOUT {timeout}{pll_params}; \
         {synth} -top {top} -json synth.json; tee -q -o stat.json stat -json",
        staged.sources.join(" "),
    );
    run_tool(&tools.yosys, &["-p".into(), script], &staged.dir, "yosys.log", &["synth.json"])?;
    parse_stat(&staged.dir.join("stat.json"), top)
}

/// What place and route left: every seed tried and the best.
pub struct Placement {
    /// Every seed tried.
    seeds: Vec<SeedResult>,
    /// The seed with the highest Fmax.
    best_seed: u32,
    /// Its Fmax in MHz.
    fmax_mhz: f64,
}

/// Step 3: place and route `synth.json` with placer seeds 1, 2, ... until one meets the
/// target (at most `seeds`), each into `seed<N>.<ext>` with `seed<N>.report.json`. A
/// design nextpnr cannot place is [`BitstreamError::DoesNotFit`]; a missed target is not
/// an error (`--timing-allow-fail`, best of the seeds).
pub fn place_and_route(
    tools: &Tools,
    staged: &Staged,
    seeds: u32,
    progress: &dyn Fn(&str),
) -> Result<Placement, BitstreamError> {
    let flow = &staged.facts.flow;
    let mut results: Vec<SeedResult> = Vec::new();
    let mut best: Option<(f64, u32)> = None;
    // A placer that gives up on one seed may place the next (nextpnr-himbaechel's Gowin
    // placer failed a Tang Nano design at one seed that it had placed at another clock).
    let mut unplaced: Option<BitstreamError> = None;
    for seed in 1..=seeds.max(1) {
        progress(&format!("place and route (nextpnr, seed {seed})"));
        let placed = format!("seed{seed}.{}", flow.placed_extension);
        let report = format!("seed{seed}.report.json");
        let mut args = fill(flow.place_args, staged, &placed);
        args.extend([
            "--json".into(),
            "synth.json".into(),
            "--freq".into(),
            format!("{}", staged.target_mhz),
            "--seed".into(),
            seed.to_string(),
            "--timing-allow-fail".into(),
            "--report".into(),
            report.clone(),
        ]);
        let log = format!("nextpnr-seed{seed}.log");
        let ran = run_tool(&tools.nextpnr, &args, &staged.dir, &log, &[&report]);
        if let Err(BitstreamError::ToolFailed { message, .. }) = &ran
            && message.contains("Unable to find legal placement")
        {
            progress(&format!("seed {seed} could not be placed: {message}"));
            unplaced.get_or_insert(ran.expect_err("matched an error"));
            continue;
        }
        ran.map_err(|e| match e {
            BitstreamError::ToolFailed { message, .. }
                if message.contains("Unable to place")
                    || message.contains("requires")
                    || message.contains("too many") =>
            {
                BitstreamError::DoesNotFit {
                    board: staged.facts.name.into(),
                    reason: message,
                    remedy: crate::sizing::FitRemedy::default(),
                }
            }
            e => e,
        })?;
        let fmax = parse_fmax(&staged.dir.join(&report))?;
        let met = fmax >= staged.target_mhz;
        results.push(SeedResult { seed, fmax_mhz: fmax, met });
        if best.is_none_or(|(f, _)| fmax > f) {
            best = Some((fmax, seed));
        }
        if met {
            break;
        }
    }
    let Some((fmax_mhz, best_seed)) = best else {
        return Err(unplaced.expect("a seed that neither placed nor failed otherwise"));
    };
    Ok(Placement { seeds: results, best_seed, fmax_mhz })
}

/// Step 4: pack the best placement into the board's bitstream file.
pub fn pack(tools: &Tools, staged: &Staged, seed: u32) -> Result<PathBuf, BitstreamError> {
    let flow = &staged.facts.flow;
    let placed = format!("seed{seed}.{}", flow.placed_extension);
    run_tool(&tools.pack, &fill(flow.pack_args, staged, &placed), &staged.dir, "pack.log", &[flow.bitstream])?;
    Ok(staged.dir.join(flow.bitstream))
}

/// Step 5: the best placement's utilization and critical path, with everything measured,
/// as one report (its nextpnr report kept as `nextpnr-report.json`).
pub fn report(
    staged: Staged,
    tools: Tools,
    cells: Vec<(String, u64)>,
    placed: Placement,
    bitstream: PathBuf,
    seconds: Vec<(String, f64)>,
) -> Result<BuildReport, BitstreamError> {
    let report_path = staged.dir.join(format!("seed{}.report.json", placed.best_seed));
    let resources = parse_utilization(&report_path)?;
    let critical_path = reports::parse_critical_path(&report_path);
    let _ = std::fs::copy(&report_path, staged.dir.join("nextpnr-report.json"));
    Ok(BuildReport {
        board: staged.facts.name.into(),
        tools,
        cells,
        resources,
        seeds: placed.seeds,
        target_mhz: staged.target_mhz,
        clock_mhz: staged.clock_mhz,
        pll: staged.pll,
        fmax_mhz: placed.fmax_mhz,
        critical_path,
        baud: Some(staged.baud),
        bitstream,
        seconds,
    })
}

/// Run one step, adding its seconds to `seconds`.
fn timed<T>(
    seconds: &mut Vec<(String, f64)>,
    step: &str,
    run: impl FnOnce() -> Result<T, BitstreamError>,
) -> Result<T, BitstreamError> {
    let started = Instant::now();
    let out = run()?;
    seconds.push((step.to_string(), started.elapsed().as_secs_f64()));
    Ok(out)
}

/// A board's argument template with the staged file names filled in.
fn fill(template: &[&str], staged: &Staged, placed: &str) -> Vec<String> {
    template
        .iter()
        .map(|a| {
            a.replace("{constraints}", staged.facts.constraints)
                .replace("{placed}", placed)
                .replace("{bitstream}", staged.facts.flow.bitstream)
        })
        .collect()
}
