//! Generated designs read, elaborate and pass yosys's structural checks. yosys is required
//! in CI (`CI=true`); elsewhere the test skips with a reason.

use model::HardwarePlan;
use model::examples::{fuzz_network, tiny_lateral_network, tiny_network};
use rayon::prelude::*;

#[test]
fn generated_designs_read_in_yosys() {
    if testkit::require(bitstreams::yosys::find_yosys()).is_none() {
        return;
    }
    let mut nets = vec![(tiny_network(), vec![2, 3]), (tiny_lateral_network(), vec![2, 3])];
    for seed in 100..108 {
        let net = fuzz_network(seed);
        let lanes = net.layers.iter().map(|l| (l.outputs() as u32).div_ceil(3)).collect();
        nets.push((net, lanes));
    }
    nets.par_iter().enumerate().for_each(|(i, (net, lanes))| {
        let dir = testkit::scratch_dir(&format!("yosys-{i}"));
        let design = hdl_gen::generate(net, &HardwarePlan::per_layer(net, lanes).unwrap()).unwrap();
        hdl_gen::write_dir(&design, &dir, true).unwrap();
        bitstreams::yosys::check_design(&dir).unwrap_or_else(|e| panic!("network {i} ({}): {e}", net.name));
    });
}
