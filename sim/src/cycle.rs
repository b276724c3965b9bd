//! The cycle model: the exact number of clock cycles the generated hardware takes, computed
//! from an input's spike events and the [`HardwarePlan`]. Co-simulation holds the RTL to
//! these numbers; ARCHITECTURE.md "Timing contract" is the prose of this file, and its
//! constants are [`model::timing`]'s, which hdl-gen renders into the generated design.
//!
//! Stages: an input encoder, then one stage per layer, each a small state machine that
//! works on one *item* at a time (the encoder: one input; a layer: one `(input, t)`).
//!
//! ```text
//! encoder item = START + Σ_i max(1, e_i) + DONE            e_i = events of input value i
//!              = START + Σ_c max(1, e_c) + DONE            taking V values per cycle:
//!                                                          e_c = events of chunk c
//! layer item   = START + Σ_g max(E_in + GROUP_OVERHEAD, ev_(g-1) + EMIT_GAP)
//!                      + max(1, ev_(G-1)) + DONE                ev_(-1) = 0
//! ```
//!
//! A layer with `P` lanes visits its `G = ceil(N / P)` groups in order: it replays all
//! `E_in` received events (one per cycle, every lane adding `multiplier · w` for its
//! neuron), drains the accumulate pipeline and updates the group's membranes
//! ([`GROUP_OVERHEAD`] cycles from START or the previous group's ARM to this group's ARM).
//! The group's `ev_g` events then go out one per cycle beside the next group's replay; the
//! next group fires only after the last of them ([`EMIT_GAP`]: FIRE and ARM after it), and
//! the last group's emission takes `max(1, ev_(G-1))` cycles of its own before DONE. A
//! readout layer emits nothing except at the last timestep, where it emits each neuron's
//! score (`ev_g` = group size).
//!
//! A layer with lateral connections runs its groups twice per item: the first pass as
//! above but emitting each group's provisional spikes (`ev1_g` events, its own code) into
//! the layer's own lateral buffer; the second pass replays those `E1 = Σ_g ev1_g` events
//! through the lateral weights and emits the real spikes:
//!
//! ```text
//! lateral item = START + Σ_g max(E_in + GROUP_OVERHEAD, ev1_(g-1) + EMIT_GAP) + max(1, ev1_(G-1))
//!                      + Σ_g max(E1 + GROUP_OVERHEAD, ev_(g-1) + EMIT_GAP) + max(1, ev_(G-1)) + DONE
//! ```
//!
//! Stages hand over through double-buffered event buffers. Let `F(s, x)` be the first cycle
//! after stage `s` finished item `x` (its DONE cycle + 1). A stage starts an item one cycle
//! after the last of these holds (it passes through IDLE): it finished its previous item;
//! its input buffer holds the item (producer finished it; for layer 0 the encoder finished
//! the input); its output buffer slot is free (the consumer finished item `x - 2`). The
//! encoder's image buffer slot for input `n` is free when layer 0 finished the last
//! timestep of input `n - 2`.
//!
//! Worked example (one input, T = 1, one layer of N = 10 neurons with P = 4 lanes, G = 3):
//! 3 input values with 2, 0, 1 events: the encoder starts at cycle 1 and takes
//! 1 + (2 + 1 + 1) + 1 = 6 cycles (F = 7). The layer starts at cycle 8; with E_in = 3 and
//! group 0 emitting 2 events (during group 1's replay), it takes
//! 1 + (3 + 7) + max(3 + 7, 2 + 2) + max(3 + 7, 0 + 2) + max(1, 0) + 1 = 33 cycles, so its
//! DONE cycle, the input's `done`, is cycle 40.

use model::{AxisTaps, Conv2d, HardwarePlan, LayerOp, MembraneSets, NeuronKind, Stage};
use serde::Serialize;

use crate::golden::{Golden, Trace};

pub use model::timing::{
    CONV_ITEM_OVERHEAD, CONV_PASS_OVERHEAD, EMIT_GAP, GROUP_OVERHEAD, HANDOFF, ITEM_OVERHEAD, layer_pass_cycles,
};

