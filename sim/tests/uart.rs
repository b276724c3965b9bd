//! The board top over a bit-level UART in Verilator, driven by the host code of
//! `spikeforge run`: results bit-exact with the golden model, cycles equal to the cycle
//! model, and corrupted or lost bytes on either line detected and retried without losing or
//! duplicating a result.
//!
//! Verilator is required in CI (`CI=true`); elsewhere these tests skip with a reason.

mod common;

use std::time::{Duration, Instant};

use model::HardwarePlan;
use model::examples::{fuzz_network, tiny_network};
use sim::Golden;
use sim::cosim::SimTimeout;
use sim::cosim::fuzz::random_inputs;
use sim::cosim::uart::{UartCase, UartSimulator, UartTiming, run_inputs};
use testkit::Scratch;

fn design(net: &model::Network, lanes: &[u32], name: &str) -> (HardwarePlan, Scratch) {
    let dir = testkit::scratch_dir(&format!("uart-test-{name}"));
    let plan = HardwarePlan::per_layer(net, lanes).unwrap();
    hdl_gen::write_dir(&hdl_gen::generate(net, &plan).unwrap(), dir.path(), true).unwrap();
    (plan, dir)
}

/// The tiny network's board top at lanes [2, 3] (its directory first changed by `mutate`),
/// built, with its golden model and `count` random inputs from `seed`.
struct TinyBoard {
    plan: HardwarePlan,
    sim: UartSimulator,
    golden: Golden,
    inputs: Vec<u8>,
    dir: Scratch,
}

fn tiny_board(name: &str, seed: u64, count: usize, mutate: impl FnOnce(&std::path::Path)) -> TinyBoard {
    let net = tiny_network();
    let (plan, dir) = design(&net, &[2, 3], name);
    mutate(dir.path());
    let sim = UartSimulator::build(dir.path(), &sim::cosim::default_cache_dir(), UartTiming::default()).unwrap();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
    let inputs = random_inputs(&net, count, &mut rng);
    TinyBoard { plan, sim, golden: Golden::new(&net).unwrap(), inputs, dir }
}

/// Every case exact; `context` (which network) starts a failure's message.
fn assert_exact(cases: &[UartCase], context: &str) {
    for c in cases {
        assert!(
            c.exact(),
            "{context}input {}: board {:?} vs golden class {} scores {:?} cycles {}",
            c.input,
            c.inference.reply,
            c.expected_class,
            c.expected_scores,
            c.expected_cycles
        );
    }
}

#[test]
fn tiny_network_over_uart_matches_golden_and_cycle_models() {
    if !common::verilator_available() {
        return;
    }
    let b = tiny_board("tiny", 5, 12, |_| {});
    let cases = run_inputs(&b.golden, &b.plan, &b.sim, &b.inputs, 1, |_, _| {}).unwrap();
    assert_eq!(cases.len(), 12);
    assert_exact(&cases, "");
    assert!(cases.iter().all(|c| c.inference.attempts == 1));
}

/// Each kind of line error, once per input: the protocol notices and the retry succeeds.
#[test]
fn bit_errors_on_either_line_are_detected_and_retried() {
    if !common::verilator_available() {
        return;
    }
    let b = tiny_board("errors", 9, 6, |_| {});
    // Line bits of the request: 10 per byte (start, 8 data, stop); byte 0 is the sync byte,
    // 1-2 the length, then the values.
    let cases = run_inputs(&b.golden, &b.plan, &b.sim, &b.inputs, 4, |i, link| match i {
        0 => link.corrupt_request(vec![3 * 10 + 1 + 2]), // a data bit of value 0: CRC mismatch
        1 => link.corrupt_request(vec![4 * 10 + 9]),     // a stop bit: framing error
        2 => link.corrupt_request(vec![5 * 10]),         // a start bit: the byte is lost (timeout)
        3 => link.corrupt_reply(vec![3 * 8 + 5]),        // a bit of the reply's cycle count
        4 => link.corrupt_request(vec![1]),              // the sync byte: the request is ignored
        _ => {}
    })
    .unwrap();
    assert_exact(&cases, "");
    let attempts: Vec<u32> = cases.iter().map(|c| c.inference.attempts).collect();
    assert_eq!(attempts, vec![2, 2, 2, 2, 2, 1], "{cases:#?}");
    assert!(cases[0].inference.errors[0].contains("Checksum"), "{:?}", cases[0].inference.errors);
    assert!(cases[1].inference.errors[0].contains("Framing"), "{:?}", cases[1].inference.errors);
    assert!(cases[3].inference.errors[0].contains("CRC"), "{:?}", cases[3].inference.errors);
}

/// Random networks, including spiking last layers whose scores the bridge counts from
/// events (plane codes, payload, ternary).
#[test]
fn random_networks_over_uart() {
    if !common::verilator_available() {
        return;
    }
    let seeds: Vec<u64> = (40..52).collect();
    println!("UART co-simulation of fuzz networks {seeds:?}");
    for seed in seeds {
        let net = fuzz_network(seed);
        let lanes: Vec<u32> = net.layers.iter().map(|l| (l.outputs() as u32).div_ceil(2)).collect();
        let (plan, dir) = design(&net, &lanes, &format!("fuzz{seed}"));
        // Every other network loads its first layer's weights over the UART first.
        let plan = if seed % 2 == 1 {
            let loading = plan.with_loaded_weights(&[0]).unwrap();
            hdl_gen::write_dir(&hdl_gen::generate(&net, &loading).unwrap(), dir.path(), true).unwrap();
            loading
        } else {
            plan
        };
        let sim = UartSimulator::build(dir.path(), &sim::cosim::default_cache_dir(), UartTiming::default()).unwrap();
        let golden = Golden::new(&net).unwrap();
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
        let inputs = random_inputs(&net, 4, &mut rng);
        let cases =
            run_inputs(&golden, &plan, &sim, &inputs, 1, |_, _| {}).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_exact(&cases, &format!("seed {seed} ({}), ", net.name));
    }
}

