//! Icarus Verilog: the event-driven reference simulator. It runs the generated Verilog
//! testbench (`<model>_tb`, hand-written `sf_tb_*` modules) which writes the same records
//! as the Verilator harness, so one comparison checks both. Slow (thousands of cycles per
//! second, BENCHMARKS.md) but independent of Verilator's two-state, cycle-based semantics.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::build::{PRELOAD_WEIGHTS, cached_build, check_build, content_hash};
use super::records::RecordParser;
use super::{Batch, DesignInfo, RtlRun, SimTimeout, Simulator, SimulatorKind};
use crate::error::SimError;

/// Icarus Verilog's compiler, or how to install it.
pub fn find_icarus() -> Result<String, SimError> {
    let missing = || SimError::MissingTool {
        tool: "iverilog".into(),
        hint: "install Icarus Verilog with `sudo apt-get install iverilog` (`make setup` does this)".into(),
    };
    let output = Command::new("iverilog").arg("-V").output().map_err(|_| missing())?;
    Command::new("vvp").arg("-V").output().map_err(|_| missing())?;
    Ok(String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or("").trim().to_string())
}

pub(super) fn build(design_dir: &Path, cache: &Path) -> Result<Simulator, SimError> {
    let version = find_icarus()?;
    let info = DesignInfo::read(design_dir).map_err(SimError::Design)?;
    let (bench, sources) = (info.testbench(), info.sources());
    let files: Vec<String> = sources.iter().chain(&bench.files).chain(&info.includes()).cloned().collect();
    // Loaded weights start from their files, as in the Verilator harness.
    let preload = format!("-D{PRELOAD_WEIGHTS}");
    let hash = content_hash(design_dir, &files, &[version.as_bytes(), b"-g2005", preload.as_bytes()])?;
    let name = format!("{}-{hash:016x}-icarus", info.top());
    let dir = cached_build(cache, &name, "sim.vvp", |dir| {
        for s in &files {
            std::fs::copy(design_dir.join(s), dir.join(s))
                .map_err(|source| SimError::Io { path: dir.join(s), source })?;
        }
        let output = Command::new("iverilog")
            .current_dir(dir)
            .args(["-g2005", &preload, "-s", &bench.top, "-o", "sim.vvp"])
            .args(sources.iter().chain(&bench.files))
            .output()
            .map_err(|source| SimError::Process { step: "cannot run", program: "iverilog".into(), source })?;
        check_build("iverilog", &bench.top, dir, &output, dir.join("sim.vvp").exists())
    })?;
    Ok(Simulator {
        kind: SimulatorKind::Icarus,
        binary: dir.join("sim.vvp"),
        design_dir: design_dir.to_path_buf(),
        layers: info.layers(),
        timesteps: info.timesteps(),
        input_chunk: (info.manifest.input_values_per_cycle, info.manifest.input_value_bits),
        timeout: SimTimeout::default(),
        stall: None,
    })
}

pub(super) fn run(sim: &Simulator, batch: Batch, progress: &mut impl FnMut(usize)) -> Result<RtlRun, SimError> {
    let Batch { inputs, size, limit, vcd } = batch;
    let io = |p: &Path, source| SimError::Io { path: p.to_path_buf(), source };
    // Removed however the run ends.
    let scratch =
        tempfile::Builder::new().prefix("spikeforge-icarus-").tempdir().map_err(|e| io(&std::env::temp_dir(), e))?;
    let input_file = scratch.path().join("inputs.hex");
    let records = scratch.path().join("records.txt");
    let (values, bits) = sim.input_chunk;
    let mut text = String::with_capacity(inputs.len() * 3);
    for chunk in inputs.chunks(values.max(1) as usize) {
        text.push_str(&chunk_hex(chunk, bits));
        text.push('\n');
    }
    std::fs::write(&input_file, text).map_err(|e| io(&input_file, e))?;
    let count = (inputs.len() / size.max(1)) as u64;

    let mut cmd = Command::new("vvp");
    cmd.arg("-n")
        .arg(&sim.binary)
        .arg(format!("+inputs={}", input_file.display()))
        .arg(format!("+out={}", records.display()))
        .arg(format!("+items={}", count * sim.timesteps))
        .arg(format!("+limit={limit}"));
    if let Some(seed) = sim.stall {
        cmd.arg(format!("+stall={seed}"));
    }
    if let Some((path, first, last)) = vcd {
        let abs = std::path::absolute(path).map_err(|e| io(path, e))?;
        cmd.arg(format!("+vcd={}", abs.display())).arg(format!("+vcd_first={first}")).arg(format!("+vcd_last={last}"));
    }
    // The memory files are read relative to the design directory.
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let (mut guarded, budget) = sim.start(&mut cmd, limit)?;
    let child = &mut guarded.child;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let messages = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });

    // Follow the record file while vvp writes it, for progress; a line counts once it is
    // complete.
    let mut parser = RecordParser::new(sim.layers);
    let mut reader: Option<BufReader<std::fs::File>> = None;
    let mut partial = String::new();
    let messages = loop {
        let exited = guarded.child.try_wait().map_err(|source| SimError::Process {
            step: "waiting for",
            program: "vvp".into(),
            source,
        })?;
        if reader.is_none() {
            reader = std::fs::File::open(&records).ok().map(BufReader::new);
        }
        if let Some(r) = reader.as_mut() {
            loop {
                let got = r.read_line(&mut partial).map_err(|e| io(&records, e))?;
                if got == 0 || !partial.ends_with('\n') {
                    break;
                }
                parser.line(partial.trim_end(), progress)?;
                partial.clear();
            }
        }
        if let Some(status) = exited {
            if guarded.fired() {
                return Err(parser.hung(sim.kind, budget, vcd.map(|(path, _, _)| path)));
            }
            let text = messages.join().unwrap_or_default();
            if !status.success() {
                return Err(SimError::Exited { program: "vvp", status, said: text.trim().to_string() });
            }
            break text;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    parser.finish().map_err(|e| match e {
        SimError::Unfinished { .. } => SimError::Unfinished { said: messages.trim().to_string() },
        e => e,
    })
}

/// One line of the testbench's input file: the chunk's values packed as the core's
/// `in_value` takes them (value `j` at bits `j·bits`), in hexadecimal.
fn chunk_hex(chunk: &[u8], bits: u32) -> String {
    if let [v] = chunk {
        return format!("{v:x}");
    }
    let total = chunk.len() * bits as usize;
    let bit = |i: usize| (chunk[i / bits as usize] >> (i % bits as usize)) & 1;
    let digits: String = (0..total.div_ceil(4))
        .rev()
        .map(|d| {
            let nibble = (0..4).filter(|&b| d * 4 + b < total).fold(0u32, |n, b| n | u32::from(bit(d * 4 + b)) << b);
            char::from_digit(nibble, 16).expect("a nibble")
        })
        .collect();
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() { "0".into() } else { significant.into() }
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunks_pack_their_first_value_at_the_bottom() {
        assert_eq!(super::chunk_hex(&[0xab], 8), "ab");
        assert_eq!(super::chunk_hex(&[0x01, 0x02], 8), "201");
        assert_eq!(super::chunk_hex(&[3, 0, 1], 2), "13");
        assert_eq!(super::chunk_hex(&[0; 9], 8), "0");
        assert_eq!(super::chunk_hex(&[0xff; 9], 8), "f".repeat(18));
    }
}
