//! A small typed Verilog AST for generated code and its one deterministic printer.
//!
//! Generated modules only wire and parameterize the hand-written library (`hdl-gen/rtl/`),
//! so the AST covers exactly that: ports, wires, continuous assignments and instances with
//! documented parameters. Printing is a pure function of the tree: no timestamps, no paths.
//!
//! ```
//! use hdl_gen::verilog::{Module, Port, Item, Instance, Param, Expr};
//! let mut m = Module::new("top", "An example");
//! m.ports.push(Port::input("clk", 1, "clock"));
//! m.ports.push(Port::output("q", 4, "result"));
//! m.items.push(Item::Instance(Instance {
//!     module: "counter".into(),
//!     name: "u_counter".into(),
//!     params: vec![Param::int("WIDTH", 4, "bits of q")],
//!     connections: vec![("clk".into(), Expr::ident("clk")), ("q".into(), Expr::ident("q"))],
//! }));
//! let text = m.to_string();
//! assert!(text.contains("counter #(\n        .WIDTH(4)   // bits of q\n    ) u_counter ("));
//! ```

use std::fmt::{self, Write};

/// Port direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// `input wire`.
    Input,
    /// `output wire`.
    Output,
}

/// A module port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// Name.
    pub name: String,
    /// Direction.
    pub dir: Dir,
    /// Width in bits (1 = scalar).
    pub width: u32,
    /// What it carries, printed in the module header.
    pub doc: String,
}

impl Port {
    /// An input port.
    pub fn input(name: &str, width: u32, doc: &str) -> Port {
        Port { name: name.into(), dir: Dir::Input, width, doc: doc.into() }
    }

    /// An output port.
    pub fn output(name: &str, width: u32, doc: &str) -> Port {
        Port { name: name.into(), dir: Dir::Output, width, doc: doc.into() }
    }
}

/// An expression on the right of an assignment or in a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// A signal name.
    Ident(String),
    /// A sized constant `width'dvalue`.
    Const {
        /// Bits.
        width: u32,
        /// Value.
        value: u64,
    },
    /// Left open (an unconnected output).
    Open,
}

impl Expr {
    /// A signal name.
    pub fn ident(name: &str) -> Expr {
        Expr::Ident(name.into())
    }

    /// A sized constant.
    pub fn constant(width: u32, value: u64) -> Expr {
        Expr::Const { width, value }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Ident(n) => write!(f, "{n}"),
            Expr::Const { width, value } => write!(f, "{width}'d{value}"),
            Expr::Open => Ok(()),
        }
    }
}

/// A parameter value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamValue {
    /// A decimal integer.
    Int(i64),
    /// A bit vector, printed as sized hex; `bits[0]` is bit 0.
    Bits(Vec<bool>),
    /// A string (file names).
    Str(String),
    /// Another parameter's name (a module parameter passed down).
    Name(String),
}

/// One `.NAME(value)` of an instance, with the reason for its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// Parameter name.
    pub name: String,
    /// Value.
    pub value: ParamValue,
    /// Why this value, printed as a trailing comment.
    pub doc: String,
}

impl Param {
    /// An integer parameter.
    pub fn int(name: &str, value: i64, doc: &str) -> Param {
        Param { name: name.into(), value: ParamValue::Int(value), doc: doc.into() }
    }

    /// A bit-vector parameter.
    pub fn bits(name: &str, bits: Vec<bool>, doc: &str) -> Param {
        Param { name: name.into(), value: ParamValue::Bits(bits), doc: doc.into() }
    }

    /// A string parameter.
    pub fn string(name: &str, value: &str, doc: &str) -> Param {
        Param { name: name.into(), value: ParamValue::Str(value.into()), doc: doc.into() }
    }
}

/// A module instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// Instantiated module.
    pub module: String,
    /// Instance name.
    pub name: String,
    /// Parameter overrides, in order.
    pub params: Vec<Param>,
    /// Port connections `.port(expr)`, in order.
    pub connections: Vec<(String, Expr)>,
}

/// A module body item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// `// text` (one line per element).
    Comment(Vec<String>),
    /// `wire [w-1:0] name;`
    Wire {
        /// Name.
        name: String,
        /// Width.
        width: u32,
    },
    /// `assign lhs = rhs;`
    Assign {
        /// Target.
        lhs: String,
        /// Value.
        rhs: Expr,
    },
    /// An instance.
    Instance(Instance),
    /// An empty line.
    Blank,
    /// `/* verilator lint_off RULE */` (or `lint_on`): a deliberate, commented exception.
    Lint {
        /// True for `lint_off`.
        off: bool,
        /// Verilator warning name.
        rule: String,
    },
}

/// A generated module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    /// Module name.
    pub name: String,
    /// Header comment lines (what the module is, where its numbers come from).
    pub doc: Vec<String>,
    /// Module parameters with their defaults (`#(parameter NAME = value)`), in order.
    pub params: Vec<Param>,
    /// Ports, in order.
    pub ports: Vec<Port>,
    /// Body.
    pub items: Vec<Item>,
}

