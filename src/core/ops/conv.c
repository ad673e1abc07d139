/* 1-D convolution and transposed convolution through im2col + GEMM.
 *
 * Geometry shared by both: a "wide" signal of length Lw and a "narrow" one of length Ln with
 *   Ln = (Lw + 2*pad - dilation*(K-1) - 1) / stride + 1.
 * im2col turns a wide [C, Lw] into columns [C*K, Ln]; col2im adds columns back into [C, Lw].
 * conv1d:           y[b] = W[Cout, Cin*K] . im2col(x[b])            (x wide, y narrow)
 * conv_transpose1d: y[b] = col2im(W[Cin, Cout*K]^T . x[b])          (x narrow, y wide)
 * and each one's backward is built from the other's pieces.
 *
 * conv1d works on chunks of samples: the columns of nb samples sit side by side in one
 * [Cin*K, nb*Ln] matrix, so every product is one large GEMM (the weight is packed once per chunk,
 * not once per sample, and the weight gradient sums over nb*Ln columns instead of Ln). Chunks are
 * handed to threads dynamically (a busy core does not hold up the step); each chunk's weight
 * gradient goes to its own buffer and the buffers are added in chunk order, so the bits do not
 * depend on which thread ran which chunk. Scratch (columns, partial gradients) is taken from the
 * graph's arena and given back when the op is done.
 *
 * Undilated kernel-3 convolutions take Winograd's minimal filtering instead (ops/conv_winograd.c,
 * ops/conv_winograd_s2.c): half the multiply-adds at stride 1, three quarters at stride 2. */
#include <string.h>

#include "core/gemm.h"
#include "core/ops.h"
#include "core/ops/conv_winograd.h"
#include "core/parallel.h"

typedef struct {
    int K, stride, pad, dil, Lw, Ln;
} ConvGeom;

/* The range [lo, hi) of narrow positions t whose tap k falls inside the wide signal. */
static void tap_range(const ConvGeom *g, int k, int *lo, int *hi) {
    const int first = g->pad - k * g->dil;           /* t * stride >= first */
    const int last = g->Lw - 1 + g->pad - k * g->dil; /* t * stride <= last */
    *lo = first <= 0 ? 0 : (first + g->stride - 1) / g->stride;
    *hi = last < 0 ? 0 : last / g->stride + 1;
    if (*hi > g->Ln) *hi = g->Ln;
    if (*lo > *hi) *lo = *hi;
}

/* x [C, Lw] -> col rows (c, k) of Ln values, row stride ldcol. */
static void im2col(const real *x, int C, const ConvGeom *g, real *col, size_t ldcol) {
    for (int k = 0; k < g->K; k++) {
        int lo, hi;
        tap_range(g, k, &lo, &hi);
        const int first = lo * g->stride + k * g->dil - g->pad; /* wide position of tap k at t = lo */
        for (int c = 0; c < C; c++) {
            real *dst = col + ((size_t)c * g->K + k) * ldcol;
            for (int t = 0; t < lo; t++) dst[t] = 0;
            if (hi > lo) {
                const real *src = x + (size_t)c * g->Lw + first;
                if (g->stride == 1) memcpy(dst + lo, src, (size_t)(hi - lo) * sizeof(real));
                else
                    for (int t = lo; t < hi; t++) dst[t] = src[(t - lo) * g->stride];
            }
            for (int t = hi; t < g->Ln; t++) dst[t] = 0;
        }
    }
}

/* x [C, Lw] += the columns (rows (c, k) of Ln values, row stride ldcol) put back in place. */
static void col2im_add(const real *col, size_t ldcol, int C, const ConvGeom *g, real *x) {
    for (int c = 0; c < C; c++)
        for (int k = 0; k < g->K; k++) {
            int lo, hi;
            tap_range(g, k, &lo, &hi);
            if (lo == hi) continue;
            const real *src = col + ((size_t)c * g->K + k) * ldcol + lo;
            real *dst = x + (size_t)c * g->Lw + lo * g->stride + k * g->dil - g->pad;
            const int n = hi - lo;
            if (g->stride == 1) {
#pragma omp simd
                for (int j = 0; j < n; j++) dst[j] += src[j];
            } else {
                for (int j = 0; j < n; j++) dst[j * g->stride] += src[j];
            }
        }
}

