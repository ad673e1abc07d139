/* Multi-head scaled dot-product self-attention with a key-padding mask.
 *
 * Per (sample, head) the present tokens are gathered into contiguous [L, head_dim] blocks, so a
 * sample with few tokens costs L^2, not T^2, and the products run on dense operands:
 *   S = Q K^T / sqrt(head_dim)   [L, L]
 *   P = softmax(S) by rows       [L, L]   (kept for the backward)
 *   O = P V                      [L, head_dim], scattered back; absent rows stay 0.
 * Backward:
 *   dP = dO V^T,  dV = P^T dO,  dS = P * (dP - rowsum(dP * P)) / sqrt(head_dim),
 *   dQ = dS K,    dK = dS^T Q. */
#include <string.h>
#include <tgmath.h>

#include "core/fastmath.h"
#include "core/gemm.h"
#include "core/ops.h"
#include "core/parallel.h"

/* iarg: 0 B, 1 T, 2 D, 3 heads. saved: AttnSaved. */
typedef struct {
    real *probs;     /* [B, heads, T, T]; only the leading [L_b, L_b] of each block is used */
    int32_t *index;  /* [B, T]: the positions of the present tokens of each sample, in order */
    int32_t *count;  /* [B]: L_b */
    real *scratch;   /* [threads][4, T, head_dim]: one thread's gathered q, k, v, o */
} AttnSaved;

/* Copy the head-h columns of the present rows of a [T, stride] block into dst [L, dh]. */
static void gather_head(real *dst, const real *src, int stride, const int32_t *idx, int L, int dh) {
    for (int i = 0; i < L; i++) memcpy(dst + (size_t)i * dh, src + (size_t)idx[i] * stride, (size_t)dh * sizeof(real));
}

static void attention_forward(Node *n) {
    const int B = n->iarg[0], T = n->iarg[1], D = n->iarg[2], H = n->iarg[3], dh = D / H;
    const AttnSaved *sv = n->saved;
    const real *qkv = n->in[0]->data;
    real *out = n->out->data;
    const real scale = 1 / sqrt((real)dh);
    memset(out, 0, (size_t)n->out->numel * sizeof(real));
#pragma omp parallel num_threads(engine_threads())
    {
        real *q = sv->scratch + (size_t)omp_get_thread_num() * 4 * T * dh, *k = q + (size_t)T * dh, *v = k + (size_t)T * dh, *o = v + (size_t)T * dh;
#pragma omp for schedule(dynamic, 1)
        for (int bh = 0; bh < B * H; bh++) {
            const int b = bh / H, h = bh % H, L = sv->count[b];
            if (L == 0) continue;
            const int32_t *idx = sv->index + (size_t)b * T;
            const real *base = qkv + (size_t)b * T * 3 * D;
            gather_head(q, base + h * dh, 3 * D, idx, L, dh);
            gather_head(k, base + D + h * dh, 3 * D, idx, L, dh);
            gather_head(v, base + 2 * D + h * dh, 3 * D, idx, L, dh);
            real *P = sv->probs + (size_t)bh * T * T;
            gemm_serial(0, 1, L, L, dh, scale, q, dh, k, dh, 0, P, L);
            for (int i = 0; i < L; i++) {
                real *row = P + (size_t)i * L, mx = row[0], sum = 0;
                for (int j = 1; j < L; j++) mx = row[j] > mx ? row[j] : mx;
                for (int j = 0; j < L; j++) {
                    row[j] = exp_fast(row[j] - mx);
                    sum += row[j];
                }
                real inv = 1 / sum;
                for (int j = 0; j < L; j++) row[j] *= inv;
            }
            gemm_serial(0, 0, L, dh, L, 1, P, L, v, dh, 0, o, dh);
            real *ob = out + (size_t)b * T * D + h * dh;
            for (int i = 0; i < L; i++) memcpy(ob + (size_t)idx[i] * D, o + (size_t)i * dh, (size_t)dh * sizeof(real));
        }
    }
}

static void attention_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0];
    if (!x->requires_grad) return;
    const int B = n->iarg[0], T = n->iarg[1], D = n->iarg[2], H = n->iarg[3], dh = D / H;
    const AttnSaved *sv = n->saved;
    const real *qkv = x->data, *dout = n->out->grad;
    real *dqkv = tensor_grad(g, x);
    const real scale = 1 / sqrt((real)dh);
    const size_t per_thread = (size_t)7 * T * dh + (size_t)T * T;
    real *scratch = graph_alloc(g, (size_t)engine_threads() * per_thread * sizeof(real));
