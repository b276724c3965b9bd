//! The board top `<model>_board`: power-on reset (`sf_reset`), the UART receiver and
//! transmitter (`sf_uart_rx`, `sf_uart_tx`), the inference bridge (`sf_uart_bridge`, its
//! protocol in [`crate::protocol`]) and the core. Only the wiring and the bridge's sizing
//! are generated; the logic is in `hdl-gen/rtl/board/`.
//!
//! Module parameters: `CLKS_PER_BIT` (clock / baud rate; default 104 = 12 MHz / 115,200)
//! and `TIMEOUT` (cycles of silence that drop a half-received request). Board flows set
//! them with yosys `chparam`; the UART co-simulation with Verilator's `-G`.

use model::{Network, NeuronKind, SpikeCode};

use crate::layer::{LayerRtl, index_bits, value_bits};
pub use crate::pll::ECP5_PLL_LIBRARY;
use crate::protocol::ReplyFormat;
use crate::verilog::{Expr, Instance, Item, Module, Param, Port, pack_bits, pass};

/// The hand-written board library, copied into every generated directory.
pub const BOARD_LIBRARY: [(&str, &str); 4] = [
    ("sf_reset.v", include_str!("../rtl/board/sf_reset.v")),
    ("sf_uart_rx.v", include_str!("../rtl/board/sf_uart_rx.v")),
    ("sf_uart_tx.v", include_str!("../rtl/board/sf_uart_tx.v")),
    ("sf_uart_bridge.v", include_str!("../rtl/board/sf_uart_bridge.v")),
];

/// The board library's weight loader, added where a layer's weights are loaded over the UART.
pub const WEIGHT_LOADER_LIBRARY: (&str, &str) = ("sf_weight_loader.v", include_str!("../rtl/board/sf_weight_loader.v"));

/// One memory the board top's load requests write (a layer with loaded weights).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadTarget {
    /// Target number in load requests.
    pub target: u8,
    /// The layer whose weights it holds.
    pub layer: usize,
    /// Words.
    pub words: u64,
    /// Bytes per word (`ceil(lanes · weight_bits / 8)`).
    pub word_bytes: u32,
}

/// The bridge's load buffer in bytes, if any layer's weights are loaded: room for 256 bytes
/// or one word, whichever is more (a power of two, so it is one clean block RAM shape).
pub fn load_buffer_bytes(layers: &[LayerRtl]) -> Option<u64> {
    let widest = layers.iter().filter(|l| l.loads_weights()).map(|l| l.weight_word_bits().div_ceil(8) as u64).max()?;
    Some(widest.max(256).next_power_of_two())
}

/// The load targets of a design, numbered in layer order.
pub fn load_targets(layers: &[LayerRtl]) -> Vec<LoadTarget> {
    layers
        .iter()
        .filter(|l| l.loads_weights())
        .enumerate()
        .map(|(target, l)| LoadTarget {
            target: target as u8,
            layer: l.index,
            words: l.weight_words(),
            word_bytes: l.weight_word_bits().div_ceil(8),
        })
        .collect()
}

/// Default clocks per UART bit (12 MHz at 115,200 baud).
pub const DEFAULT_CLKS_PER_BIT: u32 = 104;

/// The UART timing parameters every board-level top declares (the flows set them with
/// `chparam`), counted in cycles of `clock`.
pub(crate) fn uart_timing_params(clock: &str) -> [Param; 2] {
    [
        Param::int("CLKS_PER_BIT", DEFAULT_CLKS_PER_BIT as i64, &format!("{clock} / baud rate")),
        Param::int("TIMEOUT", 1_200_000, &format!("silent {clock} cycles that drop a half-received request")),
    ]
}

/// The bridge's load stream to the weight loaders (and the read requests of its weight
/// CRC): name and width.
const LOAD_PORTS: [(&str, u32); 6] =
    [("load_en", 1), ("load_target", 8), ("load_addr", 24), ("load_byte", 8), ("load_word_end", 1), ("read_en", 1)];

/// The loaders' read-back bytes to the bridge: name and width (each loader's on
/// `l<i>_<name>`, ORed together).
const READ_PORTS: [(&str, u32); 2] = [("read_valid", 1), ("read_byte", 8)];

