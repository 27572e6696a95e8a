//! Unit and golden tests of the passes: small graphs built here with separate RELU/PAD/MUL/ADD/pool nodes,
//! IR text before and after each pass as insta snapshots, and the pipeline's verify-after-each-pass guarantee.

use super::*;
use crate::ir::{
    Activation, ConstData, DType, Op, Padding2d, Quant, TensorType, Window2d, expand_conv_pool,
};

fn window(pad: usize, stride: usize) -> Window2d {
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

fn f32_const(g: &mut Graph, name: &str, shape: &[usize], values: &[f32]) -> crate::ir::TensorId {
    g.add_const(
        name,
        TensorType::new(DType::F32, shape.to_vec()),
        ConstData::from_f32(values),
    )
}

fn i32_const(g: &mut Graph, name: &str, shape: &[usize], values: &[i32]) -> crate::ir::TensorId {
    g.add_const(
        name,
        TensorType::new(DType::I32, shape.to_vec()),
        ConstData::from_i32(values),
    )
}

fn ramp(n: usize, scale: f32) -> Vec<f32> {
    (0..n)
        .map(|i| (i as f32 - n as f32 / 2.0) * scale)
        .collect()
}

/// Float: input → PAD(1) → conv 3×3 → MUL c → ADD c → RELU → MAX_POOL 2×2 → RESHAPE → RESHAPE(same) → output.
fn float_graph() -> Graph {
    let mut g = Graph::new("float_test");
    let f = |shape: &[usize]| TensorType::new(DType::F32, shape.to_vec());
    let x = g.add_tensor("x", f(&[1, 6, 6, 2]));
    g.inputs.push(x);
    let paddings = i32_const(&mut g, "paddings", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]);
    let padded = g.add_tensor("padded", f(&[1, 8, 8, 2]));
    g.add_node("pad", Op::Pad, vec![Some(x), Some(paddings)], vec![padded]);
    let w = f32_const(&mut g, "w", &[3, 3, 3, 2], &ramp(54, 0.1));
    let b = f32_const(&mut g, "b", &[3], &[0.5, -0.25, 1.0]);
    let conv = g.add_tensor("conv", f(&[1, 6, 6, 3]));
    g.add_node(
        "conv1/Conv2D",
        Op::Conv2d {
            window: window(0, 1),
            activation: Activation::None,
        },
        vec![Some(padded), Some(w), Some(b)],
        vec![conv],
    );
    let scale = f32_const(&mut g, "bn/scale", &[3], &[2.0, 0.5, -1.5]);
    let scaled = g.add_tensor("scaled", f(&[1, 6, 6, 3]));
    g.add_node(
        "bn/mul",
        Op::Mul {
            activation: Activation::None,
        },
        vec![Some(conv), Some(scale)],
        vec![scaled],
    );
    let shift = f32_const(&mut g, "bn/shift", &[1, 1, 1, 3], &[0.1, 0.2, 0.3]);
    let shifted = g.add_tensor("shifted", f(&[1, 6, 6, 3]));
    g.add_node(
        "bn/add",
        Op::Add {
            activation: Activation::None,
        },
        vec![Some(shift), Some(scaled)],
        vec![shifted],
    );
    let relu = g.add_tensor("relu", f(&[1, 6, 6, 3]));
    g.add_node("conv1/Relu", Op::Relu, vec![Some(shifted)], vec![relu]);
    let pooled = g.add_tensor("pooled", f(&[1, 3, 3, 3]));
    g.add_node(
        "pool1/MaxPool",
        Op::MaxPool2d {
            filter_h: 2,
            filter_w: 2,
            window: window(0, 2),
            activation: Activation::None,
        },
        vec![Some(relu)],
        vec![pooled],
    );
    let flat = g.add_tensor("flat", f(&[1, 27]));
    g.add_node("flatten", Op::Reshape, vec![Some(pooled)], vec![flat]);
    let same = g.add_tensor("same", f(&[1, 27]));
    g.add_node(
        "identity_reshape",
        Op::Reshape,
        vec![Some(flat)],
        vec![same],
    );
    g.outputs.push(same);
    g
}

