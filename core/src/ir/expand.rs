//! The reference semantics of fused operators: [`expand_conv_pool`] rewrites a graph's
//! [`Op::ConvPool2d`] nodes back into the conv and pool they stand for.
//!
//! The reference interpreter runs fused graphs through this expansion, and a C kernel of a fused node must
//! compute exactly what the expanded graph computes.

use super::{Graph, Node, Op, PoolKind};

/// The reference semantics of [`Op::ConvPool2d`]: the same graph with every conv-pool node split back into its
/// conv (writing a new tensor of type [`PoolAttrs::conv_output`]) and its pool.
///
/// The new intermediate tensors are appended to the tensor arena, so every existing [`super::TensorId`] keeps
/// its meaning; node ids after a split node shift by one. The reference interpreter runs fused graphs this way,
/// and the C kernel of a conv-pool node must compute exactly what the split graph computes.
pub fn expand_conv_pool(graph: &Graph) -> Graph {
    let mut out = graph.clone();
    out.nodes = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let Op::ConvPool2d {
            window,
            activation,
            pool,
        } = &node.op
        else {
            out.nodes.push(node.clone());
            continue;
        };
        let mid = out.add_tensor(
            format!("{}/conv_output", node.name),
            pool.conv_output.clone(),
        );
        out.nodes.push(Node {
            name: node.name.clone(),
            op: Op::Conv2d {
                window: *window,
                activation: *activation,
            },
            inputs: node.inputs.clone(),
            outputs: vec![mid],
            fused: Vec::new(),
        });
        let (filter_h, filter_w, window, activation) =
            (pool.filter_h, pool.filter_w, pool.window, pool.activation);
        let op = match pool.kind {
            PoolKind::Max => Op::MaxPool2d {
                filter_h,
                filter_w,
                window,
                activation,
            },
            PoolKind::Average => Op::AveragePool2d {
                filter_h,
                filter_w,
                window,
                activation,
            },
        };
        out.nodes.push(Node {
            name: format!("{}/pool", node.name),
            op,
            inputs: vec![Some(mid)],
            outputs: node.outputs.clone(),
            fused: Vec::new(),
        });
    }
    out
}
