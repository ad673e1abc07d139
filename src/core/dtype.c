#include "core/dtype.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

/* Both formats store little-endian data that the readers hand out in place, and sizes are counted
 * in size_t; scar targets 64-bit little-endian machines. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "scar assumes a little-endian host");
_Static_assert(sizeof(size_t) == 8, "scar assumes a 64-bit size_t");

static const struct {
    const char *name;
    size_t size;
} k_dtypes[DTYPE_COUNT] = {
    [DTYPE_BOOL] = {"BOOL", 1},       [DTYPE_U8] = {"U8", 1},           [DTYPE_I8] = {"I8", 1},
    [DTYPE_F8_E5M2] = {"F8_E5M2", 1}, [DTYPE_F8_E4M3] = {"F8_E4M3", 1}, [DTYPE_U16] = {"U16", 2},
    [DTYPE_I16] = {"I16", 2},         [DTYPE_F16] = {"F16", 2},         [DTYPE_BF16] = {"BF16", 2},
    [DTYPE_U32] = {"U32", 4},         [DTYPE_I32] = {"I32", 4},         [DTYPE_F32] = {"F32", 4},
    [DTYPE_U64] = {"U64", 8},         [DTYPE_I64] = {"I64", 8},         [DTYPE_F64] = {"F64", 8},
};

static int valid(DType t) { return (int)t >= 0 && t < DTYPE_COUNT; }

size_t dtype_size(DType t) { return valid(t) ? k_dtypes[t].size : 0; }

const char *dtype_name(DType t) { return valid(t) ? k_dtypes[t].name : "?"; }

int dtype_from_name(const char *s, DType *out) {
    for (int t = 0; t < DTYPE_COUNT; t++)
        if (strcmp(s, k_dtypes[t].name) == 0) {
            *out = (DType)t;
            return 0;
        }
    return -1;
}

int shape_numel(int ndim, const int64_t *shape, size_t *numel) {
    if (ndim < 0 || ndim > TENSORREF_MAX_DIMS)
        return scar_fail("%d dimensions (0 to %d allowed)", ndim, TENSORREF_MAX_DIMS);
    int zero = 0;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return scar_fail("negative dimension %" PRId64, shape[i]);
        zero |= shape[i] == 0;
    }
    /* A zero anywhere makes the product zero, even if the other dimensions alone would overflow. */
    size_t n = 1;
    if (zero)
        n = 0;
    else
        for (int i = 0; i < ndim; i++)
            if (size_mul(n, (size_t)shape[i], &n) != 0) {
                char buf[256];
                shape_format(ndim, shape, buf, sizeof buf);
                return scar_fail("shape %s has too many elements (overflow)", buf);
            }
    *numel = n;
    return 0;
}

int tensor_ref_bytes(const TensorRef *t, size_t *bytes) {
    size_t n;
    if (!valid(t->dtype)) return scar_fail("invalid dtype %d", (int)t->dtype);
    if (shape_numel(t->ndim, t->shape, &n) != 0) return -1;
    if (size_mul(n, dtype_size(t->dtype), bytes) != 0) {
        char buf[256];
        shape_format(t->ndim, t->shape, buf, sizeof buf);
        return scar_fail("shape %s of %s is too many bytes (overflow)", buf, dtype_name(t->dtype));
    }
    return 0;
}

void shape_format(int ndim, const int64_t *shape, char *buf, size_t size) {
    size_t k = 0;
    if (size == 0) return;
    buf[0] = 0;
    k += (size_t)snprintf(buf + k, size - k, "[");
    for (int i = 0; i < ndim && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s%" PRId64, i ? ", " : "", shape[i]);
    if (k < size) snprintf(buf + k, size - k, "]");
}
