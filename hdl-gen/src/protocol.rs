//! The on-board inference protocol spoken by `rtl/board/sf_uart_bridge.v`: byte layouts,
//! the CRC and the status codes, as pure functions shared by the host (`bitstreams`) and
//! the UART co-simulation (`sim`).
//!
//! ```
//! use hdl_gen::protocol::{ReplyFormat, Status, crc32, request, seal};
//! let frame = request(&[0, 255, 7]);
//! // Sync, length, values, then the CRC-32 of everything after the sync byte (LE).
//! assert_eq!(frame[..6], [0xa5, 3, 0, 0, 255, 7]);
//! assert_eq!(frame[6..], crc32(&frame[1..6]).to_le_bytes());
//! let format = ReplyFormat { classes: 2, score_bytes: 2 };
//! // 0x5a, status, tag (the request's last byte), class, cycles (u32 LE), 2 scores of 2
//! // bytes, CRC-32.
//! let tag = frame[frame.len() - 1];
//! let reply = seal(vec![0x5a, 0, tag, 1, 0x10, 0x27, 0, 0, 0xfe, 0xff, 0x05, 0x00]);
//! let r = format.parse(&reply).unwrap();
//! assert_eq!((r.status, r.tag, r.class, r.cycles, r.scores.clone()), (Status::Ok, tag, 1, 10_000, vec![-2, 5]));
//! ```

/// First byte of a request.
pub const REQUEST_SYNC: u8 = 0xa5;
/// First byte of a weight load request.
pub const LOAD_SYNC: u8 = 0xa6;
/// First byte of a weight CRC request.
pub const WEIGHT_CRC_SYNC: u8 = 0xa7;
/// First byte of a sparse request ([`sparse_request`]).
pub const SPARSE_SYNC: u8 = 0xa8;
/// First byte of a reply.
pub const REPLY_SYNC: u8 = 0x5a;

/// Close a frame: append the [`crc32`] of everything after its sync byte, little-endian.
/// Every request and reply ends so.
///
/// ```
/// let frame = hdl_gen::protocol::seal(vec![0xa7, 1]);
/// assert_eq!(frame, [0xa7, 1, 0x1b, 0xdf, 0x05, 0xa5]);
/// ```
pub fn seal(mut frame: Vec<u8>) -> Vec<u8> {
    let crc = crc32(frame.get(1..).unwrap_or(&[]));
    frame.extend_from_slice(&crc.to_le_bytes());
    frame
}

/// CRC-32/ISO-HDLC, zlib's `crc32` (polynomial 0x04C11DB7 reflected, initial 0xFFFFFFFF,
/// final xor 0xFFFFFFFF): the weight CRC the board answers ([`weight_crc_request`]).
///
/// ```
/// // The catalogue check value.
/// assert_eq!(hdl_gen::protocol::crc32(b"123456789"), 0xcbf4_3926);
/// ```
pub fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(u32::MAX, |crc, &b| {
        let mut c = crc ^ b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { (c >> 1) ^ 0xedb8_8320 } else { c >> 1 };
        }
        c
    })
}

/// The request for the CRC-32 of `target`'s weight memory: sync, target, CRC ([`seal`]).
/// The board reads the memory's words back in address order, each as the little-endian
/// bytes a load request carries (padding bits 0), and replies with status `Ok`, class 0,
/// `cycles` = [`crc32`] of those bytes and zero scores.
///
/// A worked example: target 1 holds two 16-bit words, 0x0102 at address 0 and 0x0304 at
/// address 1, so the CRC covers the bytes 02 01 04 03.
///
/// ```
/// use hdl_gen::protocol::{ReplyFormat, Status, WeightImage, crc32, seal, weight_crc_request};
/// assert_eq!(weight_crc_request(1), [0xa7, 0x01, 0x1b, 0xdf, 0x05, 0xa5]);
/// let image = WeightImage { target: 1, layer: 2, name: "out".into(), word_bytes: 2, bytes: vec![0x02, 0x01, 0x04, 0x03] };
/// assert_eq!(image.crc32(), 0x77ea_e91e);
/// assert_eq!(image.crc32(), crc32(&[0x02, 0x01, 0x04, 0x03]));
/// // The reply (one class, one score byte): the request's last byte as its tag, the weight
/// // CRC in the cycles field, little-endian.
/// let reply = seal(vec![0x5a, 0, 0xa5, 0, 0x1e, 0xe9, 0xea, 0x77, 0]);
/// let r = ReplyFormat { classes: 1, score_bytes: 1 }.parse(&reply).unwrap();
/// assert_eq!((r.status, r.cycles), (Status::Ok, 0x77ea_e91e));
/// ```
pub fn weight_crc_request(target: u8) -> Vec<u8> {
    seal(vec![WEIGHT_CRC_SYNC, target])
}

