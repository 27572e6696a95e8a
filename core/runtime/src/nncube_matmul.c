/*
 * nncube runtime: the blocked int8 matrix product that convolution, conv+pool and fully connected share.
 *
 * For one or two rows of `depth` int8 values (input pixels, im2col patches or fully-connected rows), it computes
 * the output channels [c_begin, c_end) from the filter re-arranged at generation time (docs/kernels.md):
 * channel pairs are stored as 4-byte groups alternating between the two channels' rows, each row padded with
 * zeros to a multiple of 4 (an odd last channel alone), and the bias has the input offset folded in
 * (bias - zp_in * sum(w)), so the inner loop multiplies raw int8 values: sum((a + ao) * w) = sum(a * w) +
 * ao * sum(w). Each inner-loop step works on a 2 x 2 block (two rows, one channel pair): on Cortex-M cores with
 * the DSP extension it loads one 32-bit word per row and per channel, widens bytes 0/2 and 1/3 to 16-bit lanes
 * (SXTB16) and accumulates with SMLAD, two MACs per instruction; the assembly paths widen the two rows once per
 * call into a stack buffer instead (they are the same for every channel pair). The portable path computes exactly
 * the same int32 sums. A non-zero filter offset wo is applied once per row: sum((a + ao) * (w + wo)) =
 * sum((a + ao) * w) + wo * sum(a + ao). Requantization happens once per output value.
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"
#include "nncube_simd.h"

#include <string.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define NNCUBE_MM_DSP 1
#else
#define NNCUBE_MM_DSP 0
#endif

/* The hand-scheduled inner loops: Thumb-2 with DSP, GCC, optimized builds. The 2 x 2 loop needs 14 registers,
 * which clang (r7 kept as frame pointer) and GCC at -O0 cannot give; builds with -fno-omit-frame-pointer define
 * NNCUBE_NO_ASM. Everyone else runs the C loops, which compute the same sums. */
#define NNCUBE_MM_ASM NNCUBE_MATMUL_WIDENED

/* The output stage, copied out of nncube_quant_s8 once per call: int8 stores may alias anything, so fields
 * read through the pointer would be reloaded after every store. */
typedef struct {
    int32_t output_offset, act_min, act_max;
} nncube_mm_stage;

/* TFLite's MultiplyByQuantizedMultiplier, bit-identical to nncube_requantize for multipliers in [0, 2^31) (the
 * only ones TFLite's QuantizeMultiplier and the code generator produce): nncube_srdhm_fast's high multiply, then
 * the reference rounding shift. */
static inline int32_t nncube_mm_requantize(int32_t acc, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    const int32_t x = (int32_t)((uint32_t)acc << left);
    return nncube_rdbpot(nncube_srdhm_fast(x, multiplier), right);
}

static inline int8_t nncube_mm_output(const nncube_mm_stage *st, int32_t acc, int32_t multiplier, int32_t shift)
{
    const int32_t v = nncube_mm_requantize(acc, multiplier, shift) + st->output_offset;
    return (int8_t)nncube_clamp_i32(v, st->act_min, st->act_max);
}

/* The requantization of a right shift e = -shift in [1, 31] (nearly every layer) as one 64-bit multiply-add and
 * one shift, bit-identical to nncube_requantize: the reference rounds twice, high = floor((x*m + 2^30) / 2^31)
 * then RoundingDivideByPOT(high, e) = floor((high + 2^(e-1) - [high < 0]) / 2^e), and nested floors merge into
 * floor((x*m + 2^30 + 2^(e+30) - [high < 0] * 2^31) / 2^(31+e)). With m >= 0, [x < 0] can stand for [high < 0]:
 * they differ only when high == 0, where both give 0. k = 2^30 + 2^(e+30) is split into klo / khi (the channel's
 * constant, made once for two pixels) and the result is the high word of the sum shifted right by e - 1. */
typedef struct {
    int32_t multiplier, khi, e1;
    uint32_t klo;
} nncube_mm_rq;

/* The constants of a channel whose shift is in [-31, -1]. */
static inline nncube_mm_rq nncube_mm_rq_make(int32_t multiplier, int32_t shift)
{
    nncube_mm_rq r;
    r.multiplier = multiplier;
    r.e1 = -shift - 1;
    { /* khi = 2^(e - 2) (0 for e = 1), klo = 2^30 + 2^31 * [e = 1] */
        const uint32_t t = 1u << r.e1;
        r.khi = (int32_t)(t >> 1);
        r.klo = 0x40000000u | (t << 31);
    }
    return r;
}

static inline int32_t nncube_mm_rq_apply(const nncube_mm_rq *r, int32_t x)
{
#if NNCUBE_MM_ASM
    int32_t s, lo, hi;
    __asm__("asr %[s], %[x], #31\n\t"
            "adds %[lo], %[klo], %[s], lsl #31\n\t"
            "adc %[hi], %[khi], %[s]\n\t"
            "smlal %[lo], %[hi], %[x], %[m]\n\t"
            "asr %[hi], %[hi], %[e1]"
            : [s] "=&r"(s), [lo] "=&r"(lo), [hi] "=&r"(hi)
            : [x] "r"(x), [m] "r"(r->multiplier), [klo] "r"(r->klo), [khi] "r"(r->khi), [e1] "r"(r->e1)
            : "cc");
    return hi;
#else
    const int64_t k = (int64_t)(((uint64_t)(uint32_t)r->khi << 32) | r->klo) - (x < 0 ? ((int64_t)1 << 31) : 0);
    return (int32_t)(((int64_t)x * r->multiplier + k) >> 32) >> r->e1;
#endif
}

