//! One module per subcommand: each parses nothing itself (clap does), calls the libraries
//! and prints a table or JSON.

pub mod bench;
pub mod build;
pub mod code;
pub mod cosim;
pub mod cosim_fuzz;
pub mod data;
pub mod deploy;
pub mod eval;
pub mod example;
pub mod generate;
pub mod inspect;
pub mod lanes;
pub mod recode;
pub mod run;
pub mod train;

use std::path::Path;

use anyhow::Result;

/// A board named on the command line.
pub fn board(name: &str) -> Result<bitstreams::boards::Board> {
    bitstreams::boards::Board::from_name(name)
        .ok_or_else(|| anyhow::anyhow!("unknown board `{name}`: expected icebreaker, ulx3s or tangnano9k"))
}

/// Load and validate a model file; the error is already one line naming the file.
pub fn load_model(path: &Path) -> Result<model::Network> {
    Ok(model::file::load(path)?)
}

/// Print a serializable report as pretty JSON.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
