//! Flashing bitstreams with openFPGALoader.

use std::path::Path;
use std::process::Command;

use crate::BitstreamError;
use crate::boards::Board;
use crate::tools;

/// Load `bitstream` into `board` (SRAM, or its configuration flash with `flash`). With no
/// board attached this is [`BitstreamError::NoBoard`].
pub fn flash(board: Board, bitstream: &Path, flash: bool) -> Result<(), BitstreamError> {
    if !bitstream.is_file() {
        return Err(BitstreamError::Rejected {
            tool: "deploy".into(),
            design: bitstream.display().to_string(),
            message: "no such bitstream file".into(),
        });
    }
    let (loader, _) = tools::find(tools::OPENFPGALOADER)?;
    let mut cmd = Command::new(loader);
    cmd.args(["-b", board.facts().openfpgaloader]);
    if flash {
        cmd.arg("-f");
    }
    let output =
        cmd.arg(bitstream).output().map_err(|error| BitstreamError::Io { path: bitstream.to_path_buf(), error })?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    let lower = text.to_lowercase();
    if lower.contains("unable to open")
        || lower.contains("no device")
        || lower.contains("not found")
        || lower.contains("fail to open")
    {
        return Err(BitstreamError::NoBoard {
            reason: format!("openFPGALoader found no {} on USB: is it plugged in?", board.facts().name),
        });
    }
    let first = text.lines().find(|l| l.to_lowercase().contains("error")).unwrap_or(text.lines().last().unwrap_or(""));
    Err(BitstreamError::Rejected {
        tool: "openFPGALoader".into(),
        design: bitstream.display().to_string(),
        message: first.trim().to_string(),
    })
}
