// sf_scale.vh: a signed weight times a constant amplitude, as a sum of shifted copies of the
// weight; included into the module bodies of sf_lane and sf_conv (it reads their W_BITS and
// PROD_BITS). Written out as shift-adds because synthesis turns "w times the amplitude of
// the event's plane" (a constant picked by a multiplexer) into one variable product, which
// the ECP5 flow maps to a hard multiplier per lane and tap: the conv3 layer of the MNIST
// conv model, with spike values 1 to 4, wanted 96 MULT18X18D and left none for the rest.
// Every call passes a constant amplitude, so only its set bits become adders.
//
// Arguments
//   w        W_BITS      signed weight
//   amp      32          amplitude, a constant below 2^(PROD_BITS - W_BITS - 1)
// Result: w * amp, PROD_BITS signed.
function signed [PROD_BITS-1:0] times_amplitude;
    input signed [W_BITS-1:0] w;
    input [31:0]              amp;
    integer b;
    reg signed [PROD_BITS-1:0] w_wide;
    begin
        w_wide = {{(PROD_BITS-W_BITS){w[W_BITS-1]}}, w};
        times_amplitude = {PROD_BITS{1'b0}};
        for (b = 0; b < PROD_BITS - W_BITS; b = b + 1)
            if (amp[b]) times_amplitude = times_amplitude + (w_wide <<< b);
    end
endfunction
