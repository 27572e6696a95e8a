//! `fold-constants`: evaluates nodes whose operands are all constants and replaces them by constant tensors.
//!
//! Each such node is evaluated by the reference interpreter ([`crate::interp`], TFLite Micro's arithmetic) on a
//! one-node graph of its constant operands, so the folded constant is exactly what the node would compute at run
//! time. Nodes the interpreter cannot evaluate are left alone and listed in a note with the reason.

use super::rewrite::remove_node;
use super::{Pass, PassCx, PassError, PassOutcome};
use crate::interp;
use crate::ir::{ConstData, Graph, NodeId};
use serde::{Deserialize, Serialize};

/// Replaces every node whose operands are all constants by its constant result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FoldConstants {}

/// The constant results of `id`, computed by the reference interpreter on a one-node graph of its operands.
fn evaluate(graph: &Graph, id: NodeId) -> Result<Vec<ConstData>, String> {
    let node = graph.node(id);
    let mut one = Graph::new("constant");
    let mut inputs = Vec::with_capacity(node.inputs.len());
    for input in &node.inputs {
        inputs.push(match input {
            Some(t) => {
                let tensor = graph.tensor(*t);
                let data = tensor.data.clone().ok_or("an operand is not constant")?;
                Some(one.add_const(tensor.name.clone(), tensor.ty.clone(), data))
            }
            None => None,
        });
    }
    let outputs: Vec<_> = node
        .outputs
        .iter()
        .map(|&t| one.add_tensor(graph.tensor(t).name.clone(), graph.tensor(t).ty.clone()))
        .collect();
    one.add_node(node.name.clone(), node.op.clone(), inputs, outputs.clone());
    one.outputs = outputs;
    let execution = interp::run(&one, &[]).map_err(|e| e.to_string())?;
    Ok(execution
        .outputs()
        .into_iter()
        .map(|v| ConstData::from_bytes(v.bytes.clone()))
        .collect())
}

impl Pass for FoldConstants {
    fn name(&self) -> &'static str {
        "fold-constants"
    }

    fn description(&self) -> &'static str {
        "Evaluates nodes whose operands are all constants with the reference interpreter and replaces them by \
         constant tensors."
    }

    fn run(&self, graph: &mut Graph, cx: &mut PassCx) -> Result<PassOutcome, PassError> {
        let mut folded = 0;
        let mut refused: Vec<(String, String)> = Vec::new();
        loop {
            let all_const = |id: NodeId| {
                let n = graph.node(id);
                n.inputs.iter().any(Option::is_some)
                    && n.inputs
                        .iter()
                        .flatten()
                        .all(|&t| graph.tensor(t).is_const())
                    && n.outputs.iter().all(|&t| !graph.is_output(t))
                    && !refused.iter().any(|(name, _)| *name == n.name)
            };
            let Some(id) = graph.node_ids().find(|&id| all_const(id)) else {
                break;
            };
            match evaluate(graph, id) {
                Ok(values) => {
                    let outputs = graph.node(id).outputs.clone();
                    for (t, data) in outputs.into_iter().zip(values) {
                        graph.tensor_mut(t).data = Some(data);
                    }
                    remove_node(graph, id);
                    folded += 1;
                }
                Err(reason) => refused.push((graph.node(id).name.clone(), reason)),
            }
        }
        cx.notes.extend(refused.into_iter().map(|(name, reason)| {
            format!("`{name}` reads only constants but is not folded: {reason}")
        }));
        Ok(PassOutcome {
            changed: folded > 0,
            stats: vec![format!("folded {folded} constant nodes")],
        })
    }
}
