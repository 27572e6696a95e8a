//! Activation memory planning: where every activation byte lives, and for how long.
//!
//! [`plan`] computes buffer lifetimes over the schedule ([`liveness`]), the overlaps the kernel memory contract
//! allows between a node's output and its dying inputs ([`overlap`]), assigns buffers to memory pools (hottest
//! buffers in the fastest pool) and offsets inside each pool ([`place`]), and reports lower bounds ([`bounds`]).
//! [`check`] independently proves a plan valid; [`timeline`] turns a plan into rectangles for the memory-overlap
//! chart ([`svg`] writes it as SVG). The contract and the derivation are in docs/memory-planner.md.
//!
//! Invariant of every returned plan: `check::check_plan` accepts it.

pub mod bounds;
pub mod check;
pub mod liveness;
pub mod overlap;
pub mod place;
pub mod svg;
pub mod timeline;

#[cfg(test)]
mod tests;

use crate::ir::{Graph, TensorId};
use liveness::{Liveness, allowed_overlaps};
use place::{Item, Pair};
use serde::{Deserialize, Serialize};

pub use check::{CheckError, check_plan};
pub use overlap::OverlapRule;
pub use timeline::{Timeline, buffer_rgb, timeline};

/// Seed of the local search's RNG (fixed: plans are deterministic).
const SEARCH_SEED: u64 = 0x6e6e_6375_6265;

/// A RAM region the planner may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryPool {
    /// Name, e.g. `DTCM` or `AXI SRAM`.
    pub name: String,
    /// Capacity in bytes.
    pub size_bytes: u64,
    /// Speed rank: 0 is the fastest; the hottest buffers go to the lowest rank that fits.
    pub speed_rank: u32,
}

/// What the planner may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanOptions {
    /// Every buffer offset is a multiple of this many bytes (≥ 1).
    pub alignment: u64,
    /// Graph inputs live in the activation buffer (false: the caller provides them).
    pub inputs_in_activations: bool,
    /// Graph outputs live in the activation buffer (false: the caller provides them).
    pub outputs_in_activations: bool,
    /// Use the overlaps the kernel memory contract allows.
    pub allow_kernel_overlap: bool,
    /// Memory pools; empty means one unbounded pool named `activations`.
    pub pools: Vec<MemoryPool>,
    /// Local-search steps per pool after the greedy heuristics.
    pub search_iterations: usize,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            alignment: 4,
            inputs_in_activations: true,
            outputs_in_activations: true,
            allow_kernel_overlap: true,
            pools: Vec::new(),
            search_iterations: 2000,
        }
    }
}

/// How much of a pool the plan uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolUsage {
    /// Pool name.
    pub name: String,
    /// Capacity (`None`: unbounded).
    pub size_bytes: Option<u64>,
    /// Bytes used: end of the highest buffer.
    pub used_bytes: u64,
    /// Speed rank (0 = fastest).
    pub speed_rank: u32,
}

/// Where one buffer lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BufferPlacement {
    /// The tensor owning the bytes.
    pub tensor: TensorId,
    /// Its name.
    pub name: String,
    /// View tensors (reshape/squeeze outputs) sharing these bytes.
    pub aliases: Vec<TensorId>,
    /// Index into [`MemoryPlan::pools`].
    pub pool: usize,
    /// Byte offset inside the pool.
    pub offset: u64,
    /// Size in bytes.
    pub size_bytes: u64,
    /// First step (node index) at which the buffer holds data.
    pub first_step: usize,
    /// Last step at which it is read.
    pub last_step: usize,
}

/// An overlap the plan actually uses: at `step`, the output buffer overlaps the dying input buffer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsedOverlap {
    /// Step (node index).
    pub step: usize,
    /// Output tensor of the node.
    pub output: TensorId,
    /// Input tensor (buffer root) it overlaps.
    pub input: TensorId,
    /// `output offset − input offset`.
    pub shift_bytes: i64,
    /// The contract's safe set for this pair.
    pub rule: OverlapRule,
}

