/* Matrix products: batched matmul with either operand transposed, and the linear layer. */
#include <string.h>

#include "core/gemm.h"
#include "core/ops.h"
#include "core/parallel.h"

/* ---- matmul ---------------------------------------------------------------------------------
 * iarg: 0 trans_a, 1 trans_b, 2 batch, 3 M, 4 N, 5 K, 6 b shared across the batch */

/* One product of the batch, or all of them when B is shared and A's rows can be stacked. */
static void matmul_forward(Node *n) {
    const int ta = n->iarg[0], tb = n->iarg[1], batch = n->iarg[2], M = n->iarg[3], N = n->iarg[4],
              K = n->iarg[5], shared = n->iarg[6];
    const real *A = n->in[0]->data, *B = n->in[1]->data;
    real *C = n->out->data;
    const int lda = ta ? M : K, ldb = tb ? K : N;
    if (shared && !ta) { /* [batch*M, K] x [K, N]: one product */
        gemm(0, tb, batch * M, N, K, 1, A, lda, B, ldb, 0, C, N);
        return;
    }
    const long sa = (long)M * K, sb = shared ? 0 : (long)K * N, sc = (long)M * N;
    if (batch >= 2 * engine_threads()) {
#pragma omp parallel for schedule(static)
        for (int i = 0; i < batch; i++)
            gemm_serial(ta, tb, M, N, K, 1, A + i * sa, lda, B + i * sb, ldb, 0, C + i * sc, N);
    } else {
        for (int i = 0; i < batch; i++) gemm(ta, tb, M, N, K, 1, A + i * sa, lda, B + i * sb, ldb, 0, C + i * sc, N);
    }
}

/* dA += dC op(B)^T (arranged for A's layout); dB += op(A)^T dC (arranged for B's layout). */
static void matmul_grad_a(int ta, int tb, int M, int N, int K, const real *dC, const real *B, real *dA, int serial) {
    void (*mm)(int, int, int, int, int, real, const real *, int, const real *, int, real, real *, int) =
        serial ? gemm_serial : gemm;
    const int ldb = tb ? K : N;
    if (!ta) mm(0, !tb, M, K, N, 1, dC, N, B, ldb, 1, dA, K);  /* dA[M,K] */
    else mm(tb, 1, K, M, N, 1, B, ldb, dC, N, 1, dA, M);       /* dA[K,M] = op(B) dC^T */
}

static void matmul_grad_b(int ta, int tb, int M, int N, int K, const real *dC, const real *A, real *dB, int serial) {
    void (*mm)(int, int, int, int, int, real, const real *, int, const real *, int, real, real *, int) =
        serial ? gemm_serial : gemm;
    const int lda = ta ? M : K;
    if (!tb) mm(!ta, 0, K, N, M, 1, A, lda, dC, N, 1, dB, N);  /* dB[K,N] = op(A)^T dC */
    else mm(1, ta, N, K, M, 1, dC, N, A, lda, 1, dB, K);       /* dB[N,K] = dC^T op(A) */
}

static void matmul_backward(Graph *g, Node *n) {
    const int ta = n->iarg[0], tb = n->iarg[1], batch = n->iarg[2], M = n->iarg[3], N = n->iarg[4],
              K = n->iarg[5], shared = n->iarg[6];
    Tensor *a = n->in[0], *b = n->in[1];
    const real *dC = n->out->grad;
    const long sa = (long)M * K, sb = shared ? 0 : (long)K * N, sc = (long)M * N;
    if (a->requires_grad) {
        real *dA = tensor_grad(g, a);
        if (shared && !ta) matmul_grad_a(0, tb, batch * M, N, K, dC, b->data, dA, 0);
        else if (batch >= 2 * engine_threads()) {
#pragma omp parallel for schedule(static)
            for (int i = 0; i < batch; i++) matmul_grad_a(ta, tb, M, N, K, dC + i * sc, b->data + i * sb, dA + i * sa, 1);
        } else
            for (int i = 0; i < batch; i++) matmul_grad_a(ta, tb, M, N, K, dC + i * sc, b->data + i * sb, dA + i * sa, 0);
    }
    if (b->requires_grad) {
        real *dB = tensor_grad(g, b);
        if (shared && !ta) matmul_grad_b(0, tb, batch * M, N, K, dC, a->data, dB, 0);
        else if (shared) /* every item adds into the same dB: in order, for the same bits every run */
            for (int i = 0; i < batch; i++) matmul_grad_b(ta, tb, M, N, K, dC + i * sc, a->data + i * sa, dB, 0);
        else if (batch >= 2 * engine_threads()) {
#pragma omp parallel for schedule(static)
            for (int i = 0; i < batch; i++) matmul_grad_b(ta, tb, M, N, K, dC + i * sc, a->data + i * sa, dB + i * sb, 1);
        } else
            for (int i = 0; i < batch; i++) matmul_grad_b(ta, tb, M, N, K, dC + i * sc, a->data + i * sa, dB + i * sb, 0);
    }
}

