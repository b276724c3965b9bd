//! The one error type of the crate.

use std::path::PathBuf;

/// What can go wrong generating or writing a design.
#[derive(Debug, thiserror::Error)]
pub enum HdlError {
    /// The model or plan is unusable.
    #[error(transparent)]
    Model(#[from] model::ModelError),
    /// The network breaks a rule of the IR.
    #[error("invalid model: {0}")]
    Invalid(#[from] model::ValidationError),
    /// A directory that holds files spikeforge did not write.
    #[error("{path}: not empty and not written by `spikeforge gen`")]
    NotEmpty {
        /// The directory.
        path: PathBuf,
    },
    /// A generated directory whose manifest is missing or unreadable.
    #[error("{path}: {reason} (was the directory written by `spikeforge gen`?)")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A manifest of another format version (or none: written before versions existed).
    #[error(
        "{path}: manifest version {}, this spikeforge reads version {}: re-run `spikeforge gen` to regenerate the directory",
        found.map_or("none".to_string(), |v| v.to_string()),
        crate::MANIFEST_VERSION
    )]
    ManifestVersion {
        /// The manifest file.
        path: PathBuf,
        /// Its `manifest_version`, if it has one.
        found: Option<u32>,
    },
    /// A generated directory used with a model it was not generated from.
    #[error("{dir} was generated {reason}")]
    OtherModel {
        /// The design directory.
        dir: PathBuf,
        /// What differs, naming both sides.
        reason: String,
    },
    /// A file that could not be written.
    #[error("{path}: {error}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// OS error.
        error: std::io::Error,
    },
}
