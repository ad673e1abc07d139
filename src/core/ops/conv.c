/* 1-D convolution and transposed convolution through im2col + GEMM.
 *
 * Geometry shared by both: a "wide" signal of length Lw and a "narrow" one of length Ln with
 *   Ln = (Lw + 2*pad - dilation*(K-1) - 1) / stride + 1.
 * im2col turns a wide [C, Lw] into columns [C*K, Ln]; col2im adds columns back into [C, Lw].
 * conv1d:           y[b] = W[Cout, Cin*K] . im2col(x[b])            (x wide, y narrow)
 * conv_transpose1d: y[b] = col2im(W[Cin, Cout*K]^T . x[b])          (x narrow, y wide)
 * and each one's backward is built from the other's pieces. */
#include <string.h>

#include "core/gemm.h"
#include "core/ops.h"
#include "core/parallel.h"

typedef struct {
    int K, stride, pad, dil, Lw, Ln;
} ConvGeom;

static void im2col(const real *x, int C, const ConvGeom *g, real *col) {
    for (int c = 0; c < C; c++)
        for (int k = 0; k < g->K; k++) {
            real *dst = col + ((size_t)c * g->K + k) * g->Ln;
            const real *src = x + (size_t)c * g->Lw;
            for (int t = 0; t < g->Ln; t++) {
                int p = t * g->stride - g->pad + k * g->dil;
                dst[t] = (p >= 0 && p < g->Lw) ? src[p] : 0;
            }
        }
}

static void col2im_add(const real *col, int C, const ConvGeom *g, real *x) {
    for (int c = 0; c < C; c++)
        for (int k = 0; k < g->K; k++) {
            const real *src = col + ((size_t)c * g->K + k) * g->Ln;
            real *dst = x + (size_t)c * g->Lw;
            for (int t = 0; t < g->Ln; t++) {
                int p = t * g->stride - g->pad + k * g->dil;
                if (p >= 0 && p < g->Lw) dst[p] += src[t];
            }
        }
}

/* iarg: 0 B, 1 Cin, 2 Cout, 3 K, 4 stride, 5 pad, 6 dilation, 7 wide length (input for conv,
 * output for transposed); farg[0]: 1 for transposed. saved: per-thread column buffers and
 * weight-gradient partials. */
typedef struct {
    real *cols;     /* [threads][Cwide*K, Ln] */
    real *dw_part;  /* [threads][w numel], for the backward */
} ConvSaved;

static ConvGeom geom_of(const Node *n, int narrow_len) {
    ConvGeom g = {n->iarg[3], n->iarg[4], n->iarg[5], n->iarg[6], n->iarg[7], narrow_len};
    return g;
}

static void conv_forward(Node *n) {
    const int transposed = n->farg[0] != 0;
    const Tensor *x = n->in[0], *w = n->in[1], *bias = n->n_in > 2 ? n->in[2] : NULL;
    const int B = n->iarg[0], Cin = n->iarg[1], Cout = n->iarg[2], K = n->iarg[3];
    const int Lx = x->shape[2], Ly = n->out->shape[2];
    const ConvGeom geo = geom_of(n, transposed ? Lx : Ly);
    const ConvSaved *sv = n->saved;
    const size_t col_size = (size_t)(transposed ? Cout : Cin) * K * geo.Ln;
#pragma omp parallel for schedule(static) num_threads(engine_threads())
    for (int b = 0; b < B; b++) {
        real *col = sv->cols + (size_t)omp_get_thread_num() * col_size;
        const real *xb = x->data + (size_t)b * Cin * Lx;
        real *yb = n->out->data + (size_t)b * Cout * Ly;
        if (!transposed) {
            im2col(xb, Cin, &geo, col);
            gemm_serial(0, 0, Cout, Ly, Cin * K, 1, w->data, Cin * K, col, Ly, 0, yb, Ly);
        } else {
            gemm_serial(1, 0, Cout * K, Lx, Cin, 1, w->data, Cout * K, xb, Lx, 0, col, Lx);
            memset(yb, 0, (size_t)Cout * Ly * sizeof(real));
            col2im_add(col, Cout, &geo, yb);
        }
        if (bias)
            for (int c = 0; c < Cout; c++)
                for (int t = 0; t < Ly; t++) yb[(size_t)c * Ly + t] += bias->data[c];
    }
}

