//! A build's `report.json`: resources against the part, Fmax against the target, images per
//! second at the board top's clock and at Fmax.

use super::fixed;
use crate::ReportError;
use crate::build_file::BuildFile;
use crate::page::{Figure, Section, Table};
use crate::plots::{Bars, Level, bars, drawn_if};

pub(super) fn section(file: &BuildFile, source: String) -> Result<Section, ReportError> {
    let b = &file.build;
    let mut facts = vec![format!("{} on {}, lanes {:?}", file.model, b.board, file.lanes)];
    if let Some(ips) = file.images_per_second {
        facts.push(format!(
            "{ips:.1} images per second at the board top's {:.2} MHz clock",
            b.clock_mhz.min(b.fmax_mhz)
        ));
    }
    facts.push(NO_POWER.into());
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
            throughput(file)?,
        ],
    })
}

/// What the page says for energy per image. The open flows (yosys, nextpnr) have no power
/// analysis and nothing measured a supply current, so there is no power to divide by the
/// throughput; an assumed power would be a number made up, not an estimate.
const NO_POWER: &str = "energy: no power estimate for this part (the open flows have no power analysis)";

/// Images per second at the board top's clock and at Fmax: clock / cycles per image of the
/// cycle model, which the RTL meets exactly.
fn throughput(file: &BuildFile) -> Result<Figure, ReportError> {
    let b = &file.build;
    let source = if b.pll.is_some() { "PLL" } else { "oscillator" };
    // The board top runs at its clock unless the design cannot: then at Fmax (as report.json).
    let board = b.clock_mhz.min(b.fmax_mhz);
    let or_dash = |v: Option<f64>, decimals| v.map_or("-".into(), |v| fixed(v, decimals));
    let mut table = Table::new(&["", "value"]);
    for (what, value) in [
        ("cycles per image (cycle model, back to back)".to_string(), or_dash(file.cycles_per_input, 1)),
        (format!("board top clock ({source}), MHz"), fixed(board, 2)),
        ("images per second at the board top clock".into(), or_dash(file.images_per_second, 1)),
        ("Fmax (best seed), MHz".into(), fixed(b.fmax_mhz, 2)),
        ("images per second at Fmax".into(), or_dash(file.images_per_second_at_fmax, 1)),
        ("energy per image on this part".into(), "no power estimate for this part".into()),
        (
            "energy per image in the SNN papers' 45 nm model (0.9 pJ per synaptic op, 4.6 pJ per MAC; not this part), µJ"
                .into(),
            or_dash(file.model_energy_per_input_uj, 4),
        ),
    ] {
        table.row(vec![what, value]);
    }
    let (Some(at_clock), Some(at_fmax)) = (file.images_per_second, file.images_per_second_at_fmax) else {
        return Ok(Figure { title: "Images per second and energy per image".into(), svg: None, table });
    };
    let svg = bars(
        "Images per second: board clock and Fmax",
        "images per second",
        &[format!("board top, {board:.2} MHz ({source})"), format!("Fmax, {:.2} MHz", b.fmax_mhz)],
        &[Bars { name: "images per second", values: vec![at_clock, at_fmax] }],
        None,
        &[],
    )?;
    Ok(Figure { title: "Images per second and energy per image".into(), svg: Some(svg), table })
}

/// `used / available` in %, 0 for a resource the part does not have.
pub(super) fn percent(used: u64, available: u64) -> f64 {
    if available == 0 { 0.0 } else { used as f64 * 100.0 / available as f64 }
}
