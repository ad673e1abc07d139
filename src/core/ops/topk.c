/* Differentiable top-K selection: Gumbel-sigmoid relaxation, hard top-K in the forward pass and
 * the straight-through estimator in the backward pass (the adversarial masker's removal step).
 *
 *   z    = (scores + logistic noise) / tau       (logistic = difference of two Gumbels)
 *   soft = sigmoid(z)
 *   hard = 1 for the k largest z among the eligible entries of the row, else 0
 *   out  = hard,  d out / d scores := d soft / d scores = soft (1 - soft) / tau  (eligible only) */
#include <stdlib.h>
#include <string.h>
#include <tgmath.h>

#include "core/ops.h"
#include "core/parallel.h"

/* saved: TopkSaved; aux: eligible mask or NULL; farg[0]: tau */
typedef struct {
    real *noise;   /* [B, N] */
    real *soft;    /* [B, N] */
    int32_t *k;    /* [B] */
} TopkSaved;

typedef struct {
    real z;
    int idx;
} Ranked;

static int by_z_desc(const void *a, const void *b) {
    const Ranked *x = a, *y = b;
    if (x->z != y->z) return x->z > y->z ? -1 : 1;
    return x->idx - y->idx; /* ties: lower index first, so the choice is reproducible */
}

static void topk_forward(Node *n) {
    const int B = n->in[0]->shape[0], N = n->in[0]->shape[1];
    const TopkSaved *sv = n->saved;
    const uint8_t *elig = n->aux;
    const real tau = (real)n->farg[0];
#pragma omp parallel
    {
        Ranked *rank = malloc((size_t)(N ? N : 1) * sizeof(Ranked));
#pragma omp for schedule(static)
        for (int b = 0; b < B; b++) {
            const real *s = n->in[0]->data + (size_t)b * N, *nz = sv->noise + (size_t)b * N;
            real *soft = sv->soft + (size_t)b * N, *out = n->out->data + (size_t)b * N;
            int m = 0;
            for (int j = 0; j < N; j++) {
                real z = (s[j] + nz[j]) / tau;
                soft[j] = z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z));
                out[j] = 0;
                if (!elig || elig[(size_t)b * N + j]) rank[m++] = (Ranked){z, j};
            }
            int k = sv->k[b] < m ? sv->k[b] : m;
            qsort(rank, (size_t)m, sizeof(Ranked), by_z_desc);
            for (int i = 0; i < k; i++) out[rank[i].idx] = 1;
        }
        free(rank);
    }
}

static void topk_backward(Graph *g, Node *n) {
    Tensor *s = n->in[0];
    if (!s->requires_grad) return;
    const TopkSaved *sv = n->saved;
    const uint8_t *elig = n->aux;
    const real tau = (real)n->farg[0];
    real *ds = tensor_grad(g, s);
    for (int64_t i = 0; i < s->numel; i++)
        if (!elig || elig[i]) ds[i] += n->out->grad[i] * sv->soft[i] * (1 - sv->soft[i]) / tau;
}

static const OpInfo OP_GUMBEL_TOPK = {"gumbel_topk", topk_forward, topk_backward, 0};

Tensor *op_gumbel_topk(Graph *g, Tensor *scores, const uint8_t *eligible, const int32_t *k,
                       double tau, int noise) {
    if (scores->ndim != 2) graph_shape_error("gumbel_topk", "scores must be [B, N]");
    if (!(tau > 0)) graph_shape_error("gumbel_topk", "temperature %g must be positive", tau);
    const int B = scores->shape[0], N = scores->shape[1];
    TopkSaved *sv = graph_alloc(g, sizeof *sv);
    sv->noise = graph_alloc(g, (size_t)B * N * sizeof(real));
    sv->soft = graph_alloc(g, (size_t)B * N * sizeof(real));
    sv->k = graph_alloc(g, (size_t)B * sizeof(int32_t));
    memcpy(sv->k, k, (size_t)B * sizeof(int32_t));
    for (int64_t i = 0; i < (int64_t)B * N; i++) {
        if (noise) {
            double u = (rng_uniform_f64(&g->rng) + 0x1p-54) * (1 - 0x1p-53); /* inside (0, 1) */
            sv->noise[i] = (real)(log(u) - log1p(-u));
        } else {
            sv->noise[i] = 0;
        }
    }
    uint8_t *elig = NULL;
    if (eligible) {
        elig = graph_alloc(g, (size_t)B * N);
        memcpy(elig, eligible, (size_t)B * N);
    }
    Node args = {.farg = {tau}, .saved = sv, .aux = elig};
    return graph_record(g, &OP_GUMBEL_TOPK, &scores, 1, 2, scores->shape, &args);
}
