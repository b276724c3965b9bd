//! The trainer's error type.

use std::path::PathBuf;

/// What can go wrong training or exporting.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A setting the trainer or the model file cannot use.
    #[error("option `{field}`: {reason}")]
    Config {
        /// The option.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// Training data unusable for this network.
    #[error("data: {0}")]
    Data(String),
    /// The binary was built without libtorch.
    #[error(
        "this spikeforge was built without the trainer: run `make setup` (installs PyTorch 2.13.0 into .venv \
         and points cargo at it), then build with `cargo build --release --features train`"
    )]
    Unavailable,
    /// libtorch reported an error.
    #[error("libtorch: {0}")]
    Torch(String),
    /// Training diverged.
    #[error("epoch {epoch}: the loss is {loss}: training diverged")]
    Diverged {
        /// Epoch (1-based).
        epoch: u32,
        /// The loss seen.
        loss: f64,
    },
    /// The exported network failed the IR's rules or the solver.
    #[error("export: {0}")]
    Export(#[from] model::ModelError),
    /// A log file could not be written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// OS error.
        error: std::io::Error,
    },
}

#[cfg(feature = "tch")]
impl From<tch::TchError> for TrainError {
    fn from(e: tch::TchError) -> TrainError {
        TrainError::Torch(e.to_string())
    }
}
