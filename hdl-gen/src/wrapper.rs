//! The per-layer wrapper `<model>_l<i>_<name>`: `sf_layer` with this layer's parameters
//! ([`crate::layer::LayerRtl::params`]) and its ports passed through.

use model::Network;
use model::timing::layer_item_cycles;

use crate::layer::{self, LayerRtl};
use crate::verilog::{Instance, Item, Module, Port, pass};

/// The wrapper of layer `rtl`.
pub(crate) fn layer_wrapper(net: &Network, rtl: &LayerRtl) -> Module {
    let layer = &net.layers[rtl.index];
    let p = &rtl.plan;
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
            "Per item: {} cycles (E_in = received events, ev_g = events group g emits).",
            layer_item_cycles(false, Some(p.groups))
        ));
    }
    m.doc.push(format!(
        "Weights in {} ({} words of {} bits), biases in {}.",
        rtl.weights_file,
        p.weight_words(),
        p.lanes * p.weight_bits,
        rtl.bias_file
    ));
    let ports = layer_ports(rtl);
    m.items.push(Item::Instance(Instance {
        module: "sf_layer".into(),
        name: "u_layer".into(),
        params: rtl.params.clone(),
        connections: ports.iter().map(|port| pass(&port.name)).collect(),
    }));
    m.ports = ports;
    m
}

/// The wrapper's ports, which are `sf_layer`'s.
pub(crate) fn layer_ports(rtl: &LayerRtl) -> Vec<Port> {
    let out_bits = rtl.output.as_ref().map_or(1 + rtl.sel_bits + rtl.neuron_bits, |o| o.event_bits);
    let t_bits = layer::index_bits(rtl.timesteps as u64);
    vec![
        Port::input("clk", 1, "clock"),
        Port::input("rst", 1, "synchronous reset"),
        Port::input("in_full", 1, "input slot holds the next item"),
        Port::input("in_count", rtl.input.count_bits(), "events in the input slot"),
        Port::output("in_rd_addr", rtl.input.addr_bits(), "event to read"),
        Port::input("in_rd_data", rtl.input.event_bits, "event {neg, sel, source}, one cycle later"),
        Port::output("in_release", 1, "done with the input slot"),
        Port::input("out_free", 1, "output slot may be filled"),
        Port::output("out_wr_en", 1, "write out_event"),
        Port::output("out_event", out_bits, "event {neg, sel, neuron}"),
        Port::output("out_commit", 1, "item complete"),
        Port::output("emit_valid", 1, "tap: event or score this cycle"),
        Port::output("emit_neuron", rtl.neuron_bits, "tap: its neuron"),
        Port::output("emit_sel", rtl.sel_bits, "tap: its plane or value"),
        Port::output("emit_neg", 1, "tap: negative spike"),
        Port::output("score_value", rtl.plan.membrane_bits, "readout: the score"),
        Port::output("item_done", 1, "tap: DONE cycle of an item"),
        Port::output("item_t", t_bits, "tap: timestep of the item"),
        Port::input("wt_wr_en", 1, "write a weight word (loaded weights only)"),
        Port::input("wt_wr_addr", rtl.weight_addr_bits(), "weight word address"),
        Port::input("wt_wr_data", rtl.weight_word_bits(), "weight word, lane 0 low"),
    ]
}
