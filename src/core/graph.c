#include "core/graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

Graph *graph_new(size_t arena_chunk_bytes) {
    Graph *g = xcalloc(1, sizeof *g);
    g->arena = arena_new(arena_chunk_bytes);
    g->grad_enabled = 1;
    g->training = 1;
    rng_seed(&g->rng, 0, 0);
    return g;
}

void graph_free(Graph *g) {
    if (!g) return;
    arena_free(g->arena);
    free(g->nodes);
    free(g);
}

void graph_reset(Graph *g) {
    arena_reset(g->arena);
    g->n_nodes = 0;
    g->n_done = 0;
}

void *graph_alloc(Graph *g, size_t bytes) { return arena_alloc(g->arena, bytes); }

Tensor *tensor_new(Graph *g, int ndim, const int *shape) {
    Tensor *t = arena_calloc(g->arena, sizeof *t);
    int64_t n = tensor_set_shape(t, ndim, shape);
    t->data = arena_alloc(g->arena, (size_t)n * sizeof(real));
    return t;
}

Tensor *tensor_zeros(Graph *g, int ndim, const int *shape) {
    Tensor *t = tensor_new(g, ndim, shape);
    memset(t->data, 0, (size_t)t->numel * sizeof(real));
    return t;
}

Tensor *tensor_copy_of(Graph *g, const real *data, int ndim, const int *shape) {
    Tensor *t = tensor_new(g, ndim, shape);
    memcpy(t->data, data, (size_t)t->numel * sizeof(real));
    return t;
}

real *tensor_grad(Graph *g, Tensor *t) {
    if (!t->grad) t->grad = arena_calloc(g->arena, (size_t)t->numel * sizeof(real));
    return t->grad;
}

Tensor *graph_record(Graph *g, const OpInfo *op, Tensor *const *in, int n_in, int ndim,
                     const int *shape, const Node *args) {
    Tensor *out;
    if (op->is_view) {
        out = arena_calloc(g->arena, sizeof *out);
        int64_t n = tensor_set_shape(out, ndim, shape);
        if (n != in[0]->numel) graph_shape_error(op->name, "view of %lld elements as %lld", (long long)in[0]->numel, (long long)n);
        out->data = in[0]->data;
    } else {
        out = tensor_new(g, ndim, shape);
    }
    if (g->n_nodes == g->cap_nodes) {
        g->cap_nodes = g->cap_nodes ? 2 * g->cap_nodes : 256;
        g->nodes = xrealloc(g->nodes, (size_t)g->cap_nodes * sizeof(Node));
    }
    Node *n = &g->nodes[g->n_nodes++];
    if (args) *n = *args;
    else memset(n, 0, sizeof *n);
    n->op = op;
    n->out = out;
    n->n_in = n_in;
    int rg = 0;
    for (int i = 0; i < n_in; i++) {
        n->in[i] = in[i];
        rg |= in[i]->requires_grad;
    }
    out->requires_grad = g->grad_enabled && rg;
    op->forward(n);
    return out;
}

static void run_backward(Graph *g) {
    for (int i = g->n_nodes - 1; i >= g->n_done; i--) {
        Node *n = &g->nodes[i];
        if (n->out->requires_grad && n->out->grad) n->op->backward(g, n);
    }
    g->n_done = g->n_nodes;
}

void graph_backward(Graph *g, Tensor *loss) {
    if (loss->numel != 1) graph_shape_error("backward", "loss has %lld elements, not 1", (long long)loss->numel);
    tensor_grad(g, loss)[0] += 1;
    run_backward(g);
}

void graph_backward_from(Graph *g, Tensor *out, const real *upstream) {
    real *go = tensor_grad(g, out);
    for (int64_t i = 0; i < out->numel; i++) go[i] += upstream[i];
    run_backward(g);
}

void graph_recompute(Graph *g) {
    for (int i = 0; i < g->n_nodes; i++) g->nodes[i].op->forward(&g->nodes[i]);
}

void graph_shape_error(const char *op, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "scar: %s: ", op);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}
