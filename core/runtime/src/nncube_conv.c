/*
 * nncube runtime: 2-D convolution (int8 per-channel, float32), NHWC input, OHWI filter.
 *
 * int8: output pixels go in pairs through the blocked matrix product (nncube_matmul.c): the row of a pixel is
 * its input pixel for 1x1 unpadded windows (no copy), else its im2col patch gathered on the stack (kernel rows
 * copied as 32-bit words; docs/kernels.md, "Patch gathering"). Both pixels
 * of a pair are read before either is written, and pairs go in NHWC order (see the memory contract). Where the
 * matmul has its assembly paths, patches of up to 460 values (bias set, even out_c) are widened to 16-bit lanes
 * while gathered, windows inside the image straight from the input, and go to nncube_matmul_s8_widened. Patches
 * longer than NNCUBE_IM2COL_MAX_DEPTH use a direct loop, one output value at a time. The filter and bias are
 * the ones re-arranged at generation time (docs/kernels.md).
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"
#include "nncube_simd.h"

#include <string.h>

static int nncube_conv_is_pointwise(const nncube_window *w)
{
    return w->k_h == 1 && w->k_w == 1 && w->pad_top == 0 && w->pad_left == 0;
}

/* Copies n bytes: rows of 4 to 32 bytes (first layers: 9 bytes for 3x3 on 3 channels, 4 for 10x4 on 1) as words,
 * the last word ending exactly at byte n (it may overlap the previous one; nothing is read or written outside
 * the n bytes), shorter ones byte by byte, longer ones with memcpy (measured faster from 32 bytes on). */
static inline void nncube_conv_copy(int8_t *dst, const int8_t *src, size_t n)
{
    size_t i;
    if (n >= 4 && n <= 32) {
        for (i = 0; i + 4 < n; i += 4) {
            nncube_store4(dst + i, nncube_load4(src + i));
        }
        nncube_store4(dst + n - 4, nncube_load4(src + n - 4));
    } else if (n > 32) {
        memcpy(dst, src, n);
    } else {
        for (i = 0; i < n; ++i) {
            dst[i] = src[i];
        }
    }
}

/* Fills n bytes with the zero point `zp4` (replicated in its four bytes), in words as nncube_conv_copy. */
static inline void nncube_conv_fill(int8_t *dst, uint32_t zp4, size_t n)
{
    size_t i;
    if (n >= 4) {
        for (i = 0; i + 4 < n; i += 4) {
            nncube_store4(dst + i, zp4);
        }
        nncube_store4(dst + n - 4, zp4);
    } else {
        for (i = 0; i < n; ++i) {
            dst[i] = (int8_t)zp4;
        }
    }
}

/* Kernel row ky of the patch whose window starts at input column ix0, reading input row `src_row` (NULL above
 * or below the image): the inside taps copied, the padding taps filled with the zero point. */
static void nncube_conv_patch_row(const nncube_window *w, const int8_t *src_row, int32_t ix0, uint32_t zp4,
                                  int8_t *dst)
{
    const size_t row_bytes = (size_t)w->k_w * w->in_c;
    int32_t kx;
    if (src_row == NULL) {
        nncube_conv_fill(dst, zp4, row_bytes);
    } else if (w->dilation_w == 1 && ix0 >= 0 && ix0 + w->k_w <= w->in_w) {
        nncube_conv_copy(dst, src_row + (size_t)ix0 * w->in_c, row_bytes);
    } else {
        for (kx = 0; kx < w->k_w; ++kx) {
            const int32_t ix = ix0 + kx * w->dilation_w;
            int8_t *tap = dst + (size_t)kx * w->in_c;
            if (ix < 0 || ix >= w->in_w) {
                nncube_conv_fill(tap, zp4, (size_t)w->in_c);
            } else {
                nncube_conv_copy(tap, src_row + (size_t)ix * w->in_c, (size_t)w->in_c);
            }
        }
    }
}

/* The im2col patch of conv pixel (b, oy, ox) into buf (the caller checked its length). Windows inside the image
 * (most pixels) take one straight loop of row copies; the others go row by row through the clipping above. */
