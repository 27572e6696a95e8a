/*
 * nncube runtime: int8 convolutions of first layers (few input channels, short patches: 3x3 on 1 to 4 channels),
 * nncube_conv2d_s8_first. The code generator calls it instead of nncube_conv2d_s8 for such layers, so networks
 * without one do not link it (docs/kernels.md, "First layers").
 *
 * Once per call the filter is re-arranged on the stack into 16-bit lanes (doubled, with the doubled bias: the sums
 * are twice the accumulator, what the narrow requantization takes) in the order the patches are widened: each
 * kernel row's whole 4-byte groups as SXTB16 / SXTB16 ROR #8 words, then the rows' leftover bytes (one per row
 * for 3x3 on 3 channels) paired across rows. Then per pair of output pixels both patches are widened into that
 * order straight from the input (windows inside the image) or from an int8 patch gathered by nncube_conv_row_s8
 * (border windows), and every block of 4 output channels is one unrolled run of SMLADs over the patch words with
 * the 8 sums (2 pixels x 4 channels) in registers, followed by the output stage of the 8 values (SMMULR, two adds,
 * a shift, SSAT: the output offset folded into the rounding constant). Layers outside the path's conditions
 * (checked once per call) go to nncube_conv2d_s8.
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"
#include "nncube_simd.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#endif

/* Widened words of one patch: 3x3 on 4 channels (the unrolled product block has this many steps). */
#define NNCUBE_FIRST_MAX_WORDS 18
/* Output channels (the per-channel records and the re-arranged filter live on the stack). */
#define NNCUBE_FIRST_MAX_CHANNELS 32
/* Words of the per-block records (blocks * (4 * words + 16)): 1.5 KiB of stack. */
#define NNCUBE_FIRST_MAX_RECORD_WORDS 384
/* A block's record: its 4 channels' filter words (4 * words), then their doubled biases (4) and requantization
 * records (multiplier, rounding constant with the output offset, right shift: 12). */
#define NNCUBE_FIRST_EXTRA 16
/* Largest right shift for which the output offset folds into the rounding constant with every sum in int32. */
#define NNCUBE_FIRST_FOLD_MAX_RIGHT 22

#if defined(__GNUC__)
#define NNCUBE_FIRST_NOINLINE __attribute__((noinline))
#define NNCUBE_FIRST_ALWAYS_INLINE __attribute__((always_inline))
#else
#define NNCUBE_FIRST_NOINLINE
#define NNCUBE_FIRST_ALWAYS_INLINE
#endif

/* The widened order of a patch: per kernel row `groups` whole 4-byte groups (two words each), then the `tail`
 * leftover bytes of every row, two per word. */
typedef struct {
    int32_t groups, tail, words;
    size_t row_bytes;
} nncube_first_order;

/* Everything the pixel loop needs, built once per call. */
typedef struct {
    nncube_first_order order;
    int32_t blocks;                                 /* blocks of 4 output channels (the last one may be partial) */
    int32_t clamp, lo, hi;                          /* clamp after SSAT: a fused activation narrower than int8 */
    int32_t y_lo, y_hi, x_lo, x_hi;                 /* output pixels whose window lies inside the image */
    size_t x_step, row_step;                        /* input bytes between windows across, kernel rows down */
    int32_t stride;                                 /* words per block record: 4 * words + NNCUBE_FIRST_EXTRA */
    uint32_t record[NNCUBE_FIRST_MAX_RECORD_WORDS]; /* per block of 4 channels (a padding channel is all zeros) */
} nncube_first_plan;
/* Bytes 0 and 2 of v as two sign-extended 16-bit lanes (SXTB16). */
static inline uint32_t nncube_first_even(uint32_t v)
{
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    return __sxtb16(v);
#else
    return ((uint32_t)(uint16_t)(int16_t)(int8_t)(v & 0xffu)) | ((uint32_t)(uint16_t)(int16_t)(int8_t)(v >> 16) << 16);
#endif
}

/* Bytes 1 and 3 of v as two sign-extended 16-bit lanes (SXTB16 ROR #8). */
static inline uint32_t nncube_first_odd(uint32_t v)
{
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__GNUC__) && defined(__thumb2__)
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
#else
    return nncube_first_even(v >> 8);
