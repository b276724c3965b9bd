//! yosys's `mutate` pass over a generated core: list mutants per hand-written module, apply
//! them all behind the control port, write the netlist.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use super::netlist::{CONTROL, CONTROL_BITS};
use super::{Mutant, RtlModule};
use crate::cosim::build::PRELOAD_WEIGHTS;
use crate::error::SimError;

/// The mutants of one host design and the netlist carrying all of them.
pub struct Mutated {
    /// In control-value order (ids 1, 2, ...).
    pub mutants: Vec<Mutant>,
    /// `write_verilog -noattr` of the whole core, every mutant behind `mutsel`.
    pub netlist: String,
    /// The same netlist with every part-select reading 0 past either end of its vector
    /// ([`SHIFTX_IN_RANGE`]), where `netlist` leaves it to the simulator (Verilator wraps
    /// the offset).
    pub netlist_past_end_zero: String,
}

/// The techmap rule that makes a part-select read 0 past either end of its vector, and the
/// file [`mutate`] writes it to beside the design.
const SHIFTX_IN_RANGE: &str = include_str!("shiftx_in_range.v");
const SHIFTX_MAP: &str = "shiftx_in_range.v";

/// The yosys commands that make every part-select read 0 past either end of its vector
/// ([`SHIFTX_IN_RANGE`]), as the second netlist reads it, after writing the rule to `dir`
/// (where yosys runs) if it is not there yet: what [`mutate`] runs before writing the
/// second netlist, and every proof before `techmap`.
/// `techmap`'s own gates for a `$shiftx` look only at the offset bits the vector needs,
/// so an offset past them wraps as in Verilator: a loader mutant inverting bit 30 of
/// `read_index * 8`, which the second netlist kills (its weight CRC reads 0), was proven
/// equivalent from power-on in 2 s (`board` #800, session 37).
pub(super) fn past_end_zero(dir: &Path) -> Result<String, SimError> {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let path = dir.join(SHIFTX_MAP);
    if std::fs::read_to_string(&path).ok().as_deref() != Some(SHIFTX_IN_RANGE) {
        // Written aside and renamed: a proof beside this one may be reading it.
        let n = WRITES.fetch_add(1, Ordering::Relaxed);
        let aside = dir.join(format!("{SHIFTX_MAP}.{}-{n}", std::process::id()));
        std::fs::write(&aside, SHIFTX_IN_RANGE).map_err(|source| SimError::Io { path: aside.clone(), source })?;
        std::fs::rename(&aside, &path).map_err(|source| SimError::Io { path: path.clone(), source })?;
    }
    Ok(format!("techmap -map {SHIFTX_MAP} t:$shiftx\nchtype -map $__sf_shiftx $shiftx\n"))
}

/// The netlists [`mutate`] writes: as yosys elaborated the design, and with
/// [`SHIFTX_IN_RANGE`].
const NETLIST: &str = "mutated.v";
const NETLIST_PAST_END_ZERO: &str = "mutated-past-end-zero.v";

/// How yosys reads a host design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    /// The top module: the core's, or the board top's.
    pub top: String,
    /// The Verilog files.
    pub sources: Vec<String>,
    /// Whether start-up-loaded weights start from their files (the core harness's define),
    /// rather than being loaded over the UART.
    pub preload: bool,
    /// Parameters of the top, as a harness sets them (the board top's `CLKS_PER_BIT`): the
    /// netlist yosys writes has them fixed.
    pub params: Vec<(String, u32)>,
}

