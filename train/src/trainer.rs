//! The training loop: minibatch BPTT with Adam and a cosine learning-rate schedule, the LMS
//! spike-maximum schedule, then export, calibration and the integer check.

use std::time::Instant;

use datasets::{Dataset, Split};
use model::{Network, NeuronKind};
use serde::Serialize;
use tch::nn::OptimizerConfig;
use tch::{Device, Kind, Tensor, nn};

use crate::augment::{rotated, shifted};
use crate::batchnorm::FREEZE_FRACTION;
use crate::config::TrainConfig;
use crate::snn::{Snn, Statistics};
use crate::{TrainError, export, integer, plan};

/// Calibration images for histograms and codes: the first this many training images.
pub const CALIBRATION_IMAGES: usize = 2000;

/// Decay balancing coefficient of the LMS spike-maximum estimate at the start and the end
/// of training (linear in between): the estimate follows the membrane distribution quickly
/// while it moves early on and settles late.
pub const LMS_BALANCE: (f64, f64) = (0.9, 0.995);

/// One epoch in the log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EpochLog {
    /// 1-based.
    pub epoch: u32,
    /// Mean training loss.
    pub loss: f64,
    /// Training accuracy of the float network during the epoch, in %.
    pub train_accuracy: f64,
    /// Float accuracy on the test split after the epoch, in %.
    pub test_accuracy: f64,
    /// Learning rate used.
    pub learning_rate: f64,
    /// Per hidden layer: mean spike magnitude per neuron and timestep.
    pub spike_rate: Vec<f64>,
    /// Per hidden layer: the spike maximum D (LMS) in use.
    pub max_spike: Vec<Option<u32>>,
    /// Per hidden layer: the float threshold.
    pub threshold: Vec<f64>,
    /// Seconds of training (minibatches only; the test evaluation is not counted).
    pub seconds: f64,
}

/// A layer of the exported model, for the summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerSummary {
    /// Layer name.
    pub name: String,
    /// Neuron label (`integer D=7`, `ternary`, ...).
    pub neuron: String,
    /// Spike code of the layer's output (`[1,2,4]`, `[1]`), `None` for readout.
    pub code: Option<String>,
    /// Threshold shift q.
    pub threshold_shift: u8,
    /// Width in bits of the layer's lateral weights; `None` without lateral connections.
    pub lateral_bits: Option<u8>,
    /// Non-zero spikes per test input (all timesteps).
    pub spikes_per_input: f64,
}

/// What a training run produced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrainReport {
    /// The configuration.
    pub config: TrainConfig,
    /// Dataset name.
    pub dataset: String,
    /// Every epoch.
    pub epochs: Vec<EpochLog>,
    /// Float accuracy on the test split, in %.
    pub float_accuracy: f64,
    /// Accuracy of the exported integer network on the test split (integer forward), in %.
    pub integer_accuracy: f64,
    /// Test inputs.
    pub test_inputs: usize,
    /// Exported layers.
    pub layers: Vec<LayerSummary>,
    /// Mean seconds per epoch.
    pub seconds_per_epoch: f64,
}

/// Callbacks for progress display.
pub trait Progress {
    /// A minibatch finished (`done` of `total` in this epoch).
    fn batch(&self, _epoch: u32, _done: usize, _total: usize, _loss: f64) {}
    /// An epoch finished.
    fn epoch(&self, _log: &EpochLog) {}
    /// A phase after training started (export, calibration, integer check).
    fn phase(&self, _what: &str) {}
}

/// No progress output.
pub struct Quiet;

impl Progress for Quiet {}

fn images_tensor(set: &Dataset, start: usize, count: usize) -> Tensor {
    let size = set.image_size();
    let bytes = &set.images[start * size..(start + count) * size];
    Tensor::from_slice(bytes).to_kind(Kind::Float).view([count as i64, size as i64]) / 255.0
}

/// Float accuracy (%) of `snn` on `set`.
fn float_accuracy(snn: &Snn, set: &Dataset) -> f64 {
    let mut correct = 0i64;
    tch::no_grad(|| {
        for start in (0..set.len()).step_by(500) {
            let n = 500.min(set.len() - start);
            let (logits, _) = snn.forward(&images_tensor(set, start, n), Statistics::Running);
            let labels = Tensor::from_slice(&set.labels[start..start + n]).to_kind(Kind::Int64);
            correct += logits.argmax(1, false).eq_tensor(&labels).sum(Kind::Int64).int64_value(&[]);
        }
    });
    100.0 * correct as f64 / set.len().max(1) as f64
}

