/* Elementwise ops: broadcast add/sub/mul, scale, exp, clamp and the activations. */
#include <string.h>
#include <tgmath.h>

#include "core/fastmath.h"
#include "core/ops.h"
#include "core/parallel.h"

/* ---- broadcasting ------------------------------------------------------------------------------
 * b broadcasts into a's shape. Both are seen as 4-D (leading 1s); b's stride is 0 where b has 1.
 * iarg: 0 kind (0 same shape, 1 b is a suffix of a: index i % b->numel, 2 general),
 *       1..4 b's strides in a's 4-D index space. */
enum { BC_SAME, BC_SUFFIX, BC_GENERAL };

static void broadcast_plan(const char *op, const Tensor *a, const Tensor *b, Node *args) {
    if (b->ndim > a->ndim) graph_shape_error(op, "b has more dims (%d) than a (%d)", b->ndim, a->ndim);
    int ashape[4], bshape[4];
    for (int i = 0; i < 4; i++) {
        int ai = i - (4 - a->ndim), bi = i - (4 - b->ndim);
        ashape[i] = ai >= 0 ? a->shape[ai] : 1;
        bshape[i] = bi >= 0 ? b->shape[bi] : 1;
        if (bshape[i] != 1 && bshape[i] != ashape[i])
            graph_shape_error(op, "cannot broadcast dim of %d into %d", bshape[i], ashape[i]);
    }
    int suffix = 1, leading = 1; /* b = [1.., a's trailing dims] */
    for (int i = 0; i < 4; i++) {
        if (bshape[i] == 1 && leading) continue;
        leading = 0;
        if (bshape[i] != ashape[i]) suffix = 0;
    }
    args->iarg[0] = b->numel == a->numel ? BC_SAME : suffix ? BC_SUFFIX : BC_GENERAL;
    int64_t stride = 1;
    for (int i = 3; i >= 0; i--) {
        args->iarg[1 + i] = bshape[i] == 1 ? 0 : (int)stride;
        stride *= bshape[i];
    }
}

/* Offset into b of a's flat index i (general case). */
static inline int64_t bc_index(const Node *n, const int *ashape4, int64_t i) {
    int64_t off = 0;
    for (int d = 3; d >= 0; d--) {
        int64_t c = i % ashape4[d];
        i /= ashape4[d];
        off += c * n->iarg[1 + d];
    }
    return off;
}

static void shape4(const Tensor *a, int *s) {
    for (int i = 0; i < 4; i++) {
        int ai = i - (4 - a->ndim);
        s[i] = ai >= 0 ? a->shape[ai] : 1;
    }
}

typedef enum { BIN_ADD, BIN_SUB, BIN_MUL } BinaryKind;

static void binary_forward(Node *n) {
    const BinaryKind kind = (BinaryKind)n->farg[0];
    const real *a = n->in[0]->data, *b = n->in[1]->data;
    real *y = n->out->data;
    const int64_t n_a = n->out->numel, n_b = n->in[1]->numel;
    int s[4];
    shape4(n->in[0], s);
    const int bc = n->iarg[0];
#pragma omp parallel for schedule(static) if (n_a > PAR_MIN_ELEMS)
    for (int64_t i = 0; i < n_a; i++) {
        real bv = bc == BC_SAME ? b[i] : bc == BC_SUFFIX ? b[i % n_b] : b[bc_index(n, s, i)];
        y[i] = kind == BIN_ADD ? a[i] + bv : kind == BIN_SUB ? a[i] - bv : a[i] * bv;
    }
}

static void binary_backward(Graph *g, Node *n) {
    const BinaryKind kind = (BinaryKind)n->farg[0];
    Tensor *a = n->in[0], *b = n->in[1];
    const real *dy = n->out->grad;
    const int64_t n_a = a->numel, n_b = b->numel;
    const int bc = n->iarg[0];
    int s[4];
    shape4(a, s);
    if (a->requires_grad) {
        real *da = tensor_grad(g, a);
#pragma omp parallel for schedule(static) if (n_a > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < n_a; i++) {
            real bv = bc == BC_SAME ? b->data[i] : bc == BC_SUFFIX ? b->data[i % n_b] : b->data[bc_index(n, s, i)];
            da[i] += kind == BIN_MUL ? dy[i] * bv : dy[i];
        }
    }
    if (b->requires_grad) {
        real *db = tensor_grad(g, b);
        const real sign = kind == BIN_SUB ? -1 : 1;
        if (bc == BC_SAME) {
#pragma omp parallel for schedule(static) if (n_a > PAR_MIN_ELEMS)
            for (int64_t i = 0; i < n_a; i++) db[i] += kind == BIN_MUL ? dy[i] * a->data[i] : sign * dy[i];
        } else if (bc == BC_SUFFIX) {
            /* Sum over the repeated leading block; each thread owns a slice of b. */
#pragma omp parallel if (n_a > PAR_MIN_ELEMS)
            {
                int64_t lo, hi;
                thread_share(n_b, &lo, &hi);
                for (int64_t r = 0; r < n_a / n_b; r++) {
                    const real *dyr = dy + r * n_b, *ar = a->data + r * n_b;
                    for (int64_t j = lo; j < hi; j++) db[j] += kind == BIN_MUL ? dyr[j] * ar[j] : sign * dyr[j];
                }
            }
        } else {
            for (int64_t i = 0; i < n_a; i++) /* rare shapes: serial, in order */
                db[bc_index(n, s, i)] += kind == BIN_MUL ? dy[i] * a->data[i] : sign * dy[i];
        }
    }
}

