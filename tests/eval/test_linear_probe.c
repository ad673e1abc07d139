/* Linear probe: the solver against scikit-learn (tests/ref/linear_probe.json, written by
 * tools/make_probe_ref.py), optimality, selection on validation only, label fractions,
 * determinism across thread counts, degenerate classes and bad inputs. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "data/record.h"
#include "eval/label_fraction.h"
#include "eval/linear_probe.h"
#include "eval/logreg.h"
#include "eval/metrics.h"
#include "testutil.h"

#define REF_PATH "tests/ref/linear_probe.json"

typedef struct {
    cJSON *json;
    int n, d, C;
    float *x;
    uint8_t *y;
    int *split;
} Ref;

static Ref g;

static cJSON *item(const cJSON *o, const char *key) {
    cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!x) fail_msg("reference: missing \"%s\"", key);
    return x;
}

static int load_ref(void **state) {
    (void)state;
    char *text = read_file_all(REF_PATH, NULL);
    if (!text) return -1;
    g.json = cJSON_Parse(text);
    free(text);
    if (!g.json) return -1;
    g.n = item(g.json, "n")->valueint;
    g.d = item(g.json, "d")->valueint;
    g.C = item(g.json, "n_classes")->valueint;
    g.x = malloc(sizeof *g.x * (size_t)g.n * g.d);
    g.y = malloc((size_t)g.n * g.C);
    g.split = malloc(sizeof *g.split * (size_t)g.n);
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, item(g.json, "features")) g.x[i++] = (float)v->valuedouble;
    i = 0;
    cJSON_ArrayForEach(v, item(g.json, "labels")) g.y[i++] = (uint8_t)v->valueint;
    i = 0;
    cJSON_ArrayForEach(v, item(g.json, "split")) g.split[i++] = v->valueint;
    engine_init(2);
    return 0;
}

static int free_ref(void **state) {
    (void)state;
    cJSON_Delete(g.json);
    free(g.x);
    free(g.y);
    free(g.split);
    return 0;
}

static int rows_of(int split, int *rows) {
    int k = 0;
    for (int i = 0; i < g.n; i++)
        if (g.split[i] == split) rows[k++] = i;
    return k;
}

/* Copies of the rows of one split: features [k, d] and labels [k, C]. */
static int take_split(int split, float **x, uint8_t **y) {
    int *rows = malloc(sizeof *rows * (size_t)g.n), k = rows_of(split, rows);
    *x = malloc(sizeof **x * (size_t)k * g.d);
    *y = malloc((size_t)k * g.C);
    for (int r = 0; r < k; r++) {
        memcpy(*x + (size_t)r * g.d, g.x + (size_t)rows[r] * g.d, sizeof **x * (size_t)g.d);
        memcpy(*y + (size_t)r * g.C, g.y + (size_t)rows[r] * g.C, (size_t)g.C);
    }
    free(rows);
    return k;
}

static double sigmoid(double z) { return 1 / (1 + exp(-z)); }

