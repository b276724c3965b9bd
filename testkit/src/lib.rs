//! What the workspace's tests share (a dev-dependency only, never published).
//!
//! - Tests that need an external tool (Verilator, Icarus, yosys, the FPGA flow) or an
//!   installed dataset skip with a printed reason on a developer's machine, but fail in CI
//!   (`CI=true`), where a missing tool must never pass silently: [`require`],
//!   [`skip_unless_ci`].
//! - Scratch directories that are removed however a test ends, except that a failing test
//!   keeps its directory for inspection and says where: [`scratch_dir`].

use std::fmt::Display;
use std::path::Path;

/// True when CI runs the tests (`CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Something a test needs is missing: in CI fail with `reason`; elsewhere print
/// `SKIP: reason` and return false, so the test can `return`.
pub fn skip_unless_ci(reason: impl Display) -> bool {
    if in_ci() {
        panic!("CI requires it: {reason}");
    }
    eprintln!("SKIP: {reason}");
    false
}

/// `found`'s value; or, when it is an error (a tool not found), [`skip_unless_ci`] with it.
pub fn require<T, E: Display>(found: Result<T, E>) -> Option<T> {
    match found {
        Ok(v) => Some(v),
        Err(e) => {
            skip_unless_ci(e);
            None
        }
    }
}

/// A fresh, empty directory `spikeforge-<name>-XXXXXX` under the system temp directory.
pub fn scratch_dir(name: &str) -> Scratch {
    let dir = tempfile::Builder::new()
        .prefix(&format!("spikeforge-{name}-"))
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot create a scratch directory for {name}: {e}"));
    Scratch(Some(dir))
}

/// A scratch directory: deleted when dropped, unless the thread is panicking (a failing
/// test), in which case it is kept and its path printed.
pub struct Scratch(Option<tempfile::TempDir>);

impl Scratch {
    /// The directory.
    pub fn path(&self) -> &Path {
        self.0.as_ref().expect("present until dropped").path()
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        self.path()
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        self.path()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take()
            && std::thread::panicking()
        {
            eprintln!("kept {} for inspection", dir.keep().display());
        }
    }
}

/// The project's Python (`.venv/bin/python`, made by `make setup`) if it imports every one
/// of `modules`; otherwise why not, for [`require`].
pub fn venv_python(modules: &[&str]) -> Result<std::path::PathBuf, String> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    if !python.exists() {
        return Err(format!("{} not found: run `make setup`", python.display()));
    }
    let import = format!("import {}", modules.join(", "));
    match std::process::Command::new(&python).args(["-c", &import]).output() {
        Ok(out) if out.status.success() => Ok(python),
        Ok(out) => Err(format!(
            "{} cannot `{import}` ({}): run `make setup`",
            python.display(),
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
        )),
        Err(e) => Err(format!("{}: {e}", python.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_directories_go_when_dropped_and_stay_when_a_test_fails() {
        let kept = std::thread::spawn(|| {
            let dir = scratch_dir("testkit");
            let path = dir.path().to_path_buf();
            std::fs::write(path.join("a"), "a").unwrap();
            let gone = {
                let other = scratch_dir("testkit");
                other.path().to_path_buf()
            };
            assert!(!gone.exists());
            std::panic::panic_any(path);
        })
        .join()
        .unwrap_err();
        let path = kept.downcast::<std::path::PathBuf>().unwrap();
        assert!(path.join("a").is_file(), "a failing test's directory is kept");
        std::fs::remove_dir_all(*path).unwrap();
    }

    #[test]
    fn what_is_found_is_required_without_skipping() {
        assert_eq!(require::<_, String>(Ok(3)), Some(3));
    }
}
