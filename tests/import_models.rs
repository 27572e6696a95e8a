//! Every shared model imports, verifies, and has the MAC counts and weight sizes counted independently from the files.

mod common;

use nncube_core::{import, ir::Op, report};

fn conv_dw_fc_macc(stem: &str) -> u64 {
    let graph = import::load_model(&common::shared_model(stem)).expect("import");
    graph
        .nodes
        .iter()
        .filter(|n| {
            matches!(
                n.op,
                Op::Conv2d { .. } | Op::DepthwiseConv2d { .. } | Op::FullyConnected { .. }
            )
        })
        .map(|n| report::layer_macc(&graph, n))
        .sum()
}

#[test]
fn all_shared_models_import_and_verify() {
    for (stem, path) in common::all_shared_models() {
        let graph = import::load_model(&path).unwrap_or_else(|e| panic!("{stem}: {e}"));
        graph.verify().unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert!(!graph.nodes.is_empty(), "{stem} has no nodes");
        assert_eq!(graph.name, stem);
    }
}

#[test]
fn conv_depthwise_fc_macs_match_independent_counts() {
    let expected = [
        ("kws_ref_model", 2_656_768),
        ("vww_96_int8", 7_489_664),
        ("pretrainedResnet_quant", 12_501_632),
        ("ad01_int8", 264_192),
        ("person_detect", 7_157_888),
        ("micro_speech_quantized", 336_000),
        ("hello_world_int8", 288),
    ];
    for (stem, macs) in expected {
        assert_eq!(conv_dw_fc_macc(stem), macs, "{stem}");
    }
}

#[test]
fn vww_weights_bytes_exclude_reshape_shape_operand() {
    let graph = import::load_model(&common::shared_model("vww_96_int8")).expect("import");
    let r = report::analyze(&graph, None);
    assert_eq!(r.weights_bytes, 219_064);
    assert_eq!(
        r.layers.iter().map(|l| l.weights_bytes).sum::<u64>(),
        219_064
    );
}

#[test]
fn person_detect_quantization_is_per_channel() {
    let graph = import::load_model(&common::shared_model("person_detect")).expect("import");
    let conv = graph
        .nodes
        .iter()
        .find(|n| matches!(n.op, Op::Conv2d { .. }))
        .expect("a conv");
    let filter = graph.tensor(conv.input(1).expect("filter"));
    assert!(filter.ty.quant.as_ref().is_some_and(|q| q.is_per_channel()));
}
