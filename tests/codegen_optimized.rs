//! Generated C of optimized graphs vs the reference interpreter: every shared model after the default pass
//! pipeline (fused conv+pool nodes included), and small conv+max-pool / conv+average-pool graphs (int8
//! per-channel and float, strides and padding), on seeded inputs — int8 bit for bit, float within 1e-5 relative.

mod common;

use nncube::host;
use nncube_core::import;
use nncube_core::interp::{self, TensorData};
use nncube_core::ir::{
    Activation, ConstData, DType, Graph, Op, Padding2d, PoolAttrs, PoolKind, Quant, TensorType,
    Window2d,
};
use nncube_core::passes::Pipeline;

const FLOAT_REL_TOLERANCE: f32 = 1e-5;
const SAMPLES: u64 = 10;

fn conv_pool_count(graph: &Graph) -> usize {
    graph
        .nodes
        .iter()
        .filter(|n| matches!(n.op, Op::ConvPool2d { .. }))
        .count()
}

/// Runs `graph`'s generated C and the reference interpreter on `SAMPLES` seeded inputs and compares outputs.
fn check_graph(label: &str, graph: &Graph) {
    let runner = host::build_runner_with(graph, &host::c_compiler(), &common::host_cache())
        .unwrap_or_else(|e| panic!("{label}: {e:#}"));
    let inputs: Vec<Vec<TensorData>> = (0..SAMPLES)
        .map(|s| interp::random_inputs(graph, s))
        .collect();
    let raw: Vec<Vec<Vec<u8>>> = inputs
        .iter()
        .map(|s| s.iter().map(|t| t.bytes.clone()).collect())
        .collect();
    let ours = runner.run(&raw, false).unwrap();
    let mut distinct = std::collections::BTreeSet::new();
    for (s, (sample, result)) in inputs.iter().zip(&ours).enumerate() {
        let reference = interp::run(graph, sample).unwrap_or_else(|e| panic!("{label}: {e}"));
        let want = reference.outputs();
        assert_eq!(want.len(), result.outputs.len(), "{label}");
        for (o, (w, got)) in want.iter().zip(&result.outputs).enumerate() {
            distinct.insert(w.bytes.clone());
            if w.dtype == DType::F32 {
                let (g, w) = (common::f32s(got), common::f32s(&w.bytes));
                assert_eq!(g.len(), w.len(), "{label} output {o}");
                let err = common::relative_error(&g, &w);
                assert!(
                    err <= FLOAT_REL_TOLERANCE,
                    "{label} sample {s} output {o}: relative error {err}"
                );
            } else {
                assert_eq!(
                    got.as_slice(),
                    w.bytes.as_slice(),
                    "{label} sample {s} output {o}: C differs from the reference interpreter"
                );
            }
        }
    }
    assert!(
        distinct.len() > 1,
        "{label}: every sample gave the same output, the comparison proves little"
    );
}

fn check_model(stem: &str) -> usize {
    let mut graph = import::load_model(&common::shared_model(stem)).unwrap();
    Pipeline::default_pipeline().run(&mut graph, None).unwrap();
    check_graph(stem, &graph);
    conv_pool_count(&graph)
}

#[test]
fn vww_96_int8_optimized_matches_interpreter() {
    assert_eq!(
        check_model("vww_96_int8"),
        1,
        "the conv+avg-pool fusion is expected"
    );
}

#[test]
fn vww_96_float_optimized_matches_interpreter() {
    check_model("vww_96_float");
}

#[test]
fn kws_ref_model_optimized_matches_interpreter() {
    assert_eq!(
        check_model("kws_ref_model"),
        1,
        "the conv+avg-pool fusion is expected"
    );
}

#[test]
fn person_detect_optimized_matches_interpreter() {
    assert_eq!(
        check_model("person_detect"),
        1,
        "the conv+avg-pool fusion is expected"
    );
}

#[test]
fn other_shared_models_optimized_match_interpreter() {
    for stem in [
        "ad01_fp32",
        "ad01_int8",
        "hello_world_float",
        "hello_world_int8",
        "micro_speech_quantized",
        "pretrainedResnet",
        "pretrainedResnet_quant",
    ] {
        check_model(stem);
    }
}

fn window(stride: usize, pad: usize) -> Window2d {
    Window2d {
        stride_h: stride,
        stride_w: stride,
        dilation_h: 1,
        dilation_w: 1,
        padding: Padding2d {
            top: pad,
            bottom: pad,
            left: pad,
            right: pad,
        },
    }
}

