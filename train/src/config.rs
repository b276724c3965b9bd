//! What to train: plain data, available with or without libtorch so the CLI can parse and
//! check options before it needs the trainer.

use model::arch::{Arch, ArchLayer};
use model::{Decay, Reset};
use serde::{Serialize, Serializer};

use crate::TrainError;

/// The largest `--rotate` angle in degrees: beyond it digits turn into others (6 and 9).
pub const MAX_ROTATION: f64 = 45.0;

/// The hidden layers' neuron.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NeuronChoice {
    /// Binary LIF: spikes in {0, 1}.
    Binary,
    /// Ternary Spike: spikes in {-1, 0, +1} with a trainable per-layer amplitude, folded into
    /// the next layer's weights at export.
    Ternary,
    /// Learnable Maximum Spike: integer spikes `clamp(round(u / θ), 0, D)` with a per-layer
    /// spike maximum `D` learned from the layer's membrane-potential distribution.
    Lms,
}

impl NeuronChoice {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            NeuronChoice::Binary => "binary",
            NeuronChoice::Ternary => "ternary",
            NeuronChoice::Lms => "lms",
        }
    }
}

/// Everything a training run depends on. The same config and seed give the same model on
/// the same machine (CPU, fixed thread count).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrainConfig {
    /// Model name written into the file.
    pub name: String,
    /// Hidden neuron kind.
    pub neuron: NeuronChoice,
    /// Timesteps T.
    pub timesteps: u32,
    /// Hidden layer widths (the output layer is a readout of `classes` neurons); ignored
    /// when `arch` is set.
    pub hidden: Vec<u32>,
    /// The whole network as an architecture string (conv, pooling and dense layers; the last
    /// one, `fc<classes>`, is the readout layer) instead of the MLP of `hidden`. Absent from
    /// the training log when unset, so MLP logs read as before.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "arch_text")]
    pub arch: Option<Arch>,
    /// Weight width in bits for every layer (symmetric, two's complement).
    pub weight_bits: u8,
    /// Epochs.
    pub epochs: u32,
    /// Minibatch size.
    pub batch_size: usize,
    /// Adam's learning rate at the start (cosine-annealed to 1/20 of it).
    pub learning_rate: f64,
    /// Seed for initialization and shuffling.
    pub seed: u64,
    /// Hidden layers' membrane decay.
    pub decay: Decay,
    /// Hidden layers' reset.
    pub reset: Reset,
    /// LMS: the largest spike maximum D a layer may learn.
    pub max_spike_cap: u32,
    /// LMS: most planes K of the exported spike codes.
    pub max_planes: usize,
    /// Learn each hidden layer's threshold (exported as a power of two).
    pub learnable_threshold: bool,
    /// Give every hidden layer a trainable lateral matrix `R` (N x N): its provisional spikes
    /// of a timestep feed back into its own membrane before it fires ([`model::Lateral`]).
    pub lateral: bool,
    /// Threads for libtorch's CPU kernels.
    pub threads: usize,
    /// Augmentation: shift each training image by up to this many pixels in x and y (random
    /// per image and epoch, zeros shifted in); 0 = none. Images stay integer pixels. `None`:
    /// one pixel per 14 of the image width (2 for MNIST, 0 for 8x8 digits).
    pub shift_pixels: Option<u32>,
    /// Augmentation: rotate each training image by a uniform random angle in
    /// `-rotate_degrees..=rotate_degrees` about its centre (per image and epoch, bilinear,
    /// rounded back to integer pixels, zeros outside); 0 = none. Absent from the training
    /// log when 0, so earlier logs read as before.
    #[serde(skip_serializing_if = "is_zero")]
    pub rotate_degrees: f64,
    /// Batch-normalize every hidden layer's current during training (per conv channel, per
    /// dense neuron; not the readout), trained folded into the layer's weights and biases so
    /// the exported model has none. Absent from the training log when off.
    #[serde(skip_serializing_if = "is_false")]
    pub batch_norm: bool,
    /// Stop after this many minibatches per epoch (`None`: the whole training split); for
    /// quick runs and tests.
    pub batches_per_epoch: Option<usize>,
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The architecture in the training log as its string (`c8k5p2-sp2-fc10`).
fn arch_text<S: Serializer>(arch: &Option<Arch>, serializer: S) -> Result<S::Ok, S::Error> {
    match arch {
        Some(a) => serializer.serialize_str(&a.to_string()),
        None => serializer.serialize_none(),
    }
}