/// The request frame for one input: sync, length (u16 LE), values, CRC ([`seal`]).
pub fn request(values: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(values.len() + 7);
    frame.push(REQUEST_SYNC);
    frame.extend_from_slice(&(values.len() as u16).to_le_bytes());
    frame.extend_from_slice(values);
    seal(frame)
}

/// The sparse request frame for one input: sync 0xA8, the number of values (u16 LE), then
/// for each group of 8 values (the last one shorter when the count is not a multiple of 8) a
/// mask byte whose bit `i` says value `8g + i` follows, then those values; a clear bit's
/// value is 0. CRC ([`seal`]). An MNIST digit (150 non-zero pixels of 784) takes 256 bytes
/// instead of the dense [`request`]'s 791.
///
/// ```
/// use hdl_gen::protocol::{seal, sparse_request};
/// // Ten values: group 0 has values at 1 and 7, group 1 (two values) at 9.
/// let frame = sparse_request(&[0, 5, 0, 0, 0, 0, 0, 9, 0, 3]);
/// assert_eq!(frame, seal(vec![0xa8, 10, 0, 0b1000_0010, 5, 9, 0b10, 3]));
/// ```
pub fn sparse_request(values: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(7 + values.len().div_ceil(8) + values.len());
    frame.push(SPARSE_SYNC);
    frame.extend_from_slice(&(values.len() as u16).to_le_bytes());
    for group in values.chunks(8) {
        let mask = group.iter().enumerate().fold(0u8, |m, (i, &v)| if v != 0 { m | 1 << i } else { m });
        frame.push(mask);
        frame.extend(group.iter().filter(|&&v| v != 0));
    }
    seal(frame)
}

/// How the host frames an input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Framing {
    /// Every value ([`request`]).
    Dense,
    /// The non-zero values behind a mask byte per 8 ([`sparse_request`]).
    Sparse,
    /// Whichever of the two is shorter for this input (dense on a tie).
    #[default]
    Shortest,
}

impl Framing {
    /// The request frame for `values`.
    ///
    /// ```
    /// use hdl_gen::protocol::{Framing, SPARSE_SYNC, REQUEST_SYNC};
    /// assert_eq!(Framing::Shortest.frame(&[0; 16])[0], SPARSE_SYNC);
    /// assert_eq!(Framing::Shortest.frame(&[1; 16])[0], REQUEST_SYNC);
    /// ```
    pub fn frame(self, values: &[u8]) -> Vec<u8> {
        match self.resolve(values) {
            Framing::Sparse => sparse_request(values),
            _ => request(values),
        }
    }

    /// The length of [`Framing::frame`]'s frame for `values`, without building it: sync,
    /// length and CRC (7 bytes) around the values, or around a mask byte per 8 values and
    /// the non-zero ones.
    ///
    /// ```
    /// use hdl_gen::protocol::Framing;
    /// assert_eq!(Framing::Dense.frame_len(&[0, 5, 0]), 10);
    /// assert_eq!(Framing::Sparse.frame_len(&[0, 5, 0]), 9);
    /// assert_eq!(Framing::Shortest.frame_len(&[0, 5, 0]), 9);
    /// ```
    pub fn frame_len(self, values: &[u8]) -> usize {
        let dense = values.len();
        let sparse = || values.len().div_ceil(8) + values.iter().filter(|&&v| v != 0).count();
        7 + match self {
            Framing::Dense => dense,
            Framing::Sparse => sparse(),
            Framing::Shortest => dense.min(sparse()),
        }
    }

