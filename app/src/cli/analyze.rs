//! `nncube analyze`: import a model, plan its activation memory and print its cost report (optionally as JSON),
//! and optionally write the memory-overlap timeline (`--memory FILE.svg|FILE.png|FILE.json`).

use anyhow::{Context, bail};
use clap::Args;
use nncube_core::memplan::{self, MemoryPlan, PlanOptions};
use nncube_core::{import, ir::Graph, report};
use std::path::{Path, PathBuf};

/// Arguments of `nncube analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The model file (.tflite).
    pub model: PathBuf,
    /// Also write the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Print the imported IR instead of the report.
    #[arg(long)]
    pub dump_ir: bool,
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
}

/// Runs the command.
pub fn run(args: &AnalyzeArgs) -> anyhow::Result<()> {
    let graph = import::load_model(&args.model)
        .with_context(|| format!("cannot import {}", args.model.display()))?;
    if args.dump_ir {
        print!("{graph}");
        return Ok(());
    }
    let options = PlanOptions {
        alignment: args.alignment,
        inputs_in_activations: !args.no_inputs_allocation,
        outputs_in_activations: !args.no_outputs_allocation,
        ..PlanOptions::default()
    };
    let plan = memplan::plan(&graph, &options).with_context(|| {
        format!(
            "cannot plan the activation memory of {}",
            args.model.display()
        )
    })?;
    let method = format!(
        "planned: buffers reused over the schedule with kernel overlaps (inputs {}, outputs {}, alignment {} B; \
         lower bounds {} B without overlap, {} B with)",
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
        options.alignment,
        plan.no_overlap_bound,
        plan.full_overlap_bound
    );
    let report = report::analyze(&graph, Some((plan.total_bytes, method)));
    print!("{}", report::render_text(&report));
    if let Some(path) = &args.json {
        std::fs::write(path, report.to_json() + "\n")
            .with_context(|| format!("cannot write the JSON report to {}", path.display()))?;
    }
    if let Some(path) = &args.memory {
        write_memory_timeline(&graph, &plan, path)?;
    }
    Ok(())
}

/// Writes the timeline in the format the file extension names.
fn write_memory_timeline(graph: &Graph, plan: &MemoryPlan, path: &Path) -> anyhow::Result<()> {
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
    std::fs::write(path, text)
        .with_context(|| format!("cannot write the memory timeline to {}", path.display()))
}
