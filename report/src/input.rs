//! Finding and recognizing the files a report is made of.

use std::path::{Path, PathBuf};

use hdl_gen::Manifest;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sim::cosim::CosimOutcome;
use sim::eval::EvalReport;

use crate::ReportError;
use crate::build_file::BuildFile;
use crate::train_log::TrainLog;

/// One input file, read through its own type.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// A training log (`spikeforge train`).
    Train(TrainLog),
    /// `spikeforge eval --json`.
    Eval(EvalReport),
    /// `spikeforge cosim --json`.
    Cosim(CosimOutcome),
    /// A generated design's `manifest.json` (`spikeforge gen`).
    Manifest(Manifest),
    /// A build's `report.json` (`spikeforge build`).
    Build(BuildFile),
}

/// An input and the file it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// The file as given (or as found in a given directory).
    pub path: PathBuf,
    /// Its content.
    pub input: Input,
}

impl Input {
    /// The section order on the page: the order the commands run in.
    fn rank(&self) -> u8 {
        match self {
            Input::Train(_) => 0,
            Input::Eval(_) => 1,
            Input::Manifest(_) => 2,
            Input::Cosim(_) => 3,
            Input::Build(_) => 4,
        }
    }
}

/// The kind a JSON object is, from the keys only its format has: a renamed key then makes
/// the file unknown, and a changed type makes it malformed, never silently half-read.
fn kind_of(object: &Map<String, Value>) -> Option<&'static str> {
    let has = |keys: &[&str]| keys.iter().all(|k| object.contains_key(*k));
    if has(&["manifest_version", "generator"]) {
        Some("a manifest")
    } else if has(&["config", "epochs", "integer_accuracy"]) {
        Some("a training log")
    } else if has(&["simulator", "report", "lane_utilization"]) {
        Some("cosim --json output")
    } else if has(&["inputs", "correct", "layers", "per_input"]) {
        Some("eval --json output")
    } else if has(&["model", "lanes", "build"]) {
        Some("a build report")
    } else {
        None
    }
}

fn typed<T: DeserializeOwned>(value: Value, path: &Path, kind: &'static str) -> Result<T, ReportError> {
    serde_json::from_value(value).map_err(|e| ReportError::Malformed {
        path: path.to_path_buf(),
        kind,
        reason: e.to_string(),
    })
}

/// Read `path` as one of the inputs, or say why not. `Ok(None)`: JSON of another kind.
fn recognize(path: &Path) -> Result<Option<Input>, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|error| ReportError::Read { path: path.to_path_buf(), error })?;
    let value: Value =
        serde_json::from_str(&text).map_err(|error| ReportError::NotJson { path: path.to_path_buf(), error })?;
    let Some(kind) = value.as_object().and_then(kind_of) else {
        return Ok(None);
    };
    Ok(Some(match kind {
        "a manifest" => Input::Manifest(Manifest::parse(&text, path).map_err(|e| ReportError::Malformed {
            path: path.to_path_buf(),
            kind,
            reason: e.to_string(),
        })?),
        "a training log" => Input::Train(typed(value, path, kind)?),
        "cosim --json output" => Input::Cosim(typed(value, path, kind)?),
        "eval --json output" => Input::Eval(typed(value, path, kind)?),
        _ => Input::Build(typed(value, path, kind)?),
    }))
}

/// Read one file that was named: a file of another kind is an error.
pub fn read_file(path: &Path) -> Result<Source, ReportError> {
    match recognize(path)? {
        Some(input) => Ok(Source { path: path.to_path_buf(), input }),
        None => Err(ReportError::Unknown { path: path.to_path_buf() }),
    }
}

/// Every `.json` file under `dir`, sorted by path.
fn json_files(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), ReportError> {
    let read = |error| ReportError::Read { path: dir.to_path_buf(), error };
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(read)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>().map_err(read)?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            found.push(path);
        }
    }
    Ok(())
}

