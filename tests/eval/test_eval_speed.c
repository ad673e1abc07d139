/* Speed figures at the sizes of a real evaluation, printed, not asserted (timings depend on the
 * machine): all metrics with 1,000 bootstrap resamples over 20,000 samples x 20 classes, and the
 * linear probe on 20,000 x 256 features x 5 classes over the default grid of C. What is asserted
 * is that the results make sense. Under a sanitizer or valgrind the sizes shrink (the figures
 * would mean nothing there and the suite must stay quick). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "data/record.h"
#include "eval/bootstrap.h"
#include "eval/linear_probe.h"
#include "eval/metrics.h"
#include "testutil.h"

static int reduced(void) {
#if defined(__SANITIZE_ADDRESS__)
    return 1;
#else
    const char *w = getenv("SCAR_TEST_WRAPPER");
    return w && *w;
#endif
}

static void test_bootstrap_speed(void **state) {
    (void)state;
    int n = reduced() ? 2000 : 20000, C = 20, B = reduced() ? 100 : 1000;
    double *s = malloc(sizeof(double) * (size_t)n * C), *vs = malloc(sizeof(double) * (size_t)n * C);
    uint8_t *y = malloc((size_t)n * C), *vy = malloc((size_t)n * C);
    Rng r;
    rng_seed(&r, 1, 0);
    for (int i = 0; i < n * C; i++) {
        y[i] = rng_uniform_f64(&r) < 0.1 + 0.02 * (i % C);
        vy[i] = rng_uniform_f64(&r) < 0.1 + 0.02 * (i % C);
        s[i] = round((rng_normal(&r) + y[i]) * 100) / 100;   /* ties, as model scores in float */
        vs[i] = round((rng_normal(&r) + vy[i]) * 100) / 100;
    }
    EvalMetrics e;
    EvalOptions opt = {.n_boot = B, .seed = 1};
    double t0 = omp_get_wtime();
    assert_int_equal(eval_metrics_compute(s, y, n, vs, vy, n, C, &opt, &e), 0);
    double t = omp_get_wtime() - t0;
    print_message("bootstrap: %d resamples of %d samples x %d classes, AUROC + AUPRC + F1 + accuracy: "
                  "%.2f s on %d threads\n", B, n, C, t, engine_threads());
    Estimate a = e.metric[METRIC_AUROC].macro;
    assert_true(a.lo < a.value && a.value < a.hi);
    assert_true(fabs(a.value - 0.7602) < 0.02);   /* Phi(1 / sqrt 2), up to the score rounding */
    eval_metrics_free(&e);
    free(s);
    free(vs);
    free(y);
    free(vy);
}

static void test_probe_speed(void **state) {
    (void)state;
    int n_train = reduced() ? 2000 : 20000, n = n_train + n_train / 5, d = reduced() ? 32 : 256, C = 5;
    float *x = malloc(sizeof(float) * (size_t)n * d);
    uint8_t *y = malloc((size_t)n * C);
    int *split = malloc(sizeof(int) * (size_t)n);
    Rng r;
    rng_seed(&r, 2, 0);
    for (int i = 0; i < n; i++) {
        split[i] = i < n_train ? SPLIT_TRAIN : SPLIT_VAL;
        for (int c = 0; c < C; c++) y[i * C + c] = rng_uniform_f64(&r) < 0.2;
        for (int j = 0; j < d; j++) {
            /* class c shows weakly along features 4c .. 4c+3 */
            double v = rng_normal(&r) + (j < 4 * C ? 0.75 * y[i * C + j / 4] : 0);
            x[(size_t)i * d + j] = (float)v;
        }
    }
    ProbeData data = {x, y, split, n, d, C};
    LinearProbe p;
    double t0 = omp_get_wtime();
    if (probe_train(&data, 1.0, 1, NULL, &p) != 0) fail_msg("%s", scar_last_error());
    double t = omp_get_wtime() - t0, best = 0;
    for (int k = 0; k < p.n_c; k++) best = fmax(best, p.val_macro_auroc[k]);
    print_message("linear probe: %d x %d features x %d classes, %d values of C, %d Newton steps: "
                  "%.2f s on %d threads; chosen C %g, best validation macro AUROC %.3f\n",
                  n_train, d, C, p.n_c, p.newton_iterations, t, engine_threads(), p.c_chosen, best);
    assert_true(best > 0.8);   /* Phi(1.5 / sqrt 2) = 0.86 for the ideal direction */
    probe_free(&p);
    free(x);
    free(y);
    free(split);
}

int main(void) {
    engine_init(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bootstrap_speed),
        cmocka_unit_test(test_probe_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
