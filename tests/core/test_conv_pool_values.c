/* conv1d, conv_transpose1d and pooling values against the definitions, computed directly. The
 * finite-difference checks (test_gradcheck_f64.c) prove that each backward matches its forward;
 * this proves the forwards themselves, on every path of ops/conv.c: Winograd (kernel 3, stride 1
 * or 2), im2col over chunks of samples, batches split into several chunks, 1 and 2 threads; and
 * for max pooling, windows inside the row and at its edges, ties and the gradient's routing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/ops.h"
#include "core/parallel.h"
#include "testutil.h"

typedef struct {
    int B, Cin, Cout, L, K, stride, pad, dil, bias;
} ConvCase;

static void fill(Tensor *t, Rng *rng) {
    for (int64_t i = 0; i < t->numel; i++) t->data[i] = (real)(2 * rng_uniform_f64(rng) - 1);
}

/* Worst |scar - direct| / (1e-6 + 1e-5 * sum of |terms|) over the outputs. */
static double conv_case(const ConvCase *c, int transposed, Rng *rng) {
    Graph *g = graph_new(1 << 22);
    Tensor *x = tensor_new(g, SHAPE(c->B, c->Cin, c->L));
    Tensor *w = transposed ? tensor_new(g, SHAPE(c->Cin, c->Cout, c->K)) : tensor_new(g, SHAPE(c->Cout, c->Cin, c->K));
    Tensor *b = tensor_new(g, SHAPE(c->Cout));
    fill(x, rng), fill(w, rng), fill(b, rng);
    Tensor *y = transposed ? op_conv_transpose1d(g, x, w, c->bias ? b : NULL, c->stride, c->pad, c->dil, 0)
                           : op_conv1d(g, x, w, c->bias ? b : NULL, c->stride, c->pad, c->dil);
    const int Ly = y->shape[2];
    double *sum = calloc((size_t)y->numel, sizeof(double)), *mag = calloc((size_t)y->numel, sizeof(double));
    for (int n = 0; n < c->B; n++)
        for (int ci = 0; ci < c->Cin; ci++)
            for (int co = 0; co < c->Cout; co++)
                for (int k = 0; k < c->K; k++)
                    for (int t = 0; t < (transposed ? c->L : Ly); t++) {
                        /* the wide position of narrow position t under tap k */
                        const int u = t * c->stride - c->pad + k * c->dil;
                        const int wide_len = transposed ? Ly : c->L;
                        if (u < 0 || u >= wide_len) continue;
                        const double wv = transposed ? w->data[((size_t)ci * c->Cout + co) * c->K + k]
                                                     : w->data[((size_t)co * c->Cin + ci) * c->K + k];
                        const double xv = x->data[((size_t)n * c->Cin + ci) * c->L + (transposed ? t : u)];
                        const size_t o = ((size_t)n * c->Cout + co) * Ly + (transposed ? u : t);
                        sum[o] += wv * xv;
                        mag[o] += fabs(wv * xv);
                    }
    double worst = 0;
    for (int64_t i = 0; i < y->numel; i++) {
        const double bv = c->bias ? b->data[(i / Ly) % c->Cout] : 0;
        const double r = fabs(y->data[i] - (sum[i] + bv)) / (1e-6 + 1e-5 * (mag[i] + fabs(bv)));
        if (!(r <= worst)) worst = r;
    }
    free(sum), free(mag);
    graph_free(g);
    return worst;
}

static const ConvCase CASES[] = {
    /* B, Cin, Cout, L, K, stride, pad, dil, bias */
    {3, 4, 5, 11, 3, 1, 1, 1, 1},   /* Winograd, length not a whole number of tiles */
    {20, 6, 7, 8, 3, 1, 0, 1, 0},   /* Winograd, no padding, several chunks */
    {2, 3, 4, 2, 3, 1, 2, 1, 1},    /* Winograd, a row shorter than a tile */
    {13, 5, 6, 9, 3, 1, 5, 1, 1},   /* Winograd, padding wider than the kernel */
    {17, 12, 8, 50, 7, 2, 3, 1, 0}, /* a ResNet stem, chunked */
    {9, 4, 6, 13, 3, 2, 1, 1, 1},   /* stride 2 (split by phase) */
    {20, 5, 7, 16, 3, 2, 0, 1, 0},  /* stride 2, no padding, several chunks */
    {3, 4, 3, 3, 3, 2, 2, 1, 1},    /* stride 2, a row shorter than a tile */
    {11, 6, 5, 10, 1, 2, 0, 1, 0},  /* a 1x1 downsample */
    {4, 3, 4, 12, 3, 1, 2, 2, 1},   /* dilated */
    {5, 2, 3, 9, 4, 3, 1, 1, 1},    /* stride 3, even kernel */
};

