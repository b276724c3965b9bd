//! The cycle model: the exact number of clock cycles the generated hardware takes, computed
//! from an input's spike events and the [`HardwarePlan`]. Co-simulation holds the RTL to
//! these numbers; ARCHITECTURE.md "Timing contract" is the prose of this file.
//!
//! Stages: an input encoder, then one stage per layer. Per input value the encoder spends
//! `max(1, events(value))` cycles writing plane events into a double-buffered image event
//! buffer. A layer stage with `P` lanes and `G = ceil(N / P)` groups then, per timestep:
//!
//! ```text
//! accumulate = E_in · G + ACCUMULATE_LATENCY          E_in = events received this timestep
//! update     = Σ_g max(1, ev_g) + UPDATE_LATENCY      ev_g = events emitted by group g
//! ```
//!
//! (a readout layer emits nothing except at the last timestep, where every neuron emits one
//! score, so `ev_g` is the group's size). Stages hand over through ping-pong event buffers:
//! a stage may start accumulating item `x = (input, t)` when it finished item `x - 1` and its
//! producer finished updating `x`; it may start updating `x` only when the consumer finished
//! accumulating item `x - 2`, whose buffer `x` overwrites. The encoder may start input `n`
//! when it finished `n - 1` and layer 0 finished accumulating the last timestep of `n - 2`.
//!
//! Worked example (one input, T = 1, one layer of N = 10 neurons with P = 4 lanes, G = 3):
//! 3 input values with 2, 0, 1 events -> encoder 2 + 1 + 1 = 4 cycles; accumulate
//! 3 · 3 + 2 = 11; if group 0 emits 2 events and groups 1 and 2 none: update
//! 2 + 1 + 1 + 2 = 6; the input is done at cycle 4 + 11 + 6 = 21.

use model::{HardwarePlan, NeuronKind};
use serde::Serialize;

use crate::golden::{Golden, Trace};

/// Cycles from the last accumulate event to the accumulators being final (weight read,
/// add, write back).
pub const ACCUMULATE_LATENCY: u64 = 2;
/// Cycles from the last group update to the stage being free (read, compute, write back).
pub const UPDATE_LATENCY: u64 = 2;

/// Cycles of one stage for one timestep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PhaseCycles {
    /// Accumulate phase.
    pub accumulate: u64,
    /// Neuron-update (and emit) phase.
    pub update: u64,
    /// Events received.
    pub input_events: u64,
    /// Events emitted (scores for a readout layer's last timestep).
    pub output_events: u64,
}

/// The work of one input in every stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputWork {
    /// Encoder cycles.
    pub encoder: u64,
    /// `[layer][timestep]`.
    pub layers: Vec<Vec<PhaseCycles>>,
}

impl InputWork {
    /// Busy cycles of layer `l` over all timesteps.
    pub fn layer_total(&self, l: usize) -> u64 {
        self.layers[l].iter().map(|p| p.accumulate + p.update).sum()
    }
}

/// Work of one input from its golden trace.
pub fn input_work(golden: &Golden, plan: &HardwarePlan, input: &[u8], trace: &Trace) -> InputWork {
    let net = golden.network();
    let input_table = golden.input_table();
    let mut encoder = 0u64;
    let mut input_events = 0u64;
    for &v in input {
        let e = input_table.events_for(v as u32).unwrap_or(0) as u64;
        encoder += e.max(1);
        input_events += e;
    }
    let timesteps = net.timesteps as usize;
    let mut layers = Vec::with_capacity(net.layers.len());
    let mut received: Vec<u64> = vec![input_events; timesteps];
    for (l, lp) in plan.layers.iter().enumerate() {
        let groups = lp.groups as u64;
        let lanes = lp.lanes as usize;
        let readout = matches!(net.layers[l].neuron.kind, NeuronKind::Readout);
        let table = golden.table(l);
        let mut phases = Vec::with_capacity(timesteps);
        let mut emitted = Vec::with_capacity(timesteps);
        for (t, &e_in) in received.iter().enumerate() {
            let mut per_group = vec![0u64; lp.groups as usize];
            if readout {
                if t + 1 == timesteps {
                    for (g, c) in per_group.iter_mut().enumerate() {
                        *c = (lp.neurons as usize - g * lanes).min(lanes) as u64;
                    }
                }
            } else if let Some(table) = table {
                for s in &trace.layers[l][t] {
                    let e = table.events_for(s.value.unsigned_abs()).unwrap_or(0) as u64;
                    per_group[s.neuron as usize / lanes] += e;
                }
            }
            let out: u64 = per_group.iter().sum();
            phases.push(PhaseCycles {
                accumulate: e_in * groups + ACCUMULATE_LATENCY,
                update: per_group.iter().map(|&e| e.max(1)).sum::<u64>() + UPDATE_LATENCY,
                input_events: e_in,
                output_events: out,
            });
            emitted.push(if readout { 0 } else { out });
        }
        layers.push(phases);
        received = emitted;
    }
    InputWork { encoder, layers }
}