static void nncube_conv_patch(const nncube_window *w, uint32_t zp4, const int8_t *input, int32_t b, int32_t oy,
                              int32_t ox, int8_t *buf)
{
    const int32_t iy0 = oy * w->stride_h - w->pad_top;
    const int32_t ix0 = ox * w->stride_w - w->pad_left;
    const size_t row_bytes = (size_t)w->k_w * w->in_c;
    const size_t in_row = (size_t)w->in_w * w->in_c;
    const int8_t *image = input + (size_t)b * w->in_h * in_row;
    int32_t ky;
    const int32_t k_h = w->k_h; /* a local: the int8 stores below could alias *w */
    if (iy0 >= 0 && iy0 + (k_h - 1) * w->dilation_h < w->in_h && w->dilation_w == 1 && ix0 >= 0 &&
        ix0 + w->k_w <= w->in_w) {
        const size_t step = (size_t)w->dilation_h * in_row;
        const int8_t *src = image + (size_t)iy0 * in_row + (size_t)ix0 * w->in_c;
        for (ky = 0; ky < k_h; ++ky) {
            nncube_conv_copy(buf, src, row_bytes);
            buf += row_bytes;
            src += step;
        }
        return;
    }
    for (ky = 0; ky < k_h; ++ky) {
        const int32_t iy = iy0 + ky * w->dilation_h;
        const int8_t *src_row = iy < 0 || iy >= w->in_h ? NULL : image + (size_t)iy * in_row;
        nncube_conv_patch_row(w, src_row, ix0, zp4, buf + (size_t)ky * row_bytes);
    }
}

/* The input zero point (-input_offset) in the four bytes of a word. */
static uint32_t nncube_conv_zero_point4(int32_t input_offset)
{
    return (uint32_t)(uint8_t)(int8_t)(-input_offset) * 0x01010101u;
}

const int8_t *nncube_conv_row_s8(const nncube_window *w, int32_t input_offset, const int8_t *input, int32_t b,
                                 int32_t oy, int32_t ox, int8_t *buf)
{
    if (nncube_conv_is_pointwise(w)) {
        const int32_t iy0 = oy * w->stride_h, ix0 = ox * w->stride_w;
        return input + (((size_t)b * w->in_h + iy0) * w->in_w + ix0) * w->in_c;
    }
    if ((size_t)w->k_h * w->k_w * w->in_c > NNCUBE_IM2COL_MAX_DEPTH) {
        return NULL;
    }
    nncube_conv_patch(w, nncube_conv_zero_point4(input_offset), input, b, oy, ox, buf);
    return buf;
}

/* The pre-activation sum of output (b, oy, ox, oc) straight from the input, tap by tap, the same int32 value
 * the matmul computes from the patch (padding taps hold the input zero point). */
int32_t nncube_conv_sum_direct_s8(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                                  const int8_t *filter, const int32_t *bias, int32_t b, int32_t oy, int32_t ox,
                                  int32_t oc)
{
    const int32_t iy0 = oy * w->stride_h - w->pad_top;
    const int32_t ix0 = ox * w->stride_w - w->pad_left;
    const int32_t depth = w->k_h * w->k_w * w->in_c;
    int32_t acc = bias != NULL ? bias[oc] : 0;
    int32_t ky, kx, ic;
    for (ky = 0; ky < w->k_h; ++ky) {
        const int32_t iy = iy0 + ky * w->dilation_h;
        for (kx = 0; kx < w->k_w; ++kx) {
            const int32_t ix = ix0 + kx * w->dilation_w;
            const int inside = iy >= 0 && iy < w->in_h && ix >= 0 && ix < w->in_w;
            const int8_t *px = input + (((size_t)b * w->in_h + iy) * w->in_w + ix) * w->in_c;
            for (ic = 0; ic < w->in_c; ++ic) {
                const int32_t a = inside ? px[ic] : -q->input_offset;
                const int32_t k = (ky * w->k_w + kx) * w->in_c + ic;
                acc += a * nncube_matmul_weight(filter, depth, w->out_c, oc, k) +
                       q->filter_offset * (a + q->input_offset);
            }
        }
    }
    return acc;
}

