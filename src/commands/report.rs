use std::path::PathBuf;

use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {
    /// Inputs: training logs (*.train.json), `eval --json` and `cosim --json` output, a
    /// design's manifest.json, a build's report.json, or directories holding them
    #[arg(required = true, value_name = "DIR|FILE")]
    inputs: Vec<PathBuf>,
    /// The HTML page to write
    #[arg(long)]
    out: PathBuf,
    /// Replace OUT if it exists
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<()> {
    let sources = ::report::read_inputs(&args.inputs)?;
    let page = ::report::render(::report::TITLE, &::report::sections(&sources)?);
    ::report::write_page(&page, &args.out, args.force)?;
    println!("wrote {} from {} input files", args.out.display(), sources.len());
    Ok(())
}
