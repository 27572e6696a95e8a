//! Liveness of activation buffers over the schedule.
//!
//! Step `k` is the execution of node `k`. A buffer lives from the step that produces it (step 0 for graph inputs)
//! to its last reader (the last step for graph outputs). Views (`Op::is_view`) have no buffer of their own: the
//! view's output aliases its input's buffer, whose lifetime extends to the view's last reader. Constants are not
//! activations.

use crate::ir::{Graph, TensorId};

/// One buffer: a root tensor and the views aliasing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveBuffer {
    /// The tensor that owns the bytes (a graph input or the output of a non-view node).
    pub root: TensorId,
    /// Tensors that are views of the root (reshape/squeeze outputs), in schedule order.
    pub aliases: Vec<TensorId>,
    /// Size in bytes.
    pub size_bytes: u64,
    /// First step at which the buffer holds data.
    pub first_step: usize,
    /// Last step at which the buffer is read (or the last step, for graph outputs).
    pub last_step: usize,
    /// A caller-owned graph input or output (kept out of the activation buffer).
    pub caller_owned: bool,
    /// Holds a graph output: its bytes must survive the last step, so nothing may overwrite them.
    pub holds_output: bool,
}

/// Buffers of a graph and the buffer of each tensor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liveness {
    /// Buffers in order of creation (graph inputs first, then by producing step).
    pub buffers: Vec<LiveBuffer>,
    /// For each tensor, the index of its buffer (`None` for constants and unused tensors).
    pub buffer_of: Vec<Option<usize>>,
}

impl Liveness {
    /// Computes liveness. `inputs_owned`/`outputs_owned`: graph inputs/outputs provided by the caller.
    pub fn of(graph: &Graph, inputs_owned: bool, outputs_owned: bool) -> Liveness {
        let last = graph.nodes.len().saturating_sub(1);
        let mut buffers: Vec<LiveBuffer> = Vec::new();
        let mut buffer_of = vec![None; graph.tensors.len()];
        let new_buffer = |buffers: &mut Vec<LiveBuffer>, t: TensorId, step: usize| {
            buffers.push(LiveBuffer {
                root: t,
                aliases: Vec::new(),
                size_bytes: graph.tensor(t).ty.size_bytes() as u64,
                first_step: step,
                last_step: step,
                caller_owned: false,
                holds_output: false,
            });
            buffers.len() - 1
        };
        for &t in &graph.inputs {
            if !graph.tensor(t).is_const() && buffer_of[t.index()].is_none() {
                buffer_of[t.index()] = Some(new_buffer(&mut buffers, t, 0));
            }
        }
        for (step, node) in graph.nodes.iter().enumerate() {
            for t in node.inputs.iter().flatten() {
                if let Some(b) = buffer_of[t.index()] {
                    buffers[b].last_step = buffers[b].last_step.max(step);
                }
            }
            let view_of = match (node.op.is_view(), node.input(0)) {
                (true, Some(src)) => buffer_of[src.index()],
                _ => None,
            };
            for &t in &node.outputs {
                if graph.tensor(t).is_const() {
                    continue;
                }
                match view_of {
                    Some(b) => {
                        buffers[b].aliases.push(t);
                        buffer_of[t.index()] = Some(b);
                    }
                    None => buffer_of[t.index()] = Some(new_buffer(&mut buffers, t, step)),
                }
            }
        }
        for &t in &graph.outputs {
            if let Some(b) = buffer_of[t.index()] {
                buffers[b].last_step = last;
                buffers[b].caller_owned |= outputs_owned;
                buffers[b].holds_output = true;
            }
        }
        for &t in &graph.inputs {
            if let Some(b) = buffer_of[t.index()] {
                buffers[b].caller_owned |= inputs_owned;
            }
        }
        Liveness { buffers, buffer_of }
    }

    /// The buffer holding tensor `t`, if it is an activation.
    pub fn buffer(&self, t: TensorId) -> Option<usize> {
        self.buffer_of.get(t.index()).copied().flatten()
    }

    /// Buffers that live in the activation area (not caller-owned).
    pub fn planned(&self) -> impl Iterator<Item = (usize, &LiveBuffer)> {
        self.buffers
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.caller_owned)
    }
}

/// One overlap the kernel contract allows: at `step`, buffer `output` may overlap `input` (which dies there)
/// when the placement satisfies `rule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowedOverlap {
    /// The step (node index).
    pub step: usize,
    /// The node's output buffer.
    pub output: usize,
    /// The dying input buffer.
    pub input: usize,
    /// Safe placements of `output` relative to `input`.
    pub rule: super::overlap::OverlapRule,
}

/// Every allowed overlap of a graph under the kernel contract.
pub fn allowed_overlaps(graph: &Graph, live: &Liveness) -> Vec<AllowedOverlap> {
    let mut out = Vec::new();
    for (step, node) in graph.nodes.iter().enumerate() {
        if node.op.is_view() || node.outputs.len() != 1 {
            continue;
        }
        let Some(ob) = node.output().and_then(|t| live.buffer(t)) else {
            continue;
        };
        if live.buffers[ob].first_step != step {
            continue;
        }
        let mut candidates: Vec<usize> = node
            .inputs
            .iter()
            .flatten()
            .filter_map(|&t| live.buffer(t))
            .filter(|&b| {
                b != ob && live.buffers[b].last_step == step && !live.buffers[b].holds_output
            })
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        for ib in candidates {
            let mut rule = None::<super::overlap::OverlapRule>;
            let mut all_ok = true;
            for (k, t) in node.inputs.iter().enumerate() {
                if t.and_then(|t| live.buffer(t)) != Some(ib) {
                    continue;
                }
                match super::overlap::node_operand_rule(graph, node, k) {
                    Some(r) => rule = Some(rule.map_or(r, |old| old.intersect(r))),
                    None => all_ok = false,
                }
            }
            if let (true, Some(rule)) = (all_ok, rule) {
                out.push(AllowedOverlap {
                    step,
                    output: ob,
                    input: ib,
                    rule,
                });
            }
        }
    }
    out
}
