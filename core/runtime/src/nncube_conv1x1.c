/*
 * nncube runtime: int8 1x1 convolutions without padding (any stride) with the output stage precomputed per channel
 * at generation time (docs/kernels.md, "1x1 convolutions: channel records"): nncube_conv1x1_small_s8 for in_c 8,
 * 16 or 32, nncube_conv1x1_wide_s8 for in_c a multiple of 16 in [64, 256].
 *
 * The code generator chooses them per layer (core/src/codegen/pack.rs, `pointwise_records`) and writes one record
 * per output channel:
 *   [0]            2 * (bias - zp_in * sum(w)): twice the folded bias;
 *   small:         per group g of 4 input values two words: filter values 4g and 4g + 2 of the channel, doubled,
 *                  as the low / high 16-bit lanes, then 4g + 1 and 4g + 3 likewise (2 * in_c / 4 words);
 *   wide:          the in_c filter values as int8 (in_c / 4 words);
 *   then m, k, e:  the multiplier, 2^(e - 1) + output_offset * 2^e, and the right shift e = -shift in [1, 22].
 * The sum x2 is twice the TFLite accumulator (the small records double the weights, the wide loop doubles the
 * widened input); the generator checked |accumulator| < 2^30 for every input, that the clamp is the whole int8
 * range and that every shift is in [-22, -1]. Then the output is
 *   ssat8((SMMULR(x2, m) + k + (x2 >> 31)) >> e)
 * bit-identical to TFLite's MultiplyByQuantizedMultiplier + output offset (nncube_requantize_narrow, with [x < 0]
 * standing for [SMMULR(x2, m) < 0]: they differ only where the product rounds to 0, and both give 0 there), and
 * SMMLAR adds k to the rounded product in the same instruction. A channel whose output is the same for every
 * input (a zero filter, or a shift so large that every requantized value is 0) gets m = 0, e = 1, k = 2v + 1 and
 * a zero bias: its output is v.
 *
 * Assembly builds (NNCUBE_MATMUL_WIDENED): blocks of 6 output pixels; their input pixels are widened once to
 * 16-bit lanes on the stack (SXTB16, SXTB16 ROR #8), then one assembly loop runs over the channels with the 6 sums
 * in registers from the bias to the stores: per group of 4 input values one LDRD of the channel's two weight
 * words (small; wide: LDR and 2 SXTB16) and per pixel one LDRD of its two row words and 2 SMLAD (19 instructions
 * per 24 MACs; wide: 21), then 5 instructions per output: SMMLAR, ADD, ASR, SSAT, STRB. A last block of fewer
 * pixels writes to a stack buffer that is then copied. Memory contract: a block's input pixels are all read before
 * any of its outputs is written, and blocks go in NHWC order, so output pixel p is written before reading any
 * pixel > p + 5 and after reading pixels <= p + 5 only.
 */
#include "nncube_kernels.h"
#include "nncube_simd.h"

#if NNCUBE_MATMUL_WIDENED
#include <arm_acle.h>
#endif

/* Output pixels per block of the assembly loop. */
#define NNCUBE_PW_PIXELS 6
/* Channels per pass of a last, partial block (its outputs go through a stack buffer of 6 x this many bytes). */
#define NNCUBE_PW_TAIL_CHANNELS 32
/* Largest in_c / 4 of the wide records (in_c 256). */
#define NNCUBE_PW_WIDE_MAX_GROUPS 64