/* v clamped to [-128, 127] (SSAT on cores with the DSP extension). */
static inline int8_t nncube_mm_sat8(int32_t v)
{
#if NNCUBE_MM_DSP
    return (int8_t)__ssat(v, 8);
#else
    return (int8_t)nncube_clamp_i32(v, -128, 127);
#endif
}

#if NNCUBE_MM_ASM
/* klo and khi + 1 of nncube_mm_rq_make for e - 1 = 0 .. 30, read by nncube_mm_requantize_run with one LDRD. */
static const uint32_t nncube_mm_rq_k[31][2] __attribute__((used)) = {
    {0xC0000000u, 1u},         {0x40000000u, 2u},         {0x40000000u, 3u},         {0x40000000u, 5u},
    {0x40000000u, 9u},         {0x40000000u, 17u},        {0x40000000u, 33u},        {0x40000000u, 65u},
    {0x40000000u, 129u},       {0x40000000u, 257u},       {0x40000000u, 513u},       {0x40000000u, 1025u},
    {0x40000000u, 2049u},      {0x40000000u, 4097u},      {0x40000000u, 8193u},      {0x40000000u, 16385u},
    {0x40000000u, 32769u},     {0x40000000u, 65537u},     {0x40000000u, 131073u},    {0x40000000u, 262145u},
    {0x40000000u, 524289u},    {0x40000000u, 1048577u},   {0x40000000u, 2097153u},   {0x40000000u, 4194305u},
    {0x40000000u, 8388609u},   {0x40000000u, 16777217u},  {0x40000000u, 33554433u},  {0x40000000u, 67108865u},
    {0x40000000u, 134217729u}, {0x40000000u, 268435457u}, {0x40000000u, 536870913u},
};

/* The output stage of channels [c, n) of two rows for per-channel multipliers and the whole int8 range, fused in
 * one loop: per channel the constants of nncube_mm_rq_make from nncube_mm_rq_k (khi + 1, see below; the table's
 * address by MOVW/MOVT, no register and no literal pool), per value 8 instructions:
 * the nncube_mm_rq_apply form with [x < 0] * 2^31 added as AND + ADDS and subtracted from khi + 1 as SBC with the
 * carry (klo + 2^31 * [x < 0] and khi - [x < 0] + carry, as ASR/ADDS/ADC form them), the output offset, SSAT, the
 * store. Stops at the first channel whose shift is outside [-31, -1] and returns its index (n when done). */
static inline int32_t nncube_mm_requantize_run(int32_t *acc, int32_t c, int32_t n, const int32_t *mult,
                                               const int32_t *shift, int8_t *out0, int8_t *out1, int32_t off)
{
    int32_t *ap = acc + 2 * c;
    int32_t *const end = acc + 2 * n;
    const int32_t *mp = mult + c, *shp = shift + c;
    int8_t *o0 = out0 + c, *o1 = out1 + c;
    int32_t e1, m, khi, klo, x, lo, hi;
#define NNCUBE_MM_RQ_VALUE(out)                                                                                   \
    "ldr %[x], [%[ap]], #4\n\t"                                                                                   \
    "and %[lo], %[x], #0x80000000\n\t"                                                                            \
    "adds %[lo], %[lo], %[klo]\n\t"                                                                               \
    "sbc %[hi], %[khi], %[x], lsr #31\n\t"                                                                        \
    "smlal %[lo], %[hi], %[x], %[m]\n\t"                                                                          \
    "asr %[hi], %[hi], %[e1]\n\t"                                                                                 \
    "add %[hi], %[hi], %[off]\n\t"                                                                                \
    "ssat %[hi], #8, %[hi]\n\t"                                                                                   \
    "strb %[hi], [%[" out "]], #1\n\t"
    __asm__ volatile("1:\n\t"
                     "ldr %[e1], [%[shp]], #4\n\t"
                     "add %[x], %[e1], #31\n\t"
                     "cmp %[x], #31\n\t"
                     "bcs 2f\n\t"
                     "ldr %[m], [%[mp]], #4\n\t"
                     "mvn %[e1], %[e1]\n\t"
                     "movw %[x], #:lower16:%c[k]\n\t"
                     "movt %[x], #:upper16:%c[k]\n\t"
                     "add %[x], %[x], %[e1], lsl #3\n\t"
                     "ldrd %[klo], %[khi], [%[x]]\n\t" NNCUBE_MM_RQ_VALUE("o0") NNCUBE_MM_RQ_VALUE("o1")
                     "cmp %[ap], %[end]\n\t"
                     "bne 1b\n"
                     "2:"
                     : [ap] "+r"(ap), [mp] "+r"(mp), [shp] "+r"(shp), [o0] "+r"(o0), [o1] "+r"(o1), [e1] "=&r"(e1),
                       [m] "=&r"(m), [khi] "=&r"(khi), [klo] "=&r"(klo), [x] "=&r"(x), [lo] "=&r"(lo),
                       [hi] "=&r"(hi)
                     : [end] "r"(end), [off] "r"(off), [k] "i"(nncube_mm_rq_k)
                     : "cc", "memory");
#undef NNCUBE_MM_RQ_VALUE
    return (int32_t)(ap - acc) / 2;
}
#endif