fn q8(shape: &[usize], scale: f32, zp: i32) -> TensorType {
    TensorType::new(DType::I8, shape.to_vec()).quantized(scale, zp)
}

/// Int8: input → PAD (zero point) → depthwise → RELU6 (same quant) → conv 1×1 → RELU (other quant: not fusable)
/// → AVERAGE_POOL → QUANTIZE (identity) → output; plus a constant TRANSPOSE → DEQUANTIZE branch added into it.
fn int8_graph() -> Graph {
    let mut g = Graph::new("int8_test");
    let x = g.add_tensor("x", q8(&[1, 4, 4, 2], 0.5, -3));
    g.inputs.push(x);
    let paddings = i32_const(&mut g, "paddings", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]);
    let padded = g.add_tensor("padded", q8(&[1, 6, 6, 2], 0.5, -3));
    g.add_node("pad", Op::Pad, vec![Some(x), Some(paddings)], vec![padded]);
    let dw_w = g.add_const(
        "dw/w",
        TensorType {
            dtype: DType::I8,
            shape: vec![1, 3, 3, 2],
            quant: Some(Quant::PerChannel {
                scales: vec![0.01, 0.02],
                zero_points: vec![0, 0],
                axis: 3,
            }),
        },
        ConstData::from_i8(&(0..18).map(|i| (i * 7 % 23 - 11) as i8).collect::<Vec<_>>()),
    );
    let dw = g.add_tensor("dw", q8(&[1, 4, 4, 2], 0.05, -128));
    g.add_node(
        "dw/depthwise",
        Op::DepthwiseConv2d {
            window: window(0, 1),
            depth_multiplier: 1,
            activation: Activation::None,
        },
        vec![Some(padded), Some(dw_w), None],
        vec![dw],
    );
    let dw6 = g.add_tensor("dw6", q8(&[1, 4, 4, 2], 0.05, -128));
    g.add_node("dw/Relu6", Op::Relu6, vec![Some(dw)], vec![dw6]);
    let pw_w = g.add_const(
        "pw/w",
        q8(&[2, 1, 1, 2], 0.02, 0),
        ConstData::from_i8(&[5, -7, 9, 3]),
    );
    let pw = g.add_tensor("pw", q8(&[1, 4, 4, 2], 0.1, 2));
    g.add_node(
        "pw/conv",
        Op::Conv2d {
            window: window(0, 1),
            activation: Activation::None,
        },
        vec![Some(dw6), Some(pw_w), None],
        vec![pw],
    );
    let pw_relu = g.add_tensor("pw_relu", q8(&[1, 4, 4, 2], 0.05, -128));
    g.add_node("pw/Relu", Op::Relu, vec![Some(pw)], vec![pw_relu]);
    let avg = g.add_tensor("avg", q8(&[1, 2, 2, 2], 0.05, -128));
    g.add_node(
        "avg",
        Op::AveragePool2d {
            filter_h: 2,
            filter_w: 2,
            window: window(0, 2),
            activation: Activation::None,
        },
        vec![Some(pw_relu)],
        vec![avg],
    );
    let requant = g.add_tensor("requant", q8(&[1, 2, 2, 2], 0.05, -128));
    g.add_node(
        "identity_quantize",
        Op::Quantize,
        vec![Some(avg)],
        vec![requant],
    );
    // A constant branch: transpose then dequantize, folded at compile time.
    let table = g.add_const(
        "table",
        q8(&[2, 3], 0.5, 1),
        ConstData::from_i8(&[1, 2, 3, 4, 5, 6]),
    );
    let perm = i32_const(&mut g, "perm", &[2], &[1, 0]);
    let table_t = g.add_tensor("table_t", q8(&[3, 2], 0.5, 1));
    g.add_node(
        "table/transpose",
        Op::Transpose,
        vec![Some(table), Some(perm)],
        vec![table_t],
    );
    let table_f = g.add_tensor("table_f", TensorType::new(DType::F32, vec![3, 2]));
    g.add_node(
        "table/dequantize",
        Op::Dequantize,
        vec![Some(table_t)],
        vec![table_f],
    );
    let x_f = g.add_tensor("x_f", TensorType::new(DType::F32, vec![1, 2, 2, 2]));
    g.add_node(
        "out/dequantize",
        Op::Dequantize,
        vec![Some(requant)],
        vec![x_f],
    );
    let sq = g.add_tensor("squeezed", TensorType::new(DType::F32, vec![2, 2, 2]));
    g.add_node(
        "out/squeeze",
        Op::Squeeze { axes: vec![0] },
        vec![Some(x_f)],
        vec![sq],
    );
    g.outputs.push(sq);
    g.outputs.push(table_f);
    g
}

