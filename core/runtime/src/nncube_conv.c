/*
 * nncube runtime: 2-D convolution (int8 per-channel, float32), NHWC input, OHWI filter.
 *
 * int8: output pixels go in pairs through the blocked matrix product (nncube_matmul.c): the row of a pixel is
 * its input pixel for 1x1 unpadded windows (no copy), else its im2col patch gathered on the stack. Both pixels
 * of a pair are read before either is written, and pairs go in NHWC order (see the memory contract). Patches
 * longer than NNCUBE_IM2COL_MAX_DEPTH use a direct loop, one output value at a time. The filter and bias are
 * the ones re-arranged at generation time (docs/kernels.md).
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"

#include <string.h>

static int nncube_conv_is_pointwise(const nncube_window *w)
{
    return w->k_h == 1 && w->k_w == 1 && w->pad_top == 0 && w->pad_left == 0;
}

/* memcpy for the kernel rows of a patch: short rows (first layers) are copied inline, 4 bytes at a time, then
 * bytes, since a memcpy call costs more than the copy (firmware is built with -ffreestanding, where memcpy is not
 * inlined); longer rows go to memcpy (measured: faster from 32 bytes on). */
static inline void nncube_conv_copy(int8_t *dst, const int8_t *src, size_t n)
{
    size_t i = 0;
    if (n > 16) {
        memcpy(dst, src, n);
        return;
    }
    for (; i + 4 <= n; i += 4) {
        uint32_t v;
#if defined(__GNUC__)
        __builtin_memcpy(&v, src + i, sizeof v);
        __builtin_memcpy(dst + i, &v, sizeof v);
#else
        memcpy(&v, src + i, sizeof v);
        memcpy(dst + i, &v, sizeof v);
#endif
    }
    for (; i < n; ++i) {
        dst[i] = src[i];
    }
}

const int8_t *nncube_conv_row_s8(const nncube_window *w, int32_t input_offset, const int8_t *input, int32_t b,
                                 int32_t oy, int32_t ox, int8_t *buf)
{
    const int32_t iy0 = oy * w->stride_h - w->pad_top;
    const int32_t ix0 = ox * w->stride_w - w->pad_left;
    const size_t row_bytes = (size_t)w->k_w * w->in_c;
    const int8_t zero_point = (int8_t)(-input_offset);
    int32_t ky, kx;
    if (nncube_conv_is_pointwise(w)) {
        return input + (((size_t)b * w->in_h + iy0) * w->in_w + ix0) * w->in_c;
    }
    if ((size_t)w->k_h * row_bytes > NNCUBE_IM2COL_MAX_DEPTH) {
        return NULL;
    }
    for (ky = 0; ky < w->k_h; ++ky) {
        const int32_t iy = iy0 + ky * w->dilation_h;
        int8_t *dst = buf + (size_t)ky * row_bytes;
        const int8_t *src_row = input + ((size_t)b * w->in_h + iy) * w->in_w * w->in_c;
        if (iy < 0 || iy >= w->in_h) {
            memset(dst, zero_point, row_bytes);
        } else if (w->dilation_w == 1 && ix0 >= 0 && ix0 + w->k_w <= w->in_w) {
            nncube_conv_copy(dst, src_row + (size_t)ix0 * w->in_c, row_bytes);
        } else {
            for (kx = 0; kx < w->k_w; ++kx) {
                const int32_t ix = ix0 + kx * w->dilation_w;
                if (ix < 0 || ix >= w->in_w) {
                    memset(dst + (size_t)kx * w->in_c, zero_point, (size_t)w->in_c);
                } else {
                    nncube_conv_copy(dst + (size_t)kx * w->in_c, src_row + (size_t)ix * w->in_c, (size_t)w->in_c);
                }
            }
        }
    }
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

/* One output value at a time (patches too long for the stack). */
static void nncube_conv2d_s8_direct(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                                    const int8_t *filter, const int32_t *bias, int8_t *output)
{
    int32_t b, oy, ox, oc;
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                int8_t *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                for (oc = 0; oc < w->out_c; ++oc) {
                    const int32_t acc = nncube_conv_sum_direct_s8(w, q, input, filter, bias, b, oy, ox, oc);
                    const int32_t v = nncube_requantize(acc, q->multiplier[oc], q->shift[oc]) + q->output_offset;
                    out[oc] = (int8_t)nncube_clamp_i32(v, q->act_min, q->act_max);
                }
            }
        }
    }
}

void nncube_conv2d_s8(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                      const int8_t *filter, const int32_t *bias, int8_t *output)
{
    int8_t patches[2][NNCUBE_IM2COL_MAX_DEPTH];
    const int32_t depth = w->k_h * w->k_w * w->in_c;
    const int32_t pixels = w->out_h * w->out_w;
    nncube_matmul_s8_args m;
    int32_t b, p;
    if (nncube_conv_row_s8(w, q->input_offset, input, 0, 0, 0, patches[0]) == NULL) {
        nncube_conv2d_s8_direct(w, q, input, filter, bias, output);
        return;
    }
    m.q = q;
    m.filter = filter;
    m.bias = bias;
    m.depth = depth;
    m.per_channel = 1;
    if (!nncube_conv_is_pointwise(w) && q->filter_offset == 0 && depth % 4 != 0 &&
        (depth + 3) / 4 * 4 <= NNCUBE_IM2COL_MAX_DEPTH) {
        /* Patches padded with zeros to the filter rows' multiple of 4 (whose padding is 0): no scalar tail. */
        m.depth = (depth + 3) / 4 * 4;
        memset(patches[0] + depth, 0, (size_t)(m.depth - depth));
        memset(patches[1] + depth, 0, (size_t)(m.depth - depth));
    }
    for (b = 0; b < w->batches; ++b) {
        int8_t *out = output + (size_t)b * pixels * w->out_c;
        for (p = 0; p < pixels; p += 2) {
            const int8_t *row0 = nncube_conv_row_s8(w, q->input_offset, input, b, p / w->out_w, p % w->out_w,
                                                    patches[0]);
            int8_t *out0 = out + (size_t)p * w->out_c;
            if (p + 1 < pixels) {
                const int8_t *row1 = nncube_conv_row_s8(w, q->input_offset, input, b, (p + 1) / w->out_w,
                                                        (p + 1) % w->out_w, patches[1]);
                nncube_matmul_s8(&m, 0, w->out_c, row0, row1, out0, out0 + w->out_c);
            } else {
                nncube_matmul_s8(&m, 0, w->out_c, row0, NULL, out0, NULL);
            }
        }
    }
}

void nncube_conv2d_f32(const nncube_window *w, const nncube_clamp_f32_params *c, const float *input,
                       const float *filter, const float *bias, float *output)
{
    int32_t b, oy, ox, oc, ky, kx, ic;
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                const int32_t iy0 = oy * w->stride_h - w->pad_top;
                const int32_t ix0 = ox * w->stride_w - w->pad_left;
                float *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                for (oc = 0; oc < w->out_c; ++oc) {
                    float total = 0.0f;
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
                    out[oc] = nncube_clamp_f32(total, c->act_min, c->act_max);
                }
            }
        }
    }
}
