//! The golden model against an independent, deliberately naive reference written straight
//! from the textbook form `u_t = decay(u_{t-1} - reset(s_{t-1})) + x_t` (ARCHITECTURE.md,
//! "Integer contract"), with `x_t` summed from wire events (multiplier x weight) in i128.
//! The reference also checks every intermediate value against the bounds analysis.

// The reference reads like the formula, index by index, on purpose.
#![allow(clippy::needless_range_loop)]

use model::bounds::{LayerBounds, analyze};
use model::examples::{fuzz_conv_network, fuzz_network, with_random_leaks};
use model::{Decay, LayerOp, Network, NeuronKind, Reset, SpikeCode, SpikeEvent};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sim::{Golden, Spike};

fn floor_shift(v: i128, k: u8) -> i128 {
    v.div_euclid(1i128 << k)
}

fn reference_fire(kind: &NeuronKind, q: u8, u: i128) -> i32 {
    let theta = 1i128 << q;
    match kind {
        NeuronKind::BinaryLif => (u >= theta) as i32,
        NeuronKind::Ternary => {
            if u.abs() >= theta {
                u.signum() as i32
            } else {
                0
            }
        }
        // round half up of u / θ: floor((2u + θ) / 2θ)
        NeuronKind::Integer { max_spike, .. } => {
            (2 * u + theta).div_euclid(2 * theta).clamp(0, *max_spike as i128) as i32
        }
        NeuronKind::Readout => 0,
    }
}

struct RefOut {
    spikes: Vec<Vec<Vec<Spike>>>,
    scores: Vec<i64>,
}

fn check(b: &LayerBounds, what: &str, v: i128, inside: fn(&LayerBounds) -> model::bounds::IntRange) {
    let r = inside(b);
    assert!(r.lo as i128 <= v && v <= r.hi as i128, "{what} {v} outside proven range {r:?}");
}

