/* Batch-norm values against the definition computed in double: training-mode output and running
 * statistics (unbiased variance, momentum), evaluation mode, [B, C] and [B, C, L] inputs, and a
 * channel whose mean is large against its spread (the one-pass variance must not cancel); and the
 * training-mode gradients, the same on 1 and 2 threads. Finite differences check the backward pass
 * against the forward in test_gradcheck_f64.c. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops.h"
#include "core/parallel.h"
#include "testutil.h"

static void check_case(int B, int C, int L, int threads) {
    engine_init(threads);
    Rng rng;
    rng_seed(&rng, 21, (uint64_t)(B * 1000 + C * 10 + L));
    Graph *g = graph_new(1 << 22);
    Tensor *x = L > 1 ? tensor_new(g, SHAPE(B, C, L)) : tensor_new(g, SHAPE(B, C));
    Tensor *w = tensor_new(g, SHAPE(C)), *b = tensor_new(g, SHAPE(C));
    real *rmean = malloc(sizeof(real) * (size_t)C), *rvar = malloc(sizeof(real) * (size_t)C);
    for (int c = 0; c < C; c++) {
        w->data[c] = (real)(0.5 + rng_uniform_f64(&rng));
        b->data[c] = (real)(rng_uniform_f64(&rng) - 0.5);
        rmean[c] = (real)(0.1 * c);
        rvar[c] = (real)(1 + 0.5 * c);
    }
    /* channel c: mean 10^(c % 4) - 1 with spread 0.1, so channel 3 sits at 999 +- 0.1 */
    for (int i = 0; i < B; i++)
        for (int c = 0; c < C; c++)
            for (int l = 0; l < L; l++)
                x->data[((size_t)i * C + c) * L + l] = (real)(pow(10, c % 4) - 1 + 0.1 * (2 * rng_uniform_f64(&rng) - 1));
    const double momentum = 0.1, eps = 1e-5;
    double *mean = calloc((size_t)C, sizeof(double)), *var = calloc((size_t)C, sizeof(double));
    const double n = (double)B * L;
    for (int c = 0; c < C; c++) {
        for (int i = 0; i < B; i++)
            for (int l = 0; l < L; l++) mean[c] += x->data[((size_t)i * C + c) * L + l] / n;
        for (int i = 0; i < B; i++)
            for (int l = 0; l < L; l++) {
                const double d = x->data[((size_t)i * C + c) * L + l] - mean[c];
                var[c] += d * d / n;
            }
    }
    real *rmean0 = malloc(sizeof(real) * (size_t)C), *rvar0 = malloc(sizeof(real) * (size_t)C);
    for (int c = 0; c < C; c++) rmean0[c] = rmean[c], rvar0[c] = rvar[c];

    g->training = 1;
    Tensor *y = op_batchnorm(g, x, w, b, rmean, rvar, momentum, eps);
    for (int c = 0; c < C; c++) {
        const double rs = 1 / sqrt(var[c] + eps);
        /* float32 cannot hold the mean closer than its rounding: allow that, scaled to the output */
        const double mean_rounding = 4 * FLT_EPSILON * fabs(mean[c]) * rs * fabs(w->data[c]);
        double spread = 0; /* the output's variance must be w^2 var / (var + eps) */
        for (int i = 0; i < B; i++)
            for (int l = 0; l < L; l++) {
                const size_t k = ((size_t)i * C + c) * L + l;
                const double expect = (x->data[k] - mean[c]) * rs * w->data[c] + b->data[c];
                assert_float_equal(y->data[k], expect, 1e-4 * (1 + fabs(expect)) + mean_rounding);
                spread += (y->data[k] - b->data[c]) * (y->data[k] - b->data[c]) / n;
            }
        if (n > 1) {
            const double want = (double)w->data[c] * w->data[c] * var[c] / (var[c] + eps);
            assert_float_equal(spread, want, 1e-3 * want);
        }
        const double em = (1 - momentum) * rmean0[c] + momentum * mean[c];
        const double ev = (1 - momentum) * rvar0[c] + momentum * var[c] * n / (n - 1);
        assert_float_equal(rmean[c], em, 1e-5 * (1 + fabs(em)));
        assert_float_equal(rvar[c], ev, 1e-5 * (1 + fabs(ev)));
    }

    g->training = 0; /* evaluation: the running statistics just updated */
    Tensor *ye = op_batchnorm(g, x, w, b, rmean, rvar, momentum, eps);
    for (int c = 0; c < C; c++)
        for (int i = 0; i < B; i++)
            for (int l = 0; l < L; l++) {
                const size_t k = ((size_t)i * C + c) * L + l;
                const double expect = (x->data[k] - rmean[c]) / sqrt((double)rvar[c] + eps) * w->data[c] + b->data[c];
                assert_float_equal(ye->data[k], expect, 1e-4 * (1 + fabs(expect)));
            }
    free(mean), free(var), free(rmean), free(rvar), free(rmean0), free(rvar0);
    graph_free(g);
}

