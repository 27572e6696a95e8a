//! Output type inference for every operator: the single source of truth for shapes.
//!
//! The importer uses it to cross-check the shapes a model file declares, and `verify()` uses it after every pass.

use super::{DType, Graph, Node, Op, Shape, StridedSliceMasks, num_elements};

/// Inferred type of one output: the shape is always known; the dtype is `None` when the operator allows a choice
/// (quantize picks its output dtype).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inferred {
    /// Expected dtype, when the operator determines it.
    pub dtype: Option<DType>,
    /// Expected shape.
    pub shape: Shape,
}

fn operand<'g>(
    graph: &'g Graph,
    node: &Node,
    i: usize,
    what: &str,
) -> Result<&'g super::Tensor, String> {
    let id = node
        .input(i)
        .ok_or_else(|| format!("missing operand {i} ({what})"))?;
    graph
        .tensors
        .get(id.index())
        .ok_or_else(|| format!("operand {i} ({what}) refers to unknown tensor {id}"))
}

fn const_ints(graph: &Graph, node: &Node, i: usize, what: &str) -> Result<Vec<i64>, String> {
    let t = operand(graph, node, i, what)?;
    let data = t
        .data
        .as_ref()
        .ok_or_else(|| format!("operand {i} ({what}) must be a constant"))?;
    data.as_index_values(t.ty.dtype).ok_or_else(|| {
        format!(
            "operand {i} ({what}) must be i32 or i64, found {}",
            t.ty.dtype
        )
    })
}

fn rank_check(shape: &[usize], rank: usize, what: &str) -> Result<(), String> {
    if shape.len() != rank {
        return Err(format!(
            "{what} must have rank {rank}, found shape {shape:?}"
        ));
    }
    Ok(())
}

fn normalize_axis(axis: i64, rank: usize) -> Result<usize, String> {
    let r = rank as i64;
    let a = if axis < 0 { axis + r } else { axis };
    if a < 0 || a >= r.max(1) {
        return Err(format!("axis {axis} out of range for rank {rank}"));
    }
    Ok(a as usize)
}

/// Numpy-style broadcast of two shapes.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Shape, String> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank {
            a[i + a.len() - rank]
        } else {
            1
        };
        let db = if i + b.len() >= rank {
            b[i + b.len() - rank]
        } else {
            1
        };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return Err(format!("shapes {a:?} and {b:?} do not broadcast")),
        };
    }
    Ok(out)
}

/// Resolved begin/stride/size per axis of a strided slice, before shrinking.
pub fn strided_slice_ranges(
    input: &[usize],
    begin: &[i64],
    end: &[i64],
    strides: &[i64],
    masks: &StridedSliceMasks,
) -> Result<Vec<(i64, i64, usize)>, String> {
    if masks.new_axis_mask != 0 || masks.ellipsis_mask != 0 {
        return Err("strided slice with new_axis_mask or ellipsis_mask is not supported".into());
    }
    if begin.len() != input.len() || end.len() != input.len() || strides.len() != input.len() {
        return Err(format!(
            "strided slice begin/end/strides must have {} entries (the input's rank)",
            input.len()
        ));
    }
    let mut out = Vec::with_capacity(input.len());
    for (i, &dim) in input.iter().enumerate() {
        let dim = dim as i64;
        let stride = strides[i];
        if stride == 0 {
            return Err(format!("strided slice stride of axis {i} is zero"));
        }
        let clamp = |v: i64, lo: i64, hi: i64| v.max(lo).min(hi);
        let mut b = begin[i];
        if masks.begin_mask & (1 << i) != 0 {
            b = if stride > 0 { 0 } else { dim - 1 };
        } else {
            if b < 0 {
                b += dim;
            }
            b = if stride > 0 {
                clamp(b, 0, dim)
            } else {
                clamp(b, -1, dim - 1)
            };
        }
        let shrink = masks.shrink_axis_mask & (1 << i) != 0;
        let mut e = if masks.offset {
            begin[i] + end[i]
        } else {
            end[i]
        };
        if shrink {
            e = b + 1;
        } else if masks.end_mask & (1 << i) != 0 {
            e = if stride > 0 { dim } else { -1 };
        } else {
            if e < 0 && !(masks.offset) {
                e += dim;
            }
            e = if stride > 0 {
                clamp(e, 0, dim)
            } else {
                clamp(e, -1, dim - 1)
            };
        }
        let size = if stride > 0 {
            ((e - b).max(0) + stride - 1) / stride
        } else {
            ((b - e).max(0) + (-stride) - 1) / (-stride)
        };
        out.push((b, stride, size as usize));
    }
    Ok(out)
}

