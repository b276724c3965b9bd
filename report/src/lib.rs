//! # spikeforge `report`: one page people look at
//!
//! From the JSON the commands already write (a training log, `eval --json`, `cosim --json`,
//! a design's `manifest.json`, a build's `report.json`), [`build_page`] makes one
//! self-contained HTML page: a section per file, each plot beside a table of its exact
//! numbers.
//!
//! Architecture Invariant: every input is read through its producer's serde type
//! ([`sim::eval::EvalReport`], [`sim::cosim::CosimOutcome`], [`hdl_gen::Manifest`],
//! [`bitstreams::flow::BuildReport`]) or, where that type cannot be read back, a typed view
//! with every field required ([`TrainLog`], [`BuildFile`]), never untyped JSON: a format
//! change breaks the build or names the file, rather than drawing an empty plot.
//!
//! Architecture Invariant: the page is a pure function of its inputs: no timestamps, no
//! host names, inputs in a fixed order, so golden snapshots hold and two runs diff clean.
//! It loads nothing (inline styles and SVG, no scripts).

mod build_file;
mod error;
mod input;
mod page;
mod plots;
mod sections;
mod train_log;

pub use build_file::BuildFile;
pub use error::ReportError;
pub use input::{Input, Source, read_file, read_inputs};
pub use page::{Figure, Section, Table, escape, render};
pub use train_log::{EpochRow, LayerRow, TrainLog, TrainLogConfig};

/// The page's heading.
pub const TITLE: &str = "spikeforge report";

/// The sections for `sources`, in their order, and after the training and evaluation
/// sections one comparing accuracy against T and the spike code per dataset where several
/// models were trained or evaluated on it.
pub fn sections(sources: &[Source]) -> Result<Vec<Section>, ReportError> {
    let mut out: Vec<Section> = sources.iter().map(sections::section).collect::<Result<_, _>>()?;
    let after = sources.iter().rposition(|s| matches!(s.input, Input::Train(_) | Input::Eval(_))).map_or(0, |i| i + 1);
    out.splice(after..after, sections::comparisons(sources)?);
    Ok(out)
}

/// Write `page` to `out`; an existing file only with `force`.
pub fn write_page(page: &str, out: &std::path::Path, force: bool) -> Result<(), ReportError> {
    if !force && out.exists() {
        return Err(ReportError::Exists { path: out.to_path_buf() });
    }
    std::fs::write(out, page).map_err(|error| ReportError::Write { path: out.to_path_buf(), error })
}

/// The page name [`write_dir_page`] uses.
pub const DIR_PAGE: &str = "report.html";

/// The page for everything a command wrote into `dir` ([`read_inputs`] on the directory),
/// written beside it as `dir/report.html`, replacing an earlier one: the directory is the
/// command's own output. Returns the page's path.
pub fn write_dir_page(dir: &std::path::Path) -> Result<std::path::PathBuf, ReportError> {
    let sources = read_inputs(&[dir.to_path_buf()])?;
    let out = dir.join(DIR_PAGE);
    write_page(&render(TITLE, &sections(&sources)?), &out, true)?;
    Ok(out)
}

/// Read `paths` ([`read_inputs`]) and make the page.
pub fn build_page(paths: &[std::path::PathBuf]) -> Result<String, ReportError> {
    let sources = read_inputs(paths)?;
    Ok(render(TITLE, &sections(&sources)?))
}
