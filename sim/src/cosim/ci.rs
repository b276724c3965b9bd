//! Co-simulation results as JUnit suites for CI: a run as one case per batch of
//! [`JUNIT_BATCH`] inputs, a fuzz campaign as one case per network, a run that did not
//! finish as one failing case holding its error.

use std::fmt::Display;

use super::fuzz::{FuzzCase, FuzzFamily};
use super::junit::{Failure, TestCase, TestSuite};
use super::{CosimOutcome, Mismatch, Shard, SimulatorKind};

/// Inputs per JUnit test case of a co-simulation run.
pub const JUNIT_BATCH: usize = 100;

impl CosimOutcome {
    /// What a run with mismatches reports: how many, where the first one is, its waveform.
    pub fn failure(&self) -> Option<String> {
        let r = &self.report;
        r.first.as_ref().map(|m| mismatch_text(r.mismatched_inputs, r.inputs, m, self.waveform_of(m)))
    }

    /// The waveform written for `m`'s input, if one was.
    fn waveform_of(&self, m: &Mismatch) -> Option<String> {
        let first = self.report.first.as_ref()?;
        let path = self.vcd.as_ref()?;
        (first.input == m.input).then(|| path.display().to_string())
    }
}

/// `k of n inputs mismatch; first: <where>; waveform of that input: <path>`.
fn mismatch_text(mismatched: usize, inputs: usize, m: &Mismatch, waveform: Option<String>) -> String {
    let vcd = waveform.map(|p| format!("; waveform of that input: {p}")).unwrap_or_default();
    format!("{mismatched} of {inputs} inputs mismatch; first: {m}{vcd}")
}

/// The suite's name: the command, what ran and the shard.
fn suite_name(what: &str, shard: Shard) -> String {
    if shard.is_whole() { format!("spikeforge {what}") } else { format!("spikeforge {what} (shard {shard})") }
}

/// A co-simulation of `model` as one case per [`JUNIT_BATCH`] of the shard's inputs, named
/// by the whole run's input numbers; a batch with mismatches fails with the text the CLI
/// prints for the run, counted over the batch.
pub fn cosim_suite(model: &str, outcome: &CosimOutcome) -> TestSuite {
    let r = &outcome.report;
    let shard = outcome.shard;
    let seconds = outcome.build_seconds + outcome.golden_seconds + outcome.sim_seconds;
    let classname = format!("cosim.{model}");
    let mut cases = Vec::new();
    for start in (0..r.inputs).step_by(JUNIT_BATCH) {
        let end = (start + JUNIT_BATCH).min(r.inputs);
        let (first, last) = (shard.global(start), shard.global(end - 1));
        let name = if shard.is_whole() {
            format!("inputs {first}-{last}")
        } else {
            format!("inputs {first}-{last}, one in {} (shard {shard})", shard.count())
        };
        let inside = |m: &&Mismatch| shard.local(m.input).is_some_and(|n| (start..end).contains(&n));
        let mismatched: Vec<&Mismatch> = r.mismatches.iter().filter(inside).collect();
        let failure = mismatched.first().map(|m| Failure {
            message: format!("{} of {} inputs mismatch", mismatched.len(), end - start),
            kind: "mismatch".into(),
            text: mismatch_text(mismatched.len(), end - start, m, outcome.waveform_of(m)),
        });
        let share = (end - start) as f64 / r.inputs as f64;
        cases.push(TestCase { classname: classname.clone(), name, seconds: seconds * share, failure });
    }
    let what = format!("cosim {model} ({})", outcome.simulator.name());
    TestSuite { name: suite_name(&what, shard), seconds, cases }
}

