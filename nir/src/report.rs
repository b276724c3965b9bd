//! What an import did to each node: the mapping and every approximation, in lines a person
//! reads (`fc1: tau 0.0005 at dt 0.0001 -> decay leak:2 (λ 0.75, was 0.8)`).

use std::fmt;

/// One statement about the import: what it concerns and what was done.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportLine {
    /// The layer or node the line is about (`fc1`, `input`, `graph`).
    pub subject: String,
    /// What was done, with the values before and after.
    pub text: String,
    /// False when the integer model differs from the float graph here.
    pub exact: bool,
}

/// Every mapping and approximation an import made, in layer order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportReport {
    /// The lines, in the order they were decided.
    pub lines: Vec<ReportLine>,
}

impl ImportReport {
    pub(crate) fn exact(&mut self, subject: &str, text: String) {
        self.lines.push(ReportLine { subject: subject.into(), text, exact: true });
    }

    pub(crate) fn approx(&mut self, subject: &str, text: String) {
        self.lines.push(ReportLine { subject: subject.into(), text, exact: false });
    }

    /// The lines that are approximations.
    pub fn approximations(&self) -> impl Iterator<Item = &ReportLine> {
        self.lines.iter().filter(|l| !l.exact)
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for l in &self.lines {
            writeln!(f, "{} {}: {}", if l.exact { " " } else { "~" }, l.subject, l.text)?;
        }
        Ok(())
    }
}
