//! The analyze report: per-layer complexity (MACC), parameters, weights and activation sizes, and the totals.
//!
//! The MACC convention is documented in docs/report.md; [`layer_macc`] is its only implementation.
//! The report is data ([`Report`], serializable to the JSON schema documented there) plus a text renderer.

pub mod graph_view;
pub mod metrics;
mod text;

use crate::ir::{Graph, Node, Op, Quant, TensorId, num_elements};
use serde::{Deserialize, Serialize};

pub use text::display_name;
pub use text::render_text;
pub use text::thousands;

/// Version of the JSON schema written by `nncube analyze --json`.
const REPORT_SCHEMA_VERSION: u32 = 1;

/// A graph input or output as users see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IoReport {
    /// Tensor name.
    pub name: String,
    /// Static shape.
    pub shape: Vec<usize>,
    /// Element type (`i8`, `f32`, …).
    pub dtype: String,
    /// Quantization scale (per-tensor quantized tensors only).
    pub scale: Option<f32>,
    /// Quantization zero point (per-tensor quantized tensors only).
    pub zero_point: Option<i32>,
    /// Size in bytes.
    pub bytes: u64,
}

/// One layer (IR node) of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerReport {
    /// Position in the schedule.
    pub id: usize,
    /// Node name.
    pub name: String,
    /// Operator name (kebab-case, as in the IR).
    pub op: String,
    /// Shape of the first output.
    pub output_shape: Vec<usize>,
    /// Element type of the first output.
    pub output_dtype: String,
    /// Multiply-accumulate count (see docs/report.md for the convention).
    pub macc: u64,
    /// Number of constant elements the layer reads (weights, biases, other constant operands).
    pub params: u64,
    /// Bytes of constant data the layer reads.
    pub weights_bytes: u64,
    /// Bytes of the layer's outputs.
    pub output_bytes: u64,
    /// What feeds the layer: producing layers by name, or graph inputs as `input:<tensor>`.
    pub inputs: Vec<String>,
    /// Source operators merged into this layer by optimization passes.
    pub fused: Vec<String>,
}

/// The whole analyze report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// JSON schema version.
    pub schema_version: u32,
    /// Model (graph) name.
    pub model: String,
    /// Total multiply-accumulates.
    pub macc: u64,
    /// Total constant elements.
    pub params: u64,
    /// Total bytes of constant data (weights ROM).
    pub weights_bytes: u64,
    /// Activation RAM in bytes, including inputs and outputs.
    pub activations_bytes: u64,
    /// How `activations_bytes` was obtained.
    pub activations_method: String,
    /// Activations per memory pool, fastest first, when planned over a board's RAM regions (`analyze --board`);
    /// empty (and absent from the JSON) with one unbounded pool.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activation_pools: Vec<PoolReport>,
    /// Graph inputs.
    pub inputs: Vec<IoReport>,
    /// Graph outputs.
    pub outputs: Vec<IoReport>,
    /// Layers in execution order.
    pub layers: Vec<LayerReport>,
}

/// The activations of one memory pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolReport {
    /// Pool (board RAM region) name.
    pub name: String,
    /// Bytes the plan uses in it.
    pub used_bytes: u64,
    /// Bytes available to activations in it.
    pub size_bytes: u64,
    /// Activation buffers placed in it.
    pub buffers: usize,
}

impl Report {
    /// The report with the activations of each memory pool (see [`Report::activation_pools`]).
    pub fn with_pools(mut self, pools: Vec<PoolReport>) -> Report {
        self.activation_pools = pools;
        self
    }