/// A board top whose RTL loops forever inside one evaluation never replies: the guard kills
/// the simulator within seconds and the error names the input.
#[test]
fn endless_loop_over_uart_is_killed_and_located() {
    if !common::verilator_available() {
        return;
    }
    let mut b = tiny_board("hang", 5, 12, common::make_endless_loop);
    b.sim.timeout = SimTimeout { floor: Duration::from_secs(2), factor: 10.0 };
    // The leftover check sees a live simulator.
    let link = b.sim.connect().unwrap();
    assert_eq!(common::processes_in(b.dir.path()).len(), 1);
    drop(link);
    let started = Instant::now();
    let err =
        run_inputs(&b.golden, &b.plan, &b.sim, &b.inputs, 1, |_, _| {}).expect_err("the endless loop must be caught");
    let seconds = started.elapsed().as_secs_f64();
    let message = err.to_string();
    println!("{message} ({seconds:.1} s)");
    assert!(seconds < 30.0, "caught only after {seconds:.1} s: {message}");
    let sim::SimError::Hung { input: Some(input), .. } = &err else { panic!("not a hang naming its input: {err:?}") };
    assert!(message.contains(&format!("input {input}")), "{message}");
    let left = common::processes_in(b.dir.path());
    assert!(left.is_empty(), "simulator processes left running: {left:?}");
}

/// Weights loaded over the UART (the UP5K's SPRAM route): load requests fill every layer's
/// weight RAM, then inference is exact. A load request with a flipped bit is refused by its
/// CRC and resent, nothing written meanwhile; a request past a memory's end is refused; and
/// before the load the board refuses to infer (its RAMs are empty after power-on).
#[test]
fn weights_loaded_over_uart_then_inference_is_exact() {
    if !common::verilator_available() {
        return;
    }
    use hdl_gen::protocol::{Status, Transport, load_request};
    use sim::cosim::uart::{infer_inputs, load_images};
    let net = tiny_network();
    let dir = testkit::scratch_dir("uart-test-loaded");
    let plan = HardwarePlan::per_layer(&net, &[2, 3]).unwrap().with_loaded_weights(&[0, 1]).unwrap();
    let design = hdl_gen::generate(&net, &plan).unwrap();
    hdl_gen::write_dir(&design, dir.path(), true).unwrap();
    let sim = UartSimulator::build(dir.path(), &sim::cosim::default_cache_dir(), UartTiming::default()).unwrap();
    let golden = Golden::new(&net).unwrap();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(21);
    let inputs = random_inputs(&net, 12, &mut rng);
    let images = hdl_gen::board::weight_images(&net, &design);
    assert_eq!(images.len(), 2);

    // Unloaded (a freshly configured board): inference is refused, not answered wrongly.
    let mut fresh = sim.connect().unwrap();
    let refused = infer_inputs(&golden, &plan, &sim, &mut fresh, &inputs, 1, |_, _| {}).unwrap_err().to_string();
    assert!(refused.contains("weights are not loaded"), "{refused}");
    drop(fresh);

    let mut link = sim.connect().unwrap();
    // A bit of the first weight byte of the first request (byte 6: after sync, target,
    // three address bytes and the word count).
    link.corrupt_request(vec![6 * 10 + 1 + 3]);
    let resent = load_images(&sim, &mut link, &images, 4).unwrap();
    assert_eq!(resent, 1);
    // Past the end of target 0, and a target that does not exist.
    for (target, address) in [(0u8, images[0].words() as u32), (7, 0)] {
        link.send(&load_request(target, address, &[0], 1)).unwrap();
        let reply = sim.format.parse(&link.receive(sim.format.len()).unwrap()).unwrap();
        assert_eq!(reply.status, Status::Load, "target {target} address {address}");
        // The refused request's tail arrives as noise the bridge skips; let it time out.
        link.drain().unwrap();
    }
    // Words 0..4 again, with an address bit flipped on the line (bit 3 of the address's low
    // byte, request byte 2): had the bridge written before checking the CRC, words 8..11
    // would now hold words 0..3 and inference would be off.
    let first_words = &images[0].bytes[..4];
    assert_ne!(first_words, &images[0].bytes[8..12], "the check needs words that differ");
    link.corrupt_request(vec![2 * 10 + 1 + 3]);
    link.send(&load_request(0, 0, first_words, 1)).unwrap();
    let reply = sim.format.parse(&link.receive(sim.format.len()).unwrap()).unwrap();
    assert_eq!(reply.status, Status::Checksum);
    let cases = infer_inputs(&golden, &plan, &sim, &mut link, &inputs, 2, |_, _| {}).unwrap();
    assert_exact(&cases, "");
}
