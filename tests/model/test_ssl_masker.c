/* The adversarial mask generator (model/ssl_masker.h): the sharpened sigmoid and the sparsity
 * penalty (values and gradients) against hand-computed cases, the views, the network's shapes and
 * ranges for per-lead and shared masks and odd lengths, its parameters, determinism across thread
 * counts, and one gradient-ascent step raising what the adversary maximises. The gradients of the
 * whole network against finite differences are in test_ssl_masker_grad_f64.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "model/ssl_masker.h"
#include "testutil.h"

#define PI 3.14159265358979323846

/* ---- sharpened sigmoid ---- */

/* sigmoid(k x) and its slope k s (1 - s) for one value */
static void sharpen_one(double x, double k, double *value, double *slope) {
    Graph *g = graph_new(1 << 16);
    Tensor *t = tensor_copy_of(g, (const real[]){(real)x}, SHAPE(1));
    t->requires_grad = 1;
    Tensor *y = ssl_mask_sharpen(g, t, k);
    graph_backward(g, y);
    *value = y->data[0];
    *slope = t->grad[0];
    graph_free(g);
}

static void test_sharpen_hand_values(void **state) {
    (void)state;
    /* sigmoid(log 3) = 3/4, sigmoid(-log 9) = 1/10, sigmoid(log 4) = 4/5, sigmoid(0) = 1/2 */
    const struct {
        double x, k, value, slope;
    } cases[] = {
        {0, 1, 0.5, 0.25},
        {log(3.0) / 4, 4, 0.75, 4 * 0.75 * 0.25},
        {-log(9.0) / 2, 2, 0.1, 2 * 0.1 * 0.9},
        {log(4.0) / 3, 3, 0.8, 3 * 0.8 * 0.2},
        {0, 50, 0.5, 50 * 0.25},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double v, s;
        sharpen_one(cases[i].x, cases[i].k, &v, &s);
        assert_true(fabs(v - cases[i].value) < 1e-6);
        assert_true(fabs(s - cases[i].slope) < 1e-5 * cases[i].k);
    }
    /* sharper is closer to a step: the same logit gives a value nearer 0 or 1 */
    double v1, v8, s;
    sharpen_one(0.3, 1, &v1, &s);
    sharpen_one(0.3, 8, &v8, &s);
    assert_true(v8 > v1 && v8 > 0.9);
}

/* ---- sparsity penalty ---- */

/* masks [B=2, N=2, C, L=6] whose four masks have the given element patterns (each repeated over C) */
static Tensor *pattern_masks(Graph *g, int C, const double pat[4][6]) {
    Tensor *m = tensor_new(g, SHAPE(2, 2, C, 6));
    for (int bn = 0; bn < 4; bn++)
        for (int c = 0; c < C; c++)
            for (int t = 0; t < 6; t++) m->data[((size_t)bn * C + c) * 6 + t] = (real)pat[bn][t];
    m->requires_grad = 1;
    return m;
}

static void test_penalty_hand_values(void **state) {
    (void)state;
    const double alpha = 0.5;
    /* means 1/2, 1/6, 1/4 (as 1.5/6), 3/4 */
    const double pat[4][6] = {{1, 0, 1, 0, 1, 0}, {0, 0, 0, 0, 0, 1}, {0.5, 0.25, 0.75, 0, 0, 0}, {1, 1, 1, 1, 0.5, 0}};
    /* 1/sin(pi m): 1, 2, sqrt 2, sqrt 2; d/dm: -pi cos / sin^2 = 0, -2 sqrt(3) pi, -sqrt(2) pi, +sqrt(2) pi */
    const double inv_sin[4] = {1, 2, sqrt(2.0), sqrt(2.0)};
    const double slope[4] = {0, -2 * sqrt(3.0) * PI, -sqrt(2.0) * PI, sqrt(2.0) * PI};
    for (int C = 1; C <= 12; C += 11) { /* shared masks and per-lead masks */
        Graph *g = graph_new(1 << 20);
        Tensor *m = pattern_masks(g, C, pat);
        Tensor *p = ssl_masker_penalty(g, m, alpha, 1e-3);
        assert_true(fabs(p->data[0] - alpha * (inv_sin[0] + inv_sin[1] + inv_sin[2] + inv_sin[3]) / 4) < 1e-6);
        assert_true(fabs(p->data[0] - alpha * (3 + 2 * sqrt(2.0)) / 4) < 1e-6);
        graph_backward(g, p);
        for (int bn = 0; bn < 4; bn++) {
            const double want = alpha / 4 * slope[bn] / (C * 6); /* mean over B N, then over C L elements */
            for (int e = 0; e < C * 6; e++) assert_true(fabs(m->grad[bn * C * 6 + e] - want) < 1e-5 * (1 + fabs(want)));
        }
        graph_free(g);
    }
    /* alpha scales it; alpha 0 turns it off */
    Graph *g = graph_new(1 << 20);
    Tensor *m = pattern_masks(g, 1, pat);
    assert_true(fabs(ssl_masker_penalty(g, m, 2.0, 1e-3)->data[0] - 2.0 * (3 + 2 * sqrt(2.0)) / 4) < 1e-5);
    assert_true(ssl_masker_penalty(g, m, 0.0, 1e-3)->data[0] == 0);
    graph_free(g);
}