/// Runs one pass by name on `g` and renders "before / after / stats" for a snapshot.
fn golden(mut g: Graph, pass: &str) -> (Graph, String) {
    g.verify().expect("test graph verifies");
    let before = g.to_string();
    let report = Pipeline::from_names(&[pass])
        .expect("known pass")
        .run(&mut g, None)
        .expect("pass keeps the graph valid");
    let run = &report.runs[0];
    let text = format!(
        "--- before\n{before}--- after {pass}\n{g}--- stats\n{}\n--- notes\n{}\n",
        run.outcome.stats.join("\n"),
        report.notes.join("\n")
    );
    (g, text)
}

#[test]
fn fuse_activations_float_golden() {
    let (g, text) = golden(float_graph(), "fuse-activations");
    insta::assert_snapshot!(text);
    // The RELU follows an ADD whose output has one reader: fused into the ADD.
    assert!(g.nodes.iter().all(|n| n.op != Op::Relu));
    let add = g
        .nodes
        .iter()
        .find(|n| n.name == "bn/add")
        .expect("add kept");
    assert_eq!(add.op.activation(), Some(Activation::Relu));
    assert_eq!(add.fused, vec!["RELU `conv1/Relu`".to_string()]);
}

#[test]
fn fuse_activations_int8_only_when_quantization_matches() {
    let (g, text) = golden(int8_graph(), "fuse-activations");
    insta::assert_snapshot!(text);
    let dw = g
        .nodes
        .iter()
        .find(|n| n.name == "dw/depthwise")
        .expect("depthwise");
    assert_eq!(dw.op.activation(), Some(Activation::Relu6));
    assert!(
        g.nodes.iter().any(|n| n.name == "pw/Relu"),
        "RELU with different quantization must stay"
    );
}

#[test]
fn fold_pad_golden() {
    let (g, text) = golden(int8_graph(), "fold-pad");
    insta::assert_snapshot!(text);
    assert!(g.nodes.iter().all(|n| n.op != Op::Pad));
    let dw = g
        .nodes
        .iter()
        .find(|n| n.name == "dw/depthwise")
        .expect("depthwise");
    let Op::DepthwiseConv2d { window, .. } = dw.op else {
        panic!("op changed")
    };
    assert_eq!(window.padding, window_pad(1));
}

fn window_pad(p: usize) -> Padding2d {
    Padding2d {
        top: p,
        bottom: p,
        left: p,
        right: p,
    }
}

#[test]
fn fold_pad_keeps_pad_with_another_value() {
    let mut g = int8_graph();
    // Pad with 5 instead of the zero point -3: folding would change the result.
    let v = g.add_const("pad_value", q8(&[], 0.5, -3), ConstData::from_i8(&[5]));
    g.nodes[0].inputs.push(Some(v));
    let (g, _) = golden(g, "fold-pad");
    assert!(g.nodes.iter().any(|n| n.op == Op::Pad));
}

