//! TensorFlow Lite Micro's integer arithmetic, reproduced bit for bit.
//!
//! The reference interpreter executes with these functions, and code generation uses [`quantize_multiplier`] to
//! precompute the multipliers and shifts the C kernels apply with the same rounding. Any change here changes
//! results: the TFLM bit-exactness tests guard it.

/// A real multiplier `m` expressed as `multiplier × 2^(shift − 31)` with `multiplier` in `[2^30, 2^31)`,
/// exactly as TFLite's `QuantizeMultiplier` computes it (from a `double`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QuantizedMultiplier {
    /// Q31 fixed-point mantissa (0 when the real multiplier is 0).
    pub multiplier: i32,
    /// Power-of-two exponent: positive shifts left, negative shifts right.
    pub shift: i32,
}

/// `frexp` for finite doubles: `x = fraction × 2^exp`, `fraction` in `[0.5, 1)` (or 0).
fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let exp_bits = ((bits >> 52) & 0x7ff) as i32;
    if exp_bits == 0 {
        // Subnormal: scale up first.
        let (f, e) = frexp(x * f64::from_bits(0x4350_0000_0000_0000)); // 2^54
        return (f, e - 54);
    }
    let exp = exp_bits - 1022;
    let frac_bits = (bits & !(0x7ffu64 << 52)) | (1022u64 << 52);
    (f64::from_bits(frac_bits), exp)
}

/// The multiplier of an output channel of a convolution or fully connected layer, as TFLite computes it: the
/// effective scale `in_scale · filter_scale / out_scale` in double precision, then [`quantize_multiplier`]. The
/// interpreter and code generation both call this, so the reference and the generated C requantize alike.
pub fn channel_multiplier(in_scale: f32, filter_scale: f32, out_scale: f32) -> QuantizedMultiplier {
    quantize_multiplier(f64::from(in_scale) * f64::from(filter_scale) / f64::from(out_scale))
}

/// TFLite's `QuantizeMultiplier(double, int32_t*, int*)`.
pub fn quantize_multiplier(real: f64) -> QuantizedMultiplier {
    if real == 0.0 {
        return QuantizedMultiplier {
            multiplier: 0,
            shift: 0,
        };
    }
    let (q, mut shift) = frexp(real);
    let mut q_fixed = (q * (1i64 << 31) as f64).round() as i64;
    if q_fixed == 1i64 << 31 {
        q_fixed /= 2;
        shift += 1;
    }
    if shift < -31 {
        shift = 0;
        q_fixed = 0;
    }
    if shift > 30 {
        shift = 30;
        q_fixed = (1i64 << 31) - 1;
    }
    QuantizedMultiplier {
        multiplier: q_fixed as i32,
        shift,
    }
}

/// gemmlowp's `SaturatingRoundingDoublingHighMul`.
pub fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == b && a == i32::MIN {
        return i32::MAX;
    }
    let ab = i64::from(a) * i64::from(b);
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // Division truncates toward zero, as in C.
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// gemmlowp's `RoundingDivideByPOT`: `x / 2^exponent`, rounding half away from zero.
pub fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
}

/// TFLite's `MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift)` (the 32-bit reference form
/// used by TFLM's reference kernels).
pub fn multiply_by_quantized_multiplier(x: i32, m: QuantizedMultiplier) -> i32 {
    let left = if m.shift > 0 { m.shift } else { 0 };
    let right = if m.shift > 0 { 0 } else { -m.shift };
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(
            x.wrapping_mul(1i32.wrapping_shl(left as u32)),
            m.multiplier,
        ),
        right,
    )
}

/// TFLite's `MultiplyByQuantizedMultiplierSmallerThanOneExp` (shift ≤ 0).
pub fn multiply_by_quantized_multiplier_smaller_than_one(x: i32, m: QuantizedMultiplier) -> i32 {
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x, m.multiplier),
        -m.shift,
    )
}

/// TFLite's `MultiplyByQuantizedMultiplierGreaterThanOne` (shift ≥ 0).
pub fn multiply_by_quantized_multiplier_greater_than_one(x: i32, m: QuantizedMultiplier) -> i32 {
    saturating_rounding_doubling_high_mul(
        x.wrapping_mul(1i32.wrapping_shl(m.shift as u32)),
        m.multiplier,
    )
}

/// The activation clamp range in the quantized domain, as TFLite's `CalculateActivationRangeQuantized` computes it
/// for an output with `scale`/`zero_point` and the type range `[qmin, qmax]`.
pub fn activation_range_quantized(
    activation: crate::ir::Activation,
    scale: f32,
    zero_point: i32,
    qmin: i32,
    qmax: i32,
) -> (i32, i32) {
    use crate::ir::Activation;
    let quantize = |x: f32| zero_point + (x / scale).round() as i32;
    match activation {
        Activation::Relu => (qmin.max(quantize(0.0)), qmax),
        Activation::Relu6 => (qmin.max(quantize(0.0)), qmax.min(quantize(6.0))),
        Activation::ReluN1To1 => (qmin.max(quantize(-1.0)), qmax.min(quantize(1.0))),
        Activation::None | Activation::Tanh => (qmin, qmax),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_matches_libm() {
        assert_eq!(frexp(1.0), (0.5, 1));
        assert_eq!(frexp(0.75), (0.75, 0));
        assert_eq!(frexp(3.0e-5).1, -15);
        assert_eq!(frexp(-2.0), (-0.5, 2));
    }

    #[test]
    fn quantize_multiplier_known_values() {
        assert_eq!(
            quantize_multiplier(0.5),
            QuantizedMultiplier {
                multiplier: 1 << 30,
                shift: 0
            }
        );
        assert_eq!(
            quantize_multiplier(1.0),
            QuantizedMultiplier {
                multiplier: 1 << 30,
                shift: 1
            }
        );
        assert_eq!(
            quantize_multiplier(0.0),
            QuantizedMultiplier {
                multiplier: 0,
                shift: 0
            }
        );
        // 0.25 → 2^30 × 2^(−1−31+… ): mantissa 0.5, exponent −1.
        assert_eq!(
            quantize_multiplier(0.25),
            QuantizedMultiplier {
                multiplier: 1 << 30,
                shift: -1
            }
        );
    }

    #[test]
    fn rounding_divide_rounds_half_away_from_zero() {
        assert_eq!(rounding_divide_by_pot(5, 1), 3);
        assert_eq!(rounding_divide_by_pot(-5, 1), -3);
        assert_eq!(rounding_divide_by_pot(4, 1), 2);
        assert_eq!(rounding_divide_by_pot(-4, 2), -1);
        assert_eq!(rounding_divide_by_pot(7, 0), 7);
    }

    #[test]
    fn doubling_high_mul_saturates() {
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
            i32::MAX
        );
        assert_eq!(
            saturating_rounding_doubling_high_mul(1 << 30, 1 << 30),
            1 << 29
        );
    }

    #[test]
    fn multiply_applies_multiplier_and_shift() {
        let half = quantize_multiplier(0.5);
        assert_eq!(multiply_by_quantized_multiplier(100, half), 50);
        // gemmlowp's nudge makes the doubling high-mul round −50.5 toward zero.
        assert_eq!(multiply_by_quantized_multiplier(-101, half), -50);
        assert_eq!(multiply_by_quantized_multiplier(101, half), 51);
        let three = quantize_multiplier(3.0);
        assert_eq!(multiply_by_quantized_multiplier(7, three), 21);
    }
}
