/* Winograd's minimal filtering F(4, 3) for conv1d with kernel 3, stride 1 and dilation 1 (the
 * bulk of a ResNet's convolutions), used by ops/conv.c. Internal to the ops.
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

/* The geometries it handles. */
static inline int winograd_applies(int K, int stride, int dilation) { return K == 3 && stride == 1 && dilation == 1; }

/* x: [B, Cin, L], w: [Cout, Cin, 3], bias: [Cout] or NULL, y: [B, Cout, L + 2 pad - 2] (written).
 * u: [WINOGRAD_ALPHA, Cout, Cin], the transformed filter, written for the backward pass. */
void winograd_conv_forward(Graph *g, const Tensor *x, const Tensor *w, const Tensor *bias, Tensor *y, int pad, real *u);
/* Adds into dx [B, Cin, L] and dw [Cout, Cin, 3] (either may be NULL) from dy [B, Cout, Ly];
 * u as written by the forward pass. */
void winograd_conv_backward(Graph *g, const Tensor *x, const real *u, int Cout, int Ly, const real *dy, int pad,
                            real *dx, real *dw);

#endif
