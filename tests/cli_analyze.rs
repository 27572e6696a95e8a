//! `nncube analyze`: the text report is snapshot-tested, and the JSON has the keys scripts rely on.

mod common;

use std::process::Command;

fn analyze(stem: &str, extra: &[&str]) -> String {
    let out = common::run_ok(
        Command::new(common::nncube_bin())
            .arg("analyze")
            .arg(common::shared_model(stem))
            .args(extra),
    );
    String::from_utf8(out.stdout).expect("utf-8 report")
}

#[test]
fn hello_world_int8_report() {
    insta::assert_snapshot!(analyze("hello_world_int8", &[]));
}

#[test]
fn kws_ref_model_report() {
    insta::assert_snapshot!(analyze("kws_ref_model", &[]));
}

#[test]
fn json_report_has_the_documented_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json_path = dir.path().join("vww.json");
    analyze(
        "vww_96_int8",
        &["--json", json_path.to_str().expect("utf-8 path")],
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("read json"))
            .expect("valid JSON");
    for key in ["macc", "weights_bytes", "activations_bytes"] {
        assert!(v[key].is_u64(), "`{key}` must be an integer: {}", v[key]);
    }
    assert_eq!(v["weights_bytes"], 219_064);
    assert_eq!(v["inputs"][0]["shape"], serde_json::json!([1, 96, 96, 3]));
    assert_eq!(v["inputs"][0]["dtype"], "i8");
    assert_eq!(v["inputs"][0]["zero_point"], -128);
    assert_eq!(v["outputs"][0]["shape"], serde_json::json!([1, 2]));
    let layers = v["layers"].as_array().expect("layers array");
    // 31 imported layers; the default pipeline fuses the last conv with the average pool.
    assert_eq!(layers.len(), 30);
    for l in layers {
        for key in ["name", "op", "macc", "weights_bytes", "output_bytes"] {
            assert!(!l[key].is_null(), "layer lacks `{key}`: {l}");
        }
    }
    let layer_macc: u64 = layers
        .iter()
        .map(|l| l["macc"].as_u64().expect("int"))
        .sum();
    assert_eq!(v["macc"].as_u64(), Some(layer_macc));
}

#[test]
fn dump_ir_prints_the_graph_text_form() {
    let text = analyze("hello_world_int8", &["--dump-ir"]);
    assert!(text.starts_with("graph hello_world_int8\n"), "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("fully-connected"))
            .count(),
        3
    );
}
