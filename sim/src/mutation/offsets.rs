//! Which mutants of a campaign's netlist can move a part-select past the end of its vector.
//!
//! Until session 37 the proofs read such a select as `techmap`'s gates do: its `$shiftx`
//! pads with `x` past the vector and flags an offset past the bits it needs with `x`, and
//! `opt_expr -mux_undef` inside the map then takes the other input of every multiplexer
//! that had an `x`, so the select read some bit inside the vector. A mutant that moved an
//! offset past the end could be proven equivalent that way, though the campaign's second
//! netlist reads 0 there and tells it apart (`board` #800). The proofs now read 0 as the
//! second netlist does (`yosys::past_end_zero`), and each proof recorded before is made
//! again (`MUTATION_PROOF_RETRY=past-end`), first those of the mutants
//! [`mutants_reaching_offsets`] lists: the ones that can move an offset. The others too,
//! later: where the original itself reads past the end in a state a proof allows, that
//! proof can lean on the old reading though the mutant moves no offset.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use super::equivalence::run_yosys_script;
use super::json::{Bit, Cell, Design, Module};
use super::netlist::CONTROL;
use crate::error::SimError;

/// The campaign's netlist in a host's directory: every mutant behind `mutsel == id`.
const NETLIST: &str = "mutated.v";

/// The mutants of a campaign netlist that part-selects' offsets depend on, where those
/// offsets can point past the end of their vector: the `mutsel == id` comparisons in the
/// offsets' input cones, the design flattened. An offset whose every value stays inside its
/// vector (its bits fixed at 0 where they would reach past it) is left out. Over-approximate
/// by design: a cell counts as depending on all of its inputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffsetReach {
    /// Mutants an offset depends on in the same cycle (the cone stops at flip-flops and
    /// memory contents): those that move an offset's bits themselves, as `board` #800.
    pub combinational: BTreeSet<u32>,
    /// Mutants an offset depends on at all, through registers and memories too (a
    /// superset of `combinational`).
    pub sequential: BTreeSet<u32>,
}

/// [`OffsetReach`] of the campaign netlist in `dir` (a host's `rtl/`), by yosys within
/// `budget`.
pub fn mutants_reaching_offsets(dir: &Path, host: &str, budget: Duration) -> Result<OffsetReach, SimError> {
    let name = format!("offsets-{}", std::process::id());
    let script = format!("read_verilog {NETLIST}\nhierarchy -auto-top\nproc\nflatten\nwrite_json {name}.json\n");
    let json = dir.join(format!("{name}.json"));
    let ran = run_yosys_script(dir, &name, &script, budget);
    let text = std::fs::read_to_string(&json);
    let _ = std::fs::remove_file(&json);
    let failed = |reason: String| SimError::Mutation { host: host.to_string(), reason };
    if !ran? {
        return Err(failed(format!("yosys did not flatten {} within {budget:?}", dir.join(NETLIST).display())));
    }
    let text = text.map_err(|source| SimError::Io { path: json.clone(), source })?;
    reaching_offsets(&text).map_err(|e| failed(format!("yosys's JSON of {}: {e}", dir.join(NETLIST).display())))
}

/// [`mutants_reaching_offsets`] on `write_json` output of the flattened netlist.
fn reaching_offsets(json: &str) -> Result<OffsetReach, String> {
    let design: Design = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut tops = design.modules.values().filter(|m| m.attributes.contains_key("top"));
    let top = match (tops.next(), tops.next()) {
        (Some(top), None) => top,
        _ => return Err("not one top module".into()),
    };
    let control: &[Bit] = &top.ports.get(CONTROL).ok_or_else(|| format!("the top has no `{CONTROL}` port"))?.bits;
    let graph = Graph::of(top);
    Ok(OffsetReach { combinational: graph.cone(control, false), sequential: graph.cone(control, true) })
}

