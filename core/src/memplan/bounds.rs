//! Lower bounds on the activation memory of any plan, reported next to the plan.
//!
//! - no-overlap bound: max over steps of the bytes of the buffers live at that step (views counted once, since
//!   they share their buffer). No plan without overlaps can be smaller.
//! - full-overlap bound: the same, minus at each step the most the node's output can overlap its dying inputs
//!   under the kernel contract. No valid plan can be smaller (alignment ignored).

use super::liveness::{AllowedOverlap, Liveness};
use super::overlap::OverlapRule;

/// Both lower bounds, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowerBounds {
    /// Max over steps of the live bytes.
    pub no_overlap_bytes: u64,
    /// Max over steps of the live bytes minus the largest allowed overlap at that step.
    pub full_overlap_bytes: u64,
}

/// The largest number of bytes an output of `out` bytes can share with an input of `inp` bytes under `rule`.
fn max_overlap_bytes(rule: OverlapRule, inp: u64, out: u64) -> u64 {
    let (inp, out) = (inp as i64, out as i64);
    // Shifts x = output − input offset with x ≤ max_shift: the union spans max(in − x, out) for x ≤ 0,
    // max(in, x + out) for x ≥ 0; the best shift is min(max_shift, 0).
    let x = rule.max_shift.min(0);
    let below = (inp - x).max(out);
    // Shifts x ≥ min_shift_above (≥ 0): the union spans max(in, x + out), smallest at x = min_shift_above.
    let above = inp.max(rule.min_shift_above.max(0) + out);
    let span = below.min(above);
    (inp + out - span).max(0) as u64
}

/// Computes both bounds over the planned (not caller-owned) buffers.
pub fn lower_bounds(live: &Liveness, allowed: &[AllowedOverlap]) -> LowerBounds {
    let steps = live
        .buffers
        .iter()
        .map(|b| b.last_step + 1)
        .max()
        .unwrap_or(0);
    let mut no_overlap = 0;
    let mut full_overlap = 0;
    for s in 0..steps {
        let live_bytes: u64 = live
            .planned()
            .filter(|(_, b)| b.first_step <= s && s <= b.last_step)
            .map(|(_, b)| b.size_bytes)
            .sum();
        let mut saved = 0u64;
        let mut output_size = 0u64;
        for a in allowed.iter().filter(|a| a.step == s) {
            let (i, o) = (&live.buffers[a.input], &live.buffers[a.output]);
            saved += max_overlap_bytes(a.rule, i.size_bytes, o.size_bytes);
            output_size = o.size_bytes;
        }
        no_overlap = no_overlap.max(live_bytes);
        full_overlap = full_overlap.max(live_bytes - saved.min(output_size));
    }
    LowerBounds {
        no_overlap_bytes: no_overlap,
        full_overlap_bytes: full_overlap,
    }
}