/// The memory plan of a graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryPlan {
    /// Options the plan was made with.
    pub options: PlanOptions,
    /// Pools, fastest first.
    pub pools: Vec<PoolUsage>,
    /// One entry per activation buffer, in order of creation.
    pub buffers: Vec<BufferPlacement>,
    /// Graph inputs/outputs the caller provides (not in any pool).
    pub caller_owned: Vec<TensorId>,
    /// Overlaps between buffers that the plan uses (all allowed by the kernel contract).
    pub overlaps: Vec<UsedOverlap>,
    /// Number of steps (nodes).
    pub steps: usize,
    /// Bytes used, summed over pools.
    pub total_bytes: u64,
    /// Lower bound without overlaps: max over steps of the live bytes.
    pub no_overlap_bound: u64,
    /// Lower bound with the allowed kernel overlaps.
    pub full_overlap_bound: u64,
}

impl MemoryPlan {
    /// Pool and offset of tensor `t` (views resolve to the buffer they alias); `None` for constants and
    /// caller-owned tensors.
    pub fn location(&self, t: TensorId) -> Option<(usize, u64)> {
        self.buffers
            .iter()
            .find(|b| b.tensor == t || b.aliases.contains(&t))
            .map(|b| (b.pool, b.offset))
    }

    /// The plan as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Alignment must be at least 1.
    #[error("invalid alignment {0}: use a power of two ≥ 1 (e.g. 4)")]
    InvalidAlignment(u64),
    /// A buffer fits in no pool.
    #[error(
        "the activations do not fit: tensor `{tensor}` ({bytes} B) fits in no pool; {shortfall_bytes} B short \
         in the best pool (pools: {pools}); use a larger board, more pools, or a smaller model"
    )]
    DoesNotFit {
        /// The tensor that could not be placed.
        tensor: String,
        /// Its size.
        bytes: u64,
        /// Missing bytes in the pool closest to fitting.
        shortfall_bytes: u64,
        /// The pools tried, with their sizes and how many bytes each lacks for this tensor.
        pools: String,
    },
}

/// Plans the activation memory of a verified graph.
pub fn plan(graph: &Graph, options: &PlanOptions) -> Result<MemoryPlan, PlanError> {
    if options.alignment == 0 {
        return Err(PlanError::InvalidAlignment(0));
    }
    let live = Liveness::of(
        graph,
        !options.inputs_in_activations,
        !options.outputs_in_activations,
    );
    let allowed: Vec<_> = if options.allow_kernel_overlap {
        allowed_overlaps(graph, &live)
            .into_iter()
            .filter(|a| !live.buffers[a.output].caller_owned && !live.buffers[a.input].caller_owned)
            .collect()
    } else {
        Vec::new()
    };
    let pools = pool_list(options);
    let planned: Vec<usize> = live.planned().map(|(i, _)| i).collect();
    let item_of = |b: usize| planned.iter().position(|&p| p == b);
    let items: Vec<Item> = planned
        .iter()
        .map(|&b| Item {
            size: live.buffers[b].size_bytes,
            first: live.buffers[b].first_step,
            last: live.buffers[b].last_step,
        })
        .collect();
    let pairs: Vec<Pair> = allowed
        .iter()
        .filter_map(|a| {
            Some(Pair {
                output: item_of(a.output)?,
                input: item_of(a.input)?,
                rule: a.rule,
            })
        })
        .collect();
    let pool_of = assign_pools(graph, &live, &planned, &items, &pairs, &pools, options)?;

    let mut offsets = vec![0u64; items.len()];
    let mut usage = Vec::with_capacity(pools.len());
    for (p, pool) in pools.iter().enumerate() {
        let members: Vec<usize> = (0..items.len()).filter(|&i| pool_of[i] == p).collect();
        let (sub_items, sub_pairs) = restrict(&items, &pairs, &members);
        let placed = place::best_placement(
            &sub_items,
            &sub_pairs,
            options.alignment,
            options.search_iterations,
            SEARCH_SEED,
        );
        for (k, &i) in members.iter().enumerate() {
            offsets[i] = placed.offsets[k];
        }
        usage.push(PoolUsage {
            name: pool.name.clone(),
            size_bytes: (!options.pools.is_empty()).then_some(pool.size_bytes),
            used_bytes: placed.total,
            speed_rank: pool.speed_rank,
        });
    }

    let buffers: Vec<BufferPlacement> = planned
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let lb = &live.buffers[b];
            BufferPlacement {
                tensor: lb.root,
                name: graph.tensor(lb.root).name.clone(),
                aliases: lb.aliases.clone(),
                pool: pool_of[i],
                offset: offsets[i],
                size_bytes: lb.size_bytes,
                first_step: lb.first_step,
                last_step: lb.last_step,
            }
        })
        .collect();
    let overlaps = used_overlaps(&pairs, &buffers, &allowed);
    let lower = bounds::lower_bounds(&live, &allowed);
    let mut caller_owned: Vec<TensorId> = live
        .buffers
        .iter()
        .filter(|b| b.caller_owned)
        .flat_map(|b| std::iter::once(b.root).chain(b.aliases.iter().copied()))
        .collect();
    caller_owned.sort_unstable();
    Ok(MemoryPlan {
        options: options.clone(),
        total_bytes: usage.iter().map(|u| u.used_bytes).sum(),
        pools: usage,
        buffers,
        caller_owned,
        overlaps,
        steps: graph.nodes.len(),
        no_overlap_bound: lower.no_overlap_bytes,
        full_overlap_bound: lower.full_overlap_bytes,
    })
}

