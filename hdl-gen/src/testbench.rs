//! The simulation-only Verilog testbench `<model>_tb` around the core (Icarus Verilog).

use model::Network;

use crate::core::is_weight_port;
use crate::layer::{self, LayerRtl, value_bits};
use crate::verilog::{Dir, Expr, Instance, Item, Module, Param, pass};

/// The simulation-only library of the Verilog testbench (`<model>_tb`), copied into every
/// generated directory next to [`crate::LIBRARY`] but never part of the synthesizable sources.
pub const TESTBENCH_LIBRARY: [(&str, &str); 3] = [
    ("sf_tb_clock.v", include_str!("../rtl/sim/sf_tb_clock.v")),
    ("sf_tb_source.v", include_str!("../rtl/sim/sf_tb_source.v")),
    ("sf_tb_tap.v", include_str!("../rtl/sim/sf_tb_tap.v")),
];

/// How to run the testbench, for people (the manifest says it).
pub(crate) const USAGE: &str = "iverilog -g2005 -DSF_PRELOAD_WEIGHTS -s <top> -o sim.vvp <design sources> <testbench files>; \
     vvp sim.vvp +inputs=FILE +items=N [+out=FILE] [+limit=CYCLES] [+stall=SEED] [+vcd=FILE +vcd_first=A +vcd_last=B]";

/// The testbench `<model>_tb`: clock and records (`sf_tb_clock`), the input stream
/// (`sf_tb_source`), the core, and one recorder per layer (`sf_tb_tap`). It writes the
/// records the Verilator harness prints, so both simulators are checked by the same code.
pub(crate) fn testbench_module(net: &Network, core: &Module, layers: &[LayerRtl], values_per_cycle: u32) -> Module {
    let name = format!("{}_tb", core.name.trim_end_matches("_core"));
    let mut m = Module::new(&name, &format!("Simulation-only testbench of `{}` (Icarus Verilog).", core.name));
    m.doc.push(if values_per_cycle > 1 {
        format!(
            "Plusargs: +inputs=FILE (one hex chunk of {values_per_cycle} values per line) +items=N (inputs x timesteps)"
        )
    } else {
        "Plusargs: +inputs=FILE (one hex value per line) +items=N (inputs x timesteps)".into()
    });
    m.doc.push(
        "[+out=FILE] [+limit=CYCLES] [+stall=SEED] [+vcd=FILE +vcd_first=A +vcd_last=B]; records as in sf_tb_clock.v."
            .into(),
    );
    let wire = |n: &str, width: u32| Item::Wire { name: n.into(), width };
    m.items.extend([wire("clk", 1), wire("rst", 1), wire("cycle", 64), wire("fd", 32)]);
    // Loaded weights start from their files (SF_PRELOAD_WEIGHTS): the bench never writes them.
    let driven = core.ports.iter().filter(|p| p.name != "clk" && p.name != "rst" && !is_weight_port(&p.name));
    m.items.extend(driven.map(|p| wire(&p.name, p.width)));
    let last = layers.len() - 1;
    m.items.push(Item::Blank);
    m.items.push(Item::Instance(Instance {
        module: "sf_tb_clock".into(),
        name: "u_clock".into(),
        params: Vec::new(),
        connections: ["clk", "rst", "cycle", "fd", "encoder_start"]
            .into_iter()
            .map(pass)
            .chain([("last_done".into(), Expr::ident(&format!("l{last}_item_done")))])
            .collect(),
    }));
    m.items.push(Item::Blank);
    m.items.push(Item::Instance(Instance {
        module: "sf_tb_source".into(),
        name: "u_source".into(),
        params: vec![Param::int(
            "VALUE_BITS",
            (value_bits(net.input.max_value as u64) * values_per_cycle) as i64,
            &match values_per_cycle {
                1 => "bits of one input value".to_string(),
                v => format!("bits of one chunk of {v} input values"),
            },
        )],
        connections: ["clk", "rst", "in_valid", "in_ready", "in_value"].into_iter().map(pass).collect(),
    }));
    m.items.push(Item::Blank);
    // Loaded weights' read ports (the board's weight CRC) are left open.
    let reads_weights = core.ports.iter().any(|p| is_weight_port(&p.name) && p.dir == Dir::Output);
    if reads_weights {
        m.items.push(Item::Lint { off: true, rule: "PINCONNECTEMPTY".into() });
    }
    m.items.push(Item::Instance(Instance {
        module: core.name.clone(),
        name: "u_core".into(),
        params: Vec::new(),
        connections: core
            .ports
            .iter()
            .map(|p| match (is_weight_port(&p.name), p.dir == Dir::Output) {
                (true, true) => (p.name.clone(), Expr::Open),
                (true, false) => (p.name.clone(), Expr::zero(p.width)),
                (false, _) => pass(&p.name),
            })
            .collect(),
    }));
    if reads_weights {
        m.items.push(Item::Lint { off: false, rule: "PINCONNECTEMPTY".into() });
    }
    let t_bits = layer::index_bits(net.timesteps as u64);
    let readout = matches!(net.layers[last].neuron.kind, model::NeuronKind::Readout);
    for l in layers {
        let i = l.index;
        let has_score = i == last && readout;
        let tap = |s: &str| (s.to_string(), Expr::ident(&format!("l{i}_{s}")));
        let score = if i == last { Expr::ident("score_value") } else { Expr::zero(1) };
        // A fused pooling layer has no membranes: its tap folds nothing and prints digest 0.
        let lanes = l.membrane_tap_width();
        let membrane_taps: Vec<(String, Expr)> = if lanes == 0 {
            [("mem_tap_valid", 1), ("mem_tap_neuron", l.neuron_bits), ("mem_tap_mask", 1), ("mem_tap_row", 1)]
                .into_iter()
                .map(|(n, width)| (n.to_string(), Expr::zero(width)))
                .collect()
        } else {
            ["mem_tap_valid", "mem_tap_neuron", "mem_tap_mask", "mem_tap_row"].into_iter().map(tap).collect()
        };
        m.items.push(Item::Blank);
        m.items.push(Item::Instance(Instance {
            module: "sf_tb_tap".into(),
            name: format!("u_tap{i}"),
            params: vec![
                Param::int("LAYER", i as i64, &l.name),
                Param::int("NEURON_BITS", l.neuron_bits as i64, ""),
                Param::int("SEL_BITS", l.sel_bits as i64, ""),
                Param::int("T_BITS", t_bits as i64, ""),
                Param::int("SCORE_BITS", if i == last { l.plan.membrane_bits as i64 } else { 1 }, ""),
                Param::int("HAS_SCORE", i64::from(has_score), if has_score { "readout scores" } else { "" }),
                Param::int("MEM_LANES", i64::from(lanes.max(1)), "membranes per tap cycle"),
                Param::int("MEM_BITS", if lanes == 0 { 1 } else { l.plan.membrane_bits as i64 }, ""),
            ],
            connections: ["clk", "rst", "cycle", "fd"]
                .into_iter()
                .map(pass)
                .chain(["emit_valid", "emit_neuron", "emit_sel", "emit_neg"].into_iter().map(tap))
                .chain([("score_value".to_string(), score)])
                .chain(["item_done", "item_t"].into_iter().map(tap))
                .chain(membrane_taps)
                .collect(),
        }));
    }
    m
}
