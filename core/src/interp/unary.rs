//! Elementwise activations: relu family, leaky relu, logistic, tanh, hard swish.
//!
//! Int8 relu requantizes (`MultiplyByQuantizedMultiplier(x − z_in, s_in/s_out) + z_out`, clamped to the
//! quantized activation range); int8 relu6 clamps between the quantized 0 and 6 without requantization, as TFLM.
//! Int8 logistic and tanh rescale `x − z_in` into Q4.27 with `frexp(s_in · 2^27)` and evaluate gemmlowp's
//! fixed-point logistic/tanh; inputs beyond `CalculateInputRadius(4, shift)` saturate. Their outputs use TFLM's
//! fixed output quantization (logistic: 1/256, −128; tanh: 1/128, 0).

use super::fixedpoint;
use super::kernel::{NodeCx, saturate_i8};
use super::softmax::input_radius;
use super::{InterpError, TensorData};
use crate::arith::{multiply_by_quantized_multiplier, quantize_multiplier, rounding_divide_by_pot};
use crate::ir::DType;

/// Applies `f` to every f32 element.
fn map_f32(cx: &NodeCx<'_>, f: impl Fn(f32) -> f32) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let out: Vec<f32> = x.as_f32().into_iter().map(f).collect();
    Ok(TensorData::from_f32(cx.output_ty(0)?.shape.clone(), &out))
}

/// Applies `f` to every i8 element.
fn map_i8(cx: &NodeCx<'_>, f: impl Fn(i8) -> i8) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let out: Vec<i8> = x.as_i8().into_iter().map(f).collect();
    Ok(TensorData::from_i8(cx.output_ty(0)?.shape.clone(), &out))
}

/// `RELU`, `RELU6`, `RELU_N1_TO_1`: clamp to `[lo, hi]`; int8 values are requantized to the output's scale
/// unless `requantize` is false (TFLM's relu6 only clamps).
pub(crate) fn relu(
    cx: &NodeCx<'_>,
    lo: f32,
    hi: f32,
    requantize: bool,
) -> Result<TensorData, InterpError> {
    match cx.input(0)?.dtype {
        DType::F32 => map_f32(cx, |v| v.max(lo).min(hi)),
        DType::I8 => {
            let (s_in, z_in) = cx.input_quant(0)?;
            let (s_out, z_out) = cx.output_quant()?;
            let q = |v: f32| (z_out + (v / s_out).round() as i32).clamp(-128, 127);
            let qmin = q(lo);
            let qmax = if hi.is_infinite() { 127 } else { q(hi) };
            if !requantize {
                return map_i8(cx, |v| saturate_i8(i32::from(v).clamp(qmin, qmax)));
            }
            let m = quantize_multiplier(f64::from(s_in) / f64::from(s_out));
            map_i8(cx, |v| {
                saturate_i8(
                    (z_out + multiply_by_quantized_multiplier(i32::from(v) - z_in, m))
                        .clamp(qmin, qmax),
                )
            })
        }
        _ => Err(cx.unsupported_dtype()),
    }
}

/// `LEAKY_RELU`.
pub(crate) fn leaky_relu(cx: &NodeCx<'_>, alpha: f32) -> Result<TensorData, InterpError> {
    match cx.input(0)?.dtype {
        DType::F32 => map_f32(cx, |v| if v > 0.0 { v } else { v * alpha }),
        DType::I8 => {
            let (s_in, z_in) = cx.input_quant(0)?;
            let (s_out, z_out) = cx.output_quant()?;
            // TFLM computes both ratios in float before widening them to double.
            let m_alpha = quantize_multiplier(f64::from(s_in * alpha / s_out));
            let m_identity = quantize_multiplier(f64::from(s_in / s_out));
            map_i8(cx, |v| {
                let x = i32::from(v) - z_in;
                let m = if x >= 0 { m_identity } else { m_alpha };
                saturate_i8(z_out + multiply_by_quantized_multiplier(x, m))
            })
        }
        _ => Err(cx.unsupported_dtype()),
    }
}

/// Int8 logistic/tanh: `x − z_in` beyond the saturation radius maps to −128 or 127; the rest is rescaled into
/// Q4.27 (multiplier of `s_in · 2^27`) and passed to `f`.
fn map_q4_i8(cx: &NodeCx<'_>, f: impl Fn(i32) -> i8) -> Result<TensorData, InterpError> {
    let (s_in, z_in) = cx.input_quant(0)?;
    let m = quantize_multiplier(f64::from(s_in) * f64::from(1i32 << 27));
    let radius = input_radius(4, m.shift);
    map_i8(cx, |v| {
        let x = i32::from(v) - z_in;
        if x <= -radius {
            -128
        } else if x >= radius {
            127
        } else {
            f(multiply_by_quantized_multiplier(x, m))
        }
    })
}