/* Requantizes n channels of two rows, acc[2c] / acc[2c + 1] being channel c of row 0 / row 1, in two passes
 * with few live values each (one loop needed more registers than the core has: measured ~22 instructions per
 * output with spills, ~16 in two passes): the requantized values replace the sums in acc, then the output
 * offset, the clamp (one SSAT for the whole int8 range) and the stores. Always inlined (the portable two-row
 * path and nncube_mm_requantize_chunk). */
static inline __attribute__((always_inline)) void nncube_mm_requantize_rows(const nncube_mm_stage *st, int32_t *acc,
                                                                            int32_t n, const int32_t *mult,
                                                                            const int32_t *shift, int32_t step,
                                                                            int8_t *out0, int8_t *out1)
{
    const int32_t off = st->output_offset, lo = st->act_min, hi = st->act_max;
    int32_t *a = acc;
    int32_t c;
#if NNCUBE_MM_ASM
    if (step == 1 && lo == -128 && hi == 127) {
        for (c = nncube_mm_requantize_run(acc, 0, n, mult, shift, out0, out1, off); c < n;
             c = nncube_mm_requantize_run(acc, c + 1, n, mult, shift, out0, out1, off)) {
            out0[c] = nncube_mm_output(st, acc[2 * c], mult[c], shift[c]);
            out1[c] = nncube_mm_output(st, acc[2 * c + 1], mult[c], shift[c]);
        }
        return;
    }
#endif
    for (c = 0; c < n; ++c, mult += step, shift += step, a += 2) {
        const int32_t sh = *shift;
        if ((uint32_t)(sh + 31) < 31u) { /* shift in [-31, -1] */
            const nncube_mm_rq r = nncube_mm_rq_make(*mult, sh);
            a[0] = nncube_mm_rq_apply(&r, a[0]);
            a[1] = nncube_mm_rq_apply(&r, a[1]);
        } else {
            a[0] = nncube_mm_requantize(a[0], *mult, sh);
            a[1] = nncube_mm_requantize(a[1], *mult, sh);
        }
    }
    if (lo == -128 && hi == 127) {
        for (c = 0; c < n; ++c, acc += 2) {
            out0[c] = nncube_mm_sat8(acc[0] + off);
            out1[c] = nncube_mm_sat8(acc[1] + off);
        }
    } else {
        for (c = 0; c < n; ++c, acc += 2) {
            out0[c] = (int8_t)nncube_clamp_i32(acc[0] + off, lo, hi);
            out1[c] = (int8_t)nncube_clamp_i32(acc[1] + off, lo, hi);
        }
    }
}

#if NNCUBE_MM_ASM
/* nncube_mm_requantize_rows as a call: one copy for the widened paths (less code; one call per chunk). */
static __attribute__((noinline)) void nncube_mm_requantize_chunk(const nncube_mm_stage *st, int32_t *acc, int32_t n,
                                                                 const int32_t *mult, const int32_t *shift,
                                                                 int32_t step, int8_t *out0, int8_t *out1)
{
    nncube_mm_requantize_rows(st, acc, n, mult, shift, step, out0, out1);
}
#endif

/* sum(a[k] + a_offset) over depth values: the factor of a non-zero filter offset. */
static int32_t nncube_mm_row_sum(const int8_t *a, int32_t depth, int32_t a_offset)
{
    int32_t sum = 0;
    int32_t k;
    for (k = 0; k < depth; ++k) {
        sum += (int32_t)a[k] + a_offset;
    }
    return sum;
}

#if NNCUBE_MM_DSP
/* Bytes 1 and 3 of v, sign-extended to the two 16-bit lanes (bytes 0 and 2: __sxtb16). GCC does not fold the
 * rotation into SXTB16's ROR operand (measured: one extra instruction per word), so say it directly. */
static inline uint32_t nncube_mm_odd(uint32_t v)
{
#if defined(__GNUC__) && (defined(__arm__) || defined(__thumb__))
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
#else
    return __sxtb16((v >> 8) | (v << 24));
#endif
}
#endif

