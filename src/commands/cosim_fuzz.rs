use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use sim::cosim::ci::{self, FuzzResult};
use sim::cosim::fuzz::{FuzzCase, FuzzFamily, fuzz_case, fuzz_jobs};
use sim::cosim::junit::TestSuites;

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
    /// Which random networks: dense, conv (conv and pooling layers, a dense tail half the
    /// time), or both (the given number of each)
    #[arg(long, value_enum, default_value_t = Family::Both)]
    family: Family,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
    /// Co-simulate only shard I of N (e.g. 2/4), for a CI matrix: network i (seed + i,
    /// 0-based i) goes to shard (i mod N) + 1, in every family, so shards get equal counts
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Write a JUnit XML report to FILE (replacing it): one test case per network, a failing
    /// one naming its seed, plan, first mismatch and waveform; written also when the run fails
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    #[command(flatten)]
    cache: super::cache::CacheArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Family {
    Dense,
    Conv,
    Both,
}

impl Family {
    fn members(self) -> Vec<FuzzFamily> {
        match self {
            Family::Dense => vec![FuzzFamily::Dense],
            Family::Conv => vec![FuzzFamily::Conv],
            Family::Both => vec![FuzzFamily::Dense, FuzzFamily::Conv],
        }
    }
}

pub fn run(args: Args) -> Result<()> {
    let shard = super::parse_shard(args.shard.as_deref())?;
    let families = args.family.members();
    let jobs = fuzz_jobs(&families, args.seed, args.networks, shard);
    let total = jobs.len();
    let work = tempfile::Builder::new().prefix("spikeforge-fuzz-").tempdir()?;
    let cache = args.cache.dir();
    let bar = ProgressBar::new(total as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} networks, eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("co-simulating random networks from seed {}", args.seed));
    let started = Instant::now();
    let results: Vec<FuzzResult> = jobs
        .into_par_iter()
        .map(|(family, seed)| {
            let started = Instant::now();
            let outcome = fuzz_case(family, seed, args.inputs, args.simulator.into(), work.path(), &cache)
                .map_err(|e| format!("{} seed {seed}: {e}", family.name()));
            bar.inc(1);
            FuzzResult { family, seed, outcome, seconds: started.elapsed().as_secs_f64() }
        })
        .collect();
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.junit {
        let suite = ci::fuzz_suite(args.seed, shard, &results, seconds);
        TestSuites { suites: vec![suite] }.write(path).context("--junit")?;
    }
    let cases: Vec<Result<FuzzCase, String>> = results.into_iter().map(|r| r.outcome).collect();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| match c {
            Ok(c) => c.failure(),
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
        let mut t = Table::new(&[
            "family",
            "seed",
            "network",
            "lanes",
            "banks",
            "loaded weights",
            "inputs",
            "cycles",
            "result",
        ]);
        for c in cases.iter().flatten() {
            t.row(vec![
                c.family.name().to_string(),
                c.seed.to_string(),
                c.network.clone(),
                format!("{:?}", c.lanes),
                c.banks_and_sets(),
                format!("{:?}", c.loaded),
                c.inputs.to_string(),
                num(c.cycles as f64, 0),
                if c.mismatch.is_some() { "MISMATCH".into() } else { "ok".into() },
            ]);
        }
        println!("{}", t.render());
        let of_shard = if shard.is_whole() { String::new() } else { format!(", shard {shard}") };
        println!(
            "{total} networks, {} failing, {:.1} s ({} seeds {}..={} of {}{of_shard})",
            failures.len(),
            seconds,
            args.networks,
            args.seed,
            args.seed + args.networks.saturating_sub(1),
            families.iter().map(|f| f.name()).collect::<Vec<_>>().join(" and ")
        );
    }
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("{f}");
        }
        bail!(
            "{} of {total} random networks mismatch; replay one with `spikeforge cosim-fuzz --family F --networks 1 --seed S`",
            failures.len()
        );
    }
    Ok(())
}
