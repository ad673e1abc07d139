/* Winograd's minimal filtering for conv1d with kernel 3 and dilation 1, used by ops/conv.c
 * (internal to the ops): F(4, 3) for stride 1, the bulk of a ResNet's convolutions
 * (conv_winograd.c), and for stride 2 a split by phase with F(4, 2) on the outer taps
 * (conv_winograd_s2.c, described there).
 *
 * Four outputs of a 3-tap filter g over a 6-sample tile d need 6 products instead of 12:
 *   y = A^T [(G g) . (B^T d)]
 * With channels, the products become 6 matrix products, one per transform component xi:
 *   M_xi [Cout, tiles] = U_xi [Cout, Cin] . V_xi [Cin, tiles],   U = G w,  V = B^T x-tiles
 * which halves the multiply-adds of the convolution; the backward pass has the same shape:
 *   dM = A dy-tiles,   dU_xi = dM_xi V_xi^T -> dw = G^T dU,   dV_xi = U_xi^T dM_xi -> dx = B dV. */
#ifndef SCAR_CORE_OPS_CONV_WINOGRAD_H
#define SCAR_CORE_OPS_CONV_WINOGRAD_H

#include "core/graph.h"

#define WINOGRAD_ALPHA 6 /* tile length = transform components */
/* The transformed filter both variants keep for the backward pass: [WINOGRAD_PLANES, Cout, Cin]. */
#define WINOGRAD_PLANES 6

/* dw[i] += part[0][i] + part[1][i] + ... (chunk order) for i in [lo, hi); part: [n_chunks][W].
 * The conv paths sum their weight gradient per chunk of samples and add the chunks with this:
 * the same bits whichever thread computed which chunk. */
static inline void add_chunk_partials(real *dw, const real *part, int n_chunks, size_t W, size_t lo, size_t hi) {
    for (int ch = 0; ch < n_chunks; ch++) {
        const real *pc = part + (size_t)ch * W;
#pragma omp simd
        for (size_t i = lo; i < hi; i++) dw[i] += pc[i];
    }
}

/* The geometries they handle. */
static inline int winograd_applies(int K, int stride, int dilation) { return K == 3 && stride == 1 && dilation == 1; }
static inline int winograd_s2_applies(int K, int stride, int dilation) { return K == 3 && stride == 2 && dilation == 1; }

/* x: [B, Cin, L], w: [Cout, Cin, 3], bias: [Cout] or NULL, y: [B, Cout, L + 2 pad - 2] (written).
 * u: [WINOGRAD_ALPHA, Cout, Cin], the transformed filter, written for the backward pass. */
void winograd_conv_forward(Graph *g, const Tensor *x, const Tensor *w, const Tensor *bias, Tensor *y, int pad, real *u);
/* Adds into dx [B, Cin, L] and dw [Cout, Cin, 3] (either may be NULL) from dy [B, Cout, Ly];
 * u as written by the forward pass. */
void winograd_conv_backward(Graph *g, const Tensor *x, const real *u, int Cout, int Ly, const real *dy, int pad,
                            real *dx, real *dw);

/* The same for stride 2: y [B, Cout, (L + 2 pad - 3) / 2 + 1]. */
void winograd_s2_conv_forward(Graph *g, const Tensor *x, const Tensor *w, const Tensor *bias, Tensor *y, int pad, real *u);
void winograd_s2_conv_backward(Graph *g, const Tensor *x, const real *u, int Cout, int Ly, const real *dy, int pad,
                               real *dx, real *dw);

#endif
