/* CMRS on hand-made score tables, against values worked out by hand. */
#include <math.h>

#include "core/rng.h"
#include "eval/cmrs.h"
#include "testutil.h"

/* Sample 0: positive {0}; clean 0.9 > 0.5 and 0.9 > 0.1 (2 correct); missing 0.4 < 0.5 but
 *   0.4 > 0.1 (1 kept).
 * Sample 1: positives {1, 2}; clean 0.3 > 0.2 right, 0.1 > 0.2 wrong (1 correct); missing
 *   0.1 < 0.2 (0 kept).
 * Sample 2: every class positive: no decision.  Sample 3: a tie (0.5, 0.5): not correct.
 * Overall 1 / 3; class 0: 1 / 2; class 1: 0 / 1; class 2: no correct decision (NaN). */
static const double CLEAN[] = {0.9, 0.5, 0.1, 0.2, 0.3, 0.1, 0.5, 0.6, 0.7, 0.5, 0.5, 0.0};
static const double MISSING[] = {0.4, 0.5, 0.1, 0.2, 0.1, 0.5, 0.1, 0.1, 0.1, 0.9, 0.0, 0.0};
static const uint8_t LABELS[] = {1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0};

static void hand_computed(void **state) {
    (void)state;
    Cmrs c;
    assert_int_equal(cmrs_compute(CLEAN, MISSING, LABELS, 3, 3, 0, 1, 0, &c), 0);
    assert_true(fabs(c.overall.value - 1.0 / 3.0) < 1e-15);
    assert_true(fabs(c.per_class[0].value - 0.5) < 1e-15);
    assert_true(c.per_class[1].value == 0.0);
    assert_true(isnan(c.per_class[2].value));
    assert_int_equal(c.decisions, 3);
    cmrs_free(&c);
    /* the tie of sample 3: its clean decision (0 vs 1) is not correct, so nothing changes; its
     * decision 0 vs 2 (0.5 > 0.0) is correct and survives (0.9 > 0.0): 2 of 4 */
    assert_int_equal(cmrs_compute(CLEAN, MISSING, LABELS, 4, 3, 0, 1, 0, &c), 0);
    assert_true(fabs(c.overall.value - 2.0 / 4.0) < 1e-15);
    cmrs_free(&c);
}

static void identity_and_scale_free(void **state) {
    (void)state;
    Cmrs c;
    assert_int_equal(cmrs_compute(CLEAN, CLEAN, LABELS, 4, 3, 0, 1, 0, &c), 0);
    assert_true(c.overall.value == 1.0);
    cmrs_free(&c);
    double scaled[12];
    for (int i = 0; i < 12; i++) scaled[i] = 10 * MISSING[i] - 3;
    Cmrs a, b;
    assert_int_equal(cmrs_compute(CLEAN, MISSING, LABELS, 4, 3, 0, 1, 0, &a), 0);
    assert_int_equal(cmrs_compute(CLEAN, scaled, LABELS, 4, 3, 0, 1, 0, &b), 0);
    assert_true(a.overall.value == b.overall.value);
    cmrs_free(&a), cmrs_free(&b);
}

static void bootstrap_interval(void **state) {
    (void)state;
    enum { N = 400, C = 4 };
    static double clean[N * C], miss[N * C];
    static uint8_t lab[N * C];
    Rng r;
    rng_seed(&r, 3, 0);
    for (int i = 0; i < N * C; i++) {
        lab[i] = rng_uniform(&r) < 0.3;
        clean[i] = lab[i] + rng_normal(&r);
        miss[i] = clean[i] + 0.8 * rng_normal(&r);
    }
    Cmrs a, b;
    assert_int_equal(cmrs_compute(clean, miss, lab, N, C, 300, 9, 0.95, &a), 0);
    assert_int_equal(cmrs_compute(clean, miss, lab, N, C, 300, 9, 0.95, &b), 0);
    assert_true(a.overall.lo < a.overall.value && a.overall.value < a.overall.hi);
    assert_true(a.overall.hi - a.overall.lo < 0.1);
    assert_true(a.overall.lo == b.overall.lo && a.overall.hi == b.overall.hi); /* seeded */
    for (int c = 0; c < C; c++) assert_true(a.per_class[c].lo <= a.per_class[c].hi);
    cmrs_free(&a), cmrs_free(&b);
    double bad[N * C];
    for (int i = 0; i < N * C; i++) bad[i] = miss[i];
    bad[17] = NAN;
    assert_int_equal(cmrs_compute(clean, bad, lab, N, C, 0, 1, 0, &a), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(hand_computed), cmocka_unit_test(identity_and_scale_free),
                                       cmocka_unit_test(bootstrap_interval)};
    return cmocka_run_group_tests_name("cmrs", tests, NULL, NULL);
}
