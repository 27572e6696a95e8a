/*
 * nncube runtime: depthwise 2-D convolution (int8 per-channel, float32) with a depth multiplier.
 * Output channel oc = ic * depth_multiplier + m reads input channel ic. Pixels are produced in NHWC order and
 * each output pixel reads only its own window.
 *
 * int8 paths (docs/kernels.md, "Depthwise convolution"), fastest first. Depth multiplier >= 2: the paired-tap path
 * (each window as int16 pairs of taps, one SMLAD per pair and output channel against per-channel records built on
 * the stack once per call). Depth multiplier 1 with a 3x3 window: groups of 4 channels, one 32-bit load bringing 4
 * channels of one tap (channels are contiguous in both the NHWC input and the [1, k_h, k_w, C] filter); on cores
 * with the DSP extension SXTAB16 widens bytes 0/2 and 1/3 to 16-bit lanes while adding the zero-point offset and
 * SMLABB/SMLATT accumulate each channel, the nine taps and the output stage as inline assembly with GCC. Other
 * depth-multiplier-1 layers: the window clipped to the input once, its taps a table of (input, filter) offsets
 * rebuilt only when the clipping changes, accumulation and the division-free output stage as two loops over chunks
 * of 32 channels. Other depth multipliers that are multiples of 4 broadcast one input byte against 4 filter bytes;
 * the rest take a plain loop.
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"
#include "nncube_simd.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define NNCUBE_DW_SIMD 1
#else
#define NNCUBE_DW_SIMD 0
#endif

/* Taps of one output pixel's window that fall inside the input: rows [ky0, ky1), columns [kx0, kx1). */
typedef struct {
    int32_t ky0, ky1, kx0, kx1;
} nncube_dw_span;

/* First k in [0, k) with 0 <= origin + k * dilation, and one past the last with origin + k * dilation < size. */
static void nncube_dw_clip(int32_t origin, int32_t dilation, int32_t k, int32_t size, int32_t *lo, int32_t *hi)
{
    int32_t a = 0;
    int32_t b = k;
    while (a < k && origin + a * dilation < 0) {
        ++a;
    }
    while (b > a && origin + (b - 1) * dilation >= size) {
        --b;
    }
    *lo = a;
    *hi = b;
}

#if NNCUBE_DW_SIMD
/* Channels c..c+3 of one tap: acc[c + i] += (x_i + input_offset) * (f_i + filter_offset). */
#define NNCUBE_DW_TAP4(xp, fp)                                                                                       \
    do {                                                                                                             \
        const uint32_t x_ = nncube_load4(xp);                                                                        \
        const uint32_t f_ = nncube_load4(fp);                                                                        \
        const uint32_t x02_ = __sxtab16(in_off2, x_);                                                                \
        const uint32_t x13_ = __sxtab16(in_off2, (x_ >> 8) | (x_ << 24));                                            \
        const uint32_t f02_ = __sxtab16(f_off2, f_);                                                                 \
        const uint32_t f13_ = __sxtab16(f_off2, (f_ >> 8) | (f_ << 24));                                             \
        a0 = __smlabb(x02_, f02_, a0);                                                                               \
        a2 = __smlatt(x02_, f02_, a2);                                                                               \
        a1 = __smlabb(x13_, f13_, a1);                                                                               \
        a3 = __smlatt(x13_, f13_, a3);                                                                               \
    } while (0)
#else
#define NNCUBE_DW_TAP4(xp, fp)                                                                                       \
    do {                                                                                                             \
        const int8_t *x_ = (xp);                                                                                     \
        const int8_t *f_ = (fp);                                                                                     \
        a0 += ((int32_t)x_[0] + in_off) * ((int32_t)f_[0] + f_off);                                                  \
        a1 += ((int32_t)x_[1] + in_off) * ((int32_t)f_[1] + f_off);                                                  \
        a2 += ((int32_t)x_[2] + in_off) * ((int32_t)f_[2] + f_off);                                                  \
        a3 += ((int32_t)x_[3] + in_off) * ((int32_t)f_[3] + f_off);                                                  \
    } while (0)
#endif

/* Channels per accumulate / requantize round of the depth_multiplier-1 path (int32 accumulators on the stack):
 * two short loops instead of one long one keep every constant of each in registers. */
#define NNCUBE_DW_CHUNK 32

#if defined(__GNUC__)
#define NNCUBE_DW_NOINLINE __attribute__((noinline))
#define NNCUBE_DW_ALWAYS_INLINE __attribute__((always_inline))
#else
#define NNCUBE_DW_NOINLINE
#define NNCUBE_DW_ALWAYS_INLINE
#endif

/* One tap of 4 channels with a symmetric filter (filter offset 0): as NNCUBE_DW_TAP4, one register fewer. */
#if NNCUBE_DW_SIMD
#define NNCUBE_DW_TAP4_SYM(xp, fp)                                                                                   \
    do {                                                                                                             \
        const uint32_t x_ = nncube_load4(xp);                                                                        \
        const uint32_t f_ = nncube_load4(fp);                                                                        \
        const uint32_t x02_ = __sxtab16(in_off2, x_);                                                                \
        const uint32_t x13_ = __sxtab16(in_off2, (x_ >> 8) | (x_ << 24));                                            \
        const uint32_t f02_ = __sxtb16(f_);                                                                          \
        const uint32_t f13_ = __sxtb16((f_ >> 8) | (f_ << 24));                                                      \
        a0 = __smlabb(x02_, f02_, a0);                                                                               \
        a2 = __smlatt(x02_, f02_, a2);                                                                               \
        a1 = __smlabb(x13_, f13_, a1);                                                                               \
        a3 = __smlatt(x13_, f13_, a3);                                                                               \
    } while (0)
#else
#define NNCUBE_DW_TAP4_SYM(xp, fp)                                                                                   \
    do {                                                                                                             \
        const int8_t *x_ = (xp);                                                                                     \
        const int8_t *f_ = (fp);                                                                                     \
        a0 += ((int32_t)x_[0] + in_off) * f_[0];                                                                     \
        a1 += ((int32_t)x_[1] + in_off) * f_[1];                                                                     \
        a2 += ((int32_t)x_[2] + in_off) * f_[2];                                                                     \
        a3 += ((int32_t)x_[3] + in_off) * f_[3];                                                                     \
    } while (0)
#endif

/* Most window taps the table-driven path takes (5x5 kernels); larger windows take the plain loops. */
#define NNCUBE_DW_MAX_TAPS 25

/* The taps of the window span `s` (clipped to the input) for the table-driven path: taps[2t] is tap t's byte offset
 * in the input from the window origin, taps[2t + 1] its offset in the filter. Returns the number of taps. */
static int32_t nncube_dw_build_taps(const nncube_window *w, const nncube_dw_span *s, int32_t *taps)
{
    const int32_t col_step = w->dilation_w * w->in_c;
    const int32_t row_step = w->dilation_h * w->in_w * w->in_c;
    int32_t n = 0;
    int32_t ky, kx;
    for (ky = s->ky0; ky < s->ky1; ++ky) {
        for (kx = s->kx0; kx < s->kx1; ++kx) {
            taps[2 * n] = ky * row_step + kx * col_step;
            taps[2 * n + 1] = (ky * w->k_w + kx) * w->in_c;
            ++n;
        }
    }
    return n;
}

/* `blocks` groups of 4 channels with a symmetric filter: acc[4b + j] += the `ntaps` taps of channel 4b + j, where
 * `x` is the window origin and `f` the filter, both at the first channel, and `taps` comes from
 * nncube_dw_build_taps. Loading the offsets per tap keeps two base pointers live instead of one per tap, so the
 * loop runs without register spills. A function of its own (not inlined) so that the register allocator sees only
 * this loop. */
static NNCUBE_DW_NOINLINE void nncube_dw_table_blocks(const int8_t *x, const int8_t *f, int32_t blocks,
                                                      const int32_t *taps, int32_t ntaps, int32_t in_off,
                                                      int32_t *acc)
{
#if NNCUBE_DW_SIMD
    const uint32_t in_off2 = ((uint32_t)(uint16_t)in_off << 16) | (uint16_t)in_off;
#endif
    for (; blocks > 0; --blocks) {
        int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
        const int32_t *o = taps;
        int32_t t;
        for (t = 0; t < ntaps; ++t, o += 2) {
            NNCUBE_DW_TAP4_SYM(x + o[0], f + o[1]);
        }
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
        acc += 4;
        x += 4;
        f += 4;
    }
#if NNCUBE_DW_SIMD
    (void)in_off;
#endif
}

