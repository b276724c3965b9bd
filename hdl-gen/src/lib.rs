//! # spikeforge `hdl-gen`: Verilog for a spiking network
//!
//! From a validated [`model::Network`] and a [`model::HardwarePlan`], [`generate`] builds a
//! [`Design`]: the hand-written RTL library (`hdl-gen/rtl/sf_*.v`, copied verbatim), one
//! generated wrapper per layer that sizes `sf_layer` with documented parameters, the
//! `<name>_core` top that chains encoder, event buffers and layers, the memory
//! initialization files, and a JSON manifest. [`write_dir`] puts it on disk.
//!
//! Architecture Invariant: generated Verilog comes only from the typed builders in
//! [`verilog`] and its one printer: same network and plan, same bytes (no timestamps,
//! no absolute paths). The generated core meets the timing contract in ARCHITECTURE.md
//! that `sim::cycle` computes; co-simulation checks both.
//!
//! ```
//! let net = model::examples::tiny_network();
//! let plan = model::HardwarePlan::uniform(&net, 2).unwrap();
//! let design = hdl_gen::generate(&net, &plan).unwrap();
//! assert_eq!(design.top, "tiny_core");
//! assert!(design.files.contains_key("tiny_l0_hidden.v"));
//! assert!(design.files["tiny_l0_hidden.v"].contains(".P(2)"));
//! ```
#![warn(missing_docs)]

pub mod board;
pub mod layer;
pub mod protocol;
pub mod verilog;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use model::{HardwarePlan, Network};
use serde::Serialize;

use crate::layer::{EventFormat, LayerRtl, identifier, layer_rtl, value_bits};
use crate::verilog::{Expr, Instance, Item, Module, Param, Port};

/// The hand-written library, copied into every generated directory.
pub const LIBRARY: [(&str, &str); 5] = [
    ("sf_event_buffer.v", include_str!("../rtl/sf_event_buffer.v")),
    ("sf_lane.v", include_str!("../rtl/sf_lane.v")),
    ("sf_neuron.vh", include_str!("../rtl/sf_neuron.vh")),
    ("sf_encoder.v", include_str!("../rtl/sf_encoder.v")),
    ("sf_layer.v", include_str!("../rtl/sf_layer.v")),
];

/// The simulation-only library of the Verilog testbench (`<model>_tb`), copied into every
/// generated directory next to [`LIBRARY`] but never part of the synthesizable sources.
pub const TESTBENCH_LIBRARY: [(&str, &str); 3] = [
    ("sf_tb_clock.v", include_str!("../rtl/sim/sf_tb_clock.v")),
    ("sf_tb_source.v", include_str!("../rtl/sim/sf_tb_source.v")),
    ("sf_tb_tap.v", include_str!("../rtl/sim/sf_tb_tap.v")),
];

/// Name of the manifest file in a generated directory.
pub const MANIFEST: &str = "manifest.json";

/// What can go wrong generating or writing a design.
#[derive(Debug, thiserror::Error)]
pub enum HdlError {
    /// The model or plan is unusable.
    #[error(transparent)]
    Model(#[from] model::ModelError),
    /// The network breaks a rule of the IR.
    #[error("invalid model: {0}")]
    Invalid(#[from] model::ValidationError),
    /// A directory that holds files spikeforge did not write.
    #[error("{path}: not empty and not written by `spikeforge gen` (pass --force to write into it anyway)")]
    NotEmpty {
        /// The directory.
        path: PathBuf,
    },
    /// A generated directory whose manifest is missing or unreadable.
    #[error("{path}: {reason} (was the directory written by `spikeforge gen`?)")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file that could not be written.
    #[error("{path}: {error}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// OS error.
        error: std::io::Error,
    },
}

/// Resource estimates of one layer (analytic; synthesis reports replace them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Estimate {
    /// Weight ROM bits.
    pub weight_bits: u64,
    /// Membrane RAM plus bias ROM bits.
    pub state_bits: u64,
    /// Input event buffer bits (both slots).
    pub buffer_bits: u64,
    /// Flip-flops: accumulators, pipeline and emission registers, control.
    pub flip_flops: u64,
    /// Look-up tables: adders, constant multipliers, neuron update, emission.
    pub luts: u64,
}

/// One layer in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerManifest {
    /// Everything about the layer's hardware.
    #[serde(flatten)]
    pub rtl: LayerRtl,
    /// Resource estimate.
    pub estimate: Estimate,
    /// The cycle model for one item of this layer.
    pub cycles: String,
}

/// The manifest written next to the Verilog.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Manifest {
    /// Always `spikeforge hdl-gen`.
    pub generator: String,
    /// Crate version.
    pub version: String,
    /// Model name.
    pub model: String,
    /// Top module.
    pub top: String,
    /// Timesteps per input.
    pub timesteps: u32,
    /// Input values per input.
    pub inputs: u64,
    /// Bits of one input value.
    pub input_value_bits: u32,
    /// Per layer.
    pub layers: Vec<LayerManifest>,
    /// The pipeline's timing rules, for people.
    pub timing: String,
    /// Every file of the design (relative names).
    pub files: Vec<String>,
    /// The simulation-only Verilog testbench around the core.
    pub testbench: TestbenchManifest,
    /// The board top (UART inference) around the core.
    pub board: BoardManifest,
}

