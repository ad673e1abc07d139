/* Winograd F(4, 3) convolution (see conv_winograd.h). The transform matrices (Lavin & Gray 2015,
 * interpolation points 0, +-1, +-2, infinity):
 *
 *   B^T = [4  0 -5  0  1  0]     G = [ 1/4     0     0 ]     A^T = [1  1  1  1  1  0]
 *         [0 -4 -4  1  1  0]         [-1/6  -1/6  -1/6 ]           [0  1 -1  2 -2  0]
 *         [0  4 -4 -1  1  0]         [-1/6   1/6  -1/6 ]           [0  1  1  4  4  0]
 *         [0 -2 -1  2  1  0]         [1/24  1/12   1/6 ]           [0  1 -1  8 -8  1]
 *         [0  2 -1 -2  1  0]         [1/24 -1/12   1/6 ]
 *         [0  4  0 -5  0  1]         [ 0      0     1  ]
 *
 * Tile j of a sample covers padded positions 4j .. 4j+5 and yields outputs 4j .. 4j+3. A chunk of
 * nb samples keeps its transformed inputs as WINOGRAD_ALPHA matrices V_xi [Cin, nb*T] (column
 * s*T + j), so each component is one GEMM over the whole chunk. Like the im2col path, chunks are
 * handed to threads dynamically and the weight gradient is summed per chunk, then in chunk order. */
#include "core/ops/conv_winograd.h"

#include <string.h>

#include "core/gemm.h"
#include "core/parallel.h"

#define WG_A WINOGRAD_ALPHA
#define WG_M 4 /* outputs per tile */

#define WINO_CHUNK_ELEMS (1 << 20) /* transformed values per chunk, inputs and outputs together */
#define WINO_CHUNKS_PER_BATCH 8

typedef struct {
    int B, Cin, Cout, L, Ly, pad;
    int T;        /* tiles per sample */
    int nb;       /* samples per chunk */
    int n_chunks;
    size_t ldn;   /* columns of a chunk's matrices: nb * T */
} WinoPlan;

static WinoPlan plan_of(int B, int Cin, int Cout, int L, int Ly, int pad) {
    WinoPlan p = {B, Cin, Cout, L, Ly, pad, (Ly + WG_M - 1) / WG_M, 0, 0, 0};
    const int64_t per_sample = (int64_t)WG_A * (Cin + Cout) * p.T;
    int nb = (B + WINO_CHUNKS_PER_BATCH - 1) / WINO_CHUNKS_PER_BATCH;
    if ((int64_t)nb * per_sample > WINO_CHUNK_ELEMS) nb = (int)(WINO_CHUNK_ELEMS / per_sample);
    p.nb = nb < 1 ? 1 : nb;
    p.n_chunks = (B + p.nb - 1) / p.nb;
    p.ldn = (size_t)p.nb * p.T;
    return p;
}

/* Scratch per thread: V [A][Cin][ldn], M [A][Cout][ldn], and dU [A][Cout][Cin] when the weight
 * gradient is wanted. */
static size_t thread_scratch(const WinoPlan *p, int with_du) {
    return (size_t)WG_A * (p->Cin + p->Cout) * p->ldn + (with_du ? (size_t)WG_A * p->Cout * p->Cin : 0);
}

/* u [A][Cout][Cin] = G w for the filters of output channels [lo, hi). */
static void filter_transform(const real *w, int Cout, int Cin, int64_t lo, int64_t hi, real *u) {
    const size_t plane = (size_t)Cout * Cin;
    const real q4 = (real)0.25, s6 = (real)(1.0 / 6), s12 = (real)(1.0 / 12), s24 = (real)(1.0 / 24);
    for (int64_t co = lo; co < hi; co++)
        for (int ci = 0; ci < Cin; ci++) {
            const size_t i = (size_t)co * Cin + ci;
            const real w0 = w[3 * i], w1 = w[3 * i + 1], w2 = w[3 * i + 2];
            u[i] = q4 * w0;
            u[plane + i] = -s6 * (w0 + w1 + w2);
            u[2 * plane + i] = -s6 * (w0 - w1 + w2);
            u[3 * plane + i] = s24 * w0 + s12 * w1 + s6 * w2;
            u[4 * plane + i] = s24 * w0 - s12 * w1 + s6 * w2;
            u[5 * plane + i] = w2;
        }
}

