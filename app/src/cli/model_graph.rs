//! The graph the code-producing commands (`generate`, `validate`, `run`) work on: the imported model, optimized
//! by the default pass pipeline unless `--no-optimize` is given.

use anyhow::Context;
use nncube_core::import;
use nncube_core::ir::Graph;
use nncube_core::passes::Pipeline;
use std::path::Path;

/// Imports `model` and, unless `no_optimize`, runs the default optimization pipeline on it.
pub fn load(model: &Path, no_optimize: bool) -> anyhow::Result<Graph> {
    let mut graph =
        import::load_model(model).with_context(|| format!("cannot import {}", model.display()))?;
    if !no_optimize {
        Pipeline::default_pipeline()
            .run(&mut graph, None)
            .with_context(|| format!("cannot optimize {}", model.display()))?;
    }
    Ok(graph)
}
