//! The default pipeline on every shared model: the result verifies, keeps the graph's interface, MACC and
//! weights, and has the layer counts recorded in docs/passes.md.

mod common;

use nncube_core::passes::Pipeline;
use nncube_core::{import, report};

/// Layer counts (imported, optimized) per shared model, as in docs/passes.md.
const LAYERS: &[(&str, usize, usize)] = &[
    ("ad01_fp32", 10, 10),
    ("ad01_int8", 10, 10),
    ("hello_world_float", 3, 3),
    ("hello_world_int8", 3, 3),
    ("kws_ref_model", 13, 12),
    ("micro_speech_quantized", 4, 4),
    ("person_detect", 31, 30),
    ("pretrainedResnet", 16, 16),
    ("pretrainedResnet_quant", 16, 16),
    ("vww_96_float", 31, 30),
    ("vww_96_int8", 31, 30),
];

#[test]
fn default_pipeline_on_every_shared_model() {
    let models = common::all_shared_models();
    assert_eq!(models.len(), LAYERS.len());
    for ((stem, path), &(name, before, after)) in models.iter().zip(LAYERS) {
        assert_eq!(stem, name);
        let original = import::load_model(path).unwrap_or_else(|e| panic!("{stem}: {e}"));
        let mut graph = original.clone();
        Pipeline::default_pipeline()
            .run(&mut graph, None)
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        graph.verify().unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert_eq!(
            (original.nodes.len(), graph.nodes.len()),
            (before, after),
            "{stem}"
        );
        let io = |g: &nncube_core::ir::Graph| {
            g.inputs
                .iter()
                .chain(&g.outputs)
                .map(|&t| (g.tensor(t).name.clone(), g.tensor(t).ty.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            io(&graph),
            io(&original),
            "{stem}: the interface must not change"
        );
        let (r0, r1) = (
            report::analyze(&original, None),
            report::analyze(&graph, None),
        );
        assert_eq!(
            r1.macc, r0.macc,
            "{stem}: fusion moves MACC, it does not drop them"
        );
        assert_eq!(r1.weights_bytes, r0.weights_bytes, "{stem}");
        assert!(r1.activations_bytes <= r0.activations_bytes, "{stem}");
        let fused_labels: usize = graph.nodes.iter().map(|n| n.fused.len()).sum();
        assert_eq!(
            fused_labels,
            before - after,
            "{stem}: every removed layer is named in a `fused` list"
        );
    }
}