/// `LOGISTIC`.
pub(crate) fn logistic(cx: &NodeCx<'_>) -> Result<TensorData, InterpError> {
    match cx.input(0)?.dtype {
        DType::F32 => map_f32(cx, |v| {
            if v > 16.619_047 {
                1.0
            } else if v < -9.0 {
                v.exp()
            } else {
                1.0 / (1.0 + (-v).exp())
            }
        }),
        DType::I8 => map_q4_i8(cx, |q4| {
            let q0 = fixedpoint::logistic(q4, 4);
            saturate_i8(rounding_divide_by_pot(q0, 23) - 128)
        }),
        _ => Err(cx.unsupported_dtype()),
    }
}

/// `TANH`.
pub(crate) fn tanh(cx: &NodeCx<'_>) -> Result<TensorData, InterpError> {
    match cx.input(0)?.dtype {
        DType::F32 => map_f32(cx, f32::tanh),
        DType::I8 => map_q4_i8(cx, |q4| {
            let q0 = fixedpoint::tanh(q4, 4);
            saturate_i8(rounding_divide_by_pot(q0, 24))
        }),
        _ => Err(cx.unsupported_dtype()),
    }
}

/// `HARD_SWISH`: `x · relu6(x + 3) / 6`. Int8 follows TFLM's 16-bit fixed-point reference: the input on a
/// 2^7-times finer scale, a "reluish" factor `(x/3 + 1)/2` clamped to [0, 1] in Q15, and 16-bit multipliers
/// rounded from the 32-bit ones.
pub(crate) fn hard_swish(cx: &NodeCx<'_>) -> Result<TensorData, InterpError> {
    match cx.input(0)?.dtype {
        DType::F32 => map_f32(cx, |v| v * (v + 3.0).clamp(0.0, 6.0) / 6.0),
        DType::I8 => {
            let (s_in, z_in) = cx.input_quant(0)?;
            let (s_out, z_out) = cx.output_quant()?;
            let hires_input_scale = (1.0f32 / 128.0) * s_in;
            let reluish_scale = 3.0f32 / 32768.0;
            let out_m = quantize_multiplier(f64::from(hires_input_scale / s_out));
            let relu_m = quantize_multiplier(f64::from(hires_input_scale / reluish_scale));
            let (out_m16, relu_m16) = (
                downscale_to_i16(out_m.multiplier),
                downscale_to_i16(relu_m.multiplier),
            );
            map_i8(cx, |v| {
                let hires = (i32::from(v) - z_in) * 128;
                let preshift_output = srdhm_i16(hires, out_m16);
                let mut reluish = hires;
                if relu_m.shift > 0 {
                    reluish = saturating_shl_i16(reluish, relu_m.shift - 1);
                }
                reluish = srdhm_i16(reluish, relu_m16);
                if relu_m.shift > 0 {
                    reluish = saturating_shl_i16(reluish, 1);
                }
                if relu_m.shift < 0 {
                    reluish = rounding_divide_by_pot(reluish, -relu_m.shift);
                }
                reluish = (reluish + (1 << 15)) >> 1;
                let preshift = doubling_high_mul_i16(reluish, preshift_output);
                saturate_i8(rounding_divide_by_pot(preshift, -out_m.shift) + z_out)
            })
        }
        _ => Err(cx.unsupported_dtype()),
    }
}

/// TFLite's `DownScaleInt32ToInt16Multiplier`: the Q31 multiplier rounded to Q15.
fn downscale_to_i16(m: i32) -> i32 {
    const ROUNDING: i32 = 1 << 15;
    if m >= i32::MAX - ROUNDING {
        32767
    } else {
        (m + ROUNDING) >> 16
    }
}

/// 16-bit `SaturatingRoundingDoublingHighMul` on values already in the i16 range.
fn srdhm_i16(a: i32, b: i32) -> i32 {
    if a == -32768 && b == -32768 {
        return 32767;
    }
    let ab = a * b;
    let nudge = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    (ab + nudge) / (1 << 15)
}

/// 16-bit `SaturatingDoublingHighMul` (truncating).
fn doubling_high_mul_i16(a: i32, b: i32) -> i32 {
    if a == -32768 && b == -32768 {
        32767
    } else {
        (a * b) / (1 << 15)
    }
}

/// Left shift saturated to the i16 range.
fn saturating_shl_i16(x: i32, shift: i32) -> i32 {
    (i64::from(x) << shift).clamp(-32768, 32767) as i32
}
