//! The configurator window: state, background work, menus, the left configuration panel and the central tabs.
//!
//! [`NncubeApp::draw`] draws one frame into any [`egui::Ui`], so the same code runs in the eframe window, in
//! egui_kittest tests and in `--screenshot` rendering.

use super::model::{Analysis, AnalysisKey, LoadedModel, ModelSource};
use super::project::{Project, is_project_path};
use super::settings::{Config, Settings, Tab};
use super::tasks::Tasks;
use super::{board_tab, config_panel, graph_tab, memory_tab, report_tab, validate_tab};
use nncube_core::ir::Graph;
use nncube_core::target::{Board, board::builtin_boards};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the user asked to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenRequest {
    /// The built-in default model.
    BuiltIn,
    /// A model (`.tflite`) or project (`.ron`) file.
    Path(PathBuf),
}

/// What a background task hands back to the UI.
enum TaskOutput {
    /// A model (maybe through a project file) was imported, or failed to.
    Opened {
        /// The import result.
        result: anyhow::Result<Box<LoadedModel>>,
        /// The project file and its configuration, when a project was opened.
        project: Option<(PathBuf, Config)>,
    },
    /// The analysis (report, memory plan) of a model under some memory options finished, or failed.
    Analyzed {
        /// The model generation and options it was computed for.
        key: AnalysisKey,
        /// The analysis.
        result: anyhow::Result<Box<Analysis>>,
    },
    /// A validation job finished (or failed, or was cancelled).
    Validated {
        /// The model generation it validated.
        generation: u64,
        /// What it found.
        outcome: Box<validate_tab::ValidateOutcome>,
    },
    /// A Board tab job (generate, build, benchmark) finished.
    BoardRan {
        /// The model generation it ran.
        generation: u64,
        /// What it did.
        outcome: Box<board_tab::BoardOutcome>,
    },
    /// A file dialog closed.
    Picked {
        /// Why the dialog was opened.
        purpose: Pick,
        /// The chosen file (`None` when cancelled).
        path: Option<PathBuf>,
    },
}

/// Why a file dialog was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    /// Open a model or a project.
    Open,
    /// Choose where to save the project.
    SaveProject,
}

/// Per-tab view state (not persisted).
#[derive(Default)]
pub struct Views {
    /// The Report tab's sorting.
    pub report: report_tab::ReportView,
    /// The Graph tab's pan/zoom and selection.
    pub graph: graph_tab::GraphView,
    /// The Memory tab's selected buffer.
    pub memory: memory_tab::MemoryView,
    /// The Validate tab's options, job and result.
    pub validate: validate_tab::ValidateView,
    /// The Board tab's job and result.
    pub board: board_tab::BoardView,
}

/// The whole application.
pub struct NncubeApp {
    /// Persisted settings (configuration, recent files, open tab).
    pub settings: Settings,
    model: Option<LoadedModel>,
    /// Bumped each time a model is loaded: the key of every per-model cache.
    model_generation: u64,
    analysis: Option<Analysis>,
    /// The (generation, options) of the analysis being computed or that last failed: not started again.
    analysis_requested: Option<AnalysisKey>,
    tasks: Tasks<TaskOutput>,
    errors: Vec<String>,
    project_path: Option<PathBuf>,
    /// The text of the "model or project path" field.
    pub path_field: String,
    views: Views,
    /// The built-in boards (assets/boards), sorted by id.
    boards: Vec<Board>,
}

impl NncubeApp {
    /// An app with `settings` and no model yet; call [`NncubeApp::open`] to load one.
    pub fn new(settings: Settings) -> Self {
        let mut errors = Vec::new();
        let boards = builtin_boards().unwrap_or_else(|e| {
            errors.push(format!(
                "a built-in board file is broken (this is a bug): {e}"
            ));
            Vec::new()
        });
        Self {
            boards,
            settings,
            model: None,
            model_generation: 0,
            analysis: None,
            analysis_requested: None,
            tasks: Tasks::default(),
            errors,
            project_path: None,
            path_field: String::new(),
            views: Views::default(),
        }
    }

