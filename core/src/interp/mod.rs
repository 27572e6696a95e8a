//! The reference interpreter: executes an [`crate::ir::Graph`] node by node.
//!
//! Int8 kernels reproduce TensorFlow Lite Micro's reference kernels bit for bit (same multipliers computed from
//! the same `float`/`double` expressions, same fixed-point rounding from [`crate::arith`]); float kernels follow
//! TFLM's reference loops and accumulation order. docs/interpreter.md lists what is exact and the op coverage.
//!
//! Every tensor's value is kept after the run ([`Execution::value`]), so intermediate results can be compared
//! layer by layer.

mod conv;
mod elementwise;
mod fixedpoint;
mod fully_connected;
mod kernel;
mod pool;
mod quantize;
mod random;
mod reduce;
mod shape_ops;
mod softmax;
mod unary;
mod value;

pub use random::random_inputs;
pub use value::TensorData;

use crate::ir::{DType, Graph, Op, ShapeDisplay, TensorId};
use kernel::NodeCx;
use thiserror::Error;

/// Why a graph could not be executed. Messages name the input or node at fault.
#[derive(Debug, Error, PartialEq)]
pub enum InterpError {
    /// The number of input values differs from the graph's inputs.
    #[error("the model has {expected} input(s) but {given} value(s) were given")]
    InputCount {
        /// Graph inputs.
        expected: usize,
        /// Values given.
        given: usize,
    },
    /// An input value's dtype or shape differs from the graph input's.
    #[error(
        "input {index} (`{name}`) expects {expected_dtype}{} but was given {given_dtype}{}; \
         convert the data to the model's input type and shape",
        ShapeDisplay(expected_shape),
        ShapeDisplay(given_shape)
    )]
    InputMismatch {
        /// Position among the graph inputs.
        index: usize,
        /// Tensor name.
        name: String,
        /// The graph input's dtype.
        expected_dtype: DType,
        /// The graph input's shape.
        expected_shape: Vec<usize>,
        /// The given dtype.
        given_dtype: DType,
        /// The given shape.
        given_shape: Vec<usize>,
    },
    /// An operator/dtype combination the interpreter does not implement.
    #[error(
        "node `{node}` ({op}): {detail} is not supported by the reference interpreter; see docs/interpreter.md"
    )]
    Unsupported {
        /// Node name.
        node: String,
        /// Operator name.
        op: &'static str,
        /// What is unsupported.
        detail: String,
    },
    /// The graph is inconsistent in a way `verify()` should have caught (a bug, or a graph that was not verified).
    #[error(
        "node `{node}` ({op}): {detail}; run Graph::verify first (if it passed, this is a bug)"
    )]
    Malformed {
        /// Node name.
        node: String,
        /// Operator name.
        op: &'static str,
        /// What is wrong.
        detail: String,
    },
}

/// The result of [`run`]: the value of every tensor (inputs, constants, intermediates, outputs).
#[derive(Debug, Clone)]
pub struct Execution {
    values: Vec<Option<TensorData>>,
    outputs: Vec<TensorId>,
}

impl Execution {
    /// The graph outputs, in the graph's order.
    pub fn outputs(&self) -> Vec<&TensorData> {
        self.outputs.iter().filter_map(|&t| self.value(t)).collect()
    }

    /// The value of any tensor, or `None` for a tensor no node computed.
    pub fn value(&self, t: TensorId) -> Option<&TensorData> {
        self.values.get(t.index()).and_then(Option::as_ref)
    }
}

/// Executes `graph` on `inputs` (one value per graph input, in order, with the input's exact dtype and shape).
pub fn run(graph: &Graph, inputs: &[TensorData]) -> Result<Execution, InterpError> {
    // A fused conv-pool node is defined as its conv followed by its pool: run that graph (same tensor ids).
    if graph
        .nodes
        .iter()
        .any(|n| matches!(n.op, Op::ConvPool2d { .. }))
    {
        return run(&crate::ir::expand_conv_pool(graph), inputs);
    }
    if inputs.len() != graph.inputs.len() {
        return Err(InterpError::InputCount {
            expected: graph.inputs.len(),
            given: inputs.len(),
        });
    }
    let mut values: Vec<Option<TensorData>> = graph
        .tensors
        .iter()
        .map(|t| {
            t.data
                .as_ref()
                .map(|d| TensorData::from_bytes(t.ty.dtype, t.ty.shape.clone(), d.bytes().to_vec()))
        })
        .collect();
    for (index, (&id, value)) in graph.inputs.iter().zip(inputs).enumerate() {
        let t = graph.tensor(id);
        if t.ty.dtype != value.dtype
            || t.ty.shape != value.shape
            || value.bytes.len() != t.ty.size_bytes()
        {
            return Err(InterpError::InputMismatch {
                index,
                name: t.name.clone(),
                expected_dtype: t.ty.dtype,
                expected_shape: t.ty.shape.clone(),
                given_dtype: value.dtype,
                given_shape: value.shape.clone(),
            });
        }
        values[id.index()] = Some(value.clone());
    }
    for node in &graph.nodes {
        let results = {
            let cx = NodeCx::new(graph, node, &values);
            let results = execute(&cx)?;
            check_results(&cx, &results)?;
            results
        };
        for (&id, value) in node.outputs.iter().zip(results) {
            values[id.index()] = Some(value);
        }
    }
    Ok(Execution {
        values,
        outputs: graph.outputs.clone(),
    })
}

