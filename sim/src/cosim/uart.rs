//! UART co-simulation: the board top `<model>_board` in Verilator behind a bit-level serial
//! line (`harness_uart.cpp`), driven by the same host code as `spikeforge run`
//! ([`hdl_gen::protocol::infer`]) through [`UartLink`], a [`Transport`]. Each input's
//! reply is checked against the golden model (class and every score) and the cycle model
//! (cycles of the input alone); bit errors can be injected on either line.
//! [`SimulatedBoard`] is the whole simulated board behind `spikeforge run --sim`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};

use hdl_gen::protocol::{
    Framing, Inference, LinkError, ReplyFormat, Transport, WeightImage, infer, load_weights, verify_weights,
};
use model::HardwarePlan;
use serde::{Deserialize, Serialize};

use super::build::{Harness, build_harness};
use super::guard::GuardedChild;
use super::{DesignInfo, SimTimeout, SimulatorKind};
use crate::error::SimError;
use crate::golden::Golden;

const HARNESS: &str = include_str!("harness_uart.cpp");

/// The state the board top's registers start in, before its power-on reset's first edge
/// (only registers without an initial value in the RTL; `sf_reset`'s counter has one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PowerOn {
    /// Random, drawn from this seed (Verilator's `randReset(2)`; its low 31 bits): a
    /// register the reset misses, and a design reading it, shows up as a run that differs
    /// from seed to seed.
    Random(u32),
    /// Every register 0, as an iCE40, ECP5 or Gowin part configures them: the state the
    /// board really starts in, where a register the reset misses holds 0 until first set.
    Zero,
    /// Every register bit 1 (`randReset(1)`): with [`PowerOn::Zero`], each bit of a register
    /// the reset misses starts at both values, whatever a random draw would have given it.
    Ones,
}

impl Default for PowerOn {
    /// Random from seed 1: what every run of the board top uses unless asked.
    fn default() -> PowerOn {
        PowerOn::Random(1)
    }
}

impl std::fmt::Display for PowerOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PowerOn::Random(seed) => write!(f, "registers random (seed {seed})"),
            PowerOn::Zero => write!(f, "registers 0"),
            PowerOn::Ones => write!(f, "registers all ones"),
        }
    }
}

impl PowerOn {
    /// The harness's command-line arguments for this state.
    fn args(self) -> Vec<String> {
        match self {
            PowerOn::Random(seed) => vec!["random".into(), seed.to_string()],
            PowerOn::Zero => vec!["zero".into()],
            PowerOn::Ones => vec!["ones".into()],
        }
    }
}

/// UART timing of a co-simulated board top.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UartTiming {
    /// Clocks per bit (the board top's `CLKS_PER_BIT`).
    pub clks_per_bit: u32,
    /// Silent cycles after which the bridge drops a half-received request (`TIMEOUT`).
    pub timeout: u32,
}

impl Default for UartTiming {
    /// [`UartTiming::FAST`].
    fn default() -> UartTiming {
        UartTiming::FAST
    }
}

impl UartTiming {
    /// Fast enough to simulate: 8 clocks per bit, requests dropped after 4,000 quiet cycles.
    pub const FAST: UartTiming = UartTiming { clks_per_bit: 8, timeout: 4000 };

    /// The timing of a board top clocked at `clock_hz` with its UART at `clks_per_bit`
    /// (`bitstreams::uart_divider` checks a baud rate and gives it): as a board flow sets
    /// it, except that a half-received request is dropped after 100 byte times rather than
    /// 0.1 s, so a lost byte costs little simulated time.
    pub fn at(clks_per_bit: u32) -> UartTiming {
        UartTiming { clks_per_bit, timeout: clks_per_bit.saturating_mul(1000).max(4000) }
    }
}

/// Random corruption of the simulated line, for soaking the protocol: every byte on it,
/// either way, has one bit inverted with probability `rate` (a request byte's start, data or
/// stop bit as it goes onto the line; a reply byte's data bit as it is decoded), drawn from
/// a seeded generator so a run replays.
#[derive(Clone, Debug)]
pub struct LineNoise {
    rate: f64,
    rng: rand_chacha::ChaCha8Rng,
    /// Request bytes corrupted so far.
    pub request_bytes: u64,
    /// Reply bytes corrupted so far (of those that arrived).
    pub reply_bytes: u64,
}

