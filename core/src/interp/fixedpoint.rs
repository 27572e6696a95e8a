//! gemmlowp's fixed-point transcendental functions on `i32` raw values, as TFLM's int8 softmax, logistic and tanh
//! use them. A value with `k` integer bits has raw `r` meaning `r / 2^(31−k)`.
//!
//! Each function names its input and output integer bits. Products of fixed-point values are
//! `saturating_rounding_doubling_high_mul` of the raws (the integer bits add up).

use crate::arith::{rounding_divide_by_pot, saturating_rounding_doubling_high_mul as mul};

/// Raw value of 1.0 with zero integer bits (saturated to the largest raw value).
const ONE_Q0: i32 = i32::MAX;

/// `x · 2^exponent` with saturation for positive exponents and round-half-away division for negative ones.
pub(crate) fn saturating_rounding_multiply_by_pot(x: i32, exponent: i32) -> i32 {
    if exponent > 0 {
        let threshold = (1i32 << (31 - exponent)) - 1;
        if x > threshold {
            i32::MAX
        } else if x < -threshold {
            i32::MIN
        } else {
            x << exponent
        }
    } else if exponent < 0 {
        rounding_divide_by_pot(x, -exponent)
    } else {
        x
    }
}

/// `exp(a)` for `a` in `[−1/4, 0)`, 0 integer bits in and out (Taylor series around −1/8).
fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    const EXP_MINUS_ONE_EIGHTH: i32 = 1_895_147_668;
    const ONE_THIRD: i32 = 715_827_883;
    let x = a.wrapping_add(1 << 28);
    let x2 = mul(x, x);
    let x3 = mul(x2, x);
    let x4 = mul(x2, x2);
    let x4_over_4 = saturating_rounding_multiply_by_pot(x4, -2);
    let poly = saturating_rounding_multiply_by_pot(
        mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        -1,
    );
    EXP_MINUS_ONE_EIGHTH.wrapping_add(mul(EXP_MINUS_ONE_EIGHTH, x.wrapping_add(poly)))
}

/// `exp(a)` for `a ≤ 0` with `integer_bits` integer bits in; the result has 0 integer bits.
pub(crate) fn exp_on_negative_values(a: i32, integer_bits: i32) -> i32 {
    let fractional_bits = 31 - integer_bits;
    let one_quarter = 1i32 << (fractional_bits - 2);
    let mask = one_quarter - 1;
    let a_mod_quarter_minus_one_quarter = (a & mask).wrapping_sub(one_quarter);
    let mut result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        saturating_rounding_multiply_by_pot(a_mod_quarter_minus_one_quarter, integer_bits),
    );
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    // exp(−2^k) for k = −2 ..= 4, in Q0.31.
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    for (exponent, multiplier) in BARREL {
        if integer_bits > exponent {
            let shift = fractional_bits + exponent;
            if remainder & (1i32 << shift) != 0 {
                result = mul(result, multiplier);
            }
        }
    }
    if integer_bits > 5 {
        let clamp = -(1i32 << (36 - integer_bits));
        if a < clamp {
            result = 0;
        }
    }
    if a == 0 { ONE_Q0 } else { result }
}

/// `(x + y) / 2` rounded half away from zero, without overflow.
fn rounding_half_sum(x: i32, y: i32) -> i32 {
    let sum = i64::from(x) + i64::from(y);
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// Newton–Raphson reciprocal of `half_denominator` (0 integer bits) in 2 integer bits: `≈ 1/half_denominator`.
fn reciprocal_of_half_denominator_q2(half_denominator: i32) -> i32 {
    const C_48_OVER_17: i32 = 1_515_870_810;
    const C_NEG_32_OVER_17: i32 = -1_010_580_540;
    const ONE_Q2: i32 = 1 << 29;
    let mut x = C_48_OVER_17.wrapping_add(mul(half_denominator, C_NEG_32_OVER_17));
    for _ in 0..3 {
        let half_denominator_times_x = mul(half_denominator, x);
        let one_minus = ONE_Q2.wrapping_sub(half_denominator_times_x);
        x = x.wrapping_add(saturating_rounding_multiply_by_pot(mul(x, one_minus), 2));
    }
    x
}

/// `1 / (1 + a)` for `a` in `[0, 1)`, 0 integer bits in and out.
pub(crate) fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    let x = reciprocal_of_half_denominator_q2(rounding_half_sum(a, ONE_Q0));
    // x/2 reinterpreted with one integer bit, then rescaled to zero integer bits.
    saturating_rounding_multiply_by_pot(x, 1)
}

