//! Small graph-rewriting helpers shared by the passes: pattern checks and node removal.
//!
//! Every helper keeps the graph's invariants (execution order, one producer per tensor), so a pass built from
//! them verifies unless its own pattern logic is wrong.

use crate::ir::{Activation, Graph, Node, NodeId, Op, TensorId};

/// The only node reading `t`, when `t` is read by exactly one node, through exactly one operand, and is not a
/// graph output (so removing or retargeting `t` is invisible outside that node).
pub fn sole_consumer(graph: &Graph, t: TensorId) -> Option<NodeId> {
    if graph.is_output(t) {
        return None;
    }
    let consumers = graph.consumers(t);
    let [c] = consumers.as_slice() else {
        return None;
    };
    let reads = graph
        .node(*c)
        .inputs
        .iter()
        .filter(|i| **i == Some(t))
        .count();
    (reads == 1).then_some(*c)
}

/// TFLite's name of an operator kind, as users know it from the source model.
fn tflite_name(op: &Op) -> String {
    let name = match op {
        Op::Relu => "RELU",
        Op::Relu6 => "RELU6",
        Op::ReluN1To1 => "RELU_N1_TO_1",
        Op::Pad => "PAD",
        Op::Mul { .. } => "MUL",
        Op::Add { .. } => "ADD",
        Op::Reshape => "RESHAPE",
        Op::Squeeze { .. } => "SQUEEZE",
        Op::Quantize => "QUANTIZE",
        Op::Dequantize => "DEQUANTIZE",
        Op::Transpose => "TRANSPOSE",
        Op::MaxPool2d { .. } => "MAX_POOL_2D",
        Op::AveragePool2d { .. } => "AVERAGE_POOL_2D",
        other => return other.name().to_uppercase().replace('-', "_"),
    };
    name.to_string()
}

/// The label recorded in [`Node::fused`] for an absorbed node: "RELU6 `conv1/Relu6`".
pub fn absorbed_label(node: &Node) -> String {
    format!("{} `{}`", tflite_name(&node.op), node.name)
}

/// Records in `into` that it absorbed `absorbed` (and whatever `absorbed` had itself absorbed).
pub fn record_absorbed(graph: &mut Graph, into: NodeId, absorbed: &Node) {
    let fused = &mut graph.nodes[into.index()].fused;
    fused.push(absorbed_label(absorbed));
    fused.extend(absorbed.fused.iter().cloned());
}

/// Removes node `id` and every tensor that is no longer referenced.
pub fn remove_node(graph: &mut Graph, id: NodeId) {
    graph.retain_nodes(|n, _| n != id);
}

/// Makes `producer` write `absorbed`'s first output in place of its own first output, then removes `absorbed`.
///
/// Valid when `absorbed` reads only the producer's output (besides constants), that output has no other reader,
/// and the producer computes a value of `absorbed`'s output type: the consumers of `absorbed` all run later
/// than the producer, so execution order holds.
pub fn absorb_into_producer(graph: &mut Graph, producer: NodeId, absorbed: NodeId) {
    let node = graph.node(absorbed).clone();
    if let (Some(out), Some(slot)) = (
        node.output(),
        graph.nodes[producer.index()].outputs.first_mut(),
    ) {
        *slot = out;
    }
    record_absorbed(graph, producer, &node);
    remove_node(graph, absorbed);
}

/// True when [`bypass`] can remove node `id` without renaming a graph output: its output is not a graph output,
/// or its input's producer can write that output directly.
pub fn can_bypass(graph: &Graph, id: NodeId) -> bool {
    let node = graph.node(id);
    let (Some(input), Some(out)) = (node.input(0), node.output()) else {
        return false;
    };
    !graph.is_output(out)
        || graph.producer(input).is_some_and(|p| {
            sole_consumer(graph, input) == Some(id) && graph.node(p).outputs.len() == 1
        })
}

/// Removes a node whose first output equals its first input element for element (identity quantize, reshape to
/// the same shape). Does nothing unless [`can_bypass`] holds.
pub fn bypass(graph: &mut Graph, id: NodeId) {
    if !can_bypass(graph, id) {
        return;
    }
    let node = graph.node(id);
    let (Some(input), Some(out)) = (node.input(0), node.output()) else {
        return;
    };
    if graph.is_output(out) {
        // Keep the graph output's tensor: the input's producer writes it directly.
        if let Some(p) = graph.producer(input) {
            graph.nodes[p.index()].outputs[0] = out;
        }
    } else {
        graph.replace_uses(out, input);
    }
    remove_node(graph, id);
}

/// The integer clamp range `[min, max]` TFLite Micro applies for `activation` on an int8 tensor with scale `scale`
/// and zero point `zp` (`CalculateActivationRangeQuantized`), or `None` for a non-clamp activation.
pub fn quantized_clamp(activation: Activation, scale: f32, zp: i32) -> Option<(i32, i32)> {
    let (lo, hi) = (i32::from(i8::MIN), i32::from(i8::MAX));
    let q = |x: f32| zp + (x / scale).round() as i32;
    match activation {
        Activation::None => Some((lo, hi)),
        Activation::Relu => Some((lo.max(zp), hi)),
        Activation::Relu6 => Some((lo.max(zp), hi.min(q(6.0)))),
        Activation::ReluN1To1 => Some((lo.max(q(-1.0)), hi.min(q(1.0)))),
        Activation::Tanh => None,
    }
}
