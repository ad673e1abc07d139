/* Softmax and log-softmax along the last dim, with an optional presence mask. */
#include <string.h>
#include <tgmath.h>

#include "core/ops.h"
#include "core/parallel.h"

/* farg[0]: 1 for log-softmax. aux: mask [rows, cols] or NULL. */

static void softmax_row(const real *x, const uint8_t *m, real *y, int C, int log_out) {
    real mx = -INFINITY;
    for (int j = 0; j < C; j++)
        if ((!m || m[j]) && x[j] > mx) mx = x[j];
    if (mx == -INFINITY) { /* nothing present (or all -inf): a row of zeros */
        memset(y, 0, (size_t)C * sizeof(real));
        return;
    }
    real sum = 0;
    for (int j = 0; j < C; j++) {
        real e = (!m || m[j]) ? exp(x[j] - mx) : 0;
        y[j] = e;
        sum += e;
    }
    if (log_out) {
        real lse = log(sum);
        for (int j = 0; j < C; j++) y[j] = (!m || m[j]) ? x[j] - mx - lse : 0;
    } else {
        real inv = 1 / sum;
        for (int j = 0; j < C; j++) y[j] *= inv;
    }
}

static void softmax_forward(Node *n) {
    const int C = tensor_cols(n->in[0]);
    const int64_t R = tensor_rows(n->in[0]);
    const uint8_t *mask = n->aux;
    const int log_out = n->farg[0] != 0;
#pragma omp parallel for schedule(static) if (R * C > PAR_MIN_ELEMS)
    for (int64_t r = 0; r < R; r++)
        softmax_row(n->in[0]->data + r * C, mask ? mask + r * C : NULL, n->out->data + r * C, C, log_out);
}

static void softmax_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0];
    if (!x->requires_grad) return;
    const int C = tensor_cols(x);
    const int64_t R = tensor_rows(x);
    const uint8_t *mask = n->aux;
    const int log_out = n->farg[0] != 0;
    real *dx = tensor_grad(g, x);
    const real *y = n->out->data, *dy = n->out->grad;
#pragma omp parallel for schedule(static) if (R * C > PAR_MIN_ELEMS)
    for (int64_t r = 0; r < R; r++) {
        const real *yr = y + r * C, *dyr = dy + r * C;
        const uint8_t *m = mask ? mask + r * C : NULL;
        real *dxr = dx + r * C;
        real s = 0;
        if (log_out) { /* dx = dy - softmax * sum(dy) */
            for (int j = 0; j < C; j++)
                if (!m || m[j]) s += dyr[j];
            for (int j = 0; j < C; j++)
                if (!m || m[j]) dxr[j] += dyr[j] - exp(yr[j]) * s;
        } else { /* dx = y * (dy - sum(dy * y)) */
            for (int j = 0; j < C; j++) s += dyr[j] * yr[j];
            for (int j = 0; j < C; j++)
                if (!m || m[j]) dxr[j] += yr[j] * (dyr[j] - s);
        }
    }
}

static const OpInfo OP_SOFTMAX = {"softmax", softmax_forward, softmax_backward, 0};

static Tensor *softmax_op(Graph *g, Tensor *x, const uint8_t *mask, int log_out) {
    Node args = {.farg = {log_out}};
    if (mask) {
        uint8_t *m = graph_alloc(g, (size_t)x->numel);
        memcpy(m, mask, (size_t)x->numel);
        args.aux = m;
    }
    return graph_record(g, &OP_SOFTMAX, &x, 1, x->ndim, x->shape, &args);
}

Tensor *op_softmax(Graph *g, Tensor *x, const uint8_t *mask) { return softmax_op(g, x, mask, 0); }
Tensor *op_log_softmax(Graph *g, Tensor *x, const uint8_t *mask) { return softmax_op(g, x, mask, 1); }