/// The board top in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BoardManifest {
    /// Board top module (`<model>_board`).
    pub top: String,
    /// Its own files (the design's sources come on top), sorted.
    pub files: Vec<String>,
    /// Its reply layout.
    pub reply: protocol::ReplyFormat,
    /// The board top behind an ECP5 PLL, for core clocks other than the oscillator
    /// (synthesis only: its files are in neither the co-simulation nor the board sources).
    pub ecp5_pll: PllManifest,
    /// Bytes one load request may carry (`None`: no layer's weights are loaded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_buffer: Option<u64>,
    /// The memories load requests write, in target order (empty: weights are in the bitstream).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub loads: Vec<board::LoadTarget>,
}

/// The Verilog testbench in the manifest: what an event-driven simulator compiles on top
/// of the design's sources.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TestbenchManifest {
    /// Testbench top module (`<model>_tb`).
    pub top: String,
    /// Its own files (the design's sources come on top), sorted.
    pub files: Vec<String>,
    /// How to run it, for people.
    pub usage: String,
}

/// A generated design: file name -> content, plus what it contains.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    /// Top module name (`<model>_core`).
    pub top: String,
    /// Per-layer hardware.
    pub layers: Vec<LayerRtl>,
    /// File name -> content, including the library and the manifest.
    pub files: BTreeMap<String, String>,
    /// The manifest.
    pub manifest: Manifest,
}

impl Design {
    /// The Verilog files (library first, then generated), for tools.
    pub fn verilog_files(&self) -> Vec<String> {
        let mut v: Vec<String> = LIBRARY.iter().map(|(n, _)| n.to_string()).collect();
        let (bench, board) = (&self.manifest.testbench.files, &self.manifest.board.files);
        let pll = &self.manifest.board.ecp5_pll.files;
        v.extend(
            self.files
                .keys()
                .filter(|f| {
                    f.ends_with(".v")
                        && !f.starts_with("sf_")
                        && !bench.contains(f)
                        && !board.contains(f)
                        && !pll.contains(f)
                })
                .cloned(),
        );
        v
    }
}

/// What tools need to know about a generated directory, read back from its manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesignInfo {
    /// The model's name (`Network::name`) the design was generated from.
    pub model: String,
    /// Top module.
    pub top: String,
    /// Verilog files, sorted.
    pub sources: Vec<String>,
    /// Verilog include files (`.vh`), sorted: copied and hashed, not compiled on their own.
    pub includes: Vec<String>,
    /// Timesteps per input.
    pub timesteps: u64,
    /// Lanes per layer.
    pub lanes: Vec<u32>,
    /// Layers whose weights are loaded at start-up ([`model::WeightStore::Loaded`]).
    pub loaded_weights: Vec<usize>,
    /// Membrane width of the last layer (the score width).
    pub score_bits: u64,
    /// The Verilog testbench, if the generator that wrote the directory made one.
    pub testbench: Option<TestbenchInfo>,
    /// The board top, if the generator that wrote the directory made one.
    pub board: Option<BoardInfo>,
}

/// The board top of a generated directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardInfo {
    /// Top module.
    pub top: String,
    /// Its files, on top of [`DesignInfo::sources`].
    pub sources: Vec<String>,
    /// Its reply layout.
    pub reply: protocol::ReplyFormat,
    /// The top behind an ECP5 PLL (`None` in directories generated before it existed).
    pub ecp5_pll: Option<PllInfo>,
    /// The memories its load requests write (empty: every weight is in the bitstream).
    pub loads: Vec<board::LoadTarget>,
    /// Bytes one load request may carry, if any layer's weights are loaded.
    pub load_buffer: Option<u64>,
}

/// A clocked top of a generated directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PllInfo {
    /// Top module.
    pub top: String,
    /// Its files, on top of the board top's.
    pub sources: Vec<String>,
}

/// The Verilog testbench of a generated directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestbenchInfo {
    /// Top module.
    pub top: String,
    /// Its files, on top of [`DesignInfo::sources`].
    pub sources: Vec<String>,
}

