//! Finding Verilator and compiling a design with the harness, cached by content hash.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::SimError;

use super::{SimTimeout, Simulator, SimulatorKind};

const HARNESS: &str = include_str!("harness.cpp");

/// The Verilator found on PATH.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verilator {
    /// Executable.
    pub path: PathBuf,
    /// `verilator --version` output.
    pub version: String,
}

/// Find Verilator, or explain how to install it.
pub fn find_verilator() -> Result<Verilator, SimError> {
    let output = Command::new("verilator").arg("--version").output().map_err(|_| SimError::MissingTool {
        tool: "verilator".into(),
        hint: "install it with `sudo apt-get install verilator` (`make setup` does this)".into(),
    })?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Ok(Verilator { path: PathBuf::from("verilator"), version })
}

/// The cache subdirectory of builds by this Verilator, named from `verilator --version`
/// (`verilator-5.006-2023-01-22-rev-debian-5.006-3`): a CI cache keyed on the name never
/// hands one Verilator's build to another.
pub fn version_dir(version: &str) -> String {
    let mut name = String::new();
    for c in version.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-');
    match name.strip_prefix("verilator") {
        Some(rest) if !rest.is_empty() => format!("verilator{rest}"),
        _ if name.is_empty() => "verilator-unknown".into(),
        _ => format!("verilator-{name}"),
    }
}

/// 64-bit FNV-1a: a stable content hash for cache keys (not for security).
fn fnv1a(hash: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *hash ^= b as u64;
        *hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
}

/// Cache key of a build: the tool's version and flags (`extra`), then every file's name
/// and content, so any edit to the RTL (also by hand, `--rtl`) rebuilds.
pub(super) fn content_hash<'a>(
    design_dir: &Path,
    files: impl IntoIterator<Item = &'a String>,
    extra: &[&[u8]],
) -> Result<u64, SimError> {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for e in extra {
        fnv1a(&mut hash, e);
    }
    for s in files {
        let path = design_dir.join(s);
        let text = std::fs::read(&path).map_err(|source| SimError::Io { path: path.clone(), source })?;
        fnv1a(&mut hash, s.as_bytes());
        fnv1a(&mut hash, &text);
    }
    Ok(hash)
}

