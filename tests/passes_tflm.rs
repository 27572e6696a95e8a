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

#[test]
fn tflm_computes_identical_outputs_for_the_unfused_and_fused_files() {
    let script = r#"
import sys, json
import numpy as np
from tflite_micro.python.tflite_micro import runtime
a = runtime.Interpreter.from_bytes(open(sys.argv[1], "rb").read())
b = runtime.Interpreter.from_bytes(open(sys.argv[2], "rb").read())
rng = np.random.default_rng(1234)
values, mismatches = set(), 0
for _ in range(50):
    x = rng.integers(-128, 128, size=(1, 6, 6, 2), dtype=np.int64).astype(np.int8)
    outs = []
    for interp in (a, b):
        interp.set_input(x, 0)
        interp.invoke()
        outs.append(np.array(interp.get_output(0)))
    mismatches += int(np.count_nonzero(outs[0] != outs[1]))
    values.update(int(v) for v in outs[0].flatten())
print(json.dumps({"mismatches": mismatches, "distinct": len(values), "clamped": 2 in values}))
"#;
    let out = Command::new(common::python())
        .arg("-c")
        .arg(script)
        .arg(fixture("unfused_pad_relu_int8.tflite"))
        .arg(fixture("fused_pad_relu_int8.tflite"))
        .output()
        .expect("run the TFLM oracle");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["mismatches"], 0, "{v}");
    // The outputs vary and include the RELU floor (the zero point 2), so the comparison means something.
    assert!(v["distinct"].as_u64() > Some(20), "{v}");
    assert_eq!(v["clamped"], true, "{v}");
}
