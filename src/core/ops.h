/* Ops: the differentiable building blocks. Each builder checks shapes, records a node on the
 * graph's tape and computes its output (see core/graph.h). The forward/backward pair of every op
 * sits side by side in src/core/ops/<family>.c.
 *
 * Shapes are given as [dims]; "..." means any leading dimensions. Masks are uint8 (1 = present),
 * index arrays int32; they are copied into the graph's arena, so callers may free theirs. */
#ifndef SCAR_CORE_OPS_H
#define SCAR_CORE_OPS_H

#include <stdint.h>

#include "core/graph.h"

/* ---- matrix products (ops/linear.c) ------------------------------------------------------- */
/* a: [..., M, K] ([..., K, M] if trans_a), b: [..., K, N] ([..., N, K] if trans_b) with the same
 * leading dims as a, or a 2-D b shared by every batch item.            -> [..., M, N] */
Tensor *op_matmul(Graph *g, Tensor *a, Tensor *b, int trans_a, int trans_b);
/* x: [..., in], w: [out, in], bias: [out] or NULL                       -> [..., out] */
Tensor *op_linear(Graph *g, Tensor *x, Tensor *w, Tensor *bias);

/* ---- elementwise and broadcast (ops/elementwise.c) ---------------------------------------- */
/* a: [...], b broadcast into a's shape (numpy rules: b's dims, aligned right, are 1 or equal).
 * A bias is op_add(x [..., D], b [D]).                                  -> a's shape */
Tensor *op_add(Graph *g, Tensor *a, Tensor *b);
Tensor *op_sub(Graph *g, Tensor *a, Tensor *b);
Tensor *op_mul(Graph *g, Tensor *a, Tensor *b);
Tensor *op_scale(Graph *g, Tensor *x, double s);             /* s * x */
Tensor *op_exp(Graph *g, Tensor *x);
Tensor *op_clamp(Graph *g, Tensor *x, double lo, double hi); /* gradient 0 where clamped */
Tensor *op_gelu(Graph *g, Tensor *x);                        /* tanh approximation */
Tensor *op_relu(Graph *g, Tensor *x);
Tensor *op_sigmoid(Graph *g, Tensor *x);
Tensor *op_tanh(Graph *g, Tensor *x);

/* ---- softmax (ops/softmax.c) --------------------------------------------------------------- */
/* Along the last dim. mask: x's full size, or NULL. Masked entries get 0 (also in log-softmax) and
 * no gradient; a row with nothing present is all zeros.                -> x's shape */
Tensor *op_softmax(Graph *g, Tensor *x, const uint8_t *mask);
Tensor *op_log_softmax(Graph *g, Tensor *x, const uint8_t *mask);

/* ---- normalisation (ops/norm.c) ------------------------------------------------------------ */
/* x: [..., D], w, b: [D]                                                -> [..., D] */
Tensor *op_layernorm(Graph *g, Tensor *x, Tensor *w, Tensor *b, double eps);
/* x: [B, C] or [B, C, L], w, b: [C]. Training: batch statistics, and running_mean/var [C]
 * (model state, not parameters) move by `momentum` toward them (unbiased variance, as PyTorch).
 * Evaluation: the running statistics.                                   -> x's shape */
Tensor *op_batchnorm(Graph *g, Tensor *x, Tensor *w, Tensor *b, real *running_mean,
                     real *running_var, double momentum, double eps);
/* relu(batchnorm(x) + residual) in one pass (the tail of a ResNet block): residual x's shape or
 * NULL (nothing added), relu 0 or 1. Same statistics and running updates as op_batchnorm.
 *                                                                        -> x's shape */
Tensor *op_batchnorm_add_relu(Graph *g, Tensor *x, Tensor *w, Tensor *b, real *running_mean, real *running_var,
                              double momentum, double eps, Tensor *residual, int relu);
/* x / max(||x||, eps) along the last dim                                -> x's shape */
Tensor *op_l2_normalize(Graph *g, Tensor *x, double eps);
/* a: [N, D], b: [M, D] -> cosine similarities [N, M] (l2_normalize + matmul) */
Tensor *op_cosine_matrix(Graph *g, Tensor *a, Tensor *b);

/* ---- attention (ops/attention.c) ----------------------------------------------------------- */
/* Multi-head scaled dot-product self-attention.
 * qkv: [B, T, 3*D] (queries, keys, values side by side, D = heads * head_dim),
 * key_mask: [B, T] or NULL (1 = token present). Absent tokens are never attended to and their
 * own output rows are 0; a sample with no token present gives all zeros. -> [B, T, D] */
Tensor *op_attention(Graph *g, Tensor *qkv, const uint8_t *key_mask, int heads);

