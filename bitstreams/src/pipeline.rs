//! A model to a bitstream: choose the plan (given, or sized for the board on the inputs'
//! events), refuse one that cannot fit, generate the design, build it ([`crate::flow`]) and
//! report the measurement beside the prediction, with the throughput and energy the cycle
//! model gives on the same inputs the sizer measured.
//!
//! The cycle model is `sim`'s (`sim::cycle`, `sim::eval`); [`crate::sizing`] itself stays
//! free of it and takes the stage cycles as a function.

use std::path::{Path, PathBuf};

use model::{HardwarePlan, Network};
use serde::Serialize;
use sim::Golden;

use crate::BitstreamError;
use crate::boards::Board;
use crate::flow::{BuildOptions, BuildReport};
use crate::sizing::{Sizing, SizingChoices, Usage, check_fit, size_lanes};

/// Inputs the cycle model runs on, both to size lanes and for the throughput a build
/// reports: the same inputs, so the sizer's estimate and the build's figure agree. They are
/// spread evenly over the set ([`Inputs::spread`]), never its first ones.
pub const CYCLE_MODEL_SAMPLE: usize = 200;

/// Lanes per layer when there are no inputs to size them on.
pub const UNSIZED_LANES: u32 = 16;

/// Inputs (concatenated, each the network's input size) and their labels.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// The input values.
    pub images: &'a [u8],
    /// One label per input.
    pub labels: &'a [u8],
}

impl Inputs<'_> {
    /// `n` inputs spread evenly over the set, in order: input `i · len / n` for `i` in
    /// `0..n`, all of them when there are no more than `n`. Why not the first `n`: the
    /// bundled test splits are ordered by class, so the first 200 MNIST test digits are all
    /// zeros, the class with the most ink. Sized and reported on them, the UP5K example's
    /// cycles per input were 13,149 against 10,082 over the whole test split.
    pub fn spread(self, n: usize, size: usize) -> InputSample {
        let len = self.labels.len().min(self.images.len() / size.max(1));
        InputSample { images: spread_items(self.images, size, len, n), labels: spread_items(self.labels, 1, len, n) }
    }
}

/// Inputs held rather than borrowed: a sample of a set ([`Inputs::spread`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputSample {
    /// The input values, each input the network's input size.
    pub images: Vec<u8>,
    /// One label per input.
    pub labels: Vec<u8>,
}

impl InputSample {
    /// The sample as [`Inputs`].
    pub fn inputs(&self) -> Inputs<'_> {
        Inputs { images: &self.images, labels: &self.labels }
    }
}

/// Items `i · len / n` (for `i` in `0..min(n, len)`) of `len` items of `width` values each.
fn spread_items(values: &[u8], width: usize, len: usize, n: usize) -> Vec<u8> {
    let n = n.min(len);
    (0..n).map(|i| i * len / n).flat_map(|item| values[item * width..(item + 1) * width].iter().copied()).collect()
}

/// Inputs per second of a design taking `cycles` per input at `clock_mhz`: the one place
/// throughput is computed.
pub fn inputs_per_second(clock_mhz: f64, cycles: f64) -> f64 {
    clock_mhz * 1e6 / cycles
}

/// Size lanes per layer (and conv membrane banks) for `board` on the events
/// [`CYCLE_MODEL_SAMPLE`] inputs spread over `inputs` cause ([`Inputs::spread`]), within
/// `choices`.
pub fn size_for_board(
    board: Board,
    net: &Network,
    choices: SizingChoices,
    inputs: Inputs,
) -> Result<Sizing, BitstreamError> {
    let golden = Golden::new(net)?;
    let sample = inputs.spread(CYCLE_MODEL_SAMPLE, net.input.size());
    let demand = sim::cycle::Demand::new(&golden, &sample.images)?;
    size_lanes(board, net, choices, &|values| demand.encoder_cycles(values), &|plan| demand.stage_cycles(plan))
}

/// What [`build_model`] is asked to do.
pub struct ModelBuildRequest<'a> {
    /// The network.
    pub net: &'a Network,
    /// The plan, if the caller chose one; else sized for the board on `inputs`.
    pub plan: Option<HardwarePlan>,
    /// Loaded layers and fixed conv banks and membrane sets, for a sized plan (the banks
    /// and sets also apply to the unsized one).
    pub choices: SizingChoices<'a>,
    /// Inputs for lane sizing and the throughput, where the caller has them.
    pub inputs: Option<Inputs<'a>>,
    /// Board and flow options.
    pub flow: BuildOptions,
    /// The output directory: `rtl/`, `build/` (tool logs, reports, the bitstream) and
    /// `report.json`.
    pub out_dir: &'a Path,
    /// Write into `out_dir` even if it holds files a build did not write.
    pub force: bool,
}

