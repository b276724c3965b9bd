//! The dataset arguments the commands that need inputs share, the default dataset of a
//! model, and loading it.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use datasets::{Dataset, Source};
use model::Network;

#[derive(clap::Args)]
pub struct DataArgs {
    /// Dataset: mnist, digits, synthetic or idx:DIR (default: the one the model was trained
    /// on, else the bundled dataset whose images fit the model's input)
    #[arg(long)]
    pub data: Option<String>,
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
    /// Load the chosen part of the dataset (`--data`, else [`default_source`]) and check it
    /// fits the model.
    pub fn load(&self, net: &Network, model: &Path) -> Result<Dataset> {
        let source = match &self.data {
            Some(name) => name.parse()?,
            None => default_source(net, model)?,
        };
        let split = datasets::load(&source, &crate::data_dir(self.data_dir.clone()))?;
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
        let size = net.input.size();
        if set.image_size() != size {
            bail!(
                "{} takes {size} input values per image but {} images have {} ({:?}); {}",
                model.display(),
                set.name,
                set.image_size(),
                set.shape,
                what_fits(size)
            );
        }
        Ok(set)
    }
}

/// The data a model is run on when no `--data` is given: the dataset its provenance says it
/// was trained on, if that is a known source with images of the model's input size; else
/// the one bundled dataset of that size.
fn default_source(net: &Network, model: &Path) -> Result<Source> {
    let size = net.input.size();
    let recorded = net.provenance.dataset.as_deref().and_then(Source::from_dataset_name);
    if let Some(source) = recorded.filter(|s| s.image_size() == Some(size)) {
        return Ok(source);
    }
    match Source::bundled_with_size(size).as_slice() {
        [one] => Ok(one.clone()),
        _ => bail!("{} takes {size} input values per image; {}", model.display(), what_fits(size)),
    }
}

/// Which bundled datasets a model taking `size` values per image can run on, as the end of
/// an error message.
fn what_fits(size: usize) -> String {
    let fits: Vec<String> = Source::bundled_with_size(size).iter().map(Source::to_string).collect();
    if fits.is_empty() {
        let sizes: Vec<String> =
            Source::bundled().iter().map(|s| format!("{s} {}", s.image_size().unwrap_or(0))).collect();
        format!("no bundled dataset has {size} values per image ({}): give --data idx:DIR", sizes.join(", "))
    } else {
        format!("--data {} fits", fits.join(" or "))
    }
}
