//! The timing contract's constants (ARCHITECTURE.md "Timing contract") and the formulas
//! written with them. `sim::cycle` counts cycles with these constants; `hdl-gen` renders the
//! formulas into the manifest and the layer wrappers and the constants into `sf_defs.vh`,
//! and a test holds `sf_layer.v`'s header to the same text. They live here, in the plain
//! data both crates depend on, so neither has to mirror the other.
//!
//! ```
//! use model::timing::{GROUP_OVERHEAD, ITEM_OVERHEAD, layer_item_cycles};
//! assert_eq!(GROUP_OVERHEAD, 7);
//! assert_eq!(layer_item_cycles(false, None), "2 + Σ_g max(E_in + 7, ev_(g-1) + 2) + max(1, ev_(G-1))");
//! assert_eq!(layer_item_cycles(false, Some(3)), "2 + Σ_g<3 max(E_in + 7, ev_(g-1) + 2) + max(1, ev_2)");
//! # assert_eq!(ITEM_OVERHEAD, 2);
//! ```

/// Cycles of every item outside its groups (or input values): START and DONE.
pub const ITEM_OVERHEAD: u64 = 2;
/// Cycles after a group's last event until its last add is in the accumulators: event
/// register, weight read, weight register, scale, add.
pub const DRAIN_CYCLES: u64 = 4;
/// Cycles per group besides event replay: the drain, then one cycle integrating the group's
/// membranes (UPDATE), one firing and storing them (FIRE) and one finding the first spike to
/// emit (ARM). From START, or a group's ARM, to the next group's ARM when the emission in
/// between is short.
pub const GROUP_OVERHEAD: u64 = DRAIN_CYCLES + 3;
/// Cycles from a group's last emitted event to the next group's ARM at the least: FIRE,
/// which overwrites the emission masks, and ARM. Group `g`'s events go out one per cycle
/// from the cycle after its ARM, beside group `g + 1`'s replay, so group `g + 1`'s ARM comes
/// `max(E + GROUP_OVERHEAD, ev_g + EMIT_GAP)` cycles after group `g`'s.
pub const EMIT_GAP: u64 = 2;
/// Cycles a stage spends in IDLE between its conditions holding and START.
pub const HANDOFF: u64 = 1;

/// Cycles of a conv item's scatter outside its events: START, FETCH (the first event is
/// read) and the drain of the scatter pipeline (its last cycle releases the input slot).
pub const CONV_SCATTER_OVERHEAD: u64 = 1 + 1 + DRAIN_CYCLES;

/// Cycles of a conv item's update pass outside its words: the first membrane read
/// (PREREAD), the tail cycle after the last word, DONE.
pub const CONV_PASS_OVERHEAD: u64 = 1 + 1 + 1;

/// Cycles of a conv item outside its events and words: scatter and update pass.
pub const CONV_ITEM_OVERHEAD: u64 = CONV_SCATTER_OVERHEAD + CONV_PASS_OVERHEAD;

/// Cycles of one conv item `(input, t)` with `G` channel groups, in its two engines: every
/// received event `e` costs `G·max(1, rows_e)` scatter cycles (`rows_e`: kernel rows whose
/// output row exists), every membrane word `w` of the update pass `max(1, ev_w, pev_w)` (its
/// events, and the events of the max pooling windows it completes).
///
/// ```
/// assert_eq!(
///     model::timing::conv_item_cycles(Some(2)),
///     "scatter 6 + 2·Σ_e max(1, rows_e), then update pass 3 + Σ_w max(1, ev_w, pev_w)"
/// );
/// ```
pub fn conv_item_cycles(groups: Option<u32>) -> String {
    let g = groups.map_or("G".to_string(), |g| g.to_string());
    format!(
        "scatter {CONV_SCATTER_OVERHEAD} + {g}·Σ_e max(1, rows_e), then update pass {CONV_PASS_OVERHEAD} + Σ_w max(1, \
         ev_w, pev_w)"
    )
}

