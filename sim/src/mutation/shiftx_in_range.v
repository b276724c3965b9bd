// A yosys techmap rule for the mutation netlist: a part-select with a variable offset (a
// `$shiftx` cell, `a[b +: W]`) reads 0 in every bit past either end of its vector, where
// Verilog leaves it undefined.
//
// In Verilator such an offset wraps (bit 132 of a 64-bit vector reads bit 4, bits 3:2 of a
// 2-bit vector read bits 1:0), while the equivalence proofs read 0: they apply this rule
// before `techmap` (`yosys::past_end_zero`), whose own gates wrap an offset past the bits
// the vector needs.
// A mutant that moves an index past the end then ran in co-simulation as a circuit the
// proofs did not see: `ternary`'s readout (one lane, one block) with its search's lane bit
// set reads `block_first` at block 1 of 1, and the wrap cancelled the wrong lane
// (session 30). Expanding the select into shifts gives 0 too, but took Verilator past
// 10 GB on the `conv` host; a compare per bit beside the select keeps it one expression.
//
// The select itself stays: it is built as `$__sf_shiftx`, renamed back to `$shiftx` after
// the techmap pass (`chtype`), which `write_verilog` prints as `a[b +: W]` again.
//
// Ports (those of yosys's `$shiftx` cell)
//   A  in   A_WIDTH  the vector
//   B  in   B_WIDTH  the offset of Y's bit 0 in A (signed where B_SIGNED)
//   Y  out  Y_WIDTH  A[B +: Y_WIDTH], each bit outside A 0
(* techmap_celltype = "$shiftx" *)
module _sf_shiftx_in_range (A, B, Y);
    parameter A_SIGNED = 0;
    parameter B_SIGNED = 0;
    parameter A_WIDTH = 1;
    parameter B_WIDTH = 1;
    parameter Y_WIDTH = 1;
    input  [A_WIDTH-1:0] A;
    input  [B_WIDTH-1:0] B;
    output [Y_WIDTH-1:0] Y;

    wire [Y_WIDTH-1:0] part;
    \$__sf_shiftx #(
        .A_SIGNED(A_SIGNED), .B_SIGNED(B_SIGNED), .A_WIDTH(A_WIDTH), .B_WIDTH(B_WIDTH), .Y_WIDTH(Y_WIDTH)
    ) _TECHMAP_REPLACE_ (.A(A), .B(B), .Y(part));

    genvar i;
    generate
        for (i = 0; i < Y_WIDTH; i = i + 1) begin : g_bit
            // Bit i reads A[B + i]: inside A where LO <= B < HI (signed integers, so a
            // negative offset compares as one).
            localparam integer LO = -i;
            localparam integer HI = A_WIDTH - i;
            if (HI <= 0)
                assign Y[i] = 1'b0;
            else if (B_SIGNED)
                assign Y[i] = $signed(B) >= LO && $signed(B) < HI ? part[i] : 1'b0;
            else
                assign Y[i] = B < HI ? part[i] : 1'b0;
        end
    endgenerate
endmodule