impl Module {
    /// An empty module with a one-line description.
    pub fn new(name: &str, doc: &str) -> Module {
        Module { name: name.into(), doc: vec![doc.into()], params: Vec::new(), ports: Vec::new(), items: Vec::new() }
    }
}

fn range(width: u32) -> String {
    if width <= 1 { String::new() } else { format!("[{}:0] ", width - 1) }
}

/// Hex digits of a bit vector, most significant first (`bits[0]` is bit 0).
pub(crate) fn hex(bits: &[bool]) -> String {
    let digits = bits.len().div_ceil(4).max(1);
    let mut s = String::with_capacity(digits);
    for d in (0..digits).rev() {
        let nibble = (0..4).fold(0u32, |acc, b| acc | (u32::from(*bits.get(d * 4 + b).unwrap_or(&false)) << b));
        s.push(char::from_digit(nibble, 16).unwrap_or('0'));
    }
    s
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Bits(b) => write!(f, "{}'h{}", b.len().max(1), hex(b)),
            ParamValue::Str(s) => write!(f, "\"{s}\""),
            ParamValue::Name(n) => write!(f, "{n}"),
        }
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        out.push_str("// Generated by spikeforge hdl-gen. Do not edit: regenerate with `spikeforge gen`.\n");
        for line in &self.doc {
            writeln!(out, "// {line}").ok();
        }
        if !self.ports.is_empty() {
            out.push_str("//\n// Ports\n");
            let nw = self.ports.iter().map(|p| p.name.len()).max().unwrap_or(0);
            for p in &self.ports {
                let dir = if p.dir == Dir::Input { "in " } else { "out" };
                writeln!(out, "//   {:<nw$}  {dir}  {:>3}  {}", p.name, p.width, p.doc).ok();
            }
        }
        if !self.params.is_empty() {
            out.push_str("//\n// Parameters\n");
            for p in &self.params {
                writeln!(out, "//   {:<12}  {}", p.name, p.doc).ok();
            }
        }
        let head = if self.params.is_empty() {
            format!("module {}", self.name)
        } else {
            let list: Vec<String> = self.params.iter().map(|p| format!("parameter {} = {}", p.name, p.value)).collect();
            format!("module {} #(\n    {}\n)", self.name, list.join(",\n    "))
        };
        if self.ports.is_empty() {
            // A testbench top has no ports.
            writeln!(out, "{head};").ok();
        } else {
            writeln!(out, "{head} (").ok();
            for (i, p) in self.ports.iter().enumerate() {
                let dir = if p.dir == Dir::Input { "input " } else { "output" };
                let sep = if i + 1 == self.ports.len() { "" } else { "," };
                writeln!(out, "    {dir} wire {}{}{sep}", range(p.width), p.name).ok();
            }
            out.push_str(");\n");
        }
        for item in &self.items {
            match item {
                Item::Blank => out.push('\n'),
                Item::Lint { off, rule } => {
                    let verb = if *off { "lint_off" } else { "lint_on" };
                    writeln!(out, "    /* verilator {verb} {rule} */").ok();
                }
                Item::Comment(lines) => {
                    for l in lines {
                        writeln!(out, "    // {l}").ok();
                    }
                }
                Item::Wire { name, width } => {
                    writeln!(out, "    wire {}{name};", range(*width)).ok();
                }
                Item::Assign { lhs, rhs } => {
                    writeln!(out, "    assign {lhs} = {rhs};").ok();
                }
                Item::Instance(inst) => {
                    if inst.params.is_empty() {
                        writeln!(out, "    {} {} (", inst.module, inst.name).ok();
                    } else {
                        writeln!(out, "    {} #(", inst.module).ok();
                        let pw =
                            inst.params.iter().map(|p| p.name.len() + p.value.to_string().len()).max().unwrap_or(0);
                        for (i, p) in inst.params.iter().enumerate() {
                            let sep = if i + 1 == inst.params.len() { "" } else { "," };
                            let head = format!(".{}({}){sep}", p.name, p.value);
                            if p.doc.is_empty() {
                                writeln!(out, "        {head}").ok();
                            } else {
                                writeln!(out, "        {head:<w$}  // {}", p.doc, w = pw + 4).ok();
                            }
                        }
                        writeln!(out, "    ) {} (", inst.name).ok();
                    }
                    let cw = inst.connections.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
                    for (i, (port, expr)) in inst.connections.iter().enumerate() {
                        let sep = if i + 1 == inst.connections.len() { "" } else { "," };
                        writeln!(out, "        .{port:<cw$}({expr}){sep}").ok();
                    }
                    out.push_str("    );\n");
                }
            }
        }
        out.push_str("endmodule\n");
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_sized_and_msb_first() {
        assert_eq!(ParamValue::Bits(vec![false, true]).to_string(), "2'h2");
        assert_eq!(ParamValue::Bits(vec![true, false, false, false, true]).to_string(), "5'h11");
        assert_eq!(ParamValue::Int(-3).to_string(), "-3");
        assert_eq!(ParamValue::Str("w.mem".into()).to_string(), "\"w.mem\"");
    }
}