/// Cycles of one pass over a dense layer's groups, from START (or the cycle before the
/// pass's first REPLAY) to its last group's emission: `events` replayed per group, `emitted[g]`
/// events sent by group `g`. Group `g`'s emission overlaps group `g + 1`'s replay; the
/// last group's takes `max(1, ev)` cycles of its own (FLUSH).
///
/// ```
/// // Three groups, 3 events each; the groups emit 2, 0 and 1 events.
/// assert_eq!(model::timing::layer_pass_cycles(3, &[2, 0, 1]), 10 + 10 + 10 + 1);
/// // A group that emits more than the next one replays delays the next FIRE.
/// assert_eq!(model::timing::layer_pass_cycles(0, &[9, 0]), 7 + 11 + 1);
/// ```
pub fn layer_pass_cycles(events: u64, emitted: &[u64]) -> u64 {
    let arms: u64 = std::iter::once(0)
        .chain(emitted.iter().copied())
        .take(emitted.len())
        .map(|before| (events + GROUP_OVERHEAD).max(before + EMIT_GAP))
        .sum();
    arms + emitted.last().map_or(1, |&ev| ev.max(1))
}

/// Cycles of one layer item `(input, t)`: `E_in` received events, `ev_g` events emitted by
/// group `g` (`ev_(-1)` = 0); with lateral connections a second pass replays the `E1`
/// provisional events (`ev1_g` per group). `groups`: `None` for any number of groups `G`,
/// `Some(G)` writes the last group's number.
pub fn layer_item_cycles(lateral: bool, groups: Option<u32>) -> String {
    // The sum's range and the last group's index, as subscripts.
    let (over, last) = match groups {
        None => ("Σ_g".to_string(), "(G-1)".to_string()),
        Some(g) => (format!("Σ_g<{g}"), g.saturating_sub(1).to_string()),
    };
    let pass = |events: &str, emitted: &str| {
        format!("{over} max({events} + {GROUP_OVERHEAD}, {emitted}_(g-1) + {EMIT_GAP}) + max(1, {emitted}_{last})")
    };
    if lateral {
        format!("{ITEM_OVERHEAD} + {} + {}", pass("E_in", "ev1"), pass("E1", "ev"))
    } else {
        format!("{ITEM_OVERHEAD} + {}", pass("E_in", "ev"))
    }
}

/// Cycles of the encoder for one input: `e_i` events of input value `i`, or with an encoder
/// taking `V > 1` values per cycle `e_c` events of chunk `c` (values `cV .. cV + V - 1`).
///
/// ```
/// assert_eq!(model::timing::encoder_item_cycles(4), "2 + Σ_c max(1, e_c) over chunks of 4 values");
/// ```
pub fn encoder_item_cycles(values_per_cycle: u32) -> String {
    if values_per_cycle <= 1 {
        format!("{ITEM_OVERHEAD} + Σ_i max(1, e_i)")
    } else {
        format!("{ITEM_OVERHEAD} + Σ_c max(1, e_c) over chunks of {values_per_cycle} values")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lateral_items_take_the_groups_twice() {
        assert_eq!(
            layer_item_cycles(true, None),
            "2 + Σ_g max(E_in + 7, ev1_(g-1) + 2) + max(1, ev1_(G-1)) + Σ_g max(E1 + 7, ev_(g-1) + 2) + max(1, ev_(G-1))"
        );
        assert_eq!(
            layer_item_cycles(true, Some(2)),
            "2 + Σ_g<2 max(E_in + 7, ev1_(g-1) + 2) + max(1, ev1_1) + Σ_g<2 max(E1 + 7, ev_(g-1) + 2) + max(1, ev_1)"
        );
        assert_eq!(encoder_item_cycles(1), "2 + Σ_i max(1, e_i)");
    }

    proptest::proptest! {
        /// Emitting beside the next group's replay never takes longer than emitting after
        /// it (the contract before 2026-12-05: every group `E + 7 + max(1, ev_g)`), and a pass
        /// never takes less than its replays and overheads plus the last group's emission.
        #[test]
        fn overlapped_emission_lies_between_replay_alone_and_the_serial_schedule(
            events in 0u64..300,
            emitted in proptest::collection::vec(0u64..400, 1..20),
        ) {
            let pass = layer_pass_cycles(events, &emitted);
            let serial: u64 = emitted.iter().map(|&ev| events + GROUP_OVERHEAD + ev.max(1)).sum();
            let groups = emitted.len() as u64;
            let last = emitted[emitted.len() - 1].max(1);
            proptest::prop_assert!(pass <= serial);
            proptest::prop_assert!(pass >= groups * (events + GROUP_OVERHEAD) + last);
            // Equal when no group emits more than the next group's replay hides.
            if emitted.iter().all(|&ev| ev + EMIT_GAP <= events + GROUP_OVERHEAD) {
                proptest::prop_assert_eq!(pass, groups * (events + GROUP_OVERHEAD) + last);
            }
        }
    }
}