fn reference(net: &Network, input: &[u8]) -> RefOut {
    let bounds = analyze(net);
    let t_max = net.timesteps as usize;
    let mut u_prev: Vec<Vec<i128>> = net.layers.iter().map(|l| vec![0; l.outputs()]).collect();
    let mut s_prev: Vec<Vec<i32>> = net.layers.iter().map(|l| vec![0; l.outputs()]).collect();
    let mut counts = vec![0i64; net.classes()];
    let mut spikes = vec![Vec::new(); net.layers.len()];
    for _t in 0..t_max {
        let mut values: Vec<i32> = input.iter().map(|&v| v as i32).collect();
        // What the next layer receives: the wire events of `values` in their code, except
        // after sum pooling, which forwards its window's events with the source remapped.
        let mut events = encode(&net.input.code, net.input.max_value as i32, &values);
        for (l, layer) in net.layers.iter().enumerate() {
            let n = layer.outputs();
            let (acc, bias): (Vec<i128>, Vec<i128>) = match &layer.op {
                LayerOp::Dense(d) => {
                    let mut acc = vec![0i128; n];
                    for e in &events {
                        for j in 0..n {
                            acc[j] += e.multiplier as i128 * d.weights[e.source as usize * n + j] as i128;
                            check(&bounds[l], "accumulator", acc[j], |b| b.accumulator);
                        }
                    }
                    (acc, d.bias.iter().map(|&b| b as i128).collect())
                }
                LayerOp::Conv2d(c) => conv_gather(c, &events, &bounds[l]),
                LayerOp::SumPool2d(p) | LayerOp::MaxPool2d(p) => {
                    let max = matches!(layer.op, LayerOp::MaxPool2d(_));
                    let (h, w, k) = (p.in_height as usize, p.in_width as usize, p.kernel as usize);
                    let (oh, ow) = (h / k, w / k);
                    let mut out = vec![0i32; n];
                    for c in 0..p.channels as usize {
                        for oy in 0..oh {
                            for ox in 0..ow {
                                let window: Vec<i32> =
                                    (0..k * k).map(|d| values[(c * h + oy * k + d / k) * w + ox * k + d % k]).collect();
                                out[(c * oh + oy) * ow + ox] =
                                    if max { *window.iter().max().unwrap() } else { window.iter().sum() };
                            }
                        }
                    }
                    let range = net.output_range_of(l);
                    assert!(out.iter().all(|&v| range.min <= v && v <= range.max), "pooled {out:?} outside {range:?}");
                    events = if max {
                        encode(&net.input_code_of(l), net.input_range_of(l).max, &out)
                    } else {
                        events
                            .iter()
                            .map(|e| {
                                let (c, y, x) =
                                    (e.source as usize / (h * w), e.source as usize / w % h, e.source as usize % w);
                                SpikeEvent { source: ((c * oh + y / k) * ow + x / k) as u32, ..*e }
                            })
                            .collect()
                    };
                    spikes[l].push(non_zero(&out));
                    if l + 1 == net.layers.len() {
                        for (c, &v) in counts.iter_mut().zip(&out) {
                            *c += v as i64;
                        }
                    }
                    values = out;
                    continue;
                }
            };
            let nr = &layer.neuron;
            let theta = 1i128 << nr.threshold_shift;
            let mut out = vec![0i32; n];
            for j in 0..n {
                let x = bias[j] + acc[j];
                check(&bounds[l], "current", x, |b| b.current);
                let reset = match (nr.reset, s_prev[l][j]) {
                    (_, 0) => 0,
                    (Reset::Hard, _) => u_prev[l][j],
                    (Reset::Soft, s) => s as i128 * theta,
                };
                let kept = u_prev[l][j] - reset;
                check(&bounds[l], "stored membrane", kept, |b| b.membrane);
                let decayed = match nr.decay {
                    Decay::Keep => kept,
                    Decay::Clear => 0,
                    Decay::Shift(k) => floor_shift(kept, k),
                    Decay::Leak(k) => kept - floor_shift(kept, k),
                };
                check(&bounds[l], "decayed membrane", decayed, |b| b.membrane);
                let u = decayed + x;
                check(&bounds[l], "membrane", u, |b| b.membrane);
                if matches!(nr.kind, NeuronKind::Integer { .. }) {
                    check(&bounds[l], "rounding sum", u + theta / 2, |b| b.membrane);
                }
                u_prev[l][j] = u;
            }
            if let Some(lat) = &layer.lateral {
                // The provisional spikes of u1 travel as the layer's own events through R.
                let own = layer.neuron.kind.code().table(nr.kind.spike_range().max as u32).unwrap();
                let mut lateral_events = Vec::new();
                for j in 0..n {
                    own.push_events(
                        j as u32,
                        reference_fire(&nr.kind, nr.threshold_shift, u_prev[l][j]),
                        &mut lateral_events,
                    );
                }
                let mut lacc = vec![0i128; n];
                for e in &lateral_events {
                    for j in 0..n {
                        lacc[j] += e.multiplier as i128 * lat.weights[e.source as usize * n + j] as i128;
                        check(&bounds[l], "lateral accumulator", lacc[j], |b| b.lateral.unwrap());
                        check(&bounds[l], "accumulator", lacc[j], |b| b.accumulator);
                    }
                }
                for j in 0..n {
                    check(&bounds[l], "shifted lateral sum", lacc[j] * (1i128 << lat.shift), |b| b.membrane);
                    u_prev[l][j] += lacc[j] * (1i128 << lat.shift);
                    check(&bounds[l], "membrane after the lateral pass", u_prev[l][j], |b| b.membrane);
                    if matches!(nr.kind, NeuronKind::Integer { .. }) {
                        check(&bounds[l], "rounding sum", u_prev[l][j] + theta / 2, |b| b.membrane);
                    }
                }
            }
            for j in 0..n {
                let s = reference_fire(&nr.kind, nr.threshold_shift, u_prev[l][j]);
                s_prev[l][j] = s;
                out[j] = s;
            }
            spikes[l].push(non_zero(&out));
            if l + 1 == net.layers.len() && !matches!(nr.kind, NeuronKind::Readout) {
                for (c, &v) in counts.iter_mut().zip(&out) {
                    *c += v as i64;
                }
            }
            if !matches!(nr.kind, NeuronKind::Readout) {
                events = encode(&nr.kind.code(), nr.kind.spike_range().max, &out);
            }
            values = out;
        }
    }
    let last = net.layers.last().unwrap();
    let scores = if matches!(last.neuron.kind, NeuronKind::Readout) {
        u_prev.last().unwrap().iter().map(|&u| u as i64).collect()
    } else {
        counts
    };
    let score_range = bounds.last().unwrap().score;
    assert!(scores.iter().all(|&s| score_range.contains(s)), "scores {scores:?} outside {score_range:?}");
    RefOut { spikes, scores }
}

