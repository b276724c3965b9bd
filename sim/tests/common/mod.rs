//! Shared by the integration tests that need external simulators.

/// True when the tool was found; outside CI a missing tool skips with a printed reason, in
/// CI (`CI=true`) it fails the test.
pub fn available(found: Result<impl Sized, sim::SimError>) -> bool {
    match found {
        Ok(_) => true,
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("CI requires it: {e}"),
        Err(e) => {
            eprintln!("SKIP: {e}");
            false
        }
    }
}

/// [`available`] for Verilator.
pub fn verilator_available() -> bool {
    available(sim::cosim::find_verilator())
}
