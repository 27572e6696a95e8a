//! `nncube validate`: run the generated C (compiled for the host) and the reference interpreter on the same
//! inputs and compare, STM32Cube.AI style.
//!
//! Pass criteria (docs/c-api.md): integer outputs bit-exact; float outputs with
//! max |c − reference| / max(max |reference|, 1e-6) ≤ [`FLOAT_REL_TOLERANCE`]. Otherwise the command fails.

use super::stdout::outln;
use crate::host;
use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use nncube_core::interp::{self, TensorData};
use nncube_core::ir::{DType, Graph, Op, TensorId};
use nncube_core::npy;
use nncube_core::report::metrics::{self, Metrics};
use std::path::PathBuf;

/// Largest accepted relative error of float outputs.
pub const FLOAT_REL_TOLERANCE: f64 = 1e-5;

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

fn load_samples(args: &ValidateArgs, graph: &Graph) -> anyhow::Result<Vec<Vec<TensorData>>> {
    let Some(path) = &args.inputs else {
        return Ok((0..args.count)
            .map(|i| interp::random_inputs(graph, args.seed.wrapping_add(i)))
            .collect());
    };
    let arrays: Vec<TensorData> = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npz"))
    {
        npy::read_npz(path)
            .with_context(|| format!("cannot read inputs {}", path.display()))?
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    } else {
        vec![
            npy::read_npy(path)
                .with_context(|| format!("cannot read inputs {}", path.display()))?,
        ]
    };
    let n = graph.inputs.len().max(1);
    if arrays.is_empty() || arrays.len() % n != 0 {
        bail!(
            "{} holds {} arrays; the model has {n} inputs, so it needs a non-zero multiple of {n}",
            path.display(),
            arrays.len()
        );
    }
    let samples: Vec<Vec<TensorData>> = arrays.chunks(n).map(<[TensorData]>::to_vec).collect();
    for (s, sample) in samples.iter().enumerate() {
        for (t, (data, &id)) in sample.iter().zip(&graph.inputs).enumerate() {
            let ty = &graph.tensor(id).ty;
            if data.dtype != ty.dtype || data.bytes.len() != ty.size_bytes() {
                bail!(
                    "sample {s} input {t}: got {} {:?}, the model expects {}",
                    data.dtype,
                    data.shape,
                    ty
                );
            }
        }
    }
    Ok(samples)
}

fn real_values(graph: &Graph, t: TensorId, bytes: &[u8]) -> Vec<f64> {
    let ty = &graph.tensor(t).ty;
    let data = TensorData {
        dtype: ty.dtype,
        shape: ty.shape.clone(),
        bytes: bytes.to_vec(),
    };
    metrics::dequantize(&data, ty.quant.as_ref())
}

/// The pass criterion of one sample: float within the relative tolerance, integers bit-exact.
fn within_tolerance(dtype: DType, reference: &[u8], got: &[u8], m: &Metrics, ref_max: f64) -> bool {
    if dtype == DType::F32 {
        m.max_abs / ref_max.max(1e-6) <= FLOAT_REL_TOLERANCE
    } else {
        reference == got
    }
}

