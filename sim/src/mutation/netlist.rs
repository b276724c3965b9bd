//! The mutated netlist yosys writes, made to run unchanged in the co-simulation harnesses.
//!
//! `mutate -ctrl mutsel W k` adds an input port `mutsel` to every mutated module (and
//! connects it from the instantiating module, one level up): mutation `k` is live when
//! `mutsel == k`. The harnesses drive only the core's own ports, so each such port becomes a
//! register read at start-up from `mutsel.mem` in the design directory: one build of the
//! netlist then runs every mutant, the file choosing which.

/// The file whose one hexadecimal word selects the live mutant (0: none).
pub const SELECT_FILE: &str = "mutsel.mem";

/// Name and width of the control port `mutate -ctrl` adds.
pub const CONTROL: &str = "mutsel";

/// Bits of the control port: room for 65,535 mutants per host design.
pub const CONTROL_BITS: u32 = 16;

/// `netlist` (yosys `write_verilog -noattr` after `mutate -ctrl`) with every `mutsel` port
/// turned into a register loaded from [`SELECT_FILE`] and every connection to one removed.
/// Returns the text and the number of modules that read the file.
pub fn instrument(netlist: &str) -> (String, usize) {
    let port_list_end = format!(", {CONTROL});");
    let connection = format!(".{CONTROL}({CONTROL})");
    let input = format!("input [{}:0] {CONTROL};", CONTROL_BITS - 1);
    let wire = format!("wire [{}:0] {CONTROL};", CONTROL_BITS - 1);
    let msb = CONTROL_BITS - 1;
    let mut out: Vec<String> = Vec::new();
    let mut readers = 0;
    for line in netlist.lines() {
        let trimmed = line.trim();
        if trimmed == connection || trimmed == format!("{connection},") {
            // Connections are listed one a line; the last one carries no comma.
            if trimmed == connection
                && let Some(previous) = out.last_mut()
            {
                *previous = previous.trim_end_matches(',').to_string();
            }
            continue;
        }
        if trimmed == input {
            readers += 1;
            out.push(format!("  reg [{msb}:0] {CONTROL};"));
            out.push(format!("  reg [{msb}:0] {CONTROL}_file [0:0];"));
            out.push("  initial begin".into());
            out.push(format!("    $readmemh(\"{SELECT_FILE}\", {CONTROL}_file);"));
            out.push(format!("    {CONTROL} = {CONTROL}_file[0];"));
            out.push("  end".into());
            continue;
        }
        if trimmed == wire {
            continue;
        }
        match line.strip_suffix(&port_list_end) {
            Some(head) => out.push(format!("{head});")),
            None => out.push(line.to_string()),
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    (text, readers)
}

/// `netlist` with `params` declared again in module `top`, after its header: yosys fixed
/// them when it elaborated the top, and a harness that sets them (Verilator's `-G`, which
/// refuses a parameter the design lacks) finds them. They are read nowhere: the values
/// yosys fixed must be the ones the harness sets.
pub fn redeclare(netlist: &str, top: &str, params: &[(String, u32)]) -> String {
    let header = format!("module {top}(");
    let mut out = String::with_capacity(netlist.len() + 100);
    let mut in_header = false;
    for line in netlist.lines() {
        out.push_str(line);
        out.push('\n');
        in_header |= line.starts_with(&header);
        if in_header && line.trim_end().ends_with(");") {
            in_header = false;
            for (name, value) in params {
                out.push_str(&format!("  parameter {name} = {value};\n"));
            }
        }
    }
    out
}

/// The contents of [`SELECT_FILE`] that make mutant `id` live.
pub fn select(id: u32) -> String {
    format!("{id:x}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_declared_after_the_top_header() {
        let netlist = "module sub(a);\nendmodule\nmodule top(clk,\n  rx);\n  input clk;\nendmodule\n";
        let params = [("CLKS_PER_BIT".to_string(), 8)];
        let text = redeclare(netlist, "top", &params);
        assert_eq!(
            text,
            "module sub(a);\nendmodule\nmodule top(clk,\n  rx);\n  parameter CLKS_PER_BIT = 8;\n  input clk;\nendmodule\n"
        );
    }

    #[test]
    fn control_ports_become_registers_and_their_connections_go() {
        let netlist = "\
module \\$paramod$1\\sf_lane (clk, acc, mutsel);
  input clk;
  input [15:0] mutsel;
  wire [15:0] mutsel;
  assign _1_ = mutsel == 16'h0003;
endmodule
module top(clk);
  \\$paramod$1\\sf_lane  u (
    .acc(a),
    .clk(clk),
    .mutsel(mutsel)
  );
  \\$paramod$1\\sf_lane  v (
    .mutsel(mutsel),
    .zz(clk)
  );
endmodule
";
        let (text, readers) = instrument(netlist);
        assert_eq!(readers, 1);
        assert!(text.contains("sf_lane (clk, acc);"), "{text}");
        assert!(text.contains("$readmemh(\"mutsel.mem\", mutsel_file);"), "{text}");
        assert!(text.contains("    .clk(clk)\n  );"), "{text}");
        assert!(text.contains("  v (\n    .zz(clk)"), "{text}");
        assert!(!text.contains(".mutsel("), "{text}");
        assert!(!text.contains("input [15:0] mutsel"), "{text}");
        assert!(text.contains("assign _1_ = mutsel == 16'h0003;"));
        assert_eq!(select(26), "1a\n");
    }
}