/* iarg: 0 B, 1 Cin, 2 Cout, 3 K, 4 stride, 5 pad, 6 dilation, 7 wide length (input for conv,
 * output for transposed). saved: the graph (its arena holds the scratch) and, on the Winograd
 * path, the transformed filter the forward pass leaves for the backward pass. */
typedef struct {
    Graph *g;
    real *wino_u;    /* [WINOGRAD_PLANES, Cout, Cin] or NULL */
    int wino_stride; /* 1 or 2 when wino_u */
} ConvSaved;

static ConvGeom geom_of(const Node *n, int narrow_len) {
    ConvGeom g = {n->iarg[3], n->iarg[4], n->iarg[5], n->iarg[6], n->iarg[7], narrow_len};
    return g;
}

/* Samples per chunk: about 8 chunks per batch (so that dynamic scheduling can balance), at most
 * CHUNK_COL_ELEMS column values per chunk (scratch stays in the last-level cache's range). Depends
 * on the shapes only, so results do not change with the thread count. */
#define CHUNK_COL_ELEMS (1 << 20)
#define CHUNKS_PER_BATCH 8

static int chunk_samples(int B, int rows, int Ln) {
    int nb = (B + CHUNKS_PER_BATCH - 1) / CHUNKS_PER_BATCH;
    const int64_t per_sample = (int64_t)rows * Ln;
    if ((int64_t)nb * per_sample > CHUNK_COL_ELEMS) nb = (int)(CHUNK_COL_ELEMS / per_sample);
    return nb < 1 ? 1 : nb;
}

/* ---- conv1d: chunked ---------------------------------------------------------------------------- */

static void conv_forward(Node *n) {
    const Tensor *x = n->in[0], *w = n->in[1], *bias = n->n_in > 2 ? n->in[2] : NULL;
    const ConvSaved *sv = n->saved;
    if (sv->wino_u) {
        (sv->wino_stride == 1 ? winograd_conv_forward : winograd_s2_conv_forward)(sv->g, x, w, bias, n->out, n->iarg[5], sv->wino_u);
        return;
    }
    const int B = n->iarg[0], Cin = n->iarg[1], Cout = n->iarg[2], K = n->iarg[3];
    const int Lx = x->shape[2], Ly = n->out->shape[2];
    const ConvGeom geo = geom_of(n, Ly);
    Graph *g = sv->g;
    const int nb = chunk_samples(B, Cin * K, Ly), n_chunks = (B + nb - 1) / nb, nt = engine_threads();
    const size_t ncol = (size_t)nb * Ly, col_size = (size_t)Cin * K * ncol, tmp_size = (size_t)Cout * ncol;
    ArenaMark mark = arena_mark(g->arena);
    real *scratch = graph_alloc(g, (size_t)nt * (col_size + tmp_size) * sizeof(real));
#pragma omp parallel num_threads(nt) if (n_chunks > 1)
    {
        real *col = scratch + (size_t)omp_get_thread_num() * (col_size + tmp_size), *tmp = col + col_size;
#pragma omp for schedule(dynamic, 1)
        for (int ch = 0; ch < n_chunks; ch++) {
            const int b0 = ch * nb, m = B - b0 < nb ? B - b0 : nb;
            for (int s = 0; s < m; s++) im2col(x->data + (size_t)(b0 + s) * Cin * Lx, Cin, &geo, col + (size_t)s * Ly, ncol);
            /* tmp [Cout, m*Ly] = W [Cout, Cin*K] . col [Cin*K, m*Ly] */
            gemm_serial(0, 0, Cout, m * Ly, Cin * K, 1, w->data, Cin * K, col, (int)ncol, 0, tmp, (int)ncol);
            for (int s = 0; s < m; s++)
                for (int c = 0; c < Cout; c++) {
                    real *dst = n->out->data + ((size_t)(b0 + s) * Cout + c) * Ly;
                    const real *src = tmp + (size_t)c * ncol + (size_t)s * Ly;
                    if (bias) {
                        const real bc = bias->data[c];
                        for (int t = 0; t < Ly; t++) dst[t] = src[t] + bc;
                    } else {
                        memcpy(dst, src, (size_t)Ly * sizeof(real));
                    }
                }
        }
    }
    arena_reset_to(g->arena, mark);
}

