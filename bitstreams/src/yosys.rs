//! yosys: reading and checking generated designs.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::BitstreamError;

/// The yosys on PATH (Debian's; the pinned YoWASP build arrives with the board flows).
pub fn find_yosys() -> Result<PathBuf, BitstreamError> {
    match Command::new("yosys").arg("-V").output() {
        Ok(o) if o.status.success() => Ok(PathBuf::from("yosys")),
        _ => Err(BitstreamError::MissingTool {
            tool: "yosys".into(),
            hint: "install it with `sudo apt-get install yosys` (`make setup` does this)".into(),
        }),
    }
}

/// Read every Verilog file of a generated directory into yosys, elaborate the top with its
/// real parameters (`-defer`, so library modules are only built as instantiated), convert
/// processes and run `check -assert` (no multiple drivers, no undriven signals, no loops).
pub fn check_design(design_dir: &Path) -> Result<(), BitstreamError> {
    let yosys = find_yosys()?;
    let info = hdl_gen::DesignInfo::read(design_dir)?;
    let script = format!(
        "read_verilog -defer -I. {}; hierarchy -check -top {}; proc; check -assert",
        info.sources().join(" "),
        info.top()
    );
    let output = Command::new(yosys)
        .current_dir(design_dir)
        .args(["-q", "-p", &script])
        .output()
        .map_err(|e| BitstreamError::MissingTool { tool: "yosys".into(), hint: e.to_string() })?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    let message =
        text.lines().filter(|l| l.contains("ERROR") || l.contains("Warning")).take(5).collect::<Vec<_>>().join("; ");
    Err(BitstreamError::Rejected {
        tool: "yosys".into(),
        design: design_dir.display().to_string(),
        message: if message.is_empty() { text.trim().to_string() } else { message },
    })
}
