//! # spikeforge `bitstreams`
//!
//! Drives the FPGA tools and the boards: [`flow::build`] (synthesis, place and route over
//! seeds, packing, one report), [`sizing`] (what a plan costs on a part, lanes per layer
//! for a board), [`boards`] (the facts of the three boards),
//! [`deploy::flash`] (openFPGALoader), [`serial::SerialLink`] (the host end of the UART
//! protocol), and [`yosys::check_design`] (read, elaborate and check a generated design).
//!
//! Architecture Invariant: this is the only crate that knows yosys / nextpnr command lines
//! and tool locations; other crates hand it a generated directory.

pub mod boards;
pub mod deploy;
pub mod flow;
pub mod serial;
pub mod sizing;
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
    /// The design does not fit the board.
    #[error("does not fit the {board}: {reason}")]
    DoesNotFit {
        /// Board name.
        board: String,
        /// Which resource and by how much.
        reason: String,
    },
    /// A tool report that could not be read.
    #[error("{path}: unreadable report: {reason}")]
    Report {
        /// The report.
        path: std::path::PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file that could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// OS error.
        error: std::io::Error,
    },
    /// A hardware plan the network does not admit.
    #[error(transparent)]
    Plan(#[from] model::ModelError),
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
