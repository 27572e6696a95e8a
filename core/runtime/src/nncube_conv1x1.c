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
 * pixel > p + 5 and after reading pixels <= p + 5 only. The wide loop's last block of at most 3 pixels runs a
 * 3-pixel loop (nncube_pw_block_wide3).
 *
 * nncube_conv_pool1x1_wide_s8 / _deep_s8 run 1x1 conv+pool layers on the same wide records: per pooled pixel the
 * conv pixels of its window in blocks of 6 (deep: 5 and a last one of 4), requantized to int8 by the block loop
 * and folded into int16 pool accumulators (docs/kernels.md, "Few pixels and 1x1 conv+pool").
 */
#include "nncube_fixedpoint.h"
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
/* The output stage of a 6-pixel block: the channel's record (m, k, e), then each pixel's value stored at its output
 * pixel (stride os), the output pointer left on the next channel. */
#define NNCUBE_PW_STORE6                                                                                          \
    "ldrd %[we], %[wo], [%[st]], #8\n\t"                                                                          \
    "ldr %[xe], [%[st]], #4\n\t" NNCUBE_PW_RQ("s0") "strb %[s0], [%[o]]\n\t" NNCUBE_PW_RQ("s1")                   \
    "strb %[s1], [%[o], %[os]]\n\t"                                                                               \
    "add %[o], %[o], %[os], lsl #1\n\t" NNCUBE_PW_RQ("s2") "strb %[s2], [%[o]]\n\t" NNCUBE_PW_RQ("s3")            \
    "strb %[s3], [%[o], %[os]]\n\t"                                                                               \
    "add %[o], %[o], %[os], lsl #1\n\t" NNCUBE_PW_RQ("s5") "strb %[s5], [%[o], %[os]]\n\t" NNCUBE_PW_RQ("s4")     \
    "strb %[s4], [%[o]], #1\n\t"                                                                                  \
    "sub %[o], %[o], %[os], lsl #2\n\t"

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
                     NNCUBE_PW_STORE6
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
                     NNCUBE_PW_STORE6
                     "ldr %[xo], %[end]\n\t"
                     "cmp %[st], %[xo]\n\t"
                     "bne 1b"
                     : [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [s4] "=&r"(s4),
                       [s5] "=&r"(s5), [we] "=&r"(we), [wo] "=&r"(wo), [xe] "=&r"(xe), [xo] "=&r"(xo), [p] "=&r"(p),
                       [st] "+r"(st), [o] "+r"(o)
                     : [rows] "m"(rows), [rows_end] "m"(rows_end), [os] "r"(os), [end] "m"(end)
                     : "cc", "memory");
}
/* One group of 4 input values for 3 pixels (group g of pixel p at words 2 * (3g + p); pixel 0's LDRD moves p to
 * the next group):
 * 12 instructions per 12 MACs. */
#define NNCUBE_PW_WIDE3_GROUP                                                                                     \
    "ldr %[wo], [%[st]], #4\n\t"                                                                                 \
    "sxtb16 %[we], %[wo]\n\t"                                                                                    \
    "sxtb16 %[wo], %[wo], ror #8\n\t" NNCUBE_PW_WIDE_PX("s2", "16") NNCUBE_PW_WIDE_PX("s1", "8")                 \
        "ldrd %[xe], %[xo], [%[p]], #24\n\t"                                                                     \
    "smlad %[s0], %[xe], %[we], %[s0]\n\t"                                                                       \
    "smlad %[s0], %[xo], %[wo], %[s0]\n\t"

/* nncube_pw_block_wide for 3 pixels, widened as there but 3 per group (a last block of at most 3 pixels): pixel
 * p's outputs at o + p * os; the group loop runs 8 groups per iteration (groups a multiple of 4: an odd count of 4
 * runs one half iteration first). */