void nncube_conv_pixel_direct_s8(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                                 const int8_t *filter, const int32_t *bias, int32_t b, int32_t oy, int32_t ox,
                                 int32_t c0, int32_t n, int8_t *out)
{
    int32_t c;
    for (c = 0; c < n; ++c) {
        const int32_t acc = nncube_conv_sum_direct_s8(w, q, input, filter, bias, b, oy, ox, c0 + c);
        const int32_t v = nncube_requantize(acc, q->multiplier[c0 + c], q->shift[c0 + c]) + q->output_offset;
        out[c] = (int8_t)nncube_clamp_i32(v, q->act_min, q->act_max);
    }
}

/* One output pixel at a time, tap by tap (patches too long for the stack). */
static void nncube_conv2d_s8_direct(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                                    const int8_t *filter, const int32_t *bias, int8_t *output)
{
    int32_t b, oy, ox;
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                int8_t *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                nncube_conv_pixel_direct_s8(w, q, input, filter, bias, b, oy, ox, 0, w->out_c, out);
            }
        }
    }
}

/* `rows` kernel rows of 4 to 16 bytes (first layers: 9 for 3x3 on 3 channels, 4 for 10x4 on 1), `step` bytes
 * apart in the input, as 1 to 4 words each (the last one ending at the row's end), the word count chosen once. */
static __attribute__((noinline)) void nncube_conv_copy_short_rows(int8_t *dst, const int8_t *src, size_t row_bytes, size_t step, int32_t rows)
{
    const size_t last = row_bytes - 4;
    int32_t r;
    switch ((row_bytes - 1) / 4) {
    case 0:
        for (r = 0; r < rows; ++r, dst += row_bytes, src += step) {
            nncube_store4(dst, nncube_load4(src));
        }
        break;
    case 1:
        for (r = 0; r < rows; ++r, dst += row_bytes, src += step) {
            nncube_store4(dst, nncube_load4(src));
            nncube_store4(dst + last, nncube_load4(src + last));
        }
        break;
    case 2:
        for (r = 0; r < rows; ++r, dst += row_bytes, src += step) {
            nncube_store4(dst, nncube_load4(src));
            nncube_store4(dst + 4, nncube_load4(src + 4));
            nncube_store4(dst + last, nncube_load4(src + last));
        }
        break;
    default:
        for (r = 0; r < rows; ++r, dst += row_bytes, src += step) {
            nncube_store4(dst, nncube_load4(src));
            nncube_store4(dst + 4, nncube_load4(src + 4));
            nncube_store4(dst + 8, nncube_load4(src + 8));
            nncube_store4(dst + last, nncube_load4(src + last));
        }
        break;
    }
}

/* Per-call constants of the patch gathering in nncube_conv2d_s8: output pixels with y in [y_lo, y_hi) and x in
 * [x_lo, x_hi) have their whole window inside the image; with short kernel rows (4 to 16 bytes, no horizontal
 * dilation) they are copied by nncube_conv_copy_short_rows, the others go through nncube_conv_patch. */
typedef struct {
    uint32_t zp4;
    int32_t y_lo, y_hi, x_lo, x_hi; /* empty x range: no short-row path */
    int32_t x_in_lo, x_in_hi;       /* the whole inside x range (empty with horizontal dilation) */
    size_t row_bytes, in_row, step, image_bytes;
} nncube_conv_gather;

/* The range [*lo, *hi) of output coordinates o in [0, out) with o * stride - pad >= 0 and
 * o * stride - pad + span <= size (span: the window's extent minus 1, plus 1). */
static void nncube_conv_inside_range(int32_t out, int32_t stride, int32_t pad, int32_t span, int32_t size,
                                     int32_t *lo, int32_t *hi)
{
    int32_t o;
    *lo = 0;
    *hi = 0;
    for (o = 0; o < out; ++o) {
        const int32_t i0 = o * stride - pad;
        if (i0 >= 0 && i0 + span <= size) {
            if (*hi == 0) {
                *lo = o;
            }
            *hi = o + 1;
        }
    }
}

