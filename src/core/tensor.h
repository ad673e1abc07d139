/* Tensors: a shape and two pointers. Activations live in a Graph's arena; parameters live in a
 * ParamStore's flat buffers (their data and grad point into them). Row-major, contiguous. */
#ifndef SCAR_CORE_TENSOR_H
#define SCAR_CORE_TENSOR_H

#include <stdint.h>

#include "core/real.h"

#define TENSOR_MAX_DIMS 4

typedef struct Tensor {
    real *data;          /* [numel] */
    real *grad;          /* [numel], or NULL until a gradient first reaches it */
    int64_t numel;
    int ndim;
    int shape[TENSOR_MAX_DIMS];
    int requires_grad;   /* gradients flow into this tensor */
} Tensor;

/* A dimension count and a shape array in one argument: tensor_new(g, SHAPE(32, 120, 128)). */
#define SHAPE(...) (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)), ((const int[]){__VA_ARGS__})

/* The last dimension and the product of all the others (ops that act on rows use these). */
static inline int tensor_cols(const Tensor *t) { return t->ndim ? t->shape[t->ndim - 1] : 1; }
static inline int64_t tensor_rows(const Tensor *t) { return t->numel / (t->ndim ? t->shape[t->ndim - 1] : 1); }

/* Fill shape and numel; returns numel. */
int64_t tensor_set_shape(Tensor *t, int ndim, const int *shape);
int tensor_same_shape(const Tensor *a, const Tensor *b);
/* "[32, 120, 128]" into buf, for error messages. */
const char *tensor_shape_str(const Tensor *t, char *buf, int len);

#endif
