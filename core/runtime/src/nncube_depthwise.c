/*
 * nncube runtime: depthwise 2-D convolution (int8 per-channel, float32) with a depth multiplier.
 * Output channel oc = ic * depth_multiplier + m reads input channel ic. Pixels are produced in NHWC order and
 * each output pixel reads only its own window.
 *
 * int8 paths (docs/kernels.md, "Depthwise convolution"), fastest first. Depth multiplier >= 2: the paired-tap path
 * (each window as int16 pairs of taps, one SMLAD per pair and output channel against per-channel records built on
 * the stack once per call). Depth-multiplier-1 layers (3x3 windows that code generation lays out at generation time
 * take nncube_depthwise_3x3_s8 in nncube_depthwise_3x3.c instead): the window clipped to the input once, its taps
 * a table of (input, filter) offsets rebuilt only when the clipping changes (groups of 4 channels, one 32-bit load
 * bringing 4 channels of one tap; on cores with the DSP extension SXTAB16 widens bytes 0/2 and 1/3 to 16-bit lanes
 * while adding the zero-point offset and SMLABB/SMLATT accumulate each channel), accumulation and the
 * division-free output stage as two loops over chunks of 32 channels. Other depth multipliers that are multiples
 * of 4 broadcast one input byte against 4 filter bytes; the rest take a plain loop.
 *
 * The paired-tap path is in nncube_depthwise_paired.c; what the files share is in nncube_depthwise_internal.h.
 */
#include "nncube_depthwise_internal.h"

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

void nncube_depthwise_conv2d_s8(const nncube_window *w, int32_t depth_multiplier, const nncube_quant_s8 *q,
                                const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output)
{
    const int32_t image = w->in_h * w->in_w * w->in_c;
    /* The table-driven path: depth multiplier 1, a symmetric filter, at most NNCUBE_DW_MAX_TAPS taps. The table is
     * rebuilt only when the clipped window changes (interior pixels share one). */
    const int use_table = depth_multiplier == 1 && q->filter_offset == 0 && w->k_h * w->k_w <= NNCUBE_DW_MAX_TAPS;
    const int narrow = nncube_dw_narrow_ok(w, q, bias);
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
