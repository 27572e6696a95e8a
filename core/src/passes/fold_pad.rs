//! `fold-pad`: folds a PAD node into the window operator that reads it, as explicit window padding.
//!
//! Exactness: TFLite Micro's conv and depthwise kernels skip out-of-bounds taps, which is the same as reading
//! the input zero point (the input offset makes it a real zero); a PAD of H/W with exactly that value (float: 0)
//! therefore folds exactly into [`crate::ir::Window2d::padding`]. Pools are different: average pool excludes
//! padding from its count (never folded) and max pool ignores it, which equals padding with `v` only when the
//! pool's activation clamps everything up to at least `v` — max pool is folded only then.

use super::rewrite::{absorbed_label, remove_node, sole_consumer};
use super::{Pass, PassCx, PassError, PassOutcome};
use crate::ir::{DType, Graph, NodeId, Op, Padding2d, Window2d};
use serde::{Deserialize, Serialize};

/// Folds PAD (of height and width only, with the zero value) into the following conv, depthwise conv, or max
/// pool whose activation makes the padding value irrelevant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FoldPad {}

/// The pad value of a PAD node as a real number of its dtype, or `None` when it cannot be read.
enum PadValue {
    Int(i32),
    Float(f32),
}

fn pad_value(graph: &Graph, id: NodeId) -> Option<PadValue> {
    let node = graph.node(id);
    let out = &graph.tensor(node.output()?).ty;
    match node.input(2) {
        Some(v) => {
            let data = graph.tensor(v).data.as_ref()?;
            match out.dtype {
                DType::I8 => data.as_i8().first().map(|v| PadValue::Int(i32::from(*v))),
                DType::F32 => data.as_f32().first().map(|v| PadValue::Float(*v)),
                _ => None,
            }
        }
        None => match out.dtype {
            DType::I8 => Some(PadValue::Int(
                out.per_tensor_quant().map_or(0, |(_, zp)| zp),
            )),
            DType::F32 => Some(PadValue::Float(0.0)),
            _ => None,
        },
    }
}

/// The H/W padding of a rank-4 PAD that pads nothing else.
fn hw_padding(graph: &Graph, id: NodeId) -> Option<Padding2d> {
    let node = graph.node(id);
    let p = graph.tensor(node.input(1)?);
    let v = p.data.as_ref()?.as_index_values(p.ty.dtype)?;
    let [n0, n1, top, bottom, left, right, c0, c1] = v.as_slice() else {
        return None;
    };
    if [n0, n1, c0, c1].iter().any(|x| **x != 0) {
        return None;
    }
    let u = |x: i64| usize::try_from(x).ok();
    Some(Padding2d {
        top: u(*top)?,
        bottom: u(*bottom)?,
        left: u(*left)?,
        right: u(*right)?,
    })
}

/// True when padding with `value` does not change the window operator's result.
fn exact_for(graph: &Graph, consumer: NodeId, value: &PadValue) -> bool {
    let node = graph.node(consumer);
    let Some(input) = node.input(0) else {
        return false;
    };
    let ty = &graph.tensor(input).ty;
    let zero = match (value, ty.dtype) {
        (PadValue::Int(v), DType::I8) => ty.per_tensor_quant().is_some_and(|(_, zp)| zp == *v),
        (PadValue::Float(v), DType::F32) => *v == 0.0,
        _ => false,
    };
    match &node.op {
        Op::Conv2d { .. } | Op::DepthwiseConv2d { .. } => zero,
        Op::MaxPool2d { activation, .. } => match (value, ty.dtype) {
            (PadValue::Float(v), DType::F32) => {
                activation.clamp_range().is_some_and(|(lo, _)| lo >= *v)
            }
            (PadValue::Int(v), DType::I8) => ty.per_tensor_quant().is_some_and(|(scale, zp)| {
                super::rewrite::quantized_clamp(*activation, scale, zp)
                    .is_some_and(|(lo, _)| lo >= *v)
            }),
            _ => false,
        },
        _ => false,
    }
}

fn window_mut(op: &mut Op) -> Option<&mut Window2d> {
    match op {
        Op::Conv2d { window, .. }
        | Op::DepthwiseConv2d { window, .. }
        | Op::MaxPool2d { window, .. } => Some(window),
        _ => None,
    }
}

fn find_candidate(graph: &Graph, notes: &mut Vec<String>) -> Option<(NodeId, NodeId, Padding2d)> {
    for id in graph.node_ids() {
        let node = graph.node(id);
        if node.op != Op::Pad {
            continue;
        }
        let Some(out) = node.output() else { continue };
        let why_not = |reason: &str| format!("PAD `{}` not folded: {reason}", node.name);
        let Some(consumer) = sole_consumer(graph, out) else {
            notes.push(why_not(
                "its output has several readers or is a graph output",
            ));
            continue;
        };
        let cnode = graph.node(consumer);
        let takes_padding = matches!(
            cnode.op,
            Op::Conv2d { .. } | Op::DepthwiseConv2d { .. } | Op::MaxPool2d { .. }
        );
        if cnode.input(0) != Some(out) || !takes_padding {
            notes.push(why_not(
                "it does not feed a conv, depthwise conv or max pool",
            ));
            continue;
        }
        let Some(pad) = hw_padding(graph, id) else {
            notes.push(why_not("it pads more than height and width"));
            continue;
        };
        let same_quant = node
            .input(0)
            .is_some_and(|i| graph.tensor(i).ty.quant == graph.tensor(out).ty.quant);
        if !same_quant {
            notes.push(why_not("its input and output quantization differ"));
            continue;
        }
        let Some(value) = pad_value(graph, id) else {
            notes.push(why_not("its pad value cannot be read"));
            continue;
        };
        if !exact_for(graph, consumer, &value) {
            notes.push(why_not(
                "its pad value is not the value the consumer pads with, so folding is not exact",
            ));
            continue;
        }
        return Some((id, consumer, pad));
    }
    None
}

impl Pass for FoldPad {
    fn name(&self) -> &'static str {
        "fold-pad"
    }

    fn description(&self) -> &'static str {
        "Folds PAD of height/width with the zero point into the following conv or depthwise conv (and into a max \
         pool when its activation makes the pad value irrelevant); average pools are never folded."
    }

    fn run(&self, graph: &mut Graph, cx: &mut PassCx) -> Result<PassOutcome, PassError> {
        let mut folded = 0;
        let mut notes = Vec::new();
        while let Some((pad_id, consumer, pad)) = find_candidate(graph, &mut notes) {
            let pad_node = graph.node(pad_id).clone();
            let Some(input) = pad_node.input(0) else {
                break;
            };
            let cnode = &mut graph.nodes[consumer.index()];
            if let Some(w) = window_mut(&mut cnode.op) {
                w.padding.top += pad.top;
                w.padding.bottom += pad.bottom;
                w.padding.left += pad.left;
                w.padding.right += pad.right;
            }
            cnode.inputs[0] = Some(input);
            cnode.fused.push(absorbed_label(&pad_node));
            cnode.fused.extend(pad_node.fused.iter().cloned());
            remove_node(graph, pad_id);
            folded += 1;
            notes.clear();
        }
        cx.notes.extend(notes);
        Ok(PassOutcome {
            changed: folded > 0,
            stats: vec![format!("folded {folded} PAD nodes")],
        })
    }
}
