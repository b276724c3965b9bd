//! The per-layer wrapper `<model>_l<i>_<name>`: `sf_layer` with this layer's parameters
//! ([`crate::layer::LayerRtl::params`]) and its ports passed through.

use model::timing::{conv_item_cycles, layer_item_cycles};
use model::{LayerOp, Network, Stage};

use crate::layer::{self, LayerRtl};
use crate::verilog::{Instance, Item, Module, Port, pass};

/// The wrapper of layer `rtl`.
pub(crate) fn layer_wrapper(net: &Network, rtl: &LayerRtl) -> Module {
    let layer = &net.layers[rtl.index];
    let p = &rtl.plan;
    if let (LayerOp::Conv2d(c), Stage::Conv { banks, .. }) = (&layer.op, p.stage) {
        return conv_wrapper(net, rtl, c, banks);
    }
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
            "Lateral connections: per item {} cycles (E1 = the provisional spikes' events, replayed through \
             weight rows {}..{}).",
            layer_item_cycles(true, Some(p.groups)),
            p.inputs,
            p.inputs + p.neurons - 1
        ));
    } else {
        m.doc.push(format!(
            "Per item: {} cycles (E_in = received events, ev_g = events group g emits, ev_(-1) = 0).",
            layer_item_cycles(false, Some(p.groups))
        ));
    }
    with_instance(m, rtl, "sf_layer", "u_layer")
}

/// The wrapper of conv layer `rtl`: `sf_conv` with its parameters.
fn conv_wrapper(net: &Network, rtl: &LayerRtl, conv: &model::Conv2d, banks: u32) -> Module {
    let layer = &net.layers[rtl.index];
    let p = &rtl.plan;
    let out = conv.output_shape().expect("validated conv");
    let mut m = Module::new(
        &rtl.module,
        &format!(
            "Layer {} `{}`: conv {}x{}x{} -> {}x{}x{}, kernel {}, stride {}, padding {}; {} channel lanes in {} \
             groups, {} membrane banks per lane in {} set(s).",
            rtl.index,
            rtl.name,
            conv.in_channels,
            conv.in_height,
            conv.in_width,
            out.channels,
            out.height,
            out.width,
            conv.kernel,
            conv.stride,
            conv.padding,
            p.lanes,
            p.groups,
            banks,
            p.stage.sets().map_or(1, |s| s.count())
        ),
    );
    m.doc.push(format!(
        "Neuron: {}, threshold 2^{}, decay {:?}, reset {:?}.",
        layer.neuron.kind.label(),
        layer.neuron.threshold_shift,
        layer.neuron.decay,
        layer.neuron.reset
    ));
    if let Some(pool) = net.layers.get(rtl.index + 1).filter(|l| l.is_pooling()) {
        m.doc.push(format!("Fused pooling layer {} `{}` ({}).", rtl.index + 1, pool.name, pool.op.name()));
    }
    m.doc.push(format!(
        "Per item: {} cycles (rows_e = kernel rows event e reaches, ev_w / pev_w = events of membrane word w and \
         of the pooling windows it completes).",
        conv_item_cycles(Some(p.groups))
    ));
    with_instance(m, rtl, "sf_conv", "u_conv")
}

/// Finish a wrapper: say where its memories are, instantiate the library module with the
/// layer's parameters and pass every port through.
fn with_instance(mut m: Module, rtl: &LayerRtl, module: &str, name: &str) -> Module {
    m.doc.push(format!(
        "Weights in {} ({} words of {} bits), biases in {}.",
        rtl.weights_file,
        rtl.weight_words(),
        rtl.weight_word_bits(),
        rtl.bias_file
    ));
    let ports = layer_ports(rtl);
    m.items.push(Item::Instance(Instance {
        module: module.into(),
        name: name.into(),
        params: rtl.params.clone(),
        connections: ports.iter().map(|port| pass(&port.name)).collect(),
    }));
    m.ports = ports;
    m
}

/// The ports of a conv wrapper's fused pooling tap, on the core as `l<i+1>_emit_*`.
pub(crate) const POOL_TAPS: [(&str, &str); 4] = [
    ("pool_emit_valid", "emit_valid"),
    ("pool_emit_neuron", "emit_neuron"),
    ("pool_emit_sel", "emit_sel"),
    ("pool_emit_neg", "emit_neg"),
];

