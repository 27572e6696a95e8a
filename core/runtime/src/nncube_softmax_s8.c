/*
 * nncube runtime: int8 softmax with TFLite's integer algorithm (gemmlowp fixed-point exp and reciprocal).
 * Fixed-point formats are named Qi (i integer bits, 31 - i fraction bits, int32 raw values). No float math.
 * Each row is read fully (max, sum of exps) before its outputs are written, element by element in order.
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"

/* Saturating x * 2^exponent for exponent > 0 (gemmlowp SaturatingRoundingMultiplyByPOT, positive case). */
static int32_t nncube_sat_shl(int32_t x, int32_t exponent)
{
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << exponent);
}

/* exp(a) for a in [-1/4, 0), Q0 in and out. */
static int32_t nncube_exp_quarter(int32_t a)
{
    const int32_t constant_term = 1895147668;    /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883; /* 1/3 */
    const int32_t x = a + (1 << 28);             /* a + 1/8 */
    const int32_t x2 = nncube_srdhm(x, x);
    const int32_t x3 = nncube_srdhm(x2, x);
    const int32_t x4 = nncube_srdhm(x2, x2);
    const int32_t x4_over_4 = nncube_rdbpot(x4, 2);
    const int32_t poly = nncube_rdbpot(nncube_srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
    return constant_term + nncube_srdhm(constant_term, x + poly);
}

/* exp(a) for a <= 0 given in Q5, result in Q0. */
static int32_t nncube_exp_negative_q5(int32_t a)
{
    static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308,
                                           39332535,   720401,     242};
    const int32_t one_quarter = 1 << 24;
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_quarter = (a & mask) - one_quarter;
    const int32_t remainder = a_mod_quarter_minus_quarter - a;
    int32_t result = nncube_exp_quarter(nncube_sat_shl(a_mod_quarter_minus_quarter, 5));
    int32_t k;
    /* Barrel shifter over exp(-2^k) for k = -2 .. 4 (bits 24 .. 30 of the remainder). */
    for (k = 0; k < 7; ++k) {
        if (remainder & ((int32_t)1 << (24 + k))) {
            result = nncube_srdhm(result, multipliers[k]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + x) for x in [0, 1), Q0 in and out (Newton-Raphson in Q2). */
static int32_t nncube_one_over_one_plus_x(int32_t a)
{
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t constant_48_over_17 = 1515870810;
    const int32_t constant_neg_32_over_17 = -1010580540;
    const int32_t one_q2 = 1 << 29;
    int32_t x = constant_48_over_17 + nncube_srdhm(half_denominator, constant_neg_32_over_17);
    int32_t i;
    for (i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = nncube_srdhm(half_denominator, x);
        const int32_t one_minus = one_q2 - half_denominator_times_x;
        x = x + nncube_sat_shl(nncube_srdhm(x, one_minus), 2);
    }
    return nncube_sat_shl(x, 1);
}

static int32_t nncube_clz32(uint32_t x)
{
    int32_t n = 0;
    if (x == 0) {
        return 32;
    }
    while ((x & 0x80000000u) == 0) {
        x <<= 1;
        ++n;
    }
    return n;
}

void nncube_softmax_s8(const nncube_softmax_s8_params *p, int32_t rows, int32_t depth, const int8_t *input,
                       int8_t *output)
{
    int32_t r, c;
    for (r = 0; r < rows; ++r) {
        const int8_t *in = input + (size_t)r * depth;
        int8_t *out = output + (size_t)r * depth;
        int32_t max_in_row = INT8_MIN;
        int32_t sum_of_exps = 0; /* Q12 */
        int32_t headroom_plus_one;
        int32_t num_bits_over_unit;
        int32_t shifted_scale;
        for (c = 0; c < depth; ++c) {
            max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
        }
        for (c = 0; c < depth; ++c) {
            const int32_t diff = (int32_t)in[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t scaled = nncube_requantize_gt1(diff, p->input_multiplier, p->input_left_shift);
                sum_of_exps += nncube_rdbpot(nncube_exp_negative_q5(scaled), 12);
            }
        }
        headroom_plus_one = nncube_clz32((uint32_t)sum_of_exps);
        num_bits_over_unit = 12 - headroom_plus_one;
        shifted_scale = nncube_one_over_one_plus_x(
            (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - ((uint32_t)1 << 31)));
        for (c = 0; c < depth; ++c) {
            const int32_t diff = (int32_t)in[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t scaled = nncube_requantize_gt1(diff, p->input_multiplier, p->input_left_shift);
                const int32_t e = nncube_exp_negative_q5(scaled);
                const int32_t unsat = nncube_rdbpot(nncube_srdhm(shifted_scale, e), num_bits_over_unit + 31 - 8);
                out[c] = (int8_t)nncube_clamp_i32(unsat - 128, INT8_MIN, INT8_MAX);
            } else {
                out[c] = INT8_MIN;
            }
        }
    }
}
