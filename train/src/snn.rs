//! The float network trained with BPTT: dense and conv layers with fake-quantized weights
//! and biases (`quant`), hidden spiking neurons with surrogate gradients (`surrogate`),
//! pooling layers, and a readout layer whose membrane after T timesteps, divided by T, gives
//! the logits.
//!
//! Values travel flat, `[batch, C·H·W]` in the contract's channel-major order; a conv or
//! pooling layer views them as `[batch, C, H, W]`. Pooling works on the integer spike values
//! of the layer feeding it (sum, or max over signed values) and then multiplies by that
//! layer's spike value, as the integer contract pools spikes, not currents.
//!
//! A hidden layer may have a lateral matrix `R` (`--lateral`), run as the integer contract
//! runs it, in two passes per timestep: `u1 = decay(v) + b + x·W`, provisional spikes
//! `s1 = spike(u1)` (surrogate gradient, no reset), `u = u1 + (a_out · s1)·R`, then the
//! emitted spike and the reset from `u`. `R` is fake-quantized on the lateral grid of
//! [`quant::lateral_scale`], so `a_out · s1 · R` is `U · 2^shift ·` the integer lateral sum.
//!
//! A hidden layer may batch-normalize its current (`--batch-norm`): its weights and biases
//! are then always used folded with the running statistics ([`Snn::folded`], what export
//! quantizes), and in training before the freeze rescaled to the batch's statistics
//! ([`crate::batchnorm`]).

use model::{Decay, Reset};
use tch::nn::{self, VarStore};
use tch::{Device, Kind, Tensor};

use crate::batchnorm::{self, BatchNorm, Moments};
use crate::config::{NeuronChoice, TrainConfig};
use crate::plan::PlannedOp;
use crate::quant::{self, LateralRange, LayerScale};
use crate::surrogate;

/// Largest integer bias magnitude used in training (24-bit biases).
pub(crate) const BIAS_LIMIT: f64 = ((1i64 << 23) - 1) as f64;

/// What a layer's neurons are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LayerKind {
    /// Spiking hidden layer.
    Hidden(NeuronChoice),
    /// Output layer: integrates, never fires.
    Readout,
    /// Pooling: passes the feeding layer's spikes on, pooled; no neurons.
    Pool,
}

/// LMS: the learned spike maximum of one layer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LmsState {
    /// Sliding estimate of the layer's largest `u / θ` (a high quantile per minibatch,
    /// blended with the decay balancing coefficient).
    pub running_max: Option<f64>,
    /// The spike maximum `D` in use.
    pub max_spike: u32,
}

/// One layer and its neurons.
pub(crate) struct FloatLayer {
    pub name: String,
    pub kind: LayerKind,
    /// What the layer computes and its shapes.
    pub op: PlannedOp,
    /// Dense `[inputs, outputs]`; conv `[C_out, C_in, K, K]`; empty for pooling.
    pub weight: Tensor,
    /// Dense `[outputs]`; conv `[C_out]` (one per channel); empty for pooling.
    pub bias: Tensor,
    /// Lateral connections `R` `[outputs, outputs]` (row = source neuron) when trained.
    pub lateral: Option<Tensor>,
    /// `ln θ` when the threshold is learned.
    pub log_theta: Option<Tensor>,
    /// Ternary spike amplitude `α`.
    pub amplitude: Option<Tensor>,
    pub lms: Option<LmsState>,
    /// Batch normalization of the current, folded into `weight` and `bias` ([`batchnorm`]).
    pub batch_norm: Option<BatchNorm>,
}

/// The network under training.
pub(crate) struct Snn {
    pub vs: VarStore,
    pub layers: Vec<FloatLayer>,
    pub timesteps: u32,
    pub weight_bits: u8,
    pub decay: Decay,
    pub reset: Reset,
    pub max_spike_cap: u32,
}