/// A co-simulation of `model` that ended in `error` (a build failure, a hang): one failing
/// case, so CI shows why.
pub fn cosim_error_suite(
    model: &str,
    simulator: SimulatorKind,
    shard: Shard,
    error: &dyn Display,
    seconds: f64,
) -> TestSuite {
    let text = error.to_string();
    let case = TestCase {
        classname: format!("cosim.{model}"),
        name: "co-simulation".into(),
        seconds,
        failure: Some(Failure {
            message: text.lines().next().unwrap_or_default().to_string(),
            kind: "error".into(),
            text,
        }),
    };
    TestSuite { name: suite_name(&format!("cosim {model} ({})", simulator.name()), shard), seconds, cases: vec![case] }
}

/// One network of a fuzz campaign, as it ended.
#[derive(Clone, Debug)]
pub struct FuzzResult {
    /// Its family.
    pub family: FuzzFamily,
    /// Its seed.
    pub seed: u64,
    /// The case, or the error that ended it (as the CLI prints it).
    pub outcome: Result<FuzzCase, String>,
    /// Seconds it took.
    pub seconds: f64,
}

/// A fuzz campaign from `first_seed` as one case per network; a mismatching network fails
/// with the line the CLI prints for it, one that did not finish with its error.
pub fn fuzz_suite(first_seed: u64, shard: Shard, results: &[FuzzResult], seconds: f64) -> TestSuite {
    let cases = results
        .iter()
        .map(|r| {
            let failure = match &r.outcome {
                Ok(case) => case.failure().map(|text| Failure {
                    message: format!("{} seed {} mismatches", r.family.name(), r.seed),
                    kind: "mismatch".into(),
                    text,
                }),
                Err(e) => Some(Failure {
                    message: format!("{} seed {} did not finish", r.family.name(), r.seed),
                    kind: "error".into(),
                    text: e.clone(),
                }),
            };
            TestCase {
                classname: format!("cosim-fuzz.{}", r.family.name()),
                name: format!("seed {}", r.seed),
                seconds: r.seconds,
                failure,
            }
        })
        .collect();
    TestSuite { name: suite_name(&format!("cosim-fuzz from seed {first_seed}"), shard), seconds, cases }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::cosim::{CosimReport, MismatchKind};

    fn mismatch(input: usize) -> Mismatch {
        Mismatch {
            input,
            layer: 0,
            layer_name: "fc1".into(),
            timestep: 1,
            neuron: Some(2),
            kind: MismatchKind::Score { expected: 3, got: 4 },
        }
    }

    fn outcome(inputs: usize, mismatching: &[usize], shard: Shard) -> CosimOutcome {
        let mismatches: Vec<Mismatch> = mismatching.iter().map(|&n| mismatch(n)).collect();
        CosimOutcome {
            simulator: SimulatorKind::Verilator,
            report: CosimReport {
                inputs,
                mismatched_inputs: mismatches.len(),
                first: mismatches.first().cloned(),
                mismatches,
                rtl_classes: vec![0; inputs],
                rtl_latency: vec![1; inputs],
                model_latency: vec![1; inputs],
                rtl_cycles: 10,
                model_cycles: 10,
            },
            vcd: mismatching.first().map(|n| PathBuf::from(format!("cosim-vcd/input{n}.vcd"))),
            build_seconds: 1.0,
            sim_seconds: 2.0,
            golden_seconds: 1.0,
            lane_utilization: vec![],
            shard,
            stall: None,
        }
    }

    #[test]
    fn a_run_is_one_case_per_hundred_inputs_failing_where_the_rtl_disagrees() {
        let o = outcome(250, &[130, 140, 201], Shard::WHOLE);
        let s = cosim_suite("net", &o);
        let names: Vec<&str> = s.cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["inputs 0-99", "inputs 100-199", "inputs 200-249"]);
        assert_eq!(s.name, "spikeforge cosim net (verilator)");
        assert_eq!(s.failures(), 2);
        assert!(s.cases[0].failure.is_none());
        let f = s.cases[1].failure.as_ref().unwrap();
        assert_eq!(f.message, "2 of 100 inputs mismatch");
        assert_eq!(
            f.text,
            "2 of 100 inputs mismatch; first: input 130, layer 0 (fc1), timestep 1, neuron 2: expected score 3, \
             RTL scored 4; waveform of that input: cosim-vcd/input130.vcd"
        );
        // Only the run's first mismatching input has a waveform.
        assert_eq!(s.cases[2].failure.as_ref().unwrap().text.matches("waveform").count(), 0);
        assert!((s.cases.iter().map(|c| c.seconds).sum::<f64>() - 4.0).abs() < 1e-9);
        assert_eq!(
            o.failure().unwrap(),
            "3 of 250 inputs mismatch; first: input 130, layer 0 (fc1), timestep 1, neuron 2: expected score 3, \
             RTL scored 4; waveform of that input: cosim-vcd/input130.vcd"
        );
        assert_eq!(outcome(5, &[], Shard::WHOLE).failure(), None);
    }

    #[test]
    fn a_shards_cases_are_named_by_the_whole_runs_inputs() {
        let shard = Shard::new(2, 4).unwrap();
        // Shard 2/4 of 450 inputs holds 1, 5, ..., 449: 113 of them.
        let s = cosim_suite("net", &outcome(113, &[405], shard));
        let names: Vec<&str> = s.cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["inputs 1-397, one in 4 (shard 2/4)", "inputs 401-449, one in 4 (shard 2/4)"]);
        assert_eq!(s.name, "spikeforge cosim net (verilator) (shard 2/4)");
        assert!(s.cases[0].failure.is_none());
        assert!(s.cases[1].failure.as_ref().unwrap().text.contains("1 of 13 inputs mismatch; first: input 405,"));
    }

    #[test]
    fn a_run_that_did_not_finish_is_one_failing_case_with_its_error() {
        let s = cosim_error_suite("net", SimulatorKind::Icarus, Shard::WHOLE, &"vvp hung\nline two", 2.0);
        assert_eq!(s.cases.len(), 1);
        let f = s.cases[0].failure.as_ref().unwrap();
        assert_eq!((f.message.as_str(), f.kind.as_str(), f.text.as_str()), ("vvp hung", "error", "vvp hung\nline two"));
    }

    #[test]
    fn a_campaign_is_one_case_per_network() {
        let case = |seed, mismatch: Option<&str>| FuzzCase {
            family: FuzzFamily::Dense,
            seed,
            network: "in 9 -> 2 readout, T=2".into(),
            lanes: vec![1],
            banks: vec![],
            sets: None,
            loaded: vec![],
            values_per_cycle: 1,
            inputs: 4,
            cycles: 100,
            mismatch: mismatch.map(String::from),
        };
        let results = [
            FuzzResult { family: FuzzFamily::Dense, seed: 3, outcome: Ok(case(3, None)), seconds: 0.5 },
            FuzzResult {
                family: FuzzFamily::Dense,
                seed: 4,
                outcome: Ok(case(4, Some("input 1, layer 0 (l0), timestep 0: boom"))),
                seconds: 0.5,
            },
            FuzzResult { family: FuzzFamily::Conv, seed: 3, outcome: Err("conv seed 3: hung".into()), seconds: 1.0 },
        ];
        let s = fuzz_suite(3, Shard::WHOLE, &results, 2.0);
        assert_eq!(s.name, "spikeforge cosim-fuzz from seed 3");
        let names: Vec<(&str, &str)> = s.cases.iter().map(|c| (c.classname.as_str(), c.name.as_str())).collect();
        assert_eq!(
            names,
            [("cosim-fuzz.dense", "seed 3"), ("cosim-fuzz.dense", "seed 4"), ("cosim-fuzz.conv", "seed 3")]
        );
        assert!(s.cases[0].failure.is_none());
        assert_eq!(
            s.cases[1].failure.as_ref().unwrap().text,
            "dense seed 4: in 9 -> 2 readout, T=2 (lanes [1], banks [], loaded weights []): \
             input 1, layer 0 (l0), timestep 0: boom"
        );
        assert_eq!(s.cases[2].failure.as_ref().unwrap().kind, "error");
    }
}
