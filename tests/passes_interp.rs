//! Exactness of the optimization pipeline on the reference interpreter: for every shared model, the optimized
//! graph (conv-pool nodes expanded to their reference semantics) computes the same outputs as the imported graph
//! on seeded random inputs — int8 bit for bit, float within 1e-6 relative.

mod common;

use nncube_core::import;
use nncube_core::interp::{TensorData, random_inputs, run};
use nncube_core::ir::DType;
use nncube_core::ir::expand_conv_pool;
use nncube_core::passes::Pipeline;

fn f32_values(t: &TensorData) -> Vec<f32> {
    t.bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Runs the pipeline on the model at `path` and compares interpreter outputs before and after; returns how many
/// layers the pipeline removed.
fn check_model(stem: &str, path: &std::path::Path) -> usize {
    let original = import::load_model(path).unwrap_or_else(|e| panic!("{stem}: {e}"));
    let mut optimized = original.clone();
    Pipeline::default_pipeline()
        .run(&mut optimized, None)
        .unwrap_or_else(|e| panic!("{stem}: {e}"));
    let removed = original.nodes.len() - optimized.nodes.len();
    let optimized = expand_conv_pool(&optimized);
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..3 {
        let inputs = random_inputs(&original, seed);
        let a = run(&original, &inputs).unwrap_or_else(|e| panic!("{stem}: {e}"));
        let b = run(&optimized, &inputs).unwrap_or_else(|e| panic!("{stem}: {e}"));
        let (a, b) = (a.outputs(), b.outputs());
        seen.insert(a.iter().map(|t| t.bytes.clone()).collect::<Vec<_>>());
        assert_eq!(a.len(), b.len(), "{stem}");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!((x.dtype, &x.shape), (y.dtype, &y.shape), "{stem}");
            if x.dtype == DType::F32 {
                let (xv, yv) = (f32_values(x), f32_values(y));
                let scale = xv
                    .iter()
                    .fold(0f32, |m, v| m.max(v.abs()))
                    .max(f32::MIN_POSITIVE);
                for (p, q) in xv.iter().zip(&yv) {
                    assert!(
                        (p - q).abs() <= 1e-6 * scale,
                        "{stem} seed {seed}: {p} vs {q}"
                    );
                }
            } else {
                assert_eq!(
                    x.bytes, y.bytes,
                    "{stem} seed {seed}: int outputs must be bit-exact"
                );
            }
        }
    }
    assert!(
        seen.len() > 1,
        "{stem}: outputs must depend on the inputs for the comparison to mean something"
    );
    removed
}

#[test]
fn optimized_shared_models_match_the_unoptimized_ones() {
    for (stem, path) in common::all_shared_models() {
        check_model(&stem, &path);
    }
}

#[test]
fn fixtures_with_separate_pad_relu_and_batchnorm_match_after_fusion() {
    for (stem, removed) in [("unfused_pad_relu_int8", 3), ("unfused_batchnorm_f32", 4)] {
        let path = common::repo_root()
            .join("tests/fixtures")
            .join(format!("{stem}.tflite"));
        assert_eq!(
            check_model(stem, &path),
            removed,
            "{stem}: the rewrites under test happened"
        );
    }
}
