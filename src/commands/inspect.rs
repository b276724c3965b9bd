use std::path::PathBuf;

use anyhow::Result;

use crate::table::{Table, num};

#[derive(clap::Args)]
pub struct Args {
    /// Model file
    model: PathBuf,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let net = super::load_model(&args.model)?;
    let s = sim::summary::summarize(&net);
    if args.json {
        return super::print_json(&s);
    }
    println!("model: {} ({})", s.name, if s.trained { "trained" } else { "UNTRAINED" });
    if !s.description.is_empty() {
        println!("description: {}", s.description);
    }
    println!(
        "input: {:?} values 0..={} in planes {}; timesteps T = {}; parameters: {}",
        s.input_shape,
        s.input_max,
        s.input_code,
        s.timesteps,
        num(s.parameters as f64, 0)
    );
    // Dense-only models keep their table as it was; conv and pooling layers add the output
    // shape and fan-in, which a dense layer's op already says.
    let spatial = net.layers.iter().any(|l| !matches!(l.op, model::LayerOp::Dense(_)));
    let mut header = vec!["layer", "op"];
    if spatial {
        header.extend(["out", "fan-in"]);
    }
    header.extend([
        "params",
        "w bits",
        "neuron",
        "code",
        "θ",
        "decay",
        "reset",
        "acc bits",
        "mem bits",
        "dense MACs",
        "syn ops",
        "energy nJ",
    ]);
    let mut t = Table::new(&header);
    for l in &s.layers {
        let mark = if l.expected { "~" } else { "<=" };
        // A pooling layer has no neuron: its threshold, decay and reset fields mean nothing.
        let pooling = l.neuron == "-";
        let or_dash = |s: String| if pooling { "-".to_string() } else { s };
        let mut row = vec![l.name.clone(), l.op.clone()];
        if spatial {
            row.extend([l.output_shape.clone(), l.fan_in.to_string()]);
        }
        row.extend([
            num(l.parameters as f64, 0),
            l.weight_bits.to_string(),
            l.neuron.clone(),
            l.code.clone(),
            or_dash(format!("2^{}", l.threshold_shift)),
            or_dash(l.decay.clone()),
            or_dash(l.reset.clone()),
            l.accumulator_bits.to_string(),
            l.membrane_bits.to_string(),
            num(l.dense_macs, 0),
            format!("{mark}{}", num(l.synaptic_ops, 0)),
            num(l.energy_pj / 1000.0, 2),
        ]);
        t.row(row);
    }
    println!("{}", t.render());
    println!(
        "energy per inference: {} nJ (layer 0 at E_MAC = 4.6 pJ per dense MAC, later layers at E_AC = 0.9 pJ per synaptic op; \
         '~' expected from the file's histograms, '<=' worst case)",
        num(s.energy_pj / 1000.0, 2)
    );
    Ok(())
}
