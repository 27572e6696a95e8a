//! What a kernel sees of its node: operand values and types, quantization parameters, and error constructors.

use super::{InterpError, TensorData};
use crate::arith;
use crate::ir::{Activation, DType, Graph, Node, Quant, TensorType};

/// The node being executed, with read access to the values computed so far.
pub(crate) struct NodeCx<'a> {
    /// The graph.
    pub graph: &'a Graph,
    /// The node.
    pub node: &'a Node,
    values: &'a [Option<TensorData>],
}

impl<'a> NodeCx<'a> {
    /// A context for `node`.
    pub fn new(graph: &'a Graph, node: &'a Node, values: &'a [Option<TensorData>]) -> Self {
        Self {
            graph,
            node,
            values,
        }
    }

    /// An "unsupported" error naming this node.
    pub fn unsupported(&self, detail: impl Into<String>) -> InterpError {
        InterpError::Unsupported {
            node: self.node.name.clone(),
            op: self.node.op.name(),
            detail: detail.into(),
        }
    }

    /// A "malformed graph" error naming this node.
    pub fn malformed(&self, detail: impl Into<String>) -> InterpError {
        InterpError::Malformed {
            node: self.node.name.clone(),
            op: self.node.op.name(),
            detail: detail.into(),
        }
    }

    /// The unsupported-dtype error for this node's first input.
    pub fn unsupported_dtype(&self) -> InterpError {
        match self.input_ty(0) {
            Ok(ty) => self.unsupported(format!("input dtype {}", ty.dtype)),
            Err(e) => e,
        }
    }

    /// True when operand `i` is present.
    pub fn has_input(&self, i: usize) -> bool {
        self.node.input(i).is_some()
    }

    /// The value of operand `i`.
    pub fn input(&self, i: usize) -> Result<&'a TensorData, InterpError> {
        let id = self
            .node
            .input(i)
            .ok_or_else(|| self.malformed(format!("operand {i} is missing")))?;
        self.values
            .get(id.index())
            .and_then(Option::as_ref)
            .ok_or_else(|| {
                self.malformed(format!(
                    "operand {i} (`{}`) has no value yet",
                    self.graph.tensor(id).name
                ))
            })
    }

    /// The declared type of operand `i`.
    pub fn input_ty(&self, i: usize) -> Result<&'a TensorType, InterpError> {
        let id = self
            .node
            .input(i)
            .ok_or_else(|| self.malformed(format!("operand {i} is missing")))?;
        Ok(&self.graph.tensor(id).ty)
    }

    /// The declared type of output `i`.
    pub fn output_ty(&self, i: usize) -> Result<&'a TensorType, InterpError> {
        let id = self
            .node
            .outputs
            .get(i)
            .ok_or_else(|| self.malformed(format!("output {i} is missing")))?;
        Ok(&self.graph.tensor(*id).ty)
    }

    /// Integer values of constant operand `i` (shapes, axes, paddings).
    pub fn const_ints(&self, i: usize) -> Result<Vec<i64>, InterpError> {
        let v = self.input(i)?;
        match v.dtype {
            DType::I32 => Ok(v.as_i32().into_iter().map(i64::from).collect()),
            DType::I64 => Ok(v.as_i64()),
            other => Err(self.malformed(format!("operand {i} must be i32 or i64, found {other}"))),
        }
    }

    /// Per-tensor `(scale, zero_point)` of a type, or an error naming `what`.
    pub fn per_tensor(&self, ty: &TensorType, what: &str) -> Result<(f32, i32), InterpError> {
        match &ty.quant {
            Some(Quant::PerTensor { scale, zero_point }) => Ok((*scale, *zero_point)),
            Some(Quant::PerChannel { .. }) => {
                Err(self.unsupported(format!("per-channel quantization of the {what}")))
            }
            None => Err(self.unsupported(format!(
                "{} {what} without quantization parameters",
                ty.dtype
            ))),
        }
    }

    /// Per-tensor quantization of operand `i`.
    pub fn input_quant(&self, i: usize) -> Result<(f32, i32), InterpError> {
        self.per_tensor(self.input_ty(i)?, &format!("operand {i}"))
    }

    /// Per-tensor quantization of the first output.
    pub fn output_quant(&self) -> Result<(f32, i32), InterpError> {
        self.per_tensor(self.output_ty(0)?, "output")
    }

    /// The int8 clamp range of a fused activation for the first output (TFLM's
    /// `CalculateActivationRangeQuantized`).
    pub fn activation_range_i8(&self, activation: Activation) -> Result<(i32, i32), InterpError> {
        if activation == Activation::Tanh {
            return Err(self.unsupported("a fused TANH activation on int8"));
        }
        let (scale, zp) = self.output_quant()?;
        Ok(arith::activation_range_quantized(
            activation, scale, zp, -128, 127,
        ))
    }
}

/// Applies a fused activation to a float value (TFLM's `ActivationFunctionWithMinMax`, or tanh).
pub(crate) fn activate_f32(activation: Activation, x: f32) -> f32 {
    match activation.clamp_range() {
        Some((lo, hi)) => x.max(lo).min(hi),
        None => x.tanh(),
    }
}

/// Saturates an `i32` into the int8 range.
pub(crate) fn saturate_i8(x: i32) -> i8 {
    x.clamp(-128, 127) as i8
}
