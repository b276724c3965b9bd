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
    // histogram), design: 1, cosim: 2, build: 3 (resources, Fmax, images per second).
    assert_eq!(plots, 11);
}

#[test]
fn the_page_is_well_formed_and_the_same_every_time() {
    let page = build_page(&[fixtures()]).unwrap();
    let elements = check_well_formed(&page).unwrap();
    assert!(elements > 500, "{elements} elements");
    // Training draws two charts into each of its two figures; every other figure has one.
    assert_eq!(page.matches("<svg ").count(), 13);
    assert!(!page.contains("<script"), "no scripts");
    assert!(
        !page.contains("http://")
            || page.matches("http://").count() == page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
        "loads nothing"
    );
    assert_eq!(page, build_page(&[fixtures()]).unwrap());
}

/// The build's throughput at both clocks, from report.json, and no energy made up from an
/// assumed power.
#[test]
fn a_build_says_images_per_second_at_both_clocks_and_has_no_power_estimate() {
    let sources = read_inputs(&[fixtures().join("report.json")]).unwrap();
    let build = &sections(&sources).unwrap()[0];
    let figure = build.figures.iter().find(|f| f.title.starts_with("Images per second")).unwrap();
    let rows: Vec<[&str; 2]> = figure.table.rows.iter().map(|r| [r[0].as_str(), r[1].as_str()]).collect();
    assert_eq!(
        rows[..5],
        [
            ["cycles per image (cycle model, back to back)", "7222.8"],
            ["board top clock (oscillator), MHz", "12.00"],
            ["images per second at the board top clock", "1661.4"],
            ["Fmax (best seed), MHz", "27.19"],
            ["images per second at Fmax", "3764.3"],
        ]
    );
    assert_eq!(rows[5], ["energy per image on this part", "no power estimate for this part"]);
    assert!(rows[6][0].contains("45 nm") && rows[6][1] == "0.0757", "{rows:?}");
    assert!(build.facts.iter().any(|f| f.starts_with("energy: no power estimate for this part")), "{:?}", build.facts);
    // report.json's energy_per_input_uj (an assumed 5 mW over the throughput) is not on the page.
    let page = build_page(&[fixtures().join("report.json")]).unwrap();
    assert!(!page.contains("3.01") && !page.contains("µJ per input (board"), "an assumed power is not an estimate");
    let svg = figure.svg.as_deref().unwrap();
    assert!(svg.contains("board top, 12.00 MHz (oscillator)") && svg.contains("Fmax, 27.19 MHz"));
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

fn compare_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/compare")
}

/// `eval --json` of the bundled examples (digits: two codes of digits-lms, one of
/// digits-conv, all at T = 2; MNIST: T = 1 and 2, 300 inputs) and one training log: a
/// comparison per dataset, with a plot only along what varies in it.
#[test]
fn several_models_are_compared_per_dataset_along_what_varies() {
    let sources = read_inputs(&[compare_fixtures()]).unwrap();
    let all = sections(&sources).unwrap();
    let compared: Vec<_> = all.iter().filter(|s| s.title.starts_with("Accuracy against T")).collect();
    let titles: Vec<&str> = compared.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Accuracy against T and the spike code: digits", "Accuracy against T and the spike code: mnist"]
    );
    // After every training and evaluation section: the last two on this page.
    assert_eq!(all.len() - 2, all.iter().position(|s| s.title.starts_with("Accuracy against T")).unwrap());
    for (section, plots) in compared.iter().zip(["code", "T"]) {
        let svg = section.figures[0].svg.as_deref().unwrap();
        let name = section.title.rsplit(' ').next().unwrap();
        assert_eq!(svg.matches("<svg ").count(), 1, "{name}: one plot, along what varies");
        assert!(svg.contains(&format!("Accuracy against {}", if plots == "T" { "T" } else { "the spike code" })));
        insta::assert_snapshot!(format!("compare_{name}"), svg);
    }
    let rows: Vec<Vec<&str>> =
        compared[1].figures[0].table.rows.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    let base = compare_fixtures().display().to_string();
    let log = format!("{base}/mnist-small.train.json");
    let up5k = format!("{base}/mnist-up5k.eval.json");
    // Sorted by T, then code, model and file; the log's float and integer accuracy, eval's integer.
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[1],
        ["mnist-small", "-", log.as_str(), "mnist/test", "2004", "1", "integer D=15 [1,2,4,8]", "95.71", "95.71"]
    );
    assert_eq!(
        rows[2],
        [
            "mnist-up5k",
            "examples/mnist-up5k.sfm.json",
            up5k.as_str(),
            "mnist/test",
            "300",
            "1",
            "integer D=15 [1,2,4,8]",
            "-",
            "99.33"
        ]
    );
    assert_eq!(
        rows[3][0..6],
        ["mnist-mlp", "examples/mnist-mlp.sfm.json", &format!("{base}/mnist-mlp.eval.json"), "mnist/test", "300", "2"]
    );
    let digits = &compared[0].figures[0].table.rows;
    let codes: Vec<&str> = digits.iter().map(|r| r[6].as_str()).collect();
    assert_eq!(codes, ["integer D=3 [1,2,3]", "integer D=5 [1,1,1,1,1]", "integer D=5 [1,2,3,4]"]);
}

#[test]
fn one_model_alone_or_on_each_dataset_is_not_compared() {
    let alone = read_inputs(&[compare_fixtures().join("mnist-mlp.eval.json"), fixtures().join("digits-lms.eval.json")])
        .unwrap();
    assert!(sections(&alone).unwrap().iter().all(|s| !s.title.starts_with("Accuracy against")));
    // The same model trained and evaluated: one model, nothing to compare.
    let same = read_inputs(&[
        compare_fixtures().join("mnist-small.eval.json"),
        compare_fixtures().join("mnist-small.train.json"),
    ])
    .unwrap();
    assert!(sections(&same).unwrap().iter().all(|s| !s.title.starts_with("Accuracy against")));
}
