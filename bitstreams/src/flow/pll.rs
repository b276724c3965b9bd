//! The core clock when it is not the oscillator: the PLL settings the flow puts in front of
//! the board top.

use serde::{Deserialize, Serialize};

use crate::BitstreamError;
use crate::boards::{Board, PllKind};

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

/// The fastest ECP5 PLL clock from `input_mhz` that does not exceed `target_mhz`, within the
/// part's limits (PFD 3.125-400 MHz, VCO 400-800 MHz, output 3.125-400 MHz, dividers
/// 1..=128); `None` if no setting reaches down to the target.
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
    let mut best: Option<Ecp5Pll> = None;
    for clki_div in 1..=128u32 {
        let pfd = input_mhz / clki_div as f64;
        if pfd < 3.125 {
            break;
        }
        if pfd > 400.0 {
            continue;
        }
        for clkfb_div in 1..=128u32 {
            let mhz = pfd * clkfb_div as f64;
            if mhz > target_mhz + 1e-9 || mhz > 400.0 {
                break;
            }
            if mhz < 3.125 {
                continue;
            }
            let clkop_div = (400.0 / mhz).ceil() as u32;
            if clkop_div > 128 || mhz * clkop_div as f64 > 800.0 {
                continue;
            }
            if best.is_none_or(|b| mhz > b.mhz + 1e-9) {
                best = Some(Ecp5Pll { clki_div, clkfb_div, clkop_div, mhz });
            }
        }
    }
    best
}

/// The PLL [`super::build`] puts in front of the board top for a requested core clock: where
/// the board has one ([`crate::boards::BoardFacts::pll`]) and `freq_mhz` differs from the
/// oscillator; never elsewhere (there `freq_mhz` is only the timing target).
pub fn board_pll(board: Board, freq_mhz: Option<f64>) -> Result<Option<Ecp5Pll>, BitstreamError> {
    let oscillator_mhz = board.oscillator_mhz();
    match (board.facts().pll, freq_mhz) {
        (Some(PllKind::Ecp5), Some(mhz)) if (mhz - oscillator_mhz).abs() > 1e-6 => {
            ecp5_pll(oscillator_mhz, mhz).map(Some).ok_or(BitstreamError::NoPllSetting { mhz, oscillator_mhz })
        }
        _ => Ok(None),
    }
}

/// The clock the board top runs on in MHz for a requested core clock: the PLL's, or the
/// oscillator.
pub fn core_clock_mhz(board: Board, freq_mhz: Option<f64>) -> Result<f64, BitstreamError> {
    Ok(board_pll(board, freq_mhz)?.map_or(board.oscillator_mhz(), |p| p.mhz))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
    }

    #[test]
    fn only_the_ulx3s_gets_a_pll() {
        assert_eq!(board_pll(Board::Ulx3s, Some(25.0)).unwrap(), None);
        assert_eq!(board_pll(Board::Ulx3s, Some(50.0)).unwrap().map(|p| p.mhz), Some(50.0));
        let e = board_pll(Board::Ulx3s, Some(1.0)).unwrap_err().to_string();
        assert_eq!(e, "no ECP5 PLL setting makes 1 MHz or less from 25 MHz");
        assert_eq!(board_pll(Board::Icebreaker, Some(30.0)).unwrap(), None);
        assert_eq!(core_clock_mhz(Board::Ulx3s, Some(40.0)).unwrap(), 40.0);
        assert_eq!(core_clock_mhz(Board::Icebreaker, Some(30.0)).unwrap(), 12.0);
    }
}