/// What a forward pass returns besides the logits.
pub(crate) struct ForwardStats {
    /// Per hidden layer: mean spike magnitude per neuron and timestep.
    pub spike_rate: Vec<f64>,
    /// Per hidden layer: a high quantile of `u / θ` this batch (LMS layers only).
    pub membrane_quantile: Vec<Option<f64>>,
    /// Per layer: this batch's moments of the unfolded current (batch-normalized layers
    /// running on batch statistics only).
    pub batch_norm: Vec<Option<Moments>>,
}

/// Where batch-normalized layers take their statistics from (no effect without them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Statistics {
    /// This batch's, as batch normalization trains.
    Batch,
    /// The running statistics folded into the weights: the exported network's computation.
    Running,
}

fn fake_quant(x: &Tensor, step: f64, limit: f64) -> Tensor {
    let q = (x / step).round().clamp(-limit, limit) * step;
    x + (q - x).detach()
}

/// Layer `layer`'s spike function of membrane `u` (surrogate gradient), as integer spike
/// values (before the ternary amplitude).
fn spike(layer: &FloatLayer, u: &Tensor, theta: &Tensor) -> Tensor {
    match layer.kind {
        LayerKind::Hidden(NeuronChoice::Binary) => surrogate::heaviside(u, theta),
        LayerKind::Hidden(NeuronChoice::Ternary) => surrogate::ternary(u, theta),
        LayerKind::Hidden(NeuronChoice::Lms) => {
            let d = layer.lms.as_ref().map_or(1, |s| s.max_spike) as f64;
            surrogate::integer(u, theta, d)
        }
        LayerKind::Readout | LayerKind::Pool => unreachable!("readout and pooling layers never fire"),
    }
}

/// Input currents of a dense or conv layer for the flat input `x` (`[batch, inputs]`).
pub(crate) fn current(op: &PlannedOp, x: &Tensor, w: &Tensor, b: &Tensor) -> Tensor {
    match op {
        PlannedOp::Dense { .. } => x.matmul(w) + b,
        PlannedOp::Conv(c) => {
            let (s, p) = (c.stride as i64, c.padding as i64);
            image(x, c.input).conv2d(w, Some(b), [s, s], [p, p], [1, 1], 1).flatten(1, -1)
        }
        PlannedOp::SumPool(_) | PlannedOp::MaxPool(_) => unreachable!("pooling has no current"),
    }
}

/// `[batch, C·H·W]` viewed as `[batch, C, H, W]`.
fn image(x: &Tensor, shape: model::Shape3) -> Tensor {
    x.view([-1, shape.channels as i64, shape.height as i64, shape.width as i64])
}

/// Pooled integer spike values, flat: the window sum (exact for integers) or maximum.
fn pool(op: &PlannedOp, spikes: &Tensor) -> Tensor {
    let (p, sum) = match op {
        PlannedOp::SumPool(p) => (p, true),
        PlannedOp::MaxPool(p) => (p, false),
        _ => unreachable!("only pooling layers pool"),
    };
    let k = p.kernel as i64;
    let (c, h, w) = (p.channels as i64, p.in_height as i64, p.in_width as i64);
    let windows = spikes.view([-1, c, h / k, k, w / k, k]);
    let pooled = if sum {
        windows.sum_dim_intlist([3i64, 5].as_slice(), false, Kind::Float)
    } else {
        windows.amax([3i64, 5], false)
    };
    pooled.flatten(1, -1)
}

impl Snn {
    /// The MLP of `cfg.hidden` on `inputs` values with a readout of `classes`.
    #[cfg(test)]
    pub fn new(cfg: &TrainConfig, inputs: usize, classes: usize) -> Snn {
        Snn::build(cfg, crate::plan::dense(&cfg.hidden, inputs, classes))
    }

