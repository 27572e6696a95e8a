/*
 * nncube runtime: the building blocks of the depthwise convolution's 3x3 depth-multiplier-1 path (DSP builds;
 * used by nncube_depthwise.c): its context, the tap of 4 channels, the nine taps of an interior window and the
 * whole clipped windows as inline assembly with GCC (NNCUBE_DW_ASM), the folded output stage of 4 channels.
 */
#ifndef NNCUBE_DEPTHWISE_3X3_H
#define NNCUBE_DEPTHWISE_3X3_H

#include "nncube_depthwise_internal.h"

#if NNCUBE_DW_SIMD
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

/* One tap of 4 channels, then the input pointer moves by `step` and the filter pointer by `fstep` bytes. */
#define NNCUBE_DW_3X3_STEP(step) NNCUBE_DW_3X3_STEP2(step, ch)
#if NNCUBE_DW_ASM
/* One tap of 4 channels as assembly text: the two loads, `advance` (pointer moves), widening and accumulation. */
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
#define NNCUBE_DW_3X3_STEP2(step, fstep)                                                                             \
    do {                                                                                                             \
        uint32_t xw_, fw_, t_, u_;                                                                                   \
        __asm__(NNCUBE_DW_3X3_TAP_ASM("add %[xp], %[xp], %[st]\n\tadd %[fp], %[fp], %[ch]\n\t")                       \
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
#endif

#endif /* NNCUBE_DEPTHWISE_3X3_H */
