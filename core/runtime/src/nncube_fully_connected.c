/*
 * nncube runtime: fully connected layers (int8 per-tensor or per-channel, float32), weights [out, in].
 * Each batch row is finished before the next one.
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"

void nncube_fully_connected_s8(const nncube_fc_shape *s, const nncube_quant_s8 *q, int per_channel,
                               const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output)
{
    int32_t b, o;
    for (b = 0; b < s->batches; ++b) {
        const int8_t *row = input + (size_t)b * s->in_features;
        int8_t *out = output + (size_t)b * s->out_features;
        for (o = 0; o < s->out_features; ++o) {
            const int32_t ch = per_channel ? o : 0;
            int32_t acc = nncube_dot_s8(weights + (size_t)o * s->in_features, row, s->in_features,
                                        q->filter_offset, q->input_offset);
            if (bias != NULL) {
                acc += bias[o];
            }
            acc = nncube_requantize(acc, q->multiplier[ch], q->shift[ch]) + q->output_offset;
            out[o] = (int8_t)nncube_clamp_i32(acc, q->act_min, q->act_max);
        }
    }
}

void nncube_fully_connected_f32(const nncube_fc_shape *s, const nncube_clamp_f32_params *c, const float *input,
                                const float *weights, const float *bias, float *output)
{
    int32_t b, o, i;
    for (b = 0; b < s->batches; ++b) {
        const float *row = input + (size_t)b * s->in_features;
        float *out = output + (size_t)b * s->out_features;
        for (o = 0; o < s->out_features; ++o) {
            const float *wrow = weights + (size_t)o * s->in_features;
            float total = 0.0f;
            for (i = 0; i < s->in_features; ++i) {
                total += row[i] * wrow[i];
            }
            if (bias != NULL) {
                total += bias[o];
            }
            out[o] = nncube_clamp_f32(total, c->act_min, c->act_max);
        }
    }
}
