//! `SOFTMAX` over the last dimension.
//!
//! Float (TFLM reference): `e_c = exp((x_c − max)·beta)`, then `e_c / Σ e`, in f32.
//! Int8 → int8 (TFLM's quantized reference, gemmlowp fixed point): differences to the row maximum are scaled by
//! `QuantizeMultiplierGreaterThanOne(min(beta·input_scale·2^26, 2^31−1))` into Q5.26, exponentiated with
//! [`super::fixedpoint::exp_on_negative_values`], summed in Q12.19, and divided with `GetReciprocal`; differences
//! below `−CalculateInputRadius(5, left_shift)` give the minimum output. The output is assumed to be
//! `scale = 1/256, zero_point = −128`, as TFLM requires.

use super::fixedpoint::{
    exp_on_negative_values, get_reciprocal, saturating_rounding_multiply_by_pot,
};
use super::kernel::{NodeCx, saturate_i8};
use super::{InterpError, TensorData};
use crate::arith::{
    QuantizedMultiplier, multiply_by_quantized_multiplier_greater_than_one, quantize_multiplier,
};
use crate::ir::DType;

const SCALED_DIFF_INTEGER_BITS: i32 = 5;
const ACCUMULATION_INTEGER_BITS: i32 = 12;

/// TFLM's `CalculateInputRadius(integer_bits, left_shift, 31)`.
pub(crate) fn input_radius(integer_bits: i32, left_shift: i32) -> i32 {
    let max_input_rescaled = f64::from((1i32 << integer_bits) - 1)
        * (1i64 << (31 - integer_bits)) as f64
        / (1i64 << left_shift) as f64;
    max_input_rescaled.floor() as i32
}

/// `SOFTMAX`.
pub(crate) fn softmax(cx: &NodeCx<'_>, beta: f32) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let out_ty = cx.output_ty(0)?;
    let depth = x.shape.last().copied().unwrap_or(1).max(1);
    match (x.dtype, out_ty.dtype) {
        (DType::F32, DType::F32) => {
            let xs = x.as_f32();
            let mut out = Vec::with_capacity(xs.len());
            for row in xs.chunks_exact(depth) {
                let max = row.iter().copied().fold(f32::MIN, f32::max);
                let exps: Vec<f32> = row.iter().map(|&v| ((v - max) * beta).exp()).collect();
                let mut sum = 0f32;
                for &e in &exps {
                    sum += e;
                }
                out.extend(exps.iter().map(|&e| e / sum));
            }
            Ok(TensorData::from_f32(out_ty.shape.clone(), &out))
        }
        (DType::I8, DType::I8) => {
            let (in_scale, _) = cx.input_quant(0)?;
            let real = (f64::from(beta)
                * f64::from(in_scale)
                * (1i64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64)
                .min((1i64 << 31) as f64 - 1.0);
            let m = quantize_multiplier(real);
            if m.shift < 0 {
                return Err(cx.unsupported(format!(
                    "beta × input scale = {} (too small)",
                    real / 2f64.powi(26)
                )));
            }
            let diff_min = -input_radius(SCALED_DIFF_INTEGER_BITS, m.shift);
            let xs = x.as_i8();
            let mut out = Vec::with_capacity(xs.len());
            for row in xs.chunks_exact(depth) {
                softmax_row_i8(row, m, diff_min, &mut out);
            }
            Ok(TensorData::from_i8(out_ty.shape.clone(), &out))
        }
        (a, b) => Err(cx.unsupported(format!("input dtype {a} with output dtype {b}"))),
    }
}

fn softmax_row_i8(row: &[i8], m: QuantizedMultiplier, diff_min: i32, out: &mut Vec<i8>) {
    let max = i32::from(row.iter().copied().max().unwrap_or(0));
    let exp_of = |v: i8| -> Option<i32> {
        let diff = i32::from(v) - max;
        (diff >= diff_min).then(|| {
            let scaled = multiply_by_quantized_multiplier_greater_than_one(diff, m);
            exp_on_negative_values(scaled, SCALED_DIFF_INTEGER_BITS)
        })
    };
    let mut sum_of_exps = 0i32;
    for &v in row {
        if let Some(e) = exp_of(v) {
            sum_of_exps = sum_of_exps.wrapping_add(saturating_rounding_multiply_by_pot(
                e,
                -ACCUMULATION_INTEGER_BITS,
            ));
        }
    }
    let (reciprocal, num_bits_over_unit) = get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS);
    for &v in row {
        out.push(match exp_of(v) {
            Some(e) => {
                let unsat = crate::arith::rounding_divide_by_pot(
                    crate::arith::saturating_rounding_doubling_high_mul(reciprocal, e),
                    num_bits_over_unit + 31 - 8,
                );
                saturate_i8(unsat - 128)
            }
            None => -128,
        });
    }
}
