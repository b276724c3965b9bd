//! The LMS "optimal spike representation" integer program, solved exactly.
//!
//! Given a spike maximum `D`, a histogram `h[s]` of emitted values `s = 0..=D` and limits on
//! the number of planes K and of non-power-of-two amplitudes, find amplitudes
//! `a_1 <= ... <= a_K` minimising `Σ_s h[s] · planes(s)`, where `planes(s)` is the fewest
//! distinct planes summing to `s`, subject to every `s` in `0..=D` being representable.
//!
//! Branch and bound over non-decreasing amplitude sequences:
//! - completeness: with amplitudes sorted, every value up to `D` is representable iff each
//!   `a_{m+1} <= a_1 + ... + a_m + 1` (the value just above the current sum needs a plane
//!   no larger than itself), which also caps `a_{m+1}`;
//! - reach: `r` more planes can at most turn a sum `S` into `(S + 1)·2^r - 1`;
//! - bound: once the next amplitude is `a`, values below `a` keep their current plane count
//!   and every other non-zero value needs at least one plane.
//!
//! Costs are exact integers (histogram counts times planes), so ties are decided by a fixed
//! order: cost, then fewer planes, then fewer non-power-of-two amplitudes, then the
//! lexicographically smaller amplitude list.
//!
//! ```
//! use model::solver::{solve, SolverLimits};
//! // Mostly 0s and 3s: a plane of amplitude 3 makes the common value one event.
//! let hist = [50, 5, 5, 40];
//! let best = solve(3, &hist, SolverLimits { max_planes: 2, max_non_pow2: None }).unwrap();
//! assert_eq!(best.code, model::SpikeCode::Planes(vec![1, 2]));
//! let best = solve(3, &hist, SolverLimits { max_planes: 3, max_non_pow2: None }).unwrap();
//! assert_eq!(best.code, model::SpikeCode::Planes(vec![1, 2, 3]));
//! ```

use std::cmp::Ordering;

use serde::Serialize;

use crate::code::{MAX_PLANES, SpikeCode, min_planes};
use crate::error::ModelError;

/// Constraints on the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SolverLimits {
    /// Most planes K (1..=8).
    pub max_planes: usize,
    /// Most amplitudes that are not powers of two (each a shift-add per lane); `None` = any.
    pub max_non_pow2: Option<usize>,
}

/// A code with what it costs on a histogram.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CodeCost {
    /// The code.
    pub code: SpikeCode,
    /// `Σ h[s] · events(s)`: total events over the histogram (exact).
    pub total_events: u128,
    /// Events per emitted value, zeros included: what cycles follow.
    pub events_per_spike: f64,
    /// Events per non-zero value.
    pub events_per_nonzero: f64,
    /// Planes K.
    pub planes: usize,
    /// Non-power-of-two amplitudes: constant shift-adds per lane, or pre-scaled weight copies.
    pub non_pow2: usize,
    /// True for the payload code, which needs a small multiplier per lane.
    pub multiplier: bool,
}

/// The solver's answer next to the reference codes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CodeReport {
    /// D.
    pub max_spike: u32,
    /// Sum of the histogram.
    pub samples: u64,
    /// Minimal expected events within the limits.
    pub optimal: CodeCost,
    /// `[1, 2, 4, ...]`.
    pub binary: CodeCost,
    /// `D` planes of amplitude 1 (may exceed the plane limit; shown for reference).
    pub unary: CodeCost,
    /// One event per non-zero value.
    pub payload: CodeCost,
    /// Codes not beaten on all of (events, non-power-of-two amplitudes, planes) at once,
    /// fewest events first.
    pub pareto: Vec<CodeCost>,
}

