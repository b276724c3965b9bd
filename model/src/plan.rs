//! Hardware plans: how many parallel lanes each layer gets, and the widths that follow.
//! Plain data shared by the cycle model (`sim`) and the RTL generator (`hdl-gen`).

use serde::{Deserialize, Serialize};

use crate::bounds;
use crate::error::ModelError;
use crate::network::{Conv2d, LayerOp, Network};

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
    /// What kind of stage runs the layer.
    pub stage: Stage,
}

/// What kind of pipeline stage runs a layer (ARCHITECTURE.md "Timing contract").
///
/// A dense layer's `lanes` run over its neurons. A conv layer's `lanes` run over its output
/// channels (`groups = ceil(C' / lanes)` channel groups) and each lane keeps its membranes
/// in `banks` memories interleaved by output column (`ox mod banks`), so one cycle adds an
/// event's taps of one kernel row into every lane, and the update pass reads `banks`
/// neighbouring columns of one channel at a time. A pooling layer has no stage of its own:
/// it runs inside the conv stage before it ([`Stage::FusedPool`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Stage {
    /// Lanes over neurons, accumulators in registers.
    Dense,
    /// Lanes over output channels, `banks` column-interleaved membrane memories per lane.
    Conv {
        /// Membrane memories per lane, interleaved by output column: at least the most taps
        /// one kernel row can place ([`Conv2d::row_taps`]), and a multiple of the window of
        /// a pooling layer that follows.
        banks: u32,
        /// Input channels C: with `kernel`, the weight memory's `C·K` rows.
        in_channels: u32,
        /// Kernel side K: a weight word holds one kernel row (`K` taps) of every lane.
        kernel: u32,
        /// Membrane sets, 1 or 2 ([`MembraneSets`]): with two, the scatter of the next
        /// input runs beside the update pass of this one, at twice the membrane memory.
        sets: MembraneSets,
    },
    /// A pooling layer computed by the conv stage before it: sum pooling renames the
    /// conv's events on their way out, max pooling keeps one row of window maxima.
    FusedPool,
}

/// How many copies of its membranes a conv stage keeps: an input's timesteps all work in
/// one, so with two the scatter engine starts the next input while the update pass finishes
/// this one (ARCHITECTURE.md "Timing contract", conv stages).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembraneSets {
    /// One set: the scatter of an item waits for the pass of the item before.
    One,
    /// Two sets, one per input of a pair: scatter and pass of neighbouring inputs overlap.
    #[default]
    Two,
}

impl MembraneSets {
    /// 1 or 2.
    pub fn count(self) -> u32 {
        match self {
            MembraneSets::One => 1,
            MembraneSets::Two => 2,
        }
    }
}

impl Stage {
    /// The conv stage's membrane sets, `None` for other stages.
    pub fn sets(&self) -> Option<MembraneSets> {
        match self {
            Stage::Conv { sets, .. } => Some(*sets),
            _ => None,
        }
    }

    /// The conv stage's banks, `None` for other stages.
    pub fn banks(&self) -> Option<u32> {
        match self {
            Stage::Conv { banks, .. } => Some(*banks),
            _ => None,
        }
    }
}

/// Where one input coordinate (a row `y` or a column `x`) lands in a conv layer's output
/// along that axis: the taps `k = first_tap + i·stride` reach output positions
/// `first_out - i` for `i in 0..count` (ARCHITECTURE.md "Integer contract", Conv2d).
///
/// ```
/// use model::plan::AxisTaps;
/// // K = 3, stride 1, padding 1, 4 outputs: input 0 is reached by taps 0 and 1 (outputs 1
/// // and 0); tap 2 would need output -1.
/// assert_eq!(AxisTaps::of(0, 3, 1, 1, 4), AxisTaps { first_tap: 0, first_out: 1, count: 2 });
/// assert_eq!(AxisTaps::of(2, 3, 1, 1, 4), AxisTaps { first_tap: 0, first_out: 3, count: 3 });
/// // Stride 2 without padding: input 1 is reached only by tap 1 of output 0.
/// assert_eq!(AxisTaps::of(1, 3, 2, 0, 2), AxisTaps { first_tap: 1, first_out: 0, count: 1 });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AxisTaps {
    /// The smallest kernel index that reaches an output (0 when `count` is 0).
    pub first_tap: u32,
    /// The output position `first_tap` reaches: the largest one (0 when `count` is 0).
    pub first_out: u32,
    /// How many taps reach an output.
    pub count: u32,
}