#if !NNCUBE_MM_ASM
/* acc[2 * j + r] += sum(a_r[k] * w_j[k]) for rows a0, a1 and the channel pair at w (pair-interleaved). */
static inline void nncube_mm_block2x2(const int8_t *a0, const int8_t *a1, const int8_t *w, int32_t depth,
                                      int32_t acc[4])
{
    int32_t s00 = acc[0], s10 = acc[1], s01 = acc[2], s11 = acc[3];
    int32_t k = 0, j;
    for (; k + 4 <= depth; k += 4, w += 8) {
#if NNCUBE_MM_DSP
        const uint32_t vw0 = nncube_load4(w);
        const uint32_t vw1 = nncube_load4(w + 4);
        const uint32_t w0e = __sxtb16(vw0);
        const uint32_t w0o = nncube_mm_odd(vw0);
        const uint32_t w1e = __sxtb16(vw1);
        const uint32_t w1o = nncube_mm_odd(vw1);
        uint32_t va = nncube_load4(a0 + k);
        uint32_t ae = __sxtb16(va);
        va = nncube_mm_odd(va);
        s00 = (int32_t)__smlad(ae, w0e, (uint32_t)s00);
        s01 = (int32_t)__smlad(ae, w1e, (uint32_t)s01);
        s00 = (int32_t)__smlad(va, w0o, (uint32_t)s00);
        s01 = (int32_t)__smlad(va, w1o, (uint32_t)s01);
        va = nncube_load4(a1 + k);
        ae = __sxtb16(va);
        va = nncube_mm_odd(va);
        s10 = (int32_t)__smlad(ae, w0e, (uint32_t)s10);
        s11 = (int32_t)__smlad(ae, w1e, (uint32_t)s11);
        s10 = (int32_t)__smlad(va, w0o, (uint32_t)s10);
        s11 = (int32_t)__smlad(va, w1o, (uint32_t)s11);
#else
        for (j = 0; j < 4; ++j) {
            s00 += a0[k + j] * w[j];
            s01 += a0[k + j] * w[4 + j];
            s10 += a1[k + j] * w[j];
            s11 += a1[k + j] * w[4 + j];
        }
#endif
    }
    for (j = 0; k + j < depth; ++j) {
        s00 += a0[k + j] * w[j];
        s01 += a0[k + j] * w[4 + j];
        s10 += a1[k + j] * w[j];
        s11 += a1[k + j] * w[4 + j];
    }
    acc[0] = s00;
    acc[1] = s10;
    acc[2] = s01;
    acc[3] = s11;
}

#endif

#if NNCUBE_MM_ASM
/* Widens values [4 * g0, 4 * (g0 + groups)) of rows a0 and a1 (depth values each, read only below depth) into
 * rows: per group of 4 values the words SXTB16 and SXTB16 ROR #8 give for row 0 (bytes 0/2, bytes 1/3 as 16-bit
 * lanes), then the same two for row 1. Values past depth are 0 (they meet the weights' zero padding). */
static void nncube_mm_widen(const int8_t *a0, const int8_t *a1, int32_t g0, int32_t groups, int32_t depth,
                            uint32_t *rows)
{
    const int32_t whole = (depth / 4 - g0) < groups ? depth / 4 - g0 : groups;
    const int8_t *p0 = a0 + 4 * g0, *p1 = a1 + 4 * g0;
    int32_t g;
    for (g = 0; g < whole; ++g, p0 += 4, p1 += 4, rows += 4) {
        const uint32_t x0 = nncube_load4(p0), x1 = nncube_load4(p1);
        rows[0] = __sxtb16(x0);
        rows[1] = nncube_mm_odd(x0);
        rows[2] = __sxtb16(x1);
        rows[3] = nncube_mm_odd(x1);
    }
    if (whole < groups) {
        /* The last, partial group. */
        int8_t t0[4] = {0, 0, 0, 0}, t1[4] = {0, 0, 0, 0};
        int32_t j;
        for (j = 0; j < depth % 4; ++j) {
            t0[j] = p0[j];
            t1[j] = p1[j];
        }
        rows[0] = __sxtb16(nncube_load4(t0));
        rows[1] = nncube_mm_odd(nncube_load4(t0));
        rows[2] = __sxtb16(nncube_load4(t1));
        rows[3] = nncube_mm_odd(nncube_load4(t1));
    }
}

/* The 2 x 2 block over `pairs` consecutive channel pairs and one slice of `groups` groups of 4 values whose rows
 * are widened (nncube_mm_widen): acc holds each pair's four sums (row 0 / row 1 of channel 2j, then of 2j + 1)
 * and receives the results in place (or, with bias, the sums start from the pair's biases, for both rows: the first
 * slice without a filter offset); w points at the first pair's slice and moves by skip bytes from the end of
 * one pair's slice to the start of the next. Per group: LDRD of the pair's weight words, 4 SXTB16, LDRD of each
 * row's two widened words, 8 SMLAD: 15 instructions per 16 MACs, the loop unrolled four times (groups % 4
 * first). Same int32 sums as nncube_mm_block2x2 (additions modulo 2^32 in another order). */
