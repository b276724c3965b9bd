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
    /// Float value of one integer lateral weight step, `U / a_out`, for a layer with lateral
    /// connections; `None` otherwise.
    pub lateral_step: Option<f64>,
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

/// [`spiking_scale`] of a layer that may have lateral connections: `q` is the largest shift
/// that keeps both the largest input weight (`max_abs_weight / Δ`) and the largest lateral
/// weight (`max|R| · a_out / U`) within `bits`. Without `lateral` it is [`spiking_scale`].
///
/// ```
/// use train::quant::{LateralRange, lateral_scale, spiking_scale};
/// // Binary spikes in and out (a_in = a_out = 1), θ = 1, 8 bits. Input weights alone
/// // allow q = 11 (largest 0.05); a lateral weight of 0.2 needs 2^q <= 127 / 0.2 = 635 → q = 9.
/// let lateral = LateralRange { spike_value: 1.0, max_abs_weight: 0.2 };
/// let s = lateral_scale(1.0, 1.0, 0.05, Some(lateral), 8);
/// assert_eq!(s.threshold_shift, 9);
/// assert_eq!(s.lateral_step, Some(1.0 / 512.0));
/// // Small lateral weights leave the input weights' scale as it is.
/// let small = LateralRange { spike_value: 1.0, max_abs_weight: 0.01 };
/// let s = lateral_scale(1.0, 1.0, 0.05, Some(small), 8);
/// assert_eq!(s.threshold_shift, spiking_scale(1.0, 1.0, 0.05, 8).threshold_shift);
/// ```
pub fn lateral_scale(
    theta: f64,
    a_in: f64,
    max_abs_weight: f64,
    lateral: Option<LateralRange>,
    bits: u8,
) -> LayerScale {
    let limit = weight_limit(bits);
    let widest = lateral.map_or(0.0, |r| r.spike_value * r.max_abs_weight);
    let ratio = limit * theta / (a_in * max_abs_weight.max(1e-12)).max(widest);
    let q = ratio.log2().floor().clamp(0.0, model::MAX_THRESHOLD_SHIFT as f64) as u8;
    let unit = theta / (1u64 << q) as f64;
    LayerScale {
        weight_step: unit / a_in,
        unit,
        threshold_shift: q,
        lateral_step: lateral.map(|r| unit / r.spike_value),
    }
}

/// The scale of a readout layer: the largest weight uses all `bits`.
pub fn readout_scale(a_in: f64, max_abs_weight: f64, bits: u8) -> LayerScale {
    let weight_step = max_abs_weight.max(1e-12) / weight_limit(bits);
    LayerScale { weight_step, unit: a_in * weight_step, threshold_shift: 0, lateral_step: None }
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
    fn lateral_weights_fit_too_and_no_lateral_changes_nothing() {
        for &(theta, a_in, w, a_out, r) in
            &[(1.0, 1.0, 0.05, 1.0, 0.3), (0.7, 0.3, 1.3, 0.4, 9.0), (0.42, 1.0 / 255.0, 0.7, 1.0, 0.002)]
        {
            let plain = spiking_scale(theta, a_in, w, 4);
            let none = lateral_scale(theta, a_in, w, None, 4);
            assert_eq!(plain, none);
            let zero = lateral_scale(theta, a_in, w, Some(LateralRange { spike_value: a_out, max_abs_weight: 0.0 }), 4);
            assert_eq!(zero.threshold_shift, plain.threshold_shift);
            let s = lateral_scale(theta, a_in, w, Some(LateralRange { spike_value: a_out, max_abs_weight: r }), 4);
            let step = s.lateral_step.unwrap();
            assert!((step * a_out - s.unit).abs() < 1e-15);
            assert!(quantize(w, s.weight_step, weight_limit(4)).abs() <= 7);
            let lateral = (r / step).round();
            assert!(lateral.abs() <= 7.0, "{lateral}");
            if s.threshold_shift > 0 && s.threshold_shift < plain.threshold_shift {
                // The lateral matrix set q: its largest weight uses at least half the range.
                assert!(lateral.abs() >= 3.0, "{theta} {r}: {lateral}");
            }
        }
    }
}
