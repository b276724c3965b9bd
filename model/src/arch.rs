//! Architecture strings: a network's layer sequence in one short word, for the command line
//! (`spikeforge example --arch`, later `spikeforge train --arch`).
//!
//! Grammar (layers separated by `-`, read left to right from the input):
//!
//! ```text
//! arch   = layer ("-" layer)*
//! layer  = "c" N "k" K ["s" S] ["p" P]   conv: N output channels, K x K kernel,
//!                                        stride S (default 1), zero padding P (default 0)
//!        | "sp" K                        sum pooling, K x K windows, stride K
//!        | "mp" K                        max pooling, K x K windows, stride K
//!        | "fc" N                        dense, N outputs
//! ```
//!
//! Numbers are decimal without sign or leading zeros, at least 1 (padding: at least 0).
//! The canonical form (what [`Arch`]'s `Display` writes) leaves out `s1` and `p0`. The
//! last layer is the network's output; whether it is a readout layer is up to the
//! generator, not the grammar.
//!
//! ```
//! use model::arch::{Arch, ArchLayer};
//! let a: Arch = "c16k5p2-mp2-c32k3s2p1-sp2-fc10".parse().unwrap();
//! assert_eq!(a.layers[0], ArchLayer::Conv { channels: 16, kernel: 5, stride: 1, padding: 2 });
//! assert_eq!(a.layers[4], ArchLayer::Dense { outputs: 10 });
//! assert_eq!(a.to_string(), "c16k5p2-mp2-c32k3s2p1-sp2-fc10");
//! assert!("c16k5-xp2".parse::<Arch>().is_err());
//! ```
//!
//! A longer network reads better as an architecture file ([`Arch::parse_lines`]): one layer
//! per line in the same grammar, `#` starts a comment, blank lines are skipped.

use std::fmt;
use std::str::FromStr;

/// One layer of an architecture string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchLayer {
    /// `c<N>k<K>[s<S>][p<P>]`.
    Conv {
        /// Output channels N.
        channels: u32,
        /// Kernel side K.
        kernel: u32,
        /// Stride S.
        stride: u32,
        /// Zero padding P on every side.
        padding: u32,
    },
    /// `sp<K>`: sum pooling over K x K windows.
    SumPool {
        /// Window side (and stride).
        kernel: u32,
    },
    /// `mp<K>`: max pooling over K x K windows.
    MaxPool {
        /// Window side (and stride).
        kernel: u32,
    },
    /// `fc<N>`: a dense layer.
    Dense {
        /// Outputs N.
        outputs: u32,
    },
}

/// A parsed architecture string: at least one layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arch {
    /// Layers from the input to the output.
    pub layers: Vec<ArchLayer>,
}

/// Why an architecture string does not parse: the offending layer (1-based) and the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("architecture string {text:?}, layer {position} ({layer:?}): {reason}")]
pub struct ArchError {
    /// The whole string.
    pub text: String,
    /// 1-based position of the layer in the string.
    pub position: usize,
    /// The layer's text.
    pub layer: String,
    /// What is wrong.
    pub reason: String,
}

/// Why an architecture file does not parse: the offending line (1-based), its text and the
/// reason. The caller knows the file's name and puts it in front.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line} ({text:?}): {reason}")]
pub struct ArchLinesError {
    /// 1-based line number.
    pub line: usize,
    /// The line as written (without its comment).
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for ArchLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ArchLayer::Conv { channels, kernel, stride, padding } => {
                write!(f, "c{channels}k{kernel}")?;
                if stride != 1 {
                    write!(f, "s{stride}")?;
                }
                if padding != 0 {
                    write!(f, "p{padding}")?;
                }
                Ok(())
            }
            ArchLayer::SumPool { kernel } => write!(f, "sp{kernel}"),
            ArchLayer::MaxPool { kernel } => write!(f, "mp{kernel}"),
            ArchLayer::Dense { outputs } => write!(f, "fc{outputs}"),
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, layer) in self.layers.iter().enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            write!(f, "{layer}")?;
        }
        Ok(())
    }
}

/// Reads `prefix` then a decimal number from the front of `rest`.
fn number(rest: &mut &str, prefix: &str, min: u32) -> Result<u32, String> {
    let Some(tail) = rest.strip_prefix(prefix) else {
        return Err(format!("expected `{prefix}` at {rest:?}"));
    };
    let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
    let text = &tail[..digits];
    if text.is_empty() {
        return Err(format!("`{prefix}` needs a number"));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(format!("`{prefix}{text}`: no leading zeros"));
    }
    let value: u32 = text.parse().map_err(|_| format!("`{prefix}{text}`: number too large"))?;
    if value < min {
        return Err(format!("`{prefix}{text}`: must be at least {min}"));
    }
    *rest = &tail[digits..];
    Ok(value)
}

impl FromStr for ArchLayer {
    type Err = String;

    fn from_str(text: &str) -> Result<ArchLayer, String> {
        let mut rest = text;
        let layer = if rest.starts_with("sp") {
            ArchLayer::SumPool { kernel: number(&mut rest, "sp", 1)? }
        } else if rest.starts_with("mp") {
            ArchLayer::MaxPool { kernel: number(&mut rest, "mp", 1)? }
        } else if rest.starts_with("fc") {
            ArchLayer::Dense { outputs: number(&mut rest, "fc", 1)? }
        } else if rest.starts_with('c') {
            let channels = number(&mut rest, "c", 1)?;
            let kernel = number(&mut rest, "k", 1)?;
            let stride = if rest.starts_with('s') { number(&mut rest, "s", 1)? } else { 1 };
            let padding = if rest.starts_with('p') { number(&mut rest, "p", 0)? } else { 0 };
            ArchLayer::Conv { channels, kernel, stride, padding }
        } else {
            return Err("a layer starts with `c` (conv), `sp` or `mp` (pooling) or `fc` (dense)".into());
        };
        if !rest.is_empty() {
            return Err(format!("unexpected {rest:?} after the layer"));
        }
        Ok(layer)
    }
}

