//! A build's `report.json` as the report reads it.
//!
//! `bitstreams::pipeline::ModelBuild` holds `&'static str` names (its sizing prediction) and
//! so cannot be read back; this view takes its flow report through the flow's own type
//! ([`BuildReport`]) and the throughput fields beside it. It leaves out
//! `energy_per_input_uj`: that divides an assumed board power (an order of magnitude, no tool
//! estimated it), which the page does not show as if it were an estimate.

use bitstreams::flow::BuildReport;
use serde::Deserialize;

/// What `spikeforge build` wrote into `report.json`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct BuildFile {
    /// Model name.
    pub model: String,
    /// Lanes per layer.
    pub lanes: Vec<u32>,
    /// The flow's measurements.
    pub build: BuildReport,
    /// Cycle model: mean cycles per input streamed back to back.
    pub cycles_per_input: Option<f64>,
    /// Inputs per second at the clock the board top runs on (the oscillator's or the PLL's),
    /// or at Fmax where that is lower.
    pub images_per_second: Option<f64>,
    /// Inputs per second with the core clocked at Fmax.
    pub images_per_second_at_fmax: Option<f64>,
    /// The SNN papers' 45 nm energy model on the same inputs, µJ per input (not this part's).
    pub model_energy_per_input_uj: Option<f64>,
}