/// Cost of `code` on `histogram` (values `0..=max_spike`), or `None` if it cannot represent
/// every value.
pub fn cost_of(code: &SpikeCode, max_spike: u32, histogram: &[u64]) -> Option<CodeCost> {
    let samples: u64 = histogram.iter().sum();
    let nonzero: u64 = histogram.iter().skip(1).sum();
    let total: u128 = match code {
        SpikeCode::Payload => nonzero as u128,
        SpikeCode::Planes(amps) => {
            let dp = min_planes(amps, max_spike);
            let mut total = 0u128;
            for (s, &h) in histogram.iter().enumerate() {
                total += h as u128 * dp.get(s).copied().flatten()? as u128;
            }
            if dp.iter().any(Option::is_none) {
                return None;
            }
            total
        }
    };
    let per = |n: u64| if n == 0 { 0.0 } else { total as f64 / n as f64 };
    Some(CodeCost {
        code: code.clone(),
        total_events: total,
        events_per_spike: per(samples),
        events_per_nonzero: per(nonzero),
        planes: code.planes(),
        non_pow2: code.non_pow2(),
        multiplier: *code == SpikeCode::Payload,
    })
}

fn check(max_spike: u32, histogram: &[u64], limits: SolverLimits) -> Result<(), ModelError> {
    let fail = |reason: String| Err(ModelError::Solver { reason });
    if max_spike == 0 || max_spike > 255 {
        return fail(format!("spike maximum D = {max_spike}, must be 1..=255"));
    }
    if histogram.len() != max_spike as usize + 1 {
        return fail(format!("histogram has {} bins, expected D + 1 = {}", histogram.len(), max_spike + 1));
    }
    if histogram.iter().all(|&h| h == 0) {
        return fail("histogram is all zeros".into());
    }
    if limits.max_planes == 0 || limits.max_planes > MAX_PLANES {
        return fail(format!("plane limit {} must be 1..={MAX_PLANES}", limits.max_planes));
    }
    let reach = (1u64 << limits.max_planes) - 1;
    if reach < max_spike as u64 {
        return fail(format!(
            "{} planes reach at most {reach} < D = {max_spike}; allow at least {} planes",
            limits.max_planes,
            64 - (max_spike as u64).leading_zeros()
        ));
    }
    Ok(())
}

/// Key deciding between codes: cost, planes, non-powers-of-two, amplitudes.
fn better(a: (u128, &[u32]), b: (u128, &[u32])) -> bool {
    let np = |x: &[u32]| x.iter().filter(|v| !v.is_power_of_two()).count();
    (a.0, a.1.len(), np(a.1)).cmp(&(b.0, b.1.len(), np(b.1))).then_with(|| a.1.cmp(b.1)) == Ordering::Less
}

struct Search<'a> {
    max: usize,
    hist: &'a [u64],
    limits: SolverLimits,
    best: Option<(u128, Vec<u32>)>,
}

impl Search<'_> {
    fn descend(&mut self, amps: &mut Vec<u32>, dp: &[u32], sum: u64) {
        if sum >= self.max as u64 {
            let cost: u128 = self.hist.iter().zip(dp).map(|(&h, &c)| h as u128 * c as u128).sum();
            if self.best.as_ref().is_none_or(|(bc, ba)| better((cost, amps), (*bc, ba))) {
                self.best = Some((cost, amps.clone()));
            }
        }
        let remaining = self.limits.max_planes - amps.len();
        if remaining == 0 {
            return;
        }
        let non_pow2 = amps.iter().filter(|a| !a.is_power_of_two()).count();
        let lo = amps.last().copied().unwrap_or(1);
        let hi = (sum + 1).min(self.max as u64) as u32;
        // Cost of values below `a` is fixed once `a` is the next amplitude (bound above).
        let mut fixed: u128 = self.hist.iter().zip(dp).take(lo as usize).map(|(&h, &c)| h as u128 * c as u128).sum();
        // Value 0 costs nothing, so it is never in `rest`.
        let mut rest: u128 = self.hist.iter().skip((lo as usize).max(1)).map(|&h| h as u128).sum();
        for a in lo..=hi {
            if a > lo {
                let s = (a - 1) as usize;
                fixed += self.hist[s] as u128 * dp[s] as u128;
                if s >= 1 {
                    rest -= self.hist[s] as u128;
                }
            }
            if let Some((bc, _)) = &self.best {
                if fixed + rest > *bc {
                    break; // the bound only grows with `a`
                }
            }
            if !a.is_power_of_two() && self.limits.max_non_pow2.is_some_and(|cap| non_pow2 >= cap) {
                continue;
            }
            let new_sum = sum + a as u64;
            let after = remaining as u32 - 1;
            if new_sum < self.max as u64 && (new_sum + 1).checked_shl(after).is_some_and(|r| r - 1 < self.max as u64) {
                continue;
            }
            let mut next = dp.to_vec();
            for s in (a as usize..=self.max).rev() {
                let via = next[s - a as usize].saturating_add(1);
                if via < next[s] {
                    next[s] = via;
                }
            }
            amps.push(a);
            self.descend(amps, &next, new_sum);
            amps.pop();
        }
    }
}

