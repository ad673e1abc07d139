/* The tape: reverse-mode automatic differentiation over a small, fixed set of ops.
 *
 * Building and executing are separate steps inside every op: a builder (op_gelu, op_linear, ...
 * in core/ops.h) checks shapes, allocates the output from the graph's arena and records a Node;
 * the op's forward function (from its OpInfo) then computes the output. graph_backward() walks the
 * tape in reverse and calls each op's backward, which ADDS into the gradients of its inputs.
 * graph_recompute() runs every recorded forward again in order — finite-difference checks perturb
 * an input and recompute without rebuilding. Random draws (dropout, Gumbel noise) are made when a
 * node is built and kept in it, so recomputing gives the same values.
 *
 * Shape errors in builders are programming errors: they print the op, the shapes and abort. */
#ifndef SCAR_CORE_GRAPH_H
#define SCAR_CORE_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/rng.h"
#include "core/tensor.h"

typedef struct Graph Graph;
typedef struct Node Node;

typedef struct {
    const char *name;
    void (*forward)(Node *n);            /* computes n->out->data from the inputs */
    void (*backward)(Graph *g, Node *n); /* adds into the grads of inputs that require grad */
    int is_view;                         /* output shares in[0]'s data (reshape, stop-gradient) */
} OpInfo;

#define NODE_MAX_IN 4

struct Node {
    const OpInfo *op;
    Tensor *out;
    Tensor *in[NODE_MAX_IN];
    int n_in;
    int iarg[8];         /* op-specific integer arguments (axis, stride, heads, ...) */
    double farg[4];      /* op-specific real arguments (eps, p, scale, ...) */
    const void *aux;     /* op-specific non-tensor input (indices, masks), copied into the arena */
    void *saved;         /* what the forward keeps for the backward (arena) */
};

struct Graph {
    Arena *arena;
    Node *nodes;
    int n_nodes, cap_nodes;
    int n_done;          /* nodes before this were consumed by an earlier backward */
    int training;        /* dropout active, batch norm on batch statistics */
    int grad_enabled;    /* when 0, nothing requires grad (evaluation) */
    Rng rng;             /* dropout masks and Gumbel noise are drawn from it */
};

Graph *graph_new(size_t arena_chunk_bytes);
void graph_free(Graph *g);
/* Forget the tape and every activation (the arena is rewound, its memory kept). */
void graph_reset(Graph *g);

/* Tensors owned by the graph's arena. tensor_new leaves data uninitialised. */
Tensor *tensor_new(Graph *g, int ndim, const int *shape);
Tensor *tensor_zeros(Graph *g, int ndim, const int *shape);
Tensor *tensor_copy_of(Graph *g, const real *data, int ndim, const int *shape);

/* The gradient buffer of t, allocated zeroed on first use. */
real *tensor_grad(Graph *g, Tensor *t);
void *graph_alloc(Graph *g, size_t bytes);

/* Record a node whose output has `ndim`/`shape`, run its forward, return its output. The output
 * requires grad when grad is enabled and any input does. */
Tensor *graph_record(Graph *g, const OpInfo *op, Tensor *const *in, int n_in, int ndim,
                     const int *shape, const Node *args);

/* Seed d(loss)/d(loss) = 1 for a one-element tensor and propagate back through the tape.
 * A backward consumes the nodes recorded since the previous backward (or reset): a second
 * backward on the same graph only walks what was built after the first. Parameter gradients
 * accumulate across calls (gradient accumulation). */
void graph_backward(Graph *g, Tensor *loss);
/* Same, seeding out.grad with a given upstream gradient [out->numel]. */
void graph_backward_from(Graph *g, Tensor *out, const real *upstream);
/* Run every recorded forward again, in order. */
void graph_recompute(Graph *g);

/* Abort with the op name and a message (shape mismatches and other programming errors). */
void graph_shape_error(const char *op, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

#endif
