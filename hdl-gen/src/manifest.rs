//! The manifest (`manifest.json`) written next to the Verilog: one serde type, written by
//! [`crate::generate`] and read back by every tool through [`DesignInfo`].
//!
//! Architecture Invariant: the manifest is hdl-gen's format: only this module writes and
//! reads it, and a manifest of another [`MANIFEST_VERSION`] is refused, never guessed at.

use std::path::{Path, PathBuf};

use model::{HardwarePlan, Network, Stage, WeightStore};
use serde::{Deserialize, Serialize};

use crate::estimate::Estimate;
use crate::layer::LayerRtl;
use crate::pll::PllFamily;
use crate::{HdlError, MANIFEST, board, protocol};

/// [`Manifest::generator`] of every manifest spikeforge writes.
pub const GENERATOR: &str = "spikeforge hdl-gen";

/// The manifest format's version: bumped whenever a field changes meaning, appears or goes.
pub const MANIFEST_VERSION: u32 = 7;

/// The manifest written next to the Verilog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`MANIFEST_VERSION`] of the generator that wrote it.
    pub manifest_version: u32,
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
    /// Input values the encoder takes per cycle (the core's `in_value` holds as many).
    pub input_values_per_cycle: u32,
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

/// One layer in the manifest.
// No deny_unknown_fields: serde does not support it beside `flatten`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerManifest {
    /// Everything about the layer's hardware.
    #[serde(flatten)]
    pub rtl: LayerRtl,
    /// Resource estimate.
    pub estimate: Estimate,
    /// The cycle model for one item of this layer.
    pub cycles: String,
}

/// The board top in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// The board top behind an iCE40 PLL, as [`BoardManifest::ecp5_pll`].
    pub ice40_pll: PllManifest,
    /// The board top behind a Gowin PLL, as [`BoardManifest::ecp5_pll`].
    pub gowin_pll: PllManifest,
    /// Bytes one load request may carry (`None`: no layer's weights are loaded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_buffer: Option<u64>,
    /// The memories load requests write, in target order (empty: weights are in the bitstream).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loads: Vec<board::LoadTarget>,
}

impl BoardManifest {
    /// The board top behind `family`'s PLL.
    pub fn pll(&self, family: PllFamily) -> &PllManifest {
        match family {
            PllFamily::Ecp5 => &self.ecp5_pll,
            PllFamily::Ice40 => &self.ice40_pll,
            PllFamily::Gowin => &self.gowin_pll,
        }
    }

    /// Whether `file` belongs to a PLL top (synthesis only, one family at a time).
    pub fn is_pll_file(&self, file: &str) -> bool {
        PllFamily::ALL.into_iter().any(|family| self.pll(family).files.iter().any(|f| f == file))
    }
}

/// A clocked top in the manifest: its module and the files it adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PllManifest {
    /// Top module.
    pub top: String,
    /// Its files (library and generated wrapper), on top of the board top's.
    pub files: Vec<String>,
}

/// The Verilog testbench in the manifest: what an event-driven simulator compiles on top
/// of the design's sources.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestbenchManifest {
    /// Testbench top module (`<model>_tb`).
    pub top: String,
    /// Its own files (the design's sources come on top), sorted.
    pub files: Vec<String>,
    /// How to run it, for people.
    pub usage: String,
}

/// Only the version, read before the rest so an old manifest is named as old rather than
/// as missing a field.
#[derive(Deserialize)]
struct Versioned {
    manifest_version: Option<u32>,
}

impl Manifest {
    /// The manifest as written into the design directory.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plain data") + "\n"
    }

    /// Parse `text`, the manifest at `path` (named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, HdlError> {
        let bad = |e: serde_json::Error| HdlError::Manifest { path: path.to_path_buf(), reason: e.to_string() };
        let Versioned { manifest_version } = serde_json::from_str(text).map_err(bad)?;
        if manifest_version != Some(MANIFEST_VERSION) {
            return Err(HdlError::ManifestVersion { path: path.to_path_buf(), found: manifest_version });
        }
        serde_json::from_str(text).map_err(bad)
    }
}

