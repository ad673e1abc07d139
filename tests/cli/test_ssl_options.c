/* scar ssl's model options as a user gives them: the NT-Xent temperature and the projection head
 * from flags, the adversarial masks' count and sparsity weight, and their precedence (flags win over
 * --config and over the encoder's defaults), read back from --print-config and from a checkpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/parallel.h"
#include "core/safetensors.h"
#include "model/ssl_model.h"
#include "testutil.h"

/* --print-config's JSON for these options. */
static cJSON *printed_config(const char *options) {
    char *out = NULL;
    assert_int_equal(run_scar(&out, "ssl --print-config %s", options), 0);
    cJSON *j = cJSON_Parse(out);
    if (!j) fail_msg("not JSON: %s", out);
    free(out);
    return j;
}

static double num(const cJSON *j, const char *a, const char *b) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, a);
    if (b) x = cJSON_GetObjectItemCaseSensitive(x, b);
    assert_true(cJSON_IsNumber(x));
    return x->valuedouble;
}

static void head_and_temperature_flags(void **state) {
    (void)state;
    cJSON *d = printed_config("");
    const double default_hidden = num(d, "head", "hidden");
    assert_true(num(d, "temperature", NULL) == 0.1);
    assert_true(num(d, "head", "out") == 128);
    assert_true(num(d, "head", "bn") == 1);
    cJSON_Delete(d);

    cJSON *j = printed_config("--temperature 0.25 --proj 64 --proj-hidden 96 --no-proj-bn");
    assert_true(num(j, "temperature", NULL) == 0.25);
    assert_true(num(j, "head", "out") == 64);
    assert_true(num(j, "head", "hidden") == 96);
    assert_true(num(j, "head", "bn") == 0);
    cJSON_Delete(j);

    /* the transformer's defaults are set before the flags are applied, not after */
    j = printed_config("--encoder transformer --temperature 0.3 --proj 32");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "encoder")->valuestring, "transformer");
    assert_true(num(j, "temperature", NULL) == 0.3);
    assert_true(num(j, "head", "out") == 32);
    /* SimCLR's hidden width is the encoder's feature size: 8 x 64 for the ResNet, the width (128) here */
    assert_true(default_hidden == 512);
    assert_true(num(j, "head", "hidden") == 128);
    cJSON_Delete(j);
}

static void flags_win_over_config(void **state) {
    (void)state;
    char *dir = tmpdir_make(), cfg[4096];
    snprintf(cfg, sizeof cfg, "%s/c.json", dir);
    const char *text = "{\"temperature\": 0.5, \"head\": {\"out\": 48}}";
    assert_int_equal(write_file_all(cfg, text, strlen(text)), 0);
    char opts[4200];
    snprintf(opts, sizeof opts, "--config %s", cfg);
    cJSON *j = printed_config(opts);
    assert_true(num(j, "temperature", NULL) == 0.5);
    assert_true(num(j, "head", "out") == 48);
    cJSON_Delete(j);
    snprintf(opts, sizeof opts, "--config %s --temperature 0.05", cfg);
    j = printed_config(opts);
    assert_true(num(j, "temperature", NULL) == 0.05);
    assert_true(num(j, "head", "out") == 48);
    cJSON_Delete(j);
    tmpdir_remove(dir);
}

/* --print-config shows the masker's section when the run would have one (--aug adv), with the flags */
static void print_config_shows_the_masker_with_adv(void **state) {
    (void)state;
    cJSON *j = printed_config("--aug random");
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "masker"));
    cJSON_Delete(j);
    j = printed_config("--aug adv:scale=1-1 --masks 3 --alpha 0.25 --sharpness 8");
    assert_true(num(j, "masker", "masks") == 3);
    assert_true(num(j, "masker", "alpha") == 0.25);
    assert_true(num(j, "masker", "sharpness") == 8);
    assert_true(num(j, "masker", "shared") == 0);
    cJSON_Delete(j);
    j = printed_config("--aug adv --shared-masks");
    assert_true(num(j, "masker", "shared") == 1);
    cJSON_Delete(j);
}

