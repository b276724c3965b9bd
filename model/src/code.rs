//! Spike codes: how an integer spike travels as binary planes, and the events it becomes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;

/// Most planes a code may have in a model file (events carry a 3-bit plane index).
pub const MAX_PLANES: usize = 8;

/// How an integer spike `s` in `0..=D` is sent.
///
/// `Planes([a_1, ..., a_K])`: `s = Σ_k a_k · b_k(s)` with one event per set plane `b_k`;
/// the PE adds `a_k · w` for that event (a shift when `a_k` is a power of two).
/// `Payload`: one event per non-zero spike carrying the value itself (a small multiplier
/// per lane, the fewest events).
///
/// ```
/// use model::SpikeCode;
/// let table = SpikeCode::Planes(vec![1, 2, 3]).table(6).unwrap();
/// assert_eq!(table.mask(3), 0b100); // one event of amplitude 3, not 1 + 2
/// assert_eq!(table.mask(5), 0b110); // 2 + 3
/// assert_eq!(table.events_for(6), Some(3));
/// assert!(SpikeCode::Planes(vec![1, 3]).table(4).is_err()); // 2 is unreachable
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpikeCode {
    /// Plane amplitudes, non-decreasing, each at least 1.
    Planes(Vec<u32>),
    /// The value itself in one event.
    Payload,
}

impl SpikeCode {
    /// The binary code `[1, 2, 4, ...]` with just enough planes for `max`.
    pub fn binary(max: u32) -> SpikeCode {
        let mut amps = vec![1u32];
        while amps.iter().map(|&a| a as u64).sum::<u64>() < max as u64 {
            let next = amps.last().copied().unwrap_or(1) * 2;
            amps.push(next);
        }
        SpikeCode::Planes(amps)
    }

    /// The unary code: `max` planes of amplitude 1.
    pub fn unary(max: u32) -> SpikeCode {
        SpikeCode::Planes(vec![1; max.max(1) as usize])
    }

    /// Number of planes K (1 for payload).
    pub fn planes(&self) -> usize {
        match self {
            SpikeCode::Planes(a) => a.len(),
            SpikeCode::Payload => 1,
        }
    }

    /// Amplitudes that are not powers of two: each costs a constant shift-add per lane.
    pub fn non_pow2(&self) -> usize {
        match self {
            SpikeCode::Planes(a) => a.iter().filter(|a| !a.is_power_of_two()).count(),
            SpikeCode::Payload => 0,
        }
    }

    /// Short text for tables, e.g. `[1,2,4]` or `payload`.
    pub fn label(&self) -> String {
        match self {
            SpikeCode::Planes(a) => format!("[{}]", a.iter().map(u32::to_string).collect::<Vec<_>>().join(",")),
            SpikeCode::Payload => "payload".into(),
        }
    }

    /// Build the encoding table for values `0..=max`, or say why the code cannot be used.
    pub fn table(&self, max: u32) -> Result<CodeTable, CodeError> {
        let amps = match self {
            SpikeCode::Payload => {
                return Ok(CodeTable { amplitudes: Vec::new(), masks: Vec::new(), max });
            }
            SpikeCode::Planes(a) => a,
        };
        if amps.is_empty() {
            return Err(CodeError::NoPlanes);
        }
        if amps.len() > MAX_PLANES {
            return Err(CodeError::TooManyPlanes { planes: amps.len() });
        }
        if let Some(k) = amps.iter().position(|&a| a == 0) {
            return Err(CodeError::ZeroAmplitude { plane: k });
        }
        if let Some(k) = amps.windows(2).position(|w| w[1] < w[0]) {
            return Err(CodeError::NotAscending { plane: k + 1 });
        }
        let masks = best_masks(amps, max);
        if let Some(s) = masks.iter().position(Option::is_none) {
            return Err(CodeError::Unrepresentable { value: s as u32 });
        }
        Ok(CodeTable { amplitudes: amps.clone(), masks: masks.into_iter().map(|m| m.unwrap_or(0)).collect(), max })
    }
}

