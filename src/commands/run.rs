//! `spikeforge run`: inference on a board over its UART (or on the simulated board top with
//! `--sim`), every reply checked against the golden and cycle models.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use hdl_gen::protocol::{Framing, HostOptions, Transport};
use indicatif::{ProgressBar, ProgressStyle};
use sim::Golden;

use crate::table::num;

#[derive(clap::Args)]
pub struct Args {
    /// Model file (the one the bitstream was built from)
    model: PathBuf,
    /// Board, for its clock (default: the build's, with --build DIR, else the iCEBreaker)
    #[arg(long)]
    board: Option<bitstreams::boards::Board>,
    /// Serial port (default: the first /dev/ttyUSB* or /dev/ttyACM*)
    #[arg(long)]
    port: Option<String>,
    /// Run on the board top in Verilator behind a simulated UART instead of a real board
    #[arg(long, conflicts_with = "port")]
    sim: bool,
    /// The directory `spikeforge build --out` (or `gen --out`) wrote: the bitstream's lanes
    /// and loaded weights come from its manifest
    #[arg(long, value_name = "DIR", conflicts_with_all = ["lanes", "lanes_per_layer", "load_weights"])]
    build: Option<PathBuf>,
    /// Or the bitstream's lanes and loaded weights, as given to `spikeforge build`
    #[command(flatten)]
    lanes: super::lanes::LaneArgs,
    /// Baud rate (default: the build's, with --build DIR, else 115,200). With --sim the
    /// simulated line runs at it against the board top's clock; without --baud or a build
    /// it runs at 8 clocks per bit, the fastest to simulate
    #[arg(long)]
    baud: Option<u32>,
    /// How inputs are framed: every value, only the non-zero ones behind a mask byte per 8,
    /// or whichever is shorter for each input
    #[arg(long, value_enum, default_value_t = FramingArg::Shortest)]
    framing: FramingArg,
    /// Send each request only after the last reply is in (by default the next request goes
    /// out while the board computes and answers the last one)
    #[arg(long)]
    no_pipeline: bool,
    /// With --sim: invert one bit of this share of the bytes on the simulated line, both
    /// ways (0.01: one byte in a hundred), to soak the protocol; raise --attempts with it
    #[arg(long, requires = "sim", value_name = "RATE", value_parser = share)]
    line_errors: Option<f64>,
    /// Seed of the --line-errors corruption
    #[arg(long, default_value_t = 1)]
    noise_seed: u64,
    /// Requests per input before giving up (corrupted frames are resent)
    #[arg(long, default_value_t = 4)]
    attempts: u32,
    #[command(flatten)]
    data: super::data::DataArgs,
    /// Print JSON instead of a summary
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    cache: super::cache::CacheArgs,
    /// Only load the weights (designs with --load-weights), then stop: the board keeps them
    /// until it is reconfigured, for hosts of your own that speak the inference protocol
    #[arg(long)]
    load_only: bool,
}

/// A share of bytes: a number from 0 to 1.
fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("{text} is not a share of bytes from 0 to 1 (0.01: one byte in a hundred)")),
    }
}

/// `--framing`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum FramingArg {
    Dense,
    Sparse,
    Shortest,
}

impl From<FramingArg> for Framing {
    fn from(f: FramingArg) -> Framing {
        match f {
            FramingArg::Dense => Framing::Dense,
            FramingArg::Sparse => Framing::Sparse,
            FramingArg::Shortest => Framing::Shortest,
        }
    }
}

/// The corruption `--line-errors` put on the simulated line.
#[derive(serde::Serialize)]
struct LineErrors {
    /// Share of bytes with a bit inverted, each way.
    rate: f64,
    /// The noise's seed.
    seed: u64,
    /// Request bytes corrupted.
    request_bytes: u64,
    /// Reply bytes corrupted.
    reply_bytes: u64,
}

/// What `run --json` prints: the board report and the two throughputs beside each other.
#[derive(serde::Serialize)]
struct RunReport {
    #[serde(flatten)]
    board: sim::board::BoardReport,
    /// The board top's clock in MHz (the build's, or the board's oscillator).
    clock_mhz: f64,
    /// The line's baud rate (with `--sim`, the simulated one).
    baud: f64,
    /// How inputs were framed.
    framing: Framing,
    /// Whether the next request went out before the last reply was in.
    pipelined: bool,
    /// The simulated line's corruption (`--line-errors`).
    line_errors: Option<LineErrors>,
    /// Inputs per second over the link: on the simulated line's clock with `--sim`, else
    /// wall-clock time in the exchanges.
    link_inputs_per_second: f64,
    /// What the core does streaming the same inputs at the clock: clock / pipelined cycles.
    core_inputs_per_second: f64,
}