/// Checks that a kernel produced one value per output with the output's declared dtype and shape.
fn check_results(cx: &NodeCx<'_>, results: &[TensorData]) -> Result<(), InterpError> {
    if results.len() != cx.node.outputs.len() {
        return Err(cx.malformed(format!(
            "produced {} values for {} outputs",
            results.len(),
            cx.node.outputs.len()
        )));
    }
    for (&id, value) in cx.node.outputs.iter().zip(results) {
        let t = cx.graph.tensor(id);
        if value.dtype != t.ty.dtype || value.shape != t.ty.shape {
            return Err(cx.malformed(format!(
                "computed {}{} for output `{}` of type {}",
                value.dtype,
                ShapeDisplay(&value.shape),
                t.name,
                t.ty
            )));
        }
    }
    Ok(())
}

/// Dispatches one node to its kernel.
fn execute(cx: &NodeCx<'_>) -> Result<Vec<TensorData>, InterpError> {
    let one = |v: TensorData| vec![v];
    Ok(match &cx.node.op {
        Op::Conv2d { window, activation } => one(conv::conv2d(cx, window, *activation)?),
        Op::DepthwiseConv2d {
            window,
            depth_multiplier,
            activation,
        } => one(conv::depthwise_conv2d(
            cx,
            window,
            *depth_multiplier,
            *activation,
        )?),
        Op::FullyConnected { activation, .. } => {
            one(fully_connected::fully_connected(cx, *activation)?)
        }
        Op::AveragePool2d {
            filter_h,
            filter_w,
            window,
            activation,
        } => one(pool::pool2d(
            cx,
            pool::PoolKind::Average,
            (*filter_h, *filter_w),
            window,
            *activation,
        )?),
        Op::MaxPool2d {
            filter_h,
            filter_w,
            window,
            activation,
        } => one(pool::pool2d(
            cx,
            pool::PoolKind::Max,
            (*filter_h, *filter_w),
            window,
            *activation,
        )?),
        Op::Add { activation } => one(elementwise::binary(
            cx,
            elementwise::BinaryOp::Add,
            *activation,
        )?),
        Op::Sub { activation } => one(elementwise::binary(
            cx,
            elementwise::BinaryOp::Sub,
            *activation,
        )?),
        Op::Mul { activation } => one(elementwise::binary(
            cx,
            elementwise::BinaryOp::Mul,
            *activation,
        )?),
        Op::Concatenation { axis, activation } => {
            one(shape_ops::concatenation(cx, *axis, *activation)?)
        }
        Op::Pad => one(shape_ops::pad(cx)?),
        Op::Mean { .. } => one(reduce::mean(cx)?),
        Op::ReduceMax { .. } => one(reduce::reduce_max(cx)?),
        Op::Softmax { beta } => one(softmax::softmax(cx, *beta)?),
        Op::Logistic => one(unary::logistic(cx)?),
        Op::Tanh => one(unary::tanh(cx)?),
        Op::Relu => one(unary::relu(cx, 0.0, f32::INFINITY, true)?),
        Op::Relu6 => one(unary::relu(cx, 0.0, 6.0, false)?),
        Op::ReluN1To1 => one(unary::relu(cx, -1.0, 1.0, true)?),
        Op::LeakyRelu { alpha } => one(unary::leaky_relu(cx, *alpha)?),
        Op::HardSwish => one(unary::hard_swish(cx)?),
        Op::Quantize => one(quantize::quantize(cx)?),
        Op::Dequantize => one(quantize::dequantize(cx)?),
        Op::Reshape | Op::Squeeze { .. } => one(shape_ops::reshape(cx)?),
        Op::Transpose => one(shape_ops::transpose(cx)?),
        Op::StridedSlice { masks } => one(shape_ops::strided_slice(cx, masks)?),
        Op::ConvPool2d { .. } => {
            return Err(cx.malformed("conv-pool nodes must be expanded before execution"));
        }
    })
}
