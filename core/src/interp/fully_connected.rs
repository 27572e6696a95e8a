//! `FULLY_CONNECTED`: the input is flattened to `[batch, depth]`, weights are `[units, depth]`.
//!
//! Int8 (TFLM's `FullyConnected` reference): `acc = bias[u] + Σ (w − w_zp)·(x − x_zp)`, then
//! `MultiplyByQuantizedMultiplier(acc, M) + output_zp` and the activation clamp, with
//! `M = QuantizeMultiplier((double)input_scale · (double)filter_scale / (double)output_scale)` (per unit when the
//! weights are quantized per channel). Float: `activation(Σ x·w + bias)` accumulated in depth order.

use super::conv::{dot_i32, i32_bias};
use super::kernel::{NodeCx, activate_f32, saturate_i8};
use super::{InterpError, TensorData};
use crate::arith::{channel_multiplier, multiply_by_quantized_multiplier};
use crate::ir::{Activation, DType};

/// `FULLY_CONNECTED`.
pub(crate) fn fully_connected(
    cx: &NodeCx<'_>,
    activation: Activation,
) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let w = cx.input(1)?;
    let out_shape = cx.output_ty(0)?.shape.clone();
    let (units, depth) = match w.shape.as_slice() {
        [u, d] => (*u, *d),
        s => return Err(cx.malformed(format!("weights must be 2-D, found {s:?}"))),
    };
    if depth == 0 || x.num_elements() % depth != 0 {
        return Err(cx.malformed(format!(
            "input of {} elements is not a multiple of depth {depth}",
            x.num_elements()
        )));
    }
    let batch = x.num_elements() / depth;
    match (x.dtype, w.dtype) {
        (DType::I8, DType::I8) => {
            let (in_scale, in_zp) = cx.input_quant(0)?;
            let (out_scale, out_zp) = cx.output_quant()?;
            let wq = cx
                .input_ty(1)?
                .quant
                .as_ref()
                .ok_or_else(|| cx.unsupported("unquantized int8 weights"))?;
            let multipliers: Vec<_> = (0..units)
                .map(|u| channel_multiplier(in_scale, wq.scale(u), out_scale))
                .collect();
            let (lo, hi) = cx.activation_range_i8(activation)?;
            let bias = i32_bias(cx, units)?;
            let xs: Vec<i32> = x
                .as_i8()
                .into_iter()
                .map(|v| i32::from(v) - in_zp)
                .collect();
            let ws: Vec<i32> = w
                .as_i8()
                .into_iter()
                .enumerate()
                .map(|(i, v)| i32::from(v) - wq.zero_point(i / depth))
                .collect();
            let mut out = Vec::with_capacity(batch * units);
            for xrow in xs.chunks_exact(depth) {
                for (u, wrow) in ws.chunks_exact(depth).enumerate() {
                    let acc = dot_i32(xrow, wrow).wrapping_add(bias[u]);
                    let v =
                        multiply_by_quantized_multiplier(acc, multipliers[u]).wrapping_add(out_zp);
                    out.push(saturate_i8(v.clamp(lo, hi)));
                }
            }
            Ok(TensorData::from_i8(out_shape, &out))
        }
        (DType::F32, DType::F32) => {
            let bias = if cx.has_input(2) {
                cx.input(2)?.as_f32()
            } else {
                vec![0.0; units]
            };
            if bias.len() != units {
                return Err(cx.unsupported(format!(
                    "a bias of {} elements for {units} units",
                    bias.len()
                )));
            }
            let xs = x.as_f32();
            let ws = w.as_f32();
            let mut out = Vec::with_capacity(batch * units);
            for xrow in xs.chunks_exact(depth) {
                for (u, wrow) in ws.chunks_exact(depth).enumerate() {
                    let mut total = 0f32;
                    for (&a, &b) in xrow.iter().zip(wrow) {
                        total += a * b;
                    }
                    out.push(activate_f32(activation, total + bias[u]));
                }
            }
            Ok(TensorData::from_f32(out_shape, &out))
        }
        (a, b) => Err(cx.unsupported(format!("input dtype {a} with weights dtype {b}"))),
    }
}
