// sf_tb_tap: simulation only. Writes one layer's tap ports as records (sf_tb_clock lists
// the format): an `E` line for every emitted event and a `D` line for every DONE cycle,
// sampled before the rising edge. The `D` line ends with the digest of the membranes the
// layer's update wrote for the item (sim/src/membrane.rs: the wrapping sum of `mix` over
// them, printed in hex); inside the VCD window (+vcd=FILE +vcd_first=A +vcd_last=B) each
// membrane is also written as a `V` line, which locates a digest mismatch to its neuron.
//
// Ports
//   clk            in   1                  clock
//   rst            in   1                  reset (nothing is recorded during reset)
//   cycle          in   64                 current cycle
//   fd             in   32                 record file
//   emit_valid     in   1                  the layer emits an event
//   emit_neuron    in   NEURON_BITS        emitting neuron
//   emit_sel       in   SEL_BITS           plane or value
//   emit_neg       in   1                  negative spike
//   score_value    in   SCORE_BITS         score (printed signed when HAS_SCORE, else 0)
//   item_done      in   1                  DONE cycle of an item
//   item_t         in   T_BITS             its timestep
//   mem_tap_valid  in   1                  membranes written this cycle (0: a pooling layer)
//   mem_tap_neuron in   NEURON_BITS        neuron of the first
//   mem_tap_mask   in   MEM_LANES          which of them exist
//   mem_tap_row    in   MEM_LANES*MEM_BITS their values, signed, the first in the low bits
module sf_tb_tap #(
    parameter LAYER       = 0,
    parameter NEURON_BITS = 1,
    parameter SEL_BITS    = 1,
    parameter T_BITS      = 1,
    parameter SCORE_BITS  = 1,
    parameter HAS_SCORE   = 0,  // 1: the last layer of a readout network
    parameter MEM_LANES   = 1,
    parameter MEM_BITS    = 1
) (
    input  wire                            clk,
    input  wire                            rst,
    input  wire [63:0]                     cycle,
    input  wire [31:0]                     fd,
    input  wire                            emit_valid,
    input  wire [NEURON_BITS-1:0]          emit_neuron,
    input  wire [SEL_BITS-1:0]             emit_sel,
    input  wire                            emit_neg,
    input  wire [SCORE_BITS-1:0]           score_value,
    input  wire                            item_done,
    input  wire [T_BITS-1:0]               item_t,
    input  wire                            mem_tap_valid,
    input  wire [NEURON_BITS-1:0]          mem_tap_neuron,
    input  wire [MEM_LANES-1:0]            mem_tap_mask,
    input  wire [MEM_LANES*MEM_BITS-1:0]   mem_tap_row
);
    wire signed [SCORE_BITS-1:0] score = score_value;

    // sim/src/membrane.rs `mix`: one membrane's term of the digest, wrapping at 64 bits.
    function [63:0] mix;
        input [63:0] neuron;
        input [63:0] value;
        reg   [63:0] h;
        begin
            h   = value ^ (neuron * 64'h9E3779B97F4A7C15);
            h   = (h ^ (h >> 31)) * 64'hBF58476D1CE4E5B9;
            mix = h ^ (h >> 29);
        end
    endfunction

    /* verilator lint_off UNUSEDSIGNAL */
    reg [8*1024-1:0] vcd_path;  // only whether it is given matters here
    /* verilator lint_on UNUSEDSIGNAL */
    reg              listing;
    reg [63:0]       list_first;
    reg [63:0]       list_last;
    initial begin
        listing = $value$plusargs("vcd=%s", vcd_path);
        if (!$value$plusargs("vcd_first=%d", list_first)) list_first = 0;
        if (!$value$plusargs("vcd_last=%d", list_last)) list_last = 0;
    end

    reg [63:0]          digest;
    reg [63:0]          folded;
    reg signed [63:0]   value;
    reg [63:0]          neuron;
    integer             lane;

    // folded, value and neuron are this cycle's temporaries (blocking, in the clocked block).
    /* verilator lint_off BLKSEQ */
    always @(posedge clk) begin
        if (rst) begin
            digest <= 64'd0;
        end else begin
            if (emit_valid) begin
                if (HAS_SCORE != 0)
                    $fwrite(fd, "E %0d %0d %0d %0d %0d\n", LAYER, emit_neuron, emit_sel, emit_neg, score);
                else
                    $fwrite(fd, "E %0d %0d %0d %0d 0\n", LAYER, emit_neuron, emit_sel, emit_neg);
            end
            folded = digest;
            if (mem_tap_valid) begin
                for (lane = 0; lane < MEM_LANES; lane = lane + 1) begin
                    if (mem_tap_mask[lane]) begin
                        value  = {{(64-MEM_BITS){mem_tap_row[lane*MEM_BITS+MEM_BITS-1]}},
                                  mem_tap_row[lane*MEM_BITS +: MEM_BITS]};
                        neuron = {{(64-NEURON_BITS){1'b0}}, mem_tap_neuron} + {32'd0, lane};
                        folded = folded + mix(neuron, value);
                        if (listing && cycle >= list_first && cycle <= list_last)
                            $fwrite(fd, "V %0d %0d %0d\n", LAYER, neuron, value);
                    end
                end
            end
            if (item_done) begin
                $fwrite(fd, "D %0d %0d %0d %h\n", LAYER, item_t, cycle, folded);
                folded = 64'd0;
            end
            digest <= folded;
        end
    end
    /* verilator lint_on BLKSEQ */
endmodule
