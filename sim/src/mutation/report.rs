//! The campaign's summary: kill rate per module, as JSON and as a Markdown table.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{MutantResult, RtlModule};

/// A surviving mutant shown equivalent to the RTL by reasoning (yosys's proofs are in
/// [`MutantResult::proof`]): it changes no output of its host design on any input. Matched on host and the `-module`/`-cell`/`-port`/`-portbit`/`-mode` of its
/// command (its control value aside).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Equivalent {
    /// The host design.
    pub host: &'static str,
    /// The mutation as yosys listed it, without `-ctrl ...` (a substring of the command).
    pub mutation: &'static str,
    /// Why it is equivalent and how that was shown.
    pub reason: &'static str,
}

/// One module's line of the table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModuleRow {
    /// The module.
    pub module: &'static str,
    /// Mutants run.
    pub mutants: usize,
    /// Noticed by co-simulation.
    pub killed: usize,
    /// Not noticed, not shown equivalent.
    pub survived: usize,
    /// Not noticed, shown equivalent.
    pub equivalent: usize,
    /// `killed / (mutants - equivalent)`.
    pub kill_rate: f64,
}

/// Rows per module (in [`RtlModule::CORE`] order) and a total row.
pub fn rows(results: &[MutantResult], equivalent: &[Equivalent]) -> Vec<ModuleRow> {
    let mut by_module: BTreeMap<RtlModule, Vec<&MutantResult>> = BTreeMap::new();
    for r in results {
        by_module.entry(r.mutant.module).or_default().push(r);
    }
    let row = |module: &'static str, rs: &[&MutantResult]| {
        let killed = rs.iter().filter(|r| r.verdict.killed()).count();
        let equivalent = rs.iter().filter(|r| is_equivalent(r, equivalent)).count();
        let survived = rs.len() - killed - equivalent;
        let live = rs.len() - equivalent;
        let kill_rate = if live == 0 { 1.0 } else { killed as f64 / live as f64 };
        ModuleRow { module, mutants: rs.len(), killed, survived, equivalent, kill_rate }
    };
    let mut rows: Vec<ModuleRow> = by_module.iter().map(|(m, rs)| row(m.name(), rs)).collect();
    let all: Vec<&MutantResult> = results.iter().collect();
    rows.push(row("total", &all));
    rows
}

/// Whether `result`'s mutant survived and was proven equivalent, or is one of `equivalent`.
pub fn is_equivalent(result: &MutantResult, equivalent: &[Equivalent]) -> bool {
    !result.verdict.killed()
        && (result.proof.is_some()
            || equivalent.iter().any(|e| e.host == result.mutant.host && result.mutant.command.contains(e.mutation)))
}

/// The rows as a Markdown table.
pub fn table(rows: &[ModuleRow]) -> String {
    let mut text = String::from(
        "| module | mutants | killed | survived | equivalent | kill rate |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.1}% |\n",
            r.module,
            r.mutants,
            r.killed,
            r.survived,
            r.equivalent,
            100.0 * r.kill_rate
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mutation::{Mutant, Verdict};

    fn result(module: RtlModule, id: u32, verdict: Verdict) -> MutantResult {
        let command = format!("mutate -ctrl mutsel 16 {id} -mode inv -module m -cell c{id} -port A");
        MutantResult {
            mutant: Mutant { host: "dense".into(), module, id, command },
            verdict,
            seconds: 0.1,
            proof: None,
        }
    }

    #[test]
    fn the_kill_rate_leaves_equivalent_mutants_out() {
        let results = [
            result(RtlModule::Lane, 1, Verdict::Mismatch("m".into())),
            result(RtlModule::Lane, 2, Verdict::Survived),
            result(RtlModule::Lane, 3, Verdict::Survived),
            result(RtlModule::Encoder, 4, Verdict::Timeout("t".into())),
        ];
        let equivalent = [Equivalent { host: "dense", mutation: "-cell c3 -port A", reason: "unused" }];
        let rows = rows(&results, &equivalent);
        assert_eq!(rows[0].module, "sf_encoder");
        assert_eq!((rows[0].mutants, rows[0].killed, rows[0].kill_rate), (1, 1, 1.0));
        assert_eq!(rows[1].module, "sf_lane");
        assert_eq!((rows[1].killed, rows[1].survived, rows[1].equivalent), (1, 1, 1));
        assert_eq!(rows[1].kill_rate, 0.5);
        assert_eq!((rows[2].module, rows[2].mutants, rows[2].killed), ("total", 4, 2));
        assert!(table(&rows).contains("| sf_lane | 3 | 1 | 1 | 1 | 50.0% |"));
    }
}
