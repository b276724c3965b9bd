//! One section per input file: what the page says about each kind.

mod build;
mod compare;
mod cosim;
mod design;
mod eval;
mod train;

use crate::ReportError;
use crate::input::{Input, Source};
use crate::page::Section;

pub(crate) use compare::sections as comparisons;

/// Numbers in tables: fixed decimals, so the page is the same on every machine.
fn fixed(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

/// The section for `source`.
pub fn section(source: &Source) -> Result<Section, ReportError> {
    let path = source.path.display().to_string();
    match &source.input {
        Input::Train(log) => train::section(log, path),
        Input::Eval(eval) => eval::section(eval, path),
        Input::Cosim(cosim) => cosim::section(cosim, path),
        Input::Manifest(manifest) => design::section(manifest, path),
        Input::Build(build) => build::section(build, path),
    }
}
