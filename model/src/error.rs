//! The model crate's error type: every failure names the file and, for content problems,
//! the layer and field.

use std::fmt;
use std::path::PathBuf;

/// Where in a network a validation problem sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// Top-level fields (`format`, `timesteps`, `layers`, ...).
    Network,
    /// The `input` block.
    Input,
    /// A layer, by index and name.
    Layer {
        /// Position in `layers`.
        index: usize,
        /// The layer's `name`.
        name: String,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Network => write!(f, "network"),
            Location::Input => write!(f, "input"),
            Location::Layer { index, name } => write!(f, "layer {index} ({name})"),
        }
    }
}

/// A network that parsed but breaks a rule of the IR.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: field `{field}`: {reason}")]
pub struct ValidationError {
    /// Which part of the network.
    pub location: Location,
    /// Field path inside it, e.g. `weights[3][17]` or `neuron.kind.max_spike`.
    pub field: String,
    /// What is wrong, with the offending value.
    pub reason: String,
}

/// Everything that can go wrong reading or writing a model file.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// File concerned.
        path: PathBuf,
        /// OS error (part of the message, not a chained source, so it prints once).
        error: std::io::Error,
    },
    /// Refused to replace an existing file.
    #[error("{path}: already exists")]
    Exists {
        /// File that exists.
        path: PathBuf,
    },
    /// Bytes that are not UTF-8.
    #[error("{origin}: not a UTF-8 text file (invalid byte at offset {offset})")]
    NotUtf8 {
        /// File or buffer name.
        origin: String,
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// Not JSON, or JSON cut short.
    #[error("{origin}: malformed or truncated JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// File or buffer name.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Parser message.
        message: String,
    },
    /// JSON without `"format": "spikeforge-model"`.
    #[error("{origin}: not a spikeforge model (`format`: {found}, expected \"spikeforge-model\")")]
    NotAModel {
        /// File or buffer name.
        origin: String,
        /// What `format` held.
        found: String,
    },
    /// No `version` field.
    #[error("{origin}: field `version` is missing")]
    MissingVersion {
        /// File or buffer name.
        origin: String,
    },
    /// A version this build cannot read.
    #[error("{origin}: unsupported model version {found} (this build reads version {supported})")]
    UnsupportedVersion {
        /// File or buffer name.
        origin: String,
        /// What `version` held.
        found: String,
        /// The version this build reads.
        supported: u32,
    },
    /// Well-formed JSON whose fields have the wrong names or types.
    #[error("{origin}: {message} (line {line}, column {column})")]
    Schema {
        /// File or buffer name.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Parser message naming the field.
        message: String,
    },
    /// A spike-code request the solver cannot answer.
    #[error("spike-code solver: {reason}")]
    Solver {
        /// What is wrong with the request.
        reason: String,
    },
    /// An input encoder width that does not fit the network's input.
    #[error("hardware plan, input encoder of {values} values per cycle: {reason}")]
    EncoderWidth {
        /// The requested values per cycle.
        values: u32,
        /// What is wrong.
        reason: String,
    },
    /// A hardware plan that does not fit the network.
    #[error("hardware plan, layer {layer}: {reason}")]
    Plan {
        /// Layer index.
        layer: usize,
        /// What is wrong.
        reason: String,
    },
    /// A layer the hardware side (RTL generator, cycle model, co-simulation, boards) cannot
    /// build: it has a golden model but no RTL.
    #[error("layer {layer} ({name}): no hardware for this layer: {reason}")]
    NoRtl {
        /// Layer index.
        layer: usize,
        /// The layer's name.
        name: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// Parsed, but breaks a rule of the IR.
    #[error("{origin}: {error}")]
    Invalid {
        /// File or buffer name.
        origin: String,
        /// Which rule, where.
        error: ValidationError,
    },
}

impl ModelError {
    pub(crate) fn plan(layer: usize, reason: impl Into<String>) -> ModelError {
        ModelError::Plan { layer, reason: reason.into() }
    }
}

/// A name on a command line or in a config that is not one of the accepted forms.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}`: expected {expected}")]
pub struct ParseError {
    /// The text given.
    pub text: String,
    /// The accepted forms.
    pub expected: &'static str,
}
