/* Normalisation: layer norm, batch norm (1-D), L2 normalisation and the cosine-similarity matrix. */
#include <string.h>
#include <tgmath.h>

#include "core/ops.h"
#include "core/parallel.h"

/* Parameter-gradient sums over rows are made per thread and then added in thread order, so a given
 * thread count always gives the same bits. */
static real *thread_partials(Graph *g, int D, int *nt_out) {
    int nt = engine_threads();
    *nt_out = nt;
    real *p = graph_alloc(g, (size_t)nt * 2 * (size_t)D * sizeof(real));
    memset(p, 0, (size_t)nt * 2 * (size_t)D * sizeof(real));
    return p;
}

/* ---- layer norm: y = (x - mean) / sqrt(var + eps) * w + b over the last dim ------------------
 * saved: mean [R], rstd [R]; farg[0]: eps */

static void layernorm_forward(Node *n) {
    const Tensor *x = n->in[0];
    const real *w = n->in[1]->data, *b = n->in[2]->data;
    const int D = tensor_cols(x);
    const int64_t R = tensor_rows(x);
    real *mean = n->saved, *rstd = mean + R;
    const real eps = (real)n->farg[0];
#pragma omp parallel for schedule(static) if (R * D > PAR_MIN_ELEMS)
    for (int64_t r = 0; r < R; r++) {
        const real *xr = x->data + r * D;
        real *yr = n->out->data + r * D;
        real m = 0, v = 0;
        for (int j = 0; j < D; j++) m += xr[j];
        m /= D;
        for (int j = 0; j < D; j++) v += (xr[j] - m) * (xr[j] - m);
        real s = 1 / sqrt(v / D + eps);
        for (int j = 0; j < D; j++) yr[j] = (xr[j] - m) * s * w[j] + b[j];
        mean[r] = m;
        rstd[r] = s;
    }
}

static void layernorm_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0], *w = n->in[1], *b = n->in[2];
    const int D = tensor_cols(x);
    const int64_t R = tensor_rows(x);
    const real *mean = n->saved, *rstd = mean + R, *dy = n->out->grad;
    real *dx = x->requires_grad ? tensor_grad(g, x) : NULL;
    int nt;
    real *part = thread_partials(g, D, &nt); /* [nt][2][D]: dw, db */
#pragma omp parallel num_threads(nt) if (R * D > PAR_MIN_ELEMS)
    {
        int64_t lo, hi;
        thread_share(R, &lo, &hi);
        real *pw = part + (size_t)omp_get_thread_num() * 2 * D, *pb = pw + D;
        for (int64_t r = lo; r < hi; r++) {
            const real *xr = x->data + r * D, *dyr = dy + r * D;
            const real m = mean[r], s = rstd[r];
            real sum_g = 0, sum_gx = 0;
            for (int j = 0; j < D; j++) {
                real xhat = (xr[j] - m) * s, gj = dyr[j] * w->data[j];
                sum_g += gj;
                sum_gx += gj * xhat;
                pw[j] += dyr[j] * xhat;
                pb[j] += dyr[j];
            }
            if (dx) {
                real *dxr = dx + r * D;
                sum_g /= D;
                sum_gx /= D;
                for (int j = 0; j < D; j++) {
                    real xhat = (xr[j] - m) * s;
                    dxr[j] += s * (dyr[j] * w->data[j] - sum_g - xhat * sum_gx);
                }
            }
        }
    }
    real *dw = w->requires_grad ? tensor_grad(g, w) : NULL, *db = b->requires_grad ? tensor_grad(g, b) : NULL;
    for (int t = 0; t < nt; t++)
        for (int j = 0; j < D; j++) {
            if (dw) dw[j] += part[(size_t)t * 2 * D + j];
            if (db) db[j] += part[(size_t)t * 2 * D + D + j];
        }
}

static const OpInfo OP_LAYERNORM = {"layernorm", layernorm_forward, layernorm_backward, 0};