/// `(1 − a) / (1 + a)` for `a` in `[0, 1)`, 0 integer bits in and out.
fn one_minus_x_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    let x = reciprocal_of_half_denominator_q2(rounding_half_sum(a, ONE_Q0));
    // 2/(1+a) − 1 in 2 integer bits, rescaled to zero integer bits.
    saturating_rounding_multiply_by_pot(x.wrapping_sub(1 << 29), 2)
}

/// The logistic function, `integer_bits` integer bits in, 0 out.
pub(crate) fn logistic(a: i32, integer_bits: i32) -> i32 {
    if a == 0 {
        return 1 << 30;
    }
    let abs = if a > 0 { a } else { a.wrapping_neg() };
    let positive =
        one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(abs.wrapping_neg(), integer_bits));
    if a > 0 {
        positive
    } else {
        ONE_Q0.wrapping_sub(positive)
    }
}

/// The hyperbolic tangent, `integer_bits` integer bits in, 0 out.
pub(crate) fn tanh(a: i32, integer_bits: i32) -> i32 {
    if a == 0 {
        return 0;
    }
    let n = if a < 0 { a } else { a.wrapping_neg() };
    // exp(2n): doubling the value is reinterpreting it with one more integer bit.
    let t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1));
    if a < 0 { t.wrapping_neg() } else { t }
}

/// TFLM's `GetReciprocal`: `1 / x` for `x` with `integer_bits` integer bits, as a Q0.31 value scaled by
/// `2^-num_bits_over_unit`. Returns `(reciprocal, num_bits_over_unit)`.
pub(crate) fn get_reciprocal(x: i32, integer_bits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros() as i32;
    let num_bits_over_unit = integer_bits - headroom_plus_one;
    let shifted_minus_one =
        ((x as u32).wrapping_shl(headroom_plus_one as u32)).wrapping_sub(1u32 << 31) as i32;
    (
        one_over_one_plus_x_for_x_in_0_1(shifted_minus_one),
        num_bits_over_unit,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_raw(v: f64, integer_bits: i32) -> i32 {
        (v * 2f64.powi(31 - integer_bits)).round() as i32
    }

    #[test]
    fn exp_is_close_to_libm() {
        for &v in &[-0.01, -0.2, -1.0, -3.5, -10.0, -31.0] {
            let r = exp_on_negative_values(to_raw(v, 5), 5);
            let got = f64::from(r) / 2f64.powi(31);
            assert!((got - f64::exp(v)).abs() < 1e-6, "exp({v}) = {got}");
        }
        assert_eq!(exp_on_negative_values(0, 5), i32::MAX);
    }

    #[test]
    fn logistic_and_tanh_are_close() {
        for &v in &[-7.0, -1.5, -0.1, 0.3, 2.0, 7.5] {
            let l = f64::from(logistic(to_raw(v, 4), 4)) / 2f64.powi(31);
            assert!(
                (l - 1.0 / (1.0 + f64::exp(-v))).abs() < 1e-6,
                "logistic({v}) = {l}"
            );
            let t = f64::from(tanh(to_raw(v, 4), 4)) / 2f64.powi(31);
            assert!((t - v.tanh()).abs() < 1e-6, "tanh({v}) = {t}");
        }
    }

    #[test]
    fn reciprocal_is_close() {
        for &v in &[1.0, 1.5, 37.25, 4000.0] {
            let (r, bits) = get_reciprocal(to_raw(v, 12), 12);
            let got = f64::from(r) / 2f64.powi(31) / 2f64.powi(bits);
            assert!((got - 1.0 / v).abs() < 1e-6 / v, "1/{v} = {got}");
        }
    }
}
