// sf_weight_loader: turns the UART bridge's load byte stream into word writes for one
// layer's loaded weight memory (sf_layer WEIGHTS_LOADED = 1). The bridge streams a word's
// bytes lowest first; this loader shifts them in and, on the word's last byte, writes the
// word (one cycle later, registered). Bytes for other targets are ignored.
//
// Timing: byte k of a word arrives with load_en; the word is written in the cycle after its
// last byte (wr_en high for one cycle). The bridge streams one byte per cycle at most, so
// a word of WORD_BYTES bytes costs WORD_BYTES cycles.
//
// Ports
//   clk            in   1            clock
//   rst            in   1            synchronous reset
//   load_en        in   1            the bridge has a byte
//   load_target    in   8            for this target?
//   load_addr      in   24           word address
//   load_byte      in   8            the byte
//   load_word_end  in   1            the word's last byte
//   wr_en          out  1            write wr_data at wr_addr
//   wr_addr        out  ADDR_BITS    word address
//   wr_data        out  WORD_BITS    the word, first byte in the low bits
module sf_weight_loader #(
    parameter TARGET     = 0,   // this loader's target number
    parameter WORD_BITS  = 8,   // bits of a weight word
    parameter WORD_BYTES = 1,   // ceil(WORD_BITS / 8)
    parameter ADDR_BITS  = 1    // bits of a word address (at most 24)
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 load_en,
    input  wire [7:0]           load_target,
    input  wire [23:0]          load_addr,
    input  wire [7:0]           load_byte,
    input  wire                 load_word_end,
    output reg                  wr_en,
    output reg [ADDR_BITS-1:0]  wr_addr,
    output reg [WORD_BITS-1:0]  wr_data
);
    localparam SHIFT_BITS = 8 * WORD_BYTES;

    // ---- combinational: this target's byte, and the word with it shifted in ----
    wire                  take_byte = load_en && load_target == TARGET;
    // The word's earlier bytes (one byte of flip-flops even for one-byte words, unused there).
    localparam KEEP_BITS = WORD_BYTES > 1 ? SHIFT_BITS - 8 : 8;
    reg  [KEEP_BITS-1:0]  shifter;
    wire [SHIFT_BITS-1:0] shifted;
    generate
        if (WORD_BYTES > 1) begin : g_shift
            assign shifted = {load_byte, shifter};
        end else begin : g_byte
            assign shifted = load_byte;
            wire unused_shifter = ^shifter;
        end
        // Address bits above the memory's never reach it (the bridge checks the depth).
        if (ADDR_BITS < 24) begin : g_addr_unused
            wire unused_addr = ^load_addr[23:ADDR_BITS];
        end
        // Padding bits of the last byte (WORD_BITS not a multiple of 8) carry no weight.
        if (SHIFT_BITS > WORD_BITS) begin : g_pad_unused
            wire unused_pad = ^shifted[SHIFT_BITS-1:WORD_BITS];
        end
    endgenerate

    // ---- clocked ----
    always @(posedge clk) begin
        if (rst) begin
            shifter <= {KEEP_BITS{1'b0}};
            wr_en   <= 1'b0;
            wr_addr <= {ADDR_BITS{1'b0}};
            wr_data <= {WORD_BITS{1'b0}};
        end else begin
            wr_en <= take_byte && load_word_end;
            if (take_byte) begin
                shifter <= shifted[SHIFT_BITS-1:SHIFT_BITS-KEEP_BITS];
                if (load_word_end) begin
                    wr_addr <= load_addr[ADDR_BITS-1:0];
                    wr_data <= shifted[WORD_BITS-1:0];
                end
            end
        end
    end
endmodule
