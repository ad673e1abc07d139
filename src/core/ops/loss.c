/* Losses, each reduced to one number: cross-entropy, binary cross-entropy with logits, KL
 * divergence and mean squared error. Sums are taken in double. */
#include <string.h>
#include <tgmath.h>

#include "core/ops.h"
#include "core/parallel.h"

static void *copy_aux(Graph *g, const void *src, size_t bytes) {
    void *d = graph_alloc(g, bytes);
    memcpy(d, src, bytes);
    return d;
}

/* ---- cross-entropy: mean over counted rows of -log softmax(logits)[target] ---------------------
 * aux: target [N]; saved: softmax probabilities [N, C]; iarg[0]: rows counted */

static void ce_forward(Node *n) {
    const int N = n->in[0]->shape[0], C = n->in[0]->shape[1];
    const int32_t *target = n->aux;
    real *prob = n->saved;
    double total = 0;
    int counted = 0;
    for (int i = 0; i < N; i++) {
        const real *x = n->in[0]->data + (size_t)i * C;
        real *p = prob + (size_t)i * C, mx = x[0], sum = 0;
        for (int j = 1; j < C; j++) mx = x[j] > mx ? x[j] : mx;
        for (int j = 0; j < C; j++) sum += (p[j] = exp(x[j] - mx));
        for (int j = 0; j < C; j++) p[j] /= sum;
        if (target[i] < 0) continue;
        total += (double)(log(sum) + mx - x[target[i]]);
        counted++;
    }
    n->iarg[0] = counted;
    n->out->data[0] = counted ? (real)(total / counted) : 0;
}

static void ce_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0];
    if (!x->requires_grad || !n->iarg[0]) return;
    const int N = x->shape[0], C = x->shape[1];
    const int32_t *target = n->aux;
    const real *prob = n->saved, d = n->out->grad[0] / (real)n->iarg[0];
    real *dx = tensor_grad(g, x);
    for (int i = 0; i < N; i++) {
        if (target[i] < 0) continue;
        for (int j = 0; j < C; j++) dx[(size_t)i * C + j] += d * (prob[(size_t)i * C + j] - (j == target[i]));
    }
}

static const OpInfo OP_CE = {"cross_entropy", ce_forward, ce_backward, 0};

Tensor *op_cross_entropy(Graph *g, Tensor *logits, const int32_t *target) {
    if (logits->ndim != 2) graph_shape_error("cross_entropy", "logits must be [N, C]");
    const int N = logits->shape[0], C = logits->shape[1];
    for (int i = 0; i < N; i++)
        if (target[i] >= C) graph_shape_error("cross_entropy", "target %d of row %d is not a class of %d", target[i], i, C);
    Node args = {.aux = copy_aux(g, target, (size_t)N * sizeof(int32_t)),
                 .saved = graph_alloc(g, (size_t)N * C * sizeof(real))};
    return graph_record(g, &OP_CE, &logits, 1, 1, (int[]){1}, &args);
}

/* ---- binary cross-entropy with logits: max(x, 0) - x t + log(1 + exp(-|x|)) --------------------
 * aux: mask or NULL; iarg[0]: entries counted */

static void bce_forward(Node *n) {
    const real *x = n->in[0]->data, *t = n->in[1]->data;
    const uint8_t *mask = n->aux;
    double total = 0;
    int64_t counted = 0;
    for (int64_t i = 0; i < n->in[0]->numel; i++) {
        if (mask && !mask[i]) continue;
        total += (double)((x[i] > 0 ? x[i] : 0) - x[i] * t[i] + log1p(exp(-fabs(x[i]))));
        counted++;
    }
    n->iarg[0] = (int)counted;
    n->out->data[0] = counted ? (real)(total / (double)counted) : 0;
}

