//! The core `<model>_core`: the input encoder, then per layer its event buffer and its
//! wrapper, chained; every layer's emitted events are debug taps on the core's ports.

use model::{Network, Stage};

use crate::layer::{self, EventFormat, LayerRtl, value_bits};
use crate::verilog::{Expr, Instance, Item, Module, Param, Port, pack_bits, pass};
use crate::wrapper::{self, POOL_TAPS};

/// A stage's reading side and the event buffer port it meets (`sf_event_buffer` `rd_*`).
const READ_SIDE: [(&str, &str); 5] = [
    ("in_full", "rd_full"),
    ("in_count", "rd_count"),
    ("in_rd_addr", "rd_addr"),
    ("in_rd_data", "rd_data"),
    ("in_release", "rd_release"),
];

/// A stage's writing side and the event buffer port it meets (`sf_event_buffer` `wr_*`).
const WRITE_SIDE: [(&str, &str); 4] =
    [("out_free", "wr_free"), ("out_wr_en", "wr_en"), ("out_event", "wr_data"), ("out_commit", "wr_commit")];

/// The debug taps of a layer: on the wrapper as they are, on the core as `l<i>_<tap>`.
const TAPS: [&str; 6] = ["emit_valid", "emit_neuron", "emit_sel", "emit_neg", "item_done", "item_t"];

/// The wrapper's weight write and read ports, on the core as `l<i>_<port>`
/// ([`weight_port_specs`]); only `wt_rd_data` is an output.
const WEIGHT_PORTS: [&str; 5] = ["wt_wr_en", "wt_wr_addr", "wt_wr_data", "wt_rd_en", "wt_rd_data"];

/// Whether a core port is one of [`weight_port_specs`]'s.
pub(crate) fn is_weight_port(name: &str) -> bool {
    name.contains("_wt_wr_") || name.contains("_wt_rd_")
}

/// One of the core's weight ports of a layer with loaded weights.
pub(crate) struct WeightPort {
    /// `l<i>_wt_*`.
    pub name: String,
    /// Bits.
    pub width: u32,
    /// What it carries.
    pub doc: String,
    /// The core drives it (the word read).
    pub output: bool,
}

/// The core's weight ports of a layer with loaded weights, in [`WEIGHT_PORTS`] order: the
/// loader writes words through them and reads them back for the board's weight CRC.
pub(crate) fn weight_port_specs(l: &LayerRtl) -> [WeightPort; 5] {
    let i = l.index;
    let port = |k: usize, width: u32, doc: String| WeightPort {
        name: format!("l{i}_{}", WEIGHT_PORTS[k]),
        width,
        doc,
        output: WEIGHT_PORTS[k] == "wt_rd_data",
    };
    [
        port(0, 1, format!("layer {i}: write a weight word (only while idle)")),
        port(1, l.weight_addr_bits(), "weight word address (group * S + source), of a write or a read".into()),
        port(2, l.weight_word_bits(), "weight word, lane 0 in the low bits".into()),
        port(3, 1, format!("layer {i}: read a weight word (only while idle)")),
        port(4, l.weight_word_bits(), "the word read, the cycle after wt_rd_en".into()),
    ]
}