Tensor *op_layernorm(Graph *g, Tensor *x, Tensor *w, Tensor *b, double eps) {
    const int D = tensor_cols(x);
    if (w->numel != D || b->numel != D) graph_shape_error("layernorm", "%d features but weight %lld, bias %lld", D, (long long)w->numel, (long long)b->numel);
    Node args = {.farg = {eps}, .saved = graph_alloc(g, 2 * (size_t)tensor_rows(x) * sizeof(real))};
    Tensor *in[3] = {x, w, b};
    return graph_record(g, &OP_LAYERNORM, in, 3, x->ndim, x->shape, &args);
}

/* ---- batch norm over [B, C] or [B, C, L]: statistics per channel over B and L -------------------
 * saved: mean [C], rstd [C]; iarg[0]: training; farg: 0 eps, 1 momentum; aux: running mean/var */

typedef struct {
    real *running_mean, *running_var;
} RunningStats;

static void batchnorm_dims(const Tensor *x, int *B, int *C, int *L) {
    *B = x->shape[0];
    *C = x->shape[1];
    *L = x->ndim == 3 ? x->shape[2] : 1;
}

static void batchnorm_forward(Node *n) {
    const Tensor *x = n->in[0];
    const real *w = n->in[1]->data, *b = n->in[2]->data;
    int B, C, L;
    batchnorm_dims(x, &B, &C, &L);
    real *mean = n->saved, *rstd = mean + C;
    const RunningStats *rs = n->aux;
    const real eps = (real)n->farg[0], momentum = (real)n->farg[1];
    const int training = n->iarg[0];
    const int64_t cnt = (int64_t)B * L;
#pragma omp parallel for schedule(static) if ((int64_t)B * C * L > PAR_MIN_ELEMS)
    for (int c = 0; c < C; c++) {
        real m, var;
        if (training) {
            m = 0;
            var = 0;
            for (int i = 0; i < B; i++)
                for (int l = 0; l < L; l++) m += x->data[((int64_t)i * C + c) * L + l];
            m /= (real)cnt;
            for (int i = 0; i < B; i++)
                for (int l = 0; l < L; l++) {
                    real d = x->data[((int64_t)i * C + c) * L + l] - m;
                    var += d * d;
                }
            var /= (real)cnt;
            if (rs->running_mean) {
                rs->running_mean[c] = (1 - momentum) * rs->running_mean[c] + momentum * m;
                rs->running_var[c] = (1 - momentum) * rs->running_var[c] +
                                     momentum * (cnt > 1 ? var * (real)cnt / (real)(cnt - 1) : var);
            }
        } else {
            m = rs->running_mean[c];
            var = rs->running_var[c];
        }
        real s = 1 / sqrt(var + eps);
        mean[c] = m;
        rstd[c] = s;
        for (int i = 0; i < B; i++)
            for (int l = 0; l < L; l++) {
                int64_t k = ((int64_t)i * C + c) * L + l;
                n->out->data[k] = (x->data[k] - m) * s * w[c] + b[c];
            }
    }
}

static void batchnorm_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0], *w = n->in[1], *b = n->in[2];
    int B, C, L;
    batchnorm_dims(x, &B, &C, &L);
    const real *mean = n->saved, *rstd = mean + C, *dy = n->out->grad;
    const int training = n->iarg[0];
    const real cnt = (real)((int64_t)B * L);
    real *dx = x->requires_grad ? tensor_grad(g, x) : NULL;
    real *dw = w->requires_grad ? tensor_grad(g, w) : NULL, *db = b->requires_grad ? tensor_grad(g, b) : NULL;
#pragma omp parallel for schedule(static) if ((int64_t)B * C * L > PAR_MIN_ELEMS)
    for (int c = 0; c < C; c++) {
        real sum_dy = 0, sum_dy_xhat = 0;
        for (int i = 0; i < B; i++)
            for (int l = 0; l < L; l++) {
                int64_t k = ((int64_t)i * C + c) * L + l;
                sum_dy += dy[k];
                sum_dy_xhat += dy[k] * (x->data[k] - mean[c]) * rstd[c];
            }
        if (dw) dw[c] += sum_dy_xhat;
        if (db) db[c] += sum_dy;
        if (!dx) continue;
        const real k1 = w->data[c] * rstd[c];
        for (int i = 0; i < B; i++)
            for (int l = 0; l < L; l++) {
                int64_t k = ((int64_t)i * C + c) * L + l;
                if (training) {
                    real xhat = (x->data[k] - mean[c]) * rstd[c];
                    dx[k] += k1 * (dy[k] - sum_dy / cnt - xhat * sum_dy_xhat / cnt);
                } else {
                    dx[k] += k1 * dy[k];
                }
            }
    }
}

