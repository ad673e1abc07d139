/* Self-supervised pretraining: resume is bit-identical; an adversary (mask generator) step raises
 * the SSL loss on a fixed batch while the encoder is frozen; downstream tasks read their labels
 * (a label set, or sex from the metadata) and refuse a task that does not exist. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"
#include "core/optim.h"
#include "core/parallel.h"
#include "data/synth/corpus.h"
#include "data/synth/synth.h"
#include "eval/downstream.h"
#include "train/ssl_train.h"
#include "testutil.h"

static char *g_dir;
static char g_pack[4096];

static int setup(void **state) {
    (void)state;
    g_dir = tmpdir_make();
    snprintf(g_pack, sizeof g_pack, "%s/s.pack", g_dir);
    SynthConfig c;
    synth_config_default(&c);
    c.duration_s = 4; /* 400 samples at 100 Hz */
    c.split_seeds = 1;
    c.split_seed[0] = 1, c.split_seed[1] = 2, c.split_seed[2] = 3;
    return synth_write_pack(&c, 200, g_pack, 0, NULL, NULL);
}

static int teardown(void **state) {
    (void)state;
    tmpdir_remove(g_dir);
    return 0;
}

static SslTrainOptions tiny(const char *out, int adversarial) {
    SslTrainOptions o = ssl_train_defaults();
    o.pack_path = g_pack;
    o.out_dir = out;
    o.model.resnet.base_width = 4;
    o.model.head = projection_head_config_default(ssl_feature_dim(&o.model));
    o.model.head.out = 16;
    o.model.masker.channels = 4;
    o.model.masker.depth = 2;
    o.adversarial = adversarial;
    o.aug = AUG_RANDOM;
    o.batch = 8;
    o.steps = 8;
    o.warmup = 2;
    o.eval_every = 4;
    o.val_batches = 1;
    o.progress = 0;
    return o;
}

static void resume_is_bit_identical(void **state) {
    (void)state;
    for (int adv = 0; adv < 2; adv++) {
        char a[4096], b[4096];
        snprintf(a, sizeof a, "%s/straight%d", g_dir, adv);
        snprintf(b, sizeof b, "%s/resumed%d", g_dir, adv);
        SslTrainOptions o = tiny(a, adv);
        if (ssl_train(&o, NULL) != 0) fail_msg("%s", scar_last_error());
        o = tiny(b, adv);
        o.stop_after = 4;
        if (ssl_train(&o, NULL) != 0) fail_msg("%s", scar_last_error());
        o.stop_after = 0;
        o.resume = 1;
        if (ssl_train(&o, NULL) != 0) fail_msg("%s", scar_last_error());
        size_t na, nb;
        char *fa = read_file_all(path_join(a, "last.safetensors"), &na), *fb = read_file_all(path_join(b, "last.safetensors"), &nb);
        assert_non_null(fa);
        assert_non_null(fb);
        assert_int_equal(na, nb);
        assert_memory_equal(fa, fb, na);
        free(fa), free(fb);
    }
}

/* The adversary's objective on a fixed batch: NT-Xent between x1 and masked copies of x2. */
static double masked_ntxent(SslModel *m, Graph *g, const float *x1d, const float *x2d, int B, int L, int backward) {
    graph_reset(g);
    Tensor *x1 = tensor_copy_of(g, x1d, SHAPE(B, 12, L)), *x2 = tensor_copy_of(g, x2d, SHAPE(B, 12, L));
    Tensor *masks = ssl_masker_forward(g, &m->masker, x2);
    Tensor *views = ssl_masker_views(g, x2, masks);
    Tensor *z1 = projection_head_forward(g, &m->head, ssl_features(g, m, x1));
    Tensor *loss = NULL;
    for (int i = 0; i < m->cfg.masker.n_masks; i++) {
        Tensor *v = op_reshape(g, op_slice(g, views, 1, i, 1), SHAPE(B, 12, L));
        Tensor *li = ntxent_loss(g, z1, projection_head_forward(g, &m->head, ssl_features(g, m, v)), m->cfg.temperature, NULL);
        loss = loss ? op_add(g, loss, li) : li;
    }
    loss = op_scale(g, loss, 1.0 / m->cfg.masker.n_masks);
    if (backward) graph_backward(g, op_scale(g, loss, -1));
    return loss->data[0];
}

