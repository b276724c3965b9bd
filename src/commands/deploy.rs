//! `spikeforge deploy`: flash a bitstream with openFPGALoader.

use std::path::PathBuf;

use anyhow::Result;
use bitstreams::boards::Board;

#[derive(clap::Args)]
pub struct Args {
    /// Board
    #[arg(long)]
    board: Board,
    /// Bitstream (`spikeforge build` writes it)
    bitstream: PathBuf,
    /// Write the configuration flash instead of SRAM (survives power-off)
    #[arg(long)]
    flash: bool,
}

pub fn run(args: Args) -> Result<()> {
    let board = args.board;
    bitstreams::deploy::flash(board, &args.bitstream, args.flash)?;
    println!(
        "{} written to the {} ({})",
        args.bitstream.display(),
        board.facts().name,
        if args.flash { "flash" } else { "SRAM" }
    );
    Ok(())
}
