//! The memory planner on the 11 shared models: every plan passes the independent checker, is no larger than the
//! no-overlap lower bound and no smaller than the full-overlap bound, and the headline models beat STM32Cube.AI.

mod common;

use nncube_core::{import, ir::Graph, memplan, passes::Pipeline};

/// The model as imported and as `nncube analyze` plans it (after the default optimization pipeline).
fn graphs(path: &std::path::Path) -> [Graph; 2] {
    let imported = import::load_model(path).expect("imports");
    let mut optimized = imported.clone();
    Pipeline::default_pipeline()
        .run(&mut optimized, None)
        .expect("optimizes");
    [imported, optimized]
}

/// Planned bytes of the imported and the optimized model (both plans checked).
fn planned_bytes(stem: &str) -> [u64; 2] {
    graphs(&common::shared_model(stem)).map(|g| {
        let plan = memplan::plan(&g, &memplan::PlanOptions::default()).expect("plans");
        memplan::check_plan(&g, &plan).expect("valid plan");
        plan.total_bytes
    })
}

#[test]
fn every_shared_model_gets_a_valid_plan_within_the_bounds() {
    let option_sets = [
        memplan::PlanOptions::default(),
        memplan::PlanOptions {
            inputs_in_activations: false,
            outputs_in_activations: false,
            alignment: 16,
            ..memplan::PlanOptions::default()
        },
    ];
    for (stem, path) in common::all_shared_models() {
        for g in graphs(&path) {
            for options in &option_sets {
                let plan = memplan::plan(&g, options).expect("plans");
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
}

#[test]
fn vww_fits_in_less_than_st_s_40_kib() {
    for bytes in planned_bytes("vww_96_int8") {
        assert!(bytes <= 40 * 1024, "vww_96_int8 planned {bytes} B");
    }
}

#[test]
fn resnet_fits_in_48_kib() {
    for bytes in planned_bytes("pretrainedResnet_quant") {
        assert!(
            bytes <= 48 * 1024,
            "pretrainedResnet_quant planned {bytes} B"
        );
    }
}

#[test]
fn analyze_reports_the_planned_size_and_writes_the_timeline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svg = dir.path().join("vww.svg");
    let json = dir.path().join("vww.json");
    let png = dir.path().join("vww.png");
    let [_, optimized] = graphs(&common::shared_model("vww_96_int8"));
    let expected = memplan::plan(&optimized, &memplan::PlanOptions::default())
        .expect("plans")
        .total_bytes;
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
    let options = memplan::PlanOptions {
        inputs_in_activations: false,
        alignment: 8,
        ..memplan::PlanOptions::default()
    };
    let without_inputs = memplan::plan(&optimized, &options)
        .expect("plans")
        .total_bytes;
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

/// For each input byte of `node`'s operand 0/1, the last output pixel (NHWC visiting order) that reads it, by
/// direct enumeration of receptive fields (independent of the planner's formulas); `None` for unsimulated ops.
fn last_reader(
    g: &nncube_core::ir::Graph,
    node: &nncube_core::ir::Node,
    operand: usize,
) -> Option<Vec<i64>> {
    use nncube_core::ir::Op;
    let input = &g.tensor(node.input(operand)?).ty;
    let output = &g.tensor(node.output()?).ty;
    let es = input.dtype.size_bytes();
    let mut last = vec![-1i64; input.size_bytes()];
    let window = match &node.op {
        Op::Conv2d { window, .. } | Op::DepthwiseConv2d { window, .. } => {
            let f = &g.tensor(node.input(1)?).ty.shape;
            Some((*window, f[1], f[2]))
        }
        Op::AveragePool2d {
            filter_h,
            filter_w,
            window,
            ..
        }
        | Op::MaxPool2d {
            filter_h,
            filter_w,
            window,
            ..
        } => Some((*window, *filter_h, *filter_w)),
        _ => None,
    };
    if let Some((w, kh, kw)) = window {
        let [n, h, wd, c] = <[usize; 4]>::try_from(input.shape.as_slice()).ok()?;
        let [_, oh, ow, _] = <[usize; 4]>::try_from(output.shape.as_slice()).ok()?;
        let mut p = 0i64;
        for b in 0..n {
            for oy in 0..oh {
                for ox in 0..ow {
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let iy =
                                (oy * w.stride_h + ky * w.dilation_h) as i64 - w.padding.top as i64;
                            let ix = (ox * w.stride_w + kx * w.dilation_w) as i64
                                - w.padding.left as i64;
                            if iy < 0 || ix < 0 || iy >= h as i64 || ix >= wd as i64 {
                                continue;
                            }
                            let px = (b * h + iy as usize) * wd + ix as usize;
                            last[px * c * es..(px + 1) * c * es].fill(p);
                        }
                    }
                    p += 1;
                }
            }
        }
        return Some(last);
    }
    let row_bytes = match &node.op {
        Op::FullyConnected { .. } => {
            input.size_bytes() / (output.num_elements() / output.shape.last()?)
        }
        _ if input.shape == output.shape => input.shape.last()? * es,
        _ => return None,
    };
    for (byte, l) in last.iter_mut().enumerate() {
        *l = (byte / row_bytes) as i64;
    }
    Some(last)
}

#[test]
fn every_overlap_in_every_shared_model_plan_survives_a_byte_level_simulation() {
    let mut simulated = 0;
    let models = common::all_shared_models();
    let all = models
        .iter()
        .flat_map(|(stem, path)| graphs(path).map(|g| (stem.clone(), g)));
    for (stem, g) in all {
        let plan = memplan::plan(&g, &memplan::PlanOptions::default()).expect("plans");
        for o in &plan.overlaps {
            let node = &g.nodes[o.step];
            let out_ty = &g.tensor(o.output).ty;
            let out_pixel = out_ty.shape.last().copied().unwrap_or(1) * out_ty.dtype.size_bytes();
            let buffer = plan
                .buffers
                .iter()
                .find(|b| b.tensor == o.input)
                .expect("input buffer");
            let operands: Vec<usize> = (0..node.inputs.len())
                .filter(|&k| {
                    node.input(k)
                        .is_some_and(|t| t == buffer.tensor || buffer.aliases.contains(&t))
                })
                .collect();
            assert!(
                !operands.is_empty(),
                "{stem}: step {} does not read {}",
                o.step,
                o.input
            );
            for k in operands {
                let last = last_reader(&g, node, k).unwrap_or_else(|| {
                    panic!("{stem}: overlap on unsimulated op {}", node.op.name())
                });
                for p in 0..out_ty.num_elements() * out_ty.dtype.size_bytes() / out_pixel {
                    for byte in p * out_pixel..(p + 1) * out_pixel {
                        let at = o.shift_bytes + byte as i64;
                        if at >= 0 && (at as usize) < last.len() {
                            assert!(
                                // -1: never read.
                                last[at as usize] < 0 || last[at as usize] < p as i64 - 3,
                                "{stem}: node `{}` pixel {p} overwrites input byte {at} still read by pixel {}",
                                node.name,
                                last[at as usize]
                            );
                        }
                    }
                }
                simulated += 1;
            }
        }
    }
    assert!(simulated > 100, "only {simulated} overlaps simulated");
}
