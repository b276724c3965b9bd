//! Convolutional networks in the trainer: every neuron kind trains through conv layers with
//! padding, sum and max pooling, and the exported model's integer forward matches the golden
//! model bit for bit on every input; the integer forward's conv and pooling also match the
//! golden model on random conv networks the trainer never made.
#![cfg(feature = "tch")]

mod common;

use common::golden_scores;
use datasets::Split;
use model::{LayerOp, Network, NeuronKind};
use train::{NeuronChoice, Quiet, TrainConfig, train};

fn quick(neuron: NeuronChoice, arch: &str, timesteps: u32) -> TrainConfig {
    let mut cfg = TrainConfig::new(neuron);
    cfg.name = format!("synthetic-conv-{}", neuron.name());
    cfg.arch = Some(arch.parse().unwrap());
    cfg.timesteps = timesteps;
    cfg.learnable_threshold = timesteps == 1;
    cfg.weight_bits = 6;
    cfg.epochs = 12;
    cfg.batch_size = 32;
    cfg.learning_rate = 5e-3;
    cfg.max_spike_cap = 7;
    cfg.threads = 1;
    cfg
}

fn integer_matches_golden(net: &Network, images: &[u8], tag: &str) -> Vec<usize> {
    let run = train::integer::forward(net, images);
    let (scores, classes) = golden_scores(net, images);
    assert_eq!(run.scores, scores, "{tag}: integer forward and golden model disagree");
    assert_eq!(run.classes, classes, "{tag}");
    classes
}

fn accuracy(classes: &[usize], split: &Split) -> f64 {
    let correct = classes.iter().zip(&split.test.labels).filter(|(c, l)| **c == **l as usize).count();
    100.0 * correct as f64 / split.test.len() as f64
}

#[test]
fn every_neuron_kind_trains_conv_layers_and_exports_bit_exact() {
    let split = datasets::synthetic(3, 60);
    for (neuron, arch, timesteps) in [
        (NeuronChoice::Lms, "c4k3p1-mp2-c6k3p1-sp2-fc4", 1),
        (NeuronChoice::Ternary, "c4k3p1-sp2-c6k3s2p1-fc4", 1),
        (NeuronChoice::Binary, "c4k3p1-mp2-c6k3-fc4", 3),
        (NeuronChoice::Lms, "c4k5p2-sp2-fc4", 2),
    ] {
        let cfg = quick(neuron, arch, timesteps);
        let tag = format!("{} {arch} T={timesteps}", neuron.name());
        let started = std::time::Instant::now();
        let (net, report) = train(&cfg, &split, &Quiet).unwrap();
        println!(
            "{tag}: loss {:.3} -> {:.3}, float {:.1}%, integer {:.1}% in {:.1} s",
            report.epochs[0].loss,
            report.epochs.last().unwrap().loss,
            report.float_accuracy,
            report.integer_accuracy,
            started.elapsed().as_secs_f64()
        );
        net.validate().unwrap();
        let ops: Vec<&str> = net.layers.iter().map(|l| l.op.name()).collect();
        assert_eq!(ops.len(), cfg.arch.as_ref().unwrap().layers.len(), "{tag}: {ops:?}");
        assert!(matches!(net.layers[0].op, LayerOp::Conv2d(_)), "{tag}");
        assert!(matches!(net.layers.last().unwrap().neuron.kind, NeuronKind::Readout), "{tag}");
        for (i, l) in net.layers.iter().enumerate() {
            if l.is_pooling() {
                assert_eq!(l.neuron.kind, net.layers[i - 1].neuron.kind, "{tag}: pooling carries its feeder's kind");
                assert!(l.histogram.is_none());
            } else if i + 1 < net.layers.len() {
                assert!(l.histogram.is_some(), "{tag}: layer {i} has no histogram");
            }
        }
        // It learns: far above chance (25%).
        assert!(report.integer_accuracy > 70.0, "{tag}: integer accuracy {}", report.integer_accuracy);

        let classes = integer_matches_golden(&net, &split.test.images, &tag);
        assert_eq!(report.integer_accuracy, accuracy(&classes, &split), "{tag}");
        let dir = testkit::scratch_dir("train-conv");
        let path = dir.join("model.sfm.json");
        model::file::save(&net, &path, model::file::Overwrite::Allow).unwrap();
        assert_eq!(model::file::load(&path).unwrap(), net, "{tag}");
    }
}