static const OpInfo OP_BATCHNORM = {"batchnorm", batchnorm_forward, batchnorm_backward, 0};

Tensor *op_batchnorm(Graph *g, Tensor *x, Tensor *w, Tensor *b, real *running_mean,
                     real *running_var, double momentum, double eps) {
    if (x->ndim != 2 && x->ndim != 3) graph_shape_error("batchnorm", "x must be [B, C] or [B, C, L], has %d dims", x->ndim);
    const int C = x->shape[1];
    if (w->numel != C || b->numel != C) graph_shape_error("batchnorm", "%d channels but weight %lld, bias %lld", C, (long long)w->numel, (long long)b->numel);
    if (!g->training && (!running_mean || !running_var)) graph_shape_error("batchnorm", "evaluation needs running statistics");
    RunningStats *rs = graph_alloc(g, sizeof *rs);
    rs->running_mean = running_mean;
    rs->running_var = running_var;
    Node args = {.iarg = {g->training}, .farg = {eps, momentum}, .aux = rs,
                 .saved = graph_alloc(g, 2 * (size_t)C * sizeof(real))};
    Tensor *in[3] = {x, w, b};
    return graph_record(g, &OP_BATCHNORM, in, 3, x->ndim, x->shape, &args);
}

/* ---- L2 normalisation: y = x / max(||x||, eps) over the last dim --------------------------------
 * saved: norms [R]; farg[0]: eps */

static void l2norm_forward(Node *n) {
    const int D = tensor_cols(n->in[0]);
    const int64_t R = tensor_rows(n->in[0]);
    real *norm = n->saved;
    const real eps = (real)n->farg[0];
#pragma omp parallel for schedule(static) if (R * D > PAR_MIN_ELEMS)
    for (int64_t r = 0; r < R; r++) {
        const real *xr = n->in[0]->data + r * D;
        real s = 0;
        for (int j = 0; j < D; j++) s += xr[j] * xr[j];
        s = sqrt(s);
        norm[r] = s;
        real inv = 1 / (s > eps ? s : eps);
        for (int j = 0; j < D; j++) n->out->data[r * D + j] = xr[j] * inv;
    }
}

static void l2norm_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0];
    if (!x->requires_grad) return;
    const int D = tensor_cols(x);
    const int64_t R = tensor_rows(x);
    const real *norm = n->saved, *y = n->out->data, *dy = n->out->grad;
    const real eps = (real)n->farg[0];
    real *dx = tensor_grad(g, x);
#pragma omp parallel for schedule(static) if (R * D > PAR_MIN_ELEMS)
    for (int64_t r = 0; r < R; r++) {
        const real *yr = y + r * D, *dyr = dy + r * D;
        real *dxr = dx + r * D;
        if (norm[r] > eps) {
            real dot = 0;
            for (int j = 0; j < D; j++) dot += yr[j] * dyr[j];
            for (int j = 0; j < D; j++) dxr[j] += (dyr[j] - yr[j] * dot) / norm[r];
        } else {
            for (int j = 0; j < D; j++) dxr[j] += dyr[j] / eps;
        }
    }
}

static const OpInfo OP_L2NORM = {"l2_normalize", l2norm_forward, l2norm_backward, 0};

Tensor *op_l2_normalize(Graph *g, Tensor *x, double eps) {
    Node args = {.farg = {eps}, .saved = graph_alloc(g, (size_t)tensor_rows(x) * sizeof(real))};
    return graph_record(g, &OP_L2NORM, &x, 1, x->ndim, x->shape, &args);
}

Tensor *op_cosine_matrix(Graph *g, Tensor *a, Tensor *b) {
    if (a->ndim != 2 || b->ndim != 2 || a->shape[1] != b->shape[1])
        graph_shape_error("cosine_matrix", "needs [N, D] and [M, D]");
    return op_matmul(g, op_l2_normalize(g, a, 1e-12), op_l2_normalize(g, b, 1e-12), 0, 1);
}
