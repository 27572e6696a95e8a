/*
 * nncube runtime (internal): helpers the kernels share for packed int8 data.
 */
#ifndef NNCUBE_SIMD_H
#define NNCUBE_SIMD_H

#include <stdint.h>
#include <string.h>

/* Four bytes from any address as one 32-bit word (Cortex-M3 and later load unaligned words; elsewhere the compiler
 * picks what the target allows). __builtin_memcpy, not memcpy: firmware is built with -ffreestanding, which turns a
 * plain memcpy into a library call per load. */
static inline uint32_t nncube_load4(const int8_t *p)
{
    uint32_t v;
#if defined(__GNUC__)
    __builtin_memcpy(&v, p, sizeof v);
#else
    memcpy(&v, p, sizeof v);
#endif
    return v;
}

/* One 32-bit word stored to any address (the twin of nncube_load4). */
static inline void nncube_store4(int8_t *p, uint32_t v)
{
#if defined(__GNUC__)
    __builtin_memcpy(p, &v, sizeof v);
#else
    memcpy(p, &v, sizeof v);
#endif
}

#endif /* NNCUBE_SIMD_H */
