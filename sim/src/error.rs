//! The sim crate's error type.

use model::{ModelError, ValidationError};

/// What can go wrong evaluating a network.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The network breaks a rule of the IR.
    #[error("invalid model: {0}")]
    Invalid(#[from] ValidationError),
    /// A model-level failure (plan, solver).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// An input of the wrong size.
    #[error("input {input}: has {got} values, the network takes {expected}")]
    InputLength {
        /// Index of the input in its batch.
        input: usize,
        /// Values given.
        got: usize,
        /// Values expected.
        expected: usize,
    },
    /// An input value above the network's `input.max_value`.
    #[error("input {input}: value {value} at position {position} exceeds the network's input maximum {max}")]
    InputValue {
        /// Index of the input in its batch.
        input: usize,
        /// Position in the input.
        position: usize,
        /// Offending value.
        value: u32,
        /// `input.max_value`.
        max: u32,
    },
    /// An external tool that is not installed.
    #[error("{tool} not found: {hint}")]
    MissingTool {
        /// The tool.
        tool: String,
        /// How to install it.
        hint: String,
    },
    /// Co-simulation could not run (build failure, harness failure, bad design directory).
    #[error("co-simulation: {0}")]
    Cosim(String),
    /// Labels and inputs disagree.
    #[error("dataset has {inputs} inputs but {labels} labels")]
    Labels {
        /// Inputs given.
        inputs: usize,
        /// Labels given.
        labels: usize,
    },
}
