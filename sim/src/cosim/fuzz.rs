//! Randomized co-simulation: random networks ([`model::examples::fuzz_network`], or
//! [`model::examples::fuzz_conv_hardware_network`] for the conv family) with random lanes
//! (and conv membrane banks) per layer and random inputs, generated, compiled and compared
//! exactly like a user's model. Each case is a pure function of its family and seed, so a
//! failure replays with `spikeforge cosim-fuzz --family F --networks 1 --seed S`.

use std::path::Path;

use model::examples::{fuzz_conv_hardware_network, fuzz_network};
use model::plan::{bank_range, lane_width};
use model::{HardwarePlan, LayerOp, MembraneSets};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::{CosimOptions, Shard, SimTimeout, SimulatorKind, cosimulate};
use crate::error::SimError;
use crate::golden::Golden;

/// Which random networks a case draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FuzzFamily {
    /// Dense networks: every neuron kind and code, lateral connections, loaded weights.
    Dense,
    /// Conv networks: conv layers of every neuron kind, stride and padding, fused sum and
    /// max pooling, a dense tail half the time; random channel lanes and membrane banks.
    Conv,
}

impl FuzzFamily {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FuzzFamily::Dense => "dense",
            FuzzFamily::Conv => "conv",
        }
    }
}

/// One randomized case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FuzzCase {
    /// The kind of network.
    pub family: FuzzFamily,
    /// Seed of the network, plan and inputs.
    pub seed: u64,
    /// Short description, e.g. `9 -> 5 integer D=3 -> 2 readout, T=2`.
    pub network: String,
    /// Lanes per layer.
    pub lanes: Vec<u32>,
    /// Membrane banks per conv layer, in layer order.
    pub banks: Vec<u32>,
    /// Membrane sets of every conv layer (conv networks).
    pub sets: Option<u32>,
    /// Layers whose weights are in a start-up-loaded RAM (preloaded in co-simulation).
    pub loaded: Vec<usize>,
    /// Input values the encoder takes per cycle.
    pub values_per_cycle: u32,
    /// Inputs simulated.
    pub inputs: usize,
    /// RTL cycles simulated.
    pub cycles: u64,
    /// The first mismatch, if any.
    pub mismatch: Option<String>,
}

impl FuzzCase {
    /// The line that reports this case's mismatch, if it has one: family, seed, network,
    /// plan and where the RTL disagrees (with the waveform).
    pub fn failure(&self) -> Option<String> {
        self.mismatch.as_ref().map(|m| {
            format!(
                "{} seed {}: {} (lanes {:?}, banks {}, loaded weights {:?}{}): {m}",
                self.family.name(),
                self.seed,
                self.network,
                self.lanes,
                self.banks_and_sets(),
                self.loaded,
                match self.values_per_cycle {
                    1 => String::new(),
                    v => format!(", encoder {v} values per cycle"),
                }
            )
        })
    }

    /// Conv banks and membrane sets, e.g. `[4, 2] x2`.
    pub fn banks_and_sets(&self) -> String {
        match self.sets {
            Some(sets) => format!("{:?} x{sets}", self.banks),
            None => format!("{:?}", self.banks),
        }
    }
}

/// The cases of a campaign: `networks` seeds from `first_seed` of each family, the seeds of
/// `shard` only (seed offset `i` goes to shard `(i mod N) + 1`, both families alike), in
/// family order.
pub fn fuzz_jobs(families: &[FuzzFamily], first_seed: u64, networks: u64, shard: Shard) -> Vec<(FuzzFamily, u64)> {
    families.iter().flat_map(|&f| shard.select(0..networks).map(move |i| (f, first_seed + i))).collect()
}

/// Describe a network in one line.
pub fn describe(net: &model::Network) -> String {
    let mut parts = vec![format!("in {}", net.input.size())];
    for l in &net.layers {
        let lateral = if l.lateral.is_some() { " +lateral" } else { "" };
        let op = match &l.op {
            LayerOp::Dense(_) => String::new(),
            LayerOp::Conv2d(c) => format!("conv k{} s{} p{} ", c.kernel, c.stride, c.padding),
            LayerOp::SumPool2d(p) => format!("sum pool {} of ", p.kernel),
            LayerOp::MaxPool2d(p) => format!("max pool {} of ", p.kernel),
        };
        let shape =
            l.output_shape().map_or(l.outputs().to_string(), |s| format!("{}x{}x{}", s.channels, s.height, s.width));
        parts.push(format!("{op}{shape} {}{lateral}", l.neuron.kind.label()));
    }
    format!("{}, T={}", parts.join(" -> "), net.timesteps)
}

/// Random inputs for `net`: half uniform, half at the range ends (where bounds are tight).
pub fn random_inputs(net: &model::Network, count: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let max = net.input.max_value;
    let mut v = Vec::with_capacity(count * net.input.size());
    for _ in 0..count {
        let extreme = rng.random_bool(0.5);
        for _ in 0..net.input.size() {
            v.push(if extreme {
                if rng.random_bool(0.5) { max as u8 } else { 0 }
            } else {
                rng.random_range(0..=max) as u8
            });
        }
    }
    v
}