pub fn run(args: Args) -> Result<()> {
    // The board top's board, clock and baud rate: the build's where there is one.
    let built = match &args.build {
        Some(dir) => bitstreams::pipeline::read_build_report(dir)?,
        None => None,
    };
    let build_dir = args.build.as_ref().map(|d| d.display().to_string()).unwrap_or_default();
    let built_board = match &built {
        Some(b) => Some(bitstreams::boards::Board::named(&b.board).with_context(|| {
            format!("{build_dir}: the build report names the board {:?}, which this spikeforge does not know", b.board)
        })?),
        None => None,
    };
    let board = match (args.board, built_board) {
        (Some(asked), Some(built)) if asked != built => {
            bail!("{build_dir} was built for the {built}, not the {asked} (--board)");
        }
        (Some(asked), _) => asked,
        (None, Some(built)) => built,
        (None, None) => bitstreams::boards::Board::Icebreaker,
    };
    let facts = board.facts();
    let clock_hz = built.as_ref().map_or(facts.clock_hz as f64, |b| b.clock_mhz * 1e6);
    let built_baud = built.as_ref().and_then(|b| b.baud);
    if let (Some(asked), Some(built)) = (args.baud, built_baud)
        && asked != built
    {
        bail!("the bitstream's UART runs at {built} baud (its build report); --baud {asked} would not be understood");
    }
    let baud = args.baud.or(built_baud);
    // A missing board is the first thing to say, before any work.
    let serial = if args.sim {
        None
    } else {
        let port = match &args.port {
            Some(p) => p.clone(),
            None => bitstreams::serial::find_port()?,
        };
        let link = bitstreams::serial::SerialLink::open(&port, baud.unwrap_or(115_200), Duration::from_millis(500))?;
        if let bitstreams::serial::LatencyTimer::Kept(ms) = bitstreams::serial::lower_latency_timer(&port) {
            eprintln!(
                "note: {port}'s FTDI latency timer is {ms} ms and could not be lowered (not root): replies wait up to \
                 that long; as root, echo 1 > /sys/bus/usb-serial/devices/{}/latency_timer",
                port.trim_start_matches("/dev/")
            );
        }
        Some((link, port))
    };
    // The simulated line: at the baud rate asked for (checked as a build checks it), or at
    // the fastest to simulate.
    let timing = match (args.sim, baud) {
        (true, Some(baud)) => {
            sim::cosim::uart::UartTiming::at(bitstreams::boards::uart_divider(board, clock_hz, baud)?)
        }
        _ => sim::cosim::uart::UartTiming::default(),
    };
    let line_baud = if args.sim { clock_hz / timing.clks_per_bit as f64 } else { baud.unwrap_or(115_200) as f64 };
    let net = super::load_model(&args.model)?;
    let golden = Golden::new(&net)?;
    let plan = match &args.build {
        Some(dir) => {
            // A build directory holds its design in rtl/; a gen directory is one.
            let rtl = if dir.join("rtl").join(hdl_gen::MANIFEST).exists() { dir.join("rtl") } else { dir.clone() };
            hdl_gen::DesignInfo::read(&rtl)?.plan_for(&net)?
        }
        None => args.lanes.plan_or(&net, 16)?,
    };
    let design = hdl_gen::generate(&net, &plan)?;
    let images = hdl_gen::board::weight_images(&net, &design);
    if args.load_only && images.is_empty() {
        bail!("--load-only: this plan keeps every weight in the bitstream (build with --load-weights)");
    }
    let set = if args.load_only { None } else { Some(args.data.load(&net, &args.model)?) };
    let format = design.manifest.board.reply;
    let count = set.as_ref().map_or(0, |s| s.len());
    let bar = ProgressBar::new(count as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} inputs, {per_sec}, eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    let started = Instant::now();
    let (mut real, mut simulated, link_name) = match serial {
        Some((link, port)) => {
            bar.set_message(format!("{} on {port}", facts.name));
            (Some(link), None, port)
        }
        None => {
            bar.set_message("simulated board (Verilator, bit-level UART)");
            let noise = args.line_errors.map(|rate| sim::cosim::uart::LineNoise::new(rate, args.noise_seed));
            let board = sim::cosim::uart::SimulatedBoard::start(&design, &args.cache.dir(), timing, noise)?;
            (None, Some(board), "simulated UART".to_string())
        }
    };
    let link: &mut dyn Transport = match (&mut real, &mut simulated) {
        (Some(link), _) => link,
        (None, Some(board)) => board,
        (None, None) => unreachable!("a link was opened above"),
    };
    // Loaded weights first: the board keeps them until it is reconfigured.
    let buffer = design.manifest.board.load_buffer.unwrap_or(256);
    let loaded = load(link, &images, buffer, format, args.attempts);
    let report = match (&loaded, &set) {
        (Ok(_), Some(set)) => Some(sim::board::run_board(
            &golden,
            &plan,
            link,
            format,
            HostOptions { framing: args.framing.into(), pipelined: !args.no_pipeline, attempts: args.attempts },
            &set.images,
            Some(&set.labels),
            &|k| bar.inc(k as u64),
        )),
        _ => None,
    };
    let noise = simulated.as_ref().and_then(|b| b.noise()).map(|n| LineErrors {
        rate: args.line_errors.unwrap_or(0.0),
        seed: args.noise_seed,
        request_bytes: n.request_bytes,
        reply_bytes: n.reply_bytes,
    });
    drop(real);
    drop(simulated);
    loaded?;
    let (Some(report), Some(set)) = (report, set) else {
        let keeps = if args.sim { "the simulated board ends here" } else { "it keeps them until reconfigured" };
        println!("weights loaded into the {} over {link_name}; {keeps}", facts.name);
        return Ok(());
    };
    let report = report?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let link_seconds = report.link_cycles.map_or(report.link_seconds, |c| c as f64 / clock_hz);
    let run = RunReport {
        clock_mhz: clock_hz / 1e6,
        baud: line_baud,
        framing: args.framing.into(),
        pipelined: !args.no_pipeline,
        line_errors: noise,
        link_inputs_per_second: report.inputs as f64 / link_seconds.max(f64::MIN_POSITIVE),
        core_inputs_per_second: clock_hz / report.pipelined_cycles.max(1.0),
        board: report,
    };
    let report = &run.board;
    if args.json {
        super::print_json(&run)?;
    } else {
        let latency_us = report.mean_cycles / clock_hz * 1e6;
        println!("ran {} inputs of {} over {link_name} ({})", report.inputs, set.name, facts.name);
        if let Some(correct) = report.correct {
            println!(
                "on-board accuracy: {:.2}% ({correct}/{})",
                100.0 * correct as f64 / report.inputs.max(1) as f64,
                report.inputs
            );
        }
        println!(
            "latency: {} cycles per input = {} µs at {} MHz (compute only; the UART adds the transfer)",
            num(report.mean_cycles, 1),
            num(latency_us, 1),
            num(clock_hz / 1e6, 2)
        );
        let clock = if args.sim { "on the simulated line's clock" } else { "wall clock in the exchanges" };
        println!(
            "throughput: {} inputs/s over the link at {} baud ({}, {}, mean request {} bytes, {clock}); \
             the core alone {} inputs/s ({} cycles per input streamed)",
            num(run.link_inputs_per_second, 0),
            num(line_baud, 0),
            framing_name(run.framing),
            if run.pipelined { "two requests in flight" } else { "one request at a time" },
            num(report.mean_request_bytes, 1),
            num(run.core_inputs_per_second, 0),
            num(report.pipelined_cycles, 1)
        );
        println!(
            "exact against golden and cycle models: {}/{}; retried requests: {}; wall {:.1} s",
            report.exact, report.inputs, report.retries, seconds
        );
        if let Some(n) = &run.line_errors {
            println!(
                "line errors: {} request and {} reply bytes corrupted (one in {}, seed {}); every answer checked",
                n.request_bytes,
                n.reply_bytes,
                num(1.0 / n.rate.max(f64::MIN_POSITIVE), 0),
                n.seed
            );
        }
    }
    if let Some(m) = &report.first_mismatch {
        bail!("the board disagrees with the golden model: {m}");
    }
    Ok(())
}