#pragma omp parallel num_threads(engine_threads())
    {
        real *q = scratch + (size_t)omp_get_thread_num() * per_thread;
        real *k = q + (size_t)T * dh, *v = k + (size_t)T * dh, *dO = v + (size_t)T * dh;
        real *dq = dO + (size_t)T * dh, *dk = dq + (size_t)T * dh, *dv = dk + (size_t)T * dh, *dP = dv + (size_t)T * dh;
#pragma omp for schedule(dynamic, 1)
        for (int bh = 0; bh < B * H; bh++) {
            const int b = bh / H, h = bh % H, L = sv->count[b];
            if (L == 0) continue;
            const int32_t *idx = sv->index + (size_t)b * T;
            const real *base = qkv + (size_t)b * T * 3 * D;
            gather_head(q, base + h * dh, 3 * D, idx, L, dh);
            gather_head(k, base + D + h * dh, 3 * D, idx, L, dh);
            gather_head(v, base + 2 * D + h * dh, 3 * D, idx, L, dh);
            gather_head(dO, dout + (size_t)b * T * D + h * dh, D, idx, L, dh);
            const real *P = sv->probs + (size_t)bh * T * T;
            gemm_serial(0, 1, L, L, dh, 1, dO, dh, v, dh, 0, dP, L); /* dP = dO V^T */
            gemm_serial(1, 0, L, dh, L, 1, P, L, dO, dh, 0, dv, dh); /* dV = P^T dO */
            for (int i = 0; i < L; i++) {                             /* dS, in place of dP */
                const real *pr = P + (size_t)i * L;
                real *dr = dP + (size_t)i * L, dot = 0;
                for (int j = 0; j < L; j++) dot += pr[j] * dr[j];
                for (int j = 0; j < L; j++) dr[j] = pr[j] * (dr[j] - dot) * scale;
            }
            gemm_serial(0, 0, L, dh, L, 1, dP, L, k, dh, 0, dq, dh); /* dQ = dS K */
            gemm_serial(1, 0, L, dh, L, 1, dP, L, q, dh, 0, dk, dh); /* dK = dS^T Q */
            real *db = dqkv + (size_t)b * T * 3 * D + h * dh;
            for (int i = 0; i < L; i++) {
                real *row = db + (size_t)idx[i] * 3 * D;
                for (int j = 0; j < dh; j++) {
                    row[j] += dq[(size_t)i * dh + j];
                    row[D + j] += dk[(size_t)i * dh + j];
                    row[2 * D + j] += dv[(size_t)i * dh + j];
                }
            }
        }
    }
}

static const OpInfo OP_ATTENTION = {"attention", attention_forward, attention_backward, 0};

Tensor *op_attention(Graph *g, Tensor *qkv, const uint8_t *key_mask, int heads) {
    if (qkv->ndim != 3 || qkv->shape[2] % 3) graph_shape_error("attention", "qkv must be [B, T, 3*D]");
    const int B = qkv->shape[0], T = qkv->shape[1], D = qkv->shape[2] / 3;
    if (heads <= 0 || D % heads) graph_shape_error("attention", "width %d is not divisible into %d heads", D, heads);
    AttnSaved *sv = graph_alloc(g, sizeof *sv);
    sv->probs = graph_alloc(g, (size_t)B * heads * T * T * sizeof(real));
    sv->index = graph_alloc(g, (size_t)B * T * sizeof(int32_t));
    sv->count = graph_alloc(g, (size_t)B * sizeof(int32_t));
    for (int b = 0; b < B; b++) {
        int L = 0;
        for (int t = 0; t < T; t++)
            if (!key_mask || key_mask[(size_t)b * T + t]) sv->index[(size_t)b * T + L++] = t;
        sv->count[b] = L;
    }
    sv->scratch = graph_alloc(g, (size_t)engine_threads() * 4 * T * (D / heads) * sizeof(real));
    Node args = {.iarg = {B, T, D, heads}, .saved = sv};
    int shape[3] = {B, T, D};
    return graph_record(g, &OP_ATTENTION, &qkv, 1, 3, shape, &args);
}
