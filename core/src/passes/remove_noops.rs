//! `remove-noops`: removes nodes that do not change any value, and turns squeezes into reshapes.
//!
//! - a reshape to the same shape, or a QUANTIZE that re-tags a tensor with identical dtype and quantization, is
//!   removed (its readers read its input);
//! - a reshape of a reshape reads the first reshape's input directly;
//! - SQUEEZE becomes RESHAPE: both are views (the output aliases the input's bytes, no kernel runs), so later stages
//!   see one view operator;
//! - a node whose outputs nobody reads (and that are not graph outputs) is removed.

use super::rewrite::{bypass, can_bypass, record_absorbed, remove_node, sole_consumer};
use super::{Pass, PassCx, PassError, PassOutcome};
use crate::ir::{Graph, NodeId, Op};
use serde::{Deserialize, Serialize};

/// Removes identity reshapes and quantizes, collapses reshape chains, rewrites SQUEEZE as a RESHAPE view, and
/// drops dead nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoveNoops {}

/// One rewrite this pass can make.
enum Rewrite {
    /// Remove the node; its output equals its input.
    Identity(NodeId),
    /// Reshape `outer` reads reshape `inner`'s output: read `inner`'s input instead.
    CollapseReshapes { inner: NodeId, outer: NodeId },
    /// The node's outputs are never read.
    Dead(NodeId),
}

fn is_identity(graph: &Graph, id: NodeId) -> bool {
    let node = graph.node(id);
    let (Some(i), Some(o)) = (node.input(0), node.output()) else {
        return false;
    };
    let (ti, to) = (&graph.tensor(i).ty, &graph.tensor(o).ty);
    matches!(node.op, Op::Reshape | Op::Quantize) && ti == to
}

fn find_rewrite(graph: &Graph) -> Option<Rewrite> {
    for id in graph.node_ids() {
        let node = graph.node(id);
        if node
            .outputs
            .iter()
            .all(|&t| !graph.is_output(t) && graph.consumers(t).is_empty())
        {
            return Some(Rewrite::Dead(id));
        }
        if is_identity(graph, id) && can_bypass(graph, id) {
            return Some(Rewrite::Identity(id));
        }
        if node.op == Op::Reshape
            && let Some(input) = node.input(0)
            && let Some(inner) = graph.producer(input)
            && graph.node(inner).op.is_view()
            && sole_consumer(graph, input) == Some(id)
        {
            return Some(Rewrite::CollapseReshapes { inner, outer: id });
        }
    }
    None
}

impl Pass for RemoveNoops {
    fn name(&self) -> &'static str {
        "remove-noops"
    }

    fn description(&self) -> &'static str {
        "Removes reshapes to the same shape, identity QUANTIZE, reshape chains and dead nodes; SQUEEZE becomes a \
         RESHAPE view whose output aliases its input."
    }

    fn run(&self, graph: &mut Graph, _cx: &mut PassCx) -> Result<PassOutcome, PassError> {
        let mut squeezes = 0;
        for node in &mut graph.nodes {
            if matches!(node.op, Op::Squeeze { .. }) {
                node.op = Op::Reshape;
                node.inputs.truncate(1);
                squeezes += 1;
            }
        }
        let (mut removed, mut dead) = (0, 0);
        while let Some(rewrite) = find_rewrite(graph) {
            match rewrite {
                Rewrite::Dead(id) => {
                    remove_node(graph, id);
                    dead += 1;
                }
                Rewrite::Identity(id) => {
                    bypass(graph, id);
                    removed += 1;
                }
                Rewrite::CollapseReshapes { inner, outer } => {
                    let inner_node = graph.node(inner).clone();
                    let outer_node = &mut graph.nodes[outer.index()];
                    outer_node.inputs = vec![inner_node.input(0)];
                    record_absorbed(graph, outer, &inner_node);
                    remove_node(graph, inner);
                    removed += 1;
                }
            }
        }
        let views = graph.nodes.iter().filter(|n| n.op.is_view()).count();
        Ok(PassOutcome {
            changed: squeezes + removed + dead > 0,
            stats: vec![
                format!("removed {removed} no-op nodes"),
                format!("removed {dead} dead nodes"),
                format!("turned {squeezes} SQUEEZE nodes into RESHAPE views"),
                format!("{views} reshape nodes are views (output aliases input, no kernel runs)"),
            ],
        })
    }
}
