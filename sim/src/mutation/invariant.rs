//! The invariants the RTL library's modules state, checked in a host as its parameters make
//! each module.
//!
//! A module may state, under `` `ifdef SF_INVARIANT `` after its logic, a wire
//! `invariant_holds` over its registers (ARCHITECTURE.md, hdl-gen's invariants).
//! [`Scope::Invariant`](super::equivalence::Scope::Invariant) proves a mutant from every
//! state that holds it, and its miter also checks that the statement holds at power-on
//! (every register 0) and that every state holding it steps to one that holds it, whatever
//! the inputs. So a statement an RTL edit broke proves nothing, soundly but silently: every
//! mutant it used to prove turns into a survivor. [`check`] says which statement broke and
//! shows the states that break it, before any proof is tried.
//!
//! The check is yosys's `sat -tempinduct` one step deep on the module alone (its
//! submodules inlined, memories as registers, every register 0 at first): the base case is
//! power-on, the induction step any state that holds the statement. In the board host it
//! takes a second or two per module.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::observed::{GUARANTEE, GUARANTEE_HOLDS, Port, guarantee_statement};
use super::yosys::{INVARIANT_DEFINE, Reading, read_script_defining};
use crate::error::SimError;

/// The wire a module states its invariant on.
pub(super) const STATED: &str = "invariant_holds";

/// One module's stated invariant in one host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatedInvariant {
    /// yosys's name of the module as the host parameterizes it (`$paramod\sf_uart_rx\...`).
    pub module: String,
    /// What [`check`] found.
    pub verdict: InvariantVerdict,
}

/// Whether a stated invariant holds in every state reached from power-on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum InvariantVerdict {
    /// It holds at power-on and every state that holds it steps to one that holds it.
    Holds,
    /// Power-on (every register 0) does not hold it; `states` is yosys's table of the
    /// registers and inputs.
    BrokenAtPowerOn { states: String },
    /// A state that holds it steps to one that does not: `states` is yosys's table of the
    /// registers and inputs, the state before (`init`, step 1) and after (step 2).
    BrokenByAStep { states: String },
    /// yosys gave no answer within the time given.
    Unknown,
}

impl InvariantVerdict {
    /// Whether the statement was shown broken.
    pub fn broken(&self) -> bool {
        matches!(self, InvariantVerdict::BrokenAtPowerOn { .. } | InvariantVerdict::BrokenByAStep { .. })
    }
}

impl std::fmt::Display for StatedInvariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.verdict {
            InvariantVerdict::Holds => write!(f, "{}: its stated invariant holds", self.module),
            InvariantVerdict::Unknown => write!(f, "{}: its stated invariant unchecked (out of time)", self.module),
            InvariantVerdict::BrokenAtPowerOn { states } => {
                write!(f, "{}: its stated invariant is false at power-on (every register 0):\n{states}", self.module)
            }
            InvariantVerdict::BrokenByAStep { states } => write!(
                f,
                "{}: a state that holds its stated invariant steps to one that does not (before: init \
                 and step 1, after: step 2):\n{states}",
                self.module
            ),
        }
    }
}

/// Whether a source of the host read as `reading` (in `dir`) states an invariant: where none
/// does, neither [`check`] nor `Scope::Invariant` needs yosys to read the host.
pub(super) fn stated_in(dir: &Path, reading: &Reading) -> bool {
    let marker = format!("`ifdef {INVARIANT_DEFINE}");
    reading
        .sources
        .iter()
        .any(|source| std::fs::read_to_string(dir.join(source)).is_ok_and(|text| text.contains(&marker)))
}

