/* nncube startup for Cortex-M: vector table, RAM initialisation, FPU enable, then main().
 * main()'s return value becomes the exit status (semihosting SYS_EXIT_EXTENDED).
 * A fault prints `#fault <name>` and exits with status 126.
 * No clock setup: the core runs at its reset clock (QEMU models no clock tree). */
#include <stdint.h>

#include "nncube_platform.h"

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
int main(void);
void nncube_exit(int32_t status);
void Reset_Handler(void);

#define NNCUBE_FAULT_STATUS 126

static void fault(const char *name) {
  nncube_puts("#fault ");
  nncube_puts(name);
  nncube_puts("\n");
  nncube_exit(NNCUBE_FAULT_STATUS);
}

void NMI_Handler(void) { fault("NMI"); }
void HardFault_Handler(void) { fault("HardFault"); }
void MemManage_Handler(void) { fault("MemManage"); }
void BusFault_Handler(void) { fault("BusFault"); }
void UsageFault_Handler(void) { fault("UsageFault"); }
void Default_Handler(void) { fault("unexpected interrupt"); }

__attribute__((section(".isr_vector"), used)) const void *const nncube_vectors[16] = {
    &_estack,          Reset_Handler,    NMI_Handler,       HardFault_Handler,
    MemManage_Handler, BusFault_Handler, UsageFault_Handler, 0,
    0,                 0,                0,                  Default_Handler,
    Default_Handler,   0,                Default_Handler,    Default_Handler,
};

void Reset_Handler(void) {
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
