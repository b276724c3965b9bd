//! Conv and pooling layers in the model file: round trips, and every validation rule they
//! add, each named by layer and field.

use model::examples::fuzz_conv_network;
use model::file::{from_slice, to_string};
use model::{Location, ModelError, Network};

/// A `[1, 4, 4]` input, conv 3x3 padding 1 to 2 channels (binary), 2x2 sum pooling,
/// dense 8 -> 3 readout.
fn small() -> Network {
    let text = r#"{
      "format": "spikeforge-model", "version": 1, "name": "c", "timesteps": 2,
      "input": {"shape": [1, 4, 4], "max_value": 3, "code": {"planes": [1, 2]}},
      "layers": [
        {"name": "conv", "op": {"conv2d": {"in_channels": 1, "in_height": 4, "in_width": 4, "out_channels": 2,
           "kernel": 3, "stride": 1, "padding": 1, "weight_bits": 4, "bias_bits": 4,
           "weights": [1, -1, 2, 0, 0, 3, -2, 1, 1, 1, 0, -1, 2, 2, -3, 0, 1, 1], "bias": [0, -1]}},
         "neuron": {"kind": "binary_lif", "threshold_shift": 2, "decay": {"shift": 1}, "reset": "soft"}},
        {"name": "pool", "op": {"sum_pool2d": {"channels": 2, "in_height": 4, "in_width": 4, "kernel": 2}},
         "neuron": {"kind": "binary_lif", "threshold_shift": 0, "decay": "keep", "reset": "hard"}},
        {"name": "out", "op": {"dense": {"inputs": 8, "outputs": 3, "weight_bits": 4, "bias_bits": 4,
           "weights": [1, 2, 3, -1, -2, -3, 0, 1, 0, 2, 0, 2, 1, 1, 1, -1, 0, 1, 3, 3, -3, 0, 0, 0], "bias": [0, 0, 1]}},
         "neuron": {"kind": "readout", "threshold_shift": 0, "decay": "keep", "reset": "hard"}}
      ]}"#;
    from_slice(text.as_bytes(), "small").unwrap()
}

