/* Kernel-3, stride-2 conv1d (a ResNet's downsampling convolutions) split by phase (see
 * conv_winograd.h). With q[t] = x[2t - pad] and r[t] = x[2t - pad + 1]:
 *   y[t] = W0 q[t] + W2 q[t+1] + W1 r[t]
 * The outer taps form a 2-tap stride-1 filter over q, done with Winograd's F(4, 2) (5 products per
 * 4 outputs instead of 8); the middle tap is one plain product over r. Per output that is
 * 5/4 + 1 = 2.25 multiply-adds per channel pair instead of 3.
 *
 * F(4, 2) with interpolation points 0, 1, -1, 2, infinity:
 *   B^T = [2 -1 -2  1  0]     G = [ 1/2    0  ]     A^T = [1  1  1  1  0]
 *         [0 -2 -1  1  0]         [-1/2 -1/2 ]           [0  1 -1  2  0]
 *         [0  2 -3  1  0]         [-1/6  1/6 ]           [0  1  1  4  0]
 *         [0 -1  0  1  0]         [ 1/6  1/3 ]           [0  1 -1  8  1]
 *         [0  2 -1 -2  1]         [  0    1  ]
 * Tile j covers q[4j .. 4j+4] and yields y[4j .. 4j+3]. Chunks, threads and the weight gradient
 * follow conv_winograd.c. */
#include <string.h>

#include "core/gemm.h"
#include "core/ops/conv_winograd.h"
#include "core/parallel.h"

#define S2_A 5 /* transform components of the outer taps */
#define S2_M 4 /* outputs per tile */

#define S2_CHUNK_ELEMS (1 << 20)
#define S2_CHUNKS_PER_BATCH 8

typedef struct {
    int B, Cin, Cout, L, Ly, pad;
    int T;           /* tiles per sample */
    int nb;          /* samples per chunk */
    int n_chunks;
    size_t ldt, ldy; /* columns of a chunk's tile matrices (nb T) and position matrices (nb Ly) */
} S2Plan;

static S2Plan plan_of(int B, int Cin, int Cout, int L, int Ly, int pad) {
    S2Plan p = {B, Cin, Cout, L, Ly, pad, (Ly + S2_M - 1) / S2_M, 0, 0, 0, 0};
    const int64_t per_sample = ((int64_t)S2_A * p.T + Ly) * (Cin + Cout);
    int nb = (B + S2_CHUNKS_PER_BATCH - 1) / S2_CHUNKS_PER_BATCH;
    if ((int64_t)nb * per_sample > S2_CHUNK_ELEMS) nb = (int)(S2_CHUNK_ELEMS / per_sample);
    p.nb = nb < 1 ? 1 : nb;
    p.n_chunks = (B + p.nb - 1) / p.nb;
    p.ldt = (size_t)p.nb * p.T;
    p.ldy = (size_t)p.nb * Ly;
    return p;
}

/* Per thread: V [A][Cin][ldt], M [A][Cout][ldt], R [Cin][ldy], P [Cout][ldy], a row [8 (T + 2)];
 * dU [A + 1][Cout][Cin] for the weight gradient. */
static size_t thread_scratch(const S2Plan *p, int with_du) {
    return (size_t)S2_A * (p->Cin + p->Cout) * p->ldt + (size_t)(p->Cin + p->Cout) * p->ldy + (size_t)8 * (p->T + 2) +
           (with_du ? (size_t)(S2_A + 1) * p->Cout * p->Cin : 0);
}

/* u [A + 1][Cout][Cin]: planes 0..A-1 = G (W0, W2), plane A = W1, for output channels [lo, hi). */
static void filter_transform(const real *w, int Cout, int Cin, int64_t lo, int64_t hi, real *u) {
    const size_t plane = (size_t)Cout * Cin;
    const real h = (real)0.5, s6 = (real)(1.0 / 6), s3 = (real)(1.0 / 3);
    for (int64_t co = lo; co < hi; co++)
        for (int ci = 0; ci < Cin; ci++) {
            const size_t i = (size_t)co * Cin + ci;
            const real g0 = w[3 * i], g1 = w[3 * i + 2];
            u[i] = h * g0;
            u[plane + i] = -h * (g0 + g1);
            u[2 * plane + i] = s6 * (g1 - g0);
            u[3 * plane + i] = s6 * g0 + s3 * g1;
            u[4 * plane + i] = g1;
            u[5 * plane + i] = w[3 * i + 1];
        }
}