/// `payload` or `planes:A,B,...` (the amplitudes); [`FromStr`] reads the same text back.
///
/// ```
/// use model::SpikeCode;
/// assert_eq!(SpikeCode::Planes(vec![1, 2, 3]).to_string(), "planes:1,2,3");
/// assert_eq!("payload".parse::<SpikeCode>(), Ok(SpikeCode::Payload));
/// assert!("planes:1,x".parse::<SpikeCode>().is_err());
/// ```
impl fmt::Display for SpikeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpikeCode::Payload => f.write_str("payload"),
            SpikeCode::Planes(a) => {
                write!(f, "planes:{}", a.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
            }
        }
    }
}

impl FromStr for SpikeCode {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<SpikeCode, ParseError> {
        let error = || ParseError { text: text.to_string(), expected: "payload or planes:A,B,..." };
        if text == "payload" {
            return Ok(SpikeCode::Payload);
        }
        let list = text.strip_prefix("planes:").ok_or_else(error)?;
        list.split(',')
            .map(|a| a.trim().parse::<u32>())
            .collect::<Result<_, _>>()
            .map(SpikeCode::Planes)
            .map_err(|_| error())
    }
}

/// A spike code as a user names it: a code, or `binary` / `unary`, the binary code with just
/// enough planes ([`SpikeCode::binary`]) or one plane of amplitude 1 per unit
/// ([`SpikeCode::unary`]) for the values it will carry, which only the value range it is
/// used with settles.
///
/// ```
/// use model::{CodeName, SpikeCode};
/// let binary: CodeName = "binary".parse().unwrap();
/// assert_eq!(binary.resolve(15), SpikeCode::Planes(vec![1, 2, 4, 8]));
/// assert_eq!("unary".parse::<CodeName>().unwrap().resolve(3), SpikeCode::Planes(vec![1, 1, 1]));
/// assert_eq!("planes:1,3".parse::<CodeName>().unwrap().to_string(), "planes:1,3");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeName {
    /// `binary`.
    Binary,
    /// `unary`.
    Unary,
    /// A code given in full.
    Code(SpikeCode),
}

impl CodeName {
    /// The code for values `0..=max`.
    pub fn resolve(&self, max: u32) -> SpikeCode {
        match self {
            CodeName::Binary => SpikeCode::binary(max),
            CodeName::Unary => SpikeCode::unary(max),
            CodeName::Code(code) => code.clone(),
        }
    }
}

impl fmt::Display for CodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeName::Binary => f.write_str("binary"),
            CodeName::Unary => f.write_str("unary"),
            CodeName::Code(code) => code.fmt(f),
        }
    }
}

impl FromStr for CodeName {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<CodeName, ParseError> {
        match text {
            "binary" => return Ok(CodeName::Binary),
            "unary" => return Ok(CodeName::Unary),
            _ => {}
        }
        text.parse()
            .map(CodeName::Code)
            .map_err(|_| ParseError { text: text.to_string(), expected: "payload, binary, unary or planes:A,B,..." })
    }
}

/// For each value `0..=max`, the mask with the fewest set planes that sums to it, ties going
/// to the numerically smallest mask (plane k is bit k). Exhaustive over `2^K` masks.
fn best_masks(amps: &[u32], max: u32) -> Vec<Option<u8>> {
    let mut best: Vec<Option<u8>> = vec![None; max as usize + 1];
    for mask in 0u32..(1u32 << amps.len()) {
        let sum: u64 = (0..amps.len()).filter(|k| mask >> k & 1 == 1).map(|k| amps[k] as u64).sum();
        if sum > max as u64 {
            continue;
        }
        let slot = &mut best[sum as usize];
        let better = match *slot {
            None => true,
            Some(old) => mask.count_ones() < old.count_ones(),
        };
        if better {
            *slot = Some(mask as u8);
        }
    }
    best
}