/// The board top of `core` and the layout of its replies.
pub(crate) fn board_module(
    net: &Network,
    core: &Module,
    layers: &[LayerRtl],
    values_per_cycle: u32,
) -> (Module, ReplyFormat) {
    let targets = load_targets(layers);
    let load_buffer = load_buffer_bytes(layers).unwrap_or(1);
    let top = core.name.trim_end_matches("_core");
    let name = format!("{top}_board");
    let last = layers.last().expect("validated networks have layers");
    let value = value_bits(net.input.max_value as u64);
    let (bridge, reply) = bridge(net, last, &targets, load_buffer, values_per_cycle);

    let mut m =
        Module::new(&name, &format!("Board top of `{}`: inference over a UART (115,200 8N1 by default).", net.name));
    m.doc.push("Request, reply and status codes: sf_uart_bridge.v and hdl_gen::protocol.".into());
    m.params.extend(uart_timing_params("clock"));
    m.ports.push(Port::input("clk", 1, "board clock"));
    m.ports.push(Port::input("rx", 1, "UART from the host"));
    m.ports.push(Port::output("tx", 1, "UART to the host"));
    m.ports.push(Port::output("led_busy", 1, "a request is in progress"));
    m.ports.push(Port::output("led_class", 3, "low bits of the last class sent"));

    let wire = |n: &str, width: u32| Item::Wire { name: n.into(), width };
    for (n, w) in [
        ("rst", 1),
        ("rx_valid", 1),
        ("rx_data", 8),
        ("rx_error", 1),
        ("tx_ready", 1),
        ("tx_send", 1),
        ("tx_data", 8),
        ("in_valid", 1),
        ("in_ready", 1),
        ("in_value", value * values_per_cycle),
        ("encoder_start", 1),
        ("last_emit_valid", 1),
        ("last_emit_neuron", last.neuron_bits),
        ("last_emit_sel", last.sel_bits),
        ("last_emit_neg", 1),
        ("last_item_done", 1),
        ("score_value", last.plan.membrane_bits),
    ] {
        m.items.push(wire(n, w));
    }
    if !targets.is_empty() {
        for (n, w) in LOAD_PORTS.into_iter().chain(READ_PORTS) {
            m.items.push(wire(n, w));
        }
    }
    m.items.extend(uart_items());
    m.items.push(Item::Blank);
    if targets.is_empty() {
        // No layer loads its weights: the bridge's load stream goes nowhere.
        m.items.push(Item::Lint { off: true, rule: "PINCONNECTEMPTY".into() });
        m.items.push(Item::Instance(bridge));
        m.items.push(Item::Lint { off: false, rule: "PINCONNECTEMPTY".into() });
    } else {
        m.items.push(Item::Instance(bridge));
    }
    m.items.extend(loader_items(layers, &targets));
    m.items.extend(core_items(core, last));
    (m, reply)
}

/// Power-on reset, UART receiver and transmitter.
fn uart_items() -> Vec<Item> {
    let id = Expr::ident;
    let mut items = Vec::new();
    items.push(Item::Blank);
    items.push(Item::Instance(Instance {
        module: "sf_reset".into(),
        name: "u_reset".into(),
        params: vec![Param::int("CYCLES", 16, "cycles of reset after configuration"), Param::int("BITS", 5, "")],
        connections: vec![pass("clk"), pass("rst")],
    }));
    let uart_params = vec![Param::pass("CLKS_PER_BIT")];
    items.push(Item::Blank);
    items.push(Item::Instance(Instance {
        module: "sf_uart_rx".into(),
        name: "u_rx".into(),
        params: uart_params.clone(),
        connections: vec![
            pass("clk"),
            pass("rst"),
            pass("rx"),
            ("data_valid".into(), id("rx_valid")),
            ("data".into(), id("rx_data")),
            ("frame_error".into(), id("rx_error")),
        ],
    }));
    items.push(Item::Blank);
    items.push(Item::Instance(Instance {
        module: "sf_uart_tx".into(),
        name: "u_tx".into(),
        params: uart_params,
        connections: vec![
            pass("clk"),
            pass("rst"),
            ("send".into(), id("tx_send")),
            ("data".into(), id("tx_data")),
            ("ready".into(), id("tx_ready")),
            pass("tx"),
        ],
    }));
    items
}