static void test_penalty_at_zero_and_one(void **state) {
    (void)state;
    const double eps = 1e-3, alpha = 1;
    /* masks with mean 0, 1, 1e-4 (inside the clamp) and 1/2 */
    const double pat[4][6] = {{0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1}, {6e-4, 0, 0, 0, 0, 0}, {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}};
    Graph *g = graph_new(1 << 20);
    Tensor *m = pattern_masks(g, 1, pat);
    Tensor *p = ssl_masker_penalty(g, m, alpha, eps);
    /* the clamp: 1/sin(pi eps) = 318.3100 for each of the three outer masks, 1 for the last */
    const double edge = 1 / sin(PI * eps);
    assert_true(isfinite(p->data[0]));
    assert_true(fabs(p->data[0] - (3 * edge + 1) / 4) < 1e-3);
    graph_backward(g, p);
    /* the slope at the clamp point goes back: a mask stuck at 0 is pushed up, one at 1 down */
    const double s = PI * cos(PI * eps) / (sin(PI * eps) * sin(PI * eps)) / 4 / 6;
    for (int t = 0; t < 6; t++) {
        assert_true(fabs(m->grad[0 * 6 + t] + s) < 1e-4 * s);
        assert_true(fabs(m->grad[1 * 6 + t] - s) < 1e-4 * s);
        assert_true(fabs(m->grad[2 * 6 + t] + s) < 1e-4 * s);
        assert_true(fabs(m->grad[3 * 6 + t]) < 1e-6);
    }
    graph_free(g);
}

/* ---- views ---- */

static void test_views(void **state) {
    (void)state;
    enum { L = 3 };
    Graph *g = graph_new(1 << 20);
    Tensor *x = tensor_new(g, SHAPE(1, 12, L));
    for (int i = 0; i < 12 * L; i++) x->data[i] = (real)(i + 1);
    /* per lead: view n = x (1 - mask n) */
    Tensor *m = tensor_new(g, SHAPE(1, 2, 12, L));
    for (int i = 0; i < 2 * 12 * L; i++) m->data[i] = (real)((i % 5) / 4.0);
    m->requires_grad = 1;
    Tensor *v = ssl_masker_views(g, x, m);
    assert_int_equal(v->ndim, 4);
    assert_int_equal(v->shape[1], 2);
    assert_int_equal(v->shape[2], 12);
    for (int n = 0; n < 2; n++)
        for (int i = 0; i < 12 * L; i++) {
            double mask = ((n * 12 * L + i) % 5) / 4.0;
            assert_true(fabs(v->data[n * 12 * L + i] - (i + 1) * (1 - mask)) < 1e-5);
        }
    /* d view / d mask = -x */
    real *ones = graph_alloc(g, (size_t)v->numel * sizeof *ones);
    for (int64_t i = 0; i < v->numel; i++) ones[i] = 1;
    graph_backward_from(g, v, ones);
    for (int n = 0; n < 2; n++)
        for (int i = 0; i < 12 * L; i++) assert_true(fabs(m->grad[n * 12 * L + i] + (i + 1)) < 1e-5);
    graph_free(g);

    /* shared: one mask per time sample, the same for every lead */
    g = graph_new(1 << 20);
    x = tensor_new(g, SHAPE(2, 12, L));
    for (int i = 0; i < 2 * 12 * L; i++) x->data[i] = (real)(0.5 * i - 7);
    Tensor *ms = tensor_new(g, SHAPE(2, 3, 1, L));
    for (int i = 0; i < 2 * 3 * L; i++) ms->data[i] = (real)(i % 3 == 0 ? 1 : i % 3 == 1 ? 0 : 0.25);
    ms->requires_grad = 1;
    v = ssl_masker_views(g, x, ms);
    assert_int_equal(v->shape[0], 2);
    assert_int_equal(v->shape[1], 3);
    real *up = graph_alloc(g, (size_t)v->numel * sizeof *up);
    for (int64_t i = 0; i < v->numel; i++) up[i] = 1;
    graph_backward_from(g, v, up);
    for (int b = 0; b < 2; b++)
        for (int n = 0; n < 3; n++)
            for (int t = 0; t < L; t++) {
                double mask = ms->data[(b * 3 + n) * L + t], dsum = 0;
                for (int l = 0; l < 12; l++) {
                    double xv = x->data[(b * 12 + l) * L + t];
                    assert_true(fabs(v->data[((b * 3 + n) * 12 + l) * L + t] - xv * (1 - mask)) < 1e-5);
                    dsum -= xv;
                }
                /* the gradient of a shared mask sums over the leads it covers */
                assert_true(fabs(ms->grad[(b * 3 + n) * L + t] - dsum) < 1e-4);
            }
    graph_free(g);
}

