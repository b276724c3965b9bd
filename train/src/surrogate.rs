//! Spike functions with surrogate gradients, written with the straight-through trick:
//! `forward + (smooth - smooth.detach())` has the exact forward value and the smooth
//! function's gradient (tch has no custom autograd functions).

use tch::Tensor;

/// Slope of the sigmoid surrogate, in units of the threshold: `σ(k (u - θ) / θ)`.
pub const SLOPE: f64 = 4.0;

fn straight_through(exact: Tensor, smooth: Tensor) -> Tensor {
    exact + (&smooth - smooth.detach())
}

/// Heaviside `u >= θ` forward; gradient of `σ(SLOPE (u - θ) / θ)` (with respect to `u` and
/// to `θ`, so a learnable threshold trains).
pub fn heaviside(u: &Tensor, theta: &Tensor) -> Tensor {
    let exact = u.ge_tensor(theta).to_kind(u.kind());
    let smooth = ((u - theta) * (SLOPE / theta)).sigmoid();
    straight_through(exact, smooth)
}

/// Ternary `+1 if u >= θ, -1 if u <= -θ, else 0` forward; gradient of the difference of two
/// sigmoid surrogates.
pub fn ternary(u: &Tensor, theta: &Tensor) -> Tensor {
    let pos = u.ge_tensor(theta).to_kind(u.kind());
    let neg = u.le_tensor(&-theta).to_kind(u.kind());
    let smooth = ((u - theta) * (SLOPE / theta)).sigmoid() - ((-u - theta) * (SLOPE / theta)).sigmoid();
    straight_through(pos - neg, smooth)
}

/// LMS integer spike `clamp(round(u / θ), 0, D)` forward (round half up, as the integer
/// contract's `(u + θ/2) >> q`); straight-through gradient `1 / θ` where `0 <= u/θ <= D`,
/// 0 outside (the clamp's flat parts).
pub fn integer(u: &Tensor, theta: &Tensor, max_spike: f64) -> Tensor {
    let ratio = u / theta;
    let exact = (&ratio + 0.5).floor().clamp(0.0, max_spike);
    let smooth = ratio.clamp(0.0, max_spike);
    straight_through(exact, smooth)
}

#[cfg(test)]
mod tests {
    use tch::{Kind, Tensor};

    use super::*;

    fn grad_of(f: impl Fn(&Tensor) -> Tensor, at: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let u = Tensor::from_slice(at).to_kind(Kind::Double).set_requires_grad(true);
        let y = f(&u);
        y.sum(Kind::Double).backward();
        (Vec::<f64>::try_from(&y).unwrap(), Vec::<f64>::try_from(&u.grad()).unwrap())
    }

    fn numeric(f: impl Fn(f64) -> f64, x: f64) -> f64 {
        let h = 1e-6;
        (f(x + h) - f(x - h)) / (2.0 * h)
    }

    fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    #[test]
    fn heaviside_forward_is_exact_and_gradient_is_the_sigmoid_derivative() {
        let theta = Tensor::from(2.0f64);
        let at = [-1.0, 1.9, 2.0, 2.5, 7.0];
        let (y, g) = grad_of(|u| heaviside(u, &theta), &at);
        assert_eq!(y, vec![0.0, 0.0, 1.0, 1.0, 1.0]);
        for (x, g) in at.iter().zip(g) {
            let expected = numeric(|u| sigmoid(SLOPE * (u - 2.0) / 2.0), *x);
            assert!((g - expected).abs() < 1e-6, "at {x}: {g} vs {expected}");
        }
    }

    #[test]
    fn ternary_forward_is_exact_and_gradient_is_numerically_right() {
        let theta = Tensor::from(1.0f64);
        let at = [-3.0, -1.0, -0.5, 0.0, 0.99, 1.0, 4.0];
        let (y, g) = grad_of(|u| ternary(u, &theta), &at);
        assert_eq!(y, vec![-1.0, -1.0, 0.0, 0.0, 0.0, 1.0, 1.0]);
        for (x, g) in at.iter().zip(g) {
            let expected = numeric(|u| sigmoid(SLOPE * (u - 1.0)) - sigmoid(SLOPE * (-u - 1.0)), *x);
            assert!((g - expected).abs() < 1e-6, "at {x}: {g} vs {expected}");
        }
    }

    #[test]
    fn integer_spike_rounds_half_up_clamps_and_passes_the_gradient_straight_through() {
        let theta = Tensor::from(2.0f64);
        let at = [-3.0, 0.9, 1.0, 2.9, 3.0, 13.0, 20.0];
        let (y, g) = grad_of(|u| integer(u, &theta, 6.0), &at);
        // u/θ = -1.5, 0.45, 0.5, 1.45, 1.5, 6.5, 10 → round half up, clamp to 0..=6.
        assert_eq!(y, vec![0.0, 0.0, 1.0, 1.0, 2.0, 6.0, 6.0]);
        assert_eq!(g, vec![0.0, 0.5, 0.5, 0.5, 0.5, 0.0, 0.0]);
    }

    #[test]
    fn learnable_threshold_gets_a_gradient() {
        let theta = Tensor::from(1.5f64).set_requires_grad(true);
        let u = Tensor::from_slice(&[1.0f64, 1.4, 2.0]);
        heaviside(&u, &theta).sum(Kind::Double).backward();
        let g = theta.grad().double_value(&[]);
        // Raising the threshold lowers the (smooth) spike count.
        assert!(g < 0.0, "{g}");
    }
}
