/*
 * nncube runtime: the int8 dot product that conv and fully-connected inner loops share.
 * Portable C everywhere; on Cortex-M cores with the DSP extension, two 16-bit MACs per instruction (SMLAD).
 * Both paths compute the same exact int32 sum.
 */
#include "nncube_kernels.h"

#include <string.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>

static inline uint32_t nncube_load4(const int8_t *p)
{
    uint32_t v;
#if defined(__GNUC__)
    __builtin_memcpy(&v, p, sizeof v); /* inlined even with -ffreestanding */
#else
    memcpy(&v, p, sizeof v);
#endif
    return v;
}

int32_t nncube_dot_s8(const int8_t *a, const int8_t *b, int32_t n, int32_t a_offset, int32_t b_offset)
{
    /* Offsets are in [-255, 255]; each lane of a 16x2 pair holds value + offset, which fits in int16. */
    const uint32_t a_off2 = ((uint32_t)(uint16_t)a_offset << 16) | (uint16_t)a_offset;
    const uint32_t b_off2 = ((uint32_t)(uint16_t)b_offset << 16) | (uint16_t)b_offset;
    int32_t acc = 0;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint32_t va = nncube_load4(a + i);
        const uint32_t vb = nncube_load4(b + i);
        /* Bytes 0 and 2, then bytes 1 and 3, sign-extended to 16 bits, plus the offsets. */
        const uint32_t a02 = __sxtab16(a_off2, va);
        const uint32_t a13 = __sxtab16(a_off2, ((va >> 8) | (va << 24)));
        const uint32_t b02 = __sxtab16(b_off2, vb);
        const uint32_t b13 = __sxtab16(b_off2, ((vb >> 8) | (vb << 24)));
        acc = (int32_t)__smlad(a02, b02, (uint32_t)acc);
        acc = (int32_t)__smlad(a13, b13, (uint32_t)acc);
    }
    for (; i < n; ++i) {
        acc += ((int32_t)a[i] + a_offset) * ((int32_t)b[i] + b_offset);
    }
    return acc;
}

#else

int32_t nncube_dot_s8(const int8_t *a, const int8_t *b, int32_t n, int32_t a_offset, int32_t b_offset)
{
    int32_t acc = 0;
    int32_t i;
    for (i = 0; i < n; ++i) {
        acc += ((int32_t)a[i] + a_offset) * ((int32_t)b[i] + b_offset);
    }
    return acc;
}

#endif
