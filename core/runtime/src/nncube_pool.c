/*
 * nncube runtime: average and max pooling (int8, float32). Padding cells are excluded from averages.
 * Pixels are produced in NHWC order; each output pixel reads only its own window. On cores with the DSP extension,
 * int8 max pooling compares 4 channels per instruction (SSUB8 + SEL) and int8 average pooling sums 4 channels in
 * two SXTAB16 per input word (windows of at most 256 pixels).
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"
#include "nncube_simd.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#endif

void nncube_pool_window(const nncube_window *w, int32_t oy, int32_t ox, int32_t *y0, int32_t *y1, int32_t *x0,
                        int32_t *x1)
{
    const int32_t iy = oy * w->stride_h - w->pad_top;
    const int32_t ix = ox * w->stride_w - w->pad_left;
    *y0 = iy < 0 ? 0 : iy;
    *x0 = ix < 0 ? 0 : ix;
    *y1 = iy + w->k_h > w->in_h ? w->in_h : iy + w->k_h;
    *x1 = ix + w->k_w > w->in_w ? w->in_w : ix + w->k_w;
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* (x ror 8) sign-extended bytes 0 and 2 added to the 16-bit lanes of acc, in one SXTAB16 with GCC or clang (GCC
 * does not fold the rotation into the intrinsic). */
static inline uint32_t nncube_pool_sxtab16_ror8(uint32_t acc, uint32_t x)
{
#if defined(__GNUC__) && defined(__thumb2__)
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(x));
    return r;
#else
    return __sxtab16(acc, (x >> 8) | (x << 24));
#endif
}

/* Window sums of channels c..c+3 (`first` points at channel c of the window's top-left input pixel) for windows
 * of at most 256 pixels: SXTAB16 adds bytes 0/2 and 1/3 of each input word into two words of 16-bit lanes, and 256
 * int8 values sum to [-32768, 32512], so no lane wraps. The same sums as the scalar loop. */
static void nncube_avg_sums4_s8(const nncube_window *w, const int8_t *first, int32_t rows, int32_t cols,
                                int32_t *sums)
{
    const size_t row_stride = (size_t)w->in_w * (size_t)w->in_c;
    const size_t px_stride = (size_t)w->in_c;
    uint32_t s02 = 0, s13 = 0;
    int32_t y, x;
    for (y = 0; y < rows; ++y) {
        const int8_t *p = first + (size_t)y * row_stride;
        for (x = 0; x < cols; ++x, p += px_stride) {
            const uint32_t v = nncube_load4(p);
            s02 = __sxtab16(s02, v);
            s13 = nncube_pool_sxtab16_ror8(s13, v);
        }
    }
    sums[0] = (int16_t)(s02 & 0xffffu);
    sums[1] = (int16_t)(s13 & 0xffffu);
    sums[2] = (int16_t)(s02 >> 16);
    sums[3] = (int16_t)(s13 >> 16);
}
#endif

/* The average of one channel's window sum, rounded as TFLite does, and clamped. */
static inline int8_t nncube_avg_output_s8(int32_t sum, int32_t count, int32_t act_min, int32_t act_max)
{
    if (count > 0) {
        sum = nncube_round_div(sum, count);
    }
    return (int8_t)nncube_clamp_i32(sum, act_min, act_max);
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
                c = 0;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
                if (y1 > y0 && x1 > x0 && count <= 256) {
                    const int8_t *first = input + (((size_t)b * w->in_h + y0) * w->in_w + x0) * w->in_c;
                    for (; c + 4 <= w->out_c; c += 4) {
                        int32_t sums[4], i;
                        nncube_avg_sums4_s8(w, first + c, y1 - y0, x1 - x0, sums);
                        for (i = 0; i < 4; ++i) {
                            out[c + i] = nncube_avg_output_s8(sums[i], count, act_min, act_max);
                        }
                    }
                }
#endif
                for (; c < w->out_c; ++c) {
                    int32_t acc = 0;
                    for (y = y0; y < y1; ++y) {
                        for (x = x0; x < x1; ++x) {
                            acc += input[(((size_t)b * w->in_h + y) * w->in_w + x) * w->in_c + c];
                        }
                    }
                    out[c] = nncube_avg_output_s8(acc, count, act_min, act_max);
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

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* Channels c..c+3 of one output pixel: SSUB8 sets a GE flag per byte where v >= best, SEL keeps those bytes of v.
 * `first` points at channel c of the window's top-left input pixel. Unaligned accesses use __builtin_memcpy:
 * firmware is built with -ffreestanding, which turns a plain memcpy into a library call. */
static void nncube_max4_s8(const nncube_window *w, const int8_t *first, int32_t rows, int32_t cols, uint32_t lo4,
                           uint32_t hi4, int8_t *out)
{
    const size_t row_stride = (size_t)w->in_w * (size_t)w->in_c;
    uint32_t best = 0x80808080u;
    int32_t y, x;
    for (y = 0; y < rows; ++y) {
        const int8_t *p = first + (size_t)y * row_stride;
        for (x = 0; x < cols; ++x, p += w->in_c) {
            const uint32_t v = nncube_load4(p);
            (void)__ssub8((int32_t)v, (int32_t)best);
            best = __sel(v, best);
        }
    }
    (void)__ssub8((int32_t)best, (int32_t)lo4);
    best = __sel(best, lo4);
    (void)__ssub8((int32_t)hi4, (int32_t)best);
    best = __sel(best, hi4);
    nncube_store4(out, best);
}
#endif

void nncube_max_pool_s8(const nncube_window *w, int32_t act_min, int32_t act_max, const int8_t *input,
                        int8_t *output)
{
    int32_t b, oy, ox, c, y, x, y0, y1, x0, x1;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    const uint32_t lo4 = (uint32_t)(uint8_t)act_min * 0x01010101u;
    const uint32_t hi4 = (uint32_t)(uint8_t)act_max * 0x01010101u;
#endif
    for (b = 0; b < w->batches; ++b) {
        for (oy = 0; oy < w->out_h; ++oy) {
            for (ox = 0; ox < w->out_w; ++ox) {
                int8_t *out = output + (((size_t)b * w->out_h + oy) * w->out_w + ox) * w->out_c;
                c = 0;
                nncube_pool_window(w, oy, ox, &y0, &y1, &x0, &x1);
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
                if (y1 > y0 && x1 > x0) {
                    const int8_t *first = input + (((size_t)b * w->in_h + y0) * w->in_w + x0) * w->in_c;
                    for (; c + 4 <= w->out_c; c += 4) {
                        nncube_max4_s8(w, first + c, y1 - y0, x1 - x0, lo4, hi4, out + c);
                    }
                }
#endif
                for (; c < w->out_c; ++c) {
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
