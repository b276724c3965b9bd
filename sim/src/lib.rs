//! # spikeforge `sim`: golden model and cycle model
//!
//! - [`golden`]: the integer forward pass every implementation must match bit for bit.
//! - [`cycle`]: the exact cycle count of the generated hardware for an input.
//! - [`eval`]: batch evaluation over a dataset (accuracy, activity, histograms, energy).
//! - [`membrane`]: the membrane digest both the golden model and the RTL's tap fold.
//! - [`summary`]: the static per-layer summary `spikeforge inspect` prints.
//! - [`cosim`]: the generated RTL in Verilator or Icarus Verilog against both models, and
//!   the board top over a simulated UART ([`cosim::uart`]).
//! - [`mutation`]: the RTL mutation campaign (yosys `mutate` mutants against co-simulation).
//! - [`board`]: inputs on a board top through any byte link, checked against both models.
//!
//! Architecture invariant: the golden model is the definition of correct. It computes in
//! `i64` (or `i32` where the bounds analysis proves that exact), never saturates, and
//! validation guarantees no overflow. This crate is the only place in the workspace that
//! runs Verilator (and Icarus Verilog).

pub mod board;
pub mod cosim;
pub mod cycle;
pub mod error;
pub mod eval;
pub mod golden;
pub mod membrane;
pub mod mutation;
pub mod summary;

pub use error::SimError;
pub use golden::{Golden, Spike, Trace};
pub use membrane::MembraneDigest;