/* acc[i] = bias + sum over the taps in `s` of (x + input_offset) * (f + filter_offset), channel c0 + i. */
static void nncube_dw_accumulate(const nncube_window *w, const nncube_quant_s8 *q, const int32_t *taps,
                                 int32_t ntaps, const int32_t *bias, const int8_t *input, int32_t origin,
                                 const nncube_dw_span *s, const int8_t *filter, int32_t c0, int32_t n, int32_t *acc)
{
    const int32_t ch = w->in_c;
    const int32_t col_step = w->dilation_w * ch;
    const int32_t row_step = w->dilation_h * w->in_w * ch;
    const int32_t in_off = q->input_offset;
    const int32_t f_off = q->filter_offset;
#if NNCUBE_DW_SIMD
    const uint32_t in_off2 = ((uint32_t)(uint16_t)in_off << 16) | (uint16_t)in_off;
    const uint32_t f_off2 = ((uint32_t)(uint16_t)f_off << 16) | (uint16_t)f_off;
#endif
    const int32_t blocks = n / 4;
    int32_t i;
    int32_t ky, kx;
    for (i = 0; i < n; ++i) {
        acc[i] = bias != NULL ? bias[c0 + i] : 0;
    }
    if (taps != NULL) {
        nncube_dw_table_blocks(input + (origin + c0), filter + c0, blocks, taps, ntaps, in_off, acc);
    } else {
        for (i = 0; i < 4 * blocks; i += 4) {
            const int32_t c = c0 + i;
            int32_t a0 = acc[i], a1 = acc[i + 1], a2 = acc[i + 2], a3 = acc[i + 3];
            for (ky = s->ky0; ky < s->ky1; ++ky) {
                const int8_t *xp = input + (origin + ky * row_step + s->kx0 * col_step + c);
                const int8_t *fp = filter + (ky * w->k_w + s->kx0) * ch + c;
                for (kx = s->kx0; kx < s->kx1; ++kx) {
                    NNCUBE_DW_TAP4(xp, fp);
                    xp += col_step;
                    fp += ch;
                }
            }
            acc[i] = a0;
            acc[i + 1] = a1;
            acc[i + 2] = a2;
            acc[i + 3] = a3;
        }
    }
    for (i = 4 * blocks; i < n; ++i) {
        const int32_t c = c0 + i;
        int32_t a = acc[i];
        for (ky = s->ky0; ky < s->ky1; ++ky) {
            for (kx = s->kx0; kx < s->kx1; ++kx) {
                const int32_t x = input[origin + ky * row_step + kx * col_step + c];
                const int32_t f = filter[(ky * w->k_w + kx) * ch + c];
                a += (x + in_off) * (f + f_off);
            }
        }
        acc[i] = a;
    }
}

/* Whether every output channel meets nncube_requantize_narrow's conditions: shift in [-31, -1], multiplier
 * >= 0, and |bias| + taps * 255 * 255 < 2^30, which bounds every accumulator (each tap adds at most
 * |x + input_offset| * |f + filter_offset| <= 255 * 255). */
static int nncube_dw_narrow_ok(const nncube_window *w, const nncube_quant_s8 *q, const int32_t *bias)
{
    const int64_t taps_bound = (int64_t)w->k_h * (int64_t)w->k_w * 255 * 255;
    int32_t c;
    for (c = 0; c < w->out_c; ++c) {
        const int64_t b = bias != NULL ? (int64_t)bias[c] : 0;
        if (q->shift[c] > -1 || q->shift[c] < -31 || q->multiplier[c] < 0 ||
            (b < 0 ? -b : b) + taps_bound >= ((int64_t)1 << 30)) {
            return 0;
        }
    }
    return 1;
}

/* Largest right shift for which the output offset can be folded into the rounding constant of
 * nncube_requantize_narrow ((y + off * 2^r) >> r == (y >> r) + off) with every sum inside int32: the product s has
 * |s| < 2^30 and 2^(r-1) + 128 * 2^r < 2^30. */
#define NNCUBE_DW_FOLD_MAX_RIGHT 22

/* Whether every output channel's right shift allows the folded output offset (NNCUBE_DW_FOLD_MAX_RIGHT). */
static int nncube_dw_fold_ok(const nncube_window *w, const nncube_quant_s8 *q)
{
    int32_t c;
    for (c = 0; c < w->out_c; ++c) {
        if (-q->shift[c] > NNCUBE_DW_FOLD_MAX_RIGHT) {
            return 0;
        }
    }
    return 1;
}

/* Output channel oc's requantization record: its multiplier, the rounding constant (half of 2^right plus the
 * output offset shifted left by right) and its right shift. */
static void nncube_dw_fold_record(const nncube_quant_s8 *q, int32_t oc, uint32_t *r)
{
    const uint32_t right = (uint32_t)-q->shift[oc];
    r[0] = (uint32_t)q->multiplier[oc];
    r[1] = (((uint32_t)1 << right) >> 1) + ((uint32_t)q->output_offset << right);
    r[2] = right;
}

/* nncube_requantize_narrow(x2 / 2, ...) + output offset for the record `r` of nncube_dw_fold_record, where x2 is
 * twice the accumulator (which nncube_dw_narrow_ok keeps inside int32). */
static inline int32_t nncube_dw_fold_requantize(int32_t x2, const uint32_t *r)
{
    const int32_t s = nncube_mulhi_round(x2, (int32_t)r[0]);
    return (s + (int32_t)r[1] + (s >> 31)) >> (int32_t)r[2];
}

/* out[i] = clamp(requantize(acc[i]) + output_offset) with channel c0 + i's multiplier and shift; `narrow` when
 * nncube_dw_narrow_ok holds for the layer. */
static void nncube_dw_requantize(const nncube_quant_s8 *q, int narrow, int32_t c0, int32_t n, const int32_t *acc,
                                 int8_t *out)
{
    const int32_t *mult = q->multiplier + c0;
    const int32_t *shift = q->shift + c0;
    const int32_t off = q->output_offset;
    const int32_t lo = q->act_min;
    const int32_t hi = q->act_max;
    int32_t i;
#if NNCUBE_DW_SIMD
    if (narrow && lo == INT8_MIN && hi == INT8_MAX) {
        for (i = 0; i < n; ++i) {
            out[i] = (int8_t)__ssat(nncube_requantize_narrow(acc[i], mult[i], -shift[i]) + off, 8);
        }
        return;
    }
#endif
    if (narrow) {
        for (i = 0; i < n; ++i) {
            const int32_t v = nncube_requantize_narrow(acc[i], mult[i], -shift[i]) + off;
            out[i] = (int8_t)nncube_clamp_i32(v, lo, hi);
        }
        return;
    }
#if NNCUBE_DW_SIMD
    if (lo == INT8_MIN && hi == INT8_MAX) {
        /* No fused activation narrower than int8 (the usual case, ReLU included when the output zero point is
         * -128): one SSAT clamps. */
        for (i = 0; i < n; ++i) {
            out[i] = (int8_t)__ssat(nncube_requantize_fast(acc[i], mult[i], shift[i]) + off, 8);
        }
        return;
    }
#endif
    for (i = 0; i < n; ++i) {
        const int32_t v = nncube_requantize_fast(acc[i], mult[i], shift[i]) + off;
        out[i] = (int8_t)nncube_clamp_i32(v, lo, hi);
    }
}

/* depth_multiplier 1: one output pixel whose window starts at `origin` (input element index of tap (0, 0), which
 * may lie outside the input) and covers the taps in `s`. */
static void nncube_dw_pixel_s8(const nncube_window *w, const nncube_quant_s8 *q, int narrow, const int32_t *taps,
                               int32_t ntaps, const int8_t *input, int32_t origin, const nncube_dw_span *s,
                               const int8_t *filter, const int32_t *bias, int8_t *out)
{
    int32_t acc[NNCUBE_DW_CHUNK];
    int32_t c0;
    for (c0 = 0; c0 < w->in_c; c0 += NNCUBE_DW_CHUNK) {
        const int32_t n = w->in_c - c0 < NNCUBE_DW_CHUNK ? w->in_c - c0 : NNCUBE_DW_CHUNK;
        nncube_dw_accumulate(w, q, taps, ntaps, bias, input, origin, s, filter, c0, n, acc);
        nncube_dw_requantize(q, narrow, c0, n, acc, out + c0);
    }
}

#if NNCUBE_DW_SIMD
/* SXTAB16 / SXTB16 of the word rotated right by 8 (bytes 1 and 3). GCC does not fold the rotation into the
 * instruction by itself (it emits a separate ROR), so on Thumb-2 it is one line of inline assembly. */
#if defined(__GNUC__) && defined(__thumb2__)
static inline uint32_t nncube_dw_sxtab16_odd(uint32_t add, uint32_t x)
{
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(add), "r"(x));
    return r;
}

