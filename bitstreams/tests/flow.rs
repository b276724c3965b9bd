//! Each board's flow end to end on the bundled trained digits model
//! (`examples/digits-lms.sfm.json`, LMS 64-64-10, T = 2) at two lanes per layer, which
//! `bitstreams::sizing` says fits every board: synthesis, place and route, packing, reports
//! that parse, and the sizing model's prediction held against the measurement; the digits
//! builds run behind each board's PLL (`--freq`). The YoWASP tools are required in CI
//! (`CI=true`); elsewhere the tests skip with a reason. About a minute per board on 2 cores.

use bitstreams::boards::Board;
use bitstreams::flow::{BuildOptions, Pll, build, find_tools};
use bitstreams::sizing::Usage;
use model::HardwarePlan;

/// One flow at a time: on a fresh machine the first run of each YoWASP tool compiles it
/// into a shared cache, and two cores are better spent on one place and route anyway.
static ONE_FLOW: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Build the digits model for `board`; returns the report for board-specific checks.
fn build_digits(board: Board, freq_mhz: Option<f64>) -> Option<bitstreams::flow::BuildReport> {
    let _turn = ONE_FLOW.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    testkit::require(find_tools(board))?;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/digits-lms.sfm.json");
    let net = model::file::load(&path).unwrap();
    let plan = HardwarePlan::uniform(&net, 2).unwrap();
    let predicted = bitstreams::sizing::check_fit(board, &net, &plan).unwrap();
    let name = board.facts().name;
    let dir = testkit::scratch_dir(&format!("flow-test-{name}"));
    hdl_gen::write_dir(&hdl_gen::generate(&net, &plan).unwrap(), &dir.join("rtl"), true).unwrap();
    let options = BuildOptions { board, freq_mhz, seeds: 2, baud: 115_200 };
    let report = build(&dir.join("rtl"), &dir.join("build"), &options, &|step| println!("{name}: {step}")).unwrap();
    assert!(report.bitstream.is_file() && std::fs::metadata(&report.bitstream).unwrap().len() > 10_000);
    let (luts, flip_flops) = board.facts().cells.count(&report.cells);
    assert!(luts > 0 && flip_flops > 0, "{:?}", report.cells);
    let clock = freq_mhz.unwrap_or(board.facts().clock_hz as f64 / 1e6);
    assert!(report.fmax_mhz > 1.0 && report.target_mhz == clock && report.clock_mhz == clock, "{report:?}");
    assert!(dir.join("build/yosys.log").is_file() && dir.join("build/nextpnr-report.json").is_file());
    within(&report, &predicted);
    Some(report)
}