fn non_zero(values: &[i32]) -> Vec<Spike> {
    values.iter().enumerate().filter(|(_, v)| **v != 0).map(|(j, &value)| Spike { neuron: j as u32, value }).collect()
}

/// The wire events of `values` (sources ascending, planes ascending) in `code`.
fn encode(code: &SpikeCode, max: i32, values: &[i32]) -> Vec<SpikeEvent> {
    let table = code.table(max.unsigned_abs()).unwrap();
    let mut events = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        table.push_events(i as u32, v, &mut events);
    }
    events
}

/// The conv layer in gather form, literally from the contract: output `(o, oy, ox)` sums,
/// over input channels `c` and taps `(ky, kx)` with `y = oy·stride - padding + ky` and
/// `x = ox·stride - padding + kx` inside the input, every event from source `(c, y, x)`
/// times `W[((c·K + ky)·K + kx)·C_out + o]`. Returns the accumulators (channel-major) and
/// the per-neuron bias (the channel's).
fn conv_gather(c: &model::Conv2d, events: &[SpikeEvent], b: &LayerBounds) -> (Vec<i128>, Vec<i128>) {
    let (h, w, k, s, p) = (c.in_height as i64, c.in_width as i64, c.kernel as i64, c.stride as i64, c.padding as i64);
    let ho = (h + 2 * p - k) / s + 1;
    let wo = (w + 2 * p - k) / s + 1;
    let co = c.out_channels as i64;
    let mut by_source: Vec<Vec<i32>> = vec![Vec::new(); (c.in_channels as i64 * h * w) as usize];
    for e in events {
        by_source[e.source as usize].push(e.multiplier);
    }
    let mut acc = vec![0i128; (co * ho * wo) as usize];
    let mut bias = vec![0i128; acc.len()];
    for o in 0..co {
        for oy in 0..ho {
            for ox in 0..wo {
                let j = ((o * ho + oy) * wo + ox) as usize;
                bias[j] = c.bias[o as usize] as i128;
                for ch in 0..c.in_channels as i64 {
                    for ky in 0..k {
                        for kx in 0..k {
                            let (y, x) = (oy * s - p + ky, ox * s - p + kx);
                            if y < 0 || y >= h || x < 0 || x >= w {
                                continue; // zero padding contributes nothing
                            }
                            let weight = c.weights[(((ch * k + ky) * k + kx) * co + o) as usize] as i128;
                            for &m in &by_source[((ch * h + y) * w + x) as usize] {
                                acc[j] += m as i128 * weight;
                                check(b, "conv accumulator", acc[j], |b| b.accumulator);
                            }
                        }
                    }
                }
            }
        }
    }
    (acc, bias)
}