    /// Dense or sparse for `values`: `Shortest` picks sparse only when it is shorter.
    fn resolve(self, values: &[u8]) -> Framing {
        match self {
            Framing::Shortest if Framing::Sparse.frame_len(values) < Framing::Dense.frame_len(values) => {
                Framing::Sparse
            }
            Framing::Shortest => Framing::Dense,
            other => other,
        }
    }
}

/// The load request writing `words` (each `word_bytes` long, concatenated) to `target`
/// from word `address` on: sync, target, address (u24 LE), word count, the bytes, CRC
/// ([`seal`]).
///
/// ```
/// use hdl_gen::protocol::{load_request, seal};
/// let frame = load_request(1, 0x0102, &[0xaa, 0xbb], 2);
/// assert_eq!(frame, seal(vec![0xa6, 1, 0x02, 0x01, 0x00, 1, 0xaa, 0xbb]));
/// ```
pub fn load_request(target: u8, address: u32, words: &[u8], word_bytes: u32) -> Vec<u8> {
    let count = words.len() / word_bytes.max(1) as usize;
    debug_assert!(address < 1 << 24 && (1..=255).contains(&count) && words.len() % word_bytes as usize == 0);
    let mut frame = Vec::with_capacity(words.len() + 10);
    frame.push(LOAD_SYNC);
    frame.push(target);
    frame.extend_from_slice(&address.to_le_bytes()[..3]);
    frame.push(count as u8);
    frame.extend_from_slice(words);
    seal(frame)
}

/// One memory's contents to load: its target and layer, word size and bytes (words in
/// address order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightImage {
    /// Target number.
    pub target: u8,
    /// The layer whose weights these are (its index).
    pub layer: usize,
    /// The layer's name.
    pub name: String,
    /// Bytes per word.
    pub word_bytes: u32,
    /// All words, concatenated.
    pub bytes: Vec<u8>,
}

impl WeightImage {
    /// Words in the image.
    pub fn words(&self) -> u64 {
        (self.bytes.len() / self.word_bytes.max(1) as usize) as u64
    }

    /// The CRC-32 the board answers for this memory once the image is loaded.
    pub fn crc32(&self) -> u32 {
        crc32(&self.bytes)
    }

    /// The load requests that write the image, each as many whole words as `buffer` bytes
    /// hold (at most 255): `(first word, words, frame)`.
    pub fn frames(&self, buffer: u64) -> Vec<(u32, u32, Vec<u8>)> {
        let wb = self.word_bytes.max(1) as usize;
        let per_frame = (buffer as usize / wb).clamp(1, 255);
        self.bytes
            .chunks(per_frame * wb)
            .enumerate()
            .map(|(k, chunk)| {
                let first = (k * per_frame) as u32;
                (first, (chunk.len() / wb) as u32, load_request(self.target, first, chunk, self.word_bytes))
            })
            .collect()
    }
}

/// Write every image to the board: each load request is resent, up to `max_attempts` times,
/// until the board confirms it (status `Ok` and the word count in the reply's cycle field).
/// Writes land only after a request's CRC matched and are idempotent, so a retry neither
/// loses nor corrupts anything. `progress` hears the words written. Returns the requests
/// that had to be resent.
pub fn load_weights(
    link: &mut dyn Transport,
    images: &[WeightImage],
    buffer: u64,
    format: ReplyFormat,
    max_attempts: u32,
    progress: &dyn Fn(u64),
) -> Result<u32, HostError> {
    let mut retries = 0;
    for image in images {
        for (first, words, frame) in image.frames(buffer) {
            let prefix = format!("target {} words {first}..{}: ", image.target, first + words);
            let accepted = exchange(
                link,
                &frame,
                format,
                max_attempts,
                Exchange {
                    prefix: &prefix,
                    refused: &[Status::Load],
                    accept: &|reply| reply.status == Status::Ok && reply.cycles == words,
                    describe: &|reply| format!("board reported {:?}, {} words", reply.status, reply.cycles),
                },
            )?;
            retries += accepted.attempts - 1;
            progress(words as u64);
        }
    }
    Ok(retries)
}

