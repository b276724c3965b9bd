// sf_mask.vh: a mask of pending events without one of its bits, included into the module
// bodies of sf_layer and sf_conv (it reads their MASK_BITS). A decoder over the bit's index:
// a part-select or shift at a computed index becomes a shifter over the whole mask, and
// pending & (pending - 1) a MASK_BITS-long carry chain (the critical path of the 128-lane
// layer at 29.9 MHz on the ECP5).
//
// Arguments
//   bits     MASK_BITS   the mask
//   index    32          the bit to clear (none if index >= MASK_BITS)
// Result: bits with bit index cleared, MASK_BITS.
function [MASK_BITS-1:0] without_bit;
    input [MASK_BITS-1:0] bits;
    input [31:0]          index;
    integer b;
    begin
        without_bit = bits;
        for (b = 0; b < MASK_BITS; b = b + 1)
            if (b == index) without_bit[b] = 1'b0;
    end
endfunction