pub(super) fn build(design_dir: &Path, cache: &Path, trace: bool) -> Result<Simulator, SimError> {
    let info = super::DesignInfo::read(design_dir).map_err(SimError::Design)?;
    let (top, sources, timesteps) = (info.top(), &info.sources(), info.timesteps());
    let layers = info.layers();
    let last = layers - 1;
    let membrane_bits = info.score_bits();

    let mut taps = String::new();
    writeln!(taps, "#include \"V{top}.h\"").ok();
    writeln!(taps, "#define SF_TOP V{top}").ok();
    writeln!(taps, "#define SF_TIMESTEPS {timesteps}").ok();
    writeln!(taps, "#define SF_TRACE {}", u8::from(trace)).ok();
    writeln!(taps, "#define SF_LAYERS {layers}").ok();
    writeln!(taps, "#define SF_VALUES_PER_CYCLE {}", info.manifest.input_values_per_cycle).ok();
    writeln!(taps, "#define SF_VALUE_BITS {}", info.manifest.input_value_bits).ok();
    taps.push_str("#define SF_SAMPLE_TAPS(top, cycle) do { \\\n");
    for (l, layer) in info.manifest.layers.iter().enumerate() {
        let score = if l == last {
            format!("(long long)((int64_t)((uint64_t)top.score_value << {s}) >> {s})", s = 64 - membrane_bits)
        } else {
            "0LL".into()
        };
        writeln!(
            taps,
            "    if (top.l{l}_emit_valid) printf(\"E {l} %u %u %u %lld\\n\", (unsigned)top.l{l}_emit_neuron, \
             (unsigned)top.l{l}_emit_sel, (unsigned)top.l{l}_emit_neg, {score}); \\"
        )
        .ok();
        // Folded before the DONE check: a DONE record closes the item's digest.
        let lanes = layer.rtl.membrane_tap_width();
        if lanes > 0 {
            writeln!(
                taps,
                "    if (top.l{l}_mem_tap_valid) {{ uint32_t mask_[2], row_[2]; sf_fold({l}, \
                 (uint64_t)top.l{l}_mem_tap_neuron, sf_words(top.l{l}_mem_tap_mask, mask_), \
                 sf_words(top.l{l}_mem_tap_row, row_), {lanes}, {bits}, cycle); }} \\",
                bits = layer.rtl.plan.membrane_bits
            )
            .ok();
        }
        let bump = if l == last { " last_done++;" } else { "" };
        writeln!(
            taps,
            "    if (top.l{l}_item_done) {{ printf(\"D {l} %u %llu %016llx\\n\", (unsigned)top.l{l}_item_t, \
             (unsigned long long)(cycle), (unsigned long long)sf_digest[{l}]); sf_digest[{l}] = 0;{bump} \
             fflush(stdout); }} \\"
        )
        .ok();
    }
    taps.push_str("} while (0)\n");
    // The weight port of each layer whose weights are loaded at start-up, checked before
    // cycle 0 (harness.cpp, sf_check_weights); the file is read where the harness runs.
    // Then reset again: cycle 0 is the first after a reset, as the cycle model counts.
    taps.push_str("#define SF_CHECK_WEIGHTS(top, step) do { \\\n");
    let loaded: Vec<_> = info.manifest.layers.iter().enumerate().filter(|(_, l)| l.rtl.loads_weights()).collect();
    for &(l, layer) in &loaded {
        writeln!(
            taps,
            "    if (!sf_check_weights({l}, \"{file}\", {words}, {bits}, top.l{l}_wt_wr_en, top.l{l}_wt_wr_addr, \
             top.l{l}_wt_wr_data, top.l{l}_wt_rd_en, top.l{l}_wt_rd_data, step)) return 3; \\",
            file = layer.rtl.weights_file,
            words = layer.rtl.weight_words(),
            bits = layer.rtl.weight_word_bits(),
        )
        .ok();
    }
    if !loaded.is_empty() {
        taps.push_str("    top.rst = 1; step(); step(); top.rst = 0; \\\n");
    }
    taps.push_str("} while (0)\n");

    // Loaded weights (`WeightStore::Loaded`) start from their files here, and the harness
    // writes and reads every word through the weight port before the first input; the UART
    // co-simulation checks the load over the line.
    let mut extra_flags: Vec<String> = vec![format!("+define+{PRELOAD_WEIGHTS}")];
    if trace {
        extra_flags.push("--trace".into());
    }
    let harness = Harness {
        top,
        source: ("harness.cpp", HARNESS),
        header: ("taps.h", &taps),
        extra_flags: &extra_flags,
        sources,
        includes: &info.includes(),
        suffix: if trace { "-trace" } else { "" },
    };
    let binary = build_harness(design_dir, cache, &harness)?;
    Ok(Simulator {
        kind: SimulatorKind::Verilator,
        binary,
        design_dir: design_dir.to_path_buf(),
        layers,
        timesteps,
        input_chunk: (info.manifest.input_values_per_cycle, info.manifest.input_value_bits),
        timeout: SimTimeout::default(),
        stall: None,
    })
}

/// The define that initializes loaded weights from their files (`sf_layer.v`).
pub(crate) const PRELOAD_WEIGHTS: &str = "SF_PRELOAD_WEIGHTS";

/// A C++ harness to compile with a design's Verilog.
pub(super) struct Harness<'a> {
    /// Top module.
    pub top: &'a str,
    /// The harness source: file name and text.
    pub source: (&'a str, &'a str),
    /// The design-specific header it includes: file name and text.
    pub header: (&'a str, &'a str),
    /// Verilator flags beyond the common ones (`--trace`, `-G...`).
    pub extra_flags: &'a [String],
    /// Verilog files to compile.
    pub sources: &'a [String],
    /// Include files copied beside them.
    pub includes: &'a [String],
    /// Suffix of the cache entry (`-trace`, `-uart`).
    pub suffix: &'a str,
}

