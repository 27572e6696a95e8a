//! PNG rendering of the memory-overlap timeline with `plotters` (bitmap backend only, no system fonts).
//!
//! The PNG carries no text: buffers are coloured rectangles (x = steps, y = bytes, pools as alternating bands), the
//! peak is a red line, the no-overlap bound grey, the full-overlap bound green. Use the SVG or JSON output for labels.

use anyhow::{Context, anyhow};
use nncube_core::memplan::{Timeline, buffer_rgb};
use plotters::prelude::*;
use std::path::Path;

const WIDTH: u32 = 1200;
const HEIGHT: u32 = 600;
const MARGIN: i32 = 20;

/// Writes `timeline` as a PNG to `path` (rendered to a sibling file first, then renamed: never half-written).
pub fn write_png(timeline: &Timeline, path: &Path) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("{} is not a file name", path.display()))?;
    let partial = path.with_file_name(format!(".{}.partial.png", name.to_string_lossy()));
    draw(timeline, &partial)
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("cannot render the PNG timeline to {}", partial.display()))?;
    std::fs::rename(&partial, path)
        .with_context(|| format!("cannot write the memory timeline to {}", path.display()))
}

fn draw(t: &Timeline, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let y_max = t
        .peak_bytes
        .max(t.no_overlap_bound)
        .max(t.full_overlap_bound)
        .max(1) as f64;
    let steps = t.steps.max(1) as f64;
    let (pw, ph) = (
        (WIDTH as i32 - 2 * MARGIN) as f64,
        (HEIGHT as i32 - 2 * MARGIN) as f64,
    );
    let sx = |x: usize| MARGIN + (x as f64 / steps * pw).round() as i32;
    let sy = |y: u64| HEIGHT as i32 - MARGIN - (y as f64 / y_max * ph).round() as i32;
    for (i, pool) in t.pools.iter().enumerate() {
        let band = if i % 2 == 0 {
            RGBColor(0xf4, 0xf4, 0xf4)
        } else {
            RGBColor(0xe8, 0xee, 0xf6)
        };
        root.draw(&Rectangle::new(
            [
                (MARGIN, sy(pool.base + pool.used_bytes)),
                (MARGIN + pw as i32, sy(pool.base)),
            ],
            band.filled(),
        ))?;
    }
    for (i, r) in t.rects.iter().enumerate() {
        let corners = [(sx(r.x0), sy(r.y1)), (sx(r.x1), sy(r.y0))];
        root.draw(&Rectangle::new(corners, {
            let [red, green, blue] = buffer_rgb(i);
            RGBColor(red, green, blue).mix(0.75).filled()
        }))?;
        root.draw(&Rectangle::new(corners, BLACK.stroke_width(1)))?;
    }
    for (bytes, color) in [
        (t.no_overlap_bound, RGBColor(0x55, 0x55, 0x55)),
        (t.full_overlap_bound, RGBColor(0x00, 0x88, 0x00)),
        (t.peak_bytes, RGBColor(0xdd, 0x00, 0x00)),
    ] {
        root.draw(&PathElement::new(
            vec![(MARGIN, sy(bytes)), (MARGIN + pw as i32, sy(bytes))],
            color.stroke_width(2),
        ))?;
    }
    root.present()?;
    Ok(())
}