#[test]
fn fold_pad_into_average_pool_is_refused() {
    // Turn the max pool into an average pool fed by a PAD: never exact, must stay.
    let mut g = padded_max_pool_graph(Activation::Relu);
    let pool = g
        .nodes
        .iter_mut()
        .find(|n| n.name == "pool1/MaxPool")
        .expect("pool");
    pool.op = Op::AveragePool2d {
        filter_h: 2,
        filter_w: 2,
        window: window(0, 2),
        activation: Activation::Relu,
    };
    let (g, _) = golden(g, "fold-pad");
    assert!(
        g.nodes.iter().any(|n| n.name == "pad2"),
        "PAD before an average pool must stay"
    );
    assert!(
        g.nodes.iter().all(|n| n.name != "pad"),
        "PAD before the conv is folded"
    );
}

/// The float test graph with a PAD (1 on each side, value 0) inserted between the RELU and the max pool, and the
/// pool given `activation`; shapes downstream adjusted.
fn padded_max_pool_graph(activation: Activation) -> Graph {
    let mut g = float_graph();
    let relu = g
        .nodes
        .iter()
        .position(|n| n.name == "conv1/Relu")
        .expect("relu");
    let relu_out = g.nodes[relu].output();
    let paddings = i32_const(&mut g, "p2", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]);
    let padded = g.add_tensor("padded2", TensorType::new(DType::F32, vec![1, 8, 8, 3]));
    g.nodes.insert(
        relu + 1,
        crate::ir::Node {
            name: "pad2".into(),
            op: Op::Pad,
            inputs: vec![relu_out, Some(paddings)],
            outputs: vec![padded],
            fused: vec![],
        },
    );
    let pool = g
        .nodes
        .iter_mut()
        .find(|n| n.name == "pool1/MaxPool")
        .expect("pool");
    pool.inputs[0] = Some(padded);
    if let Some(a) = pool.op.activation_mut() {
        *a = activation;
    }
    let pooled = pool.output().expect("out");
    g.tensor_mut(pooled).ty.shape = vec![1, 4, 4, 3];
    let flat = g
        .nodes
        .iter()
        .find(|n| n.name == "flatten")
        .and_then(|n| n.output())
        .expect("flat");
    g.tensor_mut(flat).ty.shape = vec![1, 48];
    let same = g.outputs[0];
    g.tensor_mut(same).ty.shape = vec![1, 48];
    g
}

#[test]
fn fold_pad_into_max_pool_only_with_clamping_activation() {
    // Without an activation, padding with 0 could exceed negative inputs: the PAD must stay.
    let (kept, _) = golden(padded_max_pool_graph(Activation::None), "fold-pad");
    assert!(kept.nodes.iter().any(|n| n.name == "pad2"));
    // With RELU every result is clamped to at least 0, the pad value: folding is exact.
    let g = padded_max_pool_graph(Activation::Relu);
    let (folded, _) = golden(g.clone(), "fold-pad");
    assert!(folded.nodes.iter().all(|n| n.name != "pad2"));
    let pool = folded
        .nodes
        .iter()
        .find(|n| n.name == "pool1/MaxPool")
        .expect("pool");
    let Op::MaxPool2d { window, .. } = pool.op else {
        panic!("op changed")
    };
    assert_eq!(window.padding, window_pad(1));
    assert_same_outputs(&g, &folded, false);
}

#[test]
fn remove_noops_golden() {
    let (g, text) = golden(int8_graph(), "remove-noops");
    insta::assert_snapshot!(text);
    assert!(g.nodes.iter().all(|n| n.name != "identity_quantize"));
    assert!(g.nodes.iter().all(|n| !matches!(n.op, Op::Squeeze { .. })));
    let (g, _) = golden(float_graph(), "remove-noops");
    assert_eq!(g.nodes.iter().filter(|n| n.op == Op::Reshape).count(), 1);
    // The identity reshape wrote the graph output: its name survives.
    assert_eq!(g.tensor(g.outputs[0]).name, "same");
}