static inline uint32_t nncube_dw_sxtb16_odd(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
#else
static inline uint32_t nncube_dw_sxtab16_odd(uint32_t add, uint32_t x)
{
    return __sxtab16(add, (x >> 8) | (x << 24));
}

static inline uint32_t nncube_dw_sxtb16_odd(uint32_t x)
{
    return __sxtb16((x >> 8) | (x << 24));
}
#endif

/* Hides a pointer's value from the optimizer (an empty asm that may change it). */
#if defined(__GNUC__)
#define NNCUBE_DW_OPAQUE(p) __asm__("" : "+r"(p))
#else
#define NNCUBE_DW_OPAQUE(p) ((void)0)
#endif

/* The strides and output stage of the 3x3 interior path. */
typedef struct {
    int32_t col, row;    /* input byte steps between window columns / rows */
    int32_t ch;          /* filter byte step between taps (the channel count) */
    uint32_t in_off2;    /* the input offset in both 16-bit lanes */
    int32_t lo, hi;      /* the clamp */
} nncube_dw_3x3_ctx;

/* One tap of 4 channels for the 3x3 path: the input widened with its offset, the filter without one. */
#define NNCUBE_DW_3X3_TAP(xp, fp)                                                                                    \
    do {                                                                                                             \
        const uint32_t x_ = nncube_load4(xp);                                                                        \
        const uint32_t f_ = nncube_load4(fp);                                                                        \
        const uint32_t x02_ = __sxtab16(in_off2, x_);                                                                \
        const uint32_t x13_ = nncube_dw_sxtab16_odd(in_off2, x_);                                                    \
        const uint32_t f02_ = __sxtb16(f_);                                                                          \
        const uint32_t f13_ = nncube_dw_sxtb16_odd(f_);                                                              \
        a0 = __smlabb(x02_, f02_, a0);                                                                               \
        a2 = __smlatt(x02_, f02_, a2);                                                                               \
        a1 = __smlabb(x13_, f13_, a1);                                                                               \
        a3 = __smlatt(x13_, f13_, a3);                                                                               \
    } while (0)

/* The 3x3 path's taps as inline assembly: GCC on Thumb-2 with DSP, optimizing, unless NNCUBE_NO_ASM (as in
 * nncube_matmul.c). With the C macro GCC hoists the loads of several taps and spills (about 17 instructions per
 * tap); the assembly is 12, and computes the same sums. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__thumb2__) && defined(__OPTIMIZE__) && !defined(NNCUBE_NO_ASM)
#define NNCUBE_DW_ASM 1
#else
#define NNCUBE_DW_ASM 0
#endif

/* One tap of 4 channels, then the input pointer moves by `step` and the filter pointer by `fstep` bytes. */
#define NNCUBE_DW_3X3_STEP(step) NNCUBE_DW_3X3_STEP2(step, ch)
#if NNCUBE_DW_ASM
#define NNCUBE_DW_3X3_STEP2(step, fstep)                                                                             \
    do {                                                                                                             \
        uint32_t xw_, fw_, t_, u_;                                                                                   \
        __asm__("ldr %[xw], [%[xp]]\n\t"                                                                             \
                "ldr %[fw], [%[fp]]\n\t"                                                                             \
                "add %[xp], %[xp], %[st]\n\t"                                                                        \
                "add %[fp], %[fp], %[ch]\n\t"                                                                        \
                "sxtab16 %[t], %[off], %[xw]\n\t"                                                                    \
                "sxtab16 %[xw], %[off], %[xw], ror #8\n\t"                                                           \
                "sxtb16 %[u], %[fw]\n\t"                                                                             \
                "sxtb16 %[fw], %[fw], ror #8\n\t"                                                                    \
                "smlabb %[a0], %[t], %[u], %[a0]\n\t"                                                                \
                "smlatt %[a2], %[t], %[u], %[a2]\n\t"                                                                \
                "smlabb %[a1], %[xw], %[fw], %[a1]\n\t"                                                              \
                "smlatt %[a3], %[xw], %[fw], %[a3]"                                                                  \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(xp), [fp] "+r"(fp),       \
                  [xw] "=&r"(xw_), [fw] "=&r"(fw_), [t] "=&r"(t_), [u] "=&r"(u_)                                   \
                : [st] "r"(step), [ch] "r"(fstep), [off] "r"(in_off2)                                                \
                : "memory");                                                                                         \
    } while (0)
#else
#define NNCUBE_DW_3X3_STEP2(step, fstep)                                                                             \
    do {                                                                                                             \
        NNCUBE_DW_3X3_TAP(xp, fp);                                                                                   \
        xp += (step);                                                                                                \
        fp += (fstep);                                                                                               \
        NNCUBE_DW_OPAQUE(xp);                                                                                        \
        NNCUBE_DW_OPAQUE(fp);                                                                                        \
    } while (0)
#endif

/* The nine taps of 4 channels of an interior window (dilation 1 across, so that the filter's taps are `col` bytes
 * apart, as the input's columns): both pointers walk tap by tap, `row_skip` between rows, and stay on the last tap.
 * With GCC on Thumb-2 (NNCUBE_DW_ASM) one assembly block, 106 instructions with no register moves between taps;
 * the pointer walk also hides their values from GCC, which otherwise precomputes the nine offsets and spills them. */
#if NNCUBE_DW_ASM
#define NNCUBE_DW_3X3_TAP_ASM(advance)                                                                               \
    "ldr %[xw], [%[xp]]\n\t"                                                                                         \
    "ldr %[fw], [%[fp]]\n\t" advance "sxtab16 %[t], %[off], %[xw]\n\t"                                               \
    "sxtab16 %[xw], %[off], %[xw], ror #8\n\t"                                                                       \
    "sxtb16 %[u], %[fw]\n\t"                                                                                         \
    "sxtb16 %[fw], %[fw], ror #8\n\t"                                                                                \
    "smlabb %[a0], %[t], %[u], %[a0]\n\t"                                                                            \
    "smlatt %[a2], %[t], %[u], %[a2]\n\t"                                                                            \
    "smlabb %[a1], %[xw], %[fw], %[a1]\n\t"                                                                          \
    "smlatt %[a3], %[xw], %[fw], %[a3]\n\t"
#define NNCUBE_DW_3X3_COL "add %[xp], %[xp], %[col]\n\tadd %[fp], %[fp], %[col]\n\t"
#define NNCUBE_DW_3X3_NEXT_ROW "ldr %[t], %[rs]\n\tadd %[xp], %[xp], %[t]\n\tadd %[fp], %[fp], %[col]\n\t"
#define NNCUBE_DW_3X3_TAPS9()                                                                                        \
    do {                                                                                                             \
        uint32_t xw_, fw_, t_, u_;                                                                                   \
        __asm__(NNCUBE_DW_3X3_TAP_ASM(NNCUBE_DW_3X3_COL) NNCUBE_DW_3X3_TAP_ASM(NNCUBE_DW_3X3_COL)                    \
                    NNCUBE_DW_3X3_TAP_ASM(NNCUBE_DW_3X3_NEXT_ROW) NNCUBE_DW_3X3_TAP_ASM(NNCUBE_DW_3X3_COL)                \
                        NNCUBE_DW_3X3_TAP_ASM(NNCUBE_DW_3X3_COL) NNCUBE_DW_3X3_TAP_ASM(NNCUBE_DW_3X3_NEXT_ROW)            \
                            NNCUBE_DW_3X3_TAP_ASM(NNCUBE_DW_3X3_COL) NNCUBE_DW_3X3_TAP_ASM(NNCUBE_DW_3X3_COL)        \
                                NNCUBE_DW_3X3_TAP_ASM("")                                                            \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(xp), [fp] "+r"(fp),       \
                  [xw] "=&r"(xw_), [fw] "=&r"(fw_), [t] "=&r"(t_), [u] "=&r"(u_)                                   \
                : [col] "r"(col), [rs] "m"(row_skip), [off] "r"(in_off2)                                             \
                : "memory");                                                                                         \
    } while (0)
#else
#define NNCUBE_DW_3X3_TAPS9()                                                                                        \
    do {                                                                                                             \
        const int32_t ch = col;                                                                                      \
        NNCUBE_DW_3X3_STEP(col);                                                                                     \
        NNCUBE_DW_3X3_STEP(col);                                                                                     \
        NNCUBE_DW_3X3_STEP(row_skip);                                                                                \
        NNCUBE_DW_3X3_STEP(col);                                                                                     \
        NNCUBE_DW_3X3_STEP(col);                                                                                     \
        NNCUBE_DW_3X3_STEP(row_skip);                                                                                \
        NNCUBE_DW_3X3_STEP(col);                                                                                     \
        NNCUBE_DW_3X3_STEP(col);                                                                                     \
        NNCUBE_DW_3X3_STEP2(col, 0);                                                                                 \
        xp -= col;                                                                                                   \
    } while (0)
#endif

/* `n` (1 to 3) taps of one window row, both pointers moving by `col` after each (dilation 1 across). */
#if NNCUBE_DW_ASM
#define NNCUBE_DW_3X3_TAPS_1 NNCUBE_DW_3X3_TAP_ASM(NNCUBE_DW_3X3_COL)
#define NNCUBE_DW_3X3_TAPS_2 NNCUBE_DW_3X3_TAPS_1 NNCUBE_DW_3X3_TAPS_1
#define NNCUBE_DW_3X3_TAPS_3 NNCUBE_DW_3X3_TAPS_2 NNCUBE_DW_3X3_TAPS_1
#define NNCUBE_DW_3X3_ROW(n)                                                                                         \
    do {                                                                                                             \
        uint32_t xw_, fw_, t_, u_;                                                                                   \
        __asm__(NNCUBE_DW_3X3_TAPS_##n                                                                               \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(xp), [fp] "+r"(fp),       \
                  [xw] "=&r"(xw_), [fw] "=&r"(fw_), [t] "=&r"(t_), [u] "=&r"(u_)                                   \
                : [col] "r"(col), [off] "r"(in_off2)                                                                 \
                : "memory");                                                                                         \
    } while (0)
#else
#define NNCUBE_DW_3X3_ROW(n)                                                                                         \
    do {                                                                                                             \
        const int32_t ch = col;                                                                                      \
        int32_t i_;                                                                                                  \
        for (i_ = 0; i_ < (n); ++i_) {                                                                               \
            NNCUBE_DW_3X3_STEP(col);                                                                                 \
        }                                                                                                            \
    } while (0)
#endif

/* Whole clipped windows of 2x2, 2x3 and 3x2 taps (the border pixels of a 3x3 SAME layer) as one assembly block
 * each: the taps of NNCUBE_DW_3X3_ROW, and after each row the input pointer moves by `x_skip` (read from memory:
 * GCC has no register left for it) and the filter pointer by the row's missing taps, as the row loop of
 * nncube_dw_3x3_clipped_blocks does. */
#if NNCUBE_DW_ASM
#define NNCUBE_DW_3X3_ROW_END_2 "ldr %[t], %[xs]\n\tadd %[xp], %[xp], %[t]\n\tadd %[fp], %[fp], %[col]\n\t"
#define NNCUBE_DW_3X3_ROW_END_3 "ldr %[t], %[xs]\n\tadd %[xp], %[xp], %[t]\n\t"
#define NNCUBE_DW_3X3_WINDOW(text)                                                                                   \
    do {                                                                                                             \
        uint32_t xw_, fw_, t_, u_;                                                                                   \
        __asm__(text                                                                                                 \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(xp), [fp] "+r"(fp),       \
                  [xw] "=&r"(xw_), [fw] "=&r"(fw_), [t] "=&r"(t_), [u] "=&r"(u_)                                   \
                : [col] "r"(col), [xs] "m"(x_skip), [off] "r"(in_off2)                                               \
                : "memory");                                                                                         \
    } while (0)
#define NNCUBE_DW_3X3_ROWS_2X2                                                                                       \
    NNCUBE_DW_3X3_TAPS_2 NNCUBE_DW_3X3_ROW_END_2 NNCUBE_DW_3X3_TAPS_2 NNCUBE_DW_3X3_ROW_END_2
#define NNCUBE_DW_3X3_ROWS_2X3                                                                                       \
    NNCUBE_DW_3X3_TAPS_3 NNCUBE_DW_3X3_ROW_END_3 NNCUBE_DW_3X3_TAPS_3 NNCUBE_DW_3X3_ROW_END_3
#define NNCUBE_DW_3X3_ROWS_3X2 NNCUBE_DW_3X3_ROWS_2X2 NNCUBE_DW_3X3_TAPS_2 NNCUBE_DW_3X3_ROW_END_2
#endif

/* a0..a3 = nncube_dw_fold_requantize(2 * a_i, rq + 3 * i): with GCC on Thumb-2 (NNCUBE_DW_ASM) one assembly block
 * that reads each record with a post-indexed LDRD and LDR (7 instructions a value; GCC loads the three words one by
 * one and keeps the pointer arithmetic). */
#if NNCUBE_DW_ASM
#define NNCUBE_DW_FOLD_ASM(a)                                                                                        \
    "ldrd %[m], %[r], [%[p]], #8\n\t"                                                                                \
    "lsl " a ", " a ", #1\n\t"                                                                                       \
    "smmulr " a ", " a ", %[m]\n\t"                                                                                  \
    "add %[r], %[r], " a "\n\t"                                                                                      \
    "add " a ", %[r], " a ", asr #31\n\t"                                                                            \
    "ldr %[m], [%[p]], #4\n\t"                                                                                       \
    "asr " a ", " a ", %[m]\n\t"
#define NNCUBE_DW_FOLD4(a0, a1, a2, a3, rq)                                                                          \
    do {                                                                                                             \
        const uint32_t *p_ = (rq);                                                                                   \
        uint32_t m_, r_;                                                                                             \
        __asm__(NNCUBE_DW_FOLD_ASM("%[a0]") NNCUBE_DW_FOLD_ASM("%[a1]") NNCUBE_DW_FOLD_ASM("%[a2]")                  \
                    NNCUBE_DW_FOLD_ASM("%[a3]")                                                                      \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [p] "+r"(p_), [m] "=&r"(m_),        \
                  [r] "=&r"(r_)                                                                                      \
                :                                                                                                    \
                : "memory");                                                                                         \
    } while (0)
#else
#define NNCUBE_DW_FOLD4(a0, a1, a2, a3, rq)                                                                          \
    do {                                                                                                             \
        a0 = nncube_dw_fold_requantize(a0 * 2, (rq));                                                                \
        a1 = nncube_dw_fold_requantize(a1 * 2, (rq) + 3);                                                            \
        a2 = nncube_dw_fold_requantize(a2 * 2, (rq) + 6);                                                            \
        a3 = nncube_dw_fold_requantize(a3 * 2, (rq) + 9);                                                            \
    } while (0)
#endif

/* out[0..3] = the requantized a0..a3 (the records (*rq)[0..11] of nncube_dw_fold_record, output offset included),
 * clamped: SSAT when `full` (the clamp spans int8), else the clamp to [lo, hi]; then *rq moves on by 12 words and
 * *out by 4 bytes. With GCC on Thumb-2 and `full`, one assembly block also saturates and stores with post-indexed
 * STRB (9 instructions a value, pointer steps included). */
static inline NNCUBE_DW_ALWAYS_INLINE void nncube_dw_store4(const nncube_dw_3x3_ctx *k, int full, int32_t a0, int32_t a1, int32_t a2,
                                    int32_t a3, const uint32_t **rq, int8_t **out)
{
#if NNCUBE_DW_ASM
    if (full) {
        uint32_t m_, r_;
        __asm__(NNCUBE_DW_FOLD_ASM("%[a0]") NNCUBE_DW_FOLD_ASM("%[a1]") NNCUBE_DW_FOLD_ASM("%[a2]")
                    NNCUBE_DW_FOLD_ASM("%[a3]") "ssat %[a0], #8, %[a0]\n\t"
                                                "ssat %[a1], #8, %[a1]\n\t"
                                                "ssat %[a2], #8, %[a2]\n\t"
                                                "ssat %[a3], #8, %[a3]\n\t"
                                                "strb %[a0], [%[o]], #1\n\t"
                                                "strb %[a1], [%[o]], #1\n\t"
                                                "strb %[a2], [%[o]], #1\n\t"
                                                "strb %[a3], [%[o]], #1"
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [p] "+r"(*rq), [o] "+r"(*out),
                  [m] "=&r"(m_), [r] "=&r"(r_)
                :
                : "memory");
        return;
    }
#endif
    NNCUBE_DW_FOLD4(a0, a1, a2, a3, *rq);
    if (full) {
        a0 = __ssat(a0, 8);
        a1 = __ssat(a1, 8);
        a2 = __ssat(a2, 8);
        a3 = __ssat(a3, 8);
    } else {
        a0 = nncube_clamp_i32(a0, k->lo, k->hi);
        a1 = nncube_clamp_i32(a1, k->lo, k->hi);
        a2 = nncube_clamp_i32(a2, k->lo, k->hi);
        a3 = nncube_clamp_i32(a3, k->lo, k->hi);
    }
    (*out)[0] = (int8_t)a0;
    (*out)[1] = (int8_t)a1;
    (*out)[2] = (int8_t)a2;
    (*out)[3] = (int8_t)a3;
    *rq += 12;
    *out += 4;
}

/* Depth multiplier 1, 3x3 windows entirely inside the input (dilation 1 across), a symmetric filter, a bias and a
 * layer that meets nncube_dw_narrow_ok and nncube_dw_fold_ok: `pixels` adjacent output pixels of one row (window
 * origins `step` bytes apart), each `blocks` groups of 4 channels that accumulate their 9 taps in registers from
 * the bias (fully unrolled, no tap table, no accumulator array) and are requantized at once with the records `rq`
 * (nncube_dw_fold_record, 3 words a channel). `x` is the first window's top-left input byte and `f` the filter,
 * both at the first channel; out receives pixels * 4 * blocks bytes. */
static NNCUBE_DW_NOINLINE void nncube_dw_3x3_blocks(const nncube_dw_3x3_ctx *k, const int8_t *x, const int8_t *f,
                                                    const int32_t *bias, const uint32_t *rq, int32_t blocks,
                                                    int32_t pixels, int32_t step, int8_t *out)
{
    const int32_t col = k->col;
    const int32_t row_skip = k->row - 2 * k->col;
    /* From the last tap of a group to the first of the next. */
    const int32_t x_wrap = 4 - 2 * k->row - 2 * k->col;
    const int32_t f_wrap = 4 - 8 * k->ch;
    const uint32_t in_off2 = k->in_off2;
    const int full = k->lo == INT8_MIN && k->hi == INT8_MAX;
    for (; pixels > 0; --pixels, x += step) {
        const int8_t *xp = x;
        const int8_t *fp = f;
        const int32_t *bp = bias;
        const uint32_t *rp = rq;
        int8_t *const end = out + 4 * blocks;
        while (out < end) {
            int32_t a0 = bp[0], a1 = bp[1], a2 = bp[2], a3 = bp[3];
            NNCUBE_DW_3X3_TAPS9();
            xp += x_wrap;
            fp += f_wrap;
            nncube_dw_store4(k, full, a0, a1, a2, a3, &rp, &out);
            bp += 4;
        }
    }
}

/* As nncube_dw_3x3_blocks for a window clipped by the input's border (pixels at the edges): `rows` rows of `cols`
 * taps (1 to 3 each); `x` and `f` point at the first tap inside the input. */
static NNCUBE_DW_NOINLINE void nncube_dw_3x3_clipped_blocks(const nncube_dw_3x3_ctx *k, const int8_t *x,
                                                            const int8_t *f, const int32_t *bias,
                                                            const uint32_t *rq, int32_t blocks, int32_t rows,
                                                            int32_t cols, int8_t *out)
{
    const int32_t col = k->col;
    /* From a row's last tap to the next row's first, and from the window's end to the next group's first tap. */
    const int32_t x_skip = k->row - cols * col;
    const int32_t f_skip = (3 - cols) * col;
    const int32_t x_wrap = 4 - rows * k->row;
    const int32_t f_wrap = 4 - rows * 3 * col;
#if NNCUBE_DW_ASM
    /* rows * 4 + cols: 2x2, 2x3 and 3x2 windows take one assembly block each. */
    const int32_t shape = rows * 4 + cols;
#endif
    const uint32_t in_off2 = k->in_off2;
    const int full = k->lo == INT8_MIN && k->hi == INT8_MAX;
    const int8_t *xp = x;
    const int8_t *fp = f;
    int8_t *const end = out + 4 * blocks;
    while (out < end) {
        int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
        int32_t r;
#if NNCUBE_DW_ASM
        if (shape == 2 * 4 + 2) {
            NNCUBE_DW_3X3_WINDOW(NNCUBE_DW_3X3_ROWS_2X2);
        } else if (shape == 2 * 4 + 3) {
            NNCUBE_DW_3X3_WINDOW(NNCUBE_DW_3X3_ROWS_2X3);
        } else if (shape == 3 * 4 + 2) {
            NNCUBE_DW_3X3_WINDOW(NNCUBE_DW_3X3_ROWS_3X2);
        } else
#endif
        for (r = 0; r < rows; ++r) {
            if (cols == 3) {
                NNCUBE_DW_3X3_ROW(3);
            } else if (cols == 2) {
                NNCUBE_DW_3X3_ROW(2);
            } else {
                NNCUBE_DW_3X3_ROW(1);
            }
            xp += x_skip;
            fp += f_skip;
        }
        xp += x_wrap;
        fp += f_wrap;
        nncube_dw_store4(k, full, a0, a1, a2, a3, &rq, &out);
        bias += 4;
    }
}
#endif

/* One tap of 4 output channels that read the same input value *xp (depth multiplier a multiple of 4). */
#if NNCUBE_DW_SIMD
#define NNCUBE_DW_TAP4_SHARED(xp, fp)                                                                             \
    do {                                                                                                         \
        const int32_t xv_ = (int32_t)*(xp) + in_off;                                                             \
        const uint32_t x2_ = ((uint32_t)xv_ << 16) | (uint16_t)xv_;                                              \
        const uint32_t f_ = nncube_load4(fp);                                                                    \
        const uint32_t f02_ = __sxtab16(f_off2, f_);                                                             \
        const uint32_t f13_ = __sxtab16(f_off2, (f_ >> 8) | (f_ << 24));                                         \
        a0 = __smlabb(x2_, f02_, a0);                                                                            \
        a2 = __smlatt(x2_, f02_, a2);                                                                            \
        a1 = __smlabb(x2_, f13_, a1);                                                                            \
        a3 = __smlatt(x2_, f13_, a3);                                                                            \
    } while (0)
#else
#define NNCUBE_DW_TAP4_SHARED(xp, fp)                                                                             \
    do {                                                                                                         \
        const int32_t xv_ = (int32_t)*(xp) + in_off;                                                             \
        const int8_t *f_ = (fp);                                                                                 \
        a0 += xv_ * ((int32_t)f_[0] + f_off);                                                                    \
        a1 += xv_ * ((int32_t)f_[1] + f_off);                                                                    \
        a2 += xv_ * ((int32_t)f_[2] + f_off);                                                                    \
        a3 += xv_ * ((int32_t)f_[3] + f_off);                                                                    \
    } while (0)
#endif

/* Depth multiplier a multiple of 4 (e.g. a first layer with one input channel and 8 outputs): each group of 4
 * output channels reads one input channel, so a tap is one input byte, broadcast to both 16-bit lanes, against 4
 * filter bytes. acc[i] = bias + the taps of output channel oc0 + i, with oc0 and n multiples of 4. */
static void nncube_dw_mult4_accumulate(const nncube_window *w, int32_t depth_multiplier, const nncube_quant_s8 *q,
                                       const int32_t *bias, const int8_t *input, int32_t origin,
                                       const nncube_dw_span *s, const int8_t *filter, int32_t oc0, int32_t n,
                                       int32_t *acc)
{
    const int32_t col_step = w->dilation_w * w->in_c;
    const int32_t row_step = w->dilation_h * w->in_w * w->in_c;
    const int32_t in_off = q->input_offset;
    const int32_t f_off = q->filter_offset;
#if NNCUBE_DW_SIMD
    const uint32_t f_off2 = ((uint32_t)(uint16_t)f_off << 16) | (uint16_t)f_off;
#endif
    int32_t i, ky, kx;
    for (i = 0; i < n; i += 4) {
        const int32_t oc = oc0 + i;
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        if (bias != NULL) {
            a0 = bias[oc];
            a1 = bias[oc + 1];
            a2 = bias[oc + 2];
            a3 = bias[oc + 3];
        }
        for (ky = s->ky0; ky < s->ky1; ++ky) {
            const int8_t *xp = input + (origin + ky * row_step + s->kx0 * col_step + oc / depth_multiplier);
            const int8_t *fp = filter + ((ky * w->k_w + s->kx0) * w->out_c + oc);
            for (kx = s->kx0; kx < s->kx1; ++kx) {
                NNCUBE_DW_TAP4_SHARED(xp, fp);
                xp += col_step;
                fp += w->out_c;
            }
        }
        acc[i] = a0;
        acc[i + 1] = a1;
        acc[i + 2] = a2;
        acc[i + 3] = a3;
    }
#if NNCUBE_DW_SIMD
    (void)f_off;
#endif
}

/* Any depth multiplier: acc[i] = bias + the taps of output channel oc = oc0 + i, which reads input channel
 * oc / depth_multiplier. Tap by tap, each input value is loaded once for its depth_multiplier outputs. */
static void nncube_dw_general_accumulate(const nncube_window *w, int32_t depth_multiplier, const nncube_quant_s8 *q,
                                         const int32_t *bias, const int8_t *input, int32_t origin,
                                         const nncube_dw_span *s, const int8_t *filter, int32_t oc0, int32_t n,
                                         int32_t *acc)
{
    const int32_t col_step = w->dilation_w * w->in_c;
    const int32_t row_step = w->dilation_h * w->in_w * w->in_c;
    const int32_t in_off = q->input_offset;
    const int32_t f_off = q->filter_offset;
    int32_t i, ky, kx;
    for (i = 0; i < n; ++i) {
        acc[i] = bias != NULL ? bias[oc0 + i] : 0;
    }
    for (ky = s->ky0; ky < s->ky1; ++ky) {
        for (kx = s->kx0; kx < s->kx1; ++kx) {
            const int8_t *xp = input + (origin + ky * row_step + kx * col_step);
            const int8_t *fp = filter + ((ky * w->k_w + kx) * w->out_c + oc0);
            int32_t ic = oc0 / depth_multiplier;
            int32_t group_end = (ic + 1) * depth_multiplier - oc0;
            i = 0;
            while (i < n) {
                const int32_t xv = xp[ic] + in_off;
                const int32_t end = group_end < n ? group_end : n;
                for (; i < end; ++i) {
                    acc[i] += xv * ((int32_t)fp[i] + f_off);
                }
                ++ic;
                group_end += depth_multiplier;
            }
        }
    }
}

/* Any depth multiplier: one output pixel, NNCUBE_DW_CHUNK output channels at a time (not inlined: the rare path
 * stays out of the register allocation of the common one). */
static NNCUBE_DW_NOINLINE void nncube_dw_pixel_general_s8(const nncube_window *w, int32_t depth_multiplier,
                                                          const nncube_quant_s8 *q, int narrow, const int8_t *input,
                                                          int32_t origin, const nncube_dw_span *s,
                                                          const int8_t *filter, const int32_t *bias, int8_t *out)
{
    int32_t acc[NNCUBE_DW_CHUNK];
    int32_t oc0;
    for (oc0 = 0; oc0 < w->out_c; oc0 += NNCUBE_DW_CHUNK) {
        const int32_t n = w->out_c - oc0 < NNCUBE_DW_CHUNK ? w->out_c - oc0 : NNCUBE_DW_CHUNK;
        if (depth_multiplier % 4 == 0) {
            nncube_dw_mult4_accumulate(w, depth_multiplier, q, bias, input, origin, s, filter, oc0, n, acc);
        } else {
            nncube_dw_general_accumulate(w, depth_multiplier, q, bias, input, origin, s, filter, oc0, n, acc);
        }
        nncube_dw_requantize(q, narrow, oc0, n, acc, out + oc0);
    }
}

/* The paired-tap path (depth multiplier >= 2, a symmetric filter, a layer that meets nncube_dw_narrow_ok): each
 * output pixel's window of one input channel becomes `words` 32-bit words of two int16 lanes (input value plus the
 * input offset; 0 for a tap outside the input), and each output channel of that input channel is `words` SMLADs
 * against its filter taps laid out the same way, re-arranged once per call into a record on the stack. Tap (ky, kx)
 * goes to halfword slot[ky * k_w + kx]: for a 3x3 window (t00,t02) (t01,t11) (t10,t12) (t20,t22) (t21,-) in 5
 * words; otherwise every row in groups of 4 taps (kx 4g, 4g+2) (4g+1, 4g+3), which is what SXTAB16 and SXTAB16
 * ROR #8 give for 4 consecutive input bytes. Unused lanes hold a zero filter tap. */
#define NNCUBE_DW_PAIRS_MAX_TAPS 128
#define NNCUBE_DW_PAIRS_MAX_WORDS 64
/* Words of the per-channel records (1600 bytes of stack, less than the convolutions' im2col rows). */
#define NNCUBE_DW_PAIRS_MAX_RECORDS 400
/* A channel's record: twice its bias, its `words` filter pair words (taps doubled), then its requantization record
 * (nncube_dw_fold_record): NNCUBE_DW_PAIRS_EXTRA words besides the filter. With the taps doubled the sum is already
 * the 2x that nncube_dw_fold_requantize takes. */
#define NNCUBE_DW_PAIRS_EXTRA 4
/* The tap order of the paired-tap path for a window (see above). */
typedef struct {
    int32_t words;                          /* pair words per window */
    int32_t groups;                         /* groups of 4 taps per row (the generic order) */
    int is_3x3;                             /* the 5-word 3x3 order */
    uint8_t slot[NNCUBE_DW_PAIRS_MAX_TAPS]; /* halfword of tap ky * k_w + kx */
} nncube_dw_pairs_layout;

/* Fills `l` for the layer's window; 0 when the window is too large for the path. */
static int nncube_dw_pairs_plan(const nncube_window *w, nncube_dw_pairs_layout *l)
{
    static const uint8_t order_3x3[9] = {0, 2, 1, 4, 3, 5, 6, 8, 7};
    int32_t ky, kx;
    l->is_3x3 = w->k_h == 3 && w->k_w == 3;
    l->groups = (w->k_w + 3) / 4;
    l->words = l->is_3x3 ? 5 : w->k_h * l->groups * 2;
    if (w->k_h * w->k_w > NNCUBE_DW_PAIRS_MAX_TAPS || l->words > NNCUBE_DW_PAIRS_MAX_WORDS ||
        w->out_c * (l->words + NNCUBE_DW_PAIRS_EXTRA) > NNCUBE_DW_PAIRS_MAX_RECORDS) {
        return 0;
    }
    for (ky = 0; ky < w->k_h; ++ky) {
        for (kx = 0; kx < w->k_w; ++kx) {
            const int32_t t = ky * w->k_w + kx;
            l->slot[t] = l->is_3x3 ? order_3x3[t]
                                   : (uint8_t)(((ky * l->groups + kx / 4) * 2 + (kx & 1)) * 2 + ((kx >> 1) & 1));
        }
    }
    return 1;
}

/* Puts the int16 value v into halfword `slot` of the zero-initialized words `dst`. */
static inline void nncube_dw_pairs_put(uint32_t *dst, int32_t slot, int32_t v)
{
    dst[slot >> 1] |= (uint32_t)(uint16_t)v << (16 * (slot & 1));
}

/* The records of every output channel (see NNCUBE_DW_PAIRS_EXTRA). */
static void nncube_dw_pairs_records(const nncube_window *w, const nncube_dw_pairs_layout *l,
                                    const nncube_quant_s8 *q, const int8_t *filter, const int32_t *bias,
                                    uint32_t *rec)
{
    const int32_t words = l->words;
    int32_t oc, t, i;
    for (oc = 0; oc < w->out_c; ++oc, rec += words + NNCUBE_DW_PAIRS_EXTRA) {
        rec[0] = (uint32_t)(bias != NULL ? bias[oc] : 0) * 2u;
        for (i = 1; i <= words; ++i) {
            rec[i] = 0;
        }
        for (t = 0; t < w->k_h * w->k_w; ++t) {
            nncube_dw_pairs_put(rec + 1, l->slot[t], 2 * (int32_t)filter[t * w->out_c + oc]);
        }
        nncube_dw_fold_record(q, oc, rec + words + 1);
    }
}

/* The pair words of input channel ic for the window at `origin` clipped to `s`, tap by tap. */
static void nncube_dw_pairs_gather(const nncube_window *w, const nncube_dw_pairs_layout *l, const int8_t *input,
                                   int32_t origin, const nncube_dw_span *s, int32_t in_off, uint32_t *xw)
{
    const int32_t col_step = w->dilation_w * w->in_c;
    const int32_t row_step = w->dilation_h * w->in_w * w->in_c;
    int32_t i, ky, kx;
    for (i = 0; i < l->words; ++i) {
        xw[i] = 0;
    }
    for (ky = s->ky0; ky < s->ky1; ++ky) {
        for (kx = s->kx0; kx < s->kx1; ++kx) {
            nncube_dw_pairs_put(xw, l->slot[ky * w->k_w + kx],
                                (int32_t)input[origin + ky * row_step + kx * col_step] + in_off);
        }
    }
}

/* (a.lo * b.lo + a.hi * b.hi) + acc over int16 lanes: SMLAD. */
#if NNCUBE_DW_SIMD
#define NNCUBE_DW_SMLAD(a, b, acc) ((int32_t)__smlad((a), (b), (acc)))
#else
static inline int32_t nncube_dw_smlad(uint32_t a, uint32_t b, int32_t acc)
{
    return acc + (int32_t)(int16_t)(a & 0xFFFFu) * (int32_t)(int16_t)(b & 0xFFFFu) +
           (int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16);
}
#define NNCUBE_DW_SMLAD(a, b, acc) nncube_dw_smlad((a), (b), (acc))
#endif

/* The 3x3 order's 5 pair words against one record, requantized: the value before the clamp. GCC on Thumb-2 with
 * DSP (as NNCUBE_DW_ASM) walks the record with post-indexed LDRD, which it does not emit by itself. */
#if NNCUBE_DW_SIMD && NNCUBE_DW_ASM
#define NNCUBE_DW_PAIRS_3X3_CHANNEL(v)                                                                               \
    do {                                                                                                             \
        uint32_t t0_, t1_;                                                                                           \
        __asm__("ldrd %[t0], %[t1], [%[r]], #8\n\t"                                                                  \
                "smlad %[v], %[x0], %[t1], %[t0]\n\t"                                                                \
                "ldrd %[t0], %[t1], [%[r]], #8\n\t"                                                                  \
                "smlad %[v], %[x1], %[t0], %[v]\n\t"                                                                 \
                "smlad %[v], %[x2], %[t1], %[v]\n\t"                                                                 \
                "ldrd %[t0], %[t1], [%[r]], #8\n\t"                                                                  \
                "smlad %[v], %[x3], %[t0], %[v]\n\t"                                                                 \
                "smlad %[v], %[x4], %[t1], %[v]\n\t"                                                                 \
                "ldrd %[t0], %[t1], [%[r]], #8\n\t"                                                                  \
                "smmulr %[v], %[v], %[t0]\n\t"                                                                       \
                "add %[t1], %[t1], %[v]\n\t"                                                                         \
                "add %[v], %[t1], %[v], asr #31\n\t"                                                                 \
                "ldr %[t0], [%[r]], #4\n\t"                                                                          \
                "asr %[v], %[v], %[t0]"                                                                              \
                : [v] "=&r"(v), [r] "+r"(rec), [t0] "=&r"(t0_), [t1] "=&r"(t1_)                                     \
                : [x0] "r"(x0), [x1] "r"(x1), [x2] "r"(x2), [x3] "r"(x3), [x4] "r"(x4)                              \
                : "memory");                                                                                         \
    } while (0)
#else
#define NNCUBE_DW_PAIRS_3X3_CHANNEL(v)                                                                               \
    do {                                                                                                             \
        int32_t a_ = (int32_t)rec[0];                                                                                \
        a_ = NNCUBE_DW_SMLAD(x0, rec[1], a_);                                                                        \
        a_ = NNCUBE_DW_SMLAD(x1, rec[2], a_);                                                                        \
        a_ = NNCUBE_DW_SMLAD(x2, rec[3], a_);                                                                        \
        a_ = NNCUBE_DW_SMLAD(x3, rec[4], a_);                                                                        \
        a_ = NNCUBE_DW_SMLAD(x4, rec[5], a_);                                                                        \
        (v) = nncube_dw_fold_requantize(a_, rec + 6);                                                               \
        rec += 5 + NNCUBE_DW_PAIRS_EXTRA;                                                                            \
    } while (0)
#endif

/* The output value v clamped to [lo, hi]. */
#define NNCUBE_DW_PAIRS_STORE(v)                                                                                     \
    do {                                                                                                             \
        int32_t c_ = (v) < lo ? lo : (v);                                                                            \
        c_ = c_ > hi ? hi : c_;                                                                                      \
        *out++ = (int8_t)c_;                                                                                         \
    } while (0)

/* `n` output channels from the `words` pair words `xw` of any window, their records from `rec` on, clamped
 * to [lo, hi]. Two channels a pass: each pair word of the window is loaded once for both. */
static void nncube_dw_pairs_channels(const uint32_t *xw, int32_t words, const uint32_t *rec, int32_t n, int32_t lo,
                                     int32_t hi, int8_t *out)
{
    const int32_t stride = words + NNCUBE_DW_PAIRS_EXTRA;
    int32_t i, j;
    for (i = 0; i < n; i += 2, rec += 2 * stride) {
        /* An odd last channel runs against itself (its second result is dropped). */
        const uint32_t *g = i + 1 < n ? rec + stride : rec;
        int32_t acc = (int32_t)rec[0];
        int32_t acc2 = (int32_t)g[0];
        int32_t v;
#if NNCUBE_DW_SIMD && NNCUBE_DW_ASM
        if (words % 2 == 0) {
            /* Post-indexed LDRD walks the window and both records (9 instructions per 2 words, 8 products). */
            const uint32_t *xp = xw;
            const uint32_t *fp = rec + 1;
            const uint32_t *gp = g + 1;
            int32_t steps = words / 2;
            uint32_t x0_, x1_, f0_, f1_;
            __asm__("1:\n\t"
                    "ldrd %[x0], %[x1], [%[xp]], #8\n\t"
                    "ldrd %[f0], %[f1], [%[fp]], #8\n\t"
                    "smlad %[a], %[x0], %[f0], %[a]\n\t"
                    "smlad %[a], %[x1], %[f1], %[a]\n\t"
                    "ldrd %[f0], %[f1], [%[gp]], #8\n\t"
                    "smlad %[b], %[x0], %[f0], %[b]\n\t"
                    "smlad %[b], %[x1], %[f1], %[b]\n\t"
                    "subs %[n], %[n], #1\n\t"
                    "bne 1b"
                    : [a] "+r"(acc), [b] "+r"(acc2), [xp] "+r"(xp), [fp] "+r"(fp), [gp] "+r"(gp), [n] "+r"(steps),
                      [x0] "=&r"(x0_), [x1] "=&r"(x1_), [f0] "=&r"(f0_), [f1] "=&r"(f1_)
                    :
                    : "cc", "memory");
            j = words + 1;
        } else
#endif
        for (j = 1; j < words; j += 2) {
            const uint32_t x0 = xw[j - 1];
            const uint32_t x1 = xw[j];
            acc = NNCUBE_DW_SMLAD(x0, rec[j], acc);
            acc2 = NNCUBE_DW_SMLAD(x0, g[j], acc2);
            acc = NNCUBE_DW_SMLAD(x1, rec[j + 1], acc);
            acc2 = NNCUBE_DW_SMLAD(x1, g[j + 1], acc2);
        }
        if (j == words) {
            acc = NNCUBE_DW_SMLAD(xw[j - 1], rec[j], acc);
            acc2 = NNCUBE_DW_SMLAD(xw[j - 1], g[j], acc2);
        }
        v = nncube_dw_fold_requantize(acc, rec + 1 + words);
        NNCUBE_DW_PAIRS_STORE(v);
        if (i + 1 < n) {
            v = nncube_dw_fold_requantize(acc2, g + 1 + words);
            NNCUBE_DW_PAIRS_STORE(v);
        }
    }
}

/* The geometry and output stage of the paired-tap path. */
typedef struct {
    const nncube_window *w;
    const nncube_dw_pairs_layout *l;
    int32_t depth_multiplier;
    int32_t in_off;
    uint32_t in_off2; /* the input offset in both 16-bit lanes */
    int32_t lo, hi;
    const uint32_t *rec; /* the records of every output channel */
} nncube_dw_pairs_ctx;

/* One output pixel through nncube_dw_pairs_gather (any window clipping, any input channel count). */
static NNCUBE_DW_NOINLINE void nncube_dw_pairs_pixel(const nncube_dw_pairs_ctx *k, const int8_t *input,
                                                     int32_t origin, const nncube_dw_span *s, int8_t *out)
{
    uint32_t xw[NNCUBE_DW_PAIRS_MAX_WORDS];
    const int32_t words = k->l->words;
    const int32_t m = k->depth_multiplier;
    int32_t ic;
    for (ic = 0; ic < k->w->in_c; ++ic) {
        nncube_dw_pairs_gather(k->w, k->l, input, origin + ic, s, k->in_off, xw);
        nncube_dw_pairs_channels(xw, words, k->rec + ic * m * (words + NNCUBE_DW_PAIRS_EXTRA), m, k->lo,
                                 k->hi, out);
        out += m;
    }
}

#if NNCUBE_DW_SIMD
/* `pixels` output pixels of one row whose 3x3 windows lie inside a 1-channel input, the first window's top-left
 * byte at `x`, the next `step` bytes further: three 32-bit row loads give the 5 pair words (a row's fourth byte
 * meets a zero filter tap; the caller checks that it is in the image), then depth_multiplier channels. */
static NNCUBE_DW_NOINLINE void nncube_dw_pairs_3x3_run(const nncube_dw_pairs_ctx *k, const int8_t *x, int32_t step,
                                                       int32_t pixels, int8_t *out)
{
    const int32_t row = k->w->dilation_h * k->w->in_w;
    const int32_t m = k->depth_multiplier;
    const uint32_t in_off2 = k->in_off2;
    const int32_t lo = k->lo, hi = k->hi;
    for (; pixels > 0; --pixels, x += step) {
        const uint32_t r0 = nncube_load4(x);
        const uint32_t r1 = nncube_load4(x + row);
        const uint32_t r2 = nncube_load4(x + 2 * row);
        const uint32_t x0 = __sxtab16(in_off2, r0);
        const uint32_t x1 = (nncube_dw_sxtab16_odd(in_off2, r0) & 0xFFFFu) | (nncube_dw_sxtab16_odd(in_off2, r1) << 16);
        const uint32_t x2 = __sxtab16(in_off2, r1);
        const uint32_t x3 = __sxtab16(in_off2, r2);
        const uint32_t x4 = nncube_dw_sxtab16_odd(in_off2, r2);
        const uint32_t *rec = k->rec;
        int8_t *const end = out + m;
        while (out < end) {
            int32_t v;
            NNCUBE_DW_PAIRS_3X3_CHANNEL(v);
            NNCUBE_DW_PAIRS_STORE(v);
        }
    }
}

/* As nncube_dw_pairs_3x3_run for any window in the generic order: each row's taps from 32-bit loads of 4 bytes
 * (bytes past the window meet zero filter taps). */
static NNCUBE_DW_NOINLINE void nncube_dw_pairs_run(const nncube_dw_pairs_ctx *k, const int8_t *x, int32_t step,
                                                   int32_t pixels, int8_t *out)
{
    uint32_t xw[NNCUBE_DW_PAIRS_MAX_WORDS];
    const int32_t row = k->w->dilation_h * k->w->in_w;
    const int32_t groups = k->l->groups;
    int32_t ky, g;
    for (; pixels > 0; --pixels, x += step) {
        uint32_t *p = xw;
        for (ky = 0; ky < k->w->k_h; ++ky) {
            for (g = 0; g < groups; ++g) {
                const uint32_t v = nncube_load4(x + ky * row + 4 * g);
                *p++ = __sxtab16(k->in_off2, v);
                *p++ = nncube_dw_sxtab16_odd(k->in_off2, v);
            }
        }
        nncube_dw_pairs_channels(xw, k->l->words, k->rec, k->depth_multiplier, k->lo, k->hi, out);
        out += k->depth_multiplier;
    }
}
#endif

/* The whole layer on the paired-tap path (`l` from nncube_dw_pairs_plan). Rows whose windows lie inside the input
 * run their interior pixels through nncube_dw_pairs_3x3_run / nncube_dw_pairs_run (one input channel, DSP builds);
 * every other pixel through nncube_dw_pairs_pixel. */
static NNCUBE_DW_NOINLINE void nncube_dw_pairs_s8(const nncube_window *w, int32_t depth_multiplier,
                                                  const nncube_quant_s8 *q, const nncube_dw_pairs_layout *l,
                                                  const int8_t *input, const int8_t *filter, const int32_t *bias,
                                                  int8_t *output)
{
    uint32_t rec[NNCUBE_DW_PAIRS_MAX_RECORDS];
    const int32_t image = w->in_h * w->in_w * w->in_c;
    const nncube_dw_pairs_ctx k = {w,
                                   l,
                                   depth_multiplier,
                                   q->input_offset,
                                   ((uint32_t)(uint16_t)q->input_offset << 16) | (uint16_t)q->input_offset,
                                   q->act_min,
                                   q->act_max,
                                   rec};
    /* Interior runs: one input channel, no dilation across; the first column whose window starts inside. */
    const int runs = NNCUBE_DW_SIMD && w->in_c == 1 && w->dilation_w == 1;
    const int32_t ox_first = (w->pad_left + w->stride_w - 1) / w->stride_w;
    int32_t b, oy, ox;
    int8_t *out = output;
    nncube_dw_pairs_records(w, l, q, filter, bias, rec);
    for (b = 0; b < w->batches; ++b) {
        const int8_t *in = input + (size_t)b * (size_t)image;
        for (oy = 0; oy < w->out_h; ++oy) {
            const int32_t iy0 = oy * w->stride_h - w->pad_top;
            int32_t run_begin = w->out_w, run_end = w->out_w;
            nncube_dw_span s;
            nncube_dw_clip(iy0, w->dilation_h, w->k_h, w->in_h, &s.ky0, &s.ky1);
            if (runs && s.ky0 == 0 && s.ky1 == w->k_h) {
                /* Bytes a window's row loads reach from its first column: the window's width, or 4 per group
                 * where the last row of the window is the image's last (nothing follows it). */
                const int32_t last_row = iy0 + (w->k_h - 1) * w->dilation_h == w->in_h - 1;
                const int32_t reach = last_row ? (l->is_3x3 ? 4 : 4 * l->groups) : w->k_w;
                const int32_t span = w->in_w + w->pad_left - reach;
                run_begin = ox_first < w->out_w ? ox_first : w->out_w;
                run_end = span >= 0 ? span / w->stride_w + 1 : 0;
                run_end = run_end < run_begin ? run_begin : (run_end > w->out_w ? w->out_w : run_end);
            }
            for (ox = 0; ox < w->out_w; ++ox) {
                const int32_t ix0 = ox * w->stride_w - w->pad_left;
                const int32_t origin = (iy0 * w->in_w + ix0) * w->in_c;
#if NNCUBE_DW_SIMD
                if (ox == run_begin && run_end > run_begin) {
                    const int32_t n = run_end - run_begin;
                    if (l->is_3x3) {
                        nncube_dw_pairs_3x3_run(&k, in + origin, w->stride_w, n, out);
                    } else {
                        nncube_dw_pairs_run(&k, in + origin, w->stride_w, n, out);
                    }
                    out += n * w->out_c;
                    ox = run_end - 1;
                    continue;
                }
#endif
                nncube_dw_clip(ix0, w->dilation_w, w->k_w, w->in_w, &s.kx0, &s.kx1);
                nncube_dw_pairs_pixel(&k, in, origin, &s, out);
                out += w->out_c;
            }
        }
    }
}

#if NNCUBE_DW_SIMD
/* The 3x3 path for one pixel: nncube_dw_3x3_blocks (window inside the input) or nncube_dw_3x3_clipped_blocks
 * (border) for the channels in groups of 4, the general loops for the last in_c % 4. */
static void nncube_dw_pixel_3x3_s8(const nncube_window *w, const nncube_quant_s8 *q, const nncube_dw_3x3_ctx *k,
                                   const uint32_t *rq, const int8_t *input, int32_t origin, const nncube_dw_span *s,
                                   const int8_t *filter, const int32_t *bias, int8_t *out)
{
    const int32_t c0 = w->in_c & ~3;
    int32_t acc[3];
    if (s->ky0 == 0 && s->ky1 == 3 && s->kx0 == 0 && s->kx1 == 3) {
        nncube_dw_3x3_blocks(k, input + origin, filter, bias, rq, c0 / 4, 1, 0, out);
    } else {
        /* An empty window (no column inside the input) leaves the bias: zero rows. */
        const int32_t rows = s->kx1 > s->kx0 ? s->ky1 - s->ky0 : 0;
        nncube_dw_3x3_clipped_blocks(k, input + (origin + s->ky0 * k->row + s->kx0 * k->col),
                                     filter + (s->ky0 * 3 + s->kx0) * k->ch, bias, rq, c0 / 4, rows,
                                     s->kx1 - s->kx0, out);
    }
    if (c0 < w->in_c) {
        nncube_dw_accumulate(w, q, NULL, 0, bias, input, origin, s, filter, c0, w->in_c - c0, acc);
        nncube_dw_requantize(q, 1, c0, w->in_c - c0, acc, out + c0);
    }
}
/* Most channels of the 3x3 path: its requantization records (3 words a channel) are on the stack, 3 KiB. */
#define NNCUBE_DW_3X3_MAX_CHANNELS 256

/* The whole layer on the 3x3 path (depth multiplier 1, see nncube_dw_pixel_3x3_s8), with the requantization
 * records of its channels built once. A function of its own so that its records and the paired-tap path's never
 * share a stack frame. */
static NNCUBE_DW_NOINLINE void nncube_dw_3x3_s8(const nncube_window *w, const nncube_quant_s8 *q,
                                                const int8_t *input, const int8_t *filter, const int32_t *bias,
                                                int8_t *output)
{
    uint32_t rq[3 * NNCUBE_DW_3X3_MAX_CHANNELS];
    const int32_t image = w->in_h * w->in_w * w->in_c;
    const nncube_dw_3x3_ctx k = {w->dilation_w * w->in_c,
                                 w->dilation_h * w->in_w * w->in_c,
                                 w->in_c,
                                 ((uint32_t)(uint16_t)q->input_offset << 16) | (uint16_t)q->input_offset,
                                 q->act_min,
                                 q->act_max};
    /* No in_c % 4 leftover: each row's interior pixels go to nncube_dw_3x3_blocks in one call. The interior columns
     * are [ox_first, ox_end): the window starts at or after column 0 and ends at or before column in_w - 1. */
    const int whole_groups = w->in_c % 4 == 0;
    const int32_t ox_first = (w->pad_left + w->stride_w - 1) / w->stride_w;
    const int32_t last_start = w->in_w - 3 + w->pad_left;
    int32_t ox_end = last_start >= 0 ? last_start / w->stride_w + 1 : 0;
    int32_t b, oy, ox, c;
    int8_t *out = output;
    for (c = 0; c < w->in_c; ++c) {
        nncube_dw_fold_record(q, c, rq + 3 * c);
    }
    ox_end = ox_end > w->out_w ? w->out_w : ox_end;
    for (b = 0; b < w->batches; ++b) {
        const int8_t *in = input + (size_t)b * (size_t)image;
        for (oy = 0; oy < w->out_h; ++oy) {
            const int32_t iy0 = oy * w->stride_h - w->pad_top;
            nncube_dw_span s;
            int interior_rows;
            nncube_dw_clip(iy0, w->dilation_h, 3, w->in_h, &s.ky0, &s.ky1);
            interior_rows = s.ky0 == 0 && s.ky1 == 3;
            for (ox = 0; ox < w->out_w; ++ox) {
                const int32_t ix0 = ox * w->stride_w - w->pad_left;
                const int32_t origin = (iy0 * w->in_w + ix0) * w->in_c;
                /* Dilation 1 across: the columns inside the input (as nncube_dw_clip gives them). */
                s.kx0 = ix0 >= 0 ? 0 : (ix0 > -3 ? -ix0 : 3);
                s.kx1 = w->in_w - ix0 < 3 ? w->in_w - ix0 : 3;
                s.kx1 = s.kx1 < s.kx0 ? s.kx0 : s.kx1;
                if (interior_rows && whole_groups && ox == ox_first && ox_end > ox_first) {
                    const int32_t n = ox_end - ox_first;
                    nncube_dw_3x3_blocks(&k, in + origin, filter, bias, rq, w->in_c / 4, n, w->stride_w * w->in_c,
                                         out);
                    out += n * w->out_c;
                    ox = ox_end - 1;
                    continue;
                } else {
                    nncube_dw_pixel_3x3_s8(w, q, &k, rq, in, origin, &s, filter, bias, out);
                }
                out += w->out_c;
            }
        }
    }
}
#endif

void nncube_depthwise_conv2d_s8(const nncube_window *w, int32_t depth_multiplier, const nncube_quant_s8 *q,
                                const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output)
{
    const int32_t image = w->in_h * w->in_w * w->in_c;
    /* The table-driven path: depth multiplier 1, a symmetric filter, at most NNCUBE_DW_MAX_TAPS taps. The table is
     * rebuilt only when the clipped window changes (interior pixels share one). */
    const int use_table = depth_multiplier == 1 && q->filter_offset == 0 && w->k_h * w->k_w <= NNCUBE_DW_MAX_TAPS;
    const int narrow = nncube_dw_narrow_ok(w, q, bias);
#if NNCUBE_DW_SIMD
    /* The 3x3 path (nncube_dw_3x3_s8), every pixel. */
    if (depth_multiplier == 1 && narrow && q->filter_offset == 0 && bias != NULL && w->k_h == 3 && w->k_w == 3 &&
        w->dilation_w == 1 && w->in_c <= NNCUBE_DW_3X3_MAX_CHANNELS && nncube_dw_fold_ok(w, q)) {
        nncube_dw_3x3_s8(w, q, input, filter, bias, output);
        return;
    }
#endif
    nncube_dw_pairs_layout pairs;
    int32_t table[2 * NNCUBE_DW_MAX_TAPS];
    nncube_dw_span table_span = {-1, -1, -1, -1};
    int32_t ntaps = 0;
    int32_t b, oy, ox;
    int8_t *out = output;
    if (depth_multiplier >= 2 && narrow && q->filter_offset == 0 && nncube_dw_fold_ok(w, q) &&
        nncube_dw_pairs_plan(w, &pairs)) {
        nncube_dw_pairs_s8(w, depth_multiplier, q, &pairs, input, filter, bias, output);
        return;
    }
    for (b = 0; b < w->batches; ++b) {
        const int8_t *in = input + (size_t)b * (size_t)image;
        for (oy = 0; oy < w->out_h; ++oy) {
            const int32_t iy0 = oy * w->stride_h - w->pad_top;
            nncube_dw_span s;
            nncube_dw_clip(iy0, w->dilation_h, w->k_h, w->in_h, &s.ky0, &s.ky1);
            for (ox = 0; ox < w->out_w; ++ox) {
                const int32_t ix0 = ox * w->stride_w - w->pad_left;
                const int32_t origin = (iy0 * w->in_w + ix0) * w->in_c;
                nncube_dw_clip(ix0, w->dilation_w, w->k_w, w->in_w, &s.kx0, &s.kx1);
                if (depth_multiplier == 1) {
                    if (use_table && (s.ky0 != table_span.ky0 || s.ky1 != table_span.ky1 ||
                                      s.kx0 != table_span.kx0 || s.kx1 != table_span.kx1)) {
                        ntaps = nncube_dw_build_taps(w, &s, table);
                        table_span = s;
                    }
                    nncube_dw_pixel_s8(w, q, narrow, use_table ? table : NULL, ntaps, in, origin, &s, filter, bias, out);
                } else {
                    nncube_dw_pixel_general_s8(w, depth_multiplier, q, narrow, in, origin, &s, filter, bias, out);
                }
                out += w->out_c;
            }
        }
    }
}

void nncube_depthwise_conv2d_f32(const nncube_window *w, int32_t depth_multiplier,
                                 const nncube_clamp_f32_params *c, const float *input, const float *filter,
                                 const float *bias, float *output)
{
    int32_t b, oy, ox, ic, m, ky, kx;
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                const int32_t iy0 = oy * w->stride_h - w->pad_top;
                const int32_t ix0 = ox * w->stride_w - w->pad_left;
                float *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                for (ic = 0; ic < w->in_c; ++ic) {
                    for (m = 0; m < depth_multiplier; ++m) {
                        const int32_t oc = ic * depth_multiplier + m;
                        float total = 0.0f;
                        for (ky = 0; ky < w->k_h; ++ky) {
                            const int32_t iy = iy0 + ky * w->dilation_h;
                            if (iy < 0 || iy >= w->in_h) {
                                continue;
                            }
                            for (kx = 0; kx < w->k_w; ++kx) {
                                const int32_t ix = ix0 + kx * w->dilation_w;
                                if (ix < 0 || ix >= w->in_w) {
                                    continue;
                                }
                                total += input[(((size_t)b * w->in_h + iy) * w->in_w + ix) * w->in_c + ic] *
                                         filter[((size_t)ky * w->k_w + kx) * w->out_c + oc];
                            }
                        }
                        if (bias != NULL) {
                            total += bias[oc];
                        }
                        out[oc] = nncube_clamp_f32(total, c->act_min, c->act_max);
                    }
                }
            }
        }
    }
}
