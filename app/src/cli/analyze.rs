//! `nncube analyze`: import a model and print its cost report (optionally as JSON).

use anyhow::Context;
use clap::Args;
use nncube_core::{import, report};
use std::path::PathBuf;

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
}

/// Runs the command.
pub fn run(args: &AnalyzeArgs) -> anyhow::Result<()> {
    let graph = import::load_model(&args.model)
        .with_context(|| format!("cannot import {}", args.model.display()))?;
    if args.dump_ir {
        print!("{graph}");
        return Ok(());
    }
    let report = report::analyze(&graph, None);
    print!("{}", report::render_text(&report));
    if let Some(path) = &args.json {
        std::fs::write(path, report.to_json() + "\n")
            .with_context(|| format!("cannot write the JSON report to {}", path.display()))?;
    }
    Ok(())
}