/// A flattened module's cells, each net's driver among them, and each memory's writers.
struct Graph<'a> {
    cells: Vec<&'a Cell>,
    driver: BTreeMap<u64, usize>,
    writers: BTreeMap<String, Vec<usize>>,
}

impl<'a> Graph<'a> {
    fn of(top: &'a Module) -> Graph<'a> {
        let cells: Vec<&Cell> = top.cells.values().collect();
        let mut driver: BTreeMap<u64, usize> = BTreeMap::new();
        let mut writers: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (index, cell) in cells.iter().enumerate() {
            for (port, bits) in &cell.connections {
                if cell.is_output(port) {
                    driver.extend(bits.iter().filter_map(Bit::net).map(|n| (n, index)));
                }
            }
            if cell.kind.starts_with("$memwr") || cell.kind.starts_with("$meminit") {
                writers.entry(cell.memory()).or_default().push(index);
            }
        }
        Graph { cells, driver, writers }
    }

    /// The mutants in the input cone of the offsets that can leave their vector, through
    /// state (flip-flops, and a memory's writes behind its reads) where `through_state`.
    fn cone(&self, control: &[Bit], through_state: bool) -> BTreeSet<u32> {
        let cells = &self.cells;
        let mut todo: Vec<u64> = cells
            .iter()
            .filter(|cell| cell.kind == "$shiftx" && cell.can_select_past_the_end())
            .flat_map(|cell| cell.port("B").iter().filter_map(Bit::net))
            .collect();
        let mut seen_nets: BTreeSet<u64> = todo.iter().copied().collect();
        let mut seen_cells: BTreeSet<usize> = BTreeSet::new();
        let mut mutants = BTreeSet::new();
        let mut visit = |index: usize, todo: &mut Vec<u64>, seen_cells: &mut BTreeSet<usize>| {
            if !seen_cells.insert(index) {
                return;
            }
            let cell = cells[index];
            if let Some(id) = cell.compares_control(control) {
                mutants.insert(id);
            }
            let inputs: Vec<&str> = match (cell.holds_state(), through_state) {
                (true, false) if cell.kind.starts_with("$memrd") && !cell.clocked_read() => vec!["ADDR", "EN"],
                (true, false) => Vec::new(),
                _ => cell.connections.keys().map(String::as_str).filter(|p| !cell.is_output(p)).collect(),
            };
            for port in inputs {
                todo.extend(cell.port(port).iter().filter_map(Bit::net).filter(|&n| seen_nets.insert(n)));
            }
        };
        while let Some(net) = todo.pop() {
            let Some(&index) = self.driver.get(&net) else { continue };
            visit(index, &mut todo, &mut seen_cells);
            if through_state && cells[index].kind.starts_with("$memrd") {
                for &writer in self.writers.get(&cells[index].memory()).into_iter().flatten() {
                    visit(writer, &mut todo, &mut seen_cells);
                }
            }
        }
        mutants
    }
}

impl Cell {
    fn is_output(&self, port: &str) -> bool {
        self.port_directions.get(port).map(String::as_str) == Some("output")
    }

    /// A flip-flop, latch or memory port: its output is state, or a memory's.
    fn holds_state(&self) -> bool {
        let kind = self.kind.as_str();
        kind.contains("dff") || kind.contains("latch") || kind.starts_with("$mem") || matches!(kind, "$ff" | "$sr")
    }

    /// A memory read port that registers its data.
    fn clocked_read(&self) -> bool {
        self.parameter("CLK_ENABLE").is_some_and(|c| c != 0)
    }

    /// The memory a `$memrd`, `$memwr` or `$meminit` cell (any version) reads or writes.
    fn memory(&self) -> String {
        self.parameters.get("MEMID").map(|v| v.to_string()).unwrap_or_default()
    }

