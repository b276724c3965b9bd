//! Comparing an RTL run with the golden model and the cycle model.

use std::fmt;

use model::{NeuronKind, SpikeEvent};
use serde::{Deserialize, Serialize};

use super::{RtlEvent, RtlItem, RtlRun};
use crate::cycle::Schedule;
use crate::golden::{Golden, Trace, argmax};
use crate::membrane::MembraneDigest;

/// What differed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MismatchKind {
    /// A neuron's spike differs (value reconstructed from its events).
    Spike {
        /// Golden spike value.
        expected: i64,
        /// RTL spike value.
        got: i64,
        /// Golden events `(plane or value, negative)`.
        expected_events: Vec<(u32, bool)>,
        /// RTL events.
        got_events: Vec<(u32, bool)>,
    },
    /// Same spike values but a different event order or encoding.
    EventOrder {
        /// Index in the item's event list.
        index: usize,
    },
    /// A readout score differs.
    Score {
        /// Golden score.
        expected: i64,
        /// RTL score.
        got: i64,
    },
    /// A layer finished an item at a different cycle than the cycle model says.
    DoneCycle {
        /// Cycle model.
        expected: u64,
        /// RTL.
        got: u64,
    },
    /// The encoder started an input at a different cycle.
    StartCycle {
        /// Cycle model.
        expected: u64,
        /// RTL.
        got: u64,
    },
    /// The encoder never reported starting this input (its START tap stayed low).
    NoStart {
        /// The cycle model's start.
        expected: u64,
    },
    /// The encoder reported a start after the last input's: one that began no input.
    ExtraStart {
        /// The RTL's cycle of it.
        got: u64,
    },
    /// The membranes the layer's update wrote differ while its spikes agree (or before
    /// they disagree): the digests differ ([`crate::membrane`]). `value` names the first
    /// differing neuron's membrane once the VCD replay has listed them.
    Membrane {
        /// Golden digest.
        expected: MembraneDigest,
        /// RTL digest.
        got: MembraneDigest,
        /// `(golden, RTL)` membrane of [`Mismatch::neuron`], when located.
        value: Option<(i64, i64)>,
    },
    /// The RTL never finished this item (stall or deadlock).
    Missing,
}

/// The first place the RTL and the models disagree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    /// Input index in the batch.
    pub input: usize,
    /// Layer index.
    pub layer: usize,
    /// Layer name.
    pub layer_name: String,
    /// Timestep.
    pub timestep: u32,
    /// Neuron, where one is to blame.
    pub neuron: Option<u32>,
    /// What differed.
    pub kind: MismatchKind,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "input {}, layer {} ({}), timestep {}", self.input, self.layer, self.layer_name, self.timestep)?;
        if let Some(n) = self.neuron {
            write!(f, ", neuron {n}")?;
        }
        match &self.kind {
            MismatchKind::Spike { expected, got, expected_events, got_events } => write!(
                f,
                ": expected spike {expected} (events {expected_events:?}), RTL emitted {got} (events {got_events:?})"
            ),
            MismatchKind::EventOrder { index } => write!(f, ": same spikes but event {index} is out of order"),
            MismatchKind::Score { expected, got } => write!(f, ": expected score {expected}, RTL scored {got}"),
            MismatchKind::DoneCycle { expected, got } => {
                write!(f, ": the cycle model finishes this item at cycle {expected}, the RTL at cycle {got}")
            }
            MismatchKind::StartCycle { expected, got } => {
                write!(f, ": the cycle model starts this input at cycle {expected}, the RTL at cycle {got}")
            }
            MismatchKind::NoStart { expected } => {
                write!(f, ": the cycle model starts this input at cycle {expected}, the RTL never reported its start")
            }
            MismatchKind::ExtraStart { got } => {
                write!(f, ": the RTL reported an encoder start at cycle {got} after the last input's")
            }
            MismatchKind::Membrane { expected, got, value: Some((e, g)) } => write!(
                f,
                ": expected membrane {e}, the RTL stored {g} (membrane digest {expected}, RTL {got}; spikes agree)"
            ),
            MismatchKind::Membrane { expected, got, value: None } => write!(
                f,
                ": the membranes differ (digest {expected}, RTL {got}; spikes agree; the VCD replay (--vcd) names the \
                 neuron)"
            ),
            MismatchKind::Missing => write!(f, ": the RTL never finished this item (stalled)"),
        }
    }
}

