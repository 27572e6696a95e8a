//! Unit tests of the IR: verification catches each kind of inconsistency; shape rules follow TFLite.

use super::*;

fn i8_type(shape: &[usize]) -> TensorType {
    TensorType::new(DType::I8, shape.to_vec()).quantized(0.05, -3)
}

/// input [1,8,8,4] → conv 3×3 stride 1 SAME → [1,8,8,6]
fn conv_graph() -> Graph {
    let mut g = Graph::new("t");
    let x = g.add_tensor("x", i8_type(&[1, 8, 8, 4]));
    let w = g.add_const(
        "w",
        i8_type(&[6, 3, 3, 4]),
        ConstData::from_i8(&[1; 6 * 9 * 4]),
    );
    let b = g.add_const(
        "b",
        TensorType::new(DType::I32, vec![6]),
        ConstData::from_i32(&[0; 6]),
    );
    let y = g.add_tensor("y", i8_type(&[1, 8, 8, 6]));
    let (top, bottom) = Padding2d::tflite_1d(true, 8, 3, 1, 1);
    let window = Window2d {
        stride_h: 1,
        stride_w: 1,
        dilation_h: 1,
        dilation_w: 1,
        padding: Padding2d {
            top,
            bottom,
            left: top,
            right: bottom,
        },
    };
    g.add_node(
        "conv",
        Op::Conv2d {
            window,
            activation: Activation::Relu,
        },
        vec![Some(x), Some(w), Some(b)],
        vec![y],
    );
    g.inputs = vec![x];
    g.outputs = vec![y];
    g
}

#[test]
fn a_consistent_graph_verifies() {
    conv_graph().verify().expect("verifies");
}

#[test]
fn same_padding_follows_tflite() {
    assert_eq!(Padding2d::tflite_1d(true, 8, 3, 1, 1), (1, 1));
    assert_eq!(Padding2d::tflite_1d(true, 96, 3, 2, 1), (0, 1));
    assert_eq!(Padding2d::tflite_1d(true, 49, 10, 2, 1), (4, 5));
    assert_eq!(Padding2d::tflite_1d(false, 49, 10, 2, 1), (0, 0));
}

#[test]
fn wrong_output_shape_is_reported_with_node_and_tensor() {
    let mut g = conv_graph();
    g.tensors[3].ty.shape = vec![1, 8, 8, 5];
    let err = g.verify().unwrap_err().to_string();
    assert!(
        err.contains("node `conv`") && err.contains("`y`") && err.contains("[1,8,8,6]"),
        "{err}"
    );
}

#[test]
fn reading_before_computing_is_reported() {
    let mut g = conv_graph();
    g.inputs.clear();
    let err = g.verify().unwrap_err();
    assert!(matches!(err, VerifyError::NotYetComputed { .. }), "{err}");
}

#[test]
fn two_writers_are_reported() {
    let mut g = conv_graph();
    let node = g.nodes[0].clone();
    g.nodes.push(node);
    assert!(matches!(
        g.verify().unwrap_err(),
        VerifyError::MultipleProducers { .. }
    ));
}

#[test]
fn constant_size_is_checked() {
    let mut g = conv_graph();
    g.tensors[2].data = Some(ConstData::from_i32(&[0; 5]));
    assert!(matches!(
        g.verify().unwrap_err(),
        VerifyError::ConstSize { .. }
    ));
}

#[test]
fn dangling_ids_are_reported() {
    let mut g = conv_graph();
    g.outputs = vec![TensorId(99)];
    assert!(matches!(
        g.verify().unwrap_err(),
        VerifyError::DanglingTensor { .. }
    ));
}

#[test]
fn bias_length_must_match_channels() {
    let mut g = conv_graph();
    g.tensors[2].ty.shape = vec![5];
    g.tensors[2].data = Some(ConstData::from_i32(&[0; 5]));
    let err = g.verify().unwrap_err().to_string();
    assert!(err.contains("bias has 5 elements, expected 6"), "{err}");
}

#[test]
fn broadcasting_follows_numpy() {
    assert_eq!(
        infer::broadcast_shapes(&[1, 4, 4, 8], &[8]).expect("ok"),
        vec![1, 4, 4, 8]
    );
    assert_eq!(
        infer::broadcast_shapes(&[2, 1], &[1, 3]).expect("ok"),
        vec![2, 3]
    );
    assert!(infer::broadcast_shapes(&[2, 3], &[4]).is_err());
}

#[test]
fn strided_slice_shapes() {
    let masks = StridedSliceMasks {
        shrink_axis_mask: 0b10,
        ..Default::default()
    };
    let r = infer::strided_slice_ranges(&[1, 5, 8], &[0, 2, 0], &[1, 3, 8], &[1, 1, 2], &masks)
        .expect("ok");
    assert_eq!(r.iter().map(|x| x.2).collect::<Vec<_>>(), vec![1, 1, 4]);
    let r = infer::strided_slice_ranges(&[10], &[-1], &[0], &[-1], &StridedSliceMasks::default())
        .expect("ok");
    assert_eq!(r[0], (9, -1, 9));
}

#[test]
fn retain_nodes_renumbers_tensors() {
    let mut g = conv_graph();
    let y2 = g.add_tensor("y2", i8_type(&[1, 8, 8, 6]));
    g.add_node("relu", Op::Relu, vec![Some(TensorId(3))], vec![y2]);
    g.outputs = vec![y2];
    g.verify().expect("verifies");
    g.outputs = vec![TensorId(3)];
    g.retain_nodes(|_, n| n.name != "relu");
    assert_eq!(g.tensors.len(), 4);
    g.verify().expect("still verifies");
}

#[test]
fn text_form_is_stable() {
    let text = conv_graph().to_string();
    assert_eq!(
        text,
        "graph t\n  input  t0 \"x\" i8[1,8,8,4] {s=5e-2 zp=-3}\n  n0 \"conv\" = conv2d(stride=1x1 pad=t1b1l1r1 act=relu)(t0, t1:const i8[6,3,3,4] {s=5e-2 zp=-3}, t2:const i32[6]) -> t3 i8[1,8,8,6] {s=5e-2 zp=-3}\n  output t3 \"y\"\n"
    );
}
