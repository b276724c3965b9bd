//! The trainer end to end on small data: it learns, the exported model survives the file
//! format, and the golden model reproduces the trainer's integer forward bit for bit for
//! every neuron kind.
#![cfg(feature = "tch")]

use model::NeuronKind;
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

/// The golden model's scores and classes for every input.
fn golden_scores(net: &model::Network, images: &[u8]) -> (Vec<Vec<i64>>, Vec<usize>) {
    let golden = Golden::new(net).unwrap();
    images
        .chunks(net.input.size())
        .map(|x| {
            let t = golden.trace(x).unwrap();
            (t.scores, t.class)
        })
        .unzip()
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

        // The golden model reproduces the trainer's integer forward on every test input.
        let run = train::integer::forward(&net, &split.test.images);
        let (scores, classes) = golden_scores(&net, &split.test.images);
        assert_eq!(run.scores, scores, "{neuron:?}: integer forward and golden model disagree");
        assert_eq!(run.classes, classes);
        let correct = classes.iter().zip(&split.test.labels).filter(|(c, l)| **c == **l as usize).count();
        assert_eq!(report.integer_accuracy, 100.0 * correct as f64 / split.test.len() as f64);

        // Export round trip through the model file.
        let path =
            std::env::temp_dir().join(format!("spikeforge-train-{}-{}.sfm.json", std::process::id(), neuron.name()));
        model::file::save(&net, &path, model::file::Overwrite::Allow).unwrap();
        assert_eq!(model::file::load(&path).unwrap(), net);
        std::fs::remove_file(&path).unwrap();
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
