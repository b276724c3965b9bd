//! The core clock when it is not the oscillator: the PLL settings the flow puts in front of
//! the board top. Every family's search enumerates the legal settings from the part's
//! documented ranges and takes the fastest clock not above the request (so the design is
//! never asked to run faster than `--freq`); a request outside what the PLL reaches is
//! refused, naming the board and the range.

use hdl_gen::pll::PllFamily;
use serde::{Deserialize, Serialize};

use crate::BitstreamError;
use crate::boards::Board;

/// The dividers of an ECP5 EHXPLLL with CLKOP fed back (`sf_pll_ecp5`):
/// `f_out = f_in * clkfb_div / clki_div`, VCO `f_out * clkop_div`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ecp5Pll {
    /// Input divider.
    pub clki_div: u32,
    /// Feedback divider.
    pub clkfb_div: u32,
    /// Output divider.
    pub clkop_div: u32,
    /// The output clock in MHz.
    pub mhz: f64,
}

/// The dividers of an iCE40 SB_PLL40_PAD with SIMPLE feedback (`sf_pll_ice40`):
/// `f_out = f_in * (divf + 1) / ((divr + 1) * 2^divq)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ice40Pll {
    /// Input divider - 1 (0..=15).
    pub divr: u32,
    /// Feedback divider - 1 (0..=127).
    pub divf: u32,
    /// Output divider as a power of two (1..=6).
    pub divq: u32,
    /// Loop filter setting for the PFD frequency (1..=6).
    pub filter_range: u32,
    /// The output clock in MHz.
    pub mhz: f64,
}

/// The dividers of a Gowin GW1NR-9C rPLL with internal feedback (`sf_pll_gowin`):
/// `f_out = f_in * (fbdiv_sel + 1) / (idiv_sel + 1)`, VCO `f_out * odiv_sel`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GowinPll {
    /// Input divider - 1 (0..=63).
    pub idiv_sel: u32,
    /// Feedback divider - 1 (0..=63).
    pub fbdiv_sel: u32,
    /// Output divider (2, 4, 8, 16, 32, 48, ..., 128).
    pub odiv_sel: u32,
    /// The output clock in MHz.
    pub mhz: f64,
}

/// A solved PLL of any family. Serialized as its dividers alone (untagged), so an ECP5
/// build report reads as it did before the other families had PLLs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Pll {
    /// ECP5 EHXPLLL.
    Ecp5(Ecp5Pll),
    /// iCE40 SB_PLL40_PAD.
    Ice40(Ice40Pll),
    /// Gowin rPLL.
    Gowin(GowinPll),
}

impl Pll {
    /// The output clock in MHz.
    pub fn mhz(&self) -> f64 {
        match self {
            Pll::Ecp5(p) => p.mhz,
            Pll::Ice40(p) => p.mhz,
            Pll::Gowin(p) => p.mhz,
        }
    }

    /// Its family.
    pub fn family(&self) -> PllFamily {
        match self {
            Pll::Ecp5(_) => PllFamily::Ecp5,
            Pll::Ice40(_) => PllFamily::Ice40,
            Pll::Gowin(_) => PllFamily::Gowin,
        }
    }

    /// The clocked top's parameters that set it (`chparam`), in its module's order.
    pub fn parameters(&self) -> Vec<(&'static str, u32)> {
        match *self {
            Pll::Ecp5(p) => vec![
                ("CLKI_DIV", p.clki_div),
                ("CLKFB_DIV", p.clkfb_div),
                ("CLKOP_DIV", p.clkop_div),
                ("CLKOP_CPHASE", p.clkop_div / 2),
            ],
            Pll::Ice40(p) => {
                vec![("DIVR", p.divr), ("DIVF", p.divf), ("DIVQ", p.divq), ("FILTER_RANGE", p.filter_range)]
            }
            Pll::Gowin(p) => vec![("IDIV_SEL", p.idiv_sel), ("FBDIV_SEL", p.fbdiv_sel), ("ODIV_SEL", p.odiv_sel)],
        }
    }
}

/// Every legal ECP5 setting from `input_mhz`, within the part's limits (PFD 3.125-400 MHz,
/// VCO 400-800 MHz, output 3.125-400 MHz, dividers 1..=128; ECP5 family data sheet
/// FPGA-DS-02012), with the smallest output divider that puts the VCO in range.
pub fn ecp5_settings(input_mhz: f64) -> Vec<Ecp5Pll> {
    let mut settings = Vec::new();
    for clki_div in 1..=128u32 {
        let pfd = input_mhz / clki_div as f64;
        if !(3.125..=400.0).contains(&pfd) {
            continue;
        }
        for clkfb_div in 1..=128u32 {
            let mhz = pfd * clkfb_div as f64;
            if !(3.125..=400.0).contains(&mhz) {
                continue;
            }
            let clkop_div = (400.0 / mhz).ceil() as u32;
            if clkop_div <= 128 && mhz * clkop_div as f64 <= 800.0 {
                settings.push(Ecp5Pll { clki_div, clkfb_div, clkop_div, mhz });
            }
        }
    }
    settings
}

