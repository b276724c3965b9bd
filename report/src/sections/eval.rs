//! `eval --json`: activity per layer, cycles per layer where a plan was given, and each
//! spiking layer's spike-value histogram.

use sim::eval::EvalReport;

use super::fixed;
use crate::ReportError;
use crate::page::{Figure, Section, Table};
use crate::plots::{Bars, bars};

pub(super) fn section(eval: &EvalReport, source: String) -> Result<Section, ReportError> {
    let mut facts = vec![format!(
        "accuracy {:.2}% ({}/{}), {:.1} pJ per input",
        eval.accuracy * 100.0,
        eval.correct,
        eval.inputs,
        eval.energy_pj
    )];
    let mut activity = Table::new(&["layer", "neurons", "spikes", "events", "synaptic ops", "spike rate"]);
    for l in &eval.layers {
        activity.row(vec![
            l.name.clone(),
            l.neurons.to_string(),
            fixed(l.spikes, 2),
            fixed(l.events, 2),
            fixed(l.synaptic_ops, 1),
            fixed(l.spike_rate, 4),
        ]);
    }
    let names: Vec<String> = eval.layers.iter().map(|l| l.name.clone()).collect();
    let activity_plot = bars(
        "Spikes and events per input",
        "per input",
        &names,
        &[
            Bars { name: "spikes", values: eval.layers.iter().map(|l| l.spikes).collect() },
            Bars { name: "events", values: eval.layers.iter().map(|l| l.events).collect() },
        ],
        None,
        &[],
    )?;
    let mut figures = vec![Figure {
        title: "Spikes, events and synaptic ops per input".into(),
        svg: Some(activity_plot),
        table: activity,
    }];
    if let Some(cycles) = &eval.cycles {
        let bottleneck = bottleneck(&cycles.layer_cycles);
        facts.push(format!(
            "{:.1} cycles per input pipelined, latency {:.1} (min {}, max {})",
            cycles.pipelined_cycles_per_input, cycles.latency_mean, cycles.latency_min, cycles.latency_max
        ));
        let mut table = Table::new(&["stage", "lanes", "cycles per input", "lane utilization", "bottleneck"]);
        table.row(vec!["encoder".into(), "-".into(), fixed(cycles.encoder_cycles, 1), "-".into(), String::new()]);
        for (i, l) in eval.layers.iter().enumerate() {
            table.row(vec![
                l.name.clone(),
                cycles.lanes.get(i).map_or("-".into(), |p| p.to_string()),
                cycles.layer_cycles.get(i).map_or("-".into(), |c| fixed(*c, 1)),
                cycles.lane_utilization.get(i).map_or("-".into(), |u| fixed(*u, 3)),
                if bottleneck == Some(i) { "yes".into() } else { String::new() },
            ]);
        }
        let mut stages = vec!["encoder".to_string()];
        stages.extend(names.iter().cloned());
        let mut values = vec![cycles.encoder_cycles];
        values.extend(cycles.layer_cycles.iter().copied());
        // The encoder is stage 0 in the plot, so the bottleneck layer is one further on.
        let plot = bars(
            "Cycles per input and stage (bottleneck in red)",
            "cycles per input",
            &stages,
            &[Bars { name: "cycles", values }],
            bottleneck.map(|b| b + 1),
            &[],
        )?;
        figures.push(Figure { title: "Cycles per layer".into(), svg: Some(plot), table });
    }
    for l in eval.layers.iter().filter(|l| !l.histogram.is_empty()) {
        figures.push(histogram(&l.name, &l.histogram)?);
    }
    Ok(Section { title: "Evaluation (golden model)".into(), source, facts, figures })
}

/// A layer's emitted values over all neurons, timesteps and inputs. The JSON indexes the
/// counts by `value - min` without the minimum, so the bins are named by that offset.
fn histogram(layer: &str, counts: &[u64]) -> Result<Figure, ReportError> {
    let bins: Vec<String> = (0..counts.len()).map(|k| format!("min+{k}")).collect();
    let total = counts.iter().sum::<u64>().max(1) as f64;
    let mut table = Table::new(&["value", "count", "share %"]);
    for (bin, count) in bins.iter().zip(counts) {
        table.row(vec![bin.clone(), count.to_string(), fixed(*count as f64 * 100.0 / total, 2)]);
    }
    let svg = bars(
        &format!("Spike values of {layer}"),
        "count",
        &bins,
        &[Bars { name: "count", values: counts.iter().map(|c| *c as f64).collect() }],
        None,
        &[],
    )?;
    Ok(Figure { title: format!("Spike-value histogram of {layer}"), svg: Some(svg), table })
}

/// The layer stage with the most cycles per input: it sets the pipeline's rate. First on ties.
pub(super) fn bottleneck(cycles: &[f64]) -> Option<usize> {
    cycles
        .iter()
        .enumerate()
        .fold(None, |best, (i, c)| match best {
            Some((_, b)) if b >= *c => best,
            _ => Some((i, *c)),
        })
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::bottleneck;

    #[test]
    fn the_bottleneck_is_the_slowest_stage_first_on_ties() {
        assert_eq!(bottleneck(&[]), None);
        assert_eq!(bottleneck(&[3.0, 9.0, 9.0, 1.0]), Some(1));
        assert_eq!(bottleneck(&[5.0]), Some(0));
    }
}
