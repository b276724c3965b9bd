//! Writing a generated design into a directory, and refusing directories it did not write.

use std::path::Path;

use crate::manifest::GENERATOR;
use crate::{Design, HdlError, MANIFEST};

/// What any version of the manifest says about the directory it sits in: enough to know
/// spikeforge wrote it and which files to clear, so a directory from an older generator is
/// regenerated rather than refused.
#[derive(serde::Deserialize)]
struct Previous {
    generator: String,
    #[serde(default)]
    files: Vec<String>,
}

/// Write a design into `dir`. A non-empty directory is only written if an earlier
/// `spikeforge gen` wrote it (its manifest says so) or `force` is set; files listed in an
/// earlier manifest are removed first so no stale layer survives.
pub fn write_dir(design: &Design, dir: &Path, force: bool) -> Result<(), HdlError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| HdlError::Io { path, error }
    };
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
        let non_empty = entries.next().is_some();
        let previous = std::fs::read_to_string(dir.join(MANIFEST))
            .ok()
            .and_then(|t| serde_json::from_str::<Previous>(&t).ok())
            .filter(|p| p.generator == GENERATOR);
        if non_empty && previous.is_none() && !force {
            return Err(HdlError::NotEmpty { path: dir.to_path_buf() });
        }
        if let Some(previous) = &previous {
            for f in &previous.files {
                // Only plain file names, never paths out of the directory.
                if !f.contains('/') && !f.contains('\\') && f != ".." {
                    let _ = std::fs::remove_file(dir.join(f));
                }
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for (name, text) in &design.files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    Ok(())
}