impl LineNoise {
    /// Corrupt a byte in `1 / rate`, from `seed`.
    pub fn new(rate: f64, seed: u64) -> LineNoise {
        let rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
        LineNoise { rate: rate.clamp(0.0, 1.0), rng, request_bytes: 0, reply_bytes: 0 }
    }

    /// Bits to invert in `bytes` bytes of `bits_per_byte` each (10 line bits of a request
    /// byte, 8 data bits of a reply byte): at most one per byte, so one bit per corrupted
    /// byte.
    fn flips(&mut self, bytes: usize, bits_per_byte: u32) -> Vec<u32> {
        use rand::Rng;
        let mut flips = Vec::new();
        for k in 0..bytes as u32 {
            if self.rng.random_bool(self.rate) {
                flips.push(k * bits_per_byte + self.rng.random_range(0..bits_per_byte));
            }
        }
        flips
    }
}

/// A fault on the host's line into the board (`rx`), placed by a test of the receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineFault {
    /// Line bit `bit` inverted (10 line bits a byte: start, 8 data, stop).
    Flip {
        /// The line bit.
        bit: u32,
    },
    /// Line bit `bit` lasts `cycles` clocks more than a bit time (fewer if negative, at
    /// least one): a sender whose clock runs off, or jitter.
    Stretch {
        /// The line bit.
        bit: u32,
        /// Clocks added to its bit time.
        cycles: i32,
    },
    /// Before byte `byte` (the count of bytes: after the last), the line idles high for a
    /// bit time, drops for `low` clocks, then idles another bit time: noise a receiver must
    /// not take for a start bit when `low` ends before the bit's middle.
    Glitch {
        /// The byte it comes before.
        byte: u32,
        /// Clocks the line is low.
        low: u32,
    },
}

/// `bytes` on the line as 8N1 at `clks_per_bit`, shaped by `faults`: each segment a level
/// and the clocks it lasts, in the order played.
///
/// ```
/// use sim::cosim::uart::{LineFault, line_segments};
/// // 0x01 at 4 clocks per bit: start (low), bit 0 (high), bits 1-7 (low), stop (high).
/// let plain = line_segments(&[0x01], 4, &[]);
/// assert_eq!(plain, vec![(false, 4), (true, 4), (false, 28), (true, 4)]);
/// let glitched = line_segments(&[0x01], 4, &[LineFault::Glitch { byte: 0, low: 1 }]);
/// assert_eq!(&glitched[..3], &[(true, 4), (false, 1), (true, 4)]);
/// ```
pub fn line_segments(bytes: &[u8], clks_per_bit: u32, faults: &[LineFault]) -> Vec<(bool, u32)> {
    let mut bits: Vec<(bool, u32)> = Vec::with_capacity(bytes.len() * 10);
    for &b in bytes {
        bits.push((false, clks_per_bit));
        bits.extend((0..8).map(|i| ((b >> i) & 1 == 1, clks_per_bit)));
        bits.push((true, clks_per_bit));
    }
    for fault in faults {
        match *fault {
            LineFault::Flip { bit } => {
                if let Some(b) = bits.get_mut(bit as usize) {
                    b.0 = !b.0;
                }
            }
            LineFault::Stretch { bit, cycles } => {
                if let Some(b) = bits.get_mut(bit as usize) {
                    b.1 = (i64::from(b.1) + i64::from(cycles)).clamp(1, i64::from(i32::MAX)) as u32;
                }
            }
            LineFault::Glitch { .. } => {}
        }
    }
    let mut segments: Vec<(bool, u32)> = Vec::with_capacity(bits.len() + 3 * faults.len());
    let glitches = |k: usize| {
        faults.iter().filter_map(move |f| match *f {
            LineFault::Glitch { byte, low } if byte as usize == k => Some(low.max(1)),
            _ => None,
        })
    };
    for k in 0..=bytes.len() {
        for low in glitches(k) {
            segments.extend([(true, clks_per_bit), (false, low), (true, clks_per_bit)]);
        }
        segments.extend(bits.iter().skip(k * 10).take(if k < bytes.len() { 10 } else { 0 }));
    }
    // Neighbours at one level are one segment.
    let mut merged: Vec<(bool, u32)> = Vec::with_capacity(segments.len());
    for (level, cycles) in segments {
        match merged.last_mut() {
            Some(last) if last.0 == level => last.1 += cycles,
            _ => merged.push((level, cycles)),
        }
    }
    merged
}