/// A generated directory as tools see it: its [`Manifest`], and the views of it that
/// simulators and synthesis need.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignInfo {
    /// The directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
}

impl DesignInfo {
    /// Read `design_dir/manifest.json` (written by `spikeforge gen`).
    pub fn read(design_dir: &Path) -> Result<DesignInfo, HdlError> {
        let path = design_dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| HdlError::Manifest { path: path.clone(), reason: e.to_string() })?;
        Ok(DesignInfo { dir: design_dir.to_path_buf(), manifest: Manifest::parse(&text, &path)? })
    }

    /// Top module of the core.
    pub fn top(&self) -> &str {
        &self.manifest.top
    }

    /// Timesteps per input.
    pub fn timesteps(&self) -> u64 {
        self.manifest.timesteps as u64
    }

    /// Layers of the design.
    pub fn layers(&self) -> usize {
        self.manifest.layers.len()
    }

    /// The core's Verilog files, sorted: every `.v` but the testbench's and the board's.
    pub fn sources(&self) -> Vec<String> {
        let (bench, board) = (&self.manifest.testbench, &self.manifest.board);
        let elsewhere = |f: &String| bench.files.contains(f) || board.files.contains(f) || board.is_pll_file(f);
        self.files(".v").into_iter().filter(|f| !elsewhere(f)).collect()
    }

    /// Verilog include files (`.vh`), sorted: copied and hashed, not compiled on their own.
    pub fn includes(&self) -> Vec<String> {
        self.files(".vh")
    }

    fn files(&self, ext: &str) -> Vec<String> {
        let mut files: Vec<String> = self.manifest.files.iter().filter(|f| f.ends_with(ext)).cloned().collect();
        files.sort();
        files
    }

    /// The simulation-only Verilog testbench.
    pub fn testbench(&self) -> &TestbenchManifest {
        &self.manifest.testbench
    }

    /// The board top.
    pub fn board(&self) -> &BoardManifest {
        &self.manifest.board
    }

    /// Membrane width of the last layer (the score width).
    pub fn score_bits(&self) -> u64 {
        self.manifest.layers.last().map_or(32, |l| l.rtl.plan.membrane_bits as u64)
    }

    /// The plan the design was generated with, for `net`: lanes, conv membrane banks and
    /// sets, and loaded layers from the manifest. A design generated from another model (name, timesteps or layer shapes)
    /// is refused with one line naming both.
    pub fn plan_for(&self, net: &Network) -> Result<HardwarePlan, HdlError> {
        let m = &self.manifest;
        let other = |reason: String| HdlError::OtherModel { dir: self.dir.clone(), reason };
        if m.model != net.name {
            return Err(other(format!("from model `{}`, not `{}`", m.model, net.name)));
        }
        if m.layers.len() != net.layers.len() {
            return Err(other(format!("for {} layers, model `{}` has {}", m.layers.len(), net.name, net.layers.len())));
        }
        if m.timesteps != net.timesteps {
            return Err(other(format!("for {} timesteps, model `{}` has {}", m.timesteps, net.name, net.timesteps)));
        }
        for (i, (l, layer)) in m.layers.iter().zip(&net.layers).enumerate() {
            let (built, model) =
                ((l.rtl.plan.inputs, l.rtl.plan.neurons), (layer.inputs() as u32, layer.outputs() as u32));
            if built != model {
                return Err(other(format!(
                    "with layer {i} of {} -> {}, model `{}` has {} -> {}",
                    built.0, built.1, net.name, model.0, model.1
                )));
            }
        }
        let lanes: Vec<u32> = m.layers.iter().map(|l| l.rtl.plan.lanes).collect();
        let loaded: Vec<usize> =
            m.layers.iter().filter(|l| l.rtl.plan.weights == WeightStore::Loaded).map(|l| l.rtl.index).collect();
        let mut plan = HardwarePlan::per_layer(net, &lanes)?
            .with_loaded_weights(&loaded)?
            .with_values_per_cycle(net, m.input_values_per_cycle)?;
        for (index, l) in m.layers.iter().enumerate() {
            if let Some(banks) = l.rtl.plan.stage.banks() {
                plan = plan.with_banks(net, index, banks)?;
            }
            if let (Some(sets), Stage::Conv { sets: s, .. }) = (l.rtl.plan.stage.sets(), &mut plan.layers[index].stage)
            {
                *s = sets;
            }
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written() -> (String, PathBuf) {
        let net = model::examples::tiny_network();
        let design = crate::generate(&net, &HardwarePlan::uniform(&net, 2).unwrap()).unwrap();
        (design.files[MANIFEST].clone(), PathBuf::from("rtl").join(MANIFEST))
    }

    #[test]
    fn reads_back_what_it_writes() {
        let net = model::examples::tiny_network();
        let plan = HardwarePlan::per_layer(&net, &[2, 3]).unwrap().with_loaded_weights(&[0]).unwrap();
        let design = crate::generate(&net, &plan).unwrap();
        let read = Manifest::parse(&design.files[MANIFEST], Path::new("m.json")).unwrap();
        assert_eq!(read.to_json(), design.files[MANIFEST]);
        let info = DesignInfo { dir: "rtl".into(), manifest: read };
        assert_eq!(info.plan_for(&net).unwrap(), plan);
    }

    #[test]
    fn a_conv_designs_banks_are_read_back() {
        let net = model::examples::fuzz_conv_hardware_network(0);
        let plan = HardwarePlan::uniform(&net, 2)
            .unwrap()
            .with_conv_banks(&net, u32::MAX)
            .unwrap()
            .with_membrane_sets(model::MembraneSets::One);
        assert_ne!(plan, HardwarePlan::uniform(&net, 2).unwrap(), "the most banks are not the default");
        let design = crate::generate(&net, &plan).unwrap();
        let info = DesignInfo {
            dir: "rtl".into(),
            manifest: Manifest::parse(&design.files[MANIFEST], Path::new("m")).unwrap(),
        };
        assert_eq!(info.plan_for(&net).unwrap(), plan);
    }

    #[test]
    fn a_missing_or_unknown_field_is_named_with_the_path() {
        let (text, path) = written();
        let e = Manifest::parse(&text.replace("\"top\": \"tiny_core\",", ""), &path).unwrap_err().to_string();
        assert!(e.starts_with("rtl/manifest.json: ") && e.contains("missing field `top`"), "{e}");
        let e = Manifest::parse(&text.replace("\"timesteps\": 2,", "\"timesteps\": 2, \"extra\": 1,"), &path)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `extra`"), "{e}");
    }

    #[test]
    fn an_older_manifest_is_refused_with_the_way_out() {
        let (text, path) = written();
        let old = text.replace(&format!("\"manifest_version\": {MANIFEST_VERSION},"), "");
        let e = Manifest::parse(&old, &path).unwrap_err().to_string();
        assert!(e.contains("rtl/manifest.json") && e.contains("re-run `spikeforge gen`"), "{e}");
    }

    #[test]
    fn another_models_design_is_refused_naming_both() {
        let (text, path) = written();
        let info = DesignInfo { dir: "rtl".into(), manifest: Manifest::parse(&text, &path).unwrap() };
        let mut other = model::examples::tiny_network();
        other.name = "other".into();
        let e = info.plan_for(&other).unwrap_err().to_string();
        assert_eq!(e, "rtl was generated from model `tiny`, not `other`");
        let longer = model::Network { timesteps: 3, ..model::examples::tiny_network() };
        let e = info.plan_for(&longer).unwrap_err().to_string();
        assert_eq!(e, "rtl was generated for 2 timesteps, model `tiny` has 3");
    }
}
