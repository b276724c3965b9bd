//! The trainer end to end on small data: it learns, the exported model survives the file
//! format, and the golden model reproduces the trainer's integer forward bit for bit for
//! every neuron kind, with and without lateral connections.
#![cfg(feature = "tch")]

mod common;

use common::golden_scores;
use datasets::Split;
use model::{Network, NeuronKind};
use sim::Golden;
use train::{NeuronChoice, Quiet, TrainConfig, train};

fn quick(neuron: NeuronChoice) -> TrainConfig {
    let mut cfg = TrainConfig::new(neuron);
    cfg.name = format!("synthetic-{}", neuron.name());
    cfg.hidden = vec![24];
    cfg.timesteps = 3;
    cfg.weight_bits = 6;
    cfg.epochs = 6;
    cfg.batch_size = 32;
    cfg.learning_rate = 5e-3;
    cfg.max_spike_cap = 7;
    cfg.threads = 1;
    cfg
}

#[test]
fn every_neuron_kind_learns_and_exports_bit_exact() {
    let split = datasets::synthetic(3, 60);
    for neuron in [NeuronChoice::Lms, NeuronChoice::Ternary, NeuronChoice::Binary] {
        let cfg = quick(neuron);
        let started = std::time::Instant::now();
        let (net, report) = train(&cfg, &split, &Quiet).unwrap();
        println!(
            "{}: loss {:.3} -> {:.3}, float {:.1}%, integer {:.1}% in {:.1} s",
            neuron.name(),
            report.epochs[0].loss,
            report.epochs.last().unwrap().loss,
            report.float_accuracy,
            report.integer_accuracy,
            started.elapsed().as_secs_f64()
        );
        // It learns: the loss falls and the exported integers classify far above chance (25%).
        assert!(report.epochs.last().unwrap().loss < report.epochs[0].loss * 0.8, "{neuron:?}: {report:?}");
        assert!(report.integer_accuracy > 70.0, "{neuron:?}: integer accuracy {}", report.integer_accuracy);
        assert!(net.provenance.trained);
        net.validate().unwrap();
        match (&net.layers[0].neuron.kind, neuron) {
            (NeuronKind::Integer { max_spike, .. }, NeuronChoice::Lms) => assert!(*max_spike >= 1),
            (NeuronKind::Ternary, NeuronChoice::Ternary) | (NeuronKind::BinaryLif, NeuronChoice::Binary) => {}
            (k, n) => panic!("{n:?} exported as {k:?}"),
        }
        assert!(net.layers[0].histogram.is_some(), "calibration stores the histogram");
        assert!(net.layers.iter().all(|l| l.lateral.is_none()));
        golden_agrees_and_file_round_trips(&net, &split, report.integer_accuracy, neuron.name());
    }
}

/// The golden model reproduces the trainer's integer forward on every test input (and so
/// the report's integer accuracy), and the model survives the file format.
fn golden_agrees_and_file_round_trips(net: &Network, split: &Split, integer_accuracy: f64, tag: &str) {
    let run = train::integer::forward(net, &split.test.images);
    let (scores, classes) = golden_scores(net, &split.test.images);
    assert_eq!(run.scores, scores, "{tag}: integer forward and golden model disagree");
    assert_eq!(run.classes, classes);
    let correct = classes.iter().zip(&split.test.labels).filter(|(c, l)| **c == **l as usize).count();
    assert_eq!(integer_accuracy, 100.0 * correct as f64 / split.test.len() as f64);

    let dir = testkit::scratch_dir(&format!("train-{tag}"));
    let path = dir.join("model.sfm.json");
    model::file::save(net, &path, model::file::Overwrite::Allow).unwrap();
    let loaded = model::file::load(&path).unwrap();
    assert_eq!(&loaded, net);
    loaded.validate().unwrap();
}

