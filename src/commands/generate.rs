use std::path::PathBuf;

use anyhow::Result;
use model::HardwarePlan;

use crate::table::{Table, num};

#[derive(clap::Args)]
pub struct Args {
    /// Model file
    model: PathBuf,
    /// Output directory for the Verilog, memory files and manifest.json
    #[arg(long)]
    out: PathBuf,
    /// Lanes per layer (reduced to the layer's width where it is narrower)
    #[arg(long, default_value_t = 16, conflicts_with = "lanes_per_layer")]
    lanes: u32,
    /// Explicit lanes per layer, e.g. 32,10
    #[arg(long, value_delimiter = ',')]
    lanes_per_layer: Option<Vec<u32>>,
    /// Write into OUT even if it holds files `gen` did not write
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<()> {
    let net = super::load_model(&args.model)?;
    let plan = match &args.lanes_per_layer {
        Some(list) => HardwarePlan::per_layer(&net, list)?,
        None => HardwarePlan::uniform(&net, args.lanes)?,
    };
    let design = hdl_gen::generate(&net, &plan)?;
    hdl_gen::write_dir(&design, &args.out, args.force)?;
    println!("wrote {} files to {} (top module {})", design.files.len(), args.out.display(), design.top);
    let mut t = Table::new(&[
        "layer",
        "module",
        "lanes",
        "groups",
        "acc bits",
        "mem bits",
        "weight kbit",
        "est. FF",
        "est. LUT",
    ]);
    for l in &design.manifest.layers {
        t.row(vec![
            l.rtl.name.clone(),
            l.rtl.module.clone(),
            l.rtl.plan.lanes.to_string(),
            l.rtl.plan.groups.to_string(),
            l.rtl.plan.accumulator_bits.to_string(),
            l.rtl.plan.membrane_bits.to_string(),
            num(l.estimate.weight_bits as f64 / 1024.0, 1),
            num(l.estimate.flip_flops as f64, 0),
            num(l.estimate.luts as f64, 0),
        ]);
    }
    println!("{}", t.render());
    Ok(())
}
