//! `nncube run`: execute a model on `.npy` inputs (or seeded random inputs) and write its outputs.
//!
//! `--mode` selects the executor; `reference` is the interpreter, `host` the generated C compiled for this machine (`target`
//! comes with the QEMU boards). One output is written as `.npy`; several outputs need an `.npz` path (arrays `output_0`, …).

use super::stdout::outln;
use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use nncube_core::interp::{self, TensorData};
use nncube_core::npy;
use std::path::{Path, PathBuf};

/// Where the model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunMode {
    /// nncube's reference interpreter (bit-exact with TensorFlow Lite Micro for int8 models).
    Reference,
    /// The generated C, compiled with the system C compiler (`NNCUBE_CC`, `CC` or `cc`) and run on this machine.
    Host,
}

/// Arguments of `nncube run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The model file (.tflite).
    pub model: PathBuf,
    /// Use the graph as imported, without running the optimization passes.
    #[arg(long)]
    pub no_optimize: bool,
    /// An input array (.npy), one per model input in order; the dtype and shape must match the model's input.
    #[arg(
        long,
        value_name = "IN.npy",
        required_unless_present = "random",
        conflicts_with = "random"
    )]
    pub input: Vec<PathBuf>,
    /// Run on seeded random inputs instead (integers uniform over their range, floats uniform in [0, 1)).
    #[arg(long, value_name = "SEED")]
    pub random: Option<u64>,
    /// Where to write the output: .npy for a single output, .npz for any number (arrays output_0, output_1, …).
    #[arg(long, value_name = "OUT.npy")]
    pub output: PathBuf,
    /// The executor.
    #[arg(long, value_enum, default_value_t = RunMode::Reference)]
    pub mode: RunMode,
}

/// Runs the command.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let graph = super::model_graph::load(&args.model, args.no_optimize)?;
    let inputs = match args.random {
        Some(seed) => interp::random_inputs(&graph, seed),
        None => args
            .input
            .iter()
            .map(|p| npy::read_npy(p).with_context(|| format!("cannot read input {}", p.display())))
            .collect::<anyhow::Result<Vec<_>>>()?,
    };
    let outputs: Vec<TensorData> = match args.mode {
        RunMode::Reference => interp::run(&graph, &inputs)
            .with_context(|| format!("cannot run {}", args.model.display()))?
            .outputs()
            .into_iter()
            .cloned()
            .collect(),
        RunMode::Host => run_host(&graph, &inputs)?,
    };
    write_outputs(&args.output, outputs)?;
    outln!("wrote {}", args.output.display())?;
    Ok(())
}

/// Runs the generated C of `graph` on one sample with the cached host runner.
fn run_host(
    graph: &nncube_core::ir::Graph,
    inputs: &[TensorData],
) -> anyhow::Result<Vec<TensorData>> {
    let runner = crate::host::build_runner(graph).context("cannot build the host runner")?;
    if inputs.len() != graph.inputs.len() {
        bail!(
            "the model has {} inputs, got {}",
            graph.inputs.len(),
            inputs.len()
        );
    }
    let sample: Vec<Vec<u8>> = inputs.iter().map(|t| t.bytes.clone()).collect();
    let result = runner.run(&[sample], false)?;
    let outputs = result
        .into_iter()
        .next()
        .map(|r| r.outputs)
        .unwrap_or_default();
    Ok(graph
        .outputs
        .iter()
        .zip(outputs)
        .map(|(&t, bytes)| {
            let ty = &graph.tensor(t).ty;
            TensorData {
                dtype: ty.dtype,
                shape: ty.shape.clone(),
                bytes,
            }
        })
        .collect())
}

fn write_outputs(path: &Path, outputs: Vec<TensorData>) -> anyhow::Result<()> {
    let is_npz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npz"));
    if is_npz {
        let named: Vec<(String, TensorData)> = outputs
            .into_iter()
            .enumerate()
            .map(|(i, t)| (format!("output_{i}"), t))
            .collect();
        npy::write_npz(path, &named)?;
    } else {
        match outputs.as_slice() {
            [one] => npy::write_npy(path, one)?,
            many => bail!(
                "the model has {} outputs; give an .npz path to --output (e.g. {}) to write them all",
                many.len(),
                path.with_extension("npz").display()
            ),
        }
    }
    Ok(())
}
