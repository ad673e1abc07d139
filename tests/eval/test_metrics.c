/* Metrics against scikit-learn on fixed inputs (tests/ref/metrics.json, written by
 * tools/make_metrics_ref.py), plus properties and hand-computed values. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "eval/bootstrap.h"
#include "eval/metrics.h"
#include "testutil.h"

#define REF_PATH "tests/ref/metrics.json"
#define TOL 1e-12

static cJSON *g_ref;
static double g_max_diff;   /* largest deviation from scikit-learn seen, printed at the end */

static int load_ref(void **state) {
    (void)state;
    char *text = read_file_all(REF_PATH, NULL);
    if (!text) return -1;
    g_ref = cJSON_Parse(text);
    free(text);
    return g_ref ? 0 : -1;
}

static int free_ref(void **state) {
    (void)state;
    print_message("largest deviation from scikit-learn: %.3g\n", g_max_diff);
    cJSON_Delete(g_ref);
    return 0;
}

static cJSON *item(const cJSON *o, const char *key) {
    cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!x) fail_msg("reference: missing \"%s\"", key);
    return x;
}

static double *doubles(const cJSON *a, int *n) {
    *n = cJSON_GetArraySize(a);
    double *v = malloc(sizeof *v * (size_t)(*n ? *n : 1));
    int i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, a) v[i++] = cJSON_IsNull(x) ? NAN : x->valuedouble;
    return v;
}

static uint8_t *bytes(const cJSON *a, int *n) {
    *n = cJSON_GetArraySize(a);
    uint8_t *v = malloc((size_t)(*n ? *n : 1));
    int i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, a) v[i++] = (uint8_t)x->valueint;
    return v;
}

/* A reference value: null means "undefined" (NaN here), or +inf for a threshold. */
static void expect_ref(double got, const cJSON *want, double if_null, const char *what) {
    if (cJSON_IsNull(want)) {
        int ok = isnan(if_null) ? isnan(got) : got == if_null;
        if (!ok) fail_msg("%s: got %.17g, expected %g", what, got, if_null);
        return;
    }
    if (fabs(got - want->valuedouble) > g_max_diff) g_max_diff = fabs(got - want->valuedouble);
    if (!(fabs(got - want->valuedouble) <= TOL))
        fail_msg("%s: got %.17g, scikit-learn %.17g (diff %.3g)", what, got, want->valuedouble,
                 fabs(got - want->valuedouble));
}

static void test_binary_cases_match_sklearn(void **state) {
    (void)state;
    const cJSON *c;
    int checked = 0;
    cJSON_ArrayForEach(c, item(g_ref, "binary")) {
        int n, n2;
        double *s = doubles(item(c, "scores"), &n);
        uint8_t *y = bytes(item(c, "labels"), &n2);
        assert_int_equal(n, n2);
        char what[128];
        const char *name = item(c, "name")->valuestring;
        snprintf(what, sizeof what, "%s AUROC", name);
        expect_ref(metric_auroc(s, y, n), item(c, "auroc"), NAN, what);
        snprintf(what, sizeof what, "%s AUPRC", name);
        expect_ref(metric_auprc(s, y, n), item(c, "auprc"), NAN, what);
        free(s);
        free(y);
        checked++;
    }
    assert_true(checked >= 10);
}

static void test_thresholds_f1_accuracy_match_sklearn(void **state) {
    (void)state;
    const cJSON *c;
    int checked = 0;
    cJSON_ArrayForEach(c, item(g_ref, "threshold")) {
        int nv, nt, k;
        double *vs = doubles(item(c, "val_scores"), &nv);
        uint8_t *vy = bytes(item(c, "val_labels"), &k);
        double *ts = doubles(item(c, "test_scores"), &nt);
        uint8_t *ty = bytes(item(c, "test_labels"), &k);
        const char *name = item(c, "name")->valuestring;
        char what[128];
        double t = metric_best_threshold(vs, vy, nv);
        snprintf(what, sizeof what, "%s threshold", name);
        expect_ref(t, item(c, "threshold"), INFINITY, what);
        snprintf(what, sizeof what, "%s F1", name);
        expect_ref(metric_f1_at(ts, ty, nt, t), item(c, "f1"), NAN, what);
        snprintf(what, sizeof what, "%s accuracy", name);
        expect_ref(metric_accuracy_at(ts, ty, nt, t), item(c, "accuracy"), NAN, what);
        free(vs);
        free(vy);
        free(ts);
        free(ty);
        checked++;
    }
    assert_true(checked >= 6);
}

