//! A training log: loss and accuracy per epoch, the exported layers.

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
            Figure { title: "Exported layers".into(), svg: None, table: layers },
        ],
    })
}
