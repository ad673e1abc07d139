/* Selection and shape: embedding lookup, row gather (dropping tokens), concat, slice, reshape,
 * transpose, stop-gradient and dropout. */
#include <string.h>

#include "core/ops.h"
#include "core/parallel.h"

static void *copy_aux(Graph *g, const void *src, size_t bytes) {
    void *d = graph_alloc(g, bytes);
    memcpy(d, src, bytes);
    return d;
}

/* ---- row gather: y[i] = x[idx[i]] (a zero row where idx[i] < 0); embedding is the same op -------
 * iarg: 0 n, 1 D, 2 number of rows of x. aux: idx [n]. */

static void gather_forward(Node *n) {
    const int cnt = n->iarg[0], D = n->iarg[1];
    const int32_t *idx = n->aux;
#pragma omp parallel for schedule(static) if ((int64_t)cnt * D > PAR_MIN_ELEMS)
    for (int i = 0; i < cnt; i++) {
        real *dst = n->out->data + (size_t)i * D;
        if (idx[i] >= 0) memcpy(dst, n->in[0]->data + (size_t)idx[i] * D, (size_t)D * sizeof(real));
        else memset(dst, 0, (size_t)D * sizeof(real));
    }
}

static void gather_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0];
    if (!x->requires_grad) return;
    const int cnt = n->iarg[0], D = n->iarg[1];
    const int32_t *idx = n->aux;
    real *dx = tensor_grad(g, x);
    /* Rows may repeat (the same embedding twice): split by columns so each thread owns its adds. */
#pragma omp parallel if ((int64_t)cnt * D > PAR_MIN_ELEMS)
    {
        int64_t lo, hi;
        thread_share(D, &lo, &hi);
        for (int i = 0; i < cnt; i++) {
            if (idx[i] < 0) continue;
            const real *src = n->out->grad + (size_t)i * D;
            real *dst = dx + (size_t)idx[i] * D;
            for (int64_t j = lo; j < hi; j++) dst[j] += src[j];
        }
    }
}

static const OpInfo OP_GATHER = {"gather_rows", gather_forward, gather_backward, 0};

static Tensor *gather(Graph *g, const char *name, Tensor *x, const int32_t *idx, int n, int allow_pad) {
    const int D = tensor_cols(x);
    const int64_t R = tensor_rows(x);
    for (int i = 0; i < n; i++)
        if (idx[i] >= R || (idx[i] < 0 && !(allow_pad && idx[i] == -1)))
            graph_shape_error(name, "index %d at position %d is outside [0, %lld)", idx[i], i, (long long)R);
    Node args = {.iarg = {n, D, (int)R}, .aux = copy_aux(g, idx, (size_t)n * sizeof(int32_t))};
    int shape[2] = {n, D};
    return graph_record(g, &OP_GATHER, &x, 1, 2, shape, &args);
}

Tensor *op_embedding(Graph *g, Tensor *table, const int32_t *ids, int n) {
    if (table->ndim != 2) graph_shape_error("embedding", "table must be [V, D]");
    return gather(g, "embedding", table, ids, n, 0);
}

Tensor *op_gather_rows(Graph *g, Tensor *x, const int32_t *idx, int n) { return gather(g, "gather_rows", x, idx, n, 1); }

/* ---- concat and slice along an axis: seen as [outer, len_along_axis * inner] blocks ------------
 * concat iarg: 0 axis; slice iarg: 0 axis, 1 start. */

static void axis_split(const Tensor *t, int axis, int64_t *outer, int64_t *inner) {
    *outer = 1;
    *inner = 1;
    for (int i = 0; i < axis; i++) *outer *= t->shape[i];
    for (int i = axis + 1; i < t->ndim; i++) *inner *= t->shape[i];
}

static void concat_forward(Node *n) {
    const int axis = n->iarg[0];
    int64_t outer, inner;
    axis_split(n->out, axis, &outer, &inner);
    const int64_t out_row = n->out->shape[axis] * inner;
    int64_t off = 0;
    for (int k = 0; k < n->n_in; k++) {
        const int64_t row = n->in[k]->shape[axis] * inner;
        for (int64_t o = 0; o < outer; o++)
            memcpy(n->out->data + o * out_row + off, n->in[k]->data + o * row, (size_t)row * sizeof(real));
        off += row;
    }
}

static void concat_backward(Graph *g, Node *n) {
    const int axis = n->iarg[0];
    int64_t outer, inner;
    axis_split(n->out, axis, &outer, &inner);
    const int64_t out_row = n->out->shape[axis] * inner;
    int64_t off = 0;
    for (int k = 0; k < n->n_in; k++) {
        const int64_t row = n->in[k]->shape[axis] * inner;
        if (n->in[k]->requires_grad) {
            real *dx = tensor_grad(g, n->in[k]);
            for (int64_t o = 0; o < outer; o++)
                for (int64_t j = 0; j < row; j++) dx[o * row + j] += n->out->grad[o * out_row + off + j];
        }
        off += row;
    }
}