    /// Starts opening a model or project in the background.
    pub fn open(&mut self, request: OpenRequest) {
        let label = match &request {
            OpenRequest::BuiltIn => "importing the built-in model".to_string(),
            OpenRequest::Path(p) => format!("opening {}", p.display()),
        };
        self.tasks.spawn(label, move || open_blocking(request));
    }

    /// Blocks until background tasks finish and applies their results (tests, screenshots).
    pub fn wait_for_tasks(&mut self) {
        // Applying results may start follow-up work (an import starts the analysis): wait for that too.
        while !self.tasks.is_idle() {
            let finished = self.tasks.wait();
            self.apply_finished(finished.results, finished.lost);
        }
    }

    /// The loaded model, if any.
    pub fn model(&self) -> Option<&LoadedModel> {
        self.model.as_ref()
    }

    /// The analysis of the loaded model under the current memory options (refreshed by [`NncubeApp::draw`]
    /// and [`NncubeApp::refresh_analysis`]).
    pub fn analysis(&self) -> Option<&Analysis> {
        self.analysis.as_ref()
    }

    /// The errors shown in the error panel, oldest first.
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// The layer selected in the Graph tab.
    pub fn selected_layer(&self) -> Option<nncube_core::ir::NodeId> {
        self.views.graph.selected
    }

    /// The tabs' view state (zoom, selection, jobs), for benchmarks and tests.
    pub fn views_mut(&mut self) -> &mut Views {
        &mut self.views
    }

    /// The built-in boards.
    pub fn boards(&self) -> &[Board] {
        &self.boards
    }

    /// The chosen board, when it is a built-in one.
    pub fn board(&self) -> Option<&Board> {
        board_named(&self.boards, self.settings.config.board.as_deref())
    }

    /// Where projects are generated: the configured output directory, relative to the project file when one is
    /// open (else to the working directory).
    pub fn output_dir(&self) -> PathBuf {
        let dir = &self.settings.config.output_dir;
        match self.project_path.as_ref().and_then(|p| p.parent()) {
            Some(parent) if dir.is_relative() => parent.join(dir),
            _ => dir.clone(),
        }
    }

    /// Starts the job of `tab` as its button does: validation (Validate), or generate + build + benchmark on
    /// the chosen virtual board (Board). Used by `nncube gui --run` for screenshots of results.
    pub fn start_job(&mut self, tab: Tab) -> anyhow::Result<()> {
        let dir = self.output_dir();
        let Some(model) = &self.model else {
            anyhow::bail!("no model is loaded");
        };
        let board = board_named(&self.boards, self.settings.config.board.as_deref());
        let job = match tab {
            Tab::Validate => TabJob::Validate(self.views.validate.start(board)),
            Tab::Board => {
                let Some(board) = board.filter(|b| b.virtual_board.is_some()) else {
                    anyhow::bail!(
                        "the Board tab's job needs a virtual board: choose one with --board qemu-…"
                    );
                };
                TabJob::Board(self.views.board.start(
                    board_tab::BoardAction::GenerateBuildBenchmark,
                    board,
                    &dir,
                ))
            }
            Tab::Report | Tab::Graph | Tab::Memory => {
                anyhow::bail!("the {} tab has no job to run", tab.title())
            }
        };
        spawn_tab_job(&mut self.tasks, &model.graph, self.model_generation, job);
        Ok(())
    }

    /// The open project file, if any.
    pub fn project_path(&self) -> Option<&Path> {
        self.project_path.as_deref()
    }