/// The compiled board top.
#[derive(Clone, Debug)]
pub struct UartSimulator {
    binary: PathBuf,
    design_dir: PathBuf,
    /// The reply layout of the design.
    pub format: ReplyFormat,
    /// Its UART timing.
    pub timing: UartTiming,
    /// Bytes one weight load request may carry (0: the design loads no weights).
    pub load_buffer: u64,
    /// The wall-clock guard on each receive (budgeted from its `max_cycles`).
    pub timeout: SimTimeout,
}

impl UartSimulator {
    /// Compile (or reuse from `cache`) the board top of the design in `design_dir`.
    pub fn build(design_dir: &Path, cache: &Path, timing: UartTiming) -> Result<UartSimulator, SimError> {
        let info = DesignInfo::read(design_dir).map_err(SimError::Design)?;
        let board = info.board();
        let top = &board.top;
        let header = format!("#include \"V{top}.h\"\n#define SF_TOP V{top}\n#define SF_CPB {}\n", timing.clks_per_bit);
        // Registers start random rather than zero (the harness seeds them): a reset that
        // misses one shows.
        let extra_flags = [
            format!("-GCLKS_PER_BIT={}", timing.clks_per_bit),
            format!("-GTIMEOUT={}", timing.timeout),
            "--x-initial".into(),
            "unique".into(),
        ];
        let sources: Vec<String> = info.sources().iter().chain(&board.files).cloned().collect();
        let harness = Harness {
            top,
            source: ("harness_uart.cpp", HARNESS),
            header: ("board.h", &header),
            extra_flags: &extra_flags,
            sources: &sources,
            includes: &info.includes(),
            suffix: "-uart",
        };
        let binary = build_harness(design_dir, cache, &harness)?;
        Ok(UartSimulator {
            binary,
            design_dir: design_dir.to_path_buf(),
            format: board.reply,
            timing,
            load_buffer: board.load_buffer.unwrap_or(0),
            timeout: SimTimeout::default(),
        })
    }

    /// Start the simulation; the link stays open for many requests.
    pub fn connect(&self) -> Result<UartLink, SimError> {
        self.connect_from(PowerOn::default())
    }

    /// Start the simulation with its registers at `power_on`.
    pub fn connect_from(&self, power_on: PowerOn) -> Result<UartLink, SimError> {
        let mut cmd = Command::new(&self.binary);
        cmd.args(power_on.args());
        cmd.current_dir(&self.design_dir).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
        let mut child = GuardedChild::spawn(&mut cmd)?;
        let stdin = child.child.stdin.take().expect("piped");
        let stdout = child.child.stdout.take().expect("piped");
        Ok(UartLink {
            child,
            timeout: self.timeout,
            stdin,
            stdout,
            pending: Vec::new(),
            line_faults: Vec::new(),
            reply_flips: Vec::new(),
            clks_per_bit: self.timing.clks_per_bit,
            noise: None,
            max_cycles: 1_000_000,
            cycles: 0,
            reply_starts: Vec::new(),
        })
    }
}

/// A serial link to the simulated board: bytes sent are clocked onto its `rx` line at the
/// next [`Transport::receive`], which simulates until the reply is in, the board has gone
/// quiet without it (a lost request or reply), or `max_cycles` pass.
pub struct UartLink {
    child: GuardedChild,
    timeout: SimTimeout,
    stdin: ChildStdin,
    stdout: ChildStdout,
    pending: Vec<u8>,
    line_faults: Vec<LineFault>,
    reply_flips: Vec<u32>,
    clks_per_bit: u32,
    /// Cycles a receive may simulate before it returns what it has.
    pub max_cycles: u64,
    /// Cycles simulated so far.
    pub cycles: u64,
    /// The cycle each byte of the last reply began on the line (its start bit's first).
    pub reply_starts: Vec<u64>,
    /// Random corruption on both lines, if any.
    pub noise: Option<LineNoise>,
}

impl UartLink {
    /// Invert these line bits (10 per byte: start, 8 data, stop) of the next request sent.
    pub fn corrupt_request(&mut self, line_bits: Vec<u32>) {
        self.line_faults = line_bits.into_iter().map(|bit| LineFault::Flip { bit }).collect();
    }

    /// Shape the line of the next request sent with `faults` (its bytes' line bits counted
    /// from the first byte sent since the last receive).
    pub fn shape_request(&mut self, faults: Vec<LineFault>) {
        self.line_faults = faults;
    }

    /// Invert these data bits (byte · 8 + bit) of the next reply received.
    pub fn corrupt_reply(&mut self, bits: Vec<u32>) {
        self.reply_flips = bits;
    }
}