/// Result of comparing one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CosimReport {
    /// Inputs compared.
    pub inputs: usize,
    /// Inputs with at least one mismatch (data or cycles).
    pub mismatched_inputs: usize,
    /// The first mismatch in time order.
    pub first: Option<Mismatch>,
    /// The first mismatch of every mismatching input, in input order (JUnit reports one
    /// per batch of inputs; left out of JSON, which names the first only).
    #[serde(skip)]
    pub mismatches: Vec<Mismatch>,
    /// Class the RTL's scores give, per input.
    pub rtl_classes: Vec<usize>,
    /// RTL latency per input (encoder START to last DONE, inclusive).
    pub rtl_latency: Vec<u64>,
    /// Cycle-model latency per input in the same stream.
    pub model_latency: Vec<u64>,
    /// Cycles the RTL simulated for the whole batch.
    pub rtl_cycles: u64,
    /// Cycles the cycle model predicts for the whole batch.
    pub model_cycles: u64,
}

fn wire(e: &SpikeEvent, payload: bool) -> (u32, bool) {
    (if payload { e.multiplier.unsigned_abs() } else { e.plane as u32 }, e.multiplier < 0)
}

/// Whether a comparison checks cycles against the cycle model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// Every START and DONE cycle as the cycle model predicts.
    Checked,
    /// Cycles not compared (a stalled input stream, which the cycle model does not model);
    /// every input must still start exactly once.
    Unchecked,
}

