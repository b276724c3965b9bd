//! Co-simulation in a user's CI, end to end with real Verilator: `--shard I/N` splits a run
//! so that the shards together are the unsharded run, `--junit` writes a report CI tools
//! read (also when the run fails), `--cache-dir` holds the builds keyed by Verilator's version.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_spikeforge");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn spikeforge(args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(ROOT).output().expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn have_verilator() -> bool {
    Command::new("verilator").arg("--version").output().is_ok_and(|o| o.status.success())
        || testkit::skip_unless_ci("verilator not installed (run `make setup`)")
}

/// A JUnit file's suite counts `(tests, failures)`, after checking the document's shape:
/// one `<testsuites>` root, suites whose counts match their cases, cases that close.
fn junit_counts(path: &Path) -> (usize, usize) {
    let xml = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "), "{xml}");
    assert!(xml.trim_end().ends_with("</testsuites>"), "{xml}");
    let attr = |tag: &str, name: &str| -> usize {
        let at = xml.find(tag).unwrap_or_else(|| panic!("no {tag} in {xml}"));
        let rest = &xml[at..];
        let start = rest.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        rest[start..start + rest[start..].find('"').unwrap()].parse().unwrap()
    };
    let cases = xml.matches("<testcase ").count();
    let failures = xml.matches("<failure ").count();
    assert_eq!(xml.matches("<failure ").count(), xml.matches("</failure>").count());
    assert_eq!(attr("<testsuite ", "tests"), cases, "{xml}");
    assert_eq!(attr("<testsuite ", "failures"), failures, "{xml}");
    (cases, failures)
}

/// A run's JSON report and its JUnit counts, for `shard` (`None`: unsharded).
fn cosim(model: &Path, rtl: &Path, dir: &Path, shard: Option<&str>) -> (Output, (usize, usize)) {
    let name = shard.map_or("whole".to_string(), |s| s.replace('/', "of"));
    let junit = dir.join(format!("junit/{name}.xml"));
    let vcd = dir.join(format!("vcd-{name}"));
    let cache = dir.join("cache");
    let mut args = vec![
        "cosim",
        model.to_str().unwrap(),
        "--rtl",
        rtl.to_str().unwrap(),
        "--data",
        "random",
        "--limit",
        "30",
        "--json",
        "--junit",
        junit.to_str().unwrap(),
        "--vcd",
        vcd.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
    ];
    if let Some(s) = shard {
        args.extend(["--shard", s]);
    }
    let o = spikeforge(&args);
    let counts = junit_counts(&junit);
    (o, counts)
}

