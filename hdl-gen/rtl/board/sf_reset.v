// sf_reset: power-on reset for boards without a reset button wired to the design. `rst`
// is high for the first CYCLES cycles after configuration (the counter's initial value is
// loaded with the bitstream), then low for good.
//
// Ports
//   clk   in   1   clock
//   rst   out  1   synchronous reset, high for CYCLES cycles after power-on
module sf_reset #(
    parameter CYCLES = 16,
    parameter BITS   = 5   // clog2(CYCLES + 1)
) (
    input  wire clk,
    output wire rst
);
    reg [BITS-1:0] count = {BITS{1'b0}};

    assign rst = count != CYCLES[BITS-1:0];

    always @(posedge clk) begin
        if (rst) count <= count + 1'b1;
    end
endmodule