/* dw [Cout, Cin, 3] = G^T dU for one chunk's dU [A][Cout][Cin]. */
static void filter_grad_transform(const real *du, int Cout, int Cin, real *dw) {
    const size_t plane = (size_t)Cout * Cin;
    const real q4 = (real)0.25, s6 = (real)(1.0 / 6), s12 = (real)(1.0 / 12), s24 = (real)(1.0 / 24);
    for (size_t i = 0; i < plane; i++) {
        const real d0 = du[i], d1 = du[plane + i], d2 = du[2 * plane + i], d3 = du[3 * plane + i],
                   d4 = du[4 * plane + i], d5 = du[5 * plane + i];
        dw[3 * i] = q4 * d0 - s6 * (d1 + d2) + s24 * (d3 + d4);
        dw[3 * i + 1] = s6 * (d2 - d1) + s12 * (d3 - d4);
        dw[3 * i + 2] = s6 * (d3 + d4 - d1 - d2) + d5;
    }
}

/* V_xi[j] = (B^T d)_xi for one tile d[0..5]. */
static inline void tile_input(const real *d, real *v, size_t vplane, int j) {
    const real d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4], d5 = d[5];
    v[j] = 4 * d0 - 5 * d2 + d4;
    v[vplane + j] = -4 * (d1 + d2) + d3 + d4;
    v[2 * vplane + j] = 4 * (d1 - d2) - d3 + d4;
    v[3 * vplane + j] = 2 * (d3 - d1) - d2 + d4;
    v[4 * vplane + j] = 2 * (d1 - d3) - d2 + d4;
    v[5 * vplane + j] = 4 * d1 - 5 * d3 + d5;
}

/* The tiles [*lo, *hi) of a row that lie wholly inside it (tile j reads positions 4j - pad ..
 * 4j - pad + span - 1 of a row of n values); the others are padded by hand. */
static void inner_tiles(int T, int pad, int span, int n, int *lo, int *hi) {
    *lo = (pad + WG_M - 1) / WG_M;
    *hi = n - span + pad >= 0 ? (n - span + pad) / WG_M + 1 : 0;
    if (*hi > T) *hi = T;
    if (*lo > *hi) *lo = *hi;
}

/* One input row x [L] -> V_xi[j] = (B^T d_j)_xi at v + xi*vplane + j, for j < T. */
static void input_transform(const real *x, const WinoPlan *p, real *v, size_t vplane) {
    int lo, hi;
    inner_tiles(p->T, p->pad, WG_A, p->L, &lo, &hi);
#pragma omp simd
    for (int j = lo; j < hi; j++) tile_input(x + WG_M * j - p->pad, v, vplane, j);
    for (int j = 0; j < p->T; j++) {
        if (j == lo) j = hi; /* the edge tiles, with zeros outside the row */
        if (j >= p->T) break;
        real d[WG_A];
        for (int r = 0; r < WG_A; r++) {
            const int i = WG_M * j - p->pad + r;
            d[r] = i >= 0 && i < p->L ? x[i] : 0;
        }
        tile_input(d, v, vplane, j);
    }
}

/* y[0..n) of one tile = (A^T m_j) + bias. */
static inline void tile_output(const real *m, size_t mplane, int j, real bias, real *y, int n) {
    const real m0 = m[j], m1 = m[mplane + j], m2 = m[2 * mplane + j], m3 = m[3 * mplane + j],
               m4 = m[4 * mplane + j], m5 = m[5 * mplane + j];
    const real a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4;
    const real out[WG_M] = {m0 + a + c, b + 2 * d, a + 4 * c, b + 8 * d + m5};
    for (int i = 0; i < n; i++) y[i] = out[i] + bias;
}

/* One output row: y[4j + i] = (A^T m_j)_i + bias for 4j + i < Ly. */
static void output_transform(const real *m, size_t mplane, const WinoPlan *p, real bias, real *y) {
    const int full = p->Ly / WG_M;
#pragma omp simd
    for (int j = 0; j < full; j++) tile_output(m, mplane, j, bias, y + WG_M * j, WG_M);
    if (full < p->T) tile_output(m, mplane, full, bias, y + WG_M * full, p->Ly - WG_M * full);
}

/* dM_xi[j] = (A d)_xi for one tile of output gradients d[0..3]. */
static inline void tile_grad_output(const real *d, real *dm, size_t mplane, int j) {
    const real d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3];
    const real e = d0 + d2, o = d1 + d3, e4 = d0 + 4 * d2, o8 = 2 * d1 + 8 * d3;
    dm[j] = d0;
    dm[mplane + j] = e + o;
    dm[2 * mplane + j] = e - o;
    dm[3 * mplane + j] = e4 + o8;
    dm[4 * mplane + j] = e4 - o8;
    dm[5 * mplane + j] = d3;
}

/* One output-gradient row dy [Ly] -> dM_xi[j] = (A dy_j)_xi. */
static void grad_output_transform(const real *dy, const WinoPlan *p, real *dm, size_t mplane) {
    const int full = p->Ly / WG_M;
#pragma omp simd
    for (int j = 0; j < full; j++) tile_grad_output(dy + WG_M * j, dm, mplane, j);
    if (full < p->T) {
        real d[WG_M] = {0};
        for (int i = 0; i < p->Ly - WG_M * full; i++) d[i] = dy[WG_M * full + i];
        tile_grad_output(d, dm, mplane, full);
    }
}

