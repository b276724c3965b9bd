//! Training-image augmentation: random shifts and small random rotations, drawn from
//! libtorch's generator (seeded by the run, so a training stays a function of its seed).
//! Images stay integer pixels (`p / 255` for `p` in 0..=255), as the integer network sees
//! them.

use tch::{Device, Kind, Tensor};

/// Each image of `x` (`[batch, c·h·w]`) shifted by a random `-shift..=shift` pixels in x and
/// y, zeros shifted in.
pub(crate) fn shifted(x: &Tensor, shape: &[u32], shift: u32) -> Tensor {
    let [c, h, w] = [shape[0] as i64, shape[1] as i64, shape[2] as i64];
    let s = shift as i64;
    let batch = x.size()[0];
    let padded = x.view([batch, c, h, w]).constant_pad_nd([s, s, s, s]);
    let offsets = Tensor::randint(2 * s + 1, [batch, 2], (Kind::Int64, Device::Cpu));
    let offsets: Vec<Vec<i64>> = Vec::<Vec<i64>>::try_from(&offsets).expect("int64 offsets");
    let images: Vec<Tensor> =
        offsets.iter().enumerate().map(|(i, o)| padded.get(i as i64).narrow(1, o[0], h).narrow(2, o[1], w)).collect();
    Tensor::stack(&images, 0).view([batch, c * h * w])
}

/// Each image of `x` (`[batch, c·h·w]`) rotated about its centre by a uniform random angle
/// in `-degrees..=degrees`.
pub(crate) fn rotated(x: &Tensor, shape: &[u32], degrees: f64) -> Tensor {
    let batch = x.size()[0];
    let angles = (Tensor::rand([batch], (Kind::Double, Device::Cpu)) * 2.0 - 1.0) * degrees.to_radians();
    rotated_by(x, shape, &angles)
}

/// Each image of `x` (`[batch, c·h·w]`) rotated about its centre by its angle in `angles`
/// (`[batch]`, radians): bilinear interpolation (nearest neighbour would move whole pixel
/// rows by small angles), zeros outside the image, rounded back to integer pixels.
pub(crate) fn rotated_by(x: &Tensor, shape: &[u32], angles: &Tensor) -> Tensor {
    let [c, h, w] = [shape[0] as i64, shape[1] as i64, shape[2] as i64];
    let batch = x.size()[0];
    let (cos, sin) = (angles.cos(), angles.sin());
    let zero = cos.zeros_like();
    // Where each output pixel samples, in the grid's coordinates (-1..1 across each side):
    // a rotation in pixels, with the sides' ratio so non-square images rotate rigidly.
    let aspect = h as f64 / w as f64;
    let rows =
        [Tensor::stack(&[&cos, &(-&sin * aspect), &zero], 1), Tensor::stack(&[&(&sin / aspect), &cos, &zero], 1)];
    let theta = Tensor::stack(&rows, 1).to_kind(Kind::Float);
    let grid = Tensor::affine_grid_generator(&theta, [batch, c, h, w], false);
    // Modes: 0 = bilinear interpolation, 0 = zeros outside.
    let sampled = x.view([batch, c, h, w]).grid_sampler_2d(&grid, 0, 0, false);
    ((sampled * 255.0).round() / 255.0).view([batch, c * h * w])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixels(t: &Tensor) -> Vec<f32> {
        Vec::<f32>::try_from(&(t * 255.0).flatten(0, -1)).unwrap()
    }

    fn image(values: &[u8], shape: &[u32]) -> Tensor {
        Tensor::from_slice(values).to_kind(Kind::Float).view([1, shape.iter().product::<u32>() as i64]) / 255.0
    }

    #[test]
    fn rotation_by_zero_is_the_identity() {
        let shape = [2u32, 7, 5];
        let values: Vec<u8> = (0..70u32).map(|i| (i * 97 % 256) as u8).collect();
        let x = image(&values, &shape);
        let out = rotated_by(&x, &shape, &Tensor::from_slice(&[0.0f64]));
        assert_eq!(pixels(&out), values.iter().map(|&v| v as f32).collect::<Vec<f32>>());
    }

    #[test]
    fn rotations_keep_integer_pixels_in_range() {
        tch::manual_seed(3);
        let shape = [1u32, 28, 28];
        let values: Vec<u8> = (0..4 * 784u32).map(|i| (i * 131 % 256) as u8).collect();
        let x = Tensor::from_slice(&values).to_kind(Kind::Float).view([4, 784]) / 255.0;
        let out = rotated(&x, &shape, 15.0);
        for p in pixels(&out) {
            assert!((0.0..=255.0).contains(&p) && p.fract().abs() < 1e-3, "{p}");
        }
        assert_ne!(pixels(&out), values.iter().map(|&v| v as f32).collect::<Vec<f32>>());
    }

    /// A horizontal bar through the centre of a 9x9 image turns into a vertical bar at a
    /// quarter turn; at a small angle its centre stays and its ends move off their row.
    #[test]
    fn a_centred_bar_turns_about_the_centre() {
        let shape = [1u32, 9, 9];
        let bar = |vertical: bool| -> Vec<f32> {
            (0..81)
                .map(|i| {
                    if (if vertical { i % 9 } else { i / 9 }) == 4
                        && (2..7).contains(&(if vertical { i / 9 } else { i % 9 }))
                    {
                        200.0
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let values: Vec<u8> = bar(false).iter().map(|&v| v as u8).collect();
        let x = image(&values, &shape);
        let quarter = rotated_by(&x, &shape, &Tensor::from_slice(&[std::f64::consts::FRAC_PI_2]));
        assert_eq!(pixels(&quarter), bar(true));
        let small = pixels(&rotated_by(&x, &shape, &Tensor::from_slice(&[10f64.to_radians()])));
        assert_eq!(small[4 * 9 + 4], 200.0, "the centre stays");
        assert!(small[4 * 9 + 2] < 200.0 && small[4 * 9 + 6] < 200.0, "the ends leave row 4: {small:?}");
        let ends_moved = small[3 * 9 + 2] + small[5 * 9 + 2] > 0.0 && small[3 * 9 + 6] + small[5 * 9 + 6] > 0.0;
        assert!(ends_moved, "{small:?}");
    }
}