impl UartLink {
    /// Send one request message to the harness and read its reply, the cycle each reply
    /// byte began, the cycle count and the first cycle (plus one) `tx` broke 8N1 timing.
    fn exchange(&mut self, msg: &[u8]) -> std::io::Result<(Vec<u8>, u64)> {
        self.stdin.write_all(msg)?;
        self.stdin.flush()?;
        let mut word = [0u8; 4];
        self.stdout.read_exact(&mut word)?;
        let mut reply = vec![0u8; u32::from_le_bytes(word) as usize];
        self.stdout.read_exact(&mut reply)?;
        let mut starts = vec![0u8; 8 * reply.len()];
        self.stdout.read_exact(&mut starts)?;
        self.reply_starts = starts.chunks(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
        let mut long = [0u8; 8];
        self.stdout.read_exact(&mut long)?;
        self.cycles = u64::from_le_bytes(long);
        self.stdout.read_exact(&mut long)?;
        Ok((reply, u64::from_le_bytes(long)))
    }
}

impl Transport for UartLink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.pending.extend_from_slice(bytes);
        Ok(())
    }

    fn receive(&mut self, n: usize) -> Result<Vec<u8>, LinkError> {
        // Replies of a drain or of the abuse tests (n huge) are not corrupted: they are read
        // only to be thrown away.
        let noisy_reply = n <= u16::MAX as usize;
        if let Some(noise) = &mut self.noise {
            let request = noise.flips(self.pending.len(), 10);
            noise.request_bytes += request.len() as u64;
            self.line_faults.extend(request.into_iter().map(|bit| LineFault::Flip { bit }));
            if noisy_reply {
                self.reply_flips.extend(noise.flips(n, 8));
            }
        }
        let reply_flips: Vec<u32> = if self.noise.is_some() { self.reply_flips.clone() } else { Vec::new() };
        let segments = line_segments(&self.pending, self.clks_per_bit, &std::mem::take(&mut self.line_faults));
        let mut msg = Vec::new();
        msg.extend_from_slice(&(segments.len() as u32).to_le_bytes());
        for (level, cycles) in segments {
            msg.extend_from_slice(&u32::from(level).to_le_bytes());
            msg.extend_from_slice(&cycles.to_le_bytes());
        }
        let reply_bits = std::mem::take(&mut self.reply_flips);
        msg.extend_from_slice(&(reply_bits.len() as u32).to_le_bytes());
        for b in reply_bits {
            msg.extend_from_slice(&b.to_le_bytes());
        }
        msg.extend_from_slice(&(n as u32).to_le_bytes());
        msg.extend_from_slice(&self.max_cycles.to_le_bytes());
        self.pending.clear();
        let budget = self.timeout.budget(SimulatorKind::Verilator, self.max_cycles);
        self.child.arm(budget);
        let exchanged = self.exchange(&msg);
        self.child.disarm();
        match exchanged {
            Ok((_, fault)) if fault != 0 => {
                Err(Box::new(SimError::LineTiming { cycle: fault - 1, clks_per_bit: self.clks_per_bit }))
            }
            Ok((reply, _)) => {
                if let Some(noise) = &mut self.noise {
                    let mut hit: Vec<u32> =
                        reply_flips.iter().map(|b| b / 8).filter(|&k| (k as usize) < reply.len()).collect();
                    hit.dedup();
                    noise.reply_bytes += hit.len() as u64;
                }
                Ok(reply)
            }
            // The input is the caller's to name (SimError::from_host).
            Err(_) if self.child.fired() => {
                let simulator = SimulatorKind::Verilator;
                Err(Box::new(SimError::Hung { simulator, budget, input: None, layer: None, vcd: None }))
            }
            Err(source) => {
                Err(Box::new(SimError::Process { step: "talking to", program: "the UART simulation".into(), source }))
            }
        }
    }

    fn simulated_cycles(&self) -> Option<u64> {
        Some(self.cycles)
    }

    /// Simulate until the board is quiet (every byte sent, `led_busy` low, its line idle
    /// for a byte time; or `max_cycles`), discarding what it sends.
    fn drain(&mut self) -> Result<(), LinkError> {
        self.receive(u32::MAX as usize).map(|_| ())
    }
}

/// The board top of a design in Verilator behind a simulated UART, run from a scratch
/// directory that is removed with it: the board `spikeforge run --sim` talks to.
pub struct SimulatedBoard {
    // Declared first, so the simulation stops before its directory goes.
    link: UartLink,
    _dir: tempfile::TempDir,
}