static void test_each_C_matches_sklearn(void **state) {
    (void)state;
    float *xtr, *xte;
    uint8_t *ytr, *yte;
    int ntr = take_split(SPLIT_TRAIN, &xtr, &ytr), nte = take_split(SPLIT_TEST, &xte, &yte);
    double max_coef = 0, max_prob = 0, max_std = 0, max_exact = 0;
    const cJSON *mean = item(g.json, "mean"), *scale = item(g.json, "scale"), *fit;
    cJSON_ArrayForEach(fit, item(g.json, "fits")) {
        double c_reg = item(fit, "C")->valuedouble;
        LinearProbe p;
        if (probe_fit(xtr, ytr, ntr, g.d, g.C, c_reg, NULL, &p) != 0) fail_msg("%s", scar_last_error());
        for (int j = 0; j < g.d; j++) {
            max_std = fmax(max_std, fabs(p.mean[j] - cJSON_GetArrayItem(mean, j)->valuedouble) /
                                        fabs(cJSON_GetArrayItem(scale, j)->valuedouble));
            max_std = fmax(max_std, fabs(p.scale[j] / cJSON_GetArrayItem(scale, j)->valuedouble - 1));
        }
        for (int c = 0; c < g.C; c++) {
            assert_int_equal(p.fitted[c], 1);
            const cJSON *coef = cJSON_GetArrayItem(item(fit, "coef"), c);
            for (int j = 0; j < g.d; j++)
                max_coef = fmax(max_coef, fabs(p.coef[c * g.d + j] - cJSON_GetArrayItem(coef, j)->valuedouble));
            max_coef = fmax(max_coef, fabs(p.intercept[c] - cJSON_GetArrayItem(item(fit, "intercept"), c)->valuedouble));
            const cJSON *exact = cJSON_GetArrayItem(item(fit, "coef_intercept_newton_cg"), c);
            for (int j = 0; j <= g.d; j++)
                max_exact = fmax(max_exact, fabs((j < g.d ? p.coef[c * g.d + j] : p.intercept[c]) -
                                                 cJSON_GetArrayItem(exact, j)->valuedouble));
        }
        double *s = malloc(sizeof *s * (size_t)nte * g.C);
        probe_scores(&p, xte, nte, s);
        for (int i = 0; i < nte * g.C; i++)
            max_prob = fmax(max_prob, fabs(sigmoid(s[i]) - cJSON_GetArrayItem(item(fit, "prob_test"), i)->valuedouble));
        free(s);
        probe_free(&p);
    }
    print_message("largest difference from scikit-learn: coefficients %.2g (lbfgs), %.2g (newton-cg), "
                  "test probabilities %.2g, standardisation %.2g (relative)\n",
                  max_coef, max_exact, max_prob, max_std);
    assert_true(max_std < 1e-12);
    assert_true(max_coef < 1e-4);
    assert_true(max_exact < 1e-6);
    assert_true(max_prob < 1e-4);
    free(xtr);
    free(ytr);
    free(xte);
    free(yte);
}

/* The gradient of C * sum(logloss) + |w|^2 / 2 vanishes at the solution (independent of sklearn). */
static void test_solution_is_stationary(void **state) {
    (void)state;
    enum { N = 500, D = 8 };
    double *x = malloc(sizeof(double) * N * D), wb[D + 1] = {0};
    uint8_t y[N];
    Rng r;
    rng_seed(&r, 11, 0);
    for (int i = 0; i < N; i++) {
        double t = 0;
        for (int j = 0; j < D; j++) {
            x[i * D + j] = rng_normal(&r);
            t += x[i * D + j] * (j % 3 - 1);
        }
        y[i] = t + rng_normal(&r) > 0.3;
    }
    const double Cs[] = {1e-3, 1.0, 1e4};
    for (int k = 0; k < 3; k++) {
        LogregInfo info;
        assert_int_equal(logreg_fit(x, y, 1, N, D, Cs[k], NULL, wb, &info), 0);
        assert_true(info.converged);
        assert_true(info.iterations <= 12);
        double z[N], g[D + 1];
        logreg_decision(x, N, D, wb, z);
        for (int j = 0; j <= D; j++) g[j] = j < D ? wb[j] : 0;
        for (int i = 0; i < N; i++) {
            double res = Cs[k] * (sigmoid(z[i]) - y[i]);
            for (int j = 0; j < D; j++) g[j] += res * x[i * D + j];
            g[D] += res;
        }
        for (int j = 0; j <= D; j++)
            if (!(fabs(g[j]) < 1e-8 * (1 + Cs[k]))) fail_msg("C = %g: gradient[%d] = %g", Cs[k], j, g[j]);
    }
    free(x);
}

static void test_selection_matches_sklearn(void **state) {
    (void)state;
    const cJSON *fits = item(g.json, "fits"), *fit;
    int n_c = cJSON_GetArraySize(fits), k = 0;
    double grid[16];
    cJSON_ArrayForEach(fit, fits) grid[k++] = item(fit, "C")->valuedouble;
    ProbeData data = {g.x, g.y, g.split, g.n, g.d, g.C};
    ProbeOptions opt = {.c_grid = grid, .n_c = n_c};
    LinearProbe p;
    if (probe_train(&data, 1.0, 1, &opt, &p) != 0) fail_msg("%s", scar_last_error());
    assert_int_equal(p.n_train_rows, 200);
    k = 0;
    cJSON_ArrayForEach(fit, fits) {
        double want = item(fit, "val_macro_auroc")->valuedouble;
        if (!(fabs(p.val_macro_auroc[k] - want) < 1e-12))
            fail_msg("C = %g: validation macro AUROC %.17g, scikit-learn %.17g", grid[k], p.val_macro_auroc[k], want);
        k++;
    }
    assert_true(p.c_chosen == item(g.json, "chosen_C")->valuedouble);
    probe_free(&p);
}

