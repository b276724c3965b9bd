//! Plain-text tables for reports: a header, rows, columns aligned (numbers to the right).

/// A table being built.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table { header: header.iter().map(|s| s.to_string()).collect(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let cols = self.header.len();
        let width: Vec<usize> = (0..cols)
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .chain([self.header[c].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let numeric =
            |s: &str| s.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '-' || c == '<' || c == '~');
        let line = |cells: &[String]| {
            let parts: Vec<String> = (0..cols)
                .map(|c| {
                    let s = cells.get(c).map_or("", String::as_str);
                    if numeric(s) { format!("{s:>w$}", w = width[c]) } else { format!("{s:<w$}", w = width[c]) }
                })
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        let mut out = line(&self.header);
        out.push('\n');
        out.push_str(&width.iter().map(|&w| "-".repeat(w)).collect::<Vec<_>>().join("  "));
        for r in &self.rows {
            out.push('\n');
            out.push_str(&line(r));
        }
        out
    }
}

/// A number with thousands separators and `digits` decimals.
pub fn num(v: f64, digits: usize) -> String {
    let s = format!("{:.*}", digits, v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if v < 0.0 && s.chars().any(|c| c != '0' && c != '.') { "-" } else { "" };
    if frac.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}.{frac}") }
}
