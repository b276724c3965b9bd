//! Worst-case value ranges and the datapath widths that provably never overflow.
//!
//! Every input spike of a layer may independently take any value of its range at any
//! timestep, so the ranges below hold for every input, not just the calibration data.
//! Hardware sizes its accumulators and membranes from [`LayerBounds`]; the golden model
//! computes in `i64`, which validation guarantees is wider than all of them.

use crate::network::{Decay, LayerOp, Network, NeuronKind, Reset, SpikeRange};

/// Inclusive integer range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntRange {
    /// Smallest value.
    pub lo: i64,
    /// Largest value.
    pub hi: i64,
}

impl IntRange {
    /// The single value `v`.
    pub fn point(v: i64) -> IntRange {
        IntRange { lo: v, hi: v }
    }

    /// Smallest range containing both.
    pub fn union(self, other: IntRange) -> IntRange {
        IntRange { lo: self.lo.min(other.lo), hi: self.hi.max(other.hi) }
    }

    /// Whether `v` lies inside.
    pub fn contains(&self, v: i64) -> bool {
        self.lo <= v && v <= self.hi
    }

    /// Minimal two's-complement width holding every value of the range.
    ///
    /// ```
    /// use model::bounds::IntRange;
    /// assert_eq!(IntRange { lo: -128, hi: 127 }.bits(), 8);
    /// assert_eq!(IntRange { lo: 0, hi: 128 }.bits(), 9);
    /// assert_eq!(IntRange::point(0).bits(), 1);
    /// ```
    pub fn bits(&self) -> u32 {
        signed_bits(self.lo as i128, self.hi as i128)
    }
}

/// Minimal two's-complement width holding `lo..=hi`.
pub fn signed_bits(lo: i128, hi: i128) -> u32 {
    let mut b = 1u32;
    while b < 127 && (lo < -(1i128 << (b - 1)) || hi > (1i128 << (b - 1)) - 1) {
        b += 1;
    }
    b
}

/// Proven ranges of one layer's datapath.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerBounds {
    /// Values of the spikes this layer receives.
    pub input: SpikeRange,
    /// Every partial sum of `Σ multiplier · w` the accumulator holds within a timestep,
    /// over all neurons (the accumulator starts each timestep at 0), for the input events
    /// and, with lateral connections, also for the lateral pass (the same accumulators).
    pub accumulator: IntRange,
    /// With lateral connections: every partial sum of the lateral pass `Σ_k s1[k] · R[k][j]`
    /// (before the lateral shift; the accumulators hold it unshifted).
    pub lateral: Option<IntRange>,
    /// The input current `x = bias + accumulator`.
    pub current: IntRange,
    /// Every value the membrane datapath holds: `u`, `u + θ/2` (integer neurons), the
    /// post-reset membrane that is stored, and the decayed membrane, over all T timesteps;
    /// with lateral connections also the feedforward membrane `u1` (and `u1 + θ/2`) and the
    /// shifted lateral sum.
    pub membrane: IntRange,
    /// Range of the output score when this is the last layer (final membrane for readout
    /// layers, the sum of spike values `Σ_t s_t` otherwise).
    pub score: IntRange,
    /// `accumulator.bits()`.
    pub accumulator_bits: u32,
    /// `membrane.bits()`.
    pub membrane_bits: u32,
}

/// Bounds of every layer. Assumes the network's shapes are consistent (validation checks
/// shapes before calling this).
pub fn analyze(net: &Network) -> Vec<LayerBounds> {
    (0..net.layers.len()).map(|i| layer_bounds(net, i)).collect()
}

