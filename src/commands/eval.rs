use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use model::HardwarePlan;
use sim::Golden;
use sim::eval::evaluate;

use crate::table::{Table, num};

#[derive(clap::Args)]
pub struct Args {
    /// Model file
    model: PathBuf,
    #[command(flatten)]
    data: super::data::DataArgs,
    /// Also run the cycle model with this many lanes per layer
    #[arg(long, conflicts_with = "lanes_per_layer")]
    lanes: Option<u32>,
    /// Cycle model with explicit lanes per layer, e.g. 16,10
    #[arg(long, value_delimiter = ',')]
    lanes_per_layer: Option<Vec<u32>>,
    /// Membrane banks of every conv layer in the cycle model, made legal per layer (as `gen --banks`)
    #[arg(long)]
    banks: Option<u32>,
    /// Membrane sets of every conv layer in the cycle model (as `gen --membrane-sets`)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=2))]
    membrane_sets: Option<u32>,
    /// Input values the encoder takes per cycle in the cycle model (as `gen --values-per-cycle`)
    #[arg(long, value_name = "V")]
    values_per_cycle: Option<u32>,
    /// Write each spiking layer's value histogram to DIR/<layer>.json (input for `code --hist`)
    #[arg(long)]
    histogram_dir: Option<PathBuf>,
    /// Print JSON instead of tables
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let net = super::load_model(&args.model)?;
    let set = args.data.load(&net, &args.model)?;
    if set.classes > net.classes() {
        bail!("{} has {} classes but the model has only {} outputs", set.name, set.classes, net.classes());
    }
    let plan = match (&args.lanes, &args.lanes_per_layer) {
        (Some(p), _) => Some(HardwarePlan::uniform(&net, *p)?),
        (None, Some(list)) => Some(HardwarePlan::per_layer(&net, list)?),
        _ => None,
    };
    if plan.is_none() && (args.banks.is_some() || args.membrane_sets.is_some() || args.values_per_cycle.is_some()) {
        bail!(
            "--banks, --membrane-sets and --values-per-cycle set the cycle model's stages: give --lanes or \
             --lanes-per-layer too"
        );
    }
    let choices = bitstreams::sizing::SizingChoices {
        loaded: &[],
        banks: args.banks,
        sets: super::lanes::membrane_sets(args.membrane_sets),
        values_per_cycle: args.values_per_cycle,
    };
    let plan = plan.map(|plan| choices.apply(&net, plan)).transpose()?;
    let golden = Golden::new(&net)?;
    let bar = ProgressBar::new(set.len() as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} inputs, {per_sec}, eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("golden model on {}", set.name));
    let started = std::time::Instant::now();
    let mut report = evaluate(&golden, &set.images, &set.labels, plan.as_ref(), &|k| bar.inc(k as u64))?;
    // What tells this output from another model's on one report page.
    report.data = Some(set.name.clone());
    if let Some(model) = &mut report.model {
        model.file = Some(args.model.display().to_string());
    }
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if let Some(dir) = &args.histogram_dir {
        write_histograms(dir, &report)?;
    }
    if args.json {
        return super::print_json(&report);
    }
    println!(
        "model: {}{}",
        net.name,
        if net.provenance.trained { "" } else { " (UNTRAINED: chance-level accuracy expected)" }
    );
    println!("data: {} ({} inputs, {:.2} s)", set.name, report.inputs, seconds);
    println!("accuracy: {:.2}% ({}/{})", report.accuracy * 100.0, report.correct, report.inputs);
    let mut t = Table::new(&[
        "layer",
        "neurons",
        "spikes/input",
        "spike rate",
        "events/input",
        "events/spike",
        "in events",
        "syn ops",
        "energy nJ",
    ]);
    for l in &report.layers {
        t.row(vec![
            l.name.clone(),
            l.neurons.to_string(),
            num(l.spikes, 1),
            format!("{}%", num(l.spike_rate * 100.0, 2)),
            num(l.events, 1),
            if l.spikes > 0.0 { num(l.events / l.spikes, 3) } else { "-".into() },
            num(l.input_events, 1),
            num(l.synaptic_ops, 0),
            num(l.energy_pj / 1000.0, 2),
        ]);
    }
    println!("{}", t.render());
    println!(
        "energy per inference: {} nJ (the SNN papers' convention: layer 0 dense MACs at 4.6 pJ, then 0.9 pJ per synaptic op)",
        num(report.energy_pj / 1000.0, 2)
    );
    if let Some(c) = &report.cycles {
        println!(
            "\ncycle model (lanes {:?}): latency {} cycles mean ({} min, {} max); pipelined {} cycles per input; encoder {} cycles",
            c.lanes,
            num(c.latency_mean, 1),
            c.latency_min,
            c.latency_max,
            num(c.pipelined_cycles_per_input, 1),
            num(c.encoder_cycles, 1)
        );
        let mut t = Table::new(&["layer", "lanes", "busy cycles/input", "lane utilization"]);
        for (l, layer) in report.layers.iter().enumerate() {
            // A pooling layer runs inside the conv stage before it: no lanes, no cycles.
            if net.layers[l].is_pooling() {
                t.row(vec![layer.name.clone(), format!("in {}", net.layers[l - 1].name), "-".into(), "-".into()]);
                continue;
            }
            t.row(vec![
                layer.name.clone(),
                c.lanes[l].to_string(),
                num(c.layer_cycles[l], 1),
                format!("{}%", num(c.lane_utilization[l] * 100.0, 1)),
            ]);
        }
        println!("{}", t.render());
    }
    Ok(())
}

fn write_histograms(dir: &PathBuf, report: &sim::eval::EvalReport) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for l in report.layers.iter().filter(|l| !l.histogram.is_empty()) {
        let path = dir.join(format!("{}.json", l.name));
        std::fs::write(&path, serde_json::to_string(&l.histogram)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