#endif
}

/* Two int16 values as the lanes of one word. */
static inline uint32_t nncube_first_pair(int32_t lo, int32_t hi)
{
    return (uint32_t)(uint16_t)lo | ((uint32_t)(uint16_t)hi << 16);
}

/* The widened order for the layer, 0 when its patch is too long for the path. */
static int nncube_first_plan_order(const nncube_window *w, nncube_first_order *o)
{
    o->row_bytes = (size_t)w->k_w * w->in_c;
    o->groups = (int32_t)(o->row_bytes / 4);
    o->tail = (int32_t)(o->row_bytes % 4);
    o->words = w->k_h * (2 * o->groups) + (w->k_h * o->tail + 1) / 2;
    return o->words <= NNCUBE_FIRST_MAX_WORDS;
}

/* Channel c's widened filter words (doubled) into the plan in the order of nncube_first_widen; returns
 * 128 * sum |w|, the most its products can add to a sum. */
static int64_t nncube_first_plan_channel(const nncube_window *w, const int8_t *filter, int32_t c,
                                         nncube_first_plan *pl)
{
    const nncube_first_order *o = &pl->order;
    const int32_t depth = w->k_h * w->k_w * w->in_c, row_bytes = (int32_t)o->row_bytes;
    uint32_t *dst = pl->record + (size_t)(c / 4) * pl->stride + c % 4;
    int32_t lane[NNCUBE_FIRST_MAX_WORDS * 2];
    int32_t r, g, i, n = 0;
    int64_t bound = 0;
    for (r = 0; r < w->k_h; ++r) {
        for (g = 0; g < o->groups; ++g) {
            for (i = 0; i < 4; ++i) {
                /* Word pairs: bytes 0 and 2 (SXTB16), then 1 and 3 (SXTB16 ROR #8). */
                lane[n + (i % 2) * 2 + i / 2] = r * row_bytes + 4 * g + i;
            }
            n += 4;
        }
    }
    for (r = 0; r < w->k_h; ++r) {
        for (i = 0; i < o->tail; ++i) {
            lane[n++] = r * row_bytes + 4 * o->groups + i;
        }
    }
    if (n % 2 == 1) {
        lane[n++] = -1;
    }
    for (i = 0; i < n; ++i) {
        lane[i] = c < w->out_c && lane[i] >= 0 ? nncube_matmul_weight(filter, depth, w->out_c, c, lane[i]) : 0;
        bound += 128 * (int64_t)(lane[i] < 0 ? -lane[i] : lane[i]);
    }
    for (i = 0; i < n; i += 2) {
        dst[2 * i] = nncube_first_pair(2 * lane[i], 2 * lane[i + 1]);
    }
    return bound;
}

/* The range [*lo, *hi) of output coordinates whose window (span input values from o * stride - pad) lies inside
 * [0, size). */
static void nncube_first_inside(int32_t out, int32_t stride, int32_t pad, int32_t span, int32_t size, int32_t *lo,
                                int32_t *hi)
{
    for (*lo = 0; *lo < out && *lo * stride - pad < 0; ++*lo) {
    }
    for (*hi = *lo; *hi < out && *hi * stride - pad + span <= size; ++*hi) {
    }
}

/* Fills the plan; 0 when the layer is outside the path: per-channel requantization with right shifts in [1, 22]
 * and multipliers >= 0, every accumulator bounded by 2^30 (|bias| + 128 * sum |w|), no filter offset, a bias. */