static void nncube_conv_gather_init(const nncube_window *w, int32_t input_offset, nncube_conv_gather *g)
{
    g->zp4 = nncube_conv_zero_point4(input_offset);
    g->row_bytes = (size_t)w->k_w * w->in_c;
    g->in_row = (size_t)w->in_w * w->in_c;
    g->step = (size_t)w->dilation_h * g->in_row;
    g->image_bytes = (size_t)w->in_h * g->in_row;
    g->y_lo = g->y_hi = g->x_lo = g->x_hi = g->x_in_lo = g->x_in_hi = 0;
    if (nncube_conv_is_pointwise(w)) {
        return; /* no patches */
    }
    nncube_conv_inside_range(w->out_h, w->stride_h, w->pad_top, (w->k_h - 1) * w->dilation_h + 1, w->in_h, &g->y_lo,
                             &g->y_hi);
    nncube_conv_inside_range(w->out_w, w->stride_w, w->pad_left, w->k_w, w->in_w, &g->x_lo, &g->x_hi);
    if (w->dilation_w == 1) {
        g->x_in_lo = g->x_lo;
        g->x_in_hi = g->x_hi;
    }
    if (w->dilation_w != 1 || g->row_bytes < 4 || g->row_bytes > 16) {
        g->x_hi = g->x_lo;
    }
}

/* The patch of conv pixel (b, y, x) into buf. */
static inline void nncube_conv_gather_pixel(const nncube_window *w, const nncube_conv_gather *g, const int8_t *input,
                                            int32_t b, int32_t y, int32_t x, int8_t *buf)
{
    if (x >= g->x_lo && x < g->x_hi && y >= g->y_lo && y < g->y_hi) {
        const int8_t *src = input + (size_t)b * g->image_bytes + (size_t)(y * w->stride_h - w->pad_top) * g->in_row +
                            (size_t)(x * w->stride_w - w->pad_left) * w->in_c;
        nncube_conv_copy_short_rows(buf, src, g->row_bytes, g->step, w->k_h);
    } else {
        nncube_conv_patch(w, g->zp4, input, b, y, x, buf);
    }
}

/* The matmul row of conv pixel (b, y, x): the input pixel itself for 1x1 unpadded windows, else its patch
 * gathered into buf. */
static inline const int8_t *nncube_conv_pixel_row(const nncube_window *w, const nncube_conv_gather *g,
                                                  const int8_t *input, int32_t b, int32_t y, int32_t x, int8_t *buf)
{
    if (nncube_conv_is_pointwise(w)) {
        return input + (((size_t)b * w->in_h + y * w->stride_h) * w->in_w + x * w->stride_w) * w->in_c;
    }
    nncube_conv_gather_pixel(w, g, input, b, y, x, buf);
    return buf;
}

/* Moves (b, y, x) to the next output pixel in NHWC order. */
static inline void nncube_conv_next_pixel(const nncube_window *w, int32_t *b, int32_t *y, int32_t *x)
{
    if (++*x == w->out_w) {
        *x = 0;
        if (++*y == w->out_h) {
            *y = 0;
            ++*b;
        }
    }
}

#if NNCUBE_MATMUL_WIDENED
/* nncube_conv_gather_pixel as a call (the widened path's border pixels and odd last pixel: less code). */
static __attribute__((noinline)) void nncube_conv_gather_pixel_call(const nncube_window *w,
                                                                    const nncube_conv_gather *g, const int8_t *input,
                                                                    int32_t b, int32_t y, int32_t x, int8_t *buf)
{
    nncube_conv_gather_pixel(w, g, input, b, y, x, buf);
}

/* Sign-extends the bytes of k words at src into the widened layout of nncube_matmul_s8_widened (two words per
 * source word, dst advancing by 4 words: the other row's two words are between). */
static inline uint32_t *nncube_conv_widen_words(uint32_t *dst, const int8_t *src, size_t k)
{
    size_t i;
    for (i = 0; i < k; ++i, src += 4, dst += 4) {
        const uint32_t v = nncube_load4(src);
        uint32_t e, o;
        __asm__("sxtb16 %0, %1" : "=r"(e) : "r"(v));
        __asm__("sxtb16 %0, %1, ror #8" : "=r"(o) : "r"(v));
        dst[0] = e;
        dst[1] = o;
    }
    return dst;
}

