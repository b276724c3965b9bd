//! The board host's test: a fixed script of exchanges with the board top behind the
//! simulated UART, each reply compared byte for byte with what the protocol
//! (`hdl_gen::protocol`) and the golden model say the board must send.
//!
//! Co-simulation of the core compares every spike; here what the board says is all there
//! is, so the script asks for every reply the bridge can give: a refusal before the weights
//! are loaded and one with a word missing, the loads and their weight CRC, a word loaded
//! again after a CRC (where words have several bytes), inferences in
//! dense and sparse frames, two requests in flight, and each refusal (CRC, length, value,
//! framing, load header, unknown target, a sparse mask past the input), a request dropped
//! for its silence, and what follows each; and the line as a real one is: glitches shorter
//! than half a bit before and inside a request, bits a few clocks long or short, pauses of
//! a few clocks between bytes, and a pause at each edge of the timeout (kept at `TIMEOUT`
//! clocks, dropped at two more). A host retrying would hide a flaky board, so nothing is
//! retried: any byte that differs, a reply missing, or one too many kills the mutant.
//!
//! The protocol says what the board sends, not when. The cycle each reply byte begins is
//! held to the unmutated board top's instead ([`Timeline`]), so a mutant that answers
//! right but a cycle late (a receiver sampling off the middle of its bits, a transmitter
//! whose stop bit is two bits long) is killed too, as is any reply off 8N1 timing
//! ([`SimError::LineTiming`]).

use hdl_gen::protocol::{
    Framing, LOAD_SYNC, REQUEST_SYNC, Reply, SPARSE_SYNC, Status, Transport, WEIGHT_CRC_SYNC, WeightImage,
    load_request, request, seal, sparse_request, weight_crc_request,
};
use model::HardwarePlan;

use super::Verdict;
use crate::cosim::uart::{LineFault, PowerOn, UartSimulator, UartTiming};
use crate::error::SimError;
use crate::golden::Golden;

/// One exchange: bytes onto the line, the bytes the board must send back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// What it tests, for a kill's message.
    pub what: String,
    /// The bytes sent.
    pub send: Vec<u8>,
    /// How the line of `send` differs from clean 8N1.
    pub line: Vec<LineFault>,
    /// The reply bytes, in order; empty when the board must stay silent (a dropped request).
    pub expect: Vec<u8>,
}