    /// Saves the current model path and configuration as a project file.
    pub fn save_project(&mut self, path: &Path) -> anyhow::Result<()> {
        let project = Project {
            version: super::project::PROJECT_FORMAT_VERSION,
            model: self
                .model
                .as_ref()
                .and_then(|m| m.source.path().map(Path::to_path_buf)),
            config: self.settings.config.clone(),
        };
        project.save(path)?;
        self.project_path = Some(path.to_path_buf());
        self.settings.remember(path.to_path_buf());
        Ok(())
    }

    /// Starts recomputing the analysis in the background when the model or the memory options changed since
    /// the last one; the previous analysis stays on screen until the new one arrives.
    pub fn refresh_analysis(&mut self) {
        let Some(model) = &self.model else {
            self.analysis = None;
            return;
        };
        let key = AnalysisKey {
            generation: self.model_generation,
            options: self.settings.config.memory.clone(),
            board: self.settings.config.board.clone(),
        };
        let current = self.analysis.as_ref().is_some_and(|a| a.key == key);
        if current || self.analysis_requested.as_ref() == Some(&key) {
            return;
        }
        self.analysis_requested = Some(key.clone());
        let graph = model.graph.clone();
        let board = board_named(&self.boards, key.board.as_deref()).cloned();
        self.tasks.spawn("planning the activation memory", move || {
            let result = Analysis::compute(&graph, key.clone(), board.as_ref()).map(Box::new);
            TaskOutput::Analyzed { key, result }
        });
    }

    fn apply_finished(&mut self, results: Vec<TaskOutput>, lost: Vec<String>) {
        for label in lost {
            self.errors.push(format!(
                "background task `{label}` stopped without a result; this is a bug"
            ));
        }
        for output in results {
            match output {
                TaskOutput::Opened {
                    result: Ok(model),
                    project,
                } => {
                    if let Some(path) = model.source.path() {
                        self.settings.remember(path.to_path_buf());
                    }
                    self.project_path = None;
                    if let Some((path, config)) = project {
                        self.settings.config = config;
                        self.settings.remember(path.clone());
                        self.project_path = Some(path);
                    }
                    self.model = Some(*model);
                    self.model_generation += 1;
                    self.analysis = None;
                    self.views = Views::default();
                }
                TaskOutput::Analyzed {
                    key,
                    result: Ok(analysis),
                } => {
                    if key.generation == self.model_generation {
                        self.analysis = Some(*analysis);
                    }
                    if self.analysis_requested.as_ref() == Some(&key) {
                        self.analysis_requested = None;
                    }
                }
                TaskOutput::Analyzed {
                    key,
                    result: Err(err),
                } => {
                    if key.generation == self.model_generation {
                        self.errors.push(format!("{err:#}"));
                    }
                }
                TaskOutput::Opened {
                    result: Err(err), ..
                } => self.errors.push(format!("{err:#}")),
                TaskOutput::Validated {
                    generation,
                    outcome,
                } => {
                    if generation == self.model_generation {
                        self.views.validate.running = None;
                        self.views.validate.outcome = Some(*outcome);
                    }
                }
                TaskOutput::BoardRan {
                    generation,
                    outcome,
                } => {
                    if generation == self.model_generation {
                        self.views.board.running = None;
                        self.views.board.outcome = Some(*outcome);
                    }
                }
                TaskOutput::Picked { path: None, .. } => {}
                TaskOutput::Picked {
                    purpose: Pick::Open,
                    path: Some(path),
                } => self.open(OpenRequest::Path(path)),
                TaskOutput::Picked {
                    purpose: Pick::SaveProject,
                    path: Some(path),
                } => self.save_project_reporting(&path),
            }
        }
        self.refresh_analysis();
    }

    fn save_project_reporting(&mut self, path: &Path) {
        if let Err(err) = self.save_project(path) {
            self.errors.push(format!("{err:#}"));
        }
    }

