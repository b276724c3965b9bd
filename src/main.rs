//! The `spikeforge` command line: parses arguments and calls the libraries. Every error is
//! printed as one line (`error: ...`) with a non-zero exit code, never a panic trace.

mod commands;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Spiking neural networks from training to a verified FPGA bitstream.
#[derive(Parser)]
#[command(name = "spikeforge", version, about, max_term_width = 100)]
struct Cli {
    /// More logging (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a model's layers: shapes, widths, neurons, codes, bounds, ops and energy
    Inspect(commands::inspect::Args),
    /// Run the golden integer model over a dataset: accuracy, activity, cycles
    Eval(commands::eval::Args),
    /// Solve the optimal spike code for a histogram and compare it with unary and binary
    Code(commands::code::Args),
    /// Generate Verilog, memory files and a manifest for a model
    Gen(commands::generate::Args),
    /// Co-simulate the generated RTL in Verilator against the golden and cycle models
    Cosim(commands::cosim::Args),
    /// Co-simulate many seeded random networks (every neuron kind, code, lanes and T)
    CosimFuzz(commands::cosim_fuzz::Args),
    /// Train a spiking network (LMS, ternary or binary) with libtorch and export it bit-exact
    Train(Box<commands::train::Args>),
    /// Synthesize, place, route and pack a model's board top for a board, with a report
    Build(Box<commands::build::Args>),
    /// Run inference on a board over its UART (or the simulated board top with --sim)
    Run(Box<commands::run::Args>),
    /// Flash a bitstream with openFPGALoader
    Deploy(commands::deploy::Args),
    /// Import a NIR graph (snnTorch, Norse, Sinabs, ...) as a model, quantized to integers
    Import(Box<commands::import::Args>),
    /// Export a model as a NIR graph (binary LIF layers; for snnTorch, Norse, Sinabs, ...)
    Export(Box<commands::export::Args>),
    /// Write the seeded, untrained example network
    Example(commands::example::Args),
    /// Rewrite a model with another input spike code (same results, other events and cycles)
    Recode(commands::recode::Args),
    /// Measure golden-model throughput and model-file load time
    Bench(commands::bench::Args),
    /// Write one HTML page with plots and tables from training logs, eval/cosim --json, manifests and build reports
    Report(commands::report::Args),
}

fn main() -> ExitCode {
    // `spikeforge ... | head` closing the pipe ends the program quietly, as for any Unix
    // tool, rather than panicking inside println!.
    #[cfg(unix)]
    // SAFETY: called before any thread exists; restores the default action of one signal.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // A bug must still read as one line, not a backtrace; RUST_BACKTRACE=1 restores the trace.
    if std::env::var_os("RUST_BACKTRACE").is_none() {
        std::panic::set_hook(Box::new(|info| {
            let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            eprintln!("error: internal error{location}: {message} (a bug in spikeforge: please report it)");
        }));
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| level.into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
    let result = match cli.command {
        Command::Inspect(a) => commands::inspect::run(a),
        Command::Eval(a) => commands::eval::run(a),
        Command::Code(a) => commands::code::run(a),
        Command::Gen(a) => commands::generate::run(a),
        Command::Cosim(a) => commands::cosim::run(a),
        Command::CosimFuzz(a) => commands::cosim_fuzz::run(a),
        Command::Train(a) => commands::train::run(*a),
        Command::Build(a) => commands::build::run(*a),
        Command::Run(a) => commands::run::run(*a),
        Command::Deploy(a) => commands::deploy::run(a),
        Command::Import(a) => commands::import::run(*a),
        Command::Export(a) => commands::export::run(*a),
        Command::Example(a) => commands::example::run(a),
        Command::Recode(a) => commands::recode::run(a),
        Command::Bench(a) => commands::bench::run(a),
        Command::Report(a) => commands::report::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match commands::flag_hint(&e) {
                Some(flags) => eprintln!("error: {e:#} ({flags})"),
                None => eprintln!("error: {e:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

/// Where bundled datasets live unless `--data-dir` says otherwise.
pub fn data_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(datasets::default_data_dir)
}