static void bias_backward(Graph *g, Tensor *bias, const real *dy, int B, int Cout, int Ly) {
    real *db = tensor_grad(g, bias);
    for (int b = 0; b < B; b++)
        for (int c = 0; c < Cout; c++) {
            const real *r = dy + ((size_t)b * Cout + c) * Ly;
            real s = 0;
            for (int t = 0; t < Ly; t++) s += r[t];
            db[c] += s;
        }
}

static void conv_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0], *w = n->in[1], *bias = n->n_in > 2 ? n->in[2] : NULL;
    const int B = n->iarg[0], Cin = n->iarg[1], Cout = n->iarg[2], K = n->iarg[3];
    const int Lx = x->shape[2], Ly = n->out->shape[2], CK = Cin * K;
    const ConvGeom geo = geom_of(n, Ly);
    const real *dy = n->out->grad;
    real *dx = x->requires_grad ? tensor_grad(g, x) : NULL;
    real *dw = w->requires_grad ? tensor_grad(g, w) : NULL;
    if (bias && bias->requires_grad) bias_backward(g, bias, dy, B, Cout, Ly);
    if (!dx && !dw) return;
    const ConvSaved *sv = n->saved;
    if (sv->wino_u) {
        (sv->wino_stride == 1 ? winograd_conv_backward : winograd_s2_conv_backward)(g, x, sv->wino_u, Cout, Ly, dy, n->iarg[5], dx, dw);
        return;
    }
    const int nb = chunk_samples(B, CK, Ly), n_chunks = (B + nb - 1) / nb, nt = engine_threads();
    const size_t ncol = (size_t)nb * Ly, col_size = (size_t)CK * ncol, dyc_size = (size_t)Cout * ncol;
    ArenaMark mark = arena_mark(g->arena);
    real *scratch = graph_alloc(g, (size_t)nt * (col_size + dyc_size) * sizeof(real));
    real *dw_part = dw ? graph_alloc(g, (size_t)n_chunks * w->numel * sizeof(real)) : NULL; /* [n_chunks][W] */
#pragma omp parallel num_threads(nt) if (n_chunks > 1)
    {
        real *col = scratch + (size_t)omp_get_thread_num() * (col_size + dyc_size), *dyc = col + col_size;
#pragma omp for schedule(dynamic, 1)
        for (int ch = 0; ch < n_chunks; ch++) {
            const int b0 = ch * nb, m = B - b0 < nb ? B - b0 : nb;
            const int N = m * Ly;
            for (int s = 0; s < m; s++) /* dyc [Cout, m*Ly]: the chunk's output gradients side by side */
                for (int c = 0; c < Cout; c++)
                    memcpy(dyc + (size_t)c * ncol + (size_t)s * Ly, dy + ((size_t)(b0 + s) * Cout + c) * Ly, (size_t)Ly * sizeof(real));
            if (dw) { /* dW_chunk [Cout, Cin*K] = dyc . col^T */
                for (int s = 0; s < m; s++) im2col(x->data + (size_t)(b0 + s) * Cin * Lx, Cin, &geo, col + (size_t)s * Ly, ncol);
                gemm_serial(0, 1, Cout, CK, N, 1, dyc, (int)ncol, col, (int)ncol, 0, dw_part + (size_t)ch * w->numel, CK);
            }
            if (dx) { /* dx += col2im(W^T . dyc) */
                gemm_serial(1, 0, CK, N, Cout, 1, w->data, CK, dyc, (int)ncol, 0, col, (int)ncol);
                for (int s = 0; s < m; s++) col2im_add(col + (size_t)s * Ly, ncol, Cin, &geo, dx + (size_t)(b0 + s) * Cin * Lx);
            }
        }
    }
    if (dw) {
#pragma omp parallel num_threads(nt) if (w->numel > PAR_MIN_ELEMS)
        {
            int64_t lo, hi;
            thread_share(w->numel, &lo, &hi);
            add_chunk_partials(dw, dw_part, n_chunks, (size_t)w->numel, (size_t)lo, (size_t)hi);
        }
    }
    arena_reset_to(g->arena, mark);
}