static int nncube_first_plan_init(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *filter,
                                  const int32_t *bias, nncube_first_plan *pl)
{
    int32_t c;
    pl->blocks = (w->out_c + 3) / 4;
    if (bias == NULL || q->filter_offset != 0 || 4 * pl->blocks > NNCUBE_FIRST_MAX_CHANNELS ||
        !nncube_first_plan_order(w, &pl->order)) {
        return 0;
    }
    pl->stride = 4 * pl->order.words + NNCUBE_FIRST_EXTRA;
    if (pl->blocks * pl->stride > NNCUBE_FIRST_MAX_RECORD_WORDS) {
        return 0;
    }
    for (c = 0; c < 4 * pl->blocks; ++c) {
        const int32_t right = c < w->out_c ? -q->shift[c] : 1;
        const int32_t b = c < w->out_c ? bias[c] : 0;
        const int64_t bound = (b < 0 ? -(int64_t)b : (int64_t)b) + nncube_first_plan_channel(w, filter, c, pl);
        if (right < 1 || right > NNCUBE_FIRST_FOLD_MAX_RIGHT || (c < w->out_c && q->multiplier[c] < 0) ||
            bound >= ((int64_t)1 << 30)) {
            return 0;
        }
        {
            uint32_t *r = pl->record + (size_t)(c / 4) * pl->stride + 4 * pl->order.words;
            r[c % 4] = (uint32_t)(2 * b);
            r += 4 + 3 * (c % 4);
            r[0] = c < w->out_c ? (uint32_t)q->multiplier[c] : 0;
            r[1] = (((uint32_t)1 << right) >> 1) + ((uint32_t)q->output_offset << right);
            r[2] = (uint32_t)right;
        }
    }
    pl->clamp = q->act_min > INT8_MIN || q->act_max < INT8_MAX;
    pl->lo = q->act_min;
    pl->hi = q->act_max;
    pl->x_step = (size_t)w->stride_w * w->in_c;
    pl->row_step = (size_t)w->dilation_h * w->in_w * w->in_c;
    nncube_first_inside(w->out_h, w->stride_h, w->pad_top, (w->k_h - 1) * w->dilation_h + 1, w->in_h, &pl->y_lo,
                        &pl->y_hi);
    /* With horizontal dilation every window is gathered (the range is left empty). */
    nncube_first_inside(w->out_w, w->stride_w, w->pad_left, w->dilation_w == 1 ? w->k_w : w->in_w + 1, w->in_w,
                        &pl->x_lo, &pl->x_hi);
    return 1;
}

/* Widens the patch whose kernel rows start at src, `step` bytes apart, into dst[0], dst[2], dst[4], ... in the
 * plan's order (the other pixel of the pair has the odd words). Inlined with constant geometry for 3x3 on 3
 * channels. */
static inline NNCUBE_FIRST_ALWAYS_INLINE void nncube_first_widen(const int8_t *src, size_t step, int32_t k_h,
                                                                  int32_t groups, int32_t tail, uint32_t *dst)
{
    const int8_t *row = src;
    int32_t r, g, t = 0;
    uint32_t half = 0;
    for (r = 0; r < k_h; ++r, row += step) {
        for (g = 0; g < groups; ++g, dst += 4) {
            const uint32_t v = nncube_load4(row + 4 * g);
            dst[0] = nncube_first_even(v);
            dst[2] = nncube_first_odd(v);
        }
    }
    for (r = 0, row = src + 4 * groups; r < k_h; ++r, row += step) {
        for (g = 0; g < tail; ++g, ++t) {
            if (t % 2 == 0) {
                half = (uint32_t)(uint16_t)(int16_t)row[g];
            } else {
                dst[0] = half | ((uint32_t)(uint16_t)(int16_t)row[g] << 16);
                dst += 2;
            }
        }
    }
    if (t % 2 == 1) {
        dst[0] = half;
    }
}

/* nncube_first_widen for 3x3 windows on 3 channels (9-byte kernel rows): per row the words at bytes 0 and 4
 * widened, then byte 8 of rows 0 and 1 as one word and byte 8 of row 2 alone. */
static inline NNCUBE_FIRST_ALWAYS_INLINE void nncube_first_widen_3x3c3(const int8_t *src, size_t step, uint32_t *dst)
{
    const int8_t *r1 = src + step, *r2 = r1 + step;
    uint32_t v = nncube_load4(src), u = nncube_load4(src + 4);
    dst[0] = nncube_first_even(v);
    dst[2] = nncube_first_odd(v);
    dst[4] = nncube_first_even(u);
    dst[6] = nncube_first_odd(u);
    v = nncube_load4(r1);
    u = nncube_load4(r1 + 4);
    dst[8] = nncube_first_even(v);
    dst[10] = nncube_first_odd(v);
    dst[12] = nncube_first_even(u);
    dst[14] = nncube_first_odd(u);
    v = nncube_load4(r2);
    u = nncube_load4(r2 + 4);
    dst[16] = nncube_first_even(v);
    dst[18] = nncube_first_odd(v);
    dst[20] = nncube_first_even(u);
    dst[22] = nncube_first_odd(u);
    dst[24] = nncube_first_pair(src[8], r1[8]);
    dst[26] = (uint32_t)(uint16_t)(int16_t)r2[8];
}