    /// The report as pretty JSON (stable key order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// MACC of one node, following the convention in docs/report.md.
pub fn layer_macc(graph: &Graph, node: &Node) -> u64 {
    let out_elems = node
        .output()
        .map_or(0, |t| graph.tensor(t).ty.num_elements()) as u64;
    let in_elems = node
        .input(0)
        .map_or(0, |t| graph.tensor(t).ty.num_elements()) as u64;
    let filter_shape = || {
        node.input(1)
            .map(|t| graph.tensor(t).ty.shape.clone())
            .unwrap_or_default()
    };
    match &node.op {
        Op::Conv2d { .. } => {
            let f = filter_shape();
            out_elems * f.iter().skip(1).product::<usize>() as u64
        }
        Op::ConvPool2d { pool, .. } => {
            let f = filter_shape();
            let mid = pool.conv_output.num_elements() as u64;
            mid * f.iter().skip(1).product::<usize>() as u64
                + out_elems * (pool.filter_h * pool.filter_w) as u64
        }
        Op::DepthwiseConv2d { .. } => {
            let f = filter_shape();
            out_elems
                * f.get(1).copied().unwrap_or(0) as u64
                * f.get(2).copied().unwrap_or(0) as u64
        }
        Op::FullyConnected { .. } => out_elems * filter_shape().get(1).copied().unwrap_or(0) as u64,
        Op::AveragePool2d {
            filter_h, filter_w, ..
        }
        | Op::MaxPool2d {
            filter_h, filter_w, ..
        } => out_elems * (*filter_h * *filter_w) as u64,
        Op::Mean { .. } | Op::ReduceMax { .. } => in_elems,
        Op::Add { .. }
        | Op::Sub { .. }
        | Op::Mul { .. }
        | Op::Softmax { .. }
        | Op::Logistic
        | Op::Tanh
        | Op::Relu
        | Op::Relu6
        | Op::ReluN1To1
        | Op::LeakyRelu { .. }
        | Op::HardSwish
        | Op::Quantize
        | Op::Dequantize => out_elems,
        Op::Concatenation { .. }
        | Op::Pad
        | Op::Reshape
        | Op::Squeeze { .. }
        | Op::Transpose
        | Op::StridedSlice { .. } => 0,
    }
}

fn io_report(graph: &Graph, t: TensorId) -> IoReport {
    let tensor = graph.tensor(t);
    let (scale, zero_point) = match &tensor.ty.quant {
        Some(Quant::PerTensor { scale, zero_point }) => (Some(*scale), Some(*zero_point)),
        _ => (None, None),
    };
    IoReport {
        name: tensor.name.clone(),
        shape: tensor.ty.shape.clone(),
        dtype: tensor.ty.dtype.to_string(),
        scale,
        zero_point,
        bytes: tensor.ty.size_bytes() as u64,
    }
}

/// Sum of every non-constant tensor: what activations cost with no buffer reuse at all.
pub fn naive_activations_bytes(graph: &Graph) -> u64 {
    graph
        .tensors
        .iter()
        .filter(|t| !t.is_const())
        .map(|t| t.ty.size_bytes() as u64)
        .sum()
}

/// Analyzes a verified graph. `activations` overrides the activation figure (e.g. with a memory plan's size)
/// as `(bytes, method)`; without it the naive no-reuse sum is reported.
pub fn analyze(graph: &Graph, activations: Option<(u64, String)>) -> Report {
    let mut layers = Vec::with_capacity(graph.nodes.len());
    for id in graph.node_ids() {
        let node = graph.node(id);
        let consts: Vec<_> = node
            .inputs
            .iter()
            .flatten()
            .map(|&t| graph.tensor(t))
            .filter(|t| t.is_const())
            .collect();
        let out = node.output().map(|t| graph.tensor(t));
        let inputs = node
            .inputs
            .iter()
            .flatten()
            .filter(|&&t| !graph.tensor(t).is_const())
            .map(|&t| match graph.producer(t) {
                Some(p) => graph.node(p).name.clone(),
                None => format!("input:{}", graph.tensor(t).name),
            })
            .collect();
        layers.push(LayerReport {
            id: id.index(),
            name: node.name.clone(),
            op: node.op.name().to_string(),
            output_shape: out.map(|t| t.ty.shape.clone()).unwrap_or_default(),
            output_dtype: out.map(|t| t.ty.dtype.to_string()).unwrap_or_default(),
            macc: layer_macc(graph, node),
            params: consts
                .iter()
                .map(|t| num_elements(&t.ty.shape) as u64)
                .sum(),
            weights_bytes: consts.iter().map(|t| t.ty.size_bytes() as u64).sum(),
            output_bytes: node
                .outputs
                .iter()
                .map(|&t| graph.tensor(t).ty.size_bytes() as u64)
                .sum(),
            inputs,
            fused: node.fused.clone(),
        });
    }
    let (activations_bytes, activations_method) = activations.unwrap_or_else(|| {
        (
            naive_activations_bytes(graph),
            "naive: every activation tensor in its own buffer".into(),
        )
    });
    let const_tensors = graph.tensors.iter().filter(|t| t.is_const());
    Report {
        schema_version: REPORT_SCHEMA_VERSION,
        model: graph.name.clone(),
        macc: layers.iter().map(|l| l.macc).sum(),
        params: const_tensors
            .clone()
            .map(|t| t.ty.num_elements() as u64)
            .sum(),
        weights_bytes: const_tensors.map(|t| t.ty.size_bytes() as u64).sum(),
        activations_bytes,
        activations_method,
        activation_pools: Vec::new(),
        inputs: graph.inputs.iter().map(|&t| io_report(graph, t)).collect(),
        outputs: graph.outputs.iter().map(|&t| io_report(graph, t)).collect(),
        layers,
    }
}
