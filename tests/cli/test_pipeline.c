/* The real path, as a user runs it: scar synth --layout ptbxl -> scar pack --from ptbxl ->
 * scar pretrain (a few steps of a tiny model) -> scar zeroshot / scar probe / scar embed, each a
 * separate process; exit codes, outputs and result files checked. Also the evaluation commands'
 * refusals of bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/npy.h"
#include "eval/results.h"
#include "testutil.h"

static char *g_dir;
static char g_pack[4096], g_run[4096];

static int setup(void **state) {
    (void)state;
    g_dir = tmpdir_make();
    char *out = NULL;
    char ptb[4096], cfg[4096];
    snprintf(ptb, sizeof ptb, "%s/ptbxl", g_dir);
    snprintf(g_pack, sizeof g_pack, "%s/ptbxl.pack", g_dir);
    snprintf(g_run, sizeof g_run, "%s/run", g_dir);
    snprintf(cfg, sizeof cfg, "%s/tiny.json", g_dir);
    const char *tiny = "{\"ecg\": {\"width\": 32, \"layers\": 1, \"heads\": 2, \"mlp\": 64, \"patch_len\": 50},"
                       " \"text\": {\"width\": 32, \"layers\": 1, \"heads\": 2, \"mlp\": 64, \"max_len\": 32}, \"embed_dim\": 16}";
    if (write_file_all(cfg, tiny, strlen(tiny)) != 0) return -1;
    int rc = run_scar(&out, "synth -n 150 --seed 3 --layout ptbxl -q -o %s", ptb);
    if (rc != 0) fprintf(stderr, "synth failed: %s\n", out);
    free(out);
    if (rc == 0) {
        rc = run_scar(&out, "pack --from ptbxl %s -o %s --rate 100 -q", ptb, g_pack);
        if (rc != 0) fprintf(stderr, "pack failed: %s\n", out);
        free(out);
    }
    if (rc == 0) {
        rc = run_scar(&out, "pretrain --data %s --out %s --config %s --steps 6 --batch 16 --eval-every 3 --vocab 300 "
                        "--random-drop 'drop_leads=0.25' -q", g_pack, g_run, cfg);
        if (rc != 0 || !strstr(out, "6 steps")) fprintf(stderr, "pretrain failed: %s\n", out), rc = -1;
        free(out);
    }
    return rc == 0 ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    tmpdir_remove(g_dir);
    return 0;
}

static void pretrain_leaves_its_run_folder(void **state) {
    (void)state;
    const char *files[] = {"best.safetensors", "last.safetensors", "config.json", "log.jsonl"};
    for (int i = 0; i < 4; i++) {
        size_t n = 0;
        char *b = read_file_all(path_join(g_run, files[i]), &n);
        if (!b) fail_msg("%s missing from the run folder", files[i]);
        assert_true(n > 10);
        free(b);
    }
}

static void zeroshot_writes_a_result(void **state) {
    (void)state;
    char *out, json[4096];
    snprintf(json, sizeof json, "%s/zs.json", g_dir);
    assert_int_equal(run_scar(&out, "zeroshot --model %s/best.safetensors --data %s --missing leadset=2 --bootstrap 50 "
                                "--json %s", g_run, g_pack, json), 0);
    assert_non_null(strstr(out, "macro"));
    free(out);
    EvalResult r;
    assert_int_equal(result_read(json, &r), 0);
    assert_string_equal(r.task, "zeroshot");
    assert_string_equal(r.label_set, "super");
    assert_string_equal(r.protocol, "leadset=2");
    assert_int_equal(r.metrics.n_classes, 5);
    assert_true(r.metrics.n_samples > 5);
    const double auc = r.metrics.metric[0].macro.value;
    assert_true(auc >= 0 && auc <= 1);
    result_free(&r);
}

static void probe_and_embed_run(void **state) {
    (void)state;
    char *out, npy[4096];
    assert_int_equal(run_scar(&out, "probe --model %s/best.safetensors --data %s --fractions 0.5,1 --bootstrap 0", g_run, g_pack), 0);
    assert_non_null(strstr(out, "label fraction 0.5"));
    assert_non_null(strstr(out, "label fraction 1"));
    free(out);
    snprintf(npy, sizeof npy, "%s/test.npy", g_dir);
    assert_int_equal(run_scar(&out, "embed --model %s/best.safetensors --data %s --split test -o %s", g_run, g_pack, npy), 0);
    free(out);
    NpyArray a;
    assert_int_equal(npy_read(npy, &a), 0);
    assert_int_equal(a.ndim, 2);
    assert_int_equal(a.shape[1], 16);
    const float *v = a.data;
    double norm = 0;
    for (int j = 0; j < 16; j++) norm += (double)v[j] * v[j];
    assert_true(fabs(norm - 1) < 1e-4); /* normalised embeddings */
    npy_free(&a);
}

static void bad_input_is_refused(void **state) {
    (void)state;
    char *out;
    struct {
        const char *args, *needle;
        int status;
    } cases[] = {
        {"zeroshot --model %s/nope.safetensors --data %s", "nope.safetensors", 1},
        {"zeroshot --model %s/best.safetensors --data %s --missing 'leads=I,XYZ'", "XYZ", 1},
        {"zeroshot --model %s/best.safetensors --data %s --labelset colours", "colours", 1},
        {"zeroshot --model %s/best.safetensors --data %s --bootstrap many", "--bootstrap", 2},
        {"probe --model %s/best.safetensors --data %s --fractions 0,1", "--fractions", 2},
        {"zeroshot --model %s/config.json --data %s", "config.json", 1},
        {"pretrain --data %s --out %s --steps -3", "--steps", 2},
        {"zeroshot --model %s/best.safetensors --data %s --frobnicate", "frobnicate", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[6000];
        snprintf(args, sizeof args, cases[i].args, strncmp(cases[i].args, "pretrain", 8) ? g_run : g_pack,
                 strncmp(cases[i].args, "pretrain", 8) ? g_pack : g_run);
        int st = run_scar(&out, "%s", args);
        if (st != cases[i].status || !strstr(out, cases[i].needle))
            fail_msg("'%s': status %d (expected %d), output:\n%s", args, st, cases[i].status, out);
        free(out);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pretrain_leaves_its_run_folder),
        cmocka_unit_test(zeroshot_writes_a_result),
        cmocka_unit_test(probe_and_embed_run),
        cmocka_unit_test(bad_input_is_refused),
    };
    return cmocka_run_group_tests_name("pipeline", tests, setup, teardown);
}
