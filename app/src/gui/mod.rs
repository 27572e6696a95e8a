//! The desktop configurator (egui/eframe): load a model, pick options, see the report, the graph and where the
//! activation RAM goes; validate the generated C, generate a project, build it and benchmark it on a virtual board.
//!
//! Module map: [`app`] (state, menus, background tasks, tab routing), [`config_panel`] (left panel),
//! [`report_tab`], [`graph_tab`], [`memory_tab`], [`validate_tab`],
//! [`board_tab`] (+ [`progress`] for their jobs), [`settings`] and [`project`] (what persists), [`model`] (import + cached analysis),
//! [`tasks`] (background threads), [`screenshot`] (offscreen PNG rendering).

pub mod app;
pub mod board_tab;
pub mod config_panel;
pub mod format;
pub mod graph_tab;
pub mod memory_tab;
pub mod model;
pub mod progress;
pub mod project;
pub mod report_tab;
pub mod screenshot;
pub mod settings;
pub mod tasks;
pub mod validate_tab;

pub use app::{NncubeApp, OpenRequest};
pub use settings::{Settings, Tab};

use anyhow::Context;
use std::path::PathBuf;

/// What to open at start: the given model or project, or the built-in model.
fn start_request(input: Option<PathBuf>) -> OpenRequest {
    input.map_or(OpenRequest::BuiltIn, OpenRequest::Path)
}

/// Opens the window (blocks until it is closed).
pub fn run_window(input: Option<PathBuf>) -> anyhow::Result<()> {
    let request = start_request(input);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("nncube")
            .with_inner_size(screenshot::SIZE)
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "nncube",
        options,
        Box::new(move |cc| {
            let settings: Settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                .unwrap_or_default();
            let mut app = NncubeApp::new(settings);
            app.open(request);
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
    .context("cannot open the nncube window (is a display available? `--screenshot FILE.png` renders without one)")
}

/// Renders the window for `input` on `tab` into a PNG file, without a display. `board` chooses the target
/// board; `run` starts the tab's job (validation, or generate + build + benchmark) and waits for it first.
pub fn run_screenshot(
    input: Option<PathBuf>,
    tab: Tab,
    png: &std::path::Path,
    board: Option<String>,
    run: bool,
) -> anyhow::Result<()> {
    let mut app = NncubeApp::new(Settings::default());
    app.open(start_request(input));
    app.wait_for_tasks();
    if let Some(err) = app.errors().first() {
        anyhow::bail!("{err}");
    }
    if let Some(id) = board {
        if !app.boards().iter().any(|b| b.id == id) {
            anyhow::bail!("unknown board `{id}`; `nncube boards` lists them");
        }
        app.settings.config.board = Some(id);
    }
    if run {
        app.start_job(tab)?;
        app.wait_for_tasks();
    }
    screenshot::render_to_png(app, tab, png)
}