/* The int8 output of twice the accumulator, x2, for the record's m, k, e (see the top of the file). */
static inline int8_t nncube_pw_output(int32_t x2, const int32_t *r)
{
    const int32_t s = (int32_t)(((int64_t)x2 * r[0] + ((int64_t)1 << 31)) >> 32);
    const int32_t v = (s + r[1] + (x2 >> 31)) >> r[2];
    return (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
}

/* Walks the input pixels of the output pixels in NHWC order without a multiplication per pixel. */
typedef struct {
    const int8_t *pixel, *row; /* the current input pixel, the input row of its output row */
    int32_t x, y;              /* its output column and row */
} nncube_pw_walk;

/* The current input pixel; moves to the next output pixel. */
static inline const int8_t *nncube_pw_step(const nncube_window *w, nncube_pw_walk *k, size_t step, size_t row_step,
                                           ptrdiff_t batch_skip)
{
    const int8_t *const p = k->pixel;
    k->pixel += step;
    if (++k->x == w->out_w) {
        k->x = 0;
        k->row += row_step;
        if (++k->y == w->out_h) {
            k->y = 0;
            k->row += batch_skip;
        }
        k->pixel = k->row;
    }
    return p;
}

#if NNCUBE_MATMUL_WIDENED
/* One pixel's first group: its sum starts from the bias (in s0, which pixel 0 updates last). */
#define NNCUBE_PW_FIRST(s, off)                                                                                   \
    "ldrd %[xe], %[xo], [%[rows], #" off "]\n\t"                                                                  \
    "smlad %[" s "], %[xe], %[we], %[s0]\n\t"                                                                     \
    "smlad %[" s "], %[xo], %[wo], %[" s "]\n\t"
/* One pixel's group at .Lnnpw + off (the group's base offset). */
#define NNCUBE_PW_NEXT(s, off)                                                                                    \
    "ldrd %[xe], %[xo], [%[rows], #.Lnnpw + " off "]\n\t"                                                         \
    "smlad %[" s "], %[xe], %[we], %[" s "]\n\t"                                                                  \
    "smlad %[" s "], %[xo], %[wo], %[" s "]\n\t"
/* One pixel's requantization (m in we, k in wo, e in xe). */
#define NNCUBE_PW_RQ(s)                                                                                           \
    "smmlar %[xo], %[" s "], %[we], %[wo]\n\t"                                                                    \
    "add %[" s "], %[xo], %[" s "], asr #31\n\t"                                                                  \
    "asr %[" s "], %[" s "], %[xe]\n\t"                                                                           \
    "ssat %[" s "], #8, %[" s "]\n\t"

/* Channels [0, n) of the records at st for the 6 widened pixels in rows, `groups` (a literal) groups of 4 values:
 * pixel p's outputs at o + p * os. 14 registers: 6 sums, 2 weight words (then m and k), 2 row words (then e and
 * a temporary), the record, row and output pointers and the output stride; the end is read from the stack. */
static inline __attribute__((always_inline)) void nncube_pw_block(const uint32_t *rows, const int32_t *st, int32_t n,
                                                                  int8_t *o, int32_t os, const int32_t groups)
{
    const int32_t *const end = st + (size_t)n * (4 + 2 * groups);
    int32_t s0, s1, s2, s3, s4, s5;
    uint32_t we, wo, xe, xo;
    __asm__ volatile("1:\n\t"
                     "ldr %[s0], [%[st]], #4\n\t"
                     "ldrd %[we], %[wo], [%[st]], #8\n\t" NNCUBE_PW_FIRST("s1", "8") NNCUBE_PW_FIRST("s2", "16")
                         NNCUBE_PW_FIRST("s3", "24") NNCUBE_PW_FIRST("s4", "32") NNCUBE_PW_FIRST("s5", "40")
                             NNCUBE_PW_FIRST("s0", "0") ".set .Lnnpw, 48\n\t"
                     ".rept %c[g] - 1\n\t"
                     "ldrd %[we], %[wo], [%[st]], #8\n\t" NNCUBE_PW_NEXT("s0", "0") NNCUBE_PW_NEXT("s1", "8")
                         NNCUBE_PW_NEXT("s2", "16") NNCUBE_PW_NEXT("s3", "24") NNCUBE_PW_NEXT("s4", "32")
                             NNCUBE_PW_NEXT("s5", "40") ".set .Lnnpw, .Lnnpw + 48\n\t"
                     ".endr\n\t"
                     "ldrd %[we], %[wo], [%[st]], #8\n\t"
                     "ldr %[xe], [%[st]], #4\n\t" NNCUBE_PW_RQ("s0") "strb %[s0], [%[o]]\n\t" NNCUBE_PW_RQ("s1")
                     "strb %[s1], [%[o], %[os]]\n\t"
                     "add %[o], %[o], %[os], lsl #1\n\t" NNCUBE_PW_RQ("s2") "strb %[s2], [%[o]]\n\t" NNCUBE_PW_RQ("s3")
                     "strb %[s3], [%[o], %[os]]\n\t"
                     "add %[o], %[o], %[os], lsl #1\n\t" NNCUBE_PW_RQ("s5") "strb %[s5], [%[o], %[os]]\n\t"
                         NNCUBE_PW_RQ("s4") "strb %[s4], [%[o]], #1\n\t"
                     "sub %[o], %[o], %[os], lsl #2\n\t"
                     "ldr %[xo], %[end]\n\t"
                     "cmp %[st], %[xo]\n\t"
                     "bne 1b"
                     : [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [s4] "=&r"(s4),
                       [s5] "=&r"(s5), [we] "=&r"(we), [wo] "=&r"(wo), [xe] "=&r"(xe), [xo] "=&r"(xo), [st] "+r"(st),
                       [o] "+r"(o)
                     : [rows] "r"(rows), [os] "r"(os), [end] "m"(end), [g] "i"(groups)
                     : "cc", "memory");
}
#undef NNCUBE_PW_FIRST
#undef NNCUBE_PW_NEXT

/* One pixel's group of the wide loop: its row words at p + off. */
#define NNCUBE_PW_WIDE_PX(s, off)                                                                                 \
    "ldrd %[xe], %[xo], [%[p], #" off "]\n\t"                                                                     \
    "smlad %[" s "], %[xe], %[we], %[" s "]\n\t"                                                                  \
    "smlad %[" s "], %[xo], %[wo], %[" s "]\n\t"
/* One group of 4 input values in the wide loop: the channel's weight word widened (SXTB16, SXTB16 ROR #8), then
 * pixels 5 to 0 (pixel 0's LDRD moves p to the next group): 21 instructions per 24 MACs. */
#define NNCUBE_PW_WIDE_GROUP                                                                                      \
    "ldr %[wo], [%[st]], #4\n\t"                                                                                 \
    "sxtb16 %[we], %[wo]\n\t"                                                                                    \
    "sxtb16 %[wo], %[wo], ror #8\n\t" NNCUBE_PW_WIDE_PX("s5", "40") NNCUBE_PW_WIDE_PX("s4", "32")                 \
        NNCUBE_PW_WIDE_PX("s3", "24") NNCUBE_PW_WIDE_PX("s2", "16") NNCUBE_PW_WIDE_PX("s1", "8")                    \
            "ldrd %[xe], %[xo], [%[p]], #48\n\t"                                                                 \
    "smlad %[s0], %[xe], %[we], %[s0]\n\t"                                                                       \
    "smlad %[s0], %[xo], %[wo], %[s0]\n\t"

/* Channels [0, n) of the wide records at st (twice the bias, 4 * groups int8 weights, m, k, e; groups a multiple
 * of 4) for the 6 pixels in rows, widened with their lanes doubled: the sums start from the bias, the group loop
 * runs 4 groups per iteration (the row pointer's start and end are read from the stack), then the same output
 * stage as nncube_pw_block. */
static __attribute__((noinline)) void nncube_pw_block_wide(const uint32_t *rows, const int32_t *st, int32_t n,
                                                           int8_t *o, int32_t os, int32_t groups)
{
    const int32_t *const end = st + (size_t)n * (4 + groups);
    const uint32_t *const rows_end = rows + 2 * NNCUBE_PW_PIXELS * groups;
    int32_t s0, s1, s2, s3, s4, s5;
    uint32_t we, wo, xe, xo;
    const uint32_t *p;
    __asm__ volatile("1:\n\t"
                     "ldr %[s0], [%[st]], #4\n\t"
                     "mov %[s1], %[s0]\n\t"
                     "mov %[s2], %[s0]\n\t"
                     "mov %[s3], %[s0]\n\t"
                     "mov %[s4], %[s0]\n\t"
                     "mov %[s5], %[s0]\n\t"
                     "ldr %[p], %[rows]\n"
                     "2:\n\t" NNCUBE_PW_WIDE_GROUP NNCUBE_PW_WIDE_GROUP NNCUBE_PW_WIDE_GROUP NNCUBE_PW_WIDE_GROUP
                     "ldr %[xe], %[rows_end]\n\t"
                     "cmp %[p], %[xe]\n\t"
                     "bne 2b\n\t"
                     "ldrd %[we], %[wo], [%[st]], #8\n\t"
                     "ldr %[xe], [%[st]], #4\n\t" NNCUBE_PW_RQ("s0") "strb %[s0], [%[o]]\n\t" NNCUBE_PW_RQ("s1")
                     "strb %[s1], [%[o], %[os]]\n\t"
                     "add %[o], %[o], %[os], lsl #1\n\t" NNCUBE_PW_RQ("s2") "strb %[s2], [%[o]]\n\t" NNCUBE_PW_RQ("s3")
                     "strb %[s3], [%[o], %[os]]\n\t"
                     "add %[o], %[o], %[os], lsl #1\n\t" NNCUBE_PW_RQ("s5") "strb %[s5], [%[o], %[os]]\n\t"
                         NNCUBE_PW_RQ("s4") "strb %[s4], [%[o]], #1\n\t"
                     "sub %[o], %[o], %[os], lsl #2\n\t"
                     "ldr %[xo], %[end]\n\t"
                     "cmp %[st], %[xo]\n\t"
                     "bne 1b"
                     : [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [s4] "=&r"(s4),
                       [s5] "=&r"(s5), [we] "=&r"(we), [wo] "=&r"(wo), [xe] "=&r"(xe), [xo] "=&r"(xo), [p] "=&r"(p),
                       [st] "+r"(st), [o] "+r"(o)
                     : [rows] "m"(rows), [rows_end] "m"(rows_end), [os] "r"(os), [end] "m"(end)
                     : "cc", "memory");
}
#undef NNCUBE_PW_WIDE_GROUP
#undef NNCUBE_PW_WIDE_PX
#undef NNCUBE_PW_RQ

/* nncube_pw_block as a function of its own per depth (inlined into the pixel loop its 14 registers are not free). */
static __attribute__((noinline)) void nncube_pw_block2(const uint32_t *rows, const int32_t *st, int32_t n, int8_t *o,
                                                       int32_t os)
{
    nncube_pw_block(rows, st, n, o, os, 2);
}

static __attribute__((noinline)) void nncube_pw_block4(const uint32_t *rows, const int32_t *st, int32_t n, int8_t *o,
                                                       int32_t os)
{
    nncube_pw_block(rows, st, n, o, os, 4);
}

static __attribute__((noinline)) void nncube_pw_block8(const uint32_t *rows, const int32_t *st, int32_t n, int8_t *o,
                                                       int32_t os)
{
    nncube_pw_block(rows, st, n, o, os, 8);
}

/* nncube_pw_block for `groups` (a literal), or nncube_pw_block_wide (`wide`, a literal). */
static inline void nncube_pw_block_call(const uint32_t *rows, const int32_t *st, int32_t n, int8_t *o, int32_t os,
                                        const int32_t groups, const int wide)
{
    if (wide) {
        nncube_pw_block_wide(rows, st, n, o, os, groups);
    } else if (groups == 2) {
        nncube_pw_block2(rows, st, n, o, os);
    } else if (groups == 4) {
        nncube_pw_block4(rows, st, n, o, os);
    } else {
        nncube_pw_block8(rows, st, n, o, os);
    }
}

/* The layer with `groups` groups of 4 input values (a literal unless `wide`): blocks of 6 pixels, each widened
 * into rows (group g of pixel p at words 2 * (6g + p): SXTB16, values 4g and 4g + 2; and 2 * (6g + p) + 1:
 * SXTB16 ROR #8, 4g + 1 and 4g + 3; both doubled with SADD16 for the wide records, whose weights are not), then
 * the block loop; the last block, if partial, through a stack buffer. */
static inline __attribute__((always_inline)) void nncube_pw_run(const nncube_window *w, const int32_t *records,
                                                                const int8_t *input, int8_t *output,
                                                                const int32_t groups, const int wide,
                                                                uint32_t *rows)
{
    const int32_t rec = wide ? 4 + groups : 4 + 2 * groups;
    const int32_t pixels = w->batches * w->out_h * w->out_w;
    const int32_t out_c = w->out_c;
    const size_t in_row = (size_t)w->in_w * w->in_c;
    const size_t step = (size_t)w->stride_w * w->in_c;
    const size_t row_step = (size_t)w->stride_h * in_row;
    const ptrdiff_t batch_skip = (ptrdiff_t)((size_t)w->in_h * in_row) - (ptrdiff_t)((size_t)w->out_h * row_step);
    nncube_pw_walk k;
    int32_t p;
    k.pixel = k.row = input;
    k.x = k.y = 0;
    for (p = 0; p < pixels; p += NNCUBE_PW_PIXELS) {
        const int32_t n = pixels - p < NNCUBE_PW_PIXELS ? pixels - p : NNCUBE_PW_PIXELS;
        const int8_t *src = NULL;
        int32_t i, g;
        for (i = 0; i < NNCUBE_PW_PIXELS; ++i) {
            uint32_t *r = rows + 2 * i;
            if (i < n) {
                src = nncube_pw_step(w, &k, step, row_step, batch_skip);
            } /* else: a missing pixel of the last block repeats the previous one (computed, not stored) */
            for (g = 0; g < groups; ++g, r += 2 * NNCUBE_PW_PIXELS) {
                const uint32_t v = nncube_load4(src + 4 * g);
                uint32_t o;
                __asm__("sxtb16 %0, %1, ror #8" : "=r"(o) : "r"(v));
                if (wide) {
                    r[0] = __sadd16(__sxtb16(v), __sxtb16(v));
                    r[1] = __sadd16(o, o);
                } else {
                    r[0] = __sxtb16(v);
                    r[1] = o;
                }
            }
        }
        if (n == NNCUBE_PW_PIXELS) {
            nncube_pw_block_call(rows, records, out_c, output + (size_t)p * out_c, out_c, groups, wide);
        } else {
            int8_t tail[NNCUBE_PW_PIXELS * NNCUBE_PW_TAIL_CHANNELS];
            int32_t c0, c;
            for (c0 = 0; c0 < out_c; c0 += NNCUBE_PW_TAIL_CHANNELS) {
                const int32_t m = out_c - c0 < NNCUBE_PW_TAIL_CHANNELS ? out_c - c0 : NNCUBE_PW_TAIL_CHANNELS;
                nncube_pw_block_call(rows, records + (size_t)c0 * rec, m, tail, m, groups, wide);
                for (i = 0; i < n; ++i) {
                    for (c = 0; c < m; ++c) {
                        output[(size_t)(p + i) * out_c + c0 + c] = tail[i * m + c];
                    }
                }
            }
        }
    }
}
#endif

#if !NNCUBE_MATMUL_WIDENED
/* Portable: pixel by pixel, each read whole before it is written (the output may overlap the input). */
static void nncube_pw_portable(const nncube_window *w, const int32_t *records, const int8_t *input, int8_t *output)
{
    const int32_t pixels = w->batches * w->out_h * w->out_w;
    const int32_t groups = w->in_c / 4;
    const int wide = w->in_c > 32;
    const int32_t rec = wide ? 4 + groups : 4 + 2 * groups;
    const size_t in_row = (size_t)w->in_w * w->in_c;
    const size_t row_step = (size_t)w->stride_h * in_row;
    nncube_pw_walk k;
    int32_t p;
    k.pixel = k.row = input;
    k.x = k.y = 0;
    for (p = 0; p < pixels; ++p) {
        const int8_t *src = nncube_pw_step(w, &k, (size_t)w->stride_w * w->in_c, row_step,
                                           (ptrdiff_t)((size_t)w->in_h * in_row) - (ptrdiff_t)((size_t)w->out_h * row_step));
        int8_t a[4 * NNCUBE_PW_WIDE_MAX_GROUPS];
        int8_t *out = output + (size_t)p * w->out_c;
        const int32_t *r = records;
        int32_t c, g;
        for (g = 0; g < 4 * groups; ++g) {
            a[g] = src[g];
        }
        for (c = 0; c < w->out_c; ++c, r += rec) {
            int32_t x2 = r[0];
            if (wide) {
                const int8_t *f = (const int8_t *)(r + 1);
                int32_t acc = 0;
                for (g = 0; g < 4 * groups; ++g) {
                    acc += a[g] * f[g];
                }
                x2 += 2 * acc;
            } else {
                for (g = 0; g < groups; ++g) {
                    const uint32_t e = (uint32_t)r[1 + 2 * g], o = (uint32_t)r[2 + 2 * g];
                    x2 += a[4 * g] * (int16_t)(e & 0xFFFFu) + a[4 * g + 2] * (int16_t)(e >> 16) +
                          a[4 * g + 1] * (int16_t)(o & 0xFFFFu) + a[4 * g + 3] * (int16_t)(o >> 16);
                }
            }
            out[c] = nncube_pw_output(x2, r + rec - 3);
        }
    }
}
#endif

void nncube_conv1x1_small_s8(const nncube_window *w, const int32_t *records, const int8_t *input, int8_t *output)
{
#if NNCUBE_MATMUL_WIDENED
    uint32_t rows[2 * NNCUBE_PW_PIXELS * 8];
    if (w->in_c == 8) {
        nncube_pw_run(w, records, input, output, 2, 0, rows);
    } else if (w->in_c == 16) {
        nncube_pw_run(w, records, input, output, 4, 0, rows);
    } else {
        nncube_pw_run(w, records, input, output, 8, 0, rows);
    }
#else
    nncube_pw_portable(w, records, input, output);
#endif
}

void nncube_conv1x1_wide_s8(const nncube_window *w, const int32_t *records, const int8_t *input, int8_t *output)
{
#if NNCUBE_MATMUL_WIDENED
    uint32_t rows[2 * NNCUBE_PW_PIXELS * NNCUBE_PW_WIDE_MAX_GROUPS];
    nncube_pw_run(w, records, input, output, w->in_c / 4, 1, rows);
#else
    nncube_pw_portable(w, records, input, output);
#endif
}
