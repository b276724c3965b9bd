//! # spikeforge `model`: the shared IR
//!
//! Plain data describing a trained spiking network after integer export, its file format,
//! the rules it must satisfy, worst-case bounds, hardware plans and the spike-code solver.
//! Every other crate depends on this one; it does no I/O beyond reading and writing model
//! files and never spawns processes.
//!
//! Architecture invariant: a [`Network`] that passed [`Network::validate`] can be evaluated
//! in `i64` without overflow and every spike value has a canonical encoding in its code.
//!
//! ```
//! let net = model::examples::tiny_network();
//! let text = model::file::to_string(&net);
//! let back = model::file::from_slice(text.as_bytes(), "tiny").unwrap();
//! assert_eq!(net, back);
//! ```
#![warn(missing_docs)]

pub mod arch;
pub mod bounds;
pub mod code;
pub mod error;
pub mod examples;
pub mod file;
pub mod network;
pub mod plan;
pub mod solver;
pub mod timing;
mod validate;

pub use code::{CodeName, CodeTable, SpikeCode, SpikeEvent};
pub use error::{Location, ModelError, ParseError, ValidationError};
pub use network::{
    Conv2d, Decay, Dense, Input, Lateral, Layer, LayerOp, Network, Neuron, NeuronKind, Pool2d, Provenance, Reset,
    Shape3, SpikeRange,
};
pub use plan::{AxisTaps, HardwarePlan, LayerPlan, MembraneSets, Stage, WeightStore};
pub use validate::{
    MAX_BIAS_BITS, MAX_DATAPATH_BITS, MAX_LAYERS, MAX_SPIKE, MAX_THRESHOLD_SHIFT, MAX_TIMESTEPS, MAX_WEIGHT_BITS,
    MAX_WIDTH,
};