/// Infers the output types of `node` from its operands, or says why the operands are invalid.
pub fn infer_output_types(graph: &Graph, node: &Node) -> Result<Vec<Inferred>, String> {
    let x = operand(graph, node, 0, "input")?;
    let xs = &x.ty.shape;
    let same = |shape: Shape| {
        Ok(vec![Inferred {
            dtype: Some(x.ty.dtype),
            shape,
        }])
    };
    match &node.op {
        Op::Conv2d { window, .. } => {
            let w = operand(graph, node, 1, "filter")?;
            rank_check(xs, 4, "conv input")?;
            rank_check(&w.ty.shape, 4, "conv filter")?;
            let (cout, kh, kw, cin_g) =
                (w.ty.shape[0], w.ty.shape[1], w.ty.shape[2], w.ty.shape[3]);
            if cin_g == 0 || xs[3] % cin_g != 0 {
                return Err(format!(
                    "filter input depth {cin_g} does not divide the input's {} channels",
                    xs[3]
                ));
            }
            check_bias(graph, node, cout)?;
            let (oh, ow) = window
                .output_hw(xs[1], xs[2], kh, kw)
                .ok_or("filter larger than the padded input")?;
            same(vec![xs[0], oh, ow, cout])
        }
        Op::DepthwiseConv2d {
            window,
            depth_multiplier,
            ..
        } => {
            let w = operand(graph, node, 1, "filter")?;
            rank_check(xs, 4, "depthwise input")?;
            rank_check(&w.ty.shape, 4, "depthwise filter")?;
            let cout = xs[3] * depth_multiplier;
            if w.ty.shape[0] != 1 || w.ty.shape[3] != cout {
                return Err(format!(
                    "depthwise filter shape {:?} does not match input channels {} × multiplier {}",
                    w.ty.shape, xs[3], depth_multiplier
                ));
            }
            check_bias(graph, node, cout)?;
            let (oh, ow) = window
                .output_hw(xs[1], xs[2], w.ty.shape[1], w.ty.shape[2])
                .ok_or("filter larger than the padded input")?;
            same(vec![xs[0], oh, ow, cout])
        }
        Op::FullyConnected { keep_num_dims, .. } => {
            let w = operand(graph, node, 1, "weights")?;
            rank_check(&w.ty.shape, 2, "fully-connected weights")?;
            let (out, inp) = (w.ty.shape[0], w.ty.shape[1]);
            let total = num_elements(xs);
            if inp == 0 || total % inp != 0 {
                return Err(format!(
                    "input of {total} elements is not a whole number of rows of {inp} (weights {:?})",
                    w.ty.shape
                ));
            }
            check_bias(graph, node, out)?;
            if *keep_num_dims {
                let mut s = xs.clone();
                if s.last() != Some(&inp) {
                    return Err(format!(
                        "keep_num_dims needs the input's last dim to be {inp}"
                    ));
                }
                if let Some(l) = s.last_mut() {
                    *l = out;
                }
                same(s)
            } else {
                same(vec![total / inp, out])
            }
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
        } => {
            rank_check(xs, 4, "pooling input")?;
            let (oh, ow) = window
                .output_hw(xs[1], xs[2], *filter_h, *filter_w)
                .ok_or("pooling window larger than the padded input")?;
            same(vec![xs[0], oh, ow, xs[3]])
        }
        Op::Add { .. } | Op::Sub { .. } | Op::Mul { .. } => {
            let y = operand(graph, node, 1, "second operand")?;
            if y.ty.dtype != x.ty.dtype {
                return Err(format!(
                    "operand dtypes differ: {} and {}",
                    x.ty.dtype, y.ty.dtype
                ));
            }
            same(broadcast_shapes(xs, &y.ty.shape)?)
        }
        Op::Concatenation { axis, .. } => {
            let mut s = xs.clone();
            if *axis >= s.len() {
                return Err(format!("axis {axis} out of range for rank {}", s.len()));
            }
            s[*axis] = 0;
            for i in 0..node.inputs.len() {
                let t = operand(graph, node, i, "input")?;
                let ts = &t.ty.shape;
                if ts.len() != xs.len()
                    || ts
                        .iter()
                        .zip(xs)
                        .enumerate()
                        .any(|(d, (a, b))| d != *axis && a != b)
                {
                    return Err(format!(
                        "input {i} shape {ts:?} does not match {xs:?} outside axis {axis}"
                    ));
                }
                s[*axis] += ts[*axis];
            }
            same(s)
        }
        Op::Pad => {
            let p = const_ints(graph, node, 1, "paddings")?;
            if p.len() != 2 * xs.len() || p.iter().any(|&v| v < 0) {
                return Err(format!(
                    "paddings {p:?} must be {} non-negative pairs",
                    xs.len()
                ));
            }
            same(
                xs.iter()
                    .enumerate()
                    .map(|(i, d)| d + (p[2 * i] + p[2 * i + 1]) as usize)
                    .collect(),
            )
        }
        Op::Mean { keep_dims } | Op::ReduceMax { keep_dims } => {
            let axes = const_ints(graph, node, 1, "axes")?
                .into_iter()
                .map(|a| normalize_axis(a, xs.len()))
                .collect::<Result<Vec<_>, _>>()?;
            let s = xs
                .iter()
                .enumerate()
                .filter_map(|(i, &d)| match (axes.contains(&i), keep_dims) {
                    (true, true) => Some(1),
                    (true, false) => None,
                    (false, _) => Some(d),
                })
                .collect();
            same(s)
        }
        Op::Softmax { .. }
        | Op::Logistic
        | Op::Tanh
        | Op::Relu
        | Op::Relu6
        | Op::ReluN1To1
        | Op::LeakyRelu { .. }
        | Op::HardSwish => same(xs.clone()),
        Op::Quantize => Ok(vec![Inferred {
            dtype: None,
            shape: xs.clone(),
        }]),
        Op::Dequantize => Ok(vec![Inferred {
            dtype: Some(DType::F32),
            shape: xs.clone(),
        }]),
        Op::Reshape => {
            let out = node.output().ok_or("reshape has no output")?;
            let out_shape = &graph
                .tensors
                .get(out.index())
                .ok_or("reshape output refers to an unknown tensor")?
                .ty
                .shape;
            if num_elements(out_shape) != num_elements(xs) {
                return Err(format!(
                    "cannot reshape {xs:?} to {out_shape:?}: element counts differ"
                ));
            }
            same(out_shape.clone())
        }
        Op::Squeeze { axes } => {
            let s = xs
                .iter()
                .enumerate()
                .filter(|&(i, &d)| !(d == 1 && (axes.is_empty() || axes.contains(&i))))
                .map(|(_, &d)| d)
                .collect();
            if let Some(a) = axes.iter().find(|&&a| xs.get(a) != Some(&1)) {
                return Err(format!("cannot squeeze axis {a} of shape {xs:?}"));
            }
            same(s)
        }
        Op::Transpose => {
            let perm = const_ints(graph, node, 1, "permutation")?;
            let mut seen = vec![false; xs.len()];
            let mut s = Vec::with_capacity(xs.len());
            for &p in &perm {
                let p = normalize_axis(p, xs.len())?;
                if std::mem::replace(&mut seen[p], true) {
                    return Err(format!("permutation {perm:?} repeats axis {p}"));
                }
                s.push(xs[p]);
            }
            if s.len() != xs.len() {
                return Err(format!(
                    "permutation {perm:?} does not match rank {}",
                    xs.len()
                ));
            }
            same(s)
        }
        Op::StridedSlice { masks } => {
            let begin = const_ints(graph, node, 1, "begin")?;
            let end = const_ints(graph, node, 2, "end")?;
            let strides = const_ints(graph, node, 3, "strides")?;
            let ranges = strided_slice_ranges(xs, &begin, &end, &strides, masks)?;
            let s = ranges
                .iter()
                .enumerate()
                .filter(|(i, _)| masks.shrink_axis_mask & (1 << i) == 0)
                .map(|(_, r)| r.2)
                .collect();
            same(s)
        }
    }
}

fn check_bias(graph: &Graph, node: &Node, channels: usize) -> Result<(), String> {
    if let Some(b) = node.input(2) {
        let t = graph
            .tensors
            .get(b.index())
            .ok_or_else(|| format!("bias refers to unknown tensor {b}"))?;
        if t.ty.num_elements() != channels {
            return Err(format!(
                "bias has {} elements, expected {channels} (one per output channel)",
                t.ty.num_elements()
            ));
        }
    }
    Ok(())
}
