/*
 * nncube runtime: 2-D convolution followed by max or average pooling in one kernel (int8 per-channel, float32).
 *
 * The convolution's result never exists in memory: for each pooled output pixel (NHWC order) and block of up
 * to 64 channels, the kernel computes the convolution values of that pixel's pooling window two conv pixels at
 * a time with the blocked matmul (nncube_matmul.c, filter and bias in its layout), requantized exactly as
 * nncube_conv2d_s8 would (conv output quantization and activation), and folds them into per-channel pool
 * accumulators on the stack (sum or maximum). Overlapping pooling windows (pool stride < pool size) recompute
 * the shared convolution values instead of buffering them. Results are bit-identical to conv then pool.
 * Each pooled pixel reads only its own receptive field (see the memory contract).
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"

/* The float convolution value at (b, oy, ox, oc), summed in nncube_conv2d_f32's order. */
static float nncube_conv_value_f32(const nncube_window *w, const nncube_clamp_f32_params *c, const float *input,
                                   const float *filter, const float *bias, int32_t b, int32_t oy, int32_t ox,
                                   int32_t oc)
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

/* Channels per pass: the pool accumulators and the convolution values of two pixels live on the stack. */
#define NNCUBE_CONV_POOL_CHUNK 64

/* Folds `n` int8 convolution values into the pool accumulators. */
static void nncube_conv_pool_fold(int32_t pool_kind, const int8_t *values, int32_t n, int32_t *acc)
{
    int32_t c;
    for (c = 0; c < n; ++c) {
        if (pool_kind == NNCUBE_POOL_MAX) {
            acc[c] = values[c] > acc[c] ? values[c] : acc[c];
        } else {
            acc[c] += values[c];
        }
    }
}

/* Convolution values of conv pixel (b, y, x), channels [c0, c0 + n), one at a time (patches too long). */
static void nncube_conv_pool_direct(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                                    const int8_t *filter, const int32_t *bias, int32_t b, int32_t y, int32_t x,
                                    int32_t c0, int32_t n, int8_t *values)
{
    int32_t c;
    for (c = 0; c < n; ++c) {
        const int32_t acc = nncube_conv_sum_direct_s8(w, q, input, filter, bias, b, y, x, c0 + c);
        const int32_t v =
            nncube_requantize(acc, q->multiplier[c0 + c], q->shift[c0 + c]) + q->output_offset;
        values[c] = (int8_t)nncube_clamp_i32(v, q->act_min, q->act_max);
    }
}

void nncube_conv_pool2d_s8(const nncube_window *conv, const nncube_quant_s8 *q, const nncube_window *pool,
                           int32_t pool_kind, int32_t pool_act_min, int32_t pool_act_max, const int8_t *input,
                           const int8_t *filter, const int32_t *bias, int8_t *output)
{
    int8_t patches[2][NNCUBE_IM2COL_MAX_DEPTH];
    int8_t values[2][NNCUBE_CONV_POOL_CHUNK];
    int32_t acc[NNCUBE_CONV_POOL_CHUNK];
    nncube_matmul_s8_args m;
    int32_t b, py, px, c0, c, i, y0, y1, x0, x1;
    m.q = q;
    m.filter = filter;
    m.bias = bias;
    m.depth = conv->k_h * conv->k_w * conv->in_c;
    m.per_channel = 1;
    for (b = 0; b < pool->batches; ++b) {
        for (py = 0; py < pool->out_h; ++py) {
            for (px = 0; px < pool->out_w; ++px) {
                int8_t *out = output + (((size_t)b * pool->out_h + py) * pool->out_w + px) * pool->out_c;
                int32_t count, width;
                nncube_pool_window(pool, py, px, &y0, &y1, &x0, &x1);
                width = x1 - x0;
                count = width > 0 && y1 > y0 ? (y1 - y0) * width : 0;
                for (c0 = 0; c0 < pool->out_c; c0 += NNCUBE_CONV_POOL_CHUNK) {
                    const int32_t n =
                        pool->out_c - c0 < NNCUBE_CONV_POOL_CHUNK ? pool->out_c - c0 : NNCUBE_CONV_POOL_CHUNK;
                    for (c = 0; c < n; ++c) {
                        acc[c] = pool_kind == NNCUBE_POOL_MAX ? INT8_MIN : 0;
                    }
                    /* Conv pixels of the window in pairs. */
                    for (i = 0; i < count; i += 2) {
                        const int32_t rows = count - i < 2 ? count - i : 2;
                        const int8_t *row[2] = {NULL, NULL};
                        int32_t r;
                        for (r = 0; r < rows; ++r) {
                            row[r] = nncube_conv_row_s8(conv, q->input_offset, input, b, y0 + (i + r) / width,
                                                        x0 + (i + r) % width, patches[r]);
                            if (row[r] == NULL) {
                                nncube_conv_pool_direct(conv, q, input, filter, bias, b, y0 + (i + r) / width,
                                                        x0 + (i + r) % width, c0, n, values[r]);
                            }
                        }
                        if (row[0] != NULL) {
                            nncube_matmul_s8(&m, c0, c0 + n, row[0], rows == 2 ? row[1] : NULL, values[0],
                                             values[1]);
                        }
                        for (r = 0; r < rows; ++r) {
                            nncube_conv_pool_fold(pool_kind, values[r], n, acc);
                        }
                    }
                    for (c = 0; c < n; ++c) {
                        int32_t v = acc[c];
                        if (pool_kind != NNCUBE_POOL_MAX && count > 0) {
                            v = nncube_round_div(v, count);
                        }
                        out[c0 + c] = (int8_t)nncube_clamp_i32(v, pool_act_min, pool_act_max);
                    }
                }
            }
        }
    }
}

void nncube_conv_pool2d_f32(const nncube_window *conv, const nncube_clamp_f32_params *c, const nncube_window *pool,
                            int32_t pool_kind, const nncube_clamp_f32_params *pool_clamp, const float *input,
                            const float *filter, const float *bias, float *output)
{
    int32_t b, py, px, oc, y, x, y0, y1, x0, x1;
    for (b = 0; b < pool->batches; ++b) {
        for (py = 0; py < pool->out_h; ++py) {
            for (px = 0; px < pool->out_w; ++px) {
                float *out = output + (((size_t)b * pool->out_h + py) * pool->out_w + px) * pool->out_c;
                int32_t count;
                nncube_pool_window(pool, py, px, &y0, &y1, &x0, &x1);
                count = (y1 - y0) * (x1 - x0);
                for (oc = 0; oc < pool->out_c; ++oc) {
                    float acc = pool_kind == NNCUBE_POOL_MAX ? -3.402823466e+38f : 0.0f;
                    for (y = y0; y < y1; ++y) {
                        for (x = x0; x < x1; ++x) {
                            const float v = nncube_conv_value_f32(conv, c, input, filter, bias, b, y, x, oc);
                            if (pool_kind == NNCUBE_POOL_MAX) {
                                acc = v > acc ? v : acc;
                            } else {
                                acc += v;
                            }
                        }
                    }
                    if (pool_kind != NNCUBE_POOL_MAX) {
                        acc = count > 0 ? acc / (float)count : 0.0f;
                    }
                    out[oc] = nncube_clamp_f32(acc, pool_clamp->act_min, pool_clamp->act_max);
                }
            }
        }
    }
}