/// Run yosys in `dir` (a generated design read as `reading` says): per module of
/// `modules`, `mutate -list per_module -seed seed` over that module's parameterizations, then
/// apply them all with `-ctrl`. `-nosynthesis` keeps the simulation-only membrane tap,
/// which co-simulation compares. For a core host the define the harness passes preloads
/// start-up-loaded weights, as in co-simulation. Memory cells (`$memrd`, `$memwr`, `$meminit`) are left
/// alone: yosys cannot write a memory whose port clock or initialization address a mutant
/// made variable, and the wires into their ports are mutated where they are driven. Extra `mutate` filter options (`-mode inv`) go into `filter`.
pub fn mutate(
    dir: &Path,
    host: &str,
    reading: &Reading,
    modules: &[RtlModule],
    (per_module, seed): (usize, u64),
    filter: &str,
) -> Result<Mutated, SimError> {
    let mut script = read_script(reading);
    // `*name*`: a module with one short parameter list is named `$paramod\name\P=...`, with
    // a long one `$paramod$hash\name`.
    for m in modules {
        let first = m.slot() * per_module + 1;
        script.push_str(&format!(
            "mutate -list {per_module} -seed {seed} {filter} -ctrl {CONTROL} {CONTROL_BITS} {first} -o mutants-{name}.ys *{name}*/* *{name}*/t:$mem* %d\n",
            name = m.name()
        ));
    }
    let apply: String = modules.iter().map(|m| format!("script mutants-{}.ys\n", m.name())).collect();
    script.push_str(&keeping_initial_values(&apply));
    // A parallel case (`$pmux`) as the gates synthesis builds for it: the values of every
    // select that is high ORed. `write_verilog` prints a `$pmux` as a `casez` in which the
    // lowest select wins, so a mutant that makes two selects high at once (a case label's
    // compare mutated: the receiver's `state == S_IDLE` also true in `S_START`) ran in
    // Verilator as a circuit no synthesis of the netlist builds, and the proofs, which
    // read `$pmux` as synthesis does, could not show it equivalent to what was simulated.
    // The unmutated design never has two selects high: nothing changes for it.
    script.push_str("techmap -map +/techmap.v t:$pmux\n");
    // Split vectors into bits: a mutant's mux on one bit of a cell's output, beside another
    // whose control reads a second bit of it, makes a loop at vector granularity that no
    // bit closes. Verilator 5.006 at -O3 mis-ordered such a false loop (UNOPTFLAT): the
    // `ternary` host's netlist with no mutant live then failed co-simulation when its input
    // stream stalled, while the same netlist with the control tied to 0, or at -O0, passed.
    script.push_str("splitnets\n");
    script.push_str(&format!("write_verilog -noattr {NETLIST}\n"));
    // A part-select past the end of its vector is `x` in Verilog: Verilator wraps its
    // offset, the proofs read 0, a synthesis picks whatever is cheapest. Each is a circuit
    // the design allows where the original never reads such a bit, so a mutant that shows
    // under either is a fault: the second netlist reads 0 (see the rule's header).
    script.push_str(&past_end_zero(dir)?);
    script.push_str(&format!("write_verilog -noattr {NETLIST_PAST_END_ZERO}\n"));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SimError::Io { path, source }
    };
    std::fs::write(dir.join("mutate.ys"), &script).map_err(io(&dir.join("mutate.ys")))?;
    let output =
        Command::new("yosys").args(["-q", "-l", "yosys.log", "-s", "mutate.ys"]).current_dir(dir).output().map_err(
            |source| match source.kind() {
                std::io::ErrorKind::NotFound => {
                    SimError::MissingTool { tool: "yosys".into(), hint: "install it with `make setup`".into() }
                }
                _ => SimError::Process { step: "cannot run", program: "yosys".into(), source },
            },
        )?;
    if !output.status.success() {
        return Err(SimError::Mutation {
            host: host.into(),
            reason: format!(
                "yosys exited with {} (log {}): {}",
                output.status,
                dir.join("yosys.log").display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    let mut mutants = Vec::new();
    for &module in modules {
        let path = dir.join(format!("mutants-{}.ys", module.name()));
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        for command in text.lines().filter(|l| !l.trim().is_empty()) {
            let id = control_value(command).ok_or_else(|| SimError::Mutation {
                host: host.into(),
                reason: format!("no control value in {command:?}"),
            })?;
            mutants.push(Mutant { host: host.into(), module, id, command: command.to_string() });
        }
    }
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).map_err(io(&dir.join(name)));
    Ok(Mutated { mutants, netlist: read(NETLIST)?, netlist_past_end_zero: read(NETLIST_PAST_END_ZERO)? })
}

/// The define under which a module of the RTL library states its invariant
/// (`wire invariant_holds`), read only for `Scope::Invariant`.
pub(super) const INVARIANT_DEFINE: &str = "SF_INVARIANT";

/// Read the design as the campaign does (see [`mutate`]), elaborated and processed.
pub(super) fn read_script(reading: &Reading) -> String {
    read_script_defining(reading, None)
}

/// [`read_script`] with `extra` defined too (`SF_INVARIANT`: the invariant a module states
/// for `Scope::Invariant`).
pub(super) fn read_script_defining(reading: &Reading, extra: Option<&str>) -> String {
    let mut define = if reading.preload { format!(" -D{PRELOAD_WEIGHTS}") } else { String::new() };
    if let Some(name) = extra {
        define.push_str(&format!(" -D{name}"));
    }
    let params: String = reading.params.iter().map(|(name, value)| format!(" -chparam {name} {value}")).collect();
    format!(
        "read_verilog -nosynthesis -defer{define} -I. {}\nhierarchy -top {}{params}\nproc\nopt_clean\n",
        reading.sources.join(" "),
        reading.top
    )
}

/// `apply` (yosys commands that apply mutants), followed by giving each flip-flop that had
/// an initial value its value back.
///
/// A mutant of a flip-flop's output moves the flip-flop onto a new wire, and the initial
/// value stays on the old one, now driven by the mutant's mux: the register came out of
/// `write_verilog` with none and started random in the UART harness. That is `sf_reset`'s
/// counter, so the board's power-on reset lasted as long as the seeded random count said,
/// sometimes a cycle or none, and the netlist with no mutant live failed for some draws of
/// mutants and not for others (session 19). In `sim` the value was `x`. The new wires get
/// 0: the only register with an initial value in the RTL library is that counter,
/// `reg [BITS-1:0] count = 0`.
pub(super) fn keeping_initial_values(apply: &str) -> String {
    format!(
        "select -set init_ff a:init %ci1:+$dff[Q] t:$dff %i\n{}\n\
         select -set init_q @init_ff %co1:+$dff[Q] w:* %i a:init %d\nsetattr -set init 1'0 @init_q\n",
        apply.trim_end()
    )
}

/// `k` of `mutate -ctrl mutsel 16 k ...`.
fn control_value(command: &str) -> Option<u32> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "-ctrl")?;
    words.get(at + 3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_register_initial_value_in_the_mutated_library_is_zero() {
        // keeping_initial_values gives mutated flip-flops 0 back; a register declared with
        // another value would silently start wrong in the campaign.
        let library = hdl_gen::LIBRARY.iter().chain(hdl_gen::board::BOARD_LIBRARY.iter());
        let library = library.chain(std::iter::once(&hdl_gen::board::WEIGHT_LOADER_LIBRARY));
        let mut initialized = Vec::new();
        for (file, text) in library {
            for line in text.lines().map(str::trim_start).filter(|l| l.starts_with("reg ") && l.contains('=')) {
                let value = line.split_once('=').map_or("", |(_, v)| v.trim().trim_end_matches(';'));
                assert!(value.ends_with("{1'b0}}") || value.ends_with("'b0") || value == "0", "{file}: {line}");
                initialized.push(*file);
            }
        }
        assert_eq!(initialized, ["sf_reset.v"], "the registers with an initial value");
    }

    #[test]
    fn the_control_value_is_the_third_word_after_ctrl() {
        let line = "mutate -ctrl mutsel 16 17 -mode inv -module $paramod$a\\sf_lane -cell $procmux$2739 -port A";
        assert_eq!(control_value(line), Some(17));
        assert_eq!(control_value("mutate -mode inv"), None);
    }
}