static const OpInfo OP_CONV = {"conv1d", conv_forward, conv_backward, 0};

/* ---- conv_transpose1d: per sample ----------------------------------------------------------------- */

static void convt_forward(Node *n) {
    const Tensor *x = n->in[0], *w = n->in[1], *bias = n->n_in > 2 ? n->in[2] : NULL;
    const int B = n->iarg[0], Cin = n->iarg[1], Cout = n->iarg[2], K = n->iarg[3];
    const int Lx = x->shape[2], Ly = n->out->shape[2];
    const ConvGeom geo = geom_of(n, Lx);
    Graph *g = ((const ConvSaved *)n->saved)->g;
    const int nt = engine_threads();
    const size_t col_size = (size_t)Cout * K * Lx;
    ArenaMark mark = arena_mark(g->arena);
    real *cols = graph_alloc(g, (size_t)nt * col_size * sizeof(real));
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int b = 0; b < B; b++) {
        real *col = cols + (size_t)omp_get_thread_num() * col_size;
        real *yb = n->out->data + (size_t)b * Cout * Ly;
        gemm_serial(1, 0, Cout * K, Lx, Cin, 1, w->data, Cout * K, x->data + (size_t)b * Cin * Lx, Lx, 0, col, Lx);
        memset(yb, 0, (size_t)Cout * Ly * sizeof(real));
        col2im_add(col, (size_t)Lx, Cout, &geo, yb);
        if (bias)
            for (int c = 0; c < Cout; c++)
                for (int t = 0; t < Ly; t++) yb[(size_t)c * Ly + t] += bias->data[c];
    }
    arena_reset_to(g->arena, mark);
}

static void convt_backward(Graph *g, Node *n) {
    Tensor *x = n->in[0], *w = n->in[1], *bias = n->n_in > 2 ? n->in[2] : NULL;
    const int B = n->iarg[0], Cin = n->iarg[1], Cout = n->iarg[2], K = n->iarg[3];
    const int Lx = x->shape[2], Ly = n->out->shape[2];
    const ConvGeom geo = geom_of(n, Lx);
    const int nt = engine_threads();
    const size_t col_size = (size_t)Cout * K * Lx;
    const real *dy = n->out->grad;
    real *dx = x->requires_grad ? tensor_grad(g, x) : NULL;
    real *dw = w->requires_grad ? tensor_grad(g, w) : NULL;
    if (bias && bias->requires_grad) bias_backward(g, bias, dy, B, Cout, Ly);
    ArenaMark mark = arena_mark(g->arena);
    real *cols = graph_alloc(g, (size_t)nt * col_size * sizeof(real));
    real *dw_part = NULL; /* [nt][W]: per-thread sums over a static split, added in thread order */
    if (dw) {
        dw_part = graph_alloc(g, (size_t)nt * w->numel * sizeof(real));
        memset(dw_part, 0, (size_t)nt * w->numel * sizeof(real));
    }
#pragma omp parallel num_threads(nt)
    {
        const int t = omp_get_thread_num();
        real *col = cols + (size_t)t * col_size, *dwp = dw ? dw_part + (size_t)t * w->numel : NULL;
        int64_t lo, hi;
        thread_share(B, &lo, &hi);
        for (int64_t b = lo; b < hi; b++) {
            const real *xb = x->data + (size_t)b * Cin * Lx;
            im2col(dy + (size_t)b * Cout * Ly, Cout, &geo, col, (size_t)Lx); /* [Cout*K, Lx] */
            if (dwp) gemm_serial(0, 1, Cin, Cout * K, Lx, 1, xb, Lx, col, Lx, 1, dwp, Cout * K);
            if (dx) gemm_serial(0, 0, Cin, Lx, Cout * K, 1, w->data, Cout * K, col, Lx, 1, dx + (size_t)b * Cin * Lx, Lx);
        }
    }
    if (dw)
        for (int t = 0; t < nt; t++) {
            const real *p = dw_part + (size_t)t * w->numel;
            for (int64_t i = 0; i < w->numel; i++) dw[i] += p[i];
        }
    arena_reset_to(g->arena, mark);
}