typedef struct {
    const char *name;
    int C, n_val, n_test, single_label;
    double *vs, *ts;
    uint8_t *vy, *ty;
} MatrixCase;

static void matrix_case_load(const cJSON *c, MatrixCase *m) {
    int k;
    m->name = item(c, "name")->valuestring;
    m->C = item(c, "n_classes")->valueint;
    m->n_val = item(c, "n_val")->valueint;
    m->n_test = item(c, "n_test")->valueint;
    m->single_label = cJSON_IsTrue(item(c, "single_label"));
    m->vs = doubles(item(c, "val_scores"), &k);
    assert_int_equal(k, m->n_val * m->C);
    m->ts = doubles(item(c, "test_scores"), &k);
    assert_int_equal(k, m->n_test * m->C);
    m->vy = bytes(item(c, "val_labels"), &k);
    m->ty = bytes(item(c, "test_labels"), &k);
}

static void matrix_case_free(MatrixCase *m) {
    free(m->vs);
    free(m->ts);
    free(m->vy);
    free(m->ty);
}

/* Both paths: the per-class functions and eval_metrics_compute (no bootstrap). */
static void test_matrix_cases_match_sklearn(void **state) {
    (void)state;
    const cJSON *c;
    int checked = 0;
    cJSON_ArrayForEach(c, item(g_ref, "matrix")) {
        MatrixCase m;
        matrix_case_load(c, &m);
        const cJSON *per = item(c, "per_class"), *macro = item(c, "macro");
        char what[160];

        double *thr = malloc(sizeof *thr * (size_t)m.C), *pc = malloc(sizeof *pc * (size_t)m.C);
        metric_best_thresholds(m.vs, m.vy, m.n_val, m.C, thr);
        for (int k = 0; k < m.C; k++) {
            snprintf(what, sizeof what, "%s threshold of class %d", m.name, k);
            expect_ref(thr[k], cJSON_GetArrayItem(item(c, "thresholds"), k), INFINITY, what);
        }
        int n_undef;
        double mac = metric_auroc_classes(m.ts, m.ty, m.n_test, m.C, pc, &n_undef);
        expect_ref(mac, item(item(macro, "auroc"), "value"), NAN, "macro AUROC");
        assert_int_equal(n_undef, item(item(macro, "auroc"), "n_undefined")->valueint);
        mac = metric_auprc_classes(m.ts, m.ty, m.n_test, m.C, pc, &n_undef);
        expect_ref(mac, item(item(macro, "auprc"), "value"), NAN, "macro AUPRC");
        assert_int_equal(n_undef, item(item(macro, "auprc"), "n_undefined")->valueint);
        mac = metric_f1_classes(m.ts, m.ty, m.n_test, m.C, thr, pc, &n_undef);
        expect_ref(mac, item(item(macro, "f1"), "value"), NAN, "macro F1");
        assert_int_equal(n_undef, item(item(macro, "f1"), "n_undefined")->valueint);
        if (m.single_label)
            expect_ref(metric_top1_accuracy(m.ts, m.ty, m.n_test, m.C), item(item(macro, "accuracy"), "value"),
                         NAN, "top-1 accuracy");
        else
            expect_ref(metric_accuracy_classes(m.ts, m.ty, m.n_test, m.C, thr, pc),
                         item(item(macro, "accuracy"), "value"), NAN, "mean per-class accuracy");

        EvalMetrics e;
        EvalOptions opt = {.single_label = m.single_label, .n_boot = 0};
        if (eval_metrics_compute(m.ts, m.ty, m.n_test, m.vs, m.vy, m.n_val, m.C, &opt, &e) != 0)
            fail_msg("%s", scar_last_error());
        for (int k = 0; k < N_METRICS; k++) {
            const cJSON *pk = item(per, METRIC_NAMES[k]), *mk = item(macro, METRIC_NAMES[k]);
            for (int j = 0; j < m.C; j++) {
                snprintf(what, sizeof what, "%s %s of class %d", m.name, METRIC_NAMES[k], j);
                expect_ref(e.metric[k].per_class[j].value, cJSON_GetArrayItem(pk, j), NAN, what);
                assert_true(isnan(e.metric[k].per_class[j].lo));
            }
            snprintf(what, sizeof what, "%s macro %s", m.name, METRIC_NAMES[k]);
            expect_ref(e.metric[k].macro.value, item(mk, "value"), NAN, what);
            assert_int_equal(e.metric[k].n_undefined, item(mk, "n_undefined")->valueint);
            assert_int_equal(e.metric[k].macro.n_resamples, 0);
        }
        for (int k = 0; k < m.C; k++) assert_true(e.thresholds[k] == thr[k]);
        eval_metrics_free(&e);
        free(thr);
        free(pc);
        matrix_case_free(&m);
        checked++;
    }
    assert_int_equal(checked, 2);
}