impl AxisTaps {
    /// Taps of input coordinate `pos` for kernel `kernel`, `stride`, `padding` and
    /// `out_size` output positions along the axis.
    pub fn of(pos: u32, kernel: u32, stride: u32, padding: u32, out_size: u32) -> AxisTaps {
        let (pos, kernel, stride, padding, out_size) =
            (pos as i64, kernel as i64, stride.max(1) as i64, padding as i64, out_size as i64);
        let shifted = pos + padding;
        // out = (shifted - k) / stride must be an integer in 0..out_size and k in 0..kernel.
        let lo = (shifted - (out_size - 1) * stride).max(0);
        let hi = (kernel - 1).min(shifted);
        let first = lo + (shifted - lo).rem_euclid(stride);
        if out_size < 1 || first > hi {
            return AxisTaps::default();
        }
        AxisTaps {
            first_tap: first as u32,
            first_out: ((shifted - first) / stride) as u32,
            count: ((hi - first) / stride + 1) as u32,
        }
    }
}

impl Conv2d {
    /// The most taps one kernel row can place along a row of the output:
    /// `min(ceil(K / S), W')`, the fewest membrane banks a conv stage needs.
    pub fn row_taps(&self) -> u32 {
        let out_width = self.output_shape().map_or(1, |s| s.width);
        self.kernel.div_ceil(self.stride.max(1)).min(out_width).max(1)
    }
}

impl LayerPlan {
    /// Rows of the weight memory: one per input, plus one per neuron with lateral
    /// connections; a conv layer's one per input channel and kernel row (`C·K`); none for
    /// a fused pool.
    pub fn weight_rows(&self) -> u64 {
        match self.stage {
            Stage::Dense => self.inputs as u64 + if self.lateral { self.neurons as u64 } else { 0 },
            Stage::Conv { in_channels, kernel, .. } => in_channels as u64 * kernel as u64,
            Stage::FusedPool => 0,
        }
    }

    /// Weights per lane in one weight word: a conv layer's kernel row (`K`), else 1.
    pub fn taps_per_word(&self) -> u32 {
        match self.stage {
            Stage::Conv { kernel, .. } => kernel,
            _ => 1,
        }
    }

    /// Words of the layer's weight memory: one per row and group (`rows · groups`).
    pub fn weight_words(&self) -> u64 {
        self.weight_rows() * self.groups as u64
    }