    /// The network of `ops` (the last one is the readout layer).
    pub fn build(cfg: &TrainConfig, ops: Vec<PlannedOp>) -> Snn {
        let vs = VarStore::new(Device::Cpu);
        let root = vs.root();
        let count = ops.len();
        let mut layers = Vec::new();
        for (i, op) in ops.into_iter().enumerate() {
            let last = i + 1 == count;
            if op.is_pooling() {
                let empty = Tensor::zeros([0], (Kind::Float, Device::Cpu));
                layers.push(FloatLayer {
                    name: format!("pool{}", i + 1),
                    kind: LayerKind::Pool,
                    op,
                    weight: empty.shallow_clone(),
                    bias: empty,
                    lateral: None,
                    log_theta: None,
                    amplitude: None,
                    lms: None,
                    batch_norm: None,
                });
                continue;
            }
            let (shape, fan_in, outputs): (Vec<i64>, i64, i64) = match &op {
                PlannedOp::Dense { inputs, outputs } => {
                    (vec![*inputs as i64, *outputs as i64], *inputs as i64, *outputs as i64)
                }
                PlannedOp::Conv(c) => {
                    let (k, cin, cout) = (c.kernel as i64, c.input.channels as i64, c.output.channels as i64);
                    (vec![cout, cin, k, k], cin * k * k, cout)
                }
                _ => unreachable!("pooling handled above"),
            };
            let bound = (6.0 / fan_in as f64).sqrt();
            let weight = root.var(&format!("w{i}"), &shape, nn::Init::Uniform { lo: -bound, up: bound });
            let bias = root.var(&format!("b{i}"), &[outputs], nn::Init::Const(0.0));
            // Zeros: training starts as the plain network and R grows where its gradient leads.
            // Dense layers only: a conv layer's (C'·H'·W')² matrix has no spatial structure
            // (the model file refuses it).
            let dense = matches!(op, PlannedOp::Dense { .. });
            let lateral = (!last && cfg.lateral && dense)
                .then(|| root.var(&format!("r{i}"), &[outputs, outputs], nn::Init::Const(0.0)));
            let kind = if last { LayerKind::Readout } else { LayerKind::Hidden(cfg.neuron) };
            let log_theta = (!last && cfg.learnable_threshold)
                .then(|| root.var(&format!("log_theta{i}"), &[], nn::Init::Const(0.0)));
            let amplitude = (!last && cfg.neuron == NeuronChoice::Ternary)
                .then(|| root.var(&format!("alpha{i}"), &[], nn::Init::Const(1.0)));
            let lms = (!last && cfg.neuron == NeuronChoice::Lms)
                .then(|| LmsState { running_max: None, max_spike: cfg.max_spike_cap.min(4) });
            let batch_norm = (!last && cfg.batch_norm).then(|| BatchNorm {
                gamma: root.var(&format!("gamma{i}"), &[outputs], nn::Init::Const(1.0)),
                beta: root.var(&format!("beta{i}"), &[outputs], nn::Init::Const(0.0)),
                running_mean: Tensor::zeros([outputs], (Kind::Float, Device::Cpu)),
                running_var: Tensor::ones([outputs], (Kind::Float, Device::Cpu)),
            });
            let name = match op {
                _ if last => "out".into(),
                PlannedOp::Conv(_) => format!("conv{}", i + 1),
                _ => format!("fc{}", i + 1),
            };
            layers.push(FloatLayer { name, kind, op, weight, bias, lateral, log_theta, amplitude, lms, batch_norm });
        }
        Snn {
            vs,
            layers,
            timesteps: cfg.timesteps,
            weight_bits: cfg.weight_bits,
            decay: cfg.decay,
            reset: cfg.reset,
            max_spike_cap: cfg.max_spike_cap,
        }
    }

    /// The float threshold of layer `l` (1 unless learned).
    pub fn theta(&self, l: usize) -> Tensor {
        match &self.layers[l].log_theta {
            Some(t) => t.exp(),
            None => Tensor::from(1.0f32),
        }
    }

    pub fn theta_value(&self, l: usize) -> f64 {
        tch::no_grad(|| self.theta(l).double_value(&[]))
    }

    /// Float value of one integer spike of layer `l`'s output.
    pub fn spike_value(&self, l: usize) -> f64 {
        match &self.layers[l].amplitude {
            Some(a) => tch::no_grad(|| a.double_value(&[]).abs().max(1e-6)),
            // A pooling layer sends its feeding layer's spikes.
            None if self.layers[l].kind == LayerKind::Pool => self.spike_value(l - 1),
            None => 1.0,
        }
    }

