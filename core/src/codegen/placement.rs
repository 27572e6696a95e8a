//! Where each activation tensor lives in the activations buffer.
//!
//! [`Placement`] maps tensors to byte offsets; code generation accepts one from outside (the memory planner) or
//! builds one with [`greedy_placement`], a liveness-based first-fit allocator. Invariants of a valid placement
//! (checked by [`Placement::check`]): every buffer has an offset aligned to [`ALIGN_BYTES`], fits in
//! `arena_bytes`, and no two buffers whose lifetimes overlap share a byte.

use super::CodegenError;
use crate::ir::{Graph, TensorId};
use std::collections::BTreeMap;

/// Alignment of every activation buffer, in bytes.
pub const ALIGN_BYTES: usize = 16;

/// Byte offsets of activation tensors inside the activations buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Placement {
    /// Offset of each buffer's tensor (views share their source's buffer and need no entry).
    pub offsets: BTreeMap<TensorId, usize>,
    /// Size of the whole activations buffer.
    pub arena_bytes: usize,
}

/// One activation buffer to place: a tensor, its size and the schedule steps during which it is live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buffer {
    /// The tensor owning the buffer (views of it share it).
    pub tensor: TensorId,
    /// Size in bytes.
    pub bytes: usize,
    /// First step it is live (0 = before the first node, node i runs at step i + 1).
    pub first_step: usize,
    /// Last step it is live (inclusive).
    pub last_step: usize,
}

impl Buffer {
    fn overlaps_in_time(&self, other: &Buffer) -> bool {
        self.first_step <= other.last_step && other.first_step <= self.last_step
    }
}

impl Placement {
    /// Checks that every buffer has an aligned offset inside the arena and that live buffers do not overlap.
    pub fn check(&self, buffers: &[Buffer]) -> Result<(), CodegenError> {
        let mut placed = Vec::with_capacity(buffers.len());
        for b in buffers {
            let off =
                *self
                    .offsets
                    .get(&b.tensor)
                    .ok_or_else(|| CodegenError::InvalidPlacement {
                        reason: format!("tensor {} has no offset", b.tensor),
                    })?;
            if off % ALIGN_BYTES != 0 || off + b.bytes > self.arena_bytes {
                return Err(CodegenError::InvalidPlacement {
                    reason: format!(
                        "tensor {} at offset {off} ({} bytes) is misaligned or outside the {}-byte arena",
                        b.tensor, b.bytes, self.arena_bytes
                    ),
                });
            }
            for (other, other_off) in &placed {
                let other: &Buffer = other;
                if b.overlaps_in_time(other)
                    && off < other_off + other.bytes
                    && *other_off < off + b.bytes
                {
                    return Err(CodegenError::InvalidPlacement {
                        reason: format!(
                            "tensors {} and {} are live at the same time and overlap",
                            b.tensor, other.tensor
                        ),
                    });
                }
            }
            placed.push((b.clone(), off));
        }
        Ok(())
    }
}

/// Places buffers first-fit, largest first (ties by tensor id), each at the lowest aligned offset free during
/// its whole lifetime. Deterministic.
pub fn greedy_placement(buffers: &[Buffer]) -> Placement {
    let mut order: Vec<&Buffer> = buffers.iter().collect();
    order.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.tensor.cmp(&b.tensor)));
    let mut placed: Vec<(&Buffer, usize)> = Vec::new();
    let mut placement = Placement::default();
    for b in order {
        let mut conflicts: Vec<(usize, usize)> = placed
            .iter()
            .filter(|(o, _)| o.overlaps_in_time(b))
            .map(|(o, off)| (*off, off + o.bytes))
            .collect();
        conflicts.sort_unstable();
        let mut offset = 0usize;
        for (start, end) in conflicts {
            if offset + b.bytes <= start {
                break;
            }
            offset = offset.max(end.next_multiple_of(ALIGN_BYTES));
        }
        placement.offsets.insert(b.tensor, offset);
        placement.arena_bytes = placement.arena_bytes.max(offset + b.bytes);
        placed.push((b, offset));
    }
    placement.arena_bytes = placement.arena_bytes.next_multiple_of(ALIGN_BYTES);
    placement
}

/// The buffers a graph needs: one per non-constant tensor that is not an aliased view, with lifetimes in steps.
/// `alias` maps a view's output to the tensor whose buffer it shares.
pub fn buffers(graph: &Graph, alias: &BTreeMap<TensorId, TensorId>) -> Vec<Buffer> {
    let root = |t: TensorId| alias.get(&t).copied().unwrap_or(t);
    let last = graph.nodes.len() + 1;
    let mut spans: BTreeMap<TensorId, (usize, usize)> = BTreeMap::new();
    let mut touch = |t: TensorId, step: usize| {
        let e = spans.entry(root(t)).or_insert((step, step));
        e.0 = e.0.min(step);
        e.1 = e.1.max(step);
    };
    for &t in &graph.inputs {
        touch(t, 0);
    }
    for (i, node) in graph.nodes.iter().enumerate() {
        for t in node.inputs.iter().flatten().chain(&node.outputs) {
            if !graph.tensor(*t).is_const() {
                touch(*t, i + 1);
            }
        }
    }
    for &t in &graph.outputs {
        touch(t, last);
    }
    spans
        .into_iter()
        .map(|(t, (first_step, last_step))| Buffer {
            tensor: t,
            bytes: graph.tensor(t).ty.size_bytes(),
            first_step,
            last_step,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buf(t: u32, bytes: usize, first_step: usize, last_step: usize) -> Buffer {
        Buffer {
            tensor: TensorId(t),
            bytes,
            first_step,
            last_step,
        }
    }

    #[test]
    fn greedy_reuses_dead_buffers_and_checks() {
        let bs = vec![buf(0, 100, 0, 1), buf(1, 50, 1, 2), buf(2, 100, 2, 3)];
        let p = greedy_placement(&bs);
        p.check(&bs).unwrap();
        // t0 and t2 never live together: they share offset 0; t1 sits after them.
        assert_eq!(p.offsets[&TensorId(0)], 0);
        assert_eq!(p.offsets[&TensorId(2)], 0);
        assert_eq!(p.offsets[&TensorId(1)], 112);
        assert_eq!(p.arena_bytes, 176);
    }

    #[test]
    fn check_rejects_overlap() {
        let bs = vec![buf(0, 100, 0, 2), buf(1, 50, 1, 2)];
        let mut p = greedy_placement(&bs);
        p.offsets.insert(TensorId(1), 0);
        assert!(p.check(&bs).is_err());
    }
}