/// Ask the board for the CRC-32 of `target`'s weight memory ([`weight_crc_request`]),
/// resending on a corrupted or lost request or reply up to `max_attempts` times (the
/// request changes nothing, so a retry is harmless).
pub fn weight_crc(
    link: &mut dyn Transport,
    target: u8,
    format: ReplyFormat,
    max_attempts: u32,
) -> Result<u32, HostError> {
    let prefix = format!("weight CRC of target {target}: ");
    let accepted = exchange(
        link,
        &weight_crc_request(target),
        format,
        max_attempts,
        Exchange { prefix: &prefix, refused: &[Status::Load], ..Exchange::OK },
    )?;
    Ok(accepted.reply.cycles)
}

/// Check a load: ask the board for every image's weight CRC ([`weight_crc`]) and compare it
/// with the image's. The first memory that differs is a [`HostError::WeightMismatch`]
/// naming its layer.
pub fn verify_weights(
    link: &mut dyn Transport,
    images: &[WeightImage],
    format: ReplyFormat,
    max_attempts: u32,
) -> Result<(), HostError> {
    for image in images {
        let got = weight_crc(link, image.target, format, max_attempts)?;
        let expected = image.crc32();
        if got != expected {
            return Err(HostError::WeightMismatch {
                layer: image.layer,
                name: image.name.clone(),
                target: image.target,
                expected,
                got,
            });
        }
    }
    Ok(())
}

/// What the board says about a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Inference ran.
    Ok,
    /// The request's CRC did not match.
    Checksum,
    /// The request's length is not the model's input size.
    Length,
    /// An input value above the model's maximum.
    Value,
    /// A UART framing error inside the request.
    Framing,
    /// A load or weight CRC request to no target, or a load past its depth, of no words or
    /// of too many bytes.
    Load,
    /// An inference before the board's loaded weights were written (after power-on).
    Unloaded,
}

impl Status {
    /// The status byte of a reply.
    pub fn byte(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Checksum => 1,
            Status::Length => 2,
            Status::Value => 3,
            Status::Framing => 4,
            Status::Load => 5,
            Status::Unloaded => 6,
        }
    }

    fn from_byte(b: u8) -> Option<Status> {
        [Status::Ok, Status::Checksum, Status::Length, Status::Value, Status::Framing, Status::Load, Status::Unloaded]
            .into_iter()
            .find(|s| s.byte() == b)
    }
}

/// A parsed reply.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Reply {
    /// Whether inference ran.
    pub status: Status,
    /// The last byte of the request answered (its CRC's top byte; 0 for one refused before
    /// its CRC): which of the requests in flight this reply answers.
    pub tag: u8,
    /// Predicted class (0 unless `Ok`).
    pub class: u32,
    /// Cycles from the encoder's START to the last layer's last DONE, inclusive.
    pub cycles: u32,
    /// Every class's score.
    pub scores: Vec<i64>,
}

/// Why bytes are not a valid reply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// Fewer bytes than a reply.
    #[error("reply too short: {got} of {expected} bytes")]
    Short {
        /// Bytes received.
        got: usize,
        /// Reply length.
        expected: usize,
    },
    /// The first byte is not 0x5a.
    #[error("reply does not start with 0x5a (got 0x{0:02x})")]
    Sync(u8),
    /// The CRC does not match (a corrupted reply).
    #[error("reply CRC 0x{got:08x}, computed 0x{computed:08x}")]
    Checksum {
        /// CRC received.
        got: u32,
        /// CRC of the bytes received.
        computed: u32,
    },
    /// An unknown status byte.
    #[error("unknown status byte {0}")]
    Status(u8),
}

/// The reply layout of one design.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReplyFormat {
    /// Classes (scores in a reply).
    pub classes: u32,
    /// Bytes per score.
    pub score_bytes: u32,
}

impl ReplyFormat {
    /// Bytes in a reply.
    pub fn len(&self) -> usize {
        12 + (self.classes * self.score_bytes) as usize
    }

