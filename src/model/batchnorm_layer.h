/* A batch-norm layer as a model holds it: trainable scale and shift, and the running statistics
 * kept as ParamStore buffers (saved in checkpoints, never trained). Training mode (g->training)
 * normalises with the batch statistics and moves the running ones toward them; evaluation uses the
 * running statistics (core/ops.h op_batchnorm). */
#ifndef SCAR_MODEL_BATCHNORM_LAYER_H
#define SCAR_MODEL_BATCHNORM_LAYER_H

#include "core/graph.h"
#include "core/params.h"

#define BN_DEFAULT_MOMENTUM 0.1 /* PyTorch's defaults */
#define BN_DEFAULT_EPS 1e-5

typedef struct {
    Tensor *w, *b;       /* [C] scale and shift (no weight decay) */
    Tensor *mean, *var;  /* [C] running statistics (buffers) */
    double momentum, eps;
} BatchNormLayer;

/* Declare "<prefix>_w", "<prefix>_b", "<prefix>_mean", "<prefix>_var" for C channels. */
void batchnorm_layer_declare(BatchNormLayer *bn, ParamStore *ps, const char *prefix, int C,
                             double momentum, double eps);
/* Scale 1, shift 0, running mean 0, running variance 1 (after params_finalize). */
void batchnorm_layer_init(BatchNormLayer *bn);
/* x: [B, C] or [B, C, L]                                                  -> x's shape */
Tensor *batchnorm_layer_forward(Graph *g, const BatchNormLayer *bn, Tensor *x);
/* relu(bn(x) + residual) in one op: residual x's shape or NULL, relu 0 or 1 -> x's shape */
Tensor *batchnorm_layer_add_relu(Graph *g, const BatchNormLayer *bn, Tensor *x, Tensor *residual, int relu);

#endif