static void conv_backward(Graph *g, Node *n) {
    const int transposed = n->farg[0] != 0;
    Tensor *x = n->in[0], *w = n->in[1], *bias = n->n_in > 2 ? n->in[2] : NULL;
    const int B = n->iarg[0], Cin = n->iarg[1], Cout = n->iarg[2], K = n->iarg[3];
    const int Lx = x->shape[2], Ly = n->out->shape[2];
    const ConvGeom geo = geom_of(n, transposed ? Lx : Ly);
    const ConvSaved *sv = n->saved;
    const size_t col_size = (size_t)(transposed ? Cout : Cin) * K * geo.Ln;
    const int nt = engine_threads();
    const real *dy = n->out->grad;
    real *dx = x->requires_grad ? tensor_grad(g, x) : NULL;
    const int want_dw = w->requires_grad;
    if (want_dw) memset(sv->dw_part, 0, (size_t)nt * w->numel * sizeof(real));
#pragma omp parallel num_threads(nt)
    {
        const int t = omp_get_thread_num();
        real *col = sv->cols + (size_t)t * col_size, *dwp = sv->dw_part + (size_t)t * w->numel;
        int64_t lo, hi;
        thread_share(B, &lo, &hi);
        for (int64_t b = lo; b < hi; b++) {
            const real *xb = x->data + (size_t)b * Cin * Lx, *dyb = dy + (size_t)b * Cout * Ly;
            real *dxb = dx ? dx + (size_t)b * Cin * Lx : NULL;
            if (!transposed) {
                if (want_dw) { /* dW += dy . im2col(x)^T */
                    im2col(xb, Cin, &geo, col);
                    gemm_serial(0, 1, Cout, Cin * K, Ly, 1, dyb, Ly, col, Ly, 1, dwp, Cin * K);
                }
                if (dxb) { /* dx += col2im(W^T . dy) */
                    gemm_serial(1, 0, Cin * K, Ly, Cout, 1, w->data, Cin * K, dyb, Ly, 0, col, Ly);
                    col2im_add(col, Cin, &geo, dxb);
                }
            } else {
                im2col(dyb, Cout, &geo, col); /* [Cout*K, Lx] */
                if (want_dw) gemm_serial(0, 1, Cin, Cout * K, Lx, 1, xb, Lx, col, Lx, 1, dwp, Cout * K);
                if (dxb) gemm_serial(0, 0, Cin, Lx, Cout * K, 1, w->data, Cout * K, col, Lx, 1, dxb, Lx);
            }
        }
    }
    if (want_dw) {
        real *dw = tensor_grad(g, w);
        for (int t = 0; t < nt; t++) {
            const real *p = sv->dw_part + (size_t)t * w->numel;
            for (int64_t i = 0; i < w->numel; i++) dw[i] += p[i];
        }
    }
    if (bias && bias->requires_grad) {
        real *db = tensor_grad(g, bias);
        for (int b = 0; b < B; b++)
            for (int c = 0; c < Cout; c++) {
                const real *r = dy + ((size_t)b * Cout + c) * Ly;
                real s = 0;
                for (int t = 0; t < Ly; t++) s += r[t];
                db[c] += s;
            }
    }
}

static const OpInfo OP_CONV = {"conv1d", conv_forward, conv_backward, 0};

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
    const int narrow = transposed ? L : Ly, nt = engine_threads();
    ConvSaved *sv = graph_alloc(g, sizeof *sv);
    sv->cols = graph_alloc(g, (size_t)nt * (transposed ? Cout : Cin) * K * narrow * sizeof(real));
    sv->dw_part = graph_alloc(g, (size_t)nt * w->numel * sizeof(real));
    Node args = {.iarg = {B, Cin, Cout, K, stride, pad, dil, wide}, .farg = {transposed}, .saved = sv};
    Tensor *in[3] = {x, w, bias};
    int shape[3] = {B, Cout, Ly};
    return graph_record(g, &OP_CONV, in, bias ? 3 : 2, 3, shape, &args);
}

Tensor *op_conv1d(Graph *g, Tensor *x, Tensor *w, Tensor *bias, int stride, int pad, int dilation) {
    return conv_common(g, x, w, bias, stride, pad, dilation, 0, 0);
}

Tensor *op_conv_transpose1d(Graph *g, Tensor *x, Tensor *w, Tensor *bias, int stride, int pad,
                            int dilation, int output_pad) {
    return conv_common(g, x, w, bias, stride, pad, dilation, output_pad, 1);
}