/// Bounds of layer `index`.
pub fn layer_bounds(net: &Network, index: usize) -> LayerBounds {
    let layer = &net.layers[index];
    let input = net.input_range_of(index);
    let (smin, smax) = (input.min as i128, input.max as i128);
    // Conv weights are rows `(c, ky, kx)` of `out_channels` each: a conv output position
    // sums at most every row once (padded or edge taps contribute 0, inside every term's
    // range since a spike range contains 0), so the dense fan-in bound per output channel
    // holds for every position of that channel.
    let (weights, bias, n): (&[i32], &[i32], usize) = match &layer.op {
        LayerOp::Dense(d) => (&d.weights, &d.bias, d.outputs as usize),
        LayerOp::Conv2d(c) => (&c.weights, &c.bias, c.out_channels as usize),
        LayerOp::SumPool2d(_) | LayerOp::MaxPool2d(_) => return pooling_bounds(net, index),
    };
    let (acc_lo, acc_hi) = sum_ranges(weights, n, (smin, smax));
    let hull_of = |lo: &[i128], hi: &[i128]| {
        (lo.iter().copied().min().unwrap_or(0).min(0), hi.iter().copied().max().unwrap_or(0).max(0))
    };
    let feedforward = hull_of(&acc_lo, &acc_hi);
    // The lateral pass: the layer's own provisional spikes (any value of its range) through R.
    let lateral = layer.lateral.as_ref().map(|lat| {
        let own = layer.neuron.kind.spike_range();
        sum_ranges(&lat.weights, n, (own.min as i128, own.max as i128))
    });
    let lateral_hull = lateral.as_ref().map(|(lo, hi)| hull_of(lo, hi));
    // The complete lateral sum, per neuron's range folded into one interval like the
    // feedforward current, times 2^shift.
    let lateral_current = lateral.as_ref().zip(layer.lateral.as_ref()).map(|((lo, hi), lat)| {
        let shift = lat.shift.min(100);
        (lo.iter().copied().min().unwrap_or(0) << shift, hi.iter().copied().max().unwrap_or(0) << shift)
    });
    let accumulator = match lateral_hull {
        Some(l) => (feedforward.0.min(l.0), feedforward.1.max(l.1)),
        None => feedforward,
    };
    let current = (0..n).fold((i128::MAX, i128::MIN), |(lo, hi), j| {
        let b = bias.get(j).copied().unwrap_or(0) as i128;
        (lo.min(b + acc_lo[j]), hi.max(b + acc_hi[j]))
    });
    let current = if n == 0 { (0, 0) } else { current };

    let neuron = &layer.neuron;
    let theta = 1i128 << neuron.threshold_shift;
    let half = theta >> 1;
    let timesteps = net.timesteps.max(1);
    let mut stored = (0i128, 0i128); // post-reset membrane before timestep 0
    let mut hull = stored;
    let widen = |h: &mut (i128, i128), r: (i128, i128)| {
        h.0 = h.0.min(r.0);
        h.1 = h.1.max(r.1);
    };
    for _ in 0..timesteps {
        let decayed = (decay128(neuron.decay, stored.0), decay128(neuron.decay, stored.1));
        widen(&mut hull, decayed);
        let mut u = (decayed.0 + current.0, decayed.1 + current.1);
        widen(&mut hull, u);
        if matches!(neuron.kind, NeuronKind::Integer { .. }) {
            widen(&mut hull, (u.0 + half, u.1 + half));
        }
        if let Some(lat) = lateral_current {
            // u1 (above, stored between the passes) plus the lateral current; the shifted
            // lateral sum is a datapath value of its own (sf_neuron adds it to u1).
            widen(&mut hull, lat);
            u = (u.0 + lat.0, u.1 + lat.1);
            widen(&mut hull, u);
            if matches!(neuron.kind, NeuronKind::Integer { .. }) {
                widen(&mut hull, (u.0 + half, u.1 + half));
            }
        }
        stored = reset_image(&neuron.kind, neuron.reset, neuron.threshold_shift, u);
        widen(&mut hull, stored);
    }
    let score = match neuron.kind {
        NeuronKind::Readout => hull,
        _ => {
            let r = neuron.kind.spike_range();
            (r.min as i128 * timesteps as i128, r.max as i128 * timesteps as i128)
        }
    };
    let clamp = |(lo, hi): (i128, i128)| IntRange { lo: sat(lo), hi: sat(hi) };
    LayerBounds {
        input,
        accumulator: clamp(accumulator),
        lateral: lateral_hull.map(clamp),
        current: clamp(current),
        membrane: clamp(hull),
        score: clamp(score),
        accumulator_bits: signed_bits(accumulator.0, accumulator.1),
        membrane_bits: signed_bits(hull.0, hull.1),
    }
}

/// A pooling layer has no accumulator and no membrane (both the single value 0, one bit);
/// its score range, when it is last, is `T` times its emitted range.
fn pooling_bounds(net: &Network, index: usize) -> LayerBounds {
    let out = net.output_range_of(index);
    let t = net.timesteps.max(1) as i64;
    LayerBounds {
        input: net.input_range_of(index),
        accumulator: IntRange::point(0),
        lateral: None,
        current: IntRange::point(0),
        membrane: IntRange::point(0),
        score: IntRange { lo: out.min as i64 * t, hi: out.max as i64 * t },
        accumulator_bits: 1,
        membrane_bits: 1,
    }
}

/// Per output `j`, the range of `Σ_i s_i · W[i][j]` over row-major weights with `n` outputs
/// when every `s_i` independently takes any value of `lo..=hi`.
fn sum_ranges(weights: &[i32], n: usize, (smin, smax): (i128, i128)) -> (Vec<i128>, Vec<i128>) {
    let mut lo = vec![0i128; n];
    let mut hi = vec![0i128; n];
    for row in weights.chunks(n.max(1)) {
        for (j, &w) in row.iter().enumerate() {
            let (a, b) = (smin * w as i128, smax * w as i128);
            lo[j] += a.min(b);
            hi[j] += a.max(b);
        }
    }
    (lo, hi)
}

