// sf_encoder: turns the input stream (one value per accepted cycle) into events for layer 0
// and writes them into the image event buffer: plane events, or with PAYLOAD one event per
// non-zero value carrying the value itself (e = 1 for a non-zero value, 0 for zero).
//
// Per input: IDLE until the buffer slot is free, START (accepts value 0), then every value
// occupies max(1, e) cycles writing its e events lowest plane first and accepting the next
// value in its last cycle, then DONE (commits the slot). Cycles per input:
// 2 + Σ_i max(1, e_i), plus one IDLE cycle before START (ARCHITECTURE.md "Timing contract").
// `in_valid` low stalls the encoder (the cycle model assumes a stream that never stalls).
//
// Ports
//   clk        in   1            clock
//   rst        in   1            synchronous reset
//   in_valid   in   1            in_value holds the next input value
//   in_ready   out  1            in_value is taken this cycle
//   in_value   in   VALUE_BITS   input value 0..MAX_VALUE
//   out_free   in   1            the image buffer slot is free
//   out_wr_en  out  1            write out_event
//   out_event  out  EVENT_BITS   {neg = 0, plane (or value with PAYLOAD), source}; with PACKED
//                                (layer 0 is a conv layer) the source is {c, y, x} of the
//                                value's position in the HEIGHT x WIDTH input, not its index
//   out_commit out  1            the input is complete: commit the slot
//   started    out  1            debug: START cycle of an input (its first value is taken)
module sf_encoder #(
    parameter M          = 4,     // input values per input
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
    input  wire                  clk,
    input  wire                  rst,
    input  wire                  in_valid,
    output wire                  in_ready,
    input  wire [VALUE_BITS-1:0] in_value,
    input  wire                  out_free,
    output wire                  out_wr_en,
    output wire [EVENT_BITS-1:0] out_event,
    output wire                  out_commit,
    output wire                  started
);
    localparam S_IDLE = 2'd0, S_START = 2'd1, S_VALUES = 2'd2, S_DONE = 2'd3;

    reg [1:0]          state;
    reg [SRC_BITS-1:0] index;      // value being encoded
    reg [K-1:0]        remaining;  // its planes not yet written
    reg [VALUE_BITS-1:0] held;     // PAYLOAD: the value being written

    // ---- combinational: the lowest remaining plane and what is left after it ----
    reg [SEL_BITS-1:0] plane;
    integer k;
    always @(*) begin
        plane = {SEL_BITS{1'b0}};
        for (k = K - 1; k >= 0; k = k - 1)
            if (remaining[k]) plane = k[SEL_BITS-1:0];
    end
    wire [K-1:0] rest       = remaining & (remaining - 1'b1);
    wire         last_cycle = rest == {K{1'b0}};           // this value finishes this cycle
    wire         last_value = {{(32-SRC_BITS){1'b0}}, index} == M - 1;
    wire         advance    = state == S_VALUES && last_cycle && !last_value;
    wire [K-1:0] mask_in    = PAYLOAD != 0 ? {{(K-1){1'b0}}, in_value != {VALUE_BITS{1'b0}}}
                                           : MASKS[in_value * K +: K];
    // Widened so the slice is legal whichever of SEL_BITS and VALUE_BITS is larger (plane
    // codes use none of it).
    /* verilator lint_off UNUSEDSIGNAL */
    wire [SEL_BITS+VALUE_BITS-1:0] held_wide = {{SEL_BITS{1'b0}}, held};
    /* verilator lint_on UNUSEDSIGNAL */
    wire [SEL_BITS-1:0] sel = PAYLOAD != 0 ? held_wide[SEL_BITS-1:0] : plane;

    assign in_ready   = (state == S_START || advance) && in_valid;
    assign out_wr_en  = state == S_VALUES && remaining != {K{1'b0}};
    // The position of the value being encoded, for a conv layer 0.
    reg [SRC_BITS-1:0] pos_c;
    reg [Y_BITS-1:0]   pos_y;
    reg [X_BITS-1:0]   pos_x;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] packed32 = ({{(32-SRC_BITS){1'b0}}, pos_c} << (Y_BITS + X_BITS))
                         | ({{(32-Y_BITS){1'b0}}, pos_y} << X_BITS) | {{(32-X_BITS){1'b0}}, pos_x};
    /* verilator lint_on UNUSEDSIGNAL */
    wire [SRC_BITS-1:0] source = PACKED != 0 ? packed32[SRC_BITS-1:0] : index;

    assign out_event  = {1'b0, sel, source};
    assign out_commit = state == S_DONE;
    assign started    = state == S_START && in_valid;

    // ---- clocked ----
    always @(posedge clk) begin
        if (rst) begin
            state     <= S_IDLE;
            index     <= {SRC_BITS{1'b0}};
            remaining <= {K{1'b0}};
            held      <= {VALUE_BITS{1'b0}};
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
                    else if (last_value) state <= S_DONE;
                    else if (in_valid) begin
                        index     <= index + 1'b1;
                        // Raster order: x, then y, then c.
                        if ({{(32-X_BITS){1'b0}}, pos_x} != WIDTH - 1) pos_x <= pos_x + 1'b1;
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
                    end else remaining <= {K{1'b0}};
                end
                default: state <= S_IDLE;  // S_DONE
            endcase
        end
    end
endmodule
