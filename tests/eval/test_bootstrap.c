/* Bootstrap intervals: determinism (seed and thread count), coverage of a known AUROC, intervals
 * that contain the estimate and narrow as n grows, degenerate resamples handled. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "eval/bootstrap.h"
#include "eval/metrics.h"
#include "testutil.h"

/* n samples, C classes: labels with prevalence 0.3 (class c: 0.3 / (c + 1)), scores = label *
 * shift + standard normal, so the true AUROC of every class is Phi(shift / sqrt 2). */
typedef struct {
    int n, C;
    double *scores;
    uint8_t *labels;
} Synth;

static Synth synth(int n, int C, double shift, uint64_t seed) {
    Synth s = {n, C, malloc(sizeof(double) * (size_t)n * C), malloc((size_t)n * C)};
    Rng r;
    rng_seed(&r, seed, 0);
    for (int i = 0; i < n * C; i++) {
        int c = i % C;
        s.labels[i] = rng_uniform_f64(&r) < 0.3 / (c + 1);
        s.scores[i] = s.labels[i] * shift + rng_normal(&r);
    }
    return s;
}

static void synth_free(Synth *s) {
    free(s->scores);
    free(s->labels);
}

static EvalMetrics compute(const Synth *test, const Synth *val, int n_boot, uint64_t seed) {
    EvalMetrics e;
    EvalOptions opt = {.n_boot = n_boot, .seed = seed};
    int rc = eval_metrics_compute(test->scores, test->labels, test->n, val ? val->scores : NULL,
                                  val ? val->labels : NULL, val ? val->n : 0, test->C, &opt, &e);
    if (rc != 0) fail_msg("%s", scar_last_error());
    return e;
}

static int same_estimate(Estimate a, Estimate b) {
    return memcmp(&a.lo, &b.lo, sizeof a.lo) == 0 && memcmp(&a.hi, &b.hi, sizeof a.hi) == 0 &&
           a.n_resamples == b.n_resamples;
}

static int same_intervals(const EvalMetrics *a, const EvalMetrics *b) {
    for (int k = 0; k < N_METRICS; k++) {
        if (!same_estimate(a->metric[k].macro, b->metric[k].macro)) return 0;
        for (int c = 0; c < a->n_classes; c++)
            if (!same_estimate(a->metric[k].per_class[c], b->metric[k].per_class[c])) return 0;
    }
    return 1;
}

static void test_same_seed_same_bits_any_thread_count(void **state) {
    (void)state;
    Synth t = synth(400, 3, 1.0, 1), v = synth(300, 3, 1.0, 2);
    engine_init(1);
    EvalMetrics a = compute(&t, &v, 200, 42);
    engine_init(2);
    EvalMetrics b = compute(&t, &v, 200, 42);
    engine_init(3);
    EvalMetrics c = compute(&t, &v, 200, 42);
    EvalMetrics d = compute(&t, &v, 200, 43);
    assert_true(same_intervals(&a, &b));
    assert_true(same_intervals(&a, &c));
    assert_false(same_intervals(&a, &d));
    assert_int_equal(a.metric[METRIC_AUROC].macro.n_resamples, 200);
    eval_metrics_free(&a);
    eval_metrics_free(&b);
    eval_metrics_free(&c);
    eval_metrics_free(&d);
    synth_free(&t);
    synth_free(&v);
    engine_init(2);
}

static void test_intervals_contain_estimate_and_shrink_with_n(void **state) {
    (void)state;
    Synth small = synth(200, 3, 1.0, 3), large = synth(5000, 3, 1.0, 4), val = synth(500, 3, 1.0, 5);
    EvalMetrics s = compute(&small, &val, 300, 7), l = compute(&large, &val, 300, 7);
    for (int k = 0; k < N_METRICS; k++) {
        Estimate es = s.metric[k].macro, el = l.metric[k].macro;
        assert_true(es.lo <= es.value && es.value <= es.hi);
        assert_true(el.lo <= el.value && el.value <= el.hi);
        /* width ~ 1/sqrt(n): 25 times the samples, about a fifth of the width */
        double ws = es.hi - es.lo, wl = el.hi - el.lo;
        assert_true(wl > 0);
        if (!(wl < ws / 3)) fail_msg("%s: width %g at n = 5000 vs %g at n = 200", METRIC_NAMES[k], wl, ws);
        for (int c = 0; c < 3; c++) {
            Estimate e = l.metric[k].per_class[c];
            assert_true(e.lo <= e.value && e.value <= e.hi);
        }
    }
    eval_metrics_free(&s);
    eval_metrics_free(&l);
    synth_free(&small);
    synth_free(&large);
    synth_free(&val);
}

/* 200 independent test sets with true AUROC Phi(1/sqrt 2) = 0.7602: the 95% interval should
 * contain it about 95% of the time (the percentile bootstrap runs slightly under at n = 300). */
