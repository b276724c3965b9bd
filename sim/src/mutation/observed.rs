//! How the modules that instantiate a hand-written module read its outputs, and the miter
//! that compares two copies of a module only where they are read ([`Scope::Parent`]).
//!
//! A mutant of `sf_emit_search` that changes `first` when `any` is low, or the plane bit
//! of a search whose plane `sf_layer` never reads, differs at its own ports and at none of
//! its parent's that anything reads. So the parent is proven instead: two copies of it (the
//! original and the one holding the mutant), from power-on, every input free, and each
//! output compared only in the cycles its readers read it ([`qualified_outputs`]). Every
//! output not listed there is compared in every cycle.
//!
//! [`Scope::Parent`]: super::equivalence::Scope::Parent

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

/// When the readers of an output read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// In the cycles the output `when` is high in the original (`when` itself is compared
    /// in every cycle, so where it differs the miter has already fired).
    With(&'static str),
    /// Lane `i` of it (the `i`th of as many equal slices as `mask` has bits) in the cycles
    /// `when` and bit `i` of the output `mask` are high.
    PerLane {
        /// The valid of the whole output.
        when: &'static str,
        /// One bit per lane.
        mask: &'static str,
    },
    /// Never: nothing reads it in this parameterization.
    Never,
}

/// An output read only in some cycles, or never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QualifiedOutput {
    /// The output.
    pub port: &'static str,
    /// When it is read.
    pub read: Read,
}

const fn read_with(port: &'static str, when: &'static str) -> QualifiedOutput {
    QualifiedOutput { port, read: Read::With(when) }
}

const fn never(port: &'static str) -> QualifiedOutput {
    QualifiedOutput { port, read: Read::Never }
}

/// `KIND` of a readout layer (`SF_KIND_READOUT`, `sf_defs.vh`).
const KIND_READOUT: u64 = 3;

/// The outputs of the hand-written module `name` (its source name, `sf_layer`, or a yosys
/// parameterization of it, `$paramod$...\sf_layer`) with parameters `params` that are read
/// only in some cycles. A module not listed has every output read in every cycle.
///
/// `sf_layer`, where each output is read:
/// - `out_event`: by the next layer's `sf_event_buffer`, which writes `wr_data` only with
///   `wr_en` (`out_wr_en`). With `HAS_OUT = 0` (the last layer) the generated top leaves
///   `out_wr_en`, `out_event` and `out_commit` unconnected.
/// - `emit_neuron`, `emit_sel`, `emit_neg`, `score_value`: by the simulation tap
///   (`sf_tb_tap`), which writes an `E` record only with `emit_valid`, and by the UART
///   bridge, which registers them and uses them only where the registered `emit_valid` is
///   high. A readout layer's (`KIND` 3) plane and sign are read by neither (co-simulation
///   compares a readout's neuron and score; the bridge's `g_readout` leaves them unused),
///   and any other layer's score by neither (the tap prints 0 without `HAS_SCORE`, the
///   bridge's `g_counts` leaves it unused).
/// - `item_t`: by the tap's `D` record, only with `item_done`.
/// - `mem_tap_neuron`, `mem_tap_mask`, `mem_tap_row`: by the tap's membrane digest, only
///   with `mem_tap_valid`, and each lane of the row only where `mem_tap_mask` has its bit.
pub fn qualified_outputs(name: &str, params: &Parameters) -> Vec<QualifiedOutput> {
    if base_name(name) != "sf_layer" {
        return Vec::new();
    }
    let mut rules = vec![
        read_with("emit_neuron", "emit_valid"),
        read_with("item_t", "item_done"),
        read_with("mem_tap_neuron", "mem_tap_valid"),
        read_with("mem_tap_mask", "mem_tap_valid"),
        QualifiedOutput { port: "mem_tap_row", read: Read::PerLane { when: "mem_tap_valid", mask: "mem_tap_mask" } },
    ];
    if params.number("HAS_OUT") == Some(0) {
        rules.extend([never("out_wr_en"), never("out_event"), never("out_commit")]);
    } else {
        rules.push(read_with("out_event", "out_wr_en"));
    }
    let readout = params.number("KIND").map(|kind| kind == KIND_READOUT);
    rules.extend(match readout {
        Some(true) => [never("emit_sel"), never("emit_neg"), read_with("score_value", "emit_valid")],
        Some(false) => [read_with("emit_sel", "emit_valid"), read_with("emit_neg", "emit_valid"), never("score_value")],
        None => [
            read_with("emit_sel", "emit_valid"),
            read_with("emit_neg", "emit_valid"),
            read_with("score_value", "emit_valid"),
        ],
    });
    rules
}

