//! The plots of a report, as SVG (plotters' SVG backend: no fonts or system libraries
//! needed): `latency.svg`, the latency of each load run by percentile on a "nines" axis;
//! `recall.svg`, recall@1 and recall@10 per corruption type against the 0.98 target; `pr.svg`,
//! precision of the best match against recall@10 as the threshold moves.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::Report;
use crate::error::{BenchError, Result};

fn failed(error: impl std::fmt::Display) -> BenchError {
    BenchError::Report(format!("plot: {error}"))
}

/// Draws the plots the report has data for; returns the files written.
pub(crate) fn draw(report: &Report, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if report.load.iter().any(|load| !load.distribution.is_empty()) {
        let path = dir.join("latency.svg");
        latency(report, &path)?;
        files.push(path);
    }
    if let Some(quality) = &report.quality {
        let bars: Vec<(String, f64, f64)> = quality
            .by_corruption
            .iter()
            .map(|c| {
                (
                    c.corruption.clone(),
                    c.recall.recall_at_1,
                    c.recall.recall_at_10,
                )
            })
            .collect();
        if !bars.is_empty() {
            let path = dir.join("recall.svg");
            recall(&bars, &path)?;
            files.push(path);
        }
        let points: Vec<(f64, f64, f64)> = quality
            .sweep
            .iter()
            .filter_map(|p| Some((p.threshold, p.recall_at_10, p.precision_at_1?)))
            .collect();
        if !points.is_empty() {
            let path = dir.join("pr.svg");
            precision_recall(&points, quality.threshold, &path)?;
            files.push(path);
        }
    }
    Ok(files)
}

/// Position of quantile `q` on the "nines" axis: 0 → 0, 0.9 → 1, 0.99 → 2, 0.999 → 3.
fn nines(q: f64) -> f64 {
    -(1.0 - q).max(1e-4).log10()
}

fn latency(report: &Report, path: &Path) -> Result<()> {
    let root = SVGBackend::new(path, (960, 540)).into_drawing_area();
    root.fill(&WHITE).map_err(failed)?;
    let shown = |load: &crate::load::LoadReport| -> Vec<(f64, f64)> {
        load.distribution
            .iter()
            .filter(|(_, q)| *q <= 0.9999)
            .map(|(ms, q)| (nines(*q), *ms))
            .collect()
    };
    let top = report
        .load
        .iter()
        .flat_map(|load| shown(load).into_iter().map(|(_, ms)| ms))
        .fold(0.1_f64, f64::max);
    let mut chart = ChartBuilder::on(&root)
        .caption("Search latency by percentile", ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0_f64..4_f64, 0_f64..top * 1.1)
        .map_err(failed)?;
    chart
        .configure_mesh()
        .x_desc("percentile")
        .y_desc("latency (ms)")
        .x_labels(5)
        .x_label_formatter(&|x| {
            let labels = ["0 %", "90 %", "99 %", "99.9 %", "99.99 %"];
            let at = x.round();
            if (x - at).abs() < 1e-6 && (0.0..=4.0).contains(&at) {
                labels[at as usize].to_string()
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(failed)?;
    for (i, load) in report.load.iter().enumerate() {
        let colour = Palette99::pick(i).to_rgba();
        let label = format!(
            "{} ({}, {} at once): client, end to end",
            load.target, load.mode, load.concurrency
        );
        chart
            .draw_series(LineSeries::new(shown(load), colour.stroke_width(2)))
            .map_err(failed)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(failed)?;
    root.present().map_err(failed)
}

/// The lowest value a recall or precision axis starts at: below every value, on a 0.05 step.
fn floor_of(values: impl Iterator<Item = f64>) -> f64 {
    let lowest = values.fold(1.0_f64, f64::min);
    ((lowest - 0.02) / 0.05).floor().clamp(0.0, 18.0) * 0.05
}

fn recall(bars: &[(String, f64, f64)], path: &Path) -> Result<()> {
    let root = SVGBackend::new(path, (1500, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(failed)?;
    let n = bars.len() as f64;
    let bottom = floor_of(bars.iter().flat_map(|(_, a, b)| [*a, *b]));
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Recall by corruption type (default threshold)",
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5_f64..n - 0.5, bottom..1.0_f64)
        .map_err(failed)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc("recall")
        .x_labels(bars.len())
        .x_label_style(("sans-serif", 11))
        .x_label_formatter(&|x| {
            let at = x.round();
            let name = bars
                .get(at.max(0.0) as usize)
                .map(|(name, _, _)| name.clone());
            if (x - at).abs() < 1e-6 {
                name.unwrap_or_default()
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(failed)?;
    let at_1 = BLUE.mix(0.45);
    let at_10 = GREEN.mix(0.8);
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, r1, _))| {
            let x = i as f64;
            Rectangle::new([(x - 0.38, bottom), (x - 0.02, *r1)], at_1.filled())
        }))
        .map_err(failed)?
        .label("recall@1")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], at_1.filled()));
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, _, r10))| {
            let x = i as f64;
            Rectangle::new([(x + 0.02, bottom), (x + 0.38, *r10)], at_10.filled())
        }))
        .map_err(failed)?
        .label("recall@10")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], at_10.filled()));
    chart
        .draw_series(LineSeries::new(
            vec![(-0.5, 0.98), (n - 0.5, 0.98)],
            RED.stroke_width(1),
        ))
        .map_err(failed)?
        .label("target 0.98 per type")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(failed)?;
    root.present().map_err(failed)
}

fn precision_recall(points: &[(f64, f64, f64)], default: f64, path: &Path) -> Result<()> {
    let root = SVGBackend::new(path, (900, 640)).into_drawing_area();
    root.fill(&WHITE).map_err(failed)?;
    let left = floor_of(points.iter().map(|p| p.1));
    let bottom = floor_of(points.iter().map(|p| p.2));
    let mut chart = ChartBuilder::on(&root)
        .caption("Precision and recall by threshold", ("sans-serif", 20))
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(left..1.005_f64, bottom..1.005_f64)
        .map_err(failed)?;
    chart
        .configure_mesh()
        .x_desc("recall@10")
        .y_desc("precision of the best match")
        .draw()
        .map_err(failed)?;
    chart
        .draw_series(LineSeries::new(
            points.iter().map(|p| (p.1, p.2)),
            BLUE.stroke_width(2),
        ))
        .map_err(failed)?;
    chart
        .draw_series(points.iter().map(|&(threshold, r, p)| {
            let colour = if (threshold - default).abs() < 1e-9 {
                RED
            } else {
                BLUE
            };
            EmptyElement::at((r, p))
                + Circle::new((0, 0), 4, colour.filled())
                + Text::new(format!("{threshold:.2}"), (6, -12), ("sans-serif", 11))
        }))
        .map_err(failed)?;
    root.present().map_err(failed)
}