static __attribute__((noinline)) void nncube_pw_block_wide3(const uint32_t *rows, const int32_t *st, int32_t n,
                                                            int8_t *o, int32_t os, int32_t groups)
{
    const int32_t *const end = st + (size_t)n * (4 + groups);
    const uint32_t *const rows_end = rows + 6 * groups;
    int32_t s0, s1, s2;
    uint32_t we, wo, xe, xo;
    const uint32_t *p;
    __asm__ volatile("1:\n\t"
                     "ldr %[s0], [%[st]], #4\n\t"
                     "mov %[s1], %[s0]\n\t"
                     "mov %[s2], %[s0]\n\t"
                     "mov %[p], %[rows]\n\t"
                     "tst %[g], #4\n\t"
                     "beq 2f\n\t" NNCUBE_PW_WIDE3_GROUP NNCUBE_PW_WIDE3_GROUP NNCUBE_PW_WIDE3_GROUP
                         NNCUBE_PW_WIDE3_GROUP "cmp %[p], %[re]\n\t"
                     "beq 3f\n"
                     "2:\n\t" NNCUBE_PW_WIDE3_GROUP NNCUBE_PW_WIDE3_GROUP NNCUBE_PW_WIDE3_GROUP NNCUBE_PW_WIDE3_GROUP
                         NNCUBE_PW_WIDE3_GROUP NNCUBE_PW_WIDE3_GROUP NNCUBE_PW_WIDE3_GROUP NNCUBE_PW_WIDE3_GROUP
                     "cmp %[p], %[re]\n\t"
                     "bne 2b\n"
                     "3:\n\t"
                     "ldrd %[we], %[wo], [%[st]], #8\n\t"
                     "ldr %[xe], [%[st]], #4\n\t" NNCUBE_PW_RQ("s0") "strb %[s0], [%[o]]\n\t" NNCUBE_PW_RQ("s1")
                     "strb %[s1], [%[o], %[os]]\n\t" NNCUBE_PW_RQ("s2") "strb %[s2], [%[o], %[os], lsl #1]\n\t"
                     "add %[o], %[o], #1\n\t"
                     "ldr %[xo], %[end]\n\t"
                     "cmp %[st], %[xo]\n\t"
                     "bne 1b"
                     : [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [we] "=&r"(we), [wo] "=&r"(wo),
                       [xe] "=&r"(xe), [xo] "=&r"(xo), [p] "=&r"(p), [st] "+r"(st), [o] "+r"(o)
                     : [rows] "r"(rows), [re] "r"(rows_end), [os] "r"(os), [end] "m"(end), [g] "r"(groups)
                     : "cc", "memory");
}
#undef NNCUBE_PW_WIDE3_GROUP

/* One group of 4 input values for 5 / 4 pixels (group g of pixel p at words 2 * (5g + p) / 2 * (4g + p)): 18
 * instructions per 20 MACs / 15 per 16. */
#define NNCUBE_PW_WIDE5_GROUP                                                                                     \
    "ldr %[wo], [%[st]], #4\n\t"                                                                                 \
    "sxtb16 %[we], %[wo]\n\t"                                                                                    \
    "sxtb16 %[wo], %[wo], ror #8\n\t" NNCUBE_PW_WIDE_PX("s4", "32") NNCUBE_PW_WIDE_PX("s3", "24")                \
        NNCUBE_PW_WIDE_PX("s2", "16") NNCUBE_PW_WIDE_PX("s1", "8") "ldrd %[xe], %[xo], [%[p]], #40\n\t"           \
    "smlad %[s0], %[xe], %[we], %[s0]\n\t"                                                                       \
    "smlad %[s0], %[xo], %[wo], %[s0]\n\t"
#define NNCUBE_PW_WIDE4_GROUP                                                                                     \
    "ldr %[wo], [%[st]], #4\n\t"                                                                                 \
    "sxtb16 %[we], %[wo]\n\t"                                                                                    \
    "sxtb16 %[wo], %[wo], ror #8\n\t" NNCUBE_PW_WIDE_PX("s3", "24") NNCUBE_PW_WIDE_PX("s2", "16")                \
        NNCUBE_PW_WIDE_PX("s1", "8") "ldrd %[xe], %[xo], [%[p]], #32\n\t"                                         \
    "smlad %[s0], %[xe], %[we], %[s0]\n\t"                                                                       \
    "smlad %[s0], %[xo], %[wo], %[s0]\n\t"
/* The group loop of nncube_pw_block_wide5 / 4 (G: the group macro): 8 groups per iteration, an odd count of 4
 * groups runs a half iteration first. */
#define NNCUBE_PW_GROUP_LOOP(G)                                                                                   \
    "ldr %[p], %[rows]\n\t"                                                                                      \
    "ldr %[xo], %[g]\n\t"                                                                                        \
    "tst %[xo], #4\n\t"                                                                                          \
    "beq 2f\n\t" G G G G "cmp %[p], %[re]\n\t"                                                                  \
    "beq 3f\n"                                                                                                   \
    "2:\n\t" G G G G G G G G "cmp %[p], %[re]\n\t"                                                              \
    "bne 2b\n"                                                                                                   \
    "3:\n\t"                                                                                                     \
    "ldrd %[we], %[wo], [%[st]], #8\n\t"                                                                         \
    "ldr %[xe], [%[st]], #4\n\t"

/* nncube_pw_block_wide3 for 5 pixels, 5 per group (1x1 conv+pool above in_c 128: 5 widened pixels of in_c 256
 * take 2.5 KiB of stack, 6 would take 3). */
static __attribute__((noinline)) void nncube_pw_block_wide5(const uint32_t *rows, const int32_t *st, int32_t n,
                                                            int8_t *o, int32_t os, int32_t groups)
{
    const int32_t *const end = st + (size_t)n * (4 + groups);
    const uint32_t *const rows_end = rows + 10 * groups;
    int32_t s0, s1, s2, s3, s4;
    uint32_t we, wo, xe, xo;
    const uint32_t *p;
    __asm__ volatile("1:\n\t"
                     "ldr %[s0], [%[st]], #4\n\t"
                     "mov %[s1], %[s0]\n\t"
                     "mov %[s2], %[s0]\n\t"
                     "mov %[s3], %[s0]\n\t"
                     "mov %[s4], %[s0]\n\t" NNCUBE_PW_GROUP_LOOP(NNCUBE_PW_WIDE5_GROUP) NNCUBE_PW_RQ("s0")
                     "strb %[s0], [%[o]]\n\t" NNCUBE_PW_RQ("s1") "strb %[s1], [%[o], %[os]]\n\t" NNCUBE_PW_RQ("s2")
                     "strb %[s2], [%[o], %[os], lsl #1]\n\t" NNCUBE_PW_RQ("s4")
                     "strb %[s4], [%[o], %[os], lsl #2]\n\t" NNCUBE_PW_RQ("s3")
                     "add %[xo], %[os], %[os], lsl #1\n\t"
                     "strb %[s3], [%[o], %[xo]]\n\t"
                     "add %[o], %[o], #1\n\t"
                     "ldr %[xo], %[end]\n\t"
                     "cmp %[st], %[xo]\n\t"
                     "bne 1b"
                     : [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [s4] "=&r"(s4),
                       [we] "=&r"(we), [wo] "=&r"(wo), [xe] "=&r"(xe), [xo] "=&r"(xo), [p] "=&r"(p), [st] "+r"(st),
                       [o] "+r"(o)
                     : [rows] "m"(rows), [re] "r"(rows_end), [os] "r"(os), [end] "m"(end), [g] "m"(groups)
                     : "cc", "memory");
}

/* nncube_pw_block_wide5 for 4 pixels, 4 per group (the last block of a window of 5k + 1 to 5k + 4 pixels). */
static __attribute__((noinline)) void nncube_pw_block_wide4(const uint32_t *rows, const int32_t *st, int32_t n,
                                                            int8_t *o, int32_t os, int32_t groups)
{
    const int32_t *const end = st + (size_t)n * (4 + groups);
    const uint32_t *const rows_end = rows + 8 * groups;
    int32_t s0, s1, s2, s3;
    uint32_t we, wo, xe, xo;
    const uint32_t *p;
    __asm__ volatile("1:\n\t"
                     "ldr %[s0], [%[st]], #4\n\t"
                     "mov %[s1], %[s0]\n\t"
                     "mov %[s2], %[s0]\n\t"
                     "mov %[s3], %[s0]\n\t" NNCUBE_PW_GROUP_LOOP(NNCUBE_PW_WIDE4_GROUP) NNCUBE_PW_RQ("s0")
                     "strb %[s0], [%[o]]\n\t" NNCUBE_PW_RQ("s1") "strb %[s1], [%[o], %[os]]\n\t" NNCUBE_PW_RQ("s2")
                     "strb %[s2], [%[o], %[os], lsl #1]\n\t" NNCUBE_PW_RQ("s3")
                     "add %[xo], %[os], %[os], lsl #1\n\t"
                     "strb %[s3], [%[o], %[xo]]\n\t"
                     "add %[o], %[o], #1\n\t"
                     "ldr %[xo], %[end]\n\t"
                     "cmp %[st], %[xo]\n\t"
                     "bne 1b"
                     : [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [we] "=&r"(we),
                       [wo] "=&r"(wo), [xe] "=&r"(xe), [xo] "=&r"(xo), [p] "=&r"(p), [st] "+r"(st), [o] "+r"(o)
                     : [rows] "m"(rows), [re] "r"(rows_end), [os] "r"(os), [end] "m"(end), [g] "m"(groups)
                     : "cc", "memory");
}
#undef NNCUBE_PW_GROUP_LOOP
#undef NNCUBE_PW_WIDE5_GROUP
#undef NNCUBE_PW_WIDE4_GROUP

#undef NNCUBE_PW_WIDE_GROUP
#undef NNCUBE_PW_WIDE_PX
#undef NNCUBE_PW_STORE6
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

/* The wide loop's last block of n <= 3 pixels, widened as a block of 6: its first 3 pixels moved in place to 3 per
 * group (word 2 * (6g + p) to 2 * (3g + p): never above its source, so a forward pass is safe), then
 * nncube_pw_block_wide3, writing the output directly (n = 3) or through a stack buffer in passes of 32 channels. */
static __attribute__((noinline)) void nncube_pw_tail3(uint32_t *rows, const int32_t *records, int32_t out_c,
                                                      int8_t *output, int32_t n, int32_t groups)
{
    int8_t tail[3 * NNCUBE_PW_TAIL_CHANNELS];
    int32_t i, c0, c;
    for (i = 0; i < 6 * groups; ++i) {
        rows[i] = rows[2 * (i / 6) * NNCUBE_PW_PIXELS + i % 6];
    }
    if (n == 3) {
        nncube_pw_block_wide3(rows, records, out_c, output, out_c, groups);
        return;
    }
    for (c0 = 0; c0 < out_c; c0 += NNCUBE_PW_TAIL_CHANNELS) {
        const int32_t m = out_c - c0 < NNCUBE_PW_TAIL_CHANNELS ? out_c - c0 : NNCUBE_PW_TAIL_CHANNELS;
        nncube_pw_block_wide3(rows, records + (size_t)c0 * (4 + groups), m, tail, m, groups);
        for (i = 0; i < n; ++i) {
            for (c = 0; c < m; ++c) {
                output[(size_t)i * out_c + c0 + c] = tail[i * m + c];
            }
        }
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
        } else if (wide && n <= 3) {
            nncube_pw_tail3(rows, records, out_c, output + (size_t)p * out_c, n, groups);
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

/* Largest out_c of nncube_conv_pool1x1_*_s8 (their int16 pool accumulators are on the stack). */
#define NNCUBE_PW_POOL_MAX_CHANNELS 256

#if NNCUBE_MATMUL_WIDENED
/* Conv pixels [0, n) of `px` (n <= block, the rest repeat the last) widened into rows, their lanes doubled (group
 * g of pixel p at words 2 * (block * g + p) and the next), then channels in passes of 32 through the block loop
 * (nncube_pw_block_wide, _wide5 or _wide4 for block 6, 5 or 4) into `values` (pixel p, pass channel c at
 * p * m + c); each pass is folded into acc (int16: at most 256 pixels per window). */
static inline __attribute__((always_inline)) void nncube_pw_pool_block(const int8_t *const *px, int32_t n,
                                                                       const int32_t block, const int32_t *records,
                                                                       int32_t in_c, int32_t out_c,
                                                                       int32_t pool_kind, uint32_t *rows,
                                                                       int16_t *acc)
{
    const int32_t groups = in_c / 4, rec = 4 + groups;
    int8_t values[NNCUBE_PW_PIXELS * NNCUBE_PW_TAIL_CHANNELS];
    int32_t i, g, c0, c;
    for (i = 0; i < block; ++i) {
        const int8_t *src = px[i < n ? i : n - 1];
        uint32_t *r = rows + 2 * i;
        for (g = 0; g < groups; ++g, r += 2 * block) {
            const uint32_t v = nncube_load4(src + 4 * g);
            uint32_t o;
            __asm__("sxtb16 %0, %1, ror #8" : "=r"(o) : "r"(v));
            r[0] = __sadd16(__sxtb16(v), __sxtb16(v));
            r[1] = __sadd16(o, o);
        }
    }
    for (c0 = 0; c0 < out_c; c0 += NNCUBE_PW_TAIL_CHANNELS) {
        const int32_t m = out_c - c0 < NNCUBE_PW_TAIL_CHANNELS ? out_c - c0 : NNCUBE_PW_TAIL_CHANNELS;
        if (block == NNCUBE_PW_PIXELS) {
            nncube_pw_block_wide(rows, records + (size_t)c0 * rec, m, values, m, groups);
        } else if (block == 5) {
            nncube_pw_block_wide5(rows, records + (size_t)c0 * rec, m, values, m, groups);
        } else {
            nncube_pw_block_wide4(rows, records + (size_t)c0 * rec, m, values, m, groups);
        }
        for (c = 0; c < m; ++c) {
            int32_t a = acc[c0 + c];
            if (pool_kind == NNCUBE_POOL_MAX) {
                for (i = 0; i < n; ++i) {
                    a = values[i * m + c] > a ? values[i * m + c] : a;
                }
            } else {
                for (i = 0; i < n; ++i) {
                    a += values[i * m + c];
                }
            }
            acc[c0 + c] = (int16_t)a;
        }
    }
}
#else
/* Portable: conv pixels one at a time, each channel from its wide record, folded into acc. */
static void nncube_pw_pool_block(const int8_t *const *px, int32_t n, int32_t block, const int32_t *records,
                                 int32_t in_c, int32_t out_c, int32_t pool_kind, uint32_t *rows, int16_t *acc)
{
    const int32_t rec = 4 + in_c / 4;
    int32_t i, c, k;
    (void)block;
    (void)rows;
    for (i = 0; i < n; ++i) {
        const int32_t *r = records;
        for (c = 0; c < out_c; ++c, r += rec) {
            const int8_t *f = (const int8_t *)(r + 1);
            int32_t sum = 0, v;
            for (k = 0; k < in_c; ++k) {
                sum += px[i][k] * f[k];
            }
            v = nncube_pw_output(r[0] + 2 * sum, r + rec - 3);
            if (pool_kind == NNCUBE_POOL_MAX) {
                acc[c] = (int16_t)(v > acc[c] ? v : acc[c]);
            } else {
                acc[c] = (int16_t)(acc[c] + v);
            }
        }
    }
}
#endif

/* 1x1 conv+pool: the conv pixels of each pooling window in blocks of 6 (`deep` 0) or of 5 with a last block of 4
 * (`deep` 1, a literal), widened into rows. */
static inline __attribute__((always_inline)) void nncube_pw_pool_run(const nncube_window *conv,
                                                                     const nncube_window *pool, int32_t pool_kind,
                                                                     int32_t pool_act_min, int32_t pool_act_max,
                                                                     const int32_t *records, const int8_t *input,
                                                                     int8_t *output, const int deep, uint32_t *rows)
{
    const int32_t block = deep ? 5 : NNCUBE_PW_PIXELS;
    int16_t acc[NNCUBE_PW_POOL_MAX_CHANNELS];
    const int8_t *pixels[NNCUBE_PW_PIXELS];
    const int32_t out_c = conv->out_c;
    int32_t b, py, ox, y0, y1, x0, x1, width, count, i, j, c;
    for (b = 0; b < pool->batches; ++b) {
        for (py = 0; py < pool->out_h; ++py) {
            for (ox = 0; ox < pool->out_w; ++ox) {
                int8_t *out = output + (((size_t)b * pool->out_h + py) * pool->out_w + ox) * out_c;
                nncube_pool_window(pool, py, ox, &y0, &y1, &x0, &x1);
                width = x1 - x0;
                count = width > 0 && y1 > y0 ? (y1 - y0) * width : 0;
                for (c = 0; c < out_c; ++c) {
                    acc[c] = pool_kind == NNCUBE_POOL_MAX ? INT8_MIN : 0;
                }
                for (i = 0; i < count; i += block) {
                    const int32_t n = count - i < block ? count - i : block;
                    for (j = 0; j < n; ++j) {
                        const int32_t y = y0 + (i + j) / width, x = x0 + (i + j) % width;
                        pixels[j] = input + (((size_t)b * conv->in_h + (size_t)y * conv->stride_h) * conv->in_w +
                                             (size_t)x * conv->stride_w) *
                                                conv->in_c;
                    }
                    if (deep && n < 5) {
                        nncube_pw_pool_block(pixels, n, 4, records, conv->in_c, out_c, pool_kind, rows, acc);
                    } else {
                        nncube_pw_pool_block(pixels, n, block, records, conv->in_c, out_c, pool_kind, rows, acc);
                    }
                }
                for (c = 0; c < out_c; ++c) {
                    int32_t v = acc[c];
                    if (pool_kind != NNCUBE_POOL_MAX && count > 0) {
                        v = nncube_round_div(v, count);
                    }
                    out[c] = (int8_t)nncube_clamp_i32(v, pool_act_min, pool_act_max);
                }
            }
        }
    }
}

void nncube_conv_pool1x1_wide_s8(const nncube_window *conv, const nncube_window *pool, int32_t pool_kind,
                                 int32_t pool_act_min, int32_t pool_act_max, const int32_t *records,
                                 const int8_t *input, int8_t *output)
{
    /* 6 widened pixels of in_c <= 128 (1.5 KiB) */
    uint32_t rows[2 * NNCUBE_PW_PIXELS * 32];
    nncube_pw_pool_run(conv, pool, pool_kind, pool_act_min, pool_act_max, records, input, output, 0, rows);
}

void nncube_conv_pool1x1_deep_s8(const nncube_window *conv, const nncube_window *pool, int32_t pool_kind,
                                 int32_t pool_act_min, int32_t pool_act_max, const int32_t *records,
                                 const int8_t *input, int8_t *output)
{
    /* 5 widened pixels of in_c <= 256 (2.5 KiB) */
    uint32_t rows[2 * 5 * NNCUBE_PW_WIDE_MAX_GROUPS];
    nncube_pw_pool_run(conv, pool, pool_kind, pool_act_min, pool_act_max, records, input, output, 1, rows);
}
