/*
 * nncube runtime: 2-D convolution (int8 per-channel, float32), NHWC input, OHWI filter.
 * Each output pixel is finished (all channels) before the next one, in NHWC order (see the memory contract).
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"

void nncube_conv2d_s8(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                      const int8_t *filter, const int32_t *bias, int8_t *output)
{
    int32_t b, oy, ox, oc, ky, kx;
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                const int32_t iy0 = oy * w->stride_h - w->pad_top;
                const int32_t ix0 = ox * w->stride_w - w->pad_left;
                int8_t *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                for (oc = 0; oc < w->out_c; ++oc) {
                    int32_t acc = 0;
                    for (ky = 0; ky < w->k_h; ++ky) {
                        const int32_t iy = iy0 + ky * w->dilation_h;
                        if (iy < 0 || iy >= w->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < w->k_w; ++kx) {
                            const int32_t ix = ix0 + kx * w->dilation_w;
                            const int8_t *in_px;
                            const int8_t *f_px;
                            if (ix < 0 || ix >= w->in_w) {
                                continue;
                            }
                            in_px = input + (((size_t)b * w->in_h + iy) * w->in_w + ix) * w->in_c;
                            f_px = filter + (((size_t)oc * w->k_h + ky) * w->k_w + kx) * w->in_c;
                            acc += nncube_dot_s8(in_px, f_px, w->in_c, q->input_offset, q->filter_offset);
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