impl TrainConfig {
    /// Defaults for a neuron kind: 784-256-10-style MLP, T = 4, 8-bit weights. Ternary
    /// layers default to the Ternary Spike code's neuron (leak 1/4, hard reset: measured
    /// 96.3% against 95.7% with leak 1/2 and soft reset); binary and LMS to leak 1/2 and
    /// soft reset (LMS: 97.1% against 96.9% with leak 1/4).
    pub fn new(neuron: NeuronChoice) -> TrainConfig {
        let (decay, reset) = match neuron {
            NeuronChoice::Ternary => (Decay::Shift(2), Reset::Hard),
            NeuronChoice::Binary | NeuronChoice::Lms => (Decay::Shift(1), Reset::Soft),
        };
        TrainConfig {
            name: format!("mnist-{}", neuron.name()),
            neuron,
            timesteps: 4,
            hidden: vec![256],
            arch: None,
            weight_bits: 8,
            epochs: 10,
            batch_size: 128,
            learning_rate: 2e-3,
            seed: 1,
            decay,
            reset,
            max_spike_cap: 15,
            max_planes: 4,
            learnable_threshold: false,
            lateral: false,
            shift_pixels: None,
            rotate_degrees: 0.0,
            batch_norm: false,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            batches_per_epoch: None,
        }
    }

    /// Reject settings the exported model could not hold.
    pub fn check(&self) -> Result<(), TrainError> {
        let bad = |field: &str, reason: String| Err(TrainError::Config { field: field.into(), reason });
        if self.timesteps == 0 || self.timesteps > model::MAX_TIMESTEPS {
            return bad("timesteps", format!("is {}, must be 1..={}", self.timesteps, model::MAX_TIMESTEPS));
        }
        if let Some(arch) = &self.arch {
            let last = arch.layers.last();
            if !matches!(last, Some(ArchLayer::Dense { .. })) {
                return bad("arch", format!("{arch}: the last layer must be fc<classes> (the readout layer)"));
            }
        } else if self.hidden.is_empty() || self.hidden.contains(&0) {
            return bad("hidden", "needs at least one hidden layer, each at least 1 wide".into());
        }
        if !(2..=model::MAX_WEIGHT_BITS).contains(&self.weight_bits) {
            return bad("weight-bits", format!("is {}, must be 2..={}", self.weight_bits, model::MAX_WEIGHT_BITS));
        }
        if self.epochs == 0 || self.batch_size == 0 {
            return bad("epochs / batch-size", "must be at least 1".into());
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad("learning-rate", format!("is {}, must be positive", self.learning_rate));
        }
        if self.max_spike_cap == 0 || self.max_spike_cap > model::MAX_SPIKE {
            return bad("max-spike", format!("is {}, must be 1..={}", self.max_spike_cap, model::MAX_SPIKE));
        }
        if !(1..=8).contains(&self.max_planes) {
            return bad("max-planes", format!("is {}, must be 1..=8", self.max_planes));
        }
        let decay_shift = match self.decay {
            Decay::Shift(k) => Some(("shift", k)),
            Decay::Leak(k) => Some(("leak", k)),
            Decay::Keep | Decay::Clear => None,
        };
        if let Some((mode, k)) = decay_shift
            && !(1..=31).contains(&k)
        {
            return bad("decay", format!("{mode} {k}, must be 1..=31"));
        }
        if let Some(shift) = self.shift_pixels
            && shift > 8
        {
            return bad("shift", format!("is {shift}, at most 8 pixels"));
        }
        if !(0.0..=MAX_ROTATION).contains(&self.rotate_degrees) {
            return bad("rotate", format!("is {}, must be 0..={MAX_ROTATION} degrees", self.rotate_degrees));
        }
        if self.threads == 0 {
            return bad("threads", "must be at least 1".into());
        }
        Ok(())
    }
}
