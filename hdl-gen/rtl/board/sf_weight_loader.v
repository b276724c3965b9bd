// sf_weight_loader: turns the UART bridge's load byte stream into word writes for one
// layer's loaded weight memory (sf_layer WEIGHTS_LOADED = 1), and reads the memory back a
// word at a time for the bridge's weight CRC. The bridge streams a word's bytes lowest
// first; this loader shifts them in and, on the word's last byte, writes the word (one
// cycle later, registered). Bytes and reads for other targets are ignored.
//
// Timing: byte k of a word arrives with load_en; the word is written in the cycle after its
// last byte (wr_en high for one cycle). The bridge streams one byte per cycle at most, so
// a word of WORD_BYTES bytes costs WORD_BYTES cycles.
// A read (read_en for this target in cycle c) raises rd_en with the address in c+1; the
// layer's RAM answers on rd_data in c+2; the word's bytes come back on read_valid /
// read_byte in c+3 .. c+2+WORD_BYTES, lowest first, as they were loaded (padding bits of the
// last byte 0), registered so that the bridge's CRC sees a flip-flop, not the RAM's output.
// read_byte is 0 while read_valid is low, so the bridge ORs every loader's bytes together.
//
// Ports
//   clk            in   1            clock
//   rst            in   1            synchronous reset
//   load_en        in   1            the bridge has a byte
//   load_target    in   8            for this target?
//   load_addr      in   24           word address (of a write or a read)
//   load_byte      in   8            the byte
//   load_word_end  in   1            the word's last byte
//   read_en        in   1            read the word at load_addr of target load_target
//   read_valid     out  1            read_byte is the next byte of the word read
//   read_byte      out  8            the byte (0 while read_valid is low)
//   wr_en          out  1            write wr_data at wr_addr
//   wr_addr        out  ADDR_BITS    word address (also of a read)
//   wr_data        out  WORD_BITS    the word, first byte in the low bits
//   rd_en          out  1            read the word at wr_addr
//   rd_data        in   WORD_BITS    the word, the cycle after rd_en
module sf_weight_loader #(
    parameter TARGET     = 0,   // this loader's target number
    parameter WORD_BITS  = 8,   // bits of a weight word
    parameter WORD_BYTES = 1,   // ceil(WORD_BITS / 8)
    parameter ADDR_BITS  = 1    // bits of a word address (at most 24)
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 load_en,
    input  wire [7:0]           load_target,
    input  wire [23:0]          load_addr,
    input  wire [7:0]           load_byte,
    input  wire                 load_word_end,
    input  wire                 read_en,
    output reg                  read_valid,
    output reg  [7:0]           read_byte,
    output reg                  wr_en,
    output reg [ADDR_BITS-1:0]  wr_addr,
    output reg [WORD_BITS-1:0]  wr_data,
    output reg                  rd_en,
    input  wire [WORD_BITS-1:0] rd_data
);
    localparam SHIFT_BITS = 8 * WORD_BYTES;

    // ---- combinational: this target's byte, and the word with it shifted in ----
    wire                  take_byte = load_en && load_target == TARGET;
    wire                  take_read = read_en && load_target == TARGET;
    // The word read, padded to whole bytes, and the byte of it being sent.
    localparam INDEX_BITS = WORD_BYTES > 1 ? $clog2(WORD_BYTES) : 1;
    wire [SHIFT_BITS-1:0] read_word;
    reg                   reading;       // read_byte takes a byte of rd_data this cycle
    reg  [INDEX_BITS-1:0] read_index;
    // The word's earlier bytes (one byte of flip-flops even for one-byte words, unused there).
    localparam KEEP_BITS = WORD_BYTES > 1 ? SHIFT_BITS - 8 : 8;
    reg  [KEEP_BITS-1:0]  shifter;
    wire [SHIFT_BITS-1:0] shifted;
    generate
        if (WORD_BYTES > 1) begin : g_shift
            assign shifted = {load_byte, shifter};
        end else begin : g_byte
            assign shifted = load_byte;
            wire unused_shifter = ^shifter;
        end
        // Address bits above the memory's never reach it (the bridge checks the depth).
        if (ADDR_BITS < 24) begin : g_addr_unused
            wire unused_addr = ^load_addr[23:ADDR_BITS];
        end
        // Padding bits of the last byte (WORD_BITS not a multiple of 8) carry no weight,
        // and read back as 0.
        if (SHIFT_BITS > WORD_BITS) begin : g_pad_unused
            wire unused_pad = ^shifted[SHIFT_BITS-1:WORD_BITS];
            assign read_word = {{(SHIFT_BITS - WORD_BITS){1'b0}}, rd_data};
        end else begin : g_no_pad
            assign read_word = rd_data;
        end
    endgenerate

    // ---- clocked ----
    always @(posedge clk) begin
        if (rst) begin
            shifter <= {KEEP_BITS{1'b0}};
            wr_en   <= 1'b0;
            wr_addr <= {ADDR_BITS{1'b0}};
            wr_data <= {WORD_BITS{1'b0}};
            rd_en      <= 1'b0;
            reading    <= 1'b0;
            read_index <= {INDEX_BITS{1'b0}};
            read_valid <= 1'b0;
            read_byte  <= 8'd0;
        end else begin
            wr_en <= take_byte && load_word_end;
            if (take_byte) begin
                shifter <= shifted[SHIFT_BITS-1:SHIFT_BITS-KEEP_BITS];
                if (load_word_end) begin
                    wr_addr <= load_addr[ADDR_BITS-1:0];
                    wr_data <= shifted[WORD_BITS-1:0];
                end
            end
            // Reads: the address, the RAM's cycle, then the word's bytes one per cycle.
            rd_en <= take_read;
            if (take_read) wr_addr <= load_addr[ADDR_BITS-1:0];
            if (rd_en) begin
                reading    <= 1'b1;
                read_index <= {INDEX_BITS{1'b0}};
            end else if (reading) begin
                read_index <= read_index + 1'b1;
                if ({{(32 - INDEX_BITS){1'b0}}, read_index} == WORD_BYTES - 1) reading <= 1'b0;
            end
            read_valid <= reading;
            read_byte  <= reading ? read_word[read_index * 8 +: 8] : 8'd0;
        end
    end
`ifdef SF_INVARIANT
    // ---- what every state reached from power-on satisfies (formal only) ----
    // Read by the mutation campaign's proofs alone (sim::mutation, Scope::Invariant; the
    // convention is sf_uart_bridge.v's): it holds at power-on (every register 0) and a
    // state that holds it steps to one that holds it, whatever the inputs. Registers only.
    localparam [31:0] LAST_BYTE = WORD_BYTES - 1;
    wire [31:0] read_at = {{(32 - INDEX_BITS){1'b0}}, read_index};
    (* keep *) wire invariant_holds =
        // A read sends bytes 0 .. WORD_BYTES - 1 of the word, and stops one past the last
        // (0 again where that does not fit in INDEX_BITS).
        (!reading || read_at <= LAST_BYTE) && read_at <= LAST_BYTE + 32'd1
        // No byte on the bridge's OR outside a read.
        && (read_valid || read_byte == 8'd0);
`endif
endmodule
