//! Host validation, shared by `nncube validate` and the GUI's Validate tab: run the generated C (compiled for
//! the host, [`crate::host`]) and the reference interpreter on the same samples and compare every output and,
//! optionally, every layer; and the same comparison for one sample run on a virtual board (QEMU).
//!
//! Pass criteria (docs/c-api.md): integer outputs bit-exact; float outputs with
//! max |c − reference| / max(max |reference|, 1e-6) ≤ [`FLOAT_REL_TOLERANCE`].

use crate::host;
use anyhow::{Context, bail};
use nncube_core::device::QemuDevice;
use nncube_core::device::benchmark::{BenchmarkInputs, benchmark};
use nncube_core::interp::{self, TensorData};
use nncube_core::ir::{DType, Graph, Op, TensorId};
use nncube_core::npy;
use nncube_core::report::metrics::{self, Metrics};
use nncube_core::target::{ArmToolchain, Board, CancelToken};
use std::path::Path;
use std::time::Duration;

/// Largest accepted relative error of float outputs.
pub const FLOAT_REL_TOLERANCE: f64 = 1e-5;

/// The comparison of one graph output over all samples.
#[derive(Debug, Clone)]
pub struct OutputCheck {
    /// The output's position in the graph outputs.
    pub index: usize,
    /// Error metrics (c-model vs reference).
    pub metrics: Metrics,
    /// The output is float (judged by the relative tolerance) rather than integer (judged bit-exact).
    pub float: bool,
    /// Every sample meets the pass criterion.
    pub passed: bool,
}

impl OutputCheck {
    /// The verdict as `nncube validate` prints it.
    pub fn verdict(&self) -> &'static str {
        match (self.passed, self.float) {
            (true, true) => "ok (within 1e-5)",
            (true, false) => "ok (bit-exact)",
            (false, true) => "FAIL (float error above 1e-5)",
            (false, false) => "FAIL (not bit-exact)",
        }
    }
}

/// The comparison of one layer's output over all samples.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerError {
    /// Position in the schedule.
    pub index: usize,
    /// Node name.
    pub name: String,
    /// Operator, as the IR prints it.
    pub op: String,
    /// Some sample misses the pass criterion at this layer.
    pub diverges: bool,
    /// Largest absolute error (in real units) of the worst sample: the worst diverging sample when the layer
    /// diverges, the worst sample otherwise.
    pub max_abs: f64,
    /// Differing output bytes in that sample.
    pub differing_bytes: usize,
    /// That sample.
    pub sample: usize,
}

/// The result of a validation.
#[derive(Debug, Clone)]
pub struct Validation {
    /// Number of samples.
    pub samples: usize,
    /// One check per graph output.
    pub outputs: Vec<OutputCheck>,
    /// One entry per layer with an output (empty unless per-layer comparison was asked for).
    pub layers: Vec<LayerError>,
}

impl Validation {
    /// Indices of the outputs that fail.
    pub fn failures(&self) -> Vec<usize> {
        self.outputs
            .iter()
            .filter(|o| !o.passed)
            .map(|o| o.index)
            .collect()
    }

    /// The first layer that diverges.
    pub fn first_divergence(&self) -> Option<&LayerError> {
        self.layers.iter().find(|l| l.diverges)
    }
}

/// Where a validation is: a fraction in 0..=1 and what runs now. The callback returns `false` to cancel.
pub type Progress<'a> = &'a mut dyn FnMut(f32, &str) -> bool;

/// The error a cancelled validation returns.
const CANCELLED: &str = "validation cancelled";

