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
use bitstreams::BitstreamError;

/// A library error with the flags that act on its advice, where it has any: the libraries
/// say what would help, the command line says how to ask for it.
pub fn with_flags(error: BitstreamError) -> anyhow::Error {
    let flags = match &error {
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
            flags.join(", ")
        }
        BitstreamError::NotOurs { .. } => "pass --force to write into it".into(),
        _ => String::new(),
    };
    if flags.is_empty() { error.into() } else { anyhow::Error::new(WithFlags { error, flags }) }
}

/// A library error followed by command-line flags in parentheses.
#[derive(Debug)]
struct WithFlags {
    error: BitstreamError,
    flags: String,
}

impl std::fmt::Display for WithFlags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.error, self.flags)
    }
}

impl std::error::Error for WithFlags {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.error)
    }
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