/// input [1,9,9,3] → conv 3×3 (stride 1, pad 1, relu) → [1,9,9,4] → pool 3×3 stride 2 pad 1 → [1,5,5,4],
/// as one conv-pool node. Int8 uses per-channel weights and a conv result quantization of its own.
fn conv_pool_graph(kind: PoolKind, dtype: DType) -> Graph {
    let mut g = Graph::new("conv_pool_unit");
    let int8 = dtype == DType::I8;
    let ty = |shape: &[usize], scale: f32, zp: i32| {
        let t = TensorType::new(dtype, shape.to_vec());
        if int8 { t.quantized(scale, zp) } else { t }
    };
    let x = g.add_tensor("x", ty(&[1, 9, 9, 3], 0.04, 5));
    g.inputs.push(x);
    let n_w = 4 * 3 * 3 * 3;
    let filter = if int8 {
        g.add_const(
            "w",
            TensorType {
                dtype: DType::I8,
                shape: vec![4, 3, 3, 3],
                quant: Some(Quant::PerChannel {
                    scales: vec![0.01, 0.02, 0.005, 0.03],
                    zero_points: vec![0; 4],
                    axis: 0,
                }),
            },
            ConstData::from_i8(
                &(0..n_w)
                    .map(|i| (i * 37) % 255 - 127)
                    .map(|v| v as i8)
                    .collect::<Vec<_>>(),
            ),
        )
    } else {
        g.add_const(
            "w",
            TensorType::new(DType::F32, vec![4, 3, 3, 3]),
            ConstData::from_f32(
                &(0..n_w)
                    .map(|i| ((i * 37) % 23) as f32 / 10.0 - 1.1)
                    .collect::<Vec<_>>(),
            ),
        )
    };
    let bias = if int8 {
        g.add_const(
            "b",
            TensorType::new(DType::I32, vec![4]),
            ConstData::from_i32(&[150, -300, 40, 0]),
        )
    } else {
        g.add_const(
            "b",
            TensorType::new(DType::F32, vec![4]),
            ConstData::from_f32(&[0.3, -0.6, 0.1, 0.0]),
        )
    };
    let y = g.add_tensor("y", ty(&[1, 5, 5, 4], 0.03, -20));
    let pool = PoolAttrs {
        kind,
        filter_h: 3,
        filter_w: 3,
        window: window(2, 1),
        activation: Activation::Relu6,
        conv_output: ty(&[1, 9, 9, 4], 0.03, -20),
    };
    g.add_node(
        "conv_pool",
        Op::ConvPool2d {
            window: window(1, 1),
            activation: Activation::Relu,
            pool,
        },
        vec![Some(x), Some(filter), Some(bias)],
        vec![y],
    );
    g.outputs.push(y);
    g
}

#[test]
fn int8_conv_max_pool_matches_interpreter() {
    check_graph(
        "int8 conv+max-pool",
        &conv_pool_graph(PoolKind::Max, DType::I8),
    );
}

#[test]
fn int8_conv_average_pool_matches_interpreter() {
    check_graph(
        "int8 conv+avg-pool",
        &conv_pool_graph(PoolKind::Average, DType::I8),
    );
}

#[test]
fn float_conv_max_pool_matches_interpreter() {
    check_graph(
        "float conv+max-pool",
        &conv_pool_graph(PoolKind::Max, DType::F32),
    );
}

#[test]
fn float_conv_average_pool_matches_interpreter() {
    check_graph(
        "float conv+avg-pool",
        &conv_pool_graph(PoolKind::Average, DType::F32),
    );
}

/// The conv+pool kernel honours the memory contract (pooled pixels in NHWC order, each reading its own receptive
/// field), so the planner derives an exact overlap rule for it (memplan::overlap::conv_pool_geometry, proven by
/// brute force in memplan's tests) and places the output over the dying input: 283 B instead of 343 B for the
/// int8 graph. The host runs above use exactly this plan (code generation's default), so they prove the
/// overlapping placement bit-exact.
#[test]
fn memory_planner_overlaps_the_conv_pool_output_with_its_dying_input() {
    for kind in [PoolKind::Max, PoolKind::Average] {
        for dtype in [DType::I8, DType::F32] {
            let g = conv_pool_graph(kind, dtype);
            assert!(nncube_core::memplan::overlap::node_operand_rule(&g, &g.nodes[0], 0).is_some());
            let options = nncube_core::codegen::plan_options(
                &nncube_core::codegen::CodegenOptions::default(),
            );
            let plan = nncube_core::memplan::plan(&g, &options).unwrap();
            nncube_core::memplan::check_plan(&g, &plan).unwrap();
            let separate: u64 = plan.buffers.iter().map(|b| b.size_bytes).sum();
            assert!(
                plan.overlaps.iter().any(|o| o.step == 0) && plan.total_bytes < separate,
                "{kind:?} {dtype:?}: {} B planned, {separate} B disjoint",
                plan.total_bytes
            );
        }
    }
}
