//! Batch evaluation: accuracy, per-layer activity, histograms, energy and (with a plan)
//! cycle-model statistics over a dataset, parallel over inputs.

use model::{HardwarePlan, LayerOp, NeuronKind};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cycle::{InputWork, input_work, schedule};
use crate::error::SimError;
use crate::golden::{Golden, Observer, argmax};

/// Energy per accumulate (addition), 45 nm, pJ (the energy model of the SNN papers this
/// project follows; docs/BACKGROUND.md, "Reference numbers").
pub const E_AC_PJ: f64 = 0.9;
/// Energy per multiply-accumulate, 45 nm, pJ.
pub const E_MAC_PJ: f64 = 4.6;

/// What one layer did, averaged per input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerActivity {
    /// Layer name.
    pub name: String,
    /// Neurons N.
    pub neurons: usize,
    /// Non-zero spikes emitted, summed over timesteps.
    pub spikes: f64,
    /// Plane events emitted (what the next stage processes).
    pub events: f64,
    /// Events received (input plane events for layer 0).
    pub input_events: f64,
    /// Provisional events the lateral pass replays (0 without lateral connections).
    pub lateral_events: f64,
    /// `spikes / (N · T)`.
    pub spike_rate: f64,
    /// Synaptic operations in this hardware: every received (or lateral) event updates all
    /// N neurons of a dense layer, the output positions its kernel reaches times the output
    /// channels of a conv layer, nothing in a pooling layer (a remap or a compare).
    pub synaptic_ops: f64,
    /// Dense multiply-accumulates an ANN of the same shape would do (`M · N · T`, plus
    /// `N · N · T` for lateral connections; for conv every input position times the outputs
    /// its kernel reaches, times T; 0 for pooling).
    pub dense_macs: f64,
    /// Energy in the papers' convention, pJ: layer 0 at dense MAC cost, later layers at
    /// synaptic ops times the accumulate cost.
    pub energy_pj: f64,
    /// Counts of every emitted value over all neurons and timesteps, indexed by
    /// `value - min` (empty for a readout layer).
    pub histogram: Vec<u64>,
}

/// Cycle-model statistics over the evaluated inputs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CycleStats {
    /// Lanes per layer.
    pub lanes: Vec<u32>,
    /// Latency of one input through an empty pipeline, cycles: mean, min, max.
    pub latency_mean: f64,
    /// Minimum latency.
    pub latency_min: u64,
    /// Maximum latency.
    pub latency_max: u64,
    /// Mean busy cycles per input of each layer stage (a conv stage with two membrane
    /// sets: the interval its overlapping engines allow, [`InputWork::stage_interval`]).
    pub layer_cycles: Vec<f64>,
    /// Mean encoder cycles per input.
    pub encoder_cycles: f64,
    /// Cycles for the whole set streamed back to back, divided by the number of inputs.
    pub pipelined_cycles_per_input: f64,
    /// Per layer: ideal accumulate cycles `events · N / P` over the cycles the lanes spent
    /// replaying events (`events · G`).
    pub lane_utilization: Vec<f64>,
}

/// One input's outcome in the golden model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputOutcome {
    /// The dataset's label.
    pub label: u8,
    /// `argmax(scores)`, first index on ties.
    pub class: usize,
    /// The scores the class is taken from (see `golden`: the readout membrane, or the sum of
    /// the last layer's spike values).
    pub scores: Vec<i64>,
}

/// Result of [`evaluate`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Inputs evaluated.
    pub inputs: usize,
    /// Correctly classified.
    pub correct: usize,
    /// `correct / inputs`.
    pub accuracy: f64,
    /// Per layer.
    pub layers: Vec<LayerActivity>,
    /// Sum of the layers' `energy_pj`.
    pub energy_pj: f64,
    /// Present when a plan was given.
    pub cycles: Option<CycleStats>,
    /// Per input, in input order: label, class and scores.
    pub per_input: Vec<InputOutcome>,
    /// What was evaluated, so that several models' outputs can be told apart and compared
    /// (absent in outputs written before it was added).
    #[serde(default)]
    pub model: Option<EvaluatedModel>,
    /// The inputs' dataset and split, e.g. `digits/test` (set by the caller that loaded
    /// them; absent when unknown).
    #[serde(default)]
    pub data: Option<String>,
}

