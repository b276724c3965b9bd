//! From the trained float network to a [`model::Network`]: integer weights, biases and
//! lateral weights through the same [`crate::quant`] mapping training used, thresholds as
//! shifts, LMS spike maxima, then measured spike histograms and the solver's optimal codes.

use model::solver::{SolverLimits, solve};
use model::{
    Conv2d, Decay, Dense, Input, Lateral, Layer, LayerOp, Network, Neuron, NeuronKind, Provenance, Reset, SpikeCode,
};
use tch::{Kind, Tensor};

use crate::TrainError;
use crate::config::{NeuronChoice, TrainConfig};
use crate::integer;
use crate::plan::PlannedOp;
use crate::quant::{self, signed_bits};
use crate::snn::{LayerKind, Snn};

/// Integers of the trained network, with placeholder codes (binary) for LMS layers.
pub(crate) fn integers(snn: &Snn, cfg: &TrainConfig, input_shape: &[u32], dataset: &str) -> Network {
    let limit = quant::weight_limit(cfg.weight_bits);
    let mut layers = Vec::new();
    for (l, layer) in snn.layers.iter().enumerate() {
        if let PlannedOp::SumPool(p) | PlannedOp::MaxPool(p) = &layer.op {
            // What travels through: the feeding layer's kind (its LMS code is set at calibration).
            let feeding: &Layer = layers.last().expect("a pooling layer is never layer 0");
            let op = match layer.op {
                PlannedOp::SumPool(_) => LayerOp::SumPool2d(p.clone()),
                _ => LayerOp::MaxPool2d(p.clone()),
            };
            let neuron = Neuron::pooling(feeding.neuron.kind.clone());
            layers.push(Layer { name: layer.name.clone(), op, neuron, histogram: None, lateral: None });
            continue;
        }
        let scale = snn.scale(l);
        // Batch normalization folded in before quantizing, as the training forward does.
        let (weight, bias) = snn.folded(l);
        // Conv weights from torch's [C_out][C_in][K][K] to the IR's [C_in][K][K][C_out].
        let weight = match layer.op {
            PlannedOp::Conv(_) => weight.permute([1, 2, 3, 0]),
            _ => weight,
        };
        let (w, b) = (values(&weight), values(&bias));
        let weights: Vec<i32> = w.iter().map(|&v| quant::quantize(v, scale.weight_step, limit) as i32).collect();
        let bias: Vec<i32> = b.iter().map(|&v| quant::quantize(v, scale.unit, crate::snn::BIAS_LIMIT) as i32).collect();
        // R on the lateral grid training fake-quantized it on, row-major by source neuron.
        let lateral = layer.lateral.as_ref().zip(scale.lateral).map(|(r, grid)| {
            let weights: Vec<i32> = values(r).iter().map(|&v| quant::quantize(v, grid.step, limit) as i32).collect();
            Lateral { weight_bits: signed_bits(weights.iter().map(|&w| w as i64)), shift: grid.shift, weights }
        });
        let kind = match layer.kind {
            LayerKind::Readout => NeuronKind::Readout,
            LayerKind::Pool => unreachable!("pooling handled above"),
            LayerKind::Hidden(NeuronChoice::Binary) => NeuronKind::BinaryLif,
            LayerKind::Hidden(NeuronChoice::Ternary) => NeuronKind::Ternary,
            LayerKind::Hidden(NeuronChoice::Lms) => {
                let d = layer.lms.as_ref().map_or(1, |s| s.max_spike);
                NeuronKind::Integer { max_spike: d, code: SpikeCode::binary(d) }
            }
        };
        let neuron = if layer.kind == LayerKind::Readout {
            Neuron { kind, threshold_shift: 0, decay: Decay::Keep, reset: Reset::Hard }
        } else {
            Neuron { kind, threshold_shift: scale.threshold_shift, decay: cfg.decay, reset: cfg.reset }
        };
        let bias_bits = signed_bits(bias.iter().map(|&b| b as i64));
        let op = match layer.op {
            PlannedOp::Dense { inputs, outputs } => {
                LayerOp::Dense(Dense { inputs, outputs, weight_bits: cfg.weight_bits, bias_bits, weights, bias })
            }
            PlannedOp::Conv(c) => LayerOp::Conv2d(Conv2d {
                in_channels: c.input.channels,
                in_height: c.input.height,
                in_width: c.input.width,
                out_channels: c.output.channels,
                kernel: c.kernel,
                stride: c.stride,
                padding: c.padding,
                weight_bits: cfg.weight_bits,
                bias_bits,
                weights,
                bias,
            }),
            PlannedOp::SumPool(_) | PlannedOp::MaxPool(_) => unreachable!("pooling handled above"),
        };
        layers.push(Layer { name: layer.name.clone(), op, neuron, histogram: None, lateral });
    }
    let mut net = Network::new(&cfg.name, cfg.timesteps, Input::pixels(input_shape.to_vec()), layers);
    let arch = cfg.arch.as_ref().map_or(String::new(), |a| format!("{a}, "));
    net.description = format!(
        "{arch}{} hidden neurons{}{}, {}-bit weights, T = {}, trained by spikeforge train on {dataset}",
        cfg.neuron.name(),
        if cfg.lateral { " with lateral connections" } else { "" },
        if cfg.batch_norm { " (batch normalization folded into the weights)" } else { "" },
        cfg.weight_bits,
        cfg.timesteps
    );
    net.provenance = Provenance {
        trained: true,
        generator: format!("spikeforge train {}", env!("CARGO_PKG_VERSION")),
        seed: Some(cfg.seed),
        dataset: Some(dataset.to_string()),
    };
    net
}

/// A parameter's values, flattened row-major, as f64.
fn values(t: &Tensor) -> Vec<f64> {
    tch::no_grad(|| Vec::<f64>::try_from(&t.to_kind(Kind::Double).flatten(0, -1)).unwrap_or_default())
}

/// Measure every spiking layer's histogram on `calibration` images with the integer forward,
/// store it, and give LMS layers the optimal code for it (at most `max_planes` planes).
pub(crate) fn calibrate(net: &mut Network, calibration: &[u8], max_planes: usize) -> Result<(), TrainError> {
    let run = integer::forward(net, calibration);
    for (l, hist) in run.histograms.into_iter().enumerate() {
        if net.layers[l].is_pooling() {
            // A pooling layer carries its feeding layer's kind, code included, and no histogram.
            net.layers[l].neuron.kind = net.layers[l - 1].neuron.kind.clone();
            continue;
        }
        let layer = &mut net.layers[l];
        if let (NeuronKind::Integer { max_spike, code }, Some(h)) = (&mut layer.neuron.kind, &hist) {
            let limits = SolverLimits { max_planes: max_planes.min(*max_spike as usize), max_non_pow2: None };
            *code = solve(*max_spike, h, limits)?.code;
        }
        layer.histogram = hist;
    }
    net.validate().map_err(|error| model::ModelError::Invalid { origin: "the trained network".into(), error })?;
    Ok(())
}
