//! Golden-file tests of the emitted design for the hand-written tiny network: the per-layer
//! wrappers, the core, the memory files and the manifest. A change to the generator shows
//! up here as a reviewable diff (`INSTA_UPDATE=always cargo test -p spikeforge-hdl-gen`
//! rewrites the snapshots).

use model::HardwarePlan;
use model::examples::{tiny_lateral_network, tiny_network};

fn design() -> hdl_gen::Design {
    let net = tiny_network();
    hdl_gen::generate(&net, &HardwarePlan::per_layer(&net, &[2, 3]).unwrap()).unwrap()
}

#[test]
fn layer_wrappers() {
    let d = design();
    insta::assert_snapshot!("tiny_l0_hidden.v", d.files["tiny_l0_hidden.v"]);
    insta::assert_snapshot!("tiny_l1_out.v", d.files["tiny_l1_out.v"]);
}

/// A hidden layer with lateral connections: the LATERAL parameters and the lateral rows
/// after the input rows of its weight memory.
#[test]
fn lateral_layer_wrapper_and_weights() {
    let net = tiny_lateral_network();
    let d = hdl_gen::generate(&net, &HardwarePlan::per_layer(&net, &[2, 3]).unwrap()).unwrap();
    insta::assert_snapshot!("tinylat_l0_hidden.v", d.files["tinylat_l0_hidden.v"]);
    insta::assert_snapshot!("tinylat_l0_hidden_weights.mem", d.files["l0_hidden_weights.mem"]);
}

/// A leak layer: mode 3 (sf_defs.vh's SF_DECAY_LEAK), its k in DECAY_SHIFT and the rule
/// beside them; otherwise only its header and membrane bound differ from the shift layer.
#[test]
fn leak_layer_wrapper() {
    let mut net = tiny_network();
    net.layers[0].neuron.decay = model::Decay::Leak(3);
    let d = hdl_gen::generate(&net, &HardwarePlan::per_layer(&net, &[2, 3]).unwrap()).unwrap();
    let leaky = &d.files["tiny_l0_hidden.v"];
    let line = |name: &str| leaky.lines().find(|l| l.contains(name)).unwrap_or_default().trim().to_string();
    assert_eq!(line(".DECAY_MODE("), ".DECAY_MODE(3),                          // λ = 1 - 2^-3, v - (v >>> 3)");
    assert_eq!(line(".DECAY_SHIFT("), ".DECAY_SHIFT(3),");
    assert!(d.files["sf_defs.vh"].contains("localparam SF_DECAY_LEAK = 3;"));
    let shifted = &design().files["tiny_l0_hidden.v"];
    let differing: Vec<(&str, &str)> = leaky.lines().zip(shifted.lines()).filter(|(a, b)| a != b).collect();
    // The header names the decay; leak:3 keeps more membrane than shift:1, so the bound moves.
    let expected = ["decay Leak(3)", "proven membrane range", ".DECAY_MODE(", ".DECAY_SHIFT("];
    assert_eq!(leaky.lines().count(), shifted.lines().count());
    assert_eq!(differing.len(), expected.len(), "{differing:#?}");
    for ((line, _), what) in differing.iter().zip(expected) {
        assert!(line.contains(what), "{line}");
    }
}

#[test]
fn core() {
    insta::assert_snapshot!("tiny_core.v", design().files["tiny_core.v"]);
}

#[test]
fn verilog_testbench() {
    insta::assert_snapshot!("tiny_tb.v", design().files["tiny_tb.v"]);
}

#[test]
fn board_top() {
    insta::assert_snapshot!("tiny_board.v", design().files["tiny_board.v"]);
    insta::assert_snapshot!("tiny_board_ecp5.v", design().files["tiny_board_ecp5.v"]);
}

/// The iCE40 and Gowin clocked tops: the board top behind `sf_pll_ice40` / `sf_pll_gowin`,
/// each PLL's dividers as parameters the flow sets.
#[test]
fn pll_tops() {
    let d = design();
    insta::assert_snapshot!("tiny_board_ice40.v", d.files["tiny_board_ice40.v"]);
    insta::assert_snapshot!("tiny_board_gowin.v", d.files["tiny_board_gowin.v"]);
    for family in hdl_gen::pll::PllFamily::ALL {
        let top = d.manifest.board.pll(family);
        assert_eq!(top.top, format!("tiny_board_{}", family.suffix()));
        assert_eq!(top.files, [format!("sf_pll_{}.v", family.suffix()), format!("{}.v", top.top)]);
        assert!(top.files.iter().all(|f| !d.verilog_files().contains(f)), "{family:?} is synthesis-only");
    }
}