static void nonsense_values_are_refused(void **state) {
    (void)state;
    const char *bad[] = {"--temperature 0", "--temperature x", "--proj 0", "--proj-hidden -3", "--masks 0", "--alpha -1", "--sharpness 0.5", "--sharpness 2000"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *out = NULL;
        assert_int_equal(run_scar(&out, "ssl --print-config %s", bad[i]), 2);
        assert_non_null(strstr(out, "scar ssl: --"));
        free(out);
    }
}

/* A 40-record pack in dir and one training step of `scar ssl <options>` on it; the checkpoint's path. */
static void train_one_step(const char *dir, const char *options, char *ck, size_t cap) {
    char *out = NULL;
    assert_int_equal(run_scar(&out, "synth -n 40 -q -o %s/x.pack", dir), 0);
    free(out);
    const int rc = run_scar(&out, "ssl %s --steps 1 --batch 4 --threads 1 -q --data %s/x.pack --out %s/run", options, dir, dir);
    if (rc != 0) fail_msg("scar ssl %s: status %d:\n%s", options, rc, out);
    free(out);
    snprintf(ck, cap, "%s/run/last.safetensors", dir);
}

/* The masks' options reach the trained model, whichever encoder (they used to be overwritten by the
 * transformer's defaults). */
static void mask_options_reach_the_checkpoint(void **state) {
    (void)state;
    char *dir = tmpdir_make(), ck[4096];
    train_one_step(dir, "--aug adv --encoder transformer --masks 3 --alpha 0.5 --temperature 0.2", ck, sizeof ck);
    SslModel m;
    assert_int_equal(ssl_model_load(ck, &m, NULL), 0);
    assert_int_equal(m.cfg.encoder, SSL_TRANSFORMER);
    assert_true(m.cfg.has_masker);
    assert_int_equal(m.cfg.masker.n_masks, 3);
    assert_true(m.cfg.masker.alpha == 0.5);
    assert_true(m.cfg.temperature == 0.2);
    ssl_model_free(&m);
    tmpdir_remove(dir);
}

/* adv's options are the standard augmentation's, applied to its views before masking; they are
 * parsed (not ignored), checked, and written into the checkpoint's metadata. */
static void adv_takes_the_standard_options(void **state) {
    (void)state;
    char *dir = tmpdir_make(), *out = NULL, ck[4096];
    train_one_step(dir, "--aug adv:scale=1-1,noise=0.02 --encoder transformer", ck, sizeof ck);
    SafeTensors *st = safetensors_open(ck);
    assert_non_null(st);
    const char *aug = safetensors_metadata(st, "augmentation");
    assert_non_null(aug);
    assert_non_null(strstr(aug, "adv:"));
    assert_non_null(strstr(aug, "scale=1-1"));
    assert_non_null(strstr(aug, "noise=0.02"));
    safetensors_close(st);

    const char *bad[] = {"adv:ratio=0.5", "adv:scale=2-1", "adv:noise=x", "adv:scale"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_not_equal(run_scar(&out, "ssl --aug %s --steps 1 --batch 4 -q --data %s/x.pack --out %s/bad%zu",
                                      bad[i], dir, dir, i),
                             0);
        assert_non_null(strstr(out, "adv takes the standard augmentation's options"));
        free(out);
        char path[4200];
        snprintf(path, sizeof path, "%s/bad%zu", dir, i);
        assert_int_not_equal(access(path, F_OK), 0); /* nothing written */
    }
    tmpdir_remove(dir);
}

int main(void) {
    engine_init(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(head_and_temperature_flags),
        cmocka_unit_test(flags_win_over_config),
        cmocka_unit_test(print_config_shows_the_masker_with_adv),
        cmocka_unit_test(nonsense_values_are_refused),
        cmocka_unit_test(mask_options_reach_the_checkpoint),
        cmocka_unit_test(adv_takes_the_standard_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
