//! The optimization pipeline through the CLI: `analyze` describes the optimized graph, `--no-optimize` and
//! `--stop-after` select how far it goes, `--graph` draws original and optimized graphs, `passes` lists them.

mod common;

use std::process::{Command, Output};

fn nncube(args: &[&str]) -> Output {
    Command::new(common::nncube_bin())
        .args(args)
        .output()
        .expect("run nncube")
}

fn ok_stdout(args: &[&str]) -> String {
    let out = nncube(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn model(stem: &str) -> String {
    common::shared_model(stem).to_string_lossy().into_owned()
}

#[test]
fn analyze_reports_the_optimized_graph_with_fused_lists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("kws.json");
    let text = ok_stdout(&[
        "analyze",
        &model("kws_ref_model"),
        "--json",
        json.to_str().expect("utf-8"),
    ]);
    assert!(text.contains("optimized: 13 → 12 layers"), "{text}");
    assert!(
        text.contains("fuse-conv-pool: fused 1 conv+pool pairs"),
        "{text}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("json");
    let layers = v["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 12);
    let fused: Vec<&serde_json::Value> = layers
        .iter()
        .filter(|l| !l["fused"].as_array().expect("fused").is_empty())
        .collect();
    assert_eq!(fused.len(), 1);
    assert_eq!(fused[0]["op"], "conv2d-average-pool");
    assert_eq!(
        fused[0]["fused"][0],
        "AVERAGE_POOL_2D `functional_1/average_pooling2d/AvgPool`"
    );
}

#[test]
fn no_optimize_and_stop_after_select_the_graph() {
    let m = model("vww_96_int8");
    let raw = ok_stdout(&["analyze", &m, "--dump-ir", "--no-optimize"]);
    assert!(raw.contains("= average-pool2d("), "{raw}");
    let partial = ok_stdout(&[
        "analyze",
        &m,
        "--dump-ir",
        "--stop-after",
        "fuse-activations",
    ]);
    assert_eq!(partial, raw, "nothing before fuse-conv-pool changes vww");
    let full = ok_stdout(&["analyze", &m, "--dump-ir"]);
    assert!(!full.contains("= average-pool2d("), "{full}");
    assert!(full.contains("= conv2d-average-pool("), "{full}");
    assert_eq!(full.lines().filter(|l| l.starts_with("  n")).count(), 30);
}

#[test]
fn unknown_stop_after_names_the_passes() {
    let out = nncube(&[
        "analyze",
        &model("hello_world_int8"),
        "--stop-after",
        "fuse-everything",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot stop after `fuse-everything`"), "{err}");
    assert!(err.contains("fuse-activations"), "{err}");
}

#[test]
fn graph_export_svg_dot_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = model("kws_ref_model");
    for ext in ["svg", "dot", "json"] {
        let path = dir.path().join(format!("kws.{ext}"));
        ok_stdout(&["analyze", &m, "--graph", path.to_str().expect("utf-8")]);
        let text = std::fs::read_to_string(&path).expect("picture written");
        match ext {
            "svg" => {
                assert!(
                    text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
                    "{text}"
                );
                assert!(text.trim_end().ends_with("</svg>"));
                assert!(
                    text.contains("original: 13 layers") && text.contains("optimized: 12 layers")
                );
                assert!(text.contains("conv2d-average-pool  (+1 fused)"));
                assert_eq!(
                    text.matches("<rect").count(),
                    (13 + 2) + (12 + 2),
                    "one box per layer, input, output"
                );
                // Well-formed XML, as an SVG viewer will parse it.
                let check = Command::new(common::python())
                    .args([
                        "-c",
                        "import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])",
                    ])
                    .arg(&path)
                    .output()
                    .expect("run python");
                assert!(
                    check.status.success(),
                    "{}",
                    String::from_utf8_lossy(&check.stderr)
                );
            }
            "dot" => {
                assert!(text.starts_with("digraph nncube {"));
                assert_eq!(text.matches("subgraph cluster_").count(), 2);
                assert!(text.contains("fused: AVERAGE_POOL_2D"));
            }
            _ => {
                let v: serde_json::Value = serde_json::from_str(&text).expect("json");
                let views = v.as_array().expect("two views");
                assert_eq!(views.len(), 2);
                assert_eq!(views[1]["nodes"].as_array().expect("nodes").len(), 12 + 2);
                // The optimized picture sits to the right of the original.
                assert!(views[1]["x"].as_f64() > Some(0.0));
            }
        }
    }
    let out = nncube(&[
        "analyze",
        &m,
        "--graph",
        dir.path().join("kws.png").to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("use a .svg, .dot or .json file name"));
    assert!(
        !dir.path().join("kws.png").exists(),
        "nothing written on error"
    );
}

#[test]
fn passes_lists_the_default_pipeline() {
    let text = ok_stdout(&["passes"]);
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        names,
        [
            "fold-constants",
            "remove-noops",
            "fold-pad",
            "fold-batchnorm",
            "fuse-activations",
            "fuse-conv-pool"
        ]
    );
}

#[test]
fn analyze_lists_what_each_pass_did_on_an_unfused_model() {
    let path = common::repo_root().join("tests/fixtures/unfused_pad_relu_int8.tflite");
    let text = ok_stdout(&["analyze", path.to_str().expect("utf-8")]);
    assert!(text.contains("optimized: 5 → 2 layers"), "{text}");
    assert!(text.contains("fold-pad: folded 1 PAD nodes"), "{text}");
    assert!(
        text.contains("fuse-activations: fused 1 activation nodes"),
        "{text}"
    );
    assert!(
        text.contains("fuse-conv-pool: fused 1 conv+pool pairs"),
        "{text}"
    );
    let ir = ok_stdout(&[
        "analyze",
        path.to_str().expect("utf-8"),
        "--dump-ir",
        "--stop-after",
        "fold-pad",
    ]);
    assert!(
        ir.contains("= relu("),
        "RELU is fused only after fold-pad: {ir}"
    );
    assert!(!ir.contains("= pad("), "{ir}");
}

#[test]
fn dot_picture_of_the_unfused_fixture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dot = dir.path().join("u.dot");
    let model = common::repo_root().join("tests/fixtures/unfused_pad_relu_int8.tflite");
    ok_stdout(&[
        "analyze",
        model.to_str().expect("utf-8"),
        "--graph",
        dot.to_str().expect("utf-8"),
    ]);
    insta::assert_snapshot!(std::fs::read_to_string(&dot).expect("dot written"));
}
