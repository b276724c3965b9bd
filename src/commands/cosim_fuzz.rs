use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use sim::cosim::default_cache_dir;
use sim::cosim::fuzz::{FuzzCase, fuzz_case};

use crate::table::{Table, num};

#[derive(clap::Args)]
pub struct Args {
    /// Random networks to co-simulate
    #[arg(long, default_value_t = 50)]
    networks: u64,
    /// First seed; network i uses seed + i (a failure prints the seed that replays it)
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Random inputs per network
    #[arg(long, default_value_t = 24)]
    inputs: usize,
    /// Simulator
    #[arg(long, value_enum, default_value_t = super::cosim::Simulator::Verilator)]
    simulator: super::cosim::Simulator,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let work = tempfile::Builder::new().prefix("spikeforge-fuzz-").tempdir()?;
    let cache = default_cache_dir();
    let bar = ProgressBar::new(args.networks).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} networks, eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("co-simulating random networks from seed {}", args.seed));
    let started = std::time::Instant::now();
    let cases: Vec<Result<FuzzCase, String>> = (0..args.networks)
        .into_par_iter()
        .map(|i| {
            let seed = args.seed + i;
            let r = fuzz_case(seed, args.inputs, args.simulator.into(), work.path(), &cache)
                .map_err(|e| format!("seed {seed}: {e}"));
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| match c {
            Ok(c) => c.mismatch.as_ref().map(|m| {
                format!("seed {}: {} (lanes {:?}, loaded weights {:?}): {m}", c.seed, c.network, c.lanes, c.loaded)
            }),
            Err(e) => Some(e.clone()),
        })
        .collect();
    // A failing case's directory (its design and waveform, named in the failures) stays.
    if !failures.is_empty() {
        let _ = work.keep();
    }
    if args.json {
        let ok: Vec<&FuzzCase> = cases.iter().filter_map(|c| c.as_ref().ok()).collect();
        super::print_json(&serde_json::json!({"cases": ok, "failures": failures, "seconds": seconds}))?;
    } else {
        let mut t = Table::new(&["seed", "network", "lanes", "loaded weights", "inputs", "cycles", "result"]);
        for c in cases.iter().flatten() {
            t.row(vec![
                c.seed.to_string(),
                c.network.clone(),
                format!("{:?}", c.lanes),
                format!("{:?}", c.loaded),
                c.inputs.to_string(),
                num(c.cycles as f64, 0),
                if c.mismatch.is_some() { "MISMATCH".into() } else { "ok".into() },
            ]);
        }
        println!("{}", t.render());
        println!(
            "{} networks, {} failing, {:.1} s ({} seeds {}..={})",
            args.networks,
            failures.len(),
            seconds,
            args.networks,
            args.seed,
            args.seed + args.networks.saturating_sub(1)
        );
    }
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("{f}");
        }
        bail!(
            "{} of {} random networks mismatch; replay one with `spikeforge cosim-fuzz --networks 1 --seed S`",
            failures.len(),
            args.networks
        );
    }
    Ok(())
}