#[test]
fn fold_constants_golden() {
    let (g, text) = golden(int8_graph(), "fold-constants");
    insta::assert_snapshot!(text);
    // Only the transpose was foldable (the dequantize writes a graph output); its data is transposed.
    let t = g
        .tensors
        .iter()
        .find(|t| t.name == "table_t")
        .expect("folded tensor");
    assert_eq!(
        t.data.as_ref().map(ConstData::as_i8),
        Some(vec![1, 4, 2, 5, 3, 6])
    );
}

#[test]
fn fold_constants_dequantizes_in_double_precision() {
    let mut g = int8_graph();
    // Make the dequantized table feed a node instead of being an output, so it folds.
    g.outputs.pop();
    let table_f = g
        .tensors
        .iter()
        .position(|t| t.name == "table_f")
        .expect("table_f");
    let table_f = crate::ir::TensorId(table_f as u32);
    let out = g.add_tensor("table_relu", TensorType::new(DType::F32, vec![3, 2]));
    g.add_node("table/relu", Op::Relu, vec![Some(table_f)], vec![out]);
    g.outputs.push(out);
    let (g, _) = golden(g, "fold-constants");
    let t = g
        .tensors
        .iter()
        .find(|t| t.name == "table_f")
        .expect("folded tensor");
    let values = t.data.as_ref().map(ConstData::as_f32).expect("constant");
    assert_eq!(values, vec![0.0, 1.5, 0.5, 2.0, 1.0, 2.5]);
}

#[test]
fn fold_batchnorm_golden() {
    let (g, text) = golden(float_graph(), "fold-batchnorm");
    insta::assert_snapshot!(text);
    let conv = g
        .nodes
        .iter()
        .find(|n| n.name == "conv1/Conv2D")
        .expect("conv");
    assert_eq!(
        conv.fused,
        vec!["MUL `bn/mul`".to_string(), "ADD `bn/add`".to_string()]
    );
    let bias = g
        .tensor(conv.input(2).expect("bias"))
        .data
        .as_ref()
        .map(ConstData::as_f32);
    // b·scale + shift, per channel.
    assert_eq!(
        bias,
        Some(vec![0.5 * 2.0 + 0.1, -0.25 * 0.5 + 0.2, 1.0 * -1.5 + 0.3])
    );
    let w = g
        .tensor(conv.input(1).expect("w"))
        .data
        .as_ref()
        .map(ConstData::as_f32)
        .expect("w");
    let orig = ramp(54, 0.1);
    assert_eq!(w[0], orig[0] * 2.0);
    assert_eq!(w[18], orig[18] * 0.5);
    assert_eq!(w[53], orig[53] * -1.5);
}

#[test]
fn fold_batchnorm_leaves_int8_alone() {
    let (g, _) = golden(int8_graph(), "fold-batchnorm");
    assert_eq!(g, {
        let mut g0 = int8_graph();
        g0.remove_unused_tensors();
        g0
    });
}

#[test]
fn fuse_conv_pool_golden() {
    let mut g = float_graph();
    Pipeline::from_names(&["fold-batchnorm", "fuse-activations"])
        .expect("names")
        .run(&mut g, None)
        .expect("runs");
    let (g, text) = golden(g, "fuse-conv-pool");
    insta::assert_snapshot!(text);
    let conv = g
        .nodes
        .iter()
        .find(|n| n.name == "conv1/Conv2D")
        .expect("conv");
    assert_eq!(conv.op.name(), "conv2d-max-pool");
    assert_eq!(
        conv.op.activation(),
        Some(Activation::None),
        "the pool's own activation"
    );
}

