// sf_conv: one conv layer stage of the pipeline, event driven, with an optional pooling
// layer fused into its output (ARCHITECTURE.md "Timing contract", conv stages).
//
// P lanes run over the output channels (G = ceil(CO / P) channel groups; lane p of group g
// is channel g*P + p). Each lane keeps its membranes in B banks interleaved by output
// column: bank b holds the columns ox with ox mod B = b, word (g*HO + oy)*WB + ox/B. A
// membrane word holds the value the next update reads as u before this timestep's events
// are added: decay(v) + bias (the bias of the first timestep, after a reset or the last
// timestep of an input), so the scatter adds weights straight into it and the update pass
// needs no accumulator memory.
//
// Two engines work on an item (input, timestep) one after the other, each passing through
// IDLE between items:
//   the scatter engine, after START:
//   FETCH    1 cycle: the first event is read (its row and column table entries looked up)
//   SCATTER  for every received event, for every channel group, max(1, rows) cycles: one
//            cycle per kernel row ky whose output row oy exists; every lane adds the
//            event's weights W[c][ky][kx][o] of that row (all kx at once: each valid tap
//            lands in its own bank) into the membranes (5-stage pipeline: weight read ->
//            row register -> scale -> membrane read and bank routing -> add and write;
//            back-to-back writes to one word are forwarded)
//   DRAIN1..DRAIN4: the last event's writes complete; DRAIN4 releases the input slot
//   the update pass:
//   PREREAD  1 cycle: the first membrane word of the update pass is read
//   PASS     for every channel o, row oy, word w (channel-major raster order) max(1, ev_w,
//            pev_w) cycles: the first updates the word's B neurons (fire, reset, then
//            store decay(v') + bias, or bias at the last timestep) and reads the next word;
//            the word's events are emitted one per cycle (column ascending, plane
//            ascending), the last of them in the cycle that updates the next word; pev_w
//            are the events of the max pooling windows the word completes, emitted beside
//            them on the pool's own port; then one tail cycle emitting the last events
//   DONE     commits the output slot
// Scatter: 6 + G*Σ_e max(1, rows_e) cycles from START; pass: 3 + Σ_w max(1, ev_w, pev_w)
// from PREREAD. The scatter of an item starts once its input slot is full and its
// membrane set is ready; the pass, once the item is scattered, the previous pass is DONE
// and the output slot is free. With SETS = 2 an input's timesteps use set input mod 2:
// the next input's scatter runs beside this input's last pass. After a reset, INIT writes
// every membrane word (of both sets at once) with its bias (G*HO*WB cycles).
//
// Fused pooling (POOL): sum pooling (1) renames every conv event's source to its window
// (no cycles); max pooling (2) keeps the running maximum of each window of the current
// band of PK rows (B must be a multiple of PK, so a word holds whole windows) and emits a
// window's maximum, in the conv's code, when the word completing it is updated. Only the
// pooled events go to the output buffer; the conv's own events still appear on its tap.
//
// Tables (generated from the geometry, ARCHITECTURE.md "Integer contract", Conv2d):
//   Y_TABLE  per input row y, YE bits {count, first_out, first_tap}: kernel rows
//            first_tap + i*S reach output rows first_out - i, i < count
//   X_TABLE  per input column x and bank b, XE bits {valid, tap, word}: the kernel column
//            whose output column lands in bank b, and that column's word in the row
//
// Memories:
//   weights   C*K*G words of K*P*W_BITS: word (c*K + ky)*G + g holds W[c][ky][kx][g*P + p]
//             at bits (kx*P + p)*W_BITS
//   biases    G words of P*BIAS_BITS
//   membranes SETS*P*B banks of G*HO*WB words of MEM_BITS
//
// Event sources: packed {c, y, x} coordinates into a conv stage (every conv stage reads
// them; OUT_PACKED writes them for a conv consumer), else the flat channel-major index.
//
// Ports
//   clk              in   1               clock
//   rst              in   1               synchronous reset (then INIT)
//   in_full          in   1               the input slot holds this layer's next item
//   in_count         in   IN_COUNT_BITS   events in the input slot
//   in_rd_addr       out  IN_ADDR_BITS    event to read
//   in_rd_data       in   IN_EVENT_BITS   event {neg, sel, source}, one cycle after in_rd_addr
//   in_release       out  1               done with the input slot (the scatter's DRAIN4)
//   out_free         in   1               the output slot may be filled (ignored when HAS_OUT = 0)
//   out_wr_en        out  1               write out_event
//   out_event        out  OUT_EVENT_BITS  event {neg, sel, source}
//   out_commit       out  1               the item's events are complete
//   emit_valid       out  1               debug tap: a conv event (or readout score) this cycle
//   emit_neuron      out  NEURON_BITS     its neuron (flat, channel-major)
//   emit_sel         out  OUT_SEL_BITS    its plane (plane codes) or value (payload codes)
//   emit_neg         out  1               negative ternary spike
//   score_value      out  MEM_BITS        readout layers: the neuron's membrane (its score)
//   pool_emit_valid  out  1               debug tap: a pooled event this cycle (POOL != 0)
//   pool_emit_neuron out  POOL_NEURON_BITS its pooled output (flat, channel-major)
//   pool_emit_sel    out  OUT_SEL_BITS    its plane or value
//   pool_emit_neg    out  1               negative ternary spike
//   item_done        out  1               debug tap: this is the DONE cycle of an item
//   item_t           out  T_BITS          the timestep of the item being updated
//   mem_tap_valid    out  1               simulation tap: this cycle updates a word
//   mem_tap_neuron   out  NEURON_BITS     the neuron of its column 0 (flat, channel-major)
//   mem_tap_mask     out  B               columns that exist (< WO)
//   mem_tap_row      out  B*MEM_BITS      their membranes v' after fire and reset (column 0
//                                         in the low bits; what is stored is decay(v') + bias)
module sf_conv #(
    // geometry
    parameter C = 1,                 // input channels
    parameter H = 4,                 // input rows
    parameter W = 4,                 // input columns
    parameter CO = 2,                // output channels
    parameter HO = 4,                // output rows
    parameter WO = 4,                // output columns
    parameter K = 3,                 // kernel side
    parameter S = 1,                 // stride (padding lives in the tables)
    parameter P = 2,                 // channel lanes
    parameter G = 1,                 // channel groups = ceil(CO / P)
    parameter B = 3,                 // membrane banks per lane (column interleave)
    parameter SETS = 2,              // membrane sets: 2 lets the scatter of the next input
                                     // run beside the update pass of this one
    parameter WB = 2,                // words per output row = ceil(WO / B)
    parameter T = 1,                 // timesteps per input
    parameter T_BITS = 1,
    // tables
    parameter TAP_BITS = 2,          // clog2(K), at least 1
    parameter OY_BITS = 2,           // clog2(HO), at least 1
    parameter CNT_BITS = 2,          // clog2(K + 1)
    parameter WORD_BITS = 1,         // clog2(WB), at least 1
    parameter YE = CNT_BITS + OY_BITS + TAP_BITS,
    parameter XE = 1 + TAP_BITS + WORD_BITS,
    parameter [H*YE-1:0] Y_TABLE = 0,
    parameter [W*B*XE-1:0] X_TABLE = 0,
    // incoming events
    parameter IN_C_BITS = 1,
    parameter IN_Y_BITS = 2,
    parameter IN_X_BITS = 2,
    parameter IN_K = 1,
    parameter IN_SEL_BITS = 1,
    parameter IN_AMP_BITS = 9,
    parameter [IN_K*IN_AMP_BITS-1:0] IN_AMPS = 9'd1,
    parameter IN_PAYLOAD = 0,
    parameter IN_SIGNED  = 1,        // 0: no incoming event is negative (a non-ternary code)
    parameter IN_IS_IMAGE = 0,       // layer 0: the input slot holds all T timesteps
    parameter IN_ADDR_BITS = 4,
    parameter IN_COUNT_BITS = 5,
    parameter SRC_BITS = IN_C_BITS + IN_Y_BITS + IN_X_BITS,
    parameter IN_EVENT_BITS = 1 + IN_SEL_BITS + SRC_BITS,
    // datapath
    parameter W_BITS = 8,
    parameter BIAS_BITS = 8,
    parameter MEM_BITS = 18,
    // neuron
    parameter KIND = 2,              // SF_KIND_* of sf_defs.vh
    parameter Q = 4,
    parameter MAX_SPIKE = 1,
    parameter DECAY_MODE = 0,        // 0 keep, 1 clear, 2 shift, 3 leak
    parameter DECAY_SHIFT = 1,
    parameter RESET_SOFT = 1,
    // outgoing code and events
    parameter OUT_K = 1,
    parameter OUT_SEL_BITS = 1,
    parameter OUT_VALUE_BITS = 1,
    parameter OUT_PAYLOAD = 0,
    parameter [(MAX_SPIKE+1)*OUT_K-1:0] OUT_MASKS = 2'b10,  // planes set for value v at [v*OUT_K +: OUT_K]
    parameter NEURON_BITS = 6,       // clog2(CO*HO*WO)
    parameter HAS_OUT = 1,
    parameter OUT_PACKED = 0,        // the consumer is a conv stage: sources {c, y, x}
    parameter OUT_Y_BITS = 2,        // packed widths of the stage's output (after pooling)
    parameter OUT_X_BITS = 2,
    parameter OUT_SRC_BITS = 6,
    parameter OUT_EVENT_BITS = 1 + OUT_SEL_BITS + OUT_SRC_BITS,
    // fused pooling
    parameter POOL = 0,              // 0 none, 1 sum, 2 max
    parameter PK = 1,                // pooling window side (divides B, HO and WO)
    parameter WP = 4,                // pooled columns WO / PK
    parameter POOL_NEURON_BITS = 1,  // clog2(CO*HP*WP)
    parameter WEIGHTS_FILE = "weights.mem",
    parameter BIAS_FILE = "bias.mem"
) (
    input  wire                        clk,
    input  wire                        rst,
    input  wire                        in_full,
    input  wire [IN_COUNT_BITS-1:0]    in_count,
    output wire [IN_ADDR_BITS-1:0]     in_rd_addr,
    input  wire [IN_EVENT_BITS-1:0]    in_rd_data,
    output wire                        in_release,
    input  wire                        out_free,
    output wire                        out_wr_en,
    output wire [OUT_EVENT_BITS-1:0]   out_event,
    output wire                        out_commit,
    output wire                        emit_valid,
    output wire [NEURON_BITS-1:0]      emit_neuron,
    output wire [OUT_SEL_BITS-1:0]     emit_sel,
    output wire                        emit_neg,
    output wire [MEM_BITS-1:0]         score_value,
    output wire                        pool_emit_valid,
    output wire [POOL_NEURON_BITS-1:0] pool_emit_neuron,
    output wire [OUT_SEL_BITS-1:0]     pool_emit_sel,
    output wire                        pool_emit_neg,
    output wire                        item_done,
    output wire [T_BITS-1:0]           item_t,
    output wire                        mem_tap_valid,
    output wire [NEURON_BITS-1:0]      mem_tap_neuron,
    output wire [B-1:0]                mem_tap_mask,
    output wire [B*MEM_BITS-1:0]       mem_tap_row
);
    `include "sf_defs.vh"
    // sf_neuron.vh's integrate step is the dense layer's; a conv stage uses its fire, reset
    // and decay. The membrane word already holds every partial sum, so MEM_BITS is wide
    // enough for the accumulator role too.
    localparam ACC_BITS = MEM_BITS;
    localparam LAT_SHIFT = 0;

    // The scatter engine (state) and the update pass (pass_state) run side by side, each on
    // its own membrane set; with one set they take turns.
    localparam S_INIT = 4'd0, S_IDLE = 4'd1, S_START = 4'd2, S_FETCH = 4'd3, S_SCATTER = 4'd4,
               S_DRAIN1 = 4'd5, S_DRAIN2 = 4'd6, S_DRAIN3 = 4'd7, S_DRAIN4 = 4'd8;
    localparam P_IDLE = 2'd0, P_PREREAD = 2'd1, P_PASS = 2'd2, P_DONE = 2'd3;
    localparam DEPTH = G * HO * WB;                    // words per membrane bank
    localparam MADDR_BITS = $clog2(DEPTH) > 0 ? $clog2(DEPTH) : 1;
    localparam G_BITS = $clog2(G) > 0 ? $clog2(G) : 1;
    localparam LANE_BITS = $clog2(P) > 0 ? $clog2(P) : 1;
    localparam PPW = POOL != 0 ? B / PK : 1;           // pooling windows per word
    localparam [31:0] PK32 = PK;
    localparam PBAND_BITS = $clog2(PK) > 0 ? $clog2(PK) : 1;
    localparam [31:0] S_STEP = S;
    localparam MASK_BITS = B * OUT_K;
    localparam POOL_MASK_BITS = PPW * OUT_K;
    localparam SPIKE_BITS = OUT_VALUE_BITS + 1;         // signed spike value
    localparam WORD_W_BITS = K * P * W_BITS;
    localparam WADDR_BITS = $clog2(C * K * G) > 0 ? $clog2(C * K * G) : 1;

    // ---------------------------------------------------------------- memories
    reg [WORD_W_BITS-1:0] weights  [0:C*K*G-1];
    reg [P*BIAS_BITS-1:0] bias_rom [0:G-1];
    initial $readmemh(WEIGHTS_FILE, weights);
    initial $readmemh(BIAS_FILE, bias_rom);

    // ---------------------------------------------------------------- controller state
    reg [3:0]                state;         // the scatter engine
    reg [1:0]                pass_state;    // the update pass
    reg [T_BITS-1:0]         timestep;      // of the item being scattered
    reg [T_BITS-1:0]         pass_t;        // of the item being updated
    // Membrane sets: an input's timesteps all use one (set = input mod SETS). A set is
    // ready for a scatter until one ends in it, then scattered until its pass is DONE.
    reg                      scatter_set;
    reg                      pass_set;
    reg [1:0]                set_ready;
    reg [1:0]                set_scattered;
    reg [IN_COUNT_BITS-1:0]  event_count;
    reg [IN_COUNT_BITS-1:0]  next_event;    // index of the event after the current one
    reg [MADDR_BITS-1:0]     init_addr;
    reg [G_BITS-1:0]         init_group;
    reg [31:0]               init_in_group; // words written of the current group
    // the event being scattered
    reg [IN_C_BITS-1:0]      ev_c;
    reg [IN_SEL_BITS-1:0]    ev_sel;
    reg                      ev_neg;
    reg [TAP_BITS-1:0]       ev_first_tap;
    reg [OY_BITS-1:0]        ev_first_out;
    reg [CNT_BITS-1:0]       ev_rows;
    reg [B*XE-1:0]           ev_columns;    // X_TABLE entry of the event's column
    reg [CNT_BITS-1:0]       row;           // kernel row step i of the current group
    reg [TAP_BITS-1:0]       ky;
    reg [OY_BITS-1:0]        oy_scatter;
    reg [G_BITS-1:0]         group;
    // the update pass: channel o = pass_group*P + pass_lane, row pass_oy, word pass_word
    reg [G_BITS-1:0]         pass_group;
    reg [LANE_BITS-1:0]      pass_lane;
    reg [OY_BITS-1:0]        pass_oy;
    reg [WORD_BITS-1:0]      pass_word;
    reg [PBAND_BITS-1:0]     pass_band;     // pass_oy mod PK
    reg [31:0]               pass_row_base; // flat index of (o, oy, 0)
    reg [31:0]               pass_pool_base;// flat pooled index of (o, oy / PK, 0)
    reg [31:0]               pass_py;       // oy / PK
    reg                      pass_more;     // a word remains to be updated

    wire last_timestep = {{(32-T_BITS){1'b0}}, timestep} == T - 1;
    wire pass_last_t   = {{(32-T_BITS){1'b0}}, pass_t} == T - 1;
    wire pass_active   = pass_state == P_PREREAD || pass_state == P_PASS;
    wire [31:0] channel = {{(32-G_BITS){1'b0}}, pass_group} * P + {{(32-LANE_BITS){1'b0}}, pass_lane};

    // ---------------------------------------------------------------- event decode
    wire [SRC_BITS-1:0]    rd_source = in_rd_data[SRC_BITS-1:0];
    wire [IN_X_BITS-1:0]   rd_x      = rd_source[IN_X_BITS-1:0];
    wire [IN_Y_BITS-1:0]   rd_y      = rd_source[IN_X_BITS +: IN_Y_BITS];
    wire [IN_C_BITS-1:0]   rd_c      = rd_source[IN_X_BITS + IN_Y_BITS +: IN_C_BITS];
    // Lookups, here and below, are multiplexers over constant slices: a part-select at a
    // computed offset becomes a shifter over the whole vector in synthesis (32 stages deep
    // for a 32-bit offset), which made a 28-wide conv layer hundreds of thousands of LUTs.
    reg [YE-1:0]           rd_rows;
    reg [B*XE-1:0]         rd_cols;
    integer ty, tx;
    always @(*) begin
        rd_rows = {YE{1'b0}};
        for (ty = 0; ty < H; ty = ty + 1)
            if ({{(32-IN_Y_BITS){1'b0}}, rd_y} == ty) rd_rows = Y_TABLE[ty*YE +: YE];
        rd_cols = {(B*XE){1'b0}};
        for (tx = 0; tx < W; tx = tx + 1)
            if ({{(32-IN_X_BITS){1'b0}}, rd_x} == tx) rd_cols = X_TABLE[tx*B*XE +: B*XE];
    end

    // The controller moves to the next event in this cycle (FETCH, or the current event's
    // last row of its last group); the buffer's read port then runs one event ahead.
    wire rows_done  = row + 1'b1 >= ev_rows;       // also true for an event with no rows
    wire last_group = {{(32-G_BITS){1'b0}}, group} == G - 1;
    wire advance    = state == S_FETCH || (state == S_SCATTER && rows_done && last_group);
    wire last_event = next_event == event_count;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] next_event32 = {{(32-IN_COUNT_BITS){1'b0}}, next_event};
    wire [31:0] rd_addr32 = state == S_START ? 32'd0 : (advance ? next_event32 + 1 : next_event32);
    /* verilator lint_on UNUSEDSIGNAL */
    assign in_rd_addr = rd_addr32[IN_ADDR_BITS-1:0];

    // ---------------------------------------------------------------- scatter pipeline
    // stage 1: weight row read; 2: row register; 3: scale every tap of every lane;
    // 4: membrane read and bank routing; 5: add, write back.
    wire scatter_valid = state == S_SCATTER && ev_rows != {CNT_BITS{1'b0}};
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] weight_addr = (({{(32-IN_C_BITS){1'b0}}, ev_c} * K + {{(32-TAP_BITS){1'b0}}, ky}) * G)
                            + {{(32-G_BITS){1'b0}}, group};
    /* verilator lint_on UNUSEDSIGNAL */
    reg [WORD_W_BITS-1:0] weight_row, weight_held;
    reg                   p1_valid, p2_valid, p3_valid;
    reg [OY_BITS-1:0]     p1_oy, p2_oy, p3_oy;
    reg [G_BITS-1:0]      p1_group, p2_group, p3_group;
    reg [B*XE-1:0]        p1_cols, p2_cols, p3_cols;
    reg [IN_SEL_BITS-1:0] p1_sel, p2_sel;
    reg                   p1_neg, p2_neg;
    reg [K*P*MEM_BITS-1:0] p3_delta;               // scaled weight of tap kx, lane p
    reg [B-1:0]           p4_valid;                // bank b adds this cycle
    reg [B*MADDR_BITS-1:0] p4_addr;
    reg [P*B*MEM_BITS-1:0] p4_delta;
    reg [B-1:0]           fwd_valid;               // bank b wrote fwd_addr last cycle
    reg [B*MADDR_BITS-1:0] fwd_addr;
    reg [P*B*MEM_BITS-1:0] fwd_data;

    always @(posedge clk) if (scatter_valid) weight_row <= weights[weight_addr[WADDR_BITS-1:0]];

    // The scaled, signed contribution of one weight: a constant product per plane of the
    // incoming code, or the value itself for payload codes. Kept to MEM_BITS: membrane
    // arithmetic is modulo 2^MEM_BITS and the bounds prove every sum it forms fits.
    localparam MUL_BITS = (IN_SEL_BITS > IN_AMP_BITS ? IN_SEL_BITS : IN_AMP_BITS) + 1;
    localparam PROD_BITS = W_BITS + MUL_BITS + 1;
    localparam WIDE = PROD_BITS > MEM_BITS ? PROD_BITS : MEM_BITS;
    `include "sf_scale.vh"
    function [MEM_BITS-1:0] scaled;
        input signed [W_BITS-1:0] w;
        input [IN_SEL_BITS-1:0]   sel;
        input                     negative;
        integer k;
        reg signed [PROD_BITS-1:0] product;
        /* verilator lint_off UNUSEDSIGNAL */
        reg signed [WIDE-1:0] wide;
        /* verilator lint_on UNUSEDSIGNAL */
        begin
            product = {PROD_BITS{1'b0}};
            if (IN_PAYLOAD != 0)
                product = w * $signed({{(MUL_BITS-IN_SEL_BITS){1'b0}}, sel});
            else
                for (k = 0; k < IN_K; k = k + 1)
                    if (sel == k[IN_SEL_BITS-1:0])
                        product = times_amplitude(w, {{(32-IN_AMP_BITS){1'b0}}, IN_AMPS[k*IN_AMP_BITS +: IN_AMP_BITS]});
            wide = {{(WIDE-PROD_BITS){product[PROD_BITS-1]}}, product};
            // A constant condition: no negation for a code that is never negative.
            if (IN_SIGNED != 0) begin
                if (negative) wide = -wide;
            end
            scaled = wide[MEM_BITS-1:0];
        end
    endfunction

    // Stage 4 combinational: each bank's address and routed contributions.
    reg [B*MADDR_BITS-1:0] bank_addr_s3;
    reg [P*B*MEM_BITS-1:0] bank_delta_s3;
    reg [B-1:0]            bank_valid_s3;
    integer rb, rp, rk;
    reg [XE-1:0]           col_entry;
    reg [TAP_BITS-1:0]     col_tap;
    reg [WORD_BITS-1:0]    col_word;
    /* verilator lint_off UNUSEDSIGNAL */
    reg [31:0]             col_addr;     // (only the address bits are used)
    /* verilator lint_on UNUSEDSIGNAL */
    always @(*) begin
        bank_addr_s3  = {(B*MADDR_BITS){1'b0}};
        bank_delta_s3 = {(P*B*MEM_BITS){1'b0}};
        bank_valid_s3 = {B{1'b0}};
        for (rb = 0; rb < B; rb = rb + 1) begin
            col_entry = p3_cols[rb*XE +: XE];
            col_tap   = col_entry[WORD_BITS +: TAP_BITS];
            col_word  = col_entry[WORD_BITS-1:0];
            col_addr  = ({{(32-G_BITS){1'b0}}, p3_group} * HO + {{(32-OY_BITS){1'b0}}, p3_oy}) * WB
                      + {{(32-WORD_BITS){1'b0}}, col_word};
            bank_valid_s3[rb] = p3_valid && col_entry[XE-1];
            bank_addr_s3[rb*MADDR_BITS +: MADDR_BITS] = col_addr[MADDR_BITS-1:0];
            for (rp = 0; rp < P; rp = rp + 1)
                for (rk = 0; rk < K; rk = rk + 1)
                    if ({{(32-TAP_BITS){1'b0}}, col_tap} == rk)
                        bank_delta_s3[(rp*B + rb)*MEM_BITS +: MEM_BITS] = p3_delta[(rk*P + rp)*MEM_BITS +: MEM_BITS];
        end
    end

    integer sk, sp;
    always @(posedge clk) begin
        p1_valid <= scatter_valid;
        if (scatter_valid) begin
            p1_oy <= oy_scatter; p1_group <= group; p1_cols <= ev_columns;
            p1_sel <= ev_sel; p1_neg <= ev_neg;
        end
        p2_valid <= p1_valid;
        if (p1_valid) begin
            weight_held <= weight_row;
            p2_oy <= p1_oy; p2_group <= p1_group; p2_cols <= p1_cols;
            p2_sel <= p1_sel; p2_neg <= p1_neg;
        end
        p3_valid <= p2_valid;
        if (p2_valid) begin
            /* verilator lint_off BLKSEQ */
            for (sk = 0; sk < K; sk = sk + 1)
                for (sp = 0; sp < P; sp = sp + 1)
                    p3_delta[(sk*P + sp)*MEM_BITS +: MEM_BITS] <=
                        scaled(weight_held[(sk*P + sp)*W_BITS +: W_BITS], p2_sel, p2_neg);
            /* verilator lint_on BLKSEQ */
            p3_oy <= p2_oy; p3_group <= p2_group; p3_cols <= p2_cols;
        end
        p4_valid <= rst ? {B{1'b0}} : bank_valid_s3;
        if (p3_valid) begin
            p4_addr  <= bank_addr_s3;
            p4_delta <= bank_delta_s3;
        end
    end

    // ---------------------------------------------------------------- update pass state
    // The word being updated: its channel's lane, bias, position (registered with the read).
    reg [LANE_BITS-1:0]  pass_lane_updating;
    reg [31:0]           update_channel;
    reg [31:0]           update_row_base;
    reg [31:0]           update_pool_base;
    reg [31:0]           update_py;
    reg [31:0]           update_word;
    reg [OY_BITS-1:0]    update_oy;
    reg                  update_band_first;   // first row of a pooling band
    reg                  update_band_last;    // last row of a pooling band
    reg [BIAS_BITS-1:0]  update_bias;
    wire [P*BIAS_BITS-1:0] pass_bias_row = bias_rom[pass_group];
    reg  [BIAS_BITS-1:0]   pass_bias;   // the bias of channel pass_group*P + pass_lane
    integer bp;
    always @(*) begin
        pass_bias = {BIAS_BITS{1'b0}};
        for (bp = 0; bp < P; bp = bp + 1)
            if ({{(32-LANE_BITS){1'b0}}, pass_lane} == bp) pass_bias = pass_bias_row[bp*BIAS_BITS +: BIAS_BITS];
    end

    // Pending emissions of the word updated last (conv) and of the windows it completed.
    reg [MASK_BITS-1:0]          pending;
    reg [B*OUT_VALUE_BITS-1:0]   pending_mag;
    reg [B-1:0]                  pending_neg;
    reg [B*MEM_BITS-1:0]         pending_score;
    reg [31:0]                   pending_base;        // flat index of the word's column 0
    reg [31:0]                   pending_channel;
    reg [31:0]                   pending_oy;
    reg [31:0]                   pending_col;         // the word's first column
    reg [31:0]                   pending_pool_col;    // its first window's pooled column
    reg [31:0]                   pending_pool_base;   // flat pooled index of its band's column 0
    reg [31:0]                   pending_py;
    reg [POOL_MASK_BITS-1:0]     pool_pending;
    reg [PPW*OUT_VALUE_BITS-1:0] pool_pending_mag;
    reg [PPW-1:0]                pool_pending_neg;
    reg signed [SPIKE_BITS-1:0]  pool_max [0:WB*PPW-1];

    reg         pass_more_updating;   // a word was read last cycle: this cycle may update it

    // ---------------------------------------------------------------- membrane banks
    // One read port and one write port per bank. Reads: stage 4 of the scatter (per-bank
    // addresses) or the update pass (one address, every bank). Writes: stage 5 of the
    // scatter, the update pass (the lane of the current channel), INIT (every lane).
    wire                    pass_update;           // this cycle updates a word (below)
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0]             pass_addr32 = ({{(32-G_BITS){1'b0}}, pass_group} * HO + {{(32-OY_BITS){1'b0}}, pass_oy}) * WB
                                        + {{(32-WORD_BITS){1'b0}}, pass_word};
    /* verilator lint_on UNUSEDSIGNAL */
    reg  [MADDR_BITS-1:0]   update_addr;           // the word being updated (read last cycle)
    wire                    pass_read = pass_state == P_PREREAD || (pass_update && pass_more);
    // Per set (index 0 and 1 of each pair): the pass's ports on pass_set while it runs, else
    // the scatter's (writes only into scatter_set), and INIT's into both.
    reg  [2*B*MADDR_BITS-1:0] rd_addr;
    reg  [2*B*MADDR_BITS-1:0] wr_addr;
    reg  [2*B-1:0]            wr_bank;
    reg  [2*P-1:0]            wr_lane;
    reg  [2*P*B*MEM_BITS-1:0] wr_data;
    reg  [1:0]                rd_en;
    wire [2*P*B*MEM_BITS-1:0] set_rd_data;
    // What each engine reads: its own set's banks.
    wire [P*B*MEM_BITS-1:0] rd_data      = scatter_set ? set_rd_data[P*B*MEM_BITS +: P*B*MEM_BITS]
                                                       : set_rd_data[0 +: P*B*MEM_BITS];
    wire [P*B*MEM_BITS-1:0] pass_rd_data = pass_set ? set_rd_data[P*B*MEM_BITS +: P*B*MEM_BITS]
                                                    : set_rd_data[0 +: P*B*MEM_BITS];
    reg  [P*B*MEM_BITS-1:0] update_data;           // the pass's new words (below)
    reg  [P*BIAS_BITS-1:0]  init_bias;

    integer mb, mp, ms;
    reg [P*B*MEM_BITS-1:0] scatter_sum;
    reg [MEM_BITS-1:0]     old_value;
    always @(*) begin
        scatter_sum = {(P*B*MEM_BITS){1'b0}};
        for (mb = 0; mb < B; mb = mb + 1)
            for (mp = 0; mp < P; mp = mp + 1) begin
                // The word this bank wrote last cycle is not yet in the value read.
                old_value = fwd_valid[mb] && fwd_addr[mb*MADDR_BITS +: MADDR_BITS] == p4_addr[mb*MADDR_BITS +: MADDR_BITS]
                          ? fwd_data[(mp*B + mb)*MEM_BITS +: MEM_BITS] : rd_data[(mp*B + mb)*MEM_BITS +: MEM_BITS];
                scatter_sum[(mp*B + mb)*MEM_BITS +: MEM_BITS] = old_value + p4_delta[(mp*B + mb)*MEM_BITS +: MEM_BITS];
            end
        init_bias = bias_rom[init_group];
        for (ms = 0; ms < 2; ms = ms + 1) begin
            if (state == S_INIT) begin
                rd_addr[ms*B*MADDR_BITS +: B*MADDR_BITS] = {B{pass_addr32[MADDR_BITS-1:0]}};
                rd_en[ms] = 1'b0;
                wr_addr[ms*B*MADDR_BITS +: B*MADDR_BITS] = {B{init_addr}};
                wr_bank[ms*B +: B] = {B{1'b1}};
                wr_lane[ms*P +: P] = {P{1'b1}};
                for (mb = 0; mb < B; mb = mb + 1)
                    for (mp = 0; mp < P; mp = mp + 1)
                        wr_data[((ms*P + mp)*B + mb)*MEM_BITS +: MEM_BITS] =
                            {{(MEM_BITS-BIAS_BITS){init_bias[mp*BIAS_BITS+BIAS_BITS-1]}}, init_bias[mp*BIAS_BITS +: BIAS_BITS]};
            end else if (pass_active && pass_set == ms[0]) begin
                rd_addr[ms*B*MADDR_BITS +: B*MADDR_BITS] = {B{pass_addr32[MADDR_BITS-1:0]}};
                rd_en[ms] = pass_read;
                wr_addr[ms*B*MADDR_BITS +: B*MADDR_BITS] = {B{update_addr}};
                wr_bank[ms*B +: B] = {B{pass_update}};
                wr_lane[ms*P +: P] = {{(P-1){1'b0}}, 1'b1} << pass_lane_updating;
                wr_data[ms*P*B*MEM_BITS +: P*B*MEM_BITS] = update_data;
            end else begin
                rd_addr[ms*B*MADDR_BITS +: B*MADDR_BITS] = bank_addr_s3;
                rd_en[ms] = p3_valid && scatter_set == ms[0];
                wr_addr[ms*B*MADDR_BITS +: B*MADDR_BITS] = p4_addr;
                wr_bank[ms*B +: B] = scatter_set == ms[0] ? p4_valid : {B{1'b0}};
                wr_lane[ms*P +: P] = {P{1'b1}};
                wr_data[ms*P*B*MEM_BITS +: P*B*MEM_BITS] = scatter_sum;
            end
        end
    end

    always @(posedge clk) begin
        fwd_valid <= rst ? {B{1'b0}} : p4_valid;
        fwd_addr  <= p4_addr;
        fwd_data  <= scatter_sum;
    end

    genvar gs, gp, gb;
    generate
        for (gs = 0; gs < 2; gs = gs + 1) begin : g_set
            for (gp = 0; gp < P; gp = gp + 1) begin : g_lane
                for (gb = 0; gb < B; gb = gb + 1) begin : g_bank
                    if (gs < SETS) begin : g_mem
                        reg [MEM_BITS-1:0] bank [0:DEPTH-1];
                        reg [MEM_BITS-1:0] bank_rd;
                        always @(posedge clk) begin
                            if (wr_bank[gs*B + gb] && wr_lane[gs*P + gp])
                                bank[wr_addr[(gs*B + gb)*MADDR_BITS +: MADDR_BITS]] <=
                                    wr_data[((gs*P + gp)*B + gb)*MEM_BITS +: MEM_BITS];
                            if (rd_en[gs]) bank_rd <= bank[rd_addr[(gs*B + gb)*MADDR_BITS +: MADDR_BITS]];
                        end
                        assign set_rd_data[((gs*P + gp)*B + gb)*MEM_BITS +: MEM_BITS] = bank_rd;
                    end else begin : g_none
                        assign set_rd_data[((gs*P + gp)*B + gb)*MEM_BITS +: MEM_BITS] = {MEM_BITS{1'b0}};
                    end
                end
            end
        end
    endgenerate

    // ---------------------------------------------------------------- update pass
    `include "sf_neuron.vh"

    // Fire and reset a membrane word that already holds u: neuron_update's second-pass form
    // (u = stored + acc) with no accumulator adds nothing to it.
    function [NEURON_RESULT_BITS-1:0] fire;
        input [MEM_BITS-1:0] u;
        fire = neuron_update(1'b0, {ACC_BITS{1'b0}}, {BIAS_BITS{1'b0}}, u, 1'b1);
    endfunction

    // The lowest pending event of a mask of `positions` x OUT_K planes: {position, plane}
    // in the high and low 16 bits (the wire order: position ascending, plane ascending).
    function [31:0] lowest;
        input [MASK_BITS-1:0] mask;
        input integer         positions;
        integer c, k;
        begin
            lowest = 32'd0;
            for (c = B - 1; c >= 0; c = c - 1)
                for (k = OUT_K - 1; k >= 0; k = k - 1)
                    if (c < positions && mask[c*OUT_K + k]) lowest = (c << 16) | k;
        end
    endfunction

    `include "sf_mask.vh"
    /* verilator lint_off UNUSEDSIGNAL */
    wire [MASK_BITS-1:0] pool_rest = without_bit({{(MASK_BITS-POOL_MASK_BITS){1'b0}}, pool_pending}, pool_bit);
    wire [31:0] emit_first    = lowest(pending, B);
    wire [31:0] pool_first    = lowest({{(MASK_BITS-POOL_MASK_BITS){1'b0}}, pool_pending}, PPW);
    /* verilator lint_on UNUSEDSIGNAL */
    wire [31:0] emit_col      = {16'd0, emit_first[31:16]};
    wire [31:0] emit_plane    = {16'd0, emit_first[15:0]};
    wire [31:0] emit_bit      = emit_col * OUT_K + emit_plane;
    wire [31:0] pool_col      = {16'd0, pool_first[31:16]};
    wire [31:0] pool_plane    = {16'd0, pool_first[15:0]};
    wire [31:0] pool_bit      = pool_col * OUT_K + pool_plane;
    // The emitting column's value, sign and score; the emitting window's value and sign.
    reg [OUT_VALUE_BITS-1:0] emit_mag, pool_mag;
    reg                      emit_negative, pool_negative;
    reg [MEM_BITS-1:0]       emit_score;
    integer eb;
    always @(*) begin
        emit_mag = {OUT_VALUE_BITS{1'b0}};
        emit_negative = 1'b0;
        emit_score = {MEM_BITS{1'b0}};
        for (eb = 0; eb < B; eb = eb + 1)
            if (emit_col == eb) begin
                emit_mag      = pending_mag[eb*OUT_VALUE_BITS +: OUT_VALUE_BITS];
                emit_negative = pending_neg[eb];
                emit_score    = pending_score[eb*MEM_BITS +: MEM_BITS];
            end
        pool_mag = {OUT_VALUE_BITS{1'b0}};
        pool_negative = 1'b0;
        for (eb = 0; eb < PPW; eb = eb + 1)
            if (pool_col == eb) begin
                pool_mag      = pool_pending_mag[eb*OUT_VALUE_BITS +: OUT_VALUE_BITS];
                pool_negative = pool_pending_neg[eb];
            end
    end
    wire        conv_emitting = pass_state == P_PASS && pending != {MASK_BITS{1'b0}};
    wire        pool_emitting = pass_state == P_PASS && pool_pending != {POOL_MASK_BITS{1'b0}};
    // At most one event left in each: this cycle ends the word's slot.
    wire        conv_last = (pending & (pending - 1'b1)) == {MASK_BITS{1'b0}};
    wire        pool_last = (pool_pending & (pool_pending - 1'b1)) == {POOL_MASK_BITS{1'b0}};
    assign      pass_update = pass_state == P_PASS && conv_last && pool_last && pass_more_updating;

    // ---- taps and the output event
    /* verilator lint_off UNUSEDSIGNAL */
    // B is a multiple of PK: a word's first column is a window's, and the column within
    // the word (a few bits) is all that is divided.
    wire [15:0] emit_col16   = emit_first[31:16];
    wire [31:0] conv_neuron  = pending_base + emit_col;
    wire [31:0] conv_x       = pending_col + emit_col;
    wire [31:0] sum_pooled_x = pending_pool_col + {16'd0, emit_col16 / PK32[15:0]};
    wire [31:0] sum_pooled   = pending_pool_base + sum_pooled_x;
    wire [31:0] max_pooled_x = pending_pool_col + pool_col;
    wire [31:0] max_pooled   = pending_pool_base + max_pooled_x;
    wire [31:0] pool_neuron  = POOL == 2 ? max_pooled : sum_pooled;
    wire [OUT_VALUE_BITS+OUT_SEL_BITS-1:0] emit_mag_wide = {{OUT_SEL_BITS{1'b0}}, emit_mag};
    wire [OUT_VALUE_BITS+OUT_SEL_BITS-1:0] pool_mag_wide = {{OUT_SEL_BITS{1'b0}}, pool_mag};
    wire [31:0] emit_plane32 = emit_plane;
    wire [31:0] pool_plane32 = pool_plane;
    // Packed sources for a conv consumer.
    wire [31:0] packed_conv = (pending_channel << (OUT_Y_BITS + OUT_X_BITS)) | (pending_oy << OUT_X_BITS) | conv_x;
    wire [31:0] packed_sum  = (pending_channel << (OUT_Y_BITS + OUT_X_BITS)) | (pending_py << OUT_X_BITS) | sum_pooled_x;
    wire [31:0] packed_max  = (pending_channel << (OUT_Y_BITS + OUT_X_BITS)) | (pending_py << OUT_X_BITS) | max_pooled_x;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [OUT_SEL_BITS-1:0] conv_sel = OUT_PAYLOAD != 0 ? emit_mag_wide[OUT_SEL_BITS-1:0] : emit_plane32[OUT_SEL_BITS-1:0];
    wire [OUT_SEL_BITS-1:0] pool_sel = POOL == 1 ? conv_sel
                                     : (OUT_PAYLOAD != 0 ? pool_mag_wide[OUT_SEL_BITS-1:0] : pool_plane32[OUT_SEL_BITS-1:0]);
    wire                    conv_neg = emit_negative;
    wire                    pool_neg = POOL == 1 ? conv_neg : pool_negative;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] out_source = POOL == 0 ? (OUT_PACKED != 0 ? packed_conv : conv_neuron)
                           : POOL == 1 ? (OUT_PACKED != 0 ? packed_sum : sum_pooled)
                           : (OUT_PACKED != 0 ? packed_max : max_pooled);
    /* verilator lint_on UNUSEDSIGNAL */

    assign emit_valid       = conv_emitting;
    assign emit_neuron      = conv_neuron[NEURON_BITS-1:0];
    assign emit_sel         = conv_sel;
    assign emit_neg         = conv_neg;
    assign score_value      = emit_score;
    assign pool_emit_valid  = POOL == 1 ? conv_emitting : (POOL == 2 && pool_emitting);
    assign pool_emit_neuron = pool_neuron[POOL_NEURON_BITS-1:0];
    assign pool_emit_sel    = pool_sel;
    assign pool_emit_neg    = pool_neg;
    assign out_wr_en        = HAS_OUT != 0 && (POOL == 2 ? pool_emitting : conv_emitting);
    assign out_event        = {POOL == 2 ? pool_neg : conv_neg, POOL == 2 ? pool_sel : conv_sel,
                               out_source[OUT_SRC_BITS-1:0]};
    assign out_commit       = pass_state == P_DONE && HAS_OUT != 0;
    // The scatter is done with its events once its last writes are in.
    assign in_release       = state == S_DRAIN4 && (IN_IS_IMAGE == 0 || last_timestep);
    assign item_done        = pass_state == P_DONE;
    assign item_t           = pass_t;

    // The canonical planes of a value 0..=MAX_SPIKE (OUT_MASKS), for plane codes.
    function [OUT_K-1:0] planes_of;
        input [OUT_VALUE_BITS-1:0] value;
        integer v;
        begin
            planes_of = {OUT_K{1'b0}};
            for (v = 0; v <= MAX_SPIKE; v = v + 1)
                if ({{(32-OUT_VALUE_BITS){1'b0}}, value} == v) planes_of = OUT_MASKS[v*OUT_K +: OUT_K];
        end
    endfunction

    // UPDATE temporaries (blocking, inside the clocked branch: evaluated only when a word
    // is updated).
    integer                      ub, uj;
    reg [NEURON_RESULT_BITS-1:0] u_result;
    reg [MEM_BITS-1:0]           u_value;
    reg [OUT_VALUE_BITS-1:0]     u_mag;
    reg                          u_neg;
    reg                          u_exists;
    reg signed [SPIKE_BITS-1:0]  u_spike;
    reg signed [SPIKE_BITS-1:0]  u_window;
    reg signed [SPIKE_BITS-1:0]  u_running;
    /* verilator lint_off UNUSEDSIGNAL */
    reg [SPIKE_BITS-1:0]         u_abs;        // |max|: its sign bit is always 0
    /* verilator lint_on UNUSEDSIGNAL */
    reg [MASK_BITS-1:0]          u_masks;
    reg [POOL_MASK_BITS-1:0]     u_pool_masks;
    reg [31:0]                   u_col;

    // The word being updated, fired and reset once per bank: shared by the write-back, the
    // emission masks and the pooling windows (synthesis would not merge three copies).
    localparam NRB = NEURON_RESULT_BITS;
    reg [B*NRB-1:0]       fired;
    reg [MEM_BITS-1:0]    f_word;
    reg [MEM_BITS-1:0]    f_kept;
    reg [MEM_BITS-1:0]    f_next;
    reg [MEM_BITS-1:0]    f_bias;
    integer fb, fp;
    always @(*) begin
        update_data = {(P*B*MEM_BITS){1'b0}};
        f_bias = {{(MEM_BITS-BIAS_BITS){update_bias[BIAS_BITS-1]}}, update_bias};
        for (fb = 0; fb < B; fb = fb + 1) begin
            f_word = {MEM_BITS{1'b0}};
            for (fp = 0; fp < P; fp = fp + 1)
                if ({{(32-LANE_BITS){1'b0}}, pass_lane_updating} == fp) f_word = pass_rd_data[(fp*B + fb)*MEM_BITS +: MEM_BITS];
            fired[fb*NRB +: NRB] = fire(f_word);
            f_kept = fired[fb*NRB + OUT_VALUE_BITS + 1 +: MEM_BITS];
            // The last timestep leaves the bias alone: the next input starts from v = 0.
            f_next = pass_last_t ? f_bias : neuron_decay(f_kept) + f_bias;
            for (fp = 0; fp < P; fp = fp + 1)
                update_data[(fp*B + fb)*MEM_BITS +: MEM_BITS] = f_next;
        end
    end

    // ---- the membrane tap: simulation only. Co-simulation folds every membrane the update
    // pass computes into a digest (sim/src/membrane.rs) and compares it with the golden
    // model's.
`ifdef SYNTHESIS
    // yosys defines SYNTHESIS: the tap is not elaborated, so synthesis sees none of it.
    assign mem_tap_valid  = 1'b0;
    assign mem_tap_neuron = {NEURON_BITS{1'b0}};
    assign mem_tap_mask   = {B{1'b0}};
    assign mem_tap_row    = {(B*MEM_BITS){1'b0}};
`else
    reg [B-1:0]          tap_mask;
    reg [B*MEM_BITS-1:0] tap_row;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0]          tap_first = update_word * B;
    wire [31:0]          tap_neuron = update_row_base + tap_first;
    /* verilator lint_on UNUSEDSIGNAL */
    integer tb;
    always @(*) begin
        for (tb = 0; tb < B; tb = tb + 1) begin
            tap_mask[tb] = tap_first + tb < WO;
            tap_row[tb*MEM_BITS +: MEM_BITS] = fired[tb*NRB + OUT_VALUE_BITS + 1 +: MEM_BITS];
        end
    end
    assign mem_tap_valid  = pass_update;
    assign mem_tap_neuron = tap_neuron[NEURON_BITS-1:0];
    assign mem_tap_mask   = tap_mask;
    assign mem_tap_row    = tap_row;
`endif

    // ---------------------------------------------------------------- controller
    always @(posedge clk) begin
        if (rst) begin
            state          <= S_INIT;
            pass_state     <= P_IDLE;
            timestep       <= {T_BITS{1'b0}};
            pass_t         <= {T_BITS{1'b0}};
            scatter_set    <= 1'b0;
            pass_set       <= 1'b0;
            set_ready      <= SETS == 2 ? 2'b11 : 2'b01;
            set_scattered  <= 2'b00;
            init_addr      <= {MADDR_BITS{1'b0}};
            init_group     <= {G_BITS{1'b0}};
            init_in_group  <= 32'd0;
            pending        <= {MASK_BITS{1'b0}};
            pool_pending   <= {POOL_MASK_BITS{1'b0}};
            pool_pending_mag <= {(PPW*OUT_VALUE_BITS){1'b0}};
            pool_pending_neg <= {PPW{1'b0}};
            pass_more_updating <= 1'b0;
        end else begin
            case (state)
                S_INIT: begin
                    init_addr <= init_addr + 1'b1;
                    if (init_in_group == HO * WB - 1) begin
                        init_in_group <= 32'd0;
                        init_group    <= init_group + 1'b1;
                    end else init_in_group <= init_in_group + 1;
                    if ({{(32-MADDR_BITS){1'b0}}, init_addr} == DEPTH - 1) state <= S_IDLE;
                end
                S_IDLE: if (in_full && set_ready[scatter_set]) state <= S_START;
                S_START: begin
                    event_count <= in_count;
                    next_event  <= {IN_COUNT_BITS{1'b0}};
                    state       <= S_FETCH;
                end
                S_FETCH, S_SCATTER: begin
                    if (advance) begin
                        // Load the next event (its data is on the read port), group 0, row 0.
                        ev_c         <= rd_c;
                        ev_sel       <= in_rd_data[SRC_BITS +: IN_SEL_BITS];
                        ev_neg       <= in_rd_data[IN_EVENT_BITS-1];
                        ev_first_tap <= rd_rows[TAP_BITS-1:0];
                        ev_first_out <= rd_rows[TAP_BITS +: OY_BITS];
                        ev_rows      <= rd_rows[TAP_BITS + OY_BITS +: CNT_BITS];
                        ev_columns   <= rd_cols;
                        ky           <= rd_rows[TAP_BITS-1:0];
                        oy_scatter   <= rd_rows[TAP_BITS +: OY_BITS];
                        row          <= {CNT_BITS{1'b0}};
                        group        <= {G_BITS{1'b0}};
                        next_event   <= next_event + 1'b1;
                        state        <= last_event ? S_DRAIN1 : S_SCATTER;
                    end else if (rows_done) begin
                        group      <= group + 1'b1;
                        row        <= {CNT_BITS{1'b0}};
                        ky         <= ev_first_tap;
                        oy_scatter <= ev_first_out;
                    end else begin
                        row        <= row + 1'b1;
                        ky         <= ky + S_STEP[TAP_BITS-1:0];
                        oy_scatter <= oy_scatter - 1'b1;
                    end
                end
                S_DRAIN1: state <= S_DRAIN2;
                S_DRAIN2: state <= S_DRAIN3;
                S_DRAIN3: state <= S_DRAIN4;
                default: begin  // S_DRAIN4: the item's membranes are complete
                    set_ready[scatter_set]     <= 1'b0;
                    set_scattered[scatter_set] <= 1'b1;
                    timestep <= last_timestep ? {T_BITS{1'b0}} : timestep + 1'b1;
                    if (last_timestep && SETS == 2) scatter_set <= ~scatter_set;
                    state <= S_IDLE;
                end
            endcase

            case (pass_state)
                P_IDLE: if (set_scattered[pass_set] && (out_free || HAS_OUT == 0)) begin
                    pass_group     <= {G_BITS{1'b0}};
                    pass_lane      <= {LANE_BITS{1'b0}};
                    pass_oy        <= {OY_BITS{1'b0}};
                    pass_word      <= {WORD_BITS{1'b0}};
                    pass_band      <= {PBAND_BITS{1'b0}};
                    pass_row_base  <= 32'd0;
                    pass_pool_base <= 32'd0;
                    pass_py        <= 32'd0;
                    pass_more      <= 1'b1;
                    pass_state     <= P_PREREAD;
                end
                P_PREREAD: pass_state <= P_PASS;
                P_PASS: begin
                    if (conv_emitting) pending <= without_bit(pending, emit_bit);
                    if (pool_emitting) pool_pending <= pool_rest[POOL_MASK_BITS-1:0];
                    if (conv_last && pool_last && !pass_more_updating) pass_state <= P_DONE;
                    if (pass_update) begin
                        /* verilator lint_off BLKSEQ */
                        u_masks = {MASK_BITS{1'b0}};
                        u_pool_masks = {POOL_MASK_BITS{1'b0}};
                        for (ub = 0; ub < B; ub = ub + 1) begin
                            u_result = fired[ub*NRB +: NRB];
                            u_value = u_result[OUT_VALUE_BITS+1+MEM_BITS +: MEM_BITS];
                            u_mag   = u_result[OUT_VALUE_BITS-1:0];
                            u_neg   = u_result[OUT_VALUE_BITS];
                            u_col   = update_word * B + ub;
                            u_exists = u_col < WO;
                            u_spike = u_neg ? -$signed({1'b0, u_mag}) : $signed({1'b0, u_mag});
                            if (KIND == SF_KIND_READOUT)
                                u_masks[ub*OUT_K +: OUT_K] = {OUT_K{u_exists && pass_last_t}};
                            else if (OUT_PAYLOAD != 0)
                                u_masks[ub*OUT_K +: OUT_K] = {OUT_K{u_exists && u_mag != 0}};
                            else
                                u_masks[ub*OUT_K +: OUT_K] = u_exists ? planes_of(u_mag) : {OUT_K{1'b0}};
                            pending_neg[ub] <= u_neg;
                            pending_mag[ub*OUT_VALUE_BITS +: OUT_VALUE_BITS] <= u_mag;
                            pending_score[ub*MEM_BITS +: MEM_BITS] <= u_value;
                        end
                        if (POOL == 2) begin
                            for (uj = 0; uj < PPW; uj = uj + 1) begin
                                u_window = {SPIKE_BITS{1'b0}};
                                for (ub = 0; ub < PK; ub = ub + 1) begin
                                    u_result = fired[(uj*PK + ub)*NRB +: NRB];
                                    u_mag   = u_result[OUT_VALUE_BITS-1:0];
                                    u_spike = u_result[OUT_VALUE_BITS] ? -$signed({1'b0, u_mag}) : $signed({1'b0, u_mag});
                                    if (ub == 0 || u_spike > u_window) u_window = u_spike;
                                end
                                u_running = pool_max[update_word * PPW + uj];
                                if (!update_band_first && u_running > u_window) u_window = u_running;
                                pool_max[update_word * PPW + uj] <= u_window;
                                u_abs = u_window < 0 ? -u_window : u_window;
                                u_col = update_word * PPW + uj;
                                if (update_band_last && u_col < WP && u_window != 0) begin
                                    if (OUT_PAYLOAD != 0) u_pool_masks[uj*OUT_K +: OUT_K] = {OUT_K{1'b1}};
                                    else u_pool_masks[uj*OUT_K +: OUT_K] = planes_of(u_abs[OUT_VALUE_BITS-1:0]);
                                end
                                pool_pending_neg[uj] <= u_window < 0;
                                pool_pending_mag[uj*OUT_VALUE_BITS +: OUT_VALUE_BITS] <= u_abs[OUT_VALUE_BITS-1:0];
                            end
                        end
                        /* verilator lint_on BLKSEQ */
                        pending           <= u_masks;
                        pool_pending      <= u_pool_masks;
                        pending_base      <= update_row_base + update_word * B;
                        pending_channel   <= update_channel;
                        pending_oy        <= {{(32-OY_BITS){1'b0}}, update_oy};
                        pending_col       <= update_word * B;
                        pending_pool_col  <= update_word * PPW;
                        pending_pool_base <= update_pool_base;
                        pending_py        <= update_py;
                    end
                end
                default: begin  // P_DONE
                    set_scattered[pass_set] <= 1'b0;
                    set_ready[pass_set]     <= 1'b1;
                    pass_t <= pass_last_t ? {T_BITS{1'b0}} : pass_t + 1'b1;
                    if (pass_last_t && SETS == 2) pass_set <= ~pass_set;
                    pass_state <= P_IDLE;
                end
            endcase

            // ---- the pass's word counters: a word is read (PREREAD, or with an update)
            // and its position registered for the update one cycle later.
            // A word read waits on the read port until its slot begins (the events of the
            // word before may take several cycles).
            if (pass_read) pass_more_updating <= 1'b1;
            else if (pass_update) pass_more_updating <= 1'b0;
            if (pass_read) begin
                update_addr       <= pass_addr32[MADDR_BITS-1:0];
                pass_lane_updating <= pass_lane;
                update_channel    <= channel;
                update_row_base   <= pass_row_base;
                update_pool_base  <= pass_pool_base;
                update_py         <= pass_py;
                update_word       <= {{(32-WORD_BITS){1'b0}}, pass_word};
                update_oy         <= pass_oy;
                update_band_first <= pass_band == {PBAND_BITS{1'b0}};
                update_band_last  <= {{(32-PBAND_BITS){1'b0}}, pass_band} == PK - 1;
                update_bias       <= pass_bias;
                // Advance: word, row, channel (lane, then group).
                if ({{(32-WORD_BITS){1'b0}}, pass_word} != WB - 1) pass_word <= pass_word + 1'b1;
                else begin
                    pass_word     <= {WORD_BITS{1'b0}};
                    pass_row_base <= pass_row_base + WO;
                    if ({{(32-PBAND_BITS){1'b0}}, pass_band} == PK - 1) begin
                        pass_band      <= {PBAND_BITS{1'b0}};
                        pass_pool_base <= pass_pool_base + WP;
                        pass_py        <= pass_py + 1;
                    end else pass_band <= pass_band + 1'b1;
                    if ({{(32-OY_BITS){1'b0}}, pass_oy} != HO - 1) pass_oy <= pass_oy + 1'b1;
                    else begin
                        pass_oy   <= {OY_BITS{1'b0}};
                        pass_py   <= 32'd0;
                        pass_band <= {PBAND_BITS{1'b0}};
                        if (channel == CO - 1) pass_more <= 1'b0;
                        else if ({{(32-LANE_BITS){1'b0}}, pass_lane} == P - 1) begin
                            pass_lane  <= {LANE_BITS{1'b0}};
                            pass_group <= pass_group + 1'b1;
                        end else pass_lane <= pass_lane + 1'b1;
                    end
                end
            end
        end
    end
endmodule