static const OpInfo OP_CONCAT = {"concat", concat_forward, concat_backward, 0};

Tensor *op_concat(Graph *g, Tensor *const *xs, int n, int axis) {
    if (n < 1) graph_shape_error("concat", "nothing to concatenate");
    if (n == 1) return xs[0];
    if (n > NODE_MAX_IN) { /* a node has at most NODE_MAX_IN inputs: concatenate in groups */
        Tensor **rest = graph_alloc(g, (size_t)(n - NODE_MAX_IN + 1) * sizeof(Tensor *));
        rest[0] = op_concat(g, xs, NODE_MAX_IN, axis);
        for (int i = NODE_MAX_IN; i < n; i++) rest[i - NODE_MAX_IN + 1] = xs[i];
        return op_concat(g, rest, n - NODE_MAX_IN + 1, axis);
    }
    const Tensor *x0 = xs[0];
    if (axis < 0 || axis >= x0->ndim) graph_shape_error("concat", "axis %d of a %d-D tensor", axis, x0->ndim);
    int shape[TENSOR_MAX_DIMS];
    memcpy(shape, x0->shape, sizeof shape);
    for (int k = 1; k < n; k++) {
        if (xs[k]->ndim != x0->ndim) graph_shape_error("concat", "inputs have %d and %d dims", x0->ndim, xs[k]->ndim);
        for (int i = 0; i < x0->ndim; i++)
            if (i != axis && xs[k]->shape[i] != x0->shape[i]) graph_shape_error("concat", "dim %d differs: %d and %d", i, x0->shape[i], xs[k]->shape[i]);
        shape[axis] += xs[k]->shape[axis];
    }
    Node args = {.iarg = {axis}};
    return graph_record(g, &OP_CONCAT, xs, n, x0->ndim, shape, &args);
}

static void slice_forward(Node *n) {
    const int axis = n->iarg[0], start = n->iarg[1];
    int64_t outer, inner;
    axis_split(n->in[0], axis, &outer, &inner);
    const int64_t in_row = n->in[0]->shape[axis] * inner, row = n->out->shape[axis] * inner;
    for (int64_t o = 0; o < outer; o++)
        memcpy(n->out->data + o * row, n->in[0]->data + o * in_row + start * inner, (size_t)row * sizeof(real));
}

static void slice_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0];
    if (!x->requires_grad) return;
    const int axis = n->iarg[0], start = n->iarg[1];
    int64_t outer, inner;
    axis_split(x, axis, &outer, &inner);
    const int64_t in_row = x->shape[axis] * inner, row = n->out->shape[axis] * inner;
    real *dx = tensor_grad(g, x);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < row; j++) dx[o * in_row + start * inner + j] += n->out->grad[o * row + j];
}

static const OpInfo OP_SLICE = {"slice", slice_forward, slice_backward, 0};

Tensor *op_slice(Graph *g, Tensor *x, int axis, int start, int len) {
    if (axis < 0 || axis >= x->ndim || start < 0 || len < 0 || start + len > x->shape[axis])
        graph_shape_error("slice", "[%d:%d] along axis %d of size %d", start, start + len, axis, axis >= 0 && axis < x->ndim ? x->shape[axis] : -1);
    int shape[TENSOR_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape);
    shape[axis] = len;
    Node args = {.iarg = {axis, start}};
    return graph_record(g, &OP_SLICE, &x, 1, x->ndim, shape, &args);
}

/* ---- views: reshape and stop-gradient share the input's data ----------------------------------- */

static void view_forward(Node *n) { (void)n; }

static void reshape_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0];
    if (!x->requires_grad) return;
    real *dx = tensor_grad(g, x);
    const int64_t cnt = x->numel;
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
    for (int64_t i = 0; i < cnt; i++) dx[i] += n->out->grad[i];
}

static void no_backward(Graph *g, Node *n) {
    (void)g;
    (void)n;
}

static const OpInfo OP_RESHAPE = {"reshape", view_forward, reshape_backward, 1};
static const OpInfo OP_STOP_GRADIENT = {"stop_gradient", view_forward, no_backward, 1};

Tensor *op_reshape(Graph *g, Tensor *x, int ndim, const int *shape) {
    return graph_record(g, &OP_RESHAPE, &x, 1, ndim, shape, NULL);
}

