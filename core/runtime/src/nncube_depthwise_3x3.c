/*
 * nncube runtime: the int8 depthwise 3x3 convolution with depth multiplier 1 on its generation-time layout
 * (docs/kernels.md, "Depthwise convolution", "3x3 on a generation-time layout"; core/src/codegen/pack_depthwise.rs
 * writes it).
 *
 * The packed stream holds, per group of 4 channels c..c+3 (the last group padded with zero channels), 34 words:
 * - 4 int32: 2 * (bias + input_offset * sum of the channel's 9 taps), the input offset folded in, so the taps
 *   multiply raw input bytes;
 * - 9 taps (row-major) of 2 words: (2w[c], 2w[c+2]) and (2w[c+1], 2w[c+3]) as int16 lanes, the lanes SXTB16 and
 *   SXTB16 ROR #8 make of 4 input bytes (the taps doubled: the sum is the 2x that the narrow requantization takes);
 * - 4 requantization records of 3 words (as nncube_dw_fold_record: multiplier, rounding constant with the output
 *   offset, right shift);
 * then, after the groups, 2 * bias of every channel (4 words a group) without the fold.
 * A tap outside the input must contribute nothing: read through the tap table, its input is the input zero point
 * (x + input_offset = 0), so the folded bias cancels exactly; the clipped windows of the assembly path instead read
 * only their taps inside the input, widened with the input offset, from the bias without the fold. Code generation
 * picks this kernel only for layers that meet the narrow requantization's bounds (nncube_requantize_narrow) with
 * right shifts <= 22 and at most NNCUBE_DW3_MAX_CHANNELS channels, so there is no check here.
 *
 * GCC on Thumb-2 with DSP (NNCUBE_DW_ASM) runs the group loops as inline assembly: each row's interior pixels as one
 * block (three input rows addressed by register offsets, no pointer walk), the 2x3, 2x2 and 3x2 windows at the
 * border as one block each, other windows and clamps narrower than int8 through a table of 9 tap addresses. The
 * blocks pin their 14 registers, so builds that reserve r7 (-fno-omit-frame-pointer) or r9 need NNCUBE_NO_ASM. The
 * portable C (nncube_dw3_group) computes the same sums from the same stream for every pixel (host validation runs
 * it).
 */
#include "nncube_depthwise_internal.h"

/* Words of one group of 4 channels: 4 bias, 18 tap, 12 requantization words. */
#define NNCUBE_DW3_GROUP_WORDS 34
#define NNCUBE_DW3_RECORDS 22
/* Most channels (the zero-point row that border taps outside the input read lives on the stack). */
#define NNCUBE_DW3_MAX_CHANNELS 256

/* Channels co..co+n-1 (n <= 4, the group `g`): the taps at tap[t] + co, requantized, clamped and stored. */
static void nncube_dw3_group(const int8_t *const *tap, int32_t co, const uint32_t *g, int32_t n, int32_t lo,
                             int32_t hi, int8_t *out)
{
    int32_t i, t;
    for (i = 0; i < n; ++i) {
        const uint32_t half = 16u * (uint32_t)(i >> 1);
        uint32_t acc = g[i];
        for (t = 0; t < 9; ++t) {
            const int32_t f = (int16_t)(uint16_t)(g[4 + 2 * t + (i & 1)] >> half);
            acc += (uint32_t)((int32_t)tap[t][co + i] * f);
        }
        out[i] = (int8_t)nncube_clamp_i32(nncube_dw_fold_requantize((int32_t)acc, g + NNCUBE_DW3_RECORDS + 3 * i),
                                          lo, hi);
    }
}

/* What the runs of one layer share: the stream, its whole groups, the input's column and row steps, the clamp, the
 * input offset in both 16-bit lanes. */
typedef struct {
    const uint32_t *packed;
    int32_t groups;
    int32_t col, row;
    int32_t lo, hi;
    uint32_t off2;
} nncube_dw3_ctx;

#if NNCUBE_DW_SIMD && NNCUBE_DW_ASM
/* One tap of 4 channels: `load` brings the 4 input bytes into x, LDRD the widened filter pair, SXTB16 widens the
 * input, SMLABB/SMLATT accumulate (8 instructions). */
