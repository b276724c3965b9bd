// sf_uart_bridge: the on-board inference protocol. It receives an input over the UART,
// checks it, streams it into the core, waits for the last layer's last timestep, and sends
// back the class, the cycle count and every class score. The host side is
// `hdl_gen::protocol` (byte layouts, CRC, status codes).
//
// Two machines share the bridge: the receiver takes a frame off the line and hands it over
// as a job (an input in one of two buffer banks, a load, a weight CRC, or a refusal); the
// executor runs one job at a time (feeds the core, waits, finds the class, replies). The
// receiver takes the next inference request while the executor runs the last one, so a
// host may send request N + 1 before reply N arrives and replies come in request order.
// The receiver holds one job waiting: it starts a request only when no job is waiting,
// and a load or weight CRC request only when the executor is idle too (they share the
// load registers and, for the CRC, need the core idle). A sync byte it cannot take is
// ignored like any byte between frames, so a host keeps at most two inference requests in
// flight (the one running, or answered, and the next) and sends a load or CRC request only
// after every reply is in.
//
// Every frame ends with the CRC-32 of all its bytes after the sync byte, little-endian.
// Request  (host -> board): 0xA5, M as u16 little-endian, M input values (one byte each),
//                           CRC. The values are kept in chunks of VALUES_PER_CYCLE and go
//                           to the core a chunk per cycle.
// Sparse   (host -> board): 0xA8, M as u16 LE, then per group of 8 values (the last group
//                           M mod 8, if that is not 0): a mask byte, bit i set when value
//                           8g + i follows, then those values in order; a clear bit's value
//                           is 0. CRC. A mask bit past value M is status 2 (no byte is read
//                           for it). An MNIST digit (150 non-zero pixels of 784) is 256
//                           bytes instead of 791. The bridge writes one value per cycle, a
//                           clear bit's 0 without waiting for a byte: at most 7 such writes
//                           fall between two bytes, which come at least 10 * CLKS_PER_BIT
//                           cycles apart, so none is missed.
// Reply    (board -> host): 0x5A, status, tag, class, cycles as u32 LE, CLASSES scores of
//                           SCORE_BYTES each (two's complement, LE), CRC. Always the same
//                           length; on a bad request the class, cycles and scores are 0.
//                           The tag is the last byte of the request answered (its CRC's
//                           top byte; 0 for one refused before its CRC): a host with two
//                           requests in flight tells a reply to the one from a reply to the
//                           other, and notices a request the board never took.
// Load     (host -> board): 0xA6, target, word address as u24 LE, words (1..255), the
//                           words' bytes (LOAD_WORD_BYTES of the target each, little-endian),
//                           CRC. Nothing is written before the CRC matches: the bytes wait
//                           in a LOAD_BUFFER-byte buffer, then stream out on load_* one per
//                           cycle to the target's sf_weight_loader. The reply is the same
//                           frame with class 0, `cycles` = words written and zero scores.
//                           Only when LOAD_TARGETS > 0 (layers with loaded weights); writes
//                           are idempotent, so the host simply resends a frame that was
//                           refused.
// Weight CRC (host -> board): 0xA7, target, CRC. The bridge reads
//                           the target's LOAD_DEPTH words back in address order through its
//                           sf_weight_loader (read_en, then read_valid / read_byte, each word
//                           LOAD_WORD_BYTES bytes, little-endian, padding bits 0: the bytes a
//                           load request carries) and replies with class 0, `cycles` = the
//                           CRC-32 of those bytes and zero scores. LOAD_WORD_BYTES + 4
//                           cycles per word. Only when LOAD_TARGETS > 0; the reads happen
//                           while the core is idle (the executor runs one job at a time),
//                           so they never meet an inference.
// Status: 0 ok, 1 CRC mismatch, 2 length is not M, 3 a value above MAX_VALUE, 4 a UART
// framing error inside the request, 5 a load or weight CRC to no target, a load past the
// target's depth, of no words or of more bytes than LOAD_BUFFER, 6 an inference before
// LOAD_TOTAL words were loaded since power-on (the loaded RAMs start empty: without this a
// freshly configured board would answer, wrongly). A request that stops arriving for
// TIMEOUT cycles is dropped without a reply (the host times out and sends it again).
// Statuses 2 (length) and 5 (load header) are answered before the frame's CRC, so a
// corrupted byte can cause them: such a reply's tag is 0. Status 6 is decided when the
// executor takes the request.
// CRC-32: polynomial 0x04C11DB7 reflected (0xEDB88320), initial value 0xFFFFFFFF, bytes
// taken lowest bit first, final xor 0xFFFFFFFF (CRC-32/ISO-HDLC, as zlib's crc32). Not a
// CRC-8 or CRC-16: on a line with one corrupted byte in a hundred, a 256-byte request
// holds two or more corrupted bytes in about seven sends out of ten, and a random
// corruption passes a CRC-8 once in 256 sends, a CRC-16 once in 65,536: hundreds of
// thousands of sends would hand the host wrong answers; a CRC-32 passes one in 2^32. The
// weight CRC is CRC-32 too: a loaded memory holds up to 784 kbit (mnist-up5k).
//
// cycles: from the encoder's START cycle of the input to the last layer's DONE cycle of its
// last timestep, both included (the co-simulation report's latency of an input alone).
// Scores: the readout layer's membranes (READOUT = 1), or the last layer's spike counts
// over T summed from its events (plane amplitudes AMPS, or the value itself for PAYLOAD).
//
// Ports
//   clk               in   1              clock
//   rst               in   1              synchronous reset
//   rx_valid          in   1              sf_uart_rx has a byte
//   rx_data           in   8              the byte
//   rx_error          in   1              sf_uart_rx saw a framing error
//   tx_ready          in   1              sf_uart_tx is idle
//   tx_send           out  1              send tx_data
//   tx_data           out  8              the byte to send
//   in_valid          out  1              to the core: in_value holds the next chunk
//   in_ready          in   1              the core takes in_value
//   in_value          out  V*VALUE_BITS   the next VALUES_PER_CYCLE input values, first at the bottom
//   encoder_start     in   1              the core's encoder START tap
//   last_emit_valid   in   1              the last layer emits an event
//   last_emit_neuron  in   NEURON_BITS    its neuron
//   last_emit_sel     in   SEL_BITS       its plane (or value, PAYLOAD)
//   last_emit_neg     in   1              negative spike
//   last_item_done    in   1              the last layer finished a timestep
//   score_value       in   IN_SCORE_BITS  readout score of the emitting neuron
//   busy              out  1              a request is being received, run or answered
//   led_class         out  3              the last class sent (low bits), for a board's LEDs
//   load_en           out  1              a load byte for target load_target
//   load_target       out  8              which loaded memory (0 .. LOAD_TARGETS-1)
//   load_addr         out  24             word address the byte belongs to
//   load_byte         out  8              the byte (a word's bytes come lowest first)
//   load_word_end     out  1              the word's last byte: write the word
//   read_en           out  1              read word load_addr of target load_target (weight CRC)
//   read_valid        in   1              a loader sends the next byte of the word read
//   read_byte         in   8              the byte (every loader's ORed: 0 from the others)
module sf_uart_bridge #(
    parameter M             = 4,      // input values per request
    parameter VALUES_PER_CYCLE = 1,   // V: values per chunk fed to the core, a divisor of M
    parameter SRC_BITS      = 2,      // clog2(M), at least 1
    parameter VALUE_BITS    = 8,
    parameter MAX_VALUE     = 255,
    parameter T             = 1,      // timesteps per input
    parameter CLASSES       = 2,
    parameter CLASS_BITS    = 1,      // clog2(CLASSES), at least 1
    parameter NEURON_BITS   = 1,      // width of last_emit_neuron
    parameter SEL_BITS      = 1,
    parameter READOUT       = 1,      // 1: scores are readout membranes; 0: spike counts
    parameter IN_SCORE_BITS = 8,      // width of score_value
    parameter SCORE_BITS    = 8,      // stored score width (readout: IN_SCORE_BITS)
    parameter SCORE_BYTES   = 1,      // ceil(SCORE_BITS / 8)
    parameter K             = 1,      // planes of the last layer's code
    parameter [8*K-1:0] AMPS = 8'd1,  // plane amplitudes, 8 bits each, plane 0 lowest
    parameter PAYLOAD       = 0,      // 1: last_emit_sel is the spike value itself
    parameter TIMEOUT       = 100000, // cycles of silence inside a request before it is dropped
    parameter LOAD_TARGETS  = 0,      // memories written by load requests (0: none)
    parameter LOAD_ENTRIES  = 1,      // max(1, LOAD_TARGETS): entries of the tables below
    parameter [16*LOAD_ENTRIES-1:0] LOAD_WORD_BYTES = 16'd1,  // bytes per word, per target
    parameter [24*LOAD_ENTRIES-1:0] LOAD_DEPTH      = 24'd1,  // words, per target
    parameter LOAD_TOTAL    = 0,      // words of all targets: inference waits for as many writes
    parameter LOAD_BUFFER   = 1,      // most bytes one load request carries
    parameter LOAD_INDEX_BITS = 1     // clog2(LOAD_BUFFER + 1)
) (
    input  wire                     clk,
    input  wire                     rst,
    input  wire                     rx_valid,
    input  wire [7:0]               rx_data,
    input  wire                     rx_error,
    input  wire                     tx_ready,
    output wire                     tx_send,
    output wire [7:0]               tx_data,
    output wire                     in_valid,
    input  wire                     in_ready,
    output wire [VALUES_PER_CYCLE*VALUE_BITS-1:0] in_value,
    input  wire                     encoder_start,
    input  wire                     last_emit_valid,
    input  wire [NEURON_BITS-1:0]   last_emit_neuron,
    input  wire [SEL_BITS-1:0]      last_emit_sel,
    input  wire                     last_emit_neg,
    input  wire                     last_item_done,
    input  wire [IN_SCORE_BITS-1:0] score_value,
    output wire                     busy,
    output wire [2:0]               led_class,
    output wire                     load_en,
    output wire [7:0]               load_target,
    output wire [23:0]              load_addr,
    output wire [7:0]               load_byte,
    output wire                     load_word_end,
    output wire                     read_en,
    input  wire                     read_valid,
    input  wire [7:0]               read_byte
);
    // Receiver states.
    localparam R_SYNC = 4'd0, R_LEN0 = 4'd1, R_LEN1 = 4'd2, R_DATA = 4'd3, R_CRC = 4'd4,
               R_LHEAD = 4'd5, R_LDATA = 4'd6, R_CHEAD = 4'd7, R_LCOUNT = 4'd8;
    // Executor states.
    localparam X_IDLE = 3'd0, X_LOAD = 3'd1, X_FEED = 3'd2, X_WAIT = 3'd3, X_ARGMAX = 3'd4,
               X_TX = 3'd5, X_LCOMMIT = 3'd6, X_CSUM = 3'd7;
    // Jobs the receiver hands the executor.
    localparam [1:0] J_INFER = 2'd0, J_LOAD = 2'd1, J_CHECK = 2'd2, J_REFUSE = 2'd3;
    localparam [7:0] REQUEST_SYNC = 8'ha5, LOAD_SYNC = 8'ha6, CHECK_SYNC = 8'ha7, SPARSE_SYNC = 8'ha8,
                     REPLY_SYNC = 8'h5a;
    localparam [7:0] ST_OK = 8'd0, ST_CRC = 8'd1, ST_LENGTH = 8'd2, ST_VALUE = 8'd3, ST_FRAMING = 8'd4,
                     ST_LOAD = 8'd5, ST_UNLOADED = 8'd6;
    // Reply bytes: sync, status, tag, class, 4 cycle bytes, the scores, the CRC.
    localparam REPLY_BYTES = 12 + CLASSES * SCORE_BYTES;
    localparam [15:0] LENGTH = M;

    // CRC-32/ISO-HDLC of one more byte, without the final xor.
    function [31:0] crc32;
        input [31:0] crc;
        input [7:0]  value;
        integer i;
        reg [31:0] c;
        begin
            c = crc ^ {24'd0, value};
            for (i = 0; i < 8; i = i + 1)
                c = c[0] ? {1'b0, c[31:1]} ^ 32'hedb88320 : {1'b0, c[31:1]};
            crc32 = c;
        end
    endfunction

    // ---- the receiver's registers ----
    reg [3:0]                rstate;
    reg [7:0]                status;         // of the frame being received
    reg [31:0]               crc;            // CRC-32 of the frame so far, without the final xor
    reg [1:0]                crc_byte;       // CRC bytes received
    reg                      crc_bad;        // one of them differed
    reg [1:0]                frame_kind;     // J_INFER, J_LOAD or J_CHECK: what the CRC closes
    reg [7:0]                length_low;     // first byte of the request's length
    localparam V      = VALUES_PER_CYCLE;
    localparam CHUNKS = M / V;
    localparam CHUNK_BITS = CHUNKS > 1 ? $clog2(CHUNKS) : 1;
    localparam LANE_BITS  = V > 1 ? $clog2(V) : 1;
    reg [SRC_BITS:0]         index;          // values received
    reg [CHUNK_BITS-1:0]     data_chunk;     // chunk of the value being received
    reg [LANE_BITS-1:0]      data_lane;      // its place in the chunk
    reg                      rx_bank;        // the bank the next request is written to
    // Two banks of CHUNKS chunks, bank 1 from CHUNKS on: one the receiver writes, one the
    // executor feeds the core from.
    reg [V*VALUE_BITS-1:0]   buffer [0:2*CHUNKS-1];
    // Sparse requests: the mask byte of the group being written, walked from bit 0.
    reg                      sparse;         // the request being received is sparse
    reg                      mask_held;      // a group's mask is being walked
    reg [7:0]                mask;           // its bits not yet walked, the next at the bottom
    reg [2:0]                mask_bit;       // the bit walked (the group's value being written)
    reg [31:0]               silence;        // cycles since the last byte of a request
    // The job handed over and not yet taken.
    reg                      job_ready;
    reg [1:0]                job_kind;
    reg [7:0]                job_status;
    reg [7:0]                job_tag;        // the frame's CRC byte (0 if refused before it)
    reg                      job_bank;

    // ---- the executor's registers ----
    reg [2:0]                xstate;
    reg [7:0]                reply_status;
    reg [7:0]                reply_tag;
    reg [31:0]               reply_crc;      // CRC-32 of the reply so far, without the final xor
    reg [CHUNK_BITS:0]       feed_index;     // chunks fed
    reg [V*VALUE_BITS-1:0]   next_value;     // the next chunk, registered (block RAM read)
    reg [31:0]               cycles;
    reg                      counting;
    reg [31:0]               items_done;
    // One vector rather than an array: every request clears all of them at once, which a
    // loop over an array of hundreds of classes (a conv readout) cannot do in Verilator.
    reg [CLASSES*SCORE_BITS-1:0] scores;
    reg [CLASS_BITS-1:0]     scan;           // argmax position / class being sent
    wire signed [SCORE_BITS-1:0] scan_score = scores[scan*SCORE_BITS +: SCORE_BITS];
    // The last layer's taps, registered before the scores use them (the readout's score mux
    // straight into the score update was the UP5K design's critical path at 29.9 MHz). The
    // end of the input is delayed to match (`finishing`); `cycles` still counts to the
    // layer's DONE cycle itself.
    reg                      tap_emit_valid;
    reg [CLASSES-1:0]        tap_emit_hit;   // one-hot: the emitted neuron's class
    reg [SEL_BITS-1:0]       tap_emit_sel;
    reg                      tap_emit_neg;
    reg [IN_SCORE_BITS-1:0]  tap_score;
    reg                      finishing;      // the last timestep was done the cycle before
    always @(posedge clk) begin
        tap_emit_valid <= last_emit_valid && !rst;
        tap_emit_hit   <= {{(CLASSES-1){1'b0}}, 1'b1} << last_emit_neuron[CLASS_BITS-1:0];
        tap_emit_sel   <= last_emit_sel;
        tap_emit_neg   <= last_emit_neg;
        tap_score      <= score_value;
    end
    // The class is decoded a cycle ahead, in the taps, and each class's score has its own
    // adder (spike counts): the class decode, a score mux, the adder and the write's
    // enable in series were the UP5K design's critical path (33.55 MHz).
    integer score_class;
    reg [CLASS_BITS-1:0]     best_class;
    reg signed [SCORE_BITS-1:0] best_score;
    // The argmax takes two cycles a class: one reads a score (and takes the class judged
    // before it, if better), the next compares it with the best so far. The score mux and
    // the comparison in one cycle were the UP5K design's critical path (28.4 MHz); the
    // comparison into the best score's enable in one cycle was next (33.3-36.1 MHz over
    // three seeds). Ten classes cost ten cycles more a reply, against hundreds of a reply's
    // bytes on the line.
    reg signed [SCORE_BITS-1:0] held_score;  // scores[held_class], read the cycle before
    reg [CLASS_BITS-1:0]     held_class;
    reg                      held_valid;
    reg                      held_better;    // held_score beats best_score (or is class 0)
    reg                      argmax_judge;   // this X_ARGMAX cycle compares, not reads
    // Likewise a reply byte is chosen one cycle and sent (and added to the CRC) the next.
    reg [7:0]                tx_byte;
    reg                      tx_prepared;    // tx_byte holds reply byte tx_index
    reg [7:0]                tx_index;       // reply byte being sent
    reg [7:0]                score_byte;     // byte of the current class's score

    // Load requests: header, the byte buffer, and the stream to the loaders. The receiver
    // fills them, the executor streams (or, for a weight CRC, reads) from them; never both
    // at once, as the receiver takes a load or CRC request only while the executor is idle.
    // A byte's place in a word counts up to the largest target's word size minus one, in
    // as few bits as that takes: at 16 bits, "the word's last byte" was a 16-input zero test
    // in front of the executor's state and cycle counter (the UP5K design's critical path,
    // 34-36 MHz, where words are 2 bytes).
    function integer byte_count_bits;
        input integer entries;
        integer t, most;
        begin
            most = 1;
            for (t = 0; t < entries; t = t + 1)
                if ({16'd0, LOAD_WORD_BYTES[t*16 +: 16]} > most) most = {16'd0, LOAD_WORD_BYTES[t*16 +: 16]};
            byte_count_bits = $clog2(most) > 0 ? $clog2(most) : 1;
        end
    endfunction
    localparam BYTE_BITS = byte_count_bits(LOAD_ENTRIES);
    reg [2:0]                ld_head;        // header bytes received after 0xA6
    reg [7:0]                ld_target;
    reg [23:0]               ld_addr;        // word address (streaming: the current word's)
    reg [7:0]                ld_words;
    reg [7:0]                ld_words_left;
    reg [BYTE_BITS-1:0]      ld_word_last;   // of the target: bytes per word - 1
    reg [23:0]               ld_depth;       // of the target
    reg [BYTE_BITS-1:0]      ld_bytes_after; // bytes of the current word after this one
    reg [LOAD_INDEX_BITS-1:0] ld_count;      // bytes buffered, then bytes streamed
    // LOAD_BUFFER is a power of two: its index is ld_count without the top bit.
    localparam LOAD_ADDR_BITS = LOAD_INDEX_BITS > 1 ? LOAD_INDEX_BITS - 1 : 1;
    reg [7:0]                load_buffer [0:LOAD_BUFFER-1];
    reg                      stream_en;
    reg [7:0]                stream_byte;
    reg [23:0]               stream_addr;
    reg                      stream_word_end;
    reg [31:0]               words_loaded;   // word writes since reset, up to LOAD_TOTAL
    reg                      read_word;      // weight CRC: a word's read is under way
    reg                      read_request;   // read_en
    wire                     weights_ready;
    generate
        if (LOAD_TARGETS == 0) begin : g_rom_weights
            assign weights_ready = 1'b1;
            wire unused_words_loaded = ^words_loaded;
        end else begin : g_loaded_weights
            assign weights_ready = words_loaded >= LOAD_TOTAL;
        end
    endgenerate

    // ---- combinational: the core stream, the value of an emitted spike, the reply byte ----
    assign in_valid = xstate == X_FEED;
    assign in_value = next_value;
    assign busy     = rstate != R_SYNC || xstate != X_IDLE || job_ready;
    assign load_en       = stream_en;
    assign load_target   = ld_target;
    assign load_addr     = stream_addr;
    assign load_byte     = stream_byte;
    assign load_word_end = stream_word_end;
    assign read_en       = read_request;

    // The target's table entries (an unknown target reads entry 0; it is refused anyway).
    wire [7:0]  rx_target      = rx_data < LOAD_ENTRIES ? rx_data : 8'd0;
    // The table is constant: synthesis folds the - 1 into the lookup.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [15:0] target_last16  = LOAD_WORD_BYTES[rx_target * 16 +: 16] - 16'd1;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [BYTE_BITS-1:0] target_last = target_last16[BYTE_BITS-1:0];
    wire [23:0] target_depth   = LOAD_DEPTH[rx_target * 24 +: 24];
    // Counted down to zero rather than up to the word's size: a compare with a register
    // minus one, into the executor's state and its cycle counter, was the UP5K design's
    // critical path (34.9 MHz).
    wire        last_word_byte = ld_bytes_after == {BYTE_BITS{1'b0}};
    // One step through a load frame's bytes, taken twice (receiving, then streaming).
    wire [BYTE_BITS-1:0] bytes_after_next = last_word_byte ? ld_word_last : ld_bytes_after - 1'b1;
    wire [7:0]  words_left_next   = last_word_byte ? ld_words_left - 8'd1 : ld_words_left;
    wire        frame_last_byte   = last_word_byte && ld_words_left == 8'd1;
    wire [23:0] ld_addr_next      = ld_addr + 24'd1;
    // Header byte 4 (the word count) decides whether the request is acceptable: refused
    // if ld_addr + count > ld_depth, i.e. count > ld_room = ld_depth - ld_addr. The room is
    // a register, computed from the address and depth while the count byte is still on the
    // line (a byte time at least): the 25-bit add and compare behind rx_data were the UP5K
    // design's critical path (31.15 MHz) once its lanes' multipliers went to SB_MAC16.
    // Two register stages (the room, then what the count is compared with), both settled
    // long before the count byte: the room's sign and high bits in front of the compare
    // were next (34.3 MHz).
    reg  [24:0] ld_room;        // negative (bit 24) when the address is past the depth
    reg         ld_past;        // the address is past the depth
    reg         ld_room_short;  // fewer than 256 words of room
    reg  [7:0]  ld_room_low;
    always @(posedge clk) begin
        ld_room       <= {1'b0, ld_depth} - {1'b0, ld_addr};
        ld_past       <= ld_room[24];
        ld_room_short <= ld_room[23:8] == 16'd0;
        ld_room_low   <= ld_room[7:0];
    end
    // Decided in R_LCOUNT, the cycle after the count byte, from the count held in ld_words:
    // compared as it left the receiver (rx_data), it ran through the receiver's state and job
    // registers in the same cycle, the UP5K's critical path at 35.2 MHz. The first data byte
    // is a byte time away.
    wire        count_too_big  = ld_past || (ld_room_short && ld_words > ld_room_low);
    wire        unknown_target;
    wire        load_refused   = unknown_target || ld_words == 8'd0 || count_too_big;
    generate
        if (LOAD_TARGETS == 0) begin : g_no_targets
            assign unknown_target = 1'b1;
        end else begin : g_targets
            assign unknown_target = {24'd0, ld_target} >= LOAD_TARGETS;
        end
    endgenerate

    wire [8*SCORE_BYTES-1:0] score_wide;
    wire                     value_too_big;

    // The value one event adds to its neuron's spike count: its plane's amplitude, or the
    // value itself (PAYLOAD); negative for a negative spike. Readout networks store scores
    // as they come (SCORE_BITS = IN_SCORE_BITS) and ignore the event's plane.
    wire signed [SCORE_BITS-1:0] spike_value;
    wire signed [SCORE_BITS-1:0] readout_score;
    generate
        if (READOUT != 0) begin : g_readout
            assign readout_score = $signed(tap_score);
            assign spike_value   = {SCORE_BITS{1'b0}};
            wire unused_event = ^{tap_emit_sel, tap_emit_neg};
        end else begin : g_counts
            // SCORE_BITS >= 9 and SEL_BITS <= 8 for spike counts (the generator sees to it).
            wire [7:0] raw;
            if (PAYLOAD != 0 && SEL_BITS < 8) begin : g_pad
                assign raw = {{(8 - SEL_BITS){1'b0}}, tap_emit_sel};
            end else if (PAYLOAD != 0) begin : g_full
                assign raw = tap_emit_sel[7:0];
            end else begin : g_planes
                assign raw = AMPS[tap_emit_sel * 8 +: 8];
            end
            wire signed [SCORE_BITS-1:0] magnitude = $signed({{(SCORE_BITS - 8){1'b0}}, raw});
            assign spike_value   = tap_emit_neg ? -magnitude : magnitude;
            assign readout_score = {SCORE_BITS{1'b0}};
            wire unused_score = ^tap_score;
        end
        // A score sign-extended to whole reply bytes.
        if (8 * SCORE_BYTES > SCORE_BITS) begin : g_extend
            assign score_wide = {{(8 * SCORE_BYTES - SCORE_BITS){scan_score[SCORE_BITS-1]}}, scan_score};
        end else begin : g_exact
            assign score_wide = scan_score;
        end
        // The class on three LEDs.
        if (CLASS_BITS >= 3) begin : g_led_bits
            assign led_class = best_class[2:0];
            if (CLASS_BITS > 3) begin : g_led_unused
                wire unused_class = ^best_class[CLASS_BITS-1:3];
            end
        end else begin : g_led_pad
            assign led_class = {{(3 - CLASS_BITS){1'b0}}, best_class};
        end
        // Values above MAX_VALUE are refused (a full byte range needs no check).
        if (MAX_VALUE < 255) begin : g_value_check
            assign value_too_big = rx_data > MAX_VALUE[7:0];
        end else begin : g_no_value_check
            assign value_too_big = 1'b0;
        end
    endgenerate

    localparam [7:0] CRC_AT = REPLY_BYTES - 4;   // the reply's first CRC byte
    wire [31:0] reply_crc_out = ~reply_crc;
    reg  [7:0] reply_byte;
    always @(*) begin
        if (tx_index == 8'd0)                      reply_byte = REPLY_SYNC;
        else if (tx_index == 8'd1)                 reply_byte = reply_status;
        else if (tx_index == 8'd2)                 reply_byte = reply_tag;
        else if (tx_index == 8'd3)                 reply_byte = {{(8 - CLASS_BITS){1'b0}}, best_class};
        else if (tx_index < 8'd8)                  reply_byte = cycles[(tx_index - 8'd4) * 8 +: 8];
        else if (tx_index >= CRC_AT)               reply_byte = reply_crc_out[(tx_index - CRC_AT) * 8 +: 8];
        else                                       reply_byte = score_wide[score_byte * 8 +: 8];
    end
    assign tx_send = xstate == X_TX && tx_ready && tx_prepared;
    assign tx_data = tx_byte;

    // The input buffer's one read port, registered and without a reset, so synthesis can
    // put the buffer in block RAM (a mux in front of the register, or a reset, made yosys
    // build a 784-value buffer from 6,272 flip-flops): the first chunk in X_LOAD, the next
    // one whenever the core takes one in X_FEED. Bank b holds chunks b * CHUNKS onwards.
    // The read address is a register stepping by one per read, set to the job's bank when
    // the job is taken: computed as bank offset + chunk + 1 it was two adders and the
    // block RAMs' address decode in one path, the UP5K's critical path at 33.9-35.1 MHz.
    localparam ADDR_BITS = $clog2(2 * CHUNKS);
    localparam [ADDR_BITS-1:0] BANK_OFFSET = CHUNKS[ADDR_BITS-1:0];
    reg  [ADDR_BITS-1:0]  feed_addr;   // the chunk read next
    wire                  feed_read  = xstate == X_LOAD || (xstate == X_FEED && in_ready);
    always @(posedge clk)
        if (feed_read) next_value <= buffer[feed_addr];
    // With one value per chunk the received count is the chunk (no extra counters).
    wire [CHUNK_BITS-1:0] write_chunk = V == 1 ? index[CHUNK_BITS-1:0] : data_chunk;
    wire [LANE_BITS-1:0]  write_lane  = V == 1 ? {LANE_BITS{1'b0}} : data_lane;
    wire [CHUNK_BITS:0]   write_wide  = {1'b0, write_chunk};
    wire [ADDR_BITS-1:0]  write_addr  = (rx_bank ? BANK_OFFSET : {ADDR_BITS{1'b0}}) + write_wide[ADDR_BITS-1:0];
    // One chunk: one address bit less than a chunk count has.
    wire                  unused_chunk_bits = ^write_wide;
    // The next value is written: a dense request's byte, a sparse one's byte for a set mask
    // bit, or a clear bit's 0, which needs no byte.
    wire                  value_zero  = sparse && !mask[0];
    wire                  value_write = rstate == R_DATA && (sparse ? mask_held && (value_zero || rx_valid) : rx_valid);
    wire [VALUE_BITS-1:0] value_in    = value_zero ? {VALUE_BITS{1'b0}} : rx_data[VALUE_BITS-1:0];
    // A chunk's values gather in `chunk_values` and go into the buffer whole with its last
    // one: lane-wide partial writes made yosys cut the GW1NR-9's buffer into 2-bit slices,
    // 8 block RAMs for what one holds.
    wire [V*VALUE_BITS-1:0] chunk_in;
    wire                    chunk_full;
    generate
        if (V == 1) begin : g_one_value
            assign chunk_in   = value_in;
            assign chunk_full = 1'b1;
            wire unused_lane = ^write_lane;
        end else begin : g_gather
            reg [(V-1)*VALUE_BITS-1:0] chunk_values;   // lanes 0 .. V-2 of the chunk
            always @(posedge clk)
                if (value_write && !chunk_full)
                    chunk_values[write_lane * VALUE_BITS +: VALUE_BITS] <= value_in;
            assign chunk_in   = {value_in, chunk_values};
            assign chunk_full = {{(32 - LANE_BITS){1'b0}}, write_lane} == V - 1;
        end
    endgenerate
    always @(posedge clk)
        if (value_write && chunk_full)
            buffer[write_addr] <= chunk_in;

    // At a frame's last CRC byte: its status (a CRC mismatch above anything found before).
    // The CRC byte expected next is picked a cycle ahead (the CRC and the byte count hold
    // for 10 * CLKS_PER_BIT cycles before it comes): the pick and the compare in one cycle
    // from rx_data were the UP5K design's critical path (31.85 MHz).
    wire [31:0] crc_out    = ~crc;
    reg  [7:0]  crc_expect;
    always @(posedge clk) crc_expect <= crc_out[crc_byte * 8 +: 8];
    wire        crc_differs = crc_bad || rx_data != crc_expect;
    wire [7:0]  end_status = crc_differs ? ST_CRC : status;
    wire        frame_ok   = !crc_differs && status == ST_OK;
    // The receiver starts a request only with no job waiting, a load or CRC request only
    // with the executor idle too.
    wire       take_request  = !job_ready;
    wire       take_load     = !job_ready && xstate == X_IDLE && LOAD_TARGETS != 0;
    wire       start_request = take_request && (rx_data == REQUEST_SYNC || rx_data == SPARSE_SYNC);
    wire       start_load    = take_load && rx_data == LOAD_SYNC;
    wire       start_check   = take_load && rx_data == CHECK_SYNC;

    wire last_timestep = items_done == T - 1;

    // ---- clocked: receive, run, answer ----
    always @(posedge clk) begin
        if (rst) begin
            rstate     <= R_SYNC;
            status     <= ST_OK;
            crc        <= 32'hffffffff;
            crc_byte   <= 2'd0;
            crc_bad    <= 1'b0;
            frame_kind <= J_INFER;
            length_low <= 8'd0;
            index      <= {(SRC_BITS + 1){1'b0}};
            data_chunk <= {CHUNK_BITS{1'b0}};
            data_lane  <= {LANE_BITS{1'b0}};
            rx_bank    <= 1'b0;
            sparse     <= 1'b0;
            mask_held  <= 1'b0;
            mask       <= 8'd0;
            mask_bit   <= 3'd0;
            silence    <= 32'd0;
            job_ready  <= 1'b0;
            job_kind   <= J_REFUSE;
            job_status <= ST_OK;
            job_tag    <= 8'd0;
            job_bank   <= 1'b0;
            xstate     <= X_IDLE;
            reply_status <= ST_OK;
            reply_tag  <= 8'd0;
            reply_crc  <= 32'hffffffff;
            feed_addr  <= {ADDR_BITS{1'b0}};
            feed_index <= {(CHUNK_BITS + 1){1'b0}};
            cycles     <= 32'd0;
            counting   <= 1'b0;
            items_done <= 32'd0;
            scan       <= {CLASS_BITS{1'b0}};
            best_class <= {CLASS_BITS{1'b0}};
            best_score <= {SCORE_BITS{1'b0}};
            held_score <= {SCORE_BITS{1'b0}};
            held_class <= {CLASS_BITS{1'b0}};
            held_valid <= 1'b0;
            held_better  <= 1'b0;
            argmax_judge <= 1'b0;
            finishing  <= 1'b0;
            tx_byte    <= 8'd0;
            tx_prepared <= 1'b0;
            tx_index   <= 8'd0;
            score_byte <= 8'd0;
            ld_head    <= 3'd0;
            ld_target  <= 8'd0;
            ld_addr    <= 24'd0;
            ld_words   <= 8'd0;
            ld_words_left   <= 8'd0;
            ld_word_last    <= {BYTE_BITS{1'b0}};
            ld_depth        <= 24'd0;
            ld_bytes_after  <= {BYTE_BITS{1'b0}};
            ld_count   <= {LOAD_INDEX_BITS{1'b0}};
            stream_en  <= 1'b0;
            stream_byte     <= 8'd0;
            stream_addr     <= 24'd0;
            stream_word_end <= 1'b0;
            words_loaded    <= 32'd0;
            read_word       <= 1'b0;
            read_request    <= 1'b0;
        end else begin
            // ================= the receiver =================
            if (rstate == R_SYNC) begin
                // Waiting for a frame, its registers are set up every cycle, not only when a
                // sync byte starts one: nothing reads them before, and the start condition
                // (whether the executor may take a load) in front of them was the UP5K
                // design's critical path (`xstate -> crc`, 33.6 MHz). What kind of frame a
                // byte would start is decided from the byte alone.
                frame_kind <= rx_data == LOAD_SYNC ? J_LOAD : rx_data == CHECK_SYNC ? J_CHECK : J_INFER;
                sparse     <= rx_data == SPARSE_SYNC;
                status     <= ST_OK;
                crc        <= 32'hffffffff;
                crc_byte   <= 2'd0;
                crc_bad    <= 1'b0;
                silence    <= 32'd0;
                ld_head    <= 3'd0;
            end else begin
                // Receiving: a request that goes silent is dropped.
                silence <= rx_valid ? 32'd0 : silence + 32'd1;
                if (silence >= TIMEOUT) rstate <= R_SYNC;
                if (rx_error) status <= ST_FRAMING;
                // Every byte after the sync byte, up to the CRC's own, is in the CRC: one
                // update here rather than one per state (a multiplexer fewer between rx_data
                // and the CRC, the UP5K's critical path at 34.5 MHz).
                if (rx_valid && rstate != R_CRC) crc <= crc32(crc, rx_data);
            end
            case (rstate)
                R_SYNC: if (rx_valid && (start_request || start_load || start_check))
                    rstate <= start_request ? R_LEN0 : start_load ? R_LHEAD : R_CHEAD;
                R_CHEAD: if (rx_valid) begin
                    // The target, then the CRC.
                    ld_target     <= rx_data;
                    ld_word_last  <= target_last;
                    ld_depth      <= target_depth;
                    rstate        <= R_CRC;
                end
                R_LHEAD: if (rx_valid) begin
                    ld_head <= ld_head + 3'd1;
                    case (ld_head)
                        3'd0: begin
                            ld_target     <= rx_data;
                            ld_word_last  <= target_last;
                            ld_depth      <= target_depth;
                        end
                        3'd1: ld_addr[7:0]   <= rx_data;
                        3'd2: ld_addr[15:8]  <= rx_data;
                        3'd3: ld_addr[23:16] <= rx_data;
                        default: begin
                            ld_words        <= rx_data;
                            ld_words_left   <= rx_data;
                            ld_bytes_after  <= ld_word_last;
                            ld_count        <= {LOAD_INDEX_BITS{1'b0}};
                            rstate          <= R_LCOUNT;
                        end
                    endcase
                end
                R_LCOUNT: if (load_refused) begin
                    // The frame cannot be delimited (or is not worth it): answer now.
                    job_ready  <= 1'b1;
                    job_kind   <= J_REFUSE;
                    job_status <= ST_LOAD;
                    job_tag    <= 8'd0;
                    rstate     <= R_SYNC;
                end else begin
                    rstate     <= R_LDATA;
                end
                R_LDATA: if (rx_valid) begin
                    if ({{(32 - LOAD_INDEX_BITS){1'b0}}, ld_count} < LOAD_BUFFER) begin
                        load_buffer[ld_count[LOAD_ADDR_BITS-1:0]] <= rx_data;
                        ld_count <= ld_count + 1'b1;
                    end else begin
                        status <= ST_LOAD;
                    end
                    ld_bytes_after  <= bytes_after_next;
                    ld_words_left   <= words_left_next;
                    if (frame_last_byte) rstate <= R_CRC;
                end
                R_LEN0: if (rx_valid) begin
                    length_low  <= rx_data;
                    rstate      <= R_LEN1;
                end
                R_LEN1: if (rx_valid) begin
                    index        <= {(SRC_BITS + 1){1'b0}};
                    data_chunk   <= {CHUNK_BITS{1'b0}};
                    data_lane    <= {LANE_BITS{1'b0}};
                    mask_held    <= 1'b0;
                    if ({rx_data, length_low} != LENGTH) begin
                        // The rest of the request cannot be delimited: answer now.
                        job_ready  <= 1'b1;
                        job_kind   <= J_REFUSE;
                        job_status <= ST_LENGTH;
                        job_tag    <= 8'd0;
                        rstate     <= R_SYNC;
                    end else begin
                        rstate <= R_DATA;
                    end
                end
                R_DATA: begin
                    if (sparse && !mask_held && rx_valid) begin
                        mask      <= rx_data;
                        mask_held <= 1'b1;
                        mask_bit  <= 3'd0;
                    end
                    if (value_write) begin
                        if ({{(32 - LANE_BITS){1'b0}}, data_lane} == V - 1) begin
                            data_lane  <= {LANE_BITS{1'b0}};
                            data_chunk <= data_chunk + 1'b1;
                        end else begin
                            data_lane  <= data_lane + 1'b1;
                        end
                        if (!value_zero && value_too_big && status == ST_OK) status <= ST_VALUE;
                        mask     <= {1'b0, mask[7:1]};
                        mask_bit <= mask_bit + 3'd1;
                        if (mask_bit == 3'd7) mask_held <= 1'b0;
                        index <= index + 1'b1;
                        if (index == M - 1) begin
                            rstate <= R_CRC;
                            // The last group's bits past value M must be clear.
                            if (sparse && mask[7:1] != 7'd0 && status == ST_OK) status <= ST_LENGTH;
                        end
                    end
                end
                R_CRC: if (rx_valid) begin
                    // Four CRC bytes, lowest first, each against the CRC of the frame.
                    crc_byte <= crc_byte + 2'd1;
                    crc_bad  <= crc_differs;
                    if (crc_byte == 2'd3) begin
                        // The frame is whole: hand it over. A good request goes to the
                        // executor in its bank, and the next one is written to the other.
                        job_ready  <= 1'b1;
                        job_tag    <= rx_data;
                        job_status <= end_status;
                        job_bank   <= rx_bank;
                        rstate     <= R_SYNC;
                        case (frame_kind)
                            J_INFER: begin
                                job_kind <= frame_ok ? J_INFER : J_REFUSE;
                                if (frame_ok) rx_bank <= !rx_bank;
                            end
                            J_LOAD: begin
                                job_kind        <= frame_ok ? J_LOAD : J_REFUSE;
                                ld_count        <= {LOAD_INDEX_BITS{1'b0}};
                                ld_words_left   <= ld_words;
                                ld_bytes_after  <= ld_word_last;
                            end
                            default: begin
                                job_kind        <= frame_ok && !unknown_target ? J_CHECK : J_REFUSE;
                                if (frame_ok && unknown_target) job_status <= ST_LOAD;
                                ld_addr         <= 24'd0;
                                ld_bytes_after  <= ld_word_last;
                            end
                        endcase
                    end
                end
                default: rstate <= R_SYNC;
            endcase

            // ================= the executor =================
            // The input buffer's read address steps with every read (feed_read: X_LOAD's
            // and each chunk the core takes in X_FEED); X_IDLE sets it to the job's bank.
            if (feed_read) feed_addr <= feed_addr + 1'b1;
            stream_en    <= 1'b0;
            read_request <= 1'b0;
            if (xstate != X_ARGMAX) held_valid <= 1'b0;
            case (xstate)
                X_IDLE: if (job_ready) begin
                    // Take the job: every reply starts from zero scores and cycles.
                    job_ready    <= 1'b0;
                    reply_status <= job_status;
                    reply_tag    <= job_tag;
                    feed_addr    <= job_bank ? BANK_OFFSET : {ADDR_BITS{1'b0}};
                    feed_index   <= {(CHUNK_BITS + 1){1'b0}};
                    items_done   <= 32'd0;
                    cycles       <= 32'd0;
                    counting     <= 1'b0;
                    scan         <= {CLASS_BITS{1'b0}};
                    scores <= {(CLASSES*SCORE_BITS){1'b0}};
                    read_word    <= 1'b0;
                    case (job_kind)
                        J_INFER: if (weights_ready) begin
                            xstate <= X_LOAD;
                        end else begin
                            reply_status <= ST_UNLOADED;
                            xstate       <= X_ARGMAX;
                        end
                        J_LOAD:  xstate <= X_LCOMMIT;
                        J_CHECK: xstate <= X_CSUM;
                        default: xstate <= X_ARGMAX;
                    endcase
                end
                X_CSUM: begin
                    // One word at a time: ask for it, then fold its bytes into the CRC. The
                    // register holds the CRC inverted, so the initial value and the final
                    // xor (both all ones) cost no multiplexer: the inversions fold into the
                    // update's xor gates.
                    if (!read_word) begin
                        read_request <= 1'b1;
                        stream_addr  <= ld_addr;
                        read_word    <= 1'b1;
                    end
                    if (read_valid) begin
                        ld_bytes_after  <= bytes_after_next;
                        if (last_word_byte) begin
                            read_word <= 1'b0;
                            ld_addr   <= ld_addr_next;
                        end
                        cycles <= ~crc32(~cycles, read_byte);
                        if (last_word_byte && ld_addr_next == ld_depth) xstate <= X_ARGMAX;
                    end
                end
                X_LCOMMIT: begin
                    // One buffered byte per cycle, registered (a block RAM read) with its word
                    // address and whether it completes the word.
                    stream_en       <= 1'b1;
                    stream_byte     <= load_buffer[ld_count[LOAD_ADDR_BITS-1:0]];
                    stream_addr     <= ld_addr;
                    stream_word_end <= last_word_byte;
                    ld_count        <= ld_count + 1'b1;
                    ld_bytes_after  <= bytes_after_next;
                    ld_words_left   <= words_left_next;
                    if (last_word_byte) begin
                        ld_addr <= ld_addr_next;
                        if (!weights_ready) words_loaded <= words_loaded + 32'd1;
                    end
                    if (frame_last_byte) begin
                        cycles <= {24'd0, ld_words};
                        xstate <= X_ARGMAX;
                    end
                end
                X_LOAD: xstate <= X_FEED;
                X_FEED: if (in_ready) begin
                    feed_index <= feed_index + 1'b1;
                    if ({{(31 - CHUNK_BITS){1'b0}}, feed_index} == CHUNKS - 1) xstate <= X_WAIT;
                end
                X_ARGMAX: if (argmax_judge) begin
                    if (held_class == {CLASS_BITS{1'b0}}) held_better <= 1'b1;
                    else held_better <= held_score > best_score;
                    argmax_judge <= 1'b0;
                end else begin
                    // Read class `scan`; take the class judged the cycle before if better.
                    held_score <= scan_score;
                    held_class <= scan;
                    held_valid <= 1'b1;
                    if ({{(32 - CLASS_BITS){1'b0}}, scan} != CLASSES - 1) scan <= scan + 1'b1;
                    if (held_valid && held_better) begin
                        best_score <= held_score;
                        best_class <= held_class;
                    end
                    argmax_judge <= 1'b1;
                    if (held_valid && {{(32 - CLASS_BITS){1'b0}}, held_class} == CLASSES - 1) begin
                        argmax_judge <= 1'b0;
                        if (reply_status != ST_OK) best_class <= {CLASS_BITS{1'b0}};
                        xstate      <= X_TX;
                        tx_index    <= 8'd0;
                        tx_prepared <= 1'b0;
                        scan        <= {CLASS_BITS{1'b0}};
                        score_byte  <= 8'd0;
                        reply_crc   <= 32'hffffffff;
                    end
                end
                X_TX: if (!tx_prepared) begin
                    tx_byte     <= reply_byte;
                    tx_prepared <= 1'b1;
                end else if (tx_ready) begin
                    tx_prepared <= 1'b0;
                    if (tx_index != 8'd0 && tx_index < CRC_AT) reply_crc <= crc32(reply_crc, tx_byte);
                    if (tx_index >= 8'd8 && tx_index < CRC_AT) begin
                        if (score_byte == SCORE_BYTES - 1) begin
                            score_byte <= 8'd0;
                            scan       <= scan + 1'b1;
                        end else begin
                            score_byte <= score_byte + 8'd1;
                        end
                    end
                    if (tx_index == REPLY_BYTES - 1) xstate <= X_IDLE;
                    tx_index <= tx_index + 8'd1;
                end
                default: ;   // X_WAIT: below
            endcase

            // Running (X_FEED and X_WAIT): count cycles, collect scores, notice the end.
            if (xstate == X_FEED || xstate == X_WAIT) begin
                if (encoder_start && !counting) begin
                    counting <= 1'b1;
                    cycles   <= 32'd1;
                end else if (counting) begin
                    cycles <= cycles + 32'd1;
                end
                if (tap_emit_valid)
                    for (score_class = 0; score_class < CLASSES; score_class = score_class + 1)
                        if (tap_emit_hit[score_class])
                            scores[score_class*SCORE_BITS +: SCORE_BITS] <= READOUT != 0 ? readout_score
                                : scores[score_class*SCORE_BITS +: SCORE_BITS] + spike_value;
                if (last_item_done) begin
                    items_done <= items_done + 32'd1;
                    if (last_timestep) begin
                        counting  <= 1'b0;
                        finishing <= 1'b1;
                    end
                end
                if (finishing) begin
                    finishing <= 1'b0;
                    xstate    <= X_ARGMAX;
                    scan      <= {CLASS_BITS{1'b0}};
                end
            end
        end
    end
`ifdef SF_INVARIANT
    // ---- what every state reached from power-on satisfies (formal only) ----
    // Read by the mutation campaign's proofs alone (sim::mutation, Scope::Invariant),
    // which check it: it holds at power-on (every register 0) and a state that holds it
    // steps to one that holds it, whatever the inputs (a reset included). A mutant that
    // changes nothing in any such state is then equivalent (a counter's bit above the
    // count it can reach, a compare that differs only there). It names registers only:
    // the proof puts it on the next state as well as on the present one.
    localparam [31:0] SILENCE_LAST = TIMEOUT;
    localparam [31:0] CLASSES_WORD = CLASSES;   // after the last class, `scan` holds CLASSES in CLASS_BITS bits
    wire running_input = xstate == X_FEED || xstate == X_WAIT;
    wire loading_words = xstate == X_LCOMMIT || xstate == X_CSUM || (job_ready && (job_kind == J_LOAD || job_kind == J_CHECK));
    wire receiving_load = rstate == R_LHEAD || rstate == R_CHEAD || rstate == R_LCOUNT || rstate == R_LDATA
        || (rstate == R_CRC && frame_kind != J_INFER);
    // The load registers hold the table entry of the target they were read with (an
    // unknown target's is entry 0), or their reset value 0.
    function target_entry_held;
        input [7:0]           target;
        input [BYTE_BITS-1:0] word_last;
        input [23:0]          depth;
        integer t;
        reg [15:0] last16;
        begin
            target_entry_held = word_last == {BYTE_BITS{1'b0}} && depth == 24'd0;
            for (t = 0; t < LOAD_ENTRIES; t = t + 1) begin
                last16 = LOAD_WORD_BYTES[t*16 +: 16] - 16'd1;
                if (({24'd0, target} < LOAD_ENTRIES ? {24'd0, target} == t : t == 0)
                    && word_last == last16[BYTE_BITS-1:0] && depth == LOAD_DEPTH[t*24 +: 24])
                    target_entry_held = 1'b1;
            end
        end
    endfunction
    wire [31:0] tx_score_at = {{(32 - CLASS_BITS){1'b0}}, scan} * SCORE_BYTES + {24'd0, score_byte};
    (* keep *) wire invariant_holds =
        // The receiver's states are R_SYNC .. R_LCOUNT.
        rstate <= R_LCOUNT
        // A request's silence ends at TIMEOUT: R_SYNC then, or R_CRC a cycle later (a
        // sparse request's last values are written without a byte). R_LCOUNT is the
        // cycle after a byte.
        && (rstate == R_SYNC
            || (rstate == R_LCOUNT ? silence == 32'd0
                : rstate == R_CRC ? silence <= SILENCE_LAST + 32'd1 : silence <= SILENCE_LAST))
        // A load header has five bytes: R_LHEAD counts 0 .. 4, then one more.
        && ld_head <= 3'd5 && (rstate != R_LHEAD || ld_head <= 3'd4)
        // Timesteps of one input: fewer than T while it runs, T when its last is done
        // (`finishing`, only while running), one more at most if the core signals
        // again in that cycle; a new input starts from 0.
        && (xstate != X_LOAD || (items_done == 32'd0 && feed_index == {(CHUNK_BITS + 1){1'b0}}))
        && (!finishing || (running_input && items_done <= T))
        && (!running_input || finishing || items_done <= T - 1)
        && items_done <= T + 1
        // Chunks fed: fewer than CHUNKS while feeding, CHUNKS after.
        && {{(31 - CHUNK_BITS){1'b0}}, feed_index} <= CHUNKS
        && (xstate != X_FEED || {{(31 - CHUNK_BITS){1'b0}}, feed_index} <= CHUNKS - 1)
        // The argmax reads classes 0 .. CLASSES - 1, from 0 after a load or a weight CRC.
        && (xstate != X_ARGMAX || {{(32 - CLASS_BITS){1'b0}}, scan} <= CLASSES - 1)
        && (!(xstate == X_LCOMMIT || xstate == X_CSUM) || scan == {CLASS_BITS{1'b0}})
        // A reply is REPLY_BYTES bytes: before its scores the first class's first
        // byte is next, among them `scan` and `score_byte` name the byte being sent,
        // after them every class is sent.
        && {24'd0, tx_index} <= REPLY_BYTES
        && {24'd0, score_byte} <= SCORE_BYTES - 1
        && (xstate != X_TX
            || ({24'd0, tx_index} <= REPLY_BYTES - 1
                && (tx_index < 8'd8 ? scan == {CLASS_BITS{1'b0}} && score_byte == 8'd0
                    : tx_index < CRC_AT ? tx_score_at == {24'd0, tx_index} - 32'd8
                        && {{(32 - CLASS_BITS){1'b0}}, scan} <= CLASSES - 1
                    : score_byte == 8'd0 && scan == CLASSES_WORD[CLASS_BITS-1:0])))
        // Statuses are the protocol's: a frame's and a job's up to ST_LOAD, a reply's up to
        // ST_UNLOADED (the executor's own refusal).
        && status <= ST_LOAD && job_status <= ST_LOAD && reply_status <= ST_UNLOADED
        // Word writes are counted up to LOAD_TOTAL.
        && words_loaded <= LOAD_TOTAL
        && target_entry_held(ld_target, ld_word_last, ld_depth)
        // The frame being received is the kind its sync byte started.
        && (!(rstate == R_LEN0 || rstate == R_LEN1 || rstate == R_DATA) || frame_kind == J_INFER)
        && (!(rstate == R_LHEAD || rstate == R_LCOUNT || rstate == R_LDATA) || frame_kind == J_LOAD)
        && (rstate != R_CHEAD || frame_kind == J_CHECK)
        // A load or weight CRC request is received only while the executor idles with no
        // job waiting, and its job is taken at once.
        && (!receiving_load || (xstate == X_IDLE && !job_ready))
        && (!(job_ready && (job_kind == J_LOAD || job_kind == J_CHECK)) || xstate == X_IDLE)
        // A word's bytes count down from the target's word size while a load's data is
        // received or streamed, or a weight CRC reads.
        && (!(rstate == R_LCOUNT || rstate == R_LDATA || loading_words) || ld_bytes_after <= ld_word_last)
        // A load's data is received, and a load or a weight CRC runs, only for a target
        // the bridge has: what sf_weight_loader's proofs assume of load_en and read_en.
        && (!(rstate == R_LDATA || (rstate == R_CRC && frame_kind == J_LOAD) || loading_words
              || stream_en || read_request) || !unknown_target);
`endif
endmodule
