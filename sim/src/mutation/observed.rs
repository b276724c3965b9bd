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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::json::{self, Bit};

/// When the readers of an output read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read {
    /// In the cycles one of the outputs `when` is high in the original (each of them must be
    /// compared in every cycle, so where one differs the miter has already fired; a `when`
    /// with a rule of its own makes [`masked_miter`] compare the output in every cycle).
    With(Vec<String>),
    /// Lane `i` of it (the `i`th of as many equal slices as `mask` has bits) in the cycles
    /// `when` and bit `i` of the output `mask` are high.
    PerLane {
        /// The valid of the whole output.
        when: String,
        /// One bit per lane.
        mask: String,
    },
    /// Never: nothing reads it in this parameterization.
    Never,
}

/// An output read only in some cycles, or never.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QualifiedOutput {
    /// The output.
    pub port: String,
    /// When it is read.
    pub read: Read,
}

fn read_with(port: &str, when: &str) -> QualifiedOutput {
    read_with_any(port, &[when])
}

fn read_with_any(port: &str, when: &[&str]) -> QualifiedOutput {
    QualifiedOutput { port: port.into(), read: Read::With(when.iter().map(|w| w.to_string()).collect()) }
}

fn never(port: &str) -> QualifiedOutput {
    QualifiedOutput { port: port.into(), read: Read::Never }
}

fn per_lane(port: &str, when: &str, mask: &str) -> QualifiedOutput {
    QualifiedOutput { port: port.into(), read: Read::PerLane { when: when.into(), mask: mask.into() } }
}

/// `KIND` of a readout layer (`SF_KIND_READOUT`, `sf_defs.vh`).
const KIND_READOUT: u64 = 3;

/// The outputs of the hand-written module `name` (its source name, `sf_layer`, or a yosys
/// parameterization of it, `$paramod$...\sf_layer`) with parameters `params` that are read
/// only in some cycles, or `None` for a module with no rules of its own (every output read
/// in every cycle, unless it passes a child's output through: [`DesignModules::rules`]).
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
///
/// `sf_conv` has the same ports, read the same way, and its fused pooling's events besides:
/// `pool_emit_neuron`, `pool_emit_sel` and `pool_emit_neg` go to the tap of the pooling
/// layer (the generated core wires them to that layer's `emit_*` ports), which writes an
/// `E` record only with `pool_emit_valid`.
///
/// The other modules with rules, each output read by one kind of module only:
/// - `sf_encoder`'s `out_event`: by the image event buffer, which writes `wr_data` only with
///   `wr_en` (`out_wr_en`).
/// - `sf_weight_loader`'s `wr_data`: by its layer's loaded weight RAM, written only with
///   `wt_wr_en` (`wr_en`; the RAM's `do_write` also wants the layer idle); its `wr_addr`:
///   by the same RAM, which takes its address from it only with `wt_wr_en` or `wt_rd_en`
///   (`wr_en` or `rd_en`; the RAM's `outside`), else from the layer's own `weight_addr`.
/// - `sf_uart_rx`'s `data`: by the bridge (`rx_data`), whose every use of it counts only
///   with `rx_valid` (`data_valid`): the receiver's state changes, the CRC update and each
///   value, mask and header byte are taken under `rx_valid`; `value_too_big` counts only
///   with `value_write` of a byte that came (`!value_zero`, so with `rx_valid`); and
///   `frame_kind` and `sparse`, set from it in every cycle of `R_SYNC`, are read only
///   after `R_SYNC` is left, which happens only in a cycle with `rx_valid`.
/// - `sf_uart_bridge`'s `load_byte` and `load_word_end`: by every `sf_weight_loader`, which
///   takes them only with `load_en` (its `take_byte`); its `in_value`: by the core's
///   `sf_encoder`, which takes a chunk (`mask_in`, `held`) only with `in_valid`.
pub fn qualified_outputs(name: &str, params: &Parameters) -> Option<Vec<QualifiedOutput>> {
    let conv = match base_name(name) {
        "sf_layer" => false,
        "sf_conv" => true,
        "sf_encoder" => return Some(vec![read_with("out_event", "out_wr_en")]),
        "sf_weight_loader" => {
            return Some(vec![read_with("wr_data", "wr_en"), read_with_any("wr_addr", &["wr_en", "rd_en"])]);
        }
        "sf_uart_rx" => return Some(vec![read_with("data", "data_valid")]),
        "sf_uart_bridge" => {
            return Some(vec![
                read_with("load_byte", "load_en"),
                read_with("load_word_end", "load_en"),
                read_with("in_value", "in_valid"),
            ]);
        }
        _ => return None,
    };
    let mut rules = vec![
        read_with("emit_neuron", "emit_valid"),
        read_with("item_t", "item_done"),
        read_with("mem_tap_neuron", "mem_tap_valid"),
        read_with("mem_tap_mask", "mem_tap_valid"),
        per_lane("mem_tap_row", "mem_tap_valid", "mem_tap_mask"),
    ];
    if conv {
        rules.extend(["pool_emit_neuron", "pool_emit_sel", "pool_emit_neg"].map(|p| read_with(p, "pool_emit_valid")));
    }
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
    Some(rules)
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parameters(BTreeMap<String, String>);

impl Parameters {
    /// `name`'s value as a number, if it has one.
    pub fn number(&self, name: &str) -> Option<u64> {
        u64::from_str_radix(self.0.get(name)?, 2).ok()
    }

    /// Field `index` of `name`'s value read as fields of `width` bits, the first lowest
    /// (`LOAD_WORD_BYTES`, 16 bits per target), if the value has that many bits.
    pub fn field(&self, name: &str, index: usize, width: usize) -> Option<u64> {
        let bits = self.0.get(name)?;
        let end = bits.len().checked_sub(index * width)?;
        let start = end.checked_sub(width)?;
        u64::from_str_radix(bits.get(start..end)?, 2).ok()
    }
}

/// What a module's inputs hold in every cycle of the designs here, because the module
/// driving them guarantees it: assumed in the module's [`masked_miter`] once
/// [`guarantee_miter`] has proven it of the driver (assume-guarantee; the guarantee holds
/// whatever the driver's inputs, so also with the module's outputs fed back to it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputAssumption {
    /// The driver (its name in the design).
    pub driver: String,
    /// A Verilog expression over ports that are the driver's outputs and, by the same names
    /// and on the same nets, the module's inputs.
    pub holds: String,
}

/// The ports an `sf_weight_loader`'s assumption reads.
const LOADER_ASSUMED: [&str; 4] = ["load_en", "read_en", "load_target", "load_word_end"];

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

/// One module of a design: its ports, parameters and cells (the modules it instantiates among them).
#[derive(Clone, Debug, Default)]
pub struct ModuleSummary {
    /// Its ports, by name.
    pub ports: Vec<Port>,
    /// Its parameter values.
    pub params: Parameters,
    /// The nets of each port's bits.
    port_nets: BTreeMap<String, Vec<Bit>>,
    /// Its cells.
    cells: Vec<Cell>,
}

/// The modules of a design as yosys's `write_json` lists them.
#[derive(Clone, Debug, Default)]
pub struct DesignModules {
    modules: BTreeMap<String, ModuleSummary>,
}

