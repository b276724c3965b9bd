//! The crate's one error type.

use std::path::PathBuf;

/// What went wrong while reading inputs or writing the page.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {error}")]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        error: std::io::Error,
    },
    /// A file is not JSON.
    #[error("{path} is not JSON: {error}")]
    NotJson {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        error: serde_json::Error,
    },
    /// A file is JSON but none of the formats the report reads.
    #[error(
        "{path} is none of the files a report reads (a training log, eval --json, cosim --json, a build's report.json, a manifest.json)"
    )]
    Unknown {
        /// The file.
        path: PathBuf,
    },
    /// A file looks like one of the formats but does not parse as it.
    #[error("{path} looks like {kind} but does not parse as one: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What it looked like.
        kind: &'static str,
        /// The parser's complaint.
        reason: String,
    },
    /// The page would replace a file and that was not asked for.
    #[error("{path} already exists")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The page could not be written.
    #[error("cannot write {path}: {error}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        error: std::io::Error,
    },
    /// Nothing to report on.
    #[error("no input files: give files, or directories that hold some")]
    Empty,
    /// A plot could not be drawn.
    #[error("cannot draw the plot {plot}: {reason}")]
    Plot {
        /// The plot's title.
        plot: String,
        /// The backend's complaint.
        reason: String,
    },
}
