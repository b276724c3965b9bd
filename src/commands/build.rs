//! `spikeforge build`: a model to a bitstream for a board, with one honest report.

use std::path::PathBuf;

use anyhow::Result;
use bitstreams::boards::Board;
use bitstreams::flow::BuildOptions;
use bitstreams::pipeline::{Inputs, ModelBuild, ModelBuildRequest, Progress, build_model};
use indicatif::{ProgressBar, ProgressStyle};

use crate::table::{Table, num};

#[derive(clap::Args)]
pub struct Args {
    /// Model file
    model: PathBuf,
    /// Board
    #[arg(long)]
    board: Board,
    /// Output directory: rtl/, tool logs, reports, the bitstream
    #[arg(long)]
    out: PathBuf,
    /// Core clock in MHz (default: the board's oscillator). The board's PLL makes it (the
    /// fastest setting not above it; ECP5 EHXPLLL, iCE40 SB_PLL40_PAD, Gowin rPLL), with the
    /// design held until the PLL locks; the place-and-route target is the PLL's clock
    #[arg(long)]
    freq: Option<f64>,
    /// Placer seeds to try until timing is met
    #[arg(long, default_value_t = 3)]
    seeds: u32,
    /// Lanes (default: sized per layer for the board's part on --data, as `gen --board`)
    #[command(flatten)]
    lanes: super::lanes::LaneArgs,
    /// UART baud rate of the board top
    #[arg(long, default_value_t = 115_200)]
    baud: u32,
    /// Inputs for lane sizing and the throughput estimate (the cycle model on the test split)
    #[command(flatten)]
    data: super::data::DataArgs,
    /// Write into OUT even if it holds files spikeforge did not write
    #[arg(long)]
    force: bool,
    /// Print JSON instead of tables
    #[arg(long)]
    json: bool,
    /// Also write OUT/report.html: plots and tables of the build and its design (`spikeforge report OUT`)
    #[arg(long)]
    report: bool,
}

pub fn run(args: Args) -> Result<()> {
    let board = args.board;
    let net = super::load_model(&args.model)?;
    // Inputs size the lanes and give the throughput; without them (dataset not installed)
    // the build still runs, unsized, and says so.
    let data = args.data.load(&net, &args.model);
    let bar = ProgressBar::new_spinner()
        .with_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("static template"));
    let progress = |event: Progress| match event {
        Progress::Sized { sizing, clock_mhz } => super::lanes::print_sizing(board, &net, sizing, clock_mhz),
        Progress::Unsized { lanes } => {
            let reason = data.as_ref().err().map_or(String::new(), |e| format!(" ({e})"));
            eprintln!("note: {lanes} lanes per layer, not sized for the board{reason}");
        }
        Progress::Step(step) => {
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar.set_message(step.to_string());
        }
    };
    let request = ModelBuildRequest {
        net: &net,
        plan: args.lanes.explicit(&net)?,
        choices: args.lanes.choices(),
        inputs: data.as_ref().ok().map(|set| Inputs { images: &set.images, labels: &set.labels }),
        flow: BuildOptions { board, freq_mhz: args.freq, seeds: args.seeds, baud: args.baud },
        out_dir: &args.out,
        force: args.force,
    };
    let out = build_model(request, &progress)?;
    bar.finish_and_clear();
    if args.report {
        let page = ::report::write_dir_page(&args.out)?;
        // On stderr, so that --json keeps stdout one JSON document.
        eprintln!("report: {}", page.display());
    }
    if args.json {
        return super::print_json(&out);
    }
    print_report(&out, &args);
    Ok(())
}