    /// The neurons (a conv layer's output channels) group `group` holds: `lanes`, fewer in
    /// a last group the neurons do not fill, 0 past the last group. What a readout sends
    /// of that group's scores, one a cycle.
    ///
    /// ```
    /// use model::plan::{LayerPlan, Stage, WeightStore};
    /// // 5 neurons over 2 lanes: groups of 2, 2 and 1.
    /// let plan = LayerPlan {
    ///     lanes: 2, groups: 3, neurons: 5, inputs: 6, lateral: false, weight_bits: 4,
    ///     accumulator_bits: 8, membrane_bits: 8, input_planes: 1,
    ///     weights: WeightStore::Rom, stage: Stage::Dense,
    /// };
    /// let sizes: Vec<u32> = (0..4).map(|g| plan.group_neurons(g)).collect();
    /// assert_eq!(sizes, [2, 2, 1, 0]);
    /// ```
    pub fn group_neurons(&self, group: u32) -> u32 {
        self.neurons.saturating_sub(group.saturating_mul(self.lanes)).min(self.lanes)
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

/// The fewest banks a conv layer can have: its row taps, rounded up to a multiple of the
/// window of the pooling layer that follows it (`pool`), so a membrane word holds whole
/// pooling windows (their maxima, or their renamed columns, are then per word).
pub fn default_banks(conv: &Conv2d, pool: Option<u32>) -> u32 {
    let taps = conv.row_taps();
    match pool {
        Some(k) if k > 1 => taps.div_ceil(k) * k,
        _ => taps,
    }
}

/// How many lanes layer `index` of `net` can use: a dense layer's neurons, a conv layer's
/// output channels, 1 for a pooling layer (fused into the conv stage before it, no lanes of
/// its own). [`HardwarePlan::per_layer`] reduces lanes to it; a sizer steps lanes up to it.
///
/// ```
/// # let net = model::examples::tiny_network(); // 6 inputs -> 5 -> 3
/// assert_eq!(model::plan::lane_width(&net, 0), 5);
/// ```
pub fn lane_width(net: &Network, index: usize) -> u32 {
    net.layers.get(index).map_or(1, |layer| match &layer.op {
        LayerOp::Dense(_) => layer.outputs() as u32,
        LayerOp::Conv2d(c) => c.out_channels,
        LayerOp::SumPool2d(_) | LayerOp::MaxPool2d(_) => 1,
    })
}

/// The membrane banks conv layer `index` may have: `least` (its row taps rounded up to the
/// following pooling window, [`default_banks`]) to `most` (a word per output row, rounded up
/// to the window) in steps of `step` (the window, else 1). `None` for a layer that is not
/// a conv layer.
///
/// ```
/// let net = model::examples::fuzz_conv_hardware_network(0);
/// # let index = net.layers.iter().position(|l| matches!(l.op, model::LayerOp::Conv2d(_))).unwrap();
/// let range = model::plan::bank_range(&net, index).unwrap();
/// assert!(range.least <= range.most && range.least % range.step == 0);
/// assert_eq!(model::plan::bank_range(&model::examples::tiny_network(), 0), None);
/// ```
pub fn bank_range(net: &Network, index: usize) -> Option<BankRange> {
    let Some(LayerOp::Conv2d(conv)) = net.layers.get(index).map(|l| &l.op) else { return None };
    let pool = net.layers.get(index + 1).and_then(|next| match &next.op {
        LayerOp::MaxPool2d(p) | LayerOp::SumPool2d(p) => Some(p.kernel),
        _ => None,
    });
    let least = default_banks(conv, pool);
    let step = pool.unwrap_or(1).max(1);
    let width = conv.output_shape().map_or(1, |s| s.width);
    Some(BankRange { least, most: (width.div_ceil(step) * step).max(least), step, width })
}

/// What [`bank_range`] allows: `least..=most` in steps of `step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BankRange {
    /// The fewest banks.
    pub least: u32,
    /// The most banks: one membrane word per output row.
    pub most: u32,
    /// Banks are a multiple of this (a following pooling window, else 1).
    pub step: u32,
    /// The layer's output width: a row takes `ceil(width / banks)` membrane words.
    pub width: u32,
}

impl BankRange {
    /// `banks` made legal: raised to a multiple of [`BankRange::step`], then held to
    /// `least..=most`.
    ///
    /// ```
    /// let range = model::plan::BankRange { least: 4, most: 14, step: 2, width: 14 };
    /// assert_eq!((range.legal(1), range.legal(7), range.legal(30)), (4, 8, 14));
    /// ```
    pub fn legal(&self, banks: u32) -> u32 {
        (banks.div_ceil(self.step.max(1)) * self.step.max(1)).clamp(self.least, self.most)
    }

