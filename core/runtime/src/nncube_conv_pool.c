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

/* Per-call constants of the int8 kernel. */
typedef struct {
    const nncube_window *conv;
    const nncube_quant_s8 *q;
    const int8_t *input, *filter;
    const int32_t *bias;
    int32_t pool_kind;
    nncube_matmul_s8_args m;
} nncube_conv_pool_s8_call;

/* Folds the convolution values of conv pixels [i, i + rows) of the window (rows 1 or 2; the window's pixels
 * numbered row-major from (y0, x0), `width` per row), channels [c0, c0 + n), into the accumulators. */
static void nncube_conv_pool_fold_pixels(const nncube_conv_pool_s8_call *k, int32_t b, int32_t y0, int32_t x0,
                                         int32_t width, int32_t i, int32_t rows, int32_t c0, int32_t n,
                                         int32_t *acc)
{
    int8_t patches[2][NNCUBE_IM2COL_MAX_DEPTH];
    int8_t values[2][NNCUBE_CONV_POOL_CHUNK];
    const int8_t *row[2] = {NULL, NULL};
    int32_t r;
    for (r = 0; r < rows; ++r) {
        const int32_t y = y0 + (i + r) / width, x = x0 + (i + r) % width;
        row[r] = nncube_conv_row_s8(k->conv, k->q->input_offset, k->input, b, y, x, patches[r]);
        if (row[r] == NULL) {
            nncube_conv_pixel_direct_s8(k->conv, k->q, k->input, k->filter, k->bias, b, y, x, c0, n, values[r]);
        }
    }
    if (row[0] != NULL) {
        nncube_matmul_s8(&k->m, c0, c0 + n, row[0], rows == 2 ? row[1] : NULL, values[0], values[1]);
    }
    for (r = 0; r < rows; ++r) {
        nncube_conv_pool_fold(k->pool_kind, values[r], n, acc);
    }
}

/* Pooled pixel (b, py, px), channels [c0, c0 + n): its window's conv pixels in pairs, then the pooled values. */
static void nncube_conv_pool_pixel(const nncube_conv_pool_s8_call *k, const nncube_window *pool,
                                   int32_t pool_act_min, int32_t pool_act_max, int32_t b, int32_t py, int32_t px,
                                   int32_t c0, int32_t n, int8_t *out)
{
    int32_t acc[NNCUBE_CONV_POOL_CHUNK];
    int32_t y0, y1, x0, x1, width, count, c, i;
    nncube_pool_window(pool, py, px, &y0, &y1, &x0, &x1);
    width = x1 - x0;
    count = width > 0 && y1 > y0 ? (y1 - y0) * width : 0;
    for (c = 0; c < n; ++c) {
        acc[c] = k->pool_kind == NNCUBE_POOL_MAX ? INT8_MIN : 0;
    }
    for (i = 0; i < count; i += 2) {
        nncube_conv_pool_fold_pixels(k, b, y0, x0, width, i, count - i < 2 ? count - i : 2, c0, n, acc);
    }
    for (c = 0; c < n; ++c) {
        int32_t v = acc[c];
        if (k->pool_kind != NNCUBE_POOL_MAX && count > 0) {
            v = nncube_round_div(v, count);
        }
        out[c0 + c] = (int8_t)nncube_clamp_i32(v, pool_act_min, pool_act_max);
    }
}

void nncube_conv_pool2d_s8(const nncube_window *conv, const nncube_quant_s8 *q, const nncube_window *pool,
                           int32_t pool_kind, int32_t pool_act_min, int32_t pool_act_max, const int8_t *input,
                           const int8_t *filter, const int32_t *bias, int8_t *output)
{
    nncube_conv_pool_s8_call k;
    int32_t b, py, px, c0;
    k.conv = conv;
    k.q = q;
    k.input = input;
    k.filter = filter;
    k.bias = bias;
    k.pool_kind = pool_kind;
    k.m.q = q;
    k.m.filter = filter;
    k.m.bias = bias;
    k.m.depth = conv->k_h * conv->k_w * conv->in_c;
    k.m.per_channel = 1;
    for (b = 0; b < pool->batches; ++b) {
        for (py = 0; py < pool->out_h; ++py) {
            for (px = 0; px < pool->out_w; ++px) {
                int8_t *out = output + (((size_t)b * pool->out_h + py) * pool->out_w + px) * pool->out_c;
                for (c0 = 0; c0 < pool->out_c; c0 += NNCUBE_CONV_POOL_CHUNK) {
                    const int32_t n =
                        pool->out_c - c0 < NNCUBE_CONV_POOL_CHUNK ? pool->out_c - c0 : NNCUBE_CONV_POOL_CHUNK;
                    nncube_conv_pool_pixel(&k, pool, pool_act_min, pool_act_max, b, py, px, c0, n, out);
                }
            }
        }
    }
}

/* Pooled value of channel oc over the window [y0, y1) x [x0, x1) of float conv values. */
static float nncube_conv_pool_value_f32(const nncube_window *conv, const nncube_clamp_f32_params *c,
                                        int32_t pool_kind, const float *input, const float *filter,
                                        const float *bias, int32_t b, int32_t y0, int32_t y1, int32_t x0,
                                        int32_t x1, int32_t oc)
{
    const int32_t count = (y1 - y0) * (x1 - x0);
    float acc = pool_kind == NNCUBE_POOL_MAX ? -3.402823466e+38f : 0.0f;
    int32_t y, x;
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
    return acc;
}

void nncube_conv_pool2d_f32(const nncube_window *conv, const nncube_clamp_f32_params *c, const nncube_window *pool,
                            int32_t pool_kind, const nncube_clamp_f32_params *pool_clamp, const float *input,
                            const float *filter, const float *bias, float *output)
{
    int32_t b, py, px, oc, y0, y1, x0, x1;
    for (b = 0; b < pool->batches; ++b) {
        for (py = 0; py < pool->out_h; ++py) {
            for (px = 0; px < pool->out_w; ++px) {
                float *out = output + (((size_t)b * pool->out_h + py) * pool->out_w + px) * pool->out_c;
                nncube_pool_window(pool, py, px, &y0, &y1, &x0, &x1);
                for (oc = 0; oc < pool->out_c; ++oc) {
                    const float v = nncube_conv_pool_value_f32(conv, c, pool_kind, input, filter, bias, b, y0, y1,
                                                               x0, x1, oc);
                    out[oc] = nncube_clamp_f32(v, pool_clamp->act_min, pool_clamp->act_max);
                }
            }
        }
    }
}
