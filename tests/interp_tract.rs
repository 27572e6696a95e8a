//! Float models: the reference interpreter against tract-tflite's float results (a second, independent
//! implementation next to TFLM). Tolerance: max abs error ≤ 1e-5 × the output's range over the samples.

mod common;

use nncube_core::import;
use nncube_core::interp;
use tract_tflite::prelude::*;

fn check(stem: &str) {
    let path = common::shared_model(stem);
    let graph = import::load_model(&path).expect("import");
    let model = tract_tflite::tflite()
        .model_for_path(&path)
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .unwrap_or_else(|e| panic!("tract cannot load {stem}: {e:#}"));
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for seed in 0..3 {
        let inputs = interp::random_inputs(&graph, seed);
        let x = &inputs[0];
        let tensor = Tensor::from_shape::<f32>(&x.shape, &x.as_f32()).expect("tract tensor");
        let out = model
            .run(tvec!(tensor.into()))
            .unwrap_or_else(|e| panic!("tract run {stem}: {e:#}"));
        theirs.extend(
            out[0]
                .to_plain_array_view::<f32>()
                .expect("f32 output")
                .iter()
                .map(|&v| f64::from(v)),
        );
        let exec = interp::run(&graph, &inputs).expect("interp");
        ours.extend(exec.outputs()[0].to_f64_lossy());
    }
    common::assert_within_range_tolerance(&format!("{stem} vs tract"), &ours, &theirs);
}

#[test]
fn hello_world_float_matches_tract() {
    check("hello_world_float");
}

#[test]
fn vww_96_float_matches_tract() {
    check("vww_96_float");
}

#[test]
fn pretrained_resnet_matches_tract() {
    check("pretrainedResnet");
}

#[test]
fn ad01_fp32_matches_tract() {
    check("ad01_fp32");
}
