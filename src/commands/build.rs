//! `spikeforge build`: a model to a bitstream for a board, with one honest report.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use bitstreams::flow::{BuildOptions, BuildReport, build};
use bitstreams::sizing::{Usage, check_fit};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use sim::Golden;

use crate::table::{Table, num};

#[derive(clap::Args)]
pub struct Args {
    /// Model file
    model: PathBuf,
    /// Board: icebreaker, ulx3s or tangnano9k
    #[arg(long)]
    board: String,
    /// Output directory: rtl/, tool logs, reports, the bitstream
    #[arg(long)]
    out: PathBuf,
    /// Core clock in MHz (default: the board's oscillator). On the ULX3S a PLL makes it (the
    /// fastest setting not above it); elsewhere it is only the place-and-route target, as
    /// those board tops run on the oscillator
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
}

#[derive(Serialize)]
struct Report {
    model: String,
    lanes: Vec<u32>,
    build: BuildReport,
    /// hdl-gen's analytic estimate, summed over layers.
    estimate_luts: u64,
    estimate_flip_flops: u64,
    /// Bits of every memory array (weights, biases, membranes, buffers, the UART's), / 1024.
    memory_kbit: f64,
    /// The sizing model's prediction for the part (bitstreams::sizing), beside the measurement.
    predicted: Usage,
    /// Cycle model on the data: mean cycles per input streamed back to back.
    cycles_per_input: Option<f64>,
    /// At the clock the board top runs on (the oscillator, or the PLL's with `--freq` on
    /// the ULX3S), or at Fmax where that is lower: clock / cycles per input.
    images_per_second: Option<f64>,
    /// What Fmax / cycles per input would give with the core clocked at Fmax.
    images_per_second_at_fmax: Option<f64>,
    /// Board-level estimate: the board's assumed core power (`BoardFacts::assumed_power_mw`)
    /// over the throughput, in µJ per input.
    energy_per_input_uj: Option<f64>,
    /// The seeds' 45 nm model on the same inputs (synaptic ops x E_AC, first layer as MACs).
    model_energy_per_input_uj: Option<f64>,
}