    /// Always false: a reply has at least its 12 fixed bytes.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The bytes the board sends for `reply` (what [`ReplyFormat::parse`] reads back): the
    /// reference a test compares a board's bytes with. Scores are cut to `score_bytes`.
    ///
    /// ```
    /// use hdl_gen::protocol::{Reply, ReplyFormat, Status, seal};
    /// let format = ReplyFormat { classes: 2, score_bytes: 2 };
    /// let reply = Reply { status: Status::Ok, tag: 0x3c, class: 1, cycles: 300, scores: vec![-2, 7] };
    /// let bytes = format.encode(&reply);
    /// assert_eq!(bytes, seal(vec![0x5a, 0, 0x3c, 1, 0x2c, 0x01, 0, 0, 0xfe, 0xff, 7, 0]));
    /// assert_eq!(format.parse(&bytes), Ok(reply));
    /// ```
    pub fn encode(&self, reply: &Reply) -> Vec<u8> {
        let mut frame = vec![REPLY_SYNC, reply.status.byte(), reply.tag, reply.class as u8];
        frame.extend_from_slice(&reply.cycles.to_le_bytes());
        for k in 0..self.classes as usize {
            let score = reply.scores.get(k).copied().unwrap_or(0);
            frame.extend_from_slice(&score.to_le_bytes()[..self.score_bytes.min(8) as usize]);
        }
        seal(frame)
    }

    /// Parse exactly one reply.
    pub fn parse(&self, bytes: &[u8]) -> Result<Reply, ReplyError> {
        let n = self.len();
        if bytes.len() < n {
            return Err(ReplyError::Short { got: bytes.len(), expected: n });
        }
        let bytes = &bytes[..n];
        if bytes[0] != REPLY_SYNC {
            return Err(ReplyError::Sync(bytes[0]));
        }
        let computed = crc32(&bytes[1..n - 4]);
        let got = u32::from_le_bytes([bytes[n - 4], bytes[n - 3], bytes[n - 2], bytes[n - 1]]);
        if computed != got {
            return Err(ReplyError::Checksum { got, computed });
        }
        let status = Status::from_byte(bytes[1]).ok_or(ReplyError::Status(bytes[1]))?;
        let sb = self.score_bytes as usize;
        let scores = bytes[8..n - 4]
            .chunks(sb)
            .map(|c| {
                let mut v = c.iter().rev().fold(0i64, |acc, &b| (acc << 8) | b as i64);
                let bits = 8 * sb as u32;
                if bits < 64 && v & (1 << (bits - 1)) != 0 {
                    v -= 1 << bits;
                }
                v
            })
            .collect();
        Ok(Reply {
            status,
            tag: bytes[2],
            class: bytes[3] as u32,
            cycles: u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
            scores,
        })
    }
}

/// Why a [`Transport`] failed, kept whole: the port's I/O error, or the simulated board's
/// own error (which its caller can downcast back, e.g. a simulator killed as hung).
pub type LinkError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A byte link to a board running `<model>_board`: a serial port (`bitstreams`), or the
/// UART co-simulation (`sim::cosim::uart`). The host logic ([`infer`]) is the same for both.
pub trait Transport {
    /// Send bytes.
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError>;
    /// Receive up to `n` bytes; fewer when the link stays quiet for the transport's timeout.
    fn receive(&mut self, n: usize) -> Result<Vec<u8>, LinkError>;
    /// Discard whatever has arrived and not been read (before a retry).
    fn drain(&mut self) -> Result<(), LinkError> {
        Ok(())
    }
    /// Board clock cycles simulated so far, for a transport that simulates the board (its
    /// line time, which wall-clock time does not measure); `None` for a real link.
    fn simulated_cycles(&self) -> Option<u64> {
        None
    }
}

/// One inference as the host saw it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Inference {
    /// The accepted reply (status `Ok`).
    pub reply: Reply,
    /// Requests sent (1 when nothing went wrong).
    pub attempts: u32,
    /// What went wrong on the attempts before the last, in order.
    pub errors: Vec<String>,
}