impl SimulatedBoard {
    /// Write `design` into a scratch directory, build its board top with `timing` (or reuse
    /// the build cached in `cache`) and start it, its line corrupted by `noise` if given.
    pub fn start(
        design: &hdl_gen::Design,
        cache: &Path,
        timing: UartTiming,
        noise: Option<LineNoise>,
    ) -> Result<SimulatedBoard, SimError> {
        let dir = tempfile::Builder::new()
            .prefix("spikeforge-run-")
            .tempdir()
            .map_err(|source| SimError::Io { path: std::env::temp_dir(), source })?;
        hdl_gen::write_dir(design, dir.path(), true).map_err(|source| SimError::Generate { seed: None, source })?;
        let uart = UartSimulator::build(dir.path(), cache, timing)?;
        let mut link = uart.connect()?;
        // A lost request is noticed when the board goes quiet without a reply; this bounds a
        // board that never does.
        link.max_cycles = 50_000_000;
        link.noise = noise;
        Ok(SimulatedBoard { link, _dir: dir })
    }

    /// The line's corruption so far, if it is corrupted.
    pub fn noise(&self) -> Option<&LineNoise> {
        self.link.noise.as_ref()
    }
}

impl Transport for SimulatedBoard {
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.link.send(bytes)
    }

    fn receive(&mut self, n: usize) -> Result<Vec<u8>, LinkError> {
        self.link.receive(n)
    }

    fn simulated_cycles(&self) -> Option<u64> {
        self.link.simulated_cycles()
    }

    fn drain(&mut self) -> Result<(), LinkError> {
        self.link.drain()
    }
}

/// Load `images` into the simulated board with the host's [`load_weights`] (up to `attempts`
/// tries per request); returns the requests that were resent.
pub fn load_images(
    sim: &UartSimulator,
    link: &mut UartLink,
    images: &[WeightImage],
    attempts: u32,
) -> Result<u32, SimError> {
    if images.is_empty() {
        return Ok(0);
    }
    if sim.load_buffer == 0 {
        return Err(SimError::NoWeightBuffer);
    }
    let bits = 10 * sim.timing.clks_per_bit as u64;
    // Room for a full request, its commit (a cycle per byte), the reply, and a timeout.
    link.max_cycles = (sim.load_buffer + 8) * bits
        + sim.load_buffer
        + sim.format.len() as u64 * bits
        + 2 * sim.timing.timeout as u64
        + 1000;
    load_weights(link, images, sim.load_buffer, sim.format, attempts, &|_| {}).map_err(|e| SimError::from_host(None, e))
}

/// Check a load as `spikeforge run` does: the board's CRC of every loaded memory against the
/// image's, with the host's [`verify_weights`] (up to `attempts` tries per request). A
/// memory that differs is a [`SimError::Host`] holding [`HostError::WeightMismatch`].
///
/// [`HostError::WeightMismatch`]: hdl_gen::protocol::HostError::WeightMismatch
pub fn check_images(
    sim: &UartSimulator,
    link: &mut UartLink,
    images: &[WeightImage],
    attempts: u32,
) -> Result<(), SimError> {
    let bits = 10 * sim.timing.clks_per_bit as u64;
    // The request and the reply on the line, the read-back (word bytes + 4 cycles a word),
    // and a timeout.
    let reading = images.iter().map(|i| i.words() * (i.word_bytes as u64 + 4)).max().unwrap_or(0);
    link.max_cycles = (3 + sim.format.len() as u64) * bits + reading + 2 * sim.timing.timeout as u64 + 1000;
    verify_weights(link, images, sim.format, attempts).map_err(|e| SimError::from_host(None, e))
}

/// One input over the simulated UART.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UartCase {
    /// Input index.
    pub input: usize,
    /// What the host received.
    pub inference: Inference,
    /// Golden class.
    pub expected_class: usize,
    /// Golden scores.
    pub expected_scores: Vec<i64>,
    /// Cycle-model latency of the input alone.
    pub expected_cycles: u64,
}

impl UartCase {
    /// Class, scores and cycles all as expected.
    pub fn exact(&self) -> bool {
        let r = &self.inference.reply;
        r.class as usize == self.expected_class
            && r.scores == self.expected_scores
            && r.cycles as u64 == self.expected_cycles
    }
}