/// The script for the board host `host`: `design`'s board top (`plan` over `golden`'s
/// network; its layers with loaded weights start empty) at `timing`, with `inputs`
/// (concatenated, at least one) as the inferences.
pub fn script(
    host: &str,
    golden: &Golden,
    plan: &HardwarePlan,
    design: &hdl_gen::Design,
    timing: UartTiming,
    inputs: &[u8],
) -> Result<Vec<Exchange>, SimError> {
    let net = golden.network();
    let format = design.manifest.board.reply;
    let buffer = design.manifest.board.load_buffer.unwrap_or(0);
    let images = hdl_gen::board::weight_images(net, design);
    let size = net.input.size();
    let xs: Vec<&[u8]> = inputs.chunks(size).collect();
    if xs.is_empty() {
        return Err(SimError::Mutation { host: host.into(), reason: "the board script needs an input".into() });
    }
    let mut script = Vec::new();
    let tag = |frame: &[u8]| *frame.last().expect("a frame");
    let reply =
        |status: Status, tag: u8, cycles: u32| format.encode(&Reply { status, tag, class: 0, cycles, scores: vec![] });
    let answer = |i: usize, frame: &[u8]| -> Result<Vec<u8>, SimError> {
        let want = crate::board::expected(golden, plan, xs[i], i)?;
        Ok(format.encode(&Reply {
            status: Status::Ok,
            tag: tag(frame),
            class: want.class as u32,
            cycles: want.cycles as u32,
            scores: want.scores,
        }))
    };
    // An image's load requests, each with what it tests and the reply it must get.
    let loads = |image: &WeightImage| -> Vec<(String, Vec<u8>, Vec<u8>)> {
        image
            .frames(buffer)
            .into_iter()
            .map(|(word, words, frame)| {
                let expect = reply(Status::Ok, tag(&frame), words);
                (format!("load target {} words {word}..{}", image.target, word + words), frame, expect)
            })
            .collect()
    };
    let mut push = |what: String, send: Vec<u8>, line: Vec<LineFault>, expect: Vec<u8>| {
        script.push(Exchange { what, send, line, expect })
    };
    let first = request(xs[0]);
    if !images.is_empty() {
        push(
            "an inference before the weights are loaded".into(),
            first.clone(),
            vec![],
            reply(Status::Unloaded, tag(&first), 0),
        );
    }
    // Every word but the last written: the board still refuses an inference (it counts the
    // word writes since power-on against the total, and one is missing). The full loads
    // below write every word again.
    if let Some((last, before)) = images.split_last() {
        let mut short = last.clone();
        short.bytes.truncate(short.bytes.len() - short.word_bytes.max(1) as usize);
        for (what, frame, expect) in before.iter().chain(std::iter::once(&short)).flat_map(loads) {
            push(what, frame, vec![], expect);
        }
        let frame = request(xs[0]);
        push(
            "an inference with one weight word not loaded".into(),
            frame.clone(),
            vec![],
            reply(Status::Unloaded, tag(&frame), 0),
        );
        // That word, and every word has been written exactly once: the board answers. A
        // count that waits for more writes than there are words (`LOAD_TOTAL` with a bit
        // set) was let through by the full loads below, which write every word again.
        let word_bytes = last.word_bytes.max(1) as usize;
        let address = (last.words() - 1) as u32;
        let frame = load_request(last.target, address, &last.bytes[last.bytes.len() - word_bytes..], last.word_bytes);
        push(
            format!("load target {} word {address}, the last missing", last.target),
            frame.clone(),
            vec![],
            reply(Status::Ok, tag(&frame), 1),
        );
        let frame = request(xs[0]);
        let expect = answer(0, &frame)?;
        push("an inference once every weight word is loaded".into(), frame, vec![], expect);
    }
    for image in &images {
        for (what, frame, expect) in loads(image) {
            push(what, frame, vec![], expect);
        }
        let frame = weight_crc_request(image.target);
        push(
            format!("weight CRC of target {}", image.target),
            frame.clone(),
            vec![],
            reply(Status::Ok, tag(&frame), image.crc32()),
        );
    }
    // The last load and weight CRC again, with pauses between their bytes ([`paused`]).
    if let Some(image) = images.last() {
        if let Some((what, frame, expect)) = loads(image).pop() {
            push(format!("{what} with pauses between its bytes"), frame.clone(), paused(frame.len()), expect);
        }
        let frame = weight_crc_request(image.target);
        let expect = reply(Status::Ok, tag(&frame), image.crc32());
        push(
            format!("weight CRC of target {} with pauses between its bytes", image.target),
            frame.clone(),
            paused(frame.len()),
            expect,
        );
    }
    // A word loaded after a weight CRC: a read leaves its address in the register a write
    // uses, so a loader that wrote before a word's last byte came would write the word it
    // loaded last at the address read last. Word 0 loaded, the CRC (the last word read
    // last), word 0 again (the write out of place, if any, goes to the last word), the CRC.
    for image in images.iter().filter(|i| i.word_bytes > 1 && i.words() > 1) {
        let frame = load_request(image.target, 0, &image.bytes[..image.word_bytes as usize], image.word_bytes);
        let crc = weight_crc_request(image.target);
        for again in ["", " again"] {
            push(
                format!("load target {} word 0{again} after a weight CRC", image.target),
                frame.clone(),
                vec![],
                reply(Status::Ok, tag(&frame), 1),
            );
            push(
                format!("weight CRC of target {} after word 0{again}", image.target),
                crc.clone(),
                vec![],
                reply(Status::Ok, tag(&crc), image.crc32()),
            );
        }
    }
    let nowhere = images.len() as u8;
    let frame = weight_crc_request(nowhere);
    push("weight CRC of no target".into(), frame.clone(), vec![], reply(Status::Load, tag(&frame), 0));
    let word_bytes = images.first().map_or(1, |i| i.word_bytes);
    let words = images.first().map_or(1, |i| i.words() as u32);
    // Built by hand: `load_request` refuses to build them.
    for (what, target, address, count) in [
        ("a load to no target", nowhere, 0, 1u32),
        ("a load past the memory's depth", 0, words, 1),
        ("a load that starts past the memory's end", 0, words + 1, 1),
        ("a load of no words", 0, 0, 0),
    ] {
        let mut frame = vec![LOAD_SYNC, target];
        frame.extend_from_slice(&address.to_le_bytes()[..3]);
        frame.push(count as u8);
        frame.extend(std::iter::repeat_n(0x5a, (count * word_bytes) as usize));
        push(what.into(), seal(frame), vec![], reply(Status::Load, 0, 0));
    }
    for (i, x) in xs.iter().enumerate() {
        let framing = if i % 2 == 0 { Framing::Dense } else { Framing::Sparse };
        let frame = framing.frame(x);
        let expect = answer(i, &frame)?;
        push(format!("input {i}, {framing:?}"), frame, vec![], expect);
    }
    // Two requests in flight: the second arrives while the first runs.
    let (a, b) = (request(xs[0]), sparse_request(xs[1 % xs.len()]));
    let expect = [answer(0, &a)?, answer(1 % xs.len(), &b)?].concat();
    push("two requests in flight".into(), [a, b].concat(), vec![], expect);
    // A CRC byte hit: the first, the last, and a value byte (all four CRC bytes then
    // differ). The bridge judges each CRC byte as it comes, and a check that loses an
    // earlier byte's verdict, or inverts it, can still refuse the first case.
    for (what, at) in [("whose first CRC byte is wrong", 4), ("whose last CRC byte is wrong", 1)] {
        let mut bad = request(xs[0]);
        let n = bad.len();
        bad[n - at] ^= 0x01;
        push(format!("a request {what}"), bad.clone(), vec![], reply(Status::Checksum, tag(&bad), 0));
    }
    let mut bad = request(xs[0]);
    bad[3] ^= 0x01;
    push("a request with a value byte corrupted".into(), bad.clone(), vec![], reply(Status::Checksum, tag(&bad), 0));
    push("a request one value short".into(), short_request(&xs), vec![], reply(Status::Length, 0, 0));
    // A value above the maximum, where there is one.
    if net.input.max_value < 255 {
        let mut big = xs[0].to_vec();
        big[size / 2] = net.input.max_value as u8 + 1;
        let frame = request(&big);
        push("a value above the maximum".into(), frame.clone(), vec![], reply(Status::Value, tag(&frame), 0));
        let frame = sparse_request(&big);
        push("a sparse value above the maximum".into(), frame.clone(), vec![], reply(Status::Value, tag(&frame), 0));
    }
    // The last group's mask with a bit past the input's last value.
    let mut frame = vec![SPARSE_SYNC];
    frame.extend_from_slice(&(size as u16).to_le_bytes());
    for (g, group) in xs[0].chunks(8).enumerate() {
        let mut mask = group.iter().enumerate().fold(0u8, |m, (k, &v)| if v != 0 { m | 1 << k } else { m });
        if g == (size - 1) / 8 && group.len() < 8 {
            mask |= 1 << 7;
        }
        frame.push(mask);
        frame.extend(group.iter().filter(|&&v| v != 0));
    }
    let frame = seal(frame);
    if size % 8 != 0 {
        push("a sparse mask past the last value".into(), frame.clone(), vec![], reply(Status::Length, tag(&frame), 0));
    }
    // The stop bit of the first value byte low: a framing error inside the request.
    let frame = request(xs[0]);
    push(
        "a framing error inside a request".into(),
        frame.clone(),
        vec![LineFault::Flip { bit: 3 * 10 + 9 }],
        reply(Status::Framing, tag(&frame), 0),
    );
    // The line as a real one is: glitches shorter than half a bit (a receiver that takes
    // one for a start bit loses the frame) before the request and between two of its bytes,
    // and bits a quarter bit time long or short, one after the other.
    let cpb = timing.clks_per_bit;
    let frame = request(xs[0]);
    let expect = answer(0, &frame)?;
    let glitches = [1, cpb / 2 - 1]
        .into_iter()
        .flat_map(|low| [LineFault::Glitch { byte: 0, low }, LineFault::Glitch { byte: 3, low }])
        .collect();
    push("glitches on the line before and inside a request".into(), frame.clone(), glitches, expect.clone());
    let quarter = (cpb / 4) as i32;
    let jitter = (0..frame.len() as u32)
        .flat_map(|k| {
            (1..9).map(move |b| LineFault::Stretch {
                bit: k * 10 + b,
                cycles: if b % 2 == 1 { quarter } else { -quarter },
            })
        })
        .collect();
    push("a request whose bits are a quarter bit long and short in turn".into(), frame, jitter, expect);
    let frame = Framing::Sparse.frame(xs[0]);
    let expect = answer(0, &frame)?;
    let line = paused(frame.len());
    push("a request with pauses of a few clocks between its bytes".into(), frame, line, expect);
    // The timeout's edges: a byte `TIMEOUT` clocks after the one before (between the
    // receiver's `data_valid` pulses, a byte time apart back to back) is still part of the
    // request; at `TIMEOUT + 2` the request was dropped the clock before, and the byte
    // starts the next frame.
    let byte_time = 10 * cpb as i32;
    let kept = timing.timeout as i32 - byte_time;
    let frame = request(xs[0]);
    let expect = answer(0, &frame)?;
    let at = (frame.len() / 2) as u32;
    push(
        format!("a request with a pause of TIMEOUT ({}) clocks between two bytes", timing.timeout),
        frame.clone(),
        vec![stop_bit(at, kept)],
        expect.clone(),
    );
    let cut = frame.len() / 2;
    push(
        "half a request, then a whole one TIMEOUT + 2 clocks after its last byte".into(),
        [&frame[..cut], &frame[..]].concat(),
        vec![stop_bit(cut as u32 - 1, kept + 2)],
        expect,
    );
    let cut = frame.len() / 2;
    push("half a request, then silence".into(), frame[..cut].to_vec(), vec![], vec![]);
    let last = xs.len() - 1;
    let frame = Framing::Sparse.frame(xs[last]);
    let expect = answer(last, &frame)?;
    push(format!("input {last} after the silence"), frame, vec![], expect);
    // Noise between frames is ignored.
    let frame = request(xs[0]);
    let expect = answer(0, &frame)?;
    push("bytes before a request".into(), [vec![0x00, 0xff, 0x5a, 0x13], frame].concat(), vec![], expect);
    Ok(script)
}