/* dw [Cout, Cin, 3] = (G^T dU_outer, dW1) for one chunk's dU [A + 1][Cout][Cin]. */
static void filter_grad_transform(const real *du, int Cout, int Cin, real *dw) {
    const size_t plane = (size_t)Cout * Cin;
    const real h = (real)0.5, s6 = (real)(1.0 / 6), s3 = (real)(1.0 / 3);
    for (size_t i = 0; i < plane; i++) {
        const real d0 = du[i], d1 = du[plane + i], d2 = du[2 * plane + i], d3 = du[3 * plane + i], d4 = du[4 * plane + i];
        dw[3 * i] = h * (d0 - d1) + s6 * (d3 - d2);
        dw[3 * i + 1] = du[5 * plane + i];
        dw[3 * i + 2] = s6 * d2 + s3 * d3 - h * d1 + d4;
    }
}

/* V_xi[j] = (B^T q)_xi for one tile q[0..4] read with stride `step`. */
static inline void tile_input(const real *q, int step, real *v, size_t vplane, int j) {
    const real q0 = q[0], q1 = q[step], q2 = q[2 * step], q3 = q[3 * step], q4 = q[4 * step];
    v[j] = 2 * (q0 - q2) - q1 + q3;
    v[vplane + j] = -2 * q1 - q2 + q3;
    v[2 * vplane + j] = 2 * q1 - 3 * q2 + q3;
    v[3 * vplane + j] = q3 - q1;
    v[4 * vplane + j] = 2 * (q1 - q3) - q2 + q4;
}

/* The positions t in [0, n) whose x[2t - pad + phase] lies inside the row: [*lo, *hi). */
static void phase_range(const S2Plan *p, int phase, int n, int *lo, int *hi) {
    const int first = p->pad - phase, last = p->L - 1 + p->pad - phase; /* 2t >= first, 2t <= last */
    *lo = first <= 0 ? 0 : (first + 1) / 2;
    *hi = last < 0 ? 0 : last / 2 + 1;
    if (*hi > n) *hi = n;
    if (*lo > *hi) *lo = *hi;
}

/* One input row x [L]: the outer-tap tiles into V (tile j reads x[8j - pad + 2r], r < 5) and the
 * middle-tap row r[t] = x[2t - pad + 1] into R. */
static void input_transform(const real *x, const S2Plan *p, real *v, size_t vplane, real *r) {
    const int T = p->T, L = p->L, pad = p->pad;
    int lo = (pad + 7) / 8, hi = L - 9 + pad >= 0 ? (L - 9 + pad) / 8 + 1 : 0;
    if (hi > T) hi = T;
    if (lo > hi) lo = hi;
#pragma omp simd
    for (int j = lo; j < hi; j++) tile_input(x + 8 * j - pad, 2, v, vplane, j);
    for (int j = 0; j < T; j++) {
        if (j == lo) j = hi;
        if (j >= T) break;
        real q[S2_A];
        for (int k = 0; k < S2_A; k++) {
            const int i = 8 * j - pad + 2 * k;
            q[k] = i >= 0 && i < L ? x[i] : 0;
        }
        tile_input(q, 1, v, vplane, j);
    }
    int r_lo, r_hi; /* r[t] = x[2t - pad + 1] inside the row for t in [r_lo, r_hi) */
    phase_range(p, 1, p->Ly, &r_lo, &r_hi);
    for (int t = 0; t < r_lo; t++) r[t] = 0;
#pragma omp simd
    for (int t = r_lo; t < r_hi; t++) r[t] = x[2 * t - pad + 1];
    for (int t = r_hi; t < p->Ly; t++) r[t] = 0;
}

/* y[0..n) of one tile = (A^T m_j) + middle + bias. */
static inline void tile_output(const real *m, size_t mplane, int j, const real *middle, real bias, real *y, int n) {
    const real m0 = m[j], m1 = m[mplane + j], m2 = m[2 * mplane + j], m3 = m[3 * mplane + j], m4 = m[4 * mplane + j];
    const real a = m1 + m2, b = m1 - m2;
    const real out[S2_M] = {m0 + a + m3, b + 2 * m3, a + 4 * m3, b + 8 * m3 + m4};
    for (int i = 0; i < n; i++) y[i] = out[i] + middle[i] + bias;
}

/* One output row: y[4j + i] = (A^T m_j)_i + middle[4j + i] + bias for 4j + i < Ly. */
static void output_transform(const real *m, size_t mplane, const real *middle, const S2Plan *p, real bias, real *y) {
    const int full = p->Ly / S2_M;
#pragma omp simd
    for (int j = 0; j < full; j++) tile_output(m, mplane, j, middle + S2_M * j, bias, y + S2_M * j, S2_M);
    if (full < p->T) tile_output(m, mplane, full, middle + S2_M * full, bias, y + S2_M * full, p->Ly - S2_M * full);
}