/// Why a spike code is unusable for a value range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// `planes: []`.
    #[error("the code has no planes")]
    NoPlanes,
    /// More than [`MAX_PLANES`] planes.
    #[error("{planes} planes, at most {MAX_PLANES} allowed")]
    TooManyPlanes {
        /// Planes given.
        planes: usize,
    },
    /// An amplitude of 0.
    #[error("plane {plane} has amplitude 0")]
    ZeroAmplitude {
        /// Offending plane.
        plane: usize,
    },
    /// Amplitudes must be non-decreasing so plane order is canonical.
    #[error("amplitudes must be non-decreasing (plane {plane} is smaller than the one before)")]
    NotAscending {
        /// First plane out of order.
        plane: usize,
    },
    /// Some value in range has no representation.
    #[error("value {value} cannot be represented as a sum of distinct planes")]
    Unrepresentable {
        /// Smallest unrepresentable value.
        value: u32,
    },
}

/// A checked code with its canonical encoding of every value `0..=max`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeTable {
    amplitudes: Vec<u32>,
    /// `masks[s]`: planes set for value `s` (empty for payload codes).
    masks: Vec<u8>,
    max: u32,
}

impl CodeTable {
    /// True for [`SpikeCode::Payload`].
    pub fn is_payload(&self) -> bool {
        self.amplitudes.is_empty()
    }

    /// Plane amplitudes (empty for payload).
    pub fn amplitudes(&self) -> &[u32] {
        &self.amplitudes
    }

    /// Planes set for magnitude `s` (bit k = plane k); payload codes report bit 0 for s > 0.
    pub fn mask(&self, s: u32) -> u8 {
        if self.is_payload() { u8::from(s > 0) } else { self.masks[s as usize] }
    }

    /// Number of events a spike of magnitude `s` costs, or `None` above the table's range.
    pub fn events_for(&self, s: u32) -> Option<u32> {
        (s <= self.max).then(|| self.mask(s).count_ones())
    }

    /// The most events any value of the table's range `0..=max` costs.
    pub fn max_events(&self) -> u32 {
        (0..=self.max).filter_map(|v| self.events_for(v)).max().unwrap_or(0)
    }

    /// Append the events of `value` from `source`, in plane order. Negative values (ternary)
    /// carry negated multipliers.
    pub fn push_events(&self, source: u32, value: i32, out: &mut Vec<SpikeEvent>) {
        if value == 0 {
            return;
        }
        if self.is_payload() {
            out.push(SpikeEvent { source, plane: 0, multiplier: value });
            return;
        }
        let sign = value.signum();
        let mask = self.masks[value.unsigned_abs() as usize];
        for (k, &a) in self.amplitudes.iter().enumerate() {
            if mask >> k & 1 == 1 {
                out.push(SpikeEvent { source, plane: k as u8, multiplier: sign * a as i32 });
            }
        }
    }
}

/// One event on the wire between layers: "input `source` has plane `plane` set". The
/// receiving PE adds `multiplier · w[source][j]` to every neuron `j`. `multiplier` is the
/// plane amplitude, negated for a negative ternary spike, or the whole value for payload codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpikeEvent {
    /// Index of the emitting neuron (or input pixel).
    pub source: u32,
    /// Plane index in the code.
    pub plane: u8,
    /// Signed amount the weight is scaled by.
    pub multiplier: i32,
}