/// Compile `harness` with the design in `design_dir` (or reuse the build cached under a
/// hash of everything that goes into it): `verilator --cc --exe --build -O3 --x-assign fast
/// --x-initial fast`, single-threaded, the generated C++ at `-O2` instead of Verilator's
/// default `-Os` (`SPIKEFORGE_OPT_FAST` overrides). Returns the binary.
pub(super) fn build_harness(design_dir: &Path, cache: &Path, harness: &Harness) -> Result<PathBuf, SimError> {
    let verilator = find_verilator()?;
    let mut flags: Vec<String> =
        ["--cc", "--exe", "--build", "-O3", "--x-assign", "fast", "--x-initial", "fast", "-Wno-fatal"]
            .into_iter()
            .map(String::from)
            .collect();
    flags.extend(harness.extra_flags.iter().cloned());
    let opt_fast = std::env::var("SPIKEFORGE_OPT_FAST").unwrap_or_else(|_| "-O2".into());
    let flag_text = format!("{} OPT_FAST={opt_fast}", flags.join(" "));
    let extra =
        [verilator.version.as_bytes(), harness.source.1.as_bytes(), harness.header.1.as_bytes(), flag_text.as_bytes()];
    let hash = content_hash(design_dir, harness.sources.iter().chain(harness.includes), &extra)?;
    let top = harness.top;
    let cache = cache.join(version_dir(&verilator.version));
    let final_dir = cached_build(&cache, &format!("{top}-{hash:016x}{}", harness.suffix), "obj/Vsim", |dir| {
        let io = |p: &Path, source| SimError::Io { path: p.to_path_buf(), source };
        std::fs::write(dir.join(harness.source.0), harness.source.1).map_err(|e| io(dir, e))?;
        std::fs::write(dir.join(harness.header.0), harness.header.1).map_err(|e| io(dir, e))?;
        for s in harness.sources.iter().chain(harness.includes) {
            std::fs::copy(design_dir.join(s), dir.join(s)).map_err(|e| io(&dir.join(s), e))?;
        }
        // ccache, where installed, turns the recompilation of Verilator's runtime (most of a
        // small design's build time) into a cache hit.
        let mut make_flags = format!("OPT_FAST={opt_fast}");
        if Command::new("ccache").arg("--version").output().is_ok_and(|o| o.status.success()) {
            make_flags.push_str(" OBJCACHE=ccache");
        }
        let output = Command::new(&verilator.path)
            .current_dir(dir)
            .args(["-MAKEFLAGS", &make_flags])
            .args(&flags)
            .args(["--top-module", top, "-Mdir", "obj", "-o", "Vsim", "-CFLAGS", "-I.."])
            .arg(harness.source.0)
            .args(harness.sources)
            .output()
            .map_err(|source| SimError::Process { step: "cannot run", program: "verilator".into(), source })?;
        check_build("verilator", top, dir, &output, dir.join("obj/Vsim").exists())
    })?;
    Ok(final_dir.join("obj/Vsim"))
}

/// Build into `cache/name` once: in a private directory renamed into place, so concurrent
/// builds of the same content never see each other's half-written files. `product` (a
/// path inside the directory) marks a finished build.
pub(super) fn cached_build(
    cache: &Path,
    name: &str,
    product: &str,
    make: impl FnOnce(&Path) -> Result<(), SimError>,
) -> Result<PathBuf, SimError> {
    // Simulators run in the design directory: a relative cache (`--cache-dir .cosim-cache`)
    // must not make the binary's path relative to it.
    let cache = &std::path::absolute(cache).map_err(|source| SimError::Io { path: cache.to_path_buf(), source })?;
    let final_dir = cache.join(name);
    if final_dir.join(product).exists() {
        return Ok(final_dir);
    }
    static BUILDS: AtomicUsize = AtomicUsize::new(0);
    let n = BUILDS.fetch_add(1, Ordering::Relaxed);
    let dir = cache.join(format!(".build-{}-{n}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|source| SimError::Io { path: dir.clone(), source })?;
    make(&dir)?;
    if std::fs::rename(&dir, &final_dir).is_err() {
        // Another build of the same content won the race; use it.
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(final_dir)
}

/// A failed build keeps its log in the build directory and names its first error.
pub(super) fn check_build(
    tool: &'static str,
    top: &str,
    dir: &Path,
    output: &std::process::Output,
    built: bool,
) -> Result<(), SimError> {
    if output.status.success() && built {
        return Ok(());
    }
    let log = dir.join("build.log");
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    let _ = std::fs::write(&log, &text);
    let first_error = text
        .lines()
        .find(|l| l.contains("%Error") || l.contains("error:") || l.contains("error"))
        .unwrap_or("")
        .trim()
        .to_string();
    Err(SimError::Build { tool, top: top.to_string(), first_error, log })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_cache_gives_an_absolute_build_directory() {
        let name = format!("sf-relative-cache-test-{}", std::process::id());
        let dir = cached_build(Path::new(&format!("target/{name}")), "x", "done", |d| {
            std::fs::write(d.join("done"), "").map_err(|source| SimError::Io { path: d.to_path_buf(), source })
        })
        .unwrap();
        let _ = std::fs::remove_dir_all(format!("target/{name}"));
        assert!(dir.is_absolute() && dir.ends_with(format!("target/{name}/x")), "{}", dir.display());
    }

    #[test]
    fn the_cache_subdirectory_is_named_from_the_verilator_version() {
        let debian = "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)\n";
        assert_eq!(version_dir(debian), "verilator-5.006-2023-01-22-rev-debian-5.006-3");
        assert_eq!(version_dir("Verilator 5.030 2024-10-27 rev v5.030"), "verilator-5.030-2024-10-27-rev-v5.030");
        assert_ne!(version_dir(debian), version_dir("Verilator 5.020 2024-01-01 rev (Debian 5.020-1)"));
        assert_eq!(version_dir("5.006"), "verilator-5.006");
        assert_eq!(version_dir(" "), "verilator-unknown");
        assert!(!version_dir("Verilator 5/../x").contains('/'));
    }
}