#[test]
fn memories_and_manifest() {
    let d = design();
    insta::assert_snapshot!("l0_hidden_weights.mem", d.files["l0_hidden_weights.mem"]);
    insta::assert_snapshot!("l0_hidden_bias.mem", d.files["l0_hidden_bias.mem"]);
    insta::assert_snapshot!("manifest.json", d.files["manifest.json"]);
    insta::assert_snapshot!("sf_defs.vh", d.files["sf_defs.vh"]);
}

#[test]
fn output_is_deterministic_and_has_no_paths() {
    let (a, b) = (design(), design());
    assert_eq!(a.files, b.files);
    for (name, text) in &a.files {
        assert!(!text.contains("/tmp") && !text.contains("/home") && !text.contains("/root"), "{name} has a path");
    }
    // The library is shipped verbatim.
    for (name, text) in hdl_gen::LIBRARY
        .iter()
        .chain(&hdl_gen::TESTBENCH_LIBRARY)
        .chain(&hdl_gen::board::BOARD_LIBRARY)
        .chain(&hdl_gen::pll::ECP5_PLL_LIBRARY)
        .chain(&hdl_gen::pll::ICE40_PLL_LIBRARY)
        .chain(&hdl_gen::pll::GOWIN_PLL_LIBRARY)
    {
        assert_eq!(&a.files[*name], text);
    }
    // Synthesis never sees the testbench.
    assert!(a.verilog_files().iter().all(|f| !f.contains("_tb") && !f.contains("_board")), "{:?}", a.verilog_files());
}

#[test]
fn write_dir_refuses_foreign_directories() {
    let dir = testkit::scratch_dir("hdl");
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let e = hdl_gen::write_dir(&design(), &dir, false).unwrap_err();
    assert!(e.to_string().contains("not empty and not written by `spikeforge gen`"), "{e}");
    assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
    // With --force it writes; afterwards the directory is ours and may be regenerated.
    hdl_gen::write_dir(&design(), &dir, true).unwrap();
    hdl_gen::write_dir(&design(), &dir, false).unwrap();
    assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
    // A directory an older generator wrote (no manifest_version) is regenerated, not refused.
    let manifest = dir.join("manifest.json");
    let version = format!("\"manifest_version\": {},", hdl_gen::MANIFEST_VERSION);
    let old = std::fs::read_to_string(&manifest).unwrap().replace(&version, "");
    std::fs::write(&manifest, old).unwrap();
    assert!(hdl_gen::DesignInfo::read(&dir).is_err());
    hdl_gen::write_dir(&design(), &dir, false).unwrap();
    assert!(hdl_gen::DesignInfo::read(&dir).is_ok());
}

/// Layer 0's weights loaded over the UART: its RAM's write port on the core, the board's
/// loader and the bridge's load tables.
#[test]
fn loaded_weights() {
    let net = tiny_network();
    let plan = HardwarePlan::per_layer(&net, &[2, 3]).unwrap().with_loaded_weights(&[0]).unwrap();
    let d = hdl_gen::generate(&net, &plan).unwrap();
    insta::assert_snapshot!("tiny_loaded_board.v", d.files["tiny_board.v"]);
    insta::assert_snapshot!("tiny_loaded_core.v", d.files["tiny_core.v"]);
    assert!(d.manifest.board.files.contains(&"sf_weight_loader.v".to_string()));
    assert_eq!(d.manifest.board.load_buffer, Some(256));
    assert!(!design().files.contains_key("sf_weight_loader.v"));
}

/// The cycle formula of a layer item is rendered from `model::timing` into the manifest and
/// the wrapper headers; `sf_layer.v`'s header states the same text, so none can drift.
#[test]
fn the_cycle_formula_is_the_same_everywhere() {
    use model::timing::layer_item_cycles;
    let sf_layer = hdl_gen::LIBRARY.iter().find(|(name, _)| *name == "sf_layer.v").unwrap().1;
    let lateral = tiny_lateral_network();
    let lateral = hdl_gen::generate(&lateral, &HardwarePlan::per_layer(&lateral, &[2, 3]).unwrap()).unwrap();
    for (is_lateral, design) in [(false, design()), (true, lateral)] {
        let formula = layer_item_cycles(is_lateral, None);
        assert!(sf_layer.contains(&format!("// {formula}\n")), "sf_layer.v's header does not state {formula}");
        let architecture = include_str!("../../ARCHITECTURE.md");
        assert!(architecture.contains(&format!("\n`{formula}`\n")), "ARCHITECTURE.md does not state {formula}");
        let manifest = &design.files["manifest.json"];
        assert!(manifest.contains(&format!("\"cycles\": \"{formula} over G = ")), "{manifest}");
        let wrapper = &design.files[&format!("{}.v", design.layers[0].module)];
        let groups = design.layers[0].plan.groups;
        assert!(wrapper.contains(&layer_item_cycles(is_lateral, Some(groups))), "{wrapper}");
    }
}

