//! `nncube benchmark`: generate C for a model, build it for a board, run it on the virtual board and report
//! instructions per inference, per MAC and per layer, and the memory footprint.

use anyhow::Context;
use clap::Args;
use nncube_core::device::QemuDevice;
use nncube_core::device::benchmark::{BenchmarkInputs, BenchmarkReport, benchmark};
use nncube_core::target::{ArmToolchain, Board};
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `nncube benchmark`.
#[derive(Debug, Args)]
pub struct BenchmarkArgs {
    /// The model file (.tflite).
    pub model: PathBuf,
    /// Use the graph as imported, without running the optimization passes.
    #[arg(long)]
    pub no_optimize: bool,
    /// Board id (see `nncube boards`) or a board file (.ron); it must be a virtual (qemu-*) board for now.
    #[arg(long, default_value = "qemu-netduinoplus2")]
    pub board: String,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Directory for the generated code and firmware (default: a temporary directory, removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Time limit of the run, in seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_s: u64,
}

/// Runs the command.
pub fn run(args: &BenchmarkArgs) -> anyhow::Result<()> {
    let graph = super::model_graph::load(&args.model, args.no_optimize)?;
    let board = Board::find(&args.board).context("cannot load the board")?;
    let toolchain = ArmToolchain::locate().context("cannot find the Arm toolchain")?;
    let mut device = QemuDevice::new(&board, Duration::from_secs(args.timeout_s))
        .context("cannot set up the virtual board")?;
    let temp;
    let work_dir = match &args.work_dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir().context("cannot create a temporary directory")?;
            temp.path().to_path_buf()
        }
    };
    let report = benchmark(
        &graph,
        &board,
        &toolchain,
        &mut device,
        &BenchmarkInputs::Embedded,
        &work_dir,
    )
    .with_context(|| format!("cannot benchmark {} on {}", args.model.display(), board.id))?;
    if let Some(path) = &args.json {
        std::fs::write(path, report.to_json() + "\n")
            .with_context(|| format!("cannot write the JSON results to {}", path.display()))?;
    }
    super::stdout::print(&render_text(&report))
}

/// The text form: totals, footprint, then one line per layer.
pub fn render_text(r: &BenchmarkReport) -> String {
    let mut out = format!(
        "board {}\ninstructions/inference {} (resolution {} instructions)\nmacc {}\ninstructions/macc {:.2}\n\
         code {} bytes (network + kernels {} bytes)\nweights {} bytes\nactivations {} bytes\n\
         other static RAM {} bytes, stack {} bytes\n\nlayer  op                    macc        instructions  name\n",
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
        r.stack_bytes
    );
    for l in &r.layers {
        out.push_str(&format!(
            "{:<5}  {:<20}  {:>10}  {:>12}  {}\n",
            l.index, l.op, l.macc, l.instructions, l.name
        ));
    }
    out
}
