use std::path::PathBuf;

use anyhow::Result;
use model::Decay;
use model::examples::{HiddenNeuron, RandomSpec, random_network};
use model::file::{Overwrite, save};

#[derive(clap::Args)]
pub struct Args {
    /// Where to write the model file
    #[arg(long)]
    out: PathBuf,
    /// Seed: the same seed and options give a byte-identical file
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Hidden layer widths, e.g. 128 or 256,128
    #[arg(long, value_delimiter = ',', default_value = "128")]
    hidden: Vec<u32>,
    /// Output classes
    #[arg(long, default_value_t = 10)]
    classes: u32,
    /// Input side length (images are 1 x side x side)
    #[arg(long, default_value_t = 28)]
    side: u32,
    /// Timesteps T
    #[arg(long, default_value_t = 2)]
    timesteps: u32,
    /// Hidden neuron kind
    #[arg(long, value_parser = ["integer", "binary", "ternary"], default_value = "integer")]
    neuron: String,
    /// Spike maximum D for integer neurons
    #[arg(long, default_value_t = 7)]
    max_spike: u32,
    /// Weight width in bits
    #[arg(long, default_value_t = 6)]
    weight_bits: u8,
    /// Replace OUT if it exists
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<()> {
    let neuron = match args.neuron.as_str() {
        "binary" => HiddenNeuron::Binary,
        "ternary" => HiddenNeuron::Ternary,
        _ => HiddenNeuron::Integer { max_spike: args.max_spike },
    };
    let spec = RandomSpec {
        name: "mnist_mlp_untrained".into(),
        input_shape: vec![1, args.side, args.side],
        hidden: args.hidden.clone(),
        classes: args.classes,
        timesteps: args.timesteps,
        neuron,
        weight_bits: args.weight_bits,
        decay: Decay::Shift(2),
        input_density: 0.19,
    };
    let net = random_network(&spec, args.seed);
    let overwrite = if args.force { Overwrite::Allow } else { Overwrite::Refuse };
    save(&net, &args.out, overwrite)?;
    println!(
        "wrote {} ({} parameters, UNTRAINED: random weights from seed {})",
        args.out.display(),
        net.parameters(),
        args.seed
    );
    Ok(())
}
