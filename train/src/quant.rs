//! Quantization shared by training (fake-quant) and export, so the exported integers are what
//! was trained.
//!
//! The integer unit of a layer's membrane ties everything together. Layer `l` receives
//! spikes whose integer value `s` stands for the float `a_in · s` (`a_in` = 1/255 for pixels,
//! 1 for binary and LMS spikes, the trained amplitude `α` for ternary ones). With float
//! threshold `θ` and integer threshold `2^q`, one membrane unit is `U = θ / 2^q`, so the
//! weight step is `Δ = U / a_in` and the bias step is `U`. `q` is the largest shift that keeps
//! the largest weight within `B` bits: the threshold becomes the power of two the hardware
//! compares with, and the float and integer networks differ only by rounding.
//!
//! A layer with lateral connections `R` (its own provisional spikes back into its membrane)
//! sends spikes whose integer value `s` stands for `a_out · s` (`a_out` = the layer's own
//! spike value), so its lateral weight step is `U / a_out`, and `q` must keep both the
//! largest input weight and the largest lateral weight within `B` bits.
//!
//! A readout layer has no threshold: its unit is chosen so the largest weight uses the full
//! `B` bits (the scores only need the right order).

/// The largest integer weight magnitude of a `bits`-bit symmetric weight.
pub fn weight_limit(bits: u8) -> f64 {
    ((1i64 << (bits - 1)) - 1) as f64
}

/// How one layer maps floats to integers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerScale {
    /// Float value of one integer weight step, `Δ`.
    pub weight_step: f64,
    /// Float value of one membrane unit, `U = a_in · Δ` (also the bias step).
    pub unit: f64,
    /// Threshold shift `q` (`θ_int = 2^q`); 0 for a readout layer.
    pub threshold_shift: u8,
    /// The grid of the layer's lateral weights, for a layer with lateral connections.
    pub lateral: Option<LateralGrid>,
}

/// How a layer's lateral weights map to integers: one integer step is `step` in float and
/// the hardware shifts the lateral sum left by `shift` (`step = U · 2^shift / a_out`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LateralGrid {
    /// Float value of one integer lateral weight step.
    pub step: f64,
    /// The model file's `lateral.shift`.
    pub shift: u8,
}

/// A layer's lateral connections as the scale sees them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LateralRange {
    /// Float value `a_out` of one integer spike of the layer's own output.
    pub spike_value: f64,
    /// Largest float lateral weight magnitude.
    pub max_abs_weight: f64,
}

/// The scale of a spiking layer with float threshold `theta`, input spike value `a_in` and
/// largest float weight magnitude `max_abs_weight`.
///
/// ```
/// use train::quant::spiking_scale;
/// // θ = 1, pixels (a_in = 1/255), largest weight 0.5, 8 bits: Δ = θ / (2^q a_in) = 255 / 2^q
/// // and 0.5 / Δ <= 127, so 2^q <= 127 · 255 / 0.5 = 64,770 → q = 15.
/// let s = spiking_scale(1.0, 1.0 / 255.0, 0.5, 8);
/// assert_eq!(s.threshold_shift, 15);
/// // Binary spikes in (a_in = 1), largest weight 0.05: 2^q <= 127 / 0.05 = 2540 → q = 11.
/// let s = spiking_scale(1.0, 1.0, 0.05, 8);
/// assert_eq!(s.threshold_shift, 11);
/// assert!((s.unit - 1.0 / 2048.0).abs() < 1e-12);
/// ```
pub fn spiking_scale(theta: f64, a_in: f64, max_abs_weight: f64, bits: u8) -> LayerScale {
    lateral_scale(theta, a_in, max_abs_weight, None, bits)
}