/* nncube_first_widen_3x3c3 for two windows `xs` bytes apart at once (both pixels of a pair inside the image on
 * one output row), each pair of words stored side by side: on DSP builds one assembly block, per kernel row 4 LDR,
 * 8 SXTB16, 4 STRD, then the rows' last bytes with 6 LDRSB and 2 PKHBT (the lane after row 2's byte meets a zero
 * filter lane, so its sign bits may stay): 64 instructions for the two patches. */
static inline NNCUBE_FIRST_ALWAYS_INLINE void nncube_first_widen_pair_3x3c3(const int8_t *s0, size_t xs, size_t step,
                                                                            uint32_t *dst)
{
    const int8_t *s1 = s0 + xs;
#if NNCUBE_MATMUL_WIDENED
    uint32_t v0, v1, e0, e1, t0, t1, b0, b1;
    __asm__ volatile(".irp r, 0,1,2\n\t"
                     "ldr %[v0], [%[s0]]\n\t"
                     "ldr %[v1], [%[s1]]\n\t"
                     "sxtb16 %[e0], %[v0]\n\t"
                     "sxtb16 %[e1], %[v1]\n\t"
                     "strd %[e0], %[e1], [%[d], #(32 * \\r)]\n\t"
                     "sxtb16 %[e0], %[v0], ror #8\n\t"
                     "sxtb16 %[e1], %[v1], ror #8\n\t"
                     "strd %[e0], %[e1], [%[d], #(32 * \\r + 8)]\n\t"
                     "ldr %[v0], [%[s0], #4]\n\t"
                     "ldr %[v1], [%[s1], #4]\n\t"
                     "sxtb16 %[e0], %[v0]\n\t"
                     "sxtb16 %[e1], %[v1]\n\t"
                     "strd %[e0], %[e1], [%[d], #(32 * \\r + 16)]\n\t"
                     "sxtb16 %[e0], %[v0], ror #8\n\t"
                     "sxtb16 %[e1], %[v1], ror #8\n\t"
                     "strd %[e0], %[e1], [%[d], #(32 * \\r + 24)]\n\t"
                     ".if \\r == 0\n\t"
                     "ldrsb %[t0], [%[s0], #8]\n\t"
                     "ldrsb %[t1], [%[s1], #8]\n\t"
                     ".elseif \\r == 1\n\t"
                     "ldrsb %[b0], [%[s0], #8]\n\t"
                     "ldrsb %[b1], [%[s1], #8]\n\t"
                     "pkhbt %[t0], %[t0], %[b0], lsl #16\n\t"
                     "pkhbt %[t1], %[t1], %[b1], lsl #16\n\t"
                     "strd %[t0], %[t1], [%[d], #96]\n\t"
                     ".else\n\t"
                     "ldrsb %[t0], [%[s0], #8]\n\t"
                     "ldrsb %[t1], [%[s1], #8]\n\t"
                     "strd %[t0], %[t1], [%[d], #104]\n\t"
                     ".endif\n\t"
                     ".if \\r < 2\n\t"
                     "add %[s0], %[s0], %[step]\n\t"
                     "add %[s1], %[s1], %[step]\n\t"
                     ".endif\n\t"
                     ".endr\n\t"
                     : [s0] "+&r"(s0), [s1] "+&r"(s1), [v0] "=&r"(v0), [v1] "=&r"(v1), [e0] "=&r"(e0),
                       [e1] "=&r"(e1), [t0] "=&r"(t0), [t1] "=&r"(t1), [b0] "=&r"(b0), [b1] "=&r"(b1)
                     : [d] "r"(dst), [step] "r"(step)
                     : "memory");
#else
    int32_t r;
    for (r = 0; r < 3; ++r, dst += 8) {
        const uint32_t v0 = nncube_load4(s0 + r * step), v1 = nncube_load4(s1 + r * step);
        const uint32_t u0 = nncube_load4(s0 + r * step + 4), u1 = nncube_load4(s1 + r * step + 4);
        dst[0] = nncube_first_even(v0);
        dst[1] = nncube_first_even(v1);
        dst[2] = nncube_first_odd(v0);
        dst[3] = nncube_first_odd(v1);
        dst[4] = nncube_first_even(u0);
        dst[5] = nncube_first_even(u1);
        dst[6] = nncube_first_odd(u0);
        dst[7] = nncube_first_odd(u1);
    }
    dst[0] = nncube_first_pair(s0[8], s0[step + 8]);
    dst[1] = nncube_first_pair(s1[8], s1[step + 8]);
    dst[2] = (uint32_t)(uint16_t)(int16_t)s0[2 * step + 8];
    dst[3] = (uint32_t)(uint16_t)(int16_t)s1[2 * step + 8];
#endif
}

