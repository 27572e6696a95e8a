//! The Validate tab: runs host validation (the code path of `nncube validate`: the generated C compiled for this
//! machine against the reference interpreter) as a background job with progress and cancel, then shows the
//! metrics per output and the error per layer. With a virtual (qemu-*) board chosen and QEMU and
//! arm-none-eabi-gcc installed, it also runs one sample on the virtual board.

use super::format;
use super::progress::{self, Progress};
use crate::validation::{self, Validation, VirtualCheck};
use nncube_core::ir::Graph;
use nncube_core::target::Board;
use std::path::PathBuf;

/// The tab's options, the running job and the last result.
#[derive(Debug)]
pub struct ValidateView {
    /// Number of seeded random samples.
    pub samples: u64,
    /// Seed of the first sample.
    pub seed: u64,
    /// An .npy/.npz file of inputs to use instead of random samples (empty: random).
    pub inputs: String,
    /// Also run the chosen virtual board.
    pub on_virtual_board: bool,
    /// The running job.
    pub running: Option<Progress>,
    /// The last finished job.
    pub outcome: Option<ValidateOutcome>,
    /// Why the chosen board cannot validate, per board id (looked up once: it searches the `PATH`).
    virtual_reason: Option<(Option<String>, Option<String>)>,
}

impl Default for ValidateView {
    fn default() -> Self {
        Self {
            samples: 5,
            seed: 0,
            inputs: String::new(),
            on_virtual_board: true,
            running: None,
            outcome: None,
            virtual_reason: None,
        }
    }
}

impl ValidateView {
    /// Why virtual-board validation cannot run with `board` chosen, or `None` when it can.
    fn virtual_reason(&mut self, board: Option<&Board>) -> Option<String> {
        let id = board.map(|b| b.id.clone());
        if let Some((cached_id, reason)) = &self.virtual_reason
            && *cached_id == id
        {
            return reason.clone();
        }
        let reason = match board {
            None => Some("choose a virtual (qemu-*) board in the Target panel".to_string()),
            Some(b) if b.virtual_board.is_none() => Some(format!(
                "{} is a real board; flashing it needs probe-rs and a debug probe, which this build does not support",
                b.id
            )),
            Some(b) => validation::virtual_board_unavailable(b),
        };
        self.virtual_reason = Some((id, reason.clone()));
        reason
    }

    /// Starts a job with the view's options (what the "Run validation" button does): host validation, and
    /// sample 0 on `board` when it is a virtual board whose tools are installed and the option is on.
    pub fn start(&mut self, board: Option<&Board>) -> ValidateRequest {
        let virtual_board = if self.on_virtual_board && self.virtual_reason(board).is_none() {
            board.cloned()
        } else {
            None
        };
        let progress = Progress::default();
        self.running = Some(progress.clone());
        let inputs = self.inputs.trim();
        ValidateRequest {
            samples: self.samples,
            seed: self.seed,
            inputs: (!inputs.is_empty()).then(|| PathBuf::from(inputs)),
            virtual_board,
            progress,
        }
    }
}

/// What a validation job found.
#[derive(Debug, Clone)]
pub struct ValidateOutcome {
    /// Host validation (or why it failed or was cancelled).
    pub host: Result<Validation, String>,
    /// Virtual-board validation, when it was asked for.
    pub virtual_board: Option<Result<VirtualCheck, String>>,
    /// The job's log.
    pub log: Vec<String>,
}

/// A job to start.
#[derive(Debug, Clone)]
pub struct ValidateRequest {
    /// Number of random samples.
    pub samples: u64,
    /// Seed of the first sample.
    pub seed: u64,
    /// Inputs file instead of random samples.
    pub inputs: Option<PathBuf>,
    /// The virtual board to also run on.
    pub virtual_board: Option<Board>,
    /// Progress and cancel.
    pub progress: Progress,
}

/// Runs a validation job on the calling thread (a background thread in the app).
pub fn run_blocking(graph: &Graph, request: &ValidateRequest) -> ValidateOutcome {
    let progress = &request.progress;
    let samples = match validation::samples(
        graph,
        request.inputs.as_deref(),
        request.samples.max(1),
        request.seed,
    ) {
        Ok(samples) => samples,
        Err(e) => {
            return ValidateOutcome {
                host: Err(format!("{e:#}")),
                virtual_board: None,
                log: progress.snapshot().log,
            };
        }
    };
    // Host validation takes the whole bar, or its first 60 % when the virtual board runs after it.
    let host_share = if request.virtual_board.is_some() {
        0.6
    } else {
        1.0
    };
    let host = validation::validate_host(graph, &samples, true, &mut |fraction, step| {
        progress.step(fraction * host_share, step);
        !progress.cancel.is_cancelled()
    })
    .map_err(|e| format!("{e:#}"));
    let virtual_board = match (&request.virtual_board, &host) {
        (Some(board), Ok(_)) => {
            progress.step(
                0.6,
                &format!("building and running sample 0 on {} (QEMU)", board.id),
            );
            let result = tempfile::tempdir()
                .map_err(|e| format!("cannot create a temporary directory: {e}"))
                .and_then(|dir| {
                    validation::validate_on_virtual_board(
                        graph,
                        board,
                        &samples[0],
                        &progress.cancel,
                        dir.path(),
                    )
                    .map_err(|e| format!("{e:#}"))
                });
            Some(result)
        }
        _ => None,
    };
    progress.step(1.0, "finished");
    ValidateOutcome {
        host,
        virtual_board,
        log: progress.snapshot().log,
    }
}

