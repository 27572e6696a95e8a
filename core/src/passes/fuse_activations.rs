//! `fuse-activations`: merges a separate RELU / RELU6 / RELU_N1_TO_1 node into the operator that produces its
//! input, as that operator's fused activation.
//!
//! Exactness: in float, a fused clamp is the same clamp. In int8, TFLite Micro's separate RELU computes
//! `out_zp + requant(x − in_zp)` then clamps; when the input and output quantization are identical the requantization
//! multiplier is exactly 1 (`2^30 · 2^1 / 2^31`), so the op is a plain clamp to the same integer range a fused
//! activation uses (`CalculateActivationRangeQuantized` on the same scale and zero point). Different quantization
//! would rescale, so such RELUs are left alone and a note says why.

use super::rewrite::{absorb_into_producer, sole_consumer};
use super::{Pass, PassCx, PassError, PassOutcome};
use crate::ir::{Activation, DType, Graph, NodeId, Op};
use serde::{Deserialize, Serialize};

/// Fuses activation nodes into the conv, depthwise conv, fully-connected, add, mul or pooling node that produces
/// their input, when that node's output has no other reader and is not a graph output.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FuseActivations {}

/// The activation a standalone activation node applies.
fn standalone_activation(op: &Op) -> Option<Activation> {
    match op {
        Op::Relu => Some(Activation::Relu),
        Op::Relu6 => Some(Activation::Relu6),
        Op::ReluN1To1 => Some(Activation::ReluN1To1),
        _ => None,
    }
}

/// The single clamp equal to applying `first` then `second`, when there is one.
fn compose(first: Activation, second: Activation) -> Option<Activation> {
    use Activation::{None, Relu, Relu6};
    match (first, second) {
        (None, a) => Some(a),
        (a, b) if a == b => Some(a),
        (Relu, Relu6) | (Relu6, Relu) => Some(Relu6),
        _ => Option::None,
    }
}

/// True for the producers whose kernels apply a fused activation.
fn accepts_activation(op: &Op) -> bool {
    matches!(
        op,
        Op::Conv2d { .. }
            | Op::DepthwiseConv2d { .. }
            | Op::FullyConnected { .. }
            | Op::Add { .. }
            | Op::Mul { .. }
            | Op::AveragePool2d { .. }
            | Op::MaxPool2d { .. }
            | Op::ConvPool2d { .. }
    )
}

/// A fusable `(producer, activation node, fused activation)`, or a note saying why an activation node is not.
fn find_candidate(graph: &Graph, notes: &mut Vec<String>) -> Option<(NodeId, NodeId, Activation)> {
    for id in graph.node_ids() {
        let node = graph.node(id);
        let Some(act) = standalone_activation(&node.op) else {
            continue;
        };
        let (Some(input), Some(out)) = (node.input(0), node.output()) else {
            continue;
        };
        let Some(producer) = graph.producer(input) else {
            continue;
        };
        let pnode = graph.node(producer);
        let (Some(current), true) = (pnode.op.activation(), accepts_activation(&pnode.op)) else {
            continue;
        };
        let why_not = |reason: &str| {
            format!(
                "{} `{}` not fused into `{}`: {reason}",
                node.op.name(),
                node.name,
                pnode.name
            )
        };
        if sole_consumer(graph, input) != Some(id) || pnode.output() != Some(input) {
            notes.push(why_not("its input has other readers or is a graph output"));
            continue;
        }
        let (tin, tout) = (&graph.tensor(input).ty, &graph.tensor(out).ty);
        let exact = match tin.dtype {
            DType::F32 => tout.dtype == DType::F32 && tin.quant.is_none() && tout.quant.is_none(),
            DType::I8 => {
                tout.dtype == DType::I8
                    && tin.per_tensor_quant().is_some()
                    && tin.quant == tout.quant
            }
            _ => false,
        };
        if !exact {
            notes.push(why_not(
                "input and output quantization differ, so the clamp is not exact",
            ));
            continue;
        }
        let Some(fused) = compose(current, act) else {
            notes.push(why_not("the two clamps do not combine into one activation"));
            continue;
        };
        return Some((producer, id, fused));
    }
    None
}

impl Pass for FuseActivations {
    fn name(&self) -> &'static str {
        "fuse-activations"
    }

    fn description(&self) -> &'static str {
        "Fuses RELU, RELU6 and RELU_N1_TO_1 nodes into the conv, depthwise, fully-connected, add, mul or pool \
         that produces their input (int8: only when the quantization is identical, so the result is bit-exact)."
    }

    fn run(&self, graph: &mut Graph, cx: &mut PassCx) -> Result<PassOutcome, PassError> {
        let mut fused = 0;
        let mut notes = Vec::new();
        while let Some((producer, act_node, act)) = find_candidate(graph, &mut notes) {
            if let Some(a) = graph.nodes[producer.index()].op.activation_mut() {
                *a = act;
            }
            absorb_into_producer(graph, producer, act_node);
            fused += 1;
            notes.clear();
        }
        cx.notes.extend(notes);
        Ok(PassOutcome {
            changed: fused > 0,
            stats: vec![format!("fused {fused} activation nodes")],
        })
    }
}