static const OpInfo OP_MATMUL = {"matmul", matmul_forward, matmul_backward, 0};

Tensor *op_matmul(Graph *g, Tensor *a, Tensor *b, int trans_a, int trans_b) {
    if (a->ndim < 2 || b->ndim < 2) graph_shape_error("matmul", "operands need at least 2 dims (got %d and %d)", a->ndim, b->ndim);
    const int M = a->shape[a->ndim - (trans_a ? 1 : 2)], Ka = a->shape[a->ndim - (trans_a ? 2 : 1)];
    const int N = b->shape[b->ndim - (trans_b ? 2 : 1)], Kb = b->shape[b->ndim - (trans_b ? 1 : 2)];
    if (Ka != Kb) graph_shape_error("matmul", "inner dimensions differ: %d and %d", Ka, Kb);
    int batch = 1;
    for (int i = 0; i < a->ndim - 2; i++) batch *= a->shape[i];
    int shared = b->ndim == 2;
    if (!shared) {
        if (b->ndim != a->ndim) graph_shape_error("matmul", "batch dims of b must match a's or b must be 2-D");
        for (int i = 0; i < a->ndim - 2; i++)
            if (a->shape[i] != b->shape[i]) graph_shape_error("matmul", "batch dim %d differs: %d and %d", i, a->shape[i], b->shape[i]);
    }
    int shape[TENSOR_MAX_DIMS];
    memcpy(shape, a->shape, sizeof shape);
    shape[a->ndim - 2] = M;
    shape[a->ndim - 1] = N;
    Node args = {.iarg = {trans_a, trans_b, batch, M, N, Ka, shared}};
    Tensor *in[2] = {a, b};
    return graph_record(g, &OP_MATMUL, in, 2, a->ndim, shape, &args);
}

/* ---- linear: y[R, out] = x[R, in] w[out, in]^T + bias[out] ------------------------------------ */

static void linear_forward(Node *n) {
    const Tensor *x = n->in[0], *w = n->in[1], *bias = n->n_in > 2 ? n->in[2] : NULL;
    const int R = (int)tensor_rows(x), in = tensor_cols(x), out = w->shape[0];
    real *y = n->out->data;
    if (bias) {
        /* Start from the bias in every row and accumulate the product onto it (beta = 1). */
#pragma omp parallel for schedule(static) if ((long)R * out > PAR_MIN_ELEMS)
        for (int r = 0; r < R; r++) memcpy(y + (long)r * out, bias->data, (size_t)out * sizeof(real));
    }
    gemm(0, 1, R, out, in, 1, x->data, in, w->data, in, bias ? 1 : 0, y, out);
}

static void linear_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0], *w = n->in[1], *bias = n->n_in > 2 ? n->in[2] : NULL;
    const int R = (int)tensor_rows(x), in = tensor_cols(x), out = w->shape[0];
    const real *dy = n->out->grad;
    if (x->requires_grad) gemm(0, 0, R, in, out, 1, dy, out, w->data, in, 1, tensor_grad(g, x), in);  /* dx = dy w */
    if (w->requires_grad) gemm(1, 0, out, in, R, 1, dy, out, x->data, in, 1, tensor_grad(g, w), in);  /* dw = dy^T x */
    if (bias && bias->requires_grad) {                                                                /* db = sum_r dy */
        real *db = tensor_grad(g, bias);
#pragma omp parallel if ((long)R * out > PAR_MIN_ELEMS)
        {
            int64_t lo, hi;
            thread_share(out, &lo, &hi);
            for (int r = 0; r < R; r++) {
                const real *row = dy + (long)r * out;
                for (int64_t j = lo; j < hi; j++) db[j] += row[j];
            }
        }
    }
}

static const OpInfo OP_LINEAR = {"linear", linear_forward, linear_backward, 0};

Tensor *op_linear(Graph *g, Tensor *x, Tensor *w, Tensor *bias) {
    if (w->ndim != 2 || tensor_cols(x) != w->shape[1])
        graph_shape_error("linear", "x has %d features, weight is [%d, %d]", tensor_cols(x), w->shape[0], w->ndim == 2 ? w->shape[1] : -1);
    if (bias && (bias->ndim != 1 || bias->shape[0] != w->shape[0]))
        graph_shape_error("linear", "bias has %lld elements for %d outputs", (long long)bias->numel, w->shape[0]);
    int shape[TENSOR_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape);
    shape[x->ndim - 1] = w->shape[0];
    Tensor *in[3] = {x, w, bias};
    return graph_record(g, &OP_LINEAR, in, bias ? 3 : 2, x->ndim, shape, NULL);
}