fn random_input(rng: &mut ChaCha8Rng, net: &Network) -> Vec<u8> {
    let max = net.input.max_value;
    let extreme = rng.random_bool(0.5);
    (0..net.input.size())
        .map(|_| {
            if extreme {
                // Worst cases sit at the range ends: probe them to stress the bounds.
                if rng.random_bool(0.5) { max as u8 } else { 0 }
            } else {
                rng.random_range(0..=max) as u8
            }
        })
        .collect()
}

/// The golden model against the reference on `inputs` random inputs of `net`: every layer's
/// spikes at every timestep and the scores (`what` names the network in a failure).
fn check_against_reference(net: &Network, input_seed: u64, inputs: usize, what: &str) -> Result<(), TestCaseError> {
    let golden = Golden::new(net).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(input_seed);
    for _ in 0..inputs {
        let input = random_input(&mut rng, net);
        let expected = reference(net, &input);
        let trace = golden.trace(&input).unwrap();
        for (l, per_t) in expected.spikes.iter().enumerate() {
            for (t, spikes) in per_t.iter().enumerate() {
                prop_assert_eq!(&trace.layers[l][t], spikes, "{}, layer {}, timestep {}", what, l, t);
            }
        }
        prop_assert_eq!(&trace.scores, &expected.scores, "{}", what);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400)))]
    #[test]
    fn golden_matches_reference_and_stays_in_bounds(seed in any::<u64>(), input_seed in any::<u64>()) {
        check_against_reference(&fuzz_network(seed), input_seed, 4, &format!("network seed {seed}"))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)))]
    #[test]
    fn golden_matches_reference_on_conv_networks(seed in any::<u64>(), input_seed in any::<u64>()) {
        check_against_reference(&fuzz_conv_network(seed), input_seed, 3, &format!("conv network seed {seed}"))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)))]
    /// The same networks with `leak:K` decays (drawn over them: the fuzz networks predate it).
    #[test]
    fn golden_matches_reference_with_leaky_decays(seed in any::<u64>(), input_seed in any::<u64>(), conv in any::<bool>()) {
        let (net, what) = if conv {
            (with_random_leaks(fuzz_conv_network(seed), seed), format!("leaky conv network seed {seed}"))
        } else {
            (with_random_leaks(fuzz_network(seed), seed), format!("leaky network seed {seed}"))
        };
        check_against_reference(&net, input_seed, 4, &what)?;
    }
}

#[test]
fn hand_computed_leak_example() {
    // Two readout neurons, weights 1 and -1, bias 0, leak:1, T = 4, input 10 every step:
    // membranes 10, 10 - 5 + 10 = 15, 15 - 7 + 10 = 18, 18 - 9 + 10 = 19 and -10,
    // -10 + 5 - 10 = -15, -15 + 8 - 10 = -17, -17 + 9 - 10 = -18 (v - floor(v / 2)).
    let text = r#"{"format": "spikeforge-model", "version": 1, "name": "leak", "timesteps": 4,
      "input": {"shape": [1], "max_value": 15, "code": "payload"},
      "layers": [{"name": "out",
         "op": {"dense": {"inputs": 1, "outputs": 2, "weight_bits": 2, "bias_bits": 2, "weights": [1, -1], "bias": [0, 0]}},
         "neuron": {"kind": "readout", "threshold_shift": 0, "decay": {"leak": 1}, "reset": "hard"}}],
      "provenance": {"trained": false, "generator": "hand"}}"#;
    let net = model::file::from_slice(text.as_bytes(), "leak.json").unwrap();
    assert_eq!(Golden::new(&net).unwrap().trace(&[10]).unwrap().scores, vec![19, -18]);
    assert_eq!(reference(&net, &[10]).scores, vec![19, -18]);
}

