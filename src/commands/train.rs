//! `spikeforge train`: options -> `train::TrainConfig`, progress and summary around
//! `train::train`. Without the `train` cargo feature it says how to get the trainer.

use std::path::PathBuf;

use anyhow::{Result, bail};
use model::arch::Arch;
use model::{Decay, Reset};
use train::{NeuronChoice, TrainConfig};

#[derive(clap::Args)]
pub struct Args {
    /// Hidden neuron: lms (integer spikes, learned D), ternary (±1, learned amplitude) or binary (LIF)
    #[arg(long, value_enum, default_value_t = Neuron::Lms)]
    neuron: Neuron,
    /// Timesteps T
    #[arg(long, default_value_t = 4)]
    timesteps: u32,
    /// Hidden layer widths of an MLP, e.g. 256 or 256,128
    #[arg(long, value_delimiter = ',', default_value = "256", conflicts_with_all = ["arch", "arch_file"])]
    hidden: Vec<u32>,
    /// A convolutional network instead, as an architecture string: layers joined by `-`,
    /// `c<N>k<K>[s<S>][p<P>]` conv (N channels, KxK kernel, stride S = 1, zero padding
    /// P = 0), `sp<K>` / `mp<K>` sum / max pooling over KxK windows (after a conv or pooling
    /// layer; no max pooling after a sum pooling), `fc<N>` dense; the last layer is the
    /// readout, fc<classes>, e.g. c16k5p2-mp2-c32k3p1-sp2-fc10 (MNIST) or c8k3p1-sp2-fc10
    /// (digits). Every conv and hidden fc layer has the --neuron kind; --lateral applies to
    /// the hidden fc layers only
    #[arg(long, conflicts_with = "arch_file")]
    arch: Option<Arch>,
    /// The architecture from a text file instead, for longer networks: one layer per line in
    /// the --arch grammar (c16k5p2, mp2, fc10), `#` comments and blank lines allowed
    #[arg(long, value_name = "FILE")]
    arch_file: Option<PathBuf>,
    /// Weight width in bits
    #[arg(long, default_value_t = 8)]
    weight_bits: u8,
    /// Epochs
    #[arg(long, default_value_t = 10)]
    epochs: u32,
    /// Dataset: mnist, digits, synthetic or idx:DIR (the documented per-class 80/20 split)
    #[arg(long, default_value = "mnist")]
    data: String,
    /// Where `make setup` put the datasets (default: ./data or $SPIKEFORGE_DATA_DIR)
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The model file to write
    #[arg(long)]
    out: PathBuf,
    /// The JSON training log (default: OUT with `.train.json` instead of `.sfm.json`/`.json`)
    #[arg(long)]
    log: Option<PathBuf>,
    /// Replace OUT and the log if they exist
    #[arg(long)]
    force: bool,
    /// Also write the log's page of plots and tables beside it (LOG with `.html` for `.json`)
    #[arg(long)]
    report: bool,
    /// Seed for initialization and shuffling
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Minibatch size
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    /// Adam's initial learning rate (cosine-annealed)
    #[arg(long, default_value_t = 2e-3)]
    learning_rate: f64,
    /// Hidden membrane decay: keep, clear, shift:K (λ = 2^-K) or leak:K (λ = 1 - 2^-K) [default: shift:2 for ternary, else shift:1]
    #[arg(long)]
    decay: Option<Decay>,
    /// Hidden reset: soft (subtract the threshold) or hard (to zero) [default: hard for ternary, else soft]
    #[arg(long, value_enum)]
    reset: Option<ResetArg>,
    /// LMS: the largest spike maximum D a layer may learn
    #[arg(long, default_value_t = 15)]
    max_spike: u32,
    /// LMS: most planes K of the exported spike codes
    #[arg(long, default_value_t = 4)]
    max_planes: usize,
    /// Learn each hidden layer's threshold (single-timestep training)
    #[arg(long)]
    learnable_threshold: bool,
    /// Give every hidden layer trainable lateral (recurrent) connections within a timestep
    #[arg(long)]
    lateral: bool,
    /// Augmentation: shift training images by up to this many pixels (0: none; default: width / 14)
    #[arg(long)]
    shift: Option<u32>,
    /// Augmentation: rotate each training image by a random angle in ±DEGREES about its centre
    /// (bilinear, rounded to integer pixels; at most 45; 0: none)
    #[arg(long, value_name = "DEGREES", default_value_t = 0.0)]
    rotate: f64,
    /// Batch-normalize every hidden layer's current during training (per conv channel, per
    /// hidden fc neuron), folded into the exported weights and biases; the last fifth of the
    /// epochs trains on the frozen running statistics
    #[arg(long)]
    batch_norm: bool,
    /// CPU threads for libtorch (default: all cores)
    #[arg(long)]
    threads: Option<usize>,
    /// Model name (default: from OUT)
    #[arg(long)]
    name: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Neuron {
    Lms,
    Ternary,
    Binary,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ResetArg {
    Soft,
    Hard,
}

/// The architecture of an --arch-file.
fn read_arch(path: &std::path::Path) -> Result<Arch> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading the architecture file {}: {e}", path.display()))?;
    Arch::parse_lines(&text).map_err(|e| anyhow::anyhow!("architecture file {}, {e}", path.display()))
}

/// The training log path next to the model file.
fn default_log(out: &std::path::Path) -> PathBuf {
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("model");
    let stem = name.strip_suffix(".sfm.json").or_else(|| name.strip_suffix(".json")).unwrap_or(name);
    out.with_file_name(format!("{stem}.train.json"))
}

impl Args {
    fn config(&self) -> Result<TrainConfig> {
        let neuron = match self.neuron {
            Neuron::Lms => NeuronChoice::Lms,
            Neuron::Ternary => NeuronChoice::Ternary,
            Neuron::Binary => NeuronChoice::Binary,
        };
        let mut cfg = TrainConfig::new(neuron);
        let stem = self.out.file_name().and_then(|n| n.to_str()).unwrap_or("model");
        let stem = stem.split('.').next().unwrap_or("model");
        cfg.name = self.name.clone().unwrap_or_else(|| stem.to_string());
        cfg.timesteps = self.timesteps;
        cfg.hidden = self.hidden.clone();
        cfg.arch = match &self.arch_file {
            Some(path) => Some(read_arch(path)?),
            None => self.arch.clone(),
        };
        cfg.weight_bits = self.weight_bits;
        cfg.epochs = self.epochs;
        cfg.batch_size = self.batch_size;
        cfg.learning_rate = self.learning_rate;
        cfg.seed = self.seed;
        if let Some(decay) = self.decay {
            cfg.decay = decay;
        }
        match self.reset {
            Some(ResetArg::Soft) => cfg.reset = Reset::Soft,
            Some(ResetArg::Hard) => cfg.reset = Reset::Hard,
            None => {}
        }
        cfg.max_spike_cap = self.max_spike;
        cfg.max_planes = self.max_planes;
        cfg.learnable_threshold = self.learnable_threshold;
        cfg.lateral = self.lateral;
        cfg.shift_pixels = self.shift;
        cfg.rotate_degrees = self.rotate;
        cfg.batch_norm = self.batch_norm;
        if let Some(t) = self.threads {
            cfg.threads = t;
        }
        Ok(cfg)
    }
}

pub fn run(args: Args) -> Result<()> {
    let cfg = args.config()?;
    cfg.check()?;
    let log = args.log.clone().unwrap_or_else(|| default_log(&args.out));
    let page = args.report.then(|| log.with_extension("html"));
    for path in [Some(&args.out), Some(&log), page.as_ref()].into_iter().flatten() {
        if path.exists() && !args.force {
            bail!("{} already exists (pass --force to overwrite it)", path.display());
        }
    }
    run_training(&args, &cfg, &log)?;
    if let Some(page) = page {
        let html = ::report::build_page(std::slice::from_ref(&log))?;
        ::report::write_page(&html, &page, true)?;
        println!("report: {}", page.display());
    }
    Ok(())
}

#[cfg(not(feature = "train"))]
fn run_training(_args: &Args, _cfg: &TrainConfig, _log: &std::path::Path) -> Result<()> {
    Err(train::TrainError::Unavailable.into())
}

#[cfg(feature = "train")]
fn run_training(args: &Args, cfg: &TrainConfig, log: &std::path::Path) -> Result<()> {
    use indicatif::{ProgressBar, ProgressStyle};

    use crate::table::{Table, num};

    struct Bars {
        bar: ProgressBar,
        epochs: u32,
    }
    impl train::Progress for Bars {
        fn batch(&self, epoch: u32, done: usize, total: usize, loss: f64) {
            if done == 1 {
                self.bar.set_length(total as u64);
                self.bar.set_position(0);
                self.bar.set_message(format!("epoch {epoch}/{}", self.epochs));
            }
            self.bar.set_position(done as u64);
            if done % 8 == 0 {
                self.bar.set_message(format!("epoch {epoch}/{} loss {loss:.3}", self.epochs));
            }
        }
        fn epoch(&self, e: &train::EpochLog) {
            let d: Vec<String> = e.max_spike.iter().flatten().map(|d| d.to_string()).collect();
            let d = if d.is_empty() { String::new() } else { format!(", D [{}]", d.join(", ")) };
            let line = format!(
                "epoch {:>3}/{}: loss {:.4}, train {:.2}%, test {:.2}% (float), spike rate [{}]{d}, lr {:.2e}, {:.2} s",
                e.epoch,
                self.epochs,
                e.loss,
                e.train_accuracy,
                e.test_accuracy,
                e.spike_rate.iter().map(|r| format!("{r:.3}")).collect::<Vec<_>>().join(", "),
                e.learning_rate,
                e.seconds
            );
            // println on a hidden bar prints nothing: suspend it and print plainly.
            self.bar.suspend(|| println!("{line}"));
        }
        fn phase(&self, what: &str) {
            self.bar.set_message(what.to_string());
        }
    }

    let split = datasets::load(&args.data.parse()?, &crate::data_dir(args.data_dir.clone()))?;
    println!(
        "training {} on {} ({} train / {} test images): {} {}{}, T = {}, {}-bit weights, {} epochs, seed {}",
        cfg.name,
        args.data,
        split.train.len(),
        split.test.len(),
        cfg.neuron.name(),
        match &cfg.arch {
            Some(arch) => format!("neurons, architecture {arch}"),
            None => format!("hidden {:?}", cfg.hidden),
        },
        if cfg.lateral { " with lateral connections" } else { "" },
        cfg.timesteps,
        cfg.weight_bits,
        cfg.epochs,
        cfg.seed
    );
    let bar = ProgressBar::new(1).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} batches, eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    let (net, report) = train::train(cfg, &split, &Bars { bar: bar.clone(), epochs: cfg.epochs })?;
    bar.finish_and_clear();
    let overwrite = if args.force { model::file::Overwrite::Allow } else { model::file::Overwrite::Refuse };
    model::file::save(&net, &args.out, overwrite)?;
    let text = serde_json::to_string_pretty(&report)? + "\n";
    anyhow::Context::with_context(std::fs::write(log, text), || format!("writing the training log {}", log.display()))?;

    let mut t = Table::new(&["layer", "neuron", "code", "q", "lateral", "spikes/input (test)"]);
    for l in &report.layers {
        t.row(vec![
            l.name.clone(),
            l.neuron.clone(),
            l.code.clone().unwrap_or_else(|| "-".into()),
            l.threshold_shift.to_string(),
            l.lateral_bits.map_or_else(|| "-".into(), |b| format!("{b}-bit")),
            num(l.spikes_per_input, 1),
        ]);
    }
    println!("{}", t.render());
    println!("float accuracy: {:.2}%", report.float_accuracy);
    println!("integer accuracy: {:.2}%", report.integer_accuracy);
    println!(
        "test split: {} images; {:.1} s per epoch; model {}; log {}",
        report.test_inputs,
        report.seconds_per_epoch,
        args.out.display(),
        log.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_names() {
        assert_eq!(default_log(std::path::Path::new("m/lms.sfm.json")), PathBuf::from("m/lms.train.json"));
        assert_eq!(default_log(std::path::Path::new("x")), PathBuf::from("x.train.json"));
    }
}
