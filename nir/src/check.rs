//! What import cost: the graph in float ([`crate::float`]) beside the imported integer
//! network (the golden model) on the same labelled inputs.

use datasets::Dataset;
use rayon::prelude::*;
use serde::Serialize;
use sim::golden::Golden;

use crate::NirError;
use crate::float::{FloatNet, argmax};

/// Float and integer accuracy on one data set, and how often the two agree.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckReport {
    /// Data set name (`mnist/test`).
    pub data: String,
    /// Inputs compared.
    pub inputs: usize,
    /// Inputs the float graph classifies correctly.
    pub float_correct: usize,
    /// Inputs the integer network classifies correctly.
    pub integer_correct: usize,
    /// Inputs where both choose the same class.
    pub agree: usize,
}

impl CheckReport {
    /// Float accuracy in 0..=1.
    pub fn float_accuracy(&self) -> f64 {
        self.float_correct as f64 / self.inputs.max(1) as f64
    }

    /// Integer accuracy in 0..=1.
    pub fn integer_accuracy(&self) -> f64 {
        self.integer_correct as f64 / self.inputs.max(1) as f64
    }

    /// Class agreement in 0..=1.
    pub fn agreement(&self) -> f64 {
        self.agree as f64 / self.inputs.max(1) as f64
    }
}

/// Runs every input of `data` through `float` and `golden`; `progress` hears of each
/// finished input (from several threads).
pub fn check(
    float: &FloatNet,
    golden: &Golden,
    data: &Dataset,
    progress: &(dyn Fn() + Sync),
) -> Result<CheckReport, NirError> {
    float.check_size(data)?;
    let outcomes: Vec<(usize, usize)> = (0..data.len())
        .into_par_iter()
        .map(|i| {
            let image = data.image(i);
            let f = argmax(&float.scores(image).map_err(|e| with_index(e, i))?);
            let g = golden.trace(image).map_err(|e| NirError::Input { index: i, reason: e.to_string() })?.class;
            progress();
            Ok((f, g))
        })
        .collect::<Result<_, NirError>>()?;
    let label = |i: usize| data.labels[i] as usize;
    Ok(CheckReport {
        data: data.name.clone(),
        inputs: data.len(),
        float_correct: outcomes.iter().enumerate().filter(|(i, (f, _))| *f == label(*i)).count(),
        integer_correct: outcomes.iter().enumerate().filter(|(i, (_, g))| *g == label(*i)).count(),
        agree: outcomes.iter().filter(|(f, g)| f == g).count(),
    })
}

fn with_index(e: NirError, index: usize) -> NirError {
    match e {
        NirError::Input { reason, .. } => NirError::Input { index, reason },
        other => other,
    }
}