/* Requantized output of the doubled sum s2 with the record r (multiplier, rounding constant, right shift),
 * saturated to int8: what the assembly output stage computes. */
static inline int8_t nncube_first_output(int32_t s2, const uint32_t *r)
{
    const int32_t s = nncube_mulhi_round(s2, (int32_t)r[0]);
    const int32_t v = (s + (s >> 31) + (int32_t)r[1]) >> (int32_t)r[2];
    return (int8_t)(v < INT8_MIN ? INT8_MIN : (v > INT8_MAX ? INT8_MAX : v));
}

#if NNCUBE_MATMUL_WIDENED
/* The steps of the product block: word j of both patches (one LDRD) against word j of the block's 4 channels (two
 * LDRDs), 8 SMLADs. Step s reads word j = s - (MAX - words): the block is entered at step MAX - words, so the
 * offsets from the end pointers are constants. 11 instructions, 44 bytes a step. */
#define NNCUBE_FIRST_STEPS                                                                                             \
    ".irp s, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n\t"                                                          \
    "ldrd %[x0], %[x1], [%[pp], #(8 * \\s - 144)]\n\t"                                                                 \
    "ldrd %[w0], %[w1], [%[wp], #(16 * \\s - 288)]\n\t"                                                                \
    "smlad %[a00], %[x0], %[w0], %[a00]\n\t"                                                                           \
    "smlad %[a01], %[x0], %[w1], %[a01]\n\t"                                                                           \
    "smlad %[a10], %[x1], %[w0], %[a10]\n\t"                                                                           \
    "smlad %[a11], %[x1], %[w1], %[a11]\n\t"                                                                           \
    "ldrd %[w0], %[w1], [%[wp], #(16 * \\s - 280)]\n\t"                                                                \
    "smlad %[a02], %[x0], %[w0], %[a02]\n\t"                                                                           \
    "smlad %[a03], %[x0], %[w1], %[a03]\n\t"                                                                           \
    "smlad %[a12], %[x1], %[w0], %[a12]\n\t"                                                                           \
    "smlad %[a13], %[x1], %[w1], %[a13]\n\t"                                                                           \
    ".endr\n\t"
/* Channel i's output stage for both pixels: its multiplier and rounding constant (after the biases), SMMULR, its
 * right shift loaded over the multiplier, the sign and the constant added, the shift, SSAT and the store (the two
 * output row pointers in x0 and x1). */
