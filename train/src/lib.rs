//! # spikeforge `train`: spiking networks trained with libtorch, exported bit-exact
//!
//! [`TrainConfig`] says what to train: an MLP of binary LIF, Ternary Spike or LMS (learnable
//! maximum spike) hidden layers, optionally with lateral connections, and a readout layer,
//! or a convolutional network given as an architecture string (conv, sum and max pooling,
//! dense layers), T timesteps, B-bit weights. With the
//! `tch` feature (libtorch 2.13 from the project's `.venv`, `make setup`), [`train()`] runs
//! minibatch BPTT with surrogate gradients and quantization-aware training, then exports a
//! [`model::Network`] whose integers are what was trained; [`integer::forward`] evaluates
//! it with `int64` tensors under the integer contract, and the golden model agrees bit for
//! bit (tested).
//!
//! Architecture Invariant: libtorch is only reachable through the `tch` feature; without it
//! this crate is the configuration types and [`TrainError::Unavailable`], so the rest of the
//! workspace never needs libtorch.
//!
//! Architecture Invariant: training and export share one quantization mapping
//! ([`quant`]): the float network's fake-quantized weights are `Δ · W_int` with the same
//! `Δ` export uses, and every hidden threshold is `U · 2^q` for the layer's membrane unit
//! `U`. With batch normalization both quantize the folded weights and biases (`W · γ/σ`,
//! `(b - μ) · γ/σ + β` with the running statistics), so the model file has none.

#[cfg(feature = "tch")]
mod augment;
#[cfg(feature = "tch")]
mod batchnorm;
mod config;
mod error;
pub mod quant;

#[cfg(feature = "tch")]
mod export;
#[cfg(feature = "tch")]
pub mod integer;
#[cfg(feature = "tch")]
mod plan;
#[cfg(feature = "tch")]
mod snn;
#[cfg(feature = "tch")]
mod surrogate;
#[cfg(feature = "tch")]
mod trainer;

pub use config::{MAX_ROTATION, NeuronChoice, TrainConfig};
pub use error::TrainError;
#[cfg(feature = "tch")]
pub use trainer::{CALIBRATION_IMAGES, EpochLog, LMS_BALANCE, LayerSummary, Progress, Quiet, TrainReport, train};

/// True when this build has the trainer (the `tch` feature).
pub const AVAILABLE: bool = cfg!(feature = "tch");
