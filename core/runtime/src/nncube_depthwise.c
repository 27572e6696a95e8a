/*
 * nncube runtime: depthwise 2-D convolution (int8 per-channel, float32) with a depth multiplier.
 * Output channel oc = ic * depth_multiplier + m reads input channel ic. Pixels are produced in NHWC order.
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"

void nncube_depthwise_conv2d_s8(const nncube_window *w, int32_t depth_multiplier, const nncube_quant_s8 *q,
                                const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output)
{
    int32_t b, oy, ox, ic, m, ky, kx;
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                const int32_t iy0 = oy * w->stride_h - w->pad_top;
                const int32_t ix0 = ox * w->stride_w - w->pad_left;
                int8_t *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                for (ic = 0; ic < w->in_c; ++ic) {
                    for (m = 0; m < depth_multiplier; ++m) {
                        const int32_t oc = ic * depth_multiplier + m;
                        int32_t acc = 0;
                        for (ky = 0; ky < w->k_h; ++ky) {
                            const int32_t iy = iy0 + ky * w->dilation_h;
                            if (iy < 0 || iy >= w->in_h) {
                                continue;
                            }
                            for (kx = 0; kx < w->k_w; ++kx) {
                                const int32_t ix = ix0 + kx * w->dilation_w;
                                int32_t x;
                                int32_t f;
                                if (ix < 0 || ix >= w->in_w) {
                                    continue;
                                }
                                x = input[(((size_t)b * w->in_h + iy) * w->in_w + ix) * w->in_c + ic];
                                f = filter[((size_t)ky * w->k_w + kx) * w->out_c + oc];
                                acc += (f + q->filter_offset) * (x + q->input_offset);
                            }
                        }
                        if (bias != NULL) {
                            acc += bias[oc];
                        }
                        acc = nncube_requantize(acc, q->multiplier[oc], q->shift[oc]) + q->output_offset;
                        out[oc] = (int8_t)nncube_clamp_i32(acc, q->act_min, q->act_max);
                    }
                }
            }
        }
    }
}

void nncube_depthwise_conv2d_f32(const nncube_window *w, int32_t depth_multiplier,
                                 const nncube_clamp_f32_params *c, const float *input, const float *filter,
                                 const float *bias, float *output)
{
    int32_t b, oy, ox, ic, m, ky, kx;
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                const int32_t iy0 = oy * w->stride_h - w->pad_top;
                const int32_t ix0 = ox * w->stride_w - w->pad_left;
                float *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                for (ic = 0; ic < w->in_c; ++ic) {
                    for (m = 0; m < depth_multiplier; ++m) {
                        const int32_t oc = ic * depth_multiplier + m;
                        float total = 0.0f;
                        for (ky = 0; ky < w->k_h; ++ky) {
                            const int32_t iy = iy0 + ky * w->dilation_h;
                            if (iy < 0 || iy >= w->in_h) {
                                continue;
                            }
                            for (kx = 0; kx < w->k_w; ++kx) {
                                const int32_t ix = ix0 + kx * w->dilation_w;
                                if (ix < 0 || ix >= w->in_w) {
                                    continue;
                                }
                                total += input[(((size_t)b * w->in_h + iy) * w->in_w + ix) * w->in_c + ic] *
                                         filter[((size_t)ky * w->k_w + kx) * w->out_c + oc];
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
}
