//! The plots, drawn with plotters' SVG backend: line charts over a numeric x and bar charts
//! over named categories. Every plot is a standalone `<svg>` document of a fixed size.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::ReportError;

/// Plot size in pixels.
const SIZE: (u32, u32) = (640, 340);
/// Series colours, in series order.
const PALETTE: [RGBColor; 4] =
    [RGBColor(31, 119, 180), RGBColor(255, 127, 14), RGBColor(44, 160, 44), RGBColor(148, 103, 189)];
/// The marked bar (a pipeline's bottleneck, a seed that missed timing).
const MARK: RGBColor = RGBColor(214, 39, 40);
const FONT: &str = "sans-serif";

/// A named line of points.
pub struct Series<'a> {
    /// Legend text.
    pub name: &'a str,
    /// `(x, y)` points in x order.
    pub points: Vec<(f64, f64)>,
}

/// A horizontal reference line across the plot (a target, a final value).
pub struct Level<'a> {
    /// Legend text.
    pub name: &'a str,
    /// Its y.
    pub y: f64,
}

fn plot_error(plot: &str) -> impl Fn(String) -> ReportError + '_ {
    move |reason| ReportError::Plot { plot: plot.to_string(), reason }
}

/// `lo..hi` with a little room, never empty.
fn span(lo: f64, hi: f64, from_zero: bool) -> (f64, f64) {
    let lo = if from_zero { lo.min(0.0) } else { lo };
    let pad = if hi > lo { (hi - lo) * 0.05 } else { hi.abs().max(1.0) * 0.5 };
    (if from_zero && lo >= 0.0 { 0.0 } else { lo - pad }, hi + pad)
}

/// The chart frame every plot shares: its caption, margin and label areas over `x` by `y`.
fn frame<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>, String> {
    ChartBuilder::on(root)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x, y)
        .map_err(|e| e.to_string())
}

fn draw_into(
    svg: &mut String,
    title: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), String>,
) -> Result<(), ReportError> {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string()).map_err(plot_error(title))?;
    draw(&root).map_err(plot_error(title))?;
    root.present().map_err(|e| e.to_string()).map_err(plot_error(title))
}

/// Lines over a numeric x, with optional horizontal levels.
pub fn lines(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[Series],
    levels: &[Level],
) -> Result<String, ReportError> {
    xy(title, x_desc, y_desc, series, levels, Marks::Lines)
}

/// One dot per point over a numeric x: for points that are separate runs, not a sequence
/// (models at several T), where a line would claim values between them.
pub fn scatter(title: &str, x_desc: &str, y_desc: &str, series: &[Series]) -> Result<String, ReportError> {
    xy(title, x_desc, y_desc, series, &[], Marks::Dots)
}

/// How [`xy`] draws a series.
#[derive(Clone, Copy, PartialEq)]
enum Marks {
    Lines,
    Dots,
}

/// Dot radius in pixels.
const DOT: i32 = 5;

fn xy(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[Series],
    levels: &[Level],
    marks: Marks,
) -> Result<String, ReportError> {
    let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let ys = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).chain(levels.iter().map(|l| l.y));
    let (x_lo, x_hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    let (y_lo, y_hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| (a.min(y), b.max(y)));
    if !x_lo.is_finite() || !y_lo.is_finite() {
        return Err(ReportError::Plot { plot: title.into(), reason: "no points".into() });
    }
    let (x_lo, x_hi) = match marks {
        Marks::Lines if x_hi > x_lo => (x_lo, x_hi),
        Marks::Lines => (x_lo - 1.0, x_hi + 1.0),
        // A dot on the frame would be half hidden by it.
        Marks::Dots => (x_lo - 0.5, x_hi + 0.5),
    };
    let (y_lo, y_hi) = span(y_lo, y_hi, false);
    // Dots sit at whole numbers (T, spike values): only those ticks are named.
    let whole = |x: &f64| if (x - x.round()).abs() < 1e-9 { format!("{}", x.round()) } else { String::new() };
    let mut svg = String::new();
    draw_into(&mut svg, title, |root| {
        let mut chart = frame(root, title, x_lo..x_hi, y_lo..y_hi)?;
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(x_desc).y_desc(y_desc);
        if marks == Marks::Dots {
            mesh.x_label_formatter(&whole);
        }
        mesh.draw().map_err(|e| e.to_string())?;
        for (i, s) in series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            match marks {
                Marks::Lines => chart
                    .draw_series(LineSeries::new(s.points.iter().copied(), colour.stroke_width(2)))
                    .map_err(|e| e.to_string())?
                    .label(s.name)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))),
                Marks::Dots => chart
                    .draw_series(s.points.iter().map(|p| Circle::new(*p, DOT, colour.filled())))
                    .map_err(|e| e.to_string())?
                    .label(s.name)
                    .legend(move |(x, y)| Circle::new((x + 10, y), DOT, colour.filled())),
            };
        }
        for (i, level) in levels.iter().enumerate() {
            let colour = PALETTE[(series.len() + i) % PALETTE.len()];
            chart
                .draw_series(LineSeries::new([(x_lo, level.y), (x_hi, level.y)], colour.stroke_width(1)))
                .map_err(|e| e.to_string())?
                .label(level.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(1)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())
    })?;
    Ok(svg)
}

