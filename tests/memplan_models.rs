//! The memory planner on the 11 shared models: every plan passes the independent checker, is no larger than the
//! no-overlap lower bound and no smaller than the full-overlap bound, and the headline models beat STM32Cube.AI.

mod common;

use nncube_core::{import, memplan};

fn plan_of(stem: &str) -> memplan::MemoryPlan {
    let g = import::load_model(&common::shared_model(stem)).expect("imports");
    let plan = memplan::plan(&g, &memplan::PlanOptions::default()).expect("plans");
    memplan::check_plan(&g, &plan).expect("valid plan");
    plan
}

#[test]
fn every_shared_model_gets_a_valid_plan_within_the_bounds() {
    for (stem, path) in common::all_shared_models() {
        let g = import::load_model(&path).expect("imports");
        for options in [
            memplan::PlanOptions::default(),
            memplan::PlanOptions {
                inputs_in_activations: false,
                outputs_in_activations: false,
                alignment: 16,
                ..memplan::PlanOptions::default()
            },
        ] {
            let plan = memplan::plan(&g, &options).expect("plans");
            memplan::check_plan(&g, &plan).unwrap_or_else(|e| panic!("{stem}: {e}"));
            assert!(
                plan.total_bytes <= plan.no_overlap_bound,
                "{stem}: planned {} > no-overlap bound {}",
                plan.total_bytes,
                plan.no_overlap_bound
            );
            assert!(plan.total_bytes >= plan.full_overlap_bound, "{stem}");
        }
    }
}

#[test]
fn vww_fits_in_less_than_st_s_40_kib() {
    let plan = plan_of("vww_96_int8");
    assert!(
        plan.total_bytes <= 40 * 1024,
        "vww_96_int8 planned {} B",
        plan.total_bytes
    );
}

#[test]
fn resnet_fits_in_48_kib() {
    let plan = plan_of("pretrainedResnet_quant");
    assert!(
        plan.total_bytes <= 48 * 1024,
        "pretrainedResnet_quant planned {} B",
        plan.total_bytes
    );
}

#[test]
fn analyze_reports_the_planned_size_and_writes_the_timeline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svg = dir.path().join("vww.svg");
    let json = dir.path().join("vww.json");
    let png = dir.path().join("vww.png");
    let expected = plan_of("vww_96_int8").total_bytes;
    for file in [&svg, &json, &png] {
        let out = std::process::Command::new(common::nncube_bin())
            .arg("analyze")
            .arg(common::shared_model("vww_96_int8"))
            .arg("--memory")
            .arg(file)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let png_bytes = std::fs::read(&png).expect("png written");
    assert!(png_bytes.starts_with(b"\x89PNG\r\n\x1a\n") && png_bytes.len() > 1000);
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        3,
        "no partial files left"
    );
    let svg_text = std::fs::read_to_string(&svg).expect("svg written");
    assert!(
        svg_text.contains(&format!("{expected} B planned")),
        "svg title"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written")).expect("json");
    assert_eq!(doc["plan"]["total_bytes"], expected);
    assert_eq!(
        doc["timeline"]["rects"].as_array().map(Vec::len),
        doc["plan"]["buffers"].as_array().map(Vec::len)
    );
    let report = std::process::Command::new(common::nncube_bin())
        .arg("analyze")
        .arg(common::shared_model("vww_96_int8"))
        .args(["--no-inputs-allocation", "--alignment", "8", "--json"])
        .arg(dir.path().join("r.json"))
        .output()
        .expect("runs");
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).expect("report"))
            .expect("json");
    let g = import::load_model(&common::shared_model("vww_96_int8")).expect("imports");
    let options = memplan::PlanOptions {
        inputs_in_activations: false,
        alignment: 8,
        ..memplan::PlanOptions::default()
    };
    let without_inputs = memplan::plan(&g, &options).expect("plans").total_bytes;
    assert_eq!(r["activations_bytes"].as_u64(), Some(without_inputs));
    assert!(
        r["activations_method"]
            .as_str()
            .expect("method")
            .contains("inputs excluded")
    );
}

#[test]
fn analyze_rejects_an_unknown_timeline_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(common::nncube_bin())
        .arg("analyze")
        .arg(common::shared_model("kws_ref_model"))
        .arg("--memory")
        .arg(dir.path().join("t.bmp"))
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(".svg, .png or .json"));
}
