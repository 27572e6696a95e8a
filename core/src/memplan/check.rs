//! An independent checker of memory plans.
//!
//! It recomputes buffer lifetimes from the graph with its own code (not the planner's liveness or placement)
//! and proves: every activation has a buffer covering its lifetime; every buffer lies inside its pool and is
//! aligned; and no two buffers live at the same step share a byte unless the kernel contract allows exactly
//! that pair (the node's output over an input dying at that node) at exactly that relative placement.

use super::MemoryPlan;
use super::overlap::node_operand_rule;
use crate::ir::{Graph, TensorId};
use std::collections::BTreeMap;

/// Why a plan is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// An activation has no buffer.
    #[error("tensor `{0}` is an activation but the plan gives it no buffer (this is a bug)")]
    Missing(String),
    /// A buffer's recorded lifetime or size is wrong.
    #[error("buffer of `{tensor}`: {what} (this is a bug)")]
    WrongBuffer {
        /// Tensor name.
        tensor: String,
        /// What is wrong.
        what: String,
    },
    /// A buffer is outside its pool or misaligned.
    #[error("buffer of `{tensor}` at offset {offset}: {what} (this is a bug)")]
    BadPlacement {
        /// Tensor name.
        tensor: String,
        /// Its offset.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// Two live buffers overlap without a rule allowing it.
    #[error(
        "buffers of `{a}` and `{b}` overlap while both are live at step {step} (this is a bug)"
    )]
    Overlap {
        /// First tensor.
        a: String,
        /// Second tensor.
        b: String,
        /// A step where both are live.
        step: usize,
    },
}

/// The checker's own view of one activation buffer.
struct Lifetime {
    bytes: u64,
    first: usize,
    last: usize,
    caller_owned: bool,
}

/// Recomputes buffer roots and lifetimes.
fn lifetimes(
    graph: &Graph,
    plan: &MemoryPlan,
) -> (BTreeMap<TensorId, TensorId>, BTreeMap<TensorId, Lifetime>) {
    let mut root: BTreeMap<TensorId, TensorId> = BTreeMap::new();
    for &t in &graph.inputs {
        if !graph.tensor(t).is_const() {
            root.insert(t, t);
        }
    }
    for node in &graph.nodes {
        for &o in &node.outputs {
            if graph.tensor(o).is_const() {
                continue;
            }
            let r = match node.input(0) {
                Some(i) if node.op.is_view() => root.get(&i).copied().unwrap_or(o),
                _ => o,
            };
            root.insert(o, r);
        }
    }
    let mut life: BTreeMap<TensorId, Lifetime> = BTreeMap::new();
    let producer_step = |t: TensorId| graph.nodes.iter().position(|n| n.outputs.contains(&t));
    for (&t, &r) in &root {
        if t == r {
            life.insert(
                r,
                Lifetime {
                    bytes: graph.tensor(r).ty.size_bytes() as u64,
                    first: if graph.inputs.contains(&r) {
                        0
                    } else {
                        producer_step(r).unwrap_or(0)
                    },
                    last: 0,
                    caller_owned: false,
                },
            );
        }
    }
    for l in life.values_mut() {
        l.last = l.first;
    }
    for (step, node) in graph.nodes.iter().enumerate() {
        for t in node.inputs.iter().flatten() {
            if let Some(l) = root.get(t).and_then(|r| life.get_mut(r)) {
                l.last = l.last.max(step);
            }
        }
    }
    let end = graph.nodes.len().saturating_sub(1);
    for &t in &graph.outputs {
        if let Some(l) = root.get(&t).and_then(|r| life.get_mut(r)) {
            l.last = end;
            l.caller_owned |= !plan.options.outputs_in_activations;
        }
    }
    for &t in &graph.inputs {
        if let Some(l) = root.get(&t).and_then(|r| life.get_mut(r)) {
            l.caller_owned |= !plan.options.inputs_in_activations;
        }
    }
    (root, life)
}