/* scikit-learn's documented example: roc_auc_score([0,0,1,1], [.1,.4,.35,.8]) = 0.75 and
 * average_precision_score(...) = 0.8333..; by hand: pairs (pos, neg) won 3 of 4; AP = 1/2 * 1/2 + 1/2 * 1. */
static void test_hand_computed_values(void **state) {
    (void)state;
    double s[] = {0.1, 0.4, 0.35, 0.8};
    uint8_t y[] = {0, 0, 1, 1};
    assert_true(metric_auroc(s, y, 4) == 0.75);
    assert_true(fabs(metric_auprc(s, y, 4) - 5.0 / 6.0) < 1e-15);
    /* all tied: every pair is half a win; AP is the prevalence */
    double t[] = {2, 2, 2, 2, 2};
    uint8_t z[] = {1, 0, 0, 1, 0};
    assert_true(metric_auroc(t, z, 5) == 0.5);
    assert_true(fabs(metric_auprc(t, z, 5) - 0.4) < 1e-15);
    /* threshold 0.35 predicts {0.4, 0.35, 0.8}: tp 2, fp 1 -> F1 0.8; 0.8 alone: F1 2/3 */
    assert_true(metric_best_threshold(s, y, 4) == 0.35);
    assert_true(fabs(metric_f1_at(s, y, 4, 0.35) - 0.8) < 1e-15);
}

/* AUROC and AUPRC depend only on the order of the scores, not on their values or the order of
 * the samples; AUROC of negated scores is 1 - AUROC. */
static void test_rank_invariances(void **state) {
    (void)state;
    enum { N = 300 };
    double s[N], s_exp[N], s_neg[N], s_perm[N];
    uint8_t y[N], y_perm[N];
    unsigned x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        y[i] = (x >> 16) % 3 == 0;
        x = x * 1103515245u + 12345u;
        s[i] = (double)((x >> 16) % 50) / 10.0 + 0.7 * y[i];   /* heavy ties */
        s_exp[i] = exp(s[i]) * 3.0 - 1.0;
        s_neg[i] = -s[i];
    }
    for (int i = 0; i < N; i++) {
        int j = (i * 7 + 3) % N;   /* a permutation: 7 is prime to 300 */
        s_perm[j] = s[i];
        y_perm[j] = y[i];
    }
    double a = metric_auroc(s, y, N), p = metric_auprc(s, y, N);
    assert_true(a > 0.55 && a < 0.95);
    assert_true(metric_auroc(s_exp, y, N) == a);
    assert_true(metric_auprc(s_exp, y, N) == p);
    assert_true(metric_auroc(s_perm, y_perm, N) == a);
    assert_true(fabs(metric_auprc(s_perm, y_perm, N) - p) < 1e-15);
    assert_true(fabs(metric_auroc(s_neg, y, N) - (1 - a)) < 1e-15);
}