/// Cycles of one layer stage for one item `(input, t)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ItemCycles {
    /// Cycles from START to DONE inclusive (0 for a pooling layer fused into its conv stage,
    /// whose DONE is the conv's); a conv stage's scatter (START to DRAIN4) and update pass
    /// (PREREAD to DONE) together, without the IDLE cycle between them.
    pub cycles: u64,
    /// Of those, a conv stage's update pass (PREREAD to DONE); 0 for other stages.
    pub pass: u64,
    /// Of those, cycles replaying events into the lanes: `(E_in + E1) · G` for a dense
    /// layer, the scatter cycles `G·Σ_e max(1, rows_e)` for a conv layer.
    pub accumulate: u64,
    /// Events received.
    pub input_events: u64,
    /// Provisional events the lateral pass replays (`E1`; 0 without lateral connections).
    pub lateral_events: u64,
    /// Events emitted (scores for a readout layer's last timestep).
    pub output_events: u64,
    /// Weights added into membranes or accumulators (a dense layer's `(E_in + E1) · N`, a
    /// conv layer's taps reached times output channels).
    pub synaptic_ops: u64,
}

/// The work of one input in every stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputWork {
    /// Encoder cycles.
    pub encoder: u64,
    /// `[layer][timestep]`.
    pub layers: Vec<Vec<ItemCycles>>,
    /// Per layer: a pooling layer computed inside the conv stage before it.
    pub fused: Vec<bool>,
    /// Per layer: cycles after reset before the stage's first IDLE (a conv stage writes
    /// every membrane word with its bias: `G·H'·ceil(W'/B)`; 0 for other stages).
    pub init: Vec<u64>,
    /// Per layer: a conv stage's membrane sets (its scatter and update pass are two
    /// engines); `None` for other stages.
    pub sets: Vec<Option<MembraneSets>>,
}

impl InputWork {
    /// The cycles between inputs stage `l` alone would allow, `handoff` cycles per engine
    /// and item on top: its items back to back, except that with two membrane sets the
    /// scatter of the next input overlaps this input's last update pass (the larger of the
    /// two chains that share an input: each engine's own items, and the other engine's
    /// items of the same input it must wait for).
    pub fn stage_interval(&self, l: usize, handoff: u64) -> u64 {
        let items = &self.layers[l];
        match self.sets[l] {
            None if self.fused[l] => 0,
            None => items.iter().map(|i| i.cycles + handoff).sum(),
            Some(MembraneSets::One) => items.iter().map(|i| i.cycles + 2 * handoff).sum(),
            Some(MembraneSets::Two) => {
                let scatter: Vec<u64> = items.iter().map(|i| i.cycles - i.pass + handoff).collect();
                let pass: Vec<u64> = items.iter().map(|i| i.pass + handoff).collect();
                let (all_scatter, all_pass) = (scatter.iter().sum::<u64>(), pass.iter().sum::<u64>());
                let last = items.len().saturating_sub(1);
                let scatter_chain = all_scatter + pass[..last].iter().sum::<u64>();
                let pass_chain = all_pass + scatter.get(1..).map_or(0, |s| s.iter().sum::<u64>());
                scatter_chain.max(pass_chain)
            }
        }
    }
}

/// The encoder's cycles for one input and the events it writes: `(cycles, events)`. It
/// takes `values_per_cycle` values at a time; each such chunk costs `max(1, its events)`.
fn encode(golden: &Golden, input: &[u8], values_per_cycle: u32) -> (u64, u64) {
    let input_table = golden.input_table();
    input.chunks(values_per_cycle.max(1) as usize).fold((ITEM_OVERHEAD, 0), |(cycles, events), chunk| {
        let e: u64 = chunk.iter().map(|&v| input_table.events_for(v as u32).unwrap_or(0) as u64).sum();
        (cycles + e.max(1), events + e)
    })
}

/// Events per source of a list of events, over `size` sources.
fn per_source(events: &[model::SpikeEvent], size: usize) -> Vec<u64> {
    let mut counts = vec![0u64; size];
    for e in events {
        counts[e.source as usize] += 1;
    }
    counts
}

/// One conv item (ARCHITECTURE.md "Timing contract", conv stages): the scatter over the
/// received events, then the update pass over the membrane words, each word as long as the
/// larger of its own events and those of the max pooling windows it completes.
struct ConvItem<'a> {
    conv: &'a Conv2d,
    groups: u64,
    banks: u32,
    /// Events per conv neuron (scores at a readout layer's last timestep).
    emitted: Vec<u64>,
    /// A fused max pooling's kernel and events per pooled output.
    max_pool: Option<(u32, Vec<u64>)>,
}

