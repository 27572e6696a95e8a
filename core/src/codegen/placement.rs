//! Where each activation tensor lives: in which activation pool, at which byte offset.
//!
//! [`Placement`] maps tensors to byte offsets (and, with several pools, to pools: one caller buffer per board RAM
//! region, see docs/memory-planner.md "Pools from the board"). By default it comes from the memory planner
//! ([`Placement::from_plan`]: [`crate::memplan::plan`], proved by [`crate::memplan::check_plan`]), which may
//! overlap a node's output with an input dying at that node where the kernel memory contract allows it
//! (docs/memory-planner.md). [`Placement::check`] re-proves the placement with codegen's own buffer lifetimes
//! ([`buffers`]): every buffer has an offset aligned to [`ALIGN_BYTES`] and fits in `arena_bytes`, and two
//! buffers live at the same step share a byte only if they are views of one planned buffer (same offset) or the
//! plan declares exactly that overlap (that output over that input, at that node, at that shift).

use super::CodegenError;
use crate::ir::{Graph, TensorId};
use crate::memplan::{MemoryPlan, UsedOverlap};
use std::collections::{BTreeMap, BTreeSet};

/// Alignment of every activation buffer offset, in bytes. The activations buffer itself is only required to be
/// 4-byte aligned (docs/c-api.md) and the kernels need no more than 4-byte aligned operands, so a larger
/// alignment would only waste bytes.
pub const ALIGN_BYTES: usize = 4;

/// Byte offsets of activation tensors inside the activations buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Placement {
    /// Offset of each buffer's tensor (codegen views share their source's buffer and need no entry).
    pub offsets: BTreeMap<TensorId, usize>,
    /// Size of the whole activations buffer.
    pub arena_bytes: usize,
    /// Overlaps the memory plan declares (allowed by the kernel memory contract); every other overlap is an error.
    pub overlaps: Vec<UsedOverlap>,
    /// Planner buffer root of each tensor (views of one planned buffer may share bytes).
    pub planned_root: BTreeMap<TensorId, TensorId>,
    /// Graph inputs/outputs (and their views) that live in caller buffers: no offset, not in the arena.
    pub caller_owned: BTreeSet<TensorId>,
    /// The pools holding the buffers, fastest first (from the plan's pools that hold at least one buffer). Empty or
    /// one entry: a single activations buffer of `arena_bytes`; two or more: one buffer per pool, and
    /// `arena_bytes` is the sum of their sizes.
    #[serde(default)]
    pub pools: Vec<ArenaPool>,
    /// Pool (index into `pools`) of each tensor that has an offset; absent means pool 0.
    #[serde(default)]
    pub pool_of: BTreeMap<TensorId, usize>,
}

