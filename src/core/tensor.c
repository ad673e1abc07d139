#include "core/tensor.h"

#include <stdio.h>
#include <stdlib.h>

int64_t tensor_set_shape(Tensor *t, int ndim, const int *shape) {
    if (ndim < 0 || ndim > TENSOR_MAX_DIMS) {
        fprintf(stderr, "scar: tensor with %d dimensions (at most %d)\n", ndim, TENSOR_MAX_DIMS);
        abort();
    }
    t->ndim = ndim;
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = shape[i];
        n *= shape[i];
    }
    for (int i = ndim; i < TENSOR_MAX_DIMS; i++) t->shape[i] = 1;
    t->numel = n;
    return n;
}

int tensor_same_shape(const Tensor *a, const Tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

const char *tensor_shape_str(const Tensor *t, char *buf, int len) {
    int k = snprintf(buf, (size_t)len, "[");
    for (int i = 0; i < t->ndim && k < len; i++) k += snprintf(buf + k, (size_t)(len - k), i ? ", %d" : "%d", t->shape[i]);
    if (k < len) snprintf(buf + k, (size_t)(len - k), "]");
    return buf;
}
