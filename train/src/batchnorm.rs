//! Batch normalization of a hidden layer's synaptic current (`--batch-norm`), trained folded
//! so the exported model has no batch normalization and stays exact.
//!
//! Batch normalization `γ (z - μ) / σ + β` of the current `z = x·W + b` (per output channel
//! of a conv layer, per neuron of a dense layer) is affine, so with the running statistics
//! it is the layer itself with `W' = W · γ/σ` (per output channel) and
//! `b' = (b - μ) · γ/σ + β`. The network always fake-quantizes `W'` and `b'`, the weights
//! export writes, never `W` (folded-BN QAT, Jacob et al. 2018, Krishnamoorthi 2018):
//!
//! - with the running statistics (evaluation, and the frozen last epochs) the current is
//!   `x·Q(W') + Q(b')`, exactly what export quantizes: the integer model needs no
//!   batch-normalization step and the quantization scale (`q`, `Δ`, learnable threshold
//!   included) is chosen from `max |W'|`, as export chooses it;
//! - with the batch statistics (training before the freeze) the same `x·Q(W')` is rescaled
//!   by `σ_run / σ_batch` and shifted by `β + γ (b - μ_batch) / σ_batch`, which is the
//!   batch-normalized current up to the weights' rounding, with gradients through the batch
//!   statistics as batch normalization has them. The batch statistics come from a float
//!   pass with the unfolded `W` and update the running statistics.

use tch::{Kind, Tensor};

use crate::plan::PlannedOp;

/// Added to variances before the square root.
pub(crate) const EPSILON: f64 = 1e-5;

/// Weight of one batch in the running statistics.
pub(crate) const MOMENTUM: f64 = 0.1;

/// The last `epochs / FREEZE_FRACTION` epochs train with the running statistics, frozen: the
/// training forward is then the exported network's (up to the integer rounding of the
/// membrane), so the last updates tune the weights export writes.
pub(crate) const FREEZE_FRACTION: u32 = 5;

/// One layer's batch normalization: trainable `γ`, `β` and the running statistics, one
/// value per output channel (conv) or neuron (dense).
pub(crate) struct BatchNorm {
    pub gamma: Tensor,
    pub beta: Tensor,
    pub running_mean: Tensor,
    pub running_var: Tensor,
}

/// Mean and (biased) variance per channel of one layer's currents in one forward pass, over
/// the batch, the positions and the timesteps.
pub(crate) struct Moments {
    pub mean: Tensor,
    pub var: Tensor,
}

/// `[channels]` values spread over a layer's flat neurons (`[C'·H'·W']` channel-major for a
/// conv layer).
fn per_neuron(op: &PlannedOp, values: &Tensor) -> Tensor {
    match op {
        PlannedOp::Conv(c) => {
            values.repeat_interleave_self_int(c.output.height as i64 * c.output.width as i64, 0, None)
        }
        _ => values.shallow_clone(),
    }
}

/// Per channel mean and biased variance of currents `z` (`[batch, neurons]`).
pub(crate) fn moments(op: &PlannedOp, z: &Tensor) -> Moments {
    let (grouped, dims) = match op {
        PlannedOp::Conv(c) => (z.view([z.size()[0], c.output.channels as i64, -1]), vec![0i64, 2]),
        _ => (z.shallow_clone(), vec![0i64]),
    };
    let mean = grouped.mean_dim(dims.as_slice(), true, Kind::Float);
    let var = (&grouped - &mean).square().mean_dim(dims.as_slice(), false, Kind::Float);
    Moments { mean: mean.flatten(0, -1), var }
}

impl BatchNorm {
    /// `γ / σ_run` per channel.
    fn factor(&self) -> Tensor {
        &self.gamma / (&self.running_var + EPSILON).sqrt()
    }

    /// The layer's weights and biases with the running statistics folded in: `W · γ/σ` per
    /// output channel and `(b - μ) · γ/σ + β`.
    pub fn fold(&self, op: &PlannedOp, weight: &Tensor, bias: &Tensor) -> (Tensor, Tensor) {
        let k = self.factor();
        let w = match op {
            // [C_out, C_in, K, K]: the output channel is the first dimension.
            PlannedOp::Conv(_) => weight * k.view([-1, 1, 1, 1]),
            // [inputs, outputs]: broadcasts over the last dimension.
            _ => weight * &k,
        };
        let b = (bias - &self.running_mean) * &k + &self.beta;
        (w, b)
    }

    /// The batch-normalized current from `folded`, the current of the fake-quantized folded
    /// weights without bias, and this batch's `moments` of the unfolded current (whose bias
    /// is `bias`).
    pub fn with_batch_statistics(&self, op: &PlannedOp, folded: &Tensor, moments: &Moments, bias: &Tensor) -> Tensor {
        let sigma = (&moments.var + EPSILON).sqrt();
        let rescale = (&self.running_var + EPSILON).sqrt() / &sigma;
        let shift = &self.beta + &self.gamma * (bias - &moments.mean) / &sigma;
        folded * per_neuron(op, &rescale) + per_neuron(op, &shift)
    }

