// sf_pll_ice40: the core clock of an iCE40 board top from its oscillator, through one
// SB_PLL40_PAD with SIMPLE feedback: f_out = f_in * (DIVF + 1) / ((DIVR + 1) * 2^DIVQ),
// the PFD f_in / (DIVR + 1) at 10-133 MHz, the VCO f_out * 2^DIVQ at 533-1066 MHz and
// FILTER_RANGE from the PFD, as icepll computes them; `bitstreams::flow` solves them for a
// target. The PAD variant: the iCEBreaker's 12 MHz oscillator is on pin 35, the UP5K SG48's
// PLL input pad, which then feeds the PLL alone.
//
// The iCE40 has no clock gate primitive, so the gate is logic: LOCK, taken into the PLL
// clock's domain on falling edges (two flip-flops), enables an AND with the PLL clock. The
// enable only moves while the clock is low, so the gated clock has no runt pulses, and the
// design sees no clock edge until the PLL has locked: its power-on reset (sf_reset) then
// counts on a stable clock. nextpnr puts the gated clock on a global buffer.
// Synthesis only: neither Verilator nor Icarus sees this file in co-simulation (it runs
// the board top on its own clock).
//
// Ports
//   clk_in   in   1   board oscillator, on the PLL's input pad
//   clk_out  out  1   core clock, still until the PLL locks
module sf_pll_ice40 #(
    parameter DIVR         = 0,    // PFD = f_in / (DIVR + 1)
    parameter DIVF         = 63,   // VCO = PFD * (DIVF + 1): 12 MHz -> 768 MHz by default
    parameter DIVQ         = 5,    // f_out = VCO / 2^DIVQ: 24 MHz by default
    parameter FILTER_RANGE = 1     // loop filter for the PFD (icepll's table)
) (
    input  wire clk_in,
    output wire clk_out
);
    wire pll_clk;
    wire locked;

    // The PLL outputs this top does not use stay open.
    /* verilator lint_off PINCONNECTEMPTY */
    SB_PLL40_PAD #(
        .FEEDBACK_PATH("SIMPLE"),
        .DIVR(DIVR),
        .DIVF(DIVF),
        .DIVQ(DIVQ),
        .FILTER_RANGE(FILTER_RANGE)
    ) u_pll (
        .PACKAGEPIN(clk_in),
        .PLLOUTCORE(),
        .PLLOUTGLOBAL(pll_clk),
        .EXTFEEDBACK(1'b0),
        .DYNAMICDELAY(8'd0),
        .LOCK(locked),
        .BYPASS(1'b0),
        .RESETB(1'b1),
        .LATCHINPUTVALUE(1'b0),
        .SDO(),
        .SDI(1'b0),
        .SCLK(1'b0)
    );
    /* verilator lint_on PINCONNECTEMPTY */

    reg lock_meta = 1'b0;
    reg lock_sync = 1'b0;

    always @(negedge pll_clk) begin
        lock_meta <= locked;
        lock_sync <= lock_meta;
    end

    assign clk_out = pll_clk & lock_sync;
endmodule
