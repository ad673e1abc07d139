#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "testutil.h"

static void same_seed_same_stream(void **state) {
    (void)state;
    Rng a, b;
    rng_seed(&a, 42, 3);
    rng_seed(&b, 42, 3);
    for (int i = 0; i < 1000; i++) assert_int_equal(rng_u64(&a), rng_u64(&b));
}

static void streams_differ(void **state) {
    (void)state;
    Rng a, b;
    rng_seed(&a, 42, 0);
    rng_seed(&b, 42, 1);
    int same = 0;
    for (int i = 0; i < 1000; i++) same += rng_u64(&a) == rng_u64(&b);
    assert_int_equal(same, 0);
}

static void state_save_restore(void **state) {
    (void)state;
    Rng a;
    rng_seed(&a, 7, 0);
    for (int i = 0; i < 17; i++) rng_u64(&a);
    Rng saved = a; /* the state is a plain value: this is what a checkpoint stores */
    double x[50], y[50];
    for (int i = 0; i < 50; i++) x[i] = rng_normal(&a);
    for (int i = 0; i < 50; i++) y[i] = rng_normal(&saved);
    assert_memory_equal(x, y, sizeof x);
}

static void uniform_and_normal_moments(void **state) {
    (void)state;
    Rng r;
    rng_seed(&r, 1, 0);
    const int n = 200000;
    double su = 0, sn = 0, sn2 = 0;
    float umin = 1, umax = 0;
    for (int i = 0; i < n; i++) {
        float u = rng_uniform(&r);
        su += u;
        if (u < umin) umin = u;
        if (u > umax) umax = u;
        double z = rng_normal(&r);
        sn += z;
        sn2 += z * z;
    }
    assert_true(umin >= 0.0f && umax < 1.0f);
    assert_true(fabs(su / n - 0.5) < 0.005);
    assert_true(fabs(sn / n) < 0.01);
    assert_true(fabs(sn2 / n - 1.0) < 0.02);
}

static void below_is_uniform_and_in_range(void **state) {
    (void)state;
    Rng r;
    rng_seed(&r, 9, 0);
    int counts[7] = {0};
    for (int i = 0; i < 70000; i++) {
        uint32_t k = rng_below(&r, 7);
        assert_true(k < 7);
        counts[k]++;
    }
    for (int k = 0; k < 7; k++) assert_true(counts[k] > 9500 && counts[k] < 10500);
}

static void gumbel_mean_is_euler_gamma(void **state) {
    (void)state;
    Rng r;
    rng_seed(&r, 3, 0);
    double s = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) s += rng_gumbel(&r);
    assert_true(fabs(s / n - 0.5772156649) < 0.01);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_same_stream),     cmocka_unit_test(streams_differ),
        cmocka_unit_test(state_save_restore),        cmocka_unit_test(uniform_and_normal_moments),
        cmocka_unit_test(below_is_uniform_and_in_range), cmocka_unit_test(gumbel_mean_is_euler_gamma),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