/// `--lateral`: every hidden layer exports a trained lateral matrix that validates and
/// survives the file, the lateral pass changes spikes, the integer forward matches the golden
/// model bit for bit, and the network learns. T = 1 with a learned threshold (the
/// single-timestep setting), and T = 3 so BPTT runs through the lateral pass too.
#[test]
fn lateral_layers_learn_and_export_bit_exact() {
    let split = datasets::synthetic(3, 60);
    for (neuron, timesteps) in [(NeuronChoice::Lms, 1), (NeuronChoice::Ternary, 1), (NeuronChoice::Binary, 3)] {
        let mut cfg = quick(neuron);
        cfg.name = format!("synthetic-{}-lateral", neuron.name());
        cfg.lateral = true;
        cfg.timesteps = timesteps;
        cfg.learnable_threshold = timesteps == 1;
        let (net, report) = train(&cfg, &split, &Quiet).unwrap();
        let tag = format!("{}-lateral", neuron.name());
        println!(
            "{tag}, T = {timesteps}: loss {:.3} -> {:.3}, float {:.1}%, integer {:.1}%",
            report.epochs[0].loss,
            report.epochs.last().unwrap().loss,
            report.float_accuracy,
            report.integer_accuracy
        );
        assert!(report.epochs.last().unwrap().loss < report.epochs[0].loss * 0.8, "{tag}: {report:?}");
        assert!(report.integer_accuracy > 70.0, "{tag}: integer accuracy {}", report.integer_accuracy);

        let (hidden, out) = (&net.layers[0], &net.layers[1]);
        let lateral = hidden.lateral.as_ref().expect("the hidden layer has lateral connections");
        assert_eq!(lateral.weights.len(), 24 * 24);
        assert!(lateral.weights.iter().any(|&r| r != 0), "{tag}: R trained to all zeros");
        let limit = (1i32 << (cfg.weight_bits - 1)) - 1;
        assert!(lateral.weights.iter().all(|r| r.abs() <= limit), "{tag}: R beyond {}-bit", cfg.weight_bits);
        assert_eq!(lateral.weight_bits, train::quant::signed_bits(lateral.weights.iter().map(|&r| r as i64)));
        assert!(out.lateral.is_none(), "the readout layer has no lateral connections");
        assert_eq!(report.layers[0].lateral_bits, Some(lateral.weight_bits));
        assert_eq!(report.layers[1].lateral_bits, None);

        golden_agrees_and_file_round_trips(&net, &split, report.integer_accuracy, &tag);

        // The trained R may flip no spike on this toy data: hold the integer forward to the
        // golden model on the same network with a strong R (up to θ/2 per unit spike, through
        // the lateral shift) too, where the lateral pass changes many spikes.
        let mut strong = net.clone();
        let n = 24usize;
        let shift = strong.layers[0].neuron.threshold_shift.saturating_sub(3);
        let weights: Vec<i32> = (0..n * n).map(|i| (((i / n) * 7 + (i % n) * 13) % 9) as i32 - 4).collect();
        strong.layers[0].lateral = Some(model::Lateral { weight_bits: 4, shift, weights });
        strong.validate().unwrap();
        let golden = Golden::new(&strong).unwrap();
        let changed = split
            .test
            .images
            .chunks(strong.input.size())
            .filter(|x| {
                let t = golden.trace(x).unwrap();
                t.layers[0] != t.provisional[0]
            })
            .count();
        assert!(changed > split.test.len() / 2, "{tag}: the lateral pass changed spikes of only {changed} inputs");
        let run = train::integer::forward(&strong, &split.test.images);
        assert_eq!(run.scores, golden_scores(&strong, &split.test.images).0, "{tag}: strong R");
    }
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let split = datasets::synthetic(5, 20);
    let mut cfg = quick(NeuronChoice::Lms);
    cfg.epochs = 2;
    let (a, _) = train(&cfg, &split, &Quiet).unwrap();
    let (b, _) = train(&cfg, &split, &Quiet).unwrap();
    assert_eq!(a, b);
    cfg.seed = 2;
    let (c, _) = train(&cfg, &split, &Quiet).unwrap();
    assert_ne!(a, c);
}

#[test]
fn bad_options_are_refused_before_training() {
    let split = datasets::synthetic(5, 4);
    let mut cfg = quick(NeuronChoice::Lms);
    cfg.weight_bits = 1;
    let e = train(&cfg, &split, &Quiet).unwrap_err();
    assert!(e.to_string().contains("weight-bits"), "{e}");
    cfg.weight_bits = 8;
    cfg.timesteps = 0;
    assert!(train(&cfg, &split, &Quiet).unwrap_err().to_string().contains("timesteps"));
}
