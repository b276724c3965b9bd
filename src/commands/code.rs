use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use model::solver::{CodeCost, SolverLimits, report};

use crate::table::{Table, num};

#[derive(clap::Args)]
pub struct Args {
    /// Spike maximum D (values 0..=D)
    #[arg(long)]
    max_spike: u32,
    /// Histogram file: D + 1 counts for values 0..=D, as a JSON array or whitespace/comma
    /// separated integers
    #[arg(long)]
    hist: PathBuf,
    /// Most planes K
    #[arg(long, default_value_t = 8)]
    max_planes: usize,
    /// Most non-power-of-two amplitudes (constant shift-adds per lane)
    #[arg(long)]
    max_non_pow2: Option<usize>,
    /// Print JSON instead of tables
    #[arg(long)]
    json: bool,
}

fn read_histogram(path: &PathBuf) -> Result<Vec<u64>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read histogram {}", path.display()))?;
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(&text)
            .with_context(|| format!("{}: expected a JSON array of non-negative integers", path.display()));
    }
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u64>().with_context(|| format!("{}: {s:?} is not a non-negative integer", path.display())))
        .collect()
}

pub fn run(args: Args) -> Result<()> {
    let hist = read_histogram(&args.hist)?;
    if hist.is_empty() {
        bail!("{}: the histogram is empty", args.hist.display());
    }
    let limits = SolverLimits { max_planes: args.max_planes, max_non_pow2: args.max_non_pow2 };
    let r = report(args.max_spike, &hist, limits)?;
    if args.json {
        return super::print_json(&r);
    }
    println!(
        "spike maximum D = {}, {} samples, at most {} planes",
        r.max_spike,
        num(r.samples as f64, 0),
        args.max_planes
    );
    let mut t = Table::new(&[
        "code",
        "amplitudes",
        "K",
        "events/spike",
        "events/non-zero",
        "vs binary",
        "shift-adds",
        "hardware",
    ]);
    let binary = r.binary.events_per_spike;
    let row = |t: &mut Table, name: &str, c: &CodeCost| {
        t.row(vec![
            name.to_string(),
            c.code.label(),
            c.planes.to_string(),
            num(c.events_per_spike, 4),
            num(c.events_per_nonzero, 4),
            if binary > 0.0 { format!("{}%", num((c.events_per_spike / binary - 1.0) * 100.0, 1)) } else { "-".into() },
            c.non_pow2.to_string(),
            hardware(c),
        ])
    };
    row(&mut t, "optimal", &r.optimal);
    row(&mut t, "binary", &r.binary);
    row(&mut t, "unary", &r.unary);
    row(&mut t, "payload", &r.payload);
    println!("{}", t.render());
    println!("\nPareto table (cycles follow events, area follows non-power-of-two amplitudes):");
    let mut p = Table::new(&["amplitudes", "K", "events/spike", "shift-adds", "hardware"]);
    for c in &r.pareto {
        p.row(vec![
            c.code.label(),
            c.planes.to_string(),
            num(c.events_per_spike, 4),
            c.non_pow2.to_string(),
            hardware(c),
        ]);
    }
    println!("{}", p.render());
    Ok(())
}

fn hardware(c: &CodeCost) -> String {
    if c.multiplier {
        "multiplier per lane".into()
    } else if c.non_pow2 == 0 {
        "shifts only".into()
    } else {
        format!("{} shift-add(s) per lane or {} scaled weight copies", c.non_pow2, c.non_pow2)
    }
}
