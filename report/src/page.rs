//! The HTML page: sections of figures, each a plot beside the table of its exact numbers.
//!
//! The page is XHTML-shaped (every element closed, `<meta .../>`), so it reads as XML as
//! well as HTML, and it loads nothing: styles are inline and plots are inline SVG.

/// A table of exact numbers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Column heads.
    pub head: Vec<String>,
    /// Rows of cells, each as long as `head`.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column heads and no rows yet.
    pub fn new(head: &[&str]) -> Table {
        Table { head: head.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    /// Add a row.
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.head.len(), "a row as wide as the head");
        self.rows.push(cells);
    }

    fn html(&self) -> String {
        let mut out = String::from("<table><thead><tr>");
        for h in &self.head {
            out += &format!("<th>{}</th>", escape(h));
        }
        out += "</tr></thead><tbody>";
        for row in &self.rows {
            out += "<tr>";
            for cell in row {
                out += &format!("<td>{}</td>", escape(cell));
            }
            out += "</tr>";
        }
        out + "</tbody></table>"
    }
}

/// One plot (inline SVG, if the data has one to draw) and its table.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// What it shows.
    pub title: String,
    /// The plot as an SVG document.
    pub svg: Option<String>,
    /// The numbers.
    pub table: Table,
}

/// What the page says about one input file.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// Heading.
    pub title: String,
    /// The file it was read from.
    pub source: String,
    /// Key facts in one line each.
    pub facts: Vec<String>,
    /// Plots and tables.
    pub figures: Vec<Figure>,
}

/// Text as HTML character data or an attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222}\
section{margin-bottom:3em}\
.figure{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start;margin:1.5em 0}\
.plot svg{border:1px solid #ddd}\
table{border-collapse:collapse;font-size:0.9em}\
th,td{border:1px solid #ccc;padding:0.2em 0.6em;text-align:right}\
th{background:#f3f3f3}\
.source{color:#666;font-family:monospace}\
.numbers{max-height:24em;overflow-y:auto}";

/// The whole page.
pub fn render(title: &str, sections: &[Section]) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>");
    out += &format!("<title>{}</title><style>{STYLE}</style></head><body>", escape(title));
    out += &format!("<h1>{}</h1>", escape(title));
    for section in sections {
        out +=
            &format!("<section><h2>{}</h2><p class=\"source\">{}</p>", escape(&section.title), escape(&section.source));
        if !section.facts.is_empty() {
            out += "<ul>";
            for fact in &section.facts {
                out += &format!("<li>{}</li>", escape(fact));
            }
            out += "</ul>";
        }
        for figure in &section.figures {
            out += &format!("<div class=\"figure\"><div class=\"plot\"><h3>{}</h3>", escape(&figure.title));
            if let Some(svg) = &figure.svg {
                out += svg.trim_start_matches(|c: char| c != '<');
            }
            out += "</div>";
            // Long tables (an epoch per row) scroll rather than push the next plot away.
            out += &format!("<div class=\"numbers\">{}</div>", figure.table.html());
            out += "</div>";
        }
        out += "</section>\n";
    }
    out + "</body></html>\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_everywhere() {
        let mut table = Table::new(&["a<b"]);
        table.row(vec!["x & y".into()]);
        let section = Section {
            title: "<script>".into(),
            source: "\"q\"".into(),
            facts: vec!["1 > 0".into()],
            figures: vec![Figure { title: "t".into(), svg: None, table }],
        };
        let page = render("r&d", &[section]);
        assert!(page.contains("<h1>r&amp;d</h1>"));
        assert!(page.contains("&lt;script&gt;") && !page.contains("<script>"));
        assert!(page.contains("<th>a&lt;b</th>") && page.contains("<td>x &amp; y</td>"));
        assert!(page.contains("&quot;q&quot;") && page.contains("1 &gt; 0"));
    }
}
