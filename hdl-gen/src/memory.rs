//! The memory files of a layer: weights and biases as `$readmemh` text (lane 0 in the low
//! bits, two's complement) and the weights as the bytes a start-up load sends.

use model::{LayerOp, Network};

use crate::layer::LayerRtl;
use crate::verilog::{hex, pack_bits};

/// `$readmemh` text: one word per line, lane 0 in the low bits, two's complement.
fn memory_words(words: impl Iterator<Item = Vec<i64>>, width: u32) -> String {
    let mut out = String::new();
    for lanes in words {
        out.push_str(&hex(&pack_bits(lanes, width)));
        out.push('\n');
    }
    out
}

/// The lanes of group `grp` (`P` lanes) over one row of per-neuron values, zero for lanes
/// past the last neuron.
fn group_lanes(row: &[i32], grp: usize, lanes: usize) -> Vec<i64> {
    (grp * lanes..(grp + 1) * lanes).map(|j| row.get(j).map_or(0, |&v| v as i64)).collect()
}

/// The weight words in memory order, group-major: with `S = M` rows per group (`S = M + N`
/// with lateral connections), word `g * S + source` holds `W[source][g*P .. g*P + P - 1]`,
/// zero for lanes past the last neuron, and word `g * S + M + k` holds
/// `R[k][g*P .. g*P + P - 1]`. Group-major, `sf_layer` addresses a row as the group's first
/// word (a register it steps by `S`) plus the event's source, with no multiplier.
///
/// A conv layer's word `(c·K + ky)·G + g` holds its kernel row `W[c][ky][kx][g*P + p]` for
/// every `kx` and lane `p`, tap `kx` of lane `p` at position `kx·P + p` (zero past the last
/// output channel).
fn weight_lanes<'a>(net: &'a Network, rtl: &LayerRtl) -> Box<dyn Iterator<Item = Vec<i64>> + 'a> {
    let layer = &net.layers[rtl.index];
    let (p, g) = (rtl.plan.lanes as usize, rtl.plan.groups as usize);
    match &layer.op {
        LayerOp::Dense(d) => {
            let n = d.outputs as usize;
            let lateral: &[i32] = layer.lateral.as_ref().map_or(&[], |l| &l.weights);
            let rows: Vec<&[i32]> = d.weights.chunks(n).chain(lateral.chunks(n)).collect();
            Box::new((0..g).flat_map(move |grp| {
                let rows = rows.clone();
                rows.into_iter().map(move |row| group_lanes(row, grp, p))
            }))
        }
        LayerOp::Conv2d(c) => {
            // weights[((c·K + ky)·K + kx)·C' + o]: a kernel row is K runs of C' weights.
            let (k, co) = (c.kernel as usize, c.out_channels as usize);
            Box::new(c.weights.chunks(k * co).flat_map(move |kernel_row| {
                (0..g).map(move |grp| kernel_row.chunks(co).flat_map(|taps| group_lanes(taps, grp, p)).collect())
            }))
        }
        LayerOp::SumPool2d(_) | LayerOp::MaxPool2d(_) => Box::new(std::iter::empty()),
    }
}

/// The weight memory as `$readmemh` text: word `g * S + source` holds
/// `W[source][g*P .. g*P + P - 1]` (zero past the last neuron), the group's lateral rows
/// after its `M` input rows; a conv layer's words are its kernel rows per channel group.
pub fn weight_memory(net: &Network, rtl: &LayerRtl) -> String {
    memory_words(weight_lanes(net, rtl), rtl.plan.weight_bits)
}

/// The weight memory as the bytes a start-up load sends: each word's
/// `ceil(lanes · weight_bits / 8)` bytes little-endian (lane 0 in the low bits of byte 0),
/// words in address order.
///
/// ```
/// let net = model::examples::tiny_network(); // 6 inputs -> 5 -> 3, 4-bit weights
/// let plan = model::HardwarePlan::uniform(&net, 2).unwrap();
/// let design = hdl_gen::generate(&net, &plan).unwrap();
/// let bytes = hdl_gen::memory::weight_bytes(&net, &design.layers[0]);
/// // 6 inputs x 3 groups words of 2 lanes x 4 bits = one byte each
/// assert_eq!(bytes.len(), 18);
/// ```
pub fn weight_bytes(net: &Network, rtl: &LayerRtl) -> Vec<u8> {
    let word_bytes = rtl.weight_word_bits().div_ceil(8) as usize;
    let mut out = Vec::with_capacity(rtl.weight_words() as usize * word_bytes);
    for lanes in weight_lanes(net, rtl) {
        let mut word = vec![0u8; word_bytes];
        for (bit, set) in pack_bits(lanes, rtl.plan.weight_bits).into_iter().enumerate() {
            word[bit / 8] |= u8::from(set) << (bit % 8);
        }
        out.extend_from_slice(&word);
    }
    out
}

/// The bias memory: word `g` holds the biases of group `g` (of a conv layer: of its
/// channels `g*P .. g*P + P - 1`). Empty for a pooling layer.
pub fn bias_memory(net: &Network, rtl: &LayerRtl) -> String {
    let bias = match &net.layers[rtl.index].op {
        LayerOp::Dense(d) => &d.bias,
        LayerOp::Conv2d(c) => &c.bias,
        LayerOp::SumPool2d(_) | LayerOp::MaxPool2d(_) => return String::new(),
    };
    let p = rtl.plan.lanes as usize;
    let words = (0..rtl.plan.groups as usize).map(|grp| group_lanes(bias, grp, p));
    memory_words(words, rtl.bias_bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_words_pack_lane_zero_low() {
        // lanes (-1, 2) at 4 bits: lane 1 = 0010, lane 0 = 1111 -> 0x2f
        assert_eq!(memory_words([vec![-1, 2]].into_iter(), 4), "2f\n");
        // 3-bit lanes (1, -4, 3): 011 100 001 = 0b011100001 = 0x0e1
        assert_eq!(memory_words([vec![1, -4, 3]].into_iter(), 3), "0e1\n");
    }

    #[test]
    fn groups_past_the_last_neuron_are_zero() {
        assert_eq!(group_lanes(&[1, -2, 3], 1, 2), vec![3, 0]);
    }
}
