//! Running inputs on a board top through any [`Transport`] (a serial port to a real board,
//! or the UART co-simulation) and checking every reply against the golden model and the
//! cycle model.

use hdl_gen::protocol::{ReplyFormat, Transport, infer};
use model::HardwarePlan;
use serde::Serialize;

use crate::cycle::{self, input_work};
use crate::error::SimError;
use crate::golden::{Golden, NoObserver};

/// What the golden and cycle models say one input must give.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expected {
    /// Class.
    pub class: usize,
    /// Every class's score.
    pub scores: Vec<i64>,
    /// Cycles of the input alone, START to the last DONE inclusive.
    pub cycles: u64,
}

/// The golden and cycle models' answer for input `x` (index `i` in errors).
pub fn expected(golden: &Golden, plan: &HardwarePlan, x: &[u8], i: usize) -> Result<Expected, SimError> {
    let trace = golden.trace_observed(x, i, &mut NoObserver)?;
    let work = input_work(golden, plan, x, &trace);
    let cycles = cycle::schedule(std::slice::from_ref(&work)).inputs[0].latency();
    Ok(Expected { class: trace.class, scores: trace.scores, cycles })
}

/// A board run over a dataset.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BoardReport {
    /// Inputs run.
    pub inputs: usize,
    /// Inputs whose class, scores and cycles all equal the models'.
    pub exact: usize,
    /// Inputs classified as labelled (when labels are given).
    pub correct: Option<usize>,
    /// Mean cycles per input on the board.
    pub mean_cycles: f64,
    /// Requests sent beyond one per input (corrupted or lost frames).
    pub retries: u32,
    /// The first input that differs from the models, described.
    pub first_mismatch: Option<String>,
}

/// Run `inputs` (with optional `labels`) one by one, up to `attempts` requests each.
#[allow(clippy::too_many_arguments)]
pub fn run_board(
    golden: &Golden,
    plan: &HardwarePlan,
    link: &mut dyn Transport,
    format: ReplyFormat,
    inputs: &[u8],
    labels: Option<&[u8]>,
    attempts: u32,
    progress: &dyn Fn(usize),
) -> Result<BoardReport, SimError> {
    let size = golden.network().input.size();
    let mut report = BoardReport {
        inputs: 0,
        exact: 0,
        correct: labels.map(|_| 0),
        mean_cycles: 0.0,
        retries: 0,
        first_mismatch: None,
    };
    let mut cycles = 0u64;
    for (i, x) in inputs.chunks(size).enumerate() {
        let want = expected(golden, plan, x, i)?;
        let got = infer(link, x, format, attempts).map_err(|e| SimError::from_host(Some(i), e))?;
        let r = &got.reply;
        report.inputs += 1;
        report.retries += got.attempts - 1;
        cycles += r.cycles as u64;
        if r.class as usize == want.class && r.scores == want.scores && r.cycles as u64 == want.cycles {
            report.exact += 1;
        } else if report.first_mismatch.is_none() {
            report.first_mismatch = Some(format!(
                "input {i}: board class {} scores {:?} cycles {}, golden class {} scores {:?}, cycle model {}",
                r.class, r.scores, r.cycles, want.class, want.scores, want.cycles
            ));
        }
        if let (Some(labels), Some(correct)) = (labels, report.correct.as_mut())
            && labels.get(i).is_some_and(|&l| l as u32 == r.class)
        {
            *correct += 1;
        }
        progress(1);
    }
    report.mean_cycles = cycles as f64 / report.inputs.max(1) as f64;
    Ok(report)
}