#[test]
fn expand_conv_pool_is_the_inverse_of_the_fusion() {
    let mut g = float_graph();
    Pipeline::default_pipeline()
        .run(&mut g, None)
        .expect("pipeline");
    let expanded = expand_conv_pool(&g);
    expanded.verify().expect("expanded graph verifies");
    assert_eq!(expanded.nodes.len(), g.nodes.len() + 1);
    assert_eq!(
        expanded.tensors[..g.tensors.len()],
        g.tensors[..],
        "existing tensor ids keep their meaning"
    );
    let ops: Vec<&str> = expanded.nodes.iter().map(|n| n.op.name()).collect();
    assert_eq!(ops, ["conv2d", "max-pool2d", "reshape"]);
    let mut refused = expanded.clone();
    Pipeline::from_names(&["fuse-conv-pool"])
        .expect("name")
        .run(&mut refused, None)
        .expect("runs");
    assert_eq!(
        refused.nodes[0].op, g.nodes[0].op,
        "fusing the expansion gives the same node back"
    );
}

#[test]
fn default_pipeline_on_test_graphs() {
    for (g, layers_after) in [(float_graph(), 2), (int8_graph(), 7)] {
        let (g, text) = {
            let mut g = g;
            let before = g.to_string();
            let report = Pipeline::default_pipeline()
                .run(&mut g, None)
                .expect("pipeline");
            let stats: Vec<String> = report
                .runs
                .iter()
                .map(|r| format!("{}: {}", r.pass, r.outcome.stats.join("; ")))
                .collect();
            let text = format!(
                "--- before\n{before}--- after\n{g}--- stats\n{}\n",
                stats.join("\n")
            );
            (g, text)
        };
        insta::assert_snapshot!(format!("default_pipeline_{}", g.name), text);
        assert_eq!(g.nodes.len(), layers_after, "{g}");
    }
}

#[test]
fn default_pipeline_names_are_the_registry() {
    assert_eq!(
        Pipeline::default_pipeline().names(),
        DEFAULT_PIPELINE.to_vec()
    );
    for name in DEFAULT_PIPELINE {
        assert_eq!(pass_by_name(name).map(|p| p.name()), Ok(*name));
    }
}

#[test]
fn stop_after_runs_a_prefix() {
    let mut g = float_graph();
    let report = Pipeline::default_pipeline()
        .run(&mut g, Some("fold-pad"))
        .expect("runs");
    let ran: Vec<&str> = report.runs.iter().map(|r| r.pass.as_str()).collect();
    assert_eq!(ran, vec!["fold-constants", "remove-noops", "fold-pad"]);
    assert!(
        g.nodes.iter().any(|n| n.op == Op::Relu),
        "fuse-activations did not run"
    );
    let err = Pipeline::default_pipeline()
        .run(&mut float_graph(), Some("fuse-everything"))
        .expect_err("unknown name");
    assert!(err.to_string().contains("fuse-everything"), "{err}");
    assert!(matches!(
        pass_by_name("nope"),
        Err(PassError::UnknownPass { .. })
    ));
}

#[test]
fn configs_reject_unknown_fields() {
    let ok: Result<FuseActivations, _> = serde_json::from_str("{}");
    assert!(ok.is_ok());
    let bad: Result<FoldPad, _> = serde_json::from_str(r#"{"fold_average_pools": true}"#);
    assert!(bad.is_err());
}

/// A deliberately wrong pass: drops the first node without rewiring its readers.
#[derive(Debug)]
struct BreakTheGraph;

impl Pass for BreakTheGraph {
    fn name(&self) -> &'static str {
        "break-the-graph"
    }
    fn description(&self) -> &'static str {
        "test only: removes the first node and leaves its readers dangling"
    }
    fn run(&self, graph: &mut Graph, _cx: &mut PassCx) -> Result<PassOutcome, PassError> {
        graph.nodes.remove(0);
        Ok(PassOutcome {
            changed: true,
            stats: vec!["broke 1 node".into()],
        })
    }
}

