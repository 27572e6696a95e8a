//! A small SVG writer for the memory-overlap timeline (no dependencies, deterministic output).

use super::timeline::{Timeline, buffer_rgb};
use std::fmt::Write;

const PLOT_W: f64 = 900.0;
const PLOT_H: f64 = 500.0;
const LEFT: f64 = 90.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;
const RIGHT: f64 = 230.0;

/// `#rrggbb` for an RGB colour.
fn hex_color([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Escapes text for XML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders the timeline as a standalone SVG document.
pub fn render_svg(t: &Timeline) -> String {
    let y_max = t
        .peak_bytes
        .max(t.no_overlap_bound)
        .max(t.full_overlap_bound)
        .max(1) as f64;
    let steps = t.steps.max(1) as f64;
    let sx = |x: usize| LEFT + x as f64 / steps * PLOT_W;
    let sy = |y: u64| TOP + PLOT_H - y as f64 / y_max * PLOT_H;
    let (w, h) = (LEFT + PLOT_W + RIGHT, TOP + PLOT_H + BOTTOM);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="20" font-size="14">{} — activation memory: {} B planned</text>"#,
        esc(&t.model),
        t.peak_bytes
    );
    for (i, pool) in t.pools.iter().enumerate() {
        let (y0, y1) = (sy(pool.base), sy(pool.base + pool.used_bytes));
        let fill = if i % 2 == 0 { "#f4f4f4" } else { "#e8eef6" };
        let _ = writeln!(
            s,
            r#"<rect x="{LEFT}" y="{y1:.1}" width="{PLOT_W}" height="{:.1}" fill="{fill}"/>"#,
            y0 - y1
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" fill="#555">pool {}: {} B</text>"##,
            LEFT + PLOT_W + 8.0,
            (y0 + y1) / 2.0,
            esc(&pool.name),
            pool.used_bytes
        );
    }
    for (i, r) in t.rects.iter().enumerate() {
        let (x0, x1, y0, y1) = (sx(r.x0), sx(r.x1), sy(r.y0), sy(r.y1));
        let _ = writeln!(
            s,
            r#"<rect x="{x0:.1}" y="{y1:.1}" width="{:.1}" height="{:.1}" fill="{}" fill-opacity="0.75" stroke="black" stroke-width="0.5"><title>{} ({}): {} B at {}, steps {}..{}</title></rect>"#,
            x1 - x0,
            (y0 - y1).max(0.5),
            hex_color(buffer_rgb(i)),
            esc(&r.label),
            esc(&r.tensor_name),
            r.y1 - r.y0,
            r.y0,
            r.x0,
            r.x1 - 1
        );
        if y0 - y1 >= 12.0 && x1 - x0 >= 40.0 {
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" font-size="9">{}</text>"#,
                x0 + 2.0,
                y1 + 10.0,
                esc(&r
                    .label
                    .chars()
                    .take(((x1 - x0) / 5.5) as usize)
                    .collect::<String>())
            );
        }
    }
    let lines = [
        ("peak", t.peak_bytes, "#d00", ""),
        ("no-overlap bound", t.no_overlap_bound, "#333", "6,3"),
        ("full-overlap bound", t.full_overlap_bound, "#080", "2,3"),
    ];
    for (k, (label, bytes, color, dash)) in lines.iter().enumerate() {
        let y = sy(*bytes);
        let _ = writeln!(
            s,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{color}" stroke-width="1.5" stroke-dasharray="{dash}"/>"#,
            LEFT + PLOT_W
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" fill="{color}">{label}: {bytes} B</text>"#,
            LEFT + PLOT_W + 8.0,
            TOP + 12.0 + 14.0 * k as f64
        );
    }
    let _ = writeln!(
        s,
        r#"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="black"/>"#,
        TOP + PLOT_H,
        LEFT + PLOT_W,
        TOP + PLOT_H
    );
    let _ = writeln!(
        s,
        r#"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{:.1}" stroke="black"/>"#,
        TOP + PLOT_H
    );
    for k in 0..=4u64 {
        let bytes = (y_max as u64) * k / 4;
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{bytes} B</text>"#,
            LEFT - 4.0,
            sy(bytes) + 4.0
        );
    }
    let tick = t.steps.div_ceil(20).max(1);
    for x in (0..t.steps).step_by(tick) {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{x}</text>"#,
            sx(x) + PLOT_W / steps / 2.0,
            TOP + PLOT_H + 14.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">execution step</text>"#,
        LEFT + PLOT_W / 2.0,
        TOP + PLOT_H + 34.0
    );
    s.push_str("</svg>\n");
    s
}
