// sf_emit_search: the lowest pending event of a mask of LANES lanes x OUT_K planes, and
// whether one or several are pending. Combinational; sf_layer registers what it finds.
//
// sf_layer splits its emission mask into blocks of lanes with one search each, and
// searches the blocks' "any pending" bits with one more: the loop that clears the event
// just sent and finds the next is then as wide as a block (or as the number of blocks),
// not as the whole mask. Over the 512 bits of a 128-lane, 4-plane layer that loop was the
// ECP5's critical path at 69 MHz.
//
// The lowest pending bit is the lowest lane's lowest plane: the wire order.
//
// Ports
//   pending  in   LANES*OUT_K              the mask, bit lane*OUT_K + plane
//   lowest   out  LANES*OUT_K              its lowest set bit, one-hot (zero if none)
//   first    out  LANE_BITS+OUT_SEL_BITS   {lane, plane} of that bit (if none: the highest
//                                           padded lane, plane 0; sf_layer reads it only
//                                           where `any` holds)
//   any      out  1                        some bit is set
//   several  out  1                        two or more bits are set
module sf_emit_search #(
    parameter LANES = 1,
    parameter OUT_K = 1,
    parameter OUT_SEL_BITS = 1,
    parameter LANE_BITS = 1          // clog2(LANES), at least 1
) (
    input  wire [LANES*OUT_K-1:0]            pending,
    output wire [LANES*OUT_K-1:0]            lowest,
    output wire [LANE_BITS+OUT_SEL_BITS-1:0] first,
    output wire                              any,
    output wire                              several
);
    localparam MASK_BITS = LANES * OUT_K;
    `include "sf_mask.vh"

    // {lane, plane} of the lowest set bit. A binary tree over the lanes, so the logic is
    // log2(LANES) muxes deep rather than a LANES*OUT_K long priority chain (at 64 lanes the
    // chain was the critical path, and deep enough to exhaust yosys's stack in ABC9). Leaf
    // l holds {any plane of lane l set, its first plane}; a node takes its lower child when
    // that has a set plane and otherwise the upper child with the level's lane bit set.
    // Nodes are combined in place: node k of a level reads nodes 2k and 2k+1 of the level
    // below, which no lower k has overwritten.
    localparam PAD_LANES  = 1 << LANE_BITS;
    localparam FIRST_BITS = LANE_BITS + OUT_SEL_BITS;
    function [FIRST_BITS-1:0] first_pending;
        input [MASK_BITS-1:0] mask;
        integer l, k, h;
        reg [PAD_LANES-1:0]            node_any;
        reg [PAD_LANES*FIRST_BITS-1:0] node_first;
        reg [OUT_SEL_BITS-1:0]         plane;
        reg                            found;
        begin
            node_any   = {PAD_LANES{1'b0}};
            node_first = {(PAD_LANES*FIRST_BITS){1'b0}};
            for (l = 0; l < LANES; l = l + 1) begin
                // OUT_K is at most a handful of planes: a short chain is fine here.
                plane = {OUT_SEL_BITS{1'b0}};
                found = 1'b0;
                for (k = OUT_K - 1; k >= 0; k = k - 1)
                    if (mask[l*OUT_K + k]) begin
                        plane = k[OUT_SEL_BITS-1:0];
                        found = 1'b1;
                    end
                node_any[l] = found;
                node_first[l*FIRST_BITS +: FIRST_BITS] = {{LANE_BITS{1'b0}}, plane};
            end
            for (h = 0; h < LANE_BITS; h = h + 1) begin
                // yosys wants constant loop bounds: the level's width is a guard instead.
                for (k = 0; k < PAD_LANES / 2; k = k + 1) if (k < (PAD_LANES >> (h + 1))) begin
                    if (node_any[2*k])
                        node_first[k*FIRST_BITS +: FIRST_BITS] = node_first[2*k*FIRST_BITS +: FIRST_BITS];
                    else
                        node_first[k*FIRST_BITS +: FIRST_BITS] = node_first[(2*k+1)*FIRST_BITS +: FIRST_BITS]
                            | ({{(FIRST_BITS-1){1'b0}}, 1'b1} << (OUT_SEL_BITS + h));
                    node_any[k] = node_any[2*k] | node_any[2*k+1];
                end
            end
            first_pending = node_first[FIRST_BITS-1:0];
        end
    endfunction

    assign lowest  = lowest_bit(pending);
    assign first   = first_pending(pending);
    assign any     = pending != {MASK_BITS{1'b0}};
    assign several = several_bits(pending);
endmodule
