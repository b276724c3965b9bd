use model::HardwarePlan;
use rand::{Rng, SeedableRng};
use sim::Golden;
use sim::cosim::Simulator;
use sim::cycle::{input_work, schedule};

#[test]
#[ignore]
fn debug() {
    let net = model::file::load(std::path::Path::new("/tmp/tiny.json")).unwrap();
    let plan = HardwarePlan::uniform(&net, 2).unwrap();
    let design = hdl_gen::generate(&net, &plan).unwrap();
    let dir = std::env::temp_dir().join("sf-debug");
    hdl_gen::write_dir(&design, &dir, true).unwrap();
    let golden = Golden::new(&net).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let size = net.input.size();
    let inputs: Vec<u8> = (0..5 * size).map(|_| rng.random_range(0..=255u32) as u8).collect();
    let works: Vec<_> = inputs.chunks(size).map(|x| input_work(&golden, &plan, x, &golden.trace(x).unwrap())).collect();
    let s = schedule(&works);
    let sim = Simulator::build(&dir, &std::env::temp_dir().join("sf-cache"), false).unwrap();
    let run = sim.run(&inputs, size, 100000, None, |_| {}).unwrap();
    println!("starts model {:?} rtl {:?}", s.inputs.iter().map(|i| i.start).collect::<Vec<_>>(), run.starts);
    for l in 0..net.layers.len() {
        println!("layer {l} model {:?}", s.done[l]);
        println!("layer {l} rtl   {:?}", run.layers[l].iter().map(|i| i.done).collect::<Vec<_>>());
        println!(
            "layer {l} work  {:?}",
            works
                .iter()
                .map(|w| w.layers[l].iter().map(|p| (p.cycles, p.input_events, p.output_events)).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        );
    }
    println!("encoder {:?}", works.iter().map(|w| w.encoder).collect::<Vec<_>>());
}
