/* Board-independent parts of the nncube platform API: the console protocol records. */
#include "nncube_platform.h"

char *nncube_u32_to_dec(uint32_t value, char *buf) {
  char tmp[11];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + value % 10u);
    value /= 10u;
  } while (value != 0u);
  for (int i = 0; i < n; i++) {
    buf[i] = tmp[n - 1 - i];
  }
  buf[n] = '\0';
  return buf;
}

void nncube_print_output(uint32_t index, const void *bytes, size_t len) {
  static const char digits[] = "0123456789abcdef";
  const uint8_t *p = (const uint8_t *)bytes;
  char num[11];
  char chunk[65];
  nncube_puts("#output ");
  nncube_puts(nncube_u32_to_dec(index, num));
  nncube_puts(" ");
  size_t used = 0;
  for (size_t i = 0; i < len; i++) {
    chunk[used++] = digits[p[i] >> 4];
    chunk[used++] = digits[p[i] & 0xFu];
    if (used == 64u) {
      chunk[used] = '\0';
      nncube_puts(chunk);
      used = 0;
    }
  }
  chunk[used] = '\0';
  nncube_puts(chunk);
  nncube_puts("\n");
}

void nncube_print_inference_ticks(uint32_t ticks) {
  char num[11];
  nncube_puts("#ticks inference ");
  nncube_puts(nncube_u32_to_dec(ticks, num));
  nncube_puts("\n");
}

void nncube_print_layer_ticks(uint32_t index, uint32_t ticks) {
  char num[11];
  nncube_puts("#ticks layer ");
  nncube_puts(nncube_u32_to_dec(index, num));
  nncube_puts(" ");
  nncube_puts(nncube_u32_to_dec(ticks, num));
  nncube_puts("\n");
}

void nncube_print_stack_usage(void) {
  char num[11];
  nncube_puts("#stack used ");
  nncube_puts(nncube_u32_to_dec(nncube_stack_used_bytes(), num));
  nncube_puts(" reserved ");
  nncube_puts(nncube_u32_to_dec(nncube_stack_reserved_bytes(), num));
  nncube_puts("\n");
}