/// The inference bridge sized for `net`'s input and last layer, and its reply layout.
fn bridge(
    net: &Network,
    last: &LayerRtl,
    targets: &[LoadTarget],
    load_buffer: u64,
    values_per_cycle: u32,
) -> (Instance, ReplyFormat) {
    let id = Expr::ident;
    let classes = net.layers[last.index].outputs() as u32;
    let last_layer = &net.layers[last.index];
    let readout = matches!(last_layer.neuron.kind, NeuronKind::Readout);
    let score_bits = if readout {
        last.plan.membrane_bits
    } else {
        let r = last_layer.neuron.kind.spike_range();
        let t = net.timesteps as i64;
        // At least 9: the bridge widens 8-bit amplitudes into the count.
        model::bounds::signed_bits((t * r.min as i64).into(), (t * r.max as i64).into()).max(9)
    };
    let score_bytes = score_bits.div_ceil(8);
    let (k, amps, payload) = match last_layer.neuron.kind.code() {
        SpikeCode::Planes(a) if !readout => (a.len(), a, false),
        SpikeCode::Payload if !readout => (1, vec![1], true),
        _ => (1, vec![1], false),
    };
    let amp_bits = pack_bits(amps.iter().map(|&a| a as i64), 8);
    let value = value_bits(net.input.max_value as u64);
    let size = net.input.size() as u64;
    let code = if readout {
        "readout scores".to_string()
    } else {
        format!("spike counts, code {}", last_layer.neuron.kind.code().label())
    };
    let bridge = Instance {
        module: "sf_uart_bridge".into(),
        name: "u_bridge".into(),
        params: vec![Param::int("M", size as i64, "input values per request")]
            .into_iter()
            // One value per cycle is the module's default and needs no text.
            .chain(
                (values_per_cycle > 1).then(|| {
                    Param::int("VALUES_PER_CYCLE", values_per_cycle as i64, "values the core takes per cycle")
                }),
            )
            .chain([
                Param::int("SRC_BITS", index_bits(size) as i64, ""),
                Param::int("VALUE_BITS", value as i64, ""),
                Param::int("MAX_VALUE", net.input.max_value as i64, ""),
                Param::int("T", net.timesteps as i64, "timesteps per input"),
                Param::int("CLASSES", classes as i64, &format!("outputs of layer {} ({})", last.index, last.name)),
                Param::int("CLASS_BITS", index_bits(classes as u64) as i64, ""),
                Param::int("NEURON_BITS", last.neuron_bits as i64, ""),
                Param::int("SEL_BITS", last.sel_bits as i64, ""),
                Param::int("READOUT", i64::from(readout), &code),
                Param::int("IN_SCORE_BITS", last.plan.membrane_bits as i64, "the core's score_value"),
                Param::int("SCORE_BITS", score_bits as i64, if readout { "membrane width" } else { "T x spike range" }),
                Param::int("SCORE_BYTES", score_bytes as i64, "bytes per score in a reply"),
                Param::int("K", k as i64, ""),
                Param::bits("AMPS", amp_bits, "plane amplitudes, 8 bits each"),
                Param::int("PAYLOAD", i64::from(payload), ""),
                Param::pass("TIMEOUT"),
                Param::int("LOAD_TARGETS", targets.len() as i64, "layers whose weights are loaded over the UART"),
                Param::int("LOAD_ENTRIES", targets.len().max(1) as i64, ""),
                Param::bits(
                    "LOAD_WORD_BYTES",
                    table_bits(targets.iter().map(|t| t.word_bytes as u64), 16),
                    "bytes per weight word, per target",
                ),
                Param::bits("LOAD_DEPTH", table_bits(targets.iter().map(|t| t.words), 24), "weight words, per target"),
                Param::int(
                    "LOAD_TOTAL",
                    targets.iter().map(|t| t.words as i64).sum(),
                    "word writes before inference is allowed",
                ),
                Param::int("LOAD_BUFFER", load_buffer as i64, "most bytes per load request"),
                Param::int("LOAD_INDEX_BITS", value_bits(load_buffer) as i64, ""),
            ])
            .collect(),
        connections: [
            pass("clk"),
            pass("rst"),
            pass("rx_valid"),
            pass("rx_data"),
            pass("rx_error"),
            pass("tx_ready"),
            pass("tx_send"),
            pass("tx_data"),
            pass("in_valid"),
            pass("in_ready"),
            pass("in_value"),
            pass("encoder_start"),
            pass("last_emit_valid"),
            pass("last_emit_neuron"),
            pass("last_emit_sel"),
            pass("last_emit_neg"),
            pass("last_item_done"),
            pass("score_value"),
            ("busy".into(), id("led_busy")),
            pass("led_class"),
        ]
        .into_iter()
        .chain(LOAD_PORTS.iter().map(|(n, _)| (n.to_string(), if targets.is_empty() { Expr::Open } else { id(n) })))
        .chain(READ_PORTS.iter().map(|(n, w)| (n.to_string(), if targets.is_empty() { Expr::zero(*w) } else { id(n) })))
        .collect(),
    };
    (bridge, ReplyFormat { classes, score_bytes })
}