/// A request one value short: of the first input of `xs` and its first value whose
/// leaving out leaves no sync byte after the length. The bridge refuses it on its length
/// and the bytes after are noise between frames, unless one of them starts a frame:
/// `board-payload`'s first input (every value 255) one value short ends in a CRC byte 0xa6,
/// whose load frame took the next exchange's request for its header (session 34). Input 0
/// without value 0 whenever that is clean, as every host's script before `board-payload`
/// had it.
pub(super) fn short_request(xs: &[&[u8]]) -> Vec<u8> {
    let without = |x: &[u8], k: usize| request(&[&x[..k], &x[k + 1..]].concat());
    xs.iter()
        .flat_map(|x| (0..x.len()).map(move |k| without(x, k)))
        .find(|frame| no_sync_after_length(frame))
        .unwrap_or_else(|| without(xs[0], 0))
}

/// Whether no byte of a request frame after its length is a sync byte: one would start a
/// frame if the bridge refused the request on its length.
fn no_sync_after_length(frame: &[u8]) -> bool {
    let syncs = [REQUEST_SYNC, LOAD_SYNC, WEIGHT_CRC_SYNC, SPARSE_SYNC];
    !frame[3..].iter().any(|b| syncs.contains(b))
}

/// A host's bytes need not come back to back (an operating system hands the UART a write
/// in pieces): pauses of 1, 2, 3, ... clocks after the bytes of a frame of `len` bytes, an
/// odd sum in all, so the frame's length in clocks is off the multiple of a bit time that
/// bytes back to back give. A register that flips every cycle where it should hold (its
/// output read inverted by its own hold path) reads right after every even gap, and bytes
/// back to back are ten bit times, an even number of clocks, apart.
fn paused(len: usize) -> Vec<LineFault> {
    let mut pauses: Vec<i32> = (1..len as i32).collect();
    if let Some(first) = pauses.first_mut()
        && (1..len as i32).sum::<i32>() % 2 == 0
    {
        *first += 1;
    }
    pauses.iter().enumerate().map(|(k, &p)| stop_bit(k as u32, p)).collect()
}