impl ConvItem<'_> {
    fn cycles(&self, received: &[model::SpikeEvent]) -> ItemCycles {
        let c = self.conv;
        let out = c.output_shape().expect("validated conv");
        let (mut scatter, mut synaptic_ops) = (0u64, 0u64);
        for e in received {
            let (y, x) = ((e.source / c.in_width) % c.in_height, e.source % c.in_width);
            let rows = AxisTaps::of(y, c.kernel, c.stride, c.padding, out.height).count as u64;
            let cols = AxisTaps::of(x, c.kernel, c.stride, c.padding, out.width).count as u64;
            scatter += self.groups * rows.max(1);
            synaptic_ops += rows * cols * c.out_channels as u64;
        }
        let banks = self.banks;
        let words_per_row = out.width.div_ceil(banks);
        let mut words = 0u64;
        for o in 0..out.channels {
            for oy in 0..out.height {
                for w in 0..words_per_row {
                    let first = out.index(o, oy, w * banks);
                    let width = banks.min(out.width - w * banks) as usize;
                    let ev: u64 = self.emitted[first..first + width].iter().sum();
                    let pooled = match &self.max_pool {
                        Some((k, pool_events)) if oy % k == k - 1 => {
                            let pooled_width = out.width / k;
                            let row = (o * (out.height / k) + oy / k) * pooled_width;
                            let (from, to) = (w * banks / k, ((w + 1) * banks / k).min(pooled_width));
                            pool_events[(row + from) as usize..(row + to) as usize].iter().sum()
                        }
                        _ => 0,
                    };
                    words += ev.max(pooled).max(1);
                }
            }
        }
        ItemCycles {
            cycles: CONV_ITEM_OVERHEAD + scatter + words,
            pass: CONV_PASS_OVERHEAD + words,
            accumulate: scatter,
            input_events: received.len() as u64,
            lateral_events: 0,
            output_events: self.emitted.iter().sum(),
            synaptic_ops,
        }
    }
}

/// Work of one input from its golden trace.
pub fn input_work(golden: &Golden, plan: &HardwarePlan, input: &[u8], trace: &Trace) -> InputWork {
    let net = golden.network();
    let (encoder, input_events) = encode(golden, input, plan.values_per_cycle);
    let timesteps = net.timesteps as usize;
    let mut layers = Vec::with_capacity(net.layers.len());
    let fused: Vec<bool> = plan.layers.iter().map(|lp| lp.stage == Stage::FusedPool).collect();
    let init = plan
        .layers
        .iter()
        .zip(&net.layers)
        .map(|(lp, layer)| match (&lp.stage, &layer.op) {
            (Stage::Conv { banks, .. }, LayerOp::Conv2d(c)) => {
                let out = c.output_shape().expect("validated conv");
                lp.groups as u64 * out.height as u64 * out.width.div_ceil(*banks) as u64
            }
            _ => 0,
        })
        .collect();
    let sets = plan.layers.iter().map(|lp| lp.stage.sets()).collect();
    let mut received: Vec<u64> = vec![input_events; timesteps];
    for (l, lp) in plan.layers.iter().enumerate() {
        let groups = lp.groups as u64;
        let lanes = lp.lanes as usize;
        let readout = matches!(net.layers[l].neuron.kind, NeuronKind::Readout);
        let table = golden.table(l);
        let mut phases = Vec::with_capacity(timesteps);
        let mut emitted = Vec::with_capacity(timesteps);
        // Events per group of a list of this layer's spikes.
        let per_group = |spikes: &[crate::golden::Spike]| {
            let mut counts = vec![0u64; lp.groups as usize];
            if let Some(table) = table {
                for s in spikes {
                    counts[s.neuron as usize / lanes] += table.events_for(s.value.unsigned_abs()).unwrap_or(0) as u64;
                }
            }
            counts
        };
        for (t, &e_in) in received.iter().enumerate() {
            let last = t + 1 == timesteps;
            let item = match (&lp.stage, &net.layers[l].op) {
                (Stage::Conv { banks, .. }, LayerOp::Conv2d(conv)) => {
                    let n = lp.neurons as usize;
                    let emitted = if readout {
                        vec![u64::from(last); n]
                    } else {
                        per_source(&golden.wire_events(trace, l, t), n)
                    };
                    let max_pool = match net.layers.get(l + 1).map(|p| &p.op) {
                        Some(LayerOp::MaxPool2d(p)) => Some((
                            p.kernel,
                            per_source(&golden.wire_events(trace, l + 1, t), net.layers[l + 1].outputs()),
                        )),
                        _ => None,
                    };
                    let item = ConvItem { conv, groups, banks: *banks, emitted, max_pool };
                    item.cycles(&golden.received_events(input, trace, l, t))
                }
                (Stage::FusedPool, _) => ItemCycles {
                    input_events: e_in,
                    output_events: golden.wire_events(trace, l, t).len() as u64,
                    ..ItemCycles::default()
                },
                _ => {
                    let sent: Vec<u64> = if readout {
                        // Scores, at the last timestep only: every neuron of every group.
                        (0..lp.groups).map(|g| if last { u64::from(lp.group_neurons(g)) } else { 0 }).collect()
                    } else {
                        per_group(&trace.layers[l][t])
                    };
                    let mut item = ItemCycles {
                        cycles: ITEM_OVERHEAD,
                        pass: 0,
                        accumulate: e_in * groups,
                        input_events: e_in,
                        lateral_events: 0,
                        output_events: sent.iter().sum(),
                        synaptic_ops: e_in * lp.neurons as u64,
                    };
                    if lp.lateral {
                        // Pass 0 replays the received events and emits the provisional
                        // spikes; pass 1 replays those and emits the real ones.
                        let provisional = per_group(&trace.provisional[l][t]);
                        let e1 = provisional.iter().sum();
                        item.cycles += layer_pass_cycles(e_in, &provisional) + layer_pass_cycles(e1, &sent);
                        item.accumulate += e1 * groups;
                        item.lateral_events = e1;
                        item.synaptic_ops += e1 * lp.neurons as u64;
                    } else {
                        item.cycles += layer_pass_cycles(e_in, &sent);
                    }
                    item
                }
            };
            phases.push(item);
            emitted.push(if readout { 0 } else { item.output_events });
        }
        layers.push(phases);
        received = emitted;
    }
    InputWork { encoder, layers, fused, init, sets }
}

