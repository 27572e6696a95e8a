//! `nncube boards`: the boards nncube knows (built in, or one board file), as a table.

use anyhow::Context;
use clap::Args;
use nncube_core::target::{Board, board::builtin_boards};
use std::path::PathBuf;

/// Arguments of `nncube boards`.
#[derive(Debug, Args)]
pub struct BoardsArgs {
    /// Show this board file (.ron) instead of the built-in boards.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: &BoardsArgs) -> anyhow::Result<()> {
    let boards = match &args.file {
        Some(path) => vec![Board::from_file(path).context("cannot load the board file")?],
        None => builtin_boards().context("a built-in board file is broken (this is a bug)")?,
    };
    super::stdout::print(&render_table(&boards))
}

/// One line per board: id, MCU, core (with FPU), clock, flash and RAM totals, and whether it is virtual.
fn render_table(boards: &[Board]) -> String {
    let rows: Vec<[String; 7]> = boards
        .iter()
        .map(|b| {
            let core = match b.fpu.gcc_fpu() {
                Some(_) => format!("{}+fpu", b.core.gcc_cpu()),
                None => b.core.gcc_cpu().to_string(),
            };
            let kind = match &b.virtual_board {
                Some(v) => format!("qemu {}", v.qemu_machine),
                None => "probe-rs".to_string(),
            };
            [
                b.id.clone(),
                b.mcu.clone(),
                core,
                format!("{} MHz", b.clock_hz / 1_000_000),
                format!("{} KiB", b.flash_bytes() / 1024),
                format!("{} KiB", b.ram_bytes() / 1024),
                kind,
            ]
        })
        .collect();
    let header = ["board", "mcu", "core", "clock", "flash", "ram", "runs on"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