#define NNCUBE_FIRST_OUT(i)                                                                                            \
    "ldrd %[w0], %[w1], [%[wp], #(16 + 12 * " #i ")]\n\t"                                                              \
    "smmulr %[a0" #i "], %[a0" #i "], %[w0]\n\t"                                                                       \
    "smmulr %[a1" #i "], %[a1" #i "], %[w0]\n\t"                                                                       \
    "ldr %[w0], [%[wp], #(24 + 12 * " #i ")]\n\t"                                                                      \
    "add %[a0" #i "], %[a0" #i "], %[a0" #i "], asr #31\n\t"                                                           \
    "add %[a1" #i "], %[a1" #i "], %[a1" #i "], asr #31\n\t"                                                           \
    "add %[a0" #i "], %[a0" #i "], %[w1]\n\t"                                                                          \
    "add %[a1" #i "], %[a1" #i "], %[w1]\n\t"                                                                          \
    "asr %[a0" #i "], %[a0" #i "], %[w0]\n\t"                                                                          \
    "asr %[a1" #i "], %[a1" #i "], %[w0]\n\t"                                                                          \
    "ssat %[a0" #i "], #8, %[a0" #i "]\n\t"                                                                            \
    "ssat %[a1" #i "], #8, %[a1" #i "]\n\t"                                                                            \
    "strb %[a0" #i "], [%[x0], #" #i "]\n\t"                                                                           \
    "strb %[a1" #i "], [%[x1], #" #i "]\n\t"
#endif

/* The words after a pair's patch words (nncube_first_blocks reads them; the assembly loop steps the first two;
 * the pixel loop sets the stride and the entry offset once per call). */
enum { NNCUBE_FIRST_OUT0, NNCUBE_FIRST_OUT1, NNCUBE_FIRST_STRIDE, NNCUBE_FIRST_END, NNCUBE_FIRST_ENTRY, NNCUBE_FIRST_CTX };

/* Pixels p and p + 1 (patch: their words interleaved, then the context words above) against `n` blocks of 4
 * channels from record `rec`, their outputs to out0 and out1 (4 per block): per block the 8 sums from the doubled
 * biases, the patch words, the outputs saturated to int8 and stored. On DSP builds one assembly loop over the
 * blocks (14 registers: 8 sums, 4 temporaries, the context and record pointers). */
static NNCUBE_FIRST_NOINLINE void nncube_first_blocks(const nncube_first_plan *pl, const uint32_t *rec, int32_t n,
                                                      uint32_t *patch, int8_t *out0, int8_t *out1)
{
    const int32_t words = pl->order.words;
    uint32_t *ctx = patch + 2 * words;
#if NNCUBE_MATMUL_WIDENED
    int32_t a00, a01, a02, a03, a10, a11, a12, a13;
    uint32_t x0, x1, w0, w1;
    const uint32_t *pp = ctx, *wp = rec + 4 * words;
    ctx[NNCUBE_FIRST_OUT0] = (uint32_t)(uintptr_t)out0;
    ctx[NNCUBE_FIRST_OUT1] = (uint32_t)(uintptr_t)out1;
    ctx[NNCUBE_FIRST_END] = (uint32_t)(uintptr_t)(wp + (size_t)n * pl->stride);
    __asm__ volatile("0:\n\t"
                     "ldrd %[a00], %[a01], [%[wp]]\n\t"
                     "ldrd %[a02], %[a03], [%[wp], #8]\n\t"
                     "mov %[a10], %[a00]\n\t"
                     "mov %[a11], %[a01]\n\t"
                     "mov %[a12], %[a02]\n\t"
                     "mov %[a13], %[a03]\n\t"
                     "ldr %[x0], [%[pp], #16]\n\t"
                     "adr.w %[x1], 1f\n\t"
                     "add %[x1], %[x1], %[x0]\n\t"
                     "orr %[x1], %[x1], #1\n\t"
                     "bx %[x1]\n\t"
                     ".balign 4\n"
                     "1:\n\t" NNCUBE_FIRST_STEPS "ldrd %[x0], %[x1], [%[pp]]\n\t" NNCUBE_FIRST_OUT(0)
                         NNCUBE_FIRST_OUT(1) NNCUBE_FIRST_OUT(2) NNCUBE_FIRST_OUT(3) "adds %[x0], %[x0], #4\n\t"
                     "adds %[x1], %[x1], #4\n\t"
                     "strd %[x0], %[x1], [%[pp]]\n\t"
                     "ldrd %[w0], %[w1], [%[pp], #8]\n\t"
                     "add %[wp], %[wp], %[w0]\n\t"
                     "cmp %[wp], %[w1]\n\t"
                     "bne 0b\n\t"
                     : [a00] "=&r"(a00), [a01] "=&r"(a01), [a02] "=&r"(a02), [a03] "=&r"(a03), [a10] "=&r"(a10),
                       [a11] "=&r"(a11), [a12] "=&r"(a12), [a13] "=&r"(a13), [x0] "=&r"(x0), [x1] "=&r"(x1),
                       [w0] "=&r"(w0), [w1] "=&r"(w1), [wp] "+&r"(wp)
                     : [pp] "r"(pp)
                     : "memory", "cc");
#else
    int32_t a[2][4], i, j, px, blk;
    (void)ctx;
    for (blk = 0; blk < n; ++blk, rec += pl->stride, out0 += 4, out1 += 4) {
        const uint32_t *bias2 = rec + 4 * words;
        for (i = 0; i < 4; ++i) {
            a[0][i] = a[1][i] = (int32_t)bias2[i];
        }
        for (j = 0; j < words; ++j) {
            for (px = 0; px < 2; ++px) {
                const uint32_t v = patch[2 * j + px];
                for (i = 0; i < 4; ++i) {
                    const uint32_t f = rec[4 * j + i];
                    /* Additions modulo 2^32 like SMLAD (the plan's bound keeps every sum inside int32 anyway). */
                    a[px][i] = (int32_t)((uint32_t)a[px][i] +
                                         (uint32_t)((int16_t)(v & 0xffffu) * (int16_t)(f & 0xffffu) +
                                                    (int16_t)(v >> 16) * (int16_t)(f >> 16)));
                }
            }
        }
        for (i = 0; i < 4; ++i) {
            const int8_t v0 = nncube_first_output(a[0][i], bias2 + 4 + 3 * i);
            const int8_t v1 = nncube_first_output(a[1][i], bias2 + 4 + 3 * i);
            out0[i] = v0;
            out1[i] = v1;
        }
    }
#endif
}

