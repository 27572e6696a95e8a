//! `fold-batchnorm`: folds a per-channel (or scalar) MUL or ADD by a constant into the float conv, depthwise conv
//! or fully-connected layer before it — the remnants of batch normalization.
//!
//! `conv(x, w) · c = conv(x, w · c)` and `conv(x, w) + b + c = conv(x, w) + (b + c)` per output channel. Float
//! only: results agree up to float rounding (a product is rounded at a different point). Quantized graphs are
//! left alone, because folding would change the integer arithmetic.

use super::rewrite::{absorb_into_producer, sole_consumer};
use super::{Pass, PassCx, PassError, PassOutcome};
use crate::ir::{Activation, ConstData, DType, Graph, NodeId, Op, TensorId, TensorType};
use serde::{Deserialize, Serialize};

/// Folds float MUL/ADD by a per-channel constant into the preceding conv, depthwise conv or fully-connected
/// weights and bias.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FoldBatchnorm {}

/// A matched pattern: `layer` feeds `arith` (MUL or ADD) whose other operand is the constant `values`
/// (one per output channel).
struct Candidate {
    layer: NodeId,
    arith: NodeId,
    values: Vec<f32>,
    is_mul: bool,
}

fn is_f32(ty: &TensorType) -> bool {
    ty.dtype == DType::F32 && ty.quant.is_none()
}

/// Per-channel values of a constant broadcast along the last axis of `channels` (scalars are repeated).
fn per_channel(graph: &Graph, t: TensorId, channels: usize) -> Option<Vec<f32>> {
    let tensor = graph.tensor(t);
    if !is_f32(&tensor.ty) {
        return None;
    }
    let values = tensor.data.as_ref()?.as_f32();
    let shape = &tensor.ty.shape;
    let leading_ones = shape.iter().rev().skip(1).all(|&d| d == 1);
    match values.len() {
        1 => Some(vec![values[0]; channels]),
        n if n == channels && leading_ones && shape.last() == Some(&channels) => Some(values),
        _ => None,
    }
}

fn find_candidate(graph: &Graph) -> Option<Candidate> {
    for id in graph.node_ids() {
        let node = graph.node(id);
        let is_mul = match node.op {
            Op::Mul { .. } => true,
            Op::Add { .. } => false,
            _ => continue,
        };
        let (Some(a), Some(b), Some(out)) = (node.input(0), node.input(1), node.output()) else {
            continue;
        };
        let (x, c) = if graph.tensor(b).is_const() {
            (a, b)
        } else {
            (b, a)
        };
        let Some(layer) = graph.producer(x) else {
            continue;
        };
        let lnode = graph.node(layer);
        let foldable = matches!(
            lnode.op,
            Op::Conv2d { .. } | Op::DepthwiseConv2d { .. } | Op::FullyConnected { .. }
        ) && lnode.op.activation() == Some(Activation::None)
            && lnode.output() == Some(x)
            && sole_consumer(graph, x) == Some(id);
        let (tx, tout) = (&graph.tensor(x).ty, &graph.tensor(out).ty);
        let weights_f32 = lnode
            .input(1)
            .is_some_and(|w| is_f32(&graph.tensor(w).ty) && graph.tensor(w).is_const());
        let bias_ok = lnode
            .input(2)
            .is_none_or(|b| graph.tensor(b).is_const() && is_f32(&graph.tensor(b).ty));
        if !foldable || !weights_f32 || !bias_ok || !is_f32(tx) || tx != tout {
            continue;
        }
        let channels = tx.shape.last().copied().unwrap_or(0);
        if let Some(values) = per_channel(graph, c, channels) {
            return Some(Candidate {
                layer,
                arith: id,
                values,
                is_mul,
            });
        }
    }
    None
}

/// Applies a matched candidate: new weight and bias constants, then the MUL/ADD node is absorbed.
fn fold(graph: &mut Graph, cand: Candidate) {
    let lnode = graph.node(cand.layer).clone();
    let channels = cand.values.len();
    let depthwise = matches!(lnode.op, Op::DepthwiseConv2d { .. });
    let bias = lnode
        .input(2)
        .and_then(|b| graph.tensor(b).data.as_ref().map(ConstData::as_f32));
    if cand.is_mul {
        if let Some(w) = lnode.input(1) {
            let wt = graph.tensor(w).clone();
            let mut values = wt.data.as_ref().map(ConstData::as_f32).unwrap_or_default();
            let per_row = values.len() / channels.max(1);
            for (i, v) in values.iter_mut().enumerate() {
                let c = if depthwise {
                    i % channels
                } else {
                    i / per_row.max(1)
                };
                *v *= cand.values[c];
            }
            let new_w = graph.add_const(
                format!("{}/folded_weights", lnode.name),
                wt.ty,
                ConstData::from_f32(&values),
            );
            graph.nodes[cand.layer.index()].inputs[1] = Some(new_w);
        }
        if let (Some(b), Some(mut values)) = (lnode.input(2), bias) {
            values
                .iter_mut()
                .zip(&cand.values)
                .for_each(|(v, c)| *v *= c);
            let ty = graph.tensor(b).ty.clone();
            let new_b = graph.add_const(
                format!("{}/folded_bias", lnode.name),
                ty,
                ConstData::from_f32(&values),
            );
            graph.nodes[cand.layer.index()].inputs[2] = Some(new_b);
        }
    } else {
        let mut values = bias.unwrap_or_else(|| vec![0.0; channels]);
        values
            .iter_mut()
            .zip(&cand.values)
            .for_each(|(v, c)| *v += c);
        let ty = TensorType::new(DType::F32, vec![channels]);
        let new_b = graph.add_const(
            format!("{}/folded_bias", lnode.name),
            ty,
            ConstData::from_f32(&values),
        );
        let inputs = &mut graph.nodes[cand.layer.index()].inputs;
        inputs.resize(3, None);
        inputs[2] = Some(new_b);
    }
    let act = graph.node(cand.arith).op.activation().unwrap_or_default();
    if let Some(a) = graph.nodes[cand.layer.index()].op.activation_mut() {
        *a = act;
    }
    absorb_into_producer(graph, cand.layer, cand.arith);
}

impl Pass for FoldBatchnorm {
    fn name(&self) -> &'static str {
        "fold-batchnorm"
    }

    fn description(&self) -> &'static str {
        "Float models: folds MUL/ADD by a per-channel constant (batch-norm remnants) into the preceding conv, \
         depthwise or fully-connected weights and bias."
    }

    fn run(&self, graph: &mut Graph, _cx: &mut PassCx) -> Result<PassOutcome, PassError> {
        let mut folded = 0;
        while let Some(cand) = find_candidate(graph) {
            fold(graph, cand);
            folded += 1;
        }
        Ok(PassOutcome {
            changed: folded > 0,
            stats: vec![format!("folded {folded} MUL/ADD nodes into weights")],
        })
    }
}