    /// The ternary amplitude of what layer `l` emits (through pooling layers), if any.
    fn amplitude(&self, l: usize) -> Option<&Tensor> {
        match self.layers[l].kind {
            LayerKind::Pool => self.amplitude(l - 1),
            _ => self.layers[l].amplitude.as_ref(),
        }
    }

    /// Float value of one integer unit of layer `l`'s input (pixels are 0..=255 for 0..1).
    pub fn input_value(&self, l: usize) -> f64 {
        if l == 0 { 1.0 / 255.0 } else { self.spike_value(l - 1) }
    }

    /// The weights and biases of layer `l` (dense or conv) that are quantized: with batch
    /// normalization folded in (running statistics), else the parameters themselves.
    pub fn folded(&self, l: usize) -> (Tensor, Tensor) {
        let layer = &self.layers[l];
        match &layer.batch_norm {
            Some(bn) => bn.fold(&layer.op, &layer.weight, &layer.bias),
            None => (layer.weight.shallow_clone(), layer.bias.shallow_clone()),
        }
    }

    /// The integer mapping of layer `l` (dense or conv) for its current parameters.
    pub fn scale(&self, l: usize) -> LayerScale {
        let layer = &self.layers[l];
        let max_abs = tch::no_grad(|| self.folded(l).0.abs().max().double_value(&[]));
        match layer.kind {
            LayerKind::Pool => unreachable!("a pooling layer has no weights"),
            LayerKind::Readout => quant::readout_scale(self.input_value(l), max_abs, self.weight_bits),
            LayerKind::Hidden(_) => {
                let lateral = layer.lateral.as_ref().map(|r| LateralRange {
                    spike_value: self.spike_value(l),
                    max_abs_weight: tch::no_grad(|| r.abs().max().double_value(&[])),
                });
                quant::lateral_scale(self.theta_value(l), self.input_value(l), max_abs, lateral, self.weight_bits)
            }
        }
    }

    fn decay(&self, v: &Tensor) -> Tensor {
        match self.decay {
            Decay::Keep => v.shallow_clone(),
            Decay::Clear => v.zeros_like(),
            Decay::Shift(k) => v * 0.5f64.powi(k as i32),
            Decay::Leak(k) => v * (1.0 - 0.5f64.powi(k as i32)),
        }
    }

