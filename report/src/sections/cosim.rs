//! `cosim --json`: RTL against the cycle model per input, lane utilization per layer.

use sim::cosim::CosimOutcome;

use super::fixed;
use crate::ReportError;
use crate::page::{Figure, Section, Table};
use crate::plots::{Bars, Series, bars, drawn_if, lines};

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
    let per_input = |v: &[u64]| v.iter().enumerate().map(|(i, c)| (i as f64, *c as f64)).collect();
    let latency_plot = drawn_if(!r.rtl_latency.is_empty(), || {
        lines(
            "Latency per input",
            "input",
            "cycles",
            &[
                Series { name: "RTL", points: per_input(&r.rtl_latency) },
                Series { name: "cycle model", points: per_input(&r.model_latency) },
            ],
            &[],
        )
    })?;
    let layers: Vec<String> = (0..cosim.lane_utilization.len()).map(|i| i.to_string()).collect();
    let lanes_plot = drawn_if(!cosim.lane_utilization.is_empty(), || {
        bars(
            "Lane utilization per layer",
            "of ideal",
            &layers,
            &[Bars { name: "utilization", values: cosim.lane_utilization.clone() }],
            None,
            &[crate::plots::Level { name: "ideal", y: 1.0 }],
        )
    })?;
    Ok(Section {
        title: "Co-simulation".into(),
        source,
        facts,
        figures: vec![
            Figure { title: "Latency per input: RTL and cycle model".into(), svg: latency_plot, table: latency },
            Figure { title: "Lane utilization per layer".into(), svg: lanes_plot, table: lanes },
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_of_no_inputs_has_tables_but_no_plots() {
        let json = r#"{"simulator": "icarus", "report": {"inputs": 0, "mismatched_inputs": 0, "first": null,
            "rtl_classes": [], "rtl_latency": [], "model_latency": [], "rtl_cycles": 0, "model_cycles": 0},
            "vcd": null, "build_seconds": 0.0, "sim_seconds": 0.0, "golden_seconds": 0.0, "lane_utilization": []}"#;
        let cosim: CosimOutcome = serde_json::from_str(json).unwrap();
        let section = section(&cosim, "c.json".into()).unwrap();
        assert!(section.figures.iter().all(|f| f.svg.is_none() && f.table.rows.is_empty()));
        assert!(section.facts[0].contains("0 inputs in icarus"), "{:?}", section.facts);
    }
}
