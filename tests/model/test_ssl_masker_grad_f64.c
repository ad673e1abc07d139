/* The adversarial mask generator's gradients against central finite differences in double
 * precision. model/ssl_masker.c uses only the core and `real`, so this program compiles it
 * itself, with -DSCAR_F64, against the double-precision core (the library's float build cannot
 * tell a wrong gradient from rounding at this size). The loss touches everything the training
 * loop uses: <masks, R1> + penalty(masks) + <views, R2>, on a tiny U-Net of odd length (the
 * transposed convolutions' output padding is exercised), per-lead and shared masks, in training
 * mode (batch statistics). Every element of every trainable tensor, and of the input signal, is
 * checked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/ops.h"
#include "core/parallel.h"
#include "model/ssl_masker.c"
#include "testutil.h"

enum { B = 3, L = 11 };

typedef struct {
    Graph *g;
    Tensor *x, *loss;
} Built;

static double *R1, *R2;

static Built build(const SslMasker *m, const real *signal) {
    Built b;
    b.g = graph_new(1 << 22);
    b.x = tensor_copy_of(b.g, signal, SHAPE(B, 12, L));
    b.x->requires_grad = 1;
    Tensor *mk = ssl_masker_forward(b.g, m, b.x);
    Tensor *v = ssl_masker_views(b.g, b.x, mk);
    /* <masks, R1> + <views, R2> as graph ops, so that recomputing updates them */
    Tensor *r1 = tensor_new(b.g, mk->ndim, mk->shape), *r2 = tensor_new(b.g, v->ndim, v->shape);
    for (int64_t i = 0; i < mk->numel; i++) r1->data[i] = R1[i];
    for (int64_t i = 0; i < v->numel; i++) r2->data[i] = R2[i];
    Tensor *t1 = op_sum(b.g, op_mul(b.g, mk, r1)), *t2 = op_sum(b.g, op_mul(b.g, v, r2));
    Tensor *pen = ssl_masker_penalty(b.g, mk, 5.0, m->cfg.penalty_eps);
    b.loss = op_add(b.g, op_add(b.g, t1, t2), pen);
    return b;
}

/* worst |numeric - analytic| / (1e-7 + 1e-5 |numeric|) over the elements of t */
static double check_tensor(Built *b, Tensor *t, const char *name) {
    const double h = 1e-6;
    double worst = 0;
    for (int64_t i = 0; i < t->numel; i++) {
        const double x0 = t->data[i], ana = t->grad ? t->grad[i] : 0;
        t->data[i] = x0 + h;
        graph_recompute(b->g);
        const double lp = b->loss->data[0];
        t->data[i] = x0 - h;
        graph_recompute(b->g);
        const double lm = b->loss->data[0];
        t->data[i] = x0;
        const double num = (lp - lm) / (2 * h);
        const double r = fabs(num - ana) / (1e-7 + 1e-5 * fabs(num));
        if (r > worst) worst = r;
        if (r > 1) print_message("%s[%lld]: numeric %.10g analytic %.10g\n", name, (long long)i, num, ana);
    }
    graph_recompute(b->g);
    return worst;
}

static void run(int per_lead) {
    SslMaskerConfig c = ssl_masker_config_default();
    c.n_masks = 2, c.per_lead = per_lead, c.channels = 2, c.depth = 2, c.kernel = 3, c.sharpness = 1.5;
    c.penalty_eps = 1e-3;
    assert_int_equal(ssl_masker_config_validate(&c, "masker"), 0);
    ParamStore ps;
    params_init(&ps);
    SslMasker m;
    ssl_masker_declare(&m, &ps, &c, "adv");
    params_finalize(&ps);
    Rng r;
    rng_seed(&r, 31 + (uint64_t)per_lead, 0);
    ssl_masker_init(&m, &r);
    /* batch-norm affine parameters away from 1 and 0, so that their gradients are not special */
    for (int i = 0; i < ps.n; i++)
        if (ps.trainable[i] && ps.tensor[i]->ndim == 1)
            for (int64_t k = 0; k < ps.tensor[i]->numel; k++) ps.tensor[i]->data[k] += (real)(0.3 * rng_normal(&r));
    /* masks mostly low (means near 0.2, where the penalty has a slope; at 1/2 it has none) */
    for (int64_t k = 0; k < m.head_b->numel; k++) m.head_b->data[k] = -1;
    real signal[B * 12 * L];
    for (int i = 0; i < B * 12 * L; i++) signal[i] = (real)rng_normal(&r);
    const int C = per_lead ? 12 : 1;
    R1 = malloc(sizeof(double) * B * c.n_masks * C * L);
    R2 = malloc(sizeof(double) * B * c.n_masks * 12 * L);
    for (int i = 0; i < B * c.n_masks * C * L; i++) R1[i] = 2 * rng_uniform_f64(&r) - 1;
    for (int i = 0; i < B * c.n_masks * 12 * L; i++) R2[i] = 2 * rng_uniform_f64(&r) - 1;

    Built b = build(&m, signal);
    params_zero_grad(&ps);
    graph_backward(b.g, b.loss);
    double worst = check_tensor(&b, b.x, "signal");
    int checked = 0;
    for (int i = 0; i < ps.n; i++) {
        if (!ps.trainable[i]) continue;
        double w = check_tensor(&b, ps.tensor[i], ps.name[i]);
        if (w > worst) worst = w;
        checked++;
    }
    print_message("%s masks: %d parameter tensors and the signal, worst error %.3g of the tolerance\n",
                  per_lead ? "per-lead" : "shared", checked, worst);
    assert_int_equal(checked, 1 * 3 + c.depth * 4 * 3 + 2); /* stem, 4 blocks per level, head */
    assert_true(worst <= 1);
    graph_free(b.g);
    free(R1);
    free(R2);
    params_free(&ps);
}

static void test_grad_per_lead(void **state) {
    (void)state;
    run(1);
}

static void test_grad_shared(void **state) {
    (void)state;
    run(0);
}

int main(void) {
    engine_init(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grad_per_lead),
        cmocka_unit_test(test_grad_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
