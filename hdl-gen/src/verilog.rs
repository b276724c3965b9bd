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

use std::fmt;

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
    /// `a | b | ...`: signals of which at most one is nonzero at a time.
    Or(Vec<String>),
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

    /// `width'd0`: an input tied off.
    pub fn zero(width: u32) -> Expr {
        Expr::Const { width, value: 0 }
    }
}

/// `.name(name)`: a port connected to the signal of the same name.
pub fn pass(name: &str) -> (String, Expr) {
    (name.to_string(), Expr::ident(name))
}

/// `values` as one bit vector of `width`-bit fields, `values[0]` in the low bits (two's
/// complement for negative values): packed parameters and memory words.
pub fn pack_bits(values: impl IntoIterator<Item = i64>, width: u32) -> Vec<bool> {
    values.into_iter().flat_map(|v| (0..width).map(move |b| (v >> b) & 1 == 1)).collect()
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Ident(n) => write!(f, "{n}"),
            Expr::Const { width, value } => write!(f, "{width}'d{value}"),
            Expr::Open => Ok(()),
            Expr::Or(names) => write!(f, "{}", names.join(" | ")),
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
    /// The value of an integer parameter (0 for any other kind).
    pub fn int_value(&self) -> i64 {
        match self.value {
            ParamValue::Int(v) => v,
            _ => 0,
        }
    }

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

    /// `.NAME(NAME)`: the enclosing module's parameter of the same name, passed down.
    pub fn pass(name: &str) -> Param {
        Param { name: name.into(), value: ParamValue::Name(name.into()), doc: String::new() }
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

/// Lines of Verilog at a nesting depth of four spaces per level, so no printing code
/// counts spaces by hand.
struct Emitter {
    out: String,
    depth: usize,
}

impl Emitter {
    fn line(&mut self, text: &str) {
        if !text.is_empty() {
            self.out.extend(std::iter::repeat_n("    ", self.depth));
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// `lines` one level deeper.
    fn nested(&mut self, lines: impl FnOnce(&mut Emitter)) {
        self.depth += 1;
        lines(self);
        self.depth -= 1;
    }

    fn port_list(&mut self, ports: &[Port]) {
        self.nested(|e| {
            for (i, p) in ports.iter().enumerate() {
                let dir = if p.dir == Dir::Input { "input " } else { "output" };
                let sep = if i + 1 == ports.len() { "" } else { "," };
                e.line(&format!("{dir} wire {}{}{sep}", range(p.width), p.name));
            }
        });
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Blank => self.line(""),
            Item::Lint { off, rule } => {
                let verb = if *off { "lint_off" } else { "lint_on" };
                self.line(&format!("/* verilator {verb} {rule} */"));
            }
            Item::Comment(lines) => {
                for l in lines {
                    self.line(&format!("// {l}"));
                }
            }
            Item::Wire { name, width } => self.line(&format!("wire {}{name};", range(*width))),
            Item::Assign { lhs, rhs } => self.line(&format!("assign {lhs} = {rhs};")),
            Item::Instance(inst) => self.instance(inst),
        }
    }

    fn instance(&mut self, inst: &Instance) {
        if inst.params.is_empty() {
            self.line(&format!("{} {} (", inst.module, inst.name));
        } else {
            self.line(&format!("{} #(", inst.module));
            let pw = inst.params.iter().map(|p| p.name.len() + p.value.to_string().len()).max().unwrap_or(0);
            self.nested(|e| {
                for (i, p) in inst.params.iter().enumerate() {
                    let sep = if i + 1 == inst.params.len() { "" } else { "," };
                    let head = format!(".{}({}){sep}", p.name, p.value);
                    if p.doc.is_empty() {
                        e.line(&head);
                    } else {
                        e.line(&format!("{head:<w$}  // {}", p.doc, w = pw + 4));
                    }
                }
            });
            self.line(&format!(") {} (", inst.name));
        }
        let cw = inst.connections.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
        self.nested(|e| {
            for (i, (port, expr)) in inst.connections.iter().enumerate() {
                let sep = if i + 1 == inst.connections.len() { "" } else { "," };
                e.line(&format!(".{port:<cw$}({expr}){sep}"));
            }
        });
        self.line(");");
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut e = Emitter { out: String::new(), depth: 0 };
        e.line("// Generated by spikeforge hdl-gen. Do not edit: regenerate with `spikeforge gen`.");
        for line in &self.doc {
            e.line(&format!("// {line}"));
        }
        if !self.ports.is_empty() {
            e.line("//\n// Ports");
            let nw = self.ports.iter().map(|p| p.name.len()).max().unwrap_or(0);
            for p in &self.ports {
                let dir = if p.dir == Dir::Input { "in " } else { "out" };
                e.line(&format!("//   {:<nw$}  {dir}  {:>3}  {}", p.name, p.width, p.doc));
            }
        }
        if !self.params.is_empty() {
            e.line("//\n// Parameters");
            for p in &self.params {
                e.line(&format!("//   {:<12}  {}", p.name, p.doc));
            }
        }
        if self.params.is_empty() {
            e.line(&format!("module {}{}", self.name, if self.ports.is_empty() { ";" } else { " (" }));
        } else {
            e.line(&format!("module {} #(", self.name));
            e.nested(|e| {
                for (i, p) in self.params.iter().enumerate() {
                    let sep = if i + 1 == self.params.len() { "" } else { "," };
                    e.line(&format!("parameter {} = {}{sep}", p.name, p.value));
                }
            });
            // A testbench top has no ports.
            e.line(if self.ports.is_empty() { ");" } else { ") (" });
        }
        if !self.ports.is_empty() {
            e.port_list(&self.ports);
            e.line(");");
        }
        e.nested(|e| self.items.iter().for_each(|item| e.item(item)));
        e.line("endmodule");
        f.write_str(&e.out)
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
