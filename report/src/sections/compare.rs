//! Accuracy against T and against the spike code, where the inputs hold evaluations or
//! training logs of several models on the same dataset.
//!
//! A model is told apart by what both formats carry: its name, its timesteps T and its
//! spiking layers' neurons and codes (`NeuronKind::label` and `SpikeCode::label`, as
//! `eval --json` and the training log write them). Accuracies are only compared on one
//! dataset: a section per dataset whose models differ in T or in code.

use std::collections::BTreeSet;

use sim::eval::EvalReport;

use super::fixed;
use crate::ReportError;
use crate::input::{Input, Source};
use crate::page::{Figure, Section, Table};
use crate::plots::{Series, scatter};
use crate::train_log::TrainLog;

/// One model's accuracy from one file.
#[derive(Clone, Debug, PartialEq)]
struct Point {
    model: String,
    /// The model file, where the JSON names it.
    file: Option<String>,
    /// The JSON the numbers were read from.
    source: String,
    /// The inputs, e.g. `digits/test`.
    data: String,
    /// The dataset the accuracies are comparable within (`digits` of `digits/test`).
    dataset: String,
    timesteps: u32,
    code: String,
    /// Distinct values a spike of the most expressive layer takes, if its neuron is known.
    spike_values: Option<u32>,
    /// In %, from training logs only (`eval` runs the integer model).
    float_accuracy: Option<f64>,
    /// In %.
    integer_accuracy: f64,
    inputs: usize,
}

/// The spiking layers' neurons and codes, in layer order without repeats: a model's code.
fn code_of<'a>(layers: impl Iterator<Item = (&'a str, Option<&'a str>)>) -> (String, Option<u32>) {
    let mut parts: Vec<String> = Vec::new();
    let mut values = Some(0);
    for (neuron, code) in layers.filter(|(neuron, _)| *neuron != "readout") {
        let part = match code {
            Some(code) => format!("{neuron} {code}"),
            None => neuron.to_string(),
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
        values = values.zip(spike_values(neuron)).map(|(a, b)| a.max(b));
    }
    (parts.join("; "), values.filter(|v| *v > 0))
}

/// Distinct spike values of a neuron, from its label: binary 2, ternary 3, `integer D=k` k+1.
fn spike_values(neuron: &str) -> Option<u32> {
    match neuron {
        "binary" => Some(2),
        "ternary" => Some(3),
        _ => neuron.strip_prefix("integer D=")?.parse::<u32>().ok().map(|d| d + 1),
    }
}

/// `digits` of `digits/test`: the data without the split.
fn dataset_of(data: &str) -> String {
    match data.rsplit_once('/') {
        Some((dataset, "test" | "train" | "all")) => dataset.to_string(),
        _ => data.to_string(),
    }
}

fn from_eval(eval: &EvalReport, source: &str) -> Option<Point> {
    // Older eval outputs do not say what they evaluated: nothing to place them by.
    let model = eval.model.as_ref()?;
    let data = eval.data.clone()?;
    let (code, spike_values) = code_of(model.layers.iter().map(|l| (l.neuron.as_str(), l.code.as_deref())));
    Some(Point {
        model: model.name.clone(),
        file: model.file.clone(),
        source: source.to_string(),
        dataset: dataset_of(&data),
        data,
        timesteps: model.timesteps,
        code,
        spike_values,
        float_accuracy: None,
        integer_accuracy: eval.accuracy * 100.0,
        inputs: eval.inputs,
    })
}

fn from_log(log: &TrainLog, source: &str) -> Point {
    let (code, spike_values) = code_of(log.layers.iter().map(|l| (l.neuron.as_str(), l.code.as_deref())));
    let dataset = dataset_of(&log.dataset);
    Point {
        model: log.config.name.clone(),
        file: None,
        source: source.to_string(),
        // The log's accuracies are on the test split of the data it trained on.
        data: format!("{dataset}/test"),
        dataset,
        timesteps: log.config.timesteps,
        code,
        spike_values,
        float_accuracy: Some(log.float_accuracy),
        integer_accuracy: log.integer_accuracy,
        inputs: log.test_inputs,
    }
}

