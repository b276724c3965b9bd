//! Choosing each layer's integer scale on data (`spikeforge import --calibrate DATA`).
//!
//! Without data, a layer's scale is the largest that clips no weight, so one outlier weight
//! sets the step of all the others. With a calibration set, each layer in turn tries that
//! scale doubled once and twice (the largest weights then clip to the range) and keeps the
//! one whose integer network agrees most often with the float graph's class on the set
//! (ties: the one whose output spike counts are closer to the float ones, then the smaller
//! scale). Greedy, layer by layer, in data-flow order: 3 golden-model
//! runs of the set per layer. Use training data: choosing on the test split would tune to it.

use datasets::Dataset;
use rayon::prelude::*;
use serde::Serialize;
use sim::golden::Golden;

use crate::float::{FloatNet, argmax};
use crate::import::{ImportOptions, Imported, check_options, import_with_headroom, lower, quantize, validated};
use crate::report::ImportReport;
use crate::{NirError, NirGraph};

/// The doublings tried per layer beyond the scale that clips nothing.
pub const MAX_HEADROOM: u8 = 2;

/// What calibration chose and measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Calibration {
    /// Data set name.
    pub data: String,
    /// Inputs used.
    pub inputs: usize,
    /// Per layer, the doublings chosen (0 for pooling layers).
    pub headroom: Vec<u8>,
    /// Class agreement with the float graph before calibration (all 0).
    pub agreement_before: f64,
    /// Class agreement with the float graph with the chosen scales.
    pub agreement_after: f64,
}

/// [`crate::import`] with scales chosen on `data`; `progress` hears of every golden-model
/// run of the set.
pub fn import_calibrated(
    graph: &NirGraph,
    options: &ImportOptions,
    data: &Dataset,
    progress: &(dyn Fn() + Sync),
) -> Result<(Imported, Calibration), NirError> {
    // Refuse what import refuses before any data is run: the graph, the options, and an
    // uncalibrated network that breaks an IR rule.
    check_options(options)?;
    let lowered = lower(graph, options, &mut ImportReport::default())?;
    validated(quantize(&lowered, options, &[], &mut ImportReport::default())?, options)?;
    let float = FloatNet::new(graph, options.dt, options.input_scale, options.timesteps)?;
    float.check_size(data)?;
    let reference: Vec<Vec<f64>> =
        (0..data.len()).into_par_iter().map(|i| float.scores(data.image(i))).collect::<Result<_, _>>()?;
    // Spike counts compare directly between float and integer; a readout's scores do not
    // (another scale), so there only the class counts.
    let counts_compare = lowered.layers.last().and_then(|l| l.neuron.as_ref()).is_some_and(|n| n.fires);
    let score = |headroom: &[u8]| -> Result<Score, NirError> {
        let net = quantize(&lowered, options, headroom, &mut ImportReport::default())?;
        let golden = Golden::new(&net).map_err(|e| NirError::Input { index: 0, reason: e.to_string() })?;
        let per_input = (0..data.len())
            .into_par_iter()
            .map(|i| {
                let t = golden.trace(data.image(i)).map_err(|e| NirError::Input { index: i, reason: e.to_string() })?;
                let f = &reference[i];
                let distance =
                    if counts_compare { t.scores.iter().zip(f).map(|(a, b)| (*a as f64 - b).abs()).sum() } else { 0.0 };
                Ok((usize::from(t.class == argmax(f)), distance))
            })
            .collect::<Result<Vec<(usize, f64)>, NirError>>()?;
        progress();
        Ok(Score { agree: per_input.iter().map(|p| p.0).sum(), distance: per_input.iter().map(|p| p.1).sum() })
    };
    let mut headroom = vec![0u8; lowered.layers.len()];
    let before = score(&headroom)?;
    let mut best = before;
    for index in 0..headroom.len() {
        if lowered.layers[index].neuron.is_none() {
            continue;
        }
        for extra in 1..=MAX_HEADROOM {
            let mut trial = headroom.clone();
            trial[index] = extra;
            let s = score(&trial)?;
            if s.better_than(&best) {
                best = s;
                headroom = trial;
            }
        }
    }
    let fraction = |s: &Score| s.agree as f64 / data.len().max(1) as f64;
    let Imported { network, mut report } = import_with_headroom(graph, options, &headroom)?;
    for (layer, extra) in lowered.layers.iter().zip(&headroom).filter(|(_, e)| **e > 0) {
        report.approx(
            &layer.name,
            format!(
                "calibrated on {} ({} inputs): scale x{} beyond the unclipped one",
                data.name,
                data.len(),
                1u32 << extra
            ),
        );
    }
    report.exact(
        "graph",
        format!(
            "calibration on {}: class agreement with the float graph {:.2}% -> {:.2}%",
            data.name,
            fraction(&before) * 100.0,
            fraction(&best) * 100.0
        ),
    );
    let calibration = Calibration {
        data: data.name.clone(),
        inputs: data.len(),
        headroom,
        agreement_before: fraction(&before),
        agreement_after: fraction(&best),
    };
    Ok((Imported { network, report }, calibration))
}

/// How close an integer network is to the float graph on the calibration set.
#[derive(Clone, Copy, Debug)]
struct Score {
    /// Inputs with the float graph's class.
    agree: usize,
    /// Summed |integer - float| output spike counts (0 for a readout).
    distance: f64,
}

impl Score {
    /// More classes agree, or as many with spike counts closer.
    fn better_than(&self, other: &Score) -> bool {
        self.agree > other.agree || (self.agree == other.agree && self.distance < other.distance)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{ArrayD, IxDyn};

    use super::*;
    use crate::NirNode;

    /// One large weight on an input that is always 0 sets the scale, and the small weights
    /// that decide the class round to 0; calibration doubles the scale twice and recovers
    /// every class.
    #[test]
    fn an_outlier_weight_no_input_uses_is_calibrated_away() {
        let mut w = vec![0.0; 3 * 4];
        for c in 0..3 {
            w[c * 4 + c] = 0.003;
        }
        w[3] = 1.0; // class 0's weight from input 3, which is never on
        let nodes = [
            ("input", NirNode::Input { shape: vec![4] }),
            (
                "fc",
                NirNode::Affine {
                    weight: ArrayD::from_shape_vec(IxDyn(&[3, 4]), w).unwrap(),
                    bias: ArrayD::zeros(IxDyn(&[3])),
                },
            ),
            ("output", NirNode::Output { shape: vec![3] }),
        ];
        let graph = NirGraph {
            nodes: nodes.iter().map(|(k, n)| (k.to_string(), n.clone())).collect(),
            edges: vec![("input".into(), "fc".into()), ("fc".into(), "output".into())],
        };
        let data = Dataset {
            name: "onehot".into(),
            shape: vec![4],
            classes: 3,
            images: (0..3).flat_map(|c| (0..4).map(move |i| if i == c { 255 } else { 0 })).collect(),
            labels: vec![0, 1, 2],
        };
        let options = ImportOptions::new("outlier", 1);
        let (imported, calibration) = import_calibrated(&graph, &options, &data, &|| ()).unwrap();
        assert!((calibration.agreement_before - 1.0 / 3.0).abs() < 1e-9, "{calibration:?}");
        assert_eq!(calibration.agreement_after, 1.0);
        assert_eq!(calibration.headroom, [2]);
        assert!(
            imported.report.to_string().contains("calibrated on onehot (3 inputs): scale x4"),
            "{}",
            imported.report
        );
    }
}