/// A cell of a module: its type (a module's name, or a yosys cell type such as `$add`) and
/// the nets on each of its ports.
#[derive(Clone, Debug)]
struct Cell {
    /// Its instance name (the key `write_json` lists it under).
    name: String,
    kind: String,
    connections: BTreeMap<String, Vec<Bit>>,
}

impl DesignModules {
    /// Parse `write_json` output.
    pub fn from_json(text: &str) -> Result<DesignModules, serde_json::Error> {
        let design: json::Design = serde_json::from_str(text)?;
        let modules = design
            .modules
            .into_iter()
            .map(|(name, module)| {
                let ports = module
                    .ports
                    .iter()
                    .map(|(name, port)| Port {
                        name: name.clone(),
                        input: port.direction == "input",
                        width: port.bits.len(),
                    })
                    .collect();
                let port_nets = module.ports.into_iter().map(|(name, port)| (name, port.bits)).collect();
                let cells = module
                    .cells
                    .into_iter()
                    .map(|(name, cell)| Cell { name, kind: cell.kind, connections: cell.connections })
                    .collect();
                // Integers as strings of binary digits; a value of another kind (a real)
                // is no parameter a rule reads.
                let params = module
                    .parameter_default_values
                    .into_iter()
                    .filter_map(|(name, value)| Some((name, value.as_str()?.to_string())))
                    .collect();
                let summary = ModuleSummary { ports, params: Parameters(params), port_nets, cells };
                (name, summary)
            })
            .collect();
        Ok(DesignModules { modules })
    }

