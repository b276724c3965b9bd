use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use sim::Golden;
use sim::cosim::junit::TestSuites;
use sim::cosim::{CosimOptions, SimulatorKind, ci, cosimulate_shard};

use crate::table::{Table, num};

#[derive(clap::Args)]
pub struct Args {
    /// Model file
    model: PathBuf,
    /// Inputs: a dataset (mnist, digits, synthetic, idx:DIR) or `random` (--limit of them)
    #[command(flatten)]
    data: super::data::DataArgs,
    /// Seed for --data random
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Lanes of the generated design (default 16)
    #[command(flatten)]
    lanes: super::lanes::LaneArgs,
    /// Co-simulate this existing generated directory (e.g. hand-edited RTL) instead of generating
    #[arg(long, conflicts_with_all = ["lanes", "lanes_per_layer", "banks", "membrane_sets", "values_per_cycle"])]
    rtl: Option<PathBuf>,
    /// Where to write the VCD of the first mismatching input
    #[arg(long, default_value = "cosim-vcd")]
    vcd: PathBuf,
    /// Simulator: verilator (fast) or icarus (the event-driven reference; thousands of cycles/s)
    #[arg(long, value_enum, default_value_t = Simulator::Verilator)]
    simulator: Simulator,
    /// Print JSON instead of tables
    #[arg(long)]
    json: bool,
    /// Also write an HTML page of the run (latency per input, lane utilization; plots and
    /// tables, `spikeforge report`) to FILE, replacing it
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Also write what --json prints to FILE (replacing it), keeping the tables on the
    /// terminal: `spikeforge report` reads it
    #[arg(long, value_name = "FILE")]
    json_out: Option<PathBuf>,
    /// Co-simulate only shard I of N (e.g. 2/4), for a CI matrix: input k (0-based, after
    /// --split and --limit) goes to shard (k mod N) + 1, so shards get equal counts and an even
    /// spread of a dataset stored class by class; mismatches name the input's number in the
    /// whole run
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Write a JUnit XML report to FILE (replacing it): one test case per 100 inputs of this
    /// shard, a failing one naming its first mismatch and waveform; written also when the run
    /// fails
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Stall the input stream as a bursty source would: `in_valid` low in about one cycle in
    /// four, drawn from SEED. Spikes, scores and membranes are compared as always; START and
    /// DONE cycles are not (the cycle model assumes a stream that never stalls)
    #[arg(long, value_name = "SEED")]
    stall: Option<u64>,
    #[command(flatten)]
    cache: super::cache::CacheArgs,
}

/// The simulator that runs the RTL.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Simulator {
    /// Verilator with the C++ harness
    Verilator,
    /// Icarus Verilog with the generated Verilog testbench
    Icarus,
}

impl From<Simulator> for SimulatorKind {
    fn from(s: Simulator) -> SimulatorKind {
        match s {
            Simulator::Verilator => SimulatorKind::Verilator,
            Simulator::Icarus => SimulatorKind::Icarus,
        }
    }
}