static inline void nncube_mm_pairs2x2_wide(const uint32_t *rows, int32_t groups, const int8_t *w, int32_t skip,
                                           const int32_t *bias, int32_t *acc, int32_t pairs)
{
    const uint32_t *const rows_end = rows + 4 * groups;
    const int32_t rest = groups & 3;
    int32_t *const acc_end = acc + 4 * pairs;
    int32_t s00, s10, s01, s11;
    uint32_t wa, wb, we, wf, xe, xo;
    const uint32_t *p, *pend;
#define NNCUBE_MM_WIDE_GROUP                                                                                      \
    "ldrd %[wa], %[wb], [%[w]], #8\n\t"                                                                           \
    "sxtb16 %[we], %[wa]\n\t"                                                                                     \
    "sxtb16 %[wa], %[wa], ror #8\n\t"                                                                             \
    "sxtb16 %[wf], %[wb]\n\t"                                                                                     \
    "sxtb16 %[wb], %[wb], ror #8\n\t"                                                                             \
    "ldrd %[xe], %[xo], [%[p]], #8\n\t"                                                                           \
    "smlad %[s00], %[xe], %[we], %[s00]\n\t"                                                                      \
    "smlad %[s01], %[xe], %[wf], %[s01]\n\t"                                                                      \
    "smlad %[s00], %[xo], %[wa], %[s00]\n\t"                                                                      \
    "smlad %[s01], %[xo], %[wb], %[s01]\n\t"                                                                      \
    "ldrd %[xe], %[xo], [%[p]], #8\n\t"                                                                           \
    "smlad %[s10], %[xe], %[we], %[s10]\n\t"                                                                      \
    "smlad %[s11], %[xe], %[wf], %[s11]\n\t"                                                                      \
    "smlad %[s10], %[xo], %[wa], %[s10]\n\t"                                                                      \
    "smlad %[s11], %[xo], %[wb], %[s11]\n\t"
/* The pair loop after the four sums are started: the slice's groups (groups % 4 first: LSLS #31 puts bit 1 in
 * the carry and bit 0 in N, which the group's instructions leave alone; then 4 per iteration), the sums stored,
 * the step to the next pair. */
#define NNCUBE_MM_WIDE_PAIR                                                                                       \
    "ldr %[p], %[rows]\n\t"                                                                                       \
    "ldr %[pend], %[rows_end]\n\t"                                                                                \
    "ldr %[wa], %[rest]\n\t"                                                                                      \
    "lsls %[wa], %[wa], #31\n\t"                                                                                  \
    "bcc 4f\n\t" NNCUBE_MM_WIDE_GROUP NNCUBE_MM_WIDE_GROUP "4:\n\t"                                               \
    "bpl 5f\n\t" NNCUBE_MM_WIDE_GROUP "5:\n\t"                                                                    \
    "cmp %[p], %[pend]\n\t"                                                                                       \
    "beq 6f\n"                                                                                                    \
    "2:\n\t" NNCUBE_MM_WIDE_GROUP NNCUBE_MM_WIDE_GROUP NNCUBE_MM_WIDE_GROUP NNCUBE_MM_WIDE_GROUP                    \
    "cmp %[p], %[pend]\n\t"                                                                                       \
    "bne 2b\n"                                                                                                    \
    "6:\n\t"                                                                                                      \
    "strd %[s01], %[s11], [%[acc], #8]\n\t"                                                                       \
    "strd %[s00], %[s10], [%[acc]], #16\n\t"                                                                      \
    "ldr %[wa], %[skip]\n\t"                                                                                      \
    "add %[w], %[w], %[wa]\n\t"                                                                                   \
    "ldr %[wa], %[acc_end]\n\t"                                                                                   \
    "cmp %[acc], %[wa]\n\t"                                                                                       \
    "bne 1b"
#define NNCUBE_MM_WIDE_OPERANDS                                                                                   \
    : [s00] "=&r"(s00), [s10] "=&r"(s10), [s01] "=&r"(s01), [s11] "=&r"(s11), [w] "+r"(w), [acc] "+r"(acc),       \
      [p] "=&r"(p), [pend] "=&r"(pend), [wa] "=&r"(wa), [wb] "=&r"(wb), [we] "=&r"(we), [wf] "=&r"(wf),          \
      [xe] "=&r"(xe), [xo] "=&r"(xo), [bias] "+m"(bias)                                                             \
    : [rows] "m"(rows), [rows_end] "m"(rows_end), [rest] "m"(rest), [skip] "m"(skip), [acc_end] "m"(acc_end)       \
    : "cc", "memory"
    if (bias != NULL) {
        /* First slice, no filter offset: both rows' sums start from the pair's two biases (one LDRD). */
        __asm__ volatile("1:\n\t"
                         "ldr %[wa], %[bias]\n\t"
                         "ldrd %[s00], %[s01], [%[wa]], #8\n\t"
                         "str %[wa], %[bias]\n\t"
                         "mov %[s10], %[s00]\n\t"
                         "mov %[s11], %[s01]\n\t" NNCUBE_MM_WIDE_PAIR NNCUBE_MM_WIDE_OPERANDS);
    } else {
        __asm__ volatile("1:\n\t"
                         "ldrd %[s00], %[s10], [%[acc]]\n\t"
                         "ldrd %[s01], %[s11], [%[acc], #8]\n\t" NNCUBE_MM_WIDE_PAIR NNCUBE_MM_WIDE_OPERANDS);
    }
#undef NNCUBE_MM_WIDE_OPERANDS
#undef NNCUBE_MM_WIDE_PAIR
#undef NNCUBE_MM_WIDE_GROUP
}
#endif