/// The code with minimal expected events for `histogram` over `0..=max_spike` within
/// `limits` (exact; see the module docs for the tie order).
pub fn solve(max_spike: u32, histogram: &[u64], limits: SolverLimits) -> Result<CodeCost, ModelError> {
    check(max_spike, histogram, limits)?;
    let max = max_spike as usize;
    let mut dp = vec![u32::MAX; max + 1];
    dp[0] = 0;
    let mut search = Search { max, hist: histogram, limits, best: None };
    search.descend(&mut Vec::new(), &dp, 0);
    let (_, amps) = search.best.ok_or_else(|| ModelError::Solver {
        reason: format!(
            "no code for D = {max_spike} within {} planes and {:?} non-power-of-two amplitudes",
            limits.max_planes, limits.max_non_pow2
        ),
    })?;
    let code = SpikeCode::Planes(amps);
    Ok(cost_of(&code, max_spike, histogram).expect("the search only returns complete codes"))
}

/// The optimal code, the binary, unary and payload codes, and the Pareto table.
pub fn report(max_spike: u32, histogram: &[u64], limits: SolverLimits) -> Result<CodeReport, ModelError> {
    let optimal = solve(max_spike, histogram, limits)?;
    let reference = |code: SpikeCode| cost_of(&code, max_spike, histogram).expect("reference codes are complete");
    let mut candidates: Vec<CodeCost> = Vec::new();
    let min_planes = 64 - (max_spike as u64).leading_zeros() as usize;
    for k in min_planes..=limits.max_planes {
        for cap in 0..=k {
            if limits.max_non_pow2.is_some_and(|c| cap > c) {
                continue;
            }
            if let Ok(c) = solve(max_spike, histogram, SolverLimits { max_planes: k, max_non_pow2: Some(cap) }) {
                if !candidates.iter().any(|x| x.code == c.code) {
                    candidates.push(c);
                }
            }
        }
    }
    let payload = reference(SpikeCode::Payload);
    candidates.push(payload.clone());
    // Costs to minimise together: events (cycles), adders, planes, needing a multiplier.
    let key = |c: &CodeCost| [c.total_events, c.non_pow2 as u128, c.planes as u128, u128::from(c.multiplier)];
    let dominated = |c: &CodeCost| {
        let kc = key(c);
        candidates.iter().any(|o| {
            let ko = key(o);
            ko.iter().zip(&kc).all(|(a, b)| a <= b) && ko != kc
        })
    };
    let mut pareto: Vec<CodeCost> = candidates.iter().filter(|c| !dominated(c)).cloned().collect();
    pareto.sort_by(|a, b| a.total_events.cmp(&b.total_events).then(a.planes.cmp(&b.planes)));
    Ok(CodeReport {
        max_spike,
        samples: histogram.iter().sum(),
        optimal,
        binary: reference(SpikeCode::binary(max_spike)),
        unary: reference(SpikeCode::unary(max_spike)),
        payload,
        pareto,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every non-decreasing amplitude list of length 1..=k from 1..=d, best by the same order.
    fn brute_force(d: u32, hist: &[u64], limits: SolverLimits) -> Option<(u128, Vec<u32>)> {
        fn rec(d: u32, hist: &[u64], limits: SolverLimits, amps: &mut Vec<u32>, best: &mut Option<(u128, Vec<u32>)>) {
            if !amps.is_empty() {
                let np = amps.iter().filter(|a| !a.is_power_of_two()).count();
                if limits.max_non_pow2.is_none_or(|c| np <= c) {
                    if let Some(c) = cost_of(&SpikeCode::Planes(amps.clone()), d, hist) {
                        if best.as_ref().is_none_or(|(bc, ba)| better((c.total_events, amps), (*bc, ba))) {
                            *best = Some((c.total_events, amps.clone()));
                        }
                    }
                }
            }
            if amps.len() == limits.max_planes {
                return;
            }
            let lo = amps.last().copied().unwrap_or(1);
            for a in lo..=d {
                amps.push(a);
                rec(d, hist, limits, amps, best);
                amps.pop();
            }
        }
        let mut best = None;
        rec(d, hist, limits, &mut Vec::new(), &mut best);
        best
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)))]
        #[test]
        fn matches_brute_force(
            d in 1u32..=9,
            k in 1usize..=5,
            cap in prop::option::of(0usize..=2),
            seed_hist in prop::collection::vec(0u64..1000, 10),
        ) {
            let hist: Vec<u64> = seed_hist[..=d as usize].to_vec();
            prop_assume!(hist.iter().any(|&h| h > 0));
            let limits = SolverLimits { max_planes: k, max_non_pow2: cap };
            let brute = brute_force(d, &hist, limits);
            match solve(d, &hist, limits) {
                Ok(c) => {
                    let (bc, ba) = brute.expect("solver found a code brute force did not");
                    prop_assert_eq!(c.total_events, bc);
                    prop_assert_eq!(c.code, SpikeCode::Planes(ba));
                }
                Err(_) => prop_assert!(brute.is_none(), "brute force found {:?}", brute),
            }
        }
    }

    #[test]
    fn skewed_histogram_beats_binary_and_reports_references() {
        // Values near D dominate: binary needs 3 events for 7, a plane of 7 needs 1.
        let hist = [100, 1, 1, 1, 1, 1, 1, 60];
        let r = report(7, &hist, SolverLimits { max_planes: 4, max_non_pow2: None }).unwrap();
        assert!(r.optimal.total_events < r.binary.total_events);
        assert_eq!(r.binary.total_events, 1 + 1 + 2 + 1 + 2 + 2 + 3 * 60);
        assert_eq!(r.unary.total_events, 1 + 2 + 3 + 4 + 5 + 6 + 7 * 60);
        assert_eq!(r.payload.total_events, 66);
        assert!(r.pareto.iter().any(|c| c.code == r.optimal.code));
        assert!(r.pareto.iter().any(|c| c.non_pow2 == 0 && !c.multiplier));
    }

    #[test]
    fn large_d_is_fast_and_exact_on_uniform_histograms() {
        let hist = vec![1u64; 32];
        let c = solve(31, &hist, SolverLimits { max_planes: 8, max_non_pow2: None }).unwrap();
        assert!(c.total_events <= cost_of(&SpikeCode::binary(31), 31, &hist).unwrap().total_events);
        let c255 = solve(255, &vec![1u64; 256], SolverLimits { max_planes: 8, max_non_pow2: None }).unwrap();
        assert_eq!(c255.code, SpikeCode::binary(255));
    }

    #[test]
    fn rejects_bad_requests() {
        let lim = SolverLimits { max_planes: 2, max_non_pow2: None };
        assert!(solve(7, &[1; 8], lim).is_err()); // 2 planes reach 3 < 7
        assert!(solve(3, &[1; 3], lim).is_err()); // wrong bin count
        assert!(solve(3, &[0; 4], lim).is_err());
        assert!(solve(0, &[1], lim).is_err());
    }
}