/// The pools to use, fastest first (an unbounded `activations` pool when none are given).
fn pool_list(options: &PlanOptions) -> Vec<MemoryPool> {
    if options.pools.is_empty() {
        return vec![MemoryPool {
            name: "activations".into(),
            size_bytes: u64::MAX,
            speed_rank: 0,
        }];
    }
    let mut pools = options.pools.clone();
    pools.sort_by_key(|p| p.speed_rank);
    pools
}

/// Items `members` of a pool and the overlap pairs between them, renumbered.
fn restrict(items: &[Item], pairs: &[Pair], members: &[usize]) -> (Vec<Item>, Vec<Pair>) {
    let sub_items = members.iter().map(|&i| items[i]).collect();
    let sub_pairs = pairs
        .iter()
        .filter_map(|p| {
            Some(Pair {
                output: members.iter().position(|&m| m == p.output)?,
                input: members.iter().position(|&m| m == p.input)?,
                rule: p.rule,
            })
        })
        .collect();
    (sub_items, sub_pairs)
}

/// Bytes the schedule moves through buffer `b`: each node reading it touches `max(its MACC, size)` bytes (a
/// MAC reads one input byte per weight; an elementwise op reads each byte once) and its producer writes `size`.
fn bytes_touched(graph: &Graph, live: &Liveness, b: usize) -> u64 {
    let size = live.buffers[b].size_bytes;
    graph
        .nodes
        .iter()
        .map(|n| {
            let reads = n
                .inputs
                .iter()
                .flatten()
                .any(|&t| live.buffer(t) == Some(b));
            let writes = n.outputs.iter().any(|&t| live.buffer(t) == Some(b));
            let read_bytes = if reads {
                crate::report::layer_macc(graph, n).max(size)
            } else {
                0
            };
            read_bytes + if writes { size } else { 0 }
        })
        .sum()
}