/// Check every invariant the host read as `reading` (in `dir`) states, in each module that
/// states one as the host parameterizes it, within `budget` per yosys run (two: the
/// listing, then every check). Sorted by module; a check the budget cut short is `Unknown`.
pub fn check(dir: &Path, reading: &Reading, budget: Duration) -> Result<Vec<StatedInvariant>, SimError> {
    if !stated_in(dir, reading) {
        return Ok(Vec::new());
    }
    let read = read_script_defining(reading, Some(INVARIANT_DEFINE));
    // Named per process, as the proofs' files are (a campaign's proofs and a test may share
    // `dir`); yosys runs in `dir`, so the listing's name alone, whatever the path holds.
    let name = format!("stated-invariants-{}", std::process::id());
    let listed = dir.join(format!("{name}.txt"));
    let script = format!("{read}tee -q -o {name}.txt select -list w:{STATED}\n");
    let ran = run(dir, &name, &script, budget)?;
    let list = std::fs::read_to_string(&listed).unwrap_or_default();
    let _ = std::fs::remove_file(&listed);
    if !ran.passed {
        return Err(SimError::Mutation {
            host: reading.top.clone(),
            reason: format!("yosys listing the stated invariants in {}:\n{}", dir.display(), tail(&ran.log)),
        });
    }
    let mut modules: Vec<String> =
        list.lines().filter_map(|line| line.trim().strip_suffix(&format!("/{STATED}"))).map(String::from).collect();
    modules.sort();
    modules.dedup();
    // One reading for all of them: each module is checked in a copy of the design, its
    // `sat` log teed to a file of its own.
    let log_of = |k: usize| format!("{name}-{k}.log");
    let checks: String = modules
        .iter()
        .enumerate()
        .map(|(k, module)| {
            format!(
                "design -load stated\nhierarchy -top {module}\nflatten\nmemory\nopt_clean\nasync2sync\ndffunmap\n\
                 tee -q -o {log} sat -tempinduct -prove {STATED} 1 -set-init-zero -maxsteps 1 -show-regs -show-inputs\n",
                log = log_of(k),
            )
        })
        .collect();
    run(dir, &format!("{name}-check"), &format!("{read}design -save stated\n{checks}"), budget)?;
    Ok(modules
        .into_iter()
        .enumerate()
        .map(|(k, module)| {
            let path = dir.join(log_of(k));
            let log = std::fs::read_to_string(&path).unwrap_or_default();
            let _ = std::fs::remove_file(&path);
            StatedInvariant { verdict: verdict_of(&log), module }
        })
        .collect())
}

/// Whether `holds` (a Verilog expression over the ports of `module`, a module of the host
/// read as `reading` in `dir`, whose ports are `ports`) holds in every state reached from
/// power-on whatever the inputs, proven together with the module's stated invariant within
/// `budget`: both hold at power-on, and every state that holds both (and the inputs that
/// give `holds` there) steps to one that holds both. The same induction as [`check`], on
/// the conjunction: the invariant is what makes a guarantee over a few registers inductive.
/// The board bridge's guarantee to its loader (a load byte only for a known target) took
/// 4 s so, where the model checker from power-on ran past 600 s (`board`, session 37).
/// `false` where `module` states no invariant (yosys finds no such wire), the step fails
/// (the statement does not follow, or the invariant is too weak to carry it) or the budget
/// runs out. `name` names the files (the caller's, unique per process and subject).
pub(super) fn proves_with_stated(
    dir: &Path,
    reading: &Reading,
    module: &str,
    ports: &[Port],
    holds: &str,
    name: &str,
    budget: Duration,
) -> Result<bool, SimError> {
    let statement = dir.join(format!("{name}.v"));
    std::fs::write(&statement, guarantee_statement(ports, holds))
        .map_err(|source| SimError::Io { path: statement.clone(), source })?;
    let log = format!("{name}-sat.log");
    let script = format!(
        "{read}hierarchy -top {module}\nrename {module} gold\nread_verilog {name}.v\nproc\nhierarchy -top {GUARANTEE}\n\
         flatten\nmemory\nopt_clean\nasync2sync\ndffunmap\n\
         tee -q -o {log} sat -tempinduct -prove {GUARANTEE_HOLDS} 1 -prove u_gold.{STATED} 1 -set-init-zero -maxsteps 1\n",
        read = read_script_defining(reading, Some(INVARIANT_DEFINE)),
    );
    let ran = run(dir, name, &script, budget);
    let verdict = verdict_of(&std::fs::read_to_string(dir.join(&log)).unwrap_or_default());
    let _ = std::fs::remove_file(dir.join(&log));
    let _ = std::fs::remove_file(&statement);
    Ok(ran?.passed && verdict == InvariantVerdict::Holds)
}