impl DesignInfo {
    /// Read `design_dir/manifest.json` (written by `spikeforge gen`).
    pub fn read(design_dir: &Path) -> Result<DesignInfo, HdlError> {
        let path = design_dir.join(MANIFEST);
        let bad = |why: &str| HdlError::Manifest { path: path.clone(), reason: why.to_string() };
        let text = std::fs::read_to_string(&path).map_err(|e| bad(&e.to_string()))?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
        let top = v["top"].as_str().ok_or_else(|| bad("no `top`"))?.to_string();
        let layers = v["layers"].as_array().filter(|l| !l.is_empty()).ok_or_else(|| bad("no layers"))?;
        let lanes = layers
            .iter()
            .map(|l| l["plan"]["lanes"].as_u64().map(|p| p as u32))
            .collect::<Option<Vec<u32>>>()
            .ok_or_else(|| bad("a layer without `plan.lanes`"))?;
        let files = |ext: &str| -> Vec<String> {
            let mut f: Vec<String> = v["files"]
                .as_array()
                .map(|a| a.iter().filter_map(|f| f.as_str()).filter(|f| f.ends_with(ext)).map(String::from).collect())
                .unwrap_or_default();
            f.sort();
            f
        };
        let testbench = v["testbench"]["top"].as_str().map(|top| TestbenchInfo {
            top: top.to_string(),
            sources: v["testbench"]["files"]
                .as_array()
                .map(|a| a.iter().filter_map(|f| f.as_str()).map(String::from).collect())
                .unwrap_or_default(),
        });
        let names = |list: &serde_json::Value| -> Option<Vec<String>> {
            Some(list.as_array()?.iter().filter_map(|f| f.as_str()).map(String::from).collect())
        };
        let board = v["board"]["top"].as_str().and_then(|top| {
            Some(BoardInfo {
                top: top.to_string(),
                sources: names(&v["board"]["files"])?,
                reply: serde_json::from_value(v["board"]["reply"].clone()).ok()?,
                ecp5_pll: v["board"]["ecp5_pll"]["top"].as_str().and_then(|pll| {
                    Some(PllInfo { top: pll.to_string(), sources: names(&v["board"]["ecp5_pll"]["files"])? })
                }),
                loads: match v["board"].get("loads") {
                    Some(loads) => serde_json::from_value(loads.clone()).ok()?,
                    None => Vec::new(),
                },
                load_buffer: v["board"]["load_buffer"].as_u64(),
            })
        });
        let in_testbench = |f: &String| testbench.as_ref().is_some_and(|tb| tb.sources.contains(f));
        let on_board = |f: &String| {
            board.as_ref().is_some_and(|b| {
                b.sources.contains(f) || b.ecp5_pll.as_ref().is_some_and(|pll| pll.sources.contains(f))
            })
        };
        let sources: Vec<String> = files(".v").into_iter().filter(|f| !in_testbench(f) && !on_board(f)).collect();
        let includes = files(".vh");
        Ok(DesignInfo {
            model: v["model"].as_str().unwrap_or_default().to_string(),
            top,
            sources,
            includes,
            timesteps: v["timesteps"].as_u64().unwrap_or(1),
            lanes,
            loaded_weights: layers
                .iter()
                .enumerate()
                .filter(|(_, l)| l["plan"]["weights"].as_str() == Some("loaded"))
                .map(|(i, _)| i)
                .collect(),
            score_bits: layers[layers.len() - 1]["plan"]["membrane_bits"].as_u64().unwrap_or(32),
            testbench,
            board,
        })
    }
}

fn layer_rtls(net: &Network, plan: &HardwarePlan, top: &str) -> Vec<LayerRtl> {
    let bounds = model::bounds::analyze(net);
    (0..net.layers.len()).map(|i| layer_rtl(net, &bounds[i], &plan.layers[i], i, top)).collect()
}

fn check_plan(net: &Network, plan: &HardwarePlan) -> Result<(), HdlError> {
    net.validate()?;
    net.require_dense()?;
    if plan.layers.len() != net.layers.len() {
        return Err(model::ModelError::Plan {
            layer: 0,
            reason: format!("{} layer plans for {} layers", plan.layers.len(), net.layers.len()),
        }
        .into());
    }
    // A load request addresses words with 24 bits (sf_uart_bridge).
    for (index, l) in plan.layers.iter().enumerate() {
        let words = l.weight_words();
        if l.weights == model::WeightStore::Loaded && words > 1 << 24 {
            return Err(model::ModelError::Plan {
                layer: index,
                reason: format!("{words} weight words to load, more than a load request can address (2^24)"),
            }
            .into());
        }
    }
    Ok(())
}

/// A clocked top in the manifest: its module and the files it adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PllManifest {
    /// Top module.
    pub top: String,
    /// Its files (library and generated wrapper).
    pub files: Vec<String>,
}

/// One memory array of a generated design, as synthesis sees it: `depth` words of `width`
/// bits behind one read port. Which block RAM configuration holds it best is the target
/// family's business (`bitstreams::sizing`); this is only the shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MemoryShape {
    /// What it holds (`l0 weights`, `buffer 1`, ...).
    pub name: String,
    /// Words.
    pub depth: u64,
    /// Bits per word.
    pub width: u64,
    /// Written while running (buffers, membranes) rather than a ROM (weights, biases):
    /// synthesis maps the two differently.
    pub writable: bool,
    /// Loaded weights ([`model::WeightStore::Loaded`]): no initial contents and one shared
    /// address port, the shape a single-port RAM (iCE40 SPRAM) can hold.
    pub loaded: bool,
}

impl MemoryShape {
    /// `depth · width`.
    pub fn bits(&self) -> u64 {
        self.depth * self.width
    }
}

