/* libFuzzer target: safetensors_from_memory on arbitrary bytes. Whatever it accepts must be
 * consistent: every tensor inside the buffer (or an owned aligned copy), findable by name, its
 * byte count matching its shape; every metadata key findable. Sanitizers catch the rest. */
#include <stdint.h>
#include <string.h>

#include "core/safetensors.h"

static volatile unsigned g_sink; /* keeps the read loop from being optimised away */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    SafeTensors *st = safetensors_from_memory(data, size, "fuzz");
    if (!st) return 0;
    unsigned sum = 0;
    for (int i = 0; i < safetensors_count(st); i++) {
        const TensorRef *t = safetensors_at(st, i);
        size_t bytes;
        if (tensor_ref_bytes(t, &bytes) != 0 || bytes > size) __builtin_trap();
        if (safetensors_find(st, t->name) != t) __builtin_trap();
        if (bytes && (uintptr_t)t->data % dtype_size(t->dtype)) __builtin_trap();
        const unsigned char *p = t->data;
        for (size_t k = 0; k < bytes; k++) sum += p[k]; /* ASan checks every byte is readable */
        if (!safetensors_get(st, t->name, t->dtype, t->ndim, t->shape)) __builtin_trap();
    }
    (void)safetensors_metadata(st, "format");
    safetensors_close(st);
    g_sink = sum;
    return 0;
}