fn invalid(net: &Network, f: impl FnOnce(&mut serde_json::Value)) -> (Location, String, String) {
    let mut v: serde_json::Value = serde_json::from_str(&to_string(net)).unwrap();
    f(&mut v);
    match from_slice(v.to_string().as_bytes(), "m.json") {
        Err(ModelError::Invalid { error, .. }) => (error.location, error.field, error.reason),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn layer(index: usize, name: &str) -> Location {
    Location::Layer { index, name: name.into() }
}

#[test]
fn conv_files_round_trip_exactly() {
    let net = small();
    assert_eq!(net.layers[0].outputs(), 32);
    assert_eq!(net.layers[1].outputs(), 8);
    assert_eq!(net.output_range_of(1), model::SpikeRange { min: 0, max: 4 });
    for net in [small(), fuzz_conv_network(1), fuzz_conv_network(2), fuzz_conv_network(3)] {
        let text = to_string(&net);
        let back = from_slice(text.as_bytes(), "x").unwrap();
        assert_eq!(back, net);
        assert_eq!(to_string(&back), text, "serialization must be deterministic");
    }
    assert!(to_string(&small()).contains("\"conv2d\": {"));
}

/// An edit of the file and the layer index, name, field and reason fragment it must give.
type Case = (Box<dyn FnOnce(&mut serde_json::Value)>, usize, &'static str, &'static str, &'static str);

#[test]
fn conv_rules_name_layer_and_field() {
    let net = small();
    let cases: Vec<Case> = vec![
        (
            Box::new(|v| v["layers"][0]["op"]["conv2d"]["in_channels"] = 2.into()),
            0,
            "conv",
            "conv2d.in_channels",
            "1x4x4",
        ),
        (Box::new(|v| v["layers"][0]["op"]["conv2d"]["in_width"] = 5.into()), 0, "conv", "conv2d.in_width", "1x4x4"),
        (Box::new(|v| v["input"]["shape"] = serde_json::json!([16])), 0, "conv", "conv2d.in_channels", "not [C, H, W]"),
        (Box::new(|v| v["layers"][0]["op"]["conv2d"]["stride"] = 0.into()), 0, "conv", "conv2d.stride", "at least 1"),
        (
            Box::new(|v| v["layers"][0]["op"]["conv2d"]["padding"] = 3.into()),
            0,
            "conv",
            "conv2d.padding",
            "below the kernel",
        ),
        (
            Box::new(|v| {
                let c = &mut v["layers"][0]["op"]["conv2d"];
                c["kernel"] = 7.into();
                c["padding"] = 1.into();
            }),
            0,
            "conv",
            "conv2d.kernel",
            "larger than the padded input 6x6",
        ),
        (
            Box::new(|v| v["layers"][0]["op"]["conv2d"]["weights"][5] = 8.into()),
            0,
            "conv",
            "conv2d.weights[2][1]",
            "4-bit",
        ),
        (
            Box::new(|v| v["layers"][0]["op"]["conv2d"]["bias"] = serde_json::json!([0])),
            0,
            "conv",
            "conv2d.bias",
            "expected 2",
        ),
        (
            Box::new(|v| v["layers"][0]["op"]["conv2d"]["weights"] = serde_json::json!([1, 2])),
            0,
            "conv",
            "conv2d.weights",
            "1 x 3 x 3 x 2 = 18",
        ),
        (
            Box::new(|v| v["layers"][0]["op"]["conv2d"]["weight_bits"] = 17.into()),
            0,
            "conv",
            "conv2d.weight_bits",
            "1..=16",
        ),
        (
            Box::new(|v| v["layers"][0]["lateral"] = serde_json::json!({"weight_bits": 2, "weights": []})),
            0,
            "conv",
            "lateral",
            "only dense layers",
        ),
        (
            Box::new(|v| v["layers"][1]["op"]["sum_pool2d"]["kernel"] = 3.into()),
            1,
            "pool",
            "sum_pool2d.kernel",
            "do not tile",
        ),
        (
            Box::new(|v| v["layers"][1]["op"]["sum_pool2d"]["channels"] = 3.into()),
            1,
            "pool",
            "sum_pool2d.channels",
            "2x4x4",
        ),
        (Box::new(|v| v["layers"][1]["neuron"]["threshold_shift"] = 1.into()), 1, "pool", "neuron", "no membrane"),
        (
            Box::new(|v| v["layers"][1]["neuron"]["kind"] = "ternary".into()),
            1,
            "pool",
            "neuron",
            "feeding layer's kind",
        ),
        (
            Box::new(|v| v["layers"][1]["histogram"] = serde_json::json!([1, 1])),
            1,
            "pool",
            "histogram",
            "pooling layer",
        ),
        (
            Box::new(|v| v["layers"][2]["op"]["dense"]["inputs"] = 32.into()),
            2,
            "out",
            "dense.inputs",
            "layer 1's outputs is 8",
        ),
        (
            Box::new(|v| {
                let layers = v["layers"].as_array_mut().unwrap();
                let mut max = layers[1].clone();
                max["name"] = "max".into();
                max["op"] =
                    serde_json::json!({"max_pool2d": {"channels": 2, "in_height": 2, "in_width": 2, "kernel": 2}});
                layers.insert(2, max);
                layers[3]["op"]["dense"]["inputs"] = 2.into();
                layers[3]["op"]["dense"]["weights"] = serde_json::json!([1, 1, 1, 1, 1, 1]);
            }),
            2,
            "max",
            "max_pool2d",
            "cannot represent the summed range 0..=4",
        ),
    ];
    for (f, index, name, field, needle) in cases {
        let (loc, got, reason) = invalid(&net, f);
        assert_eq!((loc, got.as_str()), (layer(index, name), field), "{reason}");
        assert!(reason.contains(needle), "{field}: {reason}");
    }
}

#[test]
fn pooling_needs_spikes_and_conv_needs_a_spatial_input() {
    let net = small();
    // pooling right after the input
    let (loc, field, reason) = invalid(&net, |v| {
        let layers = v["layers"].as_array_mut().unwrap();
        layers.remove(0);
        layers[0]["op"]["sum_pool2d"]["channels"] = 1.into();
    });
    assert_eq!((loc, field.as_str()), (layer(0, "pool"), "sum_pool2d"));
    assert!(reason.contains("not the input"), "{reason}");
    // conv after a dense layer
    let (loc, field, reason) = invalid(&net, |v| {
        let layers = v["layers"].as_array_mut().unwrap();
        let conv = layers[0].clone();
        layers[2]["neuron"]["kind"] = "binary_lif".into();
        let mut late = conv;
        late["name"] = "late".into();
        layers.push(late);
    });
    assert_eq!((loc, field.as_str()), (layer(3, "late"), "conv2d.in_channels"));
    assert!(reason.contains("dense with a flat output"), "{reason}");
}

#[test]
fn hardware_plans_conv_stages_with_fused_pooling() {
    let plan = model::HardwarePlan::uniform(&small(), 2).unwrap();
    // 2 channel lanes, banks = the kernel row's 3 taps rounded up to the pool window 2.
    assert_eq!(
        plan.layers[0].stage,
        model::Stage::Conv { banks: 4, in_channels: 1, kernel: 3, sets: model::MembraneSets::Two }
    );
    assert_eq!((plan.layers[0].lanes, plan.layers[0].groups), (2, 1));
    assert_eq!(plan.layers[0].weight_rows(), 3);
    assert_eq!(plan.layers[1].stage, model::Stage::FusedPool);
    assert_eq!(plan.layers[2].stage, model::Stage::Dense);
}

#[test]
fn hardware_refuses_a_pooling_layer_after_a_pooling_layer_with_a_typed_error() {
    let mut v: serde_json::Value = serde_json::from_str(&to_string(&small())).unwrap();
    let layers = v["layers"].as_array_mut().unwrap();
    let mut second = layers[1].clone();
    second["name"] = "pool2".into();
    second["op"] = serde_json::json!({"sum_pool2d": {"channels": 2, "in_height": 2, "in_width": 2, "kernel": 2}});
    second["neuron"]["kind"] = "binary_lif".into();
    layers.insert(2, second);
    layers[3]["op"]["dense"]["inputs"] = 2.into();
    layers[3]["op"]["dense"]["weights"] = serde_json::json!([1, 2, 3, -1, -2, -3]);
    let net = from_slice(v.to_string().as_bytes(), "m.json").unwrap();
    let e = model::HardwarePlan::uniform(&net, 2).unwrap_err();
    assert!(matches!(&e, ModelError::NoRtl { layer: 2, name, .. } if name == "pool2"), "{e:?}");
    assert_eq!(
        e.to_string(),
        "layer 2 (pool2): no hardware for this layer: sum_pool2d after a pooling layer (hardware pools inside the \
         conv stage before the pooling layer; merge the two windows into one)"
    );
}

#[test]
fn bundled_examples_load_and_write_back_byte_identical() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".sfm.json") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let net = from_slice(&bytes, &path.to_string_lossy()).unwrap();
        assert_eq!(to_string(&net).as_bytes(), &bytes[..], "{} changed on re-serialization", path.display());
        seen += 1;
    }
    assert!(seen >= 4, "only {seen} bundled examples");
}