/// The resources [`generate`] would spend on `net` with `plan`, without building the files:
/// each layer's [`Estimate`] and every memory array of the board design (layer weights,
/// biases and membranes, the event buffers, the UART bridge's input buffer).
///
/// ```
/// let net = model::examples::tiny_network(); // 6 inputs -> 5 -> 3
/// let plan = model::HardwarePlan::uniform(&net, 2).unwrap();
/// let cost = hdl_gen::resources(&net, &plan).unwrap();
/// let weights = cost.memories.iter().find(|m| m.name == "l0 weights").unwrap();
/// // 6 inputs x 3 groups words of 2 lanes x 4-bit weights
/// assert_eq!((weights.depth, weights.width), (18, 8));
/// assert_eq!(cost.estimates.len(), 2);
/// ```
pub fn resources(net: &Network, plan: &HardwarePlan) -> Result<PlanResources, HdlError> {
    check_plan(net, plan)?;
    let layers = layer_rtls(net, plan, "net");
    let mut memories = vec![MemoryShape {
        name: "uart input".into(),
        depth: net.input.size() as u64,
        width: value_bits(net.input.max_value as u64) as u64,
        writable: true,
        loaded: false,
    }];
    if let Some(bytes) = board::load_buffer_bytes(&layers) {
        memories.push(MemoryShape {
            name: "uart load buffer".into(),
            depth: bytes,
            width: 8,
            writable: true,
            loaded: false,
        });
    }
    for l in &layers {
        let (p, g) = (l.plan.lanes as u64, l.plan.groups as u64);
        let i = l.index;
        memories.push(MemoryShape {
            name: format!("buffer {i}"),
            depth: 2 << l.input.addr_bits(),
            width: l.input.event_bits as u64,
            writable: true,
            loaded: false,
        });
        memories.push(MemoryShape {
            name: format!("l{i} weights"),
            depth: l.weight_words(),
            width: l.weight_word_bits() as u64,
            writable: l.loads_weights(),
            loaded: l.loads_weights(),
        });
        memories.push(MemoryShape {
            name: format!("l{i} biases"),
            depth: g,
            width: p * l.bias_bits as u64,
            writable: false,
            loaded: false,
        });
        if l.plan.lateral {
            let planes = l.out_planes as u64;
            memories.push(MemoryShape {
                name: format!("l{i} lateral events"),
                depth: l.plan.neurons as u64 * planes,
                width: 1 + l.sel_bits as u64 + l.neuron_bits as u64,
                writable: true,
                loaded: false,
            });
        }
        memories.push(MemoryShape {
            name: format!("l{i} membranes"),
            depth: g,
            width: p * l.plan.membrane_bits as u64,
            writable: true,
            loaded: false,
        });
    }
    // A lane receiving payload events multiplies the weight by a value of several bits:
    // synthesis maps that to a hard multiplier where the family infers them (ECP5).
    let multipliers = layers.iter().filter(|l| l.in_payload && l.input.sel_bits > 1).map(|l| l.plan.lanes as u64).sum();
    Ok(PlanResources { estimates: layers.iter().map(estimate).collect(), memories, multipliers })
}

/// What [`resources`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanResources {
    /// Per layer, in order.
    pub estimates: Vec<Estimate>,
    /// Every memory array.
    pub memories: Vec<MemoryShape>,
    /// Lane multipliers (lanes receiving multi-bit payload events).
    pub multipliers: u64,
}

/// Put a hand-written library and the generated top built on it into `files`; returns
/// their names, sorted (the manifest's file list for that top).
fn add_top(files: &mut BTreeMap<String, String>, library: &[(&str, &str)], top: &Module) -> Vec<String> {
    let mut names: Vec<String> = library.iter().map(|(n, _)| n.to_string()).collect();
    for (name, text) in library {
        files.insert(name.to_string(), text.to_string());
    }
    names.push(format!("{}.v", top.name));
    names.sort();
    files.insert(format!("{}.v", top.name), top.to_string());
    names
}

/// Build the design for `net` with `plan`.
pub fn generate(net: &Network, plan: &HardwarePlan) -> Result<Design, HdlError> {
    check_plan(net, plan)?;
    let top = identifier(&net.name);
    let layers = layer_rtls(net, plan, &top);
    let mut files = BTreeMap::new();
    for (name, text) in LIBRARY {
        files.insert(name.to_string(), text.to_string());
    }
    for rtl in &layers {
        files.insert(format!("{}.v", rtl.module), layer_wrapper(net, rtl).to_string());
        files.insert(rtl.weights_file.clone(), layer::weight_memory(net, rtl));
        files.insert(rtl.bias_file.clone(), layer::bias_memory(net, rtl));
    }
    let core = core_module(net, &top, &layers);
    files.insert(format!("{}.v", core.name), core.to_string());
    let bench = testbench_module(net, &core, &layers);
    let bench_files = add_top(&mut files, &TESTBENCH_LIBRARY, &bench);
    let (board_top, reply) = board::board_module(net, &core, &layers);
    let mut board_library = board::BOARD_LIBRARY.to_vec();
    let loads = board::load_targets(&layers);
    if !loads.is_empty() {
        board_library.push(board::WEIGHT_LOADER_LIBRARY);
    }
    let board_files = add_top(&mut files, &board_library, &board_top);
    let pll_top = board::ecp5_pll_module(&board_top);
    let pll_files = add_top(&mut files, &board::ECP5_PLL_LIBRARY, &pll_top);
    let mut names: Vec<String> = files.keys().cloned().collect();
    names.push(MANIFEST.to_string());
    names.sort();
    let manifest = Manifest {
        generator: "spikeforge hdl-gen".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        model: net.name.clone(),
        top: core.name.clone(),
        timesteps: net.timesteps,
        inputs: net.input.size() as u64,
        input_value_bits: value_bits(net.input.max_value as u64),
        layers: layers
            .iter()
            .map(|l| LayerManifest {
                estimate: estimate(l),
                cycles: {
                    let pass = |events: &str, emitted: &str| {
                        format!("{g} * ({events} + 5) + sum over {g} groups of max(1, {emitted})", g = l.plan.groups)
                    };
                    let emitted = "events emitted by the group";
                    if l.plan.lateral {
                        format!("2 + {} + {}", pass("E_in", "provisional events of the group"), pass("E1", emitted))
                    } else {
                        format!("2 + {}", pass("E_in", emitted))
                    }
                },
                rtl: l.clone(),
            })
            .collect(),
        timing: "per input: encoder 2 + sum_i max(1, planes of value i); stages start one cycle after: \
                 own previous item done, input item committed, output slot released (ARCHITECTURE.md)"
            .into(),
        files: names,
        testbench: TestbenchManifest {
            top: bench.name.clone(),
            files: bench_files,
            usage: "iverilog -g2005 -DSF_PRELOAD_WEIGHTS -s <top> -o sim.vvp <design sources> <testbench files>; \
                    vvp sim.vvp +inputs=FILE +items=N [+out=FILE] [+limit=CYCLES] [+vcd=FILE +vcd_first=A +vcd_last=B]"
                .into(),
        },
        board: BoardManifest {
            top: board_top.name.clone(),
            files: board_files,
            reply,
            ecp5_pll: PllManifest { top: pll_top.name.clone(), files: pll_files },
            load_buffer: board::load_buffer_bytes(&layers),
            loads,
        },
    };
    files.insert(MANIFEST.to_string(), serde_json::to_string_pretty(&manifest).expect("plain data") + "\n");
    Ok(Design { top: core.name, layers, files, manifest })
}