/* The patch of conv pixel (b, y, x), `depth` values (a multiple of 4, padding after the window's values being
 * the zeros already in `tmp`), widened into dst (the first row's words of each group; the second row's: dst + 2).
 * Windows inside the image with kernel rows of whole words are read in place; the others are gathered into tmp
 * first. */
static void nncube_conv_widen_pixel(const nncube_window *w, const nncube_conv_gather *g, const int8_t *input,
                                    int32_t depth, int32_t b, int32_t y, int32_t x, int8_t *tmp, uint32_t *dst)
{
    if (g->row_bytes % 4 == 0 && y >= g->y_lo && y < g->y_hi && x >= g->x_in_lo && x < g->x_in_hi) {
        const int8_t *src = input + (size_t)b * g->image_bytes + (size_t)(y * w->stride_h - w->pad_top) * g->in_row +
                            (size_t)(x * w->stride_w - w->pad_left) * w->in_c;
        const size_t words = g->row_bytes / 4;
        int32_t ky;
        for (ky = 0; ky < w->k_h; ++ky, src += g->step) {
            dst = nncube_conv_widen_words(dst, src, words);
        }
        return;
    }
    nncube_conv_gather_pixel_call(w, g, input, b, y, x, tmp);
    (void)nncube_conv_widen_words(dst, tmp, (size_t)depth / 4);
}

/* nncube_conv2d_s8's pixel pairs through nncube_matmul_s8_widened (the caller checked the conditions); an odd last
 * pixel goes through nncube_matmul_s8. */
static __attribute__((noinline)) void nncube_conv2d_s8_widened(const nncube_window *w, const nncube_conv_gather *g,
                                     const nncube_matmul_s8_args *m, const int8_t *input, int8_t *output,
                                     uint32_t *rows, int8_t *tmp)
{
    const int32_t pixels = w->batches * w->out_h * w->out_w;
    int32_t b = 0, y = 0, x = 0, p;
    for (p = 0; p + 1 < pixels; p += 2) {
        int8_t *out0 = output + (size_t)p * w->out_c;
        nncube_conv_widen_pixel(w, g, input, m->depth, b, y, x, tmp, rows);
        nncube_conv_next_pixel(w, &b, &y, &x);
        nncube_conv_widen_pixel(w, g, input, m->depth, b, y, x, tmp, rows + 2);
        nncube_conv_next_pixel(w, &b, &y, &x);
        nncube_matmul_s8_widened(m, 0, w->out_c, rows, out0, out0 + w->out_c);
    }
    if (p < pixels) {
        nncube_conv_gather_pixel_call(w, g, input, b, y, x, tmp);
        nncube_matmul_s8(m, 0, w->out_c, tmp, NULL, output + (size_t)p * w->out_c, NULL);
    }
}
#endif

