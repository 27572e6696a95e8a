//! Prints the activation-memory table of docs/benchmarks.md: for every model given on the command line, the
//! planned bytes (inputs and outputs in the activation buffer, 4-byte alignment), both lower bounds, and the
//! naive no-reuse sum.
//!
//! `cargo run -p nncube-core --example memplan_table -- ../shared/models/*/*.tflite`

use nncube_core::{import, memplan, report};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    paths.sort();
    println!(
        "| model | planned (B) | full-overlap bound (B) | no-overlap bound (B) | naive sum (B) | plan valid |"
    );
    println!("|---|---:|---:|---:|---:|---|");
    for path in paths {
        let result = import::load_model(std::path::Path::new(&path))
            .map_err(|e| e.to_string())
            .and_then(|g| {
                let plan = memplan::plan(&g, &memplan::PlanOptions::default())
                    .map_err(|e| e.to_string())?;
                let valid = memplan::check_plan(&g, &plan).is_ok();
                Ok((g, plan, valid))
            });
        match result {
            Ok((g, plan, valid)) => println!(
                "| {} | {} | {} | {} | {} | {} |",
                g.name,
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
