//! `ADD`, `SUB`, `MUL` with NumPy broadcasting, float and int8.
//!
//! Int8 add/sub (TFLM): both inputs are shifted left by 20 after removing their zero points, scaled by
//! `QuantizeMultiplierSmallerThanOneExp(s_i / (2·max(s1, s2)))`, summed (or subtracted), and scaled by
//! `(2·max(s1, s2)) / (2^20 · s_out)` before adding the output zero point and clamping.
//! Int8 mul: `(x1 − z1)(x2 − z2)` times `QuantizeMultiplier(s1·s2/s_out)` plus the output zero point.

use super::kernel::{NodeCx, activate_f32, saturate_i8};
use super::{InterpError, TensorData};
use crate::arith::{QuantizedMultiplier, multiply_by_quantized_multiplier, quantize_multiplier};
use crate::ir::{Activation, DType};

/// The arithmetic of a binary elementwise node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    /// `a + b`.
    Add,
    /// `a − b`.
    Sub,
    /// `a × b`.
    Mul,
}

/// Flat input indices `(a, b)` for every output element of a broadcast, in row-major output order.
pub(crate) fn broadcast_indices(a: &[usize], b: &[usize], out: &[usize]) -> Vec<(usize, usize)> {
    let rank = out.len();
    let strides = |s: &[usize]| -> Vec<usize> {
        let padded: Vec<usize> = std::iter::repeat_n(1, rank - s.len().min(rank))
            .chain(s.iter().copied())
            .collect();
        let mut st = vec![0; rank];
        let mut acc = 1;
        for i in (0..rank).rev() {
            st[i] = if padded[i] == 1 { 0 } else { acc };
            acc *= padded[i];
        }
        st
    };
    let (sa, sb) = (strides(a), strides(b));
    let total: usize = out.iter().product();
    let mut idx = vec![0usize; rank];
    let mut res = Vec::with_capacity(total);
    let (mut ia, mut ib) = (0usize, 0usize);
    for _ in 0..total {
        res.push((ia, ib));
        for d in (0..rank).rev() {
            idx[d] += 1;
            ia += sa[d];
            ib += sb[d];
            if idx[d] < out[d] {
                break;
            }
            ia -= sa[d] * out[d];
            ib -= sb[d] * out[d];
            idx[d] = 0;
        }
    }
    res
}

/// `ADD` / `SUB` / `MUL`.
pub(crate) fn binary(
    cx: &NodeCx<'_>,
    op: BinaryOp,
    activation: Activation,
) -> Result<TensorData, InterpError> {
    let a = cx.input(0)?;
    let b = cx.input(1)?;
    let out_shape = cx.output_ty(0)?.shape.clone();
    let pairs = broadcast_indices(&a.shape, &b.shape, &out_shape);
    match (a.dtype, b.dtype) {
        (DType::F32, DType::F32) => {
            let (xa, xb) = (a.as_f32(), b.as_f32());
            let out: Vec<f32> = pairs
                .iter()
                .map(|&(i, j)| {
                    let v = match op {
                        BinaryOp::Add => xa[i] + xb[j],
                        BinaryOp::Sub => xa[i] - xb[j],
                        BinaryOp::Mul => xa[i] * xb[j],
                    };
                    activate_f32(activation, v)
                })
                .collect();
            Ok(TensorData::from_f32(out_shape, &out))
        }
        (DType::I8, DType::I8) => {
            let (s1, z1) = cx.input_quant(0)?;
            let (s2, z2) = cx.input_quant(1)?;
            let (so, zo) = cx.output_quant()?;
            let (lo, hi) = cx.activation_range_i8(activation)?;
            let (xa, xb) = (a.as_i8(), b.as_i8());
            let f: Box<dyn Fn(i8, i8) -> i32> = match op {
                BinaryOp::Add | BinaryOp::Sub => {
                    let rq = AddRequant::new(s1, s2, so);
                    let subtract = op == BinaryOp::Sub;
                    Box::new(move |p, q| {
                        rq.apply(i32::from(p) - z1, i32::from(q) - z2, subtract) + zo
                    })
                }
                BinaryOp::Mul => {
                    let m = quantize_multiplier(f64::from(s1) * f64::from(s2) / f64::from(so));
                    Box::new(move |p, q| {
                        multiply_by_quantized_multiplier(
                            (i32::from(p) - z1) * (i32::from(q) - z2),
                            m,
                        ) + zo
                    })
                }
            };
            let out: Vec<i8> = pairs
                .iter()
                .map(|&(i, j)| saturate_i8(f(xa[i], xb[j]).clamp(lo, hi)))
                .collect();
            Ok(TensorData::from_i8(out_shape, &out))
        }
        (x, y) => Err(cx.unsupported(format!("operand dtypes {x} and {y}"))),
    }
}

/// The three multipliers of TFLM's int8 add/sub.
struct AddRequant {
    input1: QuantizedMultiplier,
    input2: QuantizedMultiplier,
    output: QuantizedMultiplier,
}

/// Left shift applied to int8 add/sub inputs before rescaling.
const ADD_LEFT_SHIFT: i32 = 20;

impl AddRequant {
    fn new(s1: f32, s2: f32, so: f32) -> Self {
        let twice_max = 2.0 * f64::from(s1.max(s2));
        Self {
            input1: quantize_multiplier(f64::from(s1) / twice_max),
            input2: quantize_multiplier(f64::from(s2) / twice_max),
            output: quantize_multiplier(
                twice_max / ((1i64 << ADD_LEFT_SHIFT) as f64 * f64::from(so)),
            ),
        }
    }

    /// `v1` and `v2` are the inputs minus their zero points; `subtract` computes `v1 − v2` instead of the sum.
    fn apply(&self, v1: i32, v2: i32, subtract: bool) -> i32 {
        let a = multiply_by_quantized_multiplier(v1 << ADD_LEFT_SHIFT, self.input1);
        let b = multiply_by_quantized_multiplier(v2 << ADD_LEFT_SHIFT, self.input2);
        let raw = if subtract {
            a.wrapping_sub(b)
        } else {
            a.wrapping_add(b)
        };
        multiply_by_quantized_multiplier(raw, self.output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_walks_both_operands() {
        let p = broadcast_indices(&[2, 1], &[3], &[2, 3]);
        assert_eq!(p, vec![(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]);
        let q = broadcast_indices(&[2, 3], &[2, 3], &[2, 3]);
        assert!(q.iter().enumerate().all(|(k, &(i, j))| i == k && j == k));
    }
}