    fn pick_file(&mut self, purpose: Pick) {
        let project_dir = self
            .project_path
            .as_ref()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf);
        self.tasks.spawn("waiting for the file dialog", move || {
            let mut dialog = rfd::FileDialog::new();
            if let Some(dir) = project_dir {
                dialog = dialog.set_directory(dir);
            }
            let path = match purpose {
                Pick::Open => dialog
                    .add_filter("TFLite model or nncube project", &["tflite", "ron"])
                    .pick_file(),
                Pick::SaveProject => dialog
                    .add_filter("nncube project", &["ron"])
                    .set_file_name("project.ron")
                    .save_file(),
            };
            TaskOutput::Picked { purpose, path }
        });
    }

    /// Draws one frame.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let finished = self.tasks.poll();
        if !finished.results.is_empty() || !finished.lost.is_empty() {
            self.apply_finished(finished.results, finished.lost);
        }
        if !self.tasks.is_idle() {
            ui.ctx().request_repaint_after(Duration::from_millis(50));
        }
        self.open_dropped_files(ui.ctx());
        self.refresh_analysis();

        egui::Panel::top("menu_bar").show(ui, |ui| self.menu_bar(ui));
        if !self.errors.is_empty() {
            egui::Panel::bottom("error_panel").show(ui, |ui| self.error_panel(ui));
        }
        egui::Panel::left("configuration")
            .resizable(true)
            .default_size(270.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    let action = config_panel::show(
                        ui,
                        &mut self.settings.config,
                        &mut self.path_field,
                        self.model.as_ref(),
                        &self.boards,
                    );
                    match action {
                        config_panel::Action::None => {}
                        config_panel::Action::OpenPath(p) => self.open(OpenRequest::Path(p)),
                        config_panel::Action::Browse => self.pick_file(Pick::Open),
                    }
                });
            });
        self.refresh_analysis();
        egui::CentralPanel::default().show(ui, |ui| self.central(ui));
        if ui.ctx().input(|i| !i.raw.hovered_files.is_empty()) {
            let painter = ui.ctx().layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                ui.scope_id().with("drop"),
            ));
            let rect = ui.ctx().content_rect();
            painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(160));
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "Drop a .tflite model or a .ron project to open it",
                egui::FontId::proportional(22.0),
                egui::Color32::WHITE,
            );
        }
    }

    fn open_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        for path in dropped {
            self.open(OpenRequest::Path(path));
        }
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open model or project…").clicked() {
                    self.pick_file(Pick::Open);
                }
                if ui.button("Open built-in model").clicked() {
                    self.open(OpenRequest::BuiltIn);
                }
                ui.menu_button("Recent", |ui| {
                    if self.settings.recent.is_empty() {
                        ui.label("no recent files");
                    }
                    let mut chosen = None;
                    for path in &self.settings.recent {
                        if ui.button(path.display().to_string()).clicked() {
                            chosen = Some(path.clone());
                        }
                    }
                    if let Some(path) = chosen {
                        self.open(OpenRequest::Path(path));
                    }
                });
                ui.separator();
                if ui.button("Save project").clicked() {
                    match self.project_path.clone() {
                        Some(path) => self.save_project_reporting(&path),
                        None => self.pick_file(Pick::SaveProject),
                    }
                }
                if ui.button("Save project as…").clicked() {
                    self.pick_file(Pick::SaveProject);
                }
            });
            ui.separator();
            match (&self.model, &self.project_path) {
                (Some(_), Some(p)) => ui.label(format!("project {}", p.display())),
                (Some(m), None) => ui.label(m.source.describe()),
                (None, _) => ui.label("no model"),
            };
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                for label in self.tasks.running() {
                    ui.label(label);
                    ui.spinner();
                }
            });
        });
    }

    fn error_panel(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.colored_label(ui.visuals().error_fg_color, "Errors");
            if ui.button("Dismiss errors").clicked() {
                self.errors.clear();
            }
        });
        for err in &self.errors {
            ui.colored_label(ui.visuals().error_fg_color, err);
        }
    }

    fn central(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            for tab in Tab::ALL {
                ui.selectable_value(&mut self.settings.tab, tab, tab.title());
            }
        });
        ui.separator();
        let (Some(model), Some(analysis)) = (&self.model, &self.analysis) else {
            if !self.tasks.is_idle() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Loading and planning the model…");
                });
            } else if self.model.is_some() {
                ui.label("The model could not be analyzed under these memory options; the error panel says why.");
            } else {
                ui.label("No model loaded. Open a .tflite model or a project from the File menu, the path field, or by drag and drop.");
            }
            return;
        };
        let generation = self.model_generation;
        match self.settings.tab {
            Tab::Report => {
                let board = board_named(&self.boards, self.settings.config.board.as_deref());
                report_tab::show(ui, &mut self.views.report, generation, analysis, board)
            }
            Tab::Graph => graph_tab::show(ui, &mut self.views.graph, model, analysis),
            Tab::Memory => memory_tab::show(ui, &mut self.views.memory, model, analysis),
            Tab::Validate => {
                let board = board_named(&self.boards, self.settings.config.board.as_deref());
                if let Some(request) =
                    validate_tab::show(ui, &mut self.views.validate, &model.graph, board)
                {
                    spawn_tab_job(
                        &mut self.tasks,
                        &model.graph,
                        generation,
                        TabJob::Validate(request),
                    );
                }
            }
            Tab::Board => {
                let board = board_named(&self.boards, self.settings.config.board.as_deref());
                let dir = self.output_dir();
                if let Some(request) = board_tab::show(ui, &mut self.views.board, board, &dir) {
                    spawn_tab_job(
                        &mut self.tasks,
                        &model.graph,
                        generation,
                        TabJob::Board(request),
                    );
                }
            }
        }
    }
}