fn framing_name(framing: Framing) -> &'static str {
    match framing {
        Framing::Dense => "dense frames",
        Framing::Sparse => "sparse frames",
        Framing::Shortest => "the shorter frame per input",
    }
}

/// Write `images` into the board with a progress bar and check each memory's CRC; nothing
/// to do for a design without loaded weights.
fn load(
    link: &mut dyn Transport,
    images: &[hdl_gen::protocol::WeightImage],
    buffer: u64,
    format: hdl_gen::protocol::ReplyFormat,
    attempts: u32,
) -> Result<()> {
    if images.is_empty() {
        return Ok(());
    }
    let words: u64 = images.iter().map(|i| i.words()).sum();
    let bar = ProgressBar::new(words).with_style(
        ProgressStyle::with_template("loading weights [{bar:30}] {pos}/{len} words, eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    let retries = hdl_gen::protocol::load_weights(link, images, buffer, format, attempts, &|w| bar.inc(w))
        .map_err(|e| anyhow::anyhow!("loading the weights into the board: {e}"))?;
    bar.finish_and_clear();
    // The board's CRC of every loaded memory against the model's, before any inference:
    // catches what the per-frame CRC cannot (a loader or RAM that stores a word wrongly).
    hdl_gen::protocol::verify_weights(link, images, format, attempts)
        .map_err(|e| anyhow::anyhow!("checking the loaded weights: {e}"))?;
    eprintln!("loaded {words} weight words ({retries} requests resent), CRC-32 checked per layer");
    Ok(())
}
