/* nncube startup for Cortex-M: vector table, stack painting, RAM initialisation, FPU enable, then main().
 * main()'s return value becomes the exit status (semihosting SYS_EXIT_EXTENDED).
 * A fault prints `#fault <name>` and the stack record (so a stack overflow is told apart), then exits with
 * status 126. The initial SP is _estack, the top of the linker script's `.stack` reservation [_sstack, _estack),
 * which is first in the system RAM: an overflow runs off the start of the RAM and faults. Before anything else, Reset_Handler paints that reservation below its own SP (less a small margin) with NNCUBE_STACK_PAINT;
 * nncube_stack_used_bytes() scans it from the bottom for the first word no longer paint: the high-water mark (or,
 * after a fault taken with SP below the reservation, how far below the top SP was).
 * No clock setup: the core runs at its reset clock (QEMU models no clock tree). */
#include <stdint.h>

#include "nncube_platform.h"

extern uint32_t _sstack, _estack, _sidata, _sdata, _edata, _sbss, _ebss;
int main(void);
void nncube_exit(int32_t status);
void Reset_Handler(void);

#define NNCUBE_FAULT_STATUS 126
/* The word the unused stack is painted with. */
#define NNCUBE_STACK_PAINT 0x5AC3A53Cu
/* Words just below Reset_Handler's SP that are left unpainted (they count as used). */
#define NNCUBE_STACK_PAINT_MARGIN_WORDS 8u

/* The SP a fault was taken on when it was below the stack reservation (a stack overflow), else 0. */
static uint32_t overflowed_sp;

/* The fault handlers' common part, on a fresh stack: `sp_at_fault` is the SP the fault was taken on. */
void nncube_fault(uint32_t kind, uint32_t sp_at_fault) __attribute__((used, noreturn));
void nncube_fault(uint32_t kind, uint32_t sp_at_fault) {
  static const char *const names[] = {"NMI", "HardFault", "MemManage", "BusFault", "UsageFault",
                                      "unexpected interrupt"};
  if (sp_at_fault < (uint32_t)(uintptr_t)&_sstack) {
    overflowed_sp = sp_at_fault;
  }
  nncube_puts("#fault ");
  nncube_puts(names[kind < 6u ? kind : 5u]);
  nncube_puts("\n");
  nncube_print_stack_usage();
  nncube_exit(NNCUBE_FAULT_STATUS);
  for (;;) {
  }
}

/* Each handler first moves SP back to the top of the reservation (a stack overflow may have left it outside the
 * RAM, where nothing can run), then calls nncube_fault(kind, the SP it found). Plain asm: v6-M to v8-M. */
#define NNCUBE_FAULT_HANDLER(handler, kind)                                                                    \
  __attribute__((naked)) void handler(void) {                                                                  \
    __asm volatile("mrs r1, msp\n ldr r0, =_estack\n msr msp, r0\n movs r0, #" #kind "\n ldr r2, =nncube_fault\n" \
                   " bx r2\n");                                                                                \
  }

NNCUBE_FAULT_HANDLER(NMI_Handler, 0)
NNCUBE_FAULT_HANDLER(HardFault_Handler, 1)
NNCUBE_FAULT_HANDLER(MemManage_Handler, 2)
NNCUBE_FAULT_HANDLER(BusFault_Handler, 3)
NNCUBE_FAULT_HANDLER(UsageFault_Handler, 4)
NNCUBE_FAULT_HANDLER(Default_Handler, 5)

uint32_t nncube_stack_used_bytes(void) {
  if (overflowed_sp != 0u) {
    return (uint32_t)(uintptr_t)&_estack - overflowed_sp;
  }
  const volatile uint32_t *p = &_sstack;
  while (p < &_estack && *p == NNCUBE_STACK_PAINT) {
    p++;
  }
  return (uint32_t)((uintptr_t)&_estack - (uintptr_t)p);
}

uint32_t nncube_stack_reserved_bytes(void) { return (uint32_t)((uintptr_t)&_estack - (uintptr_t)&_sstack); }

__attribute__((section(".isr_vector"), used)) const void *const nncube_vectors[16] = {
    &_estack,          Reset_Handler,    NMI_Handler,       HardFault_Handler,
    MemManage_Handler, BusFault_Handler, UsageFault_Handler, 0,
    0,                 0,                0,                  Default_Handler,
    Default_Handler,   0,                Default_Handler,    Default_Handler,
};

void Reset_Handler(void) {
  /* A register-only loop: nothing below the current SP is live, and the loop pushes nothing. */
  uint32_t *sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  for (volatile uint32_t *p = &_sstack; p < sp - NNCUBE_STACK_PAINT_MARGIN_WORDS; p++) {
    *p = NNCUBE_STACK_PAINT;
  }
  uint32_t *src = &_sidata;
  uint32_t *dst = &_sdata;
  while (dst < &_edata) {
    *dst++ = *src++;
  }
  for (dst = &_sbss; dst < &_ebss;) {
    *dst++ = 0u;
  }
#if defined(__ARM_FP)
  *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20); /* CPACR: CP10/CP11 full access */
  __asm volatile("dsb\n isb" ::: "memory");
#endif
  nncube_exit(main());
}
