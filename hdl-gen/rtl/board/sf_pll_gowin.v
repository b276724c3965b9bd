// sf_pll_gowin: the core clock of a GW1NR-9C board top from its oscillator, through one
// rPLL with internal feedback: f_out = f_in * (FBDIV_SEL + 1) / (IDIV_SEL + 1), the PFD
// f_in / (IDIV_SEL + 1) at 3-400 MHz, the VCO f_out * ODIV_SEL at 400-1200 MHz (GW1NR-9
// C6/I5, DS117E); `bitstreams::flow` solves the dividers for a target.
//
// The output passes a DQCE clock gate enabled by LOCK, so the design sees no clock edge
// until the PLL has locked: its power-on reset (sf_reset) then counts on a stable clock.
// Synthesis only: neither Verilator nor Icarus sees this file in co-simulation (it runs
// the board top on its own clock).
//
// Ports
//   clk_in   in   1   board oscillator
//   clk_out  out  1   core clock, still until the PLL locks
module sf_pll_gowin #(
    parameter FCLKIN    = "27",  // the oscillator in MHz, for the vendor's checks
    parameter IDIV_SEL  = 0,     // input divider - 1
    parameter FBDIV_SEL = 1,     // feedback divider - 1: 27 MHz -> 54 MHz by default
    parameter ODIV_SEL  = 16     // VCO = f_out * ODIV_SEL (2, 4, 8, 16, 32, 48, ..., 128)
) (
    input  wire clk_in,
    output wire clk_out
);
    wire pll_clk;
    wire locked;

    // The PLL outputs this top does not use stay open.
    /* verilator lint_off PINCONNECTEMPTY */
    rPLL #(
        .FCLKIN(FCLKIN),
        .DEVICE("GW1NR-9C"),
        .IDIV_SEL(IDIV_SEL),
        .FBDIV_SEL(FBDIV_SEL),
        .ODIV_SEL(ODIV_SEL)
    ) u_pll (
        .CLKIN(clk_in),
        .CLKFB(1'b0),
        .RESET(1'b0),
        .RESET_P(1'b0),
        .FBDSEL(6'd0),
        .IDSEL(6'd0),
        .ODSEL(6'd0),
        .PSDA(4'd0),
        .DUTYDA(4'd0),
        .FDLY(4'd0),
        .CLKOUT(pll_clk),
        .CLKOUTP(),
        .CLKOUTD(),
        .CLKOUTD3(),
        .LOCK(locked)
    );
    /* verilator lint_on PINCONNECTEMPTY */

    DQCE u_gate (.CLKIN(pll_clk), .CE(locked), .CLKOUT(clk_out));
endmodule