    /// The modules with an instance of `module`.
    pub fn parents_of(&self, module: &str) -> Vec<&str> {
        self.modules
            .iter()
            .filter(|(_, summary)| summary.cells.iter().any(|cell| cell.kind == module))
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The instances in `module` of the modules the generator wrote (a design module whose
    /// base name is not the RTL library's `sf_*`), by instance name, sorted: the board top's
    /// core, the core's layer wrappers. What [`Scope::Shell`](super::equivalence::Scope::Shell)
    /// cuts out.
    pub fn generated_instances(&self, module: &str) -> Vec<String> {
        let Some(summary) = self.modules.get(module) else { return Vec::new() };
        let generated = |kind: &str| self.modules.contains_key(kind) && !base_name(kind).starts_with("sf_");
        let mut names: Vec<String> =
            summary.cells.iter().filter(|c| generated(&c.kind)).map(|c| c.name.clone()).collect();
        names.sort();
        names
    }

    /// Whether `module` is `ancestor` or instantiated, at any depth, inside it.
    pub fn within(&self, module: &str, ancestor: &str) -> bool {
        module == ancestor
            || self.modules.get(ancestor).is_some_and(|summary| {
                summary.cells.iter().any(|c| self.modules.contains_key(&c.kind) && self.within(module, &c.kind))
            })
    }

    /// The kind (module name) of the instance `instance` in `module`.
    pub fn instance_kind(&self, module: &str, instance: &str) -> Option<&str> {
        self.modules.get(module)?.cells.iter().find(|c| c.name == instance).map(|c| c.kind.as_str())
    }

    /// The names of the design's modules, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.modules.keys().map(String::as_str)
    }

    /// The module `name`, if the design has it.
    pub fn module(&self, name: &str) -> Option<&ModuleSummary> {
        self.modules.get(name)
    }

    /// What the inputs of module `name` hold as its driver gives them, if it has such a
    /// rule: an `sf_weight_loader`'s come from the design's `sf_uart_bridge`, which raises
    /// `load_en` and `read_en` only for a target it has (`LOAD_TARGETS`: a frame for any
    /// other is refused before a byte of it is streamed) and streams a one-byte word's only
    /// byte with `load_word_end`. Only where every instance of `name` has those inputs on
    /// the nets of the bridge's outputs of the same names, in the same parent.
    pub fn input_assumption(&self, name: &str) -> Option<InputAssumption> {
        if base_name(name) != "sf_weight_loader" {
            return None;
        }
        let (driver, bridge) = self.modules.iter().find(|(n, _)| base_name(n) == "sf_uart_bridge")?;
        let targets = bridge.params.number("LOAD_TARGETS")?;
        let mut holds = format!("!((load_en || read_en) && load_target >= 8'd{targets})");
        for target in 0..targets {
            if bridge.params.field("LOAD_WORD_BYTES", target as usize, 16)? == 1 {
                let _ = write!(holds, " && !(load_en && load_target == 8'd{target} && !load_word_end)");
            }
        }
        self.wired_to(name, driver, &LOADER_ASSUMED).then(|| InputAssumption { driver: driver.clone(), holds })
    }

    /// Whether `module` has instances, each beside one of `driver` in its parent with each
    /// of `ports` on the nets of the driver's port of the same name.
    fn wired_to(&self, module: &str, driver: &str, ports: &[&str]) -> bool {
        let mut instances = 0;
        for parent in self.modules.values() {
            let drivers: Vec<&Cell> = parent.cells.iter().filter(|c| c.kind == driver).collect();
            for cell in parent.cells.iter().filter(|c| c.kind == module) {
                instances += 1;
                let driven = |d: &&Cell| {
                    ports
                        .iter()
                        .all(|p| cell.connections.get(*p).is_some_and(|nets| d.connections.get(*p) == Some(nets)))
                };
                if !drivers.iter().any(driven) {
                    return false;
                }
            }
        }
        instances > 0
    }

    /// The outputs of module `name` that are read only in some cycles: a hand-written
    /// module's own rules ([`qualified_outputs`]), else the rules of the children's outputs
    /// it passes through. An output of `name` that is, bit for bit, the net of a child's
    /// output with a rule gets that rule, its qualifier renamed to the output of `name` on
    /// the child's qualifier's net (no such output: the rule is dropped, and the output is
    /// compared in every cycle). So the generator's layer wrapper (`tiny_l0_hidden`, every
    /// port through) is read as its `sf_layer`, and the core (`tiny_core`, each layer's
    /// taps as `l0_emit_neuron`, ...) as its layers: the readers of those outputs are the
    /// readers the hand-written module's rules name, the tap and the UART bridge.
    pub fn rules(&self, name: &str) -> Vec<QualifiedOutput> {
        let Some(summary) = self.modules.get(name) else { return Vec::new() };
        if let Some(own) = qualified_outputs(name, &summary.params) {
            return own;
        }
        let is_net = |bits: &[Bit]| !bits.is_empty() && bits.iter().all(|b| b.net().is_some());
        // The output of `name` whose nets are `bits`.
        let output_on = |bits: &[Bit]| {
            summary
                .ports
                .iter()
                .find(|p| !p.input && summary.port_nets.get(&p.name).is_some_and(|nets| nets == bits))
                .map(|p| p.name.clone())
        };
        let mut rules = Vec::new();
        for cell in &summary.cells {
            let Some(child) = self.modules.get(&cell.kind) else { continue };
            let child_output_on = |port: &str| {
                let bits = cell.connections.get(port)?;
                child.ports.iter().any(|p| p.name == port && !p.input).then_some(())?;
                if is_net(bits) { output_on(bits) } else { None }
            };
            for rule in self.rules(&cell.kind) {
                let Some(port) = child_output_on(&rule.port) else { continue };
                let read = match &rule.read {
                    Read::Never => Some(Read::Never),
                    Read::With(when) => when.iter().map(|w| child_output_on(w)).collect::<Option<_>>().map(Read::With),
                    Read::PerLane { when, mask } => child_output_on(when)
                        .zip(child_output_on(mask))
                        .map(|(when, mask)| Read::PerLane { when, mask }),
                };
                if let Some(read) = read {
                    rules.push(QualifiedOutput { port, read });
                }
            }
        }
        rules
    }
}

/// The name of the miter module [`masked_miter`] writes.
pub const MITER: &str = "sf_parent_miter";

/// Verilog of a module [`MITER`] that instantiates `gold` and `gate` (two copies of a module
/// with `ports`) on the same inputs and has one output, `trigger`: high in a cycle where an
/// output differs that the copies' readers read then. Each output is compared as
/// `qualified` says, every output it does not name in every cycle. An entry whose qualifier
/// is not an output of `ports` or is itself compared only at times, or whose mask is
/// neither compared in every cycle nor with that qualifier, counts as read in every cycle.
///
/// With `emit_valid` (1 bit) and `emit_neuron` (3 bits) outputs, `emit_neuron` read with
/// `emit_valid`, the comparison is
/// `(gold_emit_valid != gate_emit_valid) || (gold_emit_valid && gold_emit_neuron != gate_emit_neuron)`.
///
/// With `assumed` (a Verilog expression over the inputs, [`InputAssumption::holds`]), a run
/// counts only while it has held in every cycle so far: the copies' inputs as their driver
/// gives them, and nothing else.
pub fn masked_miter(ports: &[Port], qualified: &[QualifiedOutput], assumed: Option<&str>) -> String {
    let mut text =
        format!("// Two copies compared where their outputs are read (sim::mutation::observed).\nmodule {MITER} (\n");
    copies(&mut text, ports, &[], "", |_| Vec::new());
    trigger(&mut text, ports, differences(ports, qualified), assumed);
    text
}

/// Verilog of a module [`MITER`] over one copy, `gold`, of the module with `ports`: `trigger`
/// is high in a cycle where `holds` (an expression over its ports) does not. No trigger
/// from power-on (with `rst` only first, as [`masked_miter`]'s) proves `holds` a guarantee
/// of the module, whatever its inputs.
pub fn guarantee_miter(ports: &[Port], holds: &str) -> String {
    let mut text = format!("// A property of one copy's ports (sim::mutation::observed).\nmodule {MITER} (\n");
    miter_ports(&mut text, ports, &[]);
    for port in ports.iter().filter(|p| !p.input) {
        let _ = writeln!(text, "    wire {}{};", range(port.width), port.name);
    }
    let connections: Vec<String> = ports.iter().map(|p| format!(".{0}({0})", p.name)).collect();
    let _ = writeln!(text, "    gold u_gold ({});", connections.join(", "));
    trigger(&mut text, ports, vec![format!("!({holds})")], None);
    text
}

/// The name of the module [`guarantee_statement`] writes.
pub const GUARANTEE: &str = "sf_guarantee";

/// The output of [`GUARANTEE`] that carries the statement.
pub const GUARANTEE_HOLDS: &str = "guarantee_holds";

/// Verilog of a module [`GUARANTEE`] over one copy, `gold`, of the module with `ports`: its
/// one output, [`GUARANTEE_HOLDS`], is `holds` (an expression over those ports). Unlike
/// [`guarantee_miter`]'s trigger it is not gated by a reset monitor: it is read by an
/// induction over the module's own states (`invariant::proves_with_stated`), whose step
/// starts from any state, and a monitor's registers would make that step fail from states
/// no run reaches.
pub fn guarantee_statement(ports: &[Port], holds: &str) -> String {
    let mut text = format!("// A property of one module's ports (sim::mutation::observed).\nmodule {GUARANTEE} (\n");
    for port in ports.iter().filter(|p| p.input) {
        let _ = writeln!(text, "    input  wire {}{},", range(port.width), port.name);
    }
    let _ = writeln!(text, "    output wire {GUARANTEE_HOLDS}\n);");
    for port in ports.iter().filter(|p| !p.input) {
        let _ = writeln!(text, "    wire {}{};", range(port.width), port.name);
    }
    let connections: Vec<String> = ports.iter().map(|p| format!(".{0}({0})", p.name)).collect();
    let _ = writeln!(text, "    gold u_gold ({});", connections.join(", "));
    let _ = writeln!(text, "    assign {GUARANTEE_HOLDS} = {holds};\nendmodule");
    text
}

/// The name of the miter module [`step_miter`] writes.
pub const STEP_MITER: &str = "sf_step_miter";

/// The registers of a module whose flip-flops yosys's `expose -evert-dff` turned into ports:
/// a register `NAME` reads its value on the input `NAME.q` and gives its next on the output
/// `NAME.d` (and its clock on `NAME.c`). Each as its `.q` port, named `NAME`.
fn registers(ports: &[Port]) -> Vec<Port> {
    ports
        .iter()
        .filter(|p| p.input)
        .filter_map(|p| {
            let name = p.name.strip_suffix(".q")?;
            let next = format!("{name}.d");
            ports.iter().any(|d| !d.input && d.name == next && d.width == p.width).then(|| Port {
                name: name.to_string(),
                input: true,
                width: p.width,
            })
        })
        .collect()
}

/// The ports of such a module that were its own: not one of its `registers`' (as
/// [`registers`] lists them).
fn own_ports(ports: &[Port], registers: &[Port]) -> Vec<Port> {
    let registers: BTreeSet<&str> = registers.iter().map(|r| r.name.as_str()).collect();
    let of_register =
        |p: &Port| [".q", ".d", ".c"].iter().any(|s| p.name.strip_suffix(s).is_some_and(|n| registers.contains(n)));
    ports.iter().filter(|p| !of_register(p)).cloned().collect()
}

/// Verilog of a module [`STEP_MITER`]: one set of registers, two next-state functions.
/// `gold` and `gate` (the original module and the mutated one, their flip-flops turned into
/// ports by `expose -evert-dff`, each register `r` as the pair `r.q`, `r.d`) read the same inputs and the same
/// register values; the registers load `gold`'s next values. `trigger` is high in a cycle
/// where a register `gate` has would load another value from `gate`, or an output differs
/// that the readers read then (compared as in [`masked_miter`]).
///
/// If `trigger` never rises from power-on (every register zero), the mutant never changes
/// a register or a read output in any state the original reaches: by induction over the
/// cycles, the mutated module runs through the original's states and is equivalent. A
/// register `gold` has and `gate` lacks is one the mutation left unread; a register only
/// `gate` has would have no value here, so then, or if the two copies' own ports differ, or
/// there is no `clk` input, there is no miter (`None`).
///
/// Where the masked miter asks PDR to relate two copies' registers (all but the mutant's
/// cone equal, in every reachable state), this one needs only an invariant of the original
/// that keeps the mutant's cell from making a difference: `sf_lane` adding in a cycle its
/// `clear` is high, which `sf_layer` never asks of it, is 7 clauses and 0.02 s.
pub fn step_miter(gold: &[Port], gate: &[Port], qualified: &[QualifiedOutput]) -> Option<String> {
    step_miter_from(gold, gate, qualified, StepFrom::Reached, None)
}

/// Which states a [`step_miter`] compares the two next-state functions in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepFrom {
    /// The states the original reaches from power-on: the registers start at 0 and load
    /// `gold`'s next values ([`step_miter`]).
    Reached,
    /// Every state: the registers' values are inputs of the miter, free in every cycle,
    /// and nothing is assumed of `rst` ([`any_state_miter`]).
    Any,
    /// Every state that holds the original's stated invariant ([`invariant_miter`]).
    Invariant,
}