/// [`spiking_scale`] of a layer that may have lateral connections: `q` comes from the input
/// weights alone, and the lateral weights get their own power-of-two grid on the same
/// membrane unit, `U · 2^p / a_out` with the smallest `p` that keeps `max|R|` within `bits`
/// (the model file's `lateral.shift`). Sharing `q` instead would tie `R` to the unit the
/// pixel-fed weights choose, where B-bit lateral weights could only nudge the membrane
/// (measured: at most 7/1024 θ per spike at 4 bits, and no accuracy gain on MNIST).
///
/// ```
/// use train::quant::{LateralRange, lateral_scale, spiking_scale};
/// // θ = 1, binary spikes in and out (a_in = a_out = 1), 8 bits: the input weights (largest
/// // 0.05) give q = 11, U = 1/2048. A lateral weight of 0.2 is 409.6 units: 2^p >= 409.6 / 127
/// // → p = 2, one lateral step = 4/2048.
/// let lateral = LateralRange { spike_value: 1.0, max_abs_weight: 0.2 };
/// let s = lateral_scale(1.0, 1.0, 0.05, Some(lateral), 8);
/// assert_eq!(s.threshold_shift, spiking_scale(1.0, 1.0, 0.05, 8).threshold_shift);
/// let grid = s.lateral.unwrap();
/// assert_eq!((grid.shift, grid.step), (2, 4.0 / 2048.0));
/// // Small lateral weights need no shift.
/// let small = LateralRange { spike_value: 1.0, max_abs_weight: 0.01 };
/// assert_eq!(lateral_scale(1.0, 1.0, 0.05, Some(small), 8).lateral.unwrap().shift, 0);
/// ```
pub fn lateral_scale(
    theta: f64,
    a_in: f64,
    max_abs_weight: f64,
    lateral: Option<LateralRange>,
    bits: u8,
) -> LayerScale {
    let limit = weight_limit(bits);
    let ratio = limit * theta / (a_in * max_abs_weight.max(1e-12));
    let q = ratio.log2().floor().clamp(0.0, model::MAX_THRESHOLD_SHIFT as f64) as u8;
    let unit = theta / (1u64 << q) as f64;
    let lateral = lateral.map(|r| {
        let need = r.spike_value * r.max_abs_weight / (limit * unit);
        let shift = if need > 1.0 { need.log2().ceil().min(model::MAX_THRESHOLD_SHIFT as f64) as u8 } else { 0 };
        LateralGrid { step: unit * (1u64 << shift) as f64 / r.spike_value, shift }
    });
    LayerScale { weight_step: unit / a_in, unit, threshold_shift: q, lateral }
}

/// The scale of a readout layer: the largest weight uses all `bits`.
pub fn readout_scale(a_in: f64, max_abs_weight: f64, bits: u8) -> LayerScale {
    let weight_step = max_abs_weight.max(1e-12) / weight_limit(bits);
    LayerScale { weight_step, unit: a_in * weight_step, threshold_shift: 0, lateral: None }
}

/// Float weight to its integer (round half away from zero, then saturate).
pub fn quantize(value: f64, step: f64, limit: f64) -> i64 {
    (value / step).round().clamp(-limit, limit) as i64
}

/// Bits of the smallest two's-complement width holding every value (at least 2).
pub fn signed_bits(values: impl IntoIterator<Item = i64>) -> u8 {
    let (lo, hi) = values.into_iter().fold((0i64, 0i64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    model::bounds::signed_bits(lo.into(), hi.into()).max(2) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_widths() {
        assert_eq!(signed_bits([0, 1]), 2);
        assert_eq!(signed_bits([-2, 1]), 2);
        assert_eq!(signed_bits([2]), 3);
        assert_eq!(signed_bits([-129]), 9);
        assert_eq!(signed_bits([127, -128]), 8);
    }

    #[test]
    fn the_largest_weight_fits_and_uses_at_least_half_the_range() {
        for &(theta, a_in, w) in &[(1.0, 1.0, 0.05), (0.7, 0.3, 1.3), (2.0, 1.0 / 255.0, 0.01)] {
            let s = spiking_scale(theta, a_in, w, 6);
            let q = quantize(w, s.weight_step, weight_limit(6));
            assert!(q.abs() <= 31, "{q}");
            if s.threshold_shift > 0 && s.threshold_shift < model::MAX_THRESHOLD_SHIFT {
                assert!(q.abs() >= 15, "{theta} {a_in} {w}: {q}");
            }
            assert!((s.unit * (1u64 << s.threshold_shift) as f64 - theta).abs() < 1e-9);
        }
    }

    #[test]
    fn lateral_weights_get_their_own_grid_and_leave_q_alone() {
        for &(theta, a_in, w, a_out, r) in &[
            (1.0, 1.0, 0.05, 1.0, 0.3),
            (0.7, 0.3, 1.3, 0.4, 9.0),
            (0.42, 1.0 / 255.0, 0.7, 1.0, 0.002),
            (0.42, 1.0 / 255.0, 0.7, 1.0, 0.3),
        ] {
            let plain = spiking_scale(theta, a_in, w, 4);
            assert_eq!(plain, lateral_scale(theta, a_in, w, None, 4));
            let s = lateral_scale(theta, a_in, w, Some(LateralRange { spike_value: a_out, max_abs_weight: r }), 4);
            assert_eq!((s.threshold_shift, s.unit), (plain.threshold_shift, plain.unit));
            let grid = s.lateral.unwrap();
            assert!((grid.step * a_out - s.unit * (1u64 << grid.shift) as f64).abs() < 1e-12);
            let lateral = (r / grid.step).round();
            assert!(lateral.abs() <= 7.0, "{lateral}");
            if grid.shift > 0 {
                // The smallest shift: one less and the largest weight would not fit.
                assert!(r / (grid.step / 2.0) > 7.0, "{theta} {r}: shift {} not minimal", grid.shift);
            }
        }
    }
}
