//! A build's `report.json`: resources against the part, Fmax against the target.

use super::fixed;
use crate::ReportError;
use crate::build_file::BuildFile;
use crate::page::{Figure, Section, Table};
use crate::plots::{Bars, Level, bars, drawn_if};

pub(super) fn section(file: &BuildFile, source: String) -> Result<Section, ReportError> {
    let b = &file.build;
    let mut facts = vec![format!("{} on {}, lanes {:?}", file.model, b.board, file.lanes)];
    if let Some(ips) = file.images_per_second {
        facts.push(format!("{ips:.1} inputs per second"));
    }
    if let Some(uj) = file.energy_per_input_uj {
        facts.push(format!("{uj:.2} µJ per input (board estimate)"));
    }
    let mut resources = Table::new(&["resource", "used", "available", "used %"]);
    for r in &b.resources {
        resources.row(vec![
            r.kind.clone(),
            r.used.to_string(),
            r.available.to_string(),
            fixed(percent(r.used, r.available), 1),
        ]);
    }
    let mut clock = Table::new(&["clock", "MHz"]);
    clock.row(vec!["target".into(), fixed(b.target_mhz, 2)]);
    clock.row(vec!["board top".into(), fixed(b.clock_mhz, 2)]);
    clock.row(vec!["Fmax (best seed)".into(), fixed(b.fmax_mhz, 2)]);
    for s in &b.seeds {
        clock.row(vec![format!("Fmax seed {}{}", s.seed, if s.met { "" } else { " (not met)" }), fixed(s.fmax_mhz, 2)]);
    }
    let kinds: Vec<String> = b.resources.iter().map(|r| r.kind.clone()).collect();
    let resources_plot = drawn_if(!b.resources.is_empty(), || {
        bars(
            "Resources used of the part",
            "used %",
            &kinds,
            &[Bars { name: "used", values: b.resources.iter().map(|r| percent(r.used, r.available)).collect() }],
            None,
            &[Level { name: "the whole part", y: 100.0 }],
        )
    })?;
    let mut names = vec!["board top".to_string()];
    let mut values = vec![b.clock_mhz];
    for s in &b.seeds {
        names.push(format!("seed {}", s.seed));
        values.push(s.fmax_mhz);
    }
    // A seed that missed the target is the marked bar (the first such).
    let missed = b.seeds.iter().position(|s| !s.met).map(|i| i + 1);
    let clock_plot = bars(
        "Fmax per seed against the target",
        "MHz",
        &names,
        &[Bars { name: "MHz", values }],
        missed,
        &[Level { name: "target", y: b.target_mhz }],
    )?;
    Ok(Section {
        title: format!("Build: {} on {}", file.model, b.board),
        source,
        facts,
        figures: vec![
            Figure { title: "Resources used of the part".into(), svg: resources_plot, table: resources },
            Figure { title: "Fmax against the target".into(), svg: Some(clock_plot), table: clock },
        ],
    })
}

/// `used / available` in %, 0 for a resource the part does not have.
pub(super) fn percent(used: u64, available: u64) -> f64 {
    if available == 0 { 0.0 } else { used as f64 * 100.0 / available as f64 }
}