/// Verilog of a module [`STEP_MITER`] as [`step_miter`] builds it, but with the register
/// values free inputs (`state_<i>`) instead of registers: `trigger` is high where, for some
/// state and some input, `gate` would load another value than `gold` or show another
/// output. If it never is, the mutated module computes the original's next state and
/// outputs from every state: started in one state, the two never part (equivalent at the
/// module's ports, whatever drives them). A combinational check (no register but the
/// copies' own, which are the state inputs); no output is compared less than always.
///
/// Example: `sf_neuron.vh` computes a spike in 16 bits and keeps the membrane's 12 low
/// bits of `u - spike * theta`; a mutant setting bit 10 of a non-negative spike changes the
/// product by `1024 * theta`, a multiple of 2^12 where `theta` is 2^2 or more, so the kept
/// bits agree (`conv` #1126, `sf_conv` too large for `equiv_induct` in 10 minutes).
pub fn any_state_miter(gold: &[Port], gate: &[Port], moved: Option<&str>) -> Option<String> {
    step_miter_from(gold, gate, &[], StepFrom::Any, moved)
}

/// The `rename -enumerate` pattern that names the flip-flop output bit a mutant moved onto
/// a wire of its own, in the mutated copy: the one such wire becomes [`MOVED`].
pub const MOVED_PATTERN: &str = "sf_moved_%";

/// The register of the mutated copy that holds the flip-flop output bit a mutant of a
/// flip-flop's `Q` port moved ([`MOVED_PATTERN`]'s first name): the original's
/// [`split_register`] in the miters from every state.
pub const MOVED: &str = "sf_moved_0";

/// The register of `gold` (its flip-flops turned into ports, the register `wire` split into
/// one wire per bit by `splitnets`) that holds bit `bit` of `wire`: `wire[bit]`, or `wire`
/// itself if it is one bit wide.
pub fn split_register(gold: &[Port], wire: &str, bit: usize) -> Option<String> {
    let registers = registers(gold);
    [format!("{wire}[{bit}]"), wire.to_string()]
        .into_iter()
        .find(|name| registers.iter().any(|r| &r.name == name && r.width == 1) && (bit == 0 || name.ends_with(']')))
}

/// The output of the original module, read with `SF_INVARIANT` defined, that says whether
/// its registers hold the invariant its RTL states (a wire the proof exposes as a port).
pub const INVARIANT: &str = "invariant_holds";

/// Verilog of a module [`STEP_MITER`] as [`any_state_miter`] builds it, from every state
/// that holds `gold`'s stated invariant (its output [`INVARIANT`], which `gate` lacks):
/// `trigger` is high where, for such a state and some input, `gate` would load another
/// value than `gold` or show another output, or `gold`'s next state fails the invariant (a
/// third copy, `gold u_gold_next`, reads the next state and the same inputs); and where
/// power-on (every register 0) fails it. If it never is, the invariant holds in every
/// state the module reaches from power-on, whatever drives it, and the mutant, stepping
/// as the original from each, never parts from it: equivalent at the module's ports from
/// power-on (the assumption of [`masked_miter`]'s proofs too). `None` as for
/// [`any_state_miter`], or if `gold` has no invariant or `gate` has one.
///
/// Example: `sf_uart_bridge` counts an input's timesteps in a 32-bit `items_done` that
/// never passes `T + 1`; a mutant holding its bit 31 at 0 differs from every state with
/// the bit set, none of which holds the invariant.
pub fn invariant_miter(gold: &[Port], gate: &[Port], moved: Option<&str>) -> Option<String> {
    let is_invariant = |p: &Port| p.name == INVARIANT && !p.input && p.width == 1;
    if !gold.iter().any(is_invariant) || gate.iter().any(is_invariant) {
        return None;
    }
    let gold: Vec<Port> = gold.iter().filter(|p| !is_invariant(p)).cloned().collect();
    step_miter_from(&gold, gate, &[], StepFrom::Invariant, moved)
}

/// `moved`: the register of `gold` the mutated copy's [`MOVED`] holds, for a mutant of a
/// flip-flop's output bit.
fn step_miter_from(
    gold: &[Port],
    gate: &[Port],
    qualified: &[QualifiedOutput],
    from: StepFrom,
    moved: Option<&str>,
) -> Option<String> {
    let (gold_registers, gate_registers) = (registers(gold), registers(gate));
    let ports = own_ports(gold, &gold_registers);
    // Each of gate's registers as its place among gold's (a conv core has thousands).
    let place: BTreeMap<&str, usize> = gold_registers.iter().enumerate().map(|(i, r)| (r.name.as_str(), i)).collect();
    let gold_name = |name: &str| match moved {
        Some(original) if name == MOVED => original.to_string(),
        _ => name.to_string(),
    };
    let gate_places: Vec<usize> = gate_registers
        .iter()
        .map(|r| place.get(gold_name(&r.name).as_str()).copied().filter(|&i| gold_registers[i].width == r.width))
        .collect::<Option<_>>()?;
    if own_ports(gate, &gate_registers) != ports {
        return None;
    }
    if !ports.iter().any(|p| p.name == "clk" && p.input && p.width == 1) {
        return None;
    }
    let header = match from {
        StepFrom::Reached => "One state, two next-state functions",
        StepFrom::Any => "Any state, two next-state functions",
        StepFrom::Invariant => "Any state that holds the invariant, two next-state functions",
    };
    let mut text = format!("// {header} (sim::mutation::observed).\nmodule {STEP_MITER} (\n");
    let state_inputs: Vec<Port> = match from {
        StepFrom::Reached => Vec::new(),
        StepFrom::Any | StepFrom::Invariant => gold_registers
            .iter()
            .enumerate()
            .map(|(i, r)| Port { name: format!("state_{i}"), input: true, width: r.width })
            .collect(),
    };
    let register_ports = |copy: &str| {
        let (registers, places): (&[Port], Vec<usize>) = if copy == "gold" {
            (&gold_registers, (0..gold_registers.len()).collect())
        } else {
            (&gate_registers, gate_places.clone())
        };
        registers
            .iter()
            .zip(places)
            .map(|(r, i)| format!(".\\{name}.q (state_{i}), .\\{name}.d ({copy}_next_{i})", name = r.name))
            .collect()
    };
    // The state's declarations go before the instances that read it.
    let mut state = String::new();
    for (i, r) in gold_registers.iter().enumerate() {
        let range = range(r.width);
        let _ = writeln!(state, "    // {}", r.name);
        if from == StepFrom::Reached {
            let _ = writeln!(state, "    reg  {range}state_{i} = {{{}{{1'b0}}}};", r.width);
            let _ = writeln!(state, "    always @(posedge clk) state_{i} <= gold_next_{i};");
        }
        let _ = writeln!(state, "    wire {range}gold_next_{i}, gate_next_{i};");
    }
    // One bit per register compared, reduced at once: a chain of thousands of `||` (a conv
    // core's memory words) is more than yosys's Verilog front end recurses through.
    if !gate_registers.is_empty() {
        let _ = writeln!(state, "    wire [{}:0] next_differs;", gate_registers.len() - 1);
    }
    for (k, i) in gate_places.iter().enumerate() {
        let _ = writeln!(state, "    assign next_differs[{k}] = gold_next_{i} != gate_next_{i};");
    }
    if from == StepFrom::Invariant {
        let _ = writeln!(state, "    wire gold_{INVARIANT}, next_{INVARIANT};");
    }
    let with_invariant = |copy: &str| {
        let mut connections: Vec<String> = register_ports(copy);
        if copy == "gold" && from == StepFrom::Invariant {
            connections.push(format!(".{INVARIANT}(gold_{INVARIANT})"));
        }
        connections
    };
    copies(&mut text, &ports, &state_inputs, &state, with_invariant);
    let mut differs = differences(&ports, qualified);
    if !gate_registers.is_empty() {
        differs.push("(|next_differs)".into());
    }
    match from {
        StepFrom::Reached => trigger(&mut text, &ports, differs, None),
        // No register to hold an assumption about `rst` in: every input is free.
        StepFrom::Any => trigger(&mut text, &[], differs, None),
        StepFrom::Invariant => {
            // The next state, on the invariant: only its output is read.
            let next: Vec<String> = ports
                .iter()
                .filter(|p| p.input)
                .map(|p| format!(".{0}({0})", p.name))
                .chain(gold_registers.iter().enumerate().map(|(i, r)| format!(".\\{}.q (gold_next_{i})", r.name)))
                .chain(std::iter::once(format!(".{INVARIANT}(next_{INVARIANT})")))
                .collect();
            let _ = writeln!(text, "    gold u_gold_next ({});", next.join(", "));
            differs.push(format!("!next_{INVARIANT}"));
            // Power-on (every register 0) must hold the invariant: the proof starts there.
            let power_on = if state_inputs.is_empty() {
                "1'b1".to_string()
            } else {
                let all: Vec<&str> = state_inputs.iter().map(|p| p.name.as_str()).collect();
                format!("~|{{{}}}", all.join(", "))
            };
            let _ = writeln!(
                text,
                "    assign trigger = (gold_{INVARIANT} && (\n        {}))\n        || ({power_on} && !gold_{INVARIANT});\nendmodule",
                differs.join("\n        || ")
            );
        }
    }
    Some(text)
}

