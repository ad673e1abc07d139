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
 * iarg: 0 training, 1 ReLU after; in[3]: a residual added before the ReLU (optional);
 * farg: 0 eps, 1 momentum; aux: running mean/var; saved: BatchNormSaved.
 * The fused tail (+ residual, ReLU) saves two passes over memory and two activations of a ResNet
 * block; the ReLU's gradient mask is read back from the output (y > 0).
 *
 * Every pass streams the tensor in memory order, sample by sample (walking one channel across
 * the batch instead would jump C*L values between rows of L, a power-of-two stride that thrashes
 * the caches when rows are short). Per-sample, per-channel sums go to their own slots [B][C] and
 * are added in sample order, so samples can go to any thread (dynamically: a busy core does not
 * hold up the step) and the bits stay the same. */

typedef struct {
    real *running_mean, *running_var;
} RunningStats;

typedef struct {
    real *mean, *rstd;   /* [C] the statistics used (batch or running) */
    double *part;        /* [B][C][2] per-sample sums (forward), [2][B][C] (backward) */
} BatchNormSaved;

static void batchnorm_dims(const Tensor *x, int *B, int *C, int *L) {
    *B = x->shape[0];
    *C = x->shape[1];
    *L = x->ndim == 3 ? x->shape[2] : 1;
}

/* part[i][c] = (sum_l (x - shift[c]), sum_l (x - shift[c])^2) over one sample's channels. Sums
 * of values shifted by one of the channel's own values (its first) keep the one-pass variance
 * E[(x - k)^2] - E[x - k]^2 free of cancellation when the mean is large against the spread. */
static void sample_sums(const real *x, int C, int L, const real *x0, double *part) {
    for (int c = 0; c < C; c++) {
        const real *r = x + (int64_t)c * L, k = x0[(int64_t)c * L]; /* shift: sample 0's first value */
        real s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s1, s2)
        for (int l = 0; l < L; l++) {
            const real d = r[l] - k;
            s1 += d;
            s2 += d * d;
        }
        part[2 * c] = s1;
        part[2 * c + 1] = s2;
    }
}

static void batchnorm_forward(Node *n) {
    const Tensor *x = n->in[0];
    const real *w = n->in[1]->data, *b = n->in[2]->data;
    int B, C, L;
    batchnorm_dims(x, &B, &C, &L);
    const BatchNormSaved *sv = n->saved;
    real *mean = sv->mean, *rstd = sv->rstd;
    double *part = sv->part;
    const RunningStats *rs = n->aux;
    const real eps = (real)n->farg[0], momentum = (real)n->farg[1];
    const int training = n->iarg[0], relu = n->iarg[1];
    const Tensor *residual = n->n_in > 3 ? n->in[3] : NULL;
    const int64_t cnt = (int64_t)B * L, sample = (int64_t)C * L;
#pragma omp parallel if (B * sample > PAR_MIN_ELEMS)
    {
        if (training) {
#pragma omp for schedule(dynamic, 1)
            for (int i = 0; i < B; i++) sample_sums(x->data + i * sample, C, L, x->data, part + (int64_t)i * 2 * C);
#pragma omp for schedule(static)
            for (int c = 0; c < C; c++) {
                double s1 = 0, s2 = 0; /* in sample order: the same bits for any thread count */
                for (int i = 0; i < B; i++) {
                    s1 += part[((int64_t)i * C + c) * 2];
                    s2 += part[((int64_t)i * C + c) * 2 + 1];
                }
                const double m1 = s1 / (double)cnt, v = s2 / (double)cnt - m1 * m1;
                const real var = (real)(v > 0 ? v : 0);
                mean[c] = x->data[(int64_t)c * L] + (real)m1;
                if (rs->running_mean) {
                    rs->running_mean[c] = (1 - momentum) * rs->running_mean[c] + momentum * mean[c];
                    rs->running_var[c] = (1 - momentum) * rs->running_var[c] +
                                         momentum * (cnt > 1 ? var * (real)cnt / (real)(cnt - 1) : var);
                }
                rstd[c] = 1 / sqrt(var + eps);
            }
        } else {
#pragma omp for schedule(static)
            for (int c = 0; c < C; c++) {
                mean[c] = rs->running_mean[c];
                rstd[c] = 1 / sqrt(rs->running_var[c] + eps);
            }
        }
#pragma omp for schedule(dynamic, 1)
        for (int i = 0; i < B; i++)
            for (int c = 0; c < C; c++) {
                const real scale = rstd[c] * w[c], shift = b[c] - mean[c] * scale;
                const int64_t off = i * sample + (int64_t)c * L;
                const real *xr = x->data + off, *rr = residual ? residual->data + off : NULL;
                real *yr = n->out->data + off;
                if (rr) {
#pragma omp simd
                    for (int l = 0; l < L; l++) yr[l] = xr[l] * scale + shift + rr[l];
                } else {
#pragma omp simd
                    for (int l = 0; l < L; l++) yr[l] = xr[l] * scale + shift;
                }
                if (relu) {
#pragma omp simd
                    for (int l = 0; l < L; l++) yr[l] = yr[l] > 0 ? yr[l] : 0;
                }
            }
    }
}