fn sat(v: i128) -> i64 {
    v.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// `Decay::apply` in `i128`. The membrane loop above maps a range through it by its ends,
/// which is exact because every mode is monotone (non-decreasing): `v >> k` is
/// `floor(v / 2^k)` and `v - (v >> k)` is `ceil(v · (1 - 2^-k))`.
fn decay128(decay: Decay, v: i128) -> i128 {
    match decay {
        Decay::Keep => v,
        Decay::Clear => 0,
        Decay::Shift(k) => v >> k.min(126),
        Decay::Leak(k) => v - (v >> k.min(126)),
    }
}

/// The spike a membrane `u` fires (the integer contract's threshold rule).
// Inlined across crates: the golden model calls it once per neuron and timestep.
#[inline]
pub fn fire(kind: &NeuronKind, threshold_shift: u8, u: i64) -> i32 {
    let theta = 1i64 << threshold_shift;
    match kind {
        NeuronKind::BinaryLif => i32::from(u >= theta),
        NeuronKind::Ternary => {
            if u >= theta {
                1
            } else if u <= -theta {
                -1
            } else {
                0
            }
        }
        NeuronKind::Integer { max_spike, .. } => {
            let rounded = (u + (theta >> 1)) >> threshold_shift;
            rounded.clamp(0, *max_spike as i64) as i32
        }
        NeuronKind::Readout => 0,
    }
}

/// The membrane stored after firing `s` from `u`.
#[inline]
pub fn after_reset(reset: Reset, threshold_shift: u8, u: i64, s: i32) -> i64 {
    match reset {
        _ if s == 0 => u,
        Reset::Hard => 0,
        Reset::Soft => u - ((s as i64) << threshold_shift),
    }
}

/// Exact range of the post-reset membrane over `u` in `lo..=hi`: between two consecutive
/// points where the spike changes, the post-reset membrane is `u - s·θ` (slope 1) or 0, so
/// its extremes lie at the ends of those pieces.
fn reset_image(kind: &NeuronKind, reset: Reset, q: u8, (lo, hi): (i128, i128)) -> (i128, i128) {
    if matches!(kind, NeuronKind::Readout) {
        return (lo, hi);
    }
    let theta = 1i128 << q;
    let breaks: Vec<i128> = match kind {
        NeuronKind::BinaryLif => vec![theta],
        NeuronKind::Ternary => vec![-theta + 1, theta],
        NeuronKind::Integer { max_spike, .. } => (1..=*max_spike as i128).map(|k| k * theta - (theta >> 1)).collect(),
        NeuronKind::Readout => Vec::new(),
    };
    let mut candidates = vec![lo, hi];
    for b in breaks {
        if lo < b && b <= hi {
            candidates.push(b - 1);
            candidates.push(b);
        }
    }
    let eval = |u: i128| -> i128 {
        // Values beyond i64 only arise in files validation rejects; clamp keeps this total.
        let u64v = sat(u);
        let s = fire(kind, q, u64v);
        match reset {
            _ if s == 0 => u,
            Reset::Hard => 0,
            Reset::Soft => u - s as i128 * theta,
        }
    };
    candidates.into_iter().map(eval).fold((i128::MAX, i128::MIN), |(a, b), v| (a.min(v), b.max(v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::SpikeCode;
    use crate::network::*;

    fn one_layer(kind: NeuronKind, reset: Reset, decay: Decay, t: u32, w: Vec<i32>, b: Vec<i32>) -> Network {
        let outputs = b.len() as u32;
        let inputs = w.len() as u32 / outputs;
        Network::new(
            "t",
            t,
            Input { shape: vec![inputs], max_value: 3, code: SpikeCode::binary(3) },
            vec![Layer {
                name: "l".into(),
                op: LayerOp::Dense(Dense { inputs, outputs, weight_bits: 8, bias_bits: 8, weights: w, bias: b }),
                neuron: Neuron { kind, threshold_shift: 2, decay, reset },
                histogram: None,
                lateral: None,
            }],
        )
    }

    #[test]
    fn accumulator_range_is_exact() {
        // inputs 0..=3, weights [[2, -1], [-3, 4]]: neuron 0 in -9..=6, neuron 1 in -3..=12
        let net = one_layer(NeuronKind::Readout, Reset::Hard, Decay::Keep, 1, vec![2, -1, -3, 4], vec![1, -2]);
        let b = layer_bounds(&net, 0);
        assert_eq!(b.accumulator, IntRange { lo: -9, hi: 12 });
        assert_eq!(b.current, IntRange { lo: -8, hi: 10 });
        assert_eq!(b.accumulator_bits, 5);
    }

    #[test]
    fn readout_with_keep_integrates_over_time() {
        let net = one_layer(NeuronKind::Readout, Reset::Hard, Decay::Keep, 4, vec![2, -1, -3, 4], vec![1, -2]);
        let b = layer_bounds(&net, 0);
        assert_eq!(b.membrane, IntRange { lo: -32, hi: 40 });
        assert_eq!(b.score, b.membrane);
    }

    #[test]
    fn binary_soft_reset_bound_grows_with_time() {
        // θ = 4, x in 0..=6 (input 0..=3, weight 2): a binary spike removes only 4 per step,
        // so the stored membrane can climb by 2 a step: u_t <= 6 + 2t + (t > 0) ... = 21 at t = 7
        let net = one_layer(NeuronKind::BinaryLif, Reset::Soft, Decay::Keep, 8, vec![2], vec![0]);
        let b = layer_bounds(&net, 0);
        assert_eq!(b.membrane, IntRange { lo: 0, hi: 21 });
        let leaky = one_layer(NeuronKind::BinaryLif, Reset::Soft, Decay::Shift(1), 8, vec![2], vec![0]);
        assert!(layer_bounds(&leaky, 0).membrane.hi < 12);
        assert_eq!(b.score, IntRange { lo: 0, hi: 8 });
    }

    proptest::proptest! {
        /// What mapping the membrane range by its ends relies on: every decay is monotone,
        /// never moves a membrane away from 0, and agrees with the golden model's `i64` one.
        #[test]
        fn decays_are_monotone_and_shrink(a in -(1i64 << 40)..(1i64 << 40), d in 0i64..1000, k in 1u8..=31) {
            for decay in [Decay::Keep, Decay::Clear, Decay::Shift(k), Decay::Leak(k)] {
                let (lo, hi) = (decay128(decay, a as i128), decay128(decay, (a + d) as i128));
                proptest::prop_assert!(lo <= hi, "{decay}: decay({a}) = {lo} > decay({}) = {hi}", a + d);
                proptest::prop_assert!(lo.abs() <= (a as i128).abs() && lo * (a as i128) >= 0, "{decay}: {a} -> {lo}");
                proptest::prop_assert_eq!(lo, decay.apply(a) as i128);
            }
        }
    }

    #[test]
    fn leaky_membrane_bound_covers_every_stored_value() {
        // Exhaustive over a small layer: every reachable membrane lies inside the bound.
        for k in 1..=4 {
            let net = one_layer(NeuronKind::Ternary, Reset::Soft, Decay::Leak(k), 6, vec![3, -2], vec![1]);
            let b = layer_bounds(&net, 0);
            let keep =
                layer_bounds(&one_layer(NeuronKind::Ternary, Reset::Soft, Decay::Keep, 6, vec![3, -2], vec![1]), 0);
            assert!(keep.membrane.lo <= b.membrane.lo && b.membrane.hi <= keep.membrane.hi, "leak:{k} wider than keep");
            let mut states = vec![0i64];
            for _ in 0..6 {
                let mut next = Vec::new();
                for &stored in &states {
                    for (x0, x1) in (0..=3).flat_map(|x0| (0..=3).map(move |x1| (x0, x1))) {
                        let decayed = Decay::Leak(k).apply(stored);
                        let u = decayed + 1 + 3 * x0 - 2 * x1;
                        assert!(b.membrane.contains(decayed) && b.membrane.contains(u), "leak:{k}: {u} outside {b:?}");
                        let s = fire(&NeuronKind::Ternary, 2, u);
                        next.push(after_reset(Reset::Soft, 2, u, s));
                    }
                }
                next.sort_unstable();
                next.dedup();
                states = next;
            }
        }
    }

    #[test]
    fn fire_rules() {
        let int = NeuronKind::Integer { max_spike: 3, code: SpikeCode::binary(3) };
        // θ = 4: round(u / 4) half up, clamped to 0..=3
        let got: Vec<i32> = [-3, 1, 2, 5, 6, 13, 14, 100].iter().map(|&u| fire(&int, 2, u)).collect();
        assert_eq!(got, vec![0, 0, 1, 1, 2, 3, 3, 3]);
        assert_eq!(fire(&NeuronKind::Ternary, 2, -4), -1);
        assert_eq!(fire(&NeuronKind::Ternary, 2, -3), 0);
        assert_eq!(fire(&NeuronKind::BinaryLif, 2, 3), 0);
        assert_eq!(fire(&NeuronKind::BinaryLif, 2, 4), 1);
        assert_eq!(fire(&int, 0, 2), 2); // θ = 1: s = clamp(u)
        assert_eq!(after_reset(Reset::Soft, 2, 13, 3), 1);
        assert_eq!(after_reset(Reset::Hard, 2, 13, 3), 0);
        assert_eq!(after_reset(Reset::Hard, 2, 1, 0), 1);
    }
}