/// The samples to validate with: the arrays of `inputs` (an .npy holding one sample of a single-input model, or an
/// .npz whose arrays, in order, are the model's inputs sample after sample), else `count` seeded random samples
/// (sample i uses seed + i).
pub fn samples(
    graph: &Graph,
    inputs: Option<&Path>,
    count: u64,
    seed: u64,
) -> anyhow::Result<Vec<Vec<TensorData>>> {
    let Some(path) = inputs else {
        return Ok((0..count)
            .map(|i| interp::random_inputs(graph, seed.wrapping_add(i)))
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

fn step(
    progress: &mut dyn FnMut(f32, &str) -> bool,
    fraction: f32,
    what: &str,
) -> anyhow::Result<()> {
    if progress(fraction, what) {
        Ok(())
    } else {
        bail!(CANCELLED)
    }
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

/// Validates `graph` on the host with `samples` (one `TensorData` per graph input each).
pub fn validate_host(
    graph: &Graph,
    samples: &[Vec<TensorData>],
    per_layer: bool,
    progress: Progress,
) -> anyhow::Result<Validation> {
    step(
        progress,
        0.0,
        "building the host runner (generated C + kernels)",
    )?;
    let runner = host::build_runner(graph).context("cannot build the host runner")?;
    step(progress, 0.3, "running the generated C")?;
    let raw: Vec<Vec<Vec<u8>>> = samples
        .iter()
        .map(|s| s.iter().map(|t| t.bytes.clone()).collect())
        .collect();
    let c_results = runner.run(&raw, per_layer)?;
    let mut executions = Vec::with_capacity(samples.len());
    for (i, s) in samples.iter().enumerate() {
        let fraction = 0.4 + 0.5 * i as f32 / samples.len().max(1) as f32;
        step(
            progress,
            fraction,
            &format!(
                "reference interpreter, sample {} of {}",
                i + 1,
                samples.len()
            ),
        )?;
        executions.push(
            interp::run(graph, s)
                .with_context(|| format!("the reference interpreter failed on sample {i}"))?,
        );
    }
    step(progress, 0.9, "comparing")?;
    let mut outputs = Vec::new();
    for (o, &t) in graph.outputs.iter().enumerate() {
        let ty = &graph.tensor(t).ty;
        let reference: Vec<&[u8]> = executions
            .iter()
            .map(|e| e.outputs().get(o).map_or(&[][..], |d| d.bytes.as_slice()))
            .collect();
        let ref_real: Vec<Vec<f64>> = reference.iter().map(|b| real_values(graph, t, b)).collect();
        let c_real: Vec<Vec<f64>> = c_results
            .iter()
            .map(|r| real_values(graph, t, &r.outputs[o]))
            .collect();
        let classifier = graph
            .producer(t)
            .is_some_and(|n| matches!(graph.node(n).op, Op::Softmax { .. }));
        let m = metrics::compare(&ref_real, &c_real, classifier);
        let ref_max = ref_real.iter().flatten().fold(0f64, |a, v| a.max(v.abs()));
        let passed = c_results
            .iter()
            .zip(&reference)
            .all(|(r, want)| within_tolerance(ty.dtype, want, &r.outputs[o], &m, ref_max));
        outputs.push(OutputCheck {
            index: o,
            metrics: m,
            float: ty.dtype == DType::F32,
            passed,
        });
    }
    let layers = if per_layer {
        layer_errors(graph, &executions, &c_results)
    } else {
        Vec::new()
    };
    step(progress, 1.0, "done")?;
    Ok(Validation {
        samples: samples.len(),
        outputs,
        layers,
    })
}

fn layer_errors(
    graph: &Graph,
    executions: &[interp::Execution],
    c: &[host::SampleResult],
) -> Vec<LayerError> {
    let mut out = Vec::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        let Some(t) = node.output() else { continue };
        let ty = &graph.tensor(t).ty;
        // (diverges, max_abs, differing, sample) of the worst sample, diverging samples first.
        let mut worst: Option<(bool, f64, usize, usize)> = None;
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
            let better = match worst {
                None => true,
                Some((was_bad, m, _, _)) => (bad && !was_bad) || (bad == was_bad && max_abs > m),
            };
            if better {
                worst = Some((bad, max_abs, differing, s));
            }
        }
        if let Some((diverges, max_abs, differing_bytes, sample)) = worst {
            out.push(LayerError {
                index: i,
                name: node.name.clone(),
                op: node.op.to_string(),
                diverges,
                max_abs,
                differing_bytes,
                sample,
            });
        }
    }
    out
}

/// The comparison of one sample run on a virtual board (QEMU) with the reference interpreter.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualCheck {
    /// Board id.
    pub board: String,
    /// Whether each output matches (integers bit-exact, floats within the relative tolerance).
    pub outputs_match: Vec<bool>,
    /// Executed instructions of the inference.
    pub instructions: u64,
}

/// Why virtual-board validation cannot run on `board` (missing QEMU or arm-none-eabi-gcc, naming the Debian
/// package to install, or a real board), or `None` when it can.
pub fn virtual_board_unavailable(board: &Board) -> Option<String> {
    if let Err(e) = ArmToolchain::locate() {
        return Some(e.to_string());
    }
    QemuDevice::new(board, Duration::from_secs(1))
        .err()
        .map(|e| e.to_string())
}

/// Builds `graph` for the virtual `board`, runs `sample` on it and compares the outputs with the reference
/// interpreter. Files go under `work_dir`; `cancel` stops the compiler or the emulator.
pub fn validate_on_virtual_board(
    graph: &Graph,
    board: &Board,
    sample: &[TensorData],
    cancel: &CancelToken,
    work_dir: &Path,
) -> anyhow::Result<VirtualCheck> {
    let mut toolchain = ArmToolchain::locate().context("cannot find the Arm toolchain")?;
    toolchain.cancel = cancel.clone();
    let mut device = QemuDevice::new(board, Duration::from_secs(120))
        .context("cannot set up the virtual board")?;
    device.cancel = cancel.clone();
    let inputs = BenchmarkInputs::Files(sample.iter().map(|t| t.bytes.clone()).collect());
    let report = benchmark(graph, board, &toolchain, &mut device, &inputs, work_dir)
        .with_context(|| format!("cannot run {} on {}", graph.name, board.id))?;
    let reference = interp::run(graph, sample).context("the reference interpreter failed")?;
    let outputs_match = graph
        .outputs
        .iter()
        .enumerate()
        .map(|(o, &t)| {
            let want = reference
                .outputs()
                .get(o)
                .map_or(&[][..], |d| d.bytes.as_slice());
            let got = report.outputs.get(o).map_or(&[][..], Vec::as_slice);
            if graph.tensor(t).ty.dtype == DType::F32 {
                let (w, g) = (real_values(graph, t, want), real_values(graph, t, got));
                let ref_max = w.iter().fold(0f64, |a, v| a.max(v.abs())).max(1e-6);
                w.len() == g.len()
                    && w.iter()
                        .zip(&g)
                        .all(|(a, b)| (a - b).abs() / ref_max <= FLOAT_REL_TOLERANCE)
            } else {
                want == got
            }
        })
        .collect();
    Ok(VirtualCheck {
        board: board.id.clone(),
        outputs_match,
        instructions: report.instructions_per_inference,
    })
}