void nncube_conv2d_s8(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                      const int8_t *filter, const int32_t *bias, int8_t *output)
{
    uint32_t patch_words[2 * NNCUBE_IM2COL_MAX_DEPTH / 4]; /* two int8 patches, or widened rows and one patch */
    int8_t *const patches[2] = {(int8_t *)patch_words, (int8_t *)patch_words + NNCUBE_IM2COL_MAX_DEPTH};
    const int32_t depth = w->k_h * w->k_w * w->in_c;
    const int32_t pixels = w->batches * w->out_h * w->out_w;
    nncube_conv_gather g;
    nncube_matmul_s8_args m;
    int32_t b = 0, y = 0, x = 0, p;
    if (!nncube_conv_is_pointwise(w) && depth > NNCUBE_IM2COL_MAX_DEPTH) {
        nncube_conv2d_s8_direct(w, q, input, filter, bias, output);
        return;
    }
    m.q = q;
    m.filter = filter;
    m.bias = bias;
    m.depth = depth;
    m.per_channel = 1;
    nncube_conv_gather_init(w, q->input_offset, &g);
    if (!nncube_conv_is_pointwise(w) && q->filter_offset == 0 && depth % 4 != 0 &&
        (depth + 3) / 4 * 4 <= NNCUBE_IM2COL_MAX_DEPTH) {
        /* Patches padded with zeros to the filter rows' multiple of 4 (whose padding is 0): no scalar tail. The
         * gathering never writes past `depth`, so the padding is set once per call. */
        m.depth = (depth + 3) / 4 * 4;
        memset(patches[0] + depth, 0, (size_t)(m.depth - depth));
        memset(patches[1] + depth, 0, (size_t)(m.depth - depth));
    }
#if NNCUBE_MATMUL_WIDENED
    /* Widened rows (4 * m.depth bytes) at the start of the buffer, the patch for border pixels after them. */
    if (!nncube_conv_is_pointwise(w) && m.depth % 4 == 0 && bias != NULL && q->filter_offset == 0 && w->out_c % 2 == 0 &&
        5 * m.depth <= 2 * NNCUBE_IM2COL_MAX_DEPTH) {
        int8_t *const tmp = (int8_t *)patch_words + 4 * (size_t)m.depth;
        memset(tmp + depth, 0, (size_t)(m.depth - depth));
        nncube_conv2d_s8_widened(w, &g, &m, input, output, patch_words, tmp);
        return;
    }
#endif
    /* Pixels in pairs, in NHWC order, walked with (b, y, x) counters (no division per pixel). */
    for (p = 0; p < pixels; p += 2) {
        int8_t *out0 = output + (size_t)p * w->out_c;
        const int8_t *row0 = nncube_conv_pixel_row(w, &g, input, b, y, x, patches[0]);
        nncube_conv_next_pixel(w, &b, &y, &x);
        if (p + 1 == pixels) {
            nncube_matmul_s8(&m, 0, w->out_c, row0, NULL, out0, NULL);
        } else {
            const int8_t *row1 = nncube_conv_pixel_row(w, &g, input, b, y, x, patches[1]);
            nncube_conv_next_pixel(w, &b, &y, &x);
            nncube_matmul_s8(&m, 0, w->out_c, row0, row1, out0, out0 + w->out_c);
        }
    }
}

/* The body of nncube_conv_value_f32, inlined into nncube_conv2d_f32's loop (a call per output value cost
 * vww_96_float 3.6 % more instructions). */
static inline float nncube_conv_value_f32_inline(const nncube_window *w, const nncube_clamp_f32_params *c,
                                                 const float *input, const float *filter, const float *bias,
                                                 int32_t b, int32_t oy, int32_t ox, int32_t oc)
{
    const int32_t iy0 = oy * w->stride_h - w->pad_top;
    const int32_t ix0 = ox * w->stride_w - w->pad_left;
    float total = 0.0f;
    int32_t ky, kx, ic;
    for (ky = 0; ky < w->k_h; ++ky) {
        const int32_t iy = iy0 + ky * w->dilation_h;
        if (iy < 0 || iy >= w->in_h) {
            continue;
        }
        for (kx = 0; kx < w->k_w; ++kx) {
            const int32_t ix = ix0 + kx * w->dilation_w;
            const float *in_px;
            const float *f_px;
            if (ix < 0 || ix >= w->in_w) {
                continue;
            }
            in_px = input + (((size_t)b * w->in_h + iy) * w->in_w + ix) * w->in_c;
            f_px = filter + (((size_t)oc * w->k_h + ky) * w->k_w + kx) * w->in_c;
            for (ic = 0; ic < w->in_c; ++ic) {
                total += in_px[ic] * f_px[ic];
            }
        }
    }
    if (bias != NULL) {
        total += bias[oc];
    }
    return nncube_clamp_f32(total, c->act_min, c->act_max);
}

float nncube_conv_value_f32(const nncube_window *w, const nncube_clamp_f32_params *c, const float *input,
                            const float *filter, const float *bias, int32_t b, int32_t oy, int32_t ox, int32_t oc)
{
    return nncube_conv_value_f32_inline(w, c, input, filter, bias, b, oy, ox, oc);
}

void nncube_conv2d_f32(const nncube_window *w, const nncube_clamp_f32_params *c, const float *input,
                       const float *filter, const float *bias, float *output)
{
    int32_t b, oy, ox, oc;
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                float *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                for (oc = 0; oc < w->out_c; ++oc) {
                    out[oc] = nncube_conv_value_f32_inline(w, c, input, filter, bias, b, oy, ox, oc);
                }
            }
        }
    }
}