static const OpInfo OP_BINARY = {"binary", binary_forward, binary_backward, 0};

static Tensor *binary(Graph *g, Tensor *a, Tensor *b, BinaryKind kind, const char *name) {
    Node args = {.farg = {kind}};
    broadcast_plan(name, a, b, &args);
    Tensor *in[2] = {a, b};
    return graph_record(g, &OP_BINARY, in, 2, a->ndim, a->shape, &args);
}

Tensor *op_add(Graph *g, Tensor *a, Tensor *b) { return binary(g, a, b, BIN_ADD, "add"); }
Tensor *op_sub(Graph *g, Tensor *a, Tensor *b) { return binary(g, a, b, BIN_SUB, "sub"); }
Tensor *op_mul(Graph *g, Tensor *a, Tensor *b) { return binary(g, a, b, BIN_MUL, "mul"); }

/* ---- unary ops: y = f(x), dx += f'(x) dy -------------------------------------------------------
 * farg: 0 kind, 1..2 constants (scale; clamp bounds) */
typedef enum { UN_SCALE, UN_EXP, UN_CLAMP, UN_GELU, UN_RELU, UN_SIGMOID, UN_TANH } UnaryKind;

static const real GELU_C = 0.7978845608028654; /* sqrt(2 / pi) */
static const real GELU_A = 0.044715;

static inline real sigmoid(real x) {
    /* Never exponentiate a large positive number. */
    if (x >= 0) return 1 / (1 + exp(-x));
    real e = exp(x);
    return e / (1 + e);
}

static void unary_forward(Node *n) {
    const UnaryKind kind = (UnaryKind)n->farg[0];
    const real c1 = (real)n->farg[1], c2 = (real)n->farg[2];
    const real *x = n->in[0]->data;
    real *y = n->out->data;
    const int64_t cnt = n->out->numel;
    switch (kind) {
    case UN_SCALE:
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) y[i] = c1 * x[i];
        break;
    case UN_EXP:
#pragma omp parallel for schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) y[i] = exp(x[i]);
        break;
    case UN_CLAMP:
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) y[i] = x[i] < c1 ? c1 : x[i] > c2 ? c2 : x[i];
        break;
    case UN_GELU:
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) {
            real v = x[i];
            y[i] = (real)0.5 * v * (1 + tanh_fast(GELU_C * (v + GELU_A * v * v * v)));
        }
        break;
    case UN_RELU:
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) y[i] = x[i] > 0 ? x[i] : 0;
        break;
    case UN_SIGMOID:
#pragma omp parallel for schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) y[i] = sigmoid(x[i]);
        break;
    case UN_TANH:
#pragma omp parallel for schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) y[i] = tanh(x[i]);
        break;
    }
}

static void unary_backward(Graph *g, Node *n) {
    Tensor *xt = n->in[0];
    if (!xt->requires_grad) return;
    const UnaryKind kind = (UnaryKind)n->farg[0];
    const real c1 = (real)n->farg[1], c2 = (real)n->farg[2];
    const real *x = xt->data, *y = n->out->data, *dy = n->out->grad;
    real *dx = tensor_grad(g, xt);
    const int64_t cnt = n->out->numel;
    switch (kind) {
    case UN_SCALE:
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) dx[i] += c1 * dy[i];
        break;
    case UN_EXP:
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) dx[i] += y[i] * dy[i];
        break;
    case UN_CLAMP:
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) dx[i] += (x[i] >= c1 && x[i] <= c2) ? dy[i] : 0;
        break;
    case UN_GELU:
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) {
            real v = x[i], t = tanh_fast(GELU_C * (v + GELU_A * v * v * v));
            real dt = GELU_C * (1 + 3 * GELU_A * v * v) * (1 - t * t);
            dx[i] += dy[i] * (real)0.5 * (1 + t + v * dt);
        }
        break;
    case UN_RELU:
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) dx[i] += x[i] > 0 ? dy[i] : 0;
        break;
    case UN_SIGMOID:
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) dx[i] += dy[i] * y[i] * (1 - y[i]);
        break;
    case UN_TANH:
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
        for (int64_t i = 0; i < cnt; i++) dx[i] += dy[i] * (1 - y[i] * y[i]);
        break;
    }
}

static const OpInfo OP_UNARY = {"unary", unary_forward, unary_backward, 0};

static Tensor *unary(Graph *g, Tensor *x, UnaryKind kind, double c1, double c2) {
    Node args = {.farg = {kind, c1, c2}};
    return graph_record(g, &OP_UNARY, &x, 1, x->ndim, x->shape, &args);
}

Tensor *op_scale(Graph *g, Tensor *x, double s) { return unary(g, x, UN_SCALE, s, 0); }
Tensor *op_exp(Graph *g, Tensor *x) { return unary(g, x, UN_EXP, 0, 0); }
Tensor *op_clamp(Graph *g, Tensor *x, double lo, double hi) { return unary(g, x, UN_CLAMP, lo, hi); }
Tensor *op_gelu(Graph *g, Tensor *x) { return unary(g, x, UN_GELU, 0, 0); }
Tensor *op_relu(Graph *g, Tensor *x) { return unary(g, x, UN_RELU, 0, 0); }
Tensor *op_sigmoid(Graph *g, Tensor *x) { return unary(g, x, UN_SIGMOID, 0, 0); }
Tensor *op_tanh(Graph *g, Tensor *x) { return unary(g, x, UN_TANH, 0, 0); }