/* dM_xi[j] = (A d)_xi for one tile of output gradients d[0..3]. */
static inline void tile_grad_output(const real *d, real *dm, size_t mplane, int j) {
    dm[j] = d[0];
    dm[mplane + j] = d[0] + d[1] + d[2] + d[3];
    dm[2 * mplane + j] = d[0] - d[1] + d[2] - d[3];
    dm[3 * mplane + j] = d[0] + 2 * d[1] + 4 * d[2] + 8 * d[3];
    dm[4 * mplane + j] = d[3];
}

/* One output-gradient row dy [Ly] -> dM_xi[j] = (A dy_j)_xi and the row itself into dyc. */
static void grad_output_transform(const real *dy, const S2Plan *p, real *dm, size_t mplane, real *dyc) {
    memcpy(dyc, dy, (size_t)p->Ly * sizeof(real));
    const int full = p->Ly / S2_M;
#pragma omp simd
    for (int j = 0; j < full; j++) tile_grad_output(dy + S2_M * j, dm, mplane, j);
    if (full < p->T) {
        real d[S2_M] = {0};
        for (int i = 0; i < p->Ly - S2_M * full; i++) d[i] = dy[S2_M * full + i];
        tile_grad_output(d, dm, mplane, full);
    }
}

/* One input-gradient row: dx[2t - pad] += (B dV) over the outer-tap positions q (tiles overlap by
 * one), dx[2t - pad + 1] += dr[t]. buf: [8 (T + 2)]. */
static void grad_input_transform(const real *dv, size_t vplane, const real *dr, const S2Plan *p, real *buf, real *dx) {
    const int T = p->T, pad = p->pad;
    real *dq = buf; /* [4 T + 1] */
    dq[0] = 0;
    for (int j = 0; j < T; j++) {
        const real v0 = dv[j], v1 = dv[vplane + j], v2 = dv[2 * vplane + j], v3 = dv[3 * vplane + j], v4 = dv[4 * vplane + j];
        dq[S2_M * j] += 2 * v0;
        dq[S2_M * j + 1] = 2 * (v2 + v4 - v1) - v0 - v3;
        dq[S2_M * j + 2] = -2 * v0 - v1 - 3 * v2 - v4;
        dq[S2_M * j + 3] = v0 + v1 + v2 + v3 - 2 * v4;
        dq[S2_M * j + 4] = v4;
    }
    int lo, hi;
    phase_range(p, 0, S2_M * T + 1, &lo, &hi);
#pragma omp simd
    for (int t = lo; t < hi; t++) dx[2 * t - pad] += dq[t];
    phase_range(p, 1, p->Ly, &lo, &hi);
#pragma omp simd
    for (int t = lo; t < hi; t++) dx[2 * t - pad + 1] += dr[t];
}

void winograd_s2_conv_forward(Graph *g, const Tensor *x, const Tensor *w, const Tensor *bias, Tensor *y, int pad, real *u) {
    const int B = x->shape[0], Cin = x->shape[1], L = x->shape[2], Cout = y->shape[1], Ly = y->shape[2];
    const S2Plan p = plan_of(B, Cin, Cout, L, Ly, pad);
    const int nt = engine_threads();
    const size_t per_thread = thread_scratch(&p, 0), uplane = (size_t)Cout * Cin;
    const size_t vplane = (size_t)Cin * p.ldt, mplane = (size_t)Cout * p.ldt;
    ArenaMark mark = arena_mark(g->arena);
    real *scratch = graph_alloc(g, (size_t)nt * per_thread * sizeof(real));
#pragma omp parallel num_threads(nt)
    {
        int64_t lo, hi;
        thread_share(Cout, &lo, &hi);
        filter_transform(w->data, Cout, Cin, lo, hi, u);
#pragma omp barrier
        real *V = scratch + (size_t)omp_get_thread_num() * per_thread, *M = V + S2_A * vplane;
        real *R = M + S2_A * mplane, *P = R + (size_t)Cin * p.ldy;
#pragma omp for schedule(dynamic, 1)
        for (int ch = 0; ch < p.n_chunks; ch++) {
            const int b0 = ch * p.nb, m = B - b0 < p.nb ? B - b0 : p.nb;
            for (int s = 0; s < m; s++)
                for (int c = 0; c < Cin; c++)
                    input_transform(x->data + ((size_t)(b0 + s) * Cin + c) * L, &p, V + (size_t)c * p.ldt + (size_t)s * p.T,
                                    vplane, R + (size_t)c * p.ldy + (size_t)s * Ly);
            for (int xi = 0; xi < S2_A; xi++)
                gemm_serial(0, 0, Cout, m * p.T, Cin, 1, u + xi * uplane, Cin, V + xi * vplane, (int)p.ldt, 0, M + xi * mplane,
                            (int)p.ldt);
            gemm_serial(0, 0, Cout, m * Ly, Cin, 1, u + S2_A * uplane, Cin, R, (int)p.ldy, 0, P, (int)p.ldy);
            for (int s = 0; s < m; s++)
                for (int c = 0; c < Cout; c++)
                    output_transform(M + (size_t)c * p.ldt + (size_t)s * p.T, mplane, P + (size_t)c * p.ldy + (size_t)s * Ly, &p,
                                     bias ? bias->data[c] : 0, y->data + ((size_t)(b0 + s) * Cout + c) * Ly);
        }
    }
    arena_reset_to(g->arena, mark);
}

