/* Optimizers, clipping and the schedule against independent hand computations (in double). */
#include <math.h>
#include <string.h>

#include "core/optim.h"
#include "core/parallel.h"
#include "testutil.h"

/* Two tensors: w (decayed) and b (not decayed), with fixed gradients per step. */
static void make_store(ParamStore *ps, Tensor **w, Tensor **b) {
    params_init(ps);
    *w = params_add(ps, "w", SHAPE(3, 5), 1);
    *b = params_add(ps, "b", SHAPE(5), 0);
    params_finalize(ps);
    for (int i = 0; i < 15; i++) (*w)->data[i] = (float)sin(i + 1.0);
    for (int i = 0; i < 5; i++) (*b)->data[i] = (float)cos(i + 1.0);
}

static double grad_at(int step, int tensor, int i) { return sin(0.7 * step + 1.3 * i + tensor) * (1 + step); }

static void adamw_matches_formula(void **state) {
    (void)state;
    ParamStore ps;
    Tensor *w, *b;
    make_store(&ps, &w, &b);
    double pw[15], pb[5], mw[15] = {0}, vw[15] = {0}, mb[5] = {0}, vb[5] = {0};
    for (int i = 0; i < 15; i++) pw[i] = w->data[i];
    for (int i = 0; i < 5; i++) pb[i] = b->data[i];
    AdamW opt;
    const double lr = 0.01, b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1;
    adamw_init(&opt, &ps, b1, b2, eps, wd);
    for (int s = 1; s <= 6; s++) {
        for (int i = 0; i < 15; i++) w->grad[i] = (float)grad_at(s, 0, i);
        for (int i = 0; i < 5; i++) b->grad[i] = (float)grad_at(s, 1, i);
        adamw_step(&opt, &ps, lr);
        for (int t = 0; t < 2; t++) {
            double *p = t ? pb : pw, *m = t ? mb : mw, *v = t ? vb : vw;
            for (int i = 0; i < (t ? 5 : 15); i++) {
                double gr = (float)grad_at(s, t, i);
                if (!t) p[i] *= 1 - lr * wd; /* decoupled decay, weights only */
                m[i] = b1 * m[i] + (1 - b1) * gr;
                v[i] = b2 * v[i] + (1 - b2) * gr * gr;
                double mh = m[i] / (1 - pow(b1, s)), vh = v[i] / (1 - pow(b2, s));
                p[i] -= lr * mh / (sqrt(vh) + eps);
            }
        }
    }
    for (int i = 0; i < 15; i++) assert_true(fabs(w->data[i] - pw[i]) < 1e-5);
    for (int i = 0; i < 5; i++) assert_true(fabs(b->data[i] - pb[i]) < 1e-5);
    adamw_free(&opt);
    params_free(&ps);
}

/* Updating one part at a time: untouched tensors do not move, and each tensor's bias correction
 * follows its own update count (b's first update is a first step, even after 3 steps of w). */
static void adamw_subsets_keep_their_own_steps(void **state) {
    (void)state;
    ParamStore ps;
    Tensor *w, *b;
    make_store(&ps, &w, &b);
    uint8_t only_w[2], only_b[2];
    params_select(&ps, "w", 1, only_w);
    params_select(&ps, "w", 0, only_b);
    assert_true(only_w[0] == 1 && only_w[1] == 0 && only_b[0] == 0 && only_b[1] == 1);
    AdamW opt;
    adamw_init(&opt, &ps, 0.9, 0.999, 1e-8, 0.0);
    float b0[5];
    memcpy(b0, b->data, sizeof b0);
    for (int i = 0; i < 15; i++) w->grad[i] = 1;
    for (int i = 0; i < 5; i++) b->grad[i] = 2;
    for (int s = 0; s < 3; s++) adamw_step_subset(&opt, &ps, 0.1, only_w);
    assert_memory_equal(b->data, b0, sizeof b0);
    assert_int_equal(opt.steps[0], 3);
    assert_int_equal(opt.steps[1], 0);
    adamw_step_subset(&opt, &ps, 0.1, only_b);
    /* a first Adam step moves each weight by lr (m_hat / sqrt(v_hat) = g / |g| = 1) */
    for (int i = 0; i < 5; i++) assert_true(fabs((b0[i] - b->data[i]) - 0.1) < 1e-5);
    adamw_free(&opt);
    params_free(&ps);
}

