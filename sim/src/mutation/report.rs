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
    /// Of those, shown not equivalent in a parent ([`MutantResult::refuted`]).
    pub refuted: usize,
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
        let survivors: Vec<&&MutantResult> = rs.iter().filter(|r| is_survivor(r, equivalent)).collect();
        let (survived, refuted) = (survivors.len(), survivors.iter().filter(|r| r.refuted.is_some()).count());
        let equivalent = rs.len() - killed - survived;
        let live = rs.len() - equivalent;
        let kill_rate = if live == 0 { 1.0 } else { killed as f64 / live as f64 };
        ModuleRow { module, mutants: rs.len(), killed, survived, refuted, equivalent, kill_rate }
    };
    let mut rows: Vec<ModuleRow> = by_module.iter().map(|(m, rs)| row(m.name(), rs)).collect();
    let all: Vec<&MutantResult> = results.iter().collect();
    rows.push(row("total", &all));
    rows
}

/// Whether `result`'s mutant survived and is not shown equivalent ([`is_equivalent`]).
pub fn is_survivor(result: &MutantResult, equivalent: &[Equivalent]) -> bool {
    !result.verdict.killed() && !is_equivalent(result, equivalent)
}

/// Whether `result`'s mutant survived and was proven equivalent, or is one of `equivalent`.
pub fn is_equivalent(result: &MutantResult, equivalent: &[Equivalent]) -> bool {
    !result.verdict.killed()
        && (result.proof.is_some()
            || equivalent.iter().any(|e| e.host == result.mutant.host && result.mutant.command.contains(e.mutation)))
}

/// The rows as a Markdown table. `refuted` counts the survivors a proof showed to differ in
/// a parent: where to write tests first.
pub fn table(rows: &[ModuleRow]) -> String {
    let mut text = String::from(
        "| module | mutants | killed | survived | refuted | equivalent | kill rate |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {:.1}% |\n",
            r.module,
            r.mutants,
            r.killed,
            r.survived,
            r.refuted,
            r.equivalent,
            100.0 * r.kill_rate
        ));
    }
    text
}

/// Where survivors sit: per module and source line (the cell's: the last `-src file:line` of
/// the command that names a line; the ones before it are the declarations of the wires it
/// drives), how many, most first. Survivors of one line are usually one
/// story (an unread bit, a path no host takes), so this is where classifying them starts.
/// A flip-flop's cell is the whole `always` block it came from, which says little: its
/// mutants count under the register's declaration and name, `file.v:N (name)`.
pub fn survivors_by_line<'a>(survivors: impl IntoIterator<Item = &'a MutantResult>) -> Vec<(String, usize)> {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for r in survivors {
        *count.entry(format!("{} {}", r.mutant.module.name(), source_line(&r.mutant.command))).or_default() += 1;
    }
    let mut lines: Vec<(String, usize)> = count.into_iter().collect();
    lines.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    lines
}

/// `file.v:N` of a `mutate` command's last `-src file.v:N.C-N.C` whose line is not 0
/// (yosys writes `0.0-0.0` for cells it made), or `?`; for a flip-flop's output (`-port Q`
/// with `-wire name`), the first, the register's declaration, and its name.
fn source_line(command: &str) -> String {
    let words: Vec<&str> = command.split_whitespace().collect();
    let after = |flag: &str| words.windows(2).find(|w| w[0] == flag).map(|w| w[1]);
    let mut lines = words.windows(2).filter(|w| w[0] == "-src").filter_map(|w| {
        let (file, rest) = w[1].split_once(':')?;
        let line = rest.split('.').next()?;
        (line != "0").then(|| format!("{file}:{line}"))
    });
    match (after("-port"), after("-wire")) {
        (Some("Q"), Some(wire)) => lines.next().map(|line| format!("{line} ({wire})")),
        _ => lines.next_back(),
    }
    .unwrap_or_else(|| "?".into())
}

/// [`survivors_by_line`] as a Markdown table.
pub fn line_table(lines: &[(String, usize)]) -> String {
    let mut text = String::from("| module and line | survivors |\n|---|---:|\n");
    for (line, n) in lines {
        text.push_str(&format!("| {line} | {n} |\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mutation::equivalence::{Refutation, Scope};
    use crate::mutation::{Mutant, Verdict};

    fn result(module: RtlModule, id: u32, verdict: Verdict) -> MutantResult {
        let command = format!("mutate -ctrl mutsel 16 {id} -mode inv -module m -cell c{id} -port A");
        MutantResult {
            mutant: Mutant { host: "dense".into(), module, id, command },
            verdict,
            seconds: 0.1,
            proof: None,
            refuted: None,
        }
    }

    #[test]
    fn the_kill_rate_leaves_equivalent_mutants_out() {
        let results = [
            result(RtlModule::Lane, 1, Verdict::Mismatch("m".into())),
            result(RtlModule::Lane, 2, Verdict::Survived),
            result(RtlModule::Lane, 3, Verdict::Survived),
            MutantResult {
                refuted: Some(Refutation { scope: Scope::Parent, frame: 7, trace: Default::default() }),
                ..result(RtlModule::Lane, 5, Verdict::Survived)
            },
            result(RtlModule::Encoder, 4, Verdict::Timeout("t".into())),
        ];
        let equivalent = [Equivalent { host: "dense", mutation: "-cell c3 -port A", reason: "unused" }];
        let rows = rows(&results, &equivalent);
        assert_eq!(rows[0].module, "sf_encoder");
        assert_eq!((rows[0].mutants, rows[0].killed, rows[0].kill_rate), (1, 1, 1.0));
        assert_eq!(rows[1].module, "sf_lane");
        assert_eq!((rows[1].killed, rows[1].survived, rows[1].refuted, rows[1].equivalent), (1, 2, 1, 1));
        assert!((rows[1].kill_rate - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!((rows[2].module, rows[2].mutants, rows[2].killed), ("total", 5, 2));
        assert!(table(&rows).contains("| sf_lane | 4 | 1 | 2 | 1 | 1 | 33.3% |"), "{}", table(&rows));
    }

    #[test]
    fn survivors_are_counted_by_their_cells_source_line() {
        let at = |id: u32, src: &str| {
            let mut r = result(RtlModule::Layer, id, Verdict::Survived);
            r.mutant.command = format!("mutate -mode inv -module m -cell c{id}{src}");
            r
        };
        let survivors = [
            at(1, " -port A -src sf_layer.v:291.28-291.39 -src sf_layer.v:291.43-291.95"),
            at(2, " -src sf_layer.v:0.0-0.0 -src sf_layer.v:291.1-291.9"),
            at(3, " -wire x -src sf_layer.v:225.29-225.43 -src sf_layer.v:647.25-647.35"),
            at(4, " -src sf_layer.v:0.0-0.0"),
            // A flip-flop's output: under the register's declaration, not its `always` block.
            at(
                5,
                " -port Q -portbit 2 -wire state -wirebit 2 -src sf_layer.v:160.30-160.35 -src sf_layer.v:519.5-675.8",
            ),
        ];
        let lines = survivors_by_line(&survivors);
        let expected = [
            ("sf_layer sf_layer.v:291", 2),
            ("sf_layer ?", 1),
            ("sf_layer sf_layer.v:160 (state)", 1),
            ("sf_layer sf_layer.v:647", 1),
        ];
        assert_eq!(lines, expected.map(|(l, n)| (l.to_string(), n)));
        assert!(line_table(&lines).contains("| sf_layer sf_layer.v:291 | 2 |"));
    }
}
