//! # spikeforge `hdl-gen`: Verilog for a spiking network
//!
//! From a validated [`model::Network`] and a [`model::HardwarePlan`], [`generate`] builds a
//! [`Design`]: the hand-written RTL library (`hdl-gen/rtl/sf_*.v`, copied verbatim),
//! `sf_defs.vh` (the codes and timing constants it shares with Rust, [`defs`]), one
//! generated wrapper per layer that sizes `sf_layer` with documented parameters, the
//! `<name>_core` top that chains encoder, event buffers and layers, the testbench and board
//! tops, the memory initialization files ([`memory`]), and the [`Manifest`] that tools read
//! back through [`DesignInfo`]. [`write_dir`] puts it on disk; [`resources`] estimates a
//! plan without building it.
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
mod core;
pub mod defs;
mod error;
mod estimate;
pub mod layer;
mod manifest;
pub mod memory;
pub mod pll;
pub mod protocol;
mod testbench;
pub mod verilog;
mod wrapper;
mod write;

use std::collections::BTreeMap;

use model::timing::{HANDOFF, conv_item_cycles, encoder_item_cycles, layer_item_cycles};
use model::{HardwarePlan, Network};

pub use crate::error::HdlError;
use crate::estimate::estimate;
pub use crate::estimate::{Estimate, MemoryKind, MemoryShape, PlanResources, resources};
use crate::layer::{LayerRtl, identifier, layer_rtl, value_bits};
pub use crate::manifest::{
    BoardManifest, DesignInfo, LayerManifest, MANIFEST_VERSION, Manifest, PllManifest, TestbenchManifest,
};
use crate::pll::PllFamily;
pub use crate::testbench::TESTBENCH_LIBRARY;
use crate::verilog::Module;
pub use crate::write::write_dir;

/// The hand-written library, copied into every generated directory.
pub const LIBRARY: [(&str, &str); 9] = [
    ("sf_event_buffer.v", include_str!("../rtl/sf_event_buffer.v")),
    ("sf_emit_search.v", include_str!("../rtl/sf_emit_search.v")),
    ("sf_lane.v", include_str!("../rtl/sf_lane.v")),
    ("sf_neuron.vh", include_str!("../rtl/sf_neuron.vh")),
    ("sf_scale.vh", include_str!("../rtl/sf_scale.vh")),
    ("sf_mask.vh", include_str!("../rtl/sf_mask.vh")),
    ("sf_encoder.v", include_str!("../rtl/sf_encoder.v")),
    ("sf_layer.v", include_str!("../rtl/sf_layer.v")),
    ("sf_conv.v", include_str!("../rtl/sf_conv.v")),
];

/// Name of the manifest file in a generated directory.
pub const MANIFEST: &str = "manifest.json";

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
        v.extend(
            self.files
                .keys()
                .filter(|f| {
                    f.ends_with(".v")
                        && !f.starts_with("sf_")
                        && !bench.contains(f)
                        && !board.contains(f)
                        && !self.manifest.board.is_pll_file(f)
                })
                .cloned(),
        );
        v
    }
}

pub(crate) fn layer_rtls(net: &Network, plan: &HardwarePlan, top: &str) -> Vec<LayerRtl> {
    let bounds = model::bounds::analyze(net);
    (0..net.layers.len()).map(|i| layer_rtl(net, &bounds[i], &plan.layers[i], i, top)).collect()
}

pub(crate) fn check_plan(net: &Network, plan: &HardwarePlan) -> Result<(), HdlError> {
    net.validate()?;
    net.require_hardware()?;
    // The field is public: a plan built by hand is checked as `with_values_per_cycle` would.
    HardwarePlan::check_values_per_cycle(net, plan.values_per_cycle)?;
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
    files.insert(defs::DEFS_FILE.to_string(), defs::defs_header());
    for rtl in layers.iter().filter(|l| l.plan.stage != model::Stage::FusedPool) {
        files.insert(format!("{}.v", rtl.module), wrapper::layer_wrapper(net, rtl).to_string());
        files.insert(rtl.weights_file.clone(), memory::weight_memory(net, rtl));
        files.insert(rtl.bias_file.clone(), memory::bias_memory(net, rtl));
    }
    let chunk = plan.values_per_cycle;
    let core = core::core_module(net, &top, &layers, chunk);
    files.insert(format!("{}.v", core.name), core.to_string());
    let bench = testbench::testbench_module(net, &core, &layers, chunk);
    let bench_files = add_top(&mut files, &TESTBENCH_LIBRARY, &bench);
    let (board_top, reply) = board::board_module(net, &core, &layers, chunk);
    let mut board_library = board::BOARD_LIBRARY.to_vec();
    let loads = board::load_targets(&layers);
    if !loads.is_empty() {
        board_library.push(board::WEIGHT_LOADER_LIBRARY);
    }
    let board_files = add_top(&mut files, &board_library, &board_top);
    let [ecp5_pll, ice40_pll, gowin_pll] = PllFamily::ALL.map(|family| {
        let top = pll::pll_module(&board_top, family);
        PllManifest { files: add_top(&mut files, &family.library(), &top), top: top.name }
    });
    let mut names: Vec<String> = files.keys().cloned().collect();
    names.push(MANIFEST.to_string());
    names.sort();
    let manifest = Manifest {
        manifest_version: MANIFEST_VERSION,
        generator: manifest::GENERATOR.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        model: net.name.clone(),
        top: core.name.clone(),
        timesteps: net.timesteps,
        inputs: net.input.size() as u64,
        input_value_bits: value_bits(net.input.max_value as u64),
        input_values_per_cycle: chunk,
        layers: layers
            .iter()
            .map(|l| LayerManifest {
                estimate: estimate(l),
                cycles: match l.plan.stage {
                    model::Stage::Dense => {
                        format!("{} over G = {} groups", layer_item_cycles(l.plan.lateral, None), l.plan.groups)
                    }
                    model::Stage::Conv { .. } => conv_item_cycles(Some(l.plan.groups)),
                    model::Stage::FusedPool => format!("inside layer {}'s conv stage", l.index - 1),
                },
                rtl: l.clone(),
            })
            .collect(),
        timing: format!(
            "per input: encoder {} ({}); a stage starts {HANDOFF} cycle after its own previous item is done, its \
             input item committed and its output slot released (ARCHITECTURE.md)",
            encoder_item_cycles(chunk),
            if chunk > 1 { "e_c = events of chunk c" } else { "e_i = events of value i" }
        ),
        files: names,
        testbench: TestbenchManifest { top: bench.name.clone(), files: bench_files, usage: testbench::USAGE.into() },
        board: BoardManifest {
            top: board_top.name.clone(),
            files: board_files,
            reply,
            ecp5_pll,
            ice40_pll,
            gowin_pll,
            load_buffer: board::load_buffer_bytes(&layers),
            loads,
        },
    };
    files.insert(MANIFEST.to_string(), manifest.to_json());
    Ok(Design { top: core.name, layers, files, manifest })
}
