// A techmap for the mutation campaign's netlist (sim::mutation::yosys): `$shiftx`, the
// part-select `A[B +: Y_WIDTH]` with a variable offset, as shifts that read 0 past either
// end of `A`.
//
// Past the ends Verilog and yosys read x, which the equivalence proofs take as 0 (they run
// `setundef -zero`). Verilator, given the part-select itself, wraps the offset into a
// vector whose width is a power of two: bit 132 of a 64-bit vector read as bit 4. A mutant
// that multiplied the encoder's plane count by 33 (`MASKS[value * K +: K]`, K = 4 with
// bit 7 set) read past the end of `MASKS` for every value but 0 and landed on the right
// planes in Verilator, a circuit no synthesis of the netlist builds. The unmutated designs
// never read past an end.
//
// Ports (those of yosys's `$shiftx`)
//   A   in   A_WIDTH   the vector
//   B   in   B_WIDTH   the offset of Y's bit 0 (two's complement if B_SIGNED)
//   Y   out  Y_WIDTH   A[B +: Y_WIDTH], 0 where that is outside A
(* techmap_celltype = "$shiftx" *)
module _sf_shiftx_zero #(
    parameter A_SIGNED = 0,
    parameter B_SIGNED = 0,
    parameter A_WIDTH  = 1,
    parameter B_WIDTH  = 1,
    parameter Y_WIDTH  = 1
) (
    input  wire [A_WIDTH-1:0] A,
    input  wire [B_WIDTH-1:0] B,
    output wire [Y_WIDTH-1:0] Y
);
    // Zeros above A, so a shift right brings them in at the top of Y.
    wire [A_WIDTH+Y_WIDTH-1:0] padded = {{Y_WIDTH{1'b0}}, A};
    generate
        if (B_SIGNED != 0) begin : g_signed
            // A negative offset -m: Y's bit i is A's bit i - m, zeros below.
            wire [B_WIDTH-1:0] below = -B;
            assign Y = B[B_WIDTH-1] ? padded << below : padded >> B;
        end else begin : g_unsigned
            assign Y = padded >> B;
        end
    endgenerate
endmodule
