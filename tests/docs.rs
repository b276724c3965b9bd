//! The repository's documents stand alone: nothing in the docs, the sources or the RTL
//! points at a file a person who clones the repository does not have.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Text files a reader of the repository meets, skipping build output, installed data and
/// the Python environment.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with('.') && !["target", "data", "node_modules"].contains(&name.as_str()) {
                files(&path, out);
            }
        } else if ["md", "rs", "v", "vh", "cpp", "h", "toml", "sh", "py"]
            .iter()
            .any(|e| name.ends_with(&format!(".{e}")))
        {
            out.push(path);
        }
    }
}

#[test]
fn no_document_or_source_points_outside_the_repository() {
    let mut all = Vec::new();
    files(Path::new(ROOT), &mut all);
    assert!(all.iter().any(|p| p.ends_with("ARCHITECTURE.md")), "the walk found the documents");
    let mut found = Vec::new();
    for path in &all {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            // Spelled in two halves so this file does not find itself.
            if line.contains(concat!("DESIGN", ".md")) || line.contains(concat!("shared", "/")) {
                found.push(format!("{}:{}: {line}", path.strip_prefix(ROOT).unwrap().display(), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "references to files outside the repository:\n{}", found.join("\n"));
}