/// `sf_layer` of `$paramod$abc\sf_layer`, `$paramod\sf_layer\P=1` and `sf_layer`.
pub fn base_name(name: &str) -> &str {
    match name.strip_prefix("$paramod") {
        Some(rest) => rest.split('\\').nth(1).unwrap_or(rest),
        None => name.trim_start_matches('\\'),
    }
}

/// A module's parameter values as yosys's `write_json` gives them
/// (`parameter_default_values` of a parameterization: integers as binary strings).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Parameters(BTreeMap<String, String>);

impl Parameters {
    /// `name`'s value as a number, if it has one.
    pub fn number(&self, name: &str) -> Option<u64> {
        u64::from_str_radix(self.0.get(name)?, 2).ok()
    }
}

/// One port of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// Its name.
    pub name: String,
    /// Input (else output).
    pub input: bool,
    /// Bits.
    pub width: usize,
}

/// One module of a design: its ports, parameters and the modules it instantiates.
#[derive(Clone, Debug, Default)]
pub struct ModuleSummary {
    /// Its ports, by name.
    pub ports: Vec<Port>,
    /// Its parameter values.
    pub params: Parameters,
    /// The types of its cells (the names of the modules it instantiates among them).
    pub instantiates: Vec<String>,
}

/// The modules of a design as yosys's `write_json` lists them.
#[derive(Clone, Debug, Default)]
pub struct DesignModules {
    modules: BTreeMap<String, ModuleSummary>,
}

#[derive(Deserialize)]
struct JsonDesign {
    modules: BTreeMap<String, JsonModule>,
}

#[derive(Deserialize)]
struct JsonModule {
    #[serde(default)]
    ports: BTreeMap<String, JsonPort>,
    #[serde(default)]
    cells: BTreeMap<String, JsonCell>,
    #[serde(default)]
    parameter_default_values: Parameters,
}

#[derive(Deserialize)]
struct JsonPort {
    direction: String,
    bits: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct JsonCell {
    #[serde(rename = "type")]
    kind: String,
}

impl DesignModules {
    /// Parse `write_json` output.
    pub fn from_json(text: &str) -> Result<DesignModules, serde_json::Error> {
        let design: JsonDesign = serde_json::from_str(text)?;
        let modules = design
            .modules
            .into_iter()
            .map(|(name, module)| {
                let ports = module
                    .ports
                    .into_iter()
                    .map(|(name, port)| Port { name, input: port.direction == "input", width: port.bits.len() })
                    .collect();
                let mut instantiates: Vec<String> = module.cells.into_values().map(|cell| cell.kind).collect();
                instantiates.sort();
                instantiates.dedup();
                (name, ModuleSummary { ports, params: module.parameter_default_values, instantiates })
            })
            .collect();
        Ok(DesignModules { modules })
    }