/// A vector's range, `[w-1:0] `, or nothing for one bit.
fn range(width: usize) -> String {
    if width == 1 { String::new() } else { format!("[{}:0] ", width - 1) }
}

/// A miter's port list, closed: `ports`' inputs, the miter's own `inputs`, and `trigger`.
fn miter_ports(text: &mut String, ports: &[Port], inputs: &[Port]) {
    for port in ports.iter().chain(inputs).filter(|p| p.input) {
        let _ = writeln!(text, "    input  wire {}{},", range(port.width), port.name);
    }
    text.push_str("    output wire trigger\n);\n");
}

/// The miter's ports ([`miter_ports`], with `inputs` of its own), a wire per copy for each
/// output of `ports`, `declarations`, and the instances `gold u_gold` and `gate u_gate` on
/// the same inputs, each also connected as `extra(copy)` says.
fn copies(text: &mut String, ports: &[Port], inputs: &[Port], declarations: &str, extra: impl Fn(&str) -> Vec<String>) {
    miter_ports(text, ports, inputs);
    for port in ports.iter().filter(|p| !p.input) {
        for copy in ["gold", "gate"] {
            let _ = writeln!(text, "    wire {}{copy}_{};", range(port.width), port.name);
        }
    }
    text.push_str(declarations);
    for copy in ["gold", "gate"] {
        let mut connections: Vec<String> = ports
            .iter()
            .map(|p| if p.input { format!(".{0}({0})", p.name) } else { format!(".{0}({copy}_{0})", p.name) })
            .collect();
        connections.extend(extra(copy));
        let _ = writeln!(text, "    {copy} u_{copy} ({});", connections.join(", "));
    }
}