#[test]
fn a_pass_that_breaks_an_invariant_is_named() {
    let mut g = float_graph();
    let pipeline = Pipeline::new(vec![
        Box::new(RemoveNoops::default()),
        Box::new(BreakTheGraph),
    ]);
    let err = pipeline
        .run(&mut g, None)
        .expect_err("verify must catch it");
    match &err {
        PassError::Broke { pass, source } => {
            assert_eq!(pass, "break-the-graph");
            assert!(
                matches!(**source, crate::ir::VerifyError::NotYetComputed { .. }),
                "{source}"
            );
        }
        other => panic!("expected Broke, got {other:?}"),
    }
    assert!(
        err.to_string()
            .contains("pass `break-the-graph` broke the graph"),
        "{err}"
    );
    let cause = std::error::Error::source(&err)
        .expect("the violated invariant is the source")
        .to_string();
    assert!(
        !err.to_string().contains(&cause),
        "the message repeats its source, so an error chain would print it twice: {err}"
    );
}

/// Asserts that the reference interpreter computes the same outputs for both graphs on seeds 0–4: bit for bit,
/// except float outputs of graphs with float arithmetic (`float_tolerance`), which may differ by 1e-6 of the
/// largest output (batch-norm folding rounds differently).
fn assert_same_outputs(original: &Graph, optimized: &Graph, float_tolerance: bool) {
    use crate::interp::{TensorData, random_inputs, run};
    let f32s = |t: &TensorData| ConstData::from_bytes(t.bytes.clone()).as_f32();
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..5 {
        let inputs = random_inputs(original, seed);
        let a = run(original, &inputs).expect("original runs");
        let b = run(optimized, &inputs).expect("optimized runs");
        seen.insert(
            a.outputs()
                .iter()
                .map(|t| t.bytes.clone())
                .collect::<Vec<_>>(),
        );
        for (x, y) in a.outputs().iter().zip(b.outputs()) {
            assert_eq!((x.dtype, &x.shape), (y.dtype, &y.shape));
            if x.dtype == DType::F32 && float_tolerance {
                let (xv, yv) = (f32s(x), f32s(y));
                let scale = xv.iter().fold(0f32, |m, v| m.max(v.abs()));
                assert!(scale > 0.0, "outputs are not all zero");
                for (p, q) in xv.iter().zip(&yv) {
                    assert!(
                        (p - q).abs() <= 1e-6 * scale,
                        "{}: seed {seed}: {p} vs {q}",
                        original.name
                    );
                }
            } else {
                assert_eq!(x.bytes, y.bytes, "{}: seed {seed}", original.name);
            }
        }
    }
    assert!(
        seen.len() > 1,
        "{}: the outputs must depend on the inputs for the comparison to mean something",
        original.name
    );
}

/// Interpreter outputs of the test graphs are unchanged by the pipeline.
#[test]
fn interpreter_outputs_unchanged_by_the_default_pipeline() {
    for (original, float_math) in [(float_graph(), true), (int8_graph(), false)] {
        let mut optimized = original.clone();
        Pipeline::default_pipeline()
            .run(&mut optimized, None)
            .expect("pipeline");
        assert!(optimized.nodes.len() < original.nodes.len());
        assert_same_outputs(&original, &optimized, float_math);
    }
}

