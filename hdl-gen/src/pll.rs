//! The clocked tops `<model>_board_<family>`: the board top behind a PLL (`sf_pll_ecp5`,
//! `sf_pll_ice40`, `sf_pll_gowin` in `hdl-gen/rtl/board/`), for a core clock other than
//! the board's oscillator. Each has the board top's ports; the UART and timeout parameters
//! pass through, the PLL's dividers are set by the flow (`chparam`) from
//! `bitstreams::flow`'s divider search. Synthesis only: co-simulation runs the board top on
//! its own clock.

use crate::board::uart_timing_params;
use crate::verilog::{Expr, Instance, Item, Module, Param, pass};

/// The synthesis-only library of the ECP5 clocked top (`<model>_board_ecp5`).
pub const ECP5_PLL_LIBRARY: [(&str, &str); 1] = [("sf_pll_ecp5.v", include_str!("../rtl/board/sf_pll_ecp5.v"))];

/// The synthesis-only library of the iCE40 clocked top (`<model>_board_ice40`).
pub const ICE40_PLL_LIBRARY: [(&str, &str); 1] = [("sf_pll_ice40.v", include_str!("../rtl/board/sf_pll_ice40.v"))];

/// The synthesis-only library of the Gowin clocked top (`<model>_board_gowin`).
pub const GOWIN_PLL_LIBRARY: [(&str, &str); 1] = [("sf_pll_gowin.v", include_str!("../rtl/board/sf_pll_gowin.v"))];

/// An FPGA family whose PLL can clock the board top.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum PllFamily {
    /// Lattice ECP5: one EHXPLLL, CLKOP fed back, a DCCA gate.
    Ecp5,
    /// Lattice iCE40: one SB_PLL40_PAD, SIMPLE feedback, a gate in logic.
    Ice40,
    /// Gowin GW1NR-9C: one rPLL, internal feedback, a DQCE gate.
    Gowin,
}

impl PllFamily {
    /// Every family, in the order the manifest lists them.
    pub const ALL: [PllFamily; 3] = [PllFamily::Ecp5, PllFamily::Ice40, PllFamily::Gowin];

    /// The family's name in module names (`<model>_board_<suffix>`).
    pub fn suffix(self) -> &'static str {
        match self {
            PllFamily::Ecp5 => "ecp5",
            PllFamily::Ice40 => "ice40",
            PllFamily::Gowin => "gowin",
        }
    }

    /// The family's name for people.
    pub fn label(self) -> &'static str {
        match self {
            PllFamily::Ecp5 => "ECP5",
            PllFamily::Ice40 => "iCE40",
            PllFamily::Gowin => "Gowin",
        }
    }

    /// The hand-written PLL module and its file.
    pub fn library(self) -> [(&'static str, &'static str); 1] {
        match self {
            PllFamily::Ecp5 => ECP5_PLL_LIBRARY,
            PllFamily::Ice40 => ICE40_PLL_LIBRARY,
            PllFamily::Gowin => GOWIN_PLL_LIBRARY,
        }
    }

    /// The core clock as the dividers make it, for the top's header.
    fn formula(self) -> &'static str {
        match self {
            PllFamily::Ecp5 => "f_core = f_oscillator * CLKFB_DIV / CLKI_DIV",
            PllFamily::Ice40 => "f_core = f_oscillator * (DIVF + 1) / ((DIVR + 1) * 2^DIVQ)",
            PllFamily::Gowin => "f_core = f_oscillator * (FBDIV_SEL + 1) / (IDIV_SEL + 1)",
        }
    }

    /// The PLL's parameters with the defaults of its module.
    fn params(self) -> Vec<Param> {
        match self {
            PllFamily::Ecp5 => vec![
                Param::int("CLKI_DIV", 1, "input divider"),
                Param::int("CLKFB_DIV", 2, "feedback divider (25 MHz -> 50 MHz by default)"),
                Param::int("CLKOP_DIV", 12, "output divider: VCO = f_core * CLKOP_DIV"),
                Param::int("CLKOP_CPHASE", 6, "CLKOP_DIV / 2"),
            ],
            PllFamily::Ice40 => vec![
                Param::int("DIVR", 0, "input divider - 1: PFD = f_oscillator / (DIVR + 1)"),
                Param::int("DIVF", 63, "feedback divider - 1 (12 MHz -> 24 MHz by default)"),
                Param::int("DIVQ", 5, "output divider log2: VCO = f_core * 2^DIVQ"),
                Param::int("FILTER_RANGE", 1, "loop filter for the PFD"),
            ],
            PllFamily::Gowin => vec![
                Param::int("IDIV_SEL", 0, "input divider - 1"),
                Param::int("FBDIV_SEL", 1, "feedback divider - 1 (27 MHz -> 54 MHz by default)"),
                Param::int("ODIV_SEL", 16, "output divider: VCO = f_core * ODIV_SEL"),
            ],
        }
    }
}

/// `<model>_board_<family>`: `board_top` behind the family's PLL module.
pub(crate) fn pll_module(board_top: &Module, family: PllFamily) -> Module {
    let mut m = Module::new(
        &format!("{}_{}", board_top.name, family.suffix()),
        &format!("`{}` on a PLL-made core clock ({}; synthesis only).", board_top.name, family.label()),
    );
    m.doc.push(format!("{}; CLKS_PER_BIT and TIMEOUT count f_core cycles.", family.formula()));
    m.params.extend(uart_timing_params("core clock"));
    let pll_params = family.params();
    let passed = pll_params.iter().map(|p| Param::pass(&p.name)).collect();
    m.params.extend(pll_params);
    m.ports = board_top.ports.clone();
    m.items.push(Item::Wire { name: "core_clk".into(), width: 1 });
    m.items.push(Item::Instance(Instance {
        module: format!("sf_pll_{}", family.suffix()),
        name: "u_pll".into(),
        params: passed,
        connections: vec![("clk_in".into(), Expr::ident("clk")), ("clk_out".into(), Expr::ident("core_clk"))],
    }));
    m.items.push(Item::Blank);
    m.items.push(Item::Instance(Instance {
        module: board_top.name.clone(),
        name: "u_board".into(),
        params: ["CLKS_PER_BIT", "TIMEOUT"].into_iter().map(Param::pass).collect(),
        connections: board_top
            .ports
            .iter()
            .map(|p| if p.name == "clk" { ("clk".into(), Expr::ident("core_clk")) } else { pass(&p.name) })
            .collect(),
    }));
    m
}