/* Training-mode gradients of a tensor big enough to be split across threads, against
 *   dx = w s (dy - mean(dy) - xhat mean(dy xhat)),  dw = sum dy xhat,  db = sum dy
 * in double, and bit for bit the same on 1 and 2 threads. */
static void batchnorm_backward_matches_definition(void **state) {
    (void)state;
    const int B = 40, C = 6, L = 90;
    const double eps = 1e-5, n = (double)B * L;
    float *first[3] = {NULL, NULL, NULL};
    for (int threads = 1; threads <= 2; threads++) {
        engine_init(threads);
        Rng rng;
        rng_seed(&rng, 22, 0);
        Graph *g = graph_new(1 << 22);
        Tensor *x = tensor_new(g, SHAPE(B, C, L)), *w = tensor_new(g, SHAPE(C)), *b = tensor_new(g, SHAPE(C));
        for (int64_t i = 0; i < x->numel; i++) x->data[i] = (real)(3 * rng_uniform_f64(&rng) - 1);
        for (int c = 0; c < C; c++) w->data[c] = (real)(0.5 + c), b->data[c] = (real)(0.1 * c);
        x->requires_grad = w->requires_grad = b->requires_grad = 1;
        Tensor *y = op_batchnorm(g, x, w, b, NULL, NULL, 0.1, eps);
        real *dy = malloc(sizeof(real) * (size_t)y->numel);
        for (int64_t i = 0; i < y->numel; i++) dy[i] = (real)(rng_uniform_f64(&rng) - 0.5);
        graph_backward_from(g, y, dy);
        for (int c = 0; c < C; c++) {
            double mean = 0, var = 0, sdy = 0, sdyx = 0;
            for (int i = 0; i < B; i++)
                for (int l = 0; l < L; l++) mean += x->data[((size_t)i * C + c) * L + l] / n;
            for (int i = 0; i < B; i++)
                for (int l = 0; l < L; l++) {
                    const double d = x->data[((size_t)i * C + c) * L + l] - mean;
                    var += d * d / n;
                }
            const double s = 1 / sqrt(var + eps);
            for (int i = 0; i < B; i++)
                for (int l = 0; l < L; l++) {
                    const size_t k = ((size_t)i * C + c) * L + l;
                    sdy += dy[k];
                    sdyx += dy[k] * (x->data[k] - mean) * s;
                }
            assert_float_equal(w->grad[c], sdyx, 1e-4 * (1 + fabs(sdyx)));
            assert_float_equal(b->grad[c], sdy, 1e-4 * (1 + fabs(sdy)));
            for (int i = 0; i < B; i++)
                for (int l = 0; l < L; l++) {
                    const size_t k = ((size_t)i * C + c) * L + l;
                    const double xhat = (x->data[k] - mean) * s;
                    const double expect = w->data[c] * s * (dy[k] - sdy / n - xhat * sdyx / n);
                    assert_float_equal(x->grad[k], expect, 1e-5 * (1 + fabs(expect)));
                }
        }
        const Tensor *grads[3] = {x, w, b};
        for (int k = 0; k < 3; k++) {
            if (threads == 1) {
                first[k] = malloc(sizeof(float) * (size_t)grads[k]->numel);
                memcpy(first[k], grads[k]->grad, sizeof(float) * (size_t)grads[k]->numel);
            } else {
                assert_memory_equal(first[k], grads[k]->grad, sizeof(float) * (size_t)grads[k]->numel);
                free(first[k]);
            }
        }
        free(dy);
        graph_free(g);
    }
}

