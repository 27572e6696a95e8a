//! The Board tab: generate the firmware project for the chosen board (the code path of
//! `nncube generate --board B --project DIR`), then build it with arm-none-eabi-gcc and run the benchmark on the
//! virtual board (the code path of `nncube benchmark MODEL --board B`), as a background job with progress, a log
//! and a cancel button that stops gcc or QEMU; then the instructions per layer as a bar chart.
//!
//! Real boards need probe-rs and a debug probe, which this build does not drive: the tab says so.

use super::format;
use super::progress::{self, Progress};
use crate::cli::project::write_project;
use nncube_core::device::QemuDevice;
use nncube_core::device::benchmark::{BenchmarkInputs, BenchmarkReport, benchmark};
use nncube_core::ir::Graph;
use nncube_core::target::firmware::DEFAULT_STACK_BYTES;
use nncube_core::target::{ArmToolchain, Board};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Time limit of one QEMU run.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// The running job and the last result.
#[derive(Debug, Default)]
pub struct BoardView {
    /// The running job.
    pub running: Option<Progress>,
    /// The last finished job.
    pub outcome: Option<BoardOutcome>,
}

impl BoardView {
    /// Starts `action` for `board` in `dir` (what the tab's buttons do).
    pub fn start(&mut self, action: BoardAction, board: &Board, dir: &Path) -> BoardRequest {
        let progress = Progress::default();
        self.running = Some(progress.clone());
        BoardRequest {
            action,
            board: board.clone(),
            dir: dir.to_path_buf(),
            progress,
        }
    }
}

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardAction {
    /// Write the project only.
    Generate,
    /// Write the project, build the benchmark firmware and run it on the virtual board.
    GenerateBuildBenchmark,
}

/// A job to start.
#[derive(Debug, Clone)]
pub struct BoardRequest {
    /// What to do.
    pub action: BoardAction,
    /// The board.
    pub board: Board,
    /// The project directory.
    pub dir: PathBuf,
    /// Progress and cancel.
    pub progress: Progress,
}

/// What a job did.
#[derive(Debug, Clone)]
pub struct BoardOutcome {
    /// The board.
    pub board: String,
    /// The project directory.
    pub dir: PathBuf,
    /// Files written to the project.
    pub project_files: Option<usize>,
    /// The benchmark, when it ran.
    pub benchmark: Option<BenchmarkReport>,
    /// The error that stopped the job (or that it was cancelled).
    pub error: Option<String>,
    /// The job's log.
    pub log: Vec<String>,
}

/// Runs a job on the calling thread (a background thread in the app).
pub fn run_blocking(graph: &Graph, request: &BoardRequest) -> BoardOutcome {
    let p = &request.progress;
    let mut outcome = BoardOutcome {
        board: request.board.id.clone(),
        dir: request.dir.clone(),
        project_files: None,
        benchmark: None,
        error: None,
        log: Vec::new(),
    };
    if let Err(e) = steps(graph, request, &mut outcome) {
        let text = format!("{e:#}");
        p.log(format!("error: {text}"));
        outcome.error = Some(text);
    } else {
        p.step(1.0, "finished");
    }
    outcome.log = p.snapshot().log;
    outcome
}

fn steps(graph: &Graph, request: &BoardRequest, outcome: &mut BoardOutcome) -> anyhow::Result<()> {
    let p = &request.progress;
    let board = &request.board;
    p.step(
        0.05,
        &format!(
            "generating the {} project in {}",
            board.id,
            request.dir.display()
        ),
    );
    let count = write_project(graph, board, DEFAULT_STACK_BYTES, &request.dir)?;
    outcome.project_files = Some(count);
    p.log(format!(
        "wrote {count} files; build it with `make` or CMake"
    ));
    if request.action == BoardAction::Generate {
        return Ok(());
    }
    if p.cancel.is_cancelled() {
        anyhow::bail!("the job was cancelled before the build");
    }
    let mut toolchain = ArmToolchain::locate()?;
    toolchain.cancel = p.cancel.clone();
    let mut device = QemuDevice::new(board, RUN_TIMEOUT)?;
    device.cancel = p.cancel.clone();
    p.log(format!("compiler: {}", toolchain.gcc.display()));
    p.log(format!(
        "emulator: {} -M {}",
        device.qemu.display(),
        device.machine
    ));
    p.step(
        0.2,
        "building the benchmark firmware (arm-none-eabi-gcc) and running it on QEMU",
    );
    let work_dir = benchmark_dir(&request.dir);
    let report = benchmark(
        graph,
        board,
        &toolchain,
        &mut device,
        &BenchmarkInputs::Embedded,
        &work_dir,
    )?;
    p.log(format!(
        "{} instructions per inference ({:.2} per MAC); firmware in {}",
        report.instructions_per_inference,
        report.instructions_per_macc,
        work_dir.display()
    ));
    outcome.benchmark = Some(report);
    Ok(())
}