    /// The bank counts worth having, ascending: each the fewest legal banks for its
    /// membrane words per row (more banks at the same count only add memories).
    ///
    /// ```
    /// // A 28-wide layer before a 2x2 pool: 6 banks (5 words a row) up to 28 (one word)
    /// let range = model::plan::BankRange { least: 6, most: 28, step: 2, width: 28 };
    /// assert_eq!(range.steps(), vec![6, 8, 10, 14, 28]);
    /// ```
    pub fn steps(&self) -> Vec<u32> {
        let words = self.width.div_ceil(self.least.max(1)).max(1);
        let mut steps: Vec<u32> = (1..=words).map(|w| self.legal(self.width.div_ceil(w))).collect();
        steps.sort_unstable();
        steps.dedup();
        // Rounding to the step can leave two counts with the same words per row: keep the fewer.
        steps.dedup_by_key(|b| self.width.div_ceil(*b));
        steps
    }
}

/// The widest input encoder a plan may ask for, in values per cycle. A bound on the
/// encoder's priority logic (over `values · planes` bits, one cycle deep) rather than a
/// measured optimum: the sizer measures the widths up to it.
pub const MAX_VALUES_PER_CYCLE: u32 = 32;

/// A plan for the whole network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HardwarePlan {
    /// Per layer, in order.
    pub layers: Vec<LayerPlan>,
    /// Input values the encoder takes per cycle (its chunk; 1 unless
    /// [`HardwarePlan::with_values_per_cycle`] says otherwise).
    pub values_per_cycle: u32,
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
        net.require_hardware()?;
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
            let width = lane_width(net, index);
            let stage = match &layer.op {
                LayerOp::Dense(_) => Stage::Dense,
                LayerOp::Conv2d(c) => {
                    let banks = bank_range(net, index).expect("a conv layer").least;
                    Stage::Conv { banks, in_channels: c.in_channels, kernel: c.kernel, sets: MembraneSets::Two }
                }
                LayerOp::SumPool2d(_) | LayerOp::MaxPool2d(_) => Stage::FusedPool,
            };
            let lanes = p.min(width);
            layers.push(LayerPlan {
                lanes,
                groups: width.div_ceil(lanes),
                neurons,
                inputs: layer.inputs() as u32,
                lateral: layer.lateral.is_some(),
                weight_bits: layer.weight_bits(),
                accumulator_bits: b.accumulator_bits,
                membrane_bits: b.membrane_bits,
                input_planes: net.input_code_of(index).planes() as u32,
                weights: WeightStore::Rom,
                stage,
            });
        }
        Ok(HardwarePlan { layers, values_per_cycle: 1 })
    }

    /// The same plan with an encoder taking `values` input values per cycle. Each chunk of
    /// `values` consecutive values costs `max(1, its events)` cycles instead of one cycle per
    /// value at least, so a wider encoder pays off on inputs with many zeros (an MNIST digit).
    /// `values` must divide the input's size and, into a conv layer 0, the input's width (a
    /// chunk stays inside one row); at most [`MAX_VALUES_PER_CYCLE`].
    ///
    /// ```
    /// # let net = model::examples::tiny_network(); // 6 inputs -> 5 -> 3
    /// let plan = model::HardwarePlan::uniform(&net, 2).unwrap();
    /// assert_eq!(plan.values_per_cycle, 1);
    /// assert_eq!(plan.clone().with_values_per_cycle(&net, 3).unwrap().values_per_cycle, 3);
    /// assert!(plan.with_values_per_cycle(&net, 4).is_err()); // 4 does not divide 6
    /// ```
    pub fn with_values_per_cycle(mut self, net: &Network, values: u32) -> Result<HardwarePlan, ModelError> {
        HardwarePlan::check_values_per_cycle(net, values)?;
        self.values_per_cycle = values;
        Ok(self)
    }

    /// Whether an encoder taking `values` values per cycle fits `net`'s input (the rules of
    /// [`HardwarePlan::with_values_per_cycle`]), without a plan to put it in.
    ///
    /// ```
    /// # let net = model::examples::tiny_network(); // 6 inputs
    /// assert!(model::HardwarePlan::check_values_per_cycle(&net, 3).is_ok());
    /// assert!(model::HardwarePlan::check_values_per_cycle(&net, 0).is_err());
    /// ```
    pub fn check_values_per_cycle(net: &Network, values: u32) -> Result<(), ModelError> {
        let refuse = |reason: String| Err(ModelError::EncoderWidth { values, reason });
        if values == 0 || values > MAX_VALUES_PER_CYCLE {
            return refuse(format!("must be 1 to {MAX_VALUES_PER_CYCLE}"));
        }
        let size = net.input.size() as u64;
        if size % values as u64 != 0 {
            return refuse(format!("does not divide the input's {size} values"));
        }
        let conv_first = matches!(net.layers.first().map(|l| &l.op), Some(LayerOp::Conv2d(_)));
        if let (true, Some(shape)) = (conv_first, net.input_shape_of(0)) {
            if shape.width % values != 0 {
                return refuse(format!(
                    "does not divide the input's width {} (a chunk into a conv layer stays in one row)",
                    shape.width
                ));
            }
        }
        Ok(())
    }

    /// The encoder widths [`HardwarePlan::with_values_per_cycle`] accepts for `net`, ascending.
    ///
    /// ```
    /// # let net = model::examples::tiny_network(); // 6 inputs
    /// assert_eq!(model::HardwarePlan::encoder_widths(&net), vec![1, 2, 3, 6]);
    /// ```
    pub fn encoder_widths(net: &Network) -> Vec<u32> {
        (1..=MAX_VALUES_PER_CYCLE).filter(|&v| HardwarePlan::check_values_per_cycle(net, v).is_ok()).collect()
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
            // sf_conv keeps its weights in a ROM only; a fused pool has none.
            match layer.stage {
                Stage::Dense => layer.weights = WeightStore::Loaded,
                Stage::Conv { .. } => {
                    return Err(ModelError::plan(
                        index,
                        "a conv layer's weights cannot be loaded at start-up (only dense layers' can)",
                    ));
                }
                Stage::FusedPool => {
                    return Err(ModelError::plan(index, "a pooling layer has no weights to load"));
                }
            }
        }
        Ok(self)
    }

    /// The same plan with conv layer `index`'s membrane banks set to `banks`: more banks,
    /// fewer membrane words for the update pass to visit (one cycle each at least), at the
    /// cost of more, smaller memories. At least the layer's row taps, at most its output
    /// width rounded up to the pooling window, and a multiple of a following pooling window.
    ///
    /// ```
    /// let net = model::examples::fuzz_conv_hardware_network(0);
    /// # let index = net.layers.iter().position(|l| matches!(l.op, model::LayerOp::Conv2d(_))).unwrap();
    /// let plan = model::HardwarePlan::uniform(&net, 2).unwrap();
    /// let banks = plan.layers[index].stage.banks().unwrap();
    /// assert!(plan.clone().with_banks(&net, index, banks).is_ok());
    /// assert!(plan.with_banks(&net, index, 0).is_err());
    /// ```
    pub fn with_banks(mut self, net: &Network, index: usize, banks: u32) -> Result<HardwarePlan, ModelError> {
        let Some(BankRange { least, most, step, .. }) = bank_range(net, index) else {
            return Err(ModelError::plan(index, "membrane banks are a conv layer's; this layer is not one"));
        };
        if banks < least || banks > most || banks % step != 0 {
            let window = if step > 1 { format!(", a multiple of the pooling window {step}") } else { String::new() };
            return Err(ModelError::plan(
                index,
                format!("{banks} membrane banks; this conv layer takes {least} to {most}{window}"),
            ));
        }
        let layer = self.layers.get_mut(index).ok_or_else(|| ModelError::plan(index, "no such layer in the plan"))?;
        if let Stage::Conv { banks: b, .. } = &mut layer.stage {
            *b = banks;
        }
        Ok(self)
    }

    /// The same plan with every conv layer's membrane banks set to `banks` made legal for
    /// that layer ([`BankRange::legal`]): the way one number on a command line reaches
    /// layers of different widths and pooling windows.
    ///
    /// ```
    /// let net = model::examples::fuzz_conv_hardware_network(0);
    /// let plan = model::HardwarePlan::uniform(&net, 2).unwrap().with_conv_banks(&net, 1000).unwrap();
    /// for (index, layer) in plan.layers.iter().enumerate() {
    ///     if let Some(banks) = layer.stage.banks() {
    ///         assert_eq!(banks, model::plan::bank_range(&net, index).unwrap().most);
    ///     }
    /// }
    /// ```
    pub fn with_conv_banks(self, net: &Network, banks: u32) -> Result<HardwarePlan, ModelError> {
        (0..self.layers.len()).try_fold(self, |plan, index| match bank_range(net, index) {
            Some(range) => plan.with_banks(net, index, range.legal(banks)),
            None => Ok(plan),
        })
    }

    /// The same plan with every conv layer keeping `sets` membrane sets.
    ///
    /// ```
    /// use model::plan::MembraneSets;
    /// let net = model::examples::fuzz_conv_hardware_network(0);
    /// let plan = model::HardwarePlan::uniform(&net, 2).unwrap().with_membrane_sets(MembraneSets::One);
    /// assert!(plan.layers.iter().filter_map(|l| l.stage.sets()).all(|s| s == MembraneSets::One));
    /// ```
    pub fn with_membrane_sets(mut self, sets: MembraneSets) -> HardwarePlan {
        for layer in &mut self.layers {
            if let Stage::Conv { sets: s, .. } = &mut layer.stage {
                *s = sets;
            }
        }
        self
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::{ConvSpec, HiddenNeuron, random_conv_network};

    fn conv_net() -> Network {
        let spec = ConvSpec {
            name: "c".into(),
            input: crate::Shape3 { channels: 1, height: 8, width: 8 },
            arch: "c6k3p1-sp2-fc10".parse().unwrap(),
            timesteps: 2,
            neuron: HiddenNeuron::Binary,
            weight_bits: 4,
            decay: crate::Decay::Shift(1),
            input_density: 0.5,
        };
        random_conv_network(&spec, 1).unwrap()
    }

    #[test]
    fn conv_lanes_run_over_output_channels_and_pools_have_none() {
        let net = conv_net();
        assert_eq!((0..3).map(|i| lane_width(&net, i)).collect::<Vec<_>>(), vec![6, 1, 10]);
        let plan = HardwarePlan::uniform(&net, 4).unwrap();
        assert_eq!((plan.layers[0].lanes, plan.layers[0].groups), (4, 2));
        assert_eq!((plan.layers[1].lanes, plan.layers[1].groups), (1, 1));
    }

    #[test]
    fn bank_steps_are_legal_and_each_saves_a_word_per_row() {
        for width in 1u32..40 {
            for step in 1..5 {
                for least in (1..=width.div_ceil(step) * step).filter(|b| b % step == 0) {
                    let range = BankRange { least, most: (width.div_ceil(step) * step).max(least), step, width };
                    let steps = range.steps();
                    assert_eq!(steps.first(), Some(&range.legal(least)), "{range:?}");
                    assert_eq!(steps.last(), Some(&range.most), "{range:?}");
                    for &b in &steps {
                        assert_eq!(range.legal(b), b, "{range:?}");
                    }
                    for pair in steps.windows(2) {
                        assert!(width.div_ceil(pair[1]) < width.div_ceil(pair[0]), "{range:?}: {steps:?}");
                    }
                    // No legal count between two steps has fewer words than the lower one.
                    for b in (least..=range.most).filter(|b| b % step == 0) {
                        let at_most_b = steps.iter().rfind(|&&s| s <= b).unwrap();
                        assert_eq!(width.div_ceil(*at_most_b), width.div_ceil(b), "{range:?} at {b}");
                    }
                }
            }
        }
    }

    #[test]
    fn only_dense_layers_load_their_weights() {
        let net = conv_net();
        let plan = || HardwarePlan::uniform(&net, 2).unwrap();
        let conv = plan().with_loaded_weights(&[0]).unwrap_err().to_string();
        assert_eq!(
            conv,
            "hardware plan, layer 0: a conv layer's weights cannot be loaded at start-up (only dense layers' can)"
        );
        let pool = plan().with_loaded_weights(&[1]).unwrap_err().to_string();
        assert_eq!(pool, "hardware plan, layer 1: a pooling layer has no weights to load");
        assert_eq!(plan().with_loaded_weights(&[2]).unwrap().loaded_layers(), vec![2]);
    }
}

