//! The passes against TFLite Micro itself: a model with separate PAD and RELU operators
//! (tests/fixtures/unfused_pad_relu_int8.tflite) is rewritten by `fold-pad` + `fuse-activations` into exactly the
//! graph of the same network written fused (fused_pad_relu_int8.tflite: SAME padding, fused RELU), and TFLite
//! Micro computes bit-identical int8 outputs for the two files. Both files come from
//! tests/fixtures/make_pass_fixtures.py.

mod common;

use nncube_core::import;
use nncube_core::ir::Graph;
use nncube_core::passes::Pipeline;
use std::process::Command;

fn fixture(name: &str) -> std::path::PathBuf {
    common::repo_root().join("tests/fixtures").join(name)
}

/// Operators, operand types and constant data, without names: what must agree between two graphs.
fn structure(g: &Graph) -> Vec<String> {
    g.nodes
        .iter()
        .map(|n| {
            let operands: Vec<String> = n
                .inputs
                .iter()
                .map(|i| match i {
                    Some(t) => {
                        let t = g.tensor(*t);
                        format!("{} {:?}", t.ty, t.data.as_ref().map(|d| d.bytes().to_vec()))
                    }
                    None => "-".into(),
                })
                .collect();
            let out: Vec<String> = n
                .outputs
                .iter()
                .map(|&t| g.tensor(t).ty.to_string())
                .collect();
            format!("{} ({}) -> {}", n.op, operands.join(", "), out.join(", "))
        })
        .collect()
}

#[test]
fn separate_pad_and_relu_become_the_fused_conv() {
    let mut unfused =
        import::load_model(&fixture("unfused_pad_relu_int8.tflite")).expect("import unfused");
    assert_eq!(unfused.nodes.len(), 5);
    let report = Pipeline::default_pipeline()
        .run(&mut unfused, Some("fuse-activations"))
        .expect("pipeline");
    let fused = import::load_model(&fixture("fused_pad_relu_int8.tflite")).expect("import fused");
    assert_eq!(structure(&unfused), structure(&fused));
    assert_eq!(unfused.nodes[0].fused, vec!["PAD `padded`", "RELU `relu`"]);
    let stats: Vec<String> = report
        .runs
        .iter()
        .flat_map(|r| r.outcome.stats.clone())
        .collect();
    assert!(
        stats.contains(&"folded 1 PAD nodes".to_string()),
        "{stats:?}"
    );
    assert!(
        stats.contains(&"fused 1 activation nodes".to_string()),
        "{stats:?}"
    );
}

/// Runs both files on TFLite Micro with the same 50 seeded random inputs of `shape`; returns the comparison as JSON:
/// `mismatches` (elements that differ), `max_rel` (largest |a−b| / max|a|), `distinct` output values, and whether
/// `floor` occurs among the outputs.
fn tflm_compare(a: &str, b: &str, dtype: &str, shape: &[usize], floor: f64) -> serde_json::Value {
    let script = r#"
import sys, json
import numpy as np
from tflite_micro.python.tflite_micro import runtime
a = runtime.Interpreter.from_bytes(open(sys.argv[1], "rb").read())
b = runtime.Interpreter.from_bytes(open(sys.argv[2], "rb").read())
dtype, shape, floor = sys.argv[3], json.loads(sys.argv[4]), float(sys.argv[5])
rng = np.random.default_rng(1234)
values, mismatches, max_rel = set(), 0, 0.0
for _ in range(50):
    if dtype == "int8":
        x = rng.integers(-128, 128, size=shape, dtype=np.int64).astype(np.int8)
    else:
        x = rng.standard_normal(shape).astype(np.float32)
    outs = []
    for interp in (a, b):
        interp.set_input(x, 0)
        interp.invoke()
        outs.append(np.array(interp.get_output(0)).astype(np.float64))
    mismatches += int(np.count_nonzero(outs[0] != outs[1]))
    scale = max(float(np.max(np.abs(outs[0]))), 1e-30)
    max_rel = max(max_rel, float(np.max(np.abs(outs[0] - outs[1]))) / scale)
    values.update(float(v) for v in outs[0].flatten())
print(json.dumps({"mismatches": mismatches, "max_rel": max_rel, "distinct": len(values), "floor": floor in values}))
"#;
    let out = common::run_ok(
        Command::new(common::python())
            .arg("-c")
            .arg(script)
            .arg(fixture(a))
            .arg(fixture(b))
            .arg(dtype)
            .arg(serde_json::to_string(shape).expect("shape json"))
            .arg(floor.to_string()),
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn tflm_computes_identical_outputs_for_the_unfused_and_fused_int8_files() {
    let v = tflm_compare(
        "unfused_pad_relu_int8.tflite",
        "fused_pad_relu_int8.tflite",
        "int8",
        &[1, 6, 6, 2],
        2.0,
    );
    assert_eq!(v["mismatches"], 0, "{v}");
    // The outputs vary and include the RELU floor (the zero point 2), so the comparison means something.
    assert!(v["distinct"].as_u64() > Some(20), "{v}");
    assert_eq!(v["floor"], true, "{v}");
}

#[test]
fn batchnorm_folds_into_the_weights_numpy_computes() {
    let mut unfused =
        import::load_model(&fixture("unfused_batchnorm_f32.tflite")).expect("import unfused");
    assert_eq!(unfused.nodes.len(), 5);
    Pipeline::default_pipeline()
        .run(&mut unfused, None)
        .expect("pipeline");
    let folded =
        import::load_model(&fixture("folded_batchnorm_f32.tflite")).expect("import folded");
    // Same operators and bit-identical folded weights and bias.
    assert_eq!(structure(&unfused), structure(&folded));
    assert_eq!(
        unfused.nodes[0].fused,
        vec![
            "PAD `padded`",
            "MUL `scaled`",
            "ADD `shifted`",
            "RELU `output`"
        ]
    );
}

#[test]
fn tflm_float_outputs_agree_within_1e_6_after_batchnorm_folding() {
    let v = tflm_compare(
        "unfused_batchnorm_f32.tflite",
        "folded_batchnorm_f32.tflite",
        "float32",
        &[1, 6, 6, 2],
        0.0,
    );
    assert!(v["max_rel"].as_f64() < Some(1e-6), "{v}");
    assert!(v["distinct"].as_u64() > Some(1000), "{v}");
    assert_eq!(v["floor"], true, "{v}");
}
