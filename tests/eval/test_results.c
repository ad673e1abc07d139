/* Result files: round trip of every field (NaN, infinite thresholds, large seeds, UTF-8 names),
 * atomic replacement, and clear errors for files that are not results. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "core/version.h"
#include "eval/bootstrap.h"
#include "eval/metrics.h"
#include "eval/results.h"
#include "testutil.h"

enum { N = 120, C = 4 };
static char *class_names[C] = {"NORM", "MI \"anterior\"", "Vorhofflimmern ä", "STTC"};

/* A result with every kind of value: defined and undefined metrics (class 2 has no test positives),
 * an infinite threshold (class 3 has no validation positives), bootstrap intervals. */
static void make_result(EvalResult *r) {
    static double s[N * C], vs[N * C];
    static uint8_t y[N * C], vy[N * C];
    Rng g;
    rng_seed(&g, 4, 0);
    for (int i = 0; i < N * C; i++) {
        int c = i % C;
        y[i] = c != 2 && rng_uniform_f64(&g) < 0.3;
        vy[i] = c != 3 && rng_uniform_f64(&g) < 0.3;
        s[i] = rng_normal(&g) + y[i];
        vs[i] = rng_normal(&g) + vy[i];
    }
    memset(r, 0, sizeof *r);
    EvalOptions opt = {.n_boot = 50, .seed = 18446744073709551557ull, .level = 0.9};
    if (eval_metrics_compute(s, y, N, vs, vy, N, C, &opt, &r->metrics) != 0) fail_msg("%s", scar_last_error());
    r->task = "probe";
    r->model = "runs/clip-ptbxl/best.safetensors";
    r->data = "data/ptbxl.pack";
    r->protocol = "leads=I,II;time=0.3;seed=7";
    r->label_set = "super";
    r->class_names = class_names;
    r->seed = 7;
    r->extra = cJSON_CreateObject();
    cJSON_AddNumberToObject(r->extra, "label_fraction", 0.1);
    cJSON_AddNumberToObject(r->extra, "chosen_C", 0.01);
}

/* make_result borrows static strings; only the metrics and extra are the result's own. */
static void free_made(EvalResult *r) {
    eval_metrics_free(&r->metrics);
    cJSON_Delete(r->extra);
}

static int same_double(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

static void assert_same_estimate(Estimate a, Estimate b) {
    assert_true(same_double(a.value, b.value));
    assert_true(same_double(a.lo, b.lo));
    assert_true(same_double(a.hi, b.hi));
    assert_int_equal(a.n_resamples, b.n_resamples);
}

static void test_round_trip(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "result.json");
    EvalResult w, r;
    make_result(&w);
    assert_true(isinf(w.metrics.thresholds[3]));
    assert_true(isnan(w.metrics.metric[METRIC_AUROC].per_class[2].value));
    assert_int_equal(result_write(&w, path), 0);
    if (result_read(path, &r) != 0) fail_msg("%s", scar_last_error());

    assert_string_equal(r.task, "probe");
    assert_string_equal(r.model, w.model);
    assert_string_equal(r.data, w.data);
    assert_string_equal(r.protocol, w.protocol);
    assert_string_equal(r.label_set, "super");
    assert_string_equal(r.scar_version, SCAR_VERSION);
    /* YYYY-MM-DDTHH:MM:SSZ */
    assert_int_equal(strlen(r.timestamp), 20);
    assert_true(r.timestamp[10] == 'T' && r.timestamp[19] == 'Z' && r.timestamp[0] == '2');
    assert_true(r.seed == 7);
    for (int c = 0; c < C; c++) assert_string_equal(r.class_names[c], class_names[c]);

    const EvalMetrics *a = &w.metrics, *b = &r.metrics;
    assert_int_equal(b->n_classes, C);
    assert_int_equal(b->n_samples, N);
    assert_int_equal(b->single_label, 0);
    assert_int_equal(b->n_boot, 50);
    assert_true(b->seed == 18446744073709551557ull);   /* above 2^53: kept exactly as a string */
    assert_true(b->level == 0.9);
    for (int c = 0; c < C; c++) assert_true(a->thresholds[c] == b->thresholds[c]);
    for (int k = 0; k < N_METRICS; k++) {
        assert_same_estimate(a->metric[k].macro, b->metric[k].macro);
        assert_int_equal(a->metric[k].n_undefined, b->metric[k].n_undefined);
        for (int c = 0; c < C; c++) assert_same_estimate(a->metric[k].per_class[c], b->metric[k].per_class[c]);
    }
    assert_true(cJSON_Compare(w.extra, r.extra, 1));

    /* written again over the old file: replaced whole, nothing left beside it */
    w.timestamp = "2030-01-01T00:00:00Z";
    assert_int_equal(result_write(&w, path), 0);
    result_free(&r);
    assert_int_equal(result_read(path, &r), 0);
    assert_string_equal(r.timestamp, "2030-01-01T00:00:00Z");
    DIR *d = opendir(dir);
    int entries = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') entries++;
    closedir(d);
    assert_int_equal(entries, 1);

    result_free(&r);
    free_made(&w);
    tmpdir_remove(dir);
}

