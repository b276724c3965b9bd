//! `spikeforge export`: a model as a NIR graph other frameworks and chips read.

use std::path::PathBuf;

use anyhow::{Context, Result};
use nir::file::Overwrite;

#[derive(clap::Args)]
pub struct Args {
    /// The model file
    model: PathBuf,
    /// Where to write the NIR file (HDF5)
    #[arg(long)]
    out: PathBuf,
    /// Time step the graph's LIF constants are written for (snnTorch reads graphs at 1e-4)
    #[arg(long, default_value_t = 1e-4)]
    dt: f64,
    /// Replace OUT if it exists
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<()> {
    anyhow::ensure!(args.dt.is_finite() && args.dt > 0.0, "--dt {} is not a positive time step", args.dt);
    let net = model::file::load(&args.model)?;
    let graph = nir::export::export(&net, args.dt).with_context(|| format!("exporting {}", args.model.display()))?;
    let overwrite = if args.force { Overwrite::Replace } else { Overwrite::Refuse };
    nir::file::write(&graph, &args.out, overwrite)?;
    println!(
        "wrote {} ({} nodes, {} edges, dt = {}; its input is the model's integer input values 0..={})",
        args.out.display(),
        graph.nodes.len(),
        graph.edges.len(),
        args.dt,
        net.input.max_value
    );
    Ok(())
}
