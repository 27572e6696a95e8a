//! The model the window shows: where it came from, its imported graph, and the figures derived from it.
//!
//! Derived data is computed once per model ([`LoadedModel::layout`]) or once per model and memory options
//! ([`Analysis`]), never per frame.

use super::graph_layout::GraphLayout;
use super::liveness::Timeline;
use super::settings::MemoryOptions;
use anyhow::Context;
use nncube_core::ir::Graph;
use nncube_core::{import, report};
use std::path::{Path, PathBuf};

/// The built-in model (MLPerf Tiny KWS DS-CNN, see assets/models/README.md), opened when no model is given.
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../../../assets/models/default.tflite");

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

/// An imported model and its graph layout.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    /// Where it came from.
    pub source: ModelSource,
    /// The imported (verified, unoptimized) graph.
    pub graph: Graph,
    /// Box positions for the Graph tab.
    pub layout: GraphLayout,
}

impl LoadedModel {
    /// Imports the model (slow for large models: run it as a background task).
    pub fn load(source: ModelSource) -> anyhow::Result<LoadedModel> {
        let graph = match &source {
            ModelSource::BuiltIn => import::import_bytes(DEFAULT_MODEL, "kws_ref_model")
                .context("cannot import the built-in model")?,
            ModelSource::File(path) => import::load_model(path)
                .with_context(|| format!("cannot open model {}", path.display()))?,
        };
        let layout = GraphLayout::compute(&graph);
        Ok(LoadedModel {
            source,
            graph,
            layout,
        })
    }
}

/// The report and the liveness timeline of one model under one set of memory options.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The options this analysis was computed for (the cache key, with the model).
    pub options: MemoryOptions,
    /// The analyze report; its activation figure is the timeline's peak.
    pub report: report::Report,
    /// Live activation bytes per step.
    pub timeline: Timeline,
}

impl Analysis {
    /// Analyzes `graph` under `options`.
    pub fn compute(graph: &Graph, options: &MemoryOptions) -> Analysis {
        let timeline = Timeline::compute(graph, options);
        let (peak, _) = timeline.peak();
        let method = format!(
            "liveness peak over the unoptimized schedule (inputs {}, outputs {}, {}-byte alignment; no memory plan yet)",
            if options.inputs_in_activations {
                "included"
            } else {
                "excluded"
            },
            if options.outputs_in_activations {
                "included"
            } else {
                "excluded"
            },
            options.alignment
        );
        let report = report::analyze(graph, Some((peak, method)));
        Analysis {
            options: options.clone(),
            report,
            timeline,
        }
    }
}
