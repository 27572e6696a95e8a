//! The benchmark table: nncube's measured figures per model next to TFLite Micro + CMSIS-NN on the same virtual
//! Cortex-M4 (`nncube benchmark MODEL... --markdown FILE`).
//!
//! The TFLM figures come from `docs/data/tflm-baseline.csv`, embedded at build time (no file is read at run time).

use super::benchmark::BenchmarkReport;
use crate::report::thousands;
use std::fmt::Write as _;

/// The TFLM + CMSIS-NN baseline, as kept in the repository.
const TFLM_BASELINE_CSV: &str = include_str!("../../../docs/data/tflm-baseline.csv");

/// Errors of this module.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BaselineError {
    /// A data line that is not `model,instructions,arena_bytes,board`.
    #[error(
        "baseline line {line} `{text}` is not `model,tflm_instructions,tflm_arena_bytes,tflm_board` with integer \
         counts; fix docs/data/tflm-baseline.csv"
    )]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// The line as written.
        text: String,
    },
}

/// One model's TFLM + CMSIS-NN figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineRow {
    /// Model file stem, e.g. `vww_96_int8`.
    pub model: String,
    /// Instructions per inference.
    pub instructions: u64,
    /// Arena bytes used.
    pub arena_bytes: u64,
    /// QEMU machine of the measurement.
    pub board: String,
}

/// Parses the baseline CSV: `#` comment lines, one header line starting with `model,`, then data lines.
fn parse_baseline(text: &str) -> Result<Vec<BaselineRow>, BaselineError> {
    let mut rows = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("model,") {
            continue;
        }
        let bad = || BaselineError::BadLine {
            line: i + 1,
            text: line.to_string(),
        };
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [model, instructions, arena, board] = fields.as_slice() else {
            return Err(bad());
        };
        rows.push(BaselineRow {
            model: (*model).to_string(),
            instructions: instructions.parse().map_err(|_| bad())?,
            arena_bytes: arena.parse().map_err(|_| bad())?,
            board: (*board).to_string(),
        });
    }
    Ok(rows)
}

/// The embedded baseline ([`TFLM_BASELINE_CSV`]).
pub fn builtin_baseline() -> Result<Vec<BaselineRow>, BaselineError> {
    parse_baseline(TFLM_BASELINE_CSV)
}

/// One model's line of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow<'a> {
    /// Model name (file stem).
    pub model: String,
    /// nncube's measurement.
    pub report: &'a BenchmarkReport,
}

/// The markdown table, one line per row in the given order; TFLM columns show `—` for models without a baseline.
pub fn render_markdown(rows: &[TableRow<'_>], baseline: &[BaselineRow]) -> String {
    let mut out = String::from(
        "| model | board | instructions/inference | instructions/MAC | code bytes | weights bytes | \
         activation bytes | TFLM+CMSIS-NN instructions | nncube/TFLM | TFLM arena bytes |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let r = row.report;
        let base = baseline.iter().find(|b| b.model == row.model);
        let (tflm, ratio, arena) = match base {
            Some(b) if b.instructions > 0 => (
                thousands(b.instructions),
                format!(
                    "{:.2}",
                    r.instructions_per_inference as f64 / b.instructions as f64
                ),
                thousands(b.arena_bytes),
            ),
            _ => ("—".to_string(), "—".to_string(), "—".to_string()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} | {} | {} | {} | {} | {} | {} |",
            row.model,
            r.board,
            thousands(r.instructions_per_inference),
            r.instructions_per_macc,
            thousands(r.code_bytes),
            thousands(r.weights_bytes),
            thousands(r.activations_bytes),
            tflm,
            ratio,
            arena
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(board: &str, instructions: u64) -> BenchmarkReport {
        BenchmarkReport {
            board: board.to_string(),
            instructions_per_inference: instructions,
            macc: 1000,
            instructions_per_macc: instructions as f64 / 1000.0,
            resolution_instructions: 1,
            code_bytes: 6184,
            network_code_bytes: 4316,
            weights_bytes: 32172,
            activations_bytes: 11328,
            static_ram_bytes: 32,
            stack_bytes: 4096,
            stack_used_bytes: 2048,
            layers: Vec::new(),
            outputs: Vec::new(),
        }
    }

    #[test]
    fn the_embedded_baseline_has_the_headline_models() {
        let rows = builtin_baseline().unwrap();
        let find = |m: &str| rows.iter().find(|r| r.model == m).unwrap().instructions;
        assert_eq!(find("kws_ref_model"), 7_697_760);
        assert_eq!(find("vww_96_int8"), 24_102_760);
        assert_eq!(find("pretrainedResnet_quant"), 29_863_160);
        assert_eq!(find("person_detect"), 22_929_320);
    }

    #[test]
    fn malformed_lines_are_named() {
        let err = parse_baseline("model,a,b,c\nkws,12,x,an386\n").unwrap_err();
        assert_eq!(
            err,
            BaselineError::BadLine {
                line: 2,
                text: "kws,12,x,an386".to_string()
            }
        );
        assert!(parse_baseline("kws,1,2\n").is_err());
    }

    #[test]
    fn rows_show_the_ratio_or_dashes() {
        let base = parse_baseline("# c\nmodel,i,a,b\nkws,2000,500,mps2-an386\n").unwrap();
        let (a, b) = (
            report("qemu-netduinoplus2", 1500),
            report("qemu-mps2-an386", 7),
        );
        let table = render_markdown(
            &[
                TableRow {
                    model: "kws".into(),
                    report: &a,
                },
                TableRow {
                    model: "other".into(),
                    report: &b,
                },
            ],
            &base,
        );
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[2],
            "| kws | qemu-netduinoplus2 | 1,500 | 1.50 | 6,184 | 32,172 | 11,328 | 2,000 | 0.75 | 500 |"
        );
        assert_eq!(
            lines[3],
            "| other | qemu-mps2-an386 | 7 | 0.01 | 6,184 | 32,172 | 11,328 | — | — | — |"
        );
    }
}
