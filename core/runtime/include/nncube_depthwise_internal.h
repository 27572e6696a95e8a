/*
 * nncube runtime: what the depthwise convolution's files share (internal, not part of the kernel API).
 * nncube_depthwise.c (dispatch; the generic, table-driven and plain paths; float32), nncube_depthwise_paired.c (the
 * paired-tap path for depth multipliers >= 2) and nncube_depthwise_3x3.c (3x3 on its generation-time layout)
 * include it: the window span and its
 * clipping, the folded requantization records, the DSP helpers, the paired-tap layout and its entry point.
 */
#ifndef NNCUBE_DEPTHWISE_INTERNAL_H
#define NNCUBE_DEPTHWISE_INTERNAL_H

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
static inline void nncube_dw_clip(int32_t origin, int32_t dilation, int32_t k, int32_t size, int32_t *lo,
                                  int32_t *hi)
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

#if defined(__GNUC__)
#define NNCUBE_DW_NOINLINE __attribute__((noinline))
#define NNCUBE_DW_ALWAYS_INLINE __attribute__((always_inline))
#else
#define NNCUBE_DW_NOINLINE
#define NNCUBE_DW_ALWAYS_INLINE
#endif

/* Output channel oc's requantization record: its multiplier, the rounding constant (half of 2^right plus the
 * output offset shifted left by right) and its right shift. */
static inline void nncube_dw_fold_record(const nncube_quant_s8 *q, int32_t oc, uint32_t *r)
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

#if NNCUBE_DW_SIMD
/* SXTAB16 of the word rotated right by 8 (bytes 1 and 3). GCC does not fold the rotation into the
 * instruction by itself (it emits a separate ROR), so on Thumb-2 it is one line of inline assembly. */
#if defined(__GNUC__) && defined(__thumb2__)
static inline uint32_t nncube_dw_sxtab16_odd(uint32_t add, uint32_t x)
{
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(add), "r"(x));
    return r;
}
#else
static inline uint32_t nncube_dw_sxtab16_odd(uint32_t add, uint32_t x)
{
    return __sxtab16(add, (x >> 8) | (x << 24));
}
#endif

#endif

/* Inline assembly of the depthwise paths (nncube_depthwise_3x3.c, the paired-tap 3x3 block): GCC on Thumb-2 with
 * DSP, optimizing, unless NNCUBE_NO_ASM (as in nncube_matmul.c). The C alternatives compute the same sums. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__thumb2__) && defined(__OPTIMIZE__) && !defined(NNCUBE_NO_ASM)
#define NNCUBE_DW_ASM 1
#else
#define NNCUBE_DW_ASM 0
#endif

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
static inline int nncube_dw_pairs_plan(const nncube_window *w, nncube_dw_pairs_layout *l)
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


/* The whole layer on the paired-tap path, defined in nncube_depthwise_paired.c. */
void nncube_dw_pairs_s8(const nncube_window *w, int32_t depth_multiplier, const nncube_quant_s8 *q,
                        const nncube_dw_pairs_layout *l, const int8_t *input, const int8_t *filter,
                        const int32_t *bias, int8_t *output);

#endif /* NNCUBE_DEPTHWISE_INTERNAL_H */
