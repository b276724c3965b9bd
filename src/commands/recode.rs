//! `spikeforge recode`: the same network with another input spike code, or another code for
//! its integer (LMS) layers' spikes. Every complete code represents each value exactly, so
//! accuracy and scores do not change; the events each stage replays, and so its cycles, its
//! synaptic operations and its energy, do.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use model::file::{Overwrite, save};
use model::{CodeName, Network, NeuronKind, SpikeCode};
use sim::Golden;
use sim::eval::{EvalReport, evaluate};

use crate::table::{Table, num};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).multiple(true).args(["input_code", "hidden_code"])))]
pub struct Args {
    /// Model file
    model: PathBuf,
    /// The input code: payload (one event per non-zero value, a multiplier per lane),
    /// binary (planes 1, 2, 4, ...) or planes:A,B,... (amplitudes that reach the input maximum)
    #[arg(long)]
    input_code: Option<CodeName>,
    /// The code of every integer (LMS) layer's spikes: binary, unary (D planes of
    /// amplitude 1), payload or planes:A,B,... (reaching every layer's D); compares events,
    /// synaptic operations and energy per input with the model's own codes
    #[arg(long)]
    hidden_code: Option<CodeName>,
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
    let original = super::load_model(&args.model)?;
    let mut net = original.clone();
    let mut changes = Vec::new();
    if let Some(name) = &args.input_code {
        let before = net.input.code.label();
        net.input.code = name.resolve(net.input.max_value);
        net.validate().with_context(|| format!("--input-code {name}"))?;
        changes.push(format!("input recoded from {before} to {}", net.input.code.label()));
    }
    if let Some(name) = &args.hidden_code {
        let recoded = recode_hidden(&mut net, name);
        if recoded.is_empty() {
            bail!("--hidden-code {name}: {} has no integer (LMS) layer to recode", args.model.display());
        }
        net.validate().with_context(|| format!("--hidden-code {name}"))?;
        changes.push(format!("{} recoded to {name}", recoded.join(", ")));
    }
    for change in &changes {
        net.description.push_str(&format!("; {change}"));
    }
    let overwrite = if args.force { Overwrite::Allow } else { Overwrite::Refuse };
    save(&net, &args.out, overwrite)?;
    println!("wrote {}: {}", args.out.display(), changes.join("; "));
    match args.data.load(&net, &args.model) {
        Ok(set) => {
            if args.input_code.is_some() {
                input_events(&original, &net, &set)?;
            }
            if args.hidden_code.is_some() {
                layer_activity(&original, &net, &set)?;
            }
        }
        Err(e) => eprintln!("note: no event counts ({e})"),
    }
    Ok(())
}

/// Give every integer layer of `net` the code `name` names for its D; the recoded layers'
/// names.
fn recode_hidden(net: &mut Network, name: &CodeName) -> Vec<String> {
    let mut recoded = Vec::new();
    for layer in &mut net.layers {
        if let NeuronKind::Integer { max_spike, code } = &mut layer.neuron.kind {
            *code = name.resolve(*max_spike);
            recoded.push(layer.name.clone());
        }
    }
    recoded
}

/// Input events per input under the old and the new input code.
fn input_events(before: &Network, after: &Network, set: &datasets::Dataset) -> Result<()> {
    let max = after.input.max_value;
    let per_input = |code: &SpikeCode| -> Result<f64> {
        let table = code.table(max)?;
        let events: u64 = set.images.iter().map(|&v| u64::from(table.events_for(v as u32).unwrap_or(0))).sum();
        Ok(events as f64 / set.len().max(1) as f64)
    };
    let mut t = Table::new(&["input code", "events per input", "layer 0 lane arithmetic"]);
    for code in [&before.input.code, &after.input.code] {
        let arithmetic = if *code == SpikeCode::Payload { "multiplier" } else { "shift-adds" };
        t.row(vec![code.label(), num(per_input(code)?, 1), arithmetic.into()]);
    }
    println!("on {} ({} inputs):\n{}", set.name, set.len(), t.render());
    Ok(())
}

/// Per layer, the events emitted and the energy of the synaptic operations they cause,
/// under the model's own codes and the new ones (the golden model over the set).
fn layer_activity(before: &Network, after: &Network, set: &datasets::Dataset) -> Result<()> {
    let report = |net: &Network| -> Result<EvalReport> {
        Ok(evaluate(&Golden::new(net)?, &set.images, &set.labels, None, &|_| {})?)
    };
    let (old, new) = (report(before)?, report(after)?);
    if old.per_input != new.per_input {
        bail!("recoding changed a score: a bug, the codes are exact (please report it)");
    }
    let mut t = Table::new(&[
        "layer",
        "code before",
        "code after",
        "events before",
        "events after",
        "energy nJ before",
        "energy nJ after",
    ]);
    for (i, (a, b)) in old.layers.iter().zip(&new.layers).enumerate() {
        let code = |n: &Network| match &n.layers[i].neuron.kind {
            NeuronKind::Integer { code, .. } => code.label(),
            _ => "-".into(),
        };
        t.row(vec![
            a.name.clone(),
            code(before),
            code(after),
            num(a.events, 1),
            num(b.events, 1),
            num(a.energy_pj / 1000.0, 2),
            num(b.energy_pj / 1000.0, 2),
        ]);
    }
    t.row(vec![
        "total".into(),
        String::new(),
        String::new(),
        num(old.layers.iter().map(|l| l.events).sum(), 1),
        num(new.layers.iter().map(|l| l.events).sum(), 1),
        num(old.energy_pj / 1000.0, 2),
        num(new.energy_pj / 1000.0, 2),
    ]);
    println!(
        "per input on {} ({} inputs, accuracy {:.2}% either way):\n{}",
        set.name,
        set.len(),
        100.0 * old.accuracy,
        t.render()
    );
    Ok(())
}