/// Per layer: the synaptic operations done over what the lanes could have done in the
/// cycles they spent replaying or scattering events (`lanes` adds per cycle for a dense
/// layer, `lanes · banks` for a conv layer), over a set of inputs. For a dense layer that is
/// the ideal replay `events · N / P` over the spent `events · G`. 1.0 when a layer spent no
/// such cycles (no events, or a fused pooling layer).
pub fn lane_utilization<'a>(plan: &HardwarePlan, works: impl Iterator<Item = &'a InputWork> + Clone) -> Vec<f64> {
    plan.layers
        .iter()
        .enumerate()
        .map(|(l, lp)| {
            let (ops, spent) = works
                .clone()
                .flat_map(|w| &w.layers[l])
                .fold((0u64, 0u64), |(o, s), item| (o + item.synaptic_ops, s + item.accumulate));
            let width = lp.lanes as f64 * lp.stage.banks().unwrap_or(1) as f64;
            if spent == 0 { 1.0 } else { ops as f64 / width / spent as f64 }
        })
        .collect()
}

/// When one input entered and left the pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct InputTiming {
    /// Cycle of the encoder's START for this input (cycle 0 is the first after reset).
    pub start: u64,
    /// Cycle of the last layer's DONE for this input's last timestep.
    pub done: u64,
}

impl InputTiming {
    /// Cycles from START to DONE inclusive.
    pub fn latency(&self) -> u64 {
        self.done + 1 - self.start
    }
}

/// Exact timing of a stream of inputs fed back to back from reset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// Per input.
    pub inputs: Vec<InputTiming>,
    /// `done[l][x]`: the DONE cycle of layer `l` for item `x = input · T + t`.
    pub done: Vec<Vec<u64>>,
    /// Cycles from reset until the last input is done (its DONE cycle + 1).
    pub total: u64,
}