/// The verdict `sat -tempinduct -maxsteps 1 -show-regs -show-inputs` printed in `log`.
fn verdict_of(log: &str) -> InvariantVerdict {
    let states = || model_table(log);
    if log.contains("Induction step proven: SUCCESS!") {
        InvariantVerdict::Holds
    } else if log.contains("model found for base case: FAIL!") {
        InvariantVerdict::BrokenAtPowerOn { states: states() }
    } else if log.contains("Reached maximum number of time steps -> proof failed.") {
        InvariantVerdict::BrokenByAStep { states: states() }
    } else {
        InvariantVerdict::Unknown
    }
}

/// The table of signal values yosys printed with the model: from its header to the first
/// blank line after it.
fn model_table(log: &str) -> String {
    let lines: Vec<&str> = log.lines().skip_while(|l| !l.trim_start().starts_with("Time Signal Name")).collect();
    let end = lines.iter().position(|l| l.trim().is_empty()).unwrap_or(lines.len());
    lines[..end].join("\n")
}

/// The last lines of a log, for an error.
fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// What a yosys run left: whether it ended well, and its log.
struct Ran {
    passed: bool,
    log: String,
}

/// Run `script` with yosys in `dir` within `budget`, as `{name}.ys` with its log in
/// `{name}.log` (both removed after).
fn run(dir: &Path, name: &str, script: &str, budget: Duration) -> Result<Ran, SimError> {
    let (ys, log) = (dir.join(format!("{name}.ys")), dir.join(format!("{name}.log")));
    std::fs::write(&ys, script).map_err(|source| SimError::Io { path: ys.clone(), source })?;
    let passed = super::equivalence::run_within(
        dir,
        "yosys",
        &["-q", "-l", &format!("{name}.log"), "-s", &format!("{name}.ys")],
        None,
        budget,
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&ys);
    let _ = std::fs::remove_file(&log);
    Ok(Ran { passed: passed?, log: text })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP_LOG: &str = "\
[induction step 1] Solving problem with 1808 variables and 4781 clauses..
Induction step failed. Incrementing induction length.

  Time Signal Name             Dec       Hex           Bin
  ---- --------------- ----------- --------- -------------
  init \\bits_left                0         0          0000
     1 \\send                     1         1             1
     2 \\bits_left               10         a          1010

Reached maximum number of time steps -> proof failed.
";

    #[test]
    fn the_verdict_and_its_states_are_read_from_the_sat_log() {
        let InvariantVerdict::BrokenByAStep { states } = verdict_of(STEP_LOG) else {
            panic!("{:?}", verdict_of(STEP_LOG))
        };
        assert_eq!(states.lines().count(), 5, "{states}");
        assert!(states.trim_start().starts_with("Time Signal Name") && states.ends_with("1010"), "{states}");
        let base = "SAT temporal induction proof finished - model found for base case: FAIL!\n\n  Time Signal Name\n  init \\x 0\n\n";
        assert_eq!(
            verdict_of(base),
            InvariantVerdict::BrokenAtPowerOn { states: "  Time Signal Name\n  init \\x 0".into() }
        );
        assert_eq!(
            verdict_of("Base case for induction length 1 proven.\nInduction step proven: SUCCESS!\n"),
            InvariantVerdict::Holds
        );
        assert_eq!(verdict_of("[base case 1] Solving problem"), InvariantVerdict::Unknown);
    }
}