/* acc[2 * j] += sum(a[k] * w_j[k]) for one row and the channel pair at w (pair-interleaved). */
static inline void nncube_mm_block1x2(const int8_t *a, const int8_t *w, int32_t depth, int32_t acc[2])
{
    int32_t s0 = acc[0], s1 = acc[2];
    int32_t k = 0, j;
#if NNCUBE_MM_ASM
    if (depth >= 4) {
        /* 13 instructions per 8 MACs (GCC's schedule of the C below: 17). */
        int32_t groups = depth / 4;
        const int8_t *p = a;
        uint32_t wa, wb, we, wf, x, xo;
        __asm__ volatile("1:\n\t"
                         "ldrd %[wa], %[wb], [%[w]], #8\n\t"
                         "ldr %[x], [%[p]], #4\n\t"
                         "sxtb16 %[we], %[wa]\n\t"
                         "sxtb16 %[wa], %[wa], ror #8\n\t"
                         "sxtb16 %[wf], %[wb]\n\t"
                         "sxtb16 %[wb], %[wb], ror #8\n\t"
                         "sxtb16 %[xo], %[x], ror #8\n\t"
                         "sxtb16 %[x], %[x]\n\t"
                         "smlad %[s0], %[x], %[we], %[s0]\n\t"
                         "smlad %[s1], %[x], %[wf], %[s1]\n\t"
                         "smlad %[s0], %[xo], %[wa], %[s0]\n\t"
                         "smlad %[s1], %[xo], %[wb], %[s1]\n\t"
                         "subs %[n], %[n], #1\n\t"
                         "bne 1b"
                         : [s0] "+r"(s0), [s1] "+r"(s1), [w] "+r"(w), [p] "+r"(p), [n] "+r"(groups), [wa] "=&r"(wa),
                           [wb] "=&r"(wb), [we] "=&r"(we), [wf] "=&r"(wf), [x] "=&r"(x), [xo] "=&r"(xo)
                         :
                         : "cc", "memory");
        k = depth - depth % 4;
    }
#else
    for (; k + 4 <= depth; k += 4, w += 8) {
#if NNCUBE_MM_DSP
        const uint32_t va = nncube_load4(a + k);
        const uint32_t vw0 = nncube_load4(w);
        const uint32_t vw1 = nncube_load4(w + 4);
        const uint32_t ae = __sxtb16(va);
        const uint32_t ao = nncube_mm_odd(va);
        s0 = (int32_t)__smlad(ae, __sxtb16(vw0), (uint32_t)s0);
        s1 = (int32_t)__smlad(ae, __sxtb16(vw1), (uint32_t)s1);
        s0 = (int32_t)__smlad(ao, nncube_mm_odd(vw0), (uint32_t)s0);
        s1 = (int32_t)__smlad(ao, nncube_mm_odd(vw1), (uint32_t)s1);
#else
        for (j = 0; j < 4; ++j) {
            s0 += a[k + j] * w[j];
            s1 += a[k + j] * w[4 + j];
        }
#endif
    }
#endif
    for (j = 0; k + j < depth; ++j) {
        s0 += a[k + j] * w[j];
        s1 += a[k + j] * w[4 + j];
    }
    acc[0] = s0;
    acc[2] = s1;
}

/* sum(a[k] * w[k]): one row, the lone last channel at w (padded to a multiple of 4). */
static inline int32_t nncube_mm_block1x1(const int8_t *a, const int8_t *w, int32_t depth)
{
    int32_t s = 0;
    int32_t k = 0;
#if NNCUBE_MM_DSP
    for (; k + 4 <= depth; k += 4) {
        const uint32_t va = nncube_load4(a + k);
        const uint32_t vw = nncube_load4(w + k);
        s = (int32_t)__smlad(__sxtb16(va), __sxtb16(vw), (uint32_t)s);
        s = (int32_t)__smlad(nncube_mm_odd(va), nncube_mm_odd(vw), (uint32_t)s);
    }
#endif
    for (; k < depth; ++k) {
        s += a[k] * w[k];
    }
    return s;
}

int8_t nncube_matmul_weight(const int8_t *filter, int32_t depth, int32_t channels, int32_t c, int32_t k)
{
    const int32_t row_bytes = (depth + 3) / 4 * 4;
    if (c == channels - 1 && channels % 2 == 1) {
        return filter[(size_t)c * row_bytes + k];
    }
    return filter[(size_t)(c - c % 2) * row_bytes + (size_t)(8 * (k / 4) + 4 * (c % 2) + k % 4)];
}

/* One row (batch-1 fully connected, a last odd pixel): each channel pair is requantized right away (measured:
 * faster than a separate loop for one row). */
static __attribute__((noinline)) void nncube_mm_single_row(const nncube_matmul_s8_args *m, int32_t c_begin,
                                                           int32_t c_end, const int8_t *a0, int8_t *out0)
{
    const nncube_quant_s8 *q = m->q;
    const int32_t depth = m->depth;
    const int32_t row_bytes = (depth + 3) / 4 * 4;
    const int32_t step = m->per_channel ? 1 : 0;
    const int8_t *w = m->filter + (size_t)c_begin * row_bytes;
    const int32_t wo = q->filter_offset;
    const int32_t sum0 = wo != 0 ? wo * nncube_mm_row_sum(a0, depth, q->input_offset) : 0;
    nncube_mm_stage stage;
    const nncube_mm_stage *st = &stage;
    int32_t c;
    stage.output_offset = q->output_offset;
    stage.act_min = q->act_min;
    stage.act_max = q->act_max;
    for (c = c_begin; c + 1 < c_end; c += 2, w += 2 * row_bytes) {
        int32_t acc[4];
        acc[0] = (m->bias != NULL ? m->bias[c] : 0) + sum0;
        acc[2] = (m->bias != NULL ? m->bias[c + 1] : 0) + sum0;
        nncube_mm_block1x2(a0, w, depth, acc);
        out0[c - c_begin] = nncube_mm_output(st, acc[0], q->multiplier[c * step], q->shift[c * step]);
        out0[c - c_begin + 1] = nncube_mm_output(st, acc[2], q->multiplier[(c + 1) * step], q->shift[(c + 1) * step]);
    }
    if (c < c_end) {
        const int32_t acc = (m->bias != NULL ? m->bias[c] : 0) + sum0 + nncube_mm_block1x1(a0, w, depth);
        out0[c - c_begin] = nncube_mm_output(st, acc, q->multiplier[c * step], q->shift[c * step]);
    }
}

