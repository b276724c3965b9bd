//! A training log: loss and accuracy per epoch, spike rate and learned D per hidden layer,
//! the exported layers.

use super::fixed;
use crate::ReportError;
use crate::page::{Figure, Section, Table};
use crate::plots::{Level, Series, lines};
use crate::train_log::TrainLog;

pub(super) fn section(log: &TrainLog, source: String) -> Result<Section, ReportError> {
    let facts = vec![
        format!("{} ({} neurons, T = {}) on {}", log.config.name, log.config.neuron, log.config.timesteps, log.dataset),
        format!(
            "test accuracy after training: float {:.2}%, integer {:.2}% ({} inputs)",
            log.float_accuracy, log.integer_accuracy, log.test_inputs
        ),
    ];
    let mut epochs = Table::new(&["epoch", "loss", "train accuracy %", "test accuracy % (float)"]);
    for e in &log.epochs {
        epochs.row(vec![e.epoch.to_string(), fixed(e.loss, 4), fixed(e.train_accuracy, 2), fixed(e.test_accuracy, 2)]);
    }
    let mut layers = Table::new(&["layer", "neuron", "code", "spikes per input"]);
    for l in &log.layers {
        layers.row(vec![
            l.name.clone(),
            l.neuron.clone(),
            l.code.clone().unwrap_or_else(|| "-".into()),
            fixed(l.spikes_per_input, 1),
        ]);
    }
    let per_epoch =
        |f: fn(&crate::train_log::EpochRow) -> f64| log.epochs.iter().map(|e| (e.epoch as f64, f(e))).collect();
    let loss = lines("Training loss", "epoch", "loss", &[Series { name: "loss", points: per_epoch(|e| e.loss) }], &[])?;
    let accuracy = lines(
        "Accuracy",
        "epoch",
        "accuracy %",
        &[
            Series { name: "train (float)", points: per_epoch(|e| e.train_accuracy) },
            Series { name: "test (float)", points: per_epoch(|e| e.test_accuracy) },
        ],
        &[Level { name: "test (integer, exported)", y: log.integer_accuracy }],
    )?;
    let svg = format!("{loss}{accuracy}");
    Ok(Section {
        title: format!("Training: {}", log.config.name),
        source,
        facts,
        figures: vec![
            Figure { title: "Loss and accuracy per epoch".into(), svg: Some(svg), table: epochs },
            activity(log)?,
            Figure { title: "Exported layers".into(), svg: None, table: layers },
        ],
    })
}

/// Spike rate and the learned spike maximum D of each hidden layer, per epoch.
fn activity(log: &TrainLog) -> Result<Figure, ReportError> {
    let hidden = log.epochs.iter().map(|e| e.spike_rate.len()).max().unwrap_or(0);
    // The log's per-layer lists cover the hidden layers, which come first among the exported ones.
    let names: Vec<String> =
        (0..hidden).map(|i| log.layers.get(i).map_or_else(|| format!("layer {i}"), |l| l.name.clone())).collect();
    let rate: Vec<Series> = names
        .iter()
        .enumerate()
        .map(|(i, name)| Series {
            name,
            points: log.epochs.iter().filter_map(|e| Some((e.epoch as f64, *e.spike_rate.get(i)?))).collect(),
        })
        .collect();
    let d: Vec<Series> = names
        .iter()
        .enumerate()
        .map(|(i, name)| Series {
            name,
            points: log.epochs.iter().filter_map(|e| Some((e.epoch as f64, (*e.max_spike.get(i)?)? as f64))).collect(),
        })
        .filter(|s| !s.points.is_empty())
        .collect();
    let mut svg = lines("Spike rate per hidden layer", "epoch", "spike magnitude per neuron and step", &rate, &[])?;
    if !d.is_empty() {
        svg += &lines("Learned spike maximum D", "epoch", "D", &d, &[])?;
    }
    let mut head = vec!["epoch".to_string()];
    for name in &names {
        head.push(format!("{name} rate"));
        head.push(format!("{name} D"));
    }
    let mut table = Table { head, rows: Vec::new() };
    for e in &log.epochs {
        let mut row = vec![e.epoch.to_string()];
        for i in 0..hidden {
            row.push(e.spike_rate.get(i).map_or("-".into(), |r| fixed(*r, 4)));
            row.push(e.max_spike.get(i).copied().flatten().map_or("-".into(), |d| d.to_string()));
        }
        table.row(row);
    }
    Ok(Figure { title: "Spike rate and learned D per hidden layer".into(), svg: Some(svg), table })
}
