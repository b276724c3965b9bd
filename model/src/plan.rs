//! Hardware plans: how many parallel lanes each layer gets, and the widths that follow.
//! Plain data shared by the cycle model (`sim`) and the RTL generator (`hdl-gen`).

use serde::{Deserialize, Serialize};

use crate::bounds;
use crate::error::ModelError;
use crate::network::Network;

/// One layer's stage in the pipeline.
///
/// A stage with `lanes = P` over `neurons = N` processes neurons in `groups = ceil(N / P)`
/// groups: every input event costs one cycle per group, and the neuron-update pass visits
/// each group once per timestep (see ARCHITECTURE.md "Timing contract").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerPlan {
    /// Parallel accumulate lanes P (1..=N).
    pub lanes: u32,
    /// `ceil(neurons / lanes)`.
    pub groups: u32,
    /// Neurons N.
    pub neurons: u32,
    /// Input spikes M.
    pub inputs: u32,
    /// The layer has lateral connections: a second pass over its own provisional spikes,
    /// whose `N` weight rows follow the `M` input rows in the weight memory.
    pub lateral: bool,
    /// Signed weight width.
    pub weight_bits: u32,
    /// Signed accumulator width (bounds analysis).
    pub accumulator_bits: u32,
    /// Signed membrane width (bounds analysis).
    pub membrane_bits: u32,
    /// Planes of the incoming spikes' code.
    pub input_planes: u32,
    /// Where the weights live in hardware.
    pub weights: WeightStore,
}

impl LayerPlan {
    /// Rows of the weight memory: one per input, plus one per neuron with lateral connections.
    pub fn weight_rows(&self) -> u64 {
        self.inputs as u64 + if self.lateral { self.neurons as u64 } else { 0 }
    }

    /// Words of the layer's weight memory: one per row and group (`rows · groups`).
    pub fn weight_words(&self) -> u64 {
        self.weight_rows() * self.groups as u64
    }
}

/// Where a layer's weights live in hardware.
///
/// The default, [`WeightStore::Rom`], puts them in the bitstream. [`WeightStore::Loaded`]
/// trades that for capacity: a RAM without initial contents (on the iCE40 UP5K the 1 Mbit
/// of SPRAM, which a bitstream cannot initialize, against 120 kbit of block RAM) that the
/// host writes over the UART before the first inference.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightStore {
    /// Block RAM or LUT ROM initialized by the bitstream.
    #[default]
    Rom,
    /// A single-port RAM written at start-up (`sf_layer` `WEIGHTS_LOADED`).
    Loaded,
}

/// A plan for the whole network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HardwarePlan {
    /// Per layer, in order.
    pub layers: Vec<LayerPlan>,
}

impl HardwarePlan {
    /// The same lane count for every layer, reduced to the layer's width where it is narrower.
    pub fn uniform(net: &Network, lanes: u32) -> Result<HardwarePlan, ModelError> {
        HardwarePlan::per_layer(net, &vec![lanes; net.layers.len()])
    }

    /// Explicit lanes per layer (each reduced to the layer's width where it is narrower).
    ///
    /// ```
    /// # let net = model::examples::tiny_network(); // 6 inputs -> 5 -> 3
    /// let plan = model::HardwarePlan::per_layer(&net, &[2, 8]).unwrap();
    /// assert_eq!((plan.layers[0].lanes, plan.layers[0].groups), (2, 3));
    /// assert_eq!((plan.layers[1].lanes, plan.layers[1].groups), (3, 1));
    /// ```
    pub fn per_layer(net: &Network, lanes: &[u32]) -> Result<HardwarePlan, ModelError> {
        // The one gate every hardware path (gen, cosim, build, run, the cycle model) passes.
        net.require_dense()?;
        if lanes.len() != net.layers.len() {
            return Err(ModelError::plan(
                lanes.len().min(net.layers.len()),
                format!("{} lane counts given for {} layers", lanes.len(), net.layers.len()),
            ));
        }
        let all_bounds = bounds::analyze(net);
        let mut layers = Vec::with_capacity(lanes.len());
        for (index, ((layer, &p), b)) in net.layers.iter().zip(lanes).zip(&all_bounds).enumerate() {
            if p == 0 {
                return Err(ModelError::plan(index, "lanes must be at least 1"));
            }
            let neurons = layer.outputs() as u32;
            let lanes = p.min(neurons);
            layers.push(LayerPlan {
                lanes,
                groups: neurons.div_ceil(lanes),
                neurons,
                inputs: layer.inputs() as u32,
                lateral: layer.lateral.is_some(),
                weight_bits: layer.weight_bits(),
                accumulator_bits: b.accumulator_bits,
                membrane_bits: b.membrane_bits,
                input_planes: net.input_code_of(index).planes() as u32,
                weights: WeightStore::Rom,
            });
        }
        Ok(HardwarePlan { layers })
    }

    /// The same plan with the weights of `layers` loaded at start-up ([`WeightStore::Loaded`]).
    ///
    /// ```
    /// # let net = model::examples::tiny_network(); // two layers
    /// use model::WeightStore;
    /// let plan = model::HardwarePlan::uniform(&net, 2).unwrap().with_loaded_weights(&[0]).unwrap();
    /// assert_eq!(plan.layers[0].weights, WeightStore::Loaded);
    /// assert_eq!(plan.layers[1].weights, WeightStore::Rom);
    /// assert!(model::HardwarePlan::uniform(&net, 2).unwrap().with_loaded_weights(&[2]).is_err());
    /// ```
    pub fn with_loaded_weights(mut self, layers: &[usize]) -> Result<HardwarePlan, ModelError> {
        let count = self.layers.len();
        for &index in layers {
            let layer = self.layers.get_mut(index).ok_or_else(|| {
                ModelError::plan(index, format!("no layer {index} to load weights into (the network has {count})"))
            })?;
            layer.weights = WeightStore::Loaded;
        }
        Ok(self)
    }

    /// Whether any layer's weights are loaded at start-up.
    pub fn loads_weights(&self) -> bool {
        self.layers.iter().any(|l| l.weights == WeightStore::Loaded)
    }

    /// The layers whose weights are loaded at start-up, in order.
    pub fn loaded_layers(&self) -> Vec<usize> {
        self.layers.iter().enumerate().filter(|(_, l)| l.weights == WeightStore::Loaded).map(|(i, _)| i).collect()
    }
}
