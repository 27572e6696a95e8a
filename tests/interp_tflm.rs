//! The reference interpreter against TensorFlow Lite Micro's own Python interpreter (tests/oracle/tflm_run.py):
//! int8 models bit-exact on 10 seeded random inputs (every intermediate tensor too, for kws_ref_model and
//! vww_96_int8), float models within 1e-5 of the output range.
//!
//! These tests need the oracle Python (`NNCUBE_TEST_PYTHON` or .venv); they fail when it is missing.

mod common;

use nncube_core::interp::{self, TensorData};
use nncube_core::ir::Graph;
use nncube_core::{import, npy};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const SAMPLES: u64 = 10;

/// What the oracle computed for every sample.
struct Oracle {
    /// `outputs[sample][output]`.
    outputs: Vec<Vec<TensorData>>,
    /// `tensors[sample]`: TFLite tensor name → value (names that occur once only).
    tensors: Vec<BTreeMap<String, TensorData>>,
}

/// Writes `inputs[sample][input]` as the oracle's `.npz`: arrays `s{sample}_i{input}`.
fn write_inputs(path: &Path, inputs: &[Vec<TensorData>]) {
    let named: Vec<(String, TensorData)> = inputs
        .iter()
        .enumerate()
        .flat_map(|(s, xs)| {
            xs.iter()
                .enumerate()
                .map(move |(i, x)| (format!("s{s}_i{i}"), x.clone()))
        })
        .collect();
    npy::write_npz(path, &named).expect("write inputs");
}