/// Read `paths`: files must each be one of the inputs; directories are searched for them
/// (a build or design directory also holds other files named `.json`, such as nextpnr's
/// reports, which are passed over, while JSON that looks like an input but does not parse
/// is still an error).
/// The result is in page order (training, evaluation, design, co-simulation, build, then
/// by path), so the same inputs give the same page however they were named.
pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<Source>, ReportError> {
    let mut sources = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            json_files(path, &mut found)?;
            for file in found {
                match recognize(&file) {
                    Ok(Some(input)) => sources.push(Source { path: file, input }),
                    // A tool's log or half-written file that is not JSON is not ours either.
                    Ok(None) | Err(ReportError::NotJson { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        } else {
            sources.push(read_file(path)?);
        }
    }
    if sources.is_empty() {
        return Err(ReportError::Empty);
    }
    sources.sort_by(|a, b| a.input.rank().cmp(&b.input.rank()).then_with(|| a.path.cmp(&b.path)));
    sources.dedup_by(|a, b| a.path == b.path);
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
    }

    #[test]
    fn reads_a_training_log() {
        let Input::Train(log) = read_file(&fixture("digits-lms.train.json")).unwrap().input else {
            panic!("not a log")
        };
        assert_eq!(log.config.name, "digits-lms");
        assert_eq!(log.epochs.len(), 200);
        assert_eq!(log.epochs[0].epoch, 1);
    }

    #[test]
    fn reads_eval_json() {
        let Input::Eval(eval) = read_file(&fixture("digits-lms.eval.json")).unwrap().input else { panic!("not eval") };
        assert_eq!((eval.inputs, eval.correct), (20, 19));
        assert_eq!(eval.layers.len(), 2);
        assert_eq!(eval.cycles.unwrap().lanes, vec![4, 4]);
    }

    #[test]
    fn reads_cosim_json() {
        let Input::Cosim(cosim) = read_file(&fixture("digits-lms.cosim.json")).unwrap().input else {
            panic!("not cosim")
        };
        assert_eq!(cosim.report.inputs, 20);
        assert_eq!(cosim.report.rtl_latency, cosim.report.model_latency);
    }

    #[test]
    fn reads_a_manifest() {
        let Input::Manifest(manifest) = read_file(&fixture("manifest.json")).unwrap().input else {
            panic!("not a manifest")
        };
        assert_eq!(manifest.model, "digits-lms");
        assert_eq!(manifest.layers.len(), 2);
    }

    #[test]
    fn reads_a_build_report() {
        let Input::Build(build) = read_file(&fixture("report.json")).unwrap().input else { panic!("not a build") };
        assert_eq!(build.build.board, "icebreaker");
        assert!(build.build.resources.iter().any(|r| r.kind == "ICESTORM_LC"));
    }

    #[test]
    fn an_unknown_file_is_named_in_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.json");
        std::fs::write(&path, "{\"something\": 1}").unwrap();
        let message = read_file(&path).unwrap_err().to_string();
        assert!(message.contains("other.json") && message.contains("none of the files"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn a_changed_field_type_is_malformed_not_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.eval.json");
        std::fs::write(&path, r#"{"inputs": "twenty", "correct": 1, "layers": [], "per_input": []}"#).unwrap();
        let error = read_file(&path).unwrap_err();
        assert!(matches!(error, ReportError::Malformed { kind: "eval --json output", .. }), "{error}");
    }

    #[test]
    fn a_directory_gives_page_order_and_no_input_is_an_error() {
        let sources = read_inputs(&[fixture("")]).unwrap();
        let names: Vec<_> = sources.iter().map(|s| s.path.file_name().unwrap().to_str().unwrap()).collect();
        assert_eq!(
            names,
            ["digits-lms.train.json", "digits-lms.eval.json", "manifest.json", "digits-lms.cosim.json", "report.json"]
        );
        assert!(matches!(read_inputs(&[]), Err(ReportError::Empty)));
    }
}