/* ---- the network ---- */

static SslMaskerConfig tiny_config(int per_lead) {
    SslMaskerConfig c = ssl_masker_config_default();
    c.n_masks = 3, c.per_lead = per_lead, c.channels = 4, c.depth = 3, c.kernel = 5;
    return c;
}

static void make_masker(SslMasker *m, ParamStore *ps, const SslMaskerConfig *c, uint64_t seed) {
    params_init(ps);
    ssl_masker_declare(m, ps, c, "adv");
    params_finalize(ps);
    Rng r;
    rng_seed(&r, seed, 0);
    ssl_masker_init(m, &r);
}

static Tensor *random_signal(Graph *g, int B, int L, uint64_t seed) {
    Tensor *x = tensor_new(g, SHAPE(B, 12, L));
    Rng r;
    rng_seed(&r, seed, 1);
    for (int64_t i = 0; i < x->numel; i++) x->data[i] = (real)(sin(0.3 * (double)(i % L)) + 0.3 * rng_normal(&r));
    return x;
}

static void test_forward_shapes(void **state) {
    (void)state;
    const int lengths[] = {8, 37, 64, 1000};
    for (int per_lead = 0; per_lead < 2; per_lead++) {
        SslMaskerConfig c = tiny_config(per_lead);
        assert_int_equal(ssl_masker_config_validate(&c, "masker"), 0);
        SslMasker m;
        ParamStore ps;
        make_masker(&m, &ps, &c, 3);
        for (size_t li = 0; li < sizeof lengths / sizeof *lengths; li++) {
            const int L = lengths[li], B = 3, C = per_lead ? 12 : 1;
            for (int training = 0; training < 2; training++) {
                Graph *g = graph_new(1 << 22);
                g->training = training;
                Tensor *x = random_signal(g, B, L, 5);
                Tensor *lg = ssl_masker_logits(g, &m, x);
                assert_int_equal(lg->ndim, 3);
                assert_int_equal(lg->shape[1], c.n_masks * C);
                assert_int_equal(lg->shape[2], L);
                Tensor *mk = ssl_masker_forward(g, &m, x);
                assert_int_equal(mk->ndim, 4);
                assert_int_equal(mk->shape[0], B);
                assert_int_equal(mk->shape[1], c.n_masks);
                assert_int_equal(mk->shape[2], C);
                assert_int_equal(mk->shape[3], L);
                double lo = 1, hi = 0;
                for (int64_t i = 0; i < mk->numel; i++) {
                    assert_true(mk->data[i] >= 0 && mk->data[i] <= 1);
                    lo = fmin(lo, mk->data[i]), hi = fmax(hi, mk->data[i]);
                    /* the masks are the sharpened logits */
                    double want = 1 / (1 + exp(-c.sharpness * lg->data[i]));
                    assert_true(fabs(mk->data[i] - want) < 1e-5);
                }
                assert_true(hi - lo > 0.1); /* not a constant */
                Tensor *v = ssl_masker_views(g, x, mk);
                assert_int_equal(v->shape[1], c.n_masks);
                assert_int_equal(v->shape[2], 12);
                Tensor *p = ssl_masker_penalty(g, mk, c.alpha, c.penalty_eps);
                assert_true(isfinite(p->data[0]) && p->data[0] >= c.alpha);
                graph_free(g);
            }
        }
        params_free(&ps);
    }
}