static int same_probe(const LinearProbe *a, const LinearProbe *b) {
    int d = a->d, C = a->n_classes;
    return a->c_chosen == b->c_chosen && a->n_train_rows == b->n_train_rows &&
           !memcmp(a->coef, b->coef, sizeof(double) * (size_t)C * d) &&
           !memcmp(a->intercept, b->intercept, sizeof(double) * (size_t)C) &&
           !memcmp(a->val_macro_auroc, b->val_macro_auroc, sizeof(double) * (size_t)a->n_c) &&
           !memcmp(a->train_rows, b->train_rows, sizeof(int) * (size_t)a->n_train_rows);
}

/* Scrambling the test rows (labels flipped at random, features replaced, even by NaN) changes
 * nothing: neither the chosen C nor any weight. */
static void test_selection_never_reads_test_rows(void **state) {
    (void)state;
    ProbeData data = {g.x, g.y, g.split, g.n, g.d, g.C};
    LinearProbe a, b;
    assert_int_equal(probe_train(&data, 0.5, 3, NULL, &a), 0);
    float *x = malloc(sizeof *x * (size_t)g.n * g.d);
    uint8_t *y = malloc((size_t)g.n * g.C);
    memcpy(x, g.x, sizeof *x * (size_t)g.n * g.d);
    memcpy(y, g.y, (size_t)g.n * g.C);
    Rng r;
    rng_seed(&r, 99, 0);
    int changed = 0;
    for (int i = 0; i < g.n; i++) {
        if (g.split[i] != SPLIT_TEST) continue;
        for (int c = 0; c < g.C; c++) {
            y[i * g.C + c] = (uint8_t)rng_below(&r, 2);
            changed += y[i * g.C + c] != g.y[i * g.C + c];
        }
        for (int j = 0; j < g.d; j++) x[i * g.d + j] = i % 7 ? (float)rng_normal(&r) * 100 : NAN;
    }
    assert_true(changed > 50);
    ProbeData scrambled = {x, y, g.split, g.n, g.d, g.C};
    assert_int_equal(probe_train(&scrambled, 0.5, 3, NULL, &b), 0);
    assert_true(same_probe(&a, &b));
    /* while changing the validation labels does move the selection curve */
    LinearProbe v;
    memcpy(y, g.y, (size_t)g.n * g.C);
    for (int i = 0; i < g.n; i++)
        if (g.split[i] == SPLIT_VAL && i % 3 == 0) y[i * g.C] ^= 1;
    assert_int_equal(probe_train(&scrambled, 0.5, 3, NULL, &v), 0);
    assert_true(memcmp(a.val_macro_auroc, v.val_macro_auroc, sizeof(double) * (size_t)a.n_c) != 0);
    probe_free(&a);
    probe_free(&b);
    probe_free(&v);
    free(x);
    free(y);
}

/* Synthetic embeddings: n rows, d features, C classes; single-label (one class per row) or
 * multi-label; class c is visible along feature c. split: 60% train, 20% val, 20% test. */
typedef struct {
    int n, d, C;
    float *x;
    uint8_t *y;
    int *split;
} Synth;

static Synth synth(int n, int d, int C, int single_label, uint64_t seed) {
    Synth s = {n, d, C, malloc(sizeof(float) * (size_t)n * d), calloc((size_t)n * C, 1),
               malloc(sizeof(int) * (size_t)n)};
    Rng r;
    rng_seed(&r, seed, 0);
    for (int i = 0; i < n; i++) {
        s.split[i] = i % 5 < 3 ? SPLIT_TRAIN : i % 5 == 3 ? SPLIT_VAL : SPLIT_TEST;
        if (single_label) s.y[i * C + (int)rng_below(&r, (uint32_t)C)] = 1;
        else
            for (int c = 0; c < C; c++) s.y[i * C + c] = rng_uniform_f64(&r) < 0.08 * (c + 1);
        for (int j = 0; j < d; j++) {
            double v = rng_normal(&r);
            if (j < C) v += 1.5 * s.y[i * C + j];
            s.x[(size_t)i * d + j] = (float)(v * (1 + j % 4) + j);
        }
    }
    return s;
}

static void synth_free(Synth *s) {
    free(s->x);
    free(s->y);
    free(s->split);
}