static void bce_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0], *t = n->in[1];
    if (!n->iarg[0]) return;
    const uint8_t *mask = n->aux;
    const real d = n->out->grad[0] / (real)n->iarg[0];
    real *dx = x->requires_grad ? tensor_grad(g, x) : NULL, *dt = t->requires_grad ? tensor_grad(g, t) : NULL;
    for (int64_t i = 0; i < x->numel; i++) {
        if (mask && !mask[i]) continue;
        const real v = x->data[i];
        const real s = v >= 0 ? 1 / (1 + exp(-v)) : exp(v) / (1 + exp(v));
        if (dx) dx[i] += d * (s - t->data[i]);
        if (dt) dt[i] -= d * v;
    }
}

static const OpInfo OP_BCE = {"bce_logits", bce_forward, bce_backward, 0};

Tensor *op_bce_logits(Graph *g, Tensor *logits, Tensor *target, const uint8_t *mask) {
    if (!tensor_same_shape(logits, target)) graph_shape_error("bce_logits", "logits and target differ in shape");
    Node args = {.aux = mask ? copy_aux(g, mask, (size_t)logits->numel) : NULL};
    Tensor *in[2] = {logits, target};
    return graph_record(g, &OP_BCE, in, 2, 1, (int[]){1}, &args);
}

/* ---- KL(p || q) with log q given: sum p (log p - log q) / N ------------------------------------ */

static void kl_forward(Node *n) {
    const real *lq = n->in[0]->data, *p = n->in[1]->data;
    double total = 0;
    for (int64_t i = 0; i < n->in[0]->numel; i++)
        if (p[i] > 0) total += (double)(p[i] * (log(p[i]) - lq[i]));
    n->out->data[0] = (real)(total / n->in[0]->shape[0]);
}

static void kl_backward(Graph *g, Node *n) {
    Tensor *lq = n->in[0], *p = n->in[1];
    const real d = n->out->grad[0] / (real)lq->shape[0];
    real *dlq = lq->requires_grad ? tensor_grad(g, lq) : NULL, *dp = p->requires_grad ? tensor_grad(g, p) : NULL;
    for (int64_t i = 0; i < lq->numel; i++) {
        if (p->data[i] <= 0) continue;
        if (dlq) dlq[i] -= d * p->data[i];
        if (dp) dp[i] += d * (log(p->data[i]) + 1 - lq->data[i]);
    }
}

static const OpInfo OP_KL = {"kl_div", kl_forward, kl_backward, 0};

Tensor *op_kl_div(Graph *g, Tensor *log_q, Tensor *p) {
    if (!tensor_same_shape(log_q, p) || log_q->ndim < 1) graph_shape_error("kl_div", "log_q and p differ in shape");
    Tensor *in[2] = {log_q, p};
    return graph_record(g, &OP_KL, in, 2, 1, (int[]){1}, NULL);
}

/* ---- mean squared error ----------------------------------------------------------------------- */

static void mse_forward(Node *n) {
    const real *a = n->in[0]->data, *b = n->in[1]->data;
    double total = 0;
    for (int64_t i = 0; i < n->in[0]->numel; i++) total += (double)((a[i] - b[i]) * (a[i] - b[i]));
    n->out->data[0] = (real)(total / (double)n->in[0]->numel);
}

static void mse_backward(Graph *g, Node *n) {
    Tensor *a = n->in[0], *b = n->in[1];
    const real d = 2 * n->out->grad[0] / (real)a->numel;
    real *da = a->requires_grad ? tensor_grad(g, a) : NULL, *db = b->requires_grad ? tensor_grad(g, b) : NULL;
    for (int64_t i = 0; i < a->numel; i++) {
        real diff = a->data[i] - b->data[i];
        if (da) da[i] += d * diff;
        if (db) db[i] -= d * diff;
    }
}

static const OpInfo OP_MSE = {"mse", mse_forward, mse_backward, 0};

Tensor *op_mse(Graph *g, Tensor *a, Tensor *b) {
    if (!tensor_same_shape(a, b) || a->numel == 0) graph_shape_error("mse", "operands differ in shape or are empty");
    Tensor *in[2] = {a, b};
    return graph_record(g, &OP_MSE, in, 2, 1, (int[]){1}, NULL);
}