/// A weight loader per load target, with the core's weight port wires it drives, and the
/// OR of their read-back bytes for the bridge.
fn loader_items(layers: &[LayerRtl], targets: &[LoadTarget]) -> Vec<Item> {
    let id = Expr::ident;
    let wire = |n: &str, width: u32| Item::Wire { name: n.into(), width };
    let mut items = Vec::new();
    for t in targets {
        let l = &layers[t.layer];
        let i = l.index;
        items.push(Item::Blank);
        items.push(Item::Comment(vec![format!("Layer {i}'s weights, loaded over the UART (target {}).", t.target)]));
        let weight_ports = crate::core::weight_port_specs(l);
        for p in &weight_ports {
            items.push(wire(&p.name, p.width));
        }
        for (n, w) in READ_PORTS {
            items.push(wire(&format!("l{i}_{n}"), w));
        }
        items.push(Item::Instance(Instance {
            module: "sf_weight_loader".into(),
            name: format!("u_loader{i}"),
            params: vec![
                Param::int("TARGET", t.target as i64, ""),
                Param::int(
                    "WORD_BITS",
                    l.weight_word_bits() as i64,
                    &format!("{} lanes x {} bits", l.plan.lanes, l.plan.weight_bits),
                ),
                Param::int("WORD_BYTES", t.word_bytes as i64, ""),
                Param::int("ADDR_BITS", l.weight_addr_bits() as i64, &format!("{} words", t.words)),
            ],
            connections: ["clk", "rst", "load_en", "load_target", "load_addr", "load_byte", "load_word_end", "read_en"]
                .into_iter()
                .map(pass)
                .chain(READ_PORTS.iter().map(|(n, _)| (n.to_string(), id(&format!("l{i}_{n}")))))
                .chain(
                    // In WEIGHT_PORTS order.
                    ["wr_en", "wr_addr", "wr_data", "rd_en", "rd_data"]
                        .into_iter()
                        .zip(&weight_ports)
                        .map(|(port, p)| (port.into(), id(&p.name))),
                )
                .collect(),
        }));
    }
    if !targets.is_empty() {
        items.push(Item::Blank);
        items.push(Item::Comment(vec!["A loader sends 0 unless it answers a read: OR their bytes.".into()]));
        for (n, _) in READ_PORTS {
            let names = targets.iter().map(|t| format!("l{}_{n}", layers[t.layer].index)).collect();
            items.push(Item::Assign { lhs: n.into(), rhs: Expr::Or(names) });
        }
    }
    items
}

/// The core, its last layer's taps on the bridge's wires and earlier taps left open.
fn core_items(core: &Module, last: &LayerRtl) -> Vec<Item> {
    let id = Expr::ident;
    let mut items = Vec::new();
    items.push(Item::Blank);
    items.push(Item::Comment(vec!["Taps of earlier layers are for co-simulation only.".into()]));
    items.push(Item::Lint { off: true, rule: "PINCONNECTEMPTY".into() });
    let li = last.index;
    let connections = core
        .ports
        .iter()
        .map(|p| {
            let n = p.name.as_str();
            let expr = match n {
                "clk" | "rst" | "in_valid" | "in_ready" | "in_value" | "encoder_start" | "score_value" => id(n),
                _ if crate::core::is_weight_port(n) => id(n),
                _ => match n.strip_prefix(&format!("l{li}_")) {
                    Some("emit_valid") => id("last_emit_valid"),
                    Some("emit_neuron") => id("last_emit_neuron"),
                    Some("emit_sel") => id("last_emit_sel"),
                    Some("emit_neg") => id("last_emit_neg"),
                    Some("item_done") => id("last_item_done"),
                    _ => Expr::Open,
                },
            };
            (n.to_string(), expr)
        })
        .collect();
    items.push(Item::Instance(Instance {
        module: core.name.clone(),
        name: "u_core".into(),
        params: Vec::new(),
        connections,
    }));
    items.push(Item::Lint { off: false, rule: "PINCONNECTEMPTY".into() });
    items
}

/// `values` as a packed table of `width`-bit entries, entry 0 lowest; one zero entry when
/// empty (Verilog has no zero-width parameters).
fn table_bits(values: impl Iterator<Item = u64>, width: u32) -> Vec<bool> {
    let mut bits = pack_bits(values.map(|v| v as i64), width);
    if bits.is_empty() {
        bits = vec![false; width as usize];
    }
    bits
}

/// What the host loads into a design's board top before the first inference: every layer
/// with loaded weights, as its target's [`crate::protocol::WeightImage`] (empty when the
/// weights are all in the bitstream).
pub fn weight_images(net: &Network, design: &crate::Design) -> Vec<crate::protocol::WeightImage> {
    load_targets(&design.layers)
        .into_iter()
        .map(|t| crate::protocol::WeightImage {
            target: t.target,
            layer: t.layer,
            name: design.layers[t.layer].name.clone(),
            word_bytes: t.word_bytes,
            bytes: crate::memory::weight_bytes(net, &design.layers[t.layer]),
        })
        .collect()
}