/// The plot `draw` makes where there is something to draw; `None` leaves its table alone
/// (a run of no inputs still gets a page).
pub fn drawn_if(
    something: bool,
    draw: impl FnOnce() -> Result<String, ReportError>,
) -> Result<Option<String>, ReportError> {
    if something { draw().map(Some) } else { Ok(None) }
}

/// One group of bars: a value per category.
pub struct Bars<'a> {
    /// Legend text.
    pub name: &'a str,
    /// One value per category.
    pub values: Vec<f64>,
}

/// Bars per named category (one bar per group side by side), the bar of category `marked`
/// in the mark colour (every group's), with optional horizontal levels.
pub fn bars(
    title: &str,
    y_desc: &str,
    categories: &[String],
    groups: &[Bars],
    marked: Option<usize>,
    levels: &[Level],
) -> Result<String, ReportError> {
    let n = categories.len();
    let top =
        groups.iter().flat_map(|g| g.values.iter().copied()).chain(levels.iter().map(|l| l.y)).fold(0.0, f64::max);
    if n == 0 {
        return Err(ReportError::Plot { plot: title.into(), reason: "no categories".into() });
    }
    let (_, y_hi) = span(0.0, top, true);
    let width = 0.8 / groups.len().max(1) as f64;
    let names = categories.to_vec();
    let mut svg = String::new();
    draw_into(&mut svg, title, |root| {
        let mut chart = frame(root, title, -0.5..n as f64 - 0.5, 0.0..y_hi)?;
        // Ticks only at the categories' centres, each named.
        let label = move |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-9 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n + 1)
            .x_label_formatter(&label)
            .y_desc(y_desc)
            .draw()
            .map_err(|e| e.to_string())?;
        for (g, group) in groups.iter().enumerate() {
            let colour = PALETTE[g % PALETTE.len()];
            let left = |i: usize| i as f64 - 0.4 + g as f64 * width;
            let rects = group.values.iter().enumerate().map(|(i, v)| {
                let fill = if marked == Some(i) { MARK } else { colour };
                Rectangle::new([(left(i), 0.0), (left(i) + width * 0.9, *v)], fill.filled())
            });
            let drawn = chart.draw_series(rects).map_err(|e| e.to_string())?;
            if groups.len() > 1 {
                drawn
                    .label(group.name)
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
            }
        }
        for (i, level) in levels.iter().enumerate() {
            let colour = if i == 0 { BLACK } else { PALETTE[(groups.len() + i) % PALETTE.len()] };
            chart
                .draw_series(LineSeries::new([(-0.5, level.y), (n as f64 - 0.5, level.y)], colour.stroke_width(1)))
                .map_err(|e| e.to_string())?
                .label(level.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(1)));
        }
        if groups.len() > 1 || !levels.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font((FONT, 13))
                .draw()
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })?;
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_plot_is_one_svg_with_its_title_and_legend() {
        let series = [Series { name: "loss", points: vec![(1.0, 2.0), (2.0, 1.0), (3.0, 0.5)] }];
        let svg = lines("Loss", "epoch", "loss", &series, &[Level { name: "floor", y: 0.25 }]).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
        assert!(["Loss", "loss", "floor", "epoch"].iter().all(|t| svg.contains(&format!("\n{t}\n</text>"))));
        assert!(svg.contains("<polyline"));
    }

    #[test]
    fn a_scatter_plot_draws_a_dot_per_point_and_no_line() {
        let series = [
            Series { name: "D=3", points: vec![(1.0, 90.0), (2.0, 95.0)] },
            Series { name: "D=5", points: vec![(2.0, 91.0)] },
        ];
        let svg = scatter("Accuracy against T", "T", "accuracy %", &series).unwrap();
        // Three dots and the two legend entries' dots.
        assert_eq!(svg.matches("<circle").count(), 5, "{svg}");
        // Axes and ticks are black polylines; a series would be a coloured one.
        assert!(!svg.lines().any(|l| l.starts_with("<polyline") && l.contains("#1F77B4")), "{svg}");
        assert!(svg.contains("\nD=5\n</text>") && svg.contains("\n2\n</text>") && !svg.contains("\n1.5\n</text>"));
    }

    #[test]
    fn the_marked_bar_has_the_mark_colour() {
        let categories = vec!["a".to_string(), "b".to_string()];
        let plain = bars("B", "cycles", &categories, &[Bars { name: "c", values: vec![1.0, 3.0] }], None, &[]).unwrap();
        let marked =
            bars("B", "cycles", &categories, &[Bars { name: "c", values: vec![1.0, 3.0] }], Some(1), &[]).unwrap();
        assert!(!plain.contains("#D62728") && marked.contains("#D62728"), "{marked}");
        assert!(marked.contains("\na\n</text>") && marked.contains("\nb\n</text>"));
    }

    #[test]
    fn nothing_to_draw_is_an_error_naming_the_plot() {
        let error = lines("Empty", "x", "y", &[], &[]).unwrap_err().to_string();
        assert!(error.contains("Empty"), "{error}");
        assert!(bars("None", "y", &[], &[], None, &[]).is_err());
    }
}
