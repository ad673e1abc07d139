/* Optimizers over a ParamStore's flat buffers: AdamW (decoupled weight decay, as PyTorch's
 * torch.optim.AdamW), SGD with momentum, clipping by global norm, and the learning-rate schedule.
 * The moments are flat buffers of the same layout as the parameters (one checkpoint entry each). */
#ifndef SCAR_CORE_OPTIM_H
#define SCAR_CORE_OPTIM_H

#include <stdint.h>

#include "core/params.h"

typedef struct {
    double beta1, beta2, eps, weight_decay;
    int64_t step;      /* adamw_step calls so far */
    int64_t total;     /* elements of m and v (= the store's total) */
    int n;             /* tensors of the store */
    int64_t *steps;    /* [n] updates each tensor has had (its bias correction; as PyTorch keeps it) */
    real *m, *v;       /* [total] first and second moments */
} AdamW;

void adamw_init(AdamW *opt, const ParamStore *ps, double beta1, double beta2, double eps, double weight_decay);
void adamw_free(AdamW *opt);
/* One update with learning rate lr of every trainable tensor, from ps->grad. */
void adamw_step(AdamW *opt, ParamStore *ps, double lr);
/* The same for the tensors with active[i] set (alternating updates of parts of a model). */
void adamw_step_subset(AdamW *opt, ParamStore *ps, double lr, const uint8_t *active);

typedef struct {
    double momentum, weight_decay;
    int nesterov;
    int64_t step;
    real *buf;         /* [total] momentum buffer */
} Sgd;

void sgd_init(Sgd *opt, const ParamStore *ps, double momentum, double weight_decay, int nesterov);
void sgd_free(Sgd *opt);
/* PyTorch's torch.optim.SGD: weight decay added to the gradient (L2), then momentum. */
void sgd_step(Sgd *opt, ParamStore *ps, double lr);

/* Scale all trainable gradients so that their global L2 norm is at most max_norm (when
 * max_norm > 0). Returns the norm before clipping (NaN/inf if any gradient is not finite). */
double clip_grad_norm(ParamStore *ps, double max_norm);
/* The same over the tensors with active[i] set. */
double clip_grad_norm_subset(ParamStore *ps, double max_norm, const uint8_t *active);

/* Linear warm-up from 0 over `warmup` steps, then cosine decay to min_lr at `total` steps. */
double lr_warmup_cosine(int64_t step, int64_t warmup, int64_t total, double base_lr, double min_lr);

#endif
