//! Layered layout of the network graph: one box per graph input, layer and graph output, one edge per tensor use.
//!
//! Each layer sits one rank below the lowest-placed box that feeds it; boxes of a rank are centred on x = 0.
//! Computed once per model.

use egui::{Pos2, Rect, Vec2, pos2, vec2};
use nncube_core::ir::{Graph, NodeId, TensorId};

/// Size of one box, in scene units.
pub const BOX_SIZE: Vec2 = vec2(210.0, 66.0);
const GAP: Vec2 = vec2(40.0, 50.0);

/// What a box stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoxKind {
    /// A graph input tensor.
    Input(TensorId),
    /// A layer.
    Layer(NodeId),
    /// A graph output tensor.
    Output(TensorId),
}

/// A placed box.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutBox {
    /// What it stands for.
    pub kind: BoxKind,
    /// Its rectangle in scene coordinates.
    pub rect: Rect,
}

/// An edge between two boxes, carrying one tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutEdge {
    /// Index of the source box.
    pub from: usize,
    /// Index of the destination box.
    pub to: usize,
    /// The tensor flowing along the edge.
    pub tensor: TensorId,
    /// Its size in bytes.
    pub bytes: u64,
}

/// The whole layout.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphLayout {
    /// Boxes: graph inputs, layers in schedule order, then graph outputs.
    pub boxes: Vec<LayoutBox>,
    /// Edges.
    pub edges: Vec<LayoutEdge>,
    /// The rectangle enclosing every box.
    pub bounds: Rect,
}

impl GraphLayout {
    /// Lays out `graph`.
    pub fn compute(graph: &Graph) -> GraphLayout {
        let mut kinds = Vec::new();
        let mut ranks = Vec::new();
        // Box index and rank of whatever produces each tensor.
        let mut source: Vec<Option<(usize, usize)>> = vec![None; graph.tensors.len()];
        for &t in &graph.inputs {
            source[t.index()] = Some((kinds.len(), 0));
            kinds.push(BoxKind::Input(t));
            ranks.push(0);
        }
        let mut edges = Vec::new();
        for id in graph.node_ids() {
            let node = graph.node(id);
            let me = kinds.len();
            let feeds: Vec<_> = node
                .inputs
                .iter()
                .flatten()
                .filter_map(|&t| source[t.index()].map(|s| (s, t)))
                .collect();
            let rank = feeds.iter().map(|((_, r), _)| r + 1).max().unwrap_or(0);
            for ((from, _), t) in feeds {
                edges.push(LayoutEdge {
                    from,
                    to: me,
                    tensor: t,
                    bytes: graph.tensor(t).ty.size_bytes() as u64,
                });
            }
            for &t in &node.outputs {
                source[t.index()] = Some((me, rank));
            }
            kinds.push(BoxKind::Layer(id));
            ranks.push(rank);
        }
        for &t in &graph.outputs {
            let me = kinds.len();
            let rank = match source[t.index()] {
                Some((from, r)) => {
                    edges.push(LayoutEdge {
                        from,
                        to: me,
                        tensor: t,
                        bytes: graph.tensor(t).ty.size_bytes() as u64,
                    });
                    r + 1
                }
                None => 0,
            };
            kinds.push(BoxKind::Output(t));
            ranks.push(rank);
        }
        let max_rank = ranks.iter().copied().max().unwrap_or(0);
        let mut per_rank = vec![0usize; max_rank + 1];
        for &r in &ranks {
            per_rank[r] += 1;
        }
        let mut placed = vec![0usize; max_rank + 1];
        let mut boxes = Vec::with_capacity(kinds.len());
        let mut bounds = Rect::NOTHING;
        for (kind, &r) in kinds.into_iter().zip(&ranks) {
            let col = placed[r] as f32 - (per_rank[r] as f32 - 1.0) / 2.0;
            placed[r] += 1;
            let centre = pos2(col * (BOX_SIZE.x + GAP.x), r as f32 * (BOX_SIZE.y + GAP.y));
            let rect = Rect::from_center_size(centre, BOX_SIZE);
            bounds = bounds.union(rect);
            boxes.push(LayoutBox { kind, rect });
        }
        if boxes.is_empty() {
            bounds = Rect::from_min_size(Pos2::ZERO, BOX_SIZE);
        }
        GraphLayout {
            boxes,
            edges,
            bounds: bounds.expand(20.0),
        }
    }

    /// The box of layer `node`.
    pub fn layer_box(&self, node: NodeId) -> Option<&LayoutBox> {
        self.boxes.iter().find(|b| b.kind == BoxKind::Layer(node))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nncube_core::ir::{DType, Op, TensorType};

    #[test]
    fn a_branch_and_join_gets_ranks_and_edges() {
        let ty = TensorType {
            dtype: DType::I8,
            shape: vec![4],
            quant: None,
        };
        let mut g = Graph::new("diamond");
        let x = g.add_tensor("x", ty.clone());
        let a = g.add_tensor("a", ty.clone());
        let b = g.add_tensor("b", ty.clone());
        let y = g.add_tensor("y", ty);
        g.inputs.push(x);
        g.outputs.push(y);
        g.add_node("a", Op::Relu, vec![Some(x)], vec![a]);
        g.add_node("b", Op::Relu6, vec![Some(x)], vec![b]);
        g.add_node(
            "y",
            Op::Add {
                activation: nncube_core::ir::Activation::None,
            },
            vec![Some(a), Some(b)],
            vec![y],
        );
        let l = GraphLayout::compute(&g);
        assert_eq!(l.boxes.len(), 5);
        assert_eq!(l.edges.len(), 5);
        let a_box = &l.layer_box(NodeId(0)).unwrap().rect;
        let b_box = &l.layer_box(NodeId(1)).unwrap().rect;
        let y_box = &l.layer_box(NodeId(2)).unwrap().rect;
        assert_eq!(a_box.center().y, b_box.center().y);
        assert!(a_box.center().x < b_box.center().x);
        assert!(y_box.center().y > a_box.center().y);
        assert!(l.edges.iter().all(|e| e.bytes == 4));
    }
}
