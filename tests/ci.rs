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

/// The scikit-learn digits, which the workflows co-simulate, are installed; outside CI a
/// missing dataset skips with a reason, in CI it fails.
fn have_digits() -> bool {
    Path::new(ROOT).join("data/digits.csv").exists()
        || testkit::skip_unless_ci("scikit-learn digits not installed (run `make setup`)")
}

fn yaml(path: &str) -> serde_norway::Value {
    let text = std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap();
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A YAML scalar as the string a CI runner substitutes (`1` and `"1"` alike).
fn scalar(v: &serde_norway::Value) -> String {
    match v {
        serde_norway::Value::String(s) => s.clone(),
        serde_norway::Value::Number(n) => n.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// The `name` attributes of a JUnit file's test cases.
fn case_names(xml: &str) -> Vec<String> {
    xml.split("<testcase ")
        .skip(1)
        .map(|c| {
            let start = c.find(" name=\"").unwrap() + 7;
            c[start..start + c[start..].find('"').unwrap()].to_string()
        })
        .collect()
}

/// The install and build steps the recipe starts with: what the README says, not run here
/// (the binary under test is the build).
const SETUP_STEPS: [&str; 2] = ["Install", "Build spikeforge"];

/// The GitHub workflow users copy is data: its co-simulation job's `run:` commands run here,
/// exactly, for every matrix entry, and together the shards' JUnit reports cover every
/// input of the bundled example's test split, all passing.
#[test]
fn the_github_workflow_runs_locally_for_every_shard() {
    if !have_verilator() || !have_digits() {
        return;
    }
    let workflow = yaml("docs/ci/github-cosim.yml");
    let job = &workflow["jobs"]["cosim"];
    let shards: Vec<String> = job["strategy"]["matrix"]["shard"].as_sequence().unwrap().iter().map(scalar).collect();
    assert_eq!(shards, ["1", "2", "3", "4"]);
    let steps = job["steps"].as_sequence().unwrap();
    let named =
        |name: &str| steps.iter().find(|s| s["name"].as_str() == Some(name)).unwrap_or_else(|| panic!("{name}"));
    assert_eq!(named("Install")["run"].as_str().unwrap().trim(), "make setup");
    assert!(named("Build spikeforge")["run"].as_str().unwrap().contains("cargo build --release --locked"));
    let uses = |action: &str| {
        steps
            .iter()
            .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(action)))
            .unwrap_or_else(|| panic!("{action}"))
    };
    let cache_dir = uses("actions/cache@")["with"]["path"].as_str().unwrap();
    let reports = uses("actions/upload-artifact@")["with"]["path"].as_str().unwrap();
    let runs: Vec<&str> = steps
        .iter()
        .filter(|s| !s["name"].as_str().is_some_and(|n| SETUP_STEPS.contains(&n)))
        .filter_map(|s| s["run"].as_str())
        .collect();
    let cosim = runs.iter().find(|r| r.contains("spikeforge cosim ")).expect("a co-simulation step");
    assert!(
        cosim.contains(&format!("--cache-dir {cache_dir}")) && cosim.contains(&format!("--junit {reports}")),
        "{cosim}"
    );

    // The commands run in a directory of their own holding the repository's examples and data.
    let dir = testkit::scratch_dir("ci-github");
    for link in ["examples", "data"] {
        std::os::unix::fs::symlink(Path::new(ROOT).join(link), dir.join(link)).unwrap();
    }
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    for shard in &shards {
        let output = dir.join(format!("github-output-{shard}"));
        for run in &runs {
            let command = run.replace("${{ matrix.shard }}", shard);
            assert!(!command.contains("${{"), "a run command needs only the matrix: {command}");
            // GitHub's own shell for `run:`.
            let o = Command::new("bash")
                .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &command])
                .current_dir(&dir)
                .env("PATH", &path)
                .env("GITHUB_OUTPUT", &output)
                .env("GITHUB_PATH", dir.join("github-path"))
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "shard {shard}: {command}\n{}{}",
                String::from_utf8_lossy(&o.stdout),
                stderr(&o)
            );
        }
        let key = std::fs::read_to_string(&output).unwrap();
        assert!(key.starts_with("key=Verilator-") && key.lines().count() == 1, "{key}");
    }
    let total = datasets::load(&datasets::Source::Digits, &Path::new(ROOT).join("data")).unwrap().test.len();
    let mut covered = vec![0; total];
    for shard in &shards {
        let junit = dir.join(reports).join(format!("cosim-{shard}.xml"));
        assert_eq!(junit_counts(&junit).1, 0, "{}", junit.display());
        for name in case_names(&std::fs::read_to_string(&junit).unwrap()) {
            // `inputs A-B, one in N (shard I/N)`
            let range = name.strip_prefix("inputs ").unwrap().split(',').next().unwrap();
            let (a, b) = range.split_once('-').unwrap();
            let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
            assert!(name.contains(&format!("one in 4 (shard {shard}/4)")), "{name}");
            (a..=b).step_by(4).for_each(|k| covered[k] += 1);
        }
    }
    assert!(covered.iter().all(|&n| n == 1), "every input exactly once: {covered:?}");
    let keyed = std::fs::read_dir(dir.join(cache_dir)).unwrap().map(|e| e.unwrap().file_name()).collect::<Vec<_>>();
    assert!(keyed.iter().all(|n| n.to_string_lossy().starts_with("verilator-")), "{keyed:?}");
}

/// The GitLab file runs the same spikeforge commands over the same shards as the GitHub
/// workflow, after the same install and build.
#[test]
fn the_gitlab_file_runs_the_github_workflows_commands() {
    let github = yaml("docs/ci/github-cosim.yml");
    let gitlab = yaml("docs/ci/gitlab-cosim.yml");
    let job = &gitlab["cosim"];
    let matrix = job["parallel"]["matrix"].as_sequence().unwrap();
    assert_eq!(matrix.len(), 1);
    let shards: Vec<String> = matrix[0]["SHARD"].as_sequence().unwrap().iter().map(scalar).collect();
    let github_shards: Vec<String> =
        github["jobs"]["cosim"]["strategy"]["matrix"]["shard"].as_sequence().unwrap().iter().map(scalar).collect();
    assert_eq!(shards, github_shards);
    let script: Vec<&str> = job["script"].as_sequence().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    let github_lines: Vec<String> = github["jobs"]["cosim"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .flat_map(|r| r.lines().map(|l| l.replace("${{ matrix.shard }}", "$SHARD")))
        .collect();
    let spikeforge =
        |lines: Vec<String>| -> Vec<String> { lines.into_iter().filter(|l| l.starts_with("spikeforge ")).collect() };
    let gitlab_spikeforge = spikeforge(script.iter().map(|s| s.to_string()).collect());
    assert!(!gitlab_spikeforge.is_empty());
    assert_eq!(gitlab_spikeforge, spikeforge(github_lines.clone()));
    for setup in ["make setup", "cargo build --release --locked"] {
        assert!(script.contains(&setup) && github_lines.iter().any(|l| l == setup), "{setup}");
    }
    let cached = job["cache"]["paths"].as_sequence().unwrap();
    assert!(gitlab_spikeforge[0].contains(&format!("--cache-dir {}", cached[0].as_str().unwrap())));
    let junit = job["artifacts"]["reports"]["junit"].as_str().unwrap();
    assert_eq!(junit, "reports/cosim-*.xml");
    assert!(gitlab_spikeforge[0].contains("--junit reports/cosim-$SHARD.xml"));
    assert_eq!(job["artifacts"]["when"].as_str(), Some("always"), "the reports of a failing run are the ones CI needs");
}
