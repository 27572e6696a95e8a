/*
 * nncube host runner: runs a generated network on samples read from stdin.
 * stdin: N samples, each the concatenation of every input's bytes. stdout, per sample: with `--layers`, every
 * layer's output bytes in schedule order; then every output's bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner_net.h"

static union {
    double align;
    uint8_t bytes[NET_ACTIVATIONS_BYTES];
} arena;

static void write_layer(void *user, int32_t layer, const char *layer_name, const void *output, size_t bytes)
{
    (void)user;
    (void)layer;
    (void)layer_name;
    if (fwrite(output, 1, bytes, stdout) != bytes) {
        exit(3);
    }
}

int main(int argc, char **argv)
{
    const int per_layer = argc > 1 && strcmp(argv[1], "--layers") == 0;
    size_t sample_bytes = 0;
    size_t cap = 1 << 16;
    size_t len = 0;
    size_t got;
    size_t pos;
    size_t i;
    uint8_t *data = (uint8_t *)malloc(cap);
    NET_CTX ctx;
    if (data == NULL) {
        return 2;
    }
    while ((got = fread(data + len, 1, cap - len, stdin)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *bigger = (uint8_t *)realloc(data, cap * 2);
            if (bigger == NULL) {
                return 2;
            }
            data = bigger;
            cap *= 2;
        }
    }
    for (i = 0; i < NET_NUM_INPUTS; ++i) {
        sample_bytes += net_input_bytes[i];
    }
    if (sample_bytes == 0 || len % sample_bytes != 0) {
        fprintf(stderr, "runner: stdin holds %lu bytes, not a multiple of the %lu-byte sample\n",
                (unsigned long)len, (unsigned long)sample_bytes);
        return 2;
    }
    if (NET_INIT(&ctx, arena.bytes, NET_WEIGHTS) != NNCUBE_OK) {
        fprintf(stderr, "runner: init failed\n");
        return 2;
    }
    if (per_layer) {
        NET_SET_OBSERVER(&ctx, write_layer, NULL);
    }
    for (pos = 0; pos < len; pos += sample_bytes) {
        size_t off = pos;
        for (i = 0; i < NET_NUM_INPUTS; ++i) {
            memcpy(NET_INPUT(&ctx, (int)i), data + off, net_input_bytes[i]);
            off += net_input_bytes[i];
        }
        if (NET_RUN(&ctx) != NNCUBE_OK) {
            fprintf(stderr, "runner: run failed\n");
            return 2;
        }
        for (i = 0; i < NET_NUM_OUTPUTS; ++i) {
            if (fwrite(NET_OUTPUT(&ctx, (int)i), 1, net_output_bytes[i], stdout) != net_output_bytes[i]) {
                return 3;
            }
        }
    }
    free(data);
    return 0;
}
