/* nncube benchmark and validation application: runs the generated network `network` once without and once with the per-layer
 * observer, printing the instruction-counter ticks of the whole inference and of each layer, and the outputs of
 * the first run, then the stack high-water mark of both (`#stack used <bytes> reserved <bytes>`). Inputs: embedded
 * deterministic bytes, or (with NNCUBE_INPUTS_FROM_FILES) host files input<i>.bin read through semihosting; they are loaded
 * before each run because inputs live in the arena, which a run reuses. nncube_io.h (generated) gives the
 * input/output sizes. Code between USER CODE BEGIN/END markers is kept when nncube regenerates a project. */
#include "nncube_platform.h"
#include "nncube_io.h"
#include "network.h"
#include "network_data.h"

/* USER CODE BEGIN includes */
/* USER CODE END includes */

/* The activation arena (network_arena.c and .h, generated next to this file): NETWORK_ARENA is what network_init
 * takes, the arena or, with several memory pools, the array of pool pointers. */
#include "network_arena.h"
static network_ctx net;
static uint32_t layer_start;

static void on_layer(void *user, int32_t layer, const char *layer_name, const void *output, size_t output_bytes) {
  uint32_t now = nncube_counter_ticks();
  (void)user;
  (void)layer_name;
  (void)output;
  (void)output_bytes;
  nncube_print_layer_ticks((uint32_t)layer, now - layer_start);
  layer_start = nncube_counter_ticks();
}

static int load_inputs(void) {
  for (uint32_t i = 0; i < NNCUBE_NUM_INPUTS; i++) {
    uint8_t *in = (uint8_t *)network_input(&net, (int)i);
#if defined(NNCUBE_INPUTS_FROM_FILES)
    char path[] = "input0.bin";
    path[5] = (char)('0' + i);
    if (nncube_read_file(path, in, nncube_input_bytes[i]) != (int32_t)nncube_input_bytes[i]) {
      nncube_puts("cannot read an input file\n");
      return 0;
    }
#else
    for (uint32_t k = 0; k < nncube_input_bytes[i]; k++) {
      in[k] = (uint8_t)((k * 37u + 11u * i + 5u) % 251u);
    }
#endif
  }
  return 1;
}

int main(void) {
  if (network_init(&net, NETWORK_ARENA, network_weights) != NNCUBE_OK) {
    nncube_puts("network_init failed\n");
    return 3;
  }
  if (!load_inputs()) {
    return 2;
  }
  /* USER CODE BEGIN before_run */
  /* USER CODE END before_run */
  nncube_counter_start();
  uint32_t t0 = nncube_counter_ticks();
  nncube_status status = network_run(&net);
  uint32_t t1 = nncube_counter_ticks();
  if (status != NNCUBE_OK) {
    nncube_puts("network_run failed\n");
    return 4;
  }
  nncube_print_inference_ticks(t1 - t0);
  for (uint32_t i = 0; i < NNCUBE_NUM_OUTPUTS; i++) {
    nncube_print_output(i, network_output(&net, (int)i), nncube_output_bytes[i]);
  }
  /* USER CODE BEGIN after_run */
  /* USER CODE END after_run */
  if (!load_inputs()) {
    return 2;
  }
  network_set_observer(&net, on_layer, NULL);
  layer_start = nncube_counter_ticks();
  (void)network_run(&net);
  /* The stack high-water mark of both runs (and everything before them). */
  nncube_print_stack_usage();
  return 0;
}
