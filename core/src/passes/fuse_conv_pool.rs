//! `fuse-conv-pool`: merges a conv followed by a max or average pool into one [`Op::ConvPool2d`] node, so the
//! conv's full-resolution result never needs its own buffer.
//!
//! Exact by construction: the fused node records the conv's output type (for int8, the scale and zero point the
//! conv requantizes to) in [`PoolAttrs::conv_output`], and its kernel applies the conv, its activation, the
//! requantization and then the pool with exactly the separate operators' semantics.

use super::rewrite::{absorb_into_producer, sole_consumer};
use super::{Pass, PassCx, PassError, PassOutcome};
use crate::ir::{Graph, NodeId, Op, PoolAttrs, PoolKind};
use serde::{Deserialize, Serialize};

/// Fuses `CONV_2D → MAX_POOL_2D / AVERAGE_POOL_2D` into one conv-pool node when the conv's output has no other
/// reader and is not a graph output.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FuseConvPool {}

fn find_candidate(graph: &Graph) -> Option<(NodeId, NodeId, Op)> {
    for id in graph.node_ids() {
        let node = graph.node(id);
        let Op::Conv2d { window, activation } = node.op else {
            continue;
        };
        let Some(out) = node.output() else { continue };
        let Some(pool_id) = sole_consumer(graph, out) else {
            continue;
        };
        let pool = graph.node(pool_id);
        let (kind, filter_h, filter_w, pool_window, pool_act) = match &pool.op {
            Op::MaxPool2d {
                filter_h,
                filter_w,
                window,
                activation,
            } => (PoolKind::Max, *filter_h, *filter_w, *window, *activation),
            Op::AveragePool2d {
                filter_h,
                filter_w,
                window,
                activation,
            } => (
                PoolKind::Average,
                *filter_h,
                *filter_w,
                *window,
                *activation,
            ),
            _ => continue,
        };
        if pool.input(0) != Some(out) {
            continue;
        }
        let op = Op::ConvPool2d {
            window,
            activation,
            pool: PoolAttrs {
                kind,
                filter_h,
                filter_w,
                window: pool_window,
                activation: pool_act,
                conv_output: graph.tensor(out).ty.clone(),
            },
        };
        return Some((id, pool_id, op));
    }
    None
}

impl Pass for FuseConvPool {
    fn name(&self) -> &'static str {
        "fuse-conv-pool"
    }

    fn description(&self) -> &'static str {
        "Fuses a conv followed by a max or average pool into one conv-pool node; the conv's full-size output \
         buffer disappears."
    }

    fn run(&self, graph: &mut Graph, _cx: &mut PassCx) -> Result<PassOutcome, PassError> {
        let mut fused = 0;
        while let Some((conv, pool, op)) = find_candidate(graph) {
            graph.nodes[conv.index()].op = op;
            absorb_into_producer(graph, conv, pool);
            fused += 1;
        }
        Ok(PassOutcome {
            changed: fused > 0,
            stats: vec![format!("fused {fused} conv+pool pairs")],
        })
    }
}