Tensor *op_stop_gradient(Graph *g, Tensor *x) {
    Tensor *y = graph_record(g, &OP_STOP_GRADIENT, &x, 1, x->ndim, x->shape, NULL);
    y->requires_grad = 0;
    return y;
}

/* ---- transpose of the last two dims ------------------------------------------------------------ */

static void transpose_forward(Node *n) {
    const int A = n->in[0]->shape[n->in[0]->ndim - 2], Bc = n->in[0]->shape[n->in[0]->ndim - 1];
    const int64_t batch = n->in[0]->numel / ((int64_t)A * Bc);
#pragma omp parallel for schedule(static) if (n->out->numel > PAR_MIN_ELEMS)
    for (int64_t k = 0; k < batch; k++) {
        const real *x = n->in[0]->data + k * A * Bc;
        real *y = n->out->data + k * A * Bc;
        for (int i = 0; i < A; i++)
            for (int j = 0; j < Bc; j++) y[(int64_t)j * A + i] = x[(int64_t)i * Bc + j];
    }
}

static void transpose_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0];
    if (!x->requires_grad) return;
    const int A = x->shape[x->ndim - 2], Bc = x->shape[x->ndim - 1];
    const int64_t batch = x->numel / ((int64_t)A * Bc);
    real *dx = tensor_grad(g, x);
#pragma omp parallel for schedule(static) if (x->numel > PAR_MIN_ELEMS)
    for (int64_t k = 0; k < batch; k++) {
        const real *dy = n->out->grad + k * A * Bc;
        real *d = dx + k * A * Bc;
        for (int i = 0; i < A; i++)
            for (int j = 0; j < Bc; j++) d[(int64_t)i * Bc + j] += dy[(int64_t)j * A + i];
    }
}

static const OpInfo OP_TRANSPOSE = {"transpose", transpose_forward, transpose_backward, 0};

Tensor *op_transpose(Graph *g, Tensor *x) {
    if (x->ndim < 2) graph_shape_error("transpose", "needs at least 2 dims");
    int shape[TENSOR_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape);
    shape[x->ndim - 2] = x->shape[x->ndim - 1];
    shape[x->ndim - 1] = x->shape[x->ndim - 2];
    return graph_record(g, &OP_TRANSPOSE, &x, 1, x->ndim, shape, NULL);
}

/* ---- dropout: y = x * mask, mask in {0, 1/(1-p)} drawn when the node is built ------------------- */

static void dropout_forward(Node *n) {
    const real *mask = n->saved;
    const int64_t cnt = n->out->numel;
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
    for (int64_t i = 0; i < cnt; i++) n->out->data[i] = n->in[0]->data[i] * mask[i];
}

static void dropout_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0];
    if (!x->requires_grad) return;
    const real *mask = n->saved;
    real *dx = tensor_grad(g, x);
    const int64_t cnt = x->numel;
#pragma omp parallel for simd schedule(static) if (cnt > PAR_MIN_ELEMS)
    for (int64_t i = 0; i < cnt; i++) dx[i] += n->out->grad[i] * mask[i];
}

static const OpInfo OP_DROPOUT = {"dropout", dropout_forward, dropout_backward, 0};

Tensor *op_dropout(Graph *g, Tensor *x, double p) {
    if (p < 0 || p >= 1) graph_shape_error("dropout", "probability %g outside [0, 1)", p);
    if (!g->training || p == 0) return x;
    real *mask = graph_alloc(g, (size_t)x->numel * sizeof(real));
    const real keep = (real)(1 / (1 - p));
    /* One draw from the graph's generator seeds a stream per block of 4096 elements, so the mask is
     * drawn in parallel and is the same whatever the number of threads. */
    const uint64_t seed = rng_u64(&g->rng);
    const uint64_t threshold = (uint64_t)(p * 4294967296.0); /* keep when 32 random bits >= p 2^32 */
    const int64_t n = x->numel, blocks = (n + 4095) / 4096;
#pragma omp parallel for schedule(static) if (n > PAR_MIN_ELEMS)
    for (int64_t b = 0; b < blocks; b++) {
        Rng r;
        rng_seed(&r, seed, (uint64_t)b);
        const int64_t end = (b + 1) * 4096 < n ? (b + 1) * 4096 : n;
        for (int64_t i = b * 4096; i < end; i += 2) {
            const uint64_t bits = rng_u64(&r);
            mask[i] = (bits & 0xffffffffu) < threshold ? 0 : keep;
            if (i + 1 < end) mask[i + 1] = (bits >> 32) < threshold ? 0 : keep;
        }
    }
    Node args = {.saved = mask};
    return graph_record(g, &OP_DROPOUT, &x, 1, x->ndim, x->shape, &args);
}
