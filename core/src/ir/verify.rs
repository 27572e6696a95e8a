//! `Graph::verify`: wiring, dtype and shape consistency of the whole graph.
//!
//! A graph that verifies can be interpreted, planned and compiled without panics: later stages rely on it.

use super::{Graph, NodeId, Quant, TensorId, infer_output_types};
use thiserror::Error;

/// Why a graph is inconsistent. Each variant names the node or tensor at fault.
#[derive(Debug, Error, PartialEq)]
pub enum VerifyError {
    /// A node or the graph refers to a tensor id that does not exist.
    #[error("{place} refers to tensor {tensor}, but the graph has only {count} tensors")]
    DanglingTensor {
        /// Where the reference is.
        place: String,
        /// The bad id.
        tensor: TensorId,
        /// How many tensors there are.
        count: usize,
    },
    /// A node reads a tensor that is produced later, or by nothing and is not an input or constant.
    #[error("node `{node}` ({id}) reads tensor `{tensor}` before it is computed")]
    NotYetComputed {
        /// Node name.
        node: String,
        /// Node id.
        id: NodeId,
        /// Tensor name.
        tensor: String,
    },
    /// Two nodes (or a node and the graph inputs) write the same tensor.
    #[error("tensor `{tensor}` is written twice (second writer: node `{node}`)")]
    MultipleProducers {
        /// Tensor name.
        tensor: String,
        /// The second writer.
        node: String,
    },
    /// A node writes a constant tensor.
    #[error("node `{node}` writes constant tensor `{tensor}`")]
    WritesConstant {
        /// Node name.
        node: String,
        /// Tensor name.
        tensor: String,
    },
    /// A graph output is never computed.
    #[error("graph output `{tensor}` is not computed by any node and is not a graph input")]
    OutputNotComputed {
        /// Tensor name.
        tensor: String,
    },
    /// Operator-specific operand rules are violated.
    #[error("node `{node}` ({op}): {message}")]
    InvalidOperands {
        /// Node name.
        node: String,
        /// Operator name.
        op: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A node's declared output type differs from the inferred one.
    #[error(
        "node `{node}` ({op}): output `{tensor}` is declared {declared} but the operator computes {inferred}"
    )]
    OutputTypeMismatch {
        /// Node name.
        node: String,
        /// Operator name.
        op: &'static str,
        /// Output tensor name.
        tensor: String,
        /// What the tensor says.
        declared: String,
        /// What inference says.
        inferred: String,
    },
    /// Constant data has the wrong number of bytes.
    #[error(
        "constant tensor `{tensor}` has {actual} bytes of data, its type {ty} needs {expected}"
    )]
    ConstSize {
        /// Tensor name.
        tensor: String,
        /// Type text.
        ty: String,
        /// Bytes present.
        actual: usize,
        /// Bytes needed.
        expected: usize,
    },
    /// Quantization parameters are malformed.
    #[error("tensor `{tensor}`: {message}")]
    BadQuant {
        /// Tensor name.
        tensor: String,
        /// What is wrong.
        message: String,
    },
}

