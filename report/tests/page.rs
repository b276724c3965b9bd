//! The page made from the committed fixtures (real outputs of the bundled examples):
//! golden snapshots of every plot's SVG, and the page as well-formed markup.

use std::path::PathBuf;

use report::{build_page, read_inputs, sections};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every element closed in order: a stack of open tags over the page, which is written
/// XHTML-shaped (the doctype and comments aside) so that this holds for HTML and SVG alike.
fn check_well_formed(page: &str) -> Result<usize, String> {
    let mut open: Vec<&str> = Vec::new();
    let mut elements = 0;
    let mut rest = page;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').ok_or_else(|| format!("unclosed tag at {}", &rest[start..]))? + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            match open.pop() {
                Some(top) if top == name.trim() => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else {
            elements += 1;
            let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
            if !tag.ends_with('/') {
                open.push(name);
            }
        }
    }
    if open.is_empty() { Ok(elements) } else { Err(format!("never closed: {open:?}")) }
}

#[test]
fn every_plot_matches_its_golden_svg() {
    let sources = read_inputs(&[fixtures()]).unwrap();
    let mut plots = 0;
    for (s, section) in sections(&sources).unwrap().iter().enumerate() {
        for (f, figure) in section.figures.iter().enumerate() {
            if let Some(svg) = &figure.svg {
                insta::assert_snapshot!(format!("section{s}_figure{f}"), svg);
                plots += 1;
            }
        }
    }
    // Training: 2 (loss and accuracy, spike rate and D), eval: 3 (activity, cycles, fc1's
    // histogram), design: 1, cosim: 2, build: 2.
    assert_eq!(plots, 10);
}

#[test]
fn the_page_is_well_formed_and_the_same_every_time() {
    let page = build_page(&[fixtures()]).unwrap();
    let elements = check_well_formed(&page).unwrap();
    assert!(elements > 500, "{elements} elements");
    // Training draws two charts into each of its two figures; every other figure has one.
    assert_eq!(page.matches("<svg ").count(), 12);
    assert!(!page.contains("<script"), "no scripts");
    assert!(
        !page.contains("http://")
            || page.matches("http://").count() == page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
        "loads nothing"
    );
    assert_eq!(page, build_page(&[fixtures()]).unwrap());
}

#[test]
fn the_checker_finds_an_unclosed_element() {
    assert!(check_well_formed("<svg><g></svg>").is_err());
    assert!(check_well_formed("<svg><rect/></svg>").is_ok());
}

#[test]
fn a_command_output_directory_gets_its_page_beside_its_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["report.json", "digits-lms.eval.json"] {
        std::fs::copy(fixtures().join(name), dir.path().join(name)).unwrap();
    }
    std::fs::create_dir(dir.path().join("rtl")).unwrap();
    std::fs::copy(fixtures().join("manifest.json"), dir.path().join("rtl/manifest.json")).unwrap();
    // What a build directory also holds: a tool's own JSON and a file cut short.
    std::fs::create_dir(dir.path().join("build")).unwrap();
    std::fs::write(dir.path().join("build/nextpnr-report.json"), r#"{"utilization": {}, "fmax": {}}"#).unwrap();
    std::fs::write(dir.path().join("build/partial.json"), "{\"a\": ").unwrap();
    let page = report::write_dir_page(dir.path()).unwrap();
    assert_eq!(page, dir.path().join("report.html"));
    let first = std::fs::read_to_string(&page).unwrap();
    assert!(
        first.contains("Build: digits-conv") && first.contains("Design: digits-lms") && first.contains("Evaluation")
    );
    // Run again (the page itself is not JSON, so it is not an input): the same page.
    report::write_dir_page(dir.path()).unwrap();
    assert_eq!(std::fs::read_to_string(&page).unwrap(), first);
}