static void batchnorm_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0], *w = n->in[1], *b = n->in[2];
    int B, C, L;
    batchnorm_dims(x, &B, &C, &L);
    const BatchNormSaved *sv = n->saved;
    const real *mean = sv->mean, *rstd = sv->rstd, *dy = n->out->grad;
    double *part_dy = sv->part, *part_dyx = sv->part + (int64_t)B * C; /* sum dy, sum dy (x - mean) */
    const int training = n->iarg[0], relu = n->iarg[1];
    Tensor *residual = n->n_in > 3 ? n->in[3] : NULL;
    const real cnt = (real)((int64_t)B * L);
    const int64_t sample = (int64_t)C * L;
    const real *y = n->out->data;
    real *dx = x->requires_grad ? tensor_grad(g, x) : NULL;
    real *dw = w->requires_grad ? tensor_grad(g, w) : NULL, *db = b->requires_grad ? tensor_grad(g, b) : NULL;
    real *dr = residual && residual->requires_grad ? tensor_grad(g, residual) : NULL;
    const int nt = engine_threads();
    real *coef = graph_alloc(g, (size_t)nt * 2 * C * sizeof(real)); /* per thread: k_mean [C], k_x [C] */
#pragma omp parallel num_threads(nt) if (B * sample > PAR_MIN_ELEMS)
    {
#pragma omp for schedule(dynamic, 1)
        for (int i = 0; i < B; i++)
            for (int c = 0; c < C; c++) {
                const int64_t off = i * sample + (int64_t)c * L;
                const real *xr = x->data + off, *dyr = dy + off, *yr = y + off;
                const real m = mean[c];
                real a = 0, e = 0;
                if (relu) { /* the gradient before the ReLU: 0 where the output is */
#pragma omp simd reduction(+ : a, e)
                    for (int l = 0; l < L; l++) {
                        const real gl = yr[l] > 0 ? dyr[l] : 0;
                        a += gl;
                        e += gl * (xr[l] - m);
                    }
                } else {
#pragma omp simd reduction(+ : a, e)
                    for (int l = 0; l < L; l++) {
                        a += dyr[l];
                        e += dyr[l] * (xr[l] - m);
                    }
                }
                part_dy[(int64_t)i * C + c] = a;
                part_dyx[(int64_t)i * C + c] = e;
            }
        /* Every thread adds up the per-sample sums itself (in sample order: the same bits on every
         * thread), so the input gradient needs no second barrier; thread 0 adds dw and db. */
        real *k_mean = coef + (size_t)omp_get_thread_num() * 2 * C, *k_x = k_mean + C;
        for (int c = 0; c < C; c++) {
            double sum_dy = 0, sum_dyx = 0;
            for (int i = 0; i < B; i++) {
                sum_dy += part_dy[(int64_t)i * C + c];
                sum_dyx += part_dyx[(int64_t)i * C + c];
            }
            const real sum_dy_xhat = (real)sum_dyx * rstd[c];
            if (omp_get_thread_num() == 0) {
                if (dw) dw[c] += sum_dy_xhat;
                if (db) db[c] += (real)sum_dy;
            }
            /* training: dx = w s (dy - mean(dy) - xhat mean(dy xhat)); evaluation: dx = w s dy */
            k_mean[c] = training ? (real)sum_dy / cnt : 0;
            k_x[c] = training ? sum_dy_xhat / cnt * rstd[c] : 0;
        }
        if (dx || dr) {
#pragma omp for schedule(dynamic, 1)
            for (int i = 0; i < B; i++)
                for (int c = 0; c < C; c++) {
                    const int64_t off = i * sample + (int64_t)c * L;
                    const real *xr = x->data + off, *dyr = dy + off, *yr = y + off;
                    const real k1 = w->data[c] * rstd[c], km = k_mean[c], kx = k_x[c], m = mean[c];
                    real *dxr = dx ? dx + off : NULL, *drr = dr ? dr + off : NULL;
                    if (dxr && relu) {
#pragma omp simd
                        for (int l = 0; l < L; l++) dxr[l] += k1 * ((yr[l] > 0 ? dyr[l] : 0) - km - (xr[l] - m) * kx);
                    } else if (dxr) {
#pragma omp simd
                        for (int l = 0; l < L; l++) dxr[l] += k1 * (dyr[l] - km - (xr[l] - m) * kx);
                    }
                    if (drr && relu) {
#pragma omp simd
                        for (int l = 0; l < L; l++) drr[l] += yr[l] > 0 ? dyr[l] : 0;
                    } else if (drr) {
#pragma omp simd
                        for (int l = 0; l < L; l++) drr[l] += dyr[l];
                    }
                }
        }
    }
}