/// Draws the tab; returns a job to start when the user asked for one.
pub fn show(
    ui: &mut egui::Ui,
    view: &mut ValidateView,
    graph: &Graph,
    board: Option<&Board>,
) -> Option<ValidateRequest> {
    ui.label(
        "Generates the C code of the optimized model, compiles it for this machine, runs it on seeded random \
         inputs and compares every output and every layer with the reference interpreter (bit-exact for integer \
         tensors, relative error at most 1e-5 for float ones), like `nncube validate --per-layer`.",
    );
    let mut request = None;
    let virtual_board = board.filter(|b| b.virtual_board.is_some());
    ui.horizontal(|ui| {
        let label = ui.label("Samples");
        ui.add(egui::DragValue::new(&mut view.samples).range(1..=1000))
            .labelled_by(label.id);
        let label = ui.label("Seed");
        ui.add(egui::DragValue::new(&mut view.seed))
            .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        let label = ui.label("Inputs file");
        ui.add(
            egui::TextEdit::singleline(&mut view.inputs)
                .hint_text("optional .npy or .npz instead of random samples")
                .desired_width(360.0),
        )
        .labelled_by(label.id);
    });
    let virtual_reason = view.virtual_reason(board);
    match &virtual_reason {
        None => {
            ui.checkbox(
                &mut view.on_virtual_board,
                format!(
                    "Also run sample 0 on the virtual board {}",
                    virtual_board.map_or("", |b| b.id.as_str())
                ),
            );
        }
        Some(reason) => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("Virtual-board validation unavailable: {reason}"),
            );
        }
    }
    match &view.running {
        Some(p) => {
            p.ui(ui);
        }
        None => {
            if ui.button("Run validation").clicked() {
                request = Some(view.start(board));
            }
        }
    }
    ui.separator();
    if let Some(outcome) = &view.outcome {
        outcome_ui(outcome, graph, ui);
    }
    request
}

fn outcome_ui(outcome: &ValidateOutcome, graph: &Graph, ui: &mut egui::Ui) {
    match &outcome.host {
        Err(e) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        Ok(v) => {
            let failures = v.failures();
            if failures.is_empty() {
                ui.strong(format!(
                    "Host validation passed: {} samples, every output matches",
                    v.samples
                ));
            } else {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("Host validation failed on output(s) {failures:?}"),
                );
            }
            metrics_ui(v, ui);
        }
    }
    match &outcome.virtual_board {
        None => {}
        Some(Ok(c)) => {
            let ok = c.outputs_match.iter().all(|&m| m);
            ui.strong(format!(
                "Virtual board {}: sample 0 {} ({} instructions)",
                c.board,
                if ok {
                    "matches the reference"
                } else {
                    "DOES NOT match the reference"
                },
                format::count(c.instructions)
            ));
        }
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, format!("Virtual board: {e}"));
        }
    }
    egui::CollapsingHeader::new("Log").show(ui, |ui| progress::log_ui(&outcome.log, 120.0, ui));
    if let Ok(v) = &outcome.host {
        ui.separator();
        layers_ui(v, graph, ui);
    }
}

fn metrics_ui(v: &Validation, ui: &mut egui::Ui) {
    egui::Grid::new("validation_metrics")
        .striped(true)
        .show(ui, |ui| {
            for h in [
                "Output", "acc", "rmse", "mae", "l2r", "mean", "std", "nse", "cos", "max_abs",
                "Result",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for o in &v.outputs {
                let m = &o.metrics;
                ui.label(format!("output {}", o.index));
                ui.label(
                    m.acc
                        .map_or("n/a".to_string(), |a| format!("{:.2}%", a * 100.0)),
                );
                for x in [m.rmse, m.mae, m.l2r, m.mean, m.std] {
                    ui.label(format!("{x:.3e}"));
                }
                ui.label(format!("{:.6}", m.nse));
                ui.label(format!("{:.6}", m.cos));
                ui.label(format!("{:.3e}", m.max_abs));
                if o.passed {
                    ui.label(o.verdict());
                } else {
                    ui.colored_label(ui.visuals().error_fg_color, o.verdict());
                }
                ui.end_row();
            }
        });
}

fn layers_ui(v: &Validation, graph: &Graph, ui: &mut egui::Ui) {
    match v.first_divergence() {
        Some(l) => ui.colored_label(
            ui.visuals().error_fg_color,
            format!(
                "First diverging layer: {} `{}`: max abs error {:.3e}, {} differing bytes (sample {})",
                l.index, l.name, l.max_abs, l.differing_bytes, l.sample
            ),
        ),
        None => ui.label("Per layer: every layer matches the reference"),
    };
    let worst = v
        .layers
        .iter()
        .map(|l| l.max_abs)
        .fold(0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    egui::ScrollArea::vertical()
        .id_salt("layer_errors")
        .show(ui, |ui| {
            egui::Grid::new("layer_errors_grid")
                .striped(true)
                .show(ui, |ui| {
                    for h in ["#", "Layer", "Max abs error", "Differing bytes"] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for l in &v.layers {
                        ui.label(l.index.to_string());
                        let op = graph.nodes.get(l.index).map_or("", |n| n.op.name());
                        ui.label(format!("{op} {}", format::short_name(&l.name, 50)))
                            .on_hover_text(&l.name);
                        ui.add(
                            egui::ProgressBar::new((l.max_abs / worst) as f32)
                                .desired_width(200.0)
                                .text(format!("{:.3e}", l.max_abs)),
                        );
                        ui.label(l.differing_bytes.to_string());
                        ui.end_row();
                    }
                });
        });
}