/// A small conv network: conv 3x3 pad 1 (2 channels, 4x4) -> max pool 2 -> conv 3x3 stride
/// 2 pad 1 -> dense readout. The conv wrappers (`sf_conv` sized, tap tables), the core (the
/// fused pooling layer's taps, packed sources), the kernel-row weight words.
fn conv_design() -> (model::Network, hdl_gen::Design) {
    let spec = model::examples::ConvSpec {
        name: "tinyconv".into(),
        input: model::Shape3 { channels: 1, height: 4, width: 4 },
        arch: "c2k3p1-mp2-c3k3s2p1-fc2".parse().unwrap(),
        timesteps: 2,
        neuron: model::examples::HiddenNeuron::Integer { max_spike: 3 },
        weight_bits: 4,
        decay: model::Decay::Shift(1),
        input_density: 0.5,
    };
    let net = model::examples::random_conv_network(&spec, 1).unwrap();
    let plan = HardwarePlan::per_layer(&net, &[2, 1, 2, 2]).unwrap();
    let design = hdl_gen::generate(&net, &plan).unwrap();
    (net, design)
}

#[test]
fn conv_wrappers_core_and_weights() {
    let (net, d) = conv_design();
    insta::assert_snapshot!("tinyconv_l0_conv1.v", d.files["tinyconv_l0_conv1.v"]);
    insta::assert_snapshot!("tinyconv_l2_conv3.v", d.files["tinyconv_l2_conv3.v"]);
    insta::assert_snapshot!("tinyconv_core.v", d.files["tinyconv_core.v"]);
    insta::assert_snapshot!("tinyconv_l0_conv1_weights.mem", d.files["l0_conv1_weights.mem"]);
    // A fused pooling layer has no wrapper of its own.
    assert!(!d.files.contains_key("tinyconv_l1_pool2.v"));
    // Word (c·K + ky)·G + g holds kernel row ky of every lane: tap kx of lane p at bits
    // (kx·P + p)·W. Layer 0 has C = 1, G = 1: word 1 is kernel row 1.
    let model::LayerOp::Conv2d(c) = &net.layers[0].op else { panic!("layer 0 is a conv layer") };
    let words: Vec<&str> = d.files["l0_conv1_weights.mem"].lines().collect();
    assert_eq!(words.len(), 3);
    let word = u32::from_str_radix(words[1], 16).unwrap();
    for kx in 0..3 {
        for o in 0..2 {
            let bits = (word >> ((kx * 2 + o) * 4)) & 0xf;
            let w = ((bits as i32) << 28) >> 28;
            assert_eq!(w, c.weights[((3 + kx) * 2 + o) as usize], "kx {kx} channel {o}");
        }
    }
}

/// An encoder taking 3 values per cycle: the lines of the core, the testbench and the board
/// top that differ from the one-value design (the encoder's and the bridge's
/// VALUES_PER_CYCLE, the chunk-wide `in_value`, the testbench source's width), and nothing
/// else.
#[test]
fn wide_encoder_lines() {
    let net = tiny_network();
    let plan = HardwarePlan::per_layer(&net, &[2, 3]).unwrap();
    let wide = hdl_gen::generate(&net, &plan.clone().with_values_per_cycle(&net, 3).unwrap()).unwrap();
    let narrow = design();
    let mut changed = String::new();
    for file in ["tiny_core.v", "tiny_tb.v", "tiny_board.v"] {
        changed.push_str(&format!("== {file}\n"));
        let (w, n): (Vec<&str>, Vec<&str>) = (wide.files[file].lines().collect(), narrow.files[file].lines().collect());
        // Lines added or changed (the narrow design's lines are a subsequence of the wide one's).
        let mut j = 0;
        for line in &w {
            if j < n.len() && *line == n[j] {
                j += 1;
            } else {
                changed.push_str(line);
                changed.push('\n');
                if j < n.len() && w.iter().all(|l| *l != n[j]) {
                    j += 1;
                }
            }
        }
        assert_eq!(j, n.len(), "{file}: lines of the one-value design missing from the wide one");
    }
    insta::assert_snapshot!("tiny_wide_encoder_lines", changed);
}
