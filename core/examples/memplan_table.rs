//! Prints the activation-memory table of docs/benchmarks.md: for every model given on the command line, the
//! planned bytes (inputs and outputs in the activation buffer, 4-byte alignment) of the model as imported and
//! after the default optimization pipeline (what `nncube analyze` plans), both lower bounds of the optimized
//! model, and the naive no-reuse sum.
//!
//! `cargo run -p nncube-core --example memplan_table -- ../shared/models/*/*.tflite`

use nncube_core::{import, memplan, passes::Pipeline, report};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    paths.sort();
    println!(
        "| model | planned, imported (B) | planned, optimized (B) | full-overlap bound (B) | no-overlap bound (B) | naive sum (B) | plans valid |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|");
    let options = memplan::PlanOptions::default();
    for path in paths {
        let result = import::load_model(std::path::Path::new(&path))
            .map_err(|e| e.to_string())
            .and_then(|g| {
                let imported = memplan::plan(&g, &options).map_err(|e| e.to_string())?;
                let mut optimized = g.clone();
                Pipeline::default_pipeline()
                    .run(&mut optimized, None)
                    .map_err(|e| e.to_string())?;
                let plan = memplan::plan(&optimized, &options).map_err(|e| e.to_string())?;
                let valid = memplan::check_plan(&g, &imported).is_ok()
                    && memplan::check_plan(&optimized, &plan).is_ok();
                Ok((optimized, imported, plan, valid))
            });
        match result {
            Ok((g, imported, plan, valid)) => println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                g.name,
                imported.total_bytes,
                plan.total_bytes,
                plan.full_overlap_bound,
                plan.no_overlap_bound,
                report::naive_activations_bytes(&g),
                if valid { "yes" } else { "NO" }
            ),
            Err(e) => {
                eprintln!("error: {path}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
