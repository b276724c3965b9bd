//! `spikeforge import`: a NIR graph (snnTorch, Norse, Sinabs, ...) as a spikeforge model,
//! with every approximation listed and, with `--check`, what it cost on data.

use std::path::PathBuf;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use model::file::{Overwrite, save};
use nir::ImportOptions;
use nir::check::CheckReport;
use nir::float::FloatNet;
use serde::Serialize;

use super::data::DataArgs;

#[derive(clap::Args)]
pub struct Args {
    /// The NIR file (HDF5, as written by `nir.write`)
    graph: PathBuf,
    /// Where to write the model file
    #[arg(long)]
    out: PathBuf,
    /// Timesteps T per input (NIR graphs do not carry one)
    #[arg(long)]
    timesteps: u32,
    /// Signed width of every weight
    #[arg(long, default_value_t = 8)]
    weight_bits: u8,
    /// Time step the graph's continuous-time neurons are discretized at (snnTorch's exports
    /// assume 1e-4; Norse's 1e-3)
    #[arg(long, default_value_t = 1e-4)]
    dt: f64,
    /// What one unit of integer input is in the graph's float input (1/255: pixels the
    /// network saw scaled to 0..1)
    #[arg(long, default_value_t = 1.0 / 255.0)]
    input_scale: f64,
    /// Largest integer input value
    #[arg(long, default_value_t = 255)]
    input_max: u32,
    /// Model name (default: the file's stem)
    #[arg(long)]
    name: Option<String>,
    /// Choose each layer's integer scale on this data's training split: the scale that
    /// clips no weight, doubled once or twice where that makes the integer model agree more
    /// often with the float graph (mnist, digits, synthetic or idx:DIR)
    #[arg(long, value_name = "DATA")]
    calibrate: Option<String>,
    /// With --calibrate: inputs of the training split to use, spread evenly over it
    #[arg(long, default_value_t = 1000)]
    calibrate_limit: usize,
    /// Run the graph in float and the imported model in integers on this data and report
    /// both accuracies and their class agreement (mnist, digits, synthetic or idx:DIR)
    #[arg(long, value_name = "DATA")]
    check: Option<String>,
    /// With --check: which part of the split (test, train or all)
    #[arg(long, value_parser = ["test", "train", "all"], default_value = "test")]
    split: String,
    /// With --check: only the first N inputs
    #[arg(long)]
    limit: Option<usize>,
    /// Where `make setup` put the datasets (default: ./data or $SPIKEFORGE_DATA_DIR)
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Also write the report (mapping, approximations, check) as JSON to this file
    #[arg(long)]
    json: Option<PathBuf>,
    /// Replace OUT (and the JSON report) if they exist
    #[arg(long)]
    force: bool,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    graph: String,
    model: String,
    options: JsonOptions,
    lines: Vec<JsonLine<'a>>,
    calibration: Option<&'a nir::calibrate::Calibration>,
    check: Option<&'a CheckReport>,
}

#[derive(Serialize)]
struct JsonOptions {
    timesteps: u32,
    weight_bits: u8,
    dt: f64,
    input_scale: f64,
}

#[derive(Serialize)]
struct JsonLine<'a> {
    subject: &'a str,
    text: &'a str,
    exact: bool,
}

pub fn run(args: Args) -> Result<()> {
    if !args.force {
        for path in std::iter::once(&args.out).chain(&args.json) {
            anyhow::ensure!(!path.exists(), "{}: already exists (pass --force to overwrite it)", path.display());
        }
    }
    let graph = nir::file::read(&args.graph)?;
    let name = args.name.clone().unwrap_or_else(|| model_name(&args.graph));
    let options = ImportOptions {
        name,
        timesteps: args.timesteps,
        weight_bits: args.weight_bits,
        dt: args.dt,
        input_scale: args.input_scale,
        input_max: args.input_max,
    };
    let mut imported = nir::import(&graph, &options).with_context(|| format!("importing {}", args.graph.display()))?;
    let mut calibration = None;
    if let Some(data) = &args.calibrate {
        let data_args =
            DataArgs { data: Some(data.clone()), split: "train".into(), limit: None, data_dir: args.data_dir.clone() };
        let set = data_args.load(&imported.network, &args.out)?.spread(args.calibrate_limit);
        let layers = imported.network.layers.len() as u64;
        let bar = ProgressBar::new(1 + layers * nir::calibrate::MAX_HEADROOM as u64).with_style(
            ProgressStyle::with_template("calibrate {bar:30} {pos}/{len} trials {elapsed}")
                .expect("static template")
                .progress_chars("=> "),
        );
        let (calibrated, report) = nir::calibrate::import_calibrated(&graph, &options, &set, &|| bar.inc(1))?;
        bar.finish_and_clear();
        imported = calibrated;
        calibration = Some(report);
    }
    let net = imported.network;
    print!("{}", imported.report);
    let check = match &args.check {
        Some(data) => {
            let data_args = DataArgs {
                data: Some(data.clone()),
                split: args.split.clone(),
                limit: args.limit,
                data_dir: args.data_dir.clone(),
            };
            let set = data_args.load(&net, &args.out)?;
            let float = FloatNet::new(&graph, options.dt, options.input_scale, options.timesteps)?;
            let golden = sim::golden::Golden::new(&net)?;
            let bar = ProgressBar::new(set.len() as u64).with_style(
                ProgressStyle::with_template("check {bar:30} {pos}/{len} inputs {elapsed}")
                    .expect("static template")
                    .progress_chars("=> "),
            );
            let report = nir::check::check(&float, &golden, &set, &|| bar.inc(1))?;
            bar.finish_and_clear();
            Some(report)
        }
        None => None,
    };
    let overwrite = if args.force { Overwrite::Allow } else { Overwrite::Refuse };
    save(&net, &args.out, overwrite)?;
    println!(
        "wrote {} ({} layers, {} parameters; {} of {} report lines are approximations)",
        args.out.display(),
        net.layers.len(),
        net.parameters(),
        imported.report.approximations().count(),
        imported.report.lines.len()
    );
    if let Some(c) = &check {
        println!("check on {} ({} inputs, T = {}, dt = {}):", c.data, c.inputs, options.timesteps, options.dt);
        println!("  float graph (NIR semantics)  {:6.2}%", c.float_accuracy() * 100.0);
        println!("  integer model (golden)       {:6.2}%", c.integer_accuracy() * 100.0);
        println!("  class agreement              {:6.2}%", c.agreement() * 100.0);
    }
    if let Some(path) = &args.json {
        let report = JsonReport {
            graph: args.graph.display().to_string(),
            model: args.out.display().to_string(),
            options: JsonOptions {
                timesteps: options.timesteps,
                weight_bits: options.weight_bits,
                dt: options.dt,
                input_scale: options.input_scale,
            },
            lines: imported
                .report
                .lines
                .iter()
                .map(|l| JsonLine { subject: &l.subject, text: &l.text, exact: l.exact })
                .collect(),
            calibration: calibration.as_ref(),
            check: check.as_ref(),
        };
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// A model name from the file's stem, as generated module names need it: letters, digits
/// and `_`, starting with a letter.
fn model_name(path: &std::path::Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let mut name: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "nir_");
    }
    name
}
