// sf_layer: one layer stage of the pipeline: P accumulate lanes, P neuron updates and the
// controller that runs them over the layer's G = ceil(N / P) neuron groups.
//
// Per item (input, timestep), after IDLE and START, for every group g:
//   REPLAY  E_in cycles: read every received event, in order; each lane adds
//           multiplier * W[source][g*P + lane]               (5-stage pipeline:
//           event register -> weight-row read -> row register -> scale (sf_lane) -> add;
//           the input slot is read one cycle ahead, so event 0 is read in the cycle
//           before the group's first REPLAY cycle: START or the ARM before)
//   DRAIN1..DRAIN4: the last event's add completes; the group's membranes and biases are read
//   UPDATE  1 cycle: neuron_integrate (sf_neuron.vh) for every lane, u registered;
//           accumulators cleared
//   WAIT    while group g - 1 still has events to send after this cycle (FIRE overwrites
//           the masks they are sent from)
//   FIRE    1 cycle: neuron_fire for every lane; membranes written back; spikes latched as
//           plane masks (two cycles rather than one halve the path from the membrane and
//           bias rows to the membrane write and the emission registers: it was the iCE40's
//           critical path)
//   ARM     1 cycle: the first pending event and whether there is any, from the latched
//           masks (in FIRE, after the firing, it was the Tang Nano 9K's critical path);
//           then group g + 1's REPLAY, while
//   EMIT    group g's ev_g events go out, one per cycle from the cycle after ARM, neuron
//           ascending, plane ascending, beside the controller
// after the last group's ARM, FLUSH waits for its emission (max(1, ev) cycles), then DONE
// commits the output slot and releases the input slot. Group g's ARM comes
// max(E_in + 7, ev_(g-1) + 2) cycles after group g - 1's (ev_(-1) = 0: START to group 0's
// ARM is E_in + 7). Cycles per item (ARCHITECTURE.md "Timing contract"; the constants are
// sf_defs.vh's SF_*_OVERHEAD and SF_EMIT_GAP):
// 2 + Σ_g max(E_in + 7, ev_(g-1) + 2) + max(1, ev_(G-1))
//
// With LATERAL = 1 (lateral connections R) every item takes the groups twice. Pass 0 is
// the above, except that FIRE stores the feedforward membrane u1 = decay(v) + b + acc
// and EMIT writes the provisional spikes fire(u1) into the layer's own lateral event
// buffer instead of the output. Pass 1 starts after pass 0's FLUSH: it replays those E1
// events through the lateral weight rows (rows M .. M+N-1 of the weight memory), UPDATE
// computes u = u1 + (acc << LAT_SHIFT), FIRE fires, resets and stores as usual, and EMIT
// sends the real spikes. Cycles per item:
// 2 + Σ_g max(E_in + 7, ev1_(g-1) + 2) + max(1, ev1_(G-1)) + Σ_g max(E1 + 7, ev_(g-1) + 2) + max(1, ev_(G-1))
//
// Memories (initialized from files written by hdl-gen, lane 0 in the low bits):
//   weights  G*S words of P*W_BITS, group-major: word g*S + source holds
//            W[source][g*P .. g*P+P-1], S = M rows per group (LATERAL: S = M + N, and word
//            g*S + M + k holds R[k][g*P .. g*P+P-1]). Group-major, the address is the
//            group's first word (a register, stepped by S) plus the event's row: no
//            multiplier (source*G + g took one of the UP5K's eight SB_MAC16)
//            With WEIGHTS_LOADED = 1 the weights are a RAM with one shared address port
//            and no initial contents (the shape of an iCE40 SPRAM, which a bitstream cannot
//            initialize): they are written through wt_wr_* while the layer is idle (the
//            board loads them over the UART) and read back through wt_rd_* (the board's
//            weight CRC). Simulations that skip the load define SF_PRELOAD_WEIGHTS to start
//            from WEIGHTS_FILE instead.
//   biases   G words of P*BIAS_BITS
//   membranes G words of P*MEM_BITS (stored post-reset membranes; t = 0 reads them as 0;
//            between the passes of a LATERAL layer, u1)
//   lateral events (LATERAL only) N*OUT_K words of {neg, sel, neuron}: pass 0's provisional
//            spikes in wire order
//
// Ports
//   clk          in   1               clock
//   rst          in   1               synchronous reset
//   in_full      in   1               the input slot holds this layer's next item
//   in_count     in   IN_COUNT_BITS   events in the input slot
//   in_rd_addr   out  IN_ADDR_BITS    event to read: k + 1 in REPLAY cycle k of a pass over the
//                                     input slot, 0 outside REPLAY (so event 0 in the cycle
//                                     before); in pass 1 of a LATERAL layer, unused
//   in_rd_data   in   IN_EVENT_BITS   event {neg, sel, source}, one cycle after in_rd_addr
//   in_release   out  1               done with the input slot
//   out_free     in   1               the output slot may be filled (ignored when HAS_OUT = 0)
//   out_wr_en    out  1               write out_event
//   out_event    out  OUT_EVENT_BITS  event {neg, sel, neuron}
//   out_commit   out  1               the item's events are complete
//   emit_valid   out  1               debug tap: an event (or, for readout, a score) this cycle
//   emit_neuron  out  NEURON_BITS     its neuron
//   emit_sel     out  OUT_SEL_BITS    its plane (plane codes) or value (payload codes)
//   emit_neg     out  1               negative ternary spike
//   score_value  out  MEM_BITS        readout layers: the neuron's membrane (its score)
//   item_done    out  1               debug tap: this is the DONE cycle of an item
//   item_t       out  T_BITS          the timestep of the item being processed
//   mem_tap_valid  out 1              simulation tap: the cycle after a FIRE that stored
//                                     final membranes (not pass 0 of a LATERAL layer)
//   mem_tap_neuron out NEURON_BITS    the neuron of lane 0 (group * P)
//   mem_tap_mask   out P              lanes holding a neuron (group * P + lane < N)
//   mem_tap_row    out P*MEM_BITS     their stored membranes v' (lane 0 in the low bits)
//   wt_wr_en     in   1               WEIGHTS_LOADED: write wt_wr_data at wt_wr_addr (only
//                                     while the layer is idle; ignored otherwise)
//   wt_wr_addr   in   WADDR_BITS      weight word address (g*S + source), of a write or a read
//   wt_wr_data   in   P*W_BITS        weight word, lane 0 in the low bits
//   wt_rd_en     in   1               WEIGHTS_LOADED: read the word at wt_wr_addr (only while
//                                     the layer is idle; ignored otherwise)
//   wt_rd_data   out  P*W_BITS        the word read, from the cycle after wt_rd_en until the
//                                     next read or inference (0 without WEIGHTS_LOADED)
module sf_layer #(
    parameter N = 4,                 // neurons
    parameter M = 4,                 // inputs
    parameter P = 2,                 // lanes
    parameter G = 2,                 // groups = ceil(N / P)
    parameter T = 1,                 // timesteps per input
    parameter T_BITS = 1,
    parameter G_BITS = 1,
    parameter SRC_BITS = 2,          // clog2(M), at least 1
    parameter NEURON_BITS = 2,       // clog2(N), at least 1
    // incoming code
    parameter IN_K = 1,
    parameter IN_SEL_BITS = 1,
    parameter IN_AMP_BITS = 9,
    parameter [IN_K*IN_AMP_BITS-1:0] IN_AMPS = 9'd1,
    parameter IN_PAYLOAD = 0,
    parameter IN_SIGNED  = 1,        // 0: no incoming event is negative (a non-ternary code)
    parameter IN_IS_IMAGE = 0,       // layer 0: the input slot holds all T timesteps
    parameter IN_ADDR_BITS = 4,
    parameter IN_COUNT_BITS = 5,
    parameter IN_EVENT_BITS = 1 + IN_SEL_BITS + SRC_BITS,
    // datapath
    parameter W_BITS = 8,
    parameter BIAS_BITS = 8,
    parameter ACC_BITS = 16,
    parameter MEM_BITS = 18,
    // neuron
    parameter KIND = 2,              // SF_KIND_* of sf_defs.vh: 0 binary LIF, 1 ternary, 2 integer, 3 readout
    parameter Q = 4,
    parameter MAX_SPIKE = 1,
    parameter DECAY_MODE = 0,        // 0 keep, 1 clear, 2 shift, 3 leak
    parameter DECAY_SHIFT = 1,
    parameter RESET_SOFT = 1,
    // outgoing code
    parameter OUT_K = 1,
    parameter OUT_SEL_BITS = 1,
    parameter OUT_VALUE_BITS = 1,
    parameter OUT_PAYLOAD = 0,
    parameter [(MAX_SPIKE+1)*OUT_K-1:0] OUT_MASKS = 2'b10,  // planes set for value v at [v*OUT_K +: OUT_K]
    parameter HAS_OUT = 1,
    parameter OUT_EVENT_BITS = 1 + OUT_SEL_BITS + NEURON_BITS,
    // lateral connections: the layer's own code feeds its lanes in pass 1
    parameter LATERAL = 0,
    parameter OUT_AMP_BITS = 1,
    parameter [OUT_K*OUT_AMP_BITS-1:0] OUT_AMPS = {(OUT_K*OUT_AMP_BITS){1'b1}},  // amplitude of plane k (plane codes)
    parameter LAT_ADDR_BITS = 1,     // clog2(N * OUT_K), at least 1
    parameter LAT_COUNT_BITS = 1,    // bits of a provisional event count 0..N*OUT_K
    parameter LAT_SHIFT = 0,         // the lateral sum is shifted left by this before it joins u1
    parameter WEIGHTS_LOADED = 0,    // 1: weights are a RAM written through wt_wr_*
    parameter WADDR_BITS = 1,        // clog2(M * G), at least 1
    parameter WEIGHTS_FILE = "weights.mem",
    parameter BIAS_FILE = "bias.mem"
) (
    input  wire                      clk,
    input  wire                      rst,
    input  wire                      in_full,
    input  wire [IN_COUNT_BITS-1:0]  in_count,
    output wire [IN_ADDR_BITS-1:0]   in_rd_addr,
    input  wire [IN_EVENT_BITS-1:0]  in_rd_data,
    output wire                      in_release,
    input  wire                      out_free,
    output wire                      out_wr_en,
    output wire [OUT_EVENT_BITS-1:0] out_event,
    output wire                      out_commit,
    output wire                      emit_valid,
    output wire [NEURON_BITS-1:0]    emit_neuron,
    output wire [OUT_SEL_BITS-1:0]   emit_sel,
    output wire                      emit_neg,
    output wire [MEM_BITS-1:0]       score_value,
    output wire                      item_done,
    output wire [T_BITS-1:0]         item_t,
    output wire                      mem_tap_valid,
    output wire [NEURON_BITS-1:0]    mem_tap_neuron,
    output wire [P-1:0]              mem_tap_mask,
    output wire [P*MEM_BITS-1:0]     mem_tap_row,
    input  wire                      wt_wr_en,
    input  wire [WADDR_BITS-1:0]     wt_wr_addr,
    input  wire [P*W_BITS-1:0]       wt_wr_data,
    input  wire                      wt_rd_en,
    output wire [P*W_BITS-1:0]       wt_rd_data
);
    `include "sf_defs.vh"
    localparam S_IDLE = 4'd0, S_START = 4'd1, S_REPLAY = 4'd2, S_DRAIN1 = 4'd3,
               S_DRAIN2 = 4'd4, S_DRAIN3 = 4'd5, S_DRAIN4 = 4'd6, S_UPDATE = 4'd7, S_FLUSH = 4'd8,
               S_DONE = 4'd9, S_FIRE = 4'd10, S_ARM = 4'd11, S_WAIT = 4'd12;
    localparam MASK_BITS = P * OUT_K;
    // The emission mask in blocks of BLOCK_LANES lanes (a power of two), about
    // sqrt(MASK_BITS) bits each, so the loop that finds the next event spans one block or
    // the BLOCKS blocks' summary bits, never the whole mask (see the emission below).
    localparam integer OUT_K_BITS      = $clog2(OUT_K);
    localparam integer BLOCK_LANE_WANT = ($clog2(MASK_BITS) + 1) / 2 - OUT_K_BITS;
    localparam integer BLOCK_LANE_BITS = BLOCK_LANE_WANT < 0 ? 0
                                       : BLOCK_LANE_WANT > $clog2(P) ? $clog2(P) : BLOCK_LANE_WANT;
    localparam BLOCK_LANES = 1 << BLOCK_LANE_BITS;
    localparam BLOCK_BITS  = BLOCK_LANES * OUT_K;
    localparam BLOCKS      = (P + BLOCK_LANES - 1) / BLOCK_LANES;
    localparam PAD_MASK    = BLOCKS * BLOCK_BITS;      // the mask, padding lanes never set
    localparam BLOCK_INDEX_BITS = BLOCK_LANE_BITS > 0 ? BLOCK_LANE_BITS : 1;
    localparam BLOCK_FIRST_BITS = BLOCK_INDEX_BITS + OUT_SEL_BITS;
    localparam BLOCKS_BITS = $clog2(BLOCKS) > 0 ? $clog2(BLOCKS) : 1;
    // An event's plane/value field and its count, wide enough for both passes.
    localparam SEL_BITS = LATERAL != 0 && OUT_SEL_BITS > IN_SEL_BITS ? OUT_SEL_BITS : IN_SEL_BITS;
    localparam COUNT_BITS = LATERAL != 0 && LAT_COUNT_BITS > IN_COUNT_BITS ? LAT_COUNT_BITS : IN_COUNT_BITS;
    localparam LAT_DEPTH = LATERAL != 0 ? N * OUT_K : 1;
    localparam LANE_BITS = $clog2(P) > 0 ? $clog2(P) : 1;
    localparam ROWS = M + (LATERAL != 0 ? N : 0);  // weight words per group (S)

    // ---------------------------------------------------------------- memories
    reg [P*W_BITS-1:0]    weights    [0:ROWS*G-1];
    reg [P*BIAS_BITS-1:0] bias_rom   [0:G-1];
    reg [P*MEM_BITS-1:0]  membranes  [0:G-1];
    initial $readmemh(BIAS_FILE, bias_rom);

    // ---------------------------------------------------------------- controller state
    reg [3:0]               state;
    reg [COUNT_BITS-1:0]    event_index;   // the event of this REPLAY cycle
    // The input slot's read address, one event ahead of event_index (0 outside REPLAY). The
    // event buffer's read lands in a block RAM's output latch, slow to leave (5.8 ns on the
    // ECP5); reading one cycle early lets a register (in_event) take it before it becomes
    // the weight memory's address, without a cycle more per group.
    reg [IN_ADDR_BITS-1:0]  read_index;
    reg [COUNT_BITS-1:0]    event_count;   // events of this item (of this pass)
    reg                     lateral_pass;  // LATERAL: pass 1, replaying the provisional spikes
    reg [COUNT_BITS-1:0]    lateral_count; // LATERAL: provisional events written in pass 0
    reg [G_BITS-1:0]        group;
    // group * P, the group's first neuron, kept beside group rather than multiplied: yosys
    // put the product in a DSP, and the readout's emitted neuron (group * P + lane) into
    // the board's class decode ran through it (the ECP5's critical path at 65.6 MHz).
    // (G - 1) * P < N: it fits NEURON_BITS.
    reg [NEURON_BITS-1:0]   group_first;
    // group * S, the group's first weight word, kept beside group for the same reason.
    reg [WADDR_BITS-1:0]    group_row;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0]             next_group_row = {{(32-WADDR_BITS){1'b0}}, group_row} + ROWS;
    /* verilator lint_on UNUSEDSIGNAL */
    // The first neuron of the group being emitted: the controller has moved on to the
    // next group by then.
    reg [NEURON_BITS-1:0]   emit_first_neuron;
    wire [31:0]             group_first32 = {{(32-NEURON_BITS){1'b0}}, group_first};
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0]             next_group_first = group_first32 + P;
    /* verilator lint_on UNUSEDSIGNAL */
    reg [T_BITS-1:0]        timestep;
    reg [PAD_MASK-1:0]      pending;       // planes still to emit, bit lane*OUT_K + plane
    reg [P-1:0]             pending_neg;
    reg [P*OUT_VALUE_BITS-1:0] pending_mag;
    reg [P*MEM_BITS-1:0]    pending_score;

    wire last_group    = {{(32-G_BITS){1'b0}}, group} == G - 1;
    wire last_timestep = {{(32-T_BITS){1'b0}}, timestep} == T - 1;
    wire next_is_last_event = event_index + 1'b1 == event_count;
    // read_index on entering REPLAY: event 0 is read in the cycle before, event 1 in the first.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] first_read32 = 32'd1;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [IN_ADDR_BITS-1:0] first_read = first_read32[IN_ADDR_BITS-1:0];
    // Emissions of pass 0 of a LATERAL layer go to the lateral buffer, not the output.
    wire provisional_pass = LATERAL != 0 && !lateral_pass;

    // ---------------------------------------------------------------- replay pipeline
    // stage 1 (REPLAY): the event, read the cycle before, is registered (in_event; the
    // lateral buffer is read in this cycle into its own register); stage 2: address its
    // weight row; stage 3: hold the row in a register (a block RAM's output is slow: on the
    // ECP5 the read feeding a DSP multiplier was the critical path); stages 4 and 5
    // (sf_lane): scale the weight by the event's amplitude or value, then add.
    reg                   stage2_valid;
    reg                   stage3_valid;
    reg [SEL_BITS-1:0]    stage3_sel;
    reg                   stage3_neg;
    reg [P*W_BITS-1:0]    weight_row;
    reg                   stage4_valid;
    reg [SEL_BITS-1:0]    stage4_sel;
    reg                   stage4_neg;
    reg [P*W_BITS-1:0]    weight_held;
    reg [P*BIAS_BITS-1:0] bias_row;
    reg [P*MEM_BITS-1:0]  membrane_row;
    reg [P*MEM_BITS-1:0]  u_row;         // UPDATE -> FIRE: every lane's u

    // ---- the event being read: from the input slot, or in pass 1 from the lateral buffer
    localparam LAT_EVENT_BITS = 1 + OUT_SEL_BITS + NEURON_BITS;
    reg [LAT_EVENT_BITS-1:0] lateral_rd_data;
    wire [NEURON_BITS-1:0]   lateral_neuron = lateral_rd_data[NEURON_BITS-1:0];
    wire [OUT_SEL_BITS-1:0]  lateral_sel    = lateral_rd_data[NEURON_BITS +: OUT_SEL_BITS];
    wire                     lateral_neg    = lateral_rd_data[LAT_EVENT_BITS-1];

    reg  [IN_EVENT_BITS-1:0] in_event;
    wire [SRC_BITS-1:0]    in_source = in_event[SRC_BITS-1:0];
    wire [IN_SEL_BITS-1:0] in_sel    = in_event[SRC_BITS +: IN_SEL_BITS];
    wire                   event_neg = lateral_pass ? lateral_neg : in_event[IN_EVENT_BITS-1];
    // The weight row: input i is row i, the lateral row of neuron k is row M + k.
    // 32-bit index arithmetic, truncated to the memory's address width (also for the plane
    // field: a width difference written as a replication would be negative in one of the
    // two directions, which Verilog does not allow even in the branch not taken).
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0]            event_sel32 = lateral_pass ? {{(32-OUT_SEL_BITS){1'b0}}, lateral_sel}
                                                      : {{(32-IN_SEL_BITS){1'b0}}, in_sel};
    wire [SEL_BITS-1:0]    event_sel = event_sel32[SEL_BITS-1:0];
    wire [31:0]            weight_source = lateral_pass ? M + {{(32-NEURON_BITS){1'b0}}, lateral_neuron}
                                                        : {{(32-SRC_BITS){1'b0}}, in_source};
    wire [31:0]            weight_addr  = {{(32-WADDR_BITS){1'b0}}, group_row} + weight_source;
    // (A replication of COUNT_BITS - IN_COUNT_BITS would be zero wide without LATERAL.)
    wire [31:0]            in_count32 = {{(32-IN_COUNT_BITS){1'b0}}, in_count};
    wire [31:0]            lateral_rd_addr = {{(32-COUNT_BITS){1'b0}}, event_index};
    wire [31:0]            lateral_wr_addr = {{(32-COUNT_BITS){1'b0}}, lateral_count};
    /* verilator lint_on UNUSEDSIGNAL */

    assign in_rd_addr = read_index;

    // Memories are read only when their data is used (read enables: less switching in
    // hardware, less work per cycle in simulation).
    generate
        if (WEIGHTS_LOADED != 0) begin : g_weight_ram
            // One address for reads and writes: what a single-port RAM (SPRAM) offers.
            // Writes and outside reads are taken only in IDLE, where no read is in flight
            // (stage2_valid is low) and weight_row holds nothing still needed: the next
            // REPLAY reads its rows afresh, so an outside read never disturbs inference.
            wire outside = (wt_wr_en || wt_rd_en) && state == S_IDLE;
            wire do_write = wt_wr_en && state == S_IDLE;
            wire [WADDR_BITS-1:0] weight_port_addr = outside ? wt_wr_addr : weight_addr[WADDR_BITS-1:0];
`ifdef SF_PRELOAD_WEIGHTS
            initial $readmemh(WEIGHTS_FILE, weights);
`endif
            always @(posedge clk) begin
                if (do_write) weights[weight_port_addr] <= wt_wr_data;
                else if (stage2_valid || outside) weight_row <= weights[weight_port_addr];
            end
            assign wt_rd_data = weight_row;
        end else begin : g_weight_rom
            initial $readmemh(WEIGHTS_FILE, weights);
            always @(posedge clk)
                if (stage2_valid) weight_row <= weights[weight_addr[WADDR_BITS-1:0]];
            // ROM layers have no write or read port.
            wire unused_write = ^{wt_wr_en, wt_wr_addr, wt_wr_data, wt_rd_en};
            assign wt_rd_data = {(P*W_BITS){1'b0}};
        end
    endgenerate

    always @(posedge clk) begin
        if (state == S_REPLAY) in_event <= in_rd_data;
        stage2_valid <= state == S_REPLAY;
        stage3_valid <= stage2_valid;
        if (stage2_valid) begin
            stage3_sel <= event_sel;
            stage3_neg <= event_neg;
        end
        stage4_valid <= stage3_valid;
        if (stage3_valid) begin
            stage4_sel  <= stage3_sel;
            stage4_neg  <= stage3_neg;
            weight_held <= weight_row;
        end
        if (state == S_DRAIN4) begin
            bias_row     <= bias_rom[group];
            membrane_row <= membranes[group];
        end
    end

    // ---------------------------------------------------------------- lanes
    wire                    clear_acc = state == S_UPDATE || rst;
    wire [P*ACC_BITS-1:0]   acc_row;

    genvar lane;
    generate
        for (lane = 0; lane < P; lane = lane + 1) begin : g_lane
            sf_lane #(
                .W_BITS(W_BITS), .SEL_BITS(SEL_BITS), .ACC_BITS(ACC_BITS), .K(IN_K),
                .AMP_BITS(IN_AMP_BITS), .AMPS(IN_AMPS), .PAYLOAD(IN_PAYLOAD), .SIGNED(IN_SIGNED),
                .LATERAL(LATERAL), .LAT_K(OUT_K), .LAT_AMP_BITS(OUT_AMP_BITS), .LAT_AMPS(OUT_AMPS),
                .LAT_PAYLOAD(OUT_PAYLOAD), .LAT_SIGNED(KIND == SF_KIND_TERNARY ? 1 : 0)
            ) u_lane (
                .clk(clk), .clear(clear_acc), .add_en(stage4_valid),
                .weight(weight_held[lane*W_BITS +: W_BITS]), .sel(stage4_sel), .neg(stage4_neg),
                .lateral(lateral_pass), .acc(acc_row[lane*ACC_BITS +: ACC_BITS])
            );
        end
    endgenerate

    // ---------------------------------------------------------------- neuron update
    `include "sf_neuron.vh"

    // ---------------------------------------------------------------- emission
    // The emitter sends the pending events lowest first (neuron ascending, plane
    // ascending), one per cycle, in whatever state the controller is in. Finding the next
    // one is a loop (clear the bit just sent, search the rest), and over a whole 512-bit
    // mask (128 lanes of 4 planes) it was the ECP5's critical path at 69 MHz. So the mask
    // is searched in BLOCKS blocks of BLOCK_LANES lanes, each with its own registered
    // result, and only the active block (the lowest with events left) steps:
    //   block_cur    per block, the one-hot of its lowest pending bit; it clears that bit
    //                when the block steps (one gate per bit: a decoder of the index in front
    //                of the search was the Tang Nano 9K's critical path at 69 MHz)
    //   block_first  its {lane in block, plane}; block_any, block_more: one, two or more
    //   block_active the active block, one-hot, and block_index its number
    // ARM steps every block (block_cur is zero there, so each searches its whole slice)
    // and picks the first block with an event; a cycle that sends an event steps the
    // active block and, when that block has nothing more, makes the next block with an
    // event active. The event sent is {block_index, block_first of that block}.
    reg  [PAD_MASK-1:0]                  block_cur;
    reg  [BLOCKS*BLOCK_FIRST_BITS-1:0]   block_first;
    reg  [BLOCKS-1:0]                    block_any;
    reg  [BLOCKS-1:0]                    block_more;
    reg  [BLOCKS-1:0]                    block_active;
    reg  [BLOCKS_BITS-1:0]               block_index;
    integer                              step_block;
    wire [PAD_MASK-1:0]                  pending_rest = pending & ~block_cur;
    wire [PAD_MASK-1:0]                  rest_lowest;
    wire [BLOCKS*BLOCK_FIRST_BITS-1:0]   rest_first;
    wire [BLOCKS-1:0]                    rest_any;
    wire [BLOCKS-1:0]                    rest_several;
    genvar blk;
    generate
        for (blk = 0; blk < BLOCKS; blk = blk + 1) begin : g_block
            sf_emit_search #(
                .LANES(BLOCK_LANES), .OUT_K(OUT_K), .OUT_SEL_BITS(OUT_SEL_BITS), .LANE_BITS(BLOCK_INDEX_BITS)
            ) u_search (
                .pending(pending_rest[blk*BLOCK_BITS +: BLOCK_BITS]),
                .lowest(rest_lowest[blk*BLOCK_BITS +: BLOCK_BITS]),
                .first(rest_first[blk*BLOCK_FIRST_BITS +: BLOCK_FIRST_BITS]),
                .any(rest_any[blk]),
                .several(rest_several[blk])
            );
        end
    endgenerate
    // Over the blocks: in ARM the blocks with any event (every block_cur is zero, and
    // block_any and block_active are zero from the last group's end), while emitting the
    // blocks after the active one that still have events.
    wire [BLOCKS-1:0] blocks_waiting = state == S_ARM ? rest_any : block_any & ~block_active;
    wire [BLOCKS-1:0] next_block;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [BLOCKS_BITS:0] next_block_first;   // {index, plane}: the plane bit is always 0
    wire                 next_block_several;
    /* verilator lint_on UNUSEDSIGNAL */
    wire                 blocks_waiting_any;
    sf_emit_search #(
        .LANES(BLOCKS), .OUT_K(1), .OUT_SEL_BITS(1), .LANE_BITS(BLOCKS_BITS)
    ) u_block_search (
        .pending(blocks_waiting), .lowest(next_block), .first(next_block_first),
        .any(blocks_waiting_any), .several(next_block_several)
    );
    // pending_any: an event is being sent this cycle (set in ARM and by the emitter). It always
    // equals block_active != 0, kept as a register because it gates the output buffer's
    // write pointer (a reduction there was the Tang Nano 9K's critical path at 58.9 MHz).
    reg  pending_any;
    // "This is the group's last event" from registers only: through blocks_waiting, ARM's
    // search of the mask would sit in front of the state (the Tang Nano 9K's critical path
    // at 74 MHz), although it is masked off while emitting.
    wire active_more = (block_active & block_more) != {BLOCKS{1'b0}};
    wire others_wait = (block_any & ~block_active) != {BLOCKS{1'b0}};
    wire emitting    = pending_any;
    wire emit_last   = !active_more && !others_wait;
    // The emission runs beside the controller: group g's events go out while group g + 1
    // replays. Group g + 1's FIRE, which overwrites the masks, waits (S_WAIT) until this
    // cycle is not one that emits with more to come.
    wire emit_busy   = emitting && !emit_last;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [BLOCK_FIRST_BITS-1:0] emit_first = block_first[block_index*BLOCK_FIRST_BITS +: BLOCK_FIRST_BITS];
    wire [31:0] emit_lane32 = {{(32-BLOCKS_BITS){1'b0}}, block_index} * BLOCK_LANES
                            + {{(32-BLOCK_INDEX_BITS){1'b0}}, emit_first[OUT_SEL_BITS +: BLOCK_INDEX_BITS]};
    /* verilator lint_on UNUSEDSIGNAL */
    wire [LANE_BITS-1:0]    emit_lane  = emit_lane32[LANE_BITS-1:0];
    wire [OUT_SEL_BITS-1:0] emit_plane = emit_first[OUT_SEL_BITS-1:0];
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] neuron_index = {{(32-NEURON_BITS){1'b0}}, emit_first_neuron} + {{(32-LANE_BITS){1'b0}}, emit_lane};
    /* verilator lint_on UNUSEDSIGNAL */

    assign emit_valid  = emitting && !provisional_pass;
    assign emit_neuron = neuron_index[NEURON_BITS-1:0];
    assign emit_sel    = OUT_PAYLOAD != 0 ? pending_mag[emit_lane*OUT_VALUE_BITS +: OUT_SEL_BITS] : emit_plane;
    assign emit_neg    = pending_neg[emit_lane];
    assign score_value = pending_score[emit_lane*MEM_BITS +: MEM_BITS];
    assign out_wr_en   = emitting && HAS_OUT != 0 && !provisional_pass;
    assign out_event   = {emit_neg, emit_sel, emit_neuron};
    assign out_commit  = state == S_DONE && HAS_OUT != 0;
    assign in_release  = state == S_DONE && (IN_IS_IMAGE == 0 || last_timestep);
    assign item_done   = state == S_DONE;
    assign item_t      = timestep;

    // ---- the lateral buffer: written by pass 0's emission, read (registered) in pass 1's REPLAY
    wire [COUNT_BITS-1:0] lateral_next  = lateral_count + 1'b1;
    wire [COUNT_BITS-1:0] lateral_total = emitting ? lateral_next : lateral_count;
    generate
        if (LATERAL != 0) begin : g_lateral_buffer
            reg [LAT_EVENT_BITS-1:0] lateral_events [0:LAT_DEPTH-1];
            always @(posedge clk) begin
                if (emitting && provisional_pass)
                    lateral_events[lateral_wr_addr[LAT_ADDR_BITS-1:0]] <= out_event;
                if (state == S_REPLAY && lateral_pass)
                    lateral_rd_data <= lateral_events[lateral_rd_addr[LAT_ADDR_BITS-1:0]];
            end
        end else begin : g_no_lateral_buffer
            always @(posedge clk) lateral_rd_data <= {LAT_EVENT_BITS{1'b0}};
        end
    endgenerate

    // FIRE-cycle temporaries: blocking assignments inside the clocked block keep the
    // neuron update off every other cycle (see sf_neuron.vh).
    integer                      u_lane;
    reg [NEURON_RESULT_BITS-1:0] u_result;
    reg [OUT_VALUE_BITS-1:0]     u_mag;
    reg                          u_exists;
`ifndef SYNTHESIS
    reg [P-1:0]                  u_exists_row;  // the membrane tap's mask (below)
`endif
    reg [P*MEM_BITS-1:0]         u_stored_row;
    reg [PAD_MASK-1:0]           u_masks;

    // ---- the membrane tap: simulation only. Co-simulation folds every membrane the update
    // writes into a digest (sim/src/membrane.rs) and compares it with the golden model's.
    // Registered because the row is computed inside the clocked FIRE branch: the tap shows
    // it in the ARM cycle.
`ifdef SYNTHESIS
    // yosys defines SYNTHESIS: the tap is not elaborated, so synthesis sees none of it.
    assign mem_tap_valid  = 1'b0;
    assign mem_tap_neuron = {NEURON_BITS{1'b0}};
    assign mem_tap_mask   = {P{1'b0}};
    assign mem_tap_row    = {(P*MEM_BITS){1'b0}};
`else
    reg                   tap_valid;
    reg [NEURON_BITS-1:0] tap_neuron;
    reg [P-1:0]           tap_mask;
    reg [P*MEM_BITS-1:0]  tap_row;
    assign mem_tap_valid  = tap_valid;
    assign mem_tap_neuron = tap_neuron;
    assign mem_tap_mask   = tap_mask;
    assign mem_tap_row    = tap_row;
`endif

    // ---------------------------------------------------------------- controller
    always @(posedge clk) begin
`ifndef SYNTHESIS
        tap_valid <= 1'b0;
`endif
        if (rst) begin
            state       <= S_IDLE;
            event_index <= {COUNT_BITS{1'b0}};
            read_index  <= {IN_ADDR_BITS{1'b0}};
            event_count <= {COUNT_BITS{1'b0}};
            lateral_pass  <= 1'b0;
            lateral_count <= {COUNT_BITS{1'b0}};
            group       <= {G_BITS{1'b0}};
            group_first <= {NEURON_BITS{1'b0}};
            group_row   <= {WADDR_BITS{1'b0}};
            timestep    <= {T_BITS{1'b0}};
            pending     <= {PAD_MASK{1'b0}};
            pending_any <= 1'b0;
            block_cur    <= {PAD_MASK{1'b0}};
            block_any    <= {BLOCKS{1'b0}};
            block_more   <= {BLOCKS{1'b0}};
            block_active <= {BLOCKS{1'b0}};
        end else begin
            // ---- the emitter, in any state: the active block steps (its sent bit cleared,
            // its next one found) and, when it has nothing more, the next block with events
            // becomes active.
            if (emitting) begin
                for (step_block = 0; step_block < BLOCKS; step_block = step_block + 1)
                    if (block_active[step_block]) begin
                        pending[step_block*BLOCK_BITS +: BLOCK_BITS]
                            <= pending_rest[step_block*BLOCK_BITS +: BLOCK_BITS];
                        block_cur[step_block*BLOCK_BITS +: BLOCK_BITS]
                            <= rest_lowest[step_block*BLOCK_BITS +: BLOCK_BITS];
                        block_first[step_block*BLOCK_FIRST_BITS +: BLOCK_FIRST_BITS]
                            <= rest_first[step_block*BLOCK_FIRST_BITS +: BLOCK_FIRST_BITS];
                        block_any[step_block]  <= block_more[step_block];
                        block_more[step_block] <= rest_several[step_block];
                    end
                if (!active_more) begin
                    block_active <= next_block;
                    block_index  <= next_block_first[1 +: BLOCKS_BITS];
                end
                pending_any <= !emit_last;
                if (provisional_pass) lateral_count <= lateral_next;
            end
            // ---- the controller (FIRE and ARM never meet an emission: see S_WAIT)
            case (state)
                S_IDLE: if (in_full && (out_free || HAS_OUT == 0)) state <= S_START;
                S_START: begin
                    event_count <= in_count32[COUNT_BITS-1:0];
                    event_index <= {COUNT_BITS{1'b0}};
                    // read_index stays 0 outside REPLAY: START's and ARM's reads are event 0.
                    if (in_count != {IN_COUNT_BITS{1'b0}}) read_index <= first_read;
                    lateral_pass  <= 1'b0;
                    lateral_count <= {COUNT_BITS{1'b0}};
                    group       <= {G_BITS{1'b0}};
                    group_first <= {NEURON_BITS{1'b0}};
                    group_row   <= {WADDR_BITS{1'b0}};
                    state       <= in_count == {IN_COUNT_BITS{1'b0}} ? S_DRAIN1 : S_REPLAY;
                end
                S_REPLAY: begin
                    event_index <= event_index + 1'b1;
                    read_index  <= next_is_last_event ? {IN_ADDR_BITS{1'b0}} : read_index + 1'b1;
                    if (next_is_last_event) state <= S_DRAIN1;
                end
                S_DRAIN1: state <= S_DRAIN2;
                S_DRAIN2: state <= S_DRAIN3;
                S_DRAIN3: state <= S_DRAIN4;
                S_DRAIN4: state <= S_UPDATE;
                S_UPDATE: begin
                    for (u_lane = 0; u_lane < P; u_lane = u_lane + 1)
                        u_row[u_lane*MEM_BITS +: MEM_BITS] <= neuron_integrate(
                            timestep == {T_BITS{1'b0}},
                            acc_row[u_lane*ACC_BITS +: ACC_BITS],
                            bias_row[u_lane*BIAS_BITS +: BIAS_BITS],
                            membrane_row[u_lane*MEM_BITS +: MEM_BITS],
                            lateral_pass);
                    state <= emit_busy ? S_WAIT : S_FIRE;
                end
                S_FIRE: begin
                    /* verilator lint_off BLKSEQ */
                    u_masks = {PAD_MASK{1'b0}};
                    for (u_lane = 0; u_lane < P; u_lane = u_lane + 1) begin
                        u_result = neuron_fire(u_row[u_lane*MEM_BITS +: MEM_BITS]);
                        u_mag = u_result[OUT_VALUE_BITS-1:0];
                        // Padding lanes of the last group (neuron >= N) never emit.
                        u_exists = group_first32 + u_lane < N;
`ifndef SYNTHESIS
                        // Under synthesis even this unread temporary cost ~40 LUT4 (yosys
                        // keeps the blocking assignment's mux chain).
                        u_exists_row[u_lane] = u_exists;
`endif
                        // Pass 0 of a LATERAL layer keeps u1 for pass 1: no reset yet.
                        u_stored_row[u_lane*MEM_BITS +: MEM_BITS] = provisional_pass
                            ? u_result[OUT_VALUE_BITS+1+MEM_BITS +: MEM_BITS]
                            : u_result[OUT_VALUE_BITS+1 +: MEM_BITS];
                        if (KIND == SF_KIND_READOUT)
                            u_masks[u_lane*OUT_K +: OUT_K] = {OUT_K{u_exists && last_timestep}};
                        else if (OUT_PAYLOAD != 0)
                            u_masks[u_lane*OUT_K +: OUT_K] = {OUT_K{u_exists && u_mag != 0}};
                        else
                            u_masks[u_lane*OUT_K +: OUT_K] = u_exists ? OUT_MASKS[u_mag*OUT_K +: OUT_K] : {OUT_K{1'b0}};
                        pending_neg[u_lane] <= u_result[OUT_VALUE_BITS];
                        pending_mag[u_lane*OUT_VALUE_BITS +: OUT_VALUE_BITS] <= u_mag;
                        pending_score[u_lane*MEM_BITS +: MEM_BITS] <= u_result[OUT_VALUE_BITS+1+MEM_BITS +: MEM_BITS];
                    end
                    /* verilator lint_on BLKSEQ */
                    membranes[group] <= u_stored_row;
`ifndef SYNTHESIS
                    tap_valid  <= !provisional_pass;
                    tap_neuron <= group_first;
                    tap_mask   <= u_exists_row;
                    tap_row    <= u_stored_row;
`endif
                    pending <= u_masks;
                    state <= S_ARM;
                end
                S_ARM: begin
                    // block_cur is zero here: every block searches its whole slice.
                    block_cur    <= rest_lowest;
                    block_first  <= rest_first;
                    block_any    <= rest_any;
                    block_more   <= rest_several;
                    block_active <= next_block;
                    block_index  <= next_block_first[1 +: BLOCKS_BITS];
                    pending_any  <= blocks_waiting_any;
                    emit_first_neuron <= group_first;
                    // On to the next group at once: this one's events go out meanwhile.
                    event_index <= {COUNT_BITS{1'b0}};
                    if (last_group) state <= S_FLUSH;
                    else begin
                        group       <= group + 1'b1;
                        group_first <= next_group_first[NEURON_BITS-1:0];
                        group_row   <= next_group_row[WADDR_BITS-1:0];
                        if (event_count != {COUNT_BITS{1'b0}}) read_index <= first_read;
                        state <= event_count == {COUNT_BITS{1'b0}} ? S_DRAIN1 : S_REPLAY;
                    end
                end
                S_WAIT: if (!emit_busy) state <= S_FIRE;
                S_FLUSH: if (!emit_busy) begin
                    // The last group's events are out (or go out this cycle).
                    if (provisional_pass) begin
                        // Pass 1: replay the provisional spikes, group 0 first.
                        lateral_pass <= 1'b1;
                        group        <= {G_BITS{1'b0}};
                        group_first  <= {NEURON_BITS{1'b0}};
                        group_row    <= {WADDR_BITS{1'b0}};
                        event_count  <= lateral_total;
                        state        <= lateral_total == {COUNT_BITS{1'b0}} ? S_DRAIN1 : S_REPLAY;
                    end else state <= S_DONE;
                end
                default: begin  // S_DONE
                    timestep <= last_timestep ? {T_BITS{1'b0}} : timestep + 1'b1;
                    state    <= S_IDLE;
                end
            endcase
        end
    end
`ifdef SF_INVARIANT
    // ---- what every state reached from power-on satisfies (formal only) ----
    // Read by the mutation campaign's proofs alone (sim::mutation, Scope::Invariant; the
    // convention is sf_uart_bridge.v's): it holds at power-on (every register 0) and a
    // state that holds it steps to one that holds it, whatever the inputs (a reset
    // included). Registers only.
    //
    // The emitter's registers follow the mask: outside ARM (where FIRE has just written a
    // new mask and the blocks are still empty) each block's one-hot, first event and
    // "one or several pending" bits are those of its slice of `pending`, the active block
    // is the lowest block with an event left, and an event is sent exactly when one is
    // active. FIRE and ARM never meet an emission (S_WAIT sees to it).
    function block_follows_mask;
        input [BLOCK_BITS-1:0]       bits;    // the block's slice of pending
        input [BLOCK_BITS-1:0]       cur;     // its block_cur
        input                        any;     // its block_any
        input                        more;    // its block_more
        input [BLOCK_FIRST_BITS-1:0] first;   // its block_first: {lane in block, plane}
        reg   [BLOCK_BITS-1:0]       rest;
        reg   [31:0]                 at;      // the bit's index in the block
        begin
            rest = bits & (bits - 1'b1);  // without its lowest bit
            at = {{(32-BLOCK_INDEX_BITS){1'b0}}, first[OUT_SEL_BITS +: BLOCK_INDEX_BITS]} * OUT_K
               + {{(32-OUT_SEL_BITS){1'b0}}, first[OUT_SEL_BITS-1:0]};
            block_follows_mask = cur == (bits & ~rest) && any == (bits != {BLOCK_BITS{1'b0}})
                && more == (rest != {BLOCK_BITS{1'b0}}) && (!any || cur == ({BLOCK_BITS{1'b0}} | 1'b1) << at);
        end
    endfunction
    wire [BLOCKS-1:0] blocks_follow;
    genvar follow_block;
    generate
        for (follow_block = 0; follow_block < BLOCKS; follow_block = follow_block + 1) begin : g_follows
            assign blocks_follow[follow_block] = block_follows_mask(
                pending[follow_block*BLOCK_BITS +: BLOCK_BITS], block_cur[follow_block*BLOCK_BITS +: BLOCK_BITS],
                block_any[follow_block], block_more[follow_block],
                block_first[follow_block*BLOCK_FIRST_BITS +: BLOCK_FIRST_BITS]);
        end
    endgenerate
    wire [BLOCKS-1:0]   lowest_busy = block_any & ~(block_any - 1'b1);
    wire [PAD_MASK-1:0] real_bits   = {PAD_MASK{1'b1}} >> (PAD_MASK - MASK_BITS);
    (* keep *) wire invariant_holds =
        // The controller's states are S_IDLE .. S_WAIT.
        state <= S_WAIT
        // Padding lanes never hold an event.
        && (pending & ~real_bits) == {PAD_MASK{1'b0}}
        && (!(state == S_FIRE || state == S_ARM) || !pending_any)
        && (state == S_ARM
            ? block_cur == {PAD_MASK{1'b0}} && block_any == {BLOCKS{1'b0}} && block_more == {BLOCKS{1'b0}}
              && block_active == {BLOCKS{1'b0}}
            : &blocks_follow && block_active == lowest_busy)
        && pending_any == (block_active != {BLOCKS{1'b0}})
        && (block_active == {BLOCKS{1'b0}}
            || block_active == ({BLOCKS{1'b0}} | 1'b1) << block_index)
        // Only a ternary neuron fires a negative spike.
        && (KIND == SF_KIND_TERNARY || pending_neg == {P{1'b0}});
`endif
endmodule
