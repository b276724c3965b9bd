//! A generated design's manifest: per-layer hardware and its resource estimate.

use hdl_gen::Manifest;

use crate::ReportError;
use crate::page::{Figure, Section, Table};
use crate::plots::{Bars, bars};

pub(super) fn section(manifest: &Manifest, source: String) -> Result<Section, ReportError> {
    let facts = vec![format!(
        "{}: top {}, T = {}, {} inputs of {} bits",
        manifest.model, manifest.top, manifest.timesteps, manifest.inputs, manifest.input_value_bits
    )];
    let mut table = Table::new(&["layer", "module", "LUTs (estimate)", "flip-flops (estimate)", "memory bits"]);
    for l in &manifest.layers {
        let e = &l.estimate;
        table.row(vec![
            l.rtl.name.clone(),
            l.rtl.module.clone(),
            e.luts.to_string(),
            e.flip_flops.to_string(),
            (e.weight_bits + e.state_bits + e.buffer_bits).to_string(),
        ]);
    }
    let names: Vec<String> = manifest.layers.iter().map(|l| l.rtl.name.clone()).collect();
    let plot = bars(
        "Estimated LUTs and flip-flops per layer",
        "cells",
        &names,
        &[
            Bars { name: "LUTs", values: manifest.layers.iter().map(|l| l.estimate.luts as f64).collect() },
            Bars { name: "flip-flops", values: manifest.layers.iter().map(|l| l.estimate.flip_flops as f64).collect() },
        ],
        None,
        &[],
    )?;
    Ok(Section {
        title: format!("Design: {}", manifest.model),
        source,
        facts,
        figures: vec![Figure { title: "Resource estimate per layer".into(), svg: Some(plot), table }],
    })
}