/// The iCE40 loop filter for a PFD frequency in MHz, as icepll (icestorm) sets it.
pub fn ice40_filter_range(pfd_mhz: f64) -> u32 {
    match pfd_mhz {
        f if f < 17.0 => 1,
        f if f < 26.0 => 2,
        f if f < 44.0 => 3,
        f if f < 66.0 => 4,
        f if f < 101.0 => 5,
        _ => 6,
    }
}

/// Every legal iCE40 SIMPLE-feedback setting from `input_mhz`, with the ranges icepll checks
/// (iCE40 sysCLOCK PLL Design and Usage Guide, TN1251; iCE40 UltraPlus data sheet
/// FPGA-DS-02008): PFD 10-133 MHz, VCO 533-1066 MHz, output 16-275 MHz, DIVR 0..=15,
/// DIVF 0..=127, DIVQ 1..=6.
pub fn ice40_settings(input_mhz: f64) -> Vec<Ice40Pll> {
    let mut settings = Vec::new();
    for divr in 0..=15u32 {
        let pfd = input_mhz / (divr + 1) as f64;
        if !(10.0..=133.0).contains(&pfd) {
            continue;
        }
        for divf in 0..=127u32 {
            let vco = pfd * (divf + 1) as f64;
            if !(533.0..=1066.0).contains(&vco) {
                continue;
            }
            for divq in 1..=6u32 {
                let mhz = vco / (1u32 << divq) as f64;
                if (16.0..=275.0).contains(&mhz) {
                    settings.push(Ice40Pll { divr, divf, divq, filter_range: ice40_filter_range(pfd), mhz });
                }
            }
        }
    }
    settings
}

/// The rPLL's output dividers.
const GOWIN_ODIV: [u32; 11] = [2, 4, 8, 16, 32, 48, 64, 80, 96, 112, 128];

/// Every legal GW1NR-9C rPLL setting from `input_mhz` (GW1NR-9 C6/I5, data sheet DS117E:
/// PFD 3-400 MHz, VCO 400-1200 MHz, CLKOUT 3.125-600 MHz; IDIV_SEL and FBDIV_SEL 0..=63),
/// with the smallest output divider that puts the VCO in range.
pub fn gowin_settings(input_mhz: f64) -> Vec<GowinPll> {
    let mut settings = Vec::new();
    for idiv_sel in 0..=63u32 {
        let pfd = input_mhz / (idiv_sel + 1) as f64;
        if !(3.0..=400.0).contains(&pfd) {
            continue;
        }
        for fbdiv_sel in 0..=63u32 {
            let mhz = pfd * (fbdiv_sel + 1) as f64;
            if !(3.125..=600.0).contains(&mhz) {
                continue;
            }
            if let Some(&odiv_sel) = GOWIN_ODIV.iter().find(|&&d| (400.0..=1200.0).contains(&(mhz * d as f64))) {
                settings.push(GowinPll { idiv_sel, fbdiv_sel, odiv_sel, mhz });
            }
        }
    }
    settings
}

/// The fastest of `settings` not above `target_mhz` (the first such in their order).
fn fastest_at_most<P>(settings: Vec<P>, mhz: impl Fn(&P) -> f64, target_mhz: f64) -> Option<P> {
    let mut best: Option<P> = None;
    for p in settings {
        if mhz(&p) <= target_mhz + 1e-9 && best.as_ref().is_none_or(|b| mhz(&p) > mhz(b) + 1e-9) {
            best = Some(p);
        }
    }
    best
}

/// The fastest ECP5 PLL clock from `input_mhz` that does not exceed `target_mhz`
/// ([`ecp5_settings`]); `None` if no setting reaches down to the target.
///
/// ```
/// let pll = bitstreams::flow::ecp5_pll(25.0, 50.0).unwrap();
/// assert_eq!(pll.mhz, 50.0);
/// let vco = pll.mhz * pll.clkop_div as f64;
/// assert!((400.0..=800.0).contains(&vco));
/// // 33 MHz is not 25 * n / m for small n, m: the closest below it
/// assert!(bitstreams::flow::ecp5_pll(25.0, 33.0).unwrap().mhz <= 33.0);
/// ```
pub fn ecp5_pll(input_mhz: f64, target_mhz: f64) -> Option<Ecp5Pll> {
    fastest_at_most(ecp5_settings(input_mhz), |p| p.mhz, target_mhz)
}