/// The model an [`EvalReport`] is of: what tells two evaluated models apart (name,
/// timesteps, spike codes), the same fields a training log names its layers by.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvaluatedModel {
    /// The model file as the caller named it, if it came from one.
    pub file: Option<String>,
    /// The network's name.
    pub name: String,
    /// Timesteps T.
    pub timesteps: u32,
    /// Per layer, in order.
    pub layers: Vec<EvaluatedLayer>,
}

/// One layer's neuron and spike code in an [`EvaluatedModel`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvaluatedLayer {
    /// Layer name.
    pub name: String,
    /// The neuron ([`NeuronKind::label`]: `binary`, `ternary`, `integer D=5`, `readout`).
    pub neuron: String,
    /// The code its spikes travel in ([`model::SpikeCode::label`]), `None` for the readout.
    pub code: Option<String>,
}

impl EvaluatedModel {
    /// The identity of `net`, with no file.
    pub fn of(net: &model::Network) -> EvaluatedModel {
        EvaluatedModel {
            file: None,
            name: net.name.clone(),
            timesteps: net.timesteps,
            layers: net
                .layers
                .iter()
                .map(|l| EvaluatedLayer {
                    name: l.name.clone(),
                    neuron: l.neuron.kind.label(),
                    code: (!matches!(l.neuron.kind, NeuronKind::Readout)).then(|| l.neuron.kind.code().label()),
                })
                .collect(),
        }
    }
}

#[derive(Clone)]
struct Partial {
    correct: usize,
    spikes: Vec<u64>,
    events: Vec<u64>,
    lateral_events: Vec<u64>,
    input_events: u64,
    /// Per layer, received events times the neurons each updates (conv and pooling layers;
    /// dense layers keep the `events · N` formula).
    synops: Vec<u64>,
    hist: Vec<Vec<u64>>,
    works: Vec<(usize, InputWork)>,
    outcomes: Vec<InputOutcome>,
}

struct Counter<'a> {
    golden: &'a Golden,
    p: &'a mut Partial,
    /// Events per output of the layer reported last (what a sum pooling layer after it
    /// forwards), only kept for networks with conv or pooling layers.
    last: Vec<u64>,
}

impl<'a> Counter<'a> {
    fn new(golden: &'a Golden, p: &'a mut Partial) -> Counter<'a> {
        Counter { golden, p, last: Vec::new() }
    }

    /// A conv or pooling layer, or one right after them: the per-source bookkeeping.
    fn spatial(&mut self, layer: usize, values: &[i32]) {
        let golden = self.golden;
        let net = golden.network();
        let min = net.output_range_of(layer).min;
        let mut ev = vec![0u64; values.len()];
        match golden.table(layer) {
            Some(table) => {
                for (e, &v) in ev.iter_mut().zip(values) {
                    *e = table.events_for(v.unsigned_abs()).unwrap_or(0) as u64;
                }
            }
            // Sum pooling forwards its window's events; max pooling sends the largest value
            // in the code of what feeds it.
            None if golden.sum_pool_target(layer, 0).is_some() => {
                for (source, &e) in self.last.iter().enumerate() {
                    ev[golden.sum_pool_target(layer, source).expect("sum pooling")] += e;
                }
            }
            None if net.layers[layer].is_pooling() => {
                let code = net.input_code_of(layer);
                let table = code.table(net.input_range_of(layer).max.unsigned_abs()).expect("validated code");
                for (e, &v) in ev.iter_mut().zip(values) {
                    *e = table.events_for(v.unsigned_abs()).unwrap_or(0) as u64;
                }
            }
            None => {}
        }
        if !matches!(net.layers[layer].neuron.kind, NeuronKind::Readout) {
            let hist = &mut self.p.hist[layer];
            for &v in values {
                hist[(v - min) as usize] += 1;
            }
        }
        self.p.spikes[layer] += values.iter().filter(|&&v| v != 0).count() as u64;
        self.p.events[layer] += ev.iter().sum::<u64>();
        if layer + 1 < net.layers.len() {
            self.p.synops[layer + 1] +=
                ev.iter().enumerate().map(|(source, &e)| e * golden.fanout(layer + 1, source)).sum::<u64>();
        }
        self.last = ev;
    }
}

