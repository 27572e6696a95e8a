//! The memory-overlap timeline: one rectangle per buffer (x = execution steps, y = bytes), pools stacked.
//!
//! This is data for every renderer: the SVG writer ([`super::svg`]), the app's PNG renderer, the JSON output
//! and the GUI all draw the same [`Timeline`].

use super::MemoryPlan;
use crate::ir::{Graph, TensorId};
use serde::{Deserialize, Serialize};

/// The colour of buffer `index` (its position in [`Timeline::rects`]) as RGB: every renderer (SVG, PNG, GUI) uses
/// these, so a buffer has the same colour in each view. Eight colours, repeated.
pub fn buffer_rgb(index: usize) -> [u8; 3] {
    const COLORS: [[u8; 3]; 8] = [
        [0x4e, 0x79, 0xa7],
        [0xf2, 0x8e, 0x2b],
        [0x59, 0xa1, 0x4f],
        [0xe1, 0x57, 0x59],
        [0x76, 0xb7, 0xb2],
        [0xed, 0xc9, 0x48],
        [0xb0, 0x7a, 0xa1],
        [0x9c, 0x75, 0x5f],
    ];
    COLORS[index % COLORS.len()]
}

/// One buffer drawn as a rectangle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineRect {
    /// The tensor owning the buffer.
    pub tensor: TensorId,
    /// Short label: the producing operator and step (`conv2d #3`), or `input` for a graph input.
    pub label: String,
    /// The tensor's full name.
    pub tensor_name: String,
    /// Pool index.
    pub pool: usize,
    /// Left edge: first live step.
    pub x0: usize,
    /// Right edge (exclusive): last live step + 1.
    pub x1: usize,
    /// Bottom edge in stacked bytes (pool base + offset).
    pub y0: u64,
    /// Top edge (exclusive) in stacked bytes.
    pub y1: u64,
}

/// One pool's horizontal band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolBand {
    /// Pool name.
    pub name: String,
    /// Bottom of the band in stacked bytes.
    pub base: u64,
    /// Bytes used in the pool (the band's height).
    pub used_bytes: u64,
    /// Capacity, when bounded.
    pub size_bytes: Option<u64>,
}

/// Everything the memory-overlap chart shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// Model name.
    pub model: String,
    /// Number of steps (x axis: 0..steps).
    pub steps: usize,
    /// Node name of each step.
    pub step_labels: Vec<String>,
    /// Pools, stacked bottom-up in plan order.
    pub pools: Vec<PoolBand>,
    /// Buffers.
    pub rects: Vec<TimelineRect>,
    /// Planned bytes (the peak line).
    pub peak_bytes: u64,
    /// Lower bound without overlaps.
    pub no_overlap_bound: u64,
    /// Lower bound with the allowed kernel overlaps.
    pub full_overlap_bound: u64,
}

/// The timeline of `plan` for `graph`.
pub fn timeline(plan: &MemoryPlan, graph: &Graph) -> Timeline {
    let mut base = 0;
    let pools: Vec<PoolBand> = plan
        .pools
        .iter()
        .map(|p| {
            let band = PoolBand {
                name: p.name.clone(),
                base,
                used_bytes: p.used_bytes,
                size_bytes: p.size_bytes,
            };
            base += p.used_bytes;
            band
        })
        .collect();
    let rects = plan
        .buffers
        .iter()
        .map(|b| {
            let pool_base = pools.get(b.pool).map_or(0, |p| p.base);
            let producer = graph
                .nodes
                .iter()
                .position(|n| n.outputs.contains(&b.tensor));
            TimelineRect {
                tensor: b.tensor,
                label: match producer {
                    Some(step) => format!("{} #{step}", graph.nodes[step].op.name()),
                    None => "input".into(),
                },
                tensor_name: b.name.clone(),
                pool: b.pool,
                x0: b.first_step,
                x1: b.last_step + 1,
                y0: pool_base + b.offset,
                y1: pool_base + b.offset + b.size_bytes,
            }
        })
        .collect();
    Timeline {
        model: graph.name.clone(),
        steps: plan.steps.max(1),
        step_labels: graph.nodes.iter().map(|n| n.name.clone()).collect(),
        pools,
        rects,
        peak_bytes: plan.total_bytes,
        no_overlap_bound: plan.no_overlap_bound,
        full_overlap_bound: plan.full_overlap_bound,
    }
}