/// The UP5K's MNIST route: the bundled `mnist-up5k` model (784-256-10, 4-bit weights, T = 1,
/// 97.36%) with layer 0's 802 kbit of weights in the four SPRAMs, loaded over the UART;
/// sized by `bitstreams::sizing`, built, and held to the prediction. About 40 s.
#[test]
fn mnist_fits_the_up5k_with_weights_in_spram() {
    let _turn = ONE_FLOW.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let board = Board::Icebreaker;
    if testkit::require(find_tools(board)).is_none() {
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/mnist-up5k.sfm.json");
    let net = model::file::load(&path).unwrap();
    let rom = HardwarePlan::per_layer(&net, &[4, 1]).unwrap();
    match bitstreams::sizing::check_fit(board, &net, &rom) {
        Err(bitstreams::BitstreamError::DoesNotFit { remedy, .. }) => assert_eq!(remedy.load_layer, Some(0)),
        other => panic!("{other:?}"),
    }
    let plan = rom.with_loaded_weights(&[0]).unwrap();
    let predicted = bitstreams::sizing::check_fit(board, &net, &plan).unwrap();
    let dir = testkit::scratch_dir("flow-test-up5k");
    hdl_gen::write_dir(&hdl_gen::generate(&net, &plan).unwrap(), &dir.join("rtl"), true).unwrap();
    let options = BuildOptions { board, freq_mhz: None, seeds: 1, baud: 115_200 };
    let report = build(&dir.join("rtl"), &dir.join("build"), &options, &|step| println!("up5k: {step}")).unwrap();
    assert!(report.bitstream.is_file());
    assert_eq!(used(&report, "ICESTORM_SPRAM"), (4, 4), "the weights are in SPRAM");
    assert!(report.fmax_mhz >= 12.0, "the 12 MHz oscillator clock is met: {report:?}");
    within(&report, &predicted);
}

/// A conv network on the smallest part: the bundled `digits-conv` (c16k3p1-sp2-fc10, T = 2,
/// 95.88%) at the plan `spikeforge build --board icebreaker` sizes for it (2 conv lanes x 4
/// membrane banks in one set, 16-bit membranes of 128 words: a block RAM per bank), built
/// and held to the prediction; every bank is a block of its own. About 2 minutes.
#[test]
fn conv_example_builds_for_the_up5k() {
    let _turn = ONE_FLOW.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let board = Board::Icebreaker;
    if testkit::require(find_tools(board)).is_none() {
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/digits-conv.sfm.json");
    let net = model::file::load(&path).unwrap();
    let plan = HardwarePlan::per_layer(&net, &[2, 1, 1]).unwrap().with_membrane_sets(model::MembraneSets::One);
    let predicted = bitstreams::sizing::check_fit(board, &net, &plan).unwrap();
    let dir = testkit::scratch_dir("flow-test-conv-up5k");
    hdl_gen::write_dir(&hdl_gen::generate(&net, &plan).unwrap(), &dir.join("rtl"), true).unwrap();
    let options = BuildOptions { board, freq_mhz: None, seeds: 1, baud: 115_200 };
    let report = build(&dir.join("rtl"), &dir.join("build"), &options, &|step| println!("conv up5k: {step}")).unwrap();
    assert!(report.bitstream.is_file());
    assert!(report.fmax_mhz >= 12.0, "the 12 MHz oscillator clock is met: {report:?}");
    let netlist = std::fs::read_to_string(dir.join("build/synth.json")).unwrap();
    for lane in 0..2 {
        for bank in 0..4 {
            let name = format!("u_l0.u_conv.g_set[0].g_lane[{lane}].g_bank[{bank}].g_mem.bank");
            assert!(netlist.contains(&name), "membrane bank {lane}.{bank} was lost in synthesis");
        }
    }
    within(&report, &predicted);
}

/// The sizing model's prediction against the placed design: block RAMs exactly or one off
/// (yosys may put a small array in logic), logic within 35% (its calibration, BENCHMARKS.md).
fn within(report: &bitstreams::flow::BuildReport, predicted: &Usage) {
    let (blocks, _) = used(report, predicted.block_ram_kind);
    let (logic, _) = used(report, predicted.logic_kind);
    println!(
        "{}: {blocks} {} placed, {} predicted; {logic} {} placed, {} predicted",
        report.board, predicted.block_ram_kind, predicted.block_rams, predicted.logic_kind, predicted.logic
    );
    assert!(blocks.abs_diff(predicted.block_rams) <= 1, "{predicted:?}");
    let ratio = predicted.logic as f64 / logic as f64;
    assert!((0.65..=1.35).contains(&ratio), "{predicted:?}");
}

fn used(report: &bitstreams::flow::BuildReport, kind: &str) -> (u64, u64) {
    let r =
        report.resources.iter().find(|r| r.kind == kind).unwrap_or_else(|| panic!("{kind}: {:?}", report.resources));
    (r.used, r.available)
}

#[test]
fn trained_model_builds_for_the_icebreaker_behind_a_pll() {
    // 24 MHz from the 12 MHz oscillator: the PLL top (12 * 64 / 2^5).
    let Some(report) = build_digits(Board::Icebreaker, Some(24.0)) else { return };
    let Some(Pll::Ice40(pll)) = report.pll else { panic!("an iCE40 PLL for 24 MHz: {:?}", report.pll) };
    assert_eq!((pll.divr, pll.divf, pll.divq, pll.mhz), (0, 63, 5, 24.0));
    assert!(report.cells.iter().any(|(k, n)| k == "SB_PLL40_PAD" && *n == 1), "{:?}", report.cells);
    let (lc, available) = used(&report, "ICESTORM_LC");
    assert!(lc > 100 && available == 5280, "{lc}/{available}");
    assert!(used(&report, "ICESTORM_RAM").0 > 0, "memories in EBR");
}

#[test]
fn trained_model_builds_for_the_ulx3s_behind_a_pll() {
    // 40 MHz from the 25 MHz oscillator: the PLL top (25 * 8 / 5).
    let Some(report) = build_digits(Board::Ulx3s, Some(40.0)) else { return };
    let Some(Pll::Ecp5(pll)) = report.pll else { panic!("an ECP5 PLL for 40 MHz: {:?}", report.pll) };
    assert_eq!((pll.clkfb_div as f64 / pll.clki_div as f64, pll.mhz), (1.6, 40.0));
    assert!(report.cells.iter().any(|(k, n)| k == "EHXPLLL" && *n == 1), "{:?}", report.cells);
    assert_eq!(used(&report, "TRELLIS_COMB").1, 83_640);
    assert!(used(&report, "DP16KD").0 > 0, "memories in DP16KD");
}

#[test]
fn trained_model_builds_for_the_tangnano9k_behind_a_pll() {
    // 54 MHz from the 27 MHz oscillator: the PLL top (27 * 2 / 1).
    let Some(report) = build_digits(Board::Tangnano9k, Some(54.0)) else { return };
    let Some(Pll::Gowin(pll)) = report.pll else { panic!("a Gowin PLL for 54 MHz: {:?}", report.pll) };
    assert_eq!((pll.idiv_sel, pll.fbdiv_sel, pll.mhz), (0, 1, 54.0));
    for cell in ["rPLL", "DQCE"] {
        assert!(report.cells.iter().any(|(k, n)| k == cell && *n == 1), "{cell}: {:?}", report.cells);
    }
    assert_eq!(used(&report, "LUT4").1, 8_640);
    assert!(used(&report, "BSRAM").0 > 0, "memories in BSRAM");
}