    /// Forward over T timesteps. `x`: `[batch, inputs]` floats in 0..=1 (pixels / 255).
    /// Returns logits `[batch, classes]`.
    pub fn forward(&self, x: &Tensor, statistics: Statistics) -> (Tensor, ForwardStats) {
        let batch = x.size()[0];
        let t_max = self.timesteps as usize;
        let scales: Vec<Option<LayerScale>> =
            (0..self.layers.len()).map(|l| (self.layers[l].kind != LayerKind::Pool).then(|| self.scale(l))).collect();
        let limit = quant::weight_limit(self.weight_bits);
        let params: Vec<Option<(Tensor, Tensor)>> = scales
            .iter()
            .enumerate()
            .map(|(l, s)| {
                let s = s.as_ref()?;
                let (w, b) = self.folded(l);
                Some((fake_quant(&w, s.weight_step, limit), fake_quant(&b, s.unit, BIAS_LIMIT)))
            })
            .collect();
        let laterals: Vec<Option<Tensor>> = self
            .layers
            .iter()
            .zip(&scales)
            .map(|(l, s)| {
                let (r, grid) = (l.lateral.as_ref()?, s.as_ref()?.lateral?);
                Some(fake_quant(r, grid.step, limit))
            })
            .collect();
        let thetas: Vec<Tensor> = (0..self.layers.len()).map(|l| self.theta(l)).collect();
        let mut membranes: Vec<Tensor> = self
            .layers
            .iter()
            .map(|l| Tensor::zeros([batch, l.op.outputs() as i64], (Kind::Float, Device::Cpu)))
            .collect();
        let hidden = self.layers.len() - 1;
        let mut spike_sum = vec![0.0f64; hidden];
        let mut quantile: Vec<Option<f64>> = vec![None; hidden];
        let mut moments: Vec<Vec<Moments>> = self.layers.iter().map(|_| Vec::new()).collect();
        for _t in 0..t_max {
            let mut input = x.shallow_clone();
            // The integer spike values of the previous layer (before the ternary amplitude).
            let mut spikes_in = x.shallow_clone();
            for (l, layer) in self.layers.iter().enumerate() {
                let Some((w, b)) = &params[l] else {
                    let pooled = pool(&layer.op, &spikes_in);
                    spike_sum[l] += tch::no_grad(|| pooled.abs().mean(Kind::Float).double_value(&[]));
                    input = match self.amplitude(l) {
                        Some(a) => &pooled * a,
                        None => pooled.shallow_clone(),
                    };
                    spikes_in = pooled;
                    continue;
                };
                let current = match (&layer.batch_norm, statistics) {
                    (Some(bn), Statistics::Batch) => {
                        let batch =
                            batchnorm::moments(&layer.op, &current(&layer.op, &input, &layer.weight, &layer.bias));
                        let folded = current(&layer.op, &input, w, &b.zeros_like());
                        let normalized = bn.with_batch_statistics(&layer.op, &folded, &batch, &layer.bias);
                        moments[l].push(batch);
                        normalized
                    }
                    _ => current(&layer.op, &input, w, b),
                };
                if layer.kind == LayerKind::Readout {
                    membranes[l] = &membranes[l] + current;
                    continue;
                }
                let theta = &thetas[l];
                let u1 = self.decay(&membranes[l]) + current;
                let u = match &laterals[l] {
                    // Provisional spikes of the feedforward membrane u1, through R, added to u1.
                    Some(r) => {
                        let provisional = spike(layer, &u1, theta);
                        let sent = match &layer.amplitude {
                            Some(a) => &provisional * a,
                            None => provisional,
                        };
                        &u1 + sent.matmul(r)
                    }
                    None => u1,
                };
                if let LayerKind::Hidden(NeuronChoice::Lms) = layer.kind {
                    let q = tch::no_grad(|| {
                        let ratio = (&u / theta).flatten(0, -1);
                        let n = ratio.size()[0];
                        let k = (n / 1000).max(1);
                        ratio.topk(k, 0, true, false).0.min().double_value(&[])
                    });
                    quantile[l] = Some(quantile[l].map_or(q, |p: f64| p.max(q)));
                }
                let spikes = spike(layer, &u, theta);
                spike_sum[l] += tch::no_grad(|| spikes.abs().mean(Kind::Float).double_value(&[]));
                membranes[l] = match self.reset {
                    Reset::Soft => &u - &spikes * theta,
                    Reset::Hard => &u * (1.0 - spikes.abs().clamp_max(1.0)),
                };
                input = match &layer.amplitude {
                    Some(a) => &spikes * a,
                    None => spikes.shallow_clone(),
                };
                spikes_in = spikes;
            }
        }
        let logits = &membranes[hidden] / t_max as f64;
        let stats = ForwardStats {
            spike_rate: spike_sum.iter().map(|s| s / t_max as f64).collect(),
            membrane_quantile: quantile,
            batch_norm: moments.iter().map(|m| batchnorm::pooled(m)).collect(),
        };
        (logits, stats)
    }

    /// Blend a training pass's moments into the running statistics of the batch-normalized
    /// layers.
    pub fn update_batch_norm(&mut self, stats: &ForwardStats) {
        for (layer, m) in self.layers.iter_mut().zip(&stats.batch_norm) {
            if let (Some(bn), Some(m)) = (layer.batch_norm.as_mut(), m) {
                bn.update(m);
            }
        }
    }