/* op_batchnorm_add_relu against the same computation from separate ops (batchnorm, add, relu):
 * outputs, every gradient and the running statistics, training and evaluation, on 1 and 2
 * threads, with and without the residual and the ReLU. */
static void fused_tail_matches_separate_ops(void **state) {
    (void)state;
    const int B = 24, C = 5, L = 150; /* big enough to run on several threads */
    for (int threads = 1; threads <= 2; threads++)
        for (int variant = 0; variant < 4; variant++)
            for (int training = 1; training >= 0; training--) {
                engine_init(threads);
                const int with_res = variant & 1, relu = (variant >> 1) & 1;
                Tensor *out[2], *x[2], *w[2], *b[2], *r[2];
                real rm[2][8], rv[2][8];
                Graph *g = graph_new(1 << 22);
                g->training = training;
                for (int k = 0; k < 2; k++) {
                    Rng rng;
                    rng_seed(&rng, 23, 0); /* both copies get the same values */
                    x[k] = tensor_new(g, SHAPE(B, C, L)), r[k] = tensor_new(g, SHAPE(B, C, L));
                    w[k] = tensor_new(g, SHAPE(C)), b[k] = tensor_new(g, SHAPE(C));
                    for (int64_t i = 0; i < x[k]->numel; i++) x[k]->data[i] = (real)(2 * rng_uniform_f64(&rng) - 1);
                    for (int64_t i = 0; i < r[k]->numel; i++) r[k]->data[i] = (real)(rng_uniform_f64(&rng) - 0.5);
                    for (int c = 0; c < C; c++) {
                        w[k]->data[c] = (real)(0.5 + rng_uniform_f64(&rng)), b[k]->data[c] = (real)(0.4 * rng_uniform_f64(&rng) - 0.2);
                        rm[k][c] = (real)(0.1 * c), rv[k][c] = (real)(0.5 + 0.3 * c);
                    }
                    x[k]->requires_grad = w[k]->requires_grad = b[k]->requires_grad = r[k]->requires_grad = 1;
                }
                out[0] = op_batchnorm_add_relu(g, x[0], w[0], b[0], rm[0], rv[0], 0.1, 1e-5, with_res ? r[0] : NULL, relu);
                Tensor *sep = op_batchnorm(g, x[1], w[1], b[1], rm[1], rv[1], 0.1, 1e-5);
                if (with_res) sep = op_add(g, sep, r[1]);
                out[1] = relu ? op_relu(g, sep) : sep;
                for (int64_t i = 0; i < out[0]->numel; i++) assert_float_equal(out[0]->data[i], out[1]->data[i], 1e-6);
                for (int c = 0; c < C; c++) {
                    assert_float_equal(rm[0][c], rm[1][c], 0);
                    assert_float_equal(rv[0][c], rv[1][c], 0);
                }
                real *up = malloc(sizeof(real) * (size_t)out[0]->numel);
                for (int64_t i = 0; i < out[0]->numel; i++) up[i] = (real)((i * 37 % 101) - 50) / 50;
                /* one backward pass over both chains: seed the second output, then the first */
                memcpy(tensor_grad(g, out[1]), up, sizeof(real) * (size_t)out[1]->numel);
                graph_backward_from(g, out[0], up);
                for (int64_t i = 0; i < x[0]->numel; i++) assert_float_equal(x[0]->grad[i], x[1]->grad[i], 1e-5);
                for (int c = 0; c < C; c++) {
                    assert_float_equal(w[0]->grad[c], w[1]->grad[c], 1e-3);
                    assert_float_equal(b[0]->grad[c], b[1]->grad[c], 1e-3);
                }
                if (with_res)
                    for (int64_t i = 0; i < r[0]->numel; i++) assert_float_equal(r[0]->grad[i], r[1]->grad[i], 0);
                else
                    assert_null(r[0]->grad);
                free(up);
                graph_free(g);
            }
}

static void batchnorm_matches_definition(void **state) {
    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        check_case(7, 5, 33, threads);  /* [B, C, L] */
        check_case(64, 8, 40, threads); /* big enough to run on several threads */
        check_case(9, 6, 1, threads);   /* [B, C] */
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batchnorm_matches_definition),
        cmocka_unit_test(batchnorm_backward_matches_definition),
        cmocka_unit_test(fused_tail_matches_separate_ops),
    };
    return cmocka_run_group_tests_name("batch norm values", tests, NULL, NULL);
}