/// Schedule a stream of inputs through the pipeline (the rules in the module docs).
pub fn schedule(works: &[InputWork]) -> Schedule {
    let Some(first) = works.first() else {
        return Schedule { inputs: Vec::new(), done: Vec::new(), total: 0 };
    };
    let layers = first.layers.len();
    let timesteps = first.layers.first().map_or(0, Vec::len);
    // finished[l][x]: first cycle after layer l's DONE of item x = input * T + t;
    // released[l][x]: first cycle after layer l released item x's input slot (its DONE,
    // a conv stage's DRAIN4); scattered[l][x]: a conv stage's first cycle after DRAIN4.
    let mut finished: Vec<Vec<u64>> = vec![Vec::with_capacity(works.len() * timesteps); layers];
    let mut released: Vec<Vec<u64>> = vec![Vec::with_capacity(works.len() * timesteps); layers];
    let mut encoder_free = 0u64;
    let mut inputs = Vec::with_capacity(works.len());
    for (n, work) in works.iter().enumerate() {
        let image_slot_free = if n >= 2 { released[0][(n - 2) * timesteps + timesteps - 1] } else { 0 };
        let enc_start = encoder_free.max(image_slot_free) + HANDOFF;
        let enc_finished = enc_start + work.encoder;
        encoder_free = enc_finished;
        for t in 0..timesteps {
            let x = n * timesteps + t;
            for l in 0..layers {
                // A fused pooling layer is done when its conv stage is.
                if work.fused[l] {
                    let (conv, conv_released) = (finished[l - 1][x], released[l - 1][x]);
                    finished[l].push(conv);
                    released[l].push(conv_released);
                    continue;
                }
                let ready = if l == 0 { enc_finished } else { finished[l - 1][x] };
                // The output buffer is the next stage's: after a fused pooling layer, the
                // layer after it. Its slot for item x is free once item x - 2 left it.
                let consumer = if work.fused.get(l + 1) == Some(&true) { l + 2 } else { l + 1 };
                let out_free = if consumer < layers && x >= 2 { released[consumer][x - 2] } else { 0 };
                let item = work.layers[l][t];
                let Some(sets) = work.sets[l] else {
                    // Before its first item, a stage waits for its own INIT after reset.
                    let own = if x >= 1 { finished[l][x - 1] } else { work.init[l] };
                    let done = ready.max(own).max(out_free) + HANDOFF + item.cycles;
                    finished[l].push(done);
                    released[l].push(done);
                    continue;
                };
                // A conv stage: the scatter engine, then the update pass (module docs).
                let scatter_free = if x >= 1 { released[l][x - 1] } else { work.init[l] };
                let set_ready = match sets {
                    _ if x == 0 => work.init[l],
                    MembraneSets::One => finished[l][x - 1],
                    MembraneSets::Two if t > 0 => finished[l][x - 1],
                    MembraneSets::Two if n >= 2 => finished[l][(n - 2) * timesteps + timesteps - 1],
                    MembraneSets::Two => work.init[l],
                };
                let scattered = scatter_free.max(ready).max(set_ready) + HANDOFF + (item.cycles - item.pass);
                let pass_free = if x >= 1 { finished[l][x - 1] } else { 0 };
                finished[l].push(scattered.max(pass_free).max(out_free) + HANDOFF + item.pass);
                released[l].push(scattered);
            }
        }
        let done = finished[layers - 1][n * timesteps + timesteps - 1] - 1;
        inputs.push(InputTiming { start: enc_start, done });
    }
    let total = inputs.last().map_or(0, |i| i.done + 1);
    let done = finished.into_iter().map(|f| f.into_iter().map(|c| c - 1).collect()).collect();
    Schedule { inputs, done, total }
}

/// The golden traces of a sample of inputs, from which every plan's cycles follow without
/// running the network again: what a lane planner asks "how fast is this plan?".
///
/// ```
/// let net = model::examples::tiny_network();
/// let golden = sim::Golden::new(&net).unwrap();
/// let inputs = [3u8, 0, 1, 15, 7, 2, 9, 9, 9, 0, 0, 1];
/// let demand = sim::cycle::Demand::new(&golden, &inputs).unwrap();
/// let one = model::HardwarePlan::uniform(&net, 1).unwrap();
/// let wide = model::HardwarePlan::uniform(&net, 8).unwrap();
/// // More lanes, fewer groups to replay the same events over.
/// assert!(demand.stage_cycles(&wide)[0] < demand.stage_cycles(&one)[0]);
/// ```
pub struct Demand<'a> {
    golden: &'a Golden,
    inputs: Vec<&'a [u8]>,
    traces: Vec<Trace>,
}

