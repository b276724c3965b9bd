//! The dataset arguments `eval` and `cosim` share, and loading them.

use std::path::PathBuf;

use anyhow::{Result, bail};
use datasets::Dataset;

#[derive(clap::Args)]
pub struct DataArgs {
    /// Dataset: mnist, digits, synthetic or idx:DIR
    #[arg(long, default_value = "mnist")]
    pub data: String,
    /// Which part of the split: test, train or all
    #[arg(long, value_parser = ["test", "train", "all"], default_value = "test")]
    pub split: String,
    /// Only the first N inputs
    #[arg(long)]
    pub limit: Option<usize>,
    /// Where `make setup` put the datasets (default: ./data or $SPIKEFORGE_DATA_DIR)
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

impl DataArgs {
    /// Load the chosen part of the dataset and check it fits a model taking `size` values.
    pub fn load(&self, size: usize, model: &std::path::Path) -> Result<Dataset> {
        let split = datasets::load(&self.data.parse()?, &crate::data_dir(self.data_dir.clone()))?;
        let mut set = match self.split.as_str() {
            "train" => split.train,
            "all" => {
                let mut all = split.train;
                all.images.extend_from_slice(&split.test.images);
                all.labels.extend_from_slice(&split.test.labels);
                all.name = all.name.replace("/train", "/all");
                all
            }
            _ => split.test,
        };
        if let Some(n) = self.limit {
            set = set.truncated(n);
        }
        if set.image_size() != size {
            bail!(
                "{} takes {size} input values per image but {} images have {} ({:?})",
                model.display(),
                set.name,
                set.image_size(),
                set.shape
            );
        }
        Ok(set)
    }
}