impl FromStr for Arch {
    type Err = ArchError;

    fn from_str(text: &str) -> Result<Arch, ArchError> {
        let layers = text
            .split('-')
            .enumerate()
            .map(|(i, part)| {
                part.parse().map_err(|reason| ArchError {
                    text: text.to_string(),
                    position: i + 1,
                    layer: part.to_string(),
                    reason,
                })
            })
            .collect::<Result<Vec<ArchLayer>, ArchError>>()?;
        Ok(Arch { layers })
    }
}

impl Arch {
    /// Parse an architecture file's text: one layer per line in the architecture string's
    /// grammar (`c16k5p2`, `mp2`, `fc10`), surrounding spaces ignored, `#` to the end of the
    /// line a comment, blank and comment-only lines skipped; at least one layer.
    ///
    /// ```
    /// use model::arch::Arch;
    /// let text = "# MNIST\nc16k5p2\nmp2   # 28 -> 14\n\nc32k3p1\nsp2\nfc10\n";
    /// let arch = Arch::parse_lines(text).unwrap();
    /// assert_eq!(arch, "c16k5p2-mp2-c32k3p1-sp2-fc10".parse().unwrap());
    /// let e = Arch::parse_lines("c16k5\nmp\n").unwrap_err();
    /// assert_eq!((e.line, e.text.as_str()), (2, "mp"));
    /// ```
    pub fn parse_lines(text: &str) -> Result<Arch, ArchLinesError> {
        let mut layers = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let layer = line.split('#').next().unwrap_or_default().trim();
            if layer.is_empty() {
                continue;
            }
            let fail = |reason: String| ArchLinesError { line: i + 1, text: layer.to_string(), reason };
            if layer.contains('-') {
                return Err(fail("one layer per line (no `-`)".into()));
            }
            layers.push(layer.parse().map_err(fail)?);
        }
        if layers.is_empty() {
            return Err(ArchLinesError {
                line: text.lines().count().max(1),
                text: String::new(),
                reason: "no layers".into(),
            });
        }
        Ok(Arch { layers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn layer() -> impl Strategy<Value = ArchLayer> {
        prop_oneof![
            (1..=512u32, 1..=9u32, 1..=4u32, 0..=4u32).prop_map(|(channels, kernel, stride, padding)| {
                ArchLayer::Conv { channels, kernel, stride, padding }
            }),
            (1..=8u32).prop_map(|kernel| ArchLayer::SumPool { kernel }),
            (1..=8u32).prop_map(|kernel| ArchLayer::MaxPool { kernel }),
            (1..=4096u32).prop_map(|outputs| ArchLayer::Dense { outputs }),
        ]
    }

    proptest! {
        #[test]
        fn display_then_parse_is_identity(layers in proptest::collection::vec(layer(), 1..8)) {
            let arch = Arch { layers };
            let text = arch.to_string();
            prop_assert_eq!(text.parse::<Arch>().unwrap(), arch);
        }
    }

    proptest! {
        #[test]
        fn a_file_of_one_layer_per_line_is_the_string(layers in proptest::collection::vec(layer(), 1..8)) {
            let arch = Arch { layers };
            let file: String = arch.layers.iter().map(|l| format!("  {l}  # layer\n\n")).collect();
            prop_assert_eq!(Arch::parse_lines(&format!("# header\n{file}")).unwrap(), arch);
        }
    }

    #[test]
    fn file_errors_name_the_line() {
        for (text, line, needle) in [
            ("c8k3\n\n# x\nc8k\nfc10", 4, "`k` needs a number"),
            ("c8k3\nxp2 # pooling\n", 2, "a layer starts with"),
            ("c8k3-sp2\nfc10", 1, "one layer per line"),
            ("fc10\nfc 10", 2, "`fc` needs a number"),
            ("# nothing\n\n", 2, "no layers"),
            ("", 1, "no layers"),
        ] {
            let e = Arch::parse_lines(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.reason.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn explicit_defaults_parse_to_the_canonical_form() {
        let a: Arch = "c8k3s1p0-fc10".parse().unwrap();
        assert_eq!(a.to_string(), "c8k3-fc10");
    }

    #[test]
    fn errors_name_the_layer() {
        for (text, position, needle) in [
            ("", 1, "a layer starts with"),
            ("c8k3-", 2, "a layer starts with"),
            ("c8-fc10", 1, "expected `k`"),
            ("c8k3p-fc10", 1, "`p` needs a number"),
            ("c8k0", 1, "must be at least 1"),
            ("fc010", 1, "no leading zeros"),
            ("c8k3x", 1, "unexpected \"x\""),
            ("mp2-fc99999999999", 2, "too large"),
            ("c8k3p1s2", 1, "unexpected \"s2\""),
        ] {
            let e = text.parse::<Arch>().unwrap_err();
            assert_eq!(e.position, position, "{text}");
            assert!(e.reason.contains(needle), "{text}: {}", e.reason);
        }
    }
}