/// Minimal number of planes summing to each value `0..=max` (`None` where impossible), for
/// any amplitude list (duplicates allowed, no plane limit). Used by the solver and reports.
pub fn min_planes(amplitudes: &[u32], max: u32) -> Vec<Option<u32>> {
    let mut best: Vec<Option<u32>> = vec![None; max as usize + 1];
    best[0] = Some(0);
    for &a in amplitudes {
        let a = a as usize;
        if a == 0 || a > max as usize {
            continue;
        }
        for s in (a..=max as usize).rev() {
            if let Some(c) = best[s - a] {
                if best[s].is_none_or(|b| c + 1 < b) {
                    best[s] = Some(c + 1);
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_code() -> impl Strategy<Value = SpikeCode> {
        prop_oneof![Just(SpikeCode::Payload), prop::collection::vec(any::<u32>(), 1..10).prop_map(SpikeCode::Planes)]
    }

    proptest! {
        #[test]
        fn code_names_round_trip(code in any_code(), named in 0..3u8) {
            prop_assert_eq!(code.to_string().parse::<SpikeCode>(), Ok(code.clone()));
            let name = match named {
                0 => CodeName::Binary,
                1 => CodeName::Unary,
                _ => CodeName::Code(code),
            };
            prop_assert_eq!(name.to_string().parse::<CodeName>(), Ok(name));
        }
    }

    #[test]
    fn unknown_code_names_say_what_is_expected() {
        let e = "planes:1,,2".parse::<CodeName>().unwrap_err().to_string();
        assert_eq!(e, "`planes:1,,2`: expected payload, binary, unary or planes:A,B,...");
        assert!("binary".parse::<SpikeCode>().is_err(), "binary needs a value range");
        assert!("planes:".parse::<SpikeCode>().is_err() && "Payload".parse::<SpikeCode>().is_err());
        assert_eq!("planes: 1, 2".parse::<SpikeCode>(), Ok(SpikeCode::Planes(vec![1, 2])));
    }

    #[test]
    fn binary_code_has_just_enough_planes() {
        assert_eq!(SpikeCode::binary(1), SpikeCode::Planes(vec![1]));
        assert_eq!(SpikeCode::binary(7), SpikeCode::Planes(vec![1, 2, 4]));
        assert_eq!(SpikeCode::binary(8), SpikeCode::Planes(vec![1, 2, 4, 8]));
        assert_eq!(SpikeCode::binary(255).planes(), 8);
    }

    #[test]
    fn table_prefers_fewest_planes_then_smallest_mask() {
        let t = SpikeCode::Planes(vec![1, 2, 3]).table(6).unwrap();
        assert_eq!(t.mask(3), 0b100); // 3 alone beats 1 + 2
        assert_eq!(t.mask(4), 0b101);
        assert_eq!(t.mask(6), 0b111);
        let unary = SpikeCode::unary(3).table(3).unwrap();
        assert_eq!(unary.mask(2), 0b011);
    }

    #[test]
    fn table_rejects_bad_codes() {
        assert_eq!(SpikeCode::Planes(vec![]).table(1), Err(CodeError::NoPlanes));
        assert_eq!(SpikeCode::Planes(vec![2, 1]).table(1), Err(CodeError::NotAscending { plane: 1 }));
        assert_eq!(SpikeCode::Planes(vec![0, 1]).table(1), Err(CodeError::ZeroAmplitude { plane: 0 }));
        assert_eq!(SpikeCode::Planes(vec![1, 3]).table(5), Err(CodeError::Unrepresentable { value: 2 }));
        assert_eq!(SpikeCode::Planes(vec![1; 9]).table(9), Err(CodeError::TooManyPlanes { planes: 9 }));
    }

    #[test]
    fn events_reconstruct_the_value() {
        let t = SpikeCode::Planes(vec![1, 2, 4, 5]).table(12).unwrap();
        for v in 0..=12 {
            let mut ev = Vec::new();
            t.push_events(7, v, &mut ev);
            assert_eq!(ev.iter().map(|e| e.multiplier).sum::<i32>(), v);
            assert!(ev.windows(2).all(|w| w[0].plane < w[1].plane));
        }
        let tern = SpikeCode::Planes(vec![1]).table(1).unwrap();
        let mut ev = Vec::new();
        tern.push_events(3, -1, &mut ev);
        assert_eq!(ev, vec![SpikeEvent { source: 3, plane: 0, multiplier: -1 }]);
    }

    #[test]
    fn min_planes_matches_table() {
        let amps = [1, 2, 3, 7];
        let dp = min_planes(&amps, 13);
        let t = SpikeCode::Planes(amps.to_vec()).table(13).unwrap();
        for s in 0..=13u32 {
            assert_eq!(dp[s as usize], t.events_for(s));
        }
    }
}
