//! `spikeforge report`: the page from the report crate's fixtures, and what it refuses.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_spikeforge");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const FIXTURES: &str = "report/tests/fixtures";

fn spikeforge(args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(ROOT).output().expect("the binary runs")
}

fn one_line_error(o: &Output, expected: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line expected: {err}");
    assert!(err.starts_with("error: ") && err.contains(expected), "expected {expected:?} in {err:?}");
}

#[test]
fn report_writes_a_page_and_never_overwrites_without_force() {
    let dir = testkit::scratch_dir("cli-report");
    let out = dir.path().join("report.html");
    let out_arg = out.to_str().unwrap();
    let o = spikeforge(&["report", FIXTURES, "--out", out_arg]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("from 5 input files"));
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("Training: digits-lms") && page.contains("<svg "));

    std::fs::write(&out, "mine").unwrap();
    let o = spikeforge(&["report", FIXTURES, "--out", out_arg]);
    one_line_error(&o, "already exists (pass --force to overwrite it)");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    let o = spikeforge(&["report", FIXTURES, "--out", out_arg, "--force"]);
    assert!(o.status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), page, "the same inputs give the same page");
}

/// `eval --json` of several bundled models (and a training log): a comparison per dataset.
#[test]
fn report_compares_models_per_dataset() {
    let dir = testkit::scratch_dir("cli-report-compare");
    let out = dir.path().join("compare.html");
    let o = spikeforge(&["report", "report/tests/compare", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(&out).unwrap();
    for dataset in ["digits", "mnist"] {
        assert!(page.contains(&format!("<h2>Accuracy against T and the spike code: {dataset}</h2>")), "{dataset}");
    }
    assert!(page.contains("\nAccuracy against T on mnist\n</text>"));
    assert!(page.contains("\nAccuracy against the spike code on digits\n</text>"));
    assert!(page.contains("<td>examples/mnist-mlp.sfm.json</td>"));
}

#[test]
fn report_refuses_no_inputs_and_names_an_unknown_file() {
    let dir = testkit::scratch_dir("cli-report-refuses");
    let out = dir.path().join("r.html");
    let out_arg = out.to_str().unwrap();
    let o = spikeforge(&["report", "--out", out_arg]);
    assert_eq!(o.status.code(), Some(2), "clap refuses a missing input");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    one_line_error(&spikeforge(&["report", empty.to_str().unwrap(), "--out", out_arg]), "no input files");
    let o = spikeforge(&["report", "examples/digits-lms.sfm.json", "--out", out_arg]);
    one_line_error(&o, "examples/digits-lms.sfm.json is none of the files a report reads");
    assert!(!Path::new(&out).exists());
}

#[test]
fn train_report_refuses_to_replace_a_page_before_training() {
    let dir = testkit::scratch_dir("cli-train-report");
    let page = dir.path().join("m.train.html");
    std::fs::write(&page, "mine").unwrap();
    let out = dir.path().join("m.sfm.json");
    let o = spikeforge(&["train", "--data", "digits", "--out", out.to_str().unwrap(), "--report"]);
    one_line_error(&o, "m.train.html already exists (pass --force to overwrite it)");
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "mine");
    assert!(!out.exists());
}

#[test]
fn cosim_report_writes_the_run_as_a_page() {
    if testkit::require(Command::new("verilator").arg("--version").output().map_err(|e| format!("verilator: {e}")))
        .is_none()
    {
        return;
    }
    let dir = testkit::scratch_dir("cli-cosim-report");
    let out = dir.path().join("cosim.html");
    let json = dir.path().join("cosim.json");
    let o = spikeforge(&[
        "cosim",
        "examples/digits-lms.sfm.json",
        "--data",
        "digits",
        "--limit",
        "6",
        "--lanes",
        "4",
        "--report",
        out.to_str().unwrap(),
        "--json-out",
        json.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<svg "), "{page}");
    assert!(page.contains("digits_lms co-simulation") || page.contains("Co-simulation"), "{page}");
    // --json-out keeps the tables on the terminal and gives `report` the run
    assert!(String::from_utf8_lossy(&o.stdout).contains("6 inputs, 0 mismatching"));
    let again = dir.path().join("again.html");
    let o = spikeforge(&["report", json.to_str().unwrap(), "--out", again.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read_to_string(&again).unwrap().contains("<svg "));
}

/// `train --report` end to end: a tiny training run on the digits (an MLP of 32 LMS neurons,
/// 2 epochs, seconds) writes the log's page beside it, with every training plot, and the page
/// is the one `report` makes of the log.
#[cfg(feature = "train")]
#[test]
fn train_report_writes_the_page_of_the_run_with_its_plots() {
    if !Path::new(ROOT).join("data/digits.csv").exists()
        && testkit::skip_unless_ci("scikit-learn digits not installed (run `make setup` or `make test`)")
    {
        return;
    }
    let dir = testkit::scratch_dir("cli-train-report-e2e");
    let out = dir.path().join("tiny.sfm.json");
    let o = spikeforge(&[
        "train",
        "--neuron",
        "lms",
        "--data",
        "digits",
        "--hidden",
        "32",
        "--timesteps",
        "2",
        "--epochs",
        "2",
        "--learning-rate",
        "0.01",
        "--threads",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--report",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page_path = dir.path().join("tiny.train.html");
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("report: {}", page_path.display())));
    let page = std::fs::read_to_string(&page_path).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<h2>Training: tiny</h2>"), "{page}");
    // Loss, accuracy, spike rate and the learned D: each drawn, titled in its SVG.
    assert_eq!(page.matches("<svg ").count(), 4, "{page}");
    for title in ["Training loss", "Accuracy", "Spike rate per hidden layer", "Learned spike maximum D"] {
        assert!(page.contains(&format!("\n{title}\n</text>")), "no plot {title:?}");
    }
    // A row per epoch in the loss table, then the exported layers.
    assert!(page.contains("<tr><td>2</td>") && !page.contains("<tr><td>3</td>"), "{page}");
    assert!(page.contains("<td>fc1</td><td>integer D="), "{page}");
    let again = dir.path().join("again.html");
    let log = dir.path().join("tiny.train.json");
    let o = spikeforge(&["report", log.to_str().unwrap(), "--out", again.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&again).unwrap(), page, "the page is what `report` makes of the log");
}