/* The gradient of the 4 padded positions 4j .. 4j+3 (j <= T): positions 0-3 of tile j plus
 * positions 4-5 of tile j-1 (tiles overlap by two), from dV = U^T dM:
 *   (B dv)_0 = 4 v0                          (B dv)_3 = v1 - v2 + 2 (v3 - v4) - 5 v5
 *   (B dv)_1 = 4 (v2 - v1 + v5) + 2 (v4 - v3) (B dv)_4 = v0 + v1 + v2 + v3 + v4
 *   (B dv)_2 = -5 v0 - 4 (v1 + v2) - v3 - v4  (B dv)_5 = v5 */
static inline void tile_grad_input(const real *dv, size_t vplane, int j, int T, real out[WG_M]) {
    out[0] = out[1] = out[2] = out[3] = 0;
    if (j < T) {
        const real v0 = dv[j], v1 = dv[vplane + j], v2 = dv[2 * vplane + j], v3 = dv[3 * vplane + j],
                   v4 = dv[4 * vplane + j], v5 = dv[5 * vplane + j];
        out[0] = 4 * v0;
        out[1] = 4 * (v2 - v1 + v5) + 2 * (v4 - v3);
        out[2] = -5 * v0 - 4 * (v1 + v2) - v3 - v4;
        out[3] = v1 - v2 + 2 * (v3 - v4) - 5 * v5;
    }
    if (j > 0) {
        const int k = j - 1;
        out[0] += dv[k] + dv[vplane + k] + dv[2 * vplane + k] + dv[3 * vplane + k] + dv[4 * vplane + k];
        out[1] += dv[5 * vplane + k];
    }
}

/* One input-gradient row: dx[4j + q - pad] += the gradient of padded position 4j + q. */
static void grad_input_transform(const real *dv, size_t vplane, const WinoPlan *p, real *dx) {
    const int T = p->T, pad = p->pad;
    int lo, hi; /* position blocks j whose 4 positions all lie inside the row */
    inner_tiles(T + 1, pad, WG_M, p->L, &lo, &hi);
    if (lo == 0 && hi > 0) lo = 1; /* block 0 has no tile before it: done by hand */
    if (hi > T) hi = T;            /* block T has no tile of its own: done by hand */
    if (lo > hi) lo = hi;
#pragma omp simd
    for (int j = lo; j < hi; j++) {
        const real *a = dv + j, *b = dv + j - 1;
        real *d = dx + WG_M * j - pad;
        d[0] += 4 * a[0] + b[0] + b[vplane] + b[2 * vplane] + b[3 * vplane] + b[4 * vplane];
        d[1] += 4 * (a[2 * vplane] - a[vplane] + a[5 * vplane]) + 2 * (a[4 * vplane] - a[3 * vplane]) + b[5 * vplane];
        d[2] += -5 * a[0] - 4 * (a[vplane] + a[2 * vplane]) - a[3 * vplane] - a[4 * vplane];
        d[3] += a[vplane] - a[2 * vplane] + 2 * (a[3 * vplane] - a[4 * vplane]) - 5 * a[5 * vplane];
    }
    for (int j = 0; j <= T; j++) {
        if (j == lo) j = hi;
        if (j > T) break;
        real g[WG_M];
        tile_grad_input(dv, vplane, j, T, g);
        for (int q = 0; q < WG_M; q++) {
            const int i = WG_M * j + q - pad;
            if (i >= 0 && i < p->L) dx[i] += g[q];
        }
    }
}

