// sf_pll_ecp5: the core clock of an ECP5 board top from its oscillator, through one
// EHXPLLL with CLKOP fed back: f_out = f_in * CLKFB_DIV / CLKI_DIV, the VCO at
// f_out * CLKOP_DIV (400-800 MHz); `bitstreams::flow` solves the dividers for a target.
//
// The output passes a DCCA clock gate enabled by LOCK, so the design sees no clock edge
// until the PLL has locked: its power-on reset (sf_reset) then counts on a stable clock.
// Synthesis only: neither Verilator nor Icarus sees this file (co-simulation runs the
// board top on its own clock).
//
// Ports
//   clk_in   in   1   board oscillator
//   clk_out  out  1   core clock, still until the PLL locks
module sf_pll_ecp5 #(
    parameter CLKI_DIV     = 1,
    parameter CLKFB_DIV    = 2,
    parameter CLKOP_DIV    = 12,
    parameter CLKOP_CPHASE = 6    // CLKOP_DIV / 2: the phase of CLKOP, unused otherwise
) (
    input  wire clk_in,
    output wire clk_out
);
    wire pll_clk;
    wire locked;

    (* ICP_CURRENT="12" *) (* LPF_RESISTOR="8" *) (* MFG_ENABLE_FILTEROPAMP="1" *) (* MFG_GMCREF_SEL="2" *)
    EHXPLLL #(
        .PLLRST_ENA("DISABLED"),
        .INTFB_WAKE("DISABLED"),
        .STDBY_ENABLE("DISABLED"),
        .DPHASE_SOURCE("DISABLED"),
        .OUTDIVIDER_MUXA("DIVA"),
        .CLKI_DIV(CLKI_DIV),
        .CLKOP_ENABLE("ENABLED"),
        .CLKOP_DIV(CLKOP_DIV),
        .CLKOP_CPHASE(CLKOP_CPHASE),
        .CLKOP_FPHASE(0),
        .FEEDBK_PATH("CLKOP"),
        .CLKFB_DIV(CLKFB_DIV)
    ) u_pll (
        .RST(1'b0),
        .STDBY(1'b0),
        .CLKI(clk_in),
        .CLKOP(pll_clk),
        .CLKFB(pll_clk),
        .PHASESEL0(1'b0),
        .PHASESEL1(1'b0),
        .PHASEDIR(1'b1),
        .PHASESTEP(1'b1),
        .PHASELOADREG(1'b1),
        .PLLWAKESYNC(1'b0),
        .ENCLKOP(1'b0),
        .LOCK(locked)
    );

    DCCA u_gate (.CLKI(pll_clk), .CE(locked), .CLKO(clk_out));
endmodule