pub fn run(args: Args) -> Result<()> {
    let shard = super::parse_shard(args.shard.as_deref())?;
    let net = super::load_model(&args.model)?;
    let golden = Golden::new(&net)?;
    let size = net.input.size();
    let (inputs, labels, source) = if args.data.data.as_deref() == Some("random") {
        let n = args.data.limit.unwrap_or(100);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.seed);
        let values: Vec<u8> = (0..n * size).map(|_| rng.random_range(0..=net.input.max_value) as u8).collect();
        (values, None, format!("random (seed {}, {n} inputs)", args.seed))
    } else {
        let set = args.data.load(&net, &args.model)?;
        let name = set.name.clone();
        (set.images, Some(set.labels), name)
    };
    // A design generated here lives in a scratch directory, removed however the run ends.
    let mut scratch = None;
    let (dir, plan) = match &args.rtl {
        Some(dir) => (dir.clone(), sim::cosim::DesignInfo::read(dir)?.plan_for(&net)?),
        None => {
            let plan = args.lanes.plan_or(&net, 16)?;
            let design = hdl_gen::generate(&net, &plan)?;
            let tmp = tempfile::Builder::new().prefix("spikeforge-cosim-").tempdir()?;
            hdl_gen::write_dir(&design, tmp.path(), true)?;
            let dir = tmp.path().to_path_buf();
            scratch = Some(tmp);
            (dir, plan)
        }
    };
    let count = shard.len(inputs.len() / size.max(1));
    let bar = ProgressBar::new(count as u64 * net.timesteps as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} items, {per_sec}, eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    let simulator = SimulatorKind::from(args.simulator);
    bar.set_message(format!("{} co-simulation", simulator.name()));
    let options = CosimOptions {
        simulator,
        cache: args.cache.dir(),
        vcd_dir: Some(args.vcd.clone()),
        progress: &|k| bar.inc(k as u64),
        timeout: Default::default(),
        stall: args.stall,
    };
    let started = Instant::now();
    let outcome = cosimulate_shard(&golden, &plan, &dir, &inputs, shard, &options);
    bar.finish_and_clear();
    drop(scratch);
    if let Some(path) = &args.junit {
        let suite = match &outcome {
            Ok(o) => ci::cosim_suite(&net.name, o),
            Err(e) => ci::cosim_error_suite(&net.name, simulator, shard, e, started.elapsed().as_secs_f64()),
        };
        TestSuites { suites: vec![suite] }.write(path).context("--junit")?;
    }
    let outcome = outcome.context("co-simulation failed")?;
    if let Some(path) = &args.report {
        let source = ::report::Source {
            path: PathBuf::from(format!("{} co-simulation", net.name)),
            input: ::report::Input::Cosim(outcome.clone()),
        };
        let page = ::report::render(::report::TITLE, &::report::sections(&[source])?);
        ::report::write_page(&page, path, true)?;
        eprintln!("report: {}", path.display());
    }
    if let Some(path) = &args.json_out {
        std::fs::write(path, serde_json::to_string_pretty(&outcome)? + "\n")
            .with_context(|| format!("--json-out {}", path.display()))?;
    }
    let r = &outcome.report;
    if args.json {
        super::print_json(&outcome)?;
    } else {
        let mean = |v: &[u64]| v.iter().sum::<u64>() as f64 / v.len().max(1) as f64;
        println!(
            "co-simulated {} on {source}{} in {}: {} inputs, {} mismatching",
            net.name,
            if shard.is_whole() { String::new() } else { format!(" (shard {shard})") },
            simulator.name(),
            r.inputs,
            r.mismatched_inputs
        );
        let mut t = Table::new(&["cycles per input", "mean", "min", "max"]);
        for (name, v) in [("RTL", &r.rtl_latency), ("cycle model", &r.model_latency)] {
            t.row(vec![
                name.to_string(),
                num(mean(v), 1),
                v.iter().min().copied().unwrap_or(0).to_string(),
                v.iter().max().copied().unwrap_or(0).to_string(),
            ]);
        }
        println!("{}", t.render());
        if let Some(seed) = args.stall {
            println!("input stream stalled (seed {seed}): cycles not compared with the cycle model");
        }
        println!(
            "whole stream: RTL {} cycles, cycle model {} cycles ({} cycles per input pipelined)",
            r.rtl_cycles,
            r.model_cycles,
            num(r.rtl_cycles as f64 / r.inputs.max(1) as f64, 1)
        );
        println!(
            "simulated {} cycles/s (build {:.1} s, golden + cycle model {:.2} s, RTL {:.2} s)",
            num(r.rtl_cycles as f64 / outcome.sim_seconds.max(1e-9), 0),
            outcome.build_seconds,
            outcome.golden_seconds,
            outcome.sim_seconds
        );
        // Pooling layers run inside their conv stage: no lanes of their own.
        let util: Vec<String> = net
            .layers
            .iter()
            .zip(&outcome.lane_utilization)
            .filter(|(l, _)| !l.is_pooling())
            .map(|(l, u)| format!("{} {}%", l.name, num(u * 100.0, 1)))
            .collect();
        println!(
            "lane utilization (weights added over what the lanes could add in their replay or scatter cycles): {}",
            util.join(", ")
        );
        if let Some(labels) = &labels {
            let labels = shard.select(labels.iter());
            let correct = r.rtl_classes.iter().zip(labels).filter(|(c, l)| **c == **l as usize).count();
            println!(
                "accuracy on the RTL: {:.2}% ({correct}/{})",
                100.0 * correct as f64 / r.inputs.max(1) as f64,
                r.inputs
            );
        }
    }
    if let Some(failure) = outcome.failure() {
        bail!("{failure}");
    }
    Ok(())
}
