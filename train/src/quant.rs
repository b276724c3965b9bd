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
    let limit = weight_limit(bits);
    let ratio = limit * theta / (a_in * max_abs_weight.max(1e-12));
    let q = ratio.log2().floor().clamp(0.0, model::MAX_THRESHOLD_SHIFT as f64) as u8;
    let unit = theta / (1u64 << q) as f64;
    LayerScale { weight_step: unit / a_in, unit, threshold_shift: q }
}

/// The scale of a readout layer: the largest weight uses all `bits`.
pub fn readout_scale(a_in: f64, max_abs_weight: f64, bits: u8) -> LayerScale {
    let weight_step = max_abs_weight.max(1e-12) / weight_limit(bits);
    LayerScale { weight_step, unit: a_in * weight_step, threshold_shift: 0 }
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
}
