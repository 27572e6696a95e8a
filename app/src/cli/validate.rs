//! `nncube validate`: run the generated C (compiled for the host) and the reference interpreter on the same
//! inputs and compare, STM32Cube.AI style.
//!
//! Pass criteria: [`crate::validation`] (shared with the GUI). The command fails when an output misses them.

use super::stdout::outln;
use crate::validation;
use anyhow::bail;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Where the generated C runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateMode {
    /// Compiled with the system C compiler and run on this machine.
    Host,
}

/// Arguments of `nncube validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The model file (.tflite).
    pub model: PathBuf,
    /// Use the graph as imported, without running the optimization passes.
    #[arg(long)]
    pub no_optimize: bool,
    /// Where the generated C runs.
    #[arg(long, value_enum, default_value_t = ValidateMode::Host)]
    pub mode: ValidateMode,
    /// Inputs: an .npy (one sample of a single-input model) or an .npz whose arrays, in order, are the model's
    /// inputs sample after sample.
    #[arg(long, value_name = "FILE")]
    pub inputs: Option<PathBuf>,
    /// Number of seeded random samples (without --inputs).
    #[arg(long, default_value_t = 10)]
    pub count: u64,
    /// Seed of the first random sample (sample i uses seed + i).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Also compare every layer and report the first one that diverges.
    #[arg(long)]
    pub per_layer: bool,
}

/// Runs the command.
pub fn run(args: &ValidateArgs) -> anyhow::Result<()> {
    let graph = super::model_graph::load(&args.model, args.no_optimize)?;
    let samples = validation::samples(&graph, args.inputs.as_deref(), args.count, args.seed)?;
    let result = validation::validate_host(&graph, &samples, args.per_layer, &mut |_, _| true)?;
    outln!(
        "validation of {} ({} samples, mode host): c-model vs reference interpreter",
        args.model.display(),
        samples.len()
    )?;
    outln!(
        "{:<10} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9} {:>10}  result",
        "output",
        "acc",
        "rmse",
        "mae",
        "l2r",
        "mean",
        "std",
        "nse",
        "cos",
        "max_abs"
    )?;
    for check in &result.outputs {
        let m = &check.metrics;
        outln!(
            "{:<10} {:>6} {:>10.3e} {:>10.3e} {:>10.3e} {:>10.3e} {:>10.3e} {:>9.6} {:>9.6} {:>10.3e}  {}",
            format!("output {}", check.index),
            m.acc
                .map_or("n/a".to_string(), |a| format!("{:.2}%", a * 100.0)),
            m.rmse,
            m.mae,
            m.l2r,
            m.mean,
            m.std,
            m.nse,
            m.cos,
            m.max_abs,
            check.verdict()
        )?;
    }
    if args.per_layer {
        match result.first_divergence() {
            Some(l) => outln!(
                "first diverging layer: n{} `{}` ({}): max abs error {:.3e}, {} differing bytes (sample {})",
                l.index,
                l.name,
                l.op,
                l.max_abs,
                l.differing_bytes,
                l.sample
            )?,
            None => outln!("per-layer: every layer matches the reference")?,
        }
    }
    let failures = result.failures();
    if !failures.is_empty() {
        bail!(
            "the generated C does not match the reference on output(s) {failures:?}; run with --per-layer to find the first layer that diverges"
        );
    }
    Ok(())
}