#define NNCUBE_DW3_TAP_WITH(load, ptr, widen)                                                                        \
    load "ldrd %[f0], %[f1], [%[" ptr "]], #8\n\t" widen "smlabb %[a0], %[xe], %[f0], %[a0]\n\t"                     \
                                                         "smlatt %[a2], %[xe], %[f0], %[a2]\n\t"                     \
                                                         "smlabb %[a1], %[x], %[f1], %[a1]\n\t"                      \
                                                         "smlatt %[a3], %[x], %[f1], %[a3]\n\t"
#define NNCUBE_DW3_RAW "sxtb16 %[xe], %[x]\n\tsxtb16 %[x], %[x], ror #8\n\t"
#define NNCUBE_DW3_TAP(load) NNCUBE_DW3_TAP_WITH(load, "fp", NNCUBE_DW3_RAW)
#define NNCUBE_DW3_BIAS "ldrd %[a0], %[a1], [%[fp]], #8\n\tldrd %[a2], %[a3], [%[fp]], #8\n\t"
#define NNCUBE_DW3_ROW(base)                                                                                         \
    NNCUBE_DW3_TAP("ldr %[x], [" base "]\n\t")                                                                       \
    NNCUBE_DW3_TAP("ldr %[x], [" base ", %[col]]\n\t")                                                               \
    NNCUBE_DW3_TAP("ldr %[x], [" base ", %[col], lsl #1]\n\t")
/* The bias with LDM, for the blocks whose registers are pinned in ascending order (a0..a3 = r0..r3). */
#define NNCUBE_DW3_BIAS_LDM "ldm %[fp]!, {%[a0], %[a1], %[a2], %[a3]}\n\t"
/* The 9 taps of a window inside the input, its top-left byte at xb (the group's first channel): three rows of
 * three loads with register offsets (74 instructions). */
#define NNCUBE_DW3_INTERIOR                                                                                          \
    NNCUBE_DW3_ROW("%[xb]") "add %[t], %[xb], %[row]\n\t" NNCUBE_DW3_ROW("%[t]") "add %[t], %[t], %[row]\n\t"       \
        NNCUBE_DW3_ROW("%[t]")
#define NNCUBE_DW3_TABLE_TAP(k) NNCUBE_DW3_TAP("ldr %[t], [%[tb], #" #k "]\n\tldr %[x], [%[t], %[co]]\n\t")
/* The 9 taps of a border window: tap k's input at tb[k] + co (81 instructions). */
#define NNCUBE_DW3_TABLE                                                                                             \
    NNCUBE_DW3_TABLE_TAP(0) NNCUBE_DW3_TABLE_TAP(4) NNCUBE_DW3_TABLE_TAP(8)                          \
        NNCUBE_DW3_TABLE_TAP(12) NNCUBE_DW3_TABLE_TAP(16) NNCUBE_DW3_TABLE_TAP(20) NNCUBE_DW3_TABLE_TAP(24)          \
            NNCUBE_DW3_TABLE_TAP(28) NNCUBE_DW3_TABLE_TAP(32)
/* Requantization of one value with the next record (5 instructions): SMMLAR adds the rounding constant to the
 * rounded high product, and the sign of the sum stands for the product's (with a multiplier >= 0 they differ only
 * when the product is 0, where both give the output offset: the rounding constant's half is below 2^right). */
#define NNCUBE_DW3_FOLD(a)                                                                                           \
    "ldrd %[m], %[r], [%[fp]], #8\n\t"                                                                               \
    "smmlar %[r], " a ", %[m], %[r]\n\t"                                                                             \
    "add " a ", %[r], " a ", asr #31\n\t"                                                                            \
    "ldr %[m], [%[fp]], #4\n\t"                                                                                      \
    "asr " a ", " a ", %[m]\n\t"
/* The same with SSAT and the store, the record loaded by one LDM into x, xe, f0 (pinned in ascending order), the
 * sum in t (6 instructions a value). */
#define NNCUBE_DW3_FOLD_STORE(a)                                                                                     \
    "ldm %[fp]!, {%[x], %[xe], %[f0]}\n\t"                                                                           \
    "smmlar %[t], " a ", %[x], %[xe]\n\t"                                                                            \
    "add " a ", %[t], " a ", asr #31\n\t"                                                                            \
    "asr " a ", " a ", %[f0]\n\t"                                                                                    \
    "ssat " a ", #8, " a "\n\t"                                                                                      \
    "strb " a ", [%[o]], #1\n\t"