void winograd_conv_forward(Graph *g, const Tensor *x, const Tensor *w, const Tensor *bias, Tensor *y, int pad, real *u) {
    const int B = x->shape[0], Cin = x->shape[1], L = x->shape[2], Cout = y->shape[1], Ly = y->shape[2];
    const WinoPlan p = plan_of(B, Cin, Cout, L, Ly, pad);
    const int nt = engine_threads();
    const size_t per_thread = thread_scratch(&p, 0);
    const size_t vplane = (size_t)Cin * p.ldn, mplane = (size_t)Cout * p.ldn;
    ArenaMark mark = arena_mark(g->arena);
    real *scratch = graph_alloc(g, (size_t)nt * per_thread * sizeof(real));
#pragma omp parallel num_threads(nt)
    {
        int64_t lo, hi;
        thread_share(Cout, &lo, &hi);
        filter_transform(w->data, Cout, Cin, lo, hi, u);
#pragma omp barrier
        real *V = scratch + (size_t)omp_get_thread_num() * per_thread, *M = V + (size_t)WG_A * vplane;
#pragma omp for schedule(dynamic, 1)
        for (int ch = 0; ch < p.n_chunks; ch++) {
            const int b0 = ch * p.nb, m = B - b0 < p.nb ? B - b0 : p.nb, N = m * p.T;
            for (int s = 0; s < m; s++)
                for (int c = 0; c < Cin; c++)
                    input_transform(x->data + ((size_t)(b0 + s) * Cin + c) * L, &p, V + (size_t)c * p.ldn + (size_t)s * p.T, vplane);
            for (int xi = 0; xi < WG_A; xi++) /* M_xi [Cout, N] = U_xi [Cout, Cin] . V_xi [Cin, N] */
                gemm_serial(0, 0, Cout, N, Cin, 1, u + (size_t)xi * Cout * Cin, Cin, V + xi * vplane, (int)p.ldn, 0,
                            M + xi * mplane, (int)p.ldn);
            for (int s = 0; s < m; s++)
                for (int c = 0; c < Cout; c++)
                    output_transform(M + (size_t)c * p.ldn + (size_t)s * p.T, mplane, &p, bias ? bias->data[c] : 0,
                                     y->data + ((size_t)(b0 + s) * Cout + c) * Ly);
        }
    }
    arena_reset_to(g->arena, mark);
}

void winograd_conv_backward(Graph *g, const Tensor *x, const real *u, int Cout, int Ly, const real *dy, int pad,
                            real *dx, real *dw) {
    const int B = x->shape[0], Cin = x->shape[1], L = x->shape[2];
    const WinoPlan p = plan_of(B, Cin, Cout, L, Ly, pad);
    const int nt = engine_threads();
    const size_t per_thread = thread_scratch(&p, dw != NULL);
    const size_t vplane = (size_t)Cin * p.ldn, mplane = (size_t)Cout * p.ldn, W = (size_t)Cout * Cin * 3;
    ArenaMark mark = arena_mark(g->arena);
    real *scratch = graph_alloc(g, (size_t)nt * per_thread * sizeof(real));
    real *dw_part = dw ? graph_alloc(g, (size_t)p.n_chunks * W * sizeof(real)) : NULL; /* [n_chunks][W] */
#pragma omp parallel num_threads(nt)
    {
        real *V = scratch + (size_t)omp_get_thread_num() * per_thread, *dM = V + (size_t)WG_A * vplane;
        real *dU = dM + (size_t)WG_A * mplane;
#pragma omp for schedule(dynamic, 1)
        for (int ch = 0; ch < p.n_chunks; ch++) {
            const int b0 = ch * p.nb, m = B - b0 < p.nb ? B - b0 : p.nb, N = m * p.T;
            for (int s = 0; s < m; s++)
                for (int c = 0; c < Cout; c++)
                    grad_output_transform(dy + ((size_t)(b0 + s) * Cout + c) * Ly, &p, dM + (size_t)c * p.ldn + (size_t)s * p.T, mplane);
            if (dw) { /* dU_xi [Cout, Cin] = dM_xi . V_xi^T, then this chunk's dw = G^T dU */
                for (int s = 0; s < m; s++)
                    for (int c = 0; c < Cin; c++)
                        input_transform(x->data + ((size_t)(b0 + s) * Cin + c) * L, &p, V + (size_t)c * p.ldn + (size_t)s * p.T, vplane);
                for (int xi = 0; xi < WG_A; xi++)
                    gemm_serial(0, 1, Cout, Cin, N, 1, dM + xi * mplane, (int)p.ldn, V + xi * vplane, (int)p.ldn, 0,
                                dU + (size_t)xi * Cout * Cin, Cin);
                filter_grad_transform(dU, Cout, Cin, dw_part + (size_t)ch * W);
            }
            if (dx) { /* dV_xi [Cin, N] = U_xi^T . dM_xi (in V's place), then dx += B dV */
                for (int xi = 0; xi < WG_A; xi++)
                    gemm_serial(1, 0, Cin, N, Cout, 1, u + (size_t)xi * Cout * Cin, Cin, dM + xi * mplane, (int)p.ldn, 0,
                                V + xi * vplane, (int)p.ldn);
                for (int s = 0; s < m; s++)
                    for (int c = 0; c < Cin; c++)
                        grad_input_transform(V + (size_t)c * p.ldn + (size_t)s * p.T, vplane, &p, dx + ((size_t)(b0 + s) * Cin + c) * L);
            }
        }
        if (dw) { /* after the loop's barrier: every chunk's partial is there */
            int64_t lo, hi;
            thread_share((int64_t)W, &lo, &hi);
            add_chunk_partials(dw, dw_part, p.n_chunks, W, (size_t)lo, (size_t)hi);
        }
    }
    arena_reset_to(g->arena, mark);
}
