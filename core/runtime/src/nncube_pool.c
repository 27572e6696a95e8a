/*
 * nncube runtime: average and max pooling (int8, float32). Padding cells are excluded from averages.
 * Pixels are produced in NHWC order; each output pixel reads only its own window.
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"

/* Clips the window of output (oy, ox) to the input: [*y0, *y1) x [*x0, *x1) in input coordinates. */
static void nncube_pool_window(const nncube_window *w, int32_t oy, int32_t ox, int32_t *y0, int32_t *y1,
                               int32_t *x0, int32_t *x1)
{
    const int32_t iy = oy * w->stride_h - w->pad_top;
    const int32_t ix = ox * w->stride_w - w->pad_left;
    *y0 = iy < 0 ? 0 : iy;
    *x0 = ix < 0 ? 0 : ix;
    *y1 = iy + w->k_h > w->in_h ? w->in_h : iy + w->k_h;
    *x1 = ix + w->k_w > w->in_w ? w->in_w : ix + w->k_w;
}

void nncube_average_pool_s8(const nncube_window *w, int32_t act_min, int32_t act_max, const int8_t *input,
                            int8_t *output)
{
    int32_t b, oy, ox, c, y, x, y0, y1, x0, x1;
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                int8_t *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                int32_t count;
                nncube_pool_window(w, oy, ox, &y0, &y1, &x0, &x1);
                count = (y1 - y0) * (x1 - x0);
                for (c = 0; c < w->out_c; ++c) {
                    int32_t acc = 0;
                    for (y = y0; y < y1; ++y) {
                        for (x = x0; x < x1; ++x) {
                            acc += input[(((size_t)b * w->in_h + y) * w->in_w + x) * w->in_c + c];
                        }
                    }
                    if (count > 0) {
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    }
                    out[c] = (int8_t)nncube_clamp_i32(acc, act_min, act_max);
                }
            }
        }
    }
}

void nncube_average_pool_f32(const nncube_window *w, const nncube_clamp_f32_params *cl, const float *input,
                             float *output)
{
    int32_t b, oy, ox, c, y, x, y0, y1, x0, x1;
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                float *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                int32_t count;
                nncube_pool_window(w, oy, ox, &y0, &y1, &x0, &x1);
                count = (y1 - y0) * (x1 - x0);
                for (c = 0; c < w->out_c; ++c) {
                    float total = 0.0f;
                    for (y = y0; y < y1; ++y) {
                        for (x = x0; x < x1; ++x) {
                            total += input[(((size_t)b * w->in_h + y) * w->in_w + x) * w->in_c + c];
                        }
                    }
                    out[c] = nncube_clamp_f32(count > 0 ? total / (float)count : 0.0f, cl->act_min, cl->act_max);
                }
            }
        }
    }
}

void nncube_max_pool_s8(const nncube_window *w, int32_t act_min, int32_t act_max, const int8_t *input,
                        int8_t *output)
{
    int32_t b, oy, ox, c, y, x, y0, y1, x0, x1;
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                int8_t *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                nncube_pool_window(w, oy, ox, &y0, &y1, &x0, &x1);
                for (c = 0; c < w->out_c; ++c) {
                    int32_t best = INT8_MIN;
                    for (y = y0; y < y1; ++y) {
                        for (x = x0; x < x1; ++x) {
                            const int32_t v = input[(((size_t)b * w->in_h + y) * w->in_w + x) * w->in_c + c];
                            best = v > best ? v : best;
                        }
                    }
                    out[c] = (int8_t)nncube_clamp_i32(best, act_min, act_max);
                }
            }
        }
    }
}

void nncube_max_pool_f32(const nncube_window *w, const nncube_clamp_f32_params *cl, const float *input,
                         float *output)
{
    int32_t b, oy, ox, c, y, x, y0, y1, x0, x1;
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                float *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                nncube_pool_window(w, oy, ox, &y0, &y1, &x0, &x1);
                for (c = 0; c < w->out_c; ++c) {
                    float best = -3.402823466e+38f;
                    for (y = y0; y < y1; ++y) {
                        for (x = x0; x < x1; ++x) {
                            const float v = input[(((size_t)b * w->in_h + y) * w->in_w + x) * w->in_c + c];
                            best = v > best ? v : best;
                        }
                    }
                    out[c] = nncube_clamp_f32(best, cl->act_min, cl->act_max);
                }
            }
        }
    }
}
