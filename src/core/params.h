/* Parameters in one flat buffer, their gradients in another (DESIGN §3): an optimizer step, a
 * gradient all-reduce and a checkpoint are each one loop or one call over `data`/`grad`.
 *
 * Two phases: a model declares its tensors (params_add, params_add_buffer), then params_finalize()
 * allocates the buffers and points every tensor into them; only then are values written. Every
 * tensor starts on a 64-byte boundary; the padding between tensors stays zero. */
#ifndef SCAR_CORE_PARAMS_H
#define SCAR_CORE_PARAMS_H

#include <stdint.h>

#include "core/tensor.h"

#define PARAM_NAME_LEN 96

typedef struct {
    int n, cap;
    Tensor **tensor;          /* [n] */
    char (*name)[PARAM_NAME_LEN];
    uint8_t *decay;           /* [n] weight decay applies (weights; not norms, biases, embeddings of position) */
    uint8_t *trainable;       /* [n] 0 for state that is saved but not trained (batch-norm statistics) */
    int64_t *offset;          /* [n] element offset into the flat buffers */
    int64_t total;            /* elements per flat buffer, padding included */
    real *data;               /* [total] */
    real *grad;               /* [total] */
} ParamStore;

void params_init(ParamStore *ps);
void params_free(ParamStore *ps);
/* Declare a trainable tensor. `decay`: whether AdamW's weight decay applies to it. */
Tensor *params_add(ParamStore *ps, const char *name, int ndim, const int *shape, int decay);
/* Declare saved, untrained state (its gradient is never used). */
Tensor *params_add_buffer(ParamStore *ps, const char *name, int ndim, const int *shape);
void params_finalize(ParamStore *ps);
void params_zero_grad(ParamStore *ps);
/* The tensor called `name`, or NULL. */
Tensor *params_find(const ParamStore *ps, const char *name);
/* active [ps->n]: 1 for the tensors whose name starts with prefix (match 1) or does not (0). */
void params_select(const ParamStore *ps, const char *prefix, int match, uint8_t *active);
/* Set requires_grad of the trainable tensors marked in active to flag (freezing a part of a
 * model: its weights then get no gradient computed at all). */
void params_set_requires_grad(ParamStore *ps, const uint8_t *active, int flag);
/* Number of trainable scalars (padding and buffers excluded). */
int64_t params_count(const ParamStore *ps);

#endif