/// When one input entered and left the pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct InputTiming {
    /// Cycle the encoder started on it.
    pub start: u64,
    /// Cycle its last score left the last layer.
    pub done: u64,
}

impl InputTiming {
    /// `done - start`.
    pub fn latency(&self) -> u64 {
        self.done - self.start
    }
}

/// Exact timing of a stream of inputs fed back to back from cycle 0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// Per input.
    pub inputs: Vec<InputTiming>,
    /// Cycle the last input is done.
    pub total: u64,
}

/// Schedule a stream of inputs through the pipeline (the recurrence in the module docs).
pub fn schedule(works: &[InputWork]) -> Schedule {
    let Some(first) = works.first() else {
        return Schedule { inputs: Vec::new(), total: 0 };
    };
    let layers = first.layers.len();
    let timesteps = first.layers.first().map_or(0, Vec::len);
    // Per layer, end cycles of every item so far (item = input * T + t).
    let mut acc_end: Vec<Vec<u64>> = vec![Vec::new(); layers];
    let mut upd_end: Vec<Vec<u64>> = vec![Vec::new(); layers];
    let mut enc_end_prev = 0u64;
    let mut inputs = Vec::with_capacity(works.len());
    for (n, work) in works.iter().enumerate() {
        let buffer_free = if n >= 2 { acc_end[0][(n - 2) * timesteps + timesteps - 1] } else { 0 };
        let enc_start = enc_end_prev.max(buffer_free);
        let enc_end = enc_start + work.encoder;
        enc_end_prev = enc_end;
        for t in 0..timesteps {
            let x = n * timesteps + t;
            for l in 0..layers {
                let phase = work.layers[l][t];
                let ready = if l == 0 { enc_end } else { upd_end[l - 1][x] };
                let free = if x >= 1 { upd_end[l][x - 1] } else { 0 };
                let a_end = ready.max(free) + phase.accumulate;
                acc_end[l].push(a_end);
                let out_free = if l + 1 < layers && x >= 2 { acc_end[l + 1][x - 2] } else { 0 };
                upd_end[l].push(a_end.max(out_free) + phase.update);
            }
        }
        let done = upd_end[layers - 1][n * timesteps + timesteps - 1];
        inputs.push(InputTiming { start: enc_start, done });
    }
    let total = inputs.last().map_or(0, |i| i.done);
    Schedule { inputs, total }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden::Spike;
    use model::{Decay, Dense, Input, Layer, LayerOp, Network, Neuron, Reset, SpikeCode};

    fn one_layer() -> Network {
        Network::new(
            "c",
            1,
            Input { shape: vec![3], max_value: 3, code: SpikeCode::binary(3) },
            vec![Layer {
                name: "l".into(),
                op: LayerOp::Dense(Dense {
                    inputs: 3,
                    outputs: 10,
                    weight_bits: 4,
                    bias_bits: 4,
                    weights: vec![1; 30],
                    bias: vec![0; 10],
                }),
                neuron: Neuron {
                    kind: NeuronKind::BinaryLif,
                    threshold_shift: 2,
                    decay: Decay::Keep,
                    reset: Reset::Soft,
                },
                histogram: None,
            }],
        )
    }

    #[test]
    fn worked_example_from_the_docs() {
        let net = one_layer();
        let golden = Golden::new(&net).unwrap();
        let plan = HardwarePlan::uniform(&net, 4).unwrap();
        // values 3, 0, 1 -> 2, 0, 1 events; pretend neurons 0 and 3 (group 0) fired.
        let trace = Trace {
            layers: vec![vec![vec![Spike { neuron: 0, value: 1 }, Spike { neuron: 3, value: 1 }]]],
            scores: vec![0; 10],
            class: 0,
        };
        let work = input_work(&golden, &plan, &[3, 0, 1], &trace);
        assert_eq!(work.encoder, 4);
        assert_eq!(work.layers[0][0], PhaseCycles { accumulate: 11, update: 6, input_events: 3, output_events: 2 });
        let s = schedule(std::slice::from_ref(&work));
        assert_eq!(s.inputs[0], InputTiming { start: 0, done: 21 });
        // A second identical input overlaps: its encoder runs while layer 0 works on the first.
        let s2 = schedule(&[work.clone(), work]);
        assert_eq!(s2.inputs[1].start, 4);
        assert_eq!(s2.inputs[1].done, 21 + 17);
    }
}
