// sf_uart_rx: 8N1 UART receiver. The line is synchronized through two flip-flops, a start
// bit is a falling edge held low to the middle of the bit, every data bit is sampled in the
// middle of its bit time. A stop bit that reads low is reported as a frame error with the
// byte, which is still delivered so a receiver counting bytes stays aligned.
//
// Timing: a byte occupies 10 bit times of CLKS_PER_BIT cycles; `data_valid` pulses for
// one cycle in the middle of the stop bit, about 9.5 bit times after the start edge.
//
// Ports
//   clk          in   1   clock
//   rst          in   1   synchronous reset
//   rx           in   1   serial line, idle high (asynchronous to clk)
//   data_valid   out  1   `data` holds a received byte (one cycle)
//   data         out  8   the byte, least significant bit first on the line
//   frame_error  out  1   with data_valid: this byte ended with a low stop bit
module sf_uart_rx #(
    parameter CLKS_PER_BIT = 104    // clock / baud rate, at least 4
) (
    input  wire       clk,
    input  wire       rst,
    input  wire       rx,
    output reg        data_valid,
    output reg  [7:0] data,
    output reg        frame_error
);
    // The bit counter holds 0 .. CLKS_PER_BIT - 1, no more: its width follows the rate.
    localparam COUNT_BITS = $clog2(CLKS_PER_BIT);
    localparam S_IDLE = 2'd0, S_START = 2'd1, S_DATA = 2'd2, S_STOP = 2'd3;
    localparam [COUNT_BITS-1:0] HALF = CLKS_PER_BIT / 2;
    localparam [COUNT_BITS-1:0] FULL = CLKS_PER_BIT - 1;

    reg                  rx_meta, rx_sync;   // two-flop synchronizer
    reg [1:0]            state;
    reg [COUNT_BITS-1:0] ticks;              // cycles left in the current half or whole bit
    reg [2:0]            bit_index;

    always @(posedge clk) begin
        rx_meta <= rx;
        rx_sync <= rx_meta;
        data_valid  <= 1'b0;
        frame_error <= 1'b0;
        if (rst) begin
            rx_meta <= 1'b1;
            rx_sync <= 1'b1;
            state   <= S_IDLE;
            ticks   <= {COUNT_BITS{1'b0}};
            bit_index <= 3'd0;
        end else begin
            case (state)
                S_IDLE: if (!rx_sync) begin
                    state <= S_START;
                    ticks <= HALF;
                end
                S_START: if (ticks != 0) begin
                    ticks <= ticks - 1'b1;
                end else if (rx_sync) begin
                    state <= S_IDLE;                // a glitch, not a start bit
                end else begin
                    state     <= S_DATA;
                    ticks     <= FULL;
                    bit_index <= 3'd0;
                end
                S_DATA: if (ticks != 0) begin
                    ticks <= ticks - 1'b1;
                end else begin
                    data  <= {rx_sync, data[7:1]};
                    ticks <= FULL;
                    if (bit_index == 3'd7) state <= S_STOP;
                    bit_index <= bit_index + 3'd1;
                end
                default: if (ticks != 0) begin     // S_STOP
                    ticks <= ticks - 1'b1;
                end else begin
                    data_valid  <= 1'b1;
                    frame_error <= !rx_sync;
                    state       <= S_IDLE;
                end
            endcase
        end
    end
`ifdef SF_INVARIANT
    // ---- what every state reached from power-on satisfies (formal only) ----
    // Read by the mutation campaign's proofs alone (sim::mutation, Scope::Invariant; the
    // convention is sf_uart_bridge.v's): it holds at power-on (every register 0) and a
    // state that holds it steps to one that holds it, whatever the inputs. Registers only.
    (* keep *) wire invariant_holds =
        // Idle waits with the count run out; a start bit counts down from HALF, the
        // other bits from FULL.
        (state != S_IDLE || ticks == {COUNT_BITS{1'b0}})
        && (state != S_START || ticks <= HALF)
        && ticks <= FULL
        // The bit index counts data bits: 0 outside them.
        && (state == S_DATA || bit_index == 3'd0)
        // A byte is delivered as the stop bit ends, back in idle; a frame error only
        // with a byte.
        && (!data_valid || state == S_IDLE)
        && (!frame_error || data_valid);
`endif
endmodule