#define NNCUBE_DW3_STORE4                                                                                            \
    NNCUBE_DW3_FOLD_STORE("%[a0]") NNCUBE_DW3_FOLD_STORE("%[a1]") NNCUBE_DW3_FOLD_STORE("%[a2]")                     \
        NNCUBE_DW3_FOLD_STORE("%[a3]")
#define NNCUBE_DW3_TEMPS                                                                                             \
    [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [fp] "+r"(fp), [t] "=&r"(t_), [x] "=&r"(x_),     \
        [xe] "=&r"(xe_), [f0] "=&r"(f0_), [f1] "=&r"(f1_)
/* The registers of the one-block group loops, pinned so that LDM fills them in order: the accumulators, the
 * temporaries, the stream pointer; each loop pins the rest (4 more). */
#define NNCUBE_DW3_PINNED                                                                                            \
    register int32_t a0 __asm__("r0");                                                                               \
    register int32_t a1 __asm__("r1");                                                                               \
    register int32_t a2 __asm__("r2");                                                                               \
    register int32_t a3 __asm__("r3");                                                                               \
    register uint32_t t_ __asm__("r4");                                                                              \
    register uint32_t x_ __asm__("r5");                                                                              \
    register uint32_t xe_ __asm__("r6");                                                                             \
    register uint32_t f0_ __asm__("r7");                                                                             \
    register uint32_t f1_ __asm__("r8");                                                                             \
    register const uint32_t *fp __asm__("r9") = k->packed

/* Taps of the clipped windows (the border pixels of SAME layers): only the taps inside the input, widened with the
 * input offset (SXTAB16 with the offset in both lanes of t), from the bias without the fold; the filter read
 * through u from the window's first tap. A row of 3 or 2 taps at xb; u then skips the row's missing tap; xb moves
 * down by `row` bytes (read from the stack: no register is left) and back up after the window. */
#define NNCUBE_DW3_OFFSET "sxtab16 %[xe], %[t], %[x]\n\tsxtab16 %[x], %[t], %[x], ror #8\n\t"
#define NNCUBE_DW3_OTAP(load) NNCUBE_DW3_TAP_WITH(load, "u", NNCUBE_DW3_OFFSET)
#define NNCUBE_DW3_OROW2                                                                                             \
    NNCUBE_DW3_OTAP("ldr %[x], [%[xb]]\n\t") NNCUBE_DW3_OTAP("ldr %[x], [%[xb], %[col]]\n\t")
#define NNCUBE_DW3_OROW3 NNCUBE_DW3_OROW2 NNCUBE_DW3_OTAP("ldr %[x], [%[xb], %[col], lsl #1]\n\t")
#define NNCUBE_DW3_DOWN "ldr %[x], %[row]\n\tadd %[xb], %[xb], %[x]\n\t"
#define NNCUBE_DW3_SKIP_TAP "add %[u], %[u], #8\n\t"
#define NNCUBE_DW3_ROWS_2X3 NNCUBE_DW3_OROW3 NNCUBE_DW3_DOWN NNCUBE_DW3_OROW3
#define NNCUBE_DW3_ROWS_2X2 NNCUBE_DW3_OROW2 NNCUBE_DW3_SKIP_TAP NNCUBE_DW3_DOWN NNCUBE_DW3_OROW2
#define NNCUBE_DW3_ROWS_3X2 NNCUBE_DW3_ROWS_2X2 NNCUBE_DW3_SKIP_TAP NNCUBE_DW3_DOWN NNCUBE_DW3_OROW2
/* The group loop of one clipped window of the shape `rows` (one of the NNCUBE_DW3_ROWS_*): the bias without the
 * fold (LDM through u from the stream's end, `ub` moves on), u = the group + `pre` (its first tap's filter pair),
 * fp moved to the records, the offset pair in t, the taps, xb back up, the output stage, the next group. */
#define NNCUBE_DW3_SHAPE_LOOP(rows)                                                                                  \
    __asm__ volatile("1:\n\t"                                                                                        \
                     "ldr %[u], %[ub]\n\t"                                                                           \
                     "ldm %[u]!, {%[a0], %[a1], %[a2], %[a3]}\n\t"                                                   \
                     "str %[u], %[ub]\n\t"                                                                           \
                     "ldr %[u], %[pre]\n\t"                                                                          \
                     "add %[u], %[fp], %[u]\n\t"                                                                     \
                     "add %[fp], %[fp], #88\n\t"                                                                     \
                     "ldr %[t], %[off]\n\t" rows "ldr %[x], %[back]\n\t"                                            \
                     "sub %[xb], %[xb], %[x]\n\t" NNCUBE_DW3_STORE4 "add %[xb], %[xb], #4\n\t"                      \
                     "ldr %[t], %[end]\n\t"                                                                          \
                     "cmp %[xb], %[t]\n\t"                                                                           \
                     "bne 1b\n\t"                                                                                    \
                     : NNCUBE_DW3_TEMPS, [xb] "+r"(xb), [o] "+r"(o), [u] "=&r"(u), [ub] "+m"(loop.ub)               \
                     : [col] "r"(col), [row] "m"(loop.row), [pre] "m"(loop.pre), [off] "m"(loop.off),                \
                       [back] "m"(loop.back), [end] "m"(loop.end)                                                    \
                     : "cc", "memory")

/* Requantizes a0..a3 with the group's records at *fp, clamps them to [lo, hi] and stores them at *o (both move
 * on): the output stage of layers whose clamp is narrower than int8. */
static inline NNCUBE_DW_ALWAYS_INLINE void nncube_dw3_store_clamped(int32_t lo, int32_t hi, int32_t a0, int32_t a1,
                                                                    int32_t a2, int32_t a3, const uint32_t **fp,
                                                                    int8_t **o)
{
    uint32_t m_, r_;
    __asm__(NNCUBE_DW3_FOLD("%[a0]") NNCUBE_DW3_FOLD("%[a1]") NNCUBE_DW3_FOLD("%[a2]") NNCUBE_DW3_FOLD("%[a3]")
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [fp] "+r"(*fp), [m] "=&r"(m_),
              [r] "=&r"(r_)
            :
            : "memory");
    (*o)[0] = (int8_t)nncube_clamp_i32(a0, lo, hi);
    (*o)[1] = (int8_t)nncube_clamp_i32(a1, lo, hi);
    (*o)[2] = (int8_t)nncube_clamp_i32(a2, lo, hi);
    (*o)[3] = (int8_t)nncube_clamp_i32(a3, lo, hi);
    *o += 4;
}

/* `pixels` adjacent output pixels of one row whose windows lie inside the input, the first's top-left byte at x,
 * origins `step` bytes apart, outputs `out_step` bytes apart: their whole groups. When the clamp spans int8 and the
 * outputs are contiguous (out_step = 4 * groups: no tail), the whole run is one assembly block (103 instructions a
 * group, 11 a pixel); its loop state beyond the 14 registers is in `run`, on the stack. */
static NNCUBE_DW_NOINLINE void nncube_dw3_interior_run(const nncube_dw3_ctx *k, const int8_t *x, int32_t step,
                                                       int32_t pixels, int32_t out_step, int8_t *out)
{
    if (k->lo == INT8_MIN && k->hi == INT8_MAX && out_step == 4 * k->groups) {
        struct {
            const int8_t *end;
            int32_t step, skip, back, pixels;
        } run = {x + 4 * k->groups, step, step - 4 * k->groups, 4 * NNCUBE_DW3_GROUP_WORDS * k->groups, pixels};
        NNCUBE_DW3_PINNED;
        register const int8_t *xb __asm__("r10") = x;
        register int8_t *o __asm__("r11") = out;
        register int32_t col __asm__("r12") = k->col;
        register int32_t row __asm__("lr") = k->row;
        __asm__ volatile("1:\n\t" NNCUBE_DW3_BIAS_LDM NNCUBE_DW3_INTERIOR NNCUBE_DW3_STORE4
                         "add %[xb], %[xb], #4\n\t"
                         "ldr %[t], %[end]\n\t"
                         "cmp %[xb], %[t]\n\t"
                         "bne 1b\n\t"
                         "ldr %[x], %[step]\n\t"
                         "add %[t], %[t], %[x]\n\t"
                         "str %[t], %[end]\n\t"
                         "ldr %[x], %[skip]\n\t"
                         "add %[xb], %[xb], %[x]\n\t"
                         "ldr %[x], %[back]\n\t"
                         "sub %[fp], %[fp], %[x]\n\t"
                         "ldr %[x], %[pixels]\n\t"
                         "subs %[x], %[x], #1\n\t"
                         "str %[x], %[pixels]\n\t"
                         "bne 1b\n\t"
                         : NNCUBE_DW3_TEMPS, [xb] "+r"(xb), [o] "+r"(o), [end] "+m"(run.end), [pixels] "+m"(run.pixels)
                         : [col] "r"(col), [row] "r"(row), [step] "m"(run.step), [skip] "m"(run.skip),
                           [back] "m"(run.back)
                         : "cc", "memory");
        return;
    }
    for (; pixels > 0; --pixels, x += step, out += out_step) {
        const int8_t *const end = x + 4 * k->groups;
        const int8_t *xb = x;
        const uint32_t *fp = k->packed;
        const int32_t col = k->col;
        const int32_t row = k->row;
        int8_t *o = out;
        for (; xb < end; xb += 4) {
            int32_t a0, a1, a2, a3;
            uint32_t t_, x_, xe_, f0_, f1_;
            __asm__(NNCUBE_DW3_BIAS NNCUBE_DW3_INTERIOR
                    : NNCUBE_DW3_TEMPS
                    : [xb] "r"(xb), [col] "r"(col), [row] "r"(row)
                    : "memory");
            nncube_dw3_store_clamped(k->lo, k->hi, a0, a1, a2, a3, &fp, &o);
        }
    }
}

/* Whether nncube_dw3_clipped takes a window of `rows` x `cols` taps inside the input. */
#define NNCUBE_DW3_CLIPPED_SHAPE(rows, cols)                                                                         \
    (((rows) == 2 && ((cols) == 2 || (cols) == 3)) || ((rows) == 3 && (cols) == 2))

/* The whole groups of a clipped window of 2x3, 2x2 or 3x2 taps (`rows` x `cols`; the border pixels of a SAME layer)
 * of a layer whose clamp spans int8: x is its first tap inside the input, (ky0, kx0) that tap's place in the window.
 * Only the taps inside the input are read (87, 72 and 91 instructions a group). */
static NNCUBE_DW_NOINLINE void nncube_dw3_clipped(const nncube_dw3_ctx *k, const int8_t *x, int32_t rows,
                                                  int32_t cols, int32_t ky0, int32_t kx0, int8_t *out)
{
    struct {
        const uint32_t *ub;
        int32_t row, pre;
        uint32_t off;
        int32_t back;
        const int8_t *end;
    } loop = {k->packed + NNCUBE_DW3_GROUP_WORDS * k->groups,
              k->row,
              16 + 8 * (3 * ky0 + kx0),
              k->off2,
              (rows - 1) * k->row,
              x + 4 * k->groups};
    NNCUBE_DW3_PINNED;
    register const int8_t *xb __asm__("r10") = x;
    register int8_t *o __asm__("r11") = out;
    register int32_t col __asm__("r12") = k->col;
    register const uint32_t *u __asm__("lr");
    if (cols == 3) {
        NNCUBE_DW3_SHAPE_LOOP(NNCUBE_DW3_ROWS_2X3);
    } else if (rows == 2) {
        NNCUBE_DW3_SHAPE_LOOP(NNCUBE_DW3_ROWS_2X2);
    } else {
        NNCUBE_DW3_SHAPE_LOOP(NNCUBE_DW3_ROWS_3X2);
    }
}

/* The whole groups of a border window whose taps are at tap[k] (outputs at out), for the windows and clamps
 * nncube_dw3_clipped leaves (about 120 instructions a group); returns the stream after them. */
static NNCUBE_DW_NOINLINE const uint32_t *nncube_dw3_border(const nncube_dw3_ctx *k, const int8_t *const *tap,
                                                            int8_t *out)
{
    const uint32_t *fp = k->packed;
    int8_t *o = out;
    int32_t co;
    for (co = 0; co < 4 * k->groups; co += 4) {
        int32_t a0, a1, a2, a3;
        uint32_t t_, x_, xe_, f0_, f1_;
        __asm__(NNCUBE_DW3_BIAS NNCUBE_DW3_TABLE : NNCUBE_DW3_TEMPS : [tb] "r"(tap), [co] "r"(co) : "memory");
        nncube_dw3_store_clamped(k->lo, k->hi, a0, a1, a2, a3, &fp, &o);
    }
    return fp;
}
#endif

void nncube_depthwise_3x3_s8(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                             const uint32_t *packed, int8_t *output)
{
    int8_t zp[NNCUBE_DW3_MAX_CHANNELS];
    const int8_t *tap[9];
    const int32_t ch = w->in_c;
    const int32_t tail = ch % 4;
    const int32_t image = w->in_h * w->in_w * ch;
    const uint32_t off2 = ((uint32_t)(uint16_t)q->input_offset << 16) | (uint16_t)q->input_offset;
    const nncube_dw3_ctx k = {packed, ch / 4, ch, w->dilation_h * w->in_w * ch, q->act_min, q->act_max, off2};
#if NNCUBE_DW_SIMD && NNCUBE_DW_ASM
    const int full = k.lo == INT8_MIN && k.hi == INT8_MAX;
    /* The output columns whose windows lie inside the input's columns: [ox_first, ox_end). */
    const int32_t ox_first = (w->pad_left + w->stride_w - 1) / w->stride_w;
    const int32_t last_start = w->in_w - 3 + w->pad_left;
    const int32_t ox_end_all = last_start >= 0 ? last_start / w->stride_w + 1 : 0;
    const int32_t ox_end = ox_end_all < w->out_w ? ox_end_all : w->out_w;
#endif
    int32_t i, b, oy, ox, ky, kx;
    int8_t *out = output;
    for (i = 0; i < ch && i < NNCUBE_DW3_MAX_CHANNELS; ++i) {
        zp[i] = (int8_t)-q->input_offset;
    }
    for (b = 0; b < w->batches; ++b) {
        const int8_t *in = input + (size_t)b * (size_t)image;
        for (oy = 0; oy < w->out_h; ++oy) {
            const int32_t iy0 = oy * w->stride_h - w->pad_top;
#if NNCUBE_DW_SIMD && NNCUBE_DW_ASM
            const int rows_in = iy0 >= 0 && iy0 + 2 * w->dilation_h < w->in_h;
#endif
            for (ox = 0; ox < w->out_w; ++ox, out += ch) {
                const int32_t ix0 = ox * w->stride_w - w->pad_left;
                const uint32_t *fp = packed;
#if NNCUBE_DW_SIMD && NNCUBE_DW_ASM
                if (k.groups > 0 && rows_in && ox >= ox_first && ox < ox_end) {
                    /* Without a tail every interior pixel of the row in one run. */
                    const int32_t n = tail == 0 ? ox_end - ox : 1;
                    nncube_dw3_interior_run(&k, in + (iy0 * w->in_w + ix0) * ch, w->stride_w * ch, n, ch, out);
                    if (tail == 0) {
                        ox += n - 1;
                        out += (n - 1) * ch;
                        continue;
                    }
                    fp += NNCUBE_DW3_GROUP_WORDS * k.groups;
                } else if (k.groups > 0 && tail == 0 && full) {
                    int32_t ky0, ky1, kx0, kx1;
                    nncube_dw_clip(iy0, w->dilation_h, 3, w->in_h, &ky0, &ky1);
                    nncube_dw_clip(ix0, 1, 3, w->in_w, &kx0, &kx1);
                    if (NNCUBE_DW3_CLIPPED_SHAPE(ky1 - ky0, kx1 - kx0)) {
                        nncube_dw3_clipped(&k, in + ((iy0 + ky0 * w->dilation_h) * w->in_w + ix0 + kx0) * ch,
                                           ky1 - ky0, kx1 - kx0, ky0, kx0, out);
                        continue;
                    }
                }
#endif
                for (ky = 0; ky < 3; ++ky) {
                    const int32_t iy = iy0 + ky * w->dilation_h;
                    for (kx = 0; kx < 3; ++kx) {
                        const int32_t ix = ix0 + kx;
                        tap[3 * ky + kx] =
                            iy >= 0 && iy < w->in_h && ix >= 0 && ix < w->in_w ? in + (iy * w->in_w + ix) * ch : zp;
                    }
                }
#if NNCUBE_DW_SIMD && NNCUBE_DW_ASM
                if (fp == packed && k.groups > 0) {
                    fp = nncube_dw3_border(&k, tap, out);
                }
#else
                for (i = 0; i < k.groups; ++i, fp += NNCUBE_DW3_GROUP_WORDS) {
                    nncube_dw3_group(tap, 4 * i, fp, 4, k.lo, k.hi, out + 4 * i);
                }
#endif
                if (tail != 0) {
                    nncube_dw3_group(tap, 4 * k.groups, fp, tail, k.lo, k.hi, out + 4 * k.groups);
                }
            }
        }
    }
}