static void sgd_momentum_and_nesterov(void **state) {
    (void)state;
    for (int nesterov = 0; nesterov < 2; nesterov++) {
        ParamStore ps;
        Tensor *w, *b;
        make_store(&ps, &w, &b);
        double pw[15], buf[15];
        for (int i = 0; i < 15; i++) pw[i] = w->data[i];
        Sgd opt;
        const double lr = 0.05, mu = 0.9, wd = 0.01;
        sgd_init(&opt, &ps, mu, wd, nesterov);
        for (int s = 1; s <= 5; s++) {
            for (int i = 0; i < 15; i++) w->grad[i] = (float)grad_at(s, 0, i);
            for (int i = 0; i < 5; i++) b->grad[i] = 0;
            sgd_step(&opt, &ps, lr);
            for (int i = 0; i < 15; i++) {
                double d = (float)grad_at(s, 0, i) + wd * pw[i];
                buf[i] = s == 1 ? d : mu * buf[i] + d;
                pw[i] -= lr * (nesterov ? d + mu * buf[i] : buf[i]);
            }
        }
        for (int i = 0; i < 15; i++) assert_true(fabs(w->data[i] - pw[i]) < 1e-5);
        sgd_free(&opt);
        params_free(&ps);
    }
}

static void clipping_by_global_norm(void **state) {
    (void)state;
    ParamStore ps;
    Tensor *w, *b;
    make_store(&ps, &w, &b);
    params_zero_grad(&ps);
    w->grad[0] = 3, b->grad[4] = 4; /* global norm 5 across two tensors */
    assert_true(fabs(clip_grad_norm(&ps, 10) - 5) < 1e-9);
    assert_true(w->grad[0] == 3); /* below the limit: untouched */
    assert_true(fabs(clip_grad_norm(&ps, 1) - 5) < 1e-9);
    assert_true(fabs(w->grad[0] - 0.6) < 1e-6 && fabs(b->grad[4] - 0.8) < 1e-6);
    w->grad[1] = NAN;
    assert_true(isnan(clip_grad_norm(&ps, 1)));
    assert_true(fabs(b->grad[4] - 0.8) < 1e-6); /* not scaled by a non-finite norm */
    params_free(&ps);
}

static void warmup_then_cosine(void **state) {
    (void)state;
    const double base = 1e-3, lo = 1e-5;
    assert_true(fabs(lr_warmup_cosine(0, 10, 110, base, lo) - base / 10) < 1e-15);
    assert_true(fabs(lr_warmup_cosine(9, 10, 110, base, lo) - base) < 1e-15);
    assert_true(fabs(lr_warmup_cosine(10, 10, 110, base, lo) - base) < 1e-15);
    assert_true(fabs(lr_warmup_cosine(60, 10, 110, base, lo) - (base + lo) / 2) < 1e-15);
    assert_true(fabs(lr_warmup_cosine(110, 10, 110, base, lo) - lo) < 1e-15);
    assert_true(fabs(lr_warmup_cosine(500, 10, 110, base, lo) - lo) < 1e-15);
    for (int s = 11; s < 110; s++) assert_true(lr_warmup_cosine(s, 10, 110, base, lo) < lr_warmup_cosine(s - 1, 10, 110, base, lo));
}

static void buffers_are_not_trained(void **state) {
    (void)state;
    ParamStore ps;
    params_init(&ps);
    Tensor *w = params_add(&ps, "w", SHAPE(4), 1);
    Tensor *rm = params_add_buffer(&ps, "running_mean", SHAPE(4));
    params_finalize(&ps);
    assert_int_equal(params_count(&ps), 4);
    assert_int_equal((uintptr_t)w->data % 64, 0);
    assert_int_equal((uintptr_t)rm->data % 64, 0);
    for (int i = 0; i < 4; i++) rm->data[i] = 2, rm->grad[i] = 1, w->grad[i] = 1;
    AdamW opt;
    adamw_init(&opt, &ps, 0.9, 0.999, 1e-8, 0.1);
    adamw_step(&opt, &ps, 0.1);
    for (int i = 0; i < 4; i++) assert_true(rm->data[i] == 2 && w->data[i] < 0);
    assert_ptr_equal(params_find(&ps, "running_mean"), rm);
    assert_null(params_find(&ps, "nope"));
    adamw_free(&opt);
    params_free(&ps);
}

int main(void) {
    engine_init(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adamw_matches_formula),   cmocka_unit_test(sgd_momentum_and_nesterov),
        cmocka_unit_test(adamw_subsets_keep_their_own_steps),
        cmocka_unit_test(clipping_by_global_norm), cmocka_unit_test(warmup_then_cosine),
        cmocka_unit_test(buffers_are_not_trained),
    };
    return cmocka_run_group_tests_name("optim", tests, NULL, NULL);
}