static void conv1d_matches_definition(void **state) {
    (void)state;
    Rng rng;
    rng_seed(&rng, 11, 0);
    for (int threads = 1; threads <= 2; threads++) {
        engine_init(threads);
        for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
            const double r = conv_case(&CASES[i], 0, &rng);
            if (r > 1) print_message("conv1d case %zu (%d threads): worst error / tolerance %.3g\n", i, threads, r);
            assert_true(r <= 1);
        }
    }
}

static void conv_transpose1d_matches_definition(void **state) {
    (void)state;
    Rng rng;
    rng_seed(&rng, 12, 0);
    const ConvCase cases[] = {{3, 4, 5, 6, 3, 2, 1, 1, 1}, {2, 3, 2, 5, 4, 1, 0, 1, 0}, {4, 2, 3, 7, 3, 3, 2, 2, 1}};
    for (int threads = 1; threads <= 2; threads++) {
        engine_init(threads);
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            const double r = conv_case(&cases[i], 1, &rng);
            if (r > 1) print_message("conv_transpose1d case %zu: worst error / tolerance %.3g\n", i, r);
            assert_true(r <= 1);
        }
    }
}

/* Max and average pooling against the definition: max over the window's positions inside the
 * row (padding ignored), the first maximum on ties; average with padding counted as zeros. The
 * max-pool gradient goes to that first maximum. */
static void pooling_matches_definition(void **state) {
    (void)state;
    const int geoms[5][4] = {{3, 2, 1, 11}, {3, 2, 1, 250}, {2, 2, 0, 9}, {5, 3, 2, 17}, {3, 1, 1, 6}}; /* k, s, p, L */
    Rng rng;
    rng_seed(&rng, 13, 0);
    for (int gi = 0; gi < 5; gi++) {
        const int k = geoms[gi][0], s = geoms[gi][1], p = geoms[gi][2], L = geoms[gi][3], R = 6;
        Graph *g = graph_new(1 << 20);
        Tensor *x = tensor_new(g, SHAPE(2, 3, L));
        for (int64_t i = 0; i < x->numel; i++) x->data[i] = (real)(rng_below(&rng, 5)) - 2; /* many ties */
        x->requires_grad = 1;
        Tensor *mx = op_maxpool1d(g, x, k, s, p), *av = op_avgpool1d(g, x, k, s, p);
        const int Lo = mx->shape[2];
        assert_int_equal(Lo, (L + 2 * p - k) / s + 1);
        real *up = calloc((size_t)mx->numel, sizeof(real));
        double *expect_dx = calloc((size_t)x->numel, sizeof(double));
        for (int r = 0; r < R; r++)
            for (int t = 0; t < Lo; t++) {
                const real *row = x->data + (size_t)r * L;
                int best = -1;
                double sum = 0;
                for (int j = t * s - p; j < t * s - p + k; j++) {
                    if (j < 0 || j >= L) continue;
                    sum += row[j];
                    if (best < 0 || row[j] > row[best]) best = j;
                }
                assert_float_equal(mx->data[(size_t)r * Lo + t], row[best], 0);
                assert_float_equal(av->data[(size_t)r * Lo + t], sum / k, 1e-6);
                up[(size_t)r * Lo + t] = (real)(1 + t % 7);
                expect_dx[(size_t)r * L + best] += 1 + t % 7;
            }
        graph_backward_from(g, mx, up);
        for (int64_t i = 0; i < x->numel; i++) assert_float_equal(x->grad[i], expect_dx[i], 0);
        free(up), free(expect_dx);
        graph_free(g);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conv1d_matches_definition),
        cmocka_unit_test(conv_transpose1d_matches_definition),
        cmocka_unit_test(pooling_matches_definition),
    };
    return cmocka_run_group_tests_name("convolution and pooling values", tests, NULL, NULL);
}
