// sf_tb_tap: simulation only. Writes one layer's tap ports as records (sf_tb_clock lists
// the format): an `E` line for every emitted event and a `D` line for every DONE cycle,
// sampled before the rising edge.
//
// Ports
//   clk          in   1             clock
//   rst          in   1             reset (nothing is recorded during reset)
//   cycle        in   64            current cycle
//   fd           in   32            record file
//   emit_valid   in   1             the layer emits an event
//   emit_neuron  in   NEURON_BITS   emitting neuron
//   emit_sel     in   SEL_BITS      plane or value
//   emit_neg     in   1             negative spike
//   score_value  in   SCORE_BITS    score (printed signed when HAS_SCORE, else 0)
//   item_done    in   1             DONE cycle of an item
//   item_t       in   T_BITS        its timestep
module sf_tb_tap #(
    parameter LAYER       = 0,
    parameter NEURON_BITS = 1,
    parameter SEL_BITS    = 1,
    parameter T_BITS      = 1,
    parameter SCORE_BITS  = 1,
    parameter HAS_SCORE   = 0   // 1: the last layer of a readout network
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire [63:0]            cycle,
    input  wire [31:0]            fd,
    input  wire                   emit_valid,
    input  wire [NEURON_BITS-1:0] emit_neuron,
    input  wire [SEL_BITS-1:0]    emit_sel,
    input  wire                   emit_neg,
    input  wire [SCORE_BITS-1:0]  score_value,
    input  wire                   item_done,
    input  wire [T_BITS-1:0]      item_t
);
    wire signed [SCORE_BITS-1:0] score = score_value;

    always @(posedge clk) begin
        if (!rst) begin
            if (emit_valid) begin
                if (HAS_SCORE != 0)
                    $fwrite(fd, "E %0d %0d %0d %0d %0d\n", LAYER, emit_neuron, emit_sel, emit_neg, score);
                else
                    $fwrite(fd, "E %0d %0d %0d %0d 0\n", LAYER, emit_neuron, emit_sel, emit_neg);
            end
            if (item_done) $fwrite(fd, "D %0d %0d %0d\n", LAYER, item_t, cycle);
        end
    end
endmodule