/// What [`build_model`] tells its caller on the way.
pub enum Progress<'a> {
    /// Lanes were sized for the board; throughput estimates at `clock_mhz`.
    Sized {
        /// The sizing.
        sizing: &'a Sizing,
        /// The core clock.
        clock_mhz: f64,
    },
    /// No inputs to size on: every layer gets this many lanes.
    Unsized {
        /// Lanes per layer.
        lanes: u32,
    },
    /// A flow step started.
    Step(&'a str),
}

/// A model built for a board: the measurement, the prediction beside it, and the cycle
/// model's throughput (also written to `report.json`).
#[derive(Clone, Debug, Serialize)]
pub struct ModelBuild {
    /// Model name.
    pub model: String,
    /// Lanes per layer.
    pub lanes: Vec<u32>,
    /// The flow's report.
    pub build: BuildReport,
    /// hdl-gen's analytic estimate, summed over layers.
    pub estimate_luts: u64,
    /// hdl-gen's flip-flop estimate, summed over layers.
    pub estimate_flip_flops: u64,
    /// Bits of every memory array (weights, biases, membranes, buffers, the UART's), / 1024.
    pub memory_kbit: f64,
    /// The sizing model's prediction for the part, beside the measurement.
    pub predicted: Usage,
    /// Cycle model on the inputs: mean cycles per input streamed back to back.
    pub cycles_per_input: Option<f64>,
    /// At the clock the board top runs on (the oscillator, or the PLL's), or at Fmax where
    /// that is lower: clock / cycles per input.
    pub images_per_second: Option<f64>,
    /// What Fmax / cycles per input would give with the core clocked at Fmax.
    pub images_per_second_at_fmax: Option<f64>,
    /// Board-level estimate: the board's assumed core power
    /// ([`crate::boards::BoardFacts::assumed_power_mw`]) over the throughput, in µJ per input.
    pub energy_per_input_uj: Option<f64>,
    /// The SNN papers' 45 nm energy model on the same inputs (synaptic ops x E_AC, first layer as MACs).
    pub model_energy_per_input_uj: Option<f64>,
    /// The plan built.
    #[serde(skip)]
    pub plan: HardwarePlan,
    /// Where `report.json` went.
    #[serde(skip)]
    pub report_path: PathBuf,
}

/// The flow's report of the build in `out_dir` (what [`build_model`] wrote to its
/// `report.json`), if there is one: `spikeforge run --build` takes the board top's clock
/// and baud rate from it.
pub fn read_build_report(out_dir: &Path) -> Result<Option<BuildReport>, BitstreamError> {
    let path = out_dir.join("report.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(BitstreamError::Io { path, error }),
    };
    // Only the flow's part is read: a report of another version still gives its clock.
    #[derive(serde::Deserialize)]
    struct Written {
        #[serde(default)]
        build: Option<BuildReport>,
    }
    let bad = |e: serde_json::Error| BitstreamError::Io { path: path.clone(), error: std::io::Error::other(e) };
    serde_json::from_str::<Written>(&text).map(|w| w.build).map_err(bad)
}

