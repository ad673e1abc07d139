#include "model/clip_loss.h"

#include "core/ops.h"

Tensor *clip_loss(Graph *g, Tensor *a, Tensor *b, Tensor *logit_scale, double max_log_scale, Tensor **logits_out) {
    if (a->ndim != 2 || b->ndim != 2 || a->shape[0] != b->shape[0] || a->shape[1] != b->shape[1])
        graph_shape_error("clip_loss", "a and b must both be [B, E]");
    const int B = a->shape[0];
    Tensor *sim = op_matmul(g, op_l2_normalize(g, a, 1e-12), op_l2_normalize(g, b, 1e-12), 0, 1); /* [B, B] */
    Tensor *scale = op_exp(g, op_clamp(g, logit_scale, 0, max_log_scale));                          /* [1] */
    Tensor *logits = op_mul(g, sim, scale);
    int32_t *diag = graph_alloc(g, (size_t)B * sizeof(int32_t));
    for (int i = 0; i < B; i++) diag[i] = i;
    Tensor *a2b = op_cross_entropy(g, logits, diag);
    Tensor *b2a = op_cross_entropy(g, op_transpose(g, logits), diag);
    if (logits_out) *logits_out = logits;
    return op_scale(g, op_add(g, a2b, b2a), 0.5);
}

double retrieval_accuracy(const Tensor *logits) {
    const int B = logits->shape[0], N = logits->shape[1];
    int hits = 0;
    for (int i = 0; i < B; i++) {
        int best = 0;
        for (int j = 1; j < N; j++)
            if (logits->data[(size_t)i * N + j] > logits->data[(size_t)i * N + best]) best = j;
        hits += best == i;
    }
    return B ? (double)hits / B : 0;
}
