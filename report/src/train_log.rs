//! The training log (`*.train.json`) as the report reads it.
//!
//! The trainer's own `TrainReport` is only compiled with libtorch (`spikeforge-train`'s `tch`
//! feature), so the report reads the log through this mirror of the fields it shows; every
//! field is required, so a renamed field fails loudly here rather than drawing an empty plot.

use serde::Deserialize;

/// A training run's log.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TrainLog {
    /// The run's configuration (only what the page names).
    pub config: TrainLogConfig,
    /// Dataset name.
    pub dataset: String,
    /// Every epoch.
    pub epochs: Vec<EpochRow>,
    /// Float accuracy on the test split after training, in %.
    pub float_accuracy: f64,
    /// Accuracy of the exported integer network on the test split, in %.
    pub integer_accuracy: f64,
    /// Test inputs.
    pub test_inputs: usize,
    /// Exported layers.
    pub layers: Vec<LayerRow>,
}

/// The part of the configuration the page names.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TrainLogConfig {
    /// Model name.
    pub name: String,
    /// Hidden neuron kind.
    pub neuron: String,
    /// Timesteps T.
    pub timesteps: u32,
}

/// One epoch.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct EpochRow {
    /// 1-based.
    pub epoch: u32,
    /// Mean training loss.
    pub loss: f64,
    /// Float training accuracy during the epoch, in %.
    pub train_accuracy: f64,
    /// Float test accuracy after the epoch, in %.
    pub test_accuracy: f64,
    /// Per hidden layer: mean spike magnitude per neuron and timestep.
    pub spike_rate: Vec<f64>,
    /// Per hidden layer: the learned spike maximum D (LMS), if any.
    pub max_spike: Vec<Option<u32>>,
}

/// One exported layer.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct LayerRow {
    /// Layer name.
    pub name: String,
    /// Neuron label.
    pub neuron: String,
    /// Output spike code, `None` for the readout.
    pub code: Option<String>,
    /// Non-zero spikes per test input.
    pub spikes_per_input: f64,
}