/* Pixels p and p + 1 against every block of 4 channels (nncube_first_blocks); a last partial block writes through
 * a scratch row; a fused activation narrower than int8 is clamped afterwards. */
static inline NNCUBE_FIRST_ALWAYS_INLINE void nncube_first_pixels(const nncube_first_plan *pl, int32_t out_c,
                                                                   uint32_t *patch, int8_t *out0, int8_t *out1)
{
    const int32_t whole = out_c / 4;
    int32_t i;
    if (whole > 0) {
        nncube_first_blocks(pl, pl->record, whole, patch, out0, out1);
    }
    if (out_c % 4 != 0) {
        int8_t scratch[8];
        nncube_first_blocks(pl, pl->record + (size_t)whole * pl->stride, 1, patch, scratch, scratch + 4);
        for (i = 4 * whole; i < out_c; ++i) {
            out0[i] = scratch[i % 4];
            out1[i] = scratch[4 + i % 4];
        }
    }
    if (pl->clamp) {
        for (i = 0; i < out_c; ++i) {
            out0[i] = (int8_t)nncube_clamp_i32(out0[i], pl->lo, pl->hi);
            out1[i] = (int8_t)nncube_clamp_i32(out1[i], pl->lo, pl->hi);
        }
    }
}

/* Moves (b, y) to the next output row: whether its windows can lie inside the image vertically, and the input
 * byte of its window (b, y, 0)'s top-left tap (may lie outside the image; only used for windows inside it). */
static inline void nncube_first_next_row(const nncube_window *w, const nncube_first_plan *pl, const int8_t *input,
                                         int32_t *b, int32_t *y, int *inside_row, const int8_t **row)
{
    if (++*y == w->out_h) {
        *y = 0;
        ++*b;
    }
    *inside_row = *y >= pl->y_lo && *y < pl->y_hi;
    *row = input +
           ((ptrdiff_t)(*b * w->in_h + *y * w->stride_h - w->pad_top) * w->in_w - w->pad_left) * w->in_c;
}

/* The pixel loop: pairs in NHWC order, both patches widened before any output of the pair is written; an odd
 * last pixel writes its partner's outputs to a scratch row. Windows inside the image are widened straight from the
 * input, their address stepped along the output row; `is_3x3c3` selects the inlined widening of 3x3 windows on 3
 * channels. */
