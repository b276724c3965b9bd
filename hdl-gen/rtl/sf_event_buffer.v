// sf_event_buffer: double-buffered (ping-pong) event memory between two pipeline stages.
//
// The producer fills its current slot with events (one write per cycle) and commits it;
// the consumer reads the slot it owns at random addresses and releases it when done. A
// slot is "full" from the commit until the release. Commit and release take effect at the
// end of the cycle they are asserted in (flags visible the next cycle): this is the
// one-cycle handover the timing contract (ARCHITECTURE.md) counts.
//
// Ports
//   clk         in   1           clock
//   rst         in   1           synchronous reset: both slots free, both pointers at slot 0
//   wr_free     out  1           the producer's current slot is free (may be filled)
//   wr_en       in   1           write wr_data at the next free position of the slot
//   wr_data     in   WIDTH       event word
//   wr_commit   in   1           mark the slot full with the number of words written
//   rd_full     out  1           the consumer's current slot holds a committed item
//   rd_count    out  COUNT_BITS  words in the consumer's slot
//   rd_addr     in   ADDR_BITS   word to read
//   rd_data     out  WIDTH       word at rd_addr, registered (valid one cycle after rd_addr)
//   rd_release  in   1           the consumer is done with its slot: free it, move to the other
module sf_event_buffer #(
    parameter WIDTH      = 8,
    parameter ADDR_BITS  = 4,   // words per slot = 2**ADDR_BITS (>= the most events per item)
    parameter COUNT_BITS = 5    // ADDR_BITS + 1
) (
    input  wire                  clk,
    input  wire                  rst,
    output wire                  wr_free,
    input  wire                  wr_en,
    input  wire [WIDTH-1:0]      wr_data,
    input  wire                  wr_commit,
    output wire                  rd_full,
    output wire [COUNT_BITS-1:0] rd_count,
    input  wire [ADDR_BITS-1:0]  rd_addr,
    output reg  [WIDTH-1:0]      rd_data,
    input  wire                  rd_release
);
    reg [WIDTH-1:0]      mem [0:(2 << ADDR_BITS) - 1];
    reg                  wr_slot;
    reg                  rd_slot;
    reg [1:0]            full;
    reg [COUNT_BITS-1:0] count [0:1];
    reg [COUNT_BITS-1:0] wr_ptr;

    assign wr_free  = !full[wr_slot];
    assign rd_full  = full[rd_slot];
    assign rd_count = count[rd_slot];

    // Memory: one write port (producer), one registered read port (consumer).
    always @(posedge clk) begin
        if (wr_en) mem[{wr_slot, wr_ptr[ADDR_BITS-1:0]}] <= wr_data;
        rd_data <= mem[{rd_slot, rd_addr}];
    end

    // Slot bookkeeping.
    always @(posedge clk) begin
        if (rst) begin
            wr_slot  <= 1'b0;
            rd_slot  <= 1'b0;
            full     <= 2'b00;
            wr_ptr   <= {COUNT_BITS{1'b0}};
            count[0] <= {COUNT_BITS{1'b0}};
            count[1] <= {COUNT_BITS{1'b0}};
        end else begin
            if (wr_commit) begin
                full[wr_slot]  <= 1'b1;
                count[wr_slot] <= wr_ptr + {{(COUNT_BITS-1){1'b0}}, wr_en};
                wr_slot        <= !wr_slot;
                wr_ptr         <= {COUNT_BITS{1'b0}};
            end else if (wr_en) begin
                wr_ptr <= wr_ptr + 1'b1;
            end
            if (rd_release) begin
                full[rd_slot] <= 1'b0;
                rd_slot       <= !rd_slot;
            end
        end
    end
endmodule
