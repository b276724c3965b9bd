//! Every plot as a person sees it: drawn by headless Chromium (Debian's `chromium`, which
//! scripts/setup.sh installs) into a PNG, and each plot's region checked for its axes and
//! its coloured series. Without Chromium the test skips with the reason, except in CI.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use report::{read_inputs, sections};

/// The plots' size in pixels (`plots::SIZE`).
const PLOT: (u32, u32) = (640, 340);
const COLUMNS: u32 = 2;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A page with every plot at a known place: plot `i` at column `i % COLUMNS`, row `i / COLUMNS`.
fn grid_page(svgs: &[String]) -> String {
    let mut page = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><style>body{margin:0;background:#fff}div{position:absolute}</style></head><body>",
    );
    for (i, svg) in svgs.iter().enumerate() {
        let (x, y) = (i as u32 % COLUMNS * PLOT.0, i as u32 / COLUMNS * PLOT.1);
        page += &format!("<div style=\"left:{x}px;top:{y}px\">{svg}</div>");
    }
    page + "</body></html>\n"
}

/// Run Chromium on `html` and decode its screenshot: `(width, height, RGBA bytes)`.
fn screenshot(browser: &Path, dir: &Path, html: &str, size: (u32, u32)) -> (u32, u32, Vec<u8>) {
    let page = dir.join("page.html");
    let png = dir.join("page.png");
    std::fs::write(&page, html).unwrap();
    let mut child = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1"])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("chromium did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).expect("a screenshot")));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let channels = info.color_type.samples();
    let rgba = buffer[..info.buffer_size()]
        .chunks(channels)
        .flat_map(|p| [p[0], p[1], p[2], if channels == 4 { p[3] } else { 255 }])
        .collect();
    (info.width, info.height, rgba)
}

/// `(dark, coloured)` pixels of the plot at `(x0, y0)`: axes and text are dark grey to
/// black, the series and bars are saturated colours.
fn census(width: u32, rgba: &[u8], x0: u32, y0: u32) -> (usize, usize) {
    let (mut dark, mut coloured) = (0, 0);
    for y in y0..y0 + PLOT.1 {
        for x in x0..x0 + PLOT.0 {
            let i = ((y * width + x) * 4) as usize;
            let (r, g, b) = (rgba[i] as i32, rgba[i + 1] as i32, rgba[i + 2] as i32);
            let spread = r.max(g).max(b) - r.min(g).min(b);
            if spread > 60 {
                coloured += 1;
            } else if r.max(g).max(b) < 100 {
                dark += 1;
            }
        }
    }
    (dark, coloured)
}

/// Every plot of the sections `keep` selects from the page of `inputs`.
fn plots_of(inputs: &[PathBuf], keep: impl Fn(&str) -> bool) -> Vec<String> {
    let sources = read_inputs(inputs).unwrap();
    let mut svgs = Vec::new();
    for section in sections(&sources).unwrap().into_iter().filter(|s| keep(&s.title)) {
        for figure in section.figures {
            // A figure may hold several plots (training: loss and accuracy).
            if let Some(svg) = figure.svg {
                svgs.extend(svg.split_inclusive("</svg>").filter(|s| s.contains("<svg")).map(str::to_string));
            }
        }
    }
    svgs
}

#[test]
fn every_plot_draws_in_chromium() {
    let svgs = plots_of(&[fixtures()], |_| true);
    assert_eq!(svgs.len(), 13);
    check_plots_draw(&svgs, "report-render");
}

#[test]
fn the_comparison_plots_draw_in_chromium() {
    let compare = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/compare");
    let svgs = plots_of(&[compare], |title| title.starts_with("Accuracy against T"));
    assert_eq!(svgs.len(), 2, "digits against the code, MNIST against T");
    check_plots_draw(&svgs, "report-render-compare");
}

/// Draw `svgs` in Chromium and check each drew its axes and its coloured marks.
fn check_plots_draw(svgs: &[String], scratch: &str) {
    let Some(browser) = chromium() else {
        testkit::skip_unless_ci("chromium not installed (scripts/setup.sh installs Debian's chromium)");
        return;
    };
    // One cell more than the plots: it must stay blank, so the check can fail.
    let rows = (svgs.len() as u32 + 1).div_ceil(COLUMNS);
    let dir = testkit::scratch_dir(scratch);
    let size = (COLUMNS * PLOT.0, rows * PLOT.1);
    let (width, height, rgba) = screenshot(&browser, dir.path(), &grid_page(svgs), size);
    assert_eq!((width, height), size, "the screenshot has the asked size");
    for i in 0..svgs.len() as u32 {
        let (dark, coloured) = census(width, &rgba, i % COLUMNS * PLOT.0, i / COLUMNS * PLOT.1);
        // Axes, ticks and labels are hundreds of dark pixels; a series or a bar hundreds of coloured ones.
        assert!(dark > 300 && coloured > 200, "plot {i} did not draw: {dark} dark, {coloured} coloured pixels");
    }
    let blank = svgs.len() as u32;
    assert_eq!(census(width, &rgba, blank % COLUMNS * PLOT.0, blank / COLUMNS * PLOT.1), (0, 0));
}