/// The fastest iCE40 PLL clock from `input_mhz` that does not exceed `target_mhz`
/// ([`ice40_settings`]); `None` if no setting reaches down to the target.
///
/// ```
/// // The iCEBreaker's 12 MHz: 12 * 64 / 2^5 = 24 MHz, as icepll -i 12 -o 24
/// let pll = bitstreams::flow::ice40_pll(12.0, 24.0).unwrap();
/// assert_eq!((pll.divr, pll.divf, pll.divq, pll.filter_range, pll.mhz), (0, 63, 5, 1, 24.0));
/// ```
pub fn ice40_pll(input_mhz: f64, target_mhz: f64) -> Option<Ice40Pll> {
    fastest_at_most(ice40_settings(input_mhz), |p| p.mhz, target_mhz)
}

/// The fastest GW1NR-9C rPLL clock from `input_mhz` that does not exceed `target_mhz`
/// ([`gowin_settings`]); `None` if no setting reaches down to the target.
///
/// ```
/// // The Tang Nano 9K's 27 MHz: 27 * 3 / 2 = 40.5 MHz is above 40, 27 * 13 / 9 = 39 is not
/// let pll = bitstreams::flow::gowin_pll(27.0, 40.0).unwrap();
/// assert_eq!(pll.mhz, 39.0);
/// assert!((400.0..=1200.0).contains(&(pll.mhz * pll.odiv_sel as f64)));
/// ```
pub fn gowin_pll(input_mhz: f64, target_mhz: f64) -> Option<GowinPll> {
    fastest_at_most(gowin_settings(input_mhz), |p| p.mhz, target_mhz)
}

/// Every legal setting of `family`'s PLL from `input_mhz`.
pub fn pll_settings(family: PllFamily, input_mhz: f64) -> Vec<Pll> {
    match family {
        PllFamily::Ecp5 => ecp5_settings(input_mhz).into_iter().map(Pll::Ecp5).collect(),
        PllFamily::Ice40 => ice40_settings(input_mhz).into_iter().map(Pll::Ice40).collect(),
        PllFamily::Gowin => gowin_settings(input_mhz).into_iter().map(Pll::Gowin).collect(),
    }
}

/// The PLL [`super::build`] puts in front of the board top for a requested core clock: where
/// the board has one ([`crate::boards::BoardFacts::pll`]) and `freq_mhz` differs from the
/// oscillator; the fastest setting not above `freq_mhz`. A request below the slowest or
/// above the fastest clock the PLL makes is [`BitstreamError::NoPllSetting`].
pub fn board_pll(board: Board, freq_mhz: Option<f64>) -> Result<Option<Pll>, BitstreamError> {
    let oscillator_mhz = board.oscillator_mhz();
    let (Some(family), Some(mhz)) = (board.facts().pll, freq_mhz) else { return Ok(None) };
    if (mhz - oscillator_mhz).abs() <= 1e-6 {
        return Ok(None);
    }
    let settings = pll_settings(family, oscillator_mhz);
    let (min_mhz, max_mhz) =
        settings.iter().map(Pll::mhz).fold((f64::INFINITY, 0.0f64), |(lo, hi), f| (lo.min(f), hi.max(f)));
    let unreachable = BitstreamError::NoPllSetting {
        board: board.facts().name.into(),
        family: family.label(),
        mhz,
        oscillator_mhz,
        min_mhz,
        max_mhz,
    };
    if mhz > max_mhz + 1e-9 {
        return Err(unreachable);
    }
    fastest_at_most(settings, Pll::mhz, mhz).map(Some).ok_or(unreachable)
}