#[cfg(test)]
mod axis_tests {
    use super::AxisTaps;

    /// Against the contract's definition, enumerated: tap `k` reaches output `o` exactly when
    /// `o·S = pos + P - k` with `0 <= o < out` and `0 <= k < K`.
    #[test]
    fn axis_taps_match_the_definition_exhaustively() {
        for kernel in 1..=7u32 {
            for stride in 1..=4u32 {
                for padding in 0..kernel {
                    for out in 1..=9u32 {
                        for pos in 0..(out * stride + kernel) {
                            let reached: Vec<(u32, u32)> = (0..kernel)
                                .filter_map(|k| {
                                    let shifted = (pos + padding) as i64 - k as i64;
                                    let o = shifted / stride as i64;
                                    (shifted >= 0 && shifted % stride as i64 == 0 && o < out as i64)
                                        .then_some((k, o as u32))
                                })
                                .collect();
                            let a = AxisTaps::of(pos, kernel, stride, padding, out);
                            let listed: Vec<(u32, u32)> =
                                (0..a.count).map(|i| (a.first_tap + i * stride, a.first_out - i)).collect();
                            assert_eq!(listed, reached, "pos {pos} K {kernel} S {stride} P {padding} out {out}");
                        }
                    }
                }
            }
        }
    }
}
