//! Generated C vs TensorFlow Lite Micro on every shared model: the host runner (system C compiler) and TFLM's
//! Python interpreter run the same 10 seeded inputs; int8 outputs must match bit for bit, float outputs within
//! the documented tolerance (docs/c-api.md). Each test compiles its model's runner once.

mod common;

use nncube::host;
use nncube_core::import;
use nncube_core::ir::{DType, Graph};
use std::path::Path;

/// Relative tolerance of float outputs: max |c − tflm| / max(max |tflm|, 1e-6).
const FLOAT_REL_TOLERANCE: f32 = 1e-5;
const SAMPLES: u64 = 10;

/// SplitMix64: a tiny seeded generator for test inputs.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn random_sample(graph: &Graph, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = SplitMix(seed);
    graph
        .inputs
        .iter()
        .map(|&t| {
            let ty = &graph.tensor(t).ty;
            (0..ty.num_elements())
                .flat_map(|_| match ty.dtype {
                    DType::F32 => {
                        let u = (rng.next() >> 40) as f32 / (1u64 << 24) as f32;
                        (u * 2.0 - 1.0).to_le_bytes().to_vec()
                    }
                    DType::I8 | DType::U8 => vec![rng.next() as u8],
                    other => panic!("unexpected input dtype {other}"),
                })
                .collect()
        })
        .collect()
}

fn check_model(stem: &str) {
    let model = common::shared_model(stem);
    let graph = import::load_model(&model).unwrap();
    let runner =
        host::build_runner_with(&graph, &host::c_compiler(), &common::host_cache()).unwrap();
    let samples: Vec<_> = (0..SAMPLES).map(|s| random_sample(&graph, s)).collect();
    let ours = runner.run(&samples, false).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let reference = common::tflm_outputs(&model, &samples, tmp.path());
    let mut pos = 0;
    for (s, result) in ours.iter().enumerate() {
        for (o, got) in result.outputs.iter().enumerate() {
            let want = &reference[pos..pos + got.len()];
            pos += got.len();
            let dtype = graph.tensor(graph.outputs[o]).ty.dtype;
            if dtype == DType::F32 {
                let err = common::relative_error(&common::f32s(got), &common::f32s(want));
                assert!(
                    err <= FLOAT_REL_TOLERANCE,
                    "{stem} sample {s} output {o}: relative error {err} > {FLOAT_REL_TOLERANCE}"
                );
            } else {
                assert_eq!(
                    got.as_slice(),
                    want,
                    "{stem} sample {s} output {o}: int8 outputs differ from TFLM"
                );
            }
        }
    }
    assert_eq!(
        pos,
        reference.len(),
        "{stem}: TFLM produced more output bytes"
    );
}

#[test]
fn hello_world_int8_matches_tflm() {
    check_model("hello_world_int8");
}

#[test]
fn hello_world_float_matches_tflm() {
    check_model("hello_world_float");
}

#[test]
fn micro_speech_quantized_matches_tflm() {
    check_model("micro_speech_quantized");
}

#[test]
fn person_detect_matches_tflm() {
    check_model("person_detect");
}

#[test]
fn kws_ref_model_matches_tflm() {
    check_model("kws_ref_model");
}

#[test]
fn vww_96_int8_matches_tflm() {
    check_model("vww_96_int8");
}

/// The memory planner's overlaps are really used: vww_96_int8's activations fit in 40 KiB (without overlaps
/// they need more), and its outputs stay bit-exact with that overlapping placement (`check_model`).
#[test]
fn vww_96_int8_overlapping_plan_fits_40_kib() {
    let graph = import::load_model(&common::shared_model("vww_96_int8")).unwrap();
    let plan = nncube_core::memplan::plan(
        &graph,
        &nncube_core::codegen::plan_options(&Default::default()),
    )
    .unwrap();
    assert!(!plan.overlaps.is_empty(), "the plan uses no kernel overlap");
    assert!(plan.no_overlap_bound > 40_960, "{plan:?}");
    let files = nncube_core::codegen::generate(&graph, &Default::default()).unwrap();
    let header = &files.files[Path::new("vww_96_int8.h")];
    let bytes: u64 = header
        .lines()
        .find_map(|l| l.strip_prefix("#define VWW_96_INT8_ACTIVATIONS_BYTES "))
        .and_then(|v| v.trim_end_matches('u').parse().ok())
        .unwrap();
    assert!(bytes <= 40_960, "activations macro is {bytes} B");
    assert_eq!(bytes, plan.total_bytes.next_multiple_of(4).max(4));
    check_model("vww_96_int8");
}

#[test]
fn vww_96_float_matches_tflm() {
    check_model("vww_96_float");
}

#[test]
fn pretrained_resnet_quant_matches_tflm() {
    check_model("pretrainedResnet_quant");
}

#[test]
fn pretrained_resnet_float_matches_tflm() {
    check_model("pretrainedResnet");
}

#[test]
fn ad01_int8_matches_tflm() {
    check_model("ad01_int8");
}

#[test]
fn ad01_fp32_matches_tflm() {
    check_model("ad01_fp32");
}

#[test]
fn every_shared_model_is_covered() {
    let covered = [
        "ad01_fp32",
        "ad01_int8",
        "hello_world_float",
        "hello_world_int8",
        "kws_ref_model",
        "micro_speech_quantized",
        "person_detect",
        "pretrainedResnet",
        "pretrainedResnet_quant",
        "vww_96_float",
        "vww_96_int8",
    ];
    let all: Vec<String> = common::all_shared_models()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(all, covered);
}
