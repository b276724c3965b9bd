//! Running inputs on a board top through any [`Transport`] (a serial port to a real board,
//! or the UART co-simulation) and checking every reply against the golden model and the
//! cycle model.

use std::time::Instant;

use hdl_gen::protocol::{HostOptions, Inference, ReplyFormat, Transport, infer, infer_pipelined};
use model::HardwarePlan;
use serde::Serialize;

use crate::cycle::{self, InputWork, input_work};
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
    expected_work(golden, plan, x, i).map(|(want, _)| want)
}

/// [`expected`] and the input's work for the cycle model's schedule.
fn expected_work(golden: &Golden, plan: &HardwarePlan, x: &[u8], i: usize) -> Result<(Expected, InputWork), SimError> {
    let trace = golden.trace_observed(x, i, &mut NoObserver)?;
    let work = input_work(golden, plan, x, &trace);
    let cycles = cycle::schedule(std::slice::from_ref(&work)).inputs[0].latency();
    Ok((Expected { class: trace.class, scores: trace.scores, cycles }, work))
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
    /// Cycles per input of the core streaming these inputs back to back (the cycle model's
    /// schedule): what the core could do behind a link that keeps up.
    pub pipelined_cycles: f64,
    /// Mean bytes of the request frames sent (first attempts).
    pub mean_request_bytes: f64,
    /// Wall-clock seconds spent in exchanges with the board (model checks excluded).
    pub link_seconds: f64,
    /// Board clock cycles the exchanges took, where the transport simulates the board
    /// ([`Transport::simulated_cycles`]): the link's time on the simulated line.
    pub link_cycles: Option<u64>,
    /// Requests sent beyond one per input (corrupted or lost frames).
    pub retries: u32,
    /// The first input that differs from the models, described.
    pub first_mismatch: Option<String>,
}

/// Inputs a pipelined run sends before it checks their replies: the pipeline empties once
/// per block (one reply's wait in 64 inputs), and the golden model's traces of a block are
/// all that is kept.
const BLOCK: usize = 64;

/// Run `inputs` (with optional `labels`) as `host` says, and check every reply.
#[allow(clippy::too_many_arguments)]
pub fn run_board(
    golden: &Golden,
    plan: &HardwarePlan,
    link: &mut dyn Transport,
    format: ReplyFormat,
    host: HostOptions,
    inputs: &[u8],
    labels: Option<&[u8]>,
    progress: &dyn Fn(usize),
) -> Result<BoardReport, SimError> {
    let size = golden.network().input.size();
    let mut report = BoardReport {
        inputs: 0,
        exact: 0,
        correct: labels.map(|_| 0),
        mean_cycles: 0.0,
        pipelined_cycles: 0.0,
        mean_request_bytes: 0.0,
        link_seconds: 0.0,
        link_cycles: None,
        retries: 0,
        first_mismatch: None,
    };
    let mut cycles = 0u64;
    let mut works = Vec::new();
    let mut request_bytes = 0usize;
    let mut link_cycles = 0u64;
    let all: Vec<&[u8]> = inputs.chunks(size).collect();
    let block = if host.pipelined { BLOCK } else { 1 };
    for (b, xs) in all.chunks(block).enumerate() {
        let first = b * block;
        let mut wants = Vec::with_capacity(xs.len());
        for (k, x) in xs.iter().enumerate() {
            let (want, work) = expected_work(golden, plan, x, first + k)?;
            wants.push(want);
            works.push(work);
            request_bytes += host.framing.frame_len(x);
        }
        let before = link.simulated_cycles();
        let started = Instant::now();
        let got: Vec<Inference> = if host.pipelined {
            infer_pipelined(link, xs, host.framing, format, host.attempts)
                .map_err(|(k, e)| SimError::from_host(Some(first + k), e))?
        } else {
            vec![
                infer(link, xs[0], host.framing, format, host.attempts)
                    .map_err(|e| SimError::from_host(Some(first), e))?,
            ]
        };
        report.link_seconds += started.elapsed().as_secs_f64();
        if let (Some(before), Some(after)) = (before, link.simulated_cycles()) {
            link_cycles += after - before;
            report.link_cycles = Some(link_cycles);
        }
        for (k, (got, want)) in got.iter().zip(wants).enumerate() {
            check(&mut report, &mut cycles, first + k, got, &want, labels);
        }
        progress(xs.len());
    }
    let n = report.inputs.max(1) as f64;
    report.mean_cycles = cycles as f64 / n;
    report.pipelined_cycles = cycle::schedule(&works).total as f64 / n;
    report.mean_request_bytes = request_bytes as f64 / n;
    Ok(report)
}

/// Count input `i`'s reply `got` against what the models say (`want`) into `report`.
fn check(
    report: &mut BoardReport,
    cycles: &mut u64,
    i: usize,
    got: &Inference,
    want: &Expected,
    labels: Option<&[u8]>,
) {
    let r = &got.reply;
    report.inputs += 1;
    report.retries += got.attempts - 1;
    *cycles += r.cycles as u64;
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
}
