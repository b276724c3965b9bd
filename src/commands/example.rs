use std::path::PathBuf;

use anyhow::Result;
use model::examples::{ConvSpec, HiddenNeuron, RandomSpec, random_conv_network, random_network};
use model::file::{Overwrite, save};
use model::{Decay, Network, Shape3};

#[derive(clap::Args)]
pub struct Args {
    /// Where to write the model file
    #[arg(long)]
    out: PathBuf,
    /// Seed: the same seed and options give a byte-identical file
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Hidden layer widths, e.g. 128 or 256,128
    #[arg(long, value_delimiter = ',', default_value = "128", conflicts_with = "arch")]
    hidden: Vec<u32>,
    /// A convolutional network instead, as an architecture string: layers joined by `-`,
    /// `c<N>k<K>[s<S>][p<P>]` conv (N channels, KxK kernel, stride S = 1, zero padding
    /// P = 0), `sp<K>` / `mp<K>` sum / max pooling over KxK windows, `fc<N>` dense; the last
    /// layer (conv or fc) is the readout, e.g. c16k5p2-mp2-c32k3p1-sp2-fc10. --classes is
    /// ignored (the last layer's width is the class count)
    #[arg(long)]
    arch: Option<String>,
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
    if let Some(arch) = &args.arch {
        let spec = ConvSpec {
            name: "conv_untrained".into(),
            input: Shape3 { channels: 1, height: args.side, width: args.side },
            arch: arch.parse()?,
            timesteps: args.timesteps,
            neuron,
            weight_bits: args.weight_bits,
            decay: Decay::Shift(2),
            input_density: 0.19,
        };
        let net = random_conv_network(&spec, args.seed)?;
        net.validate()?;
        return write(&net, &args);
    }
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
    write(&net, &args)
}

fn write(net: &Network, args: &Args) -> Result<()> {
    let overwrite = if args.force { Overwrite::Allow } else { Overwrite::Refuse };
    save(net, &args.out, overwrite)?;
    println!(
        "wrote {} ({} parameters, UNTRAINED: random weights from seed {})",
        args.out.display(),
        net.parameters(),
        args.seed
    );
    Ok(())
}