/* ---- convolution and pooling (ops/conv.c, ops/pool.c) -------------------------------------- */
/* x: [B, Cin, L], w: [Cout, Cin, K], bias: [Cout] or NULL
 * -> [B, Cout, (L + 2*pad - dilation*(K-1) - 1) / stride + 1] */
Tensor *op_conv1d(Graph *g, Tensor *x, Tensor *w, Tensor *bias, int stride, int pad, int dilation);
/* x: [B, Cin, L], w: [Cin, Cout, K], bias: [Cout] or NULL
 * -> [B, Cout, (L-1)*stride - 2*pad + dilation*(K-1) + output_pad + 1] */
Tensor *op_conv_transpose1d(Graph *g, Tensor *x, Tensor *w, Tensor *bias, int stride, int pad,
                            int dilation, int output_pad);
/* x: [B, C, L] -> [B, C, (L + 2*pad - k) / stride + 1]; average counts padding as zeros (PyTorch's
 * count_include_pad); max ignores padding. */
Tensor *op_avgpool1d(Graph *g, Tensor *x, int k, int stride, int pad);
Tensor *op_maxpool1d(Graph *g, Tensor *x, int k, int stride, int pad);

/* ---- selection and shape (ops/select.c) ---------------------------------------------------- */
/* table: [V, D], ids: [n] in [0, V)                                     -> [n, D] */
Tensor *op_embedding(Graph *g, Tensor *table, const int32_t *ids, int n);
/* x: [..., D] seen as rows [R, D]; idx: [n] row indices, -1 = a zero row (padding) -> [n, D] */
Tensor *op_gather_rows(Graph *g, Tensor *x, const int32_t *idx, int n);
/* Concatenate along `axis`; all other dims equal.                       */
Tensor *op_concat(Graph *g, Tensor *const *xs, int n, int axis);
/* x[..., start:start+len, ...] along `axis`                             */
Tensor *op_slice(Graph *g, Tensor *x, int axis, int start, int len);
Tensor *op_reshape(Graph *g, Tensor *x, int ndim, const int *shape);  /* a view, same data */
Tensor *op_transpose(Graph *g, Tensor *x);           /* swap the last two dims: [..., A, B] -> [..., B, A] */
Tensor *op_stop_gradient(Graph *g, Tensor *x);       /* same values, no gradient flows back */
/* Inverted dropout with probability p while g->training (identity otherwise). */
Tensor *op_dropout(Graph *g, Tensor *x, double p);

/* ---- reductions (ops/reduce.c) -------------------------------------------------------------- */
Tensor *op_sum(Graph *g, Tensor *x);                  /* -> [1] */
Tensor *op_mean(Graph *g, Tensor *x);                 /* -> [1] */
/* x: [..., L] -> [...]: mean over the last dim */
Tensor *op_mean_last(Graph *g, Tensor *x);
/* Weighted pooling of tokens: x: [B, T, D], w: [B, T] -> [B, D], out[b] = sum_t w[b,t] x[b,t]. */
Tensor *op_pool_weighted(Graph *g, Tensor *x, Tensor *w);

/* ---- losses (ops/loss.c), each -> [1] -------------------------------------------------------- */
/* logits: [N, C], target: [N] class indices; row weight 0 where target < 0 (ignored); mean over
 * the rows that count. */
Tensor *op_cross_entropy(Graph *g, Tensor *logits, const int32_t *target);
/* logits, target: same shape; target in [0, 1]; mask (same size) or NULL; mean over present. */
Tensor *op_bce_logits(Graph *g, Tensor *logits, Tensor *target, const uint8_t *mask);
/* KL(p || q) = sum p (log p - log q) / N for log_q, p: [N, C] (PyTorch's kl_div, batchmean);
 * 0 log 0 = 0. Gradient to log_q (and to p if it requires grad). */
Tensor *op_kl_div(Graph *g, Tensor *log_q, Tensor *p);
Tensor *op_mse(Graph *g, Tensor *a, Tensor *b);       /* mean (a - b)^2 */

/* ---- differentiable top-K selection (ops/topk.c) -------------------------------------------- */
/* Gumbel-sigmoid with hard top-K and the straight-through estimator.
 * scores: [B, N]; eligible: [B, N] or NULL (only eligible entries can be selected); k: [B] how many
 * to select per row (clipped to the eligible count). Logistic noise (the difference of two Gumbels)
 * is drawn from g->rng when noise != 0. Forward: 1 for the k largest (scores + noise) / tau among
 * the eligible, else 0. Backward: the gradient of the soft relaxation sigmoid((scores + noise) /
 * tau), masked to the eligible entries.                                 -> [B, N] in {0, 1} */
Tensor *op_gumbel_topk(Graph *g, Tensor *scores, const uint8_t *eligible, const int32_t *k,
                       double tau, int noise);

#endif
