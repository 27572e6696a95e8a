/* nncube platform API: console output, input files, exit status and the instruction counter.
 * The same application code builds for a board (semihosting, see nncube_platform_semihost.c)
 * and for the host (stdio, see nncube_platform_host.c), so both can be compared byte for byte.
 * Console protocol (parsed by nncube's device module), one record per line:
 *   #output <index> <hex bytes>
 *   #ticks inference <ticks>
 *   #ticks layer <index> <ticks>
 *   #stack used <bytes> reserved <bytes>
 * Any other line is free text. */
#ifndef NNCUBE_PLATFORM_H
#define NNCUBE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* Writes a NUL-terminated string to the console. */
void nncube_puts(const char *text);
/* Writes `#output <index> <hex>` for `len` bytes. */
void nncube_print_output(uint32_t index, const void *bytes, size_t len);
/* Writes `#ticks inference <ticks>`. */
void nncube_print_inference_ticks(uint32_t ticks);
/* Writes `#ticks layer <index> <ticks>`. */
void nncube_print_layer_ticks(uint32_t index, uint32_t ticks);
/* Reads up to `len` bytes of the host file `path` into `dst`; returns the count read, or -1 if it cannot be opened. */
int32_t nncube_read_file(const char *path, void *dst, size_t len);
/* Starts the free-running instruction counter (a no-op where there is none). */
void nncube_counter_start(void);
/* Counter ticks since nncube_counter_start(); always 0 where there is no counter (the host). */
uint32_t nncube_counter_ticks(void);
/* Bytes of the main-stack reservation ever written since reset (its high-water mark); 0 where it is not measured
 * (the host). Startup paints the reservation with NNCUBE_STACK_PAINT; this scans it from the bottom for the first
 * word that is no longer paint. */
uint32_t nncube_stack_used_bytes(void);
/* Bytes of the main-stack reservation (the linker script's `.stack`); 0 where there is none (the host). */
uint32_t nncube_stack_reserved_bytes(void);
/* Writes `#stack used <nncube_stack_used_bytes()> reserved <nncube_stack_reserved_bytes()>`. */
void nncube_print_stack_usage(void);
/* Formats `value` as decimal into `buf` (at least 11 bytes) and returns `buf`. */
char *nncube_u32_to_dec(uint32_t value, char *buf);

#endif
