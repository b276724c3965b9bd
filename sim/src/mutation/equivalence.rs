//! Surviving mutants shown equivalent by yosys: the mutated design against the original
//! with `equiv_make`, `equiv_simple` and `equiv_induct` (a SAT proof by induction over the
//! registers, from matching states), flattened and with memories as registers.
//!
//! First the mutated module alone (its own parameterization, submodules inlined): equal
//! outputs for every input sequence. If that fails (the mutant is observable at the
//! module's ports), the whole host core: equal outputs for every input stream the core can
//! be given, which covers a port bit the parent never reads or a value the parent never
//! sends. A proof that fails or runs out of time says nothing; the mutant stays a survivor.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::Mutant;
use super::yosys::{Reading, read_script};
use crate::cosim::guard::GuardedChild;
use crate::error::SimError;

/// Where an equivalence was proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The mutated module's own ports.
    Module,
    /// The host core's ports (what co-simulation observes).
    Host,
}

/// A proof that a mutant is equivalent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proof {
    /// At which ports.
    pub scope: Scope,
    /// Seconds yosys took.
    pub seconds: f64,
}

/// Try to prove `mutant` equivalent in the generated design in `dir` (read as `reading`
/// says) at each of `scopes` in turn, each within `budget`. `None`: not proven (always
/// for a module that is not [`RtlModule::provable`](super::RtlModule::provable)).
pub fn prove(
    dir: &Path,
    reading: &Reading,
    mutant: &Mutant,
    scopes: &[Scope],
    budget: Duration,
) -> Result<Option<Proof>, SimError> {
    let module = module_of(&mutant.command).ok_or_else(|| SimError::Mutation {
        host: mutant.host.clone(),
        reason: format!("no -module in {:?}", mutant.command),
    })?;
    let mutation = without_control(&mutant.command);
    if !mutant.module.provable() {
        return Ok(None);
    }
    for &scope in scopes {
        let unit = match scope {
            Scope::Module => module.as_str(),
            Scope::Host => reading.top.as_str(),
        };
        let started = Instant::now();
        let script = format!(
            "{read}design -save orig\n{mutation}\n{gate}design -stash mutated\ndesign -load orig\n{gold}\
             design -copy-from mutated -as gate gate\nequiv_make gold gate equiv\nhierarchy -top equiv\n\
             equiv_simple -seq 4\nequiv_induct -seq 4\nequiv_status -assert\n",
            read = read_script(reading),
            gate = isolate(unit, "gate"),
            gold = isolate(unit, "gold"),
        );
        let name = format!("equiv-{}-{}-{}.ys", mutant.id, scope_name(scope), std::process::id());
        let path = dir.join(&name);
        std::fs::write(&path, script).map_err(|source| SimError::Io { path: path.clone(), source })?;
        let mut cmd = Command::new("yosys");
        cmd.args(["-q", "-s", &name]).current_dir(dir).stdout(Stdio::null()).stderr(Stdio::null());
        let mut guarded = GuardedChild::spawn(&mut cmd)?;
        guarded.arm(budget);
        let status = guarded.child.wait().map_err(|source| SimError::Process {
            step: "waiting for",
            program: "yosys".into(),
            source,
        })?;
        let _ = std::fs::remove_file(&path);
        if status.success() && !guarded.fired() {
            return Ok(Some(Proof { scope, seconds: started.elapsed().as_secs_f64() }));
        }
    }
    Ok(None)
}

/// Make `unit` the top, inline its submodules, turn memories into registers, name it `name`.
fn isolate(unit: &str, name: &str) -> String {
    format!("hierarchy -top {unit}\nflatten\nmemory\nopt_clean\nrename {unit} {name}\n")
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Module => "module",
        Scope::Host => "host",
    }
}

/// The `-module` argument of a `mutate` command.
fn module_of(command: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "-module")?;
    words.get(at + 1).map(|w| w.to_string())
}

/// The command without its `-ctrl NAME WIDTH VALUE`: the mutation applied unconditionally.
fn without_control(command: &str) -> String {
    let words: Vec<&str> = command.split_whitespace().collect();
    match words.iter().position(|w| *w == "-ctrl") {
        Some(at) => words[..at].iter().chain(words.iter().skip(at + 4)).copied().collect::<Vec<_>>().join(" "),
        None => command.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mutation_is_the_command_without_its_control() {
        let line = "mutate -ctrl mutsel 16 17 -mode inv -module $paramod$a\\sf_lane -cell $procmux$2739 -port A";
        assert_eq!(without_control(line), "mutate -mode inv -module $paramod$a\\sf_lane -cell $procmux$2739 -port A");
        assert_eq!(module_of(line).as_deref(), Some("$paramod$a\\sf_lane"));
    }
}