/// The build as tables and lines: resources against the prediction, timing, throughput,
/// energy, and what to run next.
fn print_report(out: &ModelBuild, args: &Args) {
    let b = &out.build;
    let facts = args.board.facts();
    println!("built {} for the {} with {}: {}", out.model, b.board, b.tools.origin, b.bitstream.display());
    let mut t = Table::new(&["resource", "used", "available", "%", "predicted"]);
    for r in &b.resources {
        let pct = if r.available > 0 { 100.0 * r.used as f64 / r.available as f64 } else { 0.0 };
        // Logic is an estimate ("~"); block counts are counted.
        let approximate = if r.kind == out.predicted.logic_kind { "~" } else { "" };
        let predicted = out.predicted.predicted(&r.kind).map_or(String::new(), |n| format!("{approximate}{n}"));
        t.row(vec![r.kind.clone(), r.used.to_string(), r.available.to_string(), num(pct, 1), predicted]);
    }
    println!("{}", t.render());
    let (luts, ffs) = facts.cells.count(&b.cells);
    println!(
        "synthesized: {luts} LUT4, {ffs} flip-flops (hdl-gen estimated {} LUT, {} FF for the layers); memories {:.1} kbit",
        out.estimate_luts, out.estimate_flip_flops, out.memory_kbit
    );
    let seeds: Vec<String> = b.seeds.iter().map(|s| format!("seed {}: {:.2} MHz", s.seed, s.fmax_mhz)).collect();
    println!(
        "timing: Fmax {:.2} MHz against {:.2} MHz: {} ({})",
        b.fmax_mhz,
        b.target_mhz,
        if b.fmax_mhz >= b.target_mhz { "met" } else { "NOT met" },
        seeds.join(", ")
    );
    if let Some(pll) = &b.pll {
        let dividers: Vec<String> = pll.parameters().iter().map(|(name, value)| format!("{name} {value}")).collect();
        println!(
            "core clock: {} MHz from the {} PLL ({}) for --freq {}",
            num(pll.mhz(), 3),
            pll.family().label(),
            dividers.join(", "),
            args.freq.unwrap_or(pll.mhz())
        );
    }
    if let Some((from, to)) = &b.critical_path {
        println!("critical path: {from} -> {to}");
    }
    if let (Some(c), Some(ips), Some(at_fmax)) =
        (out.cycles_per_input, out.images_per_second, out.images_per_second_at_fmax)
    {
        let source = if b.pll.is_some() { "PLL" } else { "oscillator" };
        // Timing not met: the figure is at Fmax, not at the clock the board top would run on.
        let at = if b.fmax_mhz < b.clock_mhz {
            format!(
                "{:.2} MHz (Fmax, below the {:.2} MHz core clock from the {source}: timing not met)",
                b.fmax_mhz, b.clock_mhz
            )
        } else {
            format!("the {:.2} MHz core clock ({source})", b.clock_mhz)
        };
        println!(
            "throughput: {} cycles per input (cycle model, pipelined) -> {} inputs/s at {at}, {} at Fmax{}",
            num(c, 1),
            num(ips, 0),
            num(at_fmax, 0),
            if facts.pll.is_some() { " (--freq sets the PLL)" } else { " (no PLL for this board)" }
        );
    }
    if let (Some(board_uj), Some(model_uj)) = (out.energy_per_input_uj, out.model_energy_per_input_uj) {
        println!(
            "energy per input: ~{} µJ at the {}'s assumed {} mW (not measured); {} µJ in the SNN papers' 45 nm model",
            num(board_uj, 1),
            b.board,
            facts.assumed_power_mw,
            num(model_uj, 3)
        );
    }
    let steps: Vec<String> = b.seconds.iter().map(|(s, t)| format!("{s} {t:.1} s")).collect();
    println!("steps: {}; logs and reports in {}", steps.join(", "), args.out.join("build").display());
    let loaded = out.plan.loaded_layers();
    if !loaded.is_empty() {
        // SPRAM (or any loaded RAM) starts empty: the board answers nonsense until loaded.
        println!(
            "layers {loaded:?} load their weights at start-up: `spikeforge run {} --board {} --build {}` loads them first",
            args.model.display(),
            b.board,
            args.out.display()
        );
    }
}