/// Compare an RTL run of `traces.len()` inputs with the golden traces and, as `timing`
/// says, the schedule.
pub fn compare(golden: &Golden, traces: &[Trace], schedule: &Schedule, run: &RtlRun, timing: Timing) -> CosimReport {
    let net = golden.network();
    let t_max = net.timesteps as usize;
    let last = net.layers.len() - 1;
    let readout = matches!(net.layers[last].neuron.kind, NeuronKind::Readout);
    let mut first: Option<Mismatch> = None;
    let mut mismatched = 0usize;
    let mut mismatches = Vec::new();
    let mut rtl_classes = Vec::with_capacity(traces.len());
    let mut rtl_latency = Vec::with_capacity(traces.len());
    for (n, trace) in traces.iter().enumerate() {
        let mut found: Option<Mismatch> = None;
        let mut note = |m: Mismatch| {
            if found.is_none() {
                found = Some(m);
            }
        };
        let mut scores = vec![0i64; net.classes()];
        for t in 0..t_max {
            let x = n * t_max + t;
            // Every layer's data before any cycle count: a conv stage's DONE also depends on
            // the events of the pooling layer fused into it (a later layer in this loop).
            let mut cycle_mismatches = Vec::new();
            for l in 0..net.layers.len() {
                let name = net.layers[l].name.clone();
                let at = |neuron: Option<u32>, kind: MismatchKind| Mismatch {
                    input: n,
                    layer: l,
                    layer_name: name.clone(),
                    timestep: t as u32,
                    neuron,
                    kind,
                };
                let Some(item) = run.layers[l].get(x) else {
                    note(at(None, MismatchKind::Missing));
                    continue;
                };
                // Data first: a wrong spike usually shifts every later cycle too.
                let done_check = schedule
                    .done
                    .get(l)
                    .and_then(|d| d.get(x))
                    .copied()
                    .filter(|&d| d != item.done && timing == Timing::Checked);
                let cycle_mismatch =
                    done_check.map(|expected| at(None, MismatchKind::DoneCycle { expected, got: item.done }));
                if l == last && readout {
                    let expected: Vec<(u32, i64)> = if t + 1 == t_max {
                        trace.scores.iter().enumerate().map(|(j, &s)| (j as u32, s)).collect()
                    } else {
                        Vec::new()
                    };
                    let got: Vec<(u32, i64)> = item.events.iter().map(|e| (e.neuron, e.score)).collect();
                    for e in &item.events {
                        if let Some(s) = scores.get_mut(e.neuron as usize) {
                            *s = e.score;
                        }
                    }
                    if let Some(i) = first_difference(&expected, &got) {
                        let neuron = expected.get(i).or(got.get(i)).map(|e| e.0);
                        let e = expected.get(i).map_or(0, |e| e.1);
                        let g = got.get(i).map_or(0, |g| g.1);
                        note(at(neuron, MismatchKind::Score { expected: e, got: g }));
                    }
                    note_membranes(trace, l, t, item, &mut |kind| note(at(None, kind)));
                    cycle_mismatches.extend(cycle_mismatch);
                    continue;
                }
                let table = golden.wire_table(l).expect("spiking or pooling layer");
                let payload = table.is_payload();
                let expected = golden.wire_events(trace, l, t);
                let exp_wire: Vec<(u32, u32, bool)> =
                    expected.iter().map(|e| (e.source, wire(e, payload).0, wire(e, payload).1)).collect();
                let got_wire: Vec<(u32, u32, bool)> = item.events.iter().map(|e| (e.neuron, e.sel, e.neg)).collect();
                if l == last {
                    for e in &item.events {
                        let v = rtl_value(table, e);
                        if let Some(s) = scores.get_mut(e.neuron as usize) {
                            *s += v;
                        }
                    }
                }
                if let Some(i) = first_difference(&exp_wire, &got_wire) {
                    let neuron = match (exp_wire.get(i), got_wire.get(i)) {
                        (Some(a), Some(b)) => a.0.min(b.0),
                        (Some(a), None) => a.0,
                        (None, Some(b)) => b.0,
                        (None, None) => 0,
                    };
                    let of = |list: &[(u32, u32, bool)]| -> Vec<(u32, bool)> {
                        list.iter().filter(|e| e.0 == neuron).map(|e| (e.1, e.2)).collect()
                    };
                    let (ee, ge) = (of(&exp_wire), of(&got_wire));
                    let expected_value =
                        trace.layers[l][t].iter().find(|s| s.neuron == neuron).map_or(0, |s| s.value as i64);
                    let got_value: i64 =
                        item.events.iter().filter(|e| e.neuron == neuron).map(|e| rtl_value(table, e)).sum();
                    let kind = if ee == ge && expected_value == got_value {
                        MismatchKind::EventOrder { index: i }
                    } else {
                        MismatchKind::Spike {
                            expected: expected_value,
                            got: got_value,
                            expected_events: ee,
                            got_events: ge,
                        }
                    };
                    note(at(Some(neuron), kind));
                }
                note_membranes(trace, l, t, item, &mut |kind| note(at(None, kind)));
                cycle_mismatches.extend(cycle_mismatch);
            }
            for m in cycle_mismatches {
                note(m);
            }
        }
        // A missing or surplus START record is a mismatch too: a start tap stuck low once
        // passed every comparison (the mutation campaign found it).
        let start = match (run.starts.get(n), schedule.inputs.get(n)) {
            (Some(&got), Some(model)) if got != model.start && timing == Timing::Checked => {
                Some(MismatchKind::StartCycle { expected: model.start, got })
            }
            (None, Some(model)) => Some(MismatchKind::NoStart { expected: model.start }),
            _ if n + 1 == traces.len() => run.starts.get(n + 1).map(|&got| MismatchKind::ExtraStart { got }),
            _ => None,
        };
        if let Some(kind) = start {
            note(Mismatch { input: n, layer: 0, layer_name: "encoder".into(), timestep: 0, neuron: None, kind });
        }
        let done = run.layers[last].get(n * t_max + t_max - 1).map(|i| i.done);
        rtl_latency.push(match (run.starts.get(n), done) {
            (Some(&s), Some(d)) if d >= s => d + 1 - s,
            _ => 0,
        });
        rtl_classes.push(argmax(&scores));
        if let Some(m) = found {
            mismatched += 1;
            if first.is_none() {
                first = Some(m.clone());
            }
            mismatches.push(m);
        }
    }
    CosimReport {
        inputs: traces.len(),
        mismatched_inputs: mismatched,
        first,
        mismatches,
        rtl_classes,
        rtl_latency,
        model_latency: schedule.inputs.iter().map(|i| i.latency()).collect(),
        rtl_cycles: run.cycles,
        model_cycles: schedule.total,
    }
}

