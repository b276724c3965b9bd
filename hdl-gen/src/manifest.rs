//! The manifest (`manifest.json`) written next to the Verilog, and what tools read back
//! from it.

use std::path::Path;

use serde::Serialize;

use crate::estimate::Estimate;
use crate::layer::LayerRtl;
use crate::{HdlError, MANIFEST, board, protocol};

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

/// A clocked top in the manifest: its module and the files it adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PllManifest {
    /// Top module.
    pub top: String,
    /// Its files (library and generated wrapper).
    pub files: Vec<String>,
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
