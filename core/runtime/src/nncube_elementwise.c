/*
 * nncube runtime: elementwise int8 requantization with clamp (relu family, int8 -> int8 quantize) and float clamp.
 * Element i is written right after reading element i, so the output may alias the input.
 */
#include "nncube_fixedpoint.h"
#include "nncube_kernels.h"

void nncube_requantize_s8(const nncube_requant_s8_params *p, size_t count, const int8_t *input, int8_t *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        const int32_t v = p->output_zero_point +
                          nncube_requantize((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift);
        output[i] = (int8_t)nncube_clamp_i32(v, p->act_min, p->act_max);
    }
}

void nncube_clamp_array_f32(const nncube_clamp_f32_params *c, size_t count, const float *input, float *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        output[i] = nncube_clamp_f32(input[i], c->act_min, c->act_max);
    }
}
