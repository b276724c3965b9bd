//! The boards spikeforge targets and the facts the flows use. Pin constraints live in
//! `constraints/` at the repository root, one file per board, each naming its source.

use serde::Serialize;

/// A supported dev board.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Board {
    /// 1BitSquared iCEBreaker: Lattice iCE40 UP5K.
    Icebreaker,
    /// Radiona ULX3S 85F: Lattice ECP5 LFE5U-85F.
    Ulx3s,
    /// Sipeed Tang Nano 9K: Gowin GW1NR-9.
    Tangnano9k,
}

/// What the flows need to know about a board.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BoardFacts {
    /// Command-line name.
    pub name: &'static str,
    /// FPGA part.
    pub fpga: &'static str,
    /// Resources of the part, as the vendor states them.
    pub resources: &'static str,
    /// On-board oscillator in Hz (the board top's clock).
    pub clock_hz: u32,
    /// Pin constraint file name (under `constraints/`).
    pub constraints: &'static str,
    /// Its text, built into the binary so a build never depends on where the checkout is.
    #[serde(skip)]
    pub constraints_text: &'static str,
    /// openFPGALoader's `-b` board name.
    pub openfpgaloader: &'static str,
    /// Assumed core power in mW of a design filling part of the FPGA at the board clock,
    /// for the energy-per-input estimate. An order of magnitude from the vendors' family
    /// figures, not a measurement: the open tools have no power analysis; replace it with a
    /// reading of the board's supply current.
    pub assumed_power_mw: u32,
}

impl Board {
    /// Every board.
    pub const ALL: [Board; 3] = [Board::Icebreaker, Board::Ulx3s, Board::Tangnano9k];

    /// Parse a command-line name.
    pub fn from_name(name: &str) -> Option<Board> {
        Board::ALL.into_iter().find(|b| b.facts().name == name)
    }

    /// The facts.
    pub fn facts(self) -> BoardFacts {
        match self {
            Board::Icebreaker => BoardFacts {
                name: "icebreaker",
                fpga: "iCE40 UP5K-SG48",
                resources: "5,280 LC, 30 EBR (4 kbit), 4 SPRAM (256 kbit), 8 DSP",
                clock_hz: 12_000_000,
                constraints: "icebreaker.pcf",
                constraints_text: include_str!("../../constraints/icebreaker.pcf"),
                openfpgaloader: "ice40_generic",
                assumed_power_mw: 5,
            },
            Board::Ulx3s => BoardFacts {
                name: "ulx3s",
                fpga: "ECP5 LFE5U-85F-6BG381C",
                resources: "83,640 LUT4, 208 EBR (18 kbit), 156 MULT18",
                clock_hz: 25_000_000,
                constraints: "ulx3s.lpf",
                constraints_text: include_str!("../../constraints/ulx3s.lpf"),
                openfpgaloader: "ulx3s",
                assumed_power_mw: 400,
            },
            Board::Tangnano9k => BoardFacts {
                name: "tangnano9k",
                fpga: "Gowin GW1NR-LV9QN88PC6/I5",
                resources: "8,640 LUT4, 26 BSRAM (18 kbit), 20 MULT9",
                clock_hz: 27_000_000,
                constraints: "tangnano9k.cst",
                constraints_text: include_str!("../../constraints/tangnano9k.cst"),
                openfpgaloader: "tangnano9k",
                assumed_power_mw: 50,
            },
        }
    }
}