static void test_coverage_of_known_auroc(void **state) {
    (void)state;
    const double truth = 0.5 * erfc(-(1.0 / sqrt(2.0)) / sqrt(2.0));
    int covered = 0, reps = 200;
    for (int rep = 0; rep < reps; rep++) {
        Synth t = synth(300, 1, 1.0, 1000 + rep);
        EvalMetrics e = compute(&t, NULL, 300, rep);
        Estimate a = e.metric[METRIC_AUROC].macro;
        covered += a.lo <= truth && truth <= a.hi;
        eval_metrics_free(&e);
        synth_free(&t);
    }
    print_message("coverage of the true AUROC: %d / %d\n", covered, reps);
    assert_true(covered >= 0.88 * reps && covered <= 0.99 * reps);
}

/* A class with 2 positives in 40: many resamples have none. They are left out of that class's
 * interval (and of the macro mean of that resample), not crashed on. A class without positives
 * has no value and no interval, and does not drag the macro interval. */
static void test_degenerate_resamples(void **state) {
    (void)state;
    enum { N = 40, C = 3 };
    double s[N * C];
    uint8_t y[N * C];
    Rng r;
    rng_seed(&r, 9, 0);
    for (int i = 0; i < N; i++) {
        y[i * C + 0] = i % 2;
        y[i * C + 1] = i == 5 || i == 17;
        y[i * C + 2] = 0;
        for (int c = 0; c < C; c++) s[i * C + c] = rng_normal(&r) + y[i * C + c];
    }
    EvalMetrics e;
    EvalOptions opt = {.n_boot = 500, .seed = 1};
    assert_int_equal(eval_metrics_compute(s, y, N, s, y, N, C, &opt, &e), 0);
    Estimate rare = e.metric[METRIC_AUROC].per_class[1], none = e.metric[METRIC_AUROC].per_class[2];
    /* P(no positive drawn) = (38/40)^40 = 0.129: about 64 of 500 resamples */
    assert_true(rare.n_resamples > 380 && rare.n_resamples < 480);
    assert_true(rare.lo <= rare.hi);
    assert_true(isnan(none.value) && isnan(none.lo) && none.n_resamples == 0);
    assert_int_equal(e.metric[METRIC_AUROC].n_undefined, 1);
    assert_int_equal(e.metric[METRIC_AUROC].macro.n_resamples, 500);
    assert_true(isfinite(e.metric[METRIC_AUROC].macro.lo));
    /* perfect separation stays perfect in every resample */
    for (int i = 0; i < N; i++) s[i * C] = y[i * C] ? 1.0 + i : -1.0 - i;
    eval_metrics_free(&e);
    assert_int_equal(eval_metrics_compute(s, y, N, s, y, N, C, &opt, &e), 0);
    Estimate p = e.metric[METRIC_AUROC].per_class[0];
    assert_true(p.value == 1.0 && p.lo == 1.0 && p.hi == 1.0);
    eval_metrics_free(&e);
}

/* numpy.percentile([1, 2, 3, 4], [0, 25, 97.5, 100]) = 1, 1.75, 3.925, 4 */
static void test_percentile_like_numpy(void **state) {
    (void)state;
    double v[] = {1, 2, 3, 4};
    assert_true(percentile_sorted(v, 4, 0) == 1);
    assert_true(fabs(percentile_sorted(v, 4, 0.25) - 1.75) < 1e-15);
    assert_true(fabs(percentile_sorted(v, 4, 0.975) - 3.925) < 1e-15);
    assert_true(percentile_sorted(v, 4, 1) == 4);
    double one[] = {0.3};
    assert_true(percentile_sorted(one, 1, 0.025) == 0.3);
}

/* Single-label sets: the resampled top-1 accuracy brackets the point value. */
static void test_single_label_top1_interval(void **state) {
    (void)state;
    enum { N = 600, C = 4 };
    double *s = malloc(sizeof(double) * N * C);
    uint8_t *y = calloc(N * C, 1);
    Rng r;
    rng_seed(&r, 5, 0);
    for (int i = 0; i < N; i++) {
        int k = (int)rng_below(&r, C);
        y[i * C + k] = 1;
        for (int c = 0; c < C; c++) s[i * C + c] = rng_normal(&r) + (c == k);
    }
    EvalMetrics e;
    EvalOptions opt = {.single_label = 1, .n_boot = 300, .seed = 3};
    assert_int_equal(eval_metrics_compute(s, y, N, s, y, N, C, &opt, &e), 0);
    Estimate a = e.metric[METRIC_ACCURACY].macro;
    assert_true(a.value == metric_top1_accuracy(s, y, N, C));
    assert_true(a.lo < a.value && a.value < a.hi);
    assert_true(a.value > 0.3 && a.value < 0.7);
    eval_metrics_free(&e);
    free(s);
    free(y);
}

int main(void) {
    engine_init(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bits_any_thread_count),
        cmocka_unit_test(test_intervals_contain_estimate_and_shrink_with_n),
        cmocka_unit_test(test_coverage_of_known_auroc),
        cmocka_unit_test(test_degenerate_resamples),
        cmocka_unit_test(test_percentile_like_numpy),
        cmocka_unit_test(test_single_label_top1_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