#[test]
fn fold_constants_evaluates_any_operator_with_the_interpreter() {
    let mut g = Graph::new("const_add");
    let ty = || TensorType::new(DType::F32, vec![2]);
    let x = g.add_tensor("x", ty());
    g.inputs.push(x);
    let a = f32_const(&mut g, "a", &[2], &[1.5, -2.0]);
    let b = f32_const(&mut g, "b", &[2], &[0.25, 4.0]);
    let ab = g.add_tensor("ab", ty());
    g.add_node(
        "const_add",
        Op::Add {
            activation: Activation::Relu,
        },
        vec![Some(a), Some(b)],
        vec![ab],
    );
    let y = g.add_tensor("y", ty());
    g.add_node(
        "mul",
        Op::Mul {
            activation: Activation::None,
        },
        vec![Some(x), Some(ab)],
        vec![y],
    );
    g.outputs.push(y);
    let (g, text) = golden(g, "fold-constants");
    assert_eq!(g.nodes.len(), 1, "{text}");
    let folded = g
        .tensors
        .iter()
        .find(|t| t.name == "ab")
        .and_then(|t| t.data.as_ref())
        .map(ConstData::as_f32);
    assert_eq!(folded, Some(vec![1.75, 2.0]), "relu(a + b)");
}

/// Int8: FC → RELU_N1_TO_1 → MUL(const) → RELU6 → ADD(const) → RELU, each activation with its producer's
/// quantization: all three fuse, and the interpreter computes the same bytes.
#[test]
fn int8_activations_fuse_into_fc_mul_and_add_exactly() {
    let mut g = Graph::new("int8_chain");
    let x = g.add_tensor("x", q8(&[1, 8], 0.05, 3));
    g.inputs.push(x);
    let w = g.add_const(
        "w",
        q8(&[4, 8], 0.01, 0),
        ConstData::from_i8(
            &(0..32)
                .map(|i| (i * 37 % 255 - 127) as i8)
                .collect::<Vec<_>>(),
        ),
    );
    let bias = g.add_const(
        "bias",
        TensorType::new(DType::I32, vec![4]).quantized(0.0005, 0),
        ConstData::from_i32(&[100, -300, 50, 0]),
    );
    let chain = |g: &mut Graph,
                 name: &str,
                 op: Op,
                 inputs: Vec<Option<crate::ir::TensorId>>,
                 q: (f32, i32)| {
        let out = g.add_tensor(name, q8(&[1, 4], q.0, q.1));
        g.add_node(name, op, inputs, vec![out]);
        out
    };
    let none = Activation::None;
    let fc = chain(
        &mut g,
        "fc",
        Op::FullyConnected {
            activation: none,
            keep_num_dims: false,
        },
        vec![Some(x), Some(w), Some(bias)],
        (0.02, -5),
    );
    let fc1 = chain(
        &mut g,
        "fc/relu_n1_to_1",
        Op::ReluN1To1,
        vec![Some(fc)],
        (0.02, -5),
    );
    let k = g.add_const(
        "k",
        q8(&[4], 0.03, 1),
        ConstData::from_i8(&[40, -60, 90, 120]),
    );
    let mul = chain(
        &mut g,
        "mul",
        Op::Mul { activation: none },
        vec![Some(fc1), Some(k)],
        (0.004, -20),
    );
    let mul6 = chain(
        &mut g,
        "mul/relu6",
        Op::Relu6,
        vec![Some(mul)],
        (0.004, -20),
    );
    let c = g.add_const(
        "c",
        q8(&[4], 0.01, 0),
        ConstData::from_i8(&[-30, 10, 50, -90]),
    );
    let add = chain(
        &mut g,
        "add",
        Op::Add { activation: none },
        vec![Some(mul6), Some(c)],
        (0.006, 7),
    );
    let out = chain(&mut g, "add/relu", Op::Relu, vec![Some(add)], (0.006, 7));
    g.outputs.push(out);
    let (optimized, text) = golden(g.clone(), "fuse-activations");
    assert_eq!(optimized.nodes.len(), 3, "{text}");
    let acts: Vec<_> = optimized.nodes.iter().map(|n| n.op.activation()).collect();
    assert_eq!(
        acts,
        vec![
            Some(Activation::ReluN1To1),
            Some(Activation::Relu6),
            Some(Activation::Relu)
        ]
    );
    assert_same_outputs(&g, &optimized, false);
}