#[test]
fn accumulator_bound_is_reached_by_a_worst_case_input() {
    for seed in 0..200 {
        let net = fuzz_network(seed);
        let b = &analyze(&net)[0];
        let LayerOp::Dense(d) = &net.layers[0].op else { unreachable!("fuzz_network is dense") };
        let n = d.outputs as usize;
        // For every neuron, the input that maximises its sum: max where the weight is positive.
        let best = (0..n)
            .map(|j| {
                let input: Vec<u8> = (0..d.inputs as usize)
                    .map(|i| if d.weights[i * n + j] > 0 { net.input.max_value as u8 } else { 0 })
                    .collect();
                let golden = Golden::new(&net).unwrap();
                let events = golden.input_events(&input);
                events.iter().map(|e| e.multiplier as i64 * d.weights[e.source as usize * n + j] as i64).sum::<i64>()
            })
            .max()
            .unwrap();
        if net.layers[0].lateral.is_none() {
            assert_eq!(best, b.accumulator.hi.max(0), "seed {seed}");
        } else {
            // The accumulators also hold the lateral pass's sums: the hull of both.
            assert!(best <= b.accumulator.hi, "seed {seed}");
        }
    }
}

#[test]
fn hand_computed_example() {
    // Layer: 2 inputs -> 1 integer neuron, D = 3, θ = 4 (q = 2), decay >> 1, soft reset, T = 3.
    // Input (5, 2), weights (1, -1), bias 1: x = 1 + 5 - 2 = 4 every timestep.
    // t0: u = 0 + 4 = 4, s = (4 + 2) >> 2 = 1, stored = 0
    // t1: u = 0 + 4 = 4, s = 1, stored = 0   -> then a readout layer with weight 3 sums 3 per spike.
    let text = r#"{
      "format": "spikeforge-model", "version": 1, "name": "hand", "timesteps": 3,
      "input": {"shape": [2], "max_value": 7, "code": {"planes": [1, 2, 4]}},
      "layers": [
        {"name": "h", "op": {"dense": {"inputs": 2, "outputs": 1, "weight_bits": 3, "bias_bits": 3,
          "weights": [1, -1], "bias": [1]}},
         "neuron": {"kind": {"integer": {"max_spike": 3, "code": {"planes": [1, 2]}}},
                    "threshold_shift": 2, "decay": {"shift": 1}, "reset": "soft"}},
        {"name": "o", "op": {"dense": {"inputs": 1, "outputs": 2, "weight_bits": 3, "bias_bits": 2,
          "weights": [3, -2], "bias": [0, 1]}},
         "neuron": {"kind": "readout", "threshold_shift": 0, "decay": "keep", "reset": "hard"}}
      ]}"#;
    let net = model::file::from_slice(text.as_bytes(), "hand").unwrap();
    let golden = Golden::new(&net).unwrap();
    let trace = golden.trace(&[5, 2]).unwrap();
    assert_eq!(trace.layers[0], vec![vec![Spike { neuron: 0, value: 1 }]; 3]);
    // readout: u = Σ_t (bias + w·s) = 3·3 = 9 and 3·(1 - 2) = -3
    assert_eq!(trace.scores, vec![9, -3]);
    assert_eq!(trace.class, 0);
    // Events of the input: 5 = planes 0 and 2, 2 = plane 1.
    let ev: Vec<(u32, u8)> = golden.input_events(&[5, 2]).iter().map(|e| (e.source, e.plane)).collect();
    assert_eq!(ev, vec![(0, 0), (0, 2), (1, 1)]);
    let _ = SpikeCode::Payload;
}

#[test]
fn bad_inputs_are_typed_errors() {
    let net = model::examples::tiny_network();
    let golden = Golden::new(&net).unwrap();
    assert!(matches!(golden.trace(&[1, 2, 3]), Err(sim::SimError::InputLength { got: 3, expected: 6, .. })));
    let e = golden.trace(&[1, 2, 3, 4, 5, 200]).unwrap_err();
    assert_eq!(e.to_string(), "input 0: value 200 at position 5 exceeds the network's input maximum 15");
    // In a batch, the error names the input's position in it.
    let e = golden.trace_observed(&[1, 2, 3, 4, 5, 200], 7, &mut sim::golden::NoObserver).unwrap_err();
    assert!(e.to_string().starts_with("input 7: "), "{e}");
}

