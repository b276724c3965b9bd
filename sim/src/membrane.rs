//! Membrane digests: co-simulation checks the membranes too, not only what they fire.
//!
//! A wrong membrane that never changes a spike on the test data (a flipped bias bit on a
//! neuron that stays below threshold) is still a wrong chip. Every update pass writes each
//! neuron's post-reset membrane `v'` once per item (input, timestep); the RTL's
//! simulation-only membrane tap shows those values, the harness (and the Verilog testbench)
//! folds them into one [`MembraneDigest`] per layer and item and prints it on the item's
//! DONE record, and the golden model folds its own `v'` the same way.
//!
//! The fold is a wrapping sum, so the order the hardware visits neurons in (lanes, groups,
//! banks, channels) does not matter, of a 64-bit mix of the neuron's index and its value
//! (`splitmix64`'s finalizer over `value ^ neuron · φ`): one wrong value changes the
//! digest except with probability ~2^-64. Three implementations must agree bit for bit:
//! [`mix`] here, `sf_mix` in `sim/src/cosim/harness.cpp` and `mix` in
//! `hdl-gen/rtl/sim/sf_tb_tap.v`.
//!
//! What is folded, per layer kind (ARCHITECTURE.md "Co-simulation"): a spiking layer's `v'`
//! after fire and reset; a readout layer's `u` (what it stores); a layer with lateral
//! connections only its final pass (not the provisional `u1`); a pooling layer has no
//! membrane and its digest is 0.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The golden ratio's 64-bit fraction: spreads neuron indices before they meet the value.
const NEURON_SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;
/// `splitmix64`'s first finalizer constant.
const MIX_MULTIPLIER: u64 = 0xBF58_476D_1CE4_E5B9;

/// One neuron's term of a digest: `h = (v as u64) ^ (j · φ)`, `h = (h ^ (h >> 31)) · C`,
/// `h ^ (h >> 29)`, all wrapping at 64 bits (`v` sign-extended to 64 bits).
pub fn mix(neuron: u32, value: i64) -> u64 {
    let h = (value as u64) ^ u64::from(neuron).wrapping_mul(NEURON_SPREAD);
    let h = (h ^ (h >> 31)).wrapping_mul(MIX_MULTIPLIER);
    h ^ (h >> 29)
}

/// The digest of one layer's membranes at one item: the wrapping sum of [`mix`] over its
/// neurons. Printed in hexadecimal, as the records carry it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MembraneDigest(pub u64);

impl MembraneDigest {
    /// The digest of `values[j]` for every neuron `j`.
    pub fn of(values: &[i64]) -> MembraneDigest {
        let mut digest = MembraneDigest::default();
        for (j, &v) in values.iter().enumerate() {
            digest.fold(j as u32, v);
        }
        digest
    }

    /// Add one neuron's value.
    pub fn fold(&mut self, neuron: u32, value: i64) {
        self.0 = self.0.wrapping_add(mix(neuron, value));
    }
}

impl fmt::Display for MembraneDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Pinned values: the C++ harness and the Verilog testbench are checked against the
    /// golden model in every co-simulation, but a change here would silently change all
    /// three definitions' meaning in the docs.
    #[test]
    fn mix_is_pinned() {
        assert_eq!(mix(0, 0), 0);
        assert_eq!(mix(1, 0), {
            let h = NEURON_SPREAD;
            let h = (h ^ (h >> 31)).wrapping_mul(MIX_MULTIPLIER);
            h ^ (h >> 29)
        });
        assert_ne!(mix(0, -1), mix(0, 1));
        assert_ne!(mix(3, 7), mix(7, 3));
    }

    proptest! {
        /// Order does not matter; any single changed value or swapped pair of different
        /// values changes the digest.
        #[test]
        fn the_digest_ignores_order_and_sees_every_value(
            values in proptest::collection::vec(-1_000_000i64..1_000_000, 1..64),
            at in any::<prop::sample::Index>(),
            delta in 1i64..1000,
        ) {
            let digest = MembraneDigest::of(&values);
            let mut reversed = MembraneDigest::default();
            for (j, &v) in values.iter().enumerate().rev() {
                reversed.fold(j as u32, v);
            }
            prop_assert_eq!(digest, reversed);
            let i = at.index(values.len());
            let mut changed = values.clone();
            changed[i] += delta;
            prop_assert_ne!(MembraneDigest::of(&changed), digest);
            if values.len() > 1 {
                let k = (i + 1) % values.len();
                if values[i] != values[k] {
                    let mut swapped = values.clone();
                    swapped.swap(i, k);
                    prop_assert_ne!(MembraneDigest::of(&swapped), digest);
                }
            }
        }
    }
}
