// sf_neuron.vh: the neuron update of the integer contract, as a function included into
// sf_layer's module body (it reads sf_layer's parameters). It is a function rather than a
// module so that sf_layer can call it inside its clocked UPDATE branch: simulators then
// evaluate it only in update cycles instead of on every clock (measured: most of a wide
// layer's simulation time otherwise).
//
//   u      = decay(first ? 0 : stored) + bias + acc       (lateral pass: u = stored +
//                                          (acc <<< LAT_SHIFT), where stored holds u1)
//   spike  = fire(u)                 binary: u >= θ; ternary: ±1 when |u| >= θ;
//                                    integer: clamp((u + θ/2) >>> Q, 0, D); readout: 0
//   stored'= spike == 0 ? u : (hard ? 0 : u - spike·θ);  readout layers store u
//
// with θ = 2^Q and decay keep / clear / arithmetic shift right by DECAY_SHIFT / leak
// v - (v >>> DECAY_SHIFT) (|leak(v)| <= |v|, so it is exact at v's width). The KIND and
// DECAY_MODE codes are sf_defs.vh's (generated), which sf_layer includes first. All
// arithmetic is signed at NEURON_INT_BITS, wide enough for every intermediate value; the
// bounds analysis proves u and stored' fit MEM_BITS.
//
// Arguments
//   first    1           first timestep of an input: the stored membrane counts as 0
//   acc      ACC_BITS    signed sum of this timestep's weighted events
//   bias     BIAS_BITS   signed bias
//   stored   MEM_BITS    signed post-reset membrane from the previous timestep (lateral
//                        pass: the feedforward membrane u1 of this timestep)
//   second   1           lateral pass of a layer with lateral connections
// Result {u, stored', spike_neg, |spike|}: MEM_BITS + MEM_BITS + 1 + OUT_VALUE_BITS bits.

// The shifted lateral sum (acc <<< LAT_SHIFT) needs no extra width: the bounds put it inside
// the membrane range, so it is exact at NEURON_INT_BITS >= MEM_BITS + 2.
localparam NEURON_W1 = ACC_BITS > BIAS_BITS ? ACC_BITS : BIAS_BITS;
localparam NEURON_W2 = NEURON_W1 > MEM_BITS ? NEURON_W1 : MEM_BITS;
localparam NEURON_W3 = NEURON_W2 > Q + 2 ? NEURON_W2 : Q + 2;
localparam NEURON_W4 = NEURON_W3 > OUT_VALUE_BITS + Q + 2 ? NEURON_W3 : OUT_VALUE_BITS + Q + 2;
localparam NEURON_INT_BITS = NEURON_W4 + 2;
localparam NEURON_RESULT_BITS = 2 * MEM_BITS + 1 + OUT_VALUE_BITS;

