//! # spikeforge `nir`: NIR graphs in and out
//!
//! The Neuromorphic Intermediate Representation (NIR, <https://neuroir.org>) is how
//! snnTorch, Norse, Sinabs, SpikingJelly, Rockpool and Lava hand networks to hardware. This
//! crate reads and writes NIR's HDF5 files ([`file`]), maps a graph onto spikeforge's
//! integer IR with every approximation reported ([`import`]), runs a graph in float at a
//! time step `dt` ([`float`]) beside the integer golden model ([`check`]) and writes
//! spikeforge models back as NIR ([`export`]).
//!
//! Architecture invariant: only [`file`] touches the file system (through libhdf5); every
//! other module is a pure function of its arguments.
#![warn(missing_docs)]

pub mod calibrate;
pub mod chain;
pub mod check;
mod error;
pub mod export;
pub mod file;
pub mod float;
pub mod graph;
pub mod import;
mod report;

pub use error::NirError;
pub use graph::{NirGraph, NirNode, Padding, Param};
pub use import::{ImportOptions, Imported, import};
pub use report::{ImportReport, ReportLine};
