//! `fold-constants`: evaluates nodes whose operands are all constants and replaces them by constant tensors.
//!
//! Evaluated directly here: RESHAPE and SQUEEZE (same bytes), TRANSPOSE (permuted elements) and DEQUANTIZE
//! (`scale × (q − zero_point)` computed in double precision and rounded to float, as TFLite Micro does).
//! Other all-constant nodes are left alone and listed in a note.

use super::rewrite::remove_node;
use super::{Pass, PassCx, PassError, PassOutcome};
use crate::ir::{ConstData, DType, Graph, NodeId, Op, Quant};
use serde::{Deserialize, Serialize};

/// Replaces reshape, squeeze, transpose and dequantize nodes of constants by their constant result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FoldConstants {}

/// Row-major strides of a shape, in elements.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// `data` (elements of `elem_bytes` bytes, shape `shape`) transposed by `perm`.
fn transpose(data: &[u8], elem_bytes: usize, shape: &[usize], perm: &[usize]) -> Vec<u8> {
    let in_strides = strides(shape);
    let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let count: usize = out_shape.iter().product();
    let mut out = Vec::with_capacity(count * elem_bytes);
    let mut index = vec![0usize; out_shape.len()];
    for _ in 0..count {
        let src: usize = index
            .iter()
            .zip(perm)
            .map(|(&i, &p)| i * in_strides[p])
            .sum();
        out.extend_from_slice(&data[src * elem_bytes..(src + 1) * elem_bytes]);
        for d in (0..index.len()).rev() {
            index[d] += 1;
            if index[d] < out_shape[d] {
                break;
            }
            index[d] = 0;
        }
    }
    out
}

/// Dequantized values of a quantized constant, or `None` for types this pass does not evaluate.
fn dequantize(graph: &Graph, t: crate::ir::TensorId) -> Option<Vec<f32>> {
    let tensor = graph.tensor(t);
    let data = tensor.data.as_ref()?;
    let q: Vec<i32> = match tensor.ty.dtype {
        DType::I8 => data.as_i8().into_iter().map(i32::from).collect(),
        DType::U8 => data.as_u8().iter().map(|&v| i32::from(v)).collect(),
        DType::I16 => data.as_i16().into_iter().map(i32::from).collect(),
        _ => return None,
    };
    let quant = tensor.ty.quant.as_ref()?;
    let (axis, inner) = match quant {
        Quant::PerTensor { .. } => (None, 1),
        Quant::PerChannel { axis, .. } => (Some(*axis), strides(&tensor.ty.shape)[*axis]),
    };
    let channels = axis.map_or(1, |a| tensor.ty.shape[a]);
    Some(
        q.iter()
            .enumerate()
            .map(|(i, &v)| {
                let c = (i / inner) % channels.max(1);
                (f64::from(quant.scale(c)) * f64::from(v - quant.zero_point(c))) as f32
            })
            .collect(),
    )
}

/// The constant result of `id`, when this pass can evaluate it.
fn evaluate(graph: &Graph, id: NodeId) -> Option<ConstData> {
    let node = graph.node(id);
    let input = graph.tensor(node.input(0)?);
    let data = input.data.as_ref()?;
    match &node.op {
        Op::Reshape | Op::Squeeze { .. } => Some(data.clone()),
        Op::Transpose => {
            let p = graph.tensor(node.input(1)?);
            let perm = p.data.as_ref()?.as_index_values(p.ty.dtype)?;
            let rank = input.ty.shape.len() as i64;
            let perm: Vec<usize> = perm
                .iter()
                .map(|&a| usize::try_from(if a < 0 { a + rank } else { a }).ok())
                .collect::<Option<_>>()?;
            Some(ConstData::from_bytes(transpose(
                data.bytes(),
                input.ty.dtype.size_bytes(),
                &input.ty.shape,
                &perm,
            )))
        }
        Op::Dequantize => Some(ConstData::from_f32(&dequantize(graph, node.input(0)?)?)),
        _ => None,
    }
}

impl Pass for FoldConstants {
    fn name(&self) -> &'static str {
        "fold-constants"
    }

    fn description(&self) -> &'static str {
        "Evaluates reshape, squeeze, transpose and dequantize nodes whose operands are all constants, replacing \
         them by constant tensors."
    }

    fn run(&self, graph: &mut Graph, cx: &mut PassCx) -> Result<PassOutcome, PassError> {
        let mut folded = 0;
        let skipped: Vec<String> = loop {
            let all_const = |id: NodeId| {
                let n = graph.node(id);
                n.inputs.iter().any(Option::is_some)
                    && n.inputs
                        .iter()
                        .flatten()
                        .all(|&t| graph.tensor(t).is_const())
                    && n.outputs.len() == 1
                    && n.outputs.iter().all(|&t| !graph.is_output(t))
            };
            let candidates: Vec<NodeId> = graph.node_ids().filter(|&id| all_const(id)).collect();
            let found = candidates
                .iter()
                .find_map(|&id| evaluate(graph, id).map(|data| (id, data)));
            let Some((id, data)) = found else {
                break candidates
                    .iter()
                    .map(|&id| {
                        let n = graph.node(id);
                        format!("{} `{}` reads only constants but is not folded (not evaluated at compile time yet)", n.op.name(), n.name)
                    })
                    .collect();
            };
            if let Some(out) = graph.node(id).output() {
                let name = graph.node(id).name.clone();
                let tensor = graph.tensor_mut(out);
                tensor.data = Some(data);
                if tensor.name.is_empty() {
                    tensor.name = name;
                }
            }
            remove_node(graph, id);
            folded += 1;
        };
        cx.notes.extend(skipped);
        Ok(PassOutcome {
            changed: folded > 0,
            stats: vec![format!("folded {folded} constant nodes")],
        })
    }
}