/// libtorch's random generator and thread count are process-wide: trainings in one process
/// take turns so each stays a pure function of its seed.
static TORCH: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Train on `split` and export. Deterministic for a seed and thread count on CPU.
pub fn train(cfg: &TrainConfig, split: &Split, progress: &dyn Progress) -> Result<(Network, TrainReport), TrainError> {
    cfg.check()?;
    let _turn = TORCH.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (train_set, test_set) = (&split.train, &split.test);
    if train_set.is_empty() || test_set.is_empty() {
        return Err(TrainError::Data(format!("{}: empty training or test split", train_set.name)));
    }
    let classes = train_set.classes.max(test_set.classes);
    if classes < 2 {
        return Err(TrainError::Data("need at least 2 classes".into()));
    }
    tch::manual_seed(cfg.seed as i64);
    tch::set_num_threads(cfg.threads as i32);
    let ops = match &cfg.arch {
        Some(arch) => plan::from_arch(arch, &train_set.shape, classes)?,
        None => plan::dense(&cfg.hidden, train_set.image_size(), classes),
    };
    let mut snn = Snn::build(cfg, ops);
    let mut opt = nn::Adam::default().build(&snn.vs, cfg.learning_rate)?;
    let labels_all = Tensor::from_slice(&train_set.labels).to_kind(Kind::Int64);
    let images_all = images_tensor(train_set, 0, train_set.len());
    let n = train_set.len() as i64;
    let batches = (train_set.len().div_ceil(cfg.batch_size)).min(cfg.batches_per_epoch.unwrap_or(usize::MAX));
    let mut epochs = Vec::new();
    for epoch in 1..=cfg.epochs {
        let started = Instant::now();
        let progress_frac = (epoch - 1) as f64 / (cfg.epochs.max(2) - 1) as f64;
        let lr = cfg.learning_rate * (0.05 + 0.95 * 0.5 * (1.0 + (std::f64::consts::PI * progress_frac).cos()));
        opt.set_lr(lr);
        let lambda = LMS_BALANCE.0 + (LMS_BALANCE.1 - LMS_BALANCE.0) * progress_frac;
        let order = Tensor::randperm(n, (Kind::Int64, Device::Cpu));
        // The last epochs train on the running statistics, the exported computation.
        let statistics =
            if epoch + cfg.epochs / FREEZE_FRACTION > cfg.epochs { Statistics::Running } else { Statistics::Batch };
        let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0i64, 0i64);
        let mut rate_sum: Vec<f64> = vec![0.0; snn.layers.len() - 1];
        for b in 0..batches {
            let start = (b * cfg.batch_size) as i64;
            let len = (cfg.batch_size as i64).min(n - start);
            let idx = order.narrow(0, start, len);
            let mut x = images_all.index_select(0, &idx);
            if train_set.shape.len() == 3 {
                if cfg.rotate_degrees > 0.0 {
                    x = tch::no_grad(|| rotated(&x, &train_set.shape, cfg.rotate_degrees));
                }
                let shift = cfg.shift_pixels.unwrap_or(train_set.shape[2] / 14);
                if shift > 0 {
                    x = tch::no_grad(|| shifted(&x, &train_set.shape, shift));
                }
            }
            let y = labels_all.index_select(0, &idx);
            let (logits, stats) = snn.forward(&x, statistics);
            let loss = logits.cross_entropy_for_logits(&y);
            opt.backward_step(&loss);
            snn.update_spike_maxima(&stats, lambda);
            snn.update_batch_norm(&stats);
            let loss_value = loss.double_value(&[]);
            if !loss_value.is_finite() {
                return Err(TrainError::Diverged { epoch, loss: loss_value });
            }
            loss_sum += loss_value * len as f64;
            correct += tch::no_grad(|| logits.argmax(1, false).eq_tensor(&y).sum(Kind::Int64).int64_value(&[]));
            seen += len;
            for (r, s) in rate_sum.iter_mut().zip(&stats.spike_rate) {
                *r += s;
            }
            progress.batch(epoch, b + 1, batches, loss_value);
        }
        let train_seconds = started.elapsed().as_secs_f64();
        let log = EpochLog {
            epoch,
            loss: loss_sum / seen.max(1) as f64,
            train_accuracy: 100.0 * correct as f64 / seen.max(1) as f64,
            test_accuracy: float_accuracy(&snn, test_set),
            learning_rate: lr,
            spike_rate: rate_sum.iter().map(|r| r / batches.max(1) as f64).collect(),
            max_spike: snn.layers[..snn.layers.len() - 1].iter().map(|l| l.lms.as_ref().map(|s| s.max_spike)).collect(),
            threshold: (0..snn.layers.len() - 1).map(|l| snn.theta_value(l)).collect(),
            seconds: train_seconds,
        };
        progress.epoch(&log);
        epochs.push(log);
    }

    progress.phase("export");
    let float_accuracy = epochs.last().map_or(0.0, |e| e.test_accuracy);
    let mut net = export::integers(&snn, cfg, &train_set.shape, &train_set.name);
    progress.phase("calibration (histograms and optimal codes)");
    let calibration = CALIBRATION_IMAGES.min(train_set.len());
    export::calibrate(&mut net, &train_set.images[..calibration * train_set.image_size()], cfg.max_planes)?;
    progress.phase("integer forward on the test split");
    let run = integer::forward(&net, &test_set.images);
    let correct = run.classes.iter().zip(&test_set.labels).filter(|(c, l)| **c == **l as usize).count();
    let layers = net
        .layers
        .iter()
        .zip(&run.spikes)
        .map(|(l, &s)| LayerSummary {
            name: l.name.clone(),
            neuron: l.neuron.kind.label(),
            code: (!matches!(l.neuron.kind, NeuronKind::Readout)).then(|| l.neuron.kind.code().label()),
            threshold_shift: l.neuron.threshold_shift,
            lateral_bits: l.lateral.as_ref().map(|r| r.weight_bits),
            spikes_per_input: if matches!(l.neuron.kind, NeuronKind::Readout) {
                0.0
            } else {
                s as f64 / test_set.len() as f64
            },
        })
        .collect();
    let seconds_per_epoch = epochs.iter().map(|e| e.seconds).sum::<f64>() / epochs.len().max(1) as f64;
    let report = TrainReport {
        config: cfg.clone(),
        dataset: train_set.name.clone(),
        epochs,
        float_accuracy,
        integer_accuracy: 100.0 * correct as f64 / test_set.len() as f64,
        test_inputs: test_set.len(),
        layers,
        seconds_per_epoch,
    };
    Ok((net, report))
}