static void test_same_bits_any_thread_count(void **state) {
    (void)state;
    Synth s = synth(1500, 24, 5, 0, 4);
    ProbeData data = {s.x, s.y, s.split, s.n, s.d, s.C};
    LinearProbe a, b, c;
    engine_init(1);
    assert_int_equal(probe_train(&data, 0.1, 5, NULL, &a), 0);
    engine_init(2);
    assert_int_equal(probe_train(&data, 0.1, 5, NULL, &b), 0);
    engine_init(4);
    assert_int_equal(probe_train(&data, 0.1, 5, NULL, &c), 0);
    engine_init(2);
    assert_true(same_probe(&a, &b));
    assert_true(same_probe(&a, &c));
    probe_free(&a);
    probe_free(&b);
    probe_free(&c);
    synth_free(&s);
}

static void test_label_fraction_rule(void **state) {
    (void)state;
    Synth s = synth(3000, 4, 6, 1, 6);
    int *train = malloc(sizeof(int) * (size_t)s.n), n_train = 0;
    for (int i = 0; i < s.n; i++)
        if (s.split[i] == SPLIT_TRAIN) train[n_train++] = i;
    int *a = malloc(sizeof(int) * (size_t)n_train), *b = malloc(sizeof(int) * (size_t)n_train);
    const double fractions[] = {0.001, 0.01, 0.05, 0.1, 0.5};
    for (int f = 0; f < 5; f++) {
        int na = label_fraction_sample(s.y, s.C, train, n_train, fractions[f], 1, a);
        /* single-label: exactly max(1, round(f * P_c)) rows of each class */
        int want = 0;
        for (int c = 0; c < s.C; c++) {
            int P = 0, kept = 0;
            for (int k = 0; k < n_train; k++) P += s.y[train[k] * s.C + c];
            for (int k = 0; k < na; k++) kept += s.y[a[k] * s.C + c];
            int need = (int)lround(fractions[f] * P);
            if (need < 1) need = 1;
            assert_int_equal(kept, need);
            want += need;
        }
        assert_int_equal(na, want);
        for (int k = 0; k < na; k++) {
            assert_int_equal(s.split[a[k]], SPLIT_TRAIN);
            if (k) assert_true(a[k] > a[k - 1]);
        }
        int nb = label_fraction_sample(s.y, s.C, train, n_train, fractions[f], 1, b);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, sizeof(int) * (size_t)na);
        nb = label_fraction_sample(s.y, s.C, train, n_train, fractions[f], 2, b);
        assert_true(na != nb || memcmp(a, b, sizeof(int) * (size_t)na) != 0);
    }
    assert_int_equal(label_fraction_sample(s.y, s.C, train, n_train, 1.0, 1, a), n_train);
    assert_int_equal(label_fraction_sample(s.y, s.C, train, n_train, 0, 1, a), -1);
    assert_non_null(strstr(scar_last_error(), "label fraction"));
    synth_free(&s);

    /* multi-label: every class with positives keeps one; rows without any class keep their share */
    s = synth(3000, 4, 6, 0, 7);
    n_train = 0;
    for (int i = 0; i < s.n; i++)
        if (s.split[i] == SPLIT_TRAIN) train[n_train++] = i;
    int n_none = 0;
    for (int k = 0; k < n_train; k++) {
        int any = 0;
        for (int c = 0; c < s.C; c++) any |= s.y[train[k] * s.C + c];
        n_none += !any;
    }
    int na = label_fraction_sample(s.y, s.C, train, n_train, 0.01, 9, a), kept_none = 0;
    for (int c = 0; c < s.C; c++) {
        int kept = 0;
        for (int k = 0; k < na; k++) kept += s.y[a[k] * s.C + c];
        assert_true(kept >= 1);
    }
    for (int k = 0; k < na; k++) {
        int any = 0;
        for (int c = 0; c < s.C; c++) any |= s.y[a[k] * s.C + c];
        kept_none += !any;
    }
    assert_int_equal(kept_none, (int)lround(0.01 * n_none));
    free(train);
    free(a);
    free(b);
    synth_free(&s);
}

