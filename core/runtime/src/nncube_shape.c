/*
 * nncube runtime: data movement kernels (concatenation, constant padding). Byte copies use memmove.
 */
#include "nncube_kernels.h"

#include <string.h>

void nncube_concatenation(size_t outer, size_t count, const uint8_t *const *inputs, const size_t *chunk_bytes,
                          uint8_t *output)
{
    size_t o, k;
    for (o = 0; o < outer; ++o) {
        for (k = 0; k < count; ++k) {
            memmove(output, inputs[k] + o * chunk_bytes[k], chunk_bytes[k]);
            output += chunk_bytes[k];
        }
    }
}

void nncube_pad(const nncube_pad_params *p, const uint8_t *fill, const uint8_t *input, uint8_t *output)
{
    int32_t c[4];
    const size_t es = (size_t)p->elem_bytes;
    for (c[0] = 0; c[0] < p->out_dims[0]; ++c[0]) {
        for (c[1] = 0; c[1] < p->out_dims[1]; ++c[1]) {
            for (c[2] = 0; c[2] < p->out_dims[2]; ++c[2]) {
                for (c[3] = 0; c[3] < p->out_dims[3]; ++c[3]) {
                    size_t src = 0;
                    int inside = 1;
                    int d;
                    for (d = 0; d < 4; ++d) {
                        const int32_t i = c[d] - p->before[d];
                        if (i < 0 || i >= p->in_dims[d]) {
                            inside = 0;
                            break;
                        }
                        src = src * (size_t)p->in_dims[d] + (size_t)i;
                    }
                    memmove(output, inside ? input + src * es : fill, es);
                    output += es;
                }
            }
        }
    }
}