/// Runs the command.
pub fn run(args: &ValidateArgs) -> anyhow::Result<()> {
    let graph = super::model_graph::load(&args.model, args.no_optimize)?;
    let samples = load_samples(args, &graph)?;
    let runner = host::build_runner(&graph).context("cannot build the host runner")?;
    let raw: Vec<Vec<Vec<u8>>> = samples
        .iter()
        .map(|s| s.iter().map(|t| t.bytes.clone()).collect())
        .collect();
    let c_results = runner.run(&raw, args.per_layer)?;
    let mut executions = Vec::with_capacity(samples.len());
    for (i, s) in samples.iter().enumerate() {
        executions.push(
            interp::run(&graph, s)
                .with_context(|| format!("the reference interpreter failed on sample {i}"))?,
        );
    }
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
    let mut failures = Vec::new();
    for (o, &t) in graph.outputs.iter().enumerate() {
        let ty = &graph.tensor(t).ty;
        let reference: Vec<&[u8]> = executions
            .iter()
            .map(|e| e.outputs().get(o).map_or(&[][..], |d| d.bytes.as_slice()))
            .collect();
        let ref_real: Vec<Vec<f64>> = reference
            .iter()
            .map(|b| real_values(&graph, t, b))
            .collect();
        let c_real: Vec<Vec<f64>> = c_results
            .iter()
            .map(|r| real_values(&graph, t, &r.outputs[o]))
            .collect();
        let classifier = graph
            .producer(t)
            .is_some_and(|n| matches!(graph.node(n).op, Op::Softmax { .. }));
        let m = metrics::compare(&ref_real, &c_real, classifier);
        let ref_max = ref_real.iter().flatten().fold(0f64, |a, v| a.max(v.abs()));
        let ok = c_results
            .iter()
            .zip(&reference)
            .all(|(r, want)| within_tolerance(ty.dtype, want, &r.outputs[o], &m, ref_max));
        let verdict = match (ok, ty.dtype == DType::F32) {
            (true, true) => "ok (within 1e-5)",
            (true, false) => "ok (bit-exact)",
            (false, true) => "FAIL (float error above 1e-5)",
            (false, false) => "FAIL (not bit-exact)",
        };
        outln!(
            "{:<10} {:>6} {:>10.3e} {:>10.3e} {:>10.3e} {:>10.3e} {:>10.3e} {:>9.6} {:>9.6} {:>10.3e}  {verdict}",
            format!("output {o}"),
            m.acc
                .map_or("n/a".to_string(), |a| format!("{:.2}%", a * 100.0)),
            m.rmse,
            m.mae,
            m.l2r,
            m.mean,
            m.std,
            m.nse,
            m.cos,
            m.max_abs
        )?;
        if !ok {
            failures.push(o);
        }
    }
    if args.per_layer {
        report_first_divergence(&graph, &executions, &c_results)?;
    }
    if !failures.is_empty() {
        bail!(
            "the generated C does not match the reference on output(s) {failures:?}; run with --per-layer to find the first layer that diverges"
        );
    }
    Ok(())
}

fn report_first_divergence(
    graph: &Graph,
    executions: &[interp::Execution],
    c: &[host::SampleResult],
) -> anyhow::Result<()> {
    for (i, node) in graph.nodes.iter().enumerate() {
        let Some(t) = node.output() else { continue };
        let ty = &graph.tensor(t).ty;
        let mut worst: Option<(usize, f64, usize)> = None;
        for (s, (e, r)) in executions.iter().zip(c).enumerate() {
            let (Some(want), Some(got)) = (e.value(t), r.layers.get(i)) else {
                continue;
            };
            let wr = real_values(graph, t, &want.bytes);
            let gr = real_values(graph, t, got);
            let max_abs = wr
                .iter()
                .zip(&gr)
                .fold(0f64, |a, (x, y)| a.max((x - y).abs()));
            let differing = want.bytes.iter().zip(got).filter(|(a, b)| a != b).count();
            let ref_max = wr.iter().fold(0f64, |a, v| a.max(v.abs()));
            let bad = if ty.dtype == DType::F32 {
                max_abs / ref_max.max(1e-6) > FLOAT_REL_TOLERANCE
            } else {
                differing > 0
            };
            if bad && worst.is_none_or(|(_, m, _)| max_abs > m) {
                worst = Some((s, max_abs, differing));
            }
        }
        if let Some((s, max_abs, differing)) = worst {
            outln!(
                "first diverging layer: n{i} `{}` ({}): max abs error {max_abs:.3e}, {differing} differing bytes (sample {s})",
                node.name,
                node.op
            )?;
            return Ok(());
        }
    }
    outln!("per-layer: every layer matches the reference")
}
