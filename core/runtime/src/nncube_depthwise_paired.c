/*
 * nncube runtime: the paired-tap path of the int8 depthwise convolution for depth multipliers >= 2 (docs/kernels.md,
 * "Depthwise convolution"; the tap order is described with nncube_dw_pairs_layout in nncube_depthwise_internal.h):
 * per-channel records built on the stack once per call, one SMLAD per pair of taps and output channel, interior
 * runs of one-channel rows on DSP builds. nncube_depthwise.c plans the layout and dispatches here.
 */
#include "nncube_depthwise_internal.h"

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
 * every other pixel through nncube_dw_pairs_pixel. Called by nncube_depthwise_conv2d_s8 (nncube_depthwise.c). */
NNCUBE_DW_NOINLINE void nncube_dw_pairs_s8(const nncube_window *w, int32_t depth_multiplier,
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
