/* libFuzzer target: npy_from_memory on arbitrary bytes. Whatever it accepts must hold exactly
 * shape x element size bytes, all readable; sanitizers catch the rest. */
#include <stdint.h>
#include <string.h>

#include "core/npy.h"

static volatile unsigned g_sink; /* keeps the read loop from being optimised away */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    NpyArray a;
    if (npy_from_memory(data, size, "fuzz", &a) != 0) {
        if (a.data) __builtin_trap(); /* a failure leaves nothing behind */
        return 0;
    }
    TensorRef t = {.dtype = a.dtype, .ndim = a.ndim, .data = a.data};
    memcpy(t.shape, a.shape, sizeof t.shape);
    size_t bytes;
    if (tensor_ref_bytes(&t, &bytes) != 0 || bytes != a.nbytes || bytes > size) __builtin_trap();
    unsigned sum = 0;
    for (size_t k = 0; k < bytes; k++) sum += ((const unsigned char *)a.data)[k];
    npy_free(&a);
    g_sink = sum;
    return 0;
}