/* Channels per pass: the int32 sums of a pass wait on the stack for the requantization loop. */
#define NNCUBE_MM_CHUNK 64

#if NNCUBE_MM_ASM
/* The widened-row path's stack buffer, in 32-bit words: the widened slice of the two rows (4 words per group of
 * 4 values) followed by the chunk's sums (2 words per channel). Rows of up to NNCUBE_MM_WIDE_ONE groups (depth 144)
 * are widened whole, once per call, and leave the rest for the sums (depth 144: chunks of 8 channels, 128: 16,
 * 64: 48); longer rows go in equal slices of at most NNCUBE_MM_WIDE_SLICE groups (chunks of 32 channels or more),
 * each slice widened once per chunk. 640 bytes: the stack budget (docs/kernels.md). */
#define NNCUBE_MM_WIDE_WORDS 160
#define NNCUBE_MM_WIDE_ONE 36
#define NNCUBE_MM_WIDE_SLICE 24
#define NNCUBE_MM_WIDE_CHUNK_MAX 64

/* nncube_matmul_s8 for two rows of any other depth: the rows are widened to 16-bit lanes (whole or by slices, see
 * above), the chunk's sums are started from the bias and row sums, and nncube_mm_pairs2x2_wide runs over all
 * channel pairs slice by slice. Same sums and requantization as the portable path. */
static __attribute__((noinline)) void nncube_mm_two_rows_wide(const nncube_matmul_s8_args *m, int32_t c_begin,
                                                              int32_t c_end, const int8_t *a0, const int8_t *a1,
                                                              int8_t *out0, int8_t *out1)
{
    const nncube_quant_s8 *q = m->q;
    nncube_mm_stage st;
    const int32_t depth = m->depth;
    const int32_t groups = (depth + 3) / 4;
    const int32_t row_bytes = 4 * groups;
    const int32_t wo = q->filter_offset;
    const int32_t sum0 = wo != 0 ? wo * nncube_mm_row_sum(a0, depth, q->input_offset) : 0;
    const int32_t sum1 = wo != 0 ? wo * nncube_mm_row_sum(a1, depth, q->input_offset) : 0;
    const int32_t step = m->per_channel ? 1 : 0;
    const int32_t bias_step = m->bias != NULL ? 1 : 0;
    static const int32_t no_bias[2] = {0, 0};
    const int32_t *bias = m->bias != NULL ? m->bias + c_begin : no_bias;
    const int8_t *w = m->filter + (size_t)c_begin * row_bytes;
    const int from_bias = m->bias != NULL && wo == 0;
    const int one_slice = groups <= NNCUBE_MM_WIDE_ONE;
    const int32_t slices = one_slice ? 1 : (groups + NNCUBE_MM_WIDE_SLICE - 1) / NNCUBE_MM_WIDE_SLICE;
    const int32_t slice = (groups + slices - 1) / slices;
    const int32_t room = (NNCUBE_MM_WIDE_WORDS - 4 * slice) / 4 * 2; /* channels, even */
    const int32_t chunk = room < NNCUBE_MM_WIDE_CHUNK_MAX ? room : NNCUBE_MM_WIDE_CHUNK_MAX;
    uint32_t buf[NNCUBE_MM_WIDE_WORDS];
    uint32_t *const rows = buf;
    int32_t *const acc = (int32_t *)(buf + 4 * slice);
    int32_t cb;
    st.output_offset = q->output_offset;
    st.act_min = q->act_min;
    st.act_max = q->act_max;
    if (one_slice) {
        nncube_mm_widen(a0, a1, 0, groups, depth, rows);
    }
    for (cb = c_begin; cb < c_end; cb += chunk) {
        const int32_t n = c_end - cb < chunk ? c_end - cb : chunk;
        const int32_t pairs = n / 2;
        int32_t *const a = acc + 4 * pairs;
        int32_t i, g0;
        if (!from_bias) {
            int32_t *s = acc;
            for (i = 0; i < pairs; ++i, s += 4, bias += 2 * bias_step) {
                const int32_t b0 = bias[0], b1 = bias[bias_step];
                s[0] = b0 + sum0;
                s[1] = b0 + sum1;
                s[2] = b1 + sum0;
                s[3] = b1 + sum1;
            }
        }
        if (pairs > 0) {
            for (g0 = 0; g0 < groups; g0 += slice) {
                const int32_t g = groups - g0 < slice ? groups - g0 : slice;
                if (!one_slice) {
                    nncube_mm_widen(a0, a1, g0, g, depth, rows);
                }
                nncube_mm_pairs2x2_wide(rows, g, w + 8 * g0, 2 * row_bytes - 8 * g,
                                        from_bias && g0 == 0 ? bias : NULL, acc, pairs);
            }
        }
        if (from_bias) {
            bias += 2 * pairs;
        }
        w += (size_t)pairs * 2 * row_bytes;
        if (n % 2 == 1) {
            /* The odd last channel, stored alone (at w). */
            a[0] = bias[0] + sum0 + nncube_mm_block1x1(a0, w, depth);
            a[1] = bias[0] + sum1 + nncube_mm_block1x1(a1, w, depth);
        }
        nncube_mm_requantize_chunk(&st, acc, n, q->multiplier + cb * step, q->shift + cb * step, step,
                                  out0 + (cb - c_begin), out1 + (cb - c_begin));
    }
}
#endif