/* Single-label sets by one-vs-rest; a signal along feature c is found at 10% of the labels. */
static void test_single_label_probe_learns(void **state) {
    (void)state;
    Synth s = synth(4000, 16, 4, 1, 8);
    ProbeData data = {s.x, s.y, s.split, s.n, s.d, s.C};
    LinearProbe p;
    assert_int_equal(probe_train(&data, 0.1, 1, NULL, &p), 0);
    assert_true(p.n_train_rows > 200 && p.n_train_rows < 280);   /* 10% of 2400 */
    double *sc = malloc(sizeof(double) * (size_t)s.n * s.C), per[4];
    probe_scores(&p, s.x, s.n, sc);
    /* test rows only */
    int nt = 0;
    double *ts = malloc(sizeof(double) * (size_t)s.n * s.C);
    uint8_t *ty = malloc((size_t)s.n * s.C);
    for (int i = 0; i < s.n; i++)
        if (s.split[i] == SPLIT_TEST) {
            memcpy(ts + (size_t)nt * s.C, sc + (size_t)i * s.C, sizeof(double) * (size_t)s.C);
            memcpy(ty + (size_t)nt * s.C, s.y + (size_t)i * s.C, (size_t)s.C);
            nt++;
        }
    double auroc = metric_auroc_classes(ts, ty, nt, s.C, per, NULL);
    print_message("single-label probe: test macro AUROC %.3f, chosen C %g\n", auroc, p.c_chosen);
    assert_true(auroc > 0.8);
    for (int c = 0; c < s.C; c++) assert_true(p.fitted[c]);
    free(sc);
    free(ts);
    free(ty);
    probe_free(&p);
    synth_free(&s);
}

static void test_degenerate_class_and_bad_inputs(void **state) {
    (void)state;
    Synth s = synth(600, 6, 3, 0, 10);
    for (int i = 0; i < s.n; i++)
        if (s.split[i] == SPLIT_TRAIN) s.y[i * s.C + 1] = 0;   /* class 1: no training positives */
    ProbeData data = {s.x, s.y, s.split, s.n, s.d, s.C};
    LinearProbe p;
    assert_int_equal(probe_train(&data, 1.0, 1, NULL, &p), 0);
    assert_int_equal(p.fitted[1], 0);
    assert_int_equal(p.fitted[0], 1);
    for (int j = 0; j < s.d; j++) assert_true(p.coef[1 * s.d + j] == 0);
    assert_true(p.intercept[1] < -5);   /* log(0.5 / (360.5)) */
    probe_free(&p);

    /* several C values but no validation rows: nothing to choose by */
    for (int i = 0; i < s.n; i++)
        if (s.split[i] == SPLIT_VAL) s.split[i] = SPLIT_TEST;
    assert_int_equal(probe_train(&data, 1.0, 1, NULL, &p), -1);
    assert_non_null(strstr(scar_last_error(), "no validation rows"));
    /* a single C needs none */
    double one = 0.5;
    ProbeOptions opt = {.c_grid = &one, .n_c = 1};
    assert_int_equal(probe_train(&data, 1.0, 1, &opt, &p), 0);
    assert_true(p.c_chosen == 0.5 && isnan(p.val_macro_auroc[0]));
    probe_free(&p);

    s.x[5 * s.d + 2] = NAN;   /* row 5 is a training row */
    assert_int_equal(probe_train(&data, 1.0, 1, &opt, &p), -1);
    assert_non_null(strstr(scar_last_error(), "row 5, dimension 2"));
    s.x[5 * s.d + 2] = 0;
    double bad = -1;
    opt.c_grid = &bad;
    assert_int_equal(probe_train(&data, 1.0, 1, &opt, &p), -1);
    assert_non_null(strstr(scar_last_error(), "must be positive"));
    for (int i = 0; i < s.n; i++) s.split[i] = SPLIT_TEST;
    assert_int_equal(probe_train(&data, 1.0, 1, NULL, &p), -1);
    assert_non_null(strstr(scar_last_error(), "no training rows"));
    synth_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_C_matches_sklearn),
        cmocka_unit_test(test_solution_is_stationary),
        cmocka_unit_test(test_selection_matches_sklearn),
        cmocka_unit_test(test_selection_never_reads_test_rows),
        cmocka_unit_test(test_same_bits_any_thread_count),
        cmocka_unit_test(test_label_fraction_rule),
        cmocka_unit_test(test_single_label_probe_learns),
        cmocka_unit_test(test_degenerate_class_and_bad_inputs),
    };
    return cmocka_run_group_tests(tests, load_ref, free_ref);
}