impl Observer for Counter<'_> {
    fn spikes(&mut self, layer: usize, _t: usize, values: &[i32]) {
        if self.golden.spatial() {
            return self.spatial(layer, values);
        }
        let Some(table) = self.golden.table(layer) else { return };
        let min = self.golden.network().layers[layer].neuron.kind.spike_range().min;
        let hist = &mut self.p.hist[layer];
        let (mut spikes, mut events) = (0u64, 0u64);
        for &v in values {
            hist[(v - min) as usize] += 1;
            if v != 0 {
                spikes += 1;
                events += table.events_for(v.unsigned_abs()).unwrap_or(0) as u64;
            }
        }
        self.p.spikes[layer] += spikes;
        self.p.events[layer] += events;
    }

    fn provisional(&mut self, layer: usize, _t: usize, values: &[i32]) {
        let Some(table) = self.golden.table(layer) else { return };
        self.p.lateral_events[layer] +=
            values.iter().map(|&v| table.events_for(v.unsigned_abs()).unwrap_or(0) as u64).sum::<u64>();
    }
}

/// Evaluate `images` (concatenated inputs) against `labels`. With a plan, also trace every
/// input and run the cycle model. `progress` is called with the number of inputs finished
/// since its last call.
pub fn evaluate(
    golden: &Golden,
    images: &[u8],
    labels: &[u8],
    plan: Option<&HardwarePlan>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<EvalReport, SimError> {
    let net = golden.network();
    let size = net.input.size();
    let count = labels.len();
    if images.len() != count * size {
        return Err(SimError::Labels { inputs: images.len() / size.max(1), labels: count });
    }
    let layers = net.layers.len();
    let empty = Partial {
        correct: 0,
        spikes: vec![0; layers],
        events: vec![0; layers],
        lateral_events: vec![0; layers],
        input_events: 0,
        synops: vec![0; layers],
        hist: (0..layers)
            .map(|l| {
                if matches!(net.layers[l].neuron.kind, NeuronKind::Readout) {
                    Vec::new()
                } else {
                    vec![0; net.output_range_of(l).len()]
                }
            })
            .collect(),
        works: Vec::new(),
        outcomes: Vec::new(),
    };
    let chunk = 32;
    let partials: Vec<Partial> = (0..count.div_ceil(chunk))
        .into_par_iter()
        .map(|c| -> Result<Partial, SimError> {
            let mut p = empty.clone();
            let mut scratch = golden.scratch();
            let range = c * chunk..((c + 1) * chunk).min(count);
            let done = range.len();
            for i in range {
                let input = &images[i * size..(i + 1) * size];
                p.input_events +=
                    input.iter().map(|&v| golden.input_table().events_for(v as u32).unwrap_or(0) as u64).sum::<u64>();
                if golden.spatial() {
                    // Layer 0 receives the same input events every timestep.
                    p.synops[0] += net.timesteps as u64
                        * input
                            .iter()
                            .enumerate()
                            .map(|(i, &v)| {
                                golden.input_table().events_for(v as u32).unwrap_or(0) as u64 * golden.fanout(0, i)
                            })
                            .sum::<u64>();
                }
                let scores = if let Some(plan) = plan {
                    let mut counter = Counter::new(golden, &mut p);
                    let trace = golden.trace_observed(input, i, &mut counter)?;
                    p.works.push((i, input_work(golden, plan, input, &trace)));
                    trace.scores
                } else {
                    let mut counter = Counter::new(golden, &mut p);
                    golden.run(input, i, &mut scratch, &mut counter)?
                };
                let class = argmax(&scores);
                p.correct += usize::from(class == labels[i] as usize);
                p.outcomes.push(InputOutcome { label: labels[i], class, scores });
            }
            progress(done);
            Ok(p)
        })
        .collect::<Result<_, _>>()?;
    let mut total = empty;
    for p in partials {
        total.correct += p.correct;
        total.input_events += p.input_events;
        for l in 0..layers {
            total.synops[l] += p.synops[l];
            total.spikes[l] += p.spikes[l];
            total.events[l] += p.events[l];
            total.lateral_events[l] += p.lateral_events[l];
            for (a, b) in total.hist[l].iter_mut().zip(&p.hist[l]) {
                *a += b;
            }
        }
        total.works.extend(p.works);
        // Chunks arrive in input order (an indexed parallel collect keeps it).
        total.outcomes.extend(p.outcomes);
    }
    total.works.sort_by_key(|(i, _)| *i);
    Ok(report(golden, count, total, plan))
}

fn report(golden: &Golden, count: usize, total: Partial, plan: Option<&HardwarePlan>) -> EvalReport {
    let net = golden.network();
    let n = count.max(1) as f64;
    let t = net.timesteps as f64;
    let mut layers = Vec::new();
    let mut received = total.input_events as f64 * t / n;
    for (l, layer) in net.layers.iter().enumerate() {
        let neurons = layer.outputs();
        let lateral_events = total.lateral_events[l] as f64 / n;
        let (synaptic_ops, dense_macs) = match layer.op {
            LayerOp::Dense(_) => {
                ((received + lateral_events) * neurons as f64, (layer.weight_rows() * neurons) as f64 * t)
            }
            _ => (total.synops[l] as f64 / n, layer.dense_synops() as f64 * t),
        };
        let energy_pj = if l == 0 { dense_macs * E_MAC_PJ } else { synaptic_ops * E_AC_PJ };
        let spikes = total.spikes[l] as f64 / n;
        let events = total.events[l] as f64 / n;
        // Dense layers after a conv or pooling layer get their counted synaptic ops too.
        let synaptic_ops =
            if golden.spatial() { total.synops[l] as f64 / n + lateral_events * neurons as f64 } else { synaptic_ops };
        layers.push(LayerActivity {
            name: layer.name.clone(),
            neurons,
            spikes,
            events,
            input_events: received,
            lateral_events,
            spike_rate: spikes / (neurons as f64 * t),
            synaptic_ops,
            dense_macs,
            energy_pj,
            histogram: total.hist[l].clone(),
        });
        received = events;
    }
    let cycles = plan.map(|plan| cycle_stats(plan, &total.works));
    EvalReport {
        inputs: count,
        correct: total.correct,
        accuracy: total.correct as f64 / n,
        energy_pj: layers.iter().map(|l| l.energy_pj).sum(),
        layers,
        cycles,
        per_input: total.outcomes,
        model: Some(EvaluatedModel::of(net)),
        data: None,
    }
}

fn cycle_stats(plan: &HardwarePlan, works: &[(usize, InputWork)]) -> CycleStats {
    let n = works.len().max(1) as f64;
    let latencies: Vec<u64> =
        works.iter().map(|(_, w)| schedule(std::slice::from_ref(w)).inputs[0].latency()).collect();
    let stream: Vec<InputWork> = works.iter().map(|(_, w)| w.clone()).collect();
    let pipelined = schedule(&stream).total as f64 / n;
    let layer_cycles = (0..plan.layers.len())
        .map(|l| works.iter().map(|(_, w)| w.stage_interval(l, 0)).sum::<u64>() as f64 / n)
        .collect();
    let lane_utilization = crate::cycle::lane_utilization(plan, works.iter().map(|(_, w)| w));
    CycleStats {
        lanes: plan.layers.iter().map(|l| l.lanes).collect(),
        latency_mean: latencies.iter().sum::<u64>() as f64 / n,
        latency_min: latencies.iter().copied().min().unwrap_or(0),
        latency_max: latencies.iter().copied().max().unwrap_or(0),
        layer_cycles,
        encoder_cycles: works.iter().map(|(_, w)| w.encoder).sum::<u64>() as f64 / n,
        pipelined_cycles_per_input: pipelined,
        lane_utilization,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `count` deterministic inputs of `net` (value `(k · step + seed) mod (max + 1)` at
    /// position `k`) and labels cycling through the classes.
    fn stimulus(net: &model::Network, count: usize, step: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
        let images = (0..count * net.input.size())
            .map(|k| ((k * step + seed as usize) % (net.input.max_value as usize + 1)) as u8)
            .collect();
        let labels = (0..count).map(|i| (i % net.classes()) as u8).collect();
        (images, labels)
    }

    /// Every input's outcome is the golden model's trace of that input alone, in input
    /// order (chunks run in parallel), with and without a plan, and `correct` counts them.
    #[test]
    fn per_input_outcomes_are_the_golden_traces_in_order() {
        for seed in 0..8 {
            let net = model::examples::fuzz_network(seed);
            let golden = Golden::new(&net).unwrap();
            let (size, count) = (net.input.size(), 70);
            let (images, labels) = stimulus(&net, count, 37, seed);
            let plan = HardwarePlan::uniform(&net, 2).unwrap();
            for plan in [None, Some(&plan)] {
                let report = evaluate(&golden, &images, &labels, plan, &|_| {}).unwrap();
                assert_eq!(report.per_input.len(), count);
                for (i, outcome) in report.per_input.iter().enumerate() {
                    let trace = golden.trace(&images[i * size..(i + 1) * size]).unwrap();
                    let expected = InputOutcome { label: labels[i], class: trace.class, scores: trace.scores };
                    assert_eq!(*outcome, expected, "seed {seed}, input {i}");
                }
                assert_eq!(report.correct, report.per_input.iter().filter(|o| o.class == o.label as usize).count());
            }
        }
    }

    /// On conv networks: outcomes are the golden traces, layer 0's synaptic ops equal a
    /// gather count (every output position, every tap inside the input, every event of that
    /// source), and sum pooling forwards exactly the events it received.
    #[test]
    fn conv_activity_counts_what_each_event_reaches() {
        for seed in 0..40 {
            let net = model::examples::fuzz_conv_network(seed);
            let golden = Golden::new(&net).unwrap();
            let (size, count) = (net.input.size(), 5);
            let (images, labels) = stimulus(&net, count, 29, seed);
            let report = evaluate(&golden, &images, &labels, None, &|_| {}).unwrap();
            for (i, outcome) in report.per_input.iter().enumerate() {
                assert_eq!(outcome.scores, golden.trace(&images[i * size..(i + 1) * size]).unwrap().scores);
            }
            let _ = crate::summary::summarize(&net);
            if let model::LayerOp::Conv2d(c) = &net.layers[0].op {
                let (h, w, k) = (c.in_height as i64, c.in_width as i64, c.kernel as i64);
                let out = c.output_shape().unwrap();
                let mut ops = 0u64;
                for image in images.chunks(size) {
                    let events = |s: usize| golden.input_table().events_for(image[s] as u32).unwrap() as u64;
                    for (oy, ox) in (0..out.height as i64).flat_map(|y| (0..out.width as i64).map(move |x| (y, x))) {
                        for (ch, ky, kx) in
                            (0..c.in_channels as i64).flat_map(|ch| (0..k * k).map(move |t| (ch, t / k, t % k)))
                        {
                            let (y, x) = (
                                oy * c.stride as i64 - c.padding as i64 + ky,
                                ox * c.stride as i64 - c.padding as i64 + kx,
                            );
                            if (0..h).contains(&y) && (0..w).contains(&x) {
                                ops += events(((ch * h + y) * w + x) as usize) * out.channels as u64;
                            }
                        }
                    }
                }
                let expected = ops as f64 * net.timesteps as f64 / count as f64;
                assert!((report.layers[0].synaptic_ops - expected).abs() < 1e-6, "seed {seed}");
            }
            for (l, layer) in net.layers.iter().enumerate() {
                if matches!(layer.op, model::LayerOp::SumPool2d(_)) {
                    assert_eq!(report.layers[l].events, report.layers[l - 1].events, "seed {seed}, layer {l}");
                    assert_eq!(report.layers[l].synaptic_ops, 0.0);
                }
            }
        }
    }
}
