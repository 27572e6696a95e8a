/*
 * nncube runtime: fully connected layers (int8 per-tensor or per-channel, float32).
 * int8: batch rows go in pairs through the blocked matmul (nncube_matmul.c; weights and bias in its layout), both
 * rows read before either is finished; float: weights [out, in], each batch row finished before the next one.
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"

void nncube_fully_connected_s8(const nncube_fc_shape *s, const nncube_quant_s8 *q, int per_channel,
                               const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output)
{
    nncube_matmul_s8_args m;
    int32_t b;
    m.q = q;
    m.filter = weights;
    m.bias = bias;
    m.depth = s->in_features;
    m.per_channel = per_channel;
    for (b = 0; b < s->batches; b += 2) {
        const int8_t *row = input + (size_t)b * s->in_features;
        int8_t *out = output + (size_t)b * s->out_features;
        if (b + 1 < s->batches) {
            nncube_matmul_s8(&m, 0, s->out_features, row, row + s->in_features, out, out + s->out_features);
        } else {
            nncube_matmul_s8(&m, 0, s->out_features, row, NULL, out, NULL);
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