/// Generate, build and co-simulate the network of `family` and `seed` on `inputs` random
/// inputs, in `work_dir/<family><seed>`. Returns the case; a mismatch is data, not an error.
pub fn fuzz_case(
    family: FuzzFamily,
    seed: u64,
    inputs: usize,
    simulator: SimulatorKind,
    work_dir: &Path,
    cache: &Path,
) -> Result<FuzzCase, SimError> {
    let (net, plan, lanes, loaded, banks, sets, mut rng) = match family {
        FuzzFamily::Dense => {
            let net = fuzz_network(seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00c0_ffee);
            let lanes: Vec<u32> = net.layers.iter().map(|l| rng.random_range(1..=l.outputs() as u32)).collect();
            // A quarter of the layers keep their weights in a start-up-loaded RAM (preloaded
            // here: the RAM's port and timing are under test; the UART tests cover the load
            // itself). Its own generator, so the lanes and inputs of a seed stay what they
            // always were.
            let mut store_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0010_aded);
            let loaded: Vec<usize> = (0..net.layers.len()).filter(|_| store_rng.random_bool(0.25)).collect();
            let plan = HardwarePlan::per_layer(&net, &lanes)?.with_loaded_weights(&loaded)?;
            (net, plan, lanes, loaded, Vec::new(), None, rng)
        }
        FuzzFamily::Conv => {
            let net = fuzz_conv_hardware_network(seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00c0_ffee);
            // Conv lanes run over output channels; a fused pooling layer has one.
            let lanes: Vec<u32> =
                (0..net.layers.len()).map(|i| rng.random_range(1..=lane_width(&net, i).max(1))).collect();
            let mut plan = HardwarePlan::per_layer(&net, &lanes)?;
            let mut banks = Vec::new();
            for index in 0..net.layers.len() {
                let Some(range) = bank_range(&net, index) else { continue };
                // Any legal count: from the fewest to a word per output row.
                let choice = range.least + range.step * rng.random_range(0..=(range.most - range.least) / range.step);
                plan = plan.with_banks(&net, index, choice)?;
                banks.push(choice);
            }
            // Its own generator, so the lanes, banks and inputs of a seed stay what they were.
            let sets = if ChaCha8Rng::seed_from_u64(seed ^ 0x5e75).random_bool(0.5) {
                MembraneSets::Two
            } else {
                MembraneSets::One
            };
            let plan = plan.with_membrane_sets(sets);
            (net, plan, lanes, Vec::new(), banks, Some(sets.count()), rng)
        }
    };
    // Half the networks get a wider encoder, any width the input allows; its own generator,
    // so the network, plan and inputs of a seed stay what they were.
    let widths = HardwarePlan::encoder_widths(&net);
    let mut width_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00c4_a2c4);
    let values_per_cycle = match widths.get(1..) {
        Some(wider) if !wider.is_empty() && width_rng.random_bool(0.5) => wider[width_rng.random_range(0..wider.len())],
        _ => 1,
    };
    let plan = plan.with_values_per_cycle(&net, values_per_cycle)?;
    let design = hdl_gen::generate(&net, &plan).map_err(|source| SimError::Generate { seed: Some(seed), source })?;
    let dir = work_dir.join(format!("{}{seed}", family.name()));
    hdl_gen::write_dir(&design, &dir, true).map_err(|source| SimError::Generate { seed: Some(seed), source })?;
    let golden = Golden::new(&net)?;
    let values = random_inputs(&net, inputs, &mut rng);
    let options = CosimOptions {
        simulator,
        cache: cache.to_path_buf(),
        vcd_dir: Some(dir.join("vcd")),
        progress: &|_| {},
        timeout: SimTimeout::default(),
        stall: None,
    };
    let outcome = cosimulate(&golden, &plan, &dir, &values, &options)?;
    let mismatch = outcome.report.first.as_ref().map(|m| {
        let vcd = outcome.vcd.as_ref().map(|p| format!(" (waveform {})", p.display())).unwrap_or_default();
        format!("{m}{vcd}")
    });
    if mismatch.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(FuzzCase {
        family,
        seed,
        network: describe(&net),
        lanes,
        banks,
        sets,
        loaded,
        values_per_cycle,
        inputs,
        cycles: outcome.report.rtl_cycles,
        mismatch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shards_of_a_campaign_are_its_seeds_split_both_families_alike() {
        let families = [FuzzFamily::Dense, FuzzFamily::Conv];
        let whole = fuzz_jobs(&families, 5, 10, Shard::WHOLE);
        assert_eq!(whole.len(), 20);
        assert_eq!(whole[0], (FuzzFamily::Dense, 5));
        assert_eq!(whole[19], (FuzzFamily::Conv, 14));
        let mut union: Vec<(FuzzFamily, u64)> =
            (1..=3).flat_map(|i| fuzz_jobs(&families, 5, 10, Shard::new(i, 3).unwrap())).collect();
        assert_eq!(
            fuzz_jobs(&families, 5, 10, Shard::new(2, 3).unwrap())[..3],
            [(FuzzFamily::Dense, 6), (FuzzFamily::Dense, 9), (FuzzFamily::Dense, 12)]
        );
        let key = |j: &(FuzzFamily, u64)| (j.0.name(), j.1);
        union.sort_by_key(key);
        let mut whole = whole;
        whole.sort_by_key(key);
        assert_eq!(union, whole);
    }
}