impl<'a> Demand<'a> {
    /// Trace every input of `images` (concatenated inputs of the network's size). A network
    /// the hardware cannot build is refused: [`model::ModelError::NoRtl`].
    pub fn new(golden: &'a Golden, images: &'a [u8]) -> Result<Demand<'a>, crate::SimError> {
        golden.network().require_hardware()?;
        let size = golden.network().input.size().max(1);
        let inputs: Vec<&[u8]> = images.chunks_exact(size).collect();
        let traces = inputs.iter().map(|input| golden.trace(input)).collect::<Result<_, _>>()?;
        Ok(Demand { golden, inputs, traces })
    }

    fn works(&self, plan: &HardwarePlan) -> Vec<InputWork> {
        self.inputs.iter().zip(&self.traces).map(|(input, trace)| input_work(self.golden, plan, input, trace)).collect()
    }

    /// Mean busy cycles per input of an encoder taking `values_per_cycle` values per cycle,
    /// the [`HANDOFF`] cycle included.
    pub fn encoder_cycles(&self, values_per_cycle: u32) -> f64 {
        let total: u64 = self.inputs.iter().map(|input| encode(self.golden, input, values_per_cycle).0 + HANDOFF).sum();
        total as f64 / self.inputs.len().max(1) as f64
    }

    /// Mean busy cycles per input of each layer stage under `plan`, a [`HANDOFF`] cycle per
    /// item included: the interval the stage alone would allow between inputs (0 for a
    /// pooling layer fused into its conv stage).
    pub fn stage_cycles(&self, plan: &HardwarePlan) -> Vec<f64> {
        let works = self.works(plan);
        let n = works.len().max(1) as f64;
        (0..plan.layers.len())
            .map(|l| works.iter().map(|w| w.stage_interval(l, HANDOFF)).sum::<u64>() as f64 / n)
            .collect()
    }
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
                lateral: None,
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
            provisional: vec![Vec::new()],
            digests: Vec::new(),
        };
        let work = input_work(&golden, &plan, &[3, 0, 1], &trace);
        assert_eq!(work.encoder, 6);
        assert_eq!(
            work.layers[0][0],
            ItemCycles {
                cycles: 33,
                pass: 0,
                accumulate: 9,
                input_events: 3,
                lateral_events: 0,
                output_events: 2,
                synaptic_ops: 30
            }
        );
        let s = schedule(std::slice::from_ref(&work));
        assert_eq!(s.inputs[0], InputTiming { start: 1, done: 40 });
        assert_eq!(s.inputs[0].latency(), 40);
        // A second identical input overlaps: its encoder (cycles 8..13) runs while the layer
        // works on the first; the layer starts it one cycle after finishing the first.
        let s2 = schedule(&[work.clone(), work]);
        assert_eq!(s2.inputs[1].start, 8);
        assert_eq!(s2.inputs[1].done, 40 + 1 + 33);
    }

    #[test]
    fn lateral_layer_takes_its_groups_twice() {
        let mut net = one_layer();
        net.layers[0].lateral = Some(model::Lateral { weight_bits: 2, shift: 0, weights: vec![0; 100] });
        let golden = Golden::new(&net).unwrap();
        let plan = HardwarePlan::uniform(&net, 4).unwrap();
        let spike = |neuron| Spike { neuron, value: 1 };
        // Provisional spikes at neurons 0 and 5 (groups 0 and 1), emitted ones at 0 and 3.
        let trace = Trace {
            layers: vec![vec![vec![spike(0), spike(3)]]],
            scores: vec![0; 10],
            class: 0,
            provisional: vec![vec![vec![spike(0), spike(5)]]],
            digests: Vec::new(),
        };
        let work = input_work(&golden, &plan, &[3, 0, 1], &trace);
        // pass 0: (3 + 7) x 3 + max(1, 0) = 31, the emissions (1, 1, 0) hidden by the replays;
        // pass 1 replays E1 = 2: (2 + 7) x 3 + max(1, 0) = 28
        assert_eq!(
            work.layers[0][0],
            ItemCycles {
                cycles: 2 + 31 + 28,
                pass: 0,
                accumulate: 9 + 6,
                input_events: 3,
                lateral_events: 2,
                output_events: 2,
                synaptic_ops: 50
            }
        );
    }

    /// The conv worked example of ARCHITECTURE.md ("Timing contract", conv stages).
    #[test]
    fn conv_worked_example_from_the_docs() {
        let net = Network::new(
            "c",
            1,
            Input { shape: vec![1, 4, 4], max_value: 1, code: SpikeCode::binary(1) },
            vec![Layer {
                name: "conv".into(),
                op: LayerOp::Conv2d(model::Conv2d {
                    in_channels: 1,
                    in_height: 4,
                    in_width: 4,
                    out_channels: 2,
                    kernel: 3,
                    stride: 1,
                    padding: 1,
                    weight_bits: 4,
                    bias_bits: 4,
                    weights: vec![1; 18],
                    bias: vec![0; 2],
                }),
                neuron: Neuron {
                    kind: NeuronKind::BinaryLif,
                    threshold_shift: 2,
                    decay: Decay::Keep,
                    reset: Reset::Soft,
                },
                histogram: None,
                lateral: None,
            }],
        );
        let golden = Golden::new(&net).unwrap();
        let plan = HardwarePlan::uniform(&net, 2).unwrap();
        assert_eq!(
            plan.layers[0].stage,
            Stage::Conv { banks: 3, in_channels: 1, kernel: 3, sets: model::MembraneSets::Two }
        );
        // Pixels (y, x) = (0, 0) and (1, 2): kernel rows reaching an output row 2 and 3.
        let mut input = [0u8; 16];
        input[0] = 1;
        input[6] = 1;
        // Pretend neurons (0, 0, 0), (0, 0, 1) and (1, 3, 3) fired: 2 events in channel 0's
        // first word (columns 0..2 of row 0), 1 in channel 1's last word (column 3 of row 3).
        let spike = |neuron| Spike { neuron, value: 1 };
        let trace = Trace {
            layers: vec![vec![vec![spike(0), spike(1), spike(31)]]],
            scores: vec![0; 32],
            class: 0,
            provisional: vec![Vec::new()],
            digests: Vec::new(),
        };
        let work = input_work(&golden, &plan, &input, &trace);
        // 9 + G·(2 + 3) + (2 + 15·1) over 2 channels x 4 rows x 2 words.
        assert_eq!(work.layers[0][0].cycles, 9 + 5 + 17);
        assert_eq!(work.layers[0][0].accumulate, 5);
        // Taps reached: (0, 0) 2 rows x 2 columns, (1, 2) 3 x 3; times 2 channels.
        assert_eq!(work.layers[0][0].synaptic_ops, (4 + 9) * 2);
        // The scatter is 6 + 5 cycles, the update pass 3 + 17.
        assert_eq!(work.layers[0][0].pass, 3 + 17);
        // Encoder: START, 16 values (one event at most each), DONE: cycles 1..18. INIT
        // writes 1·4·2 words (cycles 0..7). Scatter 20..30 (DRAIN4 at 30 releases the
        // image), pass 32..51.
        let s = schedule(std::slice::from_ref(&work));
        assert_eq!(s.inputs[0], InputTiming { start: 1, done: 51 });
        // A second input: encoded in 20..37, scattered in 39..49 beside the first input's
        // pass (two sets), updated in 53..72 once that pass is DONE.
        let s2 = schedule(&[work.clone(), work.clone()]);
        assert_eq!(s2.inputs[1], InputTiming { start: 20, done: 72 });
        // One set: the second scatter waits for the first pass (53..63), its pass 65..84.
        let one = HardwarePlan::uniform(&net, 2).unwrap().with_membrane_sets(model::MembraneSets::One);
        let single = input_work(&golden, &one, &input, &trace);
        assert_eq!(schedule(&[single.clone(), single]).inputs[1].done, 84);
    }

    #[test]
    fn a_pooling_layer_after_a_pooling_layer_has_no_hardware() {
        let chained = (0..200)
            .map(model::examples::fuzz_conv_network)
            .find(|net| net.layers.windows(2).any(|w| w[0].is_pooling() && w[1].is_pooling()))
            .expect("the fuzzer chains pools");
        let golden = Golden::new(&chained).unwrap();
        let images = vec![0u8; chained.input.size()];
        let e = Demand::new(&golden, &images).err().expect("refused");
        assert!(matches!(e, crate::SimError::Model(model::ModelError::NoRtl { .. })), "{e}");
        assert!(e.to_string().contains("after a pooling layer"), "{e}");
    }
}
