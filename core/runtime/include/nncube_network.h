/*
 * nncube runtime: types shared by every generated network (status codes, network info, layer observer).
 */
#ifndef NNCUBE_NETWORK_H
#define NNCUBE_NETWORK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result of the generated API functions. */
typedef enum {
    NNCUBE_OK = 0,
    NNCUBE_ERROR_NULL_ARGUMENT = 1, /* a required pointer was NULL */
    NNCUBE_ERROR_MISALIGNED = 2,    /* a buffer is not 4-byte aligned */
    NNCUBE_ERROR_BAD_INDEX = 3,     /* input/output index out of range */
    NNCUBE_ERROR_NOT_INITIALIZED = 4
} nncube_status;

/* Static facts about a generated network. */
typedef struct {
    const char *name;         /* network name given to `nncube generate --name` */
    const char *tool_version; /* nncube version that generated it */
    const char *model_hash;   /* FNV-1a 64 of the model's IR, 16 hex digits */
    uint64_t macc;            /* multiply-accumulates per inference */
    uint32_t activations_bytes;
    uint32_t weights_bytes;
    uint32_t num_inputs;
    uint32_t num_outputs;
    uint32_t num_layers;
} nncube_network_info;

/* Called after each layer when the network is compiled with NNCUBE_OBSERVER defined. */
typedef void (*nncube_observer_fn)(void *user, int32_t layer, const char *layer_name, const void *output,
                                   size_t output_bytes);

#ifdef __cplusplus
}
#endif

#endif /* NNCUBE_NETWORK_H */
