// sf_encoder: turns the input stream (VALUES_PER_CYCLE values per accepted cycle) into events
// for layer 0 and writes them into the image event buffer: plane events, or with PAYLOAD one
// event per non-zero value carrying the value itself (e = 1 for a non-zero value, 0 for zero).
//
// The values arrive in chunks of V = VALUES_PER_CYCLE consecutive values (V divides M; into a
// conv layer 0 it divides WIDTH too, so a chunk never leaves its row). Per input: IDLE until
// the buffer slot is free, START (accepts chunk 0), then every chunk occupies max(1, e) cycles,
// e the events of its V values, writing them one per cycle (value ascending, lowest plane
// first) and accepting the next chunk in its last cycle, then DONE (commits the slot). Cycles
// per input: 2 + Σ_chunks max(1, Σ_{i in chunk} e_i), plus one IDLE cycle before START
// (ARCHITECTURE.md "Timing contract"); with V = 1 that is 2 + Σ_i max(1, e_i).
// `in_valid` low stalls the encoder (the cycle model assumes a stream that never stalls).
//
// Worked example: V = 2, values [0, 3, 0, 0] with a binary code (3 = planes 0 and 1): chunk
// {0, 3} writes (plane 0, source 1) then (plane 1, source 1) in 2 cycles, chunk {0, 0} takes
// 1 cycle with no event: START + 2 + 1 + DONE = 5 cycles.
//
// Ports
//   clk        in   1              clock
//   rst        in   1              synchronous reset
//   in_valid   in   1              in_value holds the next chunk
//   in_ready   out  1              in_value is taken this cycle
//   in_value   in   V*VALUE_BITS   V input values 0..MAX_VALUE, the chunk's first at the bottom
//   out_free   in   1              the image buffer slot is free
//   out_wr_en  out  1              write out_event
//   out_event  out  EVENT_BITS     {neg = 0, plane (or value with PAYLOAD), source}; with PACKED
//                                  (layer 0 is a conv layer) the source is {c, y, x} of the
//                                  value's position in the HEIGHT x WIDTH input, not its index
//   out_commit out  1              the input is complete: commit the slot
//   started    out  1              debug: START cycle of an input (its first chunk is taken)
module sf_encoder #(
    parameter M          = 4,     // input values per input
    parameter VALUES_PER_CYCLE = 1,  // V: values per chunk, a divisor of M (and of WIDTH if PACKED)
    parameter SRC_BITS   = 2,     // clog2(M), at least 1
    parameter VALUE_BITS = 8,
    parameter MAX_VALUE  = 255,
    parameter K          = 8,     // planes of the input code (1 with PAYLOAD)
    parameter SEL_BITS   = 3,     // clog2(K), at least 1; VALUE_BITS with PAYLOAD
    parameter PAYLOAD    = 0,     // 1: events carry the value (MASKS unused)
    parameter [(MAX_VALUE+1)*K-1:0] MASKS = 0,  // planes set for value v at [v*K +: K]
    parameter PACKED     = 0,     // 1: sources are {c, y, x} (SRC_BITS = their widths' sum)
    parameter HEIGHT     = 1,     // PACKED: input rows
    parameter WIDTH      = 1,     // PACKED: input columns
    parameter Y_BITS     = 1,     // PACKED: clog2(HEIGHT), at least 1
    parameter X_BITS     = 1,     // PACKED: clog2(WIDTH), at least 1
    parameter EVENT_BITS = 1 + SEL_BITS + SRC_BITS
) (
    input  wire                    clk,
    input  wire                    rst,
    input  wire                    in_valid,
    output wire                    in_ready,
    input  wire [VALUES_PER_CYCLE*VALUE_BITS-1:0] in_value,
    input  wire                    out_free,
    output wire                    out_wr_en,
    output wire [EVENT_BITS-1:0]   out_event,
    output wire                    out_commit,
    output wire                    started
);
    localparam V = VALUES_PER_CYCLE;
    localparam S_IDLE = 2'd0, S_START = 2'd1, S_VALUES = 2'd2, S_DONE = 2'd3;

    reg [1:0]              state;
    reg [SRC_BITS-1:0]     index;      // the chunk's first value
    reg [V*K-1:0]          remaining;  // its values' planes not yet written, value j at [j*K +: K]
    reg [V*VALUE_BITS-1:0] held;       // PAYLOAD: the chunk's values

    // ---- combinational: the lowest remaining (value, plane) and what is left after it ----
    reg [SEL_BITS-1:0] plane;
    reg [SRC_BITS-1:0] lane;           // the value's place in the chunk
    integer j, k;
    always @(*) begin
        plane = {SEL_BITS{1'b0}};
        lane  = {SRC_BITS{1'b0}};
        for (j = V - 1; j >= 0; j = j - 1)
            for (k = K - 1; k >= 0; k = k - 1)
                if (remaining[j * K + k]) begin
                    plane = k[SEL_BITS-1:0];
                    lane  = j[SRC_BITS-1:0];
                end
    end
    wire [V*K-1:0] rest       = remaining & (remaining - 1'b1);
    wire           last_cycle = rest == {(V*K){1'b0}};          // this chunk finishes this cycle
    wire           last_chunk = {{(32-SRC_BITS){1'b0}}, index} == M - V;
    wire           advance    = state == S_VALUES && last_cycle && !last_chunk;

    // The planes of every value of the incoming chunk.
    reg [V*K-1:0]        mask_in;
    reg [VALUE_BITS-1:0] chunk_value;
    integer m;
    always @(*) begin
        for (m = 0; m < V; m = m + 1) begin
            chunk_value = in_value[m * VALUE_BITS +: VALUE_BITS];
            mask_in[m * K +: K] = PAYLOAD != 0 ? {{(K-1){1'b0}}, chunk_value != {VALUE_BITS{1'b0}}}
                                               : MASKS[chunk_value * K +: K];
        end
    end
    // Widened so the slice is legal whichever of SEL_BITS and VALUE_BITS is larger (plane
    // codes use none of it).
    /* verilator lint_off UNUSEDSIGNAL */
    wire [VALUE_BITS-1:0]          held_value = held[lane * VALUE_BITS +: VALUE_BITS];
    wire [SEL_BITS+VALUE_BITS-1:0] held_wide  = {{SEL_BITS{1'b0}}, held_value};
    /* verilator lint_on UNUSEDSIGNAL */
    wire [SEL_BITS-1:0] sel = PAYLOAD != 0 ? held_wide[SEL_BITS-1:0] : plane;

    assign in_ready   = (state == S_START || advance) && in_valid;
    assign out_wr_en  = state == S_VALUES && remaining != {(V*K){1'b0}};
    // The position of the chunk's first value, for a conv layer 0.
    reg [SRC_BITS-1:0] pos_c;
    reg [Y_BITS-1:0]   pos_y;
    reg [X_BITS-1:0]   pos_x;
    /* verilator lint_off UNUSEDSIGNAL */
    // 32-bit sums, cut to width where stored: V may need more bits than a counter has.
    wire [31:0] lane32     = {{(32-SRC_BITS){1'b0}}, lane};
    wire [31:0] x32        = {{(32-X_BITS){1'b0}}, pos_x};
    wire [31:0] index_next = {{(32-SRC_BITS){1'b0}}, index} + V;
    wire [31:0] x_next     = x32 + V;
    wire [31:0] flat32     = {{(32-SRC_BITS){1'b0}}, index} + lane32;
    wire [31:0] packed32   = ({{(32-SRC_BITS){1'b0}}, pos_c} << (Y_BITS + X_BITS))
                           | ({{(32-Y_BITS){1'b0}}, pos_y} << X_BITS) | (x32 + lane32);
    /* verilator lint_on UNUSEDSIGNAL */
    wire [SRC_BITS-1:0] source = PACKED != 0 ? packed32[SRC_BITS-1:0] : flat32[SRC_BITS-1:0];

    assign out_event  = {1'b0, sel, source};
    assign out_commit = state == S_DONE;
    assign started    = state == S_START && in_valid;

    // ---- clocked ----
    always @(posedge clk) begin
        if (rst) begin
            state     <= S_IDLE;
            index     <= {SRC_BITS{1'b0}};
            remaining <= {(V*K){1'b0}};
            held      <= {(V*VALUE_BITS){1'b0}};
        end else begin
            case (state)
                S_IDLE: if (out_free) state <= S_START;
                S_START: if (in_valid) begin
                    index     <= {SRC_BITS{1'b0}};
                    pos_c     <= {SRC_BITS{1'b0}};
                    pos_y     <= {Y_BITS{1'b0}};
                    pos_x     <= {X_BITS{1'b0}};
                    remaining <= mask_in;
                    held      <= in_value;
                    state     <= S_VALUES;
                end
                S_VALUES: begin
                    if (!last_cycle) remaining <= rest;
                    else if (last_chunk) state <= S_DONE;
                    else if (in_valid) begin
                        index     <= index_next[SRC_BITS-1:0];
                        // Raster order: x, then y, then c (a chunk never leaves its row).
                        if (x32 != WIDTH - V) pos_x <= x_next[X_BITS-1:0];
                        else begin
                            pos_x <= {X_BITS{1'b0}};
                            if ({{(32-Y_BITS){1'b0}}, pos_y} != HEIGHT - 1) pos_y <= pos_y + 1'b1;
                            else begin
                                pos_y <= {Y_BITS{1'b0}};
                                pos_c <= pos_c + 1'b1;
                            end
                        end
                        remaining <= mask_in;
                        held      <= in_value;
                    end else remaining <= {(V*K){1'b0}};
                end
                default: state <= S_IDLE;  // S_DONE
            endcase
        end
    end
endmodule
