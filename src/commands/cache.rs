//! `--cache-dir`, shared by the commands that compile a simulation.

use std::path::PathBuf;

#[derive(clap::Args)]
pub struct CacheArgs {
    /// Where compiled simulations are cached (default: $SPIKEFORGE_CACHE_DIR, else
    /// ~/.cache/spikeforge/verilator); Verilator builds go into a subdirectory named from
    /// `verilator --version`, so a CI cache keyed on it never serves another Verilator's build
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

impl CacheArgs {
    /// The cache directory to use.
    pub fn dir(&self) -> PathBuf {
        sim::cosim::cache_dir(self.cache_dir.as_deref())
    }
}
