//! The nir crate's error type: every failure names the file, the node and the field.

use std::path::PathBuf;

/// Everything that can go wrong reading, importing, simulating or exporting a NIR graph.
#[derive(Debug, thiserror::Error)]
pub enum NirError {
    /// The HDF5 library refused an operation on the file.
    #[error("{path}: {object}: {message}")]
    Hdf5 {
        /// File concerned.
        path: PathBuf,
        /// Object path inside the file (`/node/nodes/lif1/tau`).
        object: String,
        /// The library's message.
        message: String,
    },
    /// Refused to replace an existing file.
    #[error("{path}: already exists")]
    Exists {
        /// File that exists.
        path: PathBuf,
    },
    /// A node lacks a field its type requires, or a field has the wrong form.
    #[error("node {node} ({kind}): field `{field}`: {reason}")]
    Field {
        /// Node name.
        node: String,
        /// NIR type.
        kind: String,
        /// Field name.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The graph has no faithful mapping onto spikeforge's IR (or back).
    #[error("node {node} ({kind}): {reason}")]
    Unsupported {
        /// Node name (or layer name on export).
        node: String,
        /// NIR type (or spikeforge layer op on export).
        kind: String,
        /// Why, and what would map.
        reason: String,
    },
    /// The graph's structure (edges, inputs, outputs) is not a chain spikeforge can run.
    #[error("graph: {0}")]
    Structure(String),
    /// The imported network broke an IR rule (a bug in the importer or an absurd graph).
    #[error(transparent)]
    Model(#[from] model::ModelError),
    /// A data set's input does not fit the graph.
    #[error("input {index}: {reason}")]
    Input {
        /// Position of the input in the data set.
        index: usize,
        /// What does not fit.
        reason: String,
    },
}
