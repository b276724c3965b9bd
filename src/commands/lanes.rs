//! The lane arguments `gen`, `build` and `cosim` share, and sizing lanes for a board.

use anyhow::Result;
use bitstreams::boards::Board;
use bitstreams::sizing::{Sizing, SizingChoices, SizingLimit};
use model::{HardwarePlan, MembraneSets, Network};

use crate::table::{Table, num};

#[derive(clap::Args)]
pub struct LaneArgs {
    /// Lanes per layer, reduced to the layer's width where it is narrower [default: 16, or
    /// sized for --board where the command has one]
    #[arg(long, conflicts_with = "lanes_per_layer")]
    pub lanes: Option<u32>,
    /// Explicit lanes per layer, e.g. 32,10
    #[arg(long, value_delimiter = ',')]
    pub lanes_per_layer: Option<Vec<u32>>,
    /// Layers whose weights the host loads over the UART at start-up instead of the
    /// bitstream holding them, e.g. 0: a RAM without initial contents, which on the iCE40
    /// UP5K is its 1 Mbit of SPRAM (`spikeforge run` loads them before the first input)
    #[arg(long, value_delimiter = ',', value_name = "LAYERS")]
    pub load_weights: Vec<usize>,
    /// Membrane banks of every conv layer, made legal per layer (at least its kernel row's
    /// taps, at most a word per output row, a multiple of a following pooling window): more
    /// banks, a shorter update pass, more memories [default: the fewest, or sized for
    /// --board where the command has one]
    #[arg(long)]
    pub banks: Option<u32>,
    /// Membrane sets of every conv layer: 2 lets the scatter of the next input run beside
    /// the update pass of this one, 1 halves the membrane memory [default: 2, or sized for
    /// --board where the command has one]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=2))]
    pub membrane_sets: Option<u32>,
    /// Input values the encoder takes per cycle, a divisor of the input's size (and, into a
    /// conv layer, of its width): each chunk of them costs max(1, its events) cycles
    /// [default: 1, or sized for --board where the command has one]
    #[arg(long, value_name = "V")]
    pub values_per_cycle: Option<u32>,
}

impl LaneArgs {
    /// The plan the user asked for, if they asked.
    pub fn explicit(&self, net: &Network) -> Result<Option<HardwarePlan>> {
        let plan = match (&self.lanes_per_layer, self.lanes) {
            (Some(list), _) => HardwarePlan::per_layer(net, list)?,
            (None, Some(lanes)) => HardwarePlan::uniform(net, lanes)?,
            (None, None) => return Ok(None),
        };
        Ok(Some(self.choices().apply(net, plan)?))
    }

    /// What the sizer may choose, given these arguments.
    pub fn choices(&self) -> SizingChoices<'_> {
        SizingChoices {
            loaded: &self.load_weights,
            banks: self.banks,
            sets: self.sets(),
            values_per_cycle: self.values_per_cycle,
        }
    }

    fn sets(&self) -> Option<MembraneSets> {
        membrane_sets(self.membrane_sets)
    }

    /// The plan the user asked for, else `default` lanes everywhere.
    pub fn plan_or(&self, net: &Network, default: u32) -> Result<HardwarePlan> {
        Ok(match self.explicit(net)? {
            Some(plan) => plan,
            None => self.choices().apply(net, HardwarePlan::uniform(net, default)?)?,
        })
    }
}

/// `--membrane-sets` (clap holds it to 1 or 2) as the plan's type.
pub fn membrane_sets(count: Option<u32>) -> Option<MembraneSets> {
    count.map(|n| if n == 1 { MembraneSets::One } else { MembraneSets::Two })
}

/// The sizing as a table and its reason in one line; throughput at `clock_mhz`.
pub fn print_sizing(board: Board, net: &Network, s: &Sizing, clock_mhz: f64) {
    let facts = board.facts();
    let mut t = Table::new(&["stage", "neurons", "lanes", "groups", "cycles per input"]);
    t.row(vec!["encoder".into(), "-".into(), "-".into(), "-".into(), num(s.encoder_cycles, 0)]);
    for (i, (l, c)) in s.plan.layers.iter().zip(&s.stage_cycles).enumerate() {
        // Conv lanes run over output channels; a pooling layer runs inside the conv stage.
        let row = match l.stage {
            model::Stage::Dense => vec![l.neurons.to_string(), l.lanes.to_string(), l.groups.to_string(), num(*c, 0)],
            model::Stage::Conv { banks, sets, .. } => vec![
                format!("{} ({} ch)", l.neurons, model::plan::lane_width(net, i)),
                format!(
                    "{} x {banks} banks, {} set{}",
                    l.lanes,
                    sets.count(),
                    if sets.count() == 1 { "" } else { "s" }
                ),
                l.groups.to_string(),
                num(*c, 0),
            ],
            model::Stage::FusedPool => vec![l.neurons.to_string(), "fused".into(), "-".into(), "-".into()],
        };
        t.row([vec![format!("layer {i}")], row].concat());
    }
    println!("lanes sized for the {} ({}):\n{}", facts.name, facts.fpga, t.render());
    let u = &s.usage;
    let hard_blocks: String = u
        .hard_blocks()
        .filter(|&(_, used, _)| used > 0)
        .map(|(kind, used, available)| format!(", {used} / {available} {kind}"))
        .collect();
    println!(
        "predicted: {} / {} {} ({:.0}%), {} / {} {}{hard_blocks}",
        u.logic,
        u.logic_available,
        u.logic_kind,
        100.0 * u.logic as f64 / u.logic_available as f64,
        u.block_rams,
        u.block_rams_available,
        u.block_ram_kind
    );
    let why = match &s.limit {
        SizingLimit::InputBound => "the input encoder (a cycle per input value) is the slowest stage".to_string(),
        SizingLimit::FullyParallel { layer } => match s.plan.layers[*layer].stage {
            model::Stage::Conv { banks, .. } => {
                format!("layer {layer} has a lane per output channel and {banks} membrane banks")
            }
            _ => format!("layer {layer} has a lane per neuron"),
        },
        SizingLimit::EventBound { layer, banks } => format!(
            "layer {layer} has a lane per output channel; its update pass is bound by its events, more than {banks} \
             membrane banks would not shorten it"
        ),
        SizingLimit::Resources { layer, banks: Some(banks), reason, .. } => {
            format!("{banks} membrane banks for layer {layer} would not fit ({reason})")
        }
        SizingLimit::Resources { layer, lanes, reason, .. } => {
            format!("{lanes} lanes for layer {layer} would not fit ({reason})")
        }
    };
    let cycles = s.bottleneck_cycles();
    println!(
        "bottleneck {} cycles per input -> about {} inputs/s at {} MHz; stopped: {why}",
        num(cycles, 0),
        num(s.bottleneck_inputs_per_second(clock_mhz), 0),
        num(clock_mhz, 2)
    );
    let layer0_limits =
        matches!(s.limit, SizingLimit::FullyParallel { layer: 0 } | SizingLimit::Resources { layer: 0, .. });
    if layer0_limits && net.input.code != model::SpikeCode::Payload {
        println!(
            "hint: layer 0 replays the input's {} plane events; `spikeforge recode --input-code payload` sends one \
             event per non-zero value instead (same results, a multiplier per lane)",
            net.input.code.label()
        );
    }
}