/// Assigns each item a pool, the most used first into the fastest pool where a greedy placement of that pool's
/// items still fits. "Most used" is access density: bytes touched per byte of buffer ([`bytes_touched`] / size),
/// so that the fastest pool holds the bytes the kernels read most often. When that order leaves a buffer with no
/// pool, the assignment is retried largest buffer first (first-fit decreasing, which packs tighter); only when
/// both fail does planning fail, naming the tensor of the second attempt and how far each pool is from fitting it.
fn assign_pools(
    graph: &Graph,
    live: &Liveness,
    planned: &[usize],
    items: &[Item],
    pairs: &[Pair],
    pools: &[MemoryPool],
    options: &PlanOptions,
) -> Result<Vec<usize>, PlanError> {
    if pools.len() == 1 && options.pools.is_empty() {
        return Ok(vec![0; items.len()]);
    }
    let touched: Vec<u64> = planned
        .iter()
        .map(|&b| bytes_touched(graph, live, b))
        .collect();
    let mut by_density: Vec<usize> = (0..items.len()).collect();
    // touched[i] / size[i] descending, compared exactly as touched[i] * size[j] vs touched[j] * size[i].
    by_density.sort_by(|&i, &j| {
        let lhs = u128::from(touched[i]) * u128::from(items[j].size.max(1));
        let rhs = u128::from(touched[j]) * u128::from(items[i].size.max(1));
        rhs.cmp(&lhs)
            .then(items[j].size.cmp(&items[i].size))
            .then(i.cmp(&j))
    });
    if let Ok(pool_of) = assign_in_order(&by_density, items, pairs, pools, options.alignment) {
        return Ok(pool_of);
    }
    let mut by_size: Vec<usize> = (0..items.len()).collect();
    by_size.sort_by_key(|&i| (std::cmp::Reverse(items[i].size), i));
    assign_in_order(&by_size, items, pairs, pools, options.alignment).map_err(|(i, shortfalls)| {
        let root = live.buffers[planned[i]].root;
        PlanError::DoesNotFit {
            tensor: graph.tensor(root).name.clone(),
            bytes: items[i].size,
            shortfall_bytes: shortfalls.iter().copied().min().unwrap_or(0),
            pools: pools
                .iter()
                .zip(&shortfalls)
                .map(|(p, short)| format!("{} {} B ({short} B short)", p.name, p.size_bytes))
                .collect::<Vec<_>>()
                .join(", "),
        }
    })
}

/// Puts the items into pools in `order`, each into the first (fastest) pool whose greedy placement still fits.
/// On failure: the item that fits nowhere and, per pool, how many bytes that pool lacks for it.
fn assign_in_order(
    order: &[usize],
    items: &[Item],
    pairs: &[Pair],
    pools: &[MemoryPool],
    alignment: u64,
) -> Result<Vec<usize>, (usize, Vec<u64>)> {
    let mut pool_of = vec![usize::MAX; items.len()];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); pools.len()];
    for &i in order {
        let mut shortfalls = Vec::with_capacity(pools.len());
        for (p, pool) in pools.iter().enumerate() {
            let mut trial = members[p].clone();
            trial.push(i);
            let (sub_items, sub_pairs) = restrict(items, pairs, &trial);
            let total = place::greedy_by_size(&sub_items, &sub_pairs, alignment).total;
            if total <= pool.size_bytes {
                members[p] = trial;
                pool_of[i] = p;
                break;
            }
            shortfalls.push(total - pool.size_bytes);
        }
        if pool_of[i] == usize::MAX {
            return Err((i, shortfalls));
        }
    }
    Ok(pool_of)
}

/// The allowed overlaps whose buffers really overlap in the plan.
fn used_overlaps(
    pairs: &[Pair],
    buffers: &[BufferPlacement],
    allowed: &[liveness::AllowedOverlap],
) -> Vec<UsedOverlap> {
    // `pairs` were built from `allowed` one to one (both buffers of every allowed overlap are planned).
    let mut out: Vec<UsedOverlap> = pairs
        .iter()
        .zip(allowed)
        .filter_map(|(p, a)| {
            let (o, i) = (&buffers[p.output], &buffers[p.input]);
            let overlapping = o.pool == i.pool
                && o.offset < i.offset + i.size_bytes
                && i.offset < o.offset + o.size_bytes;
            overlapping.then(|| UsedOverlap {
                step: a.step,
                output: o.tensor,
                input: i.tensor,
                shift_bytes: o.offset as i64 - i.offset as i64,
                rule: p.rule,
            })
        })
        .collect();
    out.sort_by_key(|u| (u.step, u.output, u.input));
    out
}
