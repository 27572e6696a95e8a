/*
 * nncube runtime: elementwise add, sub and mul of same-shaped tensors (int8 with TFLite's rescaling, float32).
 * Element i is written right after reading element i of both inputs (int8 add/sub: groups of four elements, each
 * written after the group is read), so the output may alias an input. Long int8 add/sub calls look each input's
 * rescaled value up in a 256-entry table built per call (docs/kernels.md, "Int8 add and sub").
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"

#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
#include <arm_acle.h>
#endif

/* x clamped to [-128, 127]: one SSAT where the core has it (GCC does not always find it). */
static inline int32_t nncube_add_sat8(int32_t x)
{
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
    return __ssat(x, 8);
#else
    return nncube_clamp_i32(x, -128, 127);
#endif
}

/* One input's rescaled value, exactly as TFLite computes it: offset, left shift, then the smaller-than-one
 * multiply (a high multiply and a rounding right shift by e with its half `h`). */
static inline int32_t nncube_add_rescale(int32_t v, int32_t off, int32_t left, int32_t m, int32_t e, uint32_t h)
{
    const int32_t x = (int32_t)((uint32_t)(v + off) << left);
    return nncube_rdbpot_sym(nncube_srdhm_fast(x, m), e, h);
}

/* Elements per call from which the two 256-entry tables pay for their construction (about 8 instructions per
 * entry against about 45 saved per element). */
#define NNCUBE_ADD_TABLE_MIN_COUNT 256

/* Largest magnitude a table entry may have for the narrow output requantization: the sum of two entries stays
 * below 2^29, so its double (the tables hold doubled values) fits and nncube_requantize_narrow's bound holds. */
#define NNCUBE_ADD_TABLE_BOUND (1 << 28)

/* Fills table[v + 128] with twice input v's rescaled value, negated for the subtrahend; returns 0 if an entry
 * reaches NNCUBE_ADD_TABLE_BOUND (the table is then not used). */
static int nncube_add_table(int32_t *table, int32_t off, int32_t left, int32_t m, int32_t shift, int negate)
{
    const int32_t e = -shift;
    const uint32_t h = ((uint32_t)1 << e) >> 1;
    uint32_t magnitudes = 0;
    int32_t v;
    for (v = -128; v < 128; ++v) {
        const int32_t r = nncube_add_rescale(v, off, left, m, e, h);
        magnitudes |= (uint32_t)(r ^ (r >> 31));
        /* -r cannot overflow: a smaller-than-one multiply's result is above INT32_MIN. */
        table[v + 128] = (int32_t)((uint32_t)(negate ? -r : r) << 1);
    }
    return magnitudes < NNCUBE_ADD_TABLE_BOUND;
}

/* The output stage of the table path: with t = 2 * (rescaled a +/- rescaled b) (|t| < 2^30),
 * (SMMULR(t, mo) + k + sign) >> eo with k = half + (output offset << eo) is nncube_requantize_narrow plus the
 * output offset: adding a multiple of 2^eo before the floor shift adds exactly the offset. */
static inline int32_t nncube_add_output(int32_t t, int32_t mo, int32_t k, int32_t eo)
{
    const int32_t s = nncube_mulhi_round(t, mo);
    return (s + k + (s >> 31)) >> eo;
}

/* Table path: per element two loads, two table loads, the narrow requantization and the clamp. Returns 0 (and
 * writes nothing) when the parameters are outside its exact domain. */
static int nncube_add_sub_s8_table(const nncube_add_s8_params *p, size_t count, const int8_t *a, const int8_t *b,
                                   int8_t *output, int subtract)
{
    int32_t tables[2][256];
    int8_t clamp[256];
    const int8_t *c = clamp + 128;
    const int32_t mo = p->output_multiplier, eo = -p->output_shift;
    const int32_t lo = p->act_min, hi = p->act_max;
    const int32_t *t1 = tables[0] + 128, *t2 = tables[1] + 128;
    int64_t k64;
    int32_t k, v;
    size_t i;
    if (mo < 0 || eo < 1 || eo > 31) {
        return 0;
    }
    k64 = (int64_t)(((uint32_t)1 << eo) >> 1) + (int64_t)p->output_offset * ((int64_t)1 << eo);
    if (k64 >= ((int64_t)1 << 30) || k64 <= -((int64_t)1 << 30)) {
        return 0;
    }
    k = (int32_t)k64;
    if (!nncube_add_table(tables[0], p->input1_offset, p->left_shift, p->input1_multiplier, p->input1_shift, 0) ||
        !nncube_add_table(tables[1], p->input2_offset, p->left_shift, p->input2_multiplier, p->input2_shift,
                          subtract)) {
        return 0;
    }
    for (v = -128; v < 128; ++v) {
        clamp[v + 128] = (int8_t)nncube_clamp_i32(v, lo, hi);
    }
    /* Four elements per pass through walking pointers (post-indexed loads and stores, one end test). */
    for (i = count / 4; i > 0; --i) {
        const int32_t r0 = nncube_add_output(t1[a[0]] + t2[b[0]], mo, k, eo);
        const int32_t r1 = nncube_add_output(t1[a[1]] + t2[b[1]], mo, k, eo);
        const int32_t r2 = nncube_add_output(t1[a[2]] + t2[b[2]], mo, k, eo);
        const int32_t r3 = nncube_add_output(t1[a[3]] + t2[b[3]], mo, k, eo);
        output[0] = c[nncube_add_sat8(r0)];
        output[1] = c[nncube_add_sat8(r1)];
        output[2] = c[nncube_add_sat8(r2)];
        output[3] = c[nncube_add_sat8(r3)];
        a += 4;
        b += 4;
        output += 4;
    }
    for (i = count % 4; i > 0; --i) {
        *output++ = c[nncube_add_sat8(nncube_add_output(t1[*a++] + t2[*b++], mo, k, eo))];
    }
    return 1;
}

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
    if (count >= NNCUBE_ADD_TABLE_MIN_COUNT && nncube_add_sub_s8_table(p, count, a, b, output, subtract)) {
        return;
    }
    for (i = 0; i < count; ++i) {
        const int32_t sx = nncube_add_rescale(a[i], off1, left, m1, e1, h1);
        const int32_t sy = nncube_add_rescale(b[i], off2, left, m2, e2, h2);
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
