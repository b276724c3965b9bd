//! From the trained float network to a [`model::Network`]: integer weights, biases and
//! lateral weights through the same [`crate::quant`] mapping training used, thresholds as
//! shifts, LMS spike maxima, then measured spike histograms and the solver's optimal codes.

use model::solver::{SolverLimits, solve};
use model::{Decay, Dense, Input, Lateral, Layer, LayerOp, Network, Neuron, NeuronKind, Provenance, Reset, SpikeCode};
use tch::{Kind, Tensor};

use crate::TrainError;
use crate::config::{NeuronChoice, TrainConfig};
use crate::integer;
use crate::quant::{self, signed_bits};
use crate::snn::{LayerKind, Snn};

/// Integers of the trained network, with placeholder codes (binary) for LMS layers.
pub(crate) fn integers(snn: &Snn, cfg: &TrainConfig, input_shape: &[u32], dataset: &str) -> Network {
    let limit = quant::weight_limit(cfg.weight_bits);
    let mut layers = Vec::new();
    for (l, layer) in snn.layers.iter().enumerate() {
        let scale = snn.scale(l);
        let (w, b) = (values(&layer.weight), values(&layer.bias));
        let weights: Vec<i32> = w.iter().map(|&v| quant::quantize(v, scale.weight_step, limit) as i32).collect();
        let bias: Vec<i32> = b.iter().map(|&v| quant::quantize(v, scale.unit, crate::snn::BIAS_LIMIT) as i32).collect();
        // R on the lateral grid training fake-quantized it on, row-major by source neuron.
        let lateral = layer.lateral.as_ref().zip(scale.lateral).map(|(r, grid)| {
            let weights: Vec<i32> = values(r).iter().map(|&v| quant::quantize(v, grid.step, limit) as i32).collect();
            Lateral { weight_bits: signed_bits(weights.iter().map(|&w| w as i64)), shift: grid.shift, weights }
        });
        let size = layer.weight.size();
        let kind = match layer.kind {
            LayerKind::Readout => NeuronKind::Readout,
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
        layers.push(Layer {
            name: layer.name.clone(),
            op: LayerOp::Dense(Dense {
                inputs: size[0] as u32,
                outputs: size[1] as u32,
                weight_bits: cfg.weight_bits,
                bias_bits: signed_bits(bias.iter().map(|&b| b as i64)),
                weights,
                bias,
            }),
            neuron,
            histogram: None,
            lateral,
        });
    }
    let mut net = Network::new(&cfg.name, cfg.timesteps, Input::pixels(input_shape.to_vec()), layers);
    net.description = format!(
        "{} hidden neurons{}, {}-bit weights, T = {}, trained by spikeforge train on {dataset}",
        cfg.neuron.name(),
        if cfg.lateral { " with lateral connections" } else { "" },
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
    for (layer, hist) in net.layers.iter_mut().zip(run.histograms) {
        if let (NeuronKind::Integer { max_spike, code }, Some(h)) = (&mut layer.neuron.kind, &hist) {
            let limits = SolverLimits { max_planes: max_planes.min(*max_spike as usize), max_non_pow2: None };
            *code = solve(*max_spike, h, limits)?.code;
        }
        layer.histogram = hist;
    }
    net.validate().map_err(|error| model::ModelError::Invalid { origin: "the trained network".into(), error })?;
    Ok(())
}
