//! The board top over a bit-level UART in Verilator, driven by the host code of
//! `spikeforge run`: results bit-exact with the golden model, cycles equal to the cycle
//! model, and corrupted or lost bytes on either line detected and retried without losing or
//! duplicating a result.
//!
//! Verilator is required in CI (`CI=true`); elsewhere these tests skip with a reason.

mod common;

use std::time::{Duration, Instant};

use hdl_gen::protocol::Framing;
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
    // The same inputs, and then with two values in three zeroed, in either frame.
    let zeroed: Vec<u8> = b.inputs.iter().enumerate().map(|(i, &v)| if i % 3 == 0 { v } else { 0 }).collect();
    for framing in [Framing::Dense, Framing::Sparse] {
        for inputs in [&b.inputs, &zeroed] {
            let cases = run_inputs(&b.golden, &b.plan, &b.sim, inputs, framing, 1, |_, _| {}).unwrap();
            assert_eq!(cases.len(), 12);
            assert_exact(&cases, &format!("{framing:?} frames: "));
            assert!(cases.iter().all(|c| c.inference.attempts == 1));
        }
    }
}

/// A sparse frame: a flipped mask bit makes the board read one value byte more or fewer,
/// which the CRC byte (or the silence that follows) gives away; a mask bit past the input's
/// last value is refused as a length error.
#[test]
fn sparse_frames_with_errors_are_retried_or_refused() {
    use hdl_gen::protocol::{ReplyFormat, Status, Transport, infer, seal, sparse_request};
    if !common::verilator_available() {
        return;
    }
    let b = tiny_board("sparse-errors", 3, 4, |_| {});
    // Line bits: byte 3 is the first mask byte; bit 1 + k is its data bit k.
    let cases = run_inputs(&b.golden, &b.plan, &b.sim, &b.inputs, Framing::Sparse, 4, |i, link| match i {
        0 => link.corrupt_request(vec![3 * 10 + 1]),
        1 => link.corrupt_request(vec![3 * 10 + 1 + 5]),
        2 => link.corrupt_request(vec![4 * 10 + 1 + 2]), // a value byte (or the next mask)
        _ => {}
    })
    .unwrap();
    assert_exact(&cases, "");
    let attempts: Vec<u32> = cases.iter().map(|c| c.inference.attempts).collect();
    assert_eq!(attempts, vec![2, 2, 2, 1], "{cases:#?}");
    // The tiny network takes 6 values: mask bits 6 and 7 lie past them.
    let size = b.golden.network().input.size();
    assert!(size % 8 != 0, "the test needs a last group shorter than 8");
    let mut frame = sparse_request(&vec![0; size]);
    // No value byte follows for it: the board reads none.
    frame.truncate(frame.len() - 4);
    frame[3] = 1 << (size % 8);
    let frame = seal(frame);
    let mut link = b.sim.connect().unwrap();
    link.max_cycles = 100_000;
    link.send(&frame).unwrap();
    let format: ReplyFormat = b.sim.format;
    let reply = format.parse(&link.receive(format.len()).unwrap()).unwrap();
    assert_eq!(reply.status, Status::Length, "{reply:?}");
    // And the host's own frames go through afterwards.
    let x = &b.inputs[..size];
    let ok = infer(&mut link, x, Framing::Sparse, format, 1).unwrap();
    assert_eq!(ok.reply.class as usize, cases[0].expected_class);
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
    let cases = run_inputs(&b.golden, &b.plan, &b.sim, &b.inputs, Framing::Dense, 4, |i, link| match i {
        0 => link.corrupt_request(vec![3 * 10 + 1 + 2]), // a data bit of value 0: CRC mismatch
        1 => link.corrupt_request(vec![4 * 10 + 9]),     // a stop bit: framing error
        2 => link.corrupt_request(vec![5 * 10]),         // a start bit: the byte is lost (timeout)
        3 => link.corrupt_reply(vec![4 * 8 + 5]),        // a bit of the reply's cycle count
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
/// events (plane codes, payload, ternary), loaded weights and wide encoders.
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
        // Every other network loads its first layer's weights over the UART first; two in
        // three take the widest encoder up to 8 values per cycle, so the bridge keeps the
        // request in chunks.
        let loaded: &[usize] = if seed % 2 == 1 { &[0] } else { &[] };
        let widest = HardwarePlan::encoder_widths(&net).into_iter().filter(|&v| v <= 8).max().unwrap_or(1);
        let values = if seed % 3 == 0 { 1 } else { widest };
        let plan = if loaded.is_empty() && values == 1 {
            plan
        } else {
            let changed = plan.with_loaded_weights(loaded).unwrap().with_values_per_cycle(&net, values).unwrap();
            hdl_gen::write_dir(&hdl_gen::generate(&net, &changed).unwrap(), dir.path(), true).unwrap();
            changed
        };
        let sim = UartSimulator::build(dir.path(), &sim::cosim::default_cache_dir(), UartTiming::default()).unwrap();
        let golden = Golden::new(&net).unwrap();
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
        let inputs = random_inputs(&net, 4, &mut rng);
        // Half the networks get sparse frames (with wide encoders too), of inputs with about
        // one value in three zeroed.
        let framing = if seed % 4 < 2 { Framing::Sparse } else { Framing::Dense };
        let inputs: Vec<u8> =
            inputs.iter().map(|&v| if rand::Rng::random_bool(&mut rng, 0.3) { 0 } else { v }).collect();
        let cases = run_inputs(&golden, &plan, &sim, &inputs, framing, 1, |_, _| {})
            .unwrap_or_else(|e| panic!("seed {seed} ({framing:?} frames): {e}"));
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
    let err = run_inputs(&b.golden, &b.plan, &b.sim, &b.inputs, Framing::Shortest, 1, |_, _| {})
        .expect_err("the endless loop must be caught");
    let seconds = started.elapsed().as_secs_f64();
    let message = err.to_string();
    println!("{message} ({seconds:.1} s)");
    assert!(seconds < 30.0, "caught only after {seconds:.1} s: {message}");
    let sim::SimError::Hung { input: Some(input), .. } = &err else { panic!("not a hang naming its input: {err:?}") };
    assert!(message.contains(&format!("input {input}")), "{message}");
    let left = common::processes_in(b.dir.path());
    assert!(left.is_empty(), "simulator processes left running: {left:?}");
}

/// The layer a failed weight check names, with the message.
fn weight_mismatch(result: Result<(), sim::SimError>) -> (usize, String) {
    let err = result.expect_err("the weight check must fail");
    let message = err.to_string();
    let sim::SimError::Host { error: hdl_gen::protocol::HostError::WeightMismatch { layer, .. }, .. } = &err else {
        panic!("not a weight mismatch: {err:?}")
    };
    (*layer, message)
}

/// Weights loaded over the UART (the UP5K's SPRAM route): load requests fill every layer's
/// weight RAM, the board's CRC of each memory matches the model's, then inference is exact.
/// A load request with a flipped bit is refused by its CRC and resent, nothing written
/// meanwhile; a request past a memory's end is refused; before the load the board refuses
/// to infer (its RAMs are empty after power-on); and a wrong word written with a valid
/// frame is caught by the weight CRC, which names its layer.
#[test]
fn weights_loaded_over_uart_then_inference_is_exact() {
    if !common::verilator_available() {
        return;
    }
    use hdl_gen::protocol::{Status, Transport, load_request, weight_crc_request};
    use sim::cosim::uart::{check_images, infer_inputs, load_images};
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
    let refused = infer_inputs(&golden, &plan, &sim, &mut fresh, &inputs, Framing::Shortest, 1, |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(refused.contains("weights are not loaded"), "{refused}");
    drop(fresh);

    let mut link = sim.connect().unwrap();
    // A bit of the first weight byte of the first request (byte 6: after sync, target,
    // three address bytes and the word count).
    link.corrupt_request(vec![6 * 10 + 1 + 3]);
    let resent = load_images(&sim, &mut link, &images, 4).unwrap();
    assert_eq!(resent, 1);
    // A bit of the first weight CRC reply's CRC field is flipped on the line: resent.
    link.corrupt_reply(vec![4 * 8 + 2]);
    check_images(&sim, &mut link, &images, 2).unwrap();
    assert!(check_images(&sim, &mut link, &images, 1).is_ok(), "the CRC is the same when asked again");
    // A weight CRC of a target that does not exist is refused.
    link.send(&weight_crc_request(2)).unwrap();
    let reply = sim.format.parse(&link.receive(sim.format.len()).unwrap()).unwrap();
    assert_eq!((reply.status, reply.cycles), (Status::Load, 0));
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
    check_images(&sim, &mut link, &images, 1).unwrap();

    // One wrong word in layer 1 (target 1), sent as a valid frame: the board takes it, the
    // weight CRC does not; the right word restores it.
    let wb = images[1].word_bytes as usize;
    let word = &images[1].bytes[3 * wb..4 * wb];
    let mut wrong = word.to_vec();
    wrong[0] ^= 0x10;
    for (bytes, expected) in [(&wrong[..], false), (word, true)] {
        link.send(&load_request(1, 3, bytes, wb as u32)).unwrap();
        let reply = sim.format.parse(&link.receive(sim.format.len()).unwrap()).unwrap();
        assert_eq!((reply.status, reply.cycles), (Status::Ok, 1));
        let checked = check_images(&sim, &mut link, &images, 1);
        if expected {
            checked.unwrap();
        } else {
            let (layer, message) = weight_mismatch(checked);
            assert_eq!(layer, 1, "{message}");
            assert!(message.contains("layer 1 (out)"), "{message}");
            assert!(message.contains(&format!("0x{:08x}", images[1].crc32())), "{message}");
        }
    }
    let cases = infer_inputs(&golden, &plan, &sim, &mut link, &inputs, Framing::Shortest, 2, |_, _| {}).unwrap();
    assert_exact(&cases, "");
}

/// A loader that stores one word wrongly (bit 0 of word 3 of every target flipped after the
/// frame's CRC matched) loads without a complaint, and the weight CRC catches it, naming
/// the first layer whose memory differs.
#[test]
fn a_loader_that_stores_a_wrong_word_is_caught_by_the_weight_crc() {
    if !common::verilator_available() {
        return;
    }
    use sim::cosim::uart::{check_images, load_images};
    let net = tiny_network();
    let dir = testkit::scratch_dir("uart-test-bad-loader");
    let plan = HardwarePlan::per_layer(&net, &[2, 3]).unwrap().with_loaded_weights(&[0, 1]).unwrap();
    let design = hdl_gen::generate(&net, &plan).unwrap();
    hdl_gen::write_dir(&design, dir.path(), true).unwrap();
    let loader = dir.path().join("sf_weight_loader.v");
    let text = std::fs::read_to_string(&loader).unwrap();
    let good = "wr_data <= shifted[WORD_BITS-1:0];";
    assert!(text.contains(good), "the mutation needs the loader's write");
    let bad = "wr_data <= shifted[WORD_BITS-1:0] ^ {{(WORD_BITS-1){1'b0}}, load_addr == 24'd3};";
    std::fs::write(&loader, text.replace(good, bad)).unwrap();
    let sim = UartSimulator::build(dir.path(), &sim::cosim::default_cache_dir(), UartTiming::default()).unwrap();
    let images = hdl_gen::board::weight_images(&net, &design);
    let mut link = sim.connect().unwrap();
    assert_eq!(load_images(&sim, &mut link, &images, 1).unwrap(), 0, "every frame was accepted");
    let (layer, message) = weight_mismatch(check_images(&sim, &mut link, &images, 1));
    assert_eq!(layer, 0, "{message}");
    assert!(message.contains("layer 0 (hidden)"), "{message}");
    println!("{message}");
}

/// One chunk of abuse for the board's receiver, drawn from `rng`: random bytes, a truncated
/// request, a request or load request whose CRC is right but whose length, target, address or
/// word count is absurd, a storm of sync bytes, a weight CRC request to any target, or valid
/// requests back to back (faster than the board answers).
fn abuse_chunk(rng: &mut rand_chacha::ChaCha8Rng, size: usize) -> (&'static str, Vec<u8>) {
    use hdl_gen::protocol::{
        LOAD_SYNC, REQUEST_SYNC, SPARSE_SYNC, WEIGHT_CRC_SYNC, request, seal, sparse_request, weight_crc_request,
    };
    use rand::{Rng, RngCore};
    fn bytes(rng: &mut rand_chacha::ChaCha8Rng, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        rng.fill_bytes(&mut v);
        v
    }
    let valid = |values: Vec<u8>| request(&values.iter().map(|v| v & 1).collect::<Vec<u8>>());
    let valid_sparse = |values: Vec<u8>| sparse_request(&values.iter().map(|v| v & 1).collect::<Vec<u8>>());
    match rng.random_range(0..10) {
        0 => {
            let n = rng.random_range(1..64);
            ("random bytes", bytes(rng, n))
        }
        1 => {
            let frame = valid(bytes(rng, size));
            let cut = rng.random_range(1..frame.len());
            ("a truncated request", frame[..cut].to_vec())
        }
        2 => {
            // A length the model does not take, the CRC right: the board refuses it.
            let n = rng.random_range(0..2000);
            ("a request of a wrong length", request(&bytes(rng, n)))
        }
        3 => {
            // A length field far beyond what follows: the board must time the request out.
            let mut frame = vec![REQUEST_SYNC];
            frame.extend_from_slice(&rng.random_range(2000u16..=u16::MAX).to_le_bytes());
            let n = rng.random_range(0..300);
            frame.extend(bytes(rng, n));
            let frame = seal(frame);
            ("a request announcing an absurd length", frame)
        }
        4 => {
            // Any target, address and count, with a matching or a wrong number of bytes.
            let mut frame = vec![LOAD_SYNC, rng.random_range(0..=255)];
            frame.extend_from_slice(&rng.random_range(0u32..1 << 24).to_le_bytes()[..3]);
            let count: u8 = rng.random_range(0..=255);
            frame.push(count);
            let n = if rng.random_bool(0.5) { count as usize } else { rng.random_range(0..600) };
            frame.extend(bytes(rng, n));
            let frame = seal(frame);
            ("a load request with a valid CRC", frame)
        }
        5 => {
            let n = rng.random_range(1..40);
            let syncs = [REQUEST_SYNC, LOAD_SYNC, WEIGHT_CRC_SYNC, SPARSE_SYNC];
            ("sync bytes", (0..n).map(|_| syncs[rng.random_range(0..syncs.len())]).collect())
        }
        6 => {
            // Half of them to target 0 or 1 (the design has target 0 only), the rest to any
            // target; the CRC right or, one time in four, wrong.
            let target = if rng.random_bool(0.5) { rng.random_range(0..2) } else { rng.random_range(0..=255) };
            let mut frame = weight_crc_request(target);
            if rng.random_bool(0.25) {
                frame[2] ^= 1 << rng.random_range(0..8);
            }
            ("a weight CRC request", frame)
        }
        7 => {
            // Random masks and values under a sparse header with any length, the CRC right:
            // a length error, a timeout, or (by chance) a valid request.
            let mut frame = vec![SPARSE_SYNC];
            let n: u16 = if rng.random_bool(0.5) { size as u16 } else { rng.random_range(0..2000) };
            frame.extend_from_slice(&n.to_le_bytes());
            let body = rng.random_range(0..(size + size.div_ceil(8) + 4));
            frame.extend(bytes(rng, body));
            let frame = seal(frame);
            ("a sparse request with random masks and a valid CRC", frame)
        }
        8 => {
            let frame = valid_sparse(bytes(rng, size));
            let cut = rng.random_range(1..frame.len());
            ("a truncated sparse request", frame[..cut].to_vec())
        }
        _ => {
            let a = valid(bytes(rng, size));
            let b = valid_sparse(bytes(rng, size));
            ("valid dense and sparse requests back to back", [a.clone(), b, a].concat())
        }
    }
}

/// Issue #18: the board top under abuse never wedges. Per seed, rounds of chunks from
/// `abuse_chunk` go onto the line; after each round the line is drained (the board answers,
/// refuses or times out whatever it took for a request). Then the board must serve the next
/// valid frames exactly: its weights reloaded (a valid load frame may have overwritten them,
/// which is its job), their CRC checked and four inputs inferred, each on its first attempt.
/// `SPIKEFORGE_UART_FUZZ_SEEDS` sets how many seeds (default 12); a failure prints its seed
/// and the chunks that preceded it.
#[test]
fn the_board_top_survives_random_abuse_and_serves_the_next_valid_frame() {
    use sim::cosim::uart::{check_images, infer_inputs, load_images};
    if !common::verilator_available() {
        return;
    }
    let seeds: u64 = std::env::var("SPIKEFORGE_UART_FUZZ_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(12);
    let net = tiny_network();
    let plan = HardwarePlan::per_layer(&net, &[2, 3]).unwrap().with_loaded_weights(&[0]).unwrap();
    let dir = testkit::scratch_dir("uart-test-abuse");
    let design = hdl_gen::generate(&net, &plan).unwrap();
    hdl_gen::write_dir(&design, dir.path(), true).unwrap();
    let images = hdl_gen::board::weight_images(&net, &design);
    let sim = UartSimulator::build(dir.path(), &sim::cosim::default_cache_dir(), UartTiming::default()).unwrap();
    let golden = Golden::new(&net).unwrap();
    let bit = 10 * sim.timing.clks_per_bit as u64;
    println!("UART abuse fuzzing, seeds 0..{seeds} (replay: SPIKEFORGE_UART_FUZZ_SEEDS)");
    // Replies (answers or refusals) the abuse drew: the test is only as good as the frames
    // it got through to the bridge.
    let mut answered = 0usize;
    for seed in 0..seeds {
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed ^ 0xab05e);
        let mut link = sim.connect().unwrap();
        load_images(&sim, &mut link, &images, 4).unwrap_or_else(|e| panic!("seed {seed}: first load: {e}"));
        let mut history = Vec::new();
        for _round in 0..4 {
            let mut stream = Vec::new();
            for _ in 0..rand::Rng::random_range(&mut rng, 1..5) {
                let (what, chunk) = abuse_chunk(&mut rng, net.input.size());
                history.push(format!("{what} ({} bytes)", chunk.len()));
                stream.extend(chunk);
            }
            hdl_gen::protocol::Transport::send(&mut link, &stream).unwrap();
            // The stream, whatever it starts, a request's timeout, and the replies.
            link.max_cycles = (stream.len() as u64 + 200) * bit + 4 * sim.timing.timeout as u64 + 100_000;
            let replies = hdl_gen::protocol::Transport::receive(&mut link, 1 << 20)
                .unwrap_or_else(|e| panic!("seed {seed}: the board stopped answering after {history:?}: {e}"));
            answered += replies.len() / sim.format.len();
        }
        load_images(&sim, &mut link, &images, 1)
            .unwrap_or_else(|e| panic!("seed {seed}: reload after {history:?}: {e}"));
        check_images(&sim, &mut link, &images, 1)
            .unwrap_or_else(|e| panic!("seed {seed}: weight CRC after {history:?}: {e}"));
        let inputs = random_inputs(&net, 4, &mut rng);
        let cases = infer_inputs(&golden, &plan, &sim, &mut link, &inputs, Framing::Shortest, 1, |_, _| {})
            .unwrap_or_else(|e| panic!("seed {seed}: inference after {history:?}: {e}"));
        assert_exact(&cases, &format!("seed {seed}, after {history:?}: "));
    }
    println!("the abuse drew {answered} replies");
    assert!(answered as u64 >= seeds, "only {answered} replies to {seeds} seeds of abuse");
}

/// A link that corrupts chosen requests (by send, before they go on the line) and replies
/// (by receive): a bit of byte `byte` of each.
struct Flaky<'a> {
    link: &'a mut sim::cosim::uart::UartLink,
    sends: usize,
    receives: usize,
    bad_sends: Vec<(usize, usize)>,
    bad_receives: Vec<(usize, usize)>,
}

impl hdl_gen::protocol::Transport for Flaky<'_> {
    fn send(&mut self, bytes: &[u8]) -> Result<(), hdl_gen::protocol::LinkError> {
        let mut bytes = bytes.to_vec();
        for &(_, byte) in self.bad_sends.iter().filter(|(k, _)| *k == self.sends) {
            bytes[byte] ^= 0x10;
        }
        self.sends += 1;
        self.link.send(&bytes)
    }
    fn receive(&mut self, n: usize) -> Result<Vec<u8>, hdl_gen::protocol::LinkError> {
        let mut bytes = self.link.receive(n)?;
        for &(_, byte) in self.bad_receives.iter().filter(|(k, _)| *k == self.receives) {
            if let Some(b) = bytes.get_mut(byte) {
                *b ^= 0x10;
            }
        }
        self.receives += 1;
        Ok(bytes)
    }
    fn drain(&mut self) -> Result<(), hdl_gen::protocol::LinkError> {
        self.link.drain()
    }
}

/// Two requests in flight: the board takes request N + 1 while it computes and answers N,
/// the replies come in order and exact, in fewer simulated cycles than one request at a
/// time; a request lost on the line (its sync byte hit), one refused for its CRC and a
/// corrupted reply each send the host back to one request at a time for what was in flight,
/// and every input still gets its exact answer.
#[test]
fn pipelined_requests_are_answered_in_order_and_recover_from_errors() {
    use hdl_gen::protocol::{Transport, infer, infer_pipelined};
    if !common::verilator_available() {
        return;
    }
    let b = tiny_board("pipelined", 21, 16, |_| {});
    let size = b.golden.network().input.size();
    // Inputs with zeros, so sparse and dense frames alternate under Shortest.
    let inputs: Vec<u8> = b.inputs.iter().enumerate().map(|(i, &v)| if i % 4 == 1 { 0 } else { v }).collect();
    let xs: Vec<&[u8]> = inputs.chunks(size).collect();
    let want: Vec<_> =
        xs.iter().enumerate().map(|(i, x)| sim::board::expected(&b.golden, &b.plan, x, i).unwrap()).collect();
    let exact = |i: usize, r: &hdl_gen::protocol::Reply| {
        assert_eq!(
            (r.class as usize, &r.scores, r.cycles as u64),
            (want[i].class, &want[i].scores, want[i].cycles),
            "input {i}"
        )
    };
    let mut link = b.sim.connect().unwrap();
    link.max_cycles = 200_000;
    let start = link.simulated_cycles().unwrap();
    let got = infer_pipelined(&mut link, &xs, Framing::Shortest, b.sim.format, 1).unwrap();
    let pipelined = link.simulated_cycles().unwrap() - start;
    for (i, g) in got.iter().enumerate() {
        exact(i, &g.reply);
        assert_eq!(g.attempts, 1, "input {i}: {:?}", g.errors);
    }
    let start = link.simulated_cycles().unwrap();
    for (i, x) in xs.iter().enumerate() {
        exact(i, &infer(&mut link, x, Framing::Shortest, b.sim.format, 1).unwrap().reply);
    }
    let sequential = link.simulated_cycles().unwrap() - start;
    println!("16 inputs: {pipelined} cycles pipelined, {sequential} one at a time");
    assert!(pipelined * 10 < sequential * 9, "pipelined {pipelined} cycles, one at a time {sequential}");

    // Send 3 loses its sync byte, send 7 a value bit (a CRC refusal), receive 10 a bit of
    // the reply's scores.
    let mut flaky =
        Flaky { link: &mut link, sends: 0, receives: 0, bad_sends: vec![(3, 0), (7, 4)], bad_receives: vec![(10, 9)] };
    let got = infer_pipelined(&mut flaky, &xs, Framing::Shortest, b.sim.format, 4).unwrap();
    let retried: Vec<usize> = got.iter().enumerate().filter(|(_, g)| g.attempts > 1).map(|(i, _)| i).collect();
    for (i, g) in got.iter().enumerate() {
        exact(i, &g.reply);
    }
    assert!(retried.len() >= 3, "inputs sent again: {retried:?}: {got:#?}");
    println!("inputs sent again: {retried:?}");
}
