//! build/bench/ratios.svg: one bar per benchmark, halvm's median time over
//! the Linux guest's, with a line at 1 (equal speed).

use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::prelude::*;

/// Draws the bars for `(name, ratio)` into an SVG file at `out`.
pub fn draw_ratios(out: &Path, title: &str, ratios: &[(String, f64)]) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| anyhow!("drawing {}: {e}", out.display());
    let width = 160 + 70 * ratios.len() as u32;
    let root = SVGBackend::new(out, (width.max(480), 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let top = ratios.iter().map(|(_, r)| *r).fold(1.0f64, f64::max) * 1.15;
    let names: Vec<String> = ratios.iter().map(|(n, _)| n.clone()).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(50)
        .build_cartesian_2d((0..ratios.len()).into_segmented(), 0.0..top)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc("halvm / Linux guest (median time)")
        .x_labels(ratios.len())
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()
        .map_err(|e| err(&e))?;
    chart
        .draw_series(ratios.iter().enumerate().map(|(i, (_, r))| {
            let color = if *r <= 1.05 { RGBColor(60, 140, 80) } else { RGBColor(200, 90, 60) };
            let mut bar = Rectangle::new([(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), *r)], color.filled());
            bar.set_margin(0, 0, 8, 8);
            bar
        }))
        .map_err(|e| err(&e))?;
    chart
        .draw_series(LineSeries::new(
            [(SegmentValue::Exact(0), 1.0), (SegmentValue::Exact(ratios.len()), 1.0)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_has_a_bar_and_a_label_per_program() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("r.svg");
        let ratios = vec![("Queens".to_string(), 0.5), ("Maps".to_string(), 1.4), ("Delay".to_string(), 1.0)];
        draw_ratios(&out, "test", &ratios).unwrap();
        let svg = std::fs::read_to_string(&out).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
        for name in ["Queens", "Maps", "Delay"] {
            // plotters writes a label as `<text ...>\nNAME\n</text>`.
            assert!(svg.contains(&format!("\n{name}\n</text>")), "no label {name}");
        }
        // One filled bar per program in either colour (the background is white).
        let bars = svg.matches(r##"fill="#3C8C50""##).count() + svg.matches(r##"fill="#C85A3C""##).count();
        assert_eq!(bars, 3, "{svg}");
    }
}
