//! The model the window shows: where it came from, its imported and optimized graphs, and the figures derived
//! from them.
//!
//! The optimized graph is what `nncube analyze` reports on: the imported graph run through the default pass
//! pipeline. Derived data is computed once per model ([`LoadedModel::load`]: both graph layouts) or once per model
//! memory options and board ([`Analysis`]: report, memory plan, timeline), on a background thread, never per frame.

use super::settings::MemoryOptions;
use crate::cli::analyze;
use anyhow::Context;
use nncube_core::ir::Graph;
use nncube_core::memplan::{self, MemoryPlan, PlanOptions, Timeline};
use nncube_core::passes::{Pipeline, PipelineReport};
use nncube_core::report::graph_view::{self, GraphView};
use nncube_core::target::Board;
use nncube_core::target::project::plan_activations;
use nncube_core::{import, report};
use std::path::{Path, PathBuf};

/// The built-in model (MLPerf Tiny KWS DS-CNN, see assets/models/README.md), opened when no model is given.
const DEFAULT_MODEL: &[u8] = include_bytes!("../../../assets/models/default.tflite");

/// Where a model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// The built-in default model.
    BuiltIn,
    /// A `.tflite` file.
    File(PathBuf),
}

impl ModelSource {
    /// A short description for the title bar and status line.
    pub fn describe(&self) -> String {
        match self {
            ModelSource::BuiltIn => "built-in default model (kws_ref_model)".to_string(),
            ModelSource::File(p) => p.display().to_string(),
        }
    }

    /// The file path, for files.
    pub fn path(&self) -> Option<&Path> {
        match self {
            ModelSource::BuiltIn => None,
            ModelSource::File(p) => Some(p),
        }
    }
}

/// An imported model, its optimized graph and the layouts of both.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    /// Where it came from.
    pub source: ModelSource,
    /// The imported (verified, unoptimized) graph.
    pub original: Graph,
    /// The graph after the default optimization pipeline (what is reported, planned, generated).
    pub graph: Graph,
    /// What each optimization pass did.
    pub pipeline: PipelineReport,
    /// Layout of the imported graph (the one `nncube analyze --graph` draws on the left).
    pub original_view: GraphView,
    /// Layout of the optimized graph (the right-hand picture of `nncube analyze --graph`).
    pub optimized_view: GraphView,
}

impl LoadedModel {
    /// Imports and optimizes the model (slow for large models: run it as a background task).
    pub fn load(source: ModelSource) -> anyhow::Result<LoadedModel> {
        let original = match &source {
            ModelSource::BuiltIn => import::import_bytes(DEFAULT_MODEL, "kws_ref_model")
                .context("cannot import the built-in model")?,
            ModelSource::File(path) => import::load_model(path)
                .with_context(|| format!("cannot open model {}", path.display()))?,
        };
        let mut graph = original.clone();
        let pipeline = Pipeline::default_pipeline()
            .run(&mut graph, None)
            .with_context(|| format!("cannot optimize {}", source.describe()))?;
        let original_view = graph_view::layout(
            &original,
            &format!("original: {} layers", original.nodes.len()),
            0.0,
        );
        let optimized_view = graph_view::layout(
            &graph,
            &format!("optimized: {} layers", graph.nodes.len()),
            0.0,
        );
        Ok(LoadedModel {
            source,
            original,
            graph,
            pipeline,
            original_view,
            optimized_view,
        })
    }
}

/// The planner options for the configuration's memory options (what `nncube analyze` uses for the same flags).
pub fn plan_options(options: &MemoryOptions) -> PlanOptions {
    PlanOptions {
        alignment: u64::from(options.alignment.max(1)),
        inputs_in_activations: options.inputs_in_activations,
        outputs_in_activations: options.outputs_in_activations,
        ..PlanOptions::default()
    }
}

/// What an analysis depends on besides the graph: the model generation, the memory options and the board whose RAM
/// regions are the planner's pools (none: one unbounded pool).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisKey {
    /// The model generation (bumped on every load).
    pub generation: u64,
    /// The memory options.
    pub options: MemoryOptions,
    /// The chosen board's id.
    pub board: Option<String>,
}

/// The report, memory plan and timeline of one optimized model under one set of memory options and board.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// What this analysis was computed for.
    pub key: AnalysisKey,
    /// The analyze report of the optimized graph; its activation figure is the plan's total.
    pub report: report::Report,
    /// The activation memory plan.
    pub plan: MemoryPlan,
    /// The plan as rectangles over the schedule (what `nncube analyze --memory` draws).
    pub timeline: Timeline,
}

impl Analysis {
    /// Plans and analyzes the optimized `graph` (slow: run it as a background task). With a board, the plan
    /// spreads the activations over the board's RAM regions, as `nncube analyze --board` does.
    pub fn compute(
        graph: &Graph,
        key: AnalysisKey,
        board: Option<&Board>,
    ) -> anyhow::Result<Analysis> {
        let planner = plan_options(&key.options);
        let plan = plan_activations(graph, board, &planner)
            .with_context(|| format!("cannot plan the activation memory of {}", graph.name))?;
        Ok(Analysis::from_plan(graph, key, &planner, plan))
    }

    /// The analysis of `graph` for a plan made with `planner`.
    pub fn from_plan(
        graph: &Graph,
        key: AnalysisKey,
        planner: &PlanOptions,
        plan: MemoryPlan,
    ) -> Analysis {
        let report = report::analyze(
            graph,
            Some((plan.total_bytes, analyze::plan_method(planner, &plan))),
        )
        .with_pools(analyze::pool_reports(&plan));
        let timeline = memplan::timeline(&plan, graph);
        Analysis {
            key,
            report,
            plan,
            timeline,
        }
    }
}
