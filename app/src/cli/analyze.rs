//! `nncube analyze`: import a model, optimize it (unless `--no-optimize`), plan its activation memory, and print
//! its cost report (optionally as JSON), its IR, a picture of the original and optimized graphs, or the
//! memory-overlap timeline (`--memory FILE.svg|FILE.png|FILE.json`).

use anyhow::{Context, bail};
use clap::Args;
use nncube_core::files::write_file;
use nncube_core::memplan::{self, MemoryPlan, PlanOptions};
use nncube_core::passes::{Pipeline, PipelineReport};
use nncube_core::report::graph_view;
use nncube_core::target::Board;
use nncube_core::target::project::plan_activations;
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
    /// Write the memory-overlap timeline: `.svg` (labelled chart), `.png` (chart without text) or `.json`
    /// (plan + timeline rectangles).
    #[arg(long, value_name = "FILE")]
    pub memory: Option<PathBuf>,
    /// The caller provides the input buffers: leave graph inputs out of the activation buffer.
    #[arg(long)]
    pub no_inputs_allocation: bool,
    /// The caller provides the output buffers: leave graph outputs out of the activation buffer.
    #[arg(long)]
    pub no_outputs_allocation: bool,
    /// Alignment of every activation buffer, in bytes.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub alignment: u64,
    /// Board id (see `nncube boards`) or board file (.ron): plan the activations over its RAM regions (the most
    /// used buffers in the fastest) and report each region's share.
    #[arg(long, value_name = "BOARD")]
    pub board: Option<String>,
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
    let options = PlanOptions {
        alignment: args.alignment,
        inputs_in_activations: !args.no_inputs_allocation,
        outputs_in_activations: !args.no_outputs_allocation,
        ..PlanOptions::default()
    };
    let board = args
        .board
        .as_deref()
        .map(Board::find)
        .transpose()
        .context("cannot load the board")?;
    let plan = plan_activations(&graph, board.as_ref(), &options).with_context(|| {
        format!(
            "cannot plan the activation memory of {}",
            args.model.display()
        )
    })?;
    let report = report::analyze(
        &graph,
        Some((plan.total_bytes, plan_method(&options, &plan))),
    )
    .with_pools(pool_reports(&plan));
    super::stdout::print(&report::render_text(&report))?;
    if !args.no_optimize {
        super::stdout::print(&optimization_text(&original, &graph, &pipeline_report))?;
    }
    if let Some(path) = &args.json {
        write_file(path, (report.to_json() + "\n").as_bytes())
            .context("cannot write the JSON report")?;
    }
    if let Some(path) = &args.memory {
        write_memory_timeline(&graph, &plan, path)?;
    }
    Ok(())
}

/// The activations of each bounded pool of `plan` (none for the default unbounded pool).
/// The report's per-pool activation lines (bounded pools only). Shared with the GUI.
pub fn pool_reports(plan: &MemoryPlan) -> Vec<report::PoolReport> {
    plan.pools
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            Some(report::PoolReport {
                name: p.name.clone(),
                used_bytes: p.used_bytes,
                size_bytes: p.size_bytes?,
                buffers: plan.buffers.iter().filter(|b| b.pool == i).count(),
            })
        })
        .collect()
}

/// How the activation figure was obtained, for the report. Shared with the GUI.
pub fn plan_method(options: &PlanOptions, plan: &MemoryPlan) -> String {
    let yes_no = |included: bool| if included { "included" } else { "excluded" };
    format!(
        "planned: buffers reused over the schedule with kernel overlaps (inputs {}, outputs {}, alignment {} B; \
         lower bounds {} B without overlap, {} B with)",
        yes_no(options.inputs_in_activations),
        yes_no(options.outputs_in_activations),
        options.alignment,
        report::thousands(plan.no_overlap_bound),
        report::thousands(plan.full_overlap_bound)
    )
}

/// Writes the timeline in the format the file extension names; nothing is written on error.
fn write_memory_timeline(
    graph: &nncube_core::ir::Graph,
    plan: &MemoryPlan,
    path: &Path,
) -> anyhow::Result<()> {
    let timeline = memplan::timeline(plan, graph);
    let text = match path.extension().and_then(|e| e.to_str()) {
        Some("png") => return super::memory_png::write_png(&timeline, path),
        Some("svg") => memplan::svg::render_svg(&timeline),
        Some("json") => {
            let doc = serde_json::json!({ "plan": plan, "timeline": timeline });
            serde_json::to_string_pretty(&doc).context("cannot serialize the memory plan")? + "\n"
        }
        _ => bail!(
            "unsupported timeline format for {}: use a .svg, .png or .json file name",
            path.display()
        ),
    };
    write_file(path, text.as_bytes()).context("cannot write the memory timeline")
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
    write_file(path, text.as_bytes()).context("cannot write the graph picture")
}
