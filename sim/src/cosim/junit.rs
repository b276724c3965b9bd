//! JUnit XML, the report format Jenkins, GitHub and GitLab read: `<testsuites>` of
//! `<testsuite name tests failures time>` of `<testcase classname name time>`, a failing case
//! holding `<failure message type>text</failure>`.
//!
//! A small typed writer rather than an XML crate: four elements and one escaping rule are
//! all the format needs, and the output is deterministic except for the times.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::SimError;

/// The whole report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TestSuites {
    /// Its suites, in order.
    pub suites: Vec<TestSuite>,
}

/// One suite: a co-simulation run or a fuzz campaign.
#[derive(Clone, Debug, PartialEq)]
pub struct TestSuite {
    /// Its name.
    pub name: String,
    /// Seconds for the whole suite.
    pub seconds: f64,
    /// Its cases, in order.
    pub cases: Vec<TestCase>,
}

/// One case: a batch of inputs or a network.
#[derive(Clone, Debug, PartialEq)]
pub struct TestCase {
    /// The group the case belongs to (CI tools show it as the class).
    pub classname: String,
    /// Its name, unique in the suite.
    pub name: String,
    /// Seconds it took.
    pub seconds: f64,
    /// Why it failed, if it did.
    pub failure: Option<Failure>,
}

/// A failed case.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// One-line summary.
    pub message: String,
    /// Kind of failure: `mismatch` (the RTL disagrees) or `error` (the run did not finish).
    pub kind: String,
    /// The full text: where the RTL disagrees and the waveform, or the error.
    pub text: String,
}

impl TestSuite {
    /// Failing cases.
    pub fn failures(&self) -> usize {
        self.cases.iter().filter(|c| c.failure.is_some()).count()
    }
}

impl TestSuites {
    /// The XML document.
    pub fn to_xml(&self) -> String {
        let tests: usize = self.suites.iter().map(|s| s.cases.len()).sum();
        let failures: usize = self.suites.iter().map(TestSuite::failures).sum();
        let seconds = self.suites.iter().fold(0.0, |t, s| t + s.seconds);
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        writeln!(x, "<testsuites tests=\"{tests}\" failures=\"{failures}\" time=\"{seconds:.3}\">").ok();
        for s in &self.suites {
            writeln!(
                x,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3}\">",
                escape(&s.name),
                s.cases.len(),
                s.failures(),
                s.seconds
            )
            .ok();
            for c in &s.cases {
                let head = format!(
                    "<testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                    escape(&c.classname),
                    escape(&c.name),
                    c.seconds
                );
                match &c.failure {
                    None => writeln!(x, "    {head}/>").ok(),
                    Some(f) => writeln!(
                        x,
                        "    {head}>\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                        escape(&f.message),
                        escape(&f.kind),
                        escape(&f.text)
                    )
                    .ok(),
                };
            }
            x.push_str("  </testsuite>\n");
        }
        x.push_str("</testsuites>\n");
        x
    }

    /// Write the document to `path` (creating its directory), replacing what is there: the
    /// caller names the file.
    pub fn write(&self, path: &Path) -> Result<(), SimError> {
        let io = |source| SimError::Io { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::write(path, self.to_xml()).map_err(io)
    }
}

/// `text` as XML character data or an attribute value: markup characters as entities,
/// characters XML 1.0 forbids (control characters but tab, newline and carriage return)
/// as U+FFFD, so a stray byte in a simulator's message never makes the report unreadable.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> TestSuites {
        TestSuites {
            suites: vec![TestSuite {
                name: "spikeforge cosim <net> & \"friends\"".into(),
                seconds: 1.5,
                cases: vec![
                    TestCase {
                        classname: "cosim.net".into(),
                        name: "inputs 0-99".into(),
                        seconds: 0.75,
                        failure: None,
                    },
                    TestCase {
                        classname: "cosim.net".into(),
                        name: "inputs 100-149".into(),
                        seconds: 0.25,
                        failure: Some(Failure {
                            message: "1 of 50 inputs mismatch".into(),
                            kind: "mismatch".into(),
                            text:
                                "input 3, layer 0 (fc1), timestep 1, neuron 2: expected spike 1 (events [(0, false)]), \
                                   RTL emitted 0 (events [])\u{1}; waveform of that input: a<b>'c'.vcd"
                                    .into(),
                        }),
                    },
                ],
            }],
        }
    }

    #[test]
    fn the_document_has_the_schema_ci_tools_read() {
        let xml = report().to_xml();
        let expected = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<testsuites tests=\"2\" failures=\"1\" time=\"1.500\">\n  \
<testsuite name=\"spikeforge cosim &lt;net&gt; &amp; &quot;friends&quot;\" tests=\"2\" failures=\"1\" errors=\"0\" time=\"1.500\">\n    \
<testcase classname=\"cosim.net\" name=\"inputs 0-99\" time=\"0.750\"/>\n    \
<testcase classname=\"cosim.net\" name=\"inputs 100-149\" time=\"0.250\">\n      \
<failure message=\"1 of 50 inputs mismatch\" type=\"mismatch\">input 3, layer 0 (fc1), timestep 1, neuron 2: \
expected spike 1 (events [(0, false)]), RTL emitted 0 (events [])\u{fffd}; waveform of that input: \
a&lt;b&gt;&apos;c&apos;.vcd</failure>\n    \
</testcase>\n  \
</testsuite>\n\
</testsuites>\n";
        assert_eq!(xml, expected);
    }

    #[test]
    fn escaping_leaves_no_markup_and_no_forbidden_character() {
        let nasty: String = (0u32..0x80).filter_map(char::from_u32).chain(['\u{fffe}', 'é', '\u{1f600}']).collect();
        let e = escape(&nasty);
        assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
        // Every `&` starts one of the five entities.
        for (i, _) in e.match_indices('&') {
            let rest = &e[i..];
            assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].iter().any(|n| rest.starts_with(n)), "{rest}");
        }
        let allowed = |c: char| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}');
        assert!(e.chars().all(allowed), "{e:?}");
        assert!(e.contains('é') && e.contains('\u{1f600}'));
        assert_eq!(escape("a&b"), "a&amp;b");
    }

    #[test]
    fn write_replaces_the_named_file_and_creates_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reports/shard-1.xml");
        report().write(&path).unwrap();
        TestSuites::default().write(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"0\" failures=\"0\" time=\"0.000\">\n</testsuites>\n"
        );
    }
}