/// Run `inputs` through the board top one by one with [`infer`] (framed as `framing` says,
/// up to `attempts` tries each), calling `corrupt(index, attempt_link)` before each input to
/// inject errors.
pub fn run_inputs(
    golden: &Golden,
    plan: &HardwarePlan,
    sim: &UartSimulator,
    inputs: &[u8],
    framing: Framing,
    attempts: u32,
    corrupt: impl FnMut(usize, &mut UartLink),
) -> Result<Vec<UartCase>, SimError> {
    let mut link = sim.connect()?;
    if plan.loads_weights() {
        let design =
            hdl_gen::generate(golden.network(), plan).map_err(|source| SimError::Generate { seed: None, source })?;
        load_images(sim, &mut link, &hdl_gen::board::weight_images(golden.network(), &design), attempts)?;
    }
    infer_inputs(golden, plan, sim, &mut link, inputs, framing, attempts, corrupt)
}

/// [`run_inputs`] on a link already open (and loaded, if the design loads weights).
#[allow(clippy::too_many_arguments)]
pub fn infer_inputs(
    golden: &Golden,
    plan: &HardwarePlan,
    sim: &UartSimulator,
    link: &mut UartLink,
    inputs: &[u8],
    framing: Framing,
    attempts: u32,
    mut corrupt: impl FnMut(usize, &mut UartLink),
) -> Result<Vec<UartCase>, SimError> {
    let size = golden.network().input.size();
    let byte_cycles = 10 * sim.timing.clks_per_bit as u64;
    let reply_cycles = sim.format.len() as u64 * byte_cycles;
    let mut cases = Vec::new();
    for (i, x) in inputs.chunks(size).enumerate() {
        let want = crate::board::expected(golden, plan, x, i)?;
        let latency = want.cycles;
        let request_cycles = framing.frame_len(x) as u64 * byte_cycles;
        // Room for the request, the inference, the reply, and a dropped request's timeout.
        link.max_cycles = request_cycles + 2 * latency + reply_cycles + 2 * sim.timing.timeout as u64 + 1000;
        corrupt(i, link);
        let inference = infer(link, x, framing, sim.format, attempts).map_err(|e| SimError::from_host(Some(i), e))?;
        cases.push(UartCase {
            input: i,
            inference,
            expected_class: want.class,
            expected_scores: want.scores,
            expected_cycles: latency,
        });
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycles(segments: &[(bool, u32)]) -> u64 {
        segments.iter().map(|s| u64::from(s.1)).sum()
    }

    /// The level of the line `at` cycles after it starts.
    fn level(segments: &[(bool, u32)], at: u64) -> bool {
        let mut t = 0;
        for &(l, c) in segments {
            t += u64::from(c);
            if at < t {
                return l;
            }
        }
        true
    }

    #[test]
    fn faults_change_only_what_they_name() {
        let bytes = [0xa5, 0x00, 0xff];
        let clean = line_segments(&bytes, 8, &[]);
        assert_eq!(cycles(&clean), 3 * 10 * 8);
        // A flipped stop bit: the same length, one bit time low where it was high.
        let flipped = line_segments(&bytes, 8, &[LineFault::Flip { bit: 19 }]);
        assert_eq!(cycles(&flipped), 240);
        assert!((0..240).all(|t| level(&flipped, t) == (level(&clean, t) ^ (152..160).contains(&t))));
        // Stretched bits add their clocks; a shortened one never vanishes.
        let jitter = [LineFault::Stretch { bit: 3, cycles: 2 }, LineFault::Stretch { bit: 4, cycles: -20 }];
        assert_eq!(cycles(&line_segments(&bytes, 8, &jitter)), 240 + 2 - 7);
        // A glitch before the last byte and one after it: a bit time high, low, a bit time high.
        let glitched =
            line_segments(&bytes, 8, &[LineFault::Glitch { byte: 2, low: 3 }, LineFault::Glitch { byte: 3, low: 1 }]);
        assert_eq!(cycles(&glitched), 240 + (8 + 3 + 8) + (8 + 1 + 8));
        assert!((0..160).all(|t| level(&glitched, t) == level(&clean, t)));
        assert!((160..168).all(|t| level(&glitched, t)) && (168..171).all(|t| !level(&glitched, t)));
        assert!((179..259).all(|t| level(&glitched, t) == level(&clean, t - 19)));
        // Neighbours at one level are merged: no segment follows one of its own level.
        assert!(glitched.windows(2).all(|w| w[0].0 != w[1].0));
    }
}
