use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use sim::cosim::default_cache_dir;
use sim::cosim::fuzz::{FuzzCase, FuzzFamily, fuzz_case};

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
    let families = args.family.members();
    let total = args.networks * families.len() as u64;
    let work = tempfile::Builder::new().prefix("spikeforge-fuzz-").tempdir()?;
    let cache = default_cache_dir();
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} networks, eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("co-simulating random networks from seed {}", args.seed));
    let started = std::time::Instant::now();
    let jobs: Vec<(FuzzFamily, u64)> =
        families.iter().flat_map(|&f| (0..args.networks).map(move |i| (f, args.seed + i))).collect();
    let cases: Vec<Result<FuzzCase, String>> = jobs
        .into_par_iter()
        .map(|(family, seed)| {
            let r = fuzz_case(family, seed, args.inputs, args.simulator.into(), work.path(), &cache)
                .map_err(|e| format!("{} seed {seed}: {e}", family.name()));
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
                format!(
                    "{} seed {}: {} (lanes {:?}, banks {}, loaded weights {:?}): {m}",
                    c.family.name(),
                    c.seed,
                    c.network,
                    c.lanes,
                    banks_and_sets(c),
                    c.loaded
                )
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
                banks_and_sets(c),
                format!("{:?}", c.loaded),
                c.inputs.to_string(),
                num(c.cycles as f64, 0),
                if c.mismatch.is_some() { "MISMATCH".into() } else { "ok".into() },
            ]);
        }
        println!("{}", t.render());
        println!(
            "{total} networks, {} failing, {:.1} s ({} seeds {}..={} of {})",
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

/// A case's conv banks and its membrane sets, e.g. `[4, 2] x2`.
fn banks_and_sets(c: &FuzzCase) -> String {
    match c.sets {
        Some(sets) => format!("{:?} x{sets}", c.banks),
        None => format!("{:?}", c.banks),
    }
}