/// The union of the four shards of a run is the run: the same inputs, the same classes, the
/// same mismatches; on a wrong design too, where every report still names the mismatch.
#[test]
fn four_shards_of_a_cosimulation_are_the_unsharded_run() {
    if !have_verilator() {
        return;
    }
    let dir = testkit::scratch_dir("ci-shards");
    let model = dir.join("small.sfm.json");
    let o =
        spikeforge(&["example", "--out", model.to_str().unwrap(), "--side", "4", "--hidden", "6", "--classes", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rtl = dir.join("rtl");
    assert!(
        spikeforge(&["gen", model.to_str().unwrap(), "--out", rtl.to_str().unwrap(), "--lanes", "3"]).status.success()
    );
    for edited in [false, true] {
        if edited {
            // The hidden layer's decay shift 2 -> 1: spikes differ on some inputs.
            let wrapper = rtl.join("mnist_mlp_untrained_l0_fc1.v");
            let text = std::fs::read_to_string(&wrapper).unwrap();
            std::fs::write(&wrapper, text.replacen(".DECAY_SHIFT(2)", ".DECAY_SHIFT(1)", 1)).unwrap();
        }
        let (o, (cases, failures)) = cosim(&model, &rtl, &dir, None);
        assert_eq!(o.status.code(), Some(if edited { 1 } else { 0 }), "{}", stderr(&o));
        let whole = json(&o);
        let r = &whole["report"];
        assert_eq!(r["inputs"], 30);
        assert!(whole.get("shard").is_none(), "an unsharded report is as before: {whole}");
        assert_eq!((cases, failures), (1, usize::from(edited)));
        let mut classes = vec![serde_json::Value::Null; 30];
        let (mut inputs, mut mismatched, mut firsts) = (0, 0, Vec::new());
        for i in 1..=4 {
            let shard = format!("{i}/4");
            let (o, (cases, _)) = cosim(&model, &rtl, &dir, Some(&shard));
            let part = json(&o);
            assert_eq!(part["shard"], shard.as_str());
            let p = &part["report"];
            inputs += p["inputs"].as_u64().unwrap();
            mismatched += p["mismatched_inputs"].as_u64().unwrap();
            for (local, c) in p["rtl_classes"].as_array().unwrap().iter().enumerate() {
                classes[(i - 1) + 4 * local] = c.clone();
            }
            if !p["first"].is_null() {
                firsts.push(p["first"].clone());
                assert_eq!(o.status.code(), Some(1));
            }
            assert_eq!(cases, 1);
        }
        assert_eq!(inputs, 30);
        assert_eq!(serde_json::Value::from(classes), r["rtl_classes"]);
        if !edited {
            assert_eq!((mismatched, firsts.len()), (0, 0));
            continue;
        }
        assert!(mismatched > 0);
        // The run's first mismatch is the earliest of the shards' firsts, named by the same
        // input number, layer, timestep, neuron and values.
        let earliest = firsts.iter().min_by_key(|m| m["input"].as_u64()).unwrap();
        assert_eq!(earliest, &r["first"]);
        // The report names the mismatch as the CLI does, and its waveform.
        let xml = std::fs::read_to_string(dir.join("junit/whole.xml")).unwrap();
        let n = r["first"]["input"].as_u64().unwrap();
        let err = stderr(&o);
        assert!(xml.contains(&format!("first: input {n}, layer 0 (fc1), timestep ")), "{xml}");
        assert!(
            xml.contains(&format!("waveform of that input: {}", dir.join(format!("vcd-whole/input{n}.vcd")).display()))
        );
        assert!(err.contains(&format!("first: input {n}, layer 0 (fc1)")), "{err}");
    }
    // Builds live under the Verilator version's subdirectory of --cache-dir.
    let keyed: Vec<String> = std::fs::read_dir(dir.join("cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(keyed.len(), 1, "{keyed:?}");
    assert!(keyed[0].starts_with("verilator-5"), "{keyed:?}");
}

/// The shards of a fuzz campaign are its networks, each once, with the same results.
#[test]
fn two_shards_of_a_fuzz_campaign_are_the_unsharded_campaign() {
    if !have_verilator() {
        return;
    }
    let dir = testkit::scratch_dir("ci-fuzz");
    let cache = dir.join("cache");
    let run = |shard: Option<&str>| -> Vec<serde_json::Value> {
        let junit = dir.join(format!("{}.xml", shard.unwrap_or("whole").replace('/', "of")));
        let mut args = vec!["cosim-fuzz", "--family", "dense", "--networks", "5", "--seed", "7", "--inputs", "4"];
        args.extend(["--json", "--cache-dir", cache.to_str().unwrap(), "--junit", junit.to_str().unwrap()]);
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        let o = spikeforge(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let cases = json(&o)["cases"].as_array().unwrap().clone();
        assert_eq!(junit_counts(&junit), (cases.len(), 0));
        cases
    };
    let whole = run(None);
    let mut union: Vec<serde_json::Value> = run(Some("1/2")).into_iter().chain(run(Some("2/2"))).collect();
    union.sort_by_key(|c| c["seed"].as_u64());
    let seeds: Vec<u64> = union.iter().map(|c| c["seed"].as_u64().unwrap()).collect();
    assert_eq!(seeds, [7, 8, 9, 10, 11]);
    assert_eq!(union, whole);
}

#[test]
fn a_bad_shard_is_one_line() {
    for (cmd, given, reason) in [
        ("cosim", "0/4", "I runs from 1 to N"),
        ("cosim", "5/4", "I runs from 1 to N"),
        ("cosim-fuzz", "x", "expected I/N"),
    ] {
        let mut args = vec![cmd, "--shard", given];
        if cmd == "cosim" {
            args.insert(1, "examples/digits-lms.sfm.json");
        }
        let o = spikeforge(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("error: --shard: \"{given}\" is not a shard: {reason}")), "{err}");
    }
}