    /// The modules with an instance of `module`.
    pub fn parents_of(&self, module: &str) -> Vec<&str> {
        self.modules
            .iter()
            .filter(|(_, summary)| summary.instantiates.iter().any(|kind| kind == module))
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The module `name`, if the design has it.
    pub fn module(&self, name: &str) -> Option<&ModuleSummary> {
        self.modules.get(name)
    }

    /// The module whose outputs `name`'s are, read as that one's are read: `name` itself,
    /// or, for a wrapper that only instantiates one module with the very same ports (the
    /// generator's `tiny_l0_hidden` around its `sf_layer`, which passes every port
    /// through), what that module is read as.
    pub fn read_as<'a>(&'a self, name: &'a str) -> (&'a str, &'a Parameters) {
        static NONE: Parameters = Parameters(BTreeMap::new());
        let Some(summary) = self.modules.get(name) else { return (name, &NONE) };
        let children: Vec<&String> = summary.instantiates.iter().filter(|k| self.modules.contains_key(*k)).collect();
        match children.as_slice() {
            [only] if summary.instantiates.len() == 1 && self.modules[*only].ports == summary.ports => {
                self.read_as(only)
            }
            _ => (name, &summary.params),
        }
    }
}

/// The name of the miter module [`masked_miter`] writes.
pub const MITER: &str = "sf_parent_miter";

/// Verilog of a module [`MITER`] that instantiates `gold` and `gate` (two copies of a module
/// with `ports`) on the same inputs and has one output, `trigger`: high in a cycle where an
/// output differs that the copies' readers read then. Each output is compared as
/// `qualified` says (an entry whose qualifier or mask is not an output of `ports` counts as
/// read in every cycle), every output it does not name in every cycle.
///
/// With `emit_valid` (1 bit) and `emit_neuron` (3 bits) outputs, `emit_neuron` read with
/// `emit_valid`, the comparison is
/// `(gold_emit_valid != gate_emit_valid) || (gold_emit_valid && gold_emit_neuron != gate_emit_neuron)`.
pub fn masked_miter(ports: &[Port], qualified: &[QualifiedOutput]) -> String {
    let output = |name: &str| ports.iter().find(|p| p.name == name && !p.input);
    let range = |width: usize| if width == 1 { String::new() } else { format!("[{}:0] ", width - 1) };
    let mut text =
        format!("// Two copies compared where their outputs are read (sim::mutation::observed).\nmodule {MITER} (\n");
    for port in ports.iter().filter(|p| p.input) {
        let _ = writeln!(text, "    input  wire {}{},", range(port.width), port.name);
    }
    text.push_str("    output wire trigger\n);\n");
    let outputs: Vec<&Port> = ports.iter().filter(|p| !p.input).collect();
    for port in &outputs {
        for copy in ["gold", "gate"] {
            let _ = writeln!(text, "    wire {}{copy}_{};", range(port.width), port.name);
        }
    }
    for copy in ["gold", "gate"] {
        let connections: Vec<String> = ports
            .iter()
            .map(|p| if p.input { format!(".{0}({0})", p.name) } else { format!(".{0}({copy}_{0})", p.name) })
            .collect();
        let _ = writeln!(text, "    {copy} u_{copy} ({});", connections.join(", "));
    }
    let mut differs = Vec::new();
    for port in &outputs {
        let name = &port.name;
        let read = qualified.iter().find(|q| q.port == name.as_str()).map(|q| q.read);
        match read {
            Some(Read::Never) => {}
            Some(Read::With(when)) if output(when).is_some() => {
                differs.push(format!("(gold_{when} && gold_{name} != gate_{name})"))
            }
            Some(Read::PerLane { when, mask })
                if output(when).is_some() && output(mask).is_some_and(|m| m.width > 0 && port.width % m.width == 0) =>
            {
                let lanes = output(mask).map_or(1, |m| m.width);
                let slice = port.width / lanes;
                for lane in 0..lanes {
                    let bits = format!("[{}:{}]", lane * slice + slice - 1, lane * slice);
                    let bit = if lanes == 1 { String::new() } else { format!("[{lane}]") };
                    differs
                        .push(format!("(gold_{when} && gold_{mask}{bit} && gold_{name}{bits} != gate_{name}{bits})"));
                }
            }
            _ => differs.push(format!("(gold_{name} != gate_{name})")),
        }
    }
    if differs.is_empty() {
        differs.push("1'b0".into());
    }
    let input = |name: &str| ports.iter().any(|p| p.name == name && p.input && p.width == 1);
    if input("clk") && input("rst") {
        text.push_str(RESET_ONLY_FIRST);
        let _ = writeln!(
            text,
            "    assign trigger = reset_only_first && (\n        {});\nendmodule",
            differs.join("\n        || ")
        );
    } else {
        let _ = writeln!(text, "    assign trigger = {};\nendmodule", differs.join("\n        || "));
    }
    text
}

/// The miter's environment for a parent with `clk` and `rst`: `rst` high for the first
/// cycles after power-on (any number, none included) and never again. Every design here
/// is reset only so: the core harness for its first two cycles (`sf_tb_clock`), the board
/// by `sf_reset` from configuration. A run that raises `rst` again is no counterexample
/// (`reset_only_first` is low from that cycle on). Without it a reset in the middle of an
/// item is a state no test reaches: `sf_layer`'s pipeline valids have no reset, so its
/// lanes see `add_en` and `clear` in one cycle, and an `sf_lane` mutant of that pair
/// differs.
const RESET_ONLY_FIRST: &str = "    // rst only in the first cycles after power-on (sim::mutation::observed).
    reg  reset_ended = 1'b0;
    reg  reset_again = 1'b0;
    always @(posedge clk) begin
        if (!rst) reset_ended <= 1'b1;
        if (reset_ended && rst) reset_again <= 1'b1;
    end
    wire reset_only_first = !reset_again && !(reset_ended && rst);
";

#[cfg(test)]
mod tests {
    use super::*;

