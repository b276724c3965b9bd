//! Exported graphs mean what the model computes, and NIR files survive a write and a read.

use model::examples::{fuzz_conv_hardware_network, fuzz_network};
use model::{Decay, LayerOp, Network, Neuron, NeuronKind, Reset};
use nir::float::FloatNet;
use nir::{NirGraph, NirNode};
use proptest::prelude::*;
use sim::golden::Golden;

/// `net` with every layer made exportable: binary LIF, hard reset, `clear` (stateless: the
/// only decay whose float run equals the integer one bit for bit), a `keep` readout last,
/// sum pooling for max pooling, no lateral connections. `None` if that breaks a rule.
fn exportable(mut net: Network) -> Option<Network> {
    let last = net.layers.len() - 1;
    for (i, layer) in net.layers.iter_mut().enumerate() {
        layer.lateral = None;
        layer.histogram = None;
        if let LayerOp::MaxPool2d(p) = &layer.op {
            layer.op = LayerOp::SumPool2d(p.clone());
        }
        layer.neuron = if layer.is_pooling() {
            Neuron::pooling(NeuronKind::BinaryLif)
        } else if i == last {
            Neuron { kind: NeuronKind::Readout, threshold_shift: 0, decay: Decay::Keep, reset: Reset::Hard }
        } else {
            Neuron { decay: Decay::Clear, reset: Reset::Hard, kind: NeuronKind::BinaryLif, ..layer.neuron.clone() }
        };
    }
    net.validate().ok().map(|_| net)
}

fn inputs(net: &Network, seed: u64) -> Vec<Vec<u8>> {
    let mut state = seed | 1;
    (0..3)
        .map(|_| {
            (0..net.input.size())
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state % (net.input.max_value as u64 + 1)) as u8
                })
                .collect()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Dense and conv networks (pooling included) with stateless binary neurons: the NIR
    /// graph run in float gives the golden model's scores exactly (thresholds `2^q - 1/2`
    /// turn NIR's `v > θ` into the integer `u >= 2^q`).
    #[test]
    fn an_exported_graph_runs_like_the_model(seed in any::<u64>(), conv in any::<bool>()) {
        let net = if conv { fuzz_conv_hardware_network(seed) } else { fuzz_network(seed) };
        let Some(net) = exportable(net) else { return Ok(()) };
        let dt = 0.25;
        let graph = nir::export::export(&net, dt).unwrap();
        let float = FloatNet::new(&graph, dt, 1.0, net.timesteps).unwrap();
        let golden = Golden::new(&net).unwrap();
        for pixels in inputs(&net, seed) {
            let want: Vec<f64> = golden.trace(&pixels).unwrap().scores.iter().map(|&s| s as f64).collect();
            let got = float.scores(&pixels).unwrap();
            prop_assert_eq!(want, got, "network {}", net.name);
        }
    }
}

#[test]
fn a_written_graph_reads_back_equal() {
    let net = exportable(fuzz_conv_hardware_network(3)).expect("seed 3 exports");
    let graph = nir::export::export(&net, 1e-4).unwrap();
    let dir = testkit::scratch_dir("nir-file");
    let path = dir.join("net.nir");
    nir::file::write(&graph, &path, nir::file::Overwrite::Refuse).unwrap();
    let back = nir::file::read(&path).unwrap();
    // float32 on disk: compare through f32
    let f32ed = |g: &NirGraph| -> NirGraph {
        let mut g = g.clone();
        for node in g.nodes.values_mut() {
            if let NirNode::Lif { tau, r, .. } = node {
                tau.mapv_inplace(|v| v as f32 as f64);
                r.mapv_inplace(|v| v as f32 as f64);
            }
        }
        g
    };
    assert_eq!(f32ed(&graph), back);
    let again = nir::file::write(&graph, &path, nir::file::Overwrite::Refuse).unwrap_err();
    assert_eq!(again.to_string(), format!("{}: already exists", path.display()));
    assert!(!dir.join("net.nir.partial").exists());
}

#[test]
fn a_file_that_is_not_hdf5_is_one_clear_error() {
    let dir = testkit::scratch_dir("nir-bad");
    let path = dir.join("bad.nir");
    std::fs::write(&path, b"{\"not\": \"hdf5\"}").unwrap();
    let e = nir::file::read(&path).unwrap_err().to_string();
    assert_eq!(e, format!("{}: /: not an HDF5 file (a NIR graph is one: nir.write writes it)", path.display()));
    let missing = nir::file::read(&dir.join("missing.nir")).unwrap_err().to_string();
    assert!(missing.contains("No such file"), "{missing}");
    assert!(!e.contains('\n'), "{e}");
}

#[test]
fn ternary_integer_and_soft_reset_layers_are_refused_by_name() {
    let mut net = exportable(fuzz_network(5)).expect("seed 5 exports");
    net.layers[0].neuron.kind = NeuronKind::Ternary;
    let e = nir::export::export(&net, 1e-4).unwrap_err().to_string();
    assert!(e.starts_with(&format!("node {} (dense): ternary neurons", net.layers[0].name)), "{e}");
    net.layers[0].neuron.kind = NeuronKind::BinaryLif;
    net.layers[0].neuron.reset = Reset::Soft;
    let e = nir::export::export(&net, 1e-4).unwrap_err().to_string();
    assert!(e.contains("soft reset"), "{e}");
}

#[test]
fn most_fuzz_networks_are_exportable() {
    // the property above must not pass by skipping everything
    let dense = (0..50).filter(|&s| exportable(fuzz_network(s)).is_some()).count();
    let conv = (0..50).filter(|&s| exportable(fuzz_conv_hardware_network(s)).is_some()).count();
    assert!(dense >= 25 && conv >= 25, "exportable: {dense}/50 dense, {conv}/50 conv");
}
