/* The contrastive training loop on a small hand-made pack: 20 steps straight equal 10 steps, a
 * stop, a resume and 10 more, bit for bit (the checkpoint files are byte-identical); a loss that
 * blows up stops the run with a message and leaves the last good checkpoint loadable. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/parallel.h"
#include "data/pack.h"
#include "model/clip_io.h"
#include "train/clip_train.h"
#include "testutil.h"

static const char *WORDS[] = {"sinus", "rhythm", "normal", "ecg", "left", "axis", "deviation", "st", "depression",
                              "inferior", "infarction", "atrial", "fibrillation", "bundle", "branch", "block"};

static void make_pack(const char *path, int n) {
    LabelSchema schema;
    memset(&schema, 0, sizeof schema);
    schema.n_sets = 1;
    snprintf(schema.set_name[0], SCAR_NAME_LEN, "toy");
    schema.n_classes[0] = 2;
    snprintf(schema.class_name[0][0], SCAR_NAME_LEN, "A");
    snprintf(schema.class_name[0][1], SCAR_NAME_LEN, "B");
    PackWriter *w = pack_writer_open(path, &schema, 100, 200, "test");
    assert_non_null(w);
    Rng rng;
    rng_seed(&rng, 99, 0);
    for (int i = 0; i < n; i++) {
        EcgRecord r;
        record_init(&r, 100, 200);
        r.lead_available = ALL_LEADS_MASK;
        for (int k = 0; k < N_LEADS * 200; k++) r.signal[k] = (float)(sin(0.05 * k * (1 + i % 3)) + 0.1 * rng_normal(&rng)), r.valid[k] = 1;
        snprintf(r.id, sizeof r.id, "r%03d", i);
        r.split = i < n - 8 ? SPLIT_TRAIN : SPLIT_VAL;
        label_set(&r.labels[0], i % 2);
        char text[256] = "";
        for (int wd = 0; wd < 4 + i % 5; wd++) {
            strcat(text, WORDS[(i * 7 + wd * 3) % 16]);
            strcat(text, " ");
        }
        free(r.report);
        r.report = strdup(text);
        assert_int_equal(pack_writer_add(w, &r), 0);
        record_free(&r);
    }
    assert_int_equal(pack_writer_close(w), 0);
}

static ClipTrainOptions tiny_options(const char *pack, const char *out) {
    ClipTrainOptions o = clip_train_defaults();
    o.pack_path = pack;
    o.out_dir = out;
    o.model.ecg.patch_len = 20;
    o.model.ecg.n_patches = 0;
    o.model.ecg.tf = (TransformerConfig){32, 2, 1, 64, 0.1, 1e-5};
    o.model.text.tf = (TransformerConfig){32, 2, 1, 64, 0.1, 1e-5};
    o.model.text.max_len = 16;
    o.model.embed_dim = 16;
    o.vocab = 300;
    o.batch = 8;
    o.steps = 20;
    o.warmup = 3;
    o.eval_every = 10;
    o.log_every = 5;
    o.seed = 5;
    o.progress = 0;
    o.train_missing = "drop_leads=0.3;drop_time=0.2;seed=1";
    return o;
}

static void resume_is_bit_identical(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    char pack[4096], a[4096], b[4096];
    snprintf(pack, sizeof pack, "%s/toy.pack", dir);
    snprintf(a, sizeof a, "%s/straight", dir);
    snprintf(b, sizeof b, "%s/resumed", dir);
    make_pack(pack, 48);

    ClipTrainOptions o = tiny_options(pack, a);
    ClipTrainResult ra, rb;
    if (clip_train(&o, &ra) != 0) fail_msg("%s", scar_last_error());
    assert_int_equal(ra.steps_done, 20);

    o = tiny_options(pack, b);
    o.stop_after = 10;
    if (clip_train(&o, &rb) != 0) fail_msg("%s", scar_last_error());
    o.stop_after = 0;
    o.resume = 1;
    if (clip_train(&o, &rb) != 0) fail_msg("%s", scar_last_error());
    assert_int_equal(rb.steps_done, 20);
    assert_true(ra.final_loss == rb.final_loss);

    size_t na, nb;
    char *fa = read_file_all(path_join(a, "last.safetensors"), &na);
    char *fb = read_file_all(path_join(b, "last.safetensors"), &nb);
    assert_non_null(fa);
    assert_non_null(fb);
    assert_int_equal(na, nb);
    assert_memory_equal(fa, fb, na); /* weights, moments, RNG, counters: every byte */
    free(fa), free(fb);

    /* the checkpoint loads as a model and its log has a line per logged step */
    ClipModel m;
    Tokenizer *tok;
    if (clip_model_load(path_join(a, "best.safetensors"), &m, &tok, NULL, NULL) != 0) fail_msg("%s", scar_last_error());
    assert_int_equal(m.cfg.ecg.n_patches, 10);
    clip_model_free(&m);
    tokenizer_free(tok);
    char *log = read_file_all(path_join(a, "log.jsonl"), NULL);
    assert_non_null(strstr(log, "\"step\": 20, \"loss\""));
    free(log);
    tmpdir_remove(dir);
}