impl Graph {
    /// Checks the invariants listed in the module docs. Returns the first violation found.
    pub fn verify(&self) -> Result<(), VerifyError> {
        let count = self.tensors.len();
        let check_id = |place: &dyn Fn() -> String, t: TensorId| {
            if t.index() >= count {
                Err(VerifyError::DanglingTensor {
                    place: place(),
                    tensor: t,
                    count,
                })
            } else {
                Ok(())
            }
        };
        for &t in self.inputs.iter().chain(&self.outputs) {
            check_id(&|| "the graph's input/output list".to_string(), t)?;
        }
        for node in &self.nodes {
            for &t in node.inputs.iter().flatten().chain(&node.outputs) {
                check_id(&|| format!("node `{}`", node.name), t)?;
            }
        }
        for t in &self.tensors {
            self.verify_tensor(t)?;
        }

        let mut computed = vec![false; count];
        for &t in &self.inputs {
            computed[t.index()] = true;
        }
        for (i, t) in self.tensors.iter().enumerate() {
            if t.is_const() {
                computed[i] = true;
            }
        }
        for id in self.node_ids() {
            let node = self.node(id);
            for &t in node.inputs.iter().flatten() {
                if !computed[t.index()] {
                    return Err(VerifyError::NotYetComputed {
                        node: node.name.clone(),
                        id,
                        tensor: self.tensor(t).name.clone(),
                    });
                }
            }
            let inferred =
                infer_output_types(self, node).map_err(|message| VerifyError::InvalidOperands {
                    node: node.name.clone(),
                    op: node.op.name(),
                    message,
                })?;
            if inferred.len() != node.outputs.len() {
                return Err(VerifyError::InvalidOperands {
                    node: node.name.clone(),
                    op: node.op.name(),
                    message: format!(
                        "has {} outputs, the operator has {}",
                        node.outputs.len(),
                        inferred.len()
                    ),
                });
            }
            for (&t, inf) in node.outputs.iter().zip(&inferred) {
                let tensor = self.tensor(t);
                if tensor.is_const() {
                    return Err(VerifyError::WritesConstant {
                        node: node.name.clone(),
                        tensor: tensor.name.clone(),
                    });
                }
                if computed[t.index()] {
                    return Err(VerifyError::MultipleProducers {
                        tensor: tensor.name.clone(),
                        node: node.name.clone(),
                    });
                }
                let dtype_ok = inf.dtype.is_none_or(|d| d == tensor.ty.dtype);
                if tensor.ty.shape != inf.shape || !dtype_ok {
                    return Err(VerifyError::OutputTypeMismatch {
                        node: node.name.clone(),
                        op: node.op.name(),
                        tensor: tensor.name.clone(),
                        declared: format!(
                            "{}{}",
                            tensor.ty.dtype,
                            super::ShapeDisplay(&tensor.ty.shape)
                        ),
                        inferred: format!(
                            "{}{}",
                            inf.dtype.map_or("?".to_string(), |d| d.to_string()),
                            super::ShapeDisplay(&inf.shape)
                        ),
                    });
                }
                computed[t.index()] = true;
            }
        }
        for &t in &self.outputs {
            if !computed[t.index()] {
                return Err(VerifyError::OutputNotComputed {
                    tensor: self.tensor(t).name.clone(),
                });
            }
        }
        Ok(())
    }

    fn verify_tensor(&self, t: &super::Tensor) -> Result<(), VerifyError> {
        if let Some(data) = &t.data {
            let expected = t.ty.size_bytes();
            if data.len() != expected {
                return Err(VerifyError::ConstSize {
                    tensor: t.name.clone(),
                    ty: t.ty.to_string(),
                    actual: data.len(),
                    expected,
                });
            }
        }
        let bad = |message: String| VerifyError::BadQuant {
            tensor: t.name.clone(),
            message,
        };
        match &t.ty.quant {
            Some(Quant::PerTensor { scale, .. }) if !(scale.is_finite() && *scale > 0.0) => {
                Err(bad(format!("scale {scale} must be finite and positive")))
            }
            Some(Quant::PerChannel {
                scales,
                zero_points,
                axis,
            }) => {
                let dim = t.ty.shape.get(*axis).copied();
                if dim != Some(scales.len()) {
                    return Err(bad(format!(
                        "{} per-channel scales along axis {axis}, but shape is {:?}",
                        scales.len(),
                        t.ty.shape
                    )));
                }
                if zero_points.len() != scales.len() {
                    return Err(bad(format!(
                        "{} zero points for {} scales",
                        zero_points.len(),
                        scales.len()
                    )));
                }
                if let Some(s) = scales.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
                    return Err(bad(format!("scale {s} must be finite and positive")));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
