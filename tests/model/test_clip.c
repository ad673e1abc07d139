/* The contrastive loss against PyTorch (tests/ref/clip_loss.safetensors from tools/make_clip_ref.py),
 * and a tiny ECG + text model that memorises 16 ECG-report pairs (retrieval accuracy 100%). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"
#include "core/optim.h"
#include "core/parallel.h"
#include "core/safetensors.h"
#include "model/clip_loss.h"
#include "model/ecg_encoder.h"
#include "model/text_encoder.h"
#include "testutil.h"

static const float *get(const SafeTensors *st, const char *case_, const char *what) {
    char name[64];
    snprintf(name, sizeof name, "%s.%s", case_, what);
    const TensorRef *t = safetensors_find(st, name);
    if (!t) fail_msg("reference lacks %s", name);
    return t->data;
}

static void loss_and_gradients_match_pytorch(void **state) {
    (void)state;
    SafeTensors *st = safetensors_open("tests/ref/clip_loss.safetensors");
    if (!st) fail_msg("%s", scar_last_error());
    const char *cases[] = {"inside", "clamped"};
    for (int c = 0; c < 2; c++) {
        Graph *g = graph_new(1 << 16);
        Tensor *a = tensor_copy_of(g, get(st, cases[c], "a"), SHAPE(6, 8));
        Tensor *b = tensor_copy_of(g, get(st, cases[c], "b"), SHAPE(6, 8));
        Tensor *s = tensor_copy_of(g, get(st, cases[c], "logit_scale"), SHAPE(1));
        a->requires_grad = b->requires_grad = s->requires_grad = 1;
        Tensor *loss = clip_loss(g, a, b, s, CLIP_MAX_LOG_SCALE, NULL);
        graph_backward(g, loss);
        const double ref = ((const double *)safetensors_find(st, c ? "clamped.loss" : "inside.loss")->data)[0];
        print_message("%s: loss scar %.7f PyTorch %.7f\n", cases[c], loss->data[0], ref);
        assert_true(fabs(loss->data[0] - ref) < 1e-5 * (1 + fabs(ref)));
        assert_true(max_tol_ratio(a->grad, get(st, cases[c], "grad_a"), 48, 1e-6, 1e-4) <= 1);
        assert_true(max_tol_ratio(b->grad, get(st, cases[c], "grad_b"), 48, 1e-6, 1e-4) <= 1);
        const double gs = ((const double *)safetensors_find(st, c ? "clamped.grad_logit_scale" : "inside.grad_logit_scale")->data)[0];
        print_message("%s: d loss / d logit_scale scar %.7f PyTorch %.7f\n", cases[c], s->grad[0], gs);
        assert_true(fabs(s->grad[0] - gs) < 1e-6 + 1e-4 * fabs(gs));
        graph_free(g);
    }
    safetensors_close(st);
}

/* 16 random 12-lead signals, 16 random "reports" (token sequences of varying length). */
static void tiny_model_memorises_16_pairs(void **state) {
    (void)state;
    enum { B = 16, S = 64, L = 12, V = 40 };
    EcgEncoderConfig ec = {.patch_len = 16, .n_patches = 4, .embed_dim = 32, .tf = {32, 2, 1, 64, 0.0, 1e-5}};
    TextEncoderConfig tc = {.vocab = V, .max_len = L, .embed_dim = 32, .tf = {32, 2, 1, 64, 0.0, 1e-5}};
    ParamStore ps;
    params_init(&ps);
    EcgEncoder ecg;
    TextEncoder txt;
    ecg_encoder_declare(&ecg, &ps, &ec, "ecg");
    text_encoder_declare(&txt, &ps, &tc, "text");
    Tensor *scale = params_add(&ps, "logit_scale", SHAPE(1), 0);
    params_finalize(&ps);
    Rng rng;
    rng_seed(&rng, 16, 0);
    ecg_encoder_init(&ecg, &rng);
    text_encoder_init(&txt, &rng);
    scale->data[0] = (float)log(1 / 0.07);

    float *signal = malloc(sizeof(float) * B * 12 * S);
    for (int i = 0; i < B * 12 * S; i++) signal[i] = (float)rng_normal(&rng);
    uint8_t tmask[B * 12 * 4];
    for (int i = 0; i < B * 12 * 4; i++) tmask[i] = (i % 5) != 2; /* some tokens missing */
    int32_t ids[B * L];
    uint8_t kmask[B * L];
    for (int b = 0; b < B; b++) {
        int len = 4 + b % 7;
        for (int t = 0; t < L; t++) {
            ids[b * L + t] = t < len ? 1 + (int32_t)rng_below(&rng, V - 1) : 0;
            kmask[b * L + t] = t < len;
        }
    }
    AdamW opt;
    adamw_init(&opt, &ps, 0.9, 0.98, 1e-8, 0.0);
    Graph *g = graph_new(1 << 22);
    double acc = 0;
    int step;
    for (step = 0; step < 300 && acc < 1.0; step++) {
        graph_reset(g);
        params_zero_grad(&ps);
        Tensor *x = tensor_copy_of(g, signal, SHAPE(B, 12, S));
        Tensor *e = ecg_encode(g, &ecg, x, tmask, NULL);
        Tensor *t = text_encode(g, &txt, ids, kmask, B, L, NULL);
        Tensor *logits;
        Tensor *loss = clip_loss(g, e, t, scale, CLIP_MAX_LOG_SCALE, &logits);
        acc = retrieval_accuracy(logits);
        graph_backward(g, loss);
        adamw_step(&opt, &ps, 3e-3);
    }
    print_message("retrieval accuracy %.3f after %d steps\n", acc, step);
    assert_true(acc == 1.0);
    graph_free(g);
    adamw_free(&opt);
    ecg_encoder_free(&ecg);
    text_encoder_free(&txt);
    params_free(&ps);
    free(signal);
}

int main(void) {
    engine_init(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loss_and_gradients_match_pytorch),
        cmocka_unit_test(tiny_model_memorises_16_pairs),
    };
    return cmocka_run_group_tests_name("clip", tests, NULL, NULL);
}
