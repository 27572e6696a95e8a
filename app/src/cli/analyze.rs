//! `nncube analyze`: import a model, optimize it (unless `--no-optimize`), and print its cost report (optionally
//! as JSON), its IR, or a picture of the original and optimized graphs.

use anyhow::{Context, bail};
use clap::Args;
use nncube_core::passes::{Pipeline, PipelineReport};
use nncube_core::report::graph_view;
use nncube_core::{import, report};
use std::path::{Path, PathBuf};

/// Arguments of `nncube analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The model file (.tflite).
    pub model: PathBuf,
    /// Also write the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Print the IR (after the optimization pipeline) instead of the report.
    #[arg(long)]
    pub dump_ir: bool,
    /// Describe the graph as imported, without running the optimization passes.
    #[arg(long, conflicts_with = "stop_after")]
    pub no_optimize: bool,
    /// Run the pipeline only up to and including this pass (see `nncube passes`).
    #[arg(long, value_name = "PASS")]
    pub stop_after: Option<String>,
    /// Draw the original and the optimized graph side by side to FILE (.svg, .dot or .json layout).
    #[arg(long, value_name = "FILE")]
    pub graph: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: &AnalyzeArgs) -> anyhow::Result<()> {
    let original = import::load_model(&args.model)
        .with_context(|| format!("cannot import {}", args.model.display()))?;
    let mut graph = original.clone();
    let mut pipeline_report = PipelineReport::default();
    if !args.no_optimize {
        pipeline_report = Pipeline::default_pipeline()
            .run(&mut graph, args.stop_after.as_deref())
            .with_context(|| format!("cannot optimize {}", args.model.display()))?;
    }
    if let Some(path) = &args.graph {
        write_graph(path, &original, &graph)?;
    }
    if args.dump_ir {
        super::stdout::print(&graph.to_string())?;
        return Ok(());
    }
    let report = report::analyze(&graph, None);
    super::stdout::print(&report::render_text(&report))?;
    if !args.no_optimize {
        super::stdout::print(&optimization_text(&original, &graph, &pipeline_report))?;
    }
    if let Some(path) = &args.json {
        std::fs::write(path, report.to_json() + "\n")
            .with_context(|| format!("cannot write the JSON report to {}", path.display()))?;
    }
    Ok(())
}

/// The "optimizations" block printed after the report: layer counts and what each pass changed.
fn optimization_text(
    original: &nncube_core::ir::Graph,
    optimized: &nncube_core::ir::Graph,
    pipeline: &PipelineReport,
) -> String {
    let (before, after) = (original.nodes.len(), optimized.nodes.len());
    let mut s = format!("\noptimized: {before} → {after} layers\n");
    let views = optimized.nodes.iter().filter(|n| n.op.is_view()).count();
    if views > 0 {
        s += &format!(
            "  views: {views} reshape layer(s) alias their input (no kernel runs, no buffer needed)\n"
        );
    }
    for run in pipeline.runs.iter().filter(|r| r.outcome.changed) {
        s += &format!("  {}: {}\n", run.pass, run.outcome.stats.join("; "));
    }
    for note in &pipeline.notes {
        s += &format!("  note: {note}\n");
    }
    s
}

/// Writes the side-by-side picture in the format the file extension names; nothing is written on error.
fn write_graph(
    path: &Path,
    original: &nncube_core::ir::Graph,
    optimized: &nncube_core::ir::Graph,
) -> anyhow::Result<()> {
    let views = graph_view::compare(original, optimized);
    let text = match path.extension().and_then(|e| e.to_str()) {
        Some("svg") => graph_view::to_svg(&views),
        Some("dot") => graph_view::to_dot(&views),
        Some("json") => {
            serde_json::to_string_pretty(&views).context("cannot serialize the graph layout")?
                + "\n"
        }
        _ => bail!(
            "cannot tell the picture format of {}: use a .svg, .dot or .json file name",
            path.display()
        ),
    };
    std::fs::write(path, text)
        .with_context(|| format!("cannot write the graph picture to {}", path.display()))
}
