// sf_mask.vh: functions over a mask of pending events, included into the module bodies of
// sf_emit_search and sf_conv (they read the module's MASK_BITS). None of them is a carry
// chain or a shifter at a computed index, because the mask's emission loop is a critical
// path.
//
// without_bit: the mask without one of its bits. A decoder over the bit's index: a
// part-select or shift at a computed index becomes a shifter over the whole mask, and
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

// Whether at least two bits of a mask are set: "was the event being sent the last one",
// asked of the mask that still holds it. A tree of (any, several) pairs, log2(MASK_BITS)
// deep, so the answer can be a register beside the mask rather than a reduction of the
// mask behind the cleared bit (that reduction, into the state, bounded the Tang Nano 9K
// and the UP5K at 65.7 and 32.6 MHz). Nodes are combined in place, as in first_pending.
//
// Arguments
//   bits     MASK_BITS   the mask
// Result: 1 if two or more bits are set.
localparam SF_MASK_LEVELS = $clog2(MASK_BITS);
localparam SF_MASK_PAD    = 1 << SF_MASK_LEVELS;
function several_bits;
    input [MASK_BITS-1:0] bits;
    integer h, k;
    reg [SF_MASK_PAD-1:0] node_any;
    reg [SF_MASK_PAD-1:0] node_several;
    begin
        node_any     = {SF_MASK_PAD{1'b0}};
        node_several = {SF_MASK_PAD{1'b0}};
        for (k = 0; k < MASK_BITS; k = k + 1) node_any[k] = bits[k];
        for (h = 0; h < SF_MASK_LEVELS; h = h + 1)
            for (k = 0; k < SF_MASK_PAD / 2; k = k + 1) if (k < (SF_MASK_PAD >> (h + 1))) begin
                node_several[k] = node_several[2*k] | node_several[2*k+1] | (node_any[2*k] & node_any[2*k+1]);
                node_any[k]     = node_any[2*k] | node_any[2*k+1];
            end
        several_bits = node_several[0];
    end
endfunction

// The lowest set bit of a mask, one-hot (all zero for an empty mask). bits & -bits would be
// a MASK_BITS-long carry chain; this is a prefix OR (Kogge-Stone: log2(MASK_BITS) levels of
// two-input ORs, which synthesis packs several to a LUT) followed by one AND per bit.
//
// Arguments
//   bits     MASK_BITS   the mask
// Result: bits with every bit but the lowest cleared.
function [MASK_BITS-1:0] lowest_bit;
    input [MASK_BITS-1:0] bits;
    integer s;
    reg [MASK_BITS-1:0] below;  // bit i: some bit under i is set
    begin
        below = bits << 1;
        for (s = 1; s < MASK_BITS; s = s * 2) below = below | (below << s);
        lowest_bit = bits & ~below;
    end
endfunction
