//! The tools' reports read back: yosys `stat -json`, nextpnr `--report`.

use std::path::Path;

use super::Resource;
use crate::BitstreamError;

fn read_json(path: &Path) -> Result<serde_json::Value, BitstreamError> {
    let text = std::fs::read_to_string(path).map_err(|e| BitstreamError::Io { path: path.to_path_buf(), error: e })?;
    serde_json::from_str(&text).map_err(|e| BitstreamError::Report { path: path.to_path_buf(), reason: e.to_string() })
}

/// Cell counts of the top from yosys `stat -json`.
pub fn parse_stat(path: &Path, top: &str) -> Result<Vec<(String, u64)>, BitstreamError> {
    let v = read_json(path)?;
    let module = v["modules"]
        .get(format!("\\{top}"))
        .or_else(|| v.get("design"))
        .ok_or_else(|| BitstreamError::Report { path: path.to_path_buf(), reason: format!("no module {top}") })?;
    let cells = module["num_cells_by_type"]
        .as_object()
        .ok_or_else(|| BitstreamError::Report { path: path.to_path_buf(), reason: "no num_cells_by_type".into() })?;
    Ok(cells.iter().filter(|(k, _)| !k.starts_with('$')).map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0))).collect())
}

/// The lowest achieved Fmax over clocks in nextpnr's `--report`.
pub fn parse_fmax(path: &Path) -> Result<f64, BitstreamError> {
    let v = read_json(path)?;
    v["fmax"]
        .as_object()
        .and_then(|clocks| clocks.values().filter_map(|c| c["achieved"].as_f64()).reduce(f64::min))
        .ok_or_else(|| BitstreamError::Report { path: path.to_path_buf(), reason: "no fmax".into() })
}

/// Placed resources of nextpnr's `--report`: every type in use plus the logic, RAM and DSP
/// types even when unused.
pub fn parse_utilization(path: &Path) -> Result<Vec<Resource>, BitstreamError> {
    let v = read_json(path)?;
    let table = v["utilization"]
        .as_object()
        .ok_or_else(|| BitstreamError::Report { path: path.to_path_buf(), reason: "no utilization".into() })?;
    const MAIN: [&str; 12] = [
        "ICESTORM_LC",
        "ICESTORM_RAM",
        "ICESTORM_SPRAM",
        "ICESTORM_DSP",
        "TRELLIS_COMB",
        "TRELLIS_FF",
        "DP16KD",
        "MULT18X18D",
        "LUT4",
        "DFF",
        "BSRAM",
        "MULT9X9",
    ];
    Ok(table
        .iter()
        .map(|(k, u)| Resource {
            kind: k.clone(),
            used: u["used"].as_u64().unwrap_or(0),
            available: u["available"].as_u64().unwrap_or(0),
        })
        .filter(|r| r.used > 0 || MAIN.contains(&r.kind.as_str()))
        .collect())
}

/// First and last cell of the worst critical path (nextpnr names cells after the signals
/// they drive, so these name the RTL registers at both ends).
pub(super) fn parse_critical_path(path: &Path) -> Option<(String, String)> {
    let v = read_json(path).ok()?;
    let mut worst: Option<(f64, String, String)> = None;
    for p in v["critical_paths"].as_array()? {
        let steps = p["path"].as_array()?;
        let delay: f64 = steps.iter().filter_map(|s| s["delay"].as_f64()).sum();
        let from = steps.first()?["from"]["cell"].as_str()?.to_string();
        let to = steps.last()?["to"]["cell"].as_str()?.to_string();
        if worst.as_ref().is_none_or(|(d, _, _)| delay > *d) {
            worst = Some((delay, from, to));
        }
    }
    worst.map(|(_, from, to)| (from, to))
}
