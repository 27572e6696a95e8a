//! The graph IR: tensors and nodes in arenas addressed by typed ids.
//!
//! Invariants (checked by [`Graph::verify`]):
//! - `nodes` is in execution order: every input of a node is a constant, a graph input, or the output of an
//!   earlier node; every non-constant tensor has at most one producer.
//! - every node's output types are the ones its operator infers from its inputs (shapes and dtypes).
//! - constant data has exactly `num_elements × dtype size` bytes.
//!
//! Passes mutate the graph only through the methods here, then call `verify()`.

mod display;
pub mod infer;
mod op;
mod types;
mod verify;

#[cfg(test)]
mod tests;

pub use infer::infer_output_types;
pub use op::{Activation, Op, Padding2d, SUPPORTED_TFLITE_OPS, StridedSliceMasks, Window2d};
pub use types::{ConstData, DType, Quant, Shape, ShapeDisplay, TensorType, num_elements};
pub use verify::VerifyError;

use serde::{Deserialize, Serialize};
use std::fmt;

/// Index of a tensor in [`Graph::tensors`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TensorId(pub u32);

/// Index of a node in [`Graph::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeId(pub u32);

impl TensorId {
    /// The arena index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl NodeId {
    /// The arena index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for TensorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}", self.0)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// A value of the graph: a graph input, an intermediate activation, or a constant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tensor {
    /// Name from the source model (unique names are not guaranteed by TFLite).
    pub name: String,
    /// Element type, shape, quantization.
    pub ty: TensorType,
    /// Constant contents, for weights, biases and shape operands.
    pub data: Option<ConstData>,
}

impl Tensor {
    /// True for constants.
    pub fn is_const(&self) -> bool {
        self.data.is_some()
    }
}

/// One operator application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Name of the node (the source model's name for its first output, unless given otherwise).
    pub name: String,
    /// The operator and its attributes.
    pub op: Op,
    /// Operands in the operator's documented order; `None` for an absent optional operand.
    pub inputs: Vec<Option<TensorId>>,
    /// Results.
    pub outputs: Vec<TensorId>,
    /// Names of the source operators merged into this node by optimization passes (empty when untouched).
    pub fused: Vec<String>,
}

impl Node {
    /// The operand at `i`, if present.
    pub fn input(&self, i: usize) -> Option<TensorId> {
        self.inputs.get(i).copied().flatten()
    }

    /// The first output.
    pub fn output(&self) -> Option<TensorId> {
        self.outputs.first().copied()
    }
}

/// A whole network: tensors, nodes in execution order, and the graph's inputs and outputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    /// Model name (file stem by default).
    pub name: String,
    /// Tensor arena.
    pub tensors: Vec<Tensor>,
    /// Node arena, in execution order.
    pub nodes: Vec<Node>,
    /// Graph inputs, in the source model's order.
    pub inputs: Vec<TensorId>,
    /// Graph outputs, in the source model's order.
    pub outputs: Vec<TensorId>,
}

impl Graph {
    /// An empty graph.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Adds a non-constant tensor.
    pub fn add_tensor(&mut self, name: impl Into<String>, ty: TensorType) -> TensorId {
        let id = TensorId(self.tensors.len() as u32);
        self.tensors.push(Tensor {
            name: name.into(),
            ty,
            data: None,
        });
        id
    }

    /// Adds a constant tensor.
    pub fn add_const(
        &mut self,
        name: impl Into<String>,
        ty: TensorType,
        data: ConstData,
    ) -> TensorId {
        let id = self.add_tensor(name, ty);
        self.tensors[id.index()].data = Some(data);
        id
    }

    /// Appends a node at the end of the schedule.
    pub fn add_node(
        &mut self,
        name: impl Into<String>,
        op: Op,
        inputs: Vec<Option<TensorId>>,
        outputs: Vec<TensorId>,
    ) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node {
            name: name.into(),
            op,
            inputs,
            outputs,
            fused: Vec::new(),
        });
        id
    }

    /// The tensor with id `id`.
    ///
    /// Ids come from this graph; an id from elsewhere is a bug and `verify()` reports dangling ids first.
    pub fn tensor(&self, id: TensorId) -> &Tensor {
        &self.tensors[id.index()]
    }

    /// Mutable access to a tensor.
    pub fn tensor_mut(&mut self, id: TensorId) -> &mut Tensor {
        &mut self.tensors[id.index()]
    }

    /// The node with id `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// Node ids in execution order.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len() as u32).map(NodeId)
    }

    /// The node that produces `t`, if any.
    pub fn producer(&self, t: TensorId) -> Option<NodeId> {
        self.node_ids().find(|&n| self.node(n).outputs.contains(&t))
    }

    /// The nodes that read `t`, in execution order (a node reading `t` twice appears once).
    pub fn consumers(&self, t: TensorId) -> Vec<NodeId> {
        self.node_ids()
            .filter(|&n| self.node(n).inputs.contains(&Some(t)))
            .collect()
    }

    /// True when `t` is a graph output.
    pub fn is_output(&self, t: TensorId) -> bool {
        self.outputs.contains(&t)
    }

    /// Removes nodes for which `keep` is false and then every tensor no longer referenced, renumbering ids.
    pub fn retain_nodes(&mut self, mut keep: impl FnMut(NodeId, &Node) -> bool) {
        let mut i = 0u32;
        self.nodes.retain(|n| {
            let k = keep(NodeId(i), n);
            i += 1;
            k
        });
        self.remove_unused_tensors();
    }

    /// Replaces every use of `from` (as a node operand or graph output) by `to`.
    pub fn replace_uses(&mut self, from: TensorId, to: TensorId) {
        for node in &mut self.nodes {
            for inp in node.inputs.iter_mut().flatten() {
                if *inp == from {
                    *inp = to;
                }
            }
        }
        for out in &mut self.outputs {
            if *out == from {
                *out = to;
            }
        }
    }

    /// Drops tensors that no node, graph input or graph output references, and renumbers the rest in order.
    pub fn remove_unused_tensors(&mut self) {
        let mut used = vec![false; self.tensors.len()];
        let mark = |used: &mut Vec<bool>, t: TensorId| {
            if let Some(u) = used.get_mut(t.index()) {
                *u = true;
            }
        };
        for t in self.inputs.iter().chain(&self.outputs) {
            mark(&mut used, *t);
        }
        for n in &self.nodes {
            for t in n.inputs.iter().flatten().chain(&n.outputs) {
                mark(&mut used, *t);
            }
        }
        let mut remap = vec![None; self.tensors.len()];
        let mut kept = Vec::with_capacity(self.tensors.len());
        for (i, t) in std::mem::take(&mut self.tensors).into_iter().enumerate() {
            if used[i] {
                remap[i] = Some(TensorId(kept.len() as u32));
                kept.push(t);
            }
        }
        self.tensors = kept;
        let re = |t: &mut TensorId| {
            if let Some(Some(n)) = remap.get(t.index()) {
                *t = *n;
            }
        };
        self.inputs.iter_mut().for_each(re);
        self.outputs.iter_mut().for_each(re);
        for n in &mut self.nodes {
            n.inputs.iter_mut().flatten().for_each(re);
            n.outputs.iter_mut().for_each(re);
        }
    }

    /// Total bytes of constant data.
    pub fn const_bytes(&self) -> usize {
        self.tensors
            .iter()
            .filter_map(|t| t.data.as_ref())
            .map(ConstData::len)
            .sum()
    }
}
