/* 1-D average and max pooling over [B, C, L]. */
#include <tgmath.h>

#include "core/ops.h"
#include "core/parallel.h"

/* iarg: 0 k, 1 stride, 2 pad, 3 is_max. saved: argmax [B*C*Lout] (max pooling). */

static void pool_forward(Node *n) {
    const int k = n->iarg[0], s = n->iarg[1], p = n->iarg[2], is_max = n->iarg[3];
    const int L = n->in[0]->shape[2], Lo = n->out->shape[2];
    const int64_t rows = n->in[0]->shape[0] * (int64_t)n->in[0]->shape[1];
    int32_t *arg = n->saved;
#pragma omp parallel for schedule(static) if (rows * L > PAR_MIN_ELEMS)
    for (int64_t r = 0; r < rows; r++) {
        const real *x = n->in[0]->data + r * L;
        real *y = n->out->data + r * Lo;
        /* Max pooling over windows wholly inside the row: no bounds to check, the compiler can
         * vectorise across t (ties go to the first maximum, as below). */
        int inner_lo = (p + s - 1) / s, inner_hi = L - k + p >= 0 ? (L - k + p) / s + 1 : 0;
        if (inner_hi > Lo) inner_hi = Lo;
        if (!is_max || inner_lo > inner_hi) inner_lo = inner_hi = 0;
#pragma omp simd
        for (int t = inner_lo; t < inner_hi; t++) {
            const int j0 = t * s - p;
            real best = x[j0];
            int at = j0;
            for (int j = j0 + 1; j < j0 + k; j++) {
                const real v = x[j];
                at = v > best ? j : at;
                best = v > best ? v : best;
            }
            arg[r * Lo + t] = at;
            y[t] = best;
        }
        for (int t = 0; t < Lo; t++) {
            if (t == inner_lo) t = inner_hi;
            if (t >= Lo) break;
            int lo = t * s - p, hi = lo + k;
            if (is_max) {
                int best = -1;
                for (int j = lo < 0 ? 0 : lo; j < (hi > L ? L : hi); j++)
                    if (best < 0 || x[j] > x[best]) best = j;
                arg[r * Lo + t] = best;
                y[t] = best >= 0 ? x[best] : 0;
            } else {
                real sum = 0;
                for (int j = lo < 0 ? 0 : lo; j < (hi > L ? L : hi); j++) sum += x[j];
                y[t] = sum / k;
            }
        }
    }
}

static void pool_backward(Graph *g, Node *n) {
    Tensor *xt = n->in[0];
    if (!xt->requires_grad) return;
    const int k = n->iarg[0], s = n->iarg[1], p = n->iarg[2], is_max = n->iarg[3];
    const int L = xt->shape[2], Lo = n->out->shape[2];
    const int64_t rows = xt->shape[0] * (int64_t)xt->shape[1];
    const int32_t *arg = n->saved;
    real *dx = tensor_grad(g, xt);
#pragma omp parallel for schedule(static) if (rows * L > PAR_MIN_ELEMS)
    for (int64_t r = 0; r < rows; r++) {
        const real *dy = n->out->grad + r * Lo;
        real *d = dx + r * L;
        for (int t = 0; t < Lo; t++) {
            if (is_max) {
                if (arg[r * Lo + t] >= 0) d[arg[r * Lo + t]] += dy[t];
            } else {
                int lo = t * s - p, hi = lo + k;
                for (int j = lo < 0 ? 0 : lo; j < (hi > L ? L : hi); j++) d[j] += dy[t] / k;
            }
        }
    }
}

static const OpInfo OP_POOL = {"pool1d", pool_forward, pool_backward, 0};

static Tensor *pool(Graph *g, Tensor *x, int k, int stride, int pad, int is_max) {
    const char *name = is_max ? "maxpool1d" : "avgpool1d";
    if (x->ndim != 3) graph_shape_error(name, "x must be [B, C, L]");
    if (k < 1 || stride < 1 || pad < 0 || 2 * pad > k) graph_shape_error(name, "kernel %d, stride %d, padding %d", k, stride, pad);
    const int L = x->shape[2], span = L + 2 * pad - k;
    if (span < 0) graph_shape_error(name, "input of length %d is shorter than the kernel %d", L, k);
    int shape[3] = {x->shape[0], x->shape[1], span / stride + 1};
    Node args = {.iarg = {k, stride, pad, is_max}};
    if (is_max) args.saved = graph_alloc(g, (size_t)shape[0] * shape[1] * shape[2] * sizeof(int32_t));
    return graph_record(g, &OP_POOL, &x, 1, 3, shape, &args);
}

Tensor *op_avgpool1d(Graph *g, Tensor *x, int k, int stride, int pad) { return pool(g, x, k, stride, pad, 0); }
Tensor *op_maxpool1d(Graph *g, Tensor *x, int k, int stride, int pad) { return pool(g, x, k, stride, pad, 1); }