/// The ports of event buffer `i` and their widths, named as the core's wires (`b<i>_<port>`)
/// minus the prefix.
fn buffer_ports(format: &EventFormat) -> [(&'static str, u32); 9] {
    [
        ("wr_free", 1),
        ("wr_en", 1),
        ("wr_data", format.event_bits),
        ("wr_commit", 1),
        ("rd_full", 1),
        ("rd_count", format.count_bits()),
        ("rd_addr", format.addr_bits()),
        ("rd_data", format.event_bits),
        ("rd_release", 1),
    ]
}

/// Event buffer `i`: its wires (`b<i>_*`) and its instance.
fn buffer(i: usize, format: &EventFormat) -> Vec<Item> {
    let ports = buffer_ports(format);
    let mut items: Vec<Item> =
        ports.iter().map(|(n, width)| Item::Wire { name: format!("b{i}_{n}"), width: *width }).collect();
    items.push(Item::Instance(Instance {
        module: "sf_event_buffer".into(),
        name: format!("u_buffer{i}"),
        params: vec![
            Param::int("WIDTH", format.event_bits as i64, "event word"),
            Param::int("ADDR_BITS", format.addr_bits() as i64, &format!("up to {} events per item", format.max_events)),
            Param::int("COUNT_BITS", format.count_bits() as i64, ""),
        ],
        connections: [pass("clk"), pass("rst")]
            .into_iter()
            .chain(ports.iter().map(|(n, _)| (n.to_string(), Expr::ident(&format!("b{i}_{n}")))))
            .collect(),
    }));
    items
}

/// The core: encoder, buffer 0, layer 0, buffer 1, layer 1, ... with debug taps as ports.
pub(crate) fn core_module(net: &Network, top: &str, layers: &[LayerRtl], values_per_cycle: u32) -> Module {
    let name = format!("{top}_core");
    let value = value_bits(net.input.max_value as u64);
    let mut m =
        Module::new(&name, &format!("Core of `{}`: input encoder and {} layer stages.", net.name, layers.len()));
    m.doc.push(if values_per_cycle > 1 {
        format!("Inputs stream in {values_per_cycle} values per accepted cycle; every layer's emitted events are")
    } else {
        "Inputs stream in one value per accepted cycle; every layer's emitted events are".into()
    });
    m.doc.push("visible on its tap ports (co-simulation compares them with the golden model).".into());
    m.ports.push(Port::input("clk", 1, "clock"));
    m.ports.push(Port::input("rst", 1, "synchronous reset"));
    let max = net.input.max_value;
    let (next, carried) = match values_per_cycle {
        1 => ("in_value holds the next input value", format!("input value 0..={max}")),
        v => (
            "in_value holds the next chunk of input values",
            format!("{v} input values 0..={max}, the first at the bottom"),
        ),
    };
    m.ports.push(Port::input("in_valid", 1, next));
    m.ports.push(Port::output("in_ready", 1, "in_value taken"));
    m.ports.push(Port::input("in_value", value * values_per_cycle, &carried));
    m.ports.push(Port::output("encoder_start", 1, "tap: encoder START cycle of an input"));
    for l in layers {
        let i = l.index;
        let t_bits = layer::index_bits(net.timesteps as u64);
        m.ports.push(Port::output(&format!("l{i}_emit_valid"), 1, &format!("tap: layer {i} emits")));
        m.ports.push(Port::output(&format!("l{i}_emit_neuron"), l.neuron_bits, "tap: neuron"));
        m.ports.push(Port::output(&format!("l{i}_emit_sel"), l.sel_bits, "tap: plane or value"));
        m.ports.push(Port::output(&format!("l{i}_emit_neg"), 1, "tap: negative spike"));
        m.ports.push(Port::output(&format!("l{i}_item_done"), 1, "tap: DONE cycle"));
        m.ports.push(Port::output(&format!("l{i}_item_t"), t_bits, "tap: timestep"));
        for (name, width, doc) in wrapper::membrane_tap_ports(l) {
            m.ports.push(Port::output(&format!("l{i}_{name}"), width, doc));
        }
    }
    let last = layers.last().expect("validated networks have layers");
    m.ports.push(Port::output("score_value", last.plan.membrane_bits, "last layer: score of the emitting neuron"));
    if last.plan.stage == Stage::FusedPool {
        // A pooling layer's score is its spike count: no membrane to show.
        m.items.push(Item::Assign { lhs: "score_value".into(), rhs: Expr::zero(last.plan.membrane_bits) });
    }
    for l in layers.iter().filter(|l| l.loads_weights()) {
        for p in weight_port_specs(l) {
            m.ports.push(if p.output {
                Port::output(&p.name, p.width, &p.doc)
            } else {
                Port::input(&p.name, p.width, &p.doc)
            });
        }
    }

    // Encoder and the image buffer.
    m.items.push(Item::Comment(vec!["Image event buffer: encoder -> layer 0 (read at every timestep).".into()]));
    m.items.extend(buffer(0, &layers[0].input));
    m.items.push(Item::Blank);
    m.items.push(Item::Instance(encoder(net, &layers[0].input, values_per_cycle)));
    for l in layers {
        let i = l.index;
        m.items.push(Item::Blank);
        let fused_next = layers.get(i + 1).is_some_and(|next| next.plan.stage == Stage::FusedPool);
        if l.plan.stage == Stage::FusedPool {
            // Computed inside the conv stage before it: its taps are that stage's pooling
            // taps, its DONE the conv's, its output buffer the stage's.
            m.items.push(Item::Comment(vec![format!("Layer {i}: {}, fused into layer {}.", l.name, i - 1)]));
            for tap in ["item_done", "item_t"] {
                m.items
                    .push(Item::Assign { lhs: format!("l{i}_{tap}"), rhs: Expr::ident(&format!("l{}_{tap}", i - 1)) });
            }
            continue;
        }
        // The stage's output buffer is its consumer's: after a fused pooling layer, the
        // layer after that.
        let consumer = if fused_next { i + 2 } else { i + 1 };
        if let Some(out) = &l.output {
            m.items.push(Item::Comment(vec![format!("Event buffer: layer {} -> layer {consumer}.", consumer - 1)]));
            m.items.extend(buffer(consumer, out));
            m.items.push(Item::Blank);
        }
        m.items.push(Item::Comment(vec![format!("Layer {i}: {}.", l.name)]));
        // Outputs this position in the chain does not use are left open on purpose.
        m.items.push(Item::Lint { off: true, rule: "PINCONNECTEMPTY".into() });
        m.items.push(Item::Instance(Instance {
            module: l.module.clone(),
            name: format!("u_l{i}"),
            params: Vec::new(),
            connections: wrapper::layer_ports(l)
                .iter()
                .map(|p| (p.name.clone(), layer_connection(l, consumer, layers.len(), &p.name, p.width)))
                .collect(),
        }));
        m.items.push(Item::Lint { off: false, rule: "PINCONNECTEMPTY".into() });
    }
    m
}

/// What the core connects to port `port` (`width` bits) of layer `l`'s wrapper: its input
/// buffer's read side, its consumer's buffer's write side (tied off after the last stage),
/// its taps (a fused pooling layer's on `l<i+1>_*`) and, for loaded weights, the core's
/// weight write ports.
fn layer_connection(l: &LayerRtl, consumer: usize, layers: usize, port: &str, width: u32) -> Expr {
    let i = l.index;
    let is_last = consumer >= layers;
    if let Some((_, tap)) = POOL_TAPS.iter().find(|(p, _)| *p == port) {
        return if consumer == i + 2 { Expr::ident(&format!("l{}_{tap}", i + 1)) } else { Expr::Open };
    }
    if let Some((_, buf)) = READ_SIDE.iter().find(|(p, _)| *p == port) {
        return Expr::ident(&format!("b{i}_{buf}"));
    }
    if let Some((_, buf)) = WRITE_SIDE.iter().find(|(p, _)| *p == port) {
        return match (is_last, port) {
            (true, "out_free") => Expr::constant(1, 1),
            (true, _) => Expr::Open,
            (false, _) => Expr::ident(&format!("b{consumer}_{buf}")),
        };
    }
    if TAPS.contains(&port) || port.starts_with("mem_tap_") {
        return Expr::ident(&format!("l{i}_{port}"));
    }
    if let Some(k) = WEIGHT_PORTS.iter().position(|p| *p == port) {
        let spec = &weight_port_specs(l)[k];
        return match (l.loads_weights(), spec.output) {
            (true, _) => Expr::ident(&spec.name),
            (false, true) => Expr::Open,
            (false, false) => Expr::zero(width),
        };
    }
    match port {
        "score_value" if i + 1 == layers => Expr::ident("score_value"),
        "score_value" => Expr::Open,
        _ => Expr::ident(port),
    }
}

/// The input encoder, writing into event buffer 0.
fn encoder(net: &Network, image: &EventFormat, values_per_cycle: u32) -> Instance {
    let value = value_bits(net.input.max_value as u64);
    let shape = net.input_shape_of(0);
    let in_table = net.input.code.table(net.input.max_value).expect("validated code");
    let k = net.input.code.planes() as u32;
    let masks = (0..=net.input.max_value).flat_map(|v| pack_bits([in_table.mask(v) as i64], k)).collect();
    Instance {
        module: "sf_encoder".into(),
        name: "u_encoder".into(),
        params: vec![Param::int("M", net.input.size() as i64, "input values per input")]
            .into_iter()
            // One value per cycle is the module's default and needs no text.
            .chain(
                (values_per_cycle > 1).then(|| Param::int("VALUES_PER_CYCLE", values_per_cycle as i64, "chunk width")),
            )
            .chain([
                Param::int("SRC_BITS", image.source_bits as i64, ""),
                Param::int("VALUE_BITS", value as i64, ""),
                Param::int("MAX_VALUE", net.input.max_value as i64, ""),
                Param::int("K", k as i64, &format!("planes of the input code {}", net.input.code.label())),
                Param::int("SEL_BITS", image.sel_bits as i64, ""),
                Param::int(
                    "PAYLOAD",
                    i64::from(net.input.code == model::SpikeCode::Payload),
                    "events carry the value itself",
                ),
                Param::bits("MASKS", masks, "canonical planes of each input value"),
            ])
            // A conv layer 0 reads packed positions (the defaults, flat indices, need no text).
            .chain(match (image.packed, shape) {
                (Some([_, y_bits, x_bits]), Some(shape)) => vec![
                    Param::int("PACKED", 1, "layer 0 is a conv layer: sources {c, y, x}"),
                    Param::int("HEIGHT", shape.height as i64, ""),
                    Param::int("WIDTH", shape.width as i64, ""),
                    Param::int("Y_BITS", y_bits as i64, ""),
                    Param::int("X_BITS", x_bits as i64, ""),
                ],
                _ => Vec::new(),
            })
            .collect(),
        connections: ["clk", "rst", "in_valid", "in_ready", "in_value"]
            .into_iter()
            .map(pass)
            .chain(WRITE_SIDE.iter().map(|(port, buf)| (port.to_string(), Expr::ident(&format!("b0_{buf}")))))
            .chain([("started".into(), Expr::ident("encoder_start"))])
            .collect(),
    }
}
