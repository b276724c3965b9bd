//! Shared by the integration tests that need external simulators.

/// True when Verilator is installed; outside CI its absence skips the test with a printed
/// reason, in CI (`CI=true`) it fails it.
pub fn verilator_available() -> bool {
    testkit::require(sim::cosim::find_verilator()).is_some()
}

/// Replace the first `from` in the file at `path` by `to` (a hand-made RTL mutant).
pub fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} does not contain {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Make the tiny network's design in `dir` hang the simulator the way the dangling `else`
/// once did: the plane-1 product of layer 1's lanes (the only layer with K = 2: layer 0
/// takes the input's 4 planes) loops forever inside one evaluation; layer 0 runs as before.
pub fn make_endless_loop(dir: &std::path::Path) {
    edit(
        &dir.join("sf_lane.v"),
        "for (k = 0; k < K; k = k + 1)",
        "for (k = 0; k < K; k = (K == 2 && plane == 1) ? k : k + 1)",
    );
}

/// The command lines of the processes whose working directory is `dir` (simulators run in
/// their design directory): none may outlive a co-simulation.
pub fn processes_in(dir: &std::path::Path) -> Vec<String> {
    let dir = dir.canonicalize().unwrap();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| std::fs::read_link(e.path().join("cwd")).is_ok_and(|cwd| cwd == dir))
        .map(|e| {
            String::from_utf8_lossy(&std::fs::read(e.path().join("cmdline")).unwrap_or_default()).replace('\0', " ")
        })
        .collect()
}
