//! The sim crate's error type.

use std::path::PathBuf;
use std::time::Duration;

use model::{ModelError, ValidationError};

use crate::cosim::SimulatorKind;

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
    /// A file or directory of co-simulation could not be read or written.
    #[error("co-simulation: {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A tool or simulator could not be started, waited for or talked to.
    #[error("co-simulation: {step} {program}: {source}")]
    Process {
        /// What was being done: `cannot run`, `cannot start`, `waiting for`, `reading`, `talking to`.
        step: &'static str,
        /// The program (or `the harness`, `the UART simulation`).
        program: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A generated design directory whose manifest cannot be read.
    #[error("co-simulation: {0}")]
    Design(#[source] hdl_gen::HdlError),
    /// A design that could not be generated or written (`seed` of a fuzz case).
    #[error("co-simulation: {}{source}", seed.map(|s| format!("seed {s}: ")).unwrap_or_default())]
    Generate {
        /// The fuzz case's seed, if it is one.
        seed: Option<u64>,
        /// What hdl-gen said.
        source: hdl_gen::HdlError,
    },
    /// Verilator or Icarus could not compile a design; the log stays in the build directory.
    #[error("co-simulation: {tool} could not build {top} ({first_error}); full log in {}", log.display())]
    Build {
        /// `verilator` or `iverilog`.
        tool: &'static str,
        /// The top module.
        top: String,
        /// The log's first error line.
        first_error: String,
        /// The full log.
        log: PathBuf,
    },
    /// `verilator --lint-only -Wall` found warnings or errors.
    #[error("co-simulation: verilator --lint-only -Wall on {} (top {top}):\n{output}", dir.display())]
    Lint {
        /// The design directory.
        dir: PathBuf,
        /// The top module linted.
        top: String,
        /// What Verilator said.
        output: String,
    },
    /// A simulator exited with a failure status.
    #[error("co-simulation: {program} exited with {status}: {said}")]
    Exited {
        /// `the simulation` (the Verilator harness) or `vvp`.
        program: &'static str,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it wrote to stderr (and stdout).
        said: String,
    },
    /// A record line the parser does not understand.
    #[error("co-simulation: unexpected simulator output {line:?}")]
    Record {
        /// The line.
        line: String,
    },
    /// The simulator ended without its end record.
    #[error("co-simulation: the simulation stopped without its end record{}", if said.is_empty() { String::new() } else { format!("; vvp said: {said}") })]
    Unfinished {
        /// What the simulator said (Icarus), if anything.
        said: String,
    },
    /// Weight images for a design that loads none.
    #[error("co-simulation: the design loads no weights, yet weights were given to load")]
    NoWeightBuffer,
    /// The host protocol gave up on a request to a board (real or simulated).
    // Not an error `source`: the message holds it, and a chain printer would say it twice.
    #[error("co-simulation: {}: {error}", match input { Some(i) => format!("input {i}"), None => "loading weights".to_string() })]
    Host {
        /// The input whose inference failed (`None`: while loading weights).
        input: Option<usize>,
        /// Why.
        error: hdl_gen::protocol::HostError,
    },
    /// A simulator ran past its time budget ([`crate::cosim::SimTimeout`]) and was killed
    /// with its children: the RTL never finished an evaluation (a procedural loop that does
    /// not terminate) or the machine is far slower than measured.
    #[error("co-simulation: {} ran past its {:.1} s budget and was killed{}", simulator.name(), budget.as_secs_f64(), hung_at(*input, *layer, vcd.as_ref()))]
    Hung {
        /// The simulator.
        simulator: SimulatorKind,
        /// The time it was given.
        budget: Duration,
        /// The input being simulated (the last one the encoder started, or the request).
        input: Option<usize>,
        /// The last layer the simulator reported on.
        layer: Option<usize>,
        /// The waveform of the input, as far as the simulator got, if one was requested.
        vcd: Option<PathBuf>,
    },
    /// The simulated board's serial line broke 8N1 timing: an edge inside a bit, a start
    /// bit that rose before its end or a stop bit that fell. The board's transmitter runs on
    /// the simulation's clock, so every bit it sends lasts exactly `clks_per_bit` cycles.
    #[error("co-simulation: the board's tx line broke 8N1 timing at cycle {cycle} ({clks_per_bit} clocks per bit)")]
    LineTiming {
        /// The first cycle it was wrong.
        cycle: u64,
        /// The bit time, in clocks.
        clks_per_bit: u32,
    },
    /// A shard that is not `I/N` with `1 <= I <= N`.
    #[error("{given:?} is not a shard: {reason}")]
    Shard {
        /// What was given.
        given: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Labels and inputs disagree.
    #[error("dataset has {inputs} inputs but {labels} labels")]
    Labels {
        /// Inputs given.
        inputs: usize,
        /// Labels given.
        labels: usize,
    },
    /// The RTL mutation campaign could not list, apply or run its mutants on a host design.
    #[error("mutation campaign, host {host}: {reason}")]
    Mutation {
        /// The host design.
        host: String,
        /// What went wrong.
        reason: String,
    },
}

impl SimError {
    /// The error of a host request that failed at `input` (`None`: loading weights): a
    /// simulated board's own error comes back as itself (a hang names the input), any other
    /// as [`SimError::Host`].
    pub(crate) fn from_host(input: Option<usize>, e: hdl_gen::protocol::HostError) -> SimError {
        match e {
            hdl_gen::protocol::HostError::Link(link) => match link.downcast::<SimError>() {
                Ok(own) => match *own {
                    SimError::Hung { simulator, budget, input: None, layer, vcd } => {
                        SimError::Hung { simulator, budget, input, layer, vcd }
                    }
                    own => own,
                },
                Err(link) => SimError::Host { input, error: hdl_gen::protocol::HostError::Link(link) },
            },
            other => SimError::Host { input, error: other },
        }
    }
}

fn hung_at(input: Option<usize>, layer: Option<usize>, vcd: Option<&PathBuf>) -> String {
    let mut text = String::new();
    match input {
        Some(i) => text.push_str(&format!(" while simulating input {i}")),
        None => text.push_str(" before the first input started"),
    }
    if let Some(l) = layer {
        text.push_str(&format!(", last heard from layer {l}"));
    }
    if let Some(v) = vcd {
        text.push_str(&format!("; waveform {}", v.display()));
    }
    text
}