static void adversary_step_raises_the_ssl_loss(void **state) {
    (void)state;
    enum { B = 8, L = 128 };
    SslConfig c = ssl_config_default(SSL_RESNET);
    c.samples = L;
    c.resnet.base_width = 4;
    c.head = projection_head_config_default(ssl_feature_dim(&c));
    c.head.out = 16;
    c.has_masker = 1;
    c.masker.channels = 4;
    c.masker.depth = 2;
    assert_int_equal(ssl_config_validate(&c, "test"), 0);
    SslModel m;
    ssl_model_create(&m, &c);
    Rng r;
    rng_seed(&r, 5, 0);
    ssl_model_init(&m, &r);
    static float x1[B * 12 * L], x2[B * 12 * L];
    for (int i = 0; i < B * 12 * L; i++) x1[i] = (float)rng_normal(&r), x2[i] = x1[i] + 0.1f * (float)rng_normal(&r);
    uint8_t masker[512], rest[512];
    params_select(&m.params, "masker.", 1, masker);
    params_select(&m.params, "masker.", 0, rest);
    Graph *g = graph_new(1 << 24);
    g->training = 0; /* batch norm on running statistics: the loss is a fixed function of the weights */
    const double before = masked_ntxent(&m, g, x1, x2, B, L, 0);
    AdamW opt;
    adamw_init(&opt, &m.params, 0.9, 0.999, 1e-8, 0);
    float encoder_before[64];
    memcpy(encoder_before, m.params.data, sizeof encoder_before);
    params_set_requires_grad(&m.params, rest, 0);
    for (int s = 0; s < 10; s++) {
        params_zero_grad(&m.params);
        masked_ntxent(&m, g, x1, x2, B, L, 1);
        adamw_step_subset(&opt, &m.params, 0.02, masker);
    }
    params_set_requires_grad(&m.params, rest, 1);
    const double after = masked_ntxent(&m, g, x1, x2, B, L, 0);
    print_message("masked NT-Xent %.4f before, %.4f after 10 adversary steps\n", before, after);
    assert_true(after > before + 1e-3);
    assert_memory_equal(encoder_before, m.params.data, sizeof encoder_before); /* the encoder did not move */
    adamw_free(&opt);
    graph_free(g);
    ssl_model_free(&m);
}

static void tasks_read_their_labels(void **state) {
    (void)state;
    Pack *p = pack_open(g_pack);
    assert_non_null(p);
    Task t;
    assert_int_equal(task_open(&t, p, "sex"), 0);
    assert_int_equal(t.n_classes, 2);
    assert_true(t.single_label);
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < t.n[k]; i++) {
            EcgRecord v;
            pack_get(p, t.idx[k][i], &v);
            assert_int_equal(t.labels[k][i * 2 + 1], v.sex == SEX_FEMALE);
            assert_int_equal(pack_split(p, t.idx[k][i]), k == 0 ? SPLIT_TRAIN : k == 1 ? SPLIT_VAL : SPLIT_TEST);
        }
    task_free(&t);
    assert_int_equal(task_open(&t, p, "rhythm"), 0);
    assert_true(t.n[0] > 100);
    task_free(&t);
    assert_int_equal(task_open(&t, p, "colour"), -1);
    assert_non_null(strstr(scar_last_error(), "colour"));
    task_free(&t);
    pack_close(p);
}

int main(void) {
    engine_init(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resume_is_bit_identical),
        cmocka_unit_test(adversary_step_raises_the_ssl_loss),
        cmocka_unit_test(tasks_read_their_labels),
    };
    return cmocka_run_group_tests_name("ssl training", tests, setup, teardown);
}