static void test_parameters(void **state) {
    (void)state;
    SslMaskerConfig c = ssl_masker_config_default();
    c.n_masks = 2, c.per_lead = 1, c.channels = 4, c.depth = 2, c.kernel = 3;
    SslMasker m;
    ParamStore ps;
    make_masker(&m, &ps, &c, 1);
    /* by hand: stem 4*12*3 + bn 2*4; level 1: down 8*4*4, conv 8*8*3, up 8*4*4, conv 4*8*3, bns
     * 2*(8+8+4+4); level 2: down 16*8*4, conv 16*16*3, up 16*8*4, conv 8*16*3, bns 2*(16+16+8+8);
     * head 24*4 + 24 */
    const int64_t want = 144 + 8 + (128 + 192 + 128 + 96 + 48) + (512 + 768 + 512 + 384 + 96) + 96 + 24;
    assert_int_equal(params_count(&ps), want);
    const char *names[] = {"adv.stem.w", "adv.stem.bn_mean", "adv.down.0.w", "adv.down_conv.1.bn_w", "adv.up.1.w",
                           "adv.up_conv.0.bn_var", "adv.head.w", "adv.head.b"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) assert_non_null(params_find(&ps, names[i]));
    assert_null(params_find(&ps, "adv.down.2.w"));
    Tensor *up = params_find(&ps, "adv.up.1.w"); /* transposed: [Cin, Cout, K] = [16, 8, 4] */
    assert_int_equal(up->shape[0], 16);
    assert_int_equal(up->shape[1], 8);
    assert_int_equal(up->shape[2], 4);
    params_free(&ps);

    SslMaskerConfig bad = c;
    bad.kernel = 4;
    assert_int_equal(ssl_masker_config_validate(&bad, "masker"), -1);
    bad = c, bad.sharpness = 0.5;
    assert_int_equal(ssl_masker_config_validate(&bad, "masker"), -1);
    bad = c, bad.penalty_eps = 0.5;
    assert_int_equal(ssl_masker_config_validate(&bad, "masker"), -1);
    bad = c, bad.depth = SSL_MASKER_MAX_DEPTH + 1;
    assert_int_equal(ssl_masker_config_validate(&bad, "masker"), -1);
    assert_int_equal(ssl_masker_min_length(&c), 4);
}

static void test_determinism(void **state) {
    (void)state;
    SslMaskerConfig c = tiny_config(1);
    real *first = NULL;
    int64_t n = 0;
    for (int threads = 1; threads <= 2; threads++) {
        engine_init(threads);
        SslMasker m;
        ParamStore ps;
        make_masker(&m, &ps, &c, 9);
        Graph *g = graph_new(1 << 22);
        Tensor *mk = ssl_masker_forward(g, &m, random_signal(g, 4, 200, 2));
        if (!first) {
            n = mk->numel;
            first = malloc((size_t)n * sizeof *first);
            memcpy(first, mk->data, (size_t)n * sizeof *first);
        } else {
            assert_memory_equal(first, mk->data, (size_t)n * sizeof *first);
        }
        graph_free(g);
        params_free(&ps);
    }
    engine_init(0);
    free(first);
}

/* What the adversary maximises on a fixed batch: the share of the signal's energy its masks take
 * away, minus the penalty. One plain gradient-ascent step on the masker's parameters raises it. */
static double adversary_objective(SslMasker *m, ParamStore *ps, int backward) {
    Graph *g = graph_new(1 << 22);
    Tensor *x = random_signal(g, 4, 128, 12);
    Tensor *mk = ssl_masker_forward(g, m, x);
    Tensor *removed = op_sub(g, ssl_masker_views(g, x, op_scale(g, mk, 0.0)), ssl_masker_views(g, x, mk));
    Tensor *energy = op_mean(g, op_mul(g, removed, removed));
    Tensor *J = op_sub(g, energy, ssl_masker_penalty(g, mk, 0.05, m->cfg.penalty_eps));
    double value = J->data[0];
    if (backward) {
        params_zero_grad(ps);
        graph_backward(g, J);
    }
    graph_free(g);
    return value;
}

static void test_ascent_step(void **state) {
    (void)state;
    SslMaskerConfig c = tiny_config(0);
    SslMasker m;
    ParamStore ps;
    make_masker(&m, &ps, &c, 4);
    double before = adversary_objective(&m, &ps, 1), gnorm = 0;
    for (int64_t i = 0; i < ps.total; i++) gnorm += (double)ps.grad[i] * ps.grad[i];
    assert_true(gnorm > 0);
    const double lr = 1e-2 / sqrt(gnorm);
    for (int i = 0; i < ps.n; i++)
        if (ps.trainable[i])
            for (int64_t k = 0; k < ps.tensor[i]->numel; k++) ps.data[ps.offset[i] + k] += (real)(lr * ps.grad[ps.offset[i] + k]);
    double after = adversary_objective(&m, &ps, 0);
    print_message("adversary objective %.6f -> %.6f after one ascent step\n", before, after);
    assert_true(after > before);
    params_free(&ps);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sharpen_hand_values), cmocka_unit_test(test_penalty_hand_values),
        cmocka_unit_test(test_penalty_at_zero_and_one), cmocka_unit_test(test_views),
        cmocka_unit_test(test_forward_shapes),      cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_determinism),         cmocka_unit_test(test_ascent_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
