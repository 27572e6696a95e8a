//! Progress of a long background job (validation, build, benchmark): a fraction, the current step and a log that
//! the job writes and the UI reads each frame, and the cancel token the UI's cancel button sets.

use nncube_core::target::CancelToken;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Default)]
struct State {
    fraction: f32,
    step: String,
    log: Vec<String>,
}

/// Shared between a job and the UI; clones share the state.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    state: Arc<Mutex<State>>,
    /// Set by the cancel button; the job's tools (gcc, QEMU) and steps stop when it is.
    pub cancel: CancelToken,
}

/// What the UI draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// 0..=1.
    pub fraction: f32,
    /// The step running now.
    pub step: String,
    /// Every log line so far.
    pub log: Vec<String>,
}

impl Progress {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A job that panicked mid-update leaves readable state; show it rather than failing.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the current step (also appended to the log).
    pub fn step(&self, fraction: f32, step: &str) {
        let mut s = self.lock();
        s.fraction = fraction.clamp(0.0, 1.0);
        s.step = step.to_string();
        s.log.push(step.to_string());
    }

    /// Appends a line to the log.
    pub fn log(&self, line: impl Into<String>) {
        self.lock().log.push(line.into());
    }

    /// The state now.
    pub fn snapshot(&self) -> Snapshot {
        let s = self.lock();
        Snapshot {
            fraction: s.fraction,
            step: s.step.clone(),
            log: s.log.clone(),
        }
    }

    /// Draws the log so far (under the lock: no copy of the log per frame).
    pub fn log_ui(&self, height: f32, ui: &mut egui::Ui) {
        log_ui(&self.lock().log, height, ui);
    }

    /// Draws the bar, the current step and a cancel button (which sets [`Progress::cancel`]).
    pub fn ui(&self, ui: &mut egui::Ui) {
        let (fraction, step) = {
            let s = self.lock();
            (s.fraction, s.step.clone())
        };
        ui.horizontal(|ui| {
            ui.spinner();
            ui.add(
                egui::ProgressBar::new(fraction)
                    .desired_width(320.0)
                    .show_percentage(),
            );
            if self.cancel.is_cancelled() {
                ui.label("cancelling…");
            } else if ui.button("Cancel").clicked() {
                self.cancel.cancel();
            }
        });
        ui.label(step);
    }
}

/// Draws a log in a scroll area of at most `height` points.
pub fn log_ui(lines: &[String], height: f32, ui: &mut egui::Ui) {
    egui::ScrollArea::vertical()
        .id_salt("job_log")
        .max_height(height)
        .stick_to_bottom(true)
        .show(ui, |ui| {
            for line in lines {
                ui.monospace(line);
            }
        });
}
