//! One module per subcommand: each parses nothing itself (clap does), calls the libraries
//! and prints a table or JSON.

pub mod bench;
pub mod build;
pub mod cache;
pub mod code;
pub mod cosim;
pub mod cosim_fuzz;
pub mod data;
pub mod deploy;
pub mod eval;
pub mod example;
pub mod export;
pub mod generate;
pub mod import;
pub mod inspect;
pub mod lanes;
pub mod recode;
pub mod report;
pub mod run;
pub mod train;

use std::path::Path;

use anyhow::{Context, Result};
use bitstreams::BitstreamError;

/// The command-line flags that act on a library error's advice, if any error in the chain
/// has some: the libraries say what would help, the command line says how to ask for it.
/// `main` prints them in parentheses after the message.
pub fn flag_hint(error: &anyhow::Error) -> Option<String> {
    error.chain().find_map(|e| {
        if let Some(e) = e.downcast_ref::<BitstreamError>() {
            return bitstream_flags(e);
        }
        if let Some(model::ModelError::Exists { .. }) = e.downcast_ref::<model::ModelError>() {
            return Some("pass --force to overwrite it".into());
        }
        if let Some(nir::NirError::Exists { .. }) = e.downcast_ref::<nir::NirError>() {
            return Some("pass --force to overwrite it".into());
        }
        if let Some(hdl_gen::HdlError::NotEmpty { .. }) = e.downcast_ref::<hdl_gen::HdlError>() {
            return Some("pass --force to write into it anyway".into());
        }
        if let Some(::report::ReportError::Exists { .. }) = e.downcast_ref::<::report::ReportError>() {
            return Some("pass --force to overwrite it".into());
        }
        if let Some(::train::TrainError::Diverged { .. }) = e.downcast_ref::<::train::TrainError>() {
            return Some("lower --learning-rate".into());
        }
        None
    })
}

fn bitstream_flags(error: &BitstreamError) -> Option<String> {
    match error {
        BitstreamError::DoesNotFit { board, remedy, .. } => {
            let mut flags = Vec::new();
            if let Some(lanes) = remedy.uniform_lanes {
                flags.push(format!("--lanes {lanes}"));
            }
            if remedy.sized_lanes {
                flags.push(format!("`spikeforge gen --board {board}`"));
            }
            if let Some(layer) = remedy.load_layer {
                flags.push(format!("--load-weights {layer}"));
            }
            (!flags.is_empty()).then(|| flags.join(", "))
        }
        BitstreamError::NotOurs { .. } => Some("pass --force to write into it".into()),
        _ => None,
    }
}

/// Load and validate a model file; the error is already one line naming the file.
pub fn load_model(path: &Path) -> Result<model::Network> {
    Ok(model::file::load(path)?)
}

/// Print a serializable report as pretty JSON.
/// `--shard I/N`, or the whole run; a bad value is one line naming the flag.
pub fn parse_shard(shard: Option<&str>) -> Result<sim::cosim::Shard> {
    match shard {
        Some(s) => Ok(s.parse().context("--shard")?),
        None => Ok(sim::cosim::Shard::WHOLE),
    }
}

pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