fn estimate(l: &LayerRtl) -> Estimate {
    let p = l.plan.lanes as u64;
    let g = l.plan.groups as u64;
    let acc = l.plan.accumulator_bits as u64;
    let mem = l.plan.membrane_bits as u64;
    let w = l.plan.weight_bits as u64;
    let k_out = l.out_planes as u64;
    let in_scale = if l.in_payload { l.input.sel_bits as u64 } else { l.in_planes as u64 };
    // Lateral connections: the lanes also scale by the layer's own code, and the update has
    // a second path (u1 + the shifted lateral sum) beside the first, with the muxes that pick
    // between the passes. Calibrated on one placed design (784-64-10 LMS, 22 lanes on the
    // Tang Nano 9K: 3,556 LUT4 more than without lateral connections, ~135 per lane before
    // the Gowin factor), where the first guess (w·K + 2·mem) was 2.5x too small.
    let lateral_luts = if l.plan.lateral { w * k_out.max(l.sel_bits as u64) + 6 * mem } else { 0 };
    Estimate {
        weight_bits: l.plan.weight_words() * p * w,
        state_bits: g * p * (mem + l.bias_bits as u64),
        buffer_bits: 2 * (1u64 << l.input.addr_bits()) * l.input.event_bits as u64,
        flip_flops: p * (acc + mem + k_out + l.value_bits as u64 + 1) + p * w + 64,
        // Per lane: the accumulator adder; the incoming weight scaled by the event's plane
        // amplitude (a mux over K shifted copies) or, for payload events, by its value (a
        // shift-add multiplier, one partial product per value bit); the neuron update;
        // emission.
        luts: p * (acc + w * in_scale + 4 * mem + 2 * k_out + lateral_luts),
    }
}

/// The per-layer wrapper: `sf_layer` with this layer's parameters, ports passed through.
fn layer_wrapper(net: &Network, rtl: &LayerRtl) -> Module {
    let layer = &net.layers[rtl.index];
    let p = &rtl.plan;
    let mut m = Module::new(
        &rtl.module,
        &format!(
            "Layer {} `{}`: {} -> {} neurons, {} lanes in {} groups.",
            rtl.index, rtl.name, p.inputs, p.neurons, p.lanes, p.groups
        ),
    );
    m.doc.push(format!(
        "Neuron: {}, threshold 2^{}, decay {:?}, reset {:?}.",
        layer.neuron.kind.label(),
        layer.neuron.threshold_shift,
        layer.neuron.decay,
        layer.neuron.reset
    ));
    if p.lateral {
        m.doc.push(format!(
            "Lateral connections: per item 2 + {g}·(E_in + 5) + Σ_g max(1, ev1_g) + {g}·(E1 + 5) + Σ_g max(1, ev_g) \
             cycles (E1 = the provisional spikes' events, replayed through weight rows {m}..{end}).",
            g = p.groups,
            m = p.inputs,
            end = p.inputs + p.neurons - 1
        ));
    } else {
        m.doc.push(format!(
            "Per item: 2 + {g}·(E_in + 5) + Σ_g max(1, ev_g) cycles (E_in = received events, ev_g = events group g emits).",
            g = p.groups
        ));
    }
    m.doc.push(format!(
        "Weights in {} ({} words of {} bits), biases in {}.",
        rtl.weights_file,
        p.weight_words(),
        p.lanes * p.weight_bits,
        rtl.bias_file
    ));
    let ports = layer_ports(rtl);
    m.items.push(Item::Instance(Instance {
        module: "sf_layer".into(),
        name: "u_layer".into(),
        params: rtl.params.clone(),
        connections: ports.iter().map(|port| (port.name.clone(), Expr::ident(&port.name))).collect(),
    }));
    m.ports = ports;
    m
}