/// With `--batch-norm` every neuron kind trains through conv layers (padding, both
/// poolings) and hidden dense layers, the batch normalization folds into the exported
/// weights and biases (the file has no trace of it), and the golden model reproduces the
/// trainer's integer forward bit for bit.
#[test]
fn batch_normalized_networks_fold_and_export_bit_exact() {
    let split = datasets::synthetic(3, 60);
    for (neuron, arch, timesteps) in [
        (NeuronChoice::Lms, "c4k3p1-mp2-c6k3p1-sp2-fc16-fc4", 1),
        (NeuronChoice::Ternary, "c4k3p1-sp2-c6k3s2p1-fc4", 1),
        (NeuronChoice::Binary, "c4k3p1-mp2-c6k3-fc4", 3),
    ] {
        let mut cfg = quick(neuron, arch, timesteps);
        cfg.batch_norm = true;
        cfg.epochs = 10;
        let tag = format!("batch-norm {} {arch} T={timesteps}", neuron.name());
        let (net, report) = train(&cfg, &split, &Quiet).unwrap();
        println!("{tag}: float {:.1}%, integer {:.1}%", report.float_accuracy, report.integer_accuracy);
        net.validate().unwrap();
        assert_eq!(net.layers.len(), cfg.arch.as_ref().unwrap().layers.len(), "{tag}");
        assert!(net.description.contains("batch normalization folded"), "{tag}: {}", net.description);
        assert!(report.integer_accuracy > 70.0, "{tag}: integer accuracy {}", report.integer_accuracy);
        let classes = integer_matches_golden(&net, &split.test.images, &tag);
        assert_eq!(report.integer_accuracy, accuracy(&classes, &split), "{tag}");
        // Training without it differs: the option reaches the network.
        cfg.batch_norm = false;
        let (plain, _) = train(&cfg, &split, &Quiet).unwrap();
        assert_ne!(plain.layers[0].op, net.layers[0].op, "{tag}");
    }
}

/// A conv training is a pure function of its seed, and an architecture the data or the model
/// file cannot take is refused before training, naming the option and the layer.
#[test]
fn conv_training_is_deterministic_and_refuses_bad_architectures() {
    let split = datasets::synthetic(5, 10);
    let mut cfg = quick(NeuronChoice::Binary, "c2k3p1-sp2-fc4", 2);
    cfg.epochs = 1;
    let (a, _) = train(&cfg, &split, &Quiet).unwrap();
    let (b, _) = train(&cfg, &split, &Quiet).unwrap();
    assert_eq!(a, b);
    for (arch, needle) in
        [("c2k3-sp4-fc4", "do not tile"), ("c2k3p1-fc10", "needs 4 outputs"), ("c2k3-sp2", "fc<classes>")]
    {
        let mut bad = cfg.clone();
        bad.arch = Some(arch.parse().unwrap());
        let e = train(&bad, &split, &Quiet).unwrap_err().to_string();
        assert!(e.contains("arch") && e.contains(needle), "{arch}: {e}");
    }
}

/// The integer forward's conv (every stride and padding) and pooling against the golden
/// model on random conv networks of every neuron kind, inputs drawn in each input's range.
#[test]
fn the_integer_forward_matches_the_golden_model_on_random_conv_networks() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for seed in 0..150 {
        let net = model::examples::fuzz_conv_network(seed);
        let max = net.input.max_value as u64;
        let images: Vec<u8> = (0..net.input.size() * 8).map(|_| (next() % (max + 1)) as u8).collect();
        integer_matches_golden(&net, &images, &format!("fuzz_conv_network({seed})"));
    }
}

/// The same with `leak:K` decays laid over them (`v - floor(v / 2^k)` in int64).
#[test]
fn the_integer_forward_matches_the_golden_model_with_leaky_decays() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for seed in 0..60 {
        let net = model::examples::with_random_leaks(model::examples::fuzz_conv_network(seed), seed);
        let max = net.input.max_value as u64;
        let images: Vec<u8> = (0..net.input.size() * 8).map(|_| (next() % (max + 1)) as u8).collect();
        integer_matches_golden(&net, &images, &format!("leaky fuzz_conv_network({seed})"));
    }
}
