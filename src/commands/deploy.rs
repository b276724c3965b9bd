//! `spikeforge deploy`: flash a bitstream with openFPGALoader.

use std::path::PathBuf;

use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {
    /// Board: icebreaker, ulx3s or tangnano9k
    #[arg(long)]
    board: String,
    /// Bitstream (`spikeforge build` writes it)
    bitstream: PathBuf,
    /// Write the configuration flash instead of SRAM (survives power-off)
    #[arg(long)]
    flash: bool,
}

pub fn run(args: Args) -> Result<()> {
    let board = super::board(&args.board)?;
    bitstreams::deploy::flash(board, &args.bitstream, args.flash)?;
    println!(
        "{} written to the {} ({})",
        args.bitstream.display(),
        board.facts().name,
        if args.flash { "flash" } else { "SRAM" }
    );
    Ok(())
}
