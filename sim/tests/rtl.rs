//! The generated RTL in Verilator: lint-clean, bit- and cycle-exact on random networks, and
//! a co-simulation that really fails when the RTL is wrong (mutation tests).
//!
//! Verilator is required in CI (`CI=true`); elsewhere these tests skip with a reason.

mod common;

use std::path::{Path, PathBuf};

use testkit::Scratch;

use model::HardwarePlan;
use model::examples::{fuzz_network, tiny_lateral_network, tiny_network};
use rayon::prelude::*;
use sim::Golden;
use sim::cosim::fuzz::{fuzz_case, random_inputs};
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

fn generate(net: &model::Network, lanes: &[u32], dir: &Path) -> HardwarePlan {
    generate_loading(net, lanes, &[], dir)
}

/// With the weights of `loaded` layers loaded at start-up.
fn generate_loading(net: &model::Network, lanes: &[u32], loaded: &[usize], dir: &Path) -> HardwarePlan {
    let plan = HardwarePlan::per_layer(net, lanes).unwrap().with_loaded_weights(loaded).unwrap();
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
    nets.par_iter().enumerate().for_each(|(i, (net, lanes, loaded))| {
        let dir = work_dir(&format!("lint{i}"));
        generate_loading(net, lanes, loaded, dir.path());
        lint(dir.path()).unwrap_or_else(|e| panic!("network {i} ({}): {e}", net.name));
    });
}

/// At least 50 random networks (every neuron kind, random codes including payload, decays,
/// resets, T, widths and lanes), each on 24 random inputs: 0 mismatches in data and cycles.
#[test]
fn random_networks_cosimulate_exactly() {
    if !common::verilator_available() {
        return;
    }
    let seed: u64 = std::env::var("SPIKEFORGE_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let networks: u64 = std::env::var("SPIKEFORGE_FUZZ_NETWORKS").ok().and_then(|s| s.parse().ok()).unwrap_or(50);
    println!(
        "co-simulating {networks} random networks from seed {seed} (replay: spikeforge cosim-fuzz --networks 1 --seed S)"
    );
    let work = work_dir("fuzz");
    let failures: Vec<String> = (seed..seed + networks)
        .into_par_iter()
        .filter_map(|s| match fuzz_case(s, 24, SimulatorKind::Verilator, work.path(), &cache()) {
            Ok(c) => c.mismatch.map(|m| format!("seed {s}: {} lanes {:?}: {m}", c.network, c.lanes)),
            Err(e) => Some(format!("seed {s}: {e}")),
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
    };
    cosimulate(&golden, &m.plan, m.dir(), &inputs, &options).unwrap()
}

fn first_mismatch(m: &Mutant) -> (sim::cosim::Mismatch, Option<PathBuf>) {
    let outcome = run_tiny(m, true, SimulatorKind::Verilator);
    (outcome.report.first.expect("the corrupted design must mismatch"), outcome.vcd)
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
    // W[0][2] of layer 0 sits in word 0 * G + 1 (group 1, lane 0) of the weight memory:
    // set it from 1 to -8 (4-bit two's complement 8).
    let path = m.dir().join("l0_hidden_weights.mem");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let word = u32::from_str_radix(&lines[1], 16).unwrap();
    assert_eq!(word & 0xf, 1, "W[0][2] of the tiny network is 1");
    lines[1] = format!("{:02x}", (word & !0xf) | 0x8);
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
    assert_eq!(mismatch.layer, 1, "{mismatch}");
    assert!(matches!(mismatch.kind, MismatchKind::Score { .. }), "{mismatch}");
}

#[test]
fn mutation_wrong_reset_rule_is_caught_at_the_second_timestep() {
    if !common::verilator_available() {
        return;
    }
    let m = tiny_mutant("reset");
    common::edit(&m.dir().join("tiny_l0_hidden.v"), ".RESET_SOFT(1)", ".RESET_SOFT(0)");
    let (mismatch, _) = first_mismatch(&m);
    // Reset only acts on the next timestep, so timestep 0 still matches.
    assert_eq!((mismatch.layer, mismatch.timestep), (0, 1), "{mismatch}");
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
    let options =
        CosimOptions { simulator, cache: cache(), vcd_dir: Some(vcd_dir.clone()), progress: &|_| {}, timeout };
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
        let options = CosimOptions {
            simulator: SimulatorKind::Verilator,
            cache: cache(),
            vcd_dir: None,
            progress: &|_| {},
            timeout: Default::default(),
        };
        cosimulate(&golden, plan, dir, &inputs, &options).unwrap().report
    };
    let scratch = work_dir("lateral");
    let dir = scratch.path();
    let plan = generate(&net, &[2, 3], dir);
    let clean = run(dir, &plan);
    assert_eq!((clean.first.as_ref(), clean.rtl_cycles), (None, clean.model_cycles));
    // Rows 6..=10 (x 3 groups) of layer 0's weight memory are R: flip bit 2 of every lateral
    // weight (both 4-bit lanes of each word).
    let path = dir.join("l0_hidden_weights.mem");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i >= 6 * 3 { format!("{:02x}", u32::from_str_radix(l, 16).unwrap() ^ 0x44) } else { l.into() })
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
    println!("co-simulating 8 random networks from seed {seed} in Icarus Verilog");
    let work = work_dir("icarus-fuzz");
    let failures: Vec<String> = (seed..seed + 8)
        .into_par_iter()
        .filter_map(|s| match fuzz_case(s, 4, SimulatorKind::Icarus, work.path(), &cache()) {
            Ok(c) => c.mismatch.map(|m| format!("seed {s}: {} lanes {:?}: {m}", c.network, c.lanes)),
            Err(e) => Some(format!("seed {s}: {e}")),
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