/// The comparison sections of `sources`, one per dataset whose models differ in T or code.
pub(crate) fn sections(sources: &[Source]) -> Result<Vec<Section>, ReportError> {
    let points: Vec<Point> = sources
        .iter()
        .filter_map(|s| {
            let path = s.path.display().to_string();
            match &s.input {
                Input::Eval(eval) => from_eval(eval, &path),
                Input::Train(log) => Some(from_log(log, &path)),
                _ => None,
            }
        })
        .collect();
    let datasets: BTreeSet<&str> = points.iter().map(|p| p.dataset.as_str()).collect();
    let mut sections = Vec::new();
    for dataset in datasets {
        let mut group: Vec<&Point> = points.iter().filter(|p| p.dataset == dataset).collect();
        group.sort_by(|a, b| {
            (a.timesteps, &a.code, &a.model, &a.source).cmp(&(b.timesteps, &b.code, &b.model, &b.source))
        });
        let varies = |key: fn(&Point) -> String| group.iter().map(|p| key(p)).collect::<BTreeSet<_>>().len() > 1;
        let (by_t, by_code) = (varies(|p| p.timesteps.to_string()), varies(|p| p.code.clone()));
        if by_t || by_code {
            sections.push(section(dataset, &group, by_t, by_code)?);
        }
    }
    Ok(sections)
}

fn section(dataset: &str, group: &[&Point], by_t: bool, by_code: bool) -> Result<Section, ReportError> {
    let mut table = Table::new(&[
        "model",
        "model file",
        "from",
        "data",
        "inputs",
        "T",
        "code",
        "float accuracy %",
        "integer accuracy %",
    ]);
    for p in group {
        table.row(vec![
            p.model.clone(),
            p.file.clone().unwrap_or_else(|| "-".into()),
            p.source.clone(),
            p.data.clone(),
            p.inputs.to_string(),
            p.timesteps.to_string(),
            p.code.clone(),
            p.float_accuracy.map_or("-".into(), |a| fixed(a, 2)),
            fixed(p.integer_accuracy, 2),
        ]);
    }
    let mut svg = String::new();
    if by_t {
        let codes: BTreeSet<&str> = group.iter().map(|p| p.code.as_str()).collect();
        let series: Vec<Series> = codes
            .iter()
            .map(|code| Series {
                name: code,
                points: group
                    .iter()
                    .filter(|p| p.code == *code)
                    .map(|p| (p.timesteps as f64, p.integer_accuracy))
                    .collect(),
            })
            .collect();
        svg += &scatter(&format!("Accuracy against T on {dataset}"), "timesteps T", "integer accuracy %", &series)?;
    }
    let placed: Vec<&&Point> = group.iter().filter(|p| p.spike_values.is_some()).collect();
    if by_code && !placed.is_empty() {
        let ts: BTreeSet<u32> = placed.iter().map(|p| p.timesteps).collect();
        let names: Vec<String> = ts.iter().map(|t| format!("T = {t}")).collect();
        let series: Vec<Series> = ts
            .iter()
            .zip(&names)
            .map(|(t, name)| Series {
                name,
                points: placed
                    .iter()
                    .filter(|p| p.timesteps == *t)
                    .filter_map(|p| Some((p.spike_values? as f64, p.integer_accuracy)))
                    .collect(),
            })
            .collect();
        svg += &scatter(
            &format!("Accuracy against the spike code on {dataset}"),
            "spike values (binary 2, ternary 3, LMS D+1; most of any layer)",
            "integer accuracy %",
            &series,
        )?;
    }
    let sources: Vec<&str> = group.iter().map(|p| p.source.as_str()).collect();
    let models: BTreeSet<(&str, u32, &str)> =
        group.iter().map(|p| (p.model.as_str(), p.timesteps, p.code.as_str())).collect();
    Ok(Section {
        title: format!("Accuracy against T and the spike code: {dataset}"),
        source: sources.join(", "),
        facts: vec![format!(
            "{} models (name, T, code) from {} files; plots: the integer model's accuracy (eval, or the training log's exported model)",
            models.len(),
            group.len()
        )],
        figures: vec![Figure { title: "Accuracy per model".into(), svg: (!svg.is_empty()).then_some(svg), table }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_names_each_spiking_layer_once_and_counts_its_values() {
        let layers = [("integer D=4", Some("[1,2,3,4]")), ("integer D=4", Some("[1,2,3,4]")), ("readout", None)];
        assert_eq!(code_of(layers.into_iter()), ("integer D=4 [1,2,3,4]".into(), Some(5)));
        let mixed = [("ternary", Some("[1]")), ("integer D=15", Some("payload")), ("readout", None)];
        assert_eq!(code_of(mixed.into_iter()), ("ternary [1]; integer D=15 payload".into(), Some(16)));
        assert_eq!(code_of([("something new", None)].into_iter()).1, None, "an unknown neuron is not placed");
    }

    #[test]
    fn the_dataset_is_the_name_before_the_split() {
        assert_eq!(dataset_of("mnist/test"), "mnist");
        assert_eq!(dataset_of("idx:/data/x/train"), "idx:/data/x");
        assert_eq!(dataset_of("synthetic"), "synthetic");
    }
}