    fn port(name: &str, input: bool, width: usize) -> Port {
        Port { name: name.into(), input, width }
    }

    fn params(pairs: &[(&str, u64)]) -> Parameters {
        Parameters(pairs.iter().map(|(k, v)| (k.to_string(), format!("{v:032b}"))).collect())
    }

    fn rule(rules: &[QualifiedOutput], port: &str) -> Option<Read> {
        rules.iter().find(|q| q.port == port).map(|q| q.read)
    }

    #[test]
    fn base_names_are_read_from_every_form_yosys_gives() {
        assert_eq!(base_name("$paramod$3f2a\\sf_layer"), "sf_layer");
        assert_eq!(base_name("$paramod\\sf_emit_search\\LANES=s32'00000000000000000000000000000010"), "sf_emit_search");
        assert_eq!(base_name("\\sf_layer"), "sf_layer");
        assert!(qualified_outputs("$paramod\\sf_lane\\W=1", &Parameters::default()).is_empty());
    }

    #[test]
    fn a_layer_reads_its_score_or_its_plane_and_sign_by_its_kind() {
        let readout = qualified_outputs("$paramod$3f2a\\sf_layer", &params(&[("KIND", 3), ("HAS_OUT", 0)]));
        assert_eq!(rule(&readout, "emit_sel"), Some(Read::Never));
        assert_eq!(rule(&readout, "score_value"), Some(Read::With("emit_valid")));
        assert_eq!(rule(&readout, "out_event"), Some(Read::Never));
        let hidden = qualified_outputs("$paramod$3f2b\\sf_layer", &params(&[("KIND", 2), ("HAS_OUT", 1)]));
        assert_eq!(rule(&hidden, "emit_sel"), Some(Read::With("emit_valid")));
        assert_eq!(rule(&hidden, "score_value"), Some(Read::Never));
        assert_eq!(rule(&hidden, "out_event"), Some(Read::With("out_wr_en")));
        assert_eq!(rule(&hidden, "out_wr_en"), None, "read in every cycle");
        // Parameters unknown: nothing is taken as unread.
        let unknown = qualified_outputs("sf_layer", &Parameters::default());
        assert!(unknown.iter().all(|q| q.read != Read::Never), "{unknown:?}");
    }