/// Why the host gave up on an input.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The link itself failed.
    #[error("link: {0}")]
    Link(#[source] LinkError),
    /// The board refused the request for a reason a retry cannot fix.
    #[error("the board refused the request: {}", refusal(*.0))]
    Refused(Status),
    /// A loaded weight memory's CRC differs from the model's weights.
    #[error(
        "layer {layer} ({name}): the board's weight memory has CRC-32 0x{got:08x}, the model's weights 0x{expected:08x} (load target {target})"
    )]
    WeightMismatch {
        /// The layer's index.
        layer: usize,
        /// Its name.
        name: String,
        /// Its load target.
        target: u8,
        /// The CRC of the model's weight words.
        expected: u32,
        /// The board's.
        got: u32,
    },
    /// Every attempt failed.
    #[error("no valid reply after {attempts} attempts; last: {last}")]
    GaveUp {
        /// Requests sent.
        attempts: u32,
        /// The last problem.
        last: String,
    },
}

/// Why a refusal happens, for people.
fn refusal(status: Status) -> String {
    match status {
        Status::Unloaded => "its weights are not loaded yet (they are lost at every power-on: \
                             `spikeforge run --build DIR` loads them first)"
            .into(),
        other => format!("{other:?} (does the bitstream match the model and its plan?)"),
    }
}

/// Send one input framed as `framing` says and return the board's reply, resending on a
/// corrupted or lost request or reply (a checksum or framing status, a reply that fails its
/// CRC, or silence) up to `max_attempts` times. Inference is idempotent, so a retry can never
/// lose or duplicate a result.
pub fn infer(
    link: &mut dyn Transport,
    values: &[u8],
    framing: Framing,
    format: ReplyFormat,
    max_attempts: u32,
) -> Result<Inference, HostError> {
    exchange(
        link,
        &framing.frame(values),
        format,
        max_attempts,
        Exchange { refused: &[Status::Length, Status::Value, Status::Load, Status::Unloaded], ..Exchange::OK },
    )
}

/// Requests the board top takes in flight: the one it runs (or answers) and the next.
pub const MAX_IN_FLIGHT: usize = 2;

/// How a host sends a run of inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HostOptions {
    /// How each input is framed.
    pub framing: Framing,
    /// Send the next request before the last reply is in ([`infer_pipelined`]), or one
    /// request at a time ([`infer`]).
    pub pipelined: bool,
    /// Requests per input before giving up.
    pub attempts: u32,
}

/// Infer every input of `inputs` with up to [`MAX_IN_FLIGHT`] requests in flight: request
/// N + 1 goes out before reply N is in, so the line carries requests while the board
/// computes and answers. Each reply must be status `Ok` and carry the tag of the oldest
/// request in flight; two consecutive requests with the same tag (last byte) are not sent
/// together, so a request the board never took (a corrupted sync byte) cannot pass its
/// successor's reply off as its own. Anything else (a refusal, a corrupted or missing
/// reply) drains the link and takes the requests in flight again one at a time with
/// [`infer`]'s retries; the first send counts as an attempt. Returns one [`Inference`]
/// per input, in order, or the first input the host gave up on (its index in `inputs`) and
/// why.
pub fn infer_pipelined(
    link: &mut dyn Transport,
    inputs: &[&[u8]],
    framing: Framing,
    format: ReplyFormat,
    max_attempts: u32,
) -> Result<Vec<Inference>, (usize, HostError)> {
    let frames: Vec<Vec<u8>> = inputs.iter().map(|x| framing.frame(x)).collect();
    let tag = |i: usize| frames[i].last().copied().unwrap_or(0);
    let mut results = Vec::with_capacity(frames.len());
    let mut sent = 0;
    while results.len() < frames.len() {
        let oldest = results.len();
        while sent < frames.len() && sent - oldest < MAX_IN_FLIGHT && (sent == oldest || tag(sent) != tag(sent - 1)) {
            link.send(&frames[sent]).map_err(|e| (sent, HostError::Link(e)))?;
            sent += 1;
        }
        let bytes = link.receive(format.len()).map_err(|e| (oldest, HostError::Link(e)))?;
        let problem = match format.parse(&bytes) {
            Ok(reply) if reply.status == Status::Ok && reply.tag == tag(oldest) => {
                results.push(Inference { reply, attempts: 1, errors: Vec::new() });
                continue;
            }
            Ok(reply) if reply.status == Status::Ok => {
                format!("a reply tagged 0x{:02x}, not 0x{:02x}", reply.tag, tag(oldest))
            }
            Ok(reply) => format!("board reported {:?}", reply.status),
            Err(e) => e.to_string(),
        };
        // Back to one at a time for what is in flight, from a quiet line.
        link.drain().map_err(|e| (oldest, HostError::Link(e)))?;
        for (i, x) in inputs.iter().enumerate().take(sent).skip(oldest) {
            let mut done =
                infer(link, x, framing, format, max_attempts.saturating_sub(1).max(1)).map_err(|e| (i, e))?;
            done.attempts += 1;
            let first = if i == oldest { problem.clone() } else { "in flight behind a failed request".into() };
            done.errors.insert(0, first);
            results.push(done);
        }
    }
    Ok(results)
}