/// One activation pool of a [`Placement`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ArenaPool {
    /// The pool's name: the board RAM region it goes to (a C identifier), or `activations`.
    pub name: String,
    /// Bytes of the pool's buffer (a multiple of [`ALIGN_BYTES`]).
    pub bytes: usize,
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
    /// The placement of a memory plan: the plan must be valid (checked with the planner's independent checker);
    /// its caller-owned tensors get no offset. Pools holding no buffer are left out; when one pool remains the
    /// placement is a single activations buffer (the same C as a plan with one pool).
    pub fn from_plan(graph: &Graph, plan: &MemoryPlan) -> Result<Placement, CodegenError> {
        crate::memplan::check_plan(graph, plan).map_err(|e| CodegenError::InvalidPlacement {
            reason: e.to_string(),
        })?;
        let bytes_of = |b: u64| {
            usize::try_from(b)
                .unwrap_or(usize::MAX)
                .next_multiple_of(ALIGN_BYTES)
        };
        // Plan pool index → placement pool index, for the pools that hold a buffer.
        let mut index_of: BTreeMap<usize, usize> = BTreeMap::new();
        for b in &plan.buffers {
            index_of.entry(b.pool).or_insert(0);
        }
        let mut pools = Vec::with_capacity(index_of.len());
        for (k, (&p, index)) in index_of.iter_mut().enumerate() {
            *index = k;
            let usage = plan
                .pools
                .get(p)
                .ok_or_else(|| CodegenError::InvalidPlacement {
                    reason: format!("a buffer names pool {p}, which the plan does not have"),
                })?;
            pools.push(ArenaPool {
                name: usage.name.clone(),
                bytes: bytes_of(usage.used_bytes),
            });
        }
        let mut placement = Placement {
            arena_bytes: if pools.len() == 1 {
                bytes_of(plan.total_bytes)
            } else {
                pools.iter().map(|p| p.bytes).sum()
            },
            overlaps: plan.overlaps.clone(),
            caller_owned: plan.caller_owned.iter().copied().collect(),
            ..Placement::default()
        };
        for b in &plan.buffers {
            let offset = usize::try_from(b.offset).unwrap_or(usize::MAX);
            let pool = index_of.get(&b.pool).copied().unwrap_or(0);
            for &t in std::iter::once(&b.tensor).chain(&b.aliases) {
                placement.offsets.insert(t, offset);
                placement.planned_root.insert(t, b.tensor);
                if pool != 0 {
                    placement.pool_of.insert(t, pool);
                }
            }
        }
        placement.pools = pools;
        Ok(placement)
    }

    /// Whether the activations are split over several pools (one caller buffer each).
    pub fn is_multi_pool(&self) -> bool {
        self.pools.len() >= 2
    }

    /// The pool of tensor `t` (0 when there is one pool).
    pub fn pool(&self, t: TensorId) -> usize {
        self.pool_of.get(&t).copied().unwrap_or(0)
    }

    /// Size of the buffer of pool `pool`.
    fn pool_bytes(&self, pool: usize) -> usize {
        if self.is_multi_pool() {
            self.pools.get(pool).map_or(0, |p| p.bytes)
        } else {
            self.arena_bytes
        }
    }

    /// Whether the plan lets `a` and `b` (at offsets `off_a`, `off_b`) share bytes while both are live.
    fn overlap_allowed(&self, a: (&Buffer, usize), b: (&Buffer, usize)) -> bool {
        let root = |t: TensorId| self.planned_root.get(&t).copied();
        if a.1 == b.1 && root(a.0.tensor).is_some() && root(a.0.tensor) == root(b.0.tensor) {
            return true;
        }
        self.overlaps.iter().any(|u| {
            [(a, b), (b, a)].iter().any(|&(out, inp)| {
                root(out.0.tensor) == Some(u.output)
                    && root(inp.0.tensor) == Some(u.input)
                    && out.1 as i64 - inp.1 as i64 == u.shift_bytes
                    // Live together only at the node (step `u.step + 1`) that writes the output over its dying input.
                    && out.0.first_step == u.step + 1
                    && inp.0.last_step == u.step + 1
            })
        })
    }

    /// Checks that every buffer has an aligned offset inside its pool and that live buffers of one pool overlap
    /// only where the plan declares it.
    pub fn check(&self, buffers: &[Buffer]) -> Result<(), CodegenError> {
        let mut placed: Vec<(&Buffer, usize)> = Vec::with_capacity(buffers.len());
        if self.is_multi_pool() && self.pool_of.values().any(|&p| p >= self.pools.len()) {
            return Err(CodegenError::InvalidPlacement {
                reason: format!(
                    "a tensor names a pool beyond the {} pools",
                    self.pools.len()
                ),
            });
        }
        for b in buffers
            .iter()
            .filter(|b| !self.caller_owned.contains(&b.tensor))
        {
            let off =
                *self
                    .offsets
                    .get(&b.tensor)
                    .ok_or_else(|| CodegenError::InvalidPlacement {
                        reason: format!("tensor {} has no offset", b.tensor),
                    })?;
            let pool_bytes = self.pool_bytes(self.pool(b.tensor));
            if off % ALIGN_BYTES != 0 || off + b.bytes > pool_bytes {
                return Err(CodegenError::InvalidPlacement {
                    reason: format!(
                        "tensor {} at offset {off} ({} bytes) is misaligned or outside its {pool_bytes}-byte pool",
                        b.tensor, b.bytes
                    ),
                });
            }
            for &(other, other_off) in &placed {
                if self.pool(b.tensor) == self.pool(other.tensor)
                    && b.overlaps_in_time(other)
                    && off < other_off + other.bytes
                    && other_off < off + b.bytes
                    && !self.overlap_allowed((b, off), (other, other_off))
                {
                    return Err(CodegenError::InvalidPlacement {
                        reason: format!(
                            "tensors {} and {} are live at the same time and overlap, and the plan declares no such overlap",
                            b.tensor, other.tensor
                        ),
                    });
                }
            }
            placed.push((b, off));
        }
        Ok(())
    }
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
    use crate::memplan::OverlapRule;

    fn buf(t: u32, bytes: usize, first_step: usize, last_step: usize) -> Buffer {
        Buffer {
            tensor: TensorId(t),
            bytes,
            first_step,
            last_step,
        }
    }

    fn placement(offsets: &[(u32, usize)], overlaps: Vec<UsedOverlap>) -> Placement {
        Placement {
            offsets: offsets.iter().map(|&(t, o)| (TensorId(t), o)).collect(),
            arena_bytes: 256,
            overlaps,
            planned_root: offsets
                .iter()
                .map(|&(t, _)| (TensorId(t), TensorId(t)))
                .collect(),
            caller_owned: BTreeSet::new(),
            ..Placement::default()
        }
    }

    fn declared(step: usize, output: u32, input: u32, shift_bytes: i64) -> UsedOverlap {
        UsedOverlap {
            step,
            output: TensorId(output),
            input: TensorId(input),
            shift_bytes,
            rule: OverlapRule {
                max_shift: 0,
                min_shift_above: 100,
            },
        }
    }

    #[test]
    fn check_accepts_disjoint_and_reused_buffers() {
        let bs = vec![buf(0, 100, 0, 1), buf(1, 50, 1, 2), buf(2, 100, 2, 3)];
        placement(&[(0, 0), (1, 100), (2, 0)], vec![])
            .check(&bs)
            .unwrap();
    }

    #[test]
    fn check_rejects_undeclared_overlap() {
        let bs = vec![buf(0, 100, 0, 2), buf(1, 50, 1, 2)];
        assert!(placement(&[(0, 0), (1, 0)], vec![]).check(&bs).is_err());
    }

    #[test]
    fn check_accepts_exactly_the_declared_overlap() {
        // Node 0 (step 1) writes t1 over t0, which dies there.
        let bs = vec![buf(0, 100, 0, 1), buf(1, 100, 1, 2)];
        let ok = placement(&[(0, 0), (1, 0)], vec![declared(0, 1, 0, 0)]);
        ok.check(&bs).unwrap();
        // Another shift than declared.
        let shifted = placement(&[(0, 0), (1, 8)], vec![declared(0, 1, 0, 0)]);
        assert!(shifted.check(&bs).is_err());
        // Declared at another node.
        let elsewhere = placement(&[(0, 0), (1, 0)], vec![declared(1, 1, 0, 0)]);
        assert!(elsewhere.check(&bs).is_err());
        // The input lives on past the node: the overlap would clobber it.
        let longer = vec![buf(0, 100, 0, 2), buf(1, 100, 1, 2)];
        assert!(ok.check(&longer).is_err());
    }

    #[test]
    fn buffers_in_different_pools_may_share_offsets_but_must_fit_their_own_pool() {
        let bs = vec![buf(0, 100, 0, 2), buf(1, 100, 1, 2)];
        let mut two = placement(&[(0, 0), (1, 0)], vec![]);
        two.pools = vec![
            ArenaPool {
                name: "DTCM".into(),
                bytes: 100,
            },
            ArenaPool {
                name: "AXI_SRAM".into(),
                bytes: 100,
            },
        ];
        two.pool_of.insert(TensorId(1), 1);
        two.check(&bs).unwrap();
        // Same offset in the same pool while both are live: rejected.
        let mut same = two.clone();
        same.pool_of.clear();
        assert!(same.check(&bs).is_err());
        // Pool 1 is too small for its buffer, although the arena total would hold it.
        let mut small = two.clone();
        small.pools[1].bytes = 96;
        assert!(small.check(&bs).is_err());
        // A pool index beyond the pools.
        let mut beyond = two;
        beyond.pool_of.insert(TensorId(1), 2);
        assert!(beyond.check(&bs).is_err());
    }
}