/* A single-label result without validation: accuracy is top-1, thresholds null. */
static void test_single_label_without_thresholds(void **state) {
    (void)state;
    double s[6 * 2] = {0.9, 0.1, 0.2, 0.8, 0.7, 0.3, 0.4, 0.6, 0.55, 0.45, 0.1, 0.2};
    uint8_t y[6 * 2] = {1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0};
    EvalResult w = {0}, r;
    EvalOptions opt = {.single_label = 1};
    assert_int_equal(eval_metrics_compute(s, y, 6, NULL, NULL, 0, 2, &opt, &w.metrics), 0);
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "r.json");
    assert_int_equal(result_write(&w, path), 0);
    char *text = read_file_all(path, NULL);
    assert_non_null(strstr(text, "\"accuracy\":\t\"top1\""));
    assert_non_null(strstr(text, "\"thresholds\":\tnull"));
    free(text);
    assert_int_equal(result_read(path, &r), 0);
    assert_null(r.metrics.thresholds);
    assert_int_equal(r.metrics.single_label, 1);
    assert_true(r.metrics.metric[METRIC_ACCURACY].macro.value == 4.0 / 6.0);   /* rows 4 and 5 wrong */
    assert_string_equal(r.class_names[0], "");
    result_free(&r);
    eval_metrics_free(&w.metrics);
    tmpdir_remove(dir);
}

/* Rewrite one field of a good file (a JSON edit) and expect the reader to name the problem. */
static void expect_edit_fails(const char *good, const char *dir, void (*edit)(cJSON *), const char *what) {
    cJSON *root = cJSON_Parse(good);
    edit(root);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    const char *path = path_join(dir, "edited.json");
    assert_int_equal(write_file_all(path, text, strlen(text)), 0);
    free(text);
    EvalResult r;
    scar_clear_error();
    if (result_read(path, &r) == 0) fail_msg("accepted a bad file (expected: %s)", what);
    if (!strstr(scar_last_error(), path) || !strstr(scar_last_error(), what))
        fail_msg("error \"%s\" should name the file and say \"%s\"", scar_last_error(), what);
    assert_null(r.class_names);
}

static void drop_metrics(cJSON *r) { cJSON_DeleteItemFromObject(r, "metrics"); }
static void wrong_format(cJSON *r) { cJSON_ReplaceItemInObject(r, "format", cJSON_CreateString("safetensors")); }
static void newer_version(cJSON *r) { cJSON_ReplaceItemInObject(r, "format_version", cJSON_CreateNumber(2)); }
static void short_per_class(cJSON *r) {
    cJSON *per = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "metrics"), "f1"), "per_class");
    cJSON_DeleteItemFromArray(per, 0);
}
static void class_not_string(cJSON *r) { cJSON_ReplaceItemInArray(cJSON_GetObjectItem(r, "classes"), 1, cJSON_CreateNumber(3)); }
static void value_is_string(cJSON *r) {
    cJSON *macro = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "metrics"), "auprc"), "macro");
    cJSON_ReplaceItemInObject(macro, "lo", cJSON_CreateString("0.5"));
}
static void negative_seed(cJSON *r) { cJSON_ReplaceItemInObject(r, "seed", cJSON_CreateNumber(-3)); }
static void drop_protocol(cJSON *r) { cJSON_DeleteItemFromObject(r, "protocol"); }
static void thresholds_short(cJSON *r) { cJSON_DeleteItemFromArray(cJSON_GetObjectItem(r, "thresholds"), 2); }

static void test_bad_files_give_clear_errors(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *good_path = path_join(dir, "good.json");
    EvalResult w, r;
    make_result(&w);
    assert_int_equal(result_write(&w, good_path), 0);
    assert_int_equal(result_write(&w, path_join(dir, "no/such/dir/r.json")), -1);
    assert_non_null(strstr(scar_last_error(), "no/such/dir/r.json"));
    free_made(&w);
    char *good = read_file_all(good_path, NULL);

    expect_edit_fails(good, dir, drop_metrics, "missing \"metrics\"");
    expect_edit_fails(good, dir, wrong_format, "not a scar evaluation result");
    expect_edit_fails(good, dir, newer_version, "format_version 2");
    expect_edit_fails(good, dir, short_per_class, "metrics.f1.per_class must be an array of 4 entries");
    expect_edit_fails(good, dir, class_not_string, "classes[1] must be a string");
    expect_edit_fails(good, dir, value_is_string, "metrics.auprc.macro.lo must be a number");
    expect_edit_fails(good, dir, negative_seed, "\"seed\" must be a non-negative integer");
    expect_edit_fails(good, dir, drop_protocol, "missing \"protocol\"");
    expect_edit_fails(good, dir, thresholds_short, "\"thresholds\" must be null or an array of 4");

    const char *path = path_join(dir, "bad.json");
    assert_int_equal(write_file_all(path, "{\n\"format\": \"scar-eval-result\",\n oops }", 39), 0);
    assert_int_equal(result_read(path, &r), -1);
    assert_non_null(strstr(scar_last_error(), "not valid JSON (line 3)"));
    assert_int_equal(write_file_all(path, "[1, 2]", 6), 0);
    assert_int_equal(result_read(path, &r), -1);
    assert_non_null(strstr(scar_last_error(), "not a JSON object"));
    assert_int_equal(result_read(path_join(dir, "absent.json"), &r), -1);
    assert_non_null(strstr(scar_last_error(), "absent.json: cannot open"));

    /* every truncation of a good file is refused, none crashes */
    size_t len = strlen(good);
    for (size_t cut = 0; cut + 2 < len; cut += 7) {
        assert_int_equal(write_file_all(path, good, cut), 0);
        assert_int_equal(result_read(path, &r), -1);
    }
    free(good);
    tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_single_label_without_thresholds),
        cmocka_unit_test(test_bad_files_give_clear_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
