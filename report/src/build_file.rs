//! A build's `report.json` as the report reads it.
//!
//! `bitstreams::pipeline::ModelBuild` holds `&'static str` names (its sizing prediction) and
//! so cannot be read back; this view takes its flow report through the flow's own type
//! ([`BuildReport`]) and the throughput fields beside it.

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
    /// Inputs per second at the clock the board top runs on.
    pub images_per_second: Option<f64>,
    /// Board-level energy estimate, µJ per input.
    pub energy_per_input_uj: Option<f64>,
}
