/*
 * nncube runtime: TFLite Micro's integer requantization arithmetic (gemmlowp rounding), bit for bit.
 * The Rust twin is nncube_core::arith; multipliers and shifts are precomputed by the code generator.
 */
#ifndef NNCUBE_FIXEDPOINT_H
#define NNCUBE_FIXEDPOINT_H

#include <stdint.h>

/* gemmlowp SaturatingRoundingDoublingHighMul. */
static inline int32_t nncube_srdhm(int32_t a, int32_t b)
{
    int64_t ab;
    int64_t nudge;
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent, rounding half away from zero. */
static inline int32_t nncube_rdbpot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLite MultiplyByQuantizedMultiplier (32-bit reference form, double rounding). */
static inline int32_t nncube_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    const int32_t shifted = (int32_t)((uint32_t)x << left);
    return nncube_rdbpot(nncube_srdhm(shifted, multiplier), right);
}

/* An int8 average pool's mean: sum / count rounded half away from zero (TFLite's integer average pooling). */
static inline int32_t nncube_round_div(int32_t sum, int32_t count)
{
    return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

/* TFLite MultiplyByQuantizedMultiplierGreaterThanOne (shift >= 0). */
static inline int32_t nncube_requantize_gt1(int32_t x, int32_t multiplier, int32_t shift)
{
    return nncube_srdhm((int32_t)((uint32_t)x << shift), multiplier);
}

static inline int32_t nncube_clamp_i32(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

static inline float nncube_clamp_f32(float x, float lo, float hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* SaturatingRoundingDoublingHighMul for b != INT32_MIN (every multiplier the code generator emits is in
 * [0, 2^31)): then a * b never saturates, and truncating (a*b + nudge) / 2^31 toward zero equals
 * floor((a*b + 2^30) / 2^31) for either sign of a*b. One multiply-add and a shift, no division. */
static inline int32_t nncube_srdhm_fast(int32_t a, int32_t b)
{
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 30)) >> 31);
}

/* RoundingDivideByPOT as round-half-up of the magnitude (rounding half away from zero is symmetric in sign):
 * branch-free; `half` is (1 << exponent) >> 1, which callers can hoist out of loops. */
static inline int32_t nncube_rdbpot_sym(int32_t x, int32_t exponent, uint32_t half)
{
    const uint32_t sign = (uint32_t)(x >> 31);
    const uint32_t magnitude = ((uint32_t)x ^ sign) - sign;
    return (int32_t)((((magnitude + half) >> exponent) ^ sign) - sign);
}

/* nncube_requantize for multipliers other than INT32_MIN, branch-free and division-free. */
static inline int32_t nncube_requantize_fast(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = left - shift;
    const int32_t s = nncube_srdhm_fast((int32_t)((uint32_t)x << left), multiplier);
    return nncube_rdbpot_sym(s, right, ((uint32_t)1 << right) >> 1);
}

/* (a * b + 2^31) >> 32: SMMULR on cores with the DSP extension (GCC or clang, any optimization level). */
static inline int32_t nncube_mulhi_round(int32_t a, int32_t b)
{
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__GNUC__) && defined(__thumb2__)
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 31)) >> 32);
#endif
}

/* nncube_requantize(x, multiplier, -right) for 1 <= right <= 31, 0 <= multiplier and |x| < 2^30 (the depthwise
 * kernel checks them once per layer). Then 2x does not overflow and (2x * m + 2^31) >> 32 equals
 * SaturatingRoundingDoublingHighMul(x, m) (see nncube_srdhm_fast), its magnitude stays below 2^30, and rounding
 * half away from zero by 2^right is floor((s + half - [s < 0]) / 2^right): for s >= 0 that rounds the half up, for
 * s < 0 it rounds up only above the half, as gemmlowp's threshold does. About 12 instructions instead of 25. */
static inline int32_t nncube_requantize_narrow(int32_t x, int32_t multiplier, int32_t right)
{
    const int32_t s = nncube_mulhi_round(x * 2, multiplier);
    const int32_t half = (int32_t)(((uint32_t)1 << right) >> 1);
    return (s + half + (s >> 31)) >> right;
}

#endif /* NNCUBE_FIXEDPOINT_H */