/// The clock the board top runs on in MHz for a requested core clock: the PLL's, or the
/// oscillator.
pub fn core_clock_mhz(board: Board, freq_mhz: Option<f64>) -> Result<f64, BitstreamError> {
    Ok(board_pll(board, freq_mhz)?.map_or(board.oscillator_mhz(), |p| p.mhz()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every output clock the iCE40 PLL makes from `input`, by the data sheet's formula
    /// written out again (not through [`ice40_settings`]).
    fn ice40_reachable(input: f64) -> Vec<f64> {
        let mut out = Vec::new();
        for r in 1..=16 {
            for f in 1..=128 {
                for q in [2.0, 4.0, 8.0, 16.0, 32.0, 64.0] {
                    let (pfd, vco) = (input / r as f64, input * f as f64 / r as f64);
                    let mhz = vco / q;
                    if (10.0..=133.0).contains(&pfd) && (533.0..=1066.0).contains(&vco) && (16.0..=275.0).contains(&mhz)
                    {
                        out.push(mhz);
                    }
                }
            }
        }
        out
    }

    /// Every output clock the rPLL makes from `input`, written out again.
    fn gowin_reachable(input: f64) -> Vec<f64> {
        let mut out = Vec::new();
        for i in 1..=64 {
            for f in 1..=64 {
                let mhz = input * f as f64 / i as f64;
                let vco_ok = GOWIN_ODIV.iter().any(|&o| (400.0..=1200.0).contains(&(mhz * o as f64)));
                if (3.0..=400.0).contains(&(input / i as f64)) && (3.125..=600.0).contains(&mhz) && vco_ok {
                    out.push(mhz);
                }
            }
        }
        out
    }

    /// No reachable clock lies between `got` and `target`: `got` is the closest from below.
    fn closest_below(reachable: &[f64], got: f64, target: f64) -> bool {
        got <= target + 1e-9 && reachable.iter().all(|&f| f <= got + 1e-9 || f > target + 1e-9)
    }

    proptest! {
        /// Every target from 10 to 400 MHz gets a legal setting at most the target and less
        /// than 3.125 MHz below it (with 25 / 8 as the PFD, every multiple of 3.125 MHz is
        /// reachable).
        #[test]
        fn ecp5_pll_settings_are_legal_and_close(target in 10.0f64..400.0) {
            let p = ecp5_pll(25.0, target).unwrap();
            let pfd = 25.0 / p.clki_div as f64;
            let vco = p.mhz * p.clkop_div as f64;
            prop_assert!(p.mhz <= target + 1e-9 && p.mhz > target - 3.125, "{p:?} for {target}");
            prop_assert!((3.125..=400.0).contains(&pfd) && (400.0..=800.0).contains(&vco), "{p:?}");
            prop_assert!((p.mhz - pfd * p.clkfb_div as f64).abs() < 1e-9);
        }

        /// From the iCEBreaker's 12 MHz (and other inputs), every target the PLL reaches gets
        /// dividers in their ranges that make the clock they claim, the closest from below.
        #[test]
        fn ice40_pll_settings_are_legal_and_closest(input in prop::sample::select(vec![12.0, 25.0, 48.0, 100.0]),
                                                    target in 16.0f64..275.0) {
            let reachable = ice40_reachable(input);
            let lowest = reachable.iter().cloned().fold(f64::INFINITY, f64::min);
            let Some(p) = ice40_pll(input, target) else {
                prop_assert!(target < lowest, "{target} from {input}: none, lowest {lowest}");
                return Ok(());
            };
            let pfd = input / (p.divr + 1) as f64;
            let vco = pfd * (p.divf + 1) as f64;
            prop_assert!(p.divr <= 15 && p.divf <= 127 && (1..=6).contains(&p.divq), "{p:?}");
            prop_assert!((10.0..=133.0).contains(&pfd) && (533.0..=1066.0).contains(&vco), "{p:?}");
            prop_assert!((p.mhz - vco / (1u32 << p.divq) as f64).abs() < 1e-9 && p.mhz >= 16.0, "{p:?}");
            prop_assert_eq!(p.filter_range, ice40_filter_range(pfd));
            prop_assert!(closest_below(&reachable, p.mhz, target), "{p:?} for {target} from {input}");
        }

        /// From the Tang Nano 9K's 27 MHz (and other inputs), as for the iCE40.
        #[test]
        fn gowin_pll_settings_are_legal_and_closest(input in prop::sample::select(vec![27.0, 12.0, 50.0]),
                                                    target in 3.375f64..600.0) {
            let reachable = gowin_reachable(input);
            let lowest = reachable.iter().cloned().fold(f64::INFINITY, f64::min);
            // 3.375 MHz is the slowest from 27 MHz; from 12 MHz it is 4.
            let Some(p) = gowin_pll(input, target) else {
                prop_assert!(target < lowest, "{target} from {input}: none, lowest {lowest}");
                return Ok(());
            };
            let pfd = input / (p.idiv_sel + 1) as f64;
            prop_assert!(p.idiv_sel <= 63 && p.fbdiv_sel <= 63 && GOWIN_ODIV.contains(&p.odiv_sel), "{p:?}");
            prop_assert!((3.0..=400.0).contains(&pfd) && (400.0..=1200.0).contains(&(p.mhz * p.odiv_sel as f64)));
            prop_assert!((p.mhz - pfd * (p.fbdiv_sel + 1) as f64).abs() < 1e-9, "{p:?}");
            prop_assert!(closest_below(&reachable, p.mhz, target), "{p:?} for {target} from {input}");
        }
    }

    /// icepll's answers from 12 MHz (`icepll -i 12 -o F`).
    #[test]
    fn ice40_settings_match_icepll() {
        for (target, divf, divq, mhz) in
            [(18.0, 47, 5, 18.0), (30.0, 79, 5, 30.0), (36.0, 47, 4, 36.0), (40.0, 52, 4, 39.75)]
        {
            let p = ice40_pll(12.0, target).unwrap();
            assert_eq!((p.divr, p.divf, p.divq, p.filter_range, p.mhz), (0, divf, divq, 1, mhz), "{target}");
        }
        assert_eq!([20.0, 30.0, 50.0, 80.0, 120.0].map(ice40_filter_range), [2, 3, 4, 5, 6]);
    }

    #[test]
    fn every_board_gets_its_pll() {
        assert_eq!(board_pll(Board::Ulx3s, Some(25.0)).unwrap(), None);
        assert_eq!(board_pll(Board::Ulx3s, Some(50.0)).unwrap().map(|p| p.mhz()), Some(50.0));
        assert_eq!(board_pll(Board::Ulx3s, None).unwrap(), None);
        assert_eq!(board_pll(Board::Icebreaker, Some(12.0)).unwrap(), None);
        let ice = board_pll(Board::Icebreaker, Some(30.0)).unwrap().unwrap();
        assert_eq!((ice.family(), ice.mhz()), (PllFamily::Ice40, 30.0));
        assert_eq!(ice.parameters(), [("DIVR", 0), ("DIVF", 79), ("DIVQ", 5), ("FILTER_RANGE", 1)]);
        assert_eq!(board_pll(Board::Tangnano9k, Some(27.0)).unwrap(), None);
        let gowin = board_pll(Board::Tangnano9k, Some(54.0)).unwrap().unwrap();
        assert_eq!((gowin.family(), gowin.mhz()), (PllFamily::Gowin, 54.0));
        assert_eq!(core_clock_mhz(Board::Ulx3s, Some(40.0)).unwrap(), 40.0);
        assert_eq!(core_clock_mhz(Board::Icebreaker, Some(24.0)).unwrap(), 24.0);
        assert_eq!(core_clock_mhz(Board::Icebreaker, None).unwrap(), 12.0);
        assert_eq!(core_clock_mhz(Board::Tangnano9k, Some(40.0)).unwrap(), 39.0);
    }

    #[test]
    fn unreachable_clocks_name_the_board_and_the_range() {
        let e = |board, mhz| board_pll(board, Some(mhz)).unwrap_err().to_string();
        assert_eq!(
            e(Board::Ulx3s, 1.0),
            "no ECP5 PLL setting on the ulx3s makes 1 MHz from its 25 MHz oscillator (it makes 3.125 to 400 MHz)"
        );
        assert_eq!(
            e(Board::Icebreaker, 16.0),
            "no iCE40 PLL setting on the icebreaker makes 16 MHz from its 12 MHz oscillator (it makes 16.125 to 270 MHz)"
        );
        assert!(e(Board::Icebreaker, 300.0).contains("16.125 to 270 MHz"));
        assert_eq!(
            e(Board::Tangnano9k, 700.0),
            "no Gowin PLL setting on the tangnano9k makes 700 MHz from its 27 MHz oscillator (it makes 3.375 to 594 MHz)"
        );
    }

    /// An ECP5 PLL in a build report reads as before the other families had PLLs (no tag),
    /// and every family's reads back as itself.
    #[test]
    fn plls_serialize_as_their_dividers() {
        let ecp5 = board_pll(Board::Ulx3s, Some(40.0)).unwrap().unwrap();
        let json = serde_json::to_string(&ecp5).unwrap();
        assert_eq!(json, r#"{"clki_div":5,"clkfb_div":8,"clkop_div":10,"mhz":40.0}"#);
        for (board, mhz) in [(Board::Ulx3s, 40.0), (Board::Icebreaker, 24.0), (Board::Tangnano9k, 39.0)] {
            let pll = board_pll(board, Some(mhz)).unwrap().unwrap();
            assert_eq!(serde_json::from_str::<Pll>(&serde_json::to_string(&pll).unwrap()).unwrap(), pll);
        }
    }
}