static void test_bad_inputs_are_refused(void **state) {
    (void)state;
    double s[6] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
    uint8_t y[6] = {0, 1, 1, 0, 0, 1};
    EvalMetrics e;
    EvalOptions opt = {0};

    s[3] = NAN;   /* sample 1, class 1 of a [3, 2] matrix */
    assert_int_equal(eval_metrics_compute(s, y, 3, NULL, NULL, 0, 2, &opt, &e), -1);
    assert_non_null(strstr(scar_last_error(), "sample 1, class 1 is NaN"));
    assert_non_null(strstr(scar_last_error(), "test split"));
    s[3] = 0.4;

    y[4] = 2;
    assert_int_equal(eval_metrics_compute(s, y, 3, s, y, 3, 2, &opt, &e), -1);
    assert_non_null(strstr(scar_last_error(), "expected 0 or 1"));
    y[4] = 0;

    opt.single_label = 1;   /* rows (0, 1), (1, 0), (0, 1): one class each ... */
    y[3] = 1;               /* ... now row 1 is (1, 1) */
    assert_int_equal(eval_metrics_compute(s, y, 3, NULL, NULL, 0, 2, &opt, &e), -1);
    assert_non_null(strstr(scar_last_error(), "sample 1 has 2 classes"));

    opt = (EvalOptions){.n_boot = 10, .level = 1.5};
    assert_int_equal(eval_metrics_compute(s, y, 3, NULL, NULL, 0, 2, &opt, &e), -1);
    assert_non_null(strstr(scar_last_error(), "level"));
}

/* Without a validation split there is no threshold: F1 and multi-label accuracy are undefined for
 * every class, AUROC and AUPRC are still there. */
static void test_without_validation(void **state) {
    (void)state;
    double s[8] = {0.1, 0.9, 0.8, 0.2, 0.3, 0.7, 0.6, 0.4};
    uint8_t y[8] = {0, 1, 1, 0, 0, 1, 1, 0};
    EvalMetrics e;
    EvalOptions opt = {0};
    assert_int_equal(eval_metrics_compute(s, y, 4, NULL, NULL, 0, 2, &opt, &e), 0);
    assert_null(e.thresholds);
    assert_true(e.metric[METRIC_AUROC].macro.value == 1.0);
    assert_true(isnan(e.metric[METRIC_F1].macro.value));
    assert_int_equal(e.metric[METRIC_F1].n_undefined, 2);
    assert_true(isnan(e.metric[METRIC_ACCURACY].macro.value));
    eval_metrics_free(&e);
}

static void test_labels_from_bits(void **state) {
    (void)state;
    LabelBits b[2] = {0};
    label_set(&b[0], 0);
    label_set(&b[0], 70);
    label_set(&b[1], 3);
    uint8_t m[2 * 71];
    labels_from_bits(b, 2, 71, m);
    int ones = 0;
    for (int i = 0; i < 2 * 71; i++) ones += m[i];
    assert_int_equal(ones, 3);
    assert_int_equal(m[0], 1);
    assert_int_equal(m[70], 1);
    assert_int_equal(m[71 + 3], 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_cases_match_sklearn),
        cmocka_unit_test(test_thresholds_f1_accuracy_match_sklearn),
        cmocka_unit_test(test_matrix_cases_match_sklearn),
        cmocka_unit_test(test_hand_computed_values),
        cmocka_unit_test(test_rank_invariances),
        cmocka_unit_test(test_bad_inputs_are_refused),
        cmocka_unit_test(test_without_validation),
        cmocka_unit_test(test_labels_from_bits),
    };
    return cmocka_run_group_tests(tests, load_ref, free_ref);
}
