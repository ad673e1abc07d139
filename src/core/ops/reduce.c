/* Reductions: sum, mean, mean over the last dim, and weighted pooling of tokens. */
#include <string.h>

#include "core/ops.h"
#include "core/parallel.h"

/* Sum in double, per thread in a fixed split, then in thread order: the same bits every run. */
static double sum_all(const real *x, int64_t n) {
    double part[256] = {0};
    int nt = engine_threads() > 256 ? 256 : engine_threads();
#pragma omp parallel num_threads(nt) if (n > PAR_MIN_ELEMS)
    {
        int64_t lo, hi;
        thread_share(n, &lo, &hi);
        double s = 0;
        for (int64_t i = lo; i < hi; i++) s += x[i];
        part[omp_get_thread_num()] = s;
    }
    double s = 0;
    for (int t = 0; t < nt; t++) s += part[t];
    return s;
}

/* farg[0]: 1 for the mean */
static void sum_forward(Node *n) {
    double s = sum_all(n->in[0]->data, n->in[0]->numel);
    n->out->data[0] = (real)(n->farg[0] ? s / (double)n->in[0]->numel : s);
}

static void sum_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0];
    if (!x->requires_grad) return;
    const real d = n->out->grad[0] * (real)(n->farg[0] ? 1.0 / (double)x->numel : 1.0);
    real *dx = tensor_grad(g, x);
    const int64_t cnt = x->numel;
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
    for (int64_t i = 0; i < cnt; i++) dx[i] += d;
}

static const OpInfo OP_SUM = {"sum", sum_forward, sum_backward, 0};

Tensor *op_sum(Graph *g, Tensor *x) {
    Node args = {.farg = {0}};
    return graph_record(g, &OP_SUM, &x, 1, 1, (int[]){1}, &args);
}

Tensor *op_mean(Graph *g, Tensor *x) {
    if (x->numel == 0) graph_shape_error("mean", "mean of an empty tensor");
    Node args = {.farg = {1}};
    return graph_record(g, &OP_SUM, &x, 1, 1, (int[]){1}, &args);
}

/* ---- mean over the last dim ------------------------------------------------------------------ */

static void mean_last_forward(Node *n) {
    const int L = tensor_cols(n->in[0]);
    const int64_t R = tensor_rows(n->in[0]);
#pragma omp parallel for schedule(static) if (R * L > PAR_MIN_ELEMS)
    for (int64_t r = 0; r < R; r++) {
        real s = 0;
        for (int j = 0; j < L; j++) s += n->in[0]->data[r * L + j];
        n->out->data[r] = s / L;
    }
}

static void mean_last_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0];
    if (!x->requires_grad) return;
    const int L = tensor_cols(x);
    const int64_t R = tensor_rows(x);
    real *dx = tensor_grad(g, x);
#pragma omp parallel for schedule(static) if (R * L > PAR_MIN_ELEMS)
    for (int64_t r = 0; r < R; r++)
        for (int j = 0; j < L; j++) dx[r * L + j] += n->out->grad[r] / L;
}

static const OpInfo OP_MEAN_LAST = {"mean_last", mean_last_forward, mean_last_backward, 0};

Tensor *op_mean_last(Graph *g, Tensor *x) {
    if (x->ndim < 2) graph_shape_error("mean_last", "needs at least 2 dims");
    return graph_record(g, &OP_MEAN_LAST, &x, 1, x->ndim - 1, x->shape, NULL);
}

/* ---- weighted pooling: y[b] = sum_t w[b, t] x[b, t, :] ----------------------------------------- */

static void pool_weighted_forward(Node *n) {
    const int B = n->in[0]->shape[0], T = n->in[0]->shape[1], D = n->in[0]->shape[2];
    const real *x = n->in[0]->data, *w = n->in[1]->data;
#pragma omp parallel for schedule(static) if ((int64_t)B * T * D > PAR_MIN_ELEMS)
    for (int b = 0; b < B; b++) {
        real *y = n->out->data + (size_t)b * D;
        memset(y, 0, (size_t)D * sizeof(real));
        for (int t = 0; t < T; t++) {
            const real wt = w[(size_t)b * T + t], *xr = x + ((size_t)b * T + t) * D;
            if (wt != 0)
                for (int j = 0; j < D; j++) y[j] += wt * xr[j];
        }
    }
}

static void pool_weighted_backward(Graph *g, Node *n) {
    Tensor *xt = n->in[0], *wt = n->in[1];
    const int B = xt->shape[0], T = xt->shape[1], D = xt->shape[2];
    real *dx = xt->requires_grad ? tensor_grad(g, xt) : NULL, *dw = wt->requires_grad ? tensor_grad(g, wt) : NULL;
#pragma omp parallel for schedule(static) if ((int64_t)B * T * D > PAR_MIN_ELEMS)
    for (int b = 0; b < B; b++) {
        const real *dy = n->out->grad + (size_t)b * D;
        for (int t = 0; t < T; t++) {
            const size_t bt = (size_t)b * T + t;
            const real *xr = xt->data + bt * D;
            if (dx)
                for (int j = 0; j < D; j++) dx[bt * D + j] += wt->data[bt] * dy[j];
            if (dw) {
                real s = 0;
                for (int j = 0; j < D; j++) s += xr[j] * dy[j];
                dw[bt] += s;
            }
        }
    }
}

static const OpInfo OP_POOL_WEIGHTED = {"pool_weighted", pool_weighted_forward, pool_weighted_backward, 0};

Tensor *op_pool_weighted(Graph *g, Tensor *x, Tensor *w) {
    if (x->ndim != 3 || w->ndim != 2 || w->shape[0] != x->shape[0] || w->shape[1] != x->shape[1])
        graph_shape_error("pool_weighted", "needs x [B, T, D] and w [B, T]");
    int shape[2] = {x->shape[0], x->shape[2]};
    Tensor *in[2] = {x, w};
    return graph_record(g, &OP_POOL_WEIGHTED, in, 2, 2, shape, NULL);
}