fn layer_ports(rtl: &LayerRtl) -> Vec<Port> {
    let out_bits = rtl.output.as_ref().map_or(1 + rtl.sel_bits + rtl.neuron_bits, |o| o.event_bits);
    let t_bits = layer::index_bits(rtl.timesteps as u64);
    vec![
        Port::input("clk", 1, "clock"),
        Port::input("rst", 1, "synchronous reset"),
        Port::input("in_full", 1, "input slot holds the next item"),
        Port::input("in_count", rtl.input.count_bits(), "events in the input slot"),
        Port::output("in_rd_addr", rtl.input.addr_bits(), "event to read"),
        Port::input("in_rd_data", rtl.input.event_bits, "event {neg, sel, source}, one cycle later"),
        Port::output("in_release", 1, "done with the input slot"),
        Port::input("out_free", 1, "output slot may be filled"),
        Port::output("out_wr_en", 1, "write out_event"),
        Port::output("out_event", out_bits, "event {neg, sel, neuron}"),
        Port::output("out_commit", 1, "item complete"),
        Port::output("emit_valid", 1, "tap: event or score this cycle"),
        Port::output("emit_neuron", rtl.neuron_bits, "tap: its neuron"),
        Port::output("emit_sel", rtl.sel_bits, "tap: its plane or value"),
        Port::output("emit_neg", 1, "tap: negative spike"),
        Port::output("score_value", rtl.plan.membrane_bits, "readout: the score"),
        Port::output("item_done", 1, "tap: DONE cycle of an item"),
        Port::output("item_t", t_bits, "tap: timestep of the item"),
        Port::input("wt_wr_en", 1, "write a weight word (loaded weights only)"),
        Port::input("wt_wr_addr", rtl.weight_addr_bits(), "weight word address"),
        Port::input("wt_wr_data", rtl.weight_word_bits(), "weight word, lane 0 low"),
    ]
}

/// Whether a core port is one of [`weight_port_specs`]'s.
pub(crate) fn is_weight_port(name: &str) -> bool {
    name.contains("_wt_wr_")
}

/// The core's weight write ports of a layer with loaded weights: name, width, doc.
pub(crate) fn weight_port_specs(l: &LayerRtl) -> [(String, u32, String); 3] {
    let i = l.index;
    [
        (format!("l{i}_wt_wr_en"), 1, format!("layer {i}: write a weight word (only while idle)")),
        (format!("l{i}_wt_wr_addr"), l.weight_addr_bits(), "weight word address (source * G + group)".into()),
        (format!("l{i}_wt_wr_data"), l.weight_word_bits(), "weight word, lane 0 in the low bits".into()),
    ]
}

fn buffer_instance(i: usize, format: &EventFormat) -> Instance {
    let w = |s: &str| Expr::ident(&format!("b{i}_{s}"));
    Instance {
        module: "sf_event_buffer".into(),
        name: format!("u_buffer{i}"),
        params: vec![
            Param::int("WIDTH", format.event_bits as i64, "event word"),
            Param::int("ADDR_BITS", format.addr_bits() as i64, &format!("up to {} events per item", format.max_events)),
            Param::int("COUNT_BITS", format.count_bits() as i64, ""),
        ],
        connections: vec![
            ("clk".into(), Expr::ident("clk")),
            ("rst".into(), Expr::ident("rst")),
            ("wr_free".into(), w("wr_free")),
            ("wr_en".into(), w("wr_en")),
            ("wr_data".into(), w("wr_data")),
            ("wr_commit".into(), w("wr_commit")),
            ("rd_full".into(), w("rd_full")),
            ("rd_count".into(), w("rd_count")),
            ("rd_addr".into(), w("rd_addr")),
            ("rd_data".into(), w("rd_data")),
            ("rd_release".into(), w("rd_release")),
        ],
    }
}

fn buffer_wires(i: usize, format: &EventFormat) -> Vec<Item> {
    [
        ("wr_free", 1),
        ("wr_en", 1),
        ("wr_data", format.event_bits),
        ("wr_commit", 1),
        ("rd_full", 1),
        ("rd_count", format.count_bits()),
        ("rd_addr", format.addr_bits()),
        ("rd_data", format.event_bits),
        ("rd_release", 1),
    ]
    .into_iter()
    .map(|(n, width)| Item::Wire { name: format!("b{i}_{n}"), width })
    .collect()
}

