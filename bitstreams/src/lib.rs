//! # spikeforge `bitstreams`
//!
//! Drives the FPGA tools and the boards: [`pipeline::build_model`] (a model to a bitstream
//! with one report), [`flow::build`] (synthesis, place and route over seeds, packing, one
//! report), [`sizing`] (what a plan costs on a part, lanes per layer for a board),
//! [`boards`] (the table of the three boards), [`tools`] (finding and running the tools),
//! [`deploy::flash`] (openFPGALoader), [`serial::SerialLink`] (the host end of the UART
//! protocol), and [`yosys::check_design`] (read, elaborate and check a generated design).
//!
//! Architecture Invariant: this is the only crate that knows yosys / nextpnr command lines
//! and tool locations; other crates hand it a generated directory. It runs no simulator:
//! the cycle model it reports throughput from is `sim`'s, and only `sim` runs Verilator.

pub mod boards;
pub mod deploy;
pub mod flow;
pub mod pipeline;
pub mod serial;
pub mod sizing;
pub mod tools;
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
        /// Which resource, by how much, and what would fit.
        reason: String,
        /// What would fit, for a caller to offer in its own terms.
        remedy: sizing::FitRemedy,
    },
    /// A tool ran and failed; its whole output is in `log`.
    #[error("{tool} failed: {message} (log: {})", log.display())]
    ToolFailed {
        /// The tool.
        tool: String,
        /// Its first error line.
        message: String,
        /// Its log.
        log: std::path::PathBuf,
    },
    /// A core clock outside what the board's PLL makes.
    #[error(
        "no {family} PLL setting on the {board} makes {mhz} MHz from its {oscillator_mhz} MHz oscillator \
         (it makes {min_mhz} to {max_mhz} MHz)"
    )]
    NoPllSetting {
        /// Board name.
        board: String,
        /// The PLL's family.
        family: &'static str,
        /// The clock asked for.
        mhz: f64,
        /// The board's oscillator.
        oscillator_mhz: f64,
        /// The slowest clock the PLL makes from the oscillator.
        min_mhz: f64,
        /// The fastest.
        max_mhz: f64,
    },
    /// A UART baud rate the board or its clock cannot run.
    #[error("{baud} baud on the {board}: {reason}")]
    Baud {
        /// Board name.
        board: String,
        /// The baud rate asked for.
        baud: u32,
        /// Why not.
        reason: String,
    },
    /// An output directory holding files a build did not write.
    #[error("{} is not empty and not written by `spikeforge build`", path.display())]
    NotOurs {
        /// The directory.
        path: std::path::PathBuf,
    },
    /// The golden or cycle model refused the network or its inputs.
    #[error(transparent)]
    Sim(#[from] sim::SimError),
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