void winograd_s2_conv_backward(Graph *g, const Tensor *x, const real *u, int Cout, int Ly, const real *dy, int pad,
                               real *dx, real *dw) {
    const int B = x->shape[0], Cin = x->shape[1], L = x->shape[2];
    const S2Plan p = plan_of(B, Cin, Cout, L, Ly, pad);
    const int nt = engine_threads();
    const size_t per_thread = thread_scratch(&p, dw != NULL), uplane = (size_t)Cout * Cin, W = uplane * 3;
    const size_t vplane = (size_t)Cin * p.ldt, mplane = (size_t)Cout * p.ldt;
    ArenaMark mark = arena_mark(g->arena);
    real *scratch = graph_alloc(g, (size_t)nt * per_thread * sizeof(real));
    real *dw_part = dw ? graph_alloc(g, (size_t)p.n_chunks * W * sizeof(real)) : NULL; /* [n_chunks][W] */
#pragma omp parallel num_threads(nt)
    {
        real *V = scratch + (size_t)omp_get_thread_num() * per_thread, *dM = V + S2_A * vplane;
        real *R = dM + S2_A * mplane, *dYc = R + (size_t)Cin * p.ldy, *row = dYc + (size_t)Cout * p.ldy;
        real *dU = row + (size_t)8 * (p.T + 2);
#pragma omp for schedule(dynamic, 1)
        for (int ch = 0; ch < p.n_chunks; ch++) {
            const int b0 = ch * p.nb, m = B - b0 < p.nb ? B - b0 : p.nb;
            for (int s = 0; s < m; s++)
                for (int c = 0; c < Cout; c++)
                    grad_output_transform(dy + ((size_t)(b0 + s) * Cout + c) * Ly, &p, dM + (size_t)c * p.ldt + (size_t)s * p.T,
                                          mplane, dYc + (size_t)c * p.ldy + (size_t)s * Ly);
            if (dw) { /* dU_xi = dM_xi . V_xi^T (outer taps), dW1 = dY . R^T (middle tap) */
                for (int s = 0; s < m; s++)
                    for (int c = 0; c < Cin; c++)
                        input_transform(x->data + ((size_t)(b0 + s) * Cin + c) * L, &p, V + (size_t)c * p.ldt + (size_t)s * p.T,
                                        vplane, R + (size_t)c * p.ldy + (size_t)s * Ly);
                for (int xi = 0; xi < S2_A; xi++)
                    gemm_serial(0, 1, Cout, Cin, m * p.T, 1, dM + xi * mplane, (int)p.ldt, V + xi * vplane, (int)p.ldt, 0,
                                dU + xi * uplane, Cin);
                gemm_serial(0, 1, Cout, Cin, m * Ly, 1, dYc, (int)p.ldy, R, (int)p.ldy, 0, dU + S2_A * uplane, Cin);
                filter_grad_transform(dU, Cout, Cin, dw_part + (size_t)ch * W);
            }
            if (dx) { /* dV_xi = U_xi^T dM_xi in V's place, dR = W1^T dY in R's place */
                for (int xi = 0; xi < S2_A; xi++)
                    gemm_serial(1, 0, Cin, m * p.T, Cout, 1, u + xi * uplane, Cin, dM + xi * mplane, (int)p.ldt, 0, V + xi * vplane,
                                (int)p.ldt);
                gemm_serial(1, 0, Cin, m * Ly, Cout, 1, u + S2_A * uplane, Cin, dYc, (int)p.ldy, 0, R, (int)p.ldy);
                for (int s = 0; s < m; s++)
                    for (int c = 0; c < Cin; c++)
                        grad_input_transform(V + (size_t)c * p.ldt + (size_t)s * p.T, vplane, R + (size_t)c * p.ldy + (size_t)s * Ly,
                                             &p, row, dx + ((size_t)(b0 + s) * Cin + c) * L);
            }
        }
        if (dw) {
#pragma omp barrier
            int64_t lo, hi;
            thread_share((int64_t)W, &lo, &hi);
            add_chunk_partials(dw, dw_part, p.n_chunks, W, (size_t)lo, (size_t)hi);
        }
    }
    arena_reset_to(g->arena, mark);
}
