// sf_lane: one spike-accumulate lane. For each cycle with add_en it adds
// (neg ? -1 : +1) * amplitude(sel) * weight to its accumulator, where amplitude(sel) is
// the constant amplitude of plane `sel` of the incoming spike code (each plane's product
// is a constant multiplication: shifts and adds) or, for payload codes, the value `sel`.
// A lane of a layer with lateral connections knows a second code, the layer's own
// (LAT_*), used while `lateral` is high: the lateral pass replays the layer's own
// provisional spikes.
//
// Timing: two stages. The cycle with add_en registers the scaled contribution; the next
// cycle adds it. So acc includes an add_en cycle's event two clock edges later, and a
// multiplier (payload codes: a DSP block on the ECP5, fed by a block RAM read) never shares
// a cycle with the accumulator's carry chain.
//
// Ports
//   clk      in   1          clock
//   clear    in   1          set the accumulator to 0 (wins over add_en)
//   add_en   in   1          accumulate this cycle
//   weight   in   W_BITS     signed weight of this lane's neuron for the event's source
//   sel      in   SEL_BITS   plane index (plane codes) or spike value (payload codes)
//   neg      in   1          negative (ternary) spike; unused unless SIGNED or LAT_SIGNED: a
//                            lane fed only by non-ternary codes has no negation
//   lateral  in   1          the event is the layer's own (LAT_* code); 0 when LATERAL = 0
//   acc      out  ACC_BITS   signed accumulator
module sf_lane #(
    parameter W_BITS    = 8,
    parameter SEL_BITS  = 3,
    parameter ACC_BITS  = 16,
    parameter K         = 1,          // planes of the incoming code
    parameter AMP_BITS  = 9,          // width of each amplitude in AMPS
    parameter [K*AMP_BITS-1:0] AMPS = 9'd1,  // amplitude of plane k at [k*AMP_BITS +: AMP_BITS]
    parameter PAYLOAD   = 0,          // 1: sel is the spike value itself
    parameter SIGNED    = 1,          // 0: no event of the incoming code is negative (neg unused)
    parameter LATERAL   = 0,          // 1: a second code for the lateral pass
    parameter LAT_K     = 1,
    parameter LAT_AMP_BITS = 1,
    parameter [LAT_K*LAT_AMP_BITS-1:0] LAT_AMPS = {(LAT_K*LAT_AMP_BITS){1'b1}},
    parameter LAT_PAYLOAD = 0,
    parameter LAT_SIGNED  = 1         // 0: the layer's own code is never negative
) (
    input  wire                       clk,
    input  wire                       clear,
    input  wire                       add_en,
    input  wire signed [W_BITS-1:0]   weight,
    input  wire [SEL_BITS-1:0]        sel,
    input  wire                       neg,
    input  wire                       lateral,
    output reg  signed [ACC_BITS-1:0] acc
);
    // Products are formed at a width that holds any of them exactly; the accumulator
    // bound (ARCHITECTURE.md "Integer contract") guarantees the value fits ACC_BITS.
    localparam MUL_W1 = SEL_BITS > AMP_BITS ? SEL_BITS : AMP_BITS;
    localparam MUL_BITS = (MUL_W1 > LAT_AMP_BITS ? MUL_W1 : LAT_AMP_BITS) + 1;
    localparam PROD_BITS = W_BITS + MUL_BITS + 1;
    localparam WIDE = PROD_BITS > ACC_BITS ? PROD_BITS : ACC_BITS;
    localparam NEGATES = SIGNED != 0 || (LATERAL != 0 && LAT_SIGNED != 0);

    // ---- the scaled, signed contribution of this event ----
    // Plane codes: a constant product per plane (synthesis makes each a shift or a
    // shift-add) selected by the plane; no general multiplier. Payload codes: the value
    // itself multiplies the weight. A function called in the clocked add branch, so
    // simulators compute it only in cycles that add.
    `include "sf_scale.vh"
    function [ACC_BITS-1:0] contribution;
        input signed [W_BITS-1:0] w;
        input [SEL_BITS-1:0]      plane;
        input                     negative;
        input                     own;
        integer k;
        reg signed [PROD_BITS-1:0] product;
        // Only the low ACC_BITS are added: the bound proves the true sum never needs more.
        /* verilator lint_off UNUSEDSIGNAL */
        reg signed [WIDE-1:0] wide;
        /* verilator lint_on UNUSEDSIGNAL */
        begin
            product = {PROD_BITS{1'b0}};
            if (LATERAL != 0 && own ? LAT_PAYLOAD != 0 : PAYLOAD != 0)
                product = w * $signed({{(MUL_BITS-SEL_BITS){1'b0}}, plane});
            else if (LATERAL != 0 && own) begin
                // begin/end: without them the else below would bind to the loop's if.
                for (k = 0; k < LAT_K; k = k + 1)
                    if (plane == k[SEL_BITS-1:0])
                        product = times_amplitude(w, {{(32-LAT_AMP_BITS){1'b0}}, LAT_AMPS[k*LAT_AMP_BITS +: LAT_AMP_BITS]});
            end else
                for (k = 0; k < K; k = k + 1)
                    if (plane == k[SEL_BITS-1:0])
                        product = times_amplitude(w, {{(32-AMP_BITS){1'b0}}, AMPS[k*AMP_BITS +: AMP_BITS]});
            wide = {{(WIDE-PROD_BITS){product[PROD_BITS-1]}}, product};
            // A constant condition: a lane whose codes are never negative has no negation
            // (its neg input is 0 anyway).
            if (NEGATES != 0) begin
                if (negative) wide = -wide;
            end
            contribution = wide[ACC_BITS-1:0];
        end
    endfunction

    // ---- clocked: the scaled contribution, then the accumulator ----
    reg                add_pending;
    reg [ACC_BITS-1:0] scaled;
    always @(posedge clk) begin
        add_pending <= add_en && !clear;
        if (add_en) scaled <= contribution(weight, sel, neg, lateral);
        if (clear) acc <= {ACC_BITS{1'b0}};
        else if (add_pending) acc <= acc + scaled;
    end
endmodule