/// After the item's spikes: its membrane digest, where the RTL printed one.
fn note_membranes(trace: &Trace, layer: usize, t: usize, item: &RtlItem, note: &mut impl FnMut(MismatchKind)) {
    let expected = trace.digests.get(layer).and_then(|d| d.get(t)).copied().unwrap_or_default();
    if let Some(got) = item.digest.filter(|&got| got != expected) {
        note(MismatchKind::Membrane { expected, got, value: None });
    }
}

/// The first neuron whose membrane the RTL listed differently from `golden` (one layer's
/// membranes at one timestep), with `(golden, RTL)` values; `None` if the listing agrees.
/// A neuron the RTL listed twice counts as different, and so does one it did not list (its
/// RTL value then reads 0: the tap skipped it, which is itself the bug to look for).
pub fn locate_membrane(golden: &[i64], listed: &[(u32, i64)]) -> Option<(u32, i64, i64)> {
    let mut got: Vec<Option<i64>> = vec![None; golden.len()];
    let mut extra: Option<(u32, i64)> = None;
    for &(neuron, value) in listed {
        match got.get_mut(neuron as usize) {
            Some(slot @ None) => *slot = Some(value),
            _ => extra = extra.or(Some((neuron, value))),
        }
    }
    let differing = golden.iter().zip(&got).enumerate().find(|(_, (e, g))| Some(**e) != **g);
    match (differing, extra) {
        (Some((j, (&e, g))), _) => Some((j as u32, e, g.unwrap_or(0))),
        (None, Some((neuron, value))) => Some((neuron, golden.get(neuron as usize).copied().unwrap_or(0), value)),
        (None, None) => None,
    }
}

/// Index of the first element where two lists differ (the shorter length if one is a
/// prefix of the other), or `None` if they are equal.
fn first_difference<T: PartialEq>(a: &[T], b: &[T]) -> Option<usize> {
    (a != b).then(|| a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len())))
}

/// The signed value an RTL event carries.
fn rtl_value(table: &model::CodeTable, e: &RtlEvent) -> i64 {
    let magnitude = if table.is_payload() {
        e.sel as i64
    } else {
        table.amplitudes().get(e.sel as usize).copied().unwrap_or(0) as i64
    };
    if e.neg { -magnitude } else { magnitude }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_membrane_listing_names_the_first_neuron_that_differs() {
        let golden = [5, -3, 0, 7];
        assert_eq!(locate_membrane(&golden, &[(2, 0), (0, 5), (1, -3), (3, 7)]), None, "any order agrees");
        assert_eq!(locate_membrane(&golden, &[(0, 5), (1, -4), (2, 0), (3, 6)]), Some((1, -3, -4)));
        assert_eq!(locate_membrane(&golden, &[(0, 5), (1, -3), (3, 7)]), Some((2, 0, 0)), "one never listed");
        assert_eq!(
            locate_membrane(&golden, &[(0, 5), (1, -3), (2, 0), (3, 7), (9, 1)]),
            Some((9, 0, 1)),
            "no neuron 9"
        );
        assert_eq!(
            locate_membrane(&golden, &[(0, 5), (0, 6), (1, -3), (2, 0), (3, 7)]),
            Some((0, 5, 6)),
            "listed twice"
        );
    }
}