pub fn run(args: Args) -> Result<()> {
    let board = super::board(&args.board)?;
    let net = super::load_model(&args.model)?;
    // Inputs size the lanes and give the throughput; without them (dataset not installed)
    // the build still runs at 16 lanes, and says so.
    let data = args.data.load(&net, &args.model);
    let plan = match (args.lanes.explicit(&net)?, &data) {
        (Some(plan), _) => plan,
        (None, Ok(set)) => {
            let sizing = super::lanes::size_for_board(board, &net, &args.lanes.load_weights, &set.images)?;
            let clock = match bitstreams::flow::board_pll(board, args.freq) {
                Some(Some(pll)) => pll.mhz,
                _ => board.facts().clock_hz as f64 / 1e6,
            };
            super::lanes::print_sizing(board, &net, &sizing, clock);
            sizing.plan
        }
        (None, Err(e)) => {
            eprintln!("note: 16 lanes per layer, not sized for the board ({e})");
            args.lanes.plan_or(&net, 16)?
        }
    };
    let predicted = check_fit(board, &net, &plan)?;
    let design = hdl_gen::generate(&net, &plan)?;
    let est = &design.manifest.layers;
    // Every memory array of the board design, as the sizing model placed them.
    let memory_bits: u64 = predicted.memories.iter().map(|m| m.shape.bits()).sum();
    if args.out.exists()
        && std::fs::read_dir(&args.out)?.next().is_some()
        && !args.force
        && !args.out.join("report.json").exists()
    {
        bail!(
            "{} is not empty and not written by `spikeforge build` (pass --force to write into it)",
            args.out.display()
        );
    }
    let rtl = args.out.join("rtl");
    hdl_gen::write_dir(&design, &rtl, true)?;

    let bar = ProgressBar::new_spinner()
        .with_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("static template"));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let options = BuildOptions { board, freq_mhz: args.freq, seeds: args.seeds, baud: args.baud };
    let report = build(&rtl, &args.out.join("build"), &options, &|step| bar.set_message(step.to_string()))
        .with_context(|| format!("building {} for the {}", net.name, board.facts().name))?;
    bar.finish_and_clear();

    // Throughput implied by the cycle model on real inputs, where they are installed.
    let (cycles_per_input, model_energy_per_input_uj) = match data {
        Ok(set) => {
            let n = set.len().min(500);
            let golden = Golden::new(&net)?;
            let r = sim::eval::evaluate(
                &golden,
                &set.images[..n * set.image_size()],
                &set.labels[..n],
                Some(&plan),
                &|_| {},
            )?;
            (r.cycles.map(|c| c.pipelined_cycles_per_input), Some(r.energy_pj / 1e6))
        }
        Err(_) => (None, None),
    };
    let clock_mhz = report.clock_mhz;
    let images_per_second = cycles_per_input.map(|c| report.fmax_mhz.min(clock_mhz) * 1e6 / c);
    let images_per_second_at_fmax = cycles_per_input.map(|c| report.fmax_mhz * 1e6 / c);
    let out = Report {
        model: net.name.clone(),
        lanes: plan.layers.iter().map(|l| l.lanes).collect(),
        estimate_luts: est.iter().map(|l| l.estimate.luts).sum(),
        estimate_flip_flops: est.iter().map(|l| l.estimate.flip_flops).sum(),
        memory_kbit: memory_bits as f64 / 1024.0,
        predicted,
        images_per_second,
        images_per_second_at_fmax,
        energy_per_input_uj: images_per_second.map(|ips| board.facts().assumed_power_mw as f64 * 1e3 / ips),
        model_energy_per_input_uj,
        cycles_per_input,
        build: report,
    };
    let path = args.out.join("report.json");
    std::fs::write(&path, serde_json::to_string_pretty(&out)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    if args.json {
        return super::print_json(&out);
    }
    let b = &out.build;
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
    let luts: u64 = b.cells.iter().filter(|(k, _)| k.contains("LUT")).map(|(_, n)| n).sum();
    let ffs: u64 = b.cells.iter().filter(|(k, _)| k.contains("DFF") || k.contains("_FF")).map(|(_, n)| n).sum();
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
    if let Some((from, to)) = &b.critical_path {
        println!("critical path: {from} -> {to}");
    }
    if let (Some(c), Some(ips), Some(at_fmax)) =
        (out.cycles_per_input, out.images_per_second, out.images_per_second_at_fmax)
    {
        println!(
            "throughput: {} cycles per input (cycle model, pipelined) -> {} inputs/s at the {:.2} MHz core clock{}, \
             {} at Fmax{}",
            num(c, 1),
            num(ips, 0),
            b.fmax_mhz.min(clock_mhz),
            if b.pll.is_some() { " (PLL)" } else { " (oscillator)" },
            num(at_fmax, 0),
            if b.board == "ulx3s" { " (--freq sets the PLL)" } else { " (no PLL generated for this board yet)" }
        );
    }
    if let (Some(board_uj), Some(model_uj)) = (out.energy_per_input_uj, out.model_energy_per_input_uj) {
        println!(
            "energy per input: ~{} µJ at the {}'s assumed {} mW (not measured); {} µJ in the seeds' 45 nm model",
            num(board_uj, 1),
            b.board,
            board.facts().assumed_power_mw,
            num(model_uj, 3)
        );
    }
    let steps: Vec<String> = b.seconds.iter().map(|(s, t)| format!("{s} {t:.1} s")).collect();
    println!("steps: {}; logs and reports in {}", steps.join(", "), args.out.join("build").display());
    let loaded = plan.loaded_layers();
    if !loaded.is_empty() {
        // SPRAM (or any loaded RAM) starts empty: the board answers nonsense until loaded.
        println!(
            "layers {loaded:?} load their weights at start-up: `spikeforge run {} --board {} --build {}` loads them first",
            args.model.display(),
            b.board,
            args.out.display()
        );
    }
    Ok(())
}
