//! Known TFLM reference vectors (../shared/benchmarks/tflm-baseline.md §9): every element of the input equal to
//! the input's zero point ("zp" input). The expected outputs were produced by TFLM (host PyPI tflite-micro) and
//! matched by TFLM firmware on Cortex-M4 and M7.

mod common;

use nncube_core::import;
use nncube_core::interp::{self, TensorData};

fn zp_input_outputs(stem: &str) -> TensorData {
    let graph = import::load_model(&common::shared_model(stem)).expect("import");
    let inputs: Vec<TensorData> = graph
        .inputs
        .iter()
        .map(|&id| {
            let ty = &graph.tensor(id).ty;
            let zp = ty.per_tensor_quant().map_or(0, |q| q.1);
            let mut t = TensorData::zeros(ty);
            if ty.dtype == nncube_core::ir::DType::I8 {
                t.bytes.fill(zp as i8 as u8);
            }
            t
        })
        .collect();
    let exec = interp::run(&graph, &inputs).expect("run");
    exec.outputs()[0].clone()
}

#[test]
fn int8_models_match_tflm_on_zero_point_input() {
    let cases: &[(&str, &[i8])] = &[
        ("hello_world_int8", &[4]),
        ("micro_speech_quantized", &[-64, -64, -64, -64]),
        (
            "kws_ref_model",
            &[
                -112, -112, -124, -121, -114, -112, -125, -107, -110, -124, -128, 10,
            ],
        ),
        ("vww_96_int8", &[120, -120]),
        ("person_detect", &[72, -72]),
        (
            "pretrainedResnet_quant",
            &[-48, -128, -127, -108, -48, -127, -71, -125, -116, -127],
        ),
    ];
    for (stem, expected) in cases {
        assert_eq!(zp_input_outputs(stem).as_i8(), expected.to_vec(), "{stem}");
    }
    let ad01 = zp_input_outputs("ad01_int8").as_i8();
    assert_eq!(ad01.len(), 640);
    assert_eq!(ad01[..6], [-3, 42, 64, 78, 84, 94]);
}

#[test]
fn hello_world_float_matches_tflm_on_zero_input() {
    let out = zp_input_outputs("hello_world_float").as_f32();
    assert_eq!(out.len(), 1);
    assert!((out[0] - 0.026_405_29).abs() < 1e-7, "{}", out[0]);
}
