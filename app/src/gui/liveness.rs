//! Activation liveness over the IR schedule: which tensors are alive at each step and how many bytes they hold.
//!
//! This is what the Memory tab shows until the memory planner lands: the sum of the (aligned) sizes of the
//! tensors live at each step. Any planner that gives each live tensor its own bytes needs at least the peak of
//! this curve; it is a bound, not a plan.

use super::settings::MemoryOptions;
use nncube_core::ir::{Graph, TensorId};

/// One activation tensor's lifetime.
#[derive(Debug, Clone, PartialEq)]
pub struct Lifetime {
    /// The tensor.
    pub tensor: TensorId,
    /// Its size rounded up to the alignment.
    pub bytes: u64,
    /// First step at which it is alive (its producer's step, 0 for graph inputs).
    pub first: usize,
    /// Last step at which it is alive (its last consumer, the final step for graph outputs).
    pub last: usize,
}

/// Live bytes per schedule step.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Lifetimes of every counted tensor, in tensor order.
    pub lifetimes: Vec<Lifetime>,
    /// Live bytes at each step (one per node).
    pub live_bytes: Vec<u64>,
}

impl Timeline {
    /// Computes the timeline of `graph` under `options` (graph inputs/outputs are left out when they live
    /// outside the activation buffer; every size is rounded up to the alignment).
    pub fn compute(graph: &Graph, options: &MemoryOptions) -> Timeline {
        let steps = graph.nodes.len();
        let align = u64::from(options.alignment.max(1));
        let mut lifetimes = Vec::new();
        for (i, tensor) in graph.tensors.iter().enumerate() {
            let id = TensorId(i as u32);
            let is_input = graph.inputs.contains(&id);
            let is_output = graph.is_output(id);
            if tensor.is_const()
                || (is_input && !options.inputs_in_activations)
                || (is_output && !options.outputs_in_activations)
            {
                continue;
            }
            let producer = graph.nodes.iter().position(|n| n.outputs.contains(&id));
            let consumers = graph
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.inputs.contains(&Some(id)));
            let last_use = consumers.map(|(s, _)| s).max();
            let (first, mut last) = match (producer, is_input) {
                (Some(p), _) => (p, last_use.unwrap_or(p)),
                (None, true) => (0, last_use.unwrap_or(0)),
                (None, false) => continue,
            };
            if is_output {
                last = steps.saturating_sub(1);
            }
            let bytes = (tensor.ty.size_bytes() as u64).div_ceil(align) * align;
            lifetimes.push(Lifetime {
                tensor: id,
                bytes,
                first,
                last,
            });
        }
        let mut live_bytes = vec![0u64; steps];
        for l in &lifetimes {
            if let Some(span) = live_bytes.get_mut(l.first..=l.last) {
                span.iter_mut().for_each(|b| *b += l.bytes);
            }
        }
        Timeline {
            lifetimes,
            live_bytes,
        }
    }

    /// The largest live-bytes figure and the first step where it occurs.
    pub fn peak(&self) -> (u64, usize) {
        let mut best = (0, 0);
        for (s, &b) in self.live_bytes.iter().enumerate() {
            if b > best.0 {
                best = (b, s);
            }
        }
        best
    }

    /// The tensors alive at `step`, largest first.
    pub fn live_at(&self, step: usize) -> Vec<&Lifetime> {
        let mut live: Vec<_> = self
            .lifetimes
            .iter()
            .filter(|l| l.first <= step && step <= l.last)
            .collect();
        live.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.tensor.cmp(&b.tensor)));
        live
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nncube_core::ir::{DType, Op, TensorType};

    fn ty(n: usize) -> TensorType {
        TensorType {
            dtype: DType::I8,
            shape: vec![n],
            quant: None,
        }
    }

    /// in(10) → relu → a(6) → relu → out(3)
    fn chain() -> Graph {
        let mut g = Graph::new("chain");
        let input = g.add_tensor("in", ty(10));
        let a = g.add_tensor("a", ty(6));
        let out = g.add_tensor("out", ty(3));
        g.inputs.push(input);
        g.outputs.push(out);
        g.add_node("r1", Op::Relu, vec![Some(input)], vec![a]);
        g.add_node("r2", Op::Relu, vec![Some(a)], vec![out]);
        g
    }

    #[test]
    fn live_bytes_follow_the_schedule_and_the_options() {
        let g = chain();
        let all = MemoryOptions {
            inputs_in_activations: true,
            outputs_in_activations: true,
            alignment: 1,
        };
        assert_eq!(Timeline::compute(&g, &all).live_bytes, vec![16, 9]);
        let no_io = MemoryOptions {
            inputs_in_activations: false,
            outputs_in_activations: false,
            alignment: 1,
        };
        assert_eq!(Timeline::compute(&g, &no_io).live_bytes, vec![6, 6]);
        let aligned = MemoryOptions {
            alignment: 8,
            ..all
        };
        let t = Timeline::compute(&g, &aligned);
        assert_eq!(t.live_bytes, vec![24, 16]);
        assert_eq!(t.peak(), (24, 0));
        assert_eq!(t.live_at(1).len(), 2);
    }
}
