//! Plain-text rendering of a [`Report`]: a summary block and a per-layer table, in the spirit of
//! STM32Cube.AI's analyze report.

use super::{IoReport, Report};
use std::fmt::Write;

/// Formats an integer with thousands separators: `7489664` → `7,489,664`.
pub fn thousands(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Formats a byte count as `219,064 B (213.93 KiB)`.
fn bytes_text(v: u64) -> String {
    if v >= 1024 {
        format!("{} B ({:.2} KiB)", thousands(v), v as f64 / 1024.0)
    } else {
        format!("{} B", thousands(v))
    }
}

fn shape_text(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("[{}]", dims.join(","))
}

fn io_line(kind: &str, i: usize, io: &IoReport) -> String {
    let q = match (io.scale, io.zero_point) {
        (Some(s), Some(z)) => format!(", s={s:e}, zp={z}"),
        _ => String::new(),
    };
    format!(
        "{kind:<8} #{i}: {:?} {} {}{q}, {}",
        io.name,
        io.dtype,
        shape_text(&io.shape),
        bytes_text(io.bytes)
    )
}

/// The short name the text report shows for a layer or tensor: TFLite joins the names of every tensor a fused
/// layer stands for with `;` (`model/activation_2/Relu;model/batch_normalization_2/FusedBatchNormV3;…`); the
/// report shows the last two `/`-segments of the first one (`activation_2/Relu`). The JSON report keeps the full
/// name.
pub fn display_name(name: &str) -> String {
    let first = name.split(';').next().unwrap_or(name);
    let segments: Vec<&str> = first.split('/').filter(|s| !s.is_empty()).collect();
    match segments.len() {
        0 => first.to_string(),
        1 => segments[0].to_string(),
        n => segments[n - 2..].join("/"),
    }
}

/// [`display_name`] of a layer input: `input:<tensor>` keeps its prefix.
fn display_input(name: &str) -> String {
    match name.strip_prefix("input:") {
        Some(tensor) => format!("input:{}", display_name(tensor)),
        None => display_name(name),
    }
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let tail: String = s
            .chars()
            .rev()
            .take(width - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    }
}

/// Renders the report as text: summary, then the layer table.
pub fn render_text(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "model            : {}", r.model);
    let _ = writeln!(s, "layers           : {}", r.layers.len());
    let _ = writeln!(s, "macc             : {}", thousands(r.macc));
    let _ = writeln!(s, "params           : {}", thousands(r.params));
    let _ = writeln!(s, "weights (ro)     : {}", bytes_text(r.weights_bytes));
    let _ = writeln!(
        s,
        "activations (rw) : {}  [{}]",
        bytes_text(r.activations_bytes),
        r.activations_method
    );
    for pool in &r.activation_pools {
        let _ = writeln!(
            s,
            "  pool {:<11} : {} of {} ({} buffers)",
            pool.name,
            bytes_text(pool.used_bytes),
            bytes_text(pool.size_bytes),
            pool.buffers
        );
    }
    for (i, io) in r.inputs.iter().enumerate() {
        let _ = writeln!(s, "{}", io_line("input", i, io));
    }
    for (i, io) in r.outputs.iter().enumerate() {
        let _ = writeln!(s, "{}", io_line("output", i, io));
    }
    let _ = writeln!(s);

    let headers = [
        "id",
        "layer",
        "op",
        "oshape",
        "params / bytes",
        "macc",
        "inputs",
    ];
    let rows: Vec<[String; 7]> = r
        .layers
        .iter()
        .map(|l| {
            [
                l.id.to_string(),
                truncate(&display_name(&l.name), 40),
                l.op.clone(),
                format!("{} {}", l.output_dtype, shape_text(&l.output_shape)),
                if l.params == 0 {
                    String::new()
                } else {
                    format!("{} / {}", thousands(l.params), thousands(l.weights_bytes))
                },
                thousands(l.macc),
                l.inputs
                    .iter()
                    .map(|i| truncate(&display_input(i), 40))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let right_aligned = [true, false, false, false, true, true, false];
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i > 0 {
                out.push_str(" | ");
            }
            if right_aligned[i] {
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            } else if i + 1 < cells.len() {
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str(cell);
            }
        }
        out.trim_end().to_string()
    };
    let _ = writeln!(s, "{}", line(&headers.map(str::to_string)));
    let _ = writeln!(
        s,
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-")
    );
    for row in &rows {
        let _ = writeln!(s, "{}", line(row));
    }
    let _ = writeln!(
        s,
        "\ntotal: macc={} weights={} activations={}",
        thousands(r.macc),
        bytes_text(r.weights_bytes),
        bytes_text(r.activations_bytes)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(7_489_664), "7,489,664");
    }

    #[test]
    fn long_names_keep_their_tail() {
        assert_eq!(truncate("abcdef", 4), "…def");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