/// Byte `byte`'s stop bit `clocks` longer: the line idles that long before the next byte.
fn stop_bit(byte: u32, clocks: i32) -> LineFault {
    LineFault::Stretch { bit: byte * 10 + 9, cycles: clocks }
}

/// The cycle each reply byte of each exchange began on the line, as a run of the script
/// saw it.
pub type Timeline = Vec<Vec<u64>>;

/// The power-on states the script is played from, in turn: every register 0, the state an
/// FPGA starts in; every bit 1; registers random (seeded). A register the reset misses thus
/// starts with each of its bits at both values: one random draw would leave a bit the board
/// reads before setting at whatever the draw gave it, and the draw changes with every
/// register added to the netlist (the bridge's `argmax_judge` left out of the reset makes
/// the first reply a cycle late from ones, and survived the random draw of one netlist).
pub const POWER_ONS: [PowerOn; 3] = [PowerOn::Zero, PowerOn::Ones, PowerOn::Random(1)];

/// Play `script` from each of [`POWER_ONS`] in turn ([`play`]) until a run kills the
/// mutant: that run's verdict (else survived) and the timeline of each run played.
/// `references` holds the unmutated board's timeline from each state, in the same order.
pub fn play_from_each_power_on(
    sim: &UartSimulator,
    script: &[Exchange],
    references: Option<&[Timeline]>,
) -> Result<(Verdict, Vec<Timeline>), SimError> {
    let mut timelines = Vec::new();
    for (k, power_on) in POWER_ONS.into_iter().enumerate() {
        let (verdict, timeline) = play(sim, script, power_on, references.and_then(|r| r.get(k)))?;
        timelines.push(timeline);
        if verdict.killed() {
            return Ok((verdict, timelines));
        }
    }
    Ok((Verdict::Survived, timelines))
}