    /// Whether some value of this `$shiftx`'s offset reads a bit outside `A`: a signed
    /// offset whose sign bit is not fixed at 0, or an unsigned one whose largest value (its
    /// bits not fixed at 0 all set) puts `Y`'s last bit past `A`'s.
    fn can_select_past_the_end(&self) -> bool {
        let (Some(a_width), Some(y_width)) = (self.parameter("A_WIDTH"), self.parameter("Y_WIDTH")) else {
            return true;
        };
        let offset = self.port("B");
        if self.parameter("B_SIGNED").unwrap_or(0) != 0 && !offset.last().is_some_and(Bit::is_zero) {
            return true;
        }
        let largest = offset
            .iter()
            .enumerate()
            .filter(|(_, bit)| !bit.is_zero())
            .try_fold(0u64, |sum, (i, _)| 1u64.checked_shl(i as u32).and_then(|b| sum.checked_add(b)));
        largest.is_none_or(|largest| largest.saturating_add(y_width) > a_width)
    }

    /// `Some(id)` for an `$eq` of the control input with the constant `id`.
    fn compares_control(&self, control: &[Bit]) -> Option<u32> {
        if self.kind != "$eq" {
            return None;
        }
        let (a, b) = (self.port("A"), self.port("B"));
        let constant = match (a == control, b == control) {
            (true, _) => b,
            (_, true) => a,
            _ => return None,
        };
        constant.iter().rev().try_fold(0u32, |value, bit| match bit {
            Bit::Constant(c) if c == "0" => value.checked_mul(2),
            Bit::Constant(c) if c == "1" => value.checked_mul(2).map(|v| v + 1),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flattened top with `mutsel`, one `$shiftx` of `a_width` bits reading `y_width` at
    /// an offset of `offset` and `$eq` cells comparing `mutsel` with 1 and 2; nets: mutsel
    /// 2..=3, the comparisons' outputs 10 and 11, the offset's driver (`$mux` selected by
    /// comparison 10) 20.., the select's output 30.
    fn design(a_width: u64, y_width: u64, offset: &str, signed: bool) -> String {
        format!(
            r#"{{"modules": {{"top": {{"attributes": {{"top": "1"}},
              "ports": {{"mutsel": {{"direction": "input", "bits": [2, 3]}}}},
              "cells": {{
                "eq1": {{"type": "$eq", "parameters": {{}}, "port_directions": {{"A": "input", "B": "input", "Y": "output"}},
                        "connections": {{"A": [2, 3], "B": ["1", "0"], "Y": [10]}}}},
                "eq2": {{"type": "$eq", "parameters": {{}}, "port_directions": {{"A": "input", "B": "input", "Y": "output"}},
                        "connections": {{"A": ["0", "1"], "B": [2, 3], "Y": [11]}}}},
                "mux": {{"type": "$mux", "parameters": {{}}, "port_directions": {{"A": "input", "B": "input", "S": "input", "Y": "output"}},
                        "connections": {{"A": [40, 41], "B": [42, 43], "S": [10], "Y": [20, 21]}}}},
                "sel": {{"type": "$shiftx", "parameters": {{"A_WIDTH": "{a_width:b}", "Y_WIDTH": {y_width}, "B_SIGNED": {signed}}},
                        "port_directions": {{"A": "input", "B": "input", "Y": "output"}},
                        "connections": {{"A": [], "B": {offset}, "Y": [30]}}}}
              }}}}}}}}"#,
            signed = u8::from(signed)
        )
    }

    /// The mutants reached (`sequential`), after checking a design without state reaches
    /// the same ones in the same cycle.
    fn reached(json: &str) -> BTreeSet<u32> {
        let reach = reaching_offsets(json).unwrap();
        assert_eq!(reach.combinational, reach.sequential);
        reach.sequential
    }

    #[test]
    fn a_mutant_in_the_cone_of_an_offset_that_can_leave_the_vector_is_listed() {
        // Offset bits 20, 21 (0..=3) read 1 bit of 3: 3 is past the end.
        assert_eq!(reached(&design(3, 1, "[20, 21]", false)), BTreeSet::from([1]));
        // The second comparison (the constant on A) drives nothing the offset reads.
        assert_eq!(reached(&design(3, 1, "[20, 21, 11]", false)), BTreeSet::from([1, 2]));
    }

    #[test]
    fn an_offset_that_stays_inside_the_vector_lists_nothing() {
        // 0..=3 reading 1 bit of 4; 0 or 2 reading 2 of 4 (bit 0 fixed at 0).
        assert!(reached(&design(4, 1, "[20, 21]", false)).is_empty());
        assert!(reached(&design(4, 2, r#"["0", 21]"#, false)).is_empty());
        // ... but 0..=3 reading 2 of 4 reads past it at 3, and a signed offset can be
        // negative.
        assert_eq!(reached(&design(4, 2, "[20, 21]", false)), BTreeSet::from([1]));
        assert_eq!(reached(&design(8, 1, "[20, 21]", true)), BTreeSet::from([1]));
        assert!(reached(&design(8, 1, r#"[20, "0"]"#, true)).is_empty());
    }

    #[test]
    fn state_between_a_mutant_and_an_offset_leaves_it_out_of_the_combinational_cone() {
        // The offset (nets 20, 21) is a flip-flop's output (its D the mux at 40, 41, which
        // comparison 1 selects) or a memory's word read at an address (net 50) the mux at
        // 60 gives (comparison 2 selects), the memory written with data comparison 3
        // selects (net 70).
        let state = r#""ff": {"type": "$dff", "parameters": {}, "port_directions": {"CLK": "input", "D": "input", "Q": "output"},
                    "connections": {"CLK": [9], "D": [40, 41], "Q": [20]}},
             "m1": {"type": "$mux", "parameters": {}, "port_directions": {"A": "input", "B": "input", "S": "input", "Y": "output"},
                    "connections": {"A": [8], "B": [7], "S": [10], "Y": [40, 41]}},
             "rd": {"type": "$memrd", "parameters": {"MEMID": "\\m", "CLK_ENABLE": "0"},
                    "port_directions": {"CLK": "input", "EN": "input", "ADDR": "input", "DATA": "output"},
                    "connections": {"CLK": ["x"], "EN": ["1"], "ADDR": [50], "DATA": [21]}},
             "m2": {"type": "$mux", "parameters": {}, "port_directions": {"A": "input", "B": "input", "S": "input", "Y": "output"},
                    "connections": {"A": [8], "B": [7], "S": [11], "Y": [50]}},
             "wr": {"type": "$memwr_v2", "parameters": {"MEMID": "\\m"},
                    "port_directions": {"CLK": "input", "EN": "input", "ADDR": "input", "DATA": "input"},
                    "connections": {"CLK": [9], "EN": ["1"], "ADDR": [8], "DATA": [70]}},
             "m3": {"type": "$mux", "parameters": {}, "port_directions": {"A": "input", "B": "input", "S": "input", "Y": "output"},
                    "connections": {"A": [8], "B": [7], "S": [12], "Y": [70]}},
             "eq3": {"type": "$eq", "parameters": {}, "port_directions": {"A": "input", "B": "input", "Y": "output"},
                    "connections": {"A": [2, 3], "B": ["1", "1"], "Y": [12]}},"#;
        let json = design(3, 1, "[20, 21]", false)
            .replace(r#""mux": {"#, &format!("{state}\n\"unused\": {{"))
            .replace(r#""S": [10], "Y": [20, 21]"#, r#""S": [10], "Y": [90, 91]"#);
        let reach = reaching_offsets(&json).unwrap();
        assert_eq!(reach.combinational, BTreeSet::from([2]));
        assert_eq!(reach.sequential, BTreeSet::from([1, 2, 3]));
    }

    #[test]
    fn a_design_without_the_control_input_is_an_error() {
        let text = design(3, 1, "[20, 21]", false).replace("mutsel", "other");
        assert!(reaching_offsets(&text).unwrap_err().contains("mutsel"));
    }
}
