/*
 * nncube runtime: float32 softmax over the last dimension (the one kernel that needs <math.h>: expf).
 */
#include "nncube_kernels.h"

#include <math.h>

void nncube_softmax_f32(float beta, int32_t rows, int32_t depth, const float *input, float *output)
{
    int32_t r, c;
    for (r = 0; r < rows; ++r) {
        const float *in = input + (size_t)r * depth;
        float *out = output + (size_t)r * depth;
        float max_in_row = in[0];
        float sum = 0.0f;
        for (c = 1; c < depth; ++c) {
            max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
        }
        for (c = 0; c < depth; ++c) {
            sum += expf((in[c] - max_in_row) * beta);
        }
        for (c = 0; c < depth; ++c) {
            out[c] = expf((in[c] - max_in_row) * beta) / sum;
        }
    }
}
