/* The nncube platform API on the host (stdio): the reference build of the same application code.
 * There is no instruction counter on the host, so ticks are always 0; the stack is not measured (0 bytes). */
#include <stdio.h>

#include "nncube_platform.h"

void nncube_puts(const char *text) { fputs(text, stdout); }

int32_t nncube_read_file(const char *path, void *dst, size_t len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return -1;
  }
  size_t n = fread(dst, 1, len, f);
  fclose(f);
  return (int32_t)n;
}

void nncube_counter_start(void) {}

uint32_t nncube_counter_ticks(void) { return 0u; }

uint32_t nncube_stack_used_bytes(void) { return 0u; }

uint32_t nncube_stack_reserved_bytes(void) { return 0u; }
