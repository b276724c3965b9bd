//! `spikeforge recode`: the same network with another input spike code. Every complete code
//! represents each input value exactly, so accuracy and scores do not change; the events
//! layer 0 replays, and so its cycles and its lanes' arithmetic, do.

use std::path::PathBuf;

use anyhow::{Context, Result};
use model::file::{Overwrite, save};
use model::{CodeName, SpikeCode};

use crate::table::{Table, num};

#[derive(clap::Args)]
pub struct Args {
    /// Model file
    model: PathBuf,
    /// The input code: payload (one event per non-zero value, a multiplier per lane),
    /// binary (planes 1, 2, 4, ...) or planes:A,B,... (amplitudes that reach the input maximum)
    #[arg(long)]
    input_code: CodeName,
    /// Where to write the recoded model
    #[arg(long)]
    out: PathBuf,
    /// Inputs to count events on, before and after
    #[command(flatten)]
    data: super::data::DataArgs,
    /// Replace OUT if it exists
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<()> {
    let mut net = super::load_model(&args.model)?;
    let before = net.input.code.clone();
    net.input.code = args.input_code.resolve(net.input.max_value);
    net.validate().with_context(|| format!("--input-code {}", args.input_code))?;
    let after = net.input.code.clone();
    net.description.push_str(&format!("; input recoded from {} to {}", before.label(), after.label()));
    let overwrite = if args.force { Overwrite::Allow } else { Overwrite::Refuse };
    save(&net, &args.out, overwrite)?;
    println!("wrote {}: input code {} -> {}", args.out.display(), before.label(), after.label());
    match args.data.load(&net, &args.model) {
        Ok(set) => {
            let max = net.input.max_value;
            let per_input = |code: &SpikeCode| -> Result<f64> {
                let table = code.table(max)?;
                let events: u64 = set.images.iter().map(|&v| u64::from(table.events_for(v as u32).unwrap_or(0))).sum();
                Ok(events as f64 / set.len().max(1) as f64)
            };
            let mut t = Table::new(&["input code", "events per input", "layer 0 lane arithmetic"]);
            for code in [&before, &after] {
                let arithmetic = if *code == SpikeCode::Payload { "multiplier" } else { "shift-adds" };
                t.row(vec![code.label(), num(per_input(code)?, 1), arithmetic.into()]);
            }
            println!("on {} ({} inputs):\n{}", set.name, set.len(), t.render());
        }
        Err(e) => eprintln!("note: no event counts ({e})"),
    }
    Ok(())
}
