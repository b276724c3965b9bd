//! The layers a training run builds, with their shapes: the MLP of `hidden`, or an
//! architecture string checked against the data's `[C, H, W]` and class count before any
//! parameter exists, so a shape the model file would refuse fails with the layer named.

use model::arch::{Arch, ArchLayer};
use model::{Pool2d, Shape3};

use crate::TrainError;

/// A convolution's geometry (the float weight is `[out_channels, in_channels, K, K]`, torch's
/// layout; export permutes it to the IR's `[C_in][K][K][C_out]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConvShape {
    /// `[C_in, H, W]`.
    pub input: Shape3,
    /// `[C_out, H', W']`.
    pub output: Shape3,
    pub kernel: u32,
    pub stride: u32,
    pub padding: u32,
}

/// One planned layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PlannedOp {
    Dense { inputs: u32, outputs: u32 },
    Conv(ConvShape),
    SumPool(Pool2d),
    MaxPool(Pool2d),
}

impl PlannedOp {
    /// Values the layer emits per timestep.
    pub fn outputs(&self) -> usize {
        match self {
            PlannedOp::Dense { outputs, .. } => *outputs as usize,
            PlannedOp::Conv(c) => c.output.size(),
            PlannedOp::SumPool(p) | PlannedOp::MaxPool(p) => p.output_shape().map_or(0, |s| s.size()),
        }
    }

    pub fn is_pooling(&self) -> bool {
        matches!(self, PlannedOp::SumPool(_) | PlannedOp::MaxPool(_))
    }
}

/// The MLP: `hidden` dense layers and a readout of `classes`.
pub(crate) fn dense(hidden: &[u32], inputs: usize, classes: usize) -> Vec<PlannedOp> {
    let widths: Vec<u32> = hidden.iter().copied().chain([classes as u32]).collect();
    let mut fan_in = inputs as u32;
    widths
        .iter()
        .map(|&outputs| {
            let op = PlannedOp::Dense { inputs: fan_in, outputs };
            fan_in = outputs;
            op
        })
        .collect()
}

/// `arch` on images of `shape` (`[C, H, W]`) with `classes` classes.
pub(crate) fn from_arch(arch: &Arch, shape: &[u32], classes: usize) -> Result<Vec<PlannedOp>, TrainError> {
    let fail = |position: usize, reason: String| TrainError::Config {
        field: "arch".into(),
        reason: format!("{arch}, layer {} ({}): {reason}", position + 1, arch.layers[position]),
    };
    let &[channels, height, width] = shape else {
        return Err(TrainError::Data(format!("architecture {arch} needs [C, H, W] images, the data has {shape:?}")));
    };
    let mut spatial = Some(Shape3 { channels, height, width });
    let mut flat = spatial.map_or(0, |s| s.size()) as u32;
    // A max pooling re-sends its values in the feeding code, which cannot hold a sum pooling's
    // wider range (the model file refuses that), so a max pooling may not follow a sum pooling.
    let mut summed = false;
    let mut ops = Vec::new();
    for (i, layer) in arch.layers.iter().enumerate() {
        let last = i + 1 == arch.layers.len();
        let op = match *layer {
            ArchLayer::Conv { channels: out_channels, kernel, stride, padding } => {
                let Some(input) = spatial else {
                    return Err(fail(i, "a conv layer cannot follow a dense layer (its output is flat)".into()));
                };
                let side = |n: u32| (n + 2 * padding).checked_sub(kernel).map(|r| r / stride + 1);
                let (Some(h), Some(w)) = (side(input.height), side(input.width)) else {
                    return Err(fail(
                        i,
                        format!("kernel {kernel} with padding {padding} is larger than the {input} input"),
                    ));
                };
                if padding >= kernel {
                    return Err(fail(i, format!("padding {padding} must be below the kernel {kernel}")));
                }
                let output = Shape3 { channels: out_channels, height: h, width: w };
                PlannedOp::Conv(ConvShape { input, output, kernel, stride, padding })
            }
            ArchLayer::SumPool { kernel } | ArchLayer::MaxPool { kernel } => {
                let Some(input) = spatial.filter(|_| i > 0 && !last) else {
                    return Err(fail(i, "pooling needs a conv or pooling layer before it and a layer after it".into()));
                };
                let pool = Pool2d { channels: input.channels, in_height: input.height, in_width: input.width, kernel };
                if pool.output_shape().is_none() {
                    return Err(fail(i, format!("{kernel}x{kernel} windows do not tile the {input} input")));
                }
                if matches!(layer, ArchLayer::SumPool { .. }) {
                    summed = true;
                    PlannedOp::SumPool(pool)
                } else if summed {
                    return Err(fail(
                        i,
                        "a max pooling cannot follow a sum pooling (the spike code cannot carry the summed range)"
                            .into(),
                    ));
                } else {
                    PlannedOp::MaxPool(pool)
                }
            }
            ArchLayer::Dense { outputs } => {
                if last && outputs as usize != classes {
                    return Err(fail(i, format!("the readout layer needs {classes} outputs, one per class")));
                }
                PlannedOp::Dense { inputs: flat, outputs }
            }
        };
        if !op.is_pooling() {
            summed = false;
        }
        spatial = match &op {
            PlannedOp::Dense { .. } => None,
            PlannedOp::Conv(c) => Some(c.output),
            PlannedOp::SumPool(p) | PlannedOp::MaxPool(p) => p.output_shape(),
        };
        flat = op.outputs() as u32;
        ops.push(op);
    }
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Result<Vec<PlannedOp>, TrainError> {
        from_arch(&text.parse().unwrap(), &[1, 8, 8], 10)
    }

    #[test]
    fn shapes_follow_the_integer_contract() {
        let ops = plan("c4k3p1-sp2-c6k3s2p1-mp2-fc10").unwrap();
        assert_eq!(ops[0].outputs(), 4 * 8 * 8);
        assert_eq!(ops[1].outputs(), 4 * 4 * 4);
        assert_eq!(ops[2].outputs(), 6 * 2 * 2);
        assert_eq!(ops[3].outputs(), 6);
        assert_eq!(ops[4], PlannedOp::Dense { inputs: 6, outputs: 10 });
    }

    #[test]
    fn bad_architectures_name_the_layer() {
        for (text, needle) in [
            ("c4k9-fc10", "layer 1 (c4k9): kernel 9"),
            ("c4k3p3-fc10", "padding 3 must be below"),
            ("sp2-fc10", "layer 1 (sp2): pooling needs"),
            ("c4k3-sp4-fc10", "do not tile"),
            ("c4k3p1-sp2-mp2-fc10", "max pooling cannot follow a sum pooling"),
            ("fc20-c4k3-fc10", "cannot follow a dense layer"),
            ("c4k3-fc7", "needs 10 outputs"),
        ] {
            let e = plan(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