static void blow_up_stops_and_keeps_last_good(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    char pack[4096], out[4096];
    snprintf(pack, sizeof pack, "%s/toy.pack", dir);
    snprintf(out, sizeof out, "%s/run", dir);
    make_pack(pack, 48);
    ClipTrainOptions o = tiny_options(pack, out);
    o.eval_every = 2;
    o.warmup = 0;
    o.steps = 80;
    o.lr = 1000;             /* with weight decay 0.05 every step multiplies the weights by -49: */
    o.weight_decay = 0.05;   /* they overflow within ~25 steps and the loss stops being finite */
    o.min_lr = 1000;
    assert_int_equal(clip_train(&o, NULL), -1);
    print_message("message: %s\n", scar_last_error());
    assert_non_null(strstr(scar_last_error(), "last.safetensors"));
    assert_true(strstr(scar_last_error(), "exploded") || strstr(scar_last_error(), "not finite"));
    ClipModel m;
    Tokenizer *tok;
    if (clip_model_load(path_join(out, "last.safetensors"), &m, &tok, NULL, NULL) != 0) fail_msg("%s", scar_last_error());
    for (int64_t i = 0; i < m.params.total; i++) assert_true(isfinite(m.params.data[i]));
    clip_model_free(&m);
    tokenizer_free(tok);
    tmpdir_remove(dir);
}

static void bad_options_are_refused(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    char pack[4096];
    snprintf(pack, sizeof pack, "%s/toy.pack", dir);
    make_pack(pack, 48);
    ClipTrainOptions o = tiny_options(pack, path_join(dir, "x"));
    o.batch = 1;
    assert_int_equal(clip_train(&o, NULL), -1);
    o = tiny_options(pack, path_join(dir, "x"));
    o.train_missing = "drop_leads=2";
    assert_int_equal(clip_train(&o, NULL), -1);
    assert_non_null(strstr(scar_last_error(), "drop_leads"));
    o = tiny_options(path_join(dir, "missing.pack"), path_join(dir, "x"));
    assert_int_equal(clip_train(&o, NULL), -1);
    assert_non_null(strstr(scar_last_error(), "missing.pack"));
    o = tiny_options(pack, path_join(dir, "y"));
    o.model.ecg.patch_len = 300; /* longer than the records */
    assert_int_equal(clip_train(&o, NULL), -1);
    assert_non_null(strstr(scar_last_error(), "do not hold"));
    tmpdir_remove(dir);
}

int main(void) {
    engine_init(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resume_is_bit_identical),
        cmocka_unit_test(blow_up_stops_and_keeps_last_good),
        cmocka_unit_test(bad_options_are_refused),
    };
    return cmocka_run_group_tests_name("clip training", tests, NULL, NULL);
}
