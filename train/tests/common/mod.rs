//! What the trainer's integration tests share.

use model::Network;
use sim::Golden;

/// The golden model's scores and classes for every input.
pub fn golden_scores(net: &Network, images: &[u8]) -> (Vec<Vec<i64>>, Vec<usize>) {
    let golden = Golden::new(net).unwrap();
    images
        .chunks(net.input.size())
        .map(|x| {
            let t = golden.trace(x).unwrap();
            (t.scores, t.class)
        })
        .unzip()
}