/// Refusals the board decides before a frame's CRC is in (its length, a load's header): a
/// corrupted byte can cause them, so the host believes one only when it repeats.
const UNCHECKED_REFUSALS: [Status; 2] = [Status::Length, Status::Load];

/// How many times in a row an unchecked refusal must come to be believed (or every attempt).
/// On a line corrupting one byte in a hundred, a 256-byte MNIST request draws a length
/// refusal about one send in 40 (its length bytes hit, or its sync byte hit and a value byte
/// 0xA5 or 0xA8 read as a sync): three in a row came once in the soak's 10,000 digits, eight
/// in a row would come about once in 10^12 sends.
const UNCHECKED_BELIEVED_AFTER: u32 = 8;

/// How [`exchange`] judges a reply.
struct Exchange<'a> {
    /// Starts every problem it records (which request it was).
    prefix: &'a str,
    /// Statuses that end the exchange at once as [`HostError::Refused`]: resending cannot help.
    refused: &'a [Status],
    /// Whether a reply is the answer.
    accept: &'a dyn Fn(&Reply) -> bool,
    /// A reply that was neither accepted nor refused, in words.
    describe: &'a dyn Fn(&Reply) -> String,
}

impl Exchange<'_> {
    /// Accept status `Ok`, refuse nothing.
    const OK: Exchange<'static> = Exchange {
        prefix: "",
        refused: &[],
        accept: &|reply| reply.status == Status::Ok,
        describe: &|reply| format!("board reported {:?}", reply.status),
    };
}

