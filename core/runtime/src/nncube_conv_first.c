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
/* Re-arranged filter words (out_c * words): 1 KiB of stack. */
#define NNCUBE_FIRST_MAX_FILTER_WORDS 256
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
    uint32_t filter[NNCUBE_FIRST_MAX_FILTER_WORDS]; /* per block of 4 channels, per word: the 4 channels' words */
    int32_t bias2[NNCUBE_FIRST_MAX_CHANNELS];       /* twice the folded bias (0 for padding channels) */
    uint32_t record[NNCUBE_FIRST_MAX_CHANNELS][3];  /* multiplier, rounding constant with the offset, right shift */
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
    uint32_t *dst = pl->filter + (size_t)(c / 4) * o->words * 4 + c % 4;
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
        !nncube_first_plan_order(w, &pl->order) || 4 * pl->blocks * pl->order.words > NNCUBE_FIRST_MAX_FILTER_WORDS) {
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
        pl->bias2[c] = 2 * b;
        pl->record[c][0] = c < w->out_c ? (uint32_t)q->multiplier[c] : 0;
        pl->record[c][1] = (((uint32_t)1 << right) >> 1) + ((uint32_t)q->output_offset << right);
        pl->record[c][2] = (uint32_t)right;
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

/* The patch of border pixel (b, y, x) (its window crosses the image's edge, or the layer has horizontal
 * dilation): gathered into tmp by nncube_conv_row_s8, then widened into dst. */
static NNCUBE_FIRST_NOINLINE void nncube_first_border_pixel(const nncube_window *w, const nncube_quant_s8 *q,
                                                            const nncube_first_plan *pl, const int8_t *input,
                                                            int32_t b, int32_t y, int32_t x, uint32_t *dst)
{
    int8_t tmp[4 * NNCUBE_FIRST_MAX_WORDS];
    const nncube_first_order *o = &pl->order;
    const int8_t *src = nncube_conv_row_s8(w, q->input_offset, input, b, y, x, tmp);
    nncube_first_widen(src, o->row_bytes, w->k_h, o->groups, o->tail, dst);
}

/* One requantized output: the doubled sum s2 through channel record r, saturated to int8, then clamped to
 * [lo, hi] when `clamp` (a fused activation narrower than int8). */
static inline int8_t nncube_first_output(int32_t s2, const uint32_t *r, int clamp, int32_t lo, int32_t hi)
{
    const int32_t s = nncube_mulhi_round(s2, (int32_t)r[0]);
    const int32_t v = (s + (int32_t)r[1] + (s >> 31)) >> (int32_t)r[2];
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    return (int8_t)(clamp ? nncube_clamp_i32(__ssat(v, 8), lo, hi) : __ssat(v, 8));
#else
    (void)clamp;
    return (int8_t)nncube_clamp_i32(v, lo, hi);
#endif
}

#if NNCUBE_MATMUL_WIDENED
/* The steps of the product block: word j of both patches (one LDRD) against word j of 4 channels (two LDRDs), 8
 * SMLADs. Step s reads word j = s - (MAX - words): the block is entered at step MAX - words, so the offsets from
 * the end pointers are constants. 11 instructions, 44 bytes a step. */
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
#endif

/* Pixels p and p + 1 (patch: their words interleaved) against every block of 4 channels: the 8 sums from the
 * doubled biases, the patch words (one unrolled assembly run), then the 8 outputs. A last partial block writes
 * through a scratch row. */
static NNCUBE_FIRST_NOINLINE void nncube_first_pixels(const nncube_first_plan *pl, int32_t out_c, const uint32_t *patch,
                                                    int8_t *out0, int8_t *out1)
{
    const int32_t words = pl->order.words, clamp = pl->clamp, lo = pl->lo, hi = pl->hi;
    int8_t scratch[8];
    int32_t c;
    for (c = 0; c < 4 * pl->blocks; c += 4) {
        const uint32_t *filter = pl->filter + (size_t)c * words;
        const uint32_t *r = pl->record[c];
        int8_t *o0 = c + 4 <= out_c ? out0 + c : scratch;
        int8_t *o1 = c + 4 <= out_c ? out1 + c : scratch + 4;
        int32_t a00 = pl->bias2[c], a01 = pl->bias2[c + 1], a02 = pl->bias2[c + 2], a03 = pl->bias2[c + 3];
        int32_t a10 = a00, a11 = a01, a12 = a02, a13 = a03;
        int8_t v[8];
#if NNCUBE_MATMUL_WIDENED
        {
            uint32_t x0 = (uint32_t)(NNCUBE_FIRST_MAX_WORDS - words) * 44u, x1, w0, w1;
            __asm__ volatile("adr.w %[x1], 1f\n\t"
                             "add %[x1], %[x1], %[x0]\n\t"
                             "orr %[x1], %[x1], #1\n\t"
                             "bx %[x1]\n\t"
                             ".balign 4\n"
                             "1:\n\t" NNCUBE_FIRST_STEPS
                             : [a00] "+r"(a00), [a01] "+r"(a01), [a02] "+r"(a02), [a03] "+r"(a03), [a10] "+r"(a10),
                               [a11] "+r"(a11), [a12] "+r"(a12), [a13] "+r"(a13), [x0] "+r"(x0), [x1] "=&r"(x1),
                               [w0] "=&r"(w0), [w1] "=&r"(w1)
                             : [pp] "r"(patch + 2 * words), [wp] "r"(filter + 4 * words)
                             : "memory");
        }
#else
        {
            int32_t j, i;
            for (j = 0; j < words; ++j) {
                const uint32_t *f = filter + 4 * j;
                const int32_t p0lo = (int16_t)(patch[2 * j] & 0xffffu), p0hi = (int16_t)(patch[2 * j] >> 16);
                const int32_t p1lo = (int16_t)(patch[2 * j + 1] & 0xffffu), p1hi = (int16_t)(patch[2 * j + 1] >> 16);
                int32_t f_lo[4], f_hi[4];
                for (i = 0; i < 4; ++i) {
                    f_lo[i] = (int16_t)(f[i] & 0xffffu);
                    f_hi[i] = (int16_t)(f[i] >> 16);
                }
                /* Additions modulo 2^32 like SMLAD (the plan's bound keeps every sum inside int32 anyway). */
                a00 = (int32_t)((uint32_t)a00 + (uint32_t)(p0lo * f_lo[0] + p0hi * f_hi[0]));
                a01 = (int32_t)((uint32_t)a01 + (uint32_t)(p0lo * f_lo[1] + p0hi * f_hi[1]));
                a02 = (int32_t)((uint32_t)a02 + (uint32_t)(p0lo * f_lo[2] + p0hi * f_hi[2]));
                a03 = (int32_t)((uint32_t)a03 + (uint32_t)(p0lo * f_lo[3] + p0hi * f_hi[3]));
                a10 = (int32_t)((uint32_t)a10 + (uint32_t)(p1lo * f_lo[0] + p1hi * f_hi[0]));
                a11 = (int32_t)((uint32_t)a11 + (uint32_t)(p1lo * f_lo[1] + p1hi * f_hi[1]));
                a12 = (int32_t)((uint32_t)a12 + (uint32_t)(p1lo * f_lo[2] + p1hi * f_hi[2]));
                a13 = (int32_t)((uint32_t)a13 + (uint32_t)(p1lo * f_lo[3] + p1hi * f_hi[3]));
            }
        }
#endif
        /* Values first, stores after (int8 stores may alias the records). */
        v[0] = nncube_first_output(a00, r, clamp, lo, hi);
        v[4] = nncube_first_output(a10, r, clamp, lo, hi);
        v[1] = nncube_first_output(a01, r + 3, clamp, lo, hi);
        v[5] = nncube_first_output(a11, r + 3, clamp, lo, hi);
        v[2] = nncube_first_output(a02, r + 6, clamp, lo, hi);
        v[6] = nncube_first_output(a12, r + 6, clamp, lo, hi);
        v[3] = nncube_first_output(a03, r + 9, clamp, lo, hi);
        v[7] = nncube_first_output(a13, r + 9, clamp, lo, hi);
        o0[0] = v[0];
        o0[1] = v[1];
        o0[2] = v[2];
        o0[3] = v[3];
        o1[0] = v[4];
        o1[1] = v[5];
        o1[2] = v[6];
        o1[3] = v[7];
        if (o0 == scratch) {
            int32_t i;
            for (i = c; i < out_c; ++i) {
                out0[i] = scratch[i - c];
                out1[i] = scratch[4 + i - c];
            }
        }
    }
}

/* The pixel loop: pairs in NHWC order, both patches widened before any output of the pair is written; an odd
 * last pixel writes its partner's outputs to a scratch row. Windows inside the image are widened straight from the
 * input, their address stepped along the output row; `is_3x3c3` selects the inlined widening of 3x3 windows on 3
 * channels. */
static inline NNCUBE_FIRST_ALWAYS_INLINE void nncube_first_run(const nncube_window *w, const nncube_quant_s8 *q,
                                                                const nncube_first_plan *pl, int is_3x3c3,
                                                                const int8_t *input, int8_t *output)
{
    uint32_t patch[2 * NNCUBE_FIRST_MAX_WORDS] = {0};
    int8_t scratch[NNCUBE_FIRST_MAX_CHANNELS];
    const nncube_first_order *o = &pl->order;
    const int32_t pixels = w->batches * w->out_h * w->out_w;
    const int32_t out_c = w->out_c;
    int32_t b = 0, y = 0, x = 0, p, i;
    int inside_row = y >= pl->y_lo && y < pl->y_hi;
    /* The input byte of window (b, y, 0)'s top-left tap (may lie outside the image; only used inside it). */
    const int8_t *row = input + (ptrdiff_t)(-w->pad_top * w->in_w - w->pad_left) * w->in_c;
    for (p = 0; p < pixels; p += 2) {
        int8_t *out0 = output + (size_t)p * out_c;
        int8_t *out1 = out0 + out_c;
        for (i = 0; i < 2; ++i) {
            if (p + i == pixels) {
                out1 = scratch;
                break;
            }
            if (inside_row && x >= pl->x_lo && x < pl->x_hi) {
                const int8_t *src = row + (size_t)x * pl->x_step;
                if (is_3x3c3) {
                    nncube_first_widen(src, pl->row_step, 3, 2, 1, patch + i);
                } else {
                    nncube_first_widen(src, pl->row_step, w->k_h, o->groups, o->tail, patch + i);
                }
            } else {
                nncube_first_border_pixel(w, q, pl, input, b, y, x, patch + i);
            }
            if (++x == w->out_w) {
                x = 0;
                if (++y == w->out_h) {
                    y = 0;
                    ++b;
                }
                inside_row = y >= pl->y_lo && y < pl->y_hi;
                row = input + ((ptrdiff_t)(b * w->in_h + y * w->stride_h - w->pad_top) * w->in_w - w->pad_left) *
                                  w->in_c;
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