    #[test]
    fn the_miter_compares_payloads_only_with_their_valid_and_each_lane_with_its_mask_bit() {
        let ports = [
            port("clk", true, 1),
            port("rst", true, 1),
            port("pending", true, 4),
            port("emit_valid", false, 1),
            port("emit_neuron", false, 3),
            port("emit_sel", false, 2),
            port("mem_tap_valid", false, 1),
            port("mem_tap_mask", false, 2),
            port("mem_tap_row", false, 8),
        ];
        let rules = qualified_outputs("sf_layer", &params(&[("KIND", 3), ("HAS_OUT", 0)]));
        let text = masked_miter(&ports, &rules);
        assert!(text.contains("input  wire [3:0] pending,"), "{text}");
        assert!(
            text.contains("gold u_gold (.clk(clk), .rst(rst), .pending(pending), .emit_valid(gold_emit_valid),"),
            "{text}"
        );
        assert!(text.contains("(gold_emit_valid != gate_emit_valid)"), "{text}");
        assert!(text.contains("(gold_emit_valid && gold_emit_neuron != gate_emit_neuron)"), "{text}");
        assert!(!text.contains("gold_emit_sel !="), "a readout's plane is not read: {text}");
        assert!(text.contains("(gold_mem_tap_valid && gold_mem_tap_mask != gate_mem_tap_mask)"), "{text}");
        assert!(
            text.contains(
                "(gold_mem_tap_valid && gold_mem_tap_mask[1] && gold_mem_tap_row[7:4] != gate_mem_tap_row[7:4])"
            ),
            "{text}"
        );
        // A parent with a clock and a reset: runs that reset it again are no counterexample.
        assert!(text.contains("assign trigger = reset_only_first && ("), "{text}");
        assert!(text.contains("if (reset_ended && rst) reset_again <= 1'b1;"), "{text}");
        // A qualifier the module lacks: compared in every cycle.
        let text = masked_miter(&[port("a", true, 1), port("item_t", false, 4)], &rules);
        assert!(text.contains("assign trigger = (gold_item_t != gate_item_t);"), "{text}");
    }

    #[test]
    fn parents_ports_and_parameters_come_from_write_json() {
        let json = r#"{"creator": "Yosys", "modules": {
            "top": {"attributes": {}, "ports": {"a": {"direction": "input", "bits": [2, 3]}},
                    "cells": {"u": {"type": "$paramod\\child\\W=2", "connections": {}}}},
            "$paramod\\child\\W=2": {"parameter_default_values": {"W": "00000000000000000000000000000010"},
                    "ports": {"y": {"direction": "output", "bits": [4, 5]}}, "cells": {}}
        }}"#;
        let design = DesignModules::from_json(json).unwrap();
        assert_eq!(design.parents_of("$paramod\\child\\W=2"), ["top"]);
        assert!(design.parents_of("top").is_empty());
        assert_eq!(design.module("top").unwrap().ports, [port("a", true, 2)]);
        assert_eq!(design.module("$paramod\\child\\W=2").unwrap().params.number("W"), Some(2));
        // `top` does more than pass its child's ports through: read as itself.
        assert_eq!(design.read_as("top").0, "top");
    }

    #[test]
    fn a_wrapper_that_passes_every_port_through_is_read_as_what_it_wraps() {
        let json = r#"{"modules": {
            "tiny_l1_out": {"ports": {"a": {"direction": "input", "bits": [2]}, "y": {"direction": "output", "bits": [3]}},
                    "cells": {"u": {"type": "$paramod$ab\\sf_layer"}}},
            "$paramod$ab\\sf_layer": {"parameter_default_values": {"KIND": "00000000000000000000000000000011"},
                    "ports": {"a": {"direction": "input", "bits": [2]}, "y": {"direction": "output", "bits": [3]}}}
        }}"#;
        let design = DesignModules::from_json(json).unwrap();
        let (name, params) = design.read_as("tiny_l1_out");
        assert_eq!((name, params.number("KIND")), ("$paramod$ab\\sf_layer", Some(3)));
    }
}