/// Send `frame` and read its reply, resending after a corrupted, lost or unaccepted
/// exchange (the link drained first) up to `max_attempts` times. Every request here is
/// idempotent, so a retry neither loses nor duplicates anything.
fn exchange(
    link: &mut dyn Transport,
    frame: &[u8],
    format: ReplyFormat,
    max_attempts: u32,
    judge: Exchange,
) -> Result<Inference, HostError> {
    let mut errors = Vec::new();
    let tag = frame.last().copied().unwrap_or(0);
    let mut unchecked_in_a_row = 0;
    for attempt in 1..=max_attempts.max(1) {
        if attempt > 1 {
            link.drain().map_err(HostError::Link)?;
        }
        link.send(frame).map_err(HostError::Link)?;
        let bytes = link.receive(format.len()).map_err(HostError::Link)?;
        match format.parse(&bytes) {
            // An answer to another request (one before it, answered late) is not this one's.
            Ok(reply) if reply.status == Status::Ok && reply.tag != tag => {
                errors.push(format!("{}a reply tagged 0x{:02x}, not 0x{tag:02x}", judge.prefix, reply.tag))
            }
            Ok(reply) if (judge.accept)(&reply) => return Ok(Inference { reply, attempts: attempt, errors }),
            Ok(reply) if judge.refused.contains(&reply.status) => {
                // A refusal decided before the CRC (a length or load header) may come from a
                // corrupted byte: it is believed when it repeats. Any other one checked the
                // whole frame: it is believed when it answers this frame (its tag).
                let believed = if UNCHECKED_REFUSALS.contains(&reply.status) {
                    unchecked_in_a_row += 1;
                    unchecked_in_a_row >= UNCHECKED_BELIEVED_AFTER
                } else {
                    reply.tag == tag
                };
                if believed || attempt == max_attempts.max(1) {
                    return Err(HostError::Refused(reply.status));
                }
                errors.push(format!("{}{}", judge.prefix, (judge.describe)(&reply)));
                continue;
            }
            Ok(reply) => errors.push(format!("{}{}", judge.prefix, (judge.describe)(&reply))),
            Err(e) => errors.push(format!("{}{e}", judge.prefix)),
        }
        unchecked_in_a_row = 0;
    }
    let last = errors.last().cloned().unwrap_or_default();
    Err(HostError::GaveUp { attempts: max_attempts.max(1), last })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The board's reading of a sparse frame, written from the frame's description: what
    /// the bridge must store for it.
    fn decode_sparse(frame: &[u8]) -> Vec<u8> {
        assert_eq!(frame[0], SPARSE_SYNC);
        assert_eq!(frame[frame.len() - 4..], crc32(&frame[1..frame.len() - 4]).to_le_bytes());
        let count = u16::from_le_bytes([frame[1], frame[2]]) as usize;
        let mut bytes = frame[3..frame.len() - 4].iter().copied();
        let mut values = Vec::new();
        while values.len() < count {
            let mask = bytes.next().expect("a mask byte");
            for bit in 0..8.min(count - values.len()) {
                values.push(if mask >> bit & 1 == 1 { bytes.next().expect("a value byte") } else { 0 });
            }
        }
        assert_eq!(bytes.next(), None, "bytes after the last group");
        values
    }

    proptest! {
        #[test]
        fn a_sparse_frame_carries_every_value_and_shortest_is_never_longer(
            values in prop::collection::vec(prop_oneof![3 => Just(0u8), 1 => any::<u8>()], 0..100)
        ) {
            let sparse = sparse_request(&values);
            prop_assert_eq!(decode_sparse(&sparse), values.clone());
            let non_zero = values.iter().filter(|&&v| v != 0).count();
            prop_assert_eq!(sparse.len(), 7 + values.len().div_ceil(8) + non_zero);
            let shortest = Framing::Shortest.frame(&values);
            prop_assert!(shortest.len() <= sparse.len().min(request(&values).len()));
            for framing in [Framing::Dense, Framing::Sparse, Framing::Shortest] {
                prop_assert_eq!(framing.frame_len(&values), framing.frame(&values).len());
            }
        }
    }

    #[test]
    fn crc32_iso_hdlc_check_values() {
        // The catalogue check value of CRC-32/ISO-HDLC over "123456789", the empty string's,
        // and one zero byte's (zlib.crc32(b"\0")).
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(&[]), 0);
        assert_eq!(crc32(&[0]), 0xd202_ef8d);
    }

    #[test]
    fn a_weight_image_with_any_one_bit_flipped_has_another_crc() {
        let image = WeightImage { target: 0, layer: 0, name: "fc1".into(), word_bytes: 3, bytes: (0..48).collect() };
        for bit in 0..image.bytes.len() * 8 {
            let mut bad = image.clone();
            bad.bytes[bit / 8] ^= 1 << (bit % 8);
            assert_ne!(bad.crc32(), image.crc32(), "flip of bit {bit} went unnoticed");
        }
        // Two words swapped (an address bit wrong in a loader) change it too.
        let mut swapped = image.clone();
        swapped.bytes[..6].rotate_left(3);
        assert_ne!(swapped.crc32(), image.crc32());
    }

    #[test]
    fn every_single_bit_flip_of_a_reply_is_detected() {
        let format = ReplyFormat { classes: 3, score_bytes: 3 };
        let reply = seal(vec![REPLY_SYNC, 0, 0x3c, 2, 1, 2, 3, 4, 1, 0, 0, 0xff, 0xff, 0xff, 7, 0, 0]);
        assert_eq!(format.parse(&reply).unwrap().scores, vec![1, -1, 7]);
        for bit in 0..reply.len() * 8 {
            let mut bad = reply.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(format.parse(&bad).is_err(), "flip of bit {bit} went unnoticed");
        }
        assert!(matches!(format.parse(&reply[..5]), Err(ReplyError::Short { .. })));
        assert_eq!(format.parse(&reply).unwrap().tag, 0x3c);
    }
}