/// Where the benchmark firmware is built, inside the project (a directory `generate` never writes).
fn benchmark_dir(project: &Path) -> PathBuf {
    project.join("build").join("nncube-benchmark")
}

/// Draws the tab; returns a job to start when the user asked for one.
pub fn show(
    ui: &mut egui::Ui,
    view: &mut BoardView,
    board: Option<&Board>,
    dir: &Path,
) -> Option<BoardRequest> {
    let Some(board) = board else {
        ui.label(
            "Choose a board in the Target panel (left) to generate, build and run the project.",
        );
        return None;
    };
    ui.heading(&board.name);
    ui.label(format!(
        "{} · {} flash · {} RAM · project directory {}",
        board.mcu,
        format::bytes(board.flash_bytes()),
        format::bytes(board.ram_bytes()),
        dir.display()
    ));
    let is_virtual = board.virtual_board.is_some();
    if !is_virtual {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "This is a real board: running on it needs probe-rs and a debug probe, which are not available in \
             this build. Generate the project and flash it with your own tools, or choose a qemu-* virtual board \
             to build and benchmark here.",
        );
    }
    let mut request = None;
    match &view.running {
        Some(p) => {
            p.ui(ui);
            p.log_ui(140.0, ui);
        }
        None => {
            ui.horizontal(|ui| {
                let mut start = |action| request = Some(view.start(action, board, dir));
                if ui.button("Generate project").clicked() {
                    start(BoardAction::Generate);
                }
                if ui
                    .add_enabled(
                        is_virtual,
                        egui::Button::new("Generate, build and benchmark"),
                    )
                    .on_disabled_hover_text("needs a virtual (qemu-*) board")
                    .clicked()
                {
                    start(BoardAction::GenerateBuildBenchmark);
                }
            });
        }
    }
    ui.separator();
    if let Some(outcome) = &view.outcome {
        outcome_ui(outcome, ui);
    }
    request
}

fn outcome_ui(o: &BoardOutcome, ui: &mut egui::Ui) {
    if let Some(n) = o.project_files {
        ui.label(format!("Project: {n} files in {}", o.dir.display()));
    }
    if let Some(e) = &o.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    egui::CollapsingHeader::new("Log").show(ui, |ui| progress::log_ui(&o.log, 140.0, ui));
    let Some(r) = &o.benchmark else { return };
    ui.strong(format!(
        "Benchmark on {}: {} instructions per inference ({:.2} per MAC)",
        r.board,
        format::count(r.instructions_per_inference),
        r.instructions_per_macc
    ));
    ui.label(format!(
        "code {} (network + kernels {}), weights {}, activations {}, other RAM {}, stack {} (used {})",
        format::bytes(r.code_bytes),
        format::bytes(r.network_code_bytes),
        format::bytes(r.weights_bytes),
        format::bytes(r.activations_bytes),
        format::bytes(r.static_ram_bytes),
        format::bytes(r.stack_bytes),
        format::bytes(r.stack_used_bytes)
    ));
    let max = r
        .layers
        .iter()
        .map(|l| l.instructions)
        .max()
        .unwrap_or(0)
        .max(1) as f32;
    egui::ScrollArea::vertical()
        .id_salt("layer_instructions")
        .show(ui, |ui| {
            egui::Grid::new("layer_instructions_grid")
                .striped(true)
                .show(ui, |ui| {
                    for h in ["#", "Layer", "MACC", "Instructions"] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for l in &r.layers {
                        ui.label(l.index.to_string());
                        ui.label(format!("{} {}", l.op, format::short_name(&l.name, 40)))
                            .on_hover_text(&l.name);
                        ui.label(format::count(l.macc));
                        ui.add(
                            egui::ProgressBar::new(l.instructions as f32 / max)
                                .desired_width(320.0)
                                .text(format::count(l.instructions)),
                        );
                        ui.end_row();
                    }
                });
        });
}
