/* The nncube platform API on a Cortex-M board: Arm semihosting for the console, host files and the exit status,
 * and a hardware timer as instruction counter on virtual boards.
 * Build-time defines (set by nncube from the board file):
 *   NNCUBE_COUNTER_STM32_TIM + NNCUBE_COUNTER_BASE  an STM32 general-purpose 32-bit timer (TIM2) counting up;
 *   NNCUBE_COUNTER_CMSDK + NNCUBE_COUNTER_BASE      an Arm CMSDK APB timer counting down;
 *   neither                                         no counter: ticks are 0. */
#include "nncube_platform.h"

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE0 0x04
#define SYS_READ 0x06
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

static int32_t semihost_call(int32_t op, const void *arg) {
  register int32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void nncube_puts(const char *text) { (void)semihost_call(SYS_WRITE0, text); }

static uint32_t string_length(const char *s) {
  uint32_t n = 0;
  while (s[n] != '\0') {
    n++;
  }
  return n;
}

int32_t nncube_read_file(const char *path, void *dst, size_t len) {
  uint32_t open_args[3] = {(uint32_t)(uintptr_t)path, 1u /* "rb" */, string_length(path)};
  int32_t handle = semihost_call(SYS_OPEN, open_args);
  if (handle == -1) {
    return -1;
  }
  uint32_t read_args[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)dst, (uint32_t)len};
  int32_t not_read = semihost_call(SYS_READ, read_args);
  uint32_t close_args[1] = {(uint32_t)handle};
  (void)semihost_call(SYS_CLOSE, close_args);
  return (int32_t)len - not_read;
}

void nncube_exit(int32_t status) {
  uint32_t args[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
  for (;;) {
    (void)semihost_call(SYS_EXIT_EXTENDED, args);
  }
}

#define NNCUBE_REG(offset) (*(volatile uint32_t *)(NNCUBE_COUNTER_BASE + (offset)))

#if defined(NNCUBE_COUNTER_STM32_TIM)
static uint32_t counter_origin;
void nncube_counter_start(void) {
  NNCUBE_REG(0x00u) = 0u;          /* CR1: stop */
  NNCUBE_REG(0x28u) = 0u;          /* PSC: no prescaler */
  NNCUBE_REG(0x2Cu) = 0xFFFFFFFFu; /* ARR: full 32-bit range */
  NNCUBE_REG(0x14u) = 1u;          /* EGR.UG: load PSC/ARR, clear CNT */
  NNCUBE_REG(0x00u) = 1u;          /* CR1.CEN */
  counter_origin = NNCUBE_REG(0x24u);
}
uint32_t nncube_counter_ticks(void) { return NNCUBE_REG(0x24u) - counter_origin; }
#elif defined(NNCUBE_COUNTER_CMSDK)
void nncube_counter_start(void) {
  NNCUBE_REG(0x00u) = 0u;          /* CTRL: stop */
  NNCUBE_REG(0x08u) = 0xFFFFFFFFu; /* RELOAD */
  NNCUBE_REG(0x04u) = 0xFFFFFFFFu; /* VALUE */
  NNCUBE_REG(0x00u) = 1u;          /* CTRL.EN */
}
uint32_t nncube_counter_ticks(void) { return 0xFFFFFFFFu - NNCUBE_REG(0x04u); }
#else
void nncube_counter_start(void) {}
uint32_t nncube_counter_ticks(void) { return 0u; }
#endif