/// Build `request.net` for a board: plan, fit check, design in `out_dir/rtl`, the flow in
/// `out_dir/build`, the report in `out_dir/report.json`. `progress` hears the sizing and
/// each flow step.
pub fn build_model(request: ModelBuildRequest, progress: &dyn Fn(Progress)) -> Result<ModelBuild, BitstreamError> {
    let net = request.net;
    let board = request.flow.board;
    // A core clock the board's PLL cannot make is refused before anything is sized or written.
    let clock_mhz = crate::flow::core_clock_mhz(board, request.flow.freq_mhz)?;
    // So is a baud rate the board's USB bridge or that clock cannot run.
    crate::boards::uart_divider(board, clock_mhz * 1e6, request.flow.baud)?;
    let size = net.input.size();
    let sample = request.inputs.map(|i| i.spread(CYCLE_MODEL_SAMPLE, size));
    let inputs = sample.as_ref().map(InputSample::inputs);
    let plan = match (request.plan, inputs) {
        (Some(plan), _) => plan,
        (None, Some(inputs)) => {
            let sizing = size_for_board(board, net, request.choices, inputs)?;
            progress(Progress::Sized { sizing: &sizing, clock_mhz });
            sizing.plan
        }
        (None, None) => {
            progress(Progress::Unsized { lanes: UNSIZED_LANES });
            request.choices.apply(net, HardwarePlan::uniform(net, UNSIZED_LANES)?)?
        }
    };
    let predicted = check_fit(board, net, &plan)?;
    let design = hdl_gen::generate(net, &plan)?;
    let out = request.out_dir;
    claim_output_dir(out, request.force)?;
    let rtl = out.join("rtl");
    hdl_gen::write_dir(&design, &rtl, true)?;
    let build = crate::flow::build(&rtl, &out.join("build"), &request.flow, &|step| progress(Progress::Step(step)))?;

    let (cycles_per_input, model_energy_per_input_uj) = match inputs {
        Some(inputs) => {
            let golden = Golden::new(net)?;
            let r = sim::eval::evaluate(&golden, inputs.images, inputs.labels, Some(&plan), &|_| {})?;
            (r.cycles.map(|c| c.pipelined_cycles_per_input), Some(r.energy_pj / 1e6))
        }
        None => (None, None),
    };
    let images_per_second = cycles_per_input.map(|c| inputs_per_second(build.fmax_mhz.min(build.clock_mhz), c));
    let layers = &design.manifest.layers;
    let report = ModelBuild {
        model: net.name.clone(),
        lanes: plan.layers.iter().map(|l| l.lanes).collect(),
        estimate_luts: layers.iter().map(|l| l.estimate.luts).sum(),
        estimate_flip_flops: layers.iter().map(|l| l.estimate.flip_flops).sum(),
        // Every memory array of the board design, as the sizing model placed them.
        memory_kbit: predicted.memories.iter().map(|m| m.shape.bits()).sum::<u64>() as f64 / 1024.0,
        predicted,
        images_per_second,
        images_per_second_at_fmax: cycles_per_input.map(|c| inputs_per_second(build.fmax_mhz, c)),
        energy_per_input_uj: images_per_second.map(|ips| board.facts().assumed_power_mw as f64 * 1e3 / ips),
        model_energy_per_input_uj,
        cycles_per_input,
        build,
        plan,
        report_path: out.join("report.json"),
    };
    let json = serde_json::to_string_pretty(&report).expect("a report serializes") + "\n";
    std::fs::write(&report.report_path, json)
        .map_err(|error| BitstreamError::Io { path: report.report_path.clone(), error })?;
    Ok(report)
}

/// An output directory is a build's if it is empty or holds a `report.json`; anything else
/// is only written into with `force`.
fn claim_output_dir(dir: &Path, force: bool) -> Result<(), BitstreamError> {
    let io = |error| BitstreamError::Io { path: dir.to_path_buf(), error };
    let non_empty = dir.exists() && std::fs::read_dir(dir).map_err(io)?.next().is_some();
    if non_empty && !force && !dir.join("report.json").exists() {
        return Err(BitstreamError::NotOurs { path: dir.to_path_buf() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_dirs_are_claimed_only_when_empty_ours_or_forced() {
        let scratch = testkit::scratch_dir("claim");
        let dir = scratch.join("out");
        claim_output_dir(&dir, false).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        claim_output_dir(&dir, false).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let e = claim_output_dir(&dir, false).unwrap_err().to_string();
        assert_eq!(e, format!("{} is not empty and not written by `spikeforge build`", dir.display()));
        claim_output_dir(&dir, true).unwrap();
        std::fs::write(dir.join("report.json"), "{}").unwrap();
        claim_output_dir(&dir, false).unwrap();
    }

    #[test]
    fn the_cycle_model_sample_spans_a_set_ordered_by_class() {
        // 1,000 two-value inputs, 100 per class in class order (as the bundled test splits).
        let labels: Vec<u8> = (0..1000u32).map(|i| (i / 100) as u8).collect();
        let images: Vec<u8> = (0..1000u32).flat_map(|i| [(i % 256) as u8, (i / 256) as u8]).collect();
        let sample = Inputs { images: &images, labels: &labels }.spread(200, 2);
        assert_eq!(sample.labels.len(), 200);
        assert_eq!(sample.images.len(), 400);
        for class in 0..10 {
            assert_eq!(sample.labels.iter().filter(|&&l| l == class).count(), 20, "class {class}");
        }
        // Input i * 1000 / 200 = 5i, its values with it.
        assert_eq!((sample.labels[7], &sample.images[14..16]), (0, &[35u8, 0][..]));
        assert_eq!((sample.labels[199], &sample.images[398..400]), (9, &[(995 % 256) as u8, 3][..]));
        // No more inputs than asked for: all of them, in order.
        let few = Inputs { images: &images[..10], labels: &labels[..5] }.spread(200, 2);
        assert_eq!(few, InputSample { images: images[..10].to_vec(), labels: labels[..5].to_vec() });
    }

    #[test]
    fn throughput_is_clock_over_cycles() {
        assert_eq!(inputs_per_second(12.0, 12_000.0), 1000.0);
    }
}