#[test]
fn hand_computed_lateral_example() {
    // Two binary neurons, θ = 4, input (1, 1) through W = [[4, 3], [0, 0]]: u1 = (4, 3), so
    // the provisional spikes are (1, 0). R lets neuron 0 add 2 to neuron 1: u = (4, 5), both
    // fire. Without R neuron 1 would stay silent. The readout weighs neuron 1 by 10.
    let text = r#"{
      "format": "spikeforge-model", "version": 1, "name": "lat", "timesteps": 1,
      "input": {"shape": [2], "max_value": 1, "code": {"planes": [1]}},
      "layers": [
        {"name": "h", "op": {"dense": {"inputs": 2, "outputs": 2, "weight_bits": 4, "bias_bits": 2,
          "weights": [4, 3, 0, 0], "bias": [0, 0]}},
         "neuron": {"kind": "binary_lif", "threshold_shift": 2, "decay": "keep", "reset": "hard"},
         "lateral": {"weight_bits": 3, "weights": [0, 2, 0, 0]}},
        {"name": "o", "op": {"dense": {"inputs": 2, "outputs": 1, "weight_bits": 5, "bias_bits": 2,
          "weights": [1, 10], "bias": [0]}},
         "neuron": {"kind": "readout", "threshold_shift": 0, "decay": "keep", "reset": "hard"}}
      ]}"#;
    let net = model::file::from_slice(text.as_bytes(), "lat").unwrap();
    let golden = Golden::new(&net).unwrap();
    let trace = golden.trace(&[1, 1]).unwrap();
    assert_eq!(trace.provisional[0], vec![vec![Spike { neuron: 0, value: 1 }]]);
    assert_eq!(trace.layers[0], vec![vec![Spike { neuron: 0, value: 1 }, Spike { neuron: 1, value: 1 }]]);
    assert_eq!(trace.scores, vec![11]);
    assert!(trace.provisional[1].is_empty());
    assert_eq!(reference(&net, &[1, 1]).scores, vec![11]);
    // The lateral weights are part of the bounds: 1 · 2 on top of u1 <= 4 + 3.
    let b = &analyze(&net)[0];
    assert_eq!(b.lateral, Some(model::bounds::IntRange { lo: 0, hi: 2 }));
}

#[test]
fn fuzz_networks_include_lateral_layers() {
    let with = (0..100).filter(|&s| fuzz_network(s).layers.iter().any(|l| l.lateral.is_some())).count();
    assert!(with > 20, "only {with} of 100 fuzz networks have a lateral layer");
}

