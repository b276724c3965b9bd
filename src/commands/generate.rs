use std::path::PathBuf;

use anyhow::Result;

use crate::table::{Table, num};

#[derive(clap::Args)]
pub struct Args {
    /// Model file
    model: PathBuf,
    /// Output directory for the Verilog, memory files and manifest.json
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    lanes: super::lanes::LaneArgs,
    /// Size lanes per layer for this board: the most throughput its part holds, measured
    /// on --data; with --lanes, check they fit
    #[arg(long)]
    board: Option<bitstreams::boards::Board>,
    /// Inputs whose events size the lanes (with --board)
    #[command(flatten)]
    data: super::data::DataArgs,
    /// Write into OUT even if it holds files `gen` did not write
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<()> {
    let net = super::load_model(&args.model)?;
    let board = args.board;
    let plan = match (args.lanes.explicit(&net)?, board) {
        (Some(plan), Some(board)) => {
            let u = bitstreams::sizing::check_fit(board, &net, &plan)?;
            println!(
                "fits the {}: about {} / {} {}, {} / {} {} predicted",
                board.facts().name,
                u.logic,
                u.logic_available,
                u.logic_kind,
                u.block_rams,
                u.block_rams_available,
                u.block_ram_kind
            );
            plan
        }
        (Some(plan), None) => plan,
        (None, Some(board)) => {
            let set = args.data.load(&net, &args.model)?;
            let sizing = bitstreams::pipeline::size_for_board(
                board,
                &net,
                args.lanes.choices(),
                bitstreams::pipeline::Inputs { images: &set.images, labels: &set.labels },
            )?;
            super::lanes::print_sizing(board, &net, &sizing, board.oscillator_mhz());
            sizing.plan
        }
        (None, None) => args.lanes.plan_or(&net, 16)?,
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
