//! The model file: round trips, one typed error per kind of damage, and a mutation fuzz
//! that asserts no input ever panics.

use std::panic::{AssertUnwindSafe, catch_unwind};

use model::examples::{HiddenNeuron, RandomSpec, random_network, tiny_network};
use model::file::{Overwrite, from_slice, save, to_string};
use model::{Decay, Location, ModelError, Network};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn small_random() -> Network {
    random_network(
        &RandomSpec {
            name: "fuzz".into(),
            input_shape: vec![1, 4, 4],
            hidden: vec![6],
            classes: 3,
            timesteps: 2,
            neuron: HiddenNeuron::Integer { max_spike: 5 },
            weight_bits: 4,
            decay: Decay::Shift(1),
            input_density: 0.5,
        },
        3,
    )
}

fn invalid(text: &str) -> (Location, String, String) {
    match from_slice(text.as_bytes(), "m.json") {
        Err(ModelError::Invalid { error, .. }) => (error.location, error.field, error.reason),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn edit(net: &Network, f: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&to_string(net)).unwrap();
    f(&mut v);
    v.to_string()
}

#[test]
fn round_trip_is_exact_and_stable() {
    for net in [tiny_network(), small_random()] {
        let text = to_string(&net);
        let back = from_slice(text.as_bytes(), "x").unwrap();
        assert_eq!(back, net);
        assert_eq!(to_string(&back), text, "serialization must be deterministic");
    }
    let text = to_string(&tiny_network());
    assert!(text.starts_with("{\n  \"format\": \"spikeforge-model\",\n  \"version\": 1,"), "{text}");
}

#[test]
fn leak_decay_reads_and_writes_as_its_own_object() {
    let text = edit(&tiny_network(), |v| v["layers"][0]["neuron"]["decay"] = serde_json::json!({"leak": 3}));
    let net = from_slice(text.as_bytes(), "leak.json").unwrap();
    assert_eq!(net.layers[0].neuron.decay, Decay::Leak(3));
    let written = to_string(&net);
    assert!(written.contains("\"decay\": {\n          \"leak\": 3\n        },"), "{written}");
    assert_eq!(from_slice(written.as_bytes(), "again.json").unwrap(), net);
    for (k, hint) in [(0, "clear"), (32, "clear")] {
        let (loc, field, reason) =
            invalid(&edit(&net, |v| v["layers"][0]["neuron"]["decay"] = serde_json::json!({"leak": k})));
        assert_eq!((loc, field.as_str()), (Location::Layer { index: 0, name: "hidden".into() }, "neuron.decay.leak"));
        assert!(reason.starts_with(&format!("is {k}, must be 1..=31")) && reason.contains(hint), "{reason}");
    }
    let (_, field, _) = invalid(&edit(&net, |v| v["layers"][0]["neuron"]["decay"] = serde_json::json!({"shift": 0})));
    assert_eq!(field, "neuron.decay.shift");
}

#[test]
fn header_errors() {
    let net = tiny_network();
    let no_version = edit(&net, |v| {
        v.as_object_mut().unwrap().remove("version");
    });
    assert!(matches!(from_slice(no_version.as_bytes(), "m"), Err(ModelError::MissingVersion { .. })));
    let v2 = edit(&net, |v| v["version"] = 2.into());
    let e = from_slice(v2.as_bytes(), "m").unwrap_err();
    assert!(matches!(e, ModelError::UnsupportedVersion { .. }));
    assert_eq!(e.to_string(), "m: unsupported model version 2 (this build reads version 1)");
    let other = edit(&net, |v| v["format"] = "onnx".into());
    assert!(matches!(from_slice(other.as_bytes(), "m"), Err(ModelError::NotAModel { .. })));
    let e = from_slice(b"[1, 2, 3]", "m").unwrap_err();
    assert!(matches!(e, ModelError::NotAModel { .. }), "{e:?}");
}

#[test]
fn syntax_truncation_and_encoding_errors() {
    let text = to_string(&tiny_network());
    let cut = &text.as_bytes()[..text.len() / 2];
    let e = from_slice(cut, "cut.json").unwrap_err();
    assert!(matches!(e, ModelError::Syntax { .. }), "{e:?}");
    assert!(e.to_string().starts_with("cut.json: malformed or truncated JSON at line"), "{e}");
    let mut bad = text.clone().into_bytes();
    bad[10] = 0xff;
    assert!(matches!(from_slice(&bad, "m"), Err(ModelError::NotUtf8 { offset: 10, .. })));
    let unknown = edit(&tiny_network(), |v| v["layers"][0]["colour"] = "red".into());
    let e = from_slice(unknown.as_bytes(), "m").unwrap_err();
    assert!(matches!(e, ModelError::Schema { .. }) && e.to_string().contains("colour"), "{e}");
}

#[test]
fn validation_names_layer_and_field() {
    let net = tiny_network();
    let (loc, field, _) = invalid(&edit(&net, |v| v["layers"][1]["op"]["dense"]["inputs"] = 4.into()));
    assert_eq!(loc, Location::Layer { index: 1, name: "out".into() });
    assert_eq!(field, "dense.inputs");

    let (_, field, reason) = invalid(&edit(&net, |v| v["layers"][0]["op"]["dense"]["weights"][7] = 9.into()));
    assert_eq!(field, "dense.weights[1][2]");
    assert!(reason.contains("4-bit range -8..=7"), "{reason}");

    let (_, field, _) = invalid(&edit(&net, |v| v["layers"][0]["neuron"]["kind"]["integer"]["max_spike"] = 0.into()));
    assert_eq!(field, "neuron.kind.integer.max_spike");

    let (_, field, reason) = invalid(&edit(&net, |v| {
        v["layers"][0]["neuron"]["kind"]["integer"]["code"] = serde_json::json!({"planes": [1, 3]})
    }));
    assert_eq!(field, "neuron.kind.integer.code");
    assert!(reason.contains("value 2 cannot be represented"), "{reason}");

    let (loc, field, _) = invalid(&edit(&net, |v| v["timesteps"] = 0.into()));
    assert_eq!((loc, field.as_str()), (Location::Network, "timesteps"));

    let (_, field, _) = invalid(&edit(&net, |v| v["layers"][0]["op"]["dense"]["bias"] = serde_json::json!([1, 2])));
    assert_eq!(field, "dense.bias");

    let (_, field, _) = invalid(&edit(&net, |v| v["layers"][0]["histogram"] = serde_json::json!([1, 2])));
    assert_eq!(field, "histogram");

    let (loc, field, _) = invalid(&edit(&net, |v| v["input"]["shape"] = serde_json::json!([2, 0])));
    assert_eq!((loc, field.as_str()), (Location::Input, "shape"));

    let text = edit(&net, |v| v["layers"][0]["neuron"]["kind"] = "readout".into());
    let (_, field, reason) = invalid(&text);
    assert_eq!(field, "neuron.kind");
    assert!(reason.contains("must be the last layer"));

    let e = from_slice(edit(&net, |v| v["layers"][1]["name"] = "hidden".into()).as_bytes(), "m.json").unwrap_err();
    assert_eq!(e.to_string(), "m.json: layer 1 (hidden): field `name`: duplicates the name of layer 0");
}

#[test]
fn save_never_overwrites_unless_asked() {
    let dir = testkit::scratch_dir("model-test");
    let path = dir.join("m.json");
    std::fs::write(&path, "precious").unwrap();
    let e = save(&tiny_network(), &path, Overwrite::Refuse).unwrap_err();
    assert!(matches!(e, ModelError::Exists { .. }));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
    save(&tiny_network(), &path, Overwrite::Allow).unwrap();
    assert_eq!(model::file::load(&path).unwrap(), tiny_network());
}

/// Mutate valid files thousands of times; every outcome must be Ok or a typed error.
#[test]
fn mutation_fuzz_never_panics() {
    let seed: u64 = std::env::var("SPIKEFORGE_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed);
    let iterations: usize = std::env::var("SPIKEFORGE_FUZZ_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(20000);
    println!("model-file mutation fuzz: seed {seed}, {iterations} iterations (SPIKEFORGE_FUZZ_SEED to replay)");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let originals: Vec<Vec<u8>> = [tiny_network(), small_random(), model::examples::fuzz_conv_network(4)]
        .iter()
        .map(|n| to_string(n).into_bytes())
        .collect();
    let tokens: [&[u8]; 14] = [
        b"-1",
        b"0",
        b"255",
        b"256",
        b"99999999999999999999",
        b"-2147483649",
        b"1.5",
        b"null",
        b"\"x\"",
        b"[]",
        b"{}",
        b"\"payload\"",
        b"{\"shift\": 0}",
        b"\"readout\"",
    ];
    let (mut ok, mut errors) = (0usize, 0usize);
    for i in 0..iterations {
        let mut bytes = originals[i % originals.len()].clone();
        for _ in 0..rng.random_range(1..=3) {
            let len = bytes.len();
            let at = rng.random_range(0..len);
            match rng.random_range(0..6) {
                0 => bytes[at] ^= 1 << rng.random_range(0..8),
                1 => bytes.truncate(at),
                2 => {
                    let end = (at + rng.random_range(1..40)).min(len);
                    bytes.drain(at..end);
                }
                3 => {
                    let t = tokens[rng.random_range(0..tokens.len())];
                    bytes.splice(at..at, t.iter().copied());
                }
                4 => {
                    // Replace the number under the cursor with a token.
                    let start =
                        bytes[..at].iter().rposition(|b| !b.is_ascii_digit() && *b != b'-').map_or(0, |p| p + 1);
                    let end = bytes[at..].iter().position(|b| !b.is_ascii_digit()).map_or(len, |p| at + p);
                    let t = tokens[rng.random_range(0..tokens.len())];
                    bytes.splice(start..end.max(start), t.iter().copied());
                }
                _ => bytes[at] = rng.random(),
            }
            if bytes.is_empty() {
                break;
            }
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| from_slice(&bytes, "fuzz")));
        match outcome {
            Ok(Ok(net)) => {
                net.validate().expect("a loaded model validates");
                let _ = model::bounds::analyze(&net);
                ok += 1;
            }
            Ok(Err(e)) => {
                let msg = e.to_string();
                assert!(!msg.is_empty() && !msg.ends_with('.') && !msg.contains('\n'), "bad message: {msg:?}");
                errors += 1;
            }
            Err(_) => panic!("panic on mutation {i} (seed {seed}): {}", String::from_utf8_lossy(&bytes)),
        }
    }
    println!("{ok} mutated files still valid, {errors} rejected with typed errors");
    assert!(errors > iterations / 2, "mutations should mostly break the file");
}
