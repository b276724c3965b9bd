//! The iCE40 flow end to end on a small generated design: synthesis, place and route,
//! packing, and reports that parse. The YoWASP tools are required in CI (`CI=true`);
//! elsewhere the test skips with a reason.

use bitstreams::boards::Board;
use bitstreams::flow::{BuildOptions, build, check_fit, find_tools};
use model::HardwarePlan;
use model::examples::{HiddenNeuron, RandomSpec, random_network};

#[test]
fn small_model_builds_for_the_icebreaker() {
    if let Err(e) = find_tools(Board::Icebreaker) {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI requires the FPGA tools: {e}");
        }
        eprintln!("SKIP: {e}");
        return;
    }
    let spec = RandomSpec {
        name: "small".into(),
        input_shape: vec![1, 8, 8],
        hidden: vec![16],
        classes: 4,
        timesteps: 2,
        neuron: HiddenNeuron::Integer { max_spike: 7 },
        weight_bits: 6,
        decay: model::Decay::Shift(1),
        input_density: 0.3,
    };
    let net = random_network(&spec, 3);
    let plan = HardwarePlan::uniform(&net, 4).unwrap();
    let dir = std::env::temp_dir().join(format!("spikeforge-flow-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    hdl_gen::write_dir(&hdl_gen::generate(&net, &plan).unwrap(), &dir.join("rtl"), true).unwrap();
    let options = BuildOptions { board: Board::Icebreaker, freq_mhz: None, seeds: 2, baud: 115_200 };
    let report = build(&dir.join("rtl"), &dir.join("build"), &options, &|step| println!("{step}")).unwrap();
    assert!(report.bitstream.is_file() && std::fs::metadata(&report.bitstream).unwrap().len() > 100_000);
    let lc = report.resources.iter().find(|r| r.kind == "ICESTORM_LC").expect("logic cells reported");
    assert!(lc.used > 100 && lc.available == 5280, "{lc:?}");
    assert!(
        report.resources.iter().any(|r| r.kind == "ICESTORM_RAM" && r.used > 0),
        "memories in EBR: {:?}",
        report.resources
    );
    assert!(report.cells.iter().any(|(k, n)| k == "SB_LUT4" && *n > 0), "{:?}", report.cells);
    assert!(report.fmax_mhz > 1.0 && report.target_mhz == 12.0, "{report:?}");
    assert!(dir.join("build/yosys.log").is_file() && dir.join("build/nextpnr-report.json").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn memory_beyond_the_part_is_refused_with_the_numbers() {
    let e = check_fit(Board::Icebreaker, 1_000_000).unwrap_err().to_string();
    assert!(e.contains("does not fit the icebreaker") && e.contains("976.6 kbit") && e.contains("120.0 kbit"), "{e}");
    check_fit(Board::Ulx3s, 1_000_000).unwrap();
}