/// Runs TFLM on `inputs[sample][input]` in one Python process.
fn run_oracle(model: &Path, inputs: &[Vec<TensorData>], all_tensors: bool) -> Oracle {
    let dir = tempfile::tempdir().expect("temp dir");
    let in_path = dir.path().join("in.npz");
    let out_path = dir.path().join("out.npz");
    let tensors_path = dir.path().join("tensors.npz");
    write_inputs(&in_path, inputs);
    let script = common::repo_root().join("tests/oracle/tflm_run.py");
    let mut cmd = Command::new(common::python());
    cmd.arg(&script)
        .arg(model)
        .arg("--inputs")
        .arg(&in_path)
        .arg("--outputs")
        .arg(&out_path);
    if all_tensors {
        cmd.arg("--tensors").arg(&tensors_path);
    }
    let out = cmd.output().expect("start the oracle python");
    assert!(
        out.status.success(),
        "oracle failed on {}:\n{}",
        model.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let by_key: BTreeMap<String, TensorData> = npy::read_npz(&out_path)
        .expect("read oracle outputs")
        .into_iter()
        .collect();
    let mut outputs = vec![Vec::new(); inputs.len()];
    for (s, outs) in outputs.iter_mut().enumerate() {
        for o in 0.. {
            match by_key.get(&format!("s{s}_o{o}")) {
                Some(t) => outs.push(t.clone()),
                None => break,
            }
        }
    }
    let mut tensors = vec![BTreeMap::new(); inputs.len()];
    if all_tensors {
        let names_json =
            std::fs::read_to_string(dir.path().join("tensors.npz.json")).expect("tensor names");
        let names: Vec<String> = serde_json::from_str(&names_json).expect("names json");
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for n in &names {
            *counts.entry(n.as_str()).or_default() += 1;
        }
        for (key, t) in npy::read_npz(&tensors_path).expect("read oracle tensors") {
            let (s, idx) = key[1..].split_once("_t").expect("key s<sample>_t<index>");
            let (s, idx): (usize, usize) =
                (s.parse().expect("sample"), idx.parse().expect("index"));
            let name = &names[idx];
            if !name.is_empty() && counts[name.as_str()] == 1 {
                tensors[s].insert(name.clone(), t);
            }
        }
    }
    Oracle { outputs, tensors }
}

fn load(stem: &str) -> (Graph, std::path::PathBuf) {
    let path = common::shared_model(stem);
    (import::load_model(&path).expect("import"), path)
}

fn random_samples(graph: &Graph) -> Vec<Vec<TensorData>> {
    (0..SAMPLES)
        .map(|seed| interp::random_inputs(graph, seed))
        .collect()
}

/// Same dtype, same element count, same bytes (TFLM may report a squeezed shape).
fn assert_bit_exact(what: &str, ours: &TensorData, theirs: &TensorData) {
    assert_eq!(ours.dtype, theirs.dtype, "{what}: dtype");
    assert_eq!(
        ours.num_elements(),
        theirs.num_elements(),
        "{what}: element count"
    );
    if ours.bytes != theirs.bytes {
        let (a, b) = (ours.to_f64_lossy(), theirs.to_f64_lossy());
        let diffs: Vec<String> = a
            .iter()
            .zip(&b)
            .enumerate()
            .filter(|(_, (x, y))| x != y)
            .take(8)
            .map(|(i, (x, y))| format!("[{i}] ours {x} tflm {y}"))
            .collect();
        let count = a.iter().zip(&b).filter(|(x, y)| x != y).count();
        panic!(
            "{what}: {count} of {} elements differ: {}",
            a.len(),
            diffs.join(", ")
        );
    }
}

fn check_int8_model(stem: &str, intermediates: bool) {
    let (graph, path) = load(stem);
    let samples = random_samples(&graph);
    let oracle = run_oracle(&path, &samples, intermediates);
    let mut compared_intermediates = 0;
    for (s, inputs) in samples.iter().enumerate() {
        let exec = interp::run(&graph, inputs).unwrap_or_else(|e| panic!("{stem}: {e}"));
        let ours = exec.outputs();
        assert_eq!(ours.len(), oracle.outputs[s].len(), "{stem}: output count");
        for (o, (a, b)) in ours.iter().zip(&oracle.outputs[s]).enumerate() {
            assert_bit_exact(&format!("{stem} sample {s} output {o}"), a, b);
        }
        if intermediates {
            for node in &graph.nodes {
                for &t in &node.outputs {
                    let name = &graph.tensor(t).name;
                    let theirs = oracle.tensors[s].get(name).unwrap_or_else(|| {
                        panic!("{stem}: TFLM kept no unique tensor named `{name}`")
                    });
                    let ours = exec.value(t).expect("computed");
                    assert_bit_exact(
                        &format!("{stem} sample {s} tensor `{name}` (node `{}`)", node.name),
                        ours,
                        theirs,
                    );
                    compared_intermediates += 1;
                }
            }
        }
    }
    if intermediates {
        assert_eq!(compared_intermediates, graph.nodes.len() * SAMPLES as usize);
    }
}

fn check_float_model(stem: &str) {
    let (graph, path) = load(stem);
    let samples = random_samples(&graph);
    let oracle = run_oracle(&path, &samples, false);
    let outs: Vec<Vec<TensorData>> = samples
        .iter()
        .map(|x| {
            interp::run(&graph, x)
                .expect("run")
                .outputs()
                .into_iter()
                .cloned()
                .collect()
        })
        .collect();
    for o in 0..graph.outputs.len() {
        let theirs: Vec<f64> = oracle
            .outputs
            .iter()
            .flat_map(|s| s[o].to_f64_lossy())
            .collect();
        let ours: Vec<f64> = outs.iter().flat_map(|s| s[o].to_f64_lossy()).collect();
        common::assert_within_range_tolerance(&format!("{stem} output {o}"), &ours, &theirs);
    }
}

#[test]
fn hello_world_int8_bit_exact() {
    check_int8_model("hello_world_int8", false);
}

#[test]
fn micro_speech_quantized_bit_exact() {
    check_int8_model("micro_speech_quantized", false);
}

#[test]
fn person_detect_bit_exact() {
    check_int8_model("person_detect", false);
}

#[test]
fn pretrained_resnet_quant_bit_exact() {
    check_int8_model("pretrainedResnet_quant", false);
}

#[test]
fn ad01_int8_bit_exact() {
    check_int8_model("ad01_int8", false);
}

#[test]
fn kws_ref_model_every_tensor_bit_exact() {
    check_int8_model("kws_ref_model", true);
}

#[test]
fn vww_96_int8_every_tensor_bit_exact() {
    check_int8_model("vww_96_int8", true);
}

#[test]
fn hello_world_float_close() {
    check_float_model("hello_world_float");
}

#[test]
fn vww_96_float_close() {
    check_float_model("vww_96_float");
}

#[test]
fn pretrained_resnet_float_close() {
    check_float_model("pretrainedResnet");
}

#[test]
fn ad01_fp32_close() {
    check_float_model("ad01_fp32");
}

/// One single-operator model per (operator, dtype) from tests/oracle/make_op_models.py: int8 cases bit-exact,
/// float cases within 1e-5 of the output range, against TFLM on 10 seeded random inputs.
#[test]
fn single_op_models_match_tflm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(common::python())
        .arg(common::repo_root().join("tests/oracle/make_op_models.py"))
        .arg(dir.path())
        .output()
        .expect("start python");
    assert!(
        out.status.success(),
        "make_op_models.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(
        names.len() >= 43,
        "expected the 43 op models, got {names:?}"
    );
    // All models in one oracle process.
    let mut manifest = String::new();
    let mut cases = Vec::new();
    for name in &names {
        let path = dir.path().join(format!("{name}.tflite"));
        let graph = import::load_model(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let samples = random_samples(&graph);
        let in_path = dir.path().join(format!("{name}.in.npz"));
        let out_path = dir.path().join(format!("{name}.out.npz"));
        write_inputs(&in_path, &samples);
        manifest += &format!(
            "{}\t{}\t{}\n",
            path.display(),
            in_path.display(),
            out_path.display()
        );
        cases.push((name, graph, samples, out_path));
    }
    let manifest_path = dir.path().join("manifest.txt");
    std::fs::write(&manifest_path, manifest).expect("write manifest");
    let out = Command::new(common::python())
        .arg(common::repo_root().join("tests/oracle/tflm_run.py"))
        .arg("--manifest")
        .arg(&manifest_path)
        .output()
        .expect("start python");
    assert!(
        out.status.success(),
        "oracle failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut failures = Vec::new();
    for (name, graph, samples, out_path) in &cases {
        let theirs_all: BTreeMap<String, TensorData> = npy::read_npz(out_path)
            .expect("oracle output")
            .into_iter()
            .collect();
        let exact = name.ends_with("_i8");
        let mut max_err = 0f64;
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        for (s, inputs) in samples.iter().enumerate() {
            let exec = match interp::run(graph, inputs) {
                Ok(e) => e,
                Err(e) => {
                    failures.push(format!("{name}: {e}"));
                    break;
                }
            };
            let ours = exec.outputs()[0];
            let theirs = &theirs_all[&format!("s{s}_o0")];
            if exact && (ours.bytes != theirs.bytes || ours.dtype != theirs.dtype) {
                let diff = ours
                    .to_f64_lossy()
                    .iter()
                    .zip(theirs.to_f64_lossy())
                    .filter(|(a, b)| **a != *b)
                    .count();
                failures.push(format!(
                    "{name} sample {s}: {diff} of {} elements differ",
                    ours.num_elements()
                ));
                break;
            }
            for (a, b) in ours.to_f64_lossy().iter().zip(theirs.to_f64_lossy()) {
                max_err = max_err.max((a - b).abs());
                lo = lo.min(b);
                hi = hi.max(b);
            }
        }
        if !exact && max_err > 1e-5 * (hi - lo).max(f64::MIN_POSITIVE) {
            failures.push(format!(
                "{name}: max abs error {max_err:e} over range {:e}",
                hi - lo
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} op models disagree with TFLM:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
