//! `nncube benchmark`: generate C for one or more models, build each for a board, run it on the virtual board and
//! report instructions per inference, per MAC and per layer, and the memory footprint; `--markdown FILE` writes
//! the comparison table against TFLite Micro + CMSIS-NN (docs/benchmarks.md).

use anyhow::Context;
use clap::Args;
use nncube_core::device::benchmark::{BenchmarkInputs, BenchmarkReport, benchmark_with_stack};
use nncube_core::device::benchmark_table::{TableRow, builtin_baseline, render_markdown};
use nncube_core::device::{DeviceError, QemuDevice};
use nncube_core::files::write_file;
use nncube_core::target::firmware::check_stack_bytes;
use nncube_core::target::{ArmToolchain, Board, TargetError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `nncube benchmark`.
#[derive(Debug, Args)]
pub struct BenchmarkArgs {
    /// The model files (.tflite), benchmarked in the given order.
    #[arg(required = true, num_args = 1..)]
    pub models: Vec<PathBuf>,
    /// Use the graph as imported, without running the optimization passes.
    #[arg(long)]
    pub no_optimize: bool,
    /// Board id (see `nncube boards`) or a board file (.ron); it must be a virtual (qemu-*) board for now.
    #[arg(long, default_value = "qemu-netduinoplus2")]
    pub board: String,
    /// Board for the models that do not fit `--board`'s memory (e.g. qemu-mps2-an386 for float models).
    #[arg(long, value_name = "BOARD")]
    pub fallback_board: Option<String>,
    /// Also write the results as JSON to this file (one object for one model, an array for several).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write the comparison table with TFLite Micro + CMSIS-NN, in markdown, to this file.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Directory for the generated code and firmware (default: a temporary directory, removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Main-stack reservation of the firmware, in bytes (a multiple of 8); a run whose stack reaches its end fails.
    #[arg(long, value_name = "BYTES", default_value_t = nncube_core::target::firmware::DEFAULT_STACK_BYTES)]
    pub stack: u32,
    /// Time limit of each run, in seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_s: u64,
}

/// Runs the command.
pub fn run(args: &BenchmarkArgs) -> anyhow::Result<()> {
    check_stack_bytes(args.stack).context("--stack")?;
    let board = Board::find(&args.board).context("cannot load the board")?;
    let fallback = match &args.fallback_board {
        Some(id) => Some(Board::find(id).context("cannot load the fallback board")?),
        None => None,
    };
    // Check the baseline before the (long) runs, so a broken data file fails fast.
    let baseline =
        builtin_baseline().context("the embedded TFLM baseline is broken; this is a bug")?;
    let toolchain = ArmToolchain::locate().context("cannot find the Arm toolchain")?;
    let temp;
    let work_root = match &args.work_dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir().context("cannot create a temporary directory")?;
            temp.path().to_path_buf()
        }
    };
    let several = args.models.len() > 1;
    let mut results: Vec<(String, BenchmarkReport)> = Vec::new();
    let mut text = String::new();
    for (i, model) in args.models.iter().enumerate() {
        let name = model
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| model.display().to_string());
        let work_dir = if several {
            work_root.join(format!("{i:02}-{name}"))
        } else {
            work_root.clone()
        };
        let report = run_one(
            args,
            model,
            &board,
            fallback.as_ref(),
            &toolchain,
            &work_dir,
        )?;
        if several {
            text.push_str(&format!("== {name}\n"));
        }
        text.push_str(&render_text(&report));
        if several {
            text.push('\n');
        }
        results.push((name, report));
    }
    if let Some(path) = &args.json {
        let json = if several {
            let all: Vec<&BenchmarkReport> = results.iter().map(|(_, r)| r).collect();
            serde_json::to_string_pretty(&all).context("cannot serialize the results")?
        } else {
            results
                .first()
                .map(|(_, r)| r.to_json())
                .unwrap_or_default()
        };
        write_file(path, (json + "\n").as_bytes()).context("cannot write the JSON results")?;
    }
    if let Some(path) = &args.markdown {
        let rows: Vec<TableRow<'_>> = results
            .iter()
            .map(|(model, report)| TableRow {
                model: model.clone(),
                report,
            })
            .collect();
        write_file(path, render_markdown(&rows, &baseline).as_bytes())
            .context("cannot write the markdown table")?;
    }
    super::stdout::print(&text)
}

/// Benchmarks one model on `board`, or on `fallback` when the model does not fit `board`.
fn run_one(
    args: &BenchmarkArgs,
    model: &Path,
    board: &Board,
    fallback: Option<&Board>,
    toolchain: &ArmToolchain,
    work_dir: &Path,
) -> anyhow::Result<BenchmarkReport> {
    let graph = super::model_graph::load(model, args.no_optimize)?;
    let attempt = |board: &Board| -> Result<BenchmarkReport, DeviceError> {
        let mut device = QemuDevice::new(board, Duration::from_secs(args.timeout_s))?;
        benchmark_with_stack(
            &graph,
            board,
            toolchain,
            &mut device,
            &BenchmarkInputs::Embedded,
            work_dir,
            args.stack,
        )
    };
    let result = match (attempt(board), fallback) {
        (Err(DeviceError::Target(TargetError::DoesNotFit { .. })), Some(fallback)) => {
            attempt(fallback).map_err(|e| (e, fallback))
        }
        (other, _) => other.map_err(|e| (e, board)),
    };
    result.map_err(|(e, b)| {
        let hint = if fallback.is_none()
            && matches!(e, DeviceError::Target(TargetError::DoesNotFit { .. }))
        {
            " (give --fallback-board with a larger board, e.g. qemu-mps2-an386)"
        } else {
            ""
        };
        anyhow::Error::new(e).context(format!(
            "cannot benchmark {} on {}{hint}",
            model.display(),
            b.id
        ))
    })
}

/// The text form: totals, footprint, then one line per layer.
pub fn render_text(r: &BenchmarkReport) -> String {
    let mut out = format!(
        "board {}\ninstructions/inference {} (resolution {} instructions)\nmacc {}\ninstructions/macc {:.2}\n\
         code {} bytes (network + kernels {} bytes)\nweights {} bytes\nactivations {} bytes\n\
         other static RAM {} bytes, stack {} bytes (used {})\n\nlayer  op                    macc        instructions  name\n",
        r.board,
        r.instructions_per_inference,
        r.resolution_instructions,
        r.macc,
        r.instructions_per_macc,
        r.code_bytes,
        r.network_code_bytes,
        r.weights_bytes,
        r.activations_bytes,
        r.static_ram_bytes,
        r.stack_bytes,
        r.stack_used_bytes
    );
    for l in &r.layers {
        out.push_str(&format!(
            "{:<5}  {:<20}  {:>10}  {:>12}  {}\n",
            l.index, l.op, l.macc, l.instructions, l.name
        ));
    }
    out
}