/// True when the kernel contract lets `out_root` (at `out_off`) overlap `in_root` (at `in_off`).
fn contract_allows(
    graph: &Graph,
    root: &BTreeMap<TensorId, TensorId>,
    life: &BTreeMap<TensorId, Lifetime>,
    out_root: TensorId,
    in_root: TensorId,
    shift: i64,
) -> bool {
    let (Some(lo), Some(li)) = (life.get(&out_root), life.get(&in_root)) else {
        return false;
    };
    // The input must die at this node; a graph output never dies (it must survive the last step).
    let holds_output = graph.outputs.iter().any(|t| root.get(t) == Some(&in_root));
    if lo.first != li.last || holds_output {
        return false;
    }
    let Some(node) = graph.nodes.get(lo.first) else {
        return false;
    };
    if node.op.is_view() || node.outputs != [out_root] || graph.inputs.contains(&out_root) {
        return false;
    }
    let operands: Vec<usize> = (0..node.inputs.len())
        .filter(|&k| node.input(k).and_then(|t| root.get(&t)) == Some(&in_root))
        .collect();
    !operands.is_empty()
        && operands
            .iter()
            .all(|&k| node_operand_rule(graph, node, k).is_some_and(|rule| rule.allows(shift)))
}

/// Proves `plan` valid for `graph`, or says what is wrong.
pub fn check_plan(graph: &Graph, plan: &MemoryPlan) -> Result<(), CheckError> {
    let (root, life) = lifetimes(graph, plan);
    let name = |t: TensorId| graph.tensor(t).name.clone();
    let alignment = plan.options.alignment.max(1);
    let mut placed: BTreeMap<TensorId, (usize, u64)> = BTreeMap::new();
    for b in &plan.buffers {
        let Some(l) = life.get(&b.tensor) else {
            return Err(CheckError::WrongBuffer {
                tensor: name(b.tensor),
                what: "is not an activation buffer root".into(),
            });
        };
        if l.caller_owned
            || b.size_bytes != l.bytes
            || b.first_step > l.first
            || b.last_step < l.last
        {
            return Err(CheckError::WrongBuffer {
                tensor: name(b.tensor),
                what: format!(
                    "recorded {} B steps {}..={}, needs {} B steps {}..={}{}",
                    b.size_bytes,
                    b.first_step,
                    b.last_step,
                    l.bytes,
                    l.first,
                    l.last,
                    if l.caller_owned {
                        " and is caller-owned"
                    } else {
                        ""
                    }
                ),
            });
        }
        let bad = |what: String| CheckError::BadPlacement {
            tensor: name(b.tensor),
            offset: b.offset,
            what,
        };
        let Some(pool) = plan.pools.get(b.pool) else {
            return Err(bad(format!("pool {} does not exist", b.pool)));
        };
        if b.offset % alignment != 0 {
            return Err(bad(format!("not aligned to {alignment} B")));
        }
        let end = b.offset + b.size_bytes;
        if end > pool.used_bytes || pool.size_bytes.is_some_and(|s| end > s) {
            return Err(bad(format!("ends at {end}, outside pool `{}`", pool.name)));
        }
        if placed.insert(b.tensor, (b.pool, b.offset)).is_some() {
            return Err(bad("has two buffers".into()));
        }
    }
    for (&r, l) in &life {
        if !l.caller_owned && !placed.contains_key(&r) {
            return Err(CheckError::Missing(name(r)));
        }
    }
    let roots: Vec<TensorId> = placed.keys().copied().collect();
    for (k, &a) in roots.iter().enumerate() {
        for &b in &roots[k + 1..] {
            let (la, lb) = (&life[&a], &life[&b]);
            let (pa, pb) = (placed[&a], placed[&b]);
            let step = la.first.max(lb.first);
            let live_together = step <= la.last.min(lb.last);
            let bytes_overlap = la.bytes > 0
                && lb.bytes > 0
                && pa.0 == pb.0
                && pa.1 < pb.1 + lb.bytes
                && pb.1 < pa.1 + la.bytes;
            if !live_together || !bytes_overlap {
                continue;
            }
            let allowed = plan.options.allow_kernel_overlap
                && (contract_allows(graph, &root, &life, a, b, pa.1 as i64 - pb.1 as i64)
                    || contract_allows(graph, &root, &life, b, a, pb.1 as i64 - pa.1 as i64));
            if !allowed {
                return Err(CheckError::Overlap {
                    a: name(a),
                    b: name(b),
                    step,
                });
            }
        }
    }
    Ok(())
}
