//! yosys: reading and checking generated designs.

use std::path::{Path, PathBuf};

use crate::BitstreamError;
use crate::tools::{self, run_tool};

/// The yosys the flows use ([`tools::find`]), or how to install it.
pub fn find_yosys() -> Result<PathBuf, BitstreamError> {
    Ok(tools::find(tools::YOSYS)?.0)
}

/// Read every Verilog file of a generated directory into yosys, elaborate the top with its
/// real parameters (`-defer`, so library modules are only built as instantiated), convert
/// processes and run `check -assert` (no multiple drivers, no undriven signals, no loops).
/// yosys's output goes to `yosys-check.log` in the directory.
pub fn check_design(design_dir: &Path) -> Result<(), BitstreamError> {
    let yosys = find_yosys()?;
    let info = hdl_gen::DesignInfo::read(design_dir)?;
    let script = format!(
        "read_verilog -defer -I. {}; hierarchy -check -top {}; proc; check -assert",
        info.sources().join(" "),
        info.top()
    );
    run_tool(&yosys, &["-q".into(), "-p".into(), script], design_dir, "yosys-check.log", &[])
}
