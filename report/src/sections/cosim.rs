//! `cosim --json`: RTL against the cycle model per input, lane utilization per layer.

use sim::cosim::CosimOutcome;

use super::fixed;
use crate::ReportError;
use crate::page::{Figure, Section, Table};

pub(super) fn section(cosim: &CosimOutcome, source: String) -> Result<Section, ReportError> {
    let r = &cosim.report;
    let mut facts = vec![
        format!("{} inputs in {}, {} mismatching", r.inputs, cosim.simulator.name(), r.mismatched_inputs),
        format!("batch: {} cycles in the RTL, {} in the cycle model", r.rtl_cycles, r.model_cycles),
    ];
    if let Some(first) = &r.first {
        facts.push(format!(
            "first mismatch: input {} layer {} timestep {}",
            first.input, first.layer_name, first.timestep
        ));
    }
    let mut latency = Table::new(&["input", "RTL class", "RTL latency", "model latency"]);
    for (i, rtl) in r.rtl_latency.iter().enumerate() {
        latency.row(vec![
            i.to_string(),
            r.rtl_classes.get(i).map_or("-".into(), |c| c.to_string()),
            rtl.to_string(),
            r.model_latency.get(i).map_or("-".into(), |c| c.to_string()),
        ]);
    }
    let mut lanes = Table::new(&["layer", "lane utilization"]);
    for (i, u) in cosim.lane_utilization.iter().enumerate() {
        lanes.row(vec![i.to_string(), fixed(*u, 3)]);
    }
    Ok(Section {
        title: "Co-simulation".into(),
        source,
        facts,
        figures: vec![
            Figure { title: "Latency per input: RTL and cycle model".into(), svg: None, table: latency },
            Figure { title: "Lane utilization per layer".into(), svg: None, table: lanes },
        ],
    })
}
