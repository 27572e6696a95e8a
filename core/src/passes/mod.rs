//! Graph optimization passes: operator fusion, layer removal and constant folding.
//!
//! Each pass lives in its own file and implements [`Pass`]: a stable kebab-case [`Pass::name`] (used by the CLI,
//! the GUI and project files), a serde config (the pass struct itself, `#[serde(default, deny_unknown_fields)]`),
//! and a [`Pass::run`] that rewrites the graph through [`Graph`] methods and returns a [`PassOutcome`].
//!
//! A [`Pipeline`] runs passes in order and calls [`Graph::verify`] after each one: a violation is a bug in that
//! pass and is reported as [`PassError::Broke`] naming it. Every rewrite is exact: int8 graphs compute bit-identical
//! results with TFLite Micro's arithmetic, float graphs agree up to float rounding (see docs/passes.md).
//! Rewritten nodes list what they absorbed in [`crate::ir::Node::fused`].

mod fold_batchnorm;
mod fold_constants;
mod fold_pad;
mod fuse_activations;
mod fuse_conv_pool;
mod remove_noops;
mod rewrite;

pub use fold_batchnorm::FoldBatchnorm;
pub use fold_constants::FoldConstants;
pub use fold_pad::FoldPad;
pub use fuse_activations::FuseActivations;
pub use fuse_conv_pool::FuseConvPool;
pub use remove_noops::RemoveNoops;

use crate::ir::{Graph, VerifyError};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassOutcome {
    /// True when the graph was modified.
    pub changed: bool,
    /// Human-readable statistics, e.g. "fused 12 nodes" (the GUI lists them).
    pub stats: Vec<String>,
}

/// Context shared by the passes of one pipeline run: non-fatal findings for the user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassCx {
    /// Notes such as "RELU `x` not fused: quantization differs", in the order they were found.
    pub notes: Vec<String>,
}

/// Why a pass or a pipeline failed.
#[derive(Debug, Error, PartialEq)]
pub enum PassError {
    /// The graph handed to the pipeline is already inconsistent (fix the importer or the model).
    #[error("the graph is invalid before optimization")]
    InvalidInput(#[source] Box<VerifyError>),
    /// A pass left the graph inconsistent. This is a bug in nncube: please report it with the model.
    #[error(
        "pass `{pass}` broke the graph (this is a bug in nncube; rerun with --no-optimize to avoid it)"
    )]
    Broke {
        /// The pass's name.
        pass: String,
        /// The invariant it violated.
        #[source]
        source: Box<VerifyError>,
    },
    /// A pass name that no pass has.
    #[error("unknown pass `{name}`; known passes: {known}")]
    UnknownPass {
        /// The name asked for.
        name: String,
        /// Every known pass name, comma-separated.
        known: String,
    },
    /// `--stop-after` names a pass that is not in the pipeline.
    #[error("cannot stop after `{name}`: the pipeline runs {pipeline}")]
    NotInPipeline {
        /// The name asked for.
        name: String,
        /// The pipeline's pass names, comma-separated.
        pipeline: String,
    },
}

/// An optimization pass over the graph.
pub trait Pass: std::fmt::Debug {
    /// Stable kebab-case name, used by the CLI (`--stop-after`), the GUI and project files.
    fn name(&self) -> &'static str;
    /// One sentence saying what the pass does, shown by `nncube passes`.
    fn description(&self) -> &'static str;
    /// Rewrites `graph`. The pipeline verifies the graph afterwards.
    fn run(&self, graph: &mut Graph, cx: &mut PassCx) -> Result<PassOutcome, PassError>;
}

/// The default pipeline, by pass name, in the order the passes run.
///
/// Constants and no-ops go first so that later patterns see through them; batch-norm folding runs before
/// activation fusion so that `conv → mul → add → relu` ends as one conv; conv+pool fusion runs last, once the conv
/// and the pool carry their activations.
pub const DEFAULT_PIPELINE: &[&str] = &[
    "fold-constants",
    "remove-noops",
    "fold-pad",
    "fold-batchnorm",
    "fuse-activations",
    "fuse-conv-pool",
];

/// Every pass with its default config, in the default pipeline's order.
pub fn all_passes() -> Vec<Box<dyn Pass>> {
    vec![
        Box::new(FoldConstants::default()),
        Box::new(RemoveNoops::default()),
        Box::new(FoldPad::default()),
        Box::new(FoldBatchnorm::default()),
        Box::new(FuseActivations::default()),
        Box::new(FuseConvPool::default()),
    ]
}

/// The pass called `name`, with its default config.
pub fn pass_by_name(name: &str) -> Result<Box<dyn Pass>, PassError> {
    all_passes()
        .into_iter()
        .find(|p| p.name() == name)
        .ok_or_else(|| PassError::UnknownPass {
            name: name.to_string(),
            known: all_passes()
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// One pass's result within a pipeline run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassRun {
    /// The pass's name.
    pub pass: String,
    /// What it did.
    pub outcome: PassOutcome,
}

/// What a whole pipeline run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineReport {
    /// The passes that ran, in order.
    pub runs: Vec<PassRun>,
    /// Non-fatal findings collected by the passes.
    pub notes: Vec<String>,
}

/// An ordered list of passes; [`Pipeline::run`] verifies the graph after each one.
#[derive(Debug)]
pub struct Pipeline {
    passes: Vec<Box<dyn Pass>>,
}

impl Pipeline {
    /// A pipeline of the given passes.
    pub fn new(passes: Vec<Box<dyn Pass>>) -> Self {
        Self { passes }
    }

    /// A pipeline of passes given by name (with default configs).
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Self, PassError> {
        Ok(Self::new(
            names
                .iter()
                .map(|n| pass_by_name(n.as_ref()))
                .collect::<Result<_, _>>()?,
        ))
    }

    /// The [`DEFAULT_PIPELINE`].
    pub fn default_pipeline() -> Self {
        Self::new(all_passes())
    }

    /// The names of the passes, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.passes.iter().map(|p| p.name()).collect()
    }

    /// Runs every pass in order (or up to and including `stop_after`), verifying the graph after each one.
    pub fn run(
        &self,
        graph: &mut Graph,
        stop_after: Option<&str>,
    ) -> Result<PipelineReport, PassError> {
        if let Some(name) = stop_after
            && !self.passes.iter().any(|p| p.name() == name)
        {
            return Err(PassError::NotInPipeline {
                name: name.to_string(),
                pipeline: self.names().join(", "),
            });
        }
        graph
            .verify()
            .map_err(|e| PassError::InvalidInput(Box::new(e)))?;
        let mut cx = PassCx::default();
        let mut report = PipelineReport::default();
        for pass in &self.passes {
            let outcome = pass.run(graph, &mut cx)?;
            graph.verify().map_err(|source| PassError::Broke {
                pass: pass.name().to_string(),
                source: Box::new(source),
            })?;
            report.runs.push(PassRun {
                pass: pass.name().to_string(),
                outcome,
            });
            if stop_after == Some(pass.name()) {
                break;
            }
        }
        report.notes = cx.notes;
        Ok(report)
    }
}

#[cfg(test)]
mod tests;