/// The simulation-only membrane tap of a layer stage (`sf_layer`'s and `sf_conv`'s
/// `mem_tap_*`): name, width, doc. Empty for a fused pooling layer.
pub(crate) fn membrane_tap_ports(rtl: &LayerRtl) -> Vec<(&'static str, u32, &'static str)> {
    let width = rtl.membrane_tap_width();
    if width == 0 {
        return Vec::new();
    }
    vec![
        ("mem_tap_valid", 1, "tap: membranes written (simulation only)"),
        ("mem_tap_neuron", rtl.neuron_bits, "tap: neuron of the first membrane"),
        ("mem_tap_mask", width, "tap: membranes that exist"),
        ("mem_tap_row", width * rtl.plan.membrane_bits, "tap: the membranes, first in the low bits"),
    ]
}

/// The wrapper's ports, which are `sf_layer`'s, or `sf_conv`'s for a conv layer: packed
/// sources in, the fused pooling layer's taps, no weight write port.
pub(crate) fn layer_ports(rtl: &LayerRtl) -> Vec<Port> {
    let conv = matches!(rtl.plan.stage, Stage::Conv { .. });
    let param = |name: &str| rtl.params.iter().find(|p| p.name == name).map_or(1, |p| p.int_value() as u32);
    let (out_bits, in_doc, out_doc) = if conv {
        (param("OUT_EVENT_BITS"), "event {neg, sel, {c, y, x}}, one cycle later", "event {neg, sel, source}")
    } else {
        let bits = rtl.output.as_ref().map_or(1 + rtl.sel_bits + rtl.neuron_bits, |o| o.event_bits);
        (bits, "event {neg, sel, source}, one cycle later", "event {neg, sel, neuron}")
    };
    let t_bits = layer::index_bits(rtl.timesteps as u64);
    let mut ports = vec![
        Port::input("clk", 1, "clock"),
        Port::input("rst", 1, "synchronous reset"),
        Port::input("in_full", 1, "input slot holds the next item"),
        Port::input("in_count", rtl.input.count_bits(), "events in the input slot"),
        Port::output("in_rd_addr", rtl.input.addr_bits(), "event to read"),
        Port::input("in_rd_data", rtl.input.event_bits, in_doc),
        Port::output("in_release", 1, "done with the input slot"),
        Port::input("out_free", 1, "output slot may be filled"),
        Port::output("out_wr_en", 1, "write out_event"),
        Port::output("out_event", out_bits, out_doc),
        Port::output("out_commit", 1, "item complete"),
        Port::output("emit_valid", 1, "tap: event or score this cycle"),
        Port::output("emit_neuron", rtl.neuron_bits, "tap: its neuron"),
        Port::output("emit_sel", rtl.sel_bits, "tap: its plane or value"),
        Port::output("emit_neg", 1, "tap: negative spike"),
        Port::output("score_value", rtl.plan.membrane_bits, "readout: the score"),
    ];
    if conv {
        ports.extend([
            Port::output("pool_emit_valid", 1, "tap: fused pooling emits"),
            Port::output("pool_emit_neuron", param("POOL_NEURON_BITS"), "tap: its pooled output"),
            Port::output("pool_emit_sel", rtl.sel_bits, "tap: its plane or value"),
            Port::output("pool_emit_neg", 1, "tap: negative spike"),
        ]);
    }
    ports.extend([
        Port::output("item_done", 1, "tap: DONE cycle of an item"),
        Port::output("item_t", t_bits, "tap: timestep of the item"),
    ]);
    ports.extend(membrane_tap_ports(rtl).into_iter().map(|(name, width, doc)| Port::output(name, width, doc)));
    if !conv {
        ports.extend([
            Port::input("wt_wr_en", 1, "write a weight word (loaded weights only)"),
            Port::input("wt_wr_addr", rtl.weight_addr_bits(), "weight word address"),
            Port::input("wt_wr_data", rtl.weight_word_bits(), "weight word, lane 0 low"),
            Port::input("wt_rd_en", 1, "read a weight word (loaded weights only)"),
            Port::output("wt_rd_data", rtl.weight_word_bits(), "the word read, lane 0 low"),
        ]);
    }
    ports
}