/// The comparison of each output of `ports` between the copies, as `qualified` says (see
/// [`masked_miter`]).
fn differences(ports: &[Port], qualified: &[QualifiedOutput]) -> Vec<String> {
    let output = |name: &str| ports.iter().find(|p| p.name == name && !p.input);
    let outputs: Vec<&Port> = ports.iter().filter(|p| !p.input).collect();
    let rule = |name: &str| qualified.iter().find(|q| q.port == name).map(|q| &q.read);
    // A qualifier compared only at times of its own could differ unseen where its payload
    // is read: such a payload is compared in every cycle. A mask must be compared whenever
    // its lanes' valid is high.
    let every_cycle = |when: &str| output(when).is_some() && rule(when).is_none();
    let with_valid = |mask: &str, when: &str| match rule(mask) {
        None => true,
        Some(Read::With(valid)) => valid.len() == 1 && valid[0] == when,
        Some(_) => false,
    };
    let mut differs = Vec::new();
    for port in &outputs {
        let name = &port.name;
        match rule(name) {
            Some(Read::Never) => {}
            Some(Read::With(when)) if !when.is_empty() && when.iter().all(|w| every_cycle(w)) => {
                let read = when.iter().map(|w| format!("gold_{w}")).collect::<Vec<_>>().join(" || ");
                let read = if when.len() == 1 { read } else { format!("({read})") };
                differs.push(format!("({read} && gold_{name} != gate_{name})"))
            }
            Some(Read::PerLane { when, mask })
                if every_cycle(when)
                    && with_valid(mask, when)
                    && output(mask).is_some_and(|m| m.width > 0 && port.width % m.width == 0) =>
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
    differs
}

/// `assign trigger = ...`, high where one of `differs` is (never if none), gated by
/// [`RESET_ONLY_FIRST`] if `ports` has `clk` and `rst`, and by `assumed` having held in
/// every cycle so far if `ports` has `clk` (without a clock the assumption is dropped: the
/// miter only asks more); the module's end.
fn trigger(text: &mut String, ports: &[Port], mut differs: Vec<String>, assumed: Option<&str>) {
    if differs.is_empty() {
        differs.push("1'b0".into());
    }
    let input = |name: &str| ports.iter().any(|p| p.name == name && p.input && p.width == 1);
    let mut gates = Vec::new();
    if input("clk") && input("rst") {
        text.push_str(RESET_ONLY_FIRST);
        gates.push("reset_only_first");
    }
    if let Some(holds) = assumed.filter(|_| input("clk")) {
        let _ = writeln!(
            text,
            "    // The inputs as their driver guarantees them (sim::mutation::observed): a run\n    \
             // counts while they have held in every cycle.\n    \
             wire inputs_as_driven = {holds};\n    reg  inputs_held = 1'b1;\n    \
             always @(posedge clk) if (!inputs_as_driven) inputs_held <= 1'b0;"
        );
        gates.extend(["inputs_held", "inputs_as_driven"]);
    }
    let differs = differs.join("\n        || ");
    if gates.is_empty() {
        let _ = writeln!(text, "    assign trigger = {differs};\nendmodule");
    } else {
        let _ = writeln!(text, "    assign trigger = {} && (\n        {differs});\nendmodule", gates.join(" && "));
    }
}

/// The miter's environment for a parent with `clk` and `rst`: `rst` high for the first
/// cycles after power-on (at least one) and never again. Every design here is reset only
/// so: the core harness for its first two cycles (`sf_tb_clock`), the board for 16 by
/// `sf_reset` from configuration. A run that raises `rst` again, or does not raise it in
/// the first cycle, is no counterexample (`reset_only_first` is low from that cycle on).
/// Without the first a reset in the middle of an item is a state no test reaches:
/// `sf_layer`'s pipeline valids have no reset, so its lanes see `add_en` and `clear` in
/// one cycle, and an `sf_lane` mutant of that pair differs. Without the second a run that
/// never resets starts from every register 0, which is not the reset state of a register
/// that resets to 1, and in `sf_layer` took an item in the cycle after power-on.
const RESET_ONLY_FIRST: &str =
    "    // rst from the first cycle after power-on, and only then (sim::mutation::observed).
    reg  reset_seen  = 1'b0;
    reg  reset_ended = 1'b0;
    reg  reset_again = 1'b0;
    always @(posedge clk) begin
        if (rst) reset_seen <= 1'b1;
        if (!rst) reset_ended <= 1'b1;
        if (reset_ended && rst) reset_again <= 1'b1;
    end
    wire reset_only_first = (rst || reset_seen) && !reset_again && !(reset_ended && rst);
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
        rules.iter().find(|q| q.port == port).map(|q| q.read.clone())
    }

    fn with(when: &str) -> Option<Read> {
        Some(Read::With(vec![when.into()]))
    }

    #[test]
    fn base_names_are_read_from_every_form_yosys_gives() {
        assert_eq!(base_name("$paramod$3f2a\\sf_layer"), "sf_layer");
        assert_eq!(base_name("$paramod\\sf_emit_search\\LANES=s32'00000000000000000000000000000010"), "sf_emit_search");
        assert_eq!(base_name("\\sf_layer"), "sf_layer");
        assert_eq!(qualified_outputs("$paramod\\sf_lane\\W=1", &Parameters::default()), None);
    }

    #[test]
    fn a_layer_reads_its_score_or_its_plane_and_sign_by_its_kind() {
        let readout = qualified_outputs("$paramod$3f2a\\sf_layer", &params(&[("KIND", 3), ("HAS_OUT", 0)])).unwrap();
        assert_eq!(rule(&readout, "emit_sel"), Some(Read::Never));
        assert_eq!(rule(&readout, "score_value"), with("emit_valid"));
        assert_eq!(rule(&readout, "out_event"), Some(Read::Never));
        let hidden = qualified_outputs("$paramod$3f2b\\sf_layer", &params(&[("KIND", 2), ("HAS_OUT", 1)])).unwrap();
        assert_eq!(rule(&hidden, "emit_sel"), with("emit_valid"));
        assert_eq!(rule(&hidden, "score_value"), Some(Read::Never));
        assert_eq!(rule(&hidden, "out_event"), with("out_wr_en"));
        assert_eq!(rule(&hidden, "out_wr_en"), None, "read in every cycle");
        // A conv stage: the same, and its pooled events with their own valid.
        let conv = qualified_outputs("$paramod$9c\\sf_conv", &params(&[("KIND", 2), ("HAS_OUT", 1)])).unwrap();
        assert_eq!(rule(&conv, "pool_emit_neuron"), with("pool_emit_valid"));
        assert_eq!(rule(&conv, "emit_sel"), with("emit_valid"));
        assert_eq!(rule(&conv, "out_event"), with("out_wr_en"));
        // Parameters unknown: nothing is taken as unread.
        let unknown = qualified_outputs("sf_layer", &Parameters::default()).unwrap();
        assert!(unknown.iter().all(|q| q.read != Read::Never), "{unknown:?}");
    }

    #[test]
    fn the_encoder_loader_and_bridge_payloads_are_read_with_their_enables() {
        let none = Parameters::default();
        let encoder = qualified_outputs("$paramod$a233\\sf_encoder", &none).unwrap();
        assert_eq!(rule(&encoder, "out_event"), with("out_wr_en"));
        assert_eq!(rule(&encoder, "out_commit"), None, "read in every cycle");
        let loader = qualified_outputs("$paramod$e9fb\\sf_weight_loader", &none).unwrap();
        assert_eq!(rule(&loader, "wr_data"), with("wr_en"));
        assert_eq!(
            rule(&loader, "wr_addr"),
            Some(Read::With(vec!["wr_en".into(), "rd_en".into()])),
            "a write or a read"
        );
        let receiver = qualified_outputs("$paramod\\sf_uart_rx\\CLKS_PER_BIT=8", &none).unwrap();
        assert_eq!(rule(&receiver, "data"), with("data_valid"));
        assert_eq!(rule(&receiver, "frame_error"), None, "the bridge reads it in every cycle");
        let bridge = qualified_outputs("$paramod$bf9c\\sf_uart_bridge", &none).unwrap();
        for (port, when) in [("load_byte", "load_en"), ("load_word_end", "load_en"), ("in_value", "in_valid")] {
            assert_eq!(rule(&bridge, port), with(when), "{port}");
        }
        assert_eq!(rule(&bridge, "load_addr"), None, "a load and a read take it");
        assert_eq!(qualified_outputs("$paramod$f95c\\sf_event_buffer", &none), None);
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
        let rules = qualified_outputs("sf_layer", &params(&[("KIND", 3), ("HAS_OUT", 0)])).unwrap();
        let text = masked_miter(&ports, &rules, None);
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
        let text = masked_miter(&[port("a", true, 1), port("item_t", false, 4)], &rules, None);
        assert!(text.contains("assign trigger = (gold_item_t != gate_item_t);"), "{text}");
    }

    #[test]
    fn the_step_miter_keeps_one_state_and_compares_the_next_values_of_the_registers_the_mutant_has() {
        let everted = |registers: &[(&str, usize)]| {
            let mut ports = vec![port("clk", true, 1), port("rst", true, 1), port("emit_valid", false, 1)];
            for &(name, width) in registers {
                ports.push(port(&format!("{name}.q"), true, width));
                ports.push(port(&format!("{name}.d"), false, width));
                ports.push(port(&format!("{name}.c"), false, 1));
            }
            ports
        };
        let gold = everted(&[("u_lane.acc", 9), ("spare", 1)]);
        let text = step_miter(&gold, &everted(&[("u_lane.acc", 9)]), &[]).unwrap();
        assert!(text.contains("    reg  [8:0] state_0 = {9{1'b0}};"), "{text}");
        assert!(text.contains("always @(posedge clk) state_0 <= gold_next_0;"), "{text}");
        assert!(text.contains("always @(posedge clk) state_1 <= gold_next_1;"), "{text}");
        assert!(
            text.contains(
                "gold u_gold (.clk(clk), .rst(rst), .emit_valid(gold_emit_valid), .\\u_lane.acc.q (state_0), \
                 .\\u_lane.acc.d (gold_next_0), .\\spare.q (state_1), .\\spare.d (gold_next_1));"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "gate u_gate (.clk(clk), .rst(rst), .emit_valid(gate_emit_valid), .\\u_lane.acc.q (state_0), \
                 .\\u_lane.acc.d (gate_next_0));"
            ),
            "{text}"
        );
        // The register the mutant left unread is not compared; the clocks never.
        assert!(
            text.contains("    wire [0:0] next_differs;\n    assign next_differs[0] = gold_next_0 != gate_next_0;"),
            "{text}"
        );
        assert!(text.contains("(gold_emit_valid != gate_emit_valid)\n        || (|next_differs));"), "{text}");
        assert!(!text.contains("gate_next_1)") && !text.contains("!= gate_next_1") && !text.contains(".c ("), "{text}");
        assert!(text.contains("assign trigger = reset_only_first && ("), "{text}");
        // A register only the mutant has, other ports, or no clock: no miter.
        assert_eq!(step_miter(&everted(&[("spare", 1)]), &everted(&[("u_lane.acc", 9)]), &[]), None);
        assert_eq!(step_miter(&gold, &everted(&[("u_lane.acc", 8)]), &[]), None);
        let mut other = everted(&[]);
        other.push(port("item_t", false, 1));
        assert_eq!(step_miter(&everted(&[]), &other, &[]), None);
        assert_eq!(step_miter(&gold[1..], &gold[1..], &[]), None);
        // From every state: the registers' values are the miter's inputs, nothing is
        // assumed of `rst`, every output is compared.
        let text = any_state_miter(&gold, &everted(&[("u_lane.acc", 9)]), None).unwrap();
        assert!(
            text.contains("    input  wire [8:0] state_0,\n    input  wire state_1,\n    output wire trigger\n"),
            "{text}"
        );
        assert!(!text.contains("reg ") && !text.contains("always") && !text.contains("reset_only_first"), "{text}");
        assert!(
            text.contains("assign trigger = (gold_emit_valid != gate_emit_valid)\n        || (|next_differs);"),
            "{text}"
        );
        // A flip-flop output bit the mutant moved: its register pairs with the original's
        // bit, and only where the caller names that bit.
        let split = everted(&[("count[0]", 1), ("count[1]", 1)]);
        assert_eq!(split_register(&split, "count", 1).as_deref(), Some("count[1]"));
        assert_eq!(split_register(&split, "count", 2), None);
        let mutated = everted(&[("count[0]", 1), (MOVED, 1)]);
        let text = any_state_miter(&split, &mutated, Some("count[1]")).unwrap();
        assert!(text.contains(".\\sf_moved_0.q (state_1), .\\sf_moved_0.d (gate_next_1)"), "{text}");
        assert!(text.contains("assign next_differs[1] = gold_next_1 != gate_next_1;"), "{text}");
        assert_eq!(any_state_miter(&split, &mutated, None), None);
        // From the states that hold the original's invariant, which power-on must hold: a
        // third copy of the original reads the next state, and its invariant must hold
        // too. Only where the original states one and the mutant does not.
        let mut stating = gold.clone();
        stating.push(port(INVARIANT, false, 1));
        let text = invariant_miter(&stating, &everted(&[("u_lane.acc", 9)]), None).unwrap();
        assert!(
            text.contains(
                "gold u_gold_next (.clk(clk), .rst(rst), .\\u_lane.acc.q (gold_next_0), .\\spare.q (gold_next_1), \
                 .invariant_holds(next_invariant_holds));"
            ),
            "{text}"
        );
        assert!(text.contains(".\\spare.d (gold_next_1), .invariant_holds(gold_invariant_holds));"), "{text}");
        assert!(
            text.contains(
                "assign trigger = (gold_invariant_holds && (\n        (gold_emit_valid != gate_emit_valid)\n        \
                 || (|next_differs)\n        || !next_invariant_holds))\n        \
                 || (~|{state_0, state_1} && !gold_invariant_holds);"
            ),
            "{text}"
        );
        assert_eq!(invariant_miter(&gold, &everted(&[("u_lane.acc", 9)]), None), None);
        assert_eq!(invariant_miter(&stating, &stating, None), None);
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
        // `child` has no rules of its own and passes none through.
        assert!(design.rules("top").is_empty());
    }

    #[test]
    fn a_loader_assumes_what_the_bridge_wired_to_it_guarantees() {
        // Two targets, three-byte words for target 0 and one-byte words for target 1; the
        // second loader's `load_target` on `nets` (the bridge's: 20-27).
        let json = |nets: &str| {
            format!(
                r#"{{"modules": {{
                "top": {{"cells": {{
                    "b": {{"type": "$paramod$1\\sf_uart_bridge", "connections": {{"load_en": [10], "read_en": [11],
                        "load_target": [20, 21, 22, 23, 24, 25, 26, 27], "load_word_end": [12]}}}},
                    "l0": {{"type": "$paramod$2\\sf_weight_loader", "connections": {{"load_en": [10], "read_en": [11],
                        "load_target": [20, 21, 22, 23, 24, 25, 26, 27], "load_word_end": [12]}}}},
                    "l1": {{"type": "$paramod$2\\sf_weight_loader", "connections": {{"load_en": [10], "read_en": [11],
                        "load_target": {nets}, "load_word_end": [12]}}}}}}}},
                "$paramod$1\\sf_uart_bridge": {{"parameter_default_values": {{
                    "LOAD_TARGETS": "00000000000000000000000000000010",
                    "LOAD_WORD_BYTES": "00000000000000010000000000000011"}}}},
                "$paramod$2\\sf_weight_loader": {{}}
            }}}}"#
            )
        };
        let design = DesignModules::from_json(&json("[20, 21, 22, 23, 24, 25, 26, 27]")).unwrap();
        let bridge = "$paramod$1\\sf_uart_bridge";
        assert_eq!(design.module(bridge).unwrap().params.field("LOAD_WORD_BYTES", 0, 16), Some(3));
        assert_eq!(design.module(bridge).unwrap().params.field("LOAD_WORD_BYTES", 1, 16), Some(1));
        assert_eq!(design.module(bridge).unwrap().params.field("LOAD_WORD_BYTES", 2, 16), None);
        assert_eq!(
            design.input_assumption("$paramod$2\\sf_weight_loader"),
            Some(InputAssumption {
                driver: bridge.into(),
                holds: "!((load_en || read_en) && load_target >= 8'd2) \
                        && !(load_en && load_target == 8'd1 && !load_word_end)"
                    .into(),
            })
        );
        assert_eq!(design.input_assumption(bridge), None, "the bridge's inputs are free");
        // One loader's target from elsewhere: no assumption for any.
        let design = DesignModules::from_json(&json("[30, 21, 22, 23, 24, 25, 26, 27]")).unwrap();
        assert_eq!(design.input_assumption("$paramod$2\\sf_weight_loader"), None);
    }

    #[test]
    fn an_assumption_gates_the_miter_from_the_first_cycle_it_fails() {
        let ports = [port("clk", true, 1), port("rst", true, 1), port("go", true, 1), port("y", false, 1)];
        let text = masked_miter(&ports, &[], Some("!go"));
        assert!(text.contains("wire inputs_as_driven = !go;"), "{text}");
        assert!(text.contains("if (!inputs_as_driven) inputs_held <= 1'b0;"), "{text}");
        assert!(text.contains("assign trigger = reset_only_first && inputs_held && inputs_as_driven && ("), "{text}");
        // Without a clock nothing holds from cycle to cycle: the assumption is dropped.
        let text = masked_miter(&ports[2..], &[], Some("!go"));
        assert!(!text.contains("inputs_as_driven"), "{text}");
        let text = guarantee_miter(&ports, "y || !go");
        assert!(text.contains("gold u_gold (.clk(clk), .rst(rst), .go(go), .y(y));"), "{text}");
        assert!(text.contains("assign trigger = reset_only_first && (\n        !(y || !go));"), "{text}");
        // The statement an induction reads: ungated, the copy's outputs as wires.
        let text = guarantee_statement(&ports, "y || !go");
        assert!(text.contains("    input  wire go,\n    output wire guarantee_holds\n);\n    wire y;"), "{text}");
        assert!(text.contains("gold u_gold (.clk(clk), .rst(rst), .go(go), .y(y));"), "{text}");
        assert!(text.contains("assign guarantee_holds = y || !go;"), "{text}");
    }

    #[test]
    fn a_wrapper_and_the_core_are_read_as_the_layer_whose_outputs_they_pass_through() {
        // A readout layer; its wrapper passes every port through; the core passes some on
        // under other names, `l1_item_t` without its `item_done`, and bit 0 of the neuron
        // alone as `neuron_bit`.
        let json = r#"{"modules": {
            "$paramod$ab\\sf_layer": {"parameter_default_values": {"KIND": "00000000000000000000000000000011"},
                "ports": {"emit_valid": {"direction": "output", "bits": [2]},
                          "emit_neuron": {"direction": "output", "bits": [3, 4]},
                          "emit_sel": {"direction": "output", "bits": [5]},
                          "item_done": {"direction": "output", "bits": [6]},
                          "item_t": {"direction": "output", "bits": [7]},
                          "mem_tap_valid": {"direction": "output", "bits": [8]},
                          "mem_tap_mask": {"direction": "output", "bits": [9, 10]},
                          "mem_tap_row": {"direction": "output", "bits": [11, 12, 13, 14]}}},
            "tiny_l1_out": {
                "ports": {"emit_valid": {"direction": "output", "bits": [2]},
                          "emit_neuron": {"direction": "output", "bits": [3, 4]},
                          "emit_sel": {"direction": "output", "bits": [5]},
                          "item_done": {"direction": "output", "bits": [6]},
                          "item_t": {"direction": "output", "bits": [7]},
                          "mem_tap_valid": {"direction": "output", "bits": [8]},
                          "mem_tap_mask": {"direction": "output", "bits": [9, 10]},
                          "mem_tap_row": {"direction": "output", "bits": [11, 12, 13, 14]}},
                "cells": {"u": {"type": "$paramod$ab\\sf_layer", "connections": {
                          "emit_valid": [2], "emit_neuron": [3, 4], "emit_sel": [5], "item_done": [6],
                          "item_t": [7], "mem_tap_valid": [8], "mem_tap_mask": [9, 10],
                          "mem_tap_row": [11, 12, 13, 14]}}}},
            "tiny_core": {
                "ports": {"l1_emit_valid": {"direction": "output", "bits": [20]},
                          "l1_emit_neuron": {"direction": "output", "bits": [21, 22]},
                          "l1_emit_sel": {"direction": "output", "bits": [23]},
                          "l1_item_t": {"direction": "output", "bits": [25]},
                          "l1_mem_tap_valid": {"direction": "output", "bits": [26]},
                          "l1_mem_tap_mask": {"direction": "output", "bits": [27, 28]},
                          "l1_mem_tap_row": {"direction": "output", "bits": [29, 30, 31, 32]},
                          "neuron_bit": {"direction": "output", "bits": [21]}},
                "cells": {"u_l1": {"type": "tiny_l1_out", "connections": {
                          "emit_valid": [20], "emit_neuron": [21, 22], "emit_sel": [23], "item_done": [24],
                          "item_t": [25], "mem_tap_valid": [26], "mem_tap_mask": [27, 28],
                          "mem_tap_row": [29, 30, 31, 32]}}}}
        }}"#;
        let design = DesignModules::from_json(json).unwrap();
        let layer = qualified_outputs("$paramod$ab\\sf_layer", &params(&[("KIND", 3)])).unwrap();
        let mut wrapper = design.rules("tiny_l1_out");
        let mut expected: Vec<QualifiedOutput> = layer
            .into_iter()
            .filter(|q| ["emit_neuron", "emit_sel", "item_t", "mem_tap_mask", "mem_tap_row"].contains(&q.port.as_str()))
            .collect();
        wrapper.sort_by(|a, b| a.port.cmp(&b.port));
        expected.sort_by(|a, b| a.port.cmp(&b.port));
        assert_eq!(wrapper, expected, "every output the layer has a rule for");

        let core = design.rules("tiny_core");
        assert_eq!(rule(&core, "l1_emit_neuron"), with("l1_emit_valid"));
        assert_eq!(rule(&core, "l1_emit_sel"), Some(Read::Never), "a readout's plane");
        assert_eq!(rule(&core, "l1_mem_tap_mask"), with("l1_mem_tap_valid"));
        assert_eq!(
            rule(&core, "l1_mem_tap_row"),
            Some(Read::PerLane { when: "l1_mem_tap_valid".into(), mask: "l1_mem_tap_mask".into() })
        );
        assert_eq!(rule(&core, "l1_item_t"), None, "its item_done is no output of the core");
        assert_eq!(rule(&core, "neuron_bit"), None, "a slice of an output is no pass-through");
        assert_eq!(rule(&core, "l1_emit_valid"), None);
    }

    #[test]
    fn a_payload_whose_qualifier_is_compared_only_at_times_is_compared_in_every_cycle() {
        let ports = [
            port("a", true, 1),
            port("v", false, 1),
            port("w", false, 1),
            port("x", false, 2),
            port("m", false, 2),
            port("row", false, 4),
        ];
        let rules = [read_with("v", "w"), read_with("x", "v"), read_with("m", "w"), per_lane("row", "w", "m")];
        let text = masked_miter(&ports, &rules, None);
        assert!(text.contains("(gold_w && gold_v != gate_v)"), "{text}");
        assert!(text.contains("(gold_x != gate_x)"), "{text}");
        assert!(text.contains("(gold_w && gold_m[1] && gold_row[3:2] != gate_row[3:2])"), "{text}");
        // A mask read with another valid than its lanes': every lane in every cycle.
        let text = masked_miter(&ports, &[read_with("m", "v"), per_lane("row", "w", "m")], None);
        assert!(text.contains("(gold_row != gate_row)"), "{text}");
    }

    #[test]
    fn a_payload_with_two_qualifiers_is_compared_where_either_is_high() {
        let ports = [port("a", true, 1), port("v", false, 1), port("w", false, 1), port("x", false, 2)];
        let text = masked_miter(&ports, &[read_with_any("x", &["v", "w"])], None);
        assert!(text.contains("((gold_v || gold_w) && gold_x != gate_x)"), "{text}");
        // One qualifier compared only at times: the payload in every cycle.
        let text = masked_miter(&ports, &[read_with("v", "w"), read_with_any("x", &["v", "w"])], None);
        assert!(text.contains("(gold_x != gate_x)"), "{text}");
    }
}