static const OpInfo OP_BATCHNORM = {"batchnorm", batchnorm_forward, batchnorm_backward, 0};

static Tensor *batchnorm_common(Graph *g, const char *name, Tensor *x, Tensor *w, Tensor *b, real *running_mean,
                                real *running_var, double momentum, double eps, Tensor *residual, int relu) {
    if (x->ndim != 2 && x->ndim != 3) graph_shape_error(name, "x must be [B, C] or [B, C, L], has %d dims", x->ndim);
    const int B = x->shape[0], C = x->shape[1];
    if (w->numel != C || b->numel != C) graph_shape_error(name, "%d channels but weight %lld, bias %lld", C, (long long)w->numel, (long long)b->numel);
    if (residual && !tensor_same_shape(residual, x)) graph_shape_error(name, "the residual differs in shape from x");
    if (!g->training && (!running_mean || !running_var)) graph_shape_error(name, "evaluation needs running statistics");
    RunningStats *rs = graph_alloc(g, sizeof *rs);
    rs->running_mean = running_mean;
    rs->running_var = running_var;
    BatchNormSaved *sv = graph_alloc(g, sizeof *sv);
    sv->mean = graph_alloc(g, 2 * (size_t)C * sizeof(real));
    sv->rstd = sv->mean + C;
    sv->part = graph_alloc(g, 2 * (size_t)B * C * sizeof(double));
    Node args = {.iarg = {g->training, relu != 0}, .farg = {eps, momentum}, .aux = rs, .saved = sv};
    Tensor *in[4] = {x, w, b, residual};
    return graph_record(g, &OP_BATCHNORM, in, residual ? 4 : 3, x->ndim, x->shape, &args);
}

Tensor *op_batchnorm(Graph *g, Tensor *x, Tensor *w, Tensor *b, real *running_mean,
                     real *running_var, double momentum, double eps) {
    return batchnorm_common(g, "batchnorm", x, w, b, running_mean, running_var, momentum, eps, NULL, 0);
}

Tensor *op_batchnorm_add_relu(Graph *g, Tensor *x, Tensor *w, Tensor *b, real *running_mean, real *running_var,
                              double momentum, double eps, Tensor *residual, int relu) {
    return batchnorm_common(g, "batchnorm_add_relu", x, w, b, running_mean, running_var, momentum, eps, residual, relu);
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
