//! A design as yosys's `write_json` writes it: what the campaign's netlist readers take of it
//! (`observed` the modules' ports and instances, `offsets` the flattened top's cells).

use std::collections::BTreeMap;

use serde::Deserialize;

/// The whole design.
#[derive(Deserialize)]
pub(super) struct Design {
    pub(super) modules: BTreeMap<String, Module>,
}

/// One module, by the name yosys gave it (`$paramod$...\sf_layer` for a parameterization).
#[derive(Deserialize)]
pub(super) struct Module {
    /// `top` on the top module after `hierarchy -auto-top`.
    #[serde(default)]
    pub(super) attributes: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub(super) ports: BTreeMap<String, Port>,
    /// By instance name.
    #[serde(default)]
    pub(super) cells: BTreeMap<String, Cell>,
    /// A parameterization's values: integers as strings of binary digits.
    #[serde(default)]
    pub(super) parameter_default_values: BTreeMap<String, serde_json::Value>,
}

/// A port of a module.
#[derive(Deserialize)]
pub(super) struct Port {
    /// `input`, `output` or `inout`.
    pub(super) direction: String,
    /// Lowest bit first.
    pub(super) bits: Vec<Bit>,
}

/// An instance: of a module (`type` its name) or of a yosys cell (`$add`, `$shiftx`).
#[derive(Clone, Debug, Deserialize)]
pub(super) struct Cell {
    #[serde(rename = "type")]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) parameters: BTreeMap<String, serde_json::Value>,
    /// Only for yosys's own cells (a module instance says nothing here).
    #[serde(default)]
    pub(super) port_directions: BTreeMap<String, String>,
    /// The bits on each port, lowest first.
    #[serde(default)]
    pub(super) connections: BTreeMap<String, Vec<Bit>>,
}

impl Cell {
    /// The bits on `port` (none where it is not connected).
    pub(super) fn port(&self, name: &str) -> &[Bit] {
        self.connections.get(name).map_or(&[], Vec::as_slice)
    }

    /// A parameter written as a number or as a string of binary digits.
    pub(super) fn parameter(&self, name: &str) -> Option<u64> {
        match self.parameters.get(name)? {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => u64::from_str_radix(s, 2).ok(),
            _ => None,
        }
    }
}

/// One bit: a net's number or a constant (`"0"`, `"1"`, `"x"`, `"z"`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub(super) enum Bit {
    Net(u64),
    Constant(String),
}

impl Bit {
    /// The net, unless a constant.
    pub(super) fn net(&self) -> Option<u64> {
        match self {
            Bit::Net(n) => Some(*n),
            Bit::Constant(_) => None,
        }
    }

    /// The constant 0.
    pub(super) fn is_zero(&self) -> bool {
        matches!(self, Bit::Constant(c) if c == "0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nets_constants_and_parameters_of_either_spelling_are_read() {
        let design: Design = serde_json::from_str(
            r#"{"modules": {"top": {"attributes": {"top": "00000000000000000000000000000001"},
                "ports": {"a": {"direction": "input", "bits": [2, "0", "x"]}},
                "cells": {"s": {"type": "$shiftx", "parameters": {"A_WIDTH": "00000000000000000000000000000100", "Y_WIDTH": 1},
                    "port_directions": {"Y": "output"}, "connections": {"B": [2, "1"]}}}}}}"#,
        )
        .unwrap();
        let top = &design.modules["top"];
        assert!(top.attributes.contains_key("top"));
        let a = &top.ports["a"];
        assert_eq!(a.direction, "input");
        assert_eq!(a.bits.iter().map(Bit::net).collect::<Vec<_>>(), [Some(2), None, None]);
        assert!(a.bits[1].is_zero() && !a.bits[2].is_zero());
        let s = &top.cells["s"];
        assert_eq!((s.parameter("A_WIDTH"), s.parameter("Y_WIDTH"), s.parameter("B_WIDTH")), (Some(4), Some(1), None));
        assert_eq!(s.port("B"), [Bit::Net(2), Bit::Constant("1".into())]);
        assert!(s.port("A").is_empty());
    }
}
