//! Leaky variants of the random networks: [`Decay::Leak`] came after [`super::fuzz_network`]
//! and [`super::fuzz_conv_hardware_network`], whose every seed must keep giving the network it
//! gave before, so leaks are laid over a finished network from a stream of their own.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::network::{Decay, LayerOp, Network};

/// Mixed into the seed so that the leak draws share no stream with the networks' own.
const LEAK_STREAM: u64 = 0x1eac_0000_5eed_0001;

/// `net` with `Decay::Leak(k)` on about two of three neuron layers (readout included; a
/// pooling layer has no membrane and keeps its decay), `k` mostly 1 to 4 (visible within
/// a few timesteps), sometimes up to 31. Deterministic for a seed; used by the property
/// tests and co-simulation of the leak mode.
///
/// ```
/// use model::Decay;
/// let net = model::examples::with_random_leaks(model::examples::fuzz_network(3), 3);
/// net.validate().unwrap();
/// assert!(net.layers.iter().any(|l| matches!(l.neuron.decay, Decay::Leak(_))));
/// ```
pub fn with_random_leaks(mut net: Network, seed: u64) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ LEAK_STREAM);
    let neurons: Vec<usize> = (0..net.layers.len())
        .filter(|&i| !matches!(net.layers[i].op, LayerOp::SumPool2d(_) | LayerOp::MaxPool2d(_)))
        .collect();
    // At least one leaky layer, so no draw is wasted on a network without one.
    let always = neurons.get(rng.random_range(0..neurons.len().max(1))).copied();
    for index in neurons {
        if Some(index) != always && rng.random_bool(1.0 / 3.0) {
            continue;
        }
        let k = if rng.random_bool(0.8) { rng.random_range(1..=4) } else { rng.random_range(5..=31) };
        net.layers[index].neuron.decay = Decay::Leak(k);
    }
    net
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::{fuzz_conv_hardware_network, fuzz_network};

    #[test]
    fn leaky_networks_validate_and_only_their_decays_change() {
        for seed in 0..200 {
            for base in [fuzz_network(seed), fuzz_conv_hardware_network(seed)] {
                let leaky = with_random_leaks(base.clone(), seed);
                leaky.validate().unwrap_or_else(|e| panic!("seed {seed}: {e}"));
                assert!(leaky.layers.iter().any(|l| matches!(l.neuron.decay, Decay::Leak(_))), "seed {seed}");
                let mut undone = leaky.clone();
                for (l, b) in undone.layers.iter_mut().zip(&base.layers) {
                    l.neuron.decay = b.neuron.decay;
                }
                assert_eq!(undone, base, "seed {seed}");
            }
        }
    }
}