/// The background job of the Validate or the Board tab.
enum TabJob {
    Validate(validate_tab::ValidateRequest),
    Board(board_tab::BoardRequest),
}

/// Runs `job` on a copy of `graph` as a background task (its request carries the progress and cancel token);
/// the result comes back tagged with the model `generation` it ran for.
fn spawn_tab_job(tasks: &mut Tasks<TaskOutput>, graph: &Graph, generation: u64, job: TabJob) {
    let graph = graph.clone();
    let label = match job {
        TabJob::Validate(_) => "validating",
        TabJob::Board(_) => "running on the board",
    };
    tasks.spawn(label, move || match job {
        TabJob::Validate(request) => TaskOutput::Validated {
            generation,
            outcome: Box::new(validate_tab::run_blocking(&graph, &request)),
        },
        TabJob::Board(request) => TaskOutput::BoardRan {
            generation,
            outcome: Box::new(board_tab::run_blocking(&graph, &request)),
        },
    });
}

/// The board with id `id` among `boards` (`None` when no id is given or none matches).
fn board_named<'a>(boards: &'a [Board], id: Option<&str>) -> Option<&'a Board> {
    let id = id?;
    boards.iter().find(|b| b.id == id)
}

/// Opens a model or project on the calling thread.
fn open_blocking(request: OpenRequest) -> TaskOutput {
    match request {
        OpenRequest::BuiltIn => TaskOutput::Opened {
            result: LoadedModel::load(ModelSource::BuiltIn).map(Box::new),
            project: None,
        },
        OpenRequest::Path(path) if is_project_path(&path) => match Project::load(&path) {
            Ok(project) => {
                let source = project
                    .model
                    .map_or(ModelSource::BuiltIn, ModelSource::File);
                TaskOutput::Opened {
                    result: LoadedModel::load(source).map(Box::new),
                    project: Some((path, project.config)),
                }
            }
            Err(err) => TaskOutput::Opened {
                result: Err(err),
                project: None,
            },
        },
        OpenRequest::Path(path) => TaskOutput::Opened {
            result: LoadedModel::load(ModelSource::File(path)).map(Box::new),
            project: None,
        },
    }
}

impl eframe::App for NncubeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}
