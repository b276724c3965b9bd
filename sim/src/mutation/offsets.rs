//! Which mutants of a campaign's netlist can move a part-select past the end of its vector.
//!
//! Until session 37 the proofs read such a select as `techmap`'s gates do: its `$shiftx`
//! pads with `x` past the vector and flags an offset past the bits it needs with `x`, and
//! `opt_expr -mux_undef` inside the map then takes the other input of every multiplexer
//! that had an `x`, so the select read some bit inside the vector. A mutant that moved an
//! offset past the end could be proven equivalent that way, though the campaign's second
//! netlist reads 0 there and tells it apart (`board` #800). The proofs now read 0 as the
//! second netlist does (`yosys::past_end_zero`); a proof recorded before that stands only
//! for a mutant no such offset depends on, which [`mutants_reaching_offsets`] lists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::equivalence::run_within;
use super::netlist::CONTROL;
use crate::error::SimError;

/// The campaign's netlist in a host's directory: every mutant behind `mutsel == id`.
const NETLIST: &str = "mutated.v";

/// The ids of the mutants in `dir`'s campaign netlist whose logic any part-select's offset
/// depends on, where that offset can point past the end of its vector: the `mutsel == id`
/// comparisons in the input cone of the offset, the design flattened, through registers
/// and memories. An offset whose every value stays inside the vector (its bits fixed at 0
/// where they would reach past it) is left out.
///
/// Over-approximate by design: a cell counts as depending on all of its inputs.
pub fn mutants_reaching_offsets(dir: &Path, host: &str, budget: Duration) -> Result<BTreeSet<u32>, SimError> {
    let name = format!("offsets-{}", std::process::id());
    let script = format!("read_verilog {NETLIST}\nhierarchy -auto-top\nproc\nflatten\nwrite_json {name}.json\n");
    let path = dir.join(format!("{name}.ys"));
    std::fs::write(&path, &script).map_err(|source| SimError::Io { path: path.clone(), source })?;
    let json = dir.join(format!("{name}.json"));
    let ran = run_within(dir, "yosys", &["-q", "-s", &format!("{name}.ys")], None, budget);
    let _ = std::fs::remove_file(&path);
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
fn reaching_offsets(json: &str) -> Result<BTreeSet<u32>, String> {
    let design: Design = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut tops = design.modules.values().filter(|m| m.attributes.contains_key("top"));
    let top = match (tops.next(), tops.next()) {
        (Some(top), None) => top,
        _ => return Err("not one top module".into()),
    };
    let control: Vec<Bit> =
        top.ports.get(CONTROL).ok_or_else(|| format!("the top has no `{CONTROL}` port"))?.bits.clone();
    let mut driver: BTreeMap<u64, &JsonCell> = BTreeMap::new();
    for cell in top.cells.values() {
        for (port, bits) in &cell.connections {
            if cell.port_directions.get(port).map(String::as_str) == Some("output") {
                driver.extend(bits.iter().filter_map(Bit::net).map(|n| (n, cell)));
            }
        }
    }
    let mut todo: Vec<u64> = top
        .cells
        .values()
        .filter(|cell| cell.kind == "$shiftx" && cell.can_select_past_the_end())
        .flat_map(|cell| cell.port("B").iter().filter_map(Bit::net))
        .collect();
    let mut seen_nets: BTreeSet<u64> = todo.iter().copied().collect();
    let mut seen_cells: BTreeSet<*const JsonCell> = BTreeSet::new();
    let mut mutants = BTreeSet::new();
    while let Some(net) = todo.pop() {
        let Some(&cell) = driver.get(&net) else { continue };
        if !seen_cells.insert(cell as *const JsonCell) {
            continue;
        }
        if let Some(id) = cell.compares_control(&control) {
            mutants.insert(id);
        }
        for (port, bits) in &cell.connections {
            if cell.port_directions.get(port).map(String::as_str) != Some("output") {
                todo.extend(bits.iter().filter_map(Bit::net).filter(|&n| seen_nets.insert(n)));
            }
        }
    }
    Ok(mutants)
}

#[derive(Deserialize)]
struct Design {
    modules: BTreeMap<String, JsonModule>,
}

#[derive(Deserialize)]
struct JsonModule {
    #[serde(default)]
    attributes: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    ports: BTreeMap<String, JsonPort>,
    #[serde(default)]
    cells: BTreeMap<String, JsonCell>,
}

#[derive(Deserialize)]
struct JsonPort {
    bits: Vec<Bit>,
}

#[derive(Deserialize)]
struct JsonCell {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    parameters: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    port_directions: BTreeMap<String, String>,
    #[serde(default)]
    connections: BTreeMap<String, Vec<Bit>>,
}

/// One bit in `write_json`: a net's number or a constant (`"0"`, `"1"`, `"x"`, `"z"`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
enum Bit {
    Net(u64),
    Constant(String),
}

impl Bit {
    fn net(&self) -> Option<u64> {
        match self {
            Bit::Net(n) => Some(*n),
            Bit::Constant(_) => None,
        }
    }

    fn is_zero(&self) -> bool {
        matches!(self, Bit::Constant(c) if c == "0")
    }
}

impl JsonCell {
    fn port(&self, name: &str) -> &[Bit] {
        self.connections.get(name).map_or(&[], Vec::as_slice)
    }

    /// A parameter `write_json` wrote as a number or a string of binary digits.
    fn parameter(&self, name: &str) -> Option<u64> {
        match self.parameters.get(name)? {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => u64::from_str_radix(s, 2).ok(),
            _ => None,
        }
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

    #[test]
    fn a_mutant_in_the_cone_of_an_offset_that_can_leave_the_vector_is_listed() {
        // Offset bits 20, 21 (0..=3) read 1 bit of 3: 3 is past the end.
        let reached = reaching_offsets(&design(3, 1, "[20, 21]", false)).unwrap();
        assert_eq!(reached, BTreeSet::from([1]));
        // The second comparison (the constant on A) drives nothing the offset reads.
        let reached = reaching_offsets(&design(3, 1, "[20, 21, 11]", false)).unwrap();
        assert_eq!(reached, BTreeSet::from([1, 2]));
    }

    #[test]
    fn an_offset_that_stays_inside_the_vector_lists_nothing() {
        // 0..=3 reading 1 bit of 4; 0 or 2 reading 2 of 4 (bit 0 fixed at 0).
        assert!(reaching_offsets(&design(4, 1, "[20, 21]", false)).unwrap().is_empty());
        assert!(reaching_offsets(&design(4, 2, r#"["0", 21]"#, false)).unwrap().is_empty());
        // ... but 0..=3 reading 2 of 4 reads past it at 3, and a signed offset can be
        // negative.
        assert_eq!(reaching_offsets(&design(4, 2, "[20, 21]", false)).unwrap(), BTreeSet::from([1]));
        assert_eq!(reaching_offsets(&design(8, 1, "[20, 21]", true)).unwrap(), BTreeSet::from([1]));
        assert!(reaching_offsets(&design(8, 1, r#"[20, "0"]"#, true)).unwrap().is_empty());
    }

    #[test]
    fn a_design_without_the_control_input_is_an_error() {
        let text = design(3, 1, "[20, 21]", false).replace("mutsel", "other");
        assert!(reaching_offsets(&text).unwrap_err().contains("mutsel"));
    }
}