/// Play `script` on a fresh run of the board top `sim` started at `power_on`: the first
/// exchange whose reply differs from the script's (or a reply after the last), or, given
/// `reference`, whose bytes began at other cycles than there, is the verdict's mismatch
/// (its message begins with `from <power_on>: `). Returns the verdict and this run's
/// timeline.
pub fn play(
    sim: &UartSimulator,
    script: &[Exchange],
    power_on: PowerOn,
    reference: Option<&Timeline>,
) -> Result<(Verdict, Timeline), SimError> {
    let (verdict, timeline) = run_script(sim, script, power_on, reference)?;
    Ok((verdict.under(&format!("from {power_on}")), timeline))
}

fn run_script(
    sim: &UartSimulator,
    script: &[Exchange],
    power_on: PowerOn,
    reference: Option<&Timeline>,
) -> Result<(Verdict, Timeline), SimError> {
    let mut link = sim.connect_from(power_on)?;
    let bit = 10 * sim.timing.clks_per_bit as u64;
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ");
    let mut timeline = Timeline::new();
    for (k, e) in script.iter().enumerate() {
        link.shape_request(e.line.clone());
        link.send(&e.send).map_err(|e| SimError::from_host(None, hdl_gen::protocol::HostError::Link(e)))?;
        // The bytes both ways, a dropped request's timeout, and a generous inference.
        link.max_cycles = (e.send.len() + e.expect.len() + 16) as u64 * bit + 2 * sim.timing.timeout as u64 + 20_000;
        let n = if e.expect.is_empty() { u32::MAX as usize } else { e.expect.len() };
        let got = match link.receive(n) {
            Ok(got) => got,
            Err(err) => return Ok((link_failure(&format!("exchange {k} ({})", e.what), err), timeline)),
        };
        if got != e.expect {
            let message =
                format!("exchange {k} ({}): expected [{}], the board sent [{}]", e.what, hex(&e.expect), hex(&got));
            return Ok((Verdict::Mismatch(message), timeline));
        }
        if let Some(want) = reference.and_then(|r| r.get(k))
            && let Some(j) = (0..want.len()).find(|&j| link.reply_starts.get(j) != want.get(j))
        {
            let message = format!(
                "exchange {k} ({}): reply byte {j} began at cycle {}, on the unmutated board at cycle {}",
                e.what, link.reply_starts[j], want[j]
            );
            return Ok((Verdict::Mismatch(message), timeline));
        }
        timeline.push(link.reply_starts.clone());
    }
    link.max_cycles = 100 * bit + 2 * sim.timing.timeout as u64;
    let verdict = match link.receive(u32::MAX as usize) {
        Ok(extra) if extra.is_empty() => Verdict::Survived,
        Ok(extra) => Verdict::Mismatch(format!("after the script, the board sent [{}]", hex(&extra))),
        Err(err) => link_failure("after the script", err),
    };
    Ok((verdict, timeline))
}

/// A link that failed `during` an exchange: the simulation hung (its wall-clock guard
/// fired) or exited.
fn link_failure(during: &str, err: hdl_gen::protocol::LinkError) -> Verdict {
    let message = format!("{during}: {err}");
    match err.downcast_ref::<SimError>() {
        Some(SimError::Hung { .. }) => Verdict::Timeout(message),
        Some(SimError::LineTiming { .. }) => Verdict::Mismatch(message),
        _ => Verdict::Crashed(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_request_leaves_out_the_first_value_that_leaves_no_sync_byte_behind_its_length() {
        // One value short, 96 values of 255 end in the CRC bytes db a6 f6 13 (any value
        // left out), 96 zeros in 7f a4 07 87.
        let (full, zeros) = ([255u8; 96], [0u8; 96]);
        assert_eq!(request(&full[1..])[98..], [0xdb, 0xa6, 0xf6, 0x13]);
        let frame = short_request(&[&full, &zeros]);
        assert_eq!(frame, request(&zeros[1..]));
        assert!(no_sync_after_length(&frame));
        assert!(!no_sync_after_length(&request(&full[1..])));
        // A clean one is the first input's first value left out.
        let x: Vec<u8> = (0..12).collect();
        assert_eq!(short_request(&[&x, &zeros]), request(&x[1..]));
    }
}