static const OpInfo OP_CONVT = {"conv_transpose1d", convt_forward, convt_backward, 0};

static Tensor *conv_common(Graph *g, Tensor *x, Tensor *w, Tensor *bias, int stride, int pad,
                           int dil, int output_pad, int transposed) {
    const char *name = transposed ? "conv_transpose1d" : "conv1d";
    if (x->ndim != 3 || w->ndim != 3) graph_shape_error(name, "x must be [B, C, L] and w 3-D");
    if (stride < 1 || dil < 1 || pad < 0 || output_pad < 0) graph_shape_error(name, "stride %d, dilation %d, padding %d", stride, dil, pad);
    const int B = x->shape[0], Cin = x->shape[1], L = x->shape[2], K = w->shape[2];
    const int Cout = transposed ? w->shape[1] : w->shape[0];
    if ((transposed ? w->shape[0] : w->shape[1]) != Cin) graph_shape_error(name, "x has %d channels, w expects %d", Cin, transposed ? w->shape[0] : w->shape[1]);
    if (bias && bias->numel != Cout) graph_shape_error(name, "bias has %lld elements for %d channels", (long long)bias->numel, Cout);
    int Ly, wide;
    if (!transposed) {
        int span = L + 2 * pad - dil * (K - 1) - 1;
        if (span < 0) graph_shape_error(name, "input of length %d is shorter than the kernel's reach", L);
        Ly = span / stride + 1;
        wide = L;
    } else {
        Ly = (L - 1) * stride - 2 * pad + dil * (K - 1) + output_pad + 1;
        if (Ly <= 0 || (Ly + 2 * pad - dil * (K - 1) - 1) / stride + 1 != L) graph_shape_error(name, "inconsistent output length %d", Ly);
        wide = Ly;
    }
    ConvSaved *sv = graph_alloc(g, sizeof *sv);
    sv->g = g;
    const int wino = !transposed && (winograd_applies(K, stride, dil) || winograd_s2_applies(K, stride, dil));
    sv->wino_u = wino ? graph_alloc(g, (size_t)WINOGRAD_PLANES * Cout * Cin * sizeof(real)) : NULL;
    sv->wino_stride = stride;
    Node args = {.iarg = {B, Cin, Cout, K, stride, pad, dil, wide}, .saved = sv};
    Tensor *in[3] = {x, w, bias};
    int shape[3] = {B, Cout, Ly};
    return graph_record(g, transposed ? &OP_CONVT : &OP_CONV, in, bias ? 3 : 2, 3, shape, &args);
}

Tensor *op_conv1d(Graph *g, Tensor *x, Tensor *w, Tensor *bias, int stride, int pad, int dilation) {
    return conv_common(g, x, w, bias, stride, pad, dilation, 0, 0);
}

Tensor *op_conv_transpose1d(Graph *g, Tensor *x, Tensor *w, Tensor *bias, int stride, int pad,
                            int dilation, int output_pad) {
    return conv_common(g, x, w, bias, stride, pad, dilation, output_pad, 1);
}