static inline NNCUBE_FIRST_ALWAYS_INLINE void nncube_first_run(const nncube_window *w, const nncube_quant_s8 *q,
                                                                const nncube_first_plan *pl, int is_3x3c3,
                                                                const int8_t *input, int8_t *output)
{
    uint32_t patch[2 * NNCUBE_FIRST_MAX_WORDS + NNCUBE_FIRST_CTX] = {0};
    int8_t scratch[NNCUBE_FIRST_MAX_CHANNELS];
    int8_t tmp[4 * NNCUBE_FIRST_MAX_WORDS];
    const int8_t *src;
    size_t step;
    const nncube_first_order *o = &pl->order;
    const int32_t pixels = w->batches * w->out_h * w->out_w;
    const int32_t out_c = w->out_c;
    int32_t b = 0, y = 0, x = 0, p, i;
    int inside_row = 0;
    const int8_t *row = input;
    patch[2 * o->words + NNCUBE_FIRST_STRIDE] = 4u * (uint32_t)pl->stride;
    patch[2 * o->words + NNCUBE_FIRST_ENTRY] = (uint32_t)(NNCUBE_FIRST_MAX_WORDS - o->words) * 44u;
    y = -1; /* nncube_first_next_row moves to row 0 */
    nncube_first_next_row(w, pl, input, &b, &y, &inside_row, &row);
    for (p = 0; p < pixels; p += 2) {
        int8_t *out0 = output + (size_t)p * out_c;
        int8_t *out1 = out0 + out_c;
        if (is_3x3c3 && inside_row && x >= pl->x_lo && x + 1 < pl->x_hi && p + 1 < pixels) {
            /* Both windows inside the image, on one output row. */
            nncube_first_widen_pair_3x3c3(row + (size_t)x * pl->x_step, pl->x_step, pl->row_step, patch);
            x += 2;
            if (x == w->out_w) {
                x = 0;
                nncube_first_next_row(w, pl, input, &b, &y, &inside_row, &row);
            }
            nncube_first_pixels(pl, out_c, patch, out0, out1);
            continue;
        }
        for (i = 0; i < 2; ++i) {
            if (p + i == pixels) {
                out1 = scratch;
                break;
            }
            /* Windows inside the image are read in place; border windows (or horizontal dilation) are gathered by
             * nncube_conv_row_s8 (taps outside the image hold the input zero point, so they add nothing). */
            if (inside_row && x >= pl->x_lo && x < pl->x_hi) {
                src = row + (size_t)x * pl->x_step;
                step = pl->row_step;
            } else {
                src = nncube_conv_row_s8(w, q->input_offset, input, b, y, x, tmp);
                step = o->row_bytes;
            }
            if (is_3x3c3) {
                nncube_first_widen_3x3c3(src, step, patch + i);
            } else {
                nncube_first_widen(src, step, w->k_h, o->groups, o->tail, patch + i);
            }
            if (++x == w->out_w) {
                x = 0;
                nncube_first_next_row(w, pl, input, &b, &y, &inside_row, &row);
            }
        }
        nncube_first_pixels(pl, out_c, patch, out0, out1);
    }
}

/* Builds the plan and runs the layer; 0 (nothing written) when the layer is outside the path. A function of its
 * own, so that its frame (the plan: about 1.6 KiB) is gone before nncube_conv2d_s8 runs instead. */
static NNCUBE_FIRST_NOINLINE int nncube_first_try(const nncube_window *w, const nncube_quant_s8 *q,
                                                  const int8_t *input, const int8_t *filter, const int32_t *bias,
                                                  int8_t *output)
{
    nncube_first_plan pl;
    if (!nncube_first_plan_init(w, q, filter, bias, &pl)) {
        return 0;
    }
    if (w->k_h == 3 && pl.order.groups == 2 && pl.order.tail == 1) {
        nncube_first_run(w, q, &pl, 1, input, output);
    } else {
        nncube_first_run(w, q, &pl, 0, input, output);
    }
    return 1;
}

void nncube_conv2d_s8_first(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                            const int8_t *filter, const int32_t *bias, int8_t *output)
{
    if (!nncube_first_try(w, q, input, filter, bias, output)) {
        nncube_conv2d_s8(w, q, input, filter, bias, output);
    }
}
