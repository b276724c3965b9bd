//! # spikeforge `bitstreams`
//!
//! Drives the FPGA tools. Today: [`yosys::check_design`], which reads a generated design
//! into yosys, elaborates it and runs yosys's structural checks. Synthesis, place and route,
//! packing, reports, deploy and the UART host for the three boards are issue #6.
//!
//! Architecture Invariant: this is the only crate that knows yosys / nextpnr command lines
//! and tool locations; other crates hand it a generated directory.

pub mod boards;
pub mod deploy;
pub mod serial;
pub mod yosys;

/// What can go wrong running the FPGA tools.
#[derive(Debug, thiserror::Error)]
pub enum BitstreamError {
    /// A tool that is not installed.
    #[error("{tool} not found: {hint}")]
    MissingTool {
        /// The tool.
        tool: String,
        /// How to install it.
        hint: String,
    },
    /// No board to talk to.
    #[error("no board: {reason}")]
    NoBoard {
        /// What was looked for.
        reason: String,
    },
    /// The design directory is unusable.
    #[error(transparent)]
    Design(#[from] hdl_gen::HdlError),
    /// A tool ran and rejected the design.
    #[error("{tool} rejected {design}: {message}")]
    Rejected {
        /// The tool.
        tool: String,
        /// The design directory.
        design: String,
        /// The tool's first error lines.
        message: String,
    },
}