#[test]
fn hand_computed_conv_example() {
    // Input 1x3x3 (values 0..=3):      conv 2x2, stride 1, no padding, 2 output channels,
    //   1 0 2                          W[ky][kx][o]: o0 = [[1, -1], [2, 0]], bias 1
    //   0 3 0                                        o1 = [[0, 1], [0, 0]], bias 0
    //   1 0 0                          binary, θ = 2, T = 1
    // o0: acc = (1, 4, -1, 3) -> u = (2, 5, 0, 4) -> spikes (1, 1, 0, 1)
    // o1: acc = u = (0, 2, 3, 0)                   -> spikes (0, 1, 1, 0)
    // Channel-major neuron numbers: 0, 1, 3 (o0) and 4 + 1, 4 + 2 (o1).
    // Sum pooling 2x2: (3, 2); max pooling: (1, 1). Readout = identity.
    let text = |pool: &str| {
        format!(
            r#"{{
      "format": "spikeforge-model", "version": 1, "name": "hc", "timesteps": 1,
      "input": {{"shape": [1, 3, 3], "max_value": 3, "code": {{"planes": [1, 2]}}}},
      "layers": [
        {{"name": "c", "op": {{"conv2d": {{"in_channels": 1, "in_height": 3, "in_width": 3, "out_channels": 2,
          "kernel": 2, "stride": 1, "padding": 0, "weight_bits": 3, "bias_bits": 2,
          "weights": [1, 0, -1, 1, 2, 0, 0, 0], "bias": [1, 0]}}}},
         "neuron": {{"kind": "binary_lif", "threshold_shift": 1, "decay": "clear", "reset": "hard"}}}},
        {{"name": "p", "op": {{"{pool}": {{"channels": 2, "in_height": 2, "in_width": 2, "kernel": 2}}}},
         "neuron": {{"kind": "binary_lif", "threshold_shift": 0, "decay": "keep", "reset": "hard"}}}},
        {{"name": "o", "op": {{"dense": {{"inputs": 2, "outputs": 2, "weight_bits": 2, "bias_bits": 2,
          "weights": [1, 0, 0, 1], "bias": [0, 0]}}}},
         "neuron": {{"kind": "readout", "threshold_shift": 0, "decay": "keep", "reset": "hard"}}}}
      ]}}"#
        )
    };
    let input = [1, 0, 2, 0, 3, 0, 1, 0, 0];
    let spike = |neuron, value| Spike { neuron, value };
    for (pool, pooled, scores) in [("sum_pool2d", vec![3, 2], vec![3, 2]), ("max_pool2d", vec![1, 1], vec![1, 1])] {
        let net = model::file::from_slice(text(pool).as_bytes(), "hc").unwrap();
        let trace = Golden::new(&net).unwrap().trace(&input).unwrap();
        let ones = [0, 1, 3, 5, 6].map(|j| spike(j, 1)).to_vec();
        assert_eq!(trace.layers[0], vec![ones], "{pool}");
        assert_eq!(trace.layers[1], vec![vec![spike(0, pooled[0]), spike(1, pooled[1])]], "{pool}");
        assert_eq!(trace.scores, scores, "{pool}");
        assert_eq!(reference(&net, &input).scores, scores, "{pool}");
    }
}

#[test]
fn conv_accumulator_bound_is_reached_without_padding() {
    // Output (o, 0, 0) of an unpadded conv sees every tap inside the input: the input that
    // is at its maximum where the tap's weight is positive reaches the channel's bound.
    let mut checked = 0;
    for seed in 0..300 {
        let net = fuzz_conv_network(seed);
        let LayerOp::Conv2d(c) = &net.layers[0].op else { continue };
        if c.padding != 0 {
            continue;
        }
        let b = &analyze(&net)[0];
        let golden = Golden::new(&net).unwrap();
        let k = c.kernel as usize;
        let best = (0..c.out_channels)
            .map(|o| {
                let mut input = vec![0u8; net.input.size()];
                for ch in 0..c.in_channels {
                    for ky in 0..k {
                        for kx in 0..k {
                            if c.weights[c.weight_index(ch, ky as u32, kx as u32, o)] > 0 {
                                input[(ch as usize * c.in_height as usize + ky) * c.in_width as usize + kx] =
                                    net.input.max_value as u8;
                            }
                        }
                    }
                }
                golden
                    .input_events(&input)
                    .iter()
                    .map(|e| {
                        let s = e.source as usize;
                        let (ch, y, x) = (
                            s / (c.in_height * c.in_width) as usize,
                            s / c.in_width as usize % c.in_height as usize,
                            s % c.in_width as usize,
                        );
                        e.multiplier as i64 * c.weights[c.weight_index(ch as u32, y as u32, x as u32, o)] as i64
                    })
                    .sum::<i64>()
            })
            .max()
            .unwrap();
        assert_eq!(best, b.accumulator.hi.max(0), "seed {seed}");
        checked += 1;
    }
    assert!(checked > 30, "only {checked} unpadded first conv layers");
}