    /// Blend a pass's moments into the running statistics.
    pub fn update(&mut self, moments: &Moments) {
        tch::no_grad(|| {
            let mean = &self.running_mean * (1.0 - MOMENTUM) + moments.mean.detach() * MOMENTUM;
            let var = &self.running_var * (1.0 - MOMENTUM) + moments.var.detach() * MOMENTUM;
            self.running_mean.copy_(&mean);
            self.running_var.copy_(&var);
        });
    }
}

/// Moments over several timesteps from each timestep's moments (equal counts): the mean of
/// the means, and the mean of the second moments minus the squared mean.
pub(crate) fn pooled(steps: &[Moments]) -> Option<Moments> {
    let n = steps.len() as f64;
    let first = steps.first()?;
    let (mut mean, mut square) = (first.mean.zeros_like(), first.mean.zeros_like());
    for m in steps {
        mean += m.mean.detach() / n;
        square += (&m.var + m.mean.square()).detach() / n;
    }
    let var = (&square - mean.square()).clamp_min(0.0);
    Some(Moments { mean, var })
}

#[cfg(test)]
mod tests {
    use tch::Device;

    use super::*;
    use crate::plan;
    use crate::snn::current;

    fn uniform(shape: &[i64], lo: f64, hi: f64) -> Tensor {
        Tensor::rand(shape, (Kind::Float, Device::Cpu)) * (hi - lo) + lo
    }

    /// The float definitions, before any quantization, for a conv layer (per channel) and a
    /// dense layer (per neuron): the folded layer is batch normalization with the running
    /// statistics, and the rescaled folded current is batch normalization with the batch's.
    #[test]
    fn folding_is_batch_normalization() {
        tch::manual_seed(11);
        let ops = plan::from_arch(&"c3k3p1-fc4".parse().unwrap(), &[2, 5, 4], 4).unwrap();
        for (op, weight_shape, channels) in [(&ops[0], vec![3i64, 2, 3, 3], 3i64), (&ops[1], vec![60, 4], 4)] {
            let x = uniform(&[6, if channels == 3 { 40 } else { 60 }], 0.0, 1.0);
            let (w, b) = (uniform(&weight_shape, -0.5, 0.5), uniform(&[channels], -0.2, 0.2));
            let bn = BatchNorm {
                gamma: uniform(&[channels], 0.5, 2.0),
                beta: uniform(&[channels], -0.3, 0.3),
                running_mean: uniform(&[channels], -0.3, 0.3),
                running_var: uniform(&[channels], 0.2, 2.0),
            };
            let z = current(op, &x, &w, &b);
            let normalize = |mean: &Tensor, var: &Tensor| {
                let k = &bn.gamma / (var + EPSILON).sqrt();
                let shift = &bn.beta - mean * &k;
                &z * per_neuron(op, &k) + per_neuron(op, &shift)
            };
            let (wf, bf) = bn.fold(op, &w, &b);
            let close = |a: &Tensor, b: &Tensor| (a - b).abs().max().double_value(&[]) < 1e-5;
            assert!(close(&current(op, &x, &wf, &bf), &normalize(&bn.running_mean, &bn.running_var)));

            let batch = moments(op, &z);
            let folded = current(op, &x, &wf, &bf.zeros_like());
            let expected = normalize(&batch.mean, &batch.var);
            assert!(close(&bn.with_batch_statistics(op, &folded, &batch, &b), &expected));
            // Normalized by the batch: zero mean, unit variance per channel before γ and β.
            let standard = moments(op, &((&expected - per_neuron(op, &bn.beta)) / per_neuron(op, &bn.gamma)));
            assert!(standard.mean.abs().max().double_value(&[]) < 1e-5);
            assert!((standard.var - 1.0).abs().max().double_value(&[]) < 1e-3);
        }
    }

    #[test]
    fn moments_over_timesteps_are_the_moments_of_all_values() {
        let op = PlannedOp::Dense { inputs: 1, outputs: 2 };
        let (a, b) = (uniform(&[5, 2], -1.0, 3.0), uniform(&[5, 2], 0.0, 1.0));
        let pooled = pooled(&[moments(&op, &a), moments(&op, &b)]).unwrap();
        let all = moments(&op, &Tensor::cat(&[a, b], 0));
        assert!((pooled.mean - all.mean).abs().max().double_value(&[]) < 1e-5);
        assert!((pooled.var - all.var).abs().max().double_value(&[]) < 1e-5);
        assert!(super::pooled(&[]).is_none());
    }
}
