//! Offset assignment inside one pool: several greedy orderings plus a deterministic local search.
//!
//! Each ordering places buffers one by one at the lowest aligned offset that conflicts with no buffer placed
//! before (conflict: lifetimes intersect and the placement is not one the kernel contract allows). The best
//! ordering seeds a local search (swap / move perturbations, fixed-seed RNG, fixed budget) that keeps any order
//! whose placement is not larger.

use super::overlap::OverlapRule;

/// A buffer to place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// Size in bytes.
    pub size: u64,
    /// First live step.
    pub first: usize,
    /// Last live step.
    pub last: usize,
}

/// An allowed overlap between item `output` and item `input` (indices into the item list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// The producing node's output item.
    pub output: usize,
    /// The dying input item.
    pub input: usize,
    /// Safe relative placements.
    pub rule: OverlapRule,
}

/// How item `b` may sit relative to a conflicting item `c`.
#[derive(Debug, Clone, Copy)]
enum Relation {
    Disjoint,
    /// `b` is the output over input `c`.
    OutputOver(OverlapRule),
    /// `b` is the input under output `c`.
    InputUnder(OverlapRule),
}

/// Conflict lists: for each item, the items it is live with and how they may overlap.
struct Problem {
    items: Vec<Item>,
    conflicts: Vec<Vec<(usize, Relation)>>,
    alignment: u64,
}

impl Problem {
    fn new(items: &[Item], pairs: &[Pair], alignment: u64) -> Problem {
        let n = items.len();
        let mut conflicts = vec![Vec::new(); n];
        for a in 0..n {
            for b in 0..n {
                if a == b || items[a].last < items[b].first || items[b].last < items[a].first {
                    continue;
                }
                let rel = pairs
                    .iter()
                    .find_map(|p| {
                        if p.output == a && p.input == b {
                            Some(Relation::OutputOver(p.rule))
                        } else if p.input == a && p.output == b {
                            Some(Relation::InputUnder(p.rule))
                        } else {
                            None
                        }
                    })
                    .unwrap_or(Relation::Disjoint);
                conflicts[a].push((b, rel));
            }
        }
        Problem {
            items: items.to_vec(),
            conflicts,
            alignment: alignment.max(1),
        }
    }

    fn align_up(&self, x: i64) -> i64 {
        let a = self.alignment as i64;
        (x.max(0) + a - 1) / a * a
    }

    /// Places items in `order`; returns offsets and the total size.
    fn place(&self, order: &[usize]) -> (Vec<u64>, u64) {
        let n = self.items.len();
        let mut offset: Vec<Option<i64>> = vec![None; n];
        let mut total = 0u64;
        let mut forbidden: Vec<(i64, i64)> = Vec::new();
        for &b in order {
            forbidden.clear();
            let sb = self.items[b].size as i64;
            for &(c, rel) in &self.conflicts[b] {
                let Some(oc) = offset[c] else { continue };
                let sc = self.items[c].size as i64;
                if sb == 0 || sc == 0 {
                    continue;
                }
                let (lo, hi) = match rel {
                    Relation::Disjoint => (oc - sb + 1, oc + sc - 1),
                    Relation::OutputOver(r) => (oc + r.max_shift + 1, oc + r.min_shift_above - 1),
                    Relation::InputUnder(r) => (oc - r.min_shift_above + 1, oc - r.max_shift - 1),
                };
                if lo <= hi {
                    forbidden.push((lo, hi));
                }
            }
            forbidden.sort_unstable();
            let mut at = 0i64;
            for &(lo, hi) in &forbidden {
                if lo > at {
                    break;
                }
                if hi >= at {
                    at = self.align_up(hi + 1);
                }
            }
            offset[b] = Some(at);
            total = total.max(at as u64 + self.items[b].size);
        }
        (
            offset.into_iter().map(|o| o.unwrap_or(0) as u64).collect(),
            total,
        )
    }

    /// Sum of the sizes of the items `i` is live with (its conflict degree in bytes).
    fn conflict_bytes(&self, i: usize) -> u64 {
        self.conflicts[i]
            .iter()
            .map(|&(c, _)| self.items[c].size)
            .sum()
    }

    fn orders(&self) -> Vec<Vec<usize>> {
        let n = self.items.len();
        let it = &self.items;
        let base: Vec<usize> = (0..n).collect();
        let sorted = |key: &dyn Fn(usize) -> (u64, u64, usize)| {
            let mut o = base.clone();
            o.sort_by_key(|&i| (std::cmp::Reverse(key(i)), i));
            o
        };
        let span = |i: usize| (it[i].last - it[i].first + 1) as u64;
        vec![
            sorted(&|i| (it[i].size, span(i), usize::MAX - it[i].first)),
            sorted(&|i| (self.conflict_bytes(i), it[i].size, 0)),
            sorted(&|i| (span(i), it[i].size, 0)),
            sorted(&|i| (it[i].size * span(i), it[i].size, 0)),
            sorted(&|i| ((usize::MAX - it[i].first) as u64, it[i].size, 0)),
            // Reverse schedule: a chain of shrinking-offset overlaps (output just below its input) comes out of
            // lowest-offset placement only when the last buffers are placed first.
            sorted(&|i| (it[i].first as u64, it[i].size, 0)),
            sorted(&|i| (it[i].last as u64, it[i].size, 0)),
            sorted(&|i| (self.conflict_bytes(i) + it[i].size, span(i), 0)),
        ]
    }
}

/// A small deterministic RNG (SplitMix64) for the local search.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Result of placing one pool's items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Offset of each item.
    pub offsets: Vec<u64>,
    /// Bytes used (end of the highest item).
    pub total: u64,
}

/// Greedy by decreasing size only (the baseline, also used to decide pool assignment).
pub fn greedy_by_size(items: &[Item], pairs: &[Pair], alignment: u64) -> Placement {
    let problem = Problem::new(items, pairs, alignment);
    let order = problem.orders().swap_remove(0);
    let (offsets, total) = problem.place(&order);
    Placement { offsets, total }
}

/// The best of every greedy ordering, improved by `iterations` steps of local search (seeded by `seed`).
pub fn best_placement(
    items: &[Item],
    pairs: &[Pair],
    alignment: u64,
    iterations: usize,
    seed: u64,
) -> Placement {
    let problem = Problem::new(items, pairs, alignment);
    let mut best_order = Vec::new();
    let mut best: Option<(Vec<u64>, u64)> = None;
    for order in problem.orders() {
        let placed = problem.place(&order);
        if best.as_ref().is_none_or(|b| placed.1 < b.1) {
            best = Some(placed);
            best_order = order;
        }
    }
    let Some((mut offsets, mut total)) = best else {
        return Placement {
            offsets: Vec::new(),
            total: 0,
        };
    };
    let n = items.len();
    if n >= 2 {
        let mut rng = SplitMix64(seed);
        let mut order = best_order;
        for _ in 0..iterations {
            let mut candidate = order.clone();
            let (a, b) = (rng.below(n), rng.below(n));
            if rng.next() % 2 == 0 {
                candidate.swap(a, b);
            } else {
                let moved = candidate.remove(a);
                candidate.insert(b, moved);
            }
            let placed = problem.place(&candidate);
            if placed.1 <= total {
                order = candidate;
                (offsets, total) = placed;
            }
        }
    }
    Placement { offsets, total }
}
