// sf_neuron: the neuron update of the integer contract, for one neuron, purely
// combinational (the layer registers the results):
//
//   u      = decay(first ? 0 : stored) + bias + acc
//   spike  = fire(u)                 binary: u >= θ; ternary: ±1 when |u| >= θ;
//                                    integer: clamp((u + θ/2) >>> Q, 0, D)
//   stored'= spike == 0 ? u : (hard ? 0 : u - spike·θ);  readout layers store u
//
// with θ = 2^Q, decay keep / clear / arithmetic shift right by DECAY_SHIFT. All arithmetic
// is done at INT_BITS, wide enough for every intermediate value; the bounds analysis
// proves u and stored' fit MEM_BITS.
//
// Ports
//   first       in   1           first timestep of an input: the stored membrane counts as 0
//   acc         in   ACC_BITS    signed sum of this timestep's weighted events
//   bias        in   BIAS_BITS   signed bias
//   stored      in   MEM_BITS    signed post-reset membrane from the previous timestep
//   u           out  MEM_BITS    signed membrane before reset (the score of a readout layer)
//   stored_next out  MEM_BITS    signed membrane to store
//   spike_mag   out  VALUE_BITS  |spike|
//   spike_neg   out  1           spike is -1 (ternary)
module sf_neuron #(
    parameter ACC_BITS    = 16,
    parameter BIAS_BITS   = 8,
    parameter MEM_BITS    = 18,
    parameter VALUE_BITS  = 3,
    parameter KIND        = 2,   // 0 binary LIF, 1 ternary, 2 integer (LMS), 3 readout
    parameter Q           = 4,   // threshold θ = 2^Q
    parameter MAX_SPIKE   = 7,   // D (integer neurons)
    parameter DECAY_MODE  = 2,   // 0 keep, 1 clear, 2 shift
    parameter DECAY_SHIFT = 2,
    parameter RESET_SOFT  = 1    // 0 hard, 1 soft
) (
    input  wire                         first,
    input  wire signed [ACC_BITS-1:0]   acc,
    input  wire signed [BIAS_BITS-1:0]  bias,
    input  wire signed [MEM_BITS-1:0]   stored,
    output wire signed [MEM_BITS-1:0]   u,
    output wire signed [MEM_BITS-1:0]   stored_next,
    output wire [VALUE_BITS-1:0]        spike_mag,
    output wire                         spike_neg
);
    localparam W1 = ACC_BITS > BIAS_BITS ? ACC_BITS : BIAS_BITS;
    localparam W2 = W1 > MEM_BITS ? W1 : MEM_BITS;
    localparam W3 = W2 > Q + 2 ? W2 : Q + 2;
    localparam W4 = W3 > VALUE_BITS + Q + 2 ? W3 : VALUE_BITS + Q + 2;
    localparam INT_BITS = W4 + 2;

    // Every operand of a conditional must be signed, or Verilog evaluates the whole
    // expression unsigned and >>> becomes a logical shift: hence this signed zero.
    localparam signed [INT_BITS-1:0] ZERO = 0;
    wire signed [INT_BITS-1:0] theta = {{(INT_BITS-1){1'b0}}, 1'b1} <<< Q;
    wire signed [INT_BITS-1:0] half  = theta >>> 1;   // 0 when Q = 0
    wire signed [INT_BITS-1:0] max_spike = MAX_SPIKE;

    // ---- integrate ----
    wire signed [INT_BITS-1:0] stored_wide = {{(INT_BITS-MEM_BITS){stored[MEM_BITS-1]}}, stored};
    wire signed [INT_BITS-1:0] prev = first ? ZERO : stored_wide;
    wire signed [INT_BITS-1:0] decayed = DECAY_MODE == 0 ? prev
                                       : DECAY_MODE == 1 ? ZERO
                                       : prev >>> DECAY_SHIFT;
    wire signed [INT_BITS-1:0] u_wide = decayed
                                      + {{(INT_BITS-BIAS_BITS){bias[BIAS_BITS-1]}}, bias}
                                      + {{(INT_BITS-ACC_BITS){acc[ACC_BITS-1]}}, acc};

    // ---- fire ----
    wire signed [INT_BITS-1:0] rounded = (u_wide + half) >>> Q;
    reg  signed [INT_BITS-1:0] spike;
    always @(*) begin
        case (KIND)
            0: spike = u_wide >= theta ? 1 : 0;
            1: spike = u_wide >= theta ? 1 : (u_wide <= -theta ? -1 : 0);
            2: spike = rounded < 0 ? 0 : (rounded > max_spike ? max_spike : rounded);
            default: spike = 0;
        endcase
    end

    // ---- reset ----
    wire signed [INT_BITS-1:0] after_reset = spike == 0 ? u_wide
                                           : RESET_SOFT != 0 ? u_wide - spike * theta
                                           : ZERO;

    // The bounds analysis proves u and the stored membrane fit MEM_BITS; the high bits
    // of the wide values are sign copies.
    /* verilator lint_off UNUSEDSIGNAL */
    wire signed [INT_BITS-1:0] magnitude = spike < 0 ? -spike : spike;
    wire signed [INT_BITS-1:0] keep = KIND == 3 ? u_wide : after_reset;
    /* verilator lint_on UNUSEDSIGNAL */
    assign u           = u_wide[MEM_BITS-1:0];
    assign stored_next = keep[MEM_BITS-1:0];
    assign spike_mag   = magnitude[VALUE_BITS-1:0];
    assign spike_neg   = spike < 0;
endmodule
