// sf_tb_source: simulation only. Streams the input values from a text file into the core,
// one word per accepted cycle, back to back, as the Verilator harness does. A word is one
// input value, or the chunk of an encoder taking several per cycle (its first value at the
// bottom): VALUE_BITS is then the chunk's width. With +stall=SEED it holds in_valid low in
// about one cycle in four, the cycles the harness's SF_STALL_SEED picks (splitmix64 of
// SEED + cycle * 0x9E3779B97F4A7C15, its low two bits 0; cycle 0 is the first after reset).
//
// Plusargs
//   +inputs=FILE    one hexadecimal word per line (all inputs concatenated)
//   +stall=SEED     stall the stream (decimal seed)
//
// Ports
//   clk        in   1            clock
//   rst        in   1            synchronous reset (no value is offered during reset)
//   in_valid   out  1            in_value holds the next value
//   in_ready   in   1            the core takes in_value this cycle
//   in_value   out  VALUE_BITS   the next value
module sf_tb_source #(
    parameter VALUE_BITS = 8
) (
    input  wire                  clk,
    input  wire                  rst,
    output wire                  in_valid,
    input  wire                  in_ready,
    output reg  [VALUE_BITS-1:0] in_value
);
    reg [8*1024-1:0] path;
    integer          fd;
    integer          found;
    reg [VALUE_BITS-1:0] value;
    reg              have_value;
    reg              stalling;
    reg [63:0]       stall_seed;
    reg [63:0]       cycle;

    function [63:0] splitmix;
        input [63:0] z0;
        reg [63:0] z;
        begin
            z = (z0 ^ (z0 >> 30)) * 64'hBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 64'h94D049BB133111EB;
            splitmix = z ^ (z >> 31);
        end
    endfunction
    // Only the low two bits decide.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [63:0] stall_draw = splitmix(stall_seed + cycle * 64'h9E3779B97F4A7C15);
    /* verilator lint_on UNUSEDSIGNAL */
    wire        stalled    = stalling && stall_draw[1:0] == 2'd0;

    initial begin
        have_value = 1'b0;
        in_value   = {VALUE_BITS{1'b0}};
        cycle      = 64'd0;
        stall_seed = 64'd0;
        stalling   = $value$plusargs("stall=%d", stall_seed) != 0;
        if (!$value$plusargs("inputs=%s", path)) begin
            $display("sf_tb_source: no +inputs=FILE");
            $finish;
        end
        fd = $fopen(path, "r");
        if (fd == 0) begin
            $display("sf_tb_source: cannot read %0s", path);
            $finish;
        end
        found = $fscanf(fd, "%h\n", value);
        have_value = found == 1;
        in_value   = value;
    end

    assign in_valid = have_value && !rst && !stalled;

    // ---- clocked: the cycle count, the next value after each accepted one ----
    // $fscanf's result is needed within the same edge, hence the blocking assignment.
    /* verilator lint_off BLKSEQ */
    always @(posedge clk) begin
        cycle <= rst ? 64'd0 : cycle + 64'd1;
        if (in_valid && in_ready) begin
            found = $fscanf(fd, "%h\n", value);
            have_value <= found == 1;
            in_value   <= value;
        end
    end
    /* verilator lint_on BLKSEQ */
endmodule