    /// LMS: blend this batch's membrane quantiles into each layer's running maximum with the
    /// decay balancing coefficient `lambda`, and set `D = clamp(ceil(running), 1, cap)`.
    pub fn update_spike_maxima(&mut self, stats: &ForwardStats, lambda: f64) {
        let cap = self.max_spike_cap;
        for (layer, q) in self.layers.iter_mut().zip(&stats.membrane_quantile) {
            if let (Some(state), Some(q)) = (layer.lms.as_mut(), q) {
                let q = q.max(0.0);
                let running = match state.running_max {
                    Some(r) => lambda * r + (1.0 - lambda) * q,
                    None => q,
                };
                state.running_max = Some(running);
                state.max_spike = (running.ceil() as u32).clamp(1, cap);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tch::{Kind, Tensor};

    use super::*;
    use crate::{export, integer, plan};

    fn set(param: &Tensor, values: &[f32], shape: &[i64]) {
        let mut p = param.shallow_clone();
        tch::no_grad(|| p.copy_(&Tensor::from_slice(values).view(shape)));
    }

    /// Two binary neurons, θ = 1, pixels 154 and 102 through unit weights give the feedforward
    /// membranes 154/128 and 102/128 (in units of 1/128). Neuron 0 fires provisionally; R sends
    /// its spike back as -64 units to itself and +38 to neuron 1, so the emitted spikes are
    /// [0, 1] instead of [1, 0]. The float forward, its gradient and the exported integers all
    /// follow that.
    #[test]
    fn the_float_forward_runs_the_lateral_pass_of_the_integer_contract() {
        let mut cfg = TrainConfig::new(NeuronChoice::Binary);
        cfg.hidden = vec![2];
        cfg.timesteps = 1;
        cfg.decay = Decay::Keep;
        cfg.lateral = true;
        let snn = Snn::new(&cfg, 2, 2);
        let (hidden, out) = (&snn.layers[0], &snn.layers[1]);
        // Input weight step Δ = U / a_in = 255 / 128: one integer step per input.
        let step = 255.0f32 / 128.0;
        set(&hidden.weight, &[step, 0.0, 0.0, step], &[2, 2]);
        set(&out.weight, &[1.0, 0.0, 0.0, 1.0], &[2, 2]);
        // R = [[-64, 38], [0, 0]] / 128. The input weights alone set q = 13
        // (U = 1/8192, 64 units each); R's 4,096 units need the lateral shift 6 at 8 bits, one
        // lateral step = 64 units = 1/128.
        let r = [-64.0 / 128.0, 38.0 / 128.0, 0.0, 0.0];
        set(hidden.lateral.as_ref().unwrap(), &r, &[2, 2]);
        let scale = snn.scale(0);
        assert_eq!(scale.threshold_shift, 13);
        assert_eq!(scale.lateral, Some(quant::LateralGrid { step: 1.0 / 128.0, shift: 6 }));

        let x = Tensor::from_slice(&[154.0f32 / 255.0, 102.0 / 255.0]).view([1, 2]);
        let (logits, _) = snn.forward(&x, Statistics::Running);
        assert_eq!(Vec::<f32>::try_from(&logits.view([2])).unwrap(), vec![0.0, 1.0]);
        // The gradient reaches R through the provisional spikes (surrogate).
        logits.sum(Kind::Float).backward();
        let grad = Vec::<f32>::try_from(&hidden.lateral.as_ref().unwrap().grad().view([4])).unwrap();
        assert!(grad[0] != 0.0 && grad[1] != 0.0, "{grad:?}");

        let net = export::integers(&snn, &cfg, &[1, 1, 2], "hand-made");
        let lateral = net.layers[0].lateral.as_ref().unwrap();
        assert_eq!(lateral.weights, vec![-64, 38, 0, 0]);
        assert_eq!((lateral.weight_bits, lateral.shift), (7, 6));
        assert!(net.layers[1].lateral.is_none());
        net.validate().unwrap();
        let run = integer::forward(&net, &[154, 102]);
        assert_eq!(run.scores, vec![vec![0, 127]]);

        // Without R the same network emits [1, 0].
        set(hidden.lateral.as_ref().unwrap(), &[0.0; 4], &[2, 2]);
        let (logits, _) = tch::no_grad(|| snn.forward(&x, Statistics::Running));
        assert_eq!(Vec::<f32>::try_from(&logits.view([2])).unwrap(), vec![1.0, 0.0]);
    }

    /// Conv (padding, stride 2, a non-square input so rows and columns cannot swap unseen),
    /// both poolings and a dense readout: with `decay = keep` (no float/floor difference) the
    /// float readout membrane is `U ·` the exported network's integer score, input by input,
    /// so export put every trained weight where the IR's `[C_in][K][K][C_out]` layout says.
    /// With batch normalization (random `γ`, `β` and running statistics, a hidden dense layer
    /// too) the same holds: export folds it as the running-statistics forward does.
    #[test]
    fn a_conv_network_computes_in_float_what_its_export_computes_in_integers() {
        for (neuron, arch, batch_norm) in [
            (NeuronChoice::Binary, "c3k3p1-mp2-c2k3s2p1-fc3", false),
            (NeuronChoice::Lms, "c3k3p1-sp2-fc3", false),
            (NeuronChoice::Ternary, "c3k3-mp1-c4k3p2-sp2-fc3", false),
            (NeuronChoice::Binary, "c3k3p1-mp2-c2k3s2p1-fc5-fc3", true),
            (NeuronChoice::Lms, "c3k3p1-sp2-fc3", true),
            (NeuronChoice::Ternary, "c3k3-mp1-c4k3p2-sp2-fc3", true),
        ] {
            let mut cfg = TrainConfig::new(neuron);
            cfg.timesteps = 2;
            cfg.decay = Decay::Keep;
            cfg.arch = Some(arch.parse().unwrap());
            cfg.batch_norm = batch_norm;
            tch::manual_seed(7);
            let shape = [2u32, 6, 8];
            let snn = Snn::build(&cfg, plan::from_arch(cfg.arch.as_ref().unwrap(), &shape, 3).unwrap());
            for layer in &snn.layers {
                let mut b = layer.bias.shallow_clone();
                tch::no_grad(|| b.copy_(&(layer.bias.rand_like() * 0.4 - 0.2)));
                if let Some(bn) = &layer.batch_norm {
                    for (t, lo, hi) in [(&bn.gamma, 0.5, 2.0), (&bn.beta, -0.3, 0.3), (&bn.running_mean, -0.3, 0.3)] {
                        let mut t = t.shallow_clone();
                        tch::no_grad(|| t.copy_(&(t.rand_like() * (hi - lo) + lo)));
                    }
                    let mut var = bn.running_var.shallow_clone();
                    tch::no_grad(|| var.copy_(&(var.rand_like() * 3.0 + 0.1)));
                }
            }
            let pixels: Vec<u8> = (0..5 * 96u32).map(|i| ((i * 37 + i / 7 * 11) % 256) as u8).collect();
            let x = Tensor::from_slice(&pixels).to_kind(Kind::Float).view([5, 96]) / 255.0;
            let (logits, _) = tch::no_grad(|| snn.forward(&x, Statistics::Running));
            let net = export::integers(&snn, &cfg, &shape, "hand-made");
            net.validate().unwrap();
            let run = integer::forward(&net, &pixels);
            let unit = snn.scale(snn.layers.len() - 1).unit;
            let float: Vec<Vec<f64>> = Vec::<Vec<f64>>::try_from(&(logits.to_kind(Kind::Double) * 2.0 / unit)).unwrap();
            let spikes: u64 = run.spikes[..run.spikes.len() - 1].iter().sum();
            assert!(spikes > 0, "{arch}: no spikes, the test would prove nothing");
            if batch_norm {
                let (w, _) = snn.folded(0);
                assert!(tch::no_grad(|| (&w - &snn.layers[0].weight).abs().max().double_value(&[])) > 1e-3);
            }
            for (f, i) in float.iter().flatten().zip(run.scores.iter().flatten()) {
                assert!((f - *i as f64).abs() < 0.05, "{arch}: float {f} against integer {i}");
            }
        }
    }
}