/// The core: encoder, buffer 0, layer 0, buffer 1, layer 1, ... with debug taps as ports.
fn core_module(net: &Network, top: &str, layers: &[LayerRtl]) -> Module {
    let name = format!("{top}_core");
    let value = value_bits(net.input.max_value as u64);
    let mut m =
        Module::new(&name, &format!("Core of `{}`: input encoder and {} layer stages.", net.name, layers.len()));
    m.doc.push("Inputs stream in one value per accepted cycle; every layer's emitted events are".into());
    m.doc.push("visible on its tap ports (co-simulation compares them with the golden model).".into());
    m.ports.push(Port::input("clk", 1, "clock"));
    m.ports.push(Port::input("rst", 1, "synchronous reset"));
    m.ports.push(Port::input("in_valid", 1, "in_value holds the next input value"));
    m.ports.push(Port::output("in_ready", 1, "in_value taken"));
    m.ports.push(Port::input("in_value", value, &format!("input value 0..={}", net.input.max_value)));
    m.ports.push(Port::output("encoder_start", 1, "tap: encoder START cycle of an input"));
    for l in layers {
        let i = l.index;
        let t_bits = layer::index_bits(net.timesteps as u64);
        m.ports.push(Port::output(&format!("l{i}_emit_valid"), 1, &format!("tap: layer {i} emits")));
        m.ports.push(Port::output(&format!("l{i}_emit_neuron"), l.neuron_bits, "tap: neuron"));
        m.ports.push(Port::output(&format!("l{i}_emit_sel"), l.sel_bits, "tap: plane or value"));
        m.ports.push(Port::output(&format!("l{i}_emit_neg"), 1, "tap: negative spike"));
        m.ports.push(Port::output(&format!("l{i}_item_done"), 1, "tap: DONE cycle"));
        m.ports.push(Port::output(&format!("l{i}_item_t"), t_bits, "tap: timestep"));
    }
    let last = layers.last().expect("validated networks have layers");
    m.ports.push(Port::output("score_value", last.plan.membrane_bits, "last layer: score of the emitting neuron"));
    for l in layers.iter().filter(|l| l.loads_weights()) {
        for (name, width, doc) in weight_port_specs(l) {
            m.ports.push(Port::input(&name, width, &doc));
        }
    }

    // Encoder and the image buffer.
    let image = &layers[0].input;
    m.items.push(Item::Comment(vec!["Image event buffer: encoder -> layer 0 (read at every timestep).".into()]));
    m.items.extend(buffer_wires(0, image));
    m.items.push(Item::Instance(buffer_instance(0, image)));
    let in_table = net.input.code.table(net.input.max_value).expect("validated code");
    let k = net.input.code.planes() as u32;
    let masks: Vec<bool> = (0..=net.input.max_value)
        .flat_map(|v| {
            let mask = in_table.mask(v);
            (0..k).map(move |b| mask >> b & 1 == 1)
        })
        .collect();
    m.items.push(Item::Blank);
    m.items.push(Item::Instance(Instance {
        module: "sf_encoder".into(),
        name: "u_encoder".into(),
        params: vec![
            Param::int("M", net.input.size() as i64, "input values per input"),
            Param::int("SRC_BITS", image.source_bits as i64, ""),
            Param::int("VALUE_BITS", value as i64, ""),
            Param::int("MAX_VALUE", net.input.max_value as i64, ""),
            Param::int("K", k as i64, &format!("planes of the input code {}", net.input.code.label())),
            Param::int("SEL_BITS", image.sel_bits as i64, ""),
            Param::int(
                "PAYLOAD",
                i64::from(net.input.code == model::SpikeCode::Payload),
                "events carry the value itself",
            ),
            Param::bits("MASKS", masks, "canonical planes of each input value"),
        ],
        connections: vec![
            ("clk".into(), Expr::ident("clk")),
            ("rst".into(), Expr::ident("rst")),
            ("in_valid".into(), Expr::ident("in_valid")),
            ("in_ready".into(), Expr::ident("in_ready")),
            ("in_value".into(), Expr::ident("in_value")),
            ("out_free".into(), Expr::ident("b0_wr_free")),
            ("out_wr_en".into(), Expr::ident("b0_wr_en")),
            ("out_event".into(), Expr::ident("b0_wr_data")),
            ("out_commit".into(), Expr::ident("b0_wr_commit")),
            ("started".into(), Expr::ident("encoder_start")),
        ],
    }));
    for l in layers {
        let i = l.index;
        let is_last = i + 1 == layers.len();
        m.items.push(Item::Blank);
        if let Some(out) = &l.output {
            m.items.push(Item::Comment(vec![format!("Event buffer: layer {i} -> layer {}.", i + 1)]));
            m.items.extend(buffer_wires(i + 1, out));
            m.items.push(Item::Instance(buffer_instance(i + 1, out)));
            m.items.push(Item::Blank);
        }
        m.items.push(Item::Comment(vec![format!("Layer {i}: {}.", l.name)]));
        let b = |s: &str| Expr::ident(&format!("b{i}_{s}"));
        let nb = |s: &str| if is_last { Expr::Open } else { Expr::ident(&format!("b{}_{s}", i + 1)) };
        let tap = |s: &str| Expr::ident(&format!("l{i}_{s}"));
        let mut connections = vec![
            ("clk".to_string(), Expr::ident("clk")),
            ("rst".into(), Expr::ident("rst")),
            ("in_full".into(), b("rd_full")),
            ("in_count".into(), b("rd_count")),
            ("in_rd_addr".into(), b("rd_addr")),
            ("in_rd_data".into(), b("rd_data")),
            ("in_release".into(), b("rd_release")),
            ("out_free".into(), if is_last { Expr::constant(1, 1) } else { nb("wr_free") }),
            ("out_wr_en".into(), nb("wr_en")),
            ("out_event".into(), nb("wr_data")),
            ("out_commit".into(), nb("wr_commit")),
            ("emit_valid".into(), tap("emit_valid")),
            ("emit_neuron".into(), tap("emit_neuron")),
            ("emit_sel".into(), tap("emit_sel")),
            ("emit_neg".into(), tap("emit_neg")),
            ("score_value".into(), if is_last { Expr::ident("score_value") } else { Expr::Open }),
            ("item_done".into(), tap("item_done")),
            ("item_t".into(), tap("item_t")),
        ];
        let write_ports = ["wt_wr_en", "wt_wr_addr", "wt_wr_data"];
        for (port, (name, width, _)) in write_ports.into_iter().zip(weight_port_specs(l)) {
            let expr = if l.loads_weights() { Expr::ident(&name) } else { Expr::constant(width, 0) };
            connections.push((port.into(), expr));
        }
        // Outputs this position in the chain does not use are left open on purpose.
        m.items.push(Item::Lint { off: true, rule: "PINCONNECTEMPTY".into() });
        m.items.push(Item::Instance(Instance {
            module: l.module.clone(),
            name: format!("u_l{i}"),
            params: Vec::new(),
            connections,
        }));
        m.items.push(Item::Lint { off: false, rule: "PINCONNECTEMPTY".into() });
    }
    m
}

