/*
 * nncube runtime: elementwise add, sub and mul of same-shaped tensors (int8 with TFLite's rescaling, float32).
 * Element i is written right after reading element i of both inputs, so the output may alias an input.
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"

static void nncube_add_sub_s8(const nncube_add_s8_params *p, size_t count, const int8_t *a, const int8_t *b,
                              int8_t *output, int subtract)
{
    /* Parameters copied to locals once: the int8 stores below could alias *p, which would force reloads. The three
     * rescales are TFLite's smaller-than-one multiplies (shifts <= 0): a high multiply, then a rounding right
     * shift by e = -shift with its half hoisted here. */
    const int32_t off1 = p->input1_offset, off2 = p->input2_offset, out_off = p->output_offset;
    const int32_t left = p->left_shift;
    const int32_t m1 = p->input1_multiplier, e1 = -p->input1_shift;
    const int32_t m2 = p->input2_multiplier, e2 = -p->input2_shift;
    const int32_t mo = p->output_multiplier, eo = -p->output_shift;
    const uint32_t h1 = ((uint32_t)1 << e1) >> 1, h2 = ((uint32_t)1 << e2) >> 1, ho = ((uint32_t)1 << eo) >> 1;
    const int32_t lo = p->act_min, hi = p->act_max;
    size_t i;
    for (i = 0; i < count; ++i) {
        const int32_t x = (int32_t)((uint32_t)(a[i] + off1) << left);
        const int32_t y = (int32_t)((uint32_t)(b[i] + off2) << left);
        const int32_t sx = nncube_rdbpot_sym(nncube_srdhm_fast(x, m1), e1, h1);
        const int32_t sy = nncube_rdbpot_sym(nncube_srdhm_fast(y, m2), e2, h2);
        const int32_t sum = subtract ? sx - sy : sx + sy;
        const int32_t raw = nncube_rdbpot_sym(nncube_srdhm_fast(sum, mo), eo, ho) + out_off;
        output[i] = (int8_t)nncube_clamp_i32(raw, lo, hi);
    }
}

void nncube_add_s8(const nncube_add_s8_params *p, size_t count, const int8_t *a, const int8_t *b, int8_t *output)
{
    nncube_add_sub_s8(p, count, a, b, output, 0);
}

void nncube_sub_s8(const nncube_add_s8_params *p, size_t count, const int8_t *a, const int8_t *b, int8_t *output)
{
    nncube_add_sub_s8(p, count, a, b, output, 1);
}

void nncube_add_f32(const nncube_clamp_f32_params *c, size_t count, const float *a, const float *b, float *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        output[i] = nncube_clamp_f32(a[i] + b[i], c->act_min, c->act_max);
    }
}

void nncube_sub_f32(const nncube_clamp_f32_params *c, size_t count, const float *a, const float *b, float *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        output[i] = nncube_clamp_f32(a[i] - b[i], c->act_min, c->act_max);
    }
}

void nncube_mul_s8(const nncube_mul_s8_params *p, size_t count, const int8_t *a, const int8_t *b, int8_t *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        const int32_t prod = ((int32_t)a[i] + p->input1_offset) * ((int32_t)b[i] + p->input2_offset);
        const int32_t raw = nncube_requantize(prod, p->multiplier, p->shift) + p->output_offset;
        output[i] = (int8_t)nncube_clamp_i32(raw, p->act_min, p->act_max);
    }
}

void nncube_mul_f32(const nncube_clamp_f32_params *c, size_t count, const float *a, const float *b, float *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        output[i] = nncube_clamp_f32(a[i] * b[i], c->act_min, c->act_max);
    }
}