// decay(v) of the integer contract at MEM_BITS: keep, clear, arithmetic shift right by
// DECAY_SHIFT, or leak v - (v >>> DECAY_SHIFT) (a conv stage stores decay(v') + bias for the
// next timestep).
function [MEM_BITS-1:0] neuron_decay;
    input [MEM_BITS-1:0] v;
    begin
        if (DECAY_MODE == SF_DECAY_KEEP) neuron_decay = v;
        else if (DECAY_MODE == SF_DECAY_CLEAR) neuron_decay = {MEM_BITS{1'b0}};
        // Both operands signed: an unsigned one would make >>> a logical shift.
        else if (DECAY_MODE == SF_DECAY_LEAK) neuron_decay = $signed(v) - ($signed(v) >>> DECAY_SHIFT);
        else neuron_decay = $signed(v) >>> DECAY_SHIFT;  // SF_DECAY_SHIFT
    end
endfunction

// ---- integrate: u (the bounds prove it fits MEM_BITS, so the cut is exact) ----
function [MEM_BITS-1:0] neuron_integrate;
    input                 first;
    input [ACC_BITS-1:0]  acc;
    input [BIAS_BITS-1:0] bias;
    input [MEM_BITS-1:0]  stored;
    input                 second;
    // Every operand is signed: one unsigned operand in a conditional makes the whole
    // expression unsigned and turns >>> into a logical shift.
    reg signed [NEURON_INT_BITS-1:0] prev, decayed;
    // Only its low bits are the result: the bounds prove the rest are sign copies.
    /* verilator lint_off UNUSEDSIGNAL */
    reg signed [NEURON_INT_BITS-1:0] u;
    /* verilator lint_on UNUSEDSIGNAL */
    begin
        prev = first ? {NEURON_INT_BITS{1'b0}} : {{(NEURON_INT_BITS-MEM_BITS){stored[MEM_BITS-1]}}, stored};
        if (second) begin
            // u1 was decayed and biased in the first pass: only the lateral sum is added.
            u = {{(NEURON_INT_BITS-MEM_BITS){stored[MEM_BITS-1]}}, stored}
              + ({{(NEURON_INT_BITS-ACC_BITS){acc[ACC_BITS-1]}}, acc} <<< LAT_SHIFT);
        end else begin
            if (DECAY_MODE == SF_DECAY_KEEP) decayed = prev;
            else if (DECAY_MODE == SF_DECAY_CLEAR) decayed = {NEURON_INT_BITS{1'b0}};
            else if (DECAY_MODE == SF_DECAY_LEAK) decayed = prev - (prev >>> DECAY_SHIFT);
            else decayed = prev >>> DECAY_SHIFT;  // SF_DECAY_SHIFT
            u = decayed + {{(NEURON_INT_BITS-BIAS_BITS){bias[BIAS_BITS-1]}}, bias}
                        + {{(NEURON_INT_BITS-ACC_BITS){acc[ACC_BITS-1]}}, acc};
        end
        neuron_integrate = u[MEM_BITS-1:0];
    end
endfunction

// ---- fire and reset from u: {u, stored', spike_neg, |spike|} ----
function [NEURON_RESULT_BITS-1:0] neuron_fire;
    input [MEM_BITS-1:0] u_in;
    reg signed [NEURON_INT_BITS-1:0] theta, half, u, rounded, spike;
    /* verilator lint_off UNUSEDSIGNAL */
    reg signed [NEURON_INT_BITS-1:0] kept, magnitude;
    /* verilator lint_on UNUSEDSIGNAL */
    begin
        theta   = {{(NEURON_INT_BITS-1){1'b0}}, 1'b1} <<< Q;
        half    = theta >>> 1;  // 0 when Q = 0
        u       = {{(NEURON_INT_BITS-MEM_BITS){u_in[MEM_BITS-1]}}, u_in};
        rounded = (u + half) >>> Q;
        if (KIND == SF_KIND_BINARY_LIF) spike = u >= theta ? 1 : 0;
        else if (KIND == SF_KIND_TERNARY) spike = u >= theta ? 1 : (u <= -theta ? -1 : 0);
        else if (KIND == SF_KIND_INTEGER) spike = rounded < 0 ? 0 : (rounded > MAX_SPIKE ? MAX_SPIKE : rounded);
        else spike = 0;  // SF_KIND_READOUT
        // ---- reset ----
        if (KIND == SF_KIND_READOUT || spike == 0) kept = u;
        else if (RESET_SOFT != 0) kept = u - spike * theta;
        else kept = {NEURON_INT_BITS{1'b0}};
        magnitude = spike < 0 ? -spike : spike;
        neuron_fire = {u_in, kept[MEM_BITS-1:0], spike < 0, magnitude[OUT_VALUE_BITS-1:0]};
    end
endfunction

// Both in one cycle (sf_conv's update pass, which fires a word that already holds u).
function [NEURON_RESULT_BITS-1:0] neuron_update;
    input                 first;
    input [ACC_BITS-1:0]  acc;
    input [BIAS_BITS-1:0] bias;
    input [MEM_BITS-1:0]  stored;
    input                 second;
    begin
        neuron_update = neuron_fire(neuron_integrate(first, acc, bias, stored, second));
    end
endfunction