/// The simulation-only testbench `<model>_tb`: clock and records (`sf_tb_clock`), the input
/// stream (`sf_tb_source`), the core, and one recorder per layer (`sf_tb_tap`). It writes
/// the records the Verilator harness prints, so both simulators are checked by the same code.
fn testbench_module(net: &Network, core: &Module, layers: &[LayerRtl]) -> Module {
    let name = format!("{}_tb", core.name.trim_end_matches("_core"));
    let mut m = Module::new(&name, &format!("Simulation-only testbench of `{}` (Icarus Verilog).", core.name));
    m.doc.push("Plusargs: +inputs=FILE (one hex value per line) +items=N (inputs x timesteps)".into());
    m.doc.push("[+out=FILE] [+limit=CYCLES] [+vcd=FILE +vcd_first=A +vcd_last=B]; records as in sf_tb_clock.v.".into());
    let wire = |n: &str, width: u32| Item::Wire { name: n.into(), width };
    m.items.push(wire("clk", 1));
    m.items.push(wire("rst", 1));
    m.items.push(wire("cycle", 64));
    m.items.push(wire("fd", 32));
    let ports: Vec<(String, u32)> = core.ports.iter().map(|p| (p.name.clone(), p.width)).collect();
    // Loaded weights start from their files (SF_PRELOAD_WEIGHTS): the bench never writes them.
    for (port, width) in ports.iter().filter(|(p, _)| p != "clk" && p != "rst" && !is_weight_port(p)) {
        m.items.push(wire(port, *width));
    }
    let ident = Expr::ident;
    let last = layers.len() - 1;
    m.items.push(Item::Blank);
    m.items.push(Item::Instance(Instance {
        module: "sf_tb_clock".into(),
        name: "u_clock".into(),
        params: Vec::new(),
        connections: vec![
            ("clk".into(), ident("clk")),
            ("rst".into(), ident("rst")),
            ("cycle".into(), ident("cycle")),
            ("fd".into(), ident("fd")),
            ("encoder_start".into(), ident("encoder_start")),
            ("last_done".into(), ident(&format!("l{last}_item_done"))),
        ],
    }));
    m.items.push(Item::Blank);
    m.items.push(Item::Instance(Instance {
        module: "sf_tb_source".into(),
        name: "u_source".into(),
        params: vec![Param::int(
            "VALUE_BITS",
            value_bits(net.input.max_value as u64) as i64,
            "bits of one input value",
        )],
        connections: ["clk", "rst", "in_valid", "in_ready", "in_value"]
            .iter()
            .map(|p| (p.to_string(), ident(p)))
            .collect(),
    }));
    m.items.push(Item::Blank);
    m.items.push(Item::Instance(Instance {
        module: core.name.clone(),
        name: "u_core".into(),
        params: Vec::new(),
        connections: ports
            .iter()
            .map(|(p, w)| (p.clone(), if is_weight_port(p) { Expr::constant(*w, 0) } else { ident(p) }))
            .collect(),
    }));
    let t_bits = layer::index_bits(net.timesteps as u64);
    let readout = matches!(net.layers[last].neuron.kind, model::NeuronKind::Readout);
    for l in layers {
        let i = l.index;
        let has_score = i == last && readout;
        let tap = |s: &str| ident(&format!("l{i}_{s}"));
        m.items.push(Item::Blank);
        m.items.push(Item::Instance(Instance {
            module: "sf_tb_tap".into(),
            name: format!("u_tap{i}"),
            params: vec![
                Param::int("LAYER", i as i64, &l.name),
                Param::int("NEURON_BITS", l.neuron_bits as i64, ""),
                Param::int("SEL_BITS", l.sel_bits as i64, ""),
                Param::int("T_BITS", t_bits as i64, ""),
                Param::int("SCORE_BITS", if i == last { l.plan.membrane_bits as i64 } else { 1 }, ""),
                Param::int("HAS_SCORE", i64::from(has_score), if has_score { "readout scores" } else { "" }),
            ],
            connections: vec![
                ("clk".into(), ident("clk")),
                ("rst".into(), ident("rst")),
                ("cycle".into(), ident("cycle")),
                ("fd".into(), ident("fd")),
                ("emit_valid".into(), tap("emit_valid")),
                ("emit_neuron".into(), tap("emit_neuron")),
                ("emit_sel".into(), tap("emit_sel")),
                ("emit_neg".into(), tap("emit_neg")),
                ("score_value".into(), if i == last { ident("score_value") } else { Expr::constant(1, 0) }),
                ("item_done".into(), tap("item_done")),
                ("item_t".into(), tap("item_t")),
            ],
        }));
    }
    m
}

/// Write a design into `dir`. A non-empty directory is only written if an earlier
/// `spikeforge gen` wrote it (its manifest says so) or `force` is set; files listed in an
/// earlier manifest are removed first so no stale layer survives.
pub fn write_dir(design: &Design, dir: &Path, force: bool) -> Result<(), HdlError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| HdlError::Io { path, error }
    };
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
        let non_empty = entries.next().is_some();
        let previous = std::fs::read_to_string(dir.join(MANIFEST))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .filter(|v| v["generator"] == "spikeforge hdl-gen");
        if non_empty && previous.is_none() && !force {
            return Err(HdlError::NotEmpty { path: dir.to_path_buf() });
        }
        if let Some(files) = previous.as_ref().and_then(|v| v["files"].as_array()) {
            for f in files.iter().filter_map(|f| f.as_str()) {
                // Only plain file names, never paths out of the directory.
                if !f.contains('/') && !f.contains('\\') && f != ".." {
                    let _ = std::fs::remove_file(dir.join(f));
                }
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for (name, text) in &design.files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    Ok(())
}