#if NNCUBE_MM_ASM
/* Channels per pass of nncube_matmul_s8_widened (its sums on the stack: 512 bytes). */
#define NNCUBE_MM_WIDENED_CHUNK 64

void nncube_matmul_s8_widened(const nncube_matmul_s8_args *m, int32_t c_begin, int32_t c_end, const uint32_t *rows,
                              int8_t *out0, int8_t *out1)
{
    const nncube_quant_s8 *q = m->q;
    nncube_mm_stage st;
    const int32_t groups = m->depth / 4;
    const int32_t step = m->per_channel ? 1 : 0;
    const int32_t *bias = m->bias + c_begin;
    const int8_t *w = m->filter + (size_t)c_begin * m->depth;
    int32_t acc[2 * NNCUBE_MM_WIDENED_CHUNK];
    int32_t cb;
    st.output_offset = q->output_offset;
    st.act_min = q->act_min;
    st.act_max = q->act_max;
    for (cb = c_begin; cb < c_end; cb += NNCUBE_MM_WIDENED_CHUNK) {
        const int32_t n = c_end - cb < NNCUBE_MM_WIDENED_CHUNK ? c_end - cb : NNCUBE_MM_WIDENED_CHUNK;
        nncube_mm_pairs2x2_wide(rows, groups, w, 0, bias, acc, n / 2);
        w += (size_t)n * m->depth;
        bias += n;
        nncube_mm_requantize_chunk(&st, acc, n, q->multiplier + cb * step, q->shift + cb * step, step,
                                  out0 + (cb - c_begin), out1 + (cb - c_begin));
    }
}
#endif

#if !NNCUBE_MM_ASM
/* Two rows, portable: channel pair by channel pair, then the chunk's requantization. */
static __attribute__((noinline)) void nncube_mm_two_rows(const nncube_matmul_s8_args *m, int32_t c_begin,
                                                         int32_t c_end, const int8_t *a0, const int8_t *a1,
                                                         int8_t *out0, int8_t *out1)
{
    const nncube_quant_s8 *q = m->q;
    nncube_mm_stage st;
    const int32_t depth = m->depth;
    const int32_t row_bytes = (depth + 3) / 4 * 4;
    const int32_t wo = q->filter_offset;
    const int32_t sum0 = wo != 0 ? wo * nncube_mm_row_sum(a0, depth, q->input_offset) : 0;
    const int32_t sum1 = wo != 0 ? wo * nncube_mm_row_sum(a1, depth, q->input_offset) : 0;
    static const int32_t no_bias[2] = {0, 0};
    const int32_t step = m->per_channel ? 1 : 0; /* per-tensor: entry 0 for every channel */
    const int32_t bias_step = m->bias != NULL ? 1 : 0;
    const int32_t *bias = m->bias != NULL ? m->bias + c_begin : no_bias;
    const int8_t *w = m->filter + (size_t)c_begin * row_bytes;
    int32_t acc[2 * NNCUBE_MM_CHUNK];
    int32_t cb;
    st.output_offset = q->output_offset;
    st.act_min = q->act_min;
    st.act_max = q->act_max;
    for (cb = c_begin; cb < c_end; cb += NNCUBE_MM_CHUNK) {
        const int32_t n = c_end - cb < NNCUBE_MM_CHUNK ? c_end - cb : NNCUBE_MM_CHUNK;
        int32_t *a = acc;
        int32_t i;
        /* Channel pairs with walking pointers (few live values: measured fewer spills than indexing). */
        for (i = 0; i < n / 2; ++i, a += 4, w += 2 * row_bytes, bias += 2 * bias_step) {
            const int32_t b0 = bias[0], b1 = bias[bias_step];
            a[0] = b0 + sum0;
            a[1] = b0 + sum1;
            a[2] = b1 + sum0;
            a[3] = b1 + sum1;
            nncube_mm_block2x2(a0, a1, w, depth, a);
        }
        if (n % 2 == 1) {
            /* The odd last channel, stored alone (at w). */
            a[0] = bias[0] + sum0 + nncube_mm_block1x1(a0, w, depth);
            a[1] = bias[0] + sum1 + nncube_mm_block1x1(a1, w, depth);
        }
        nncube_mm_requantize_rows(&st, acc, n, q->multiplier + cb * step, q->shift + cb * step, step,
                                  out0 + (cb - c_begin), out1 + (cb - c_begin));
    }
}
#endif

/* A dispatcher only (each path is a function of its own, tail-called, so the stack holds one path's frame). */
void nncube_matmul_s8(const nncube_matmul_s8_args *m, int32_t c_begin, int32_t c_end, const int8_t *a0,
                      const int8_t *a1, int8_t *out0, int8_t *out1)
{
    if (a1 == NULL) {
        nncube_mm_single_row(m, c_begin, c_end, a0, out0);
#if NNCUBE_MM_ASM
    } else {
        nncube_mm_two_rows_wide(m, c_begin, c_end, a0, a1, out0, out1);
#else
    } else {
        nncube_mm_two_rows(m, c_begin, c_end, a0, a1, out0, out1);
#endif
    }
}
