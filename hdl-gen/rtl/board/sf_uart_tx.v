// sf_uart_tx: 8N1 UART transmitter. `send` with `data` while `ready` starts a byte: a low
// start bit, eight data bits least significant first, a high stop bit, each CLKS_PER_BIT
// cycles; `ready` returns after the stop bit.
//
// Ports
//   clk      in   1   clock
//   rst      in   1   synchronous reset (line idles high)
//   send     in   1   transmit `data` (ignored unless ready)
//   data     in   8   the byte
//   ready    out  1   idle: a byte may be sent
//   tx       out  1   serial line
module sf_uart_tx #(
    parameter CLKS_PER_BIT = 104    // clock / baud rate, at least 4
) (
    input  wire       clk,
    input  wire       rst,
    input  wire       send,
    input  wire [7:0] data,
    output wire       ready,
    output reg        tx
);
    // The bit counter holds 0 .. CLKS_PER_BIT - 1, no more: its width follows the rate.
    localparam COUNT_BITS = $clog2(CLKS_PER_BIT);
    localparam [COUNT_BITS-1:0] FULL = CLKS_PER_BIT - 1;

    reg [9:0]            shift;   // {stop, data, start}, sent from bit 0
    reg [3:0]            bits_left;
    reg [COUNT_BITS-1:0] ticks;

    assign ready = bits_left == 4'd0 && ticks == {COUNT_BITS{1'b0}};   // stop bit finished

    always @(posedge clk) begin
        if (rst) begin
            tx        <= 1'b1;
            shift     <= 10'h3ff;
            bits_left <= 4'd0;
            ticks     <= {COUNT_BITS{1'b0}};
        end else if (ready) begin
            tx <= 1'b1;
            if (send) begin
                shift     <= {1'b1, data, 1'b0};
                bits_left <= 4'd10;
                ticks     <= {COUNT_BITS{1'b0}};
            end
        end else if (ticks != 0) begin
            ticks <= ticks - 1'b1;
        end else begin   // the next bit
            tx        <= shift[0];
            shift     <= {1'b1, shift[9:1]};
            ticks     <= FULL;
            bits_left <= bits_left - 4'd1;
        end
    end
`ifdef SF_INVARIANT
    // ---- what every state reached from power-on satisfies (formal only) ----
    // Read by the mutation campaign's proofs alone (sim::mutation, Scope::Invariant; the
    // convention is sf_uart_bridge.v's): it holds at power-on (every register 0) and a
    // state that holds it steps to one that holds it, whatever the inputs. Registers only.
    (* keep *) wire invariant_holds =
        // A byte is ten bits, each counted from FULL down to 0.
        bits_left <= 4'd10 && ticks <= FULL
        // A byte just taken starts its start bit in the next cycle, the line still high.
        && (bits_left != 4'd10 || (ticks == {COUNT_BITS{1'b0}} && !shift[0] && tx))
        // The bits still to send sit at the bottom of `shift` with the stop bit last, ones
        // above it (what shifted in).
        && (bits_left == 4'd0 || (shift | ~(10'h3ff << (bits_left - 4'd1))) == 10'h3ff)
        // After the last bit the line holds the stop bit until `ready`.
        && (bits_left != 4'd0 || ticks == {COUNT_BITS{1'b0}} || tx);
`endif
endmodule
