/*
 * nncube runtime: conversions between float32 and int8 (QUANTIZE from float, DEQUANTIZE); uses <math.h> (roundf).
 */
#include "nncube_kernels.h"

#include <math.h>

void nncube_quantize_f32_s8(float scale, int32_t zero_point, size_t count, const float *input, int8_t *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        float r = roundf(input[i] / scale);
        int32_t q;
        r = r < -1.0e9f ? -1.0e9f : (r > 1.0e9f ? 1.0e9f : r);
        q = (int32_t)r + zero_point;
        output[i] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
    }
}

void nncube_dequantize_s8_f32(float scale, int32_t zero_point, size_t count, const int8_t *input, float *output)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        output[i] = (float)((double)scale * (double)((int32_t)input[i] - zero_point));
    }
}
