/* SCAR's masker: exactly the budgeted number of tokens goes, structured (whole leads, whole
 * segments, free tokens), only present tokens; random removal follows the same budget; a masker
 * step (gradient ascent through the straight-through top-K) raises the masked contrastive loss on
 * a fixed batch, and an encoder step lowers it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops.h"
#include "core/optim.h"
#include "core/parallel.h"
#include "model/clip_loss.h"
#include "model/clip_model.h"
#include "model/selector.h"
#include "testutil.h"

enum { B = 6, NP = 8, S = 8 * 16, L = 10 };

typedef struct {
    ClipModel m;
    float signal[B * 12 * S];
    uint8_t present[B * 12 * NP];
    int32_t ids[B * L];
    uint8_t tmask[B * L];
} Fixture;

static void make(Fixture *f) {
    ClipConfig c = clip_config_default();
    c.ecg.patch_len = 16;
    c.ecg.n_patches = NP;
    c.ecg.selector = 1;
    c.ecg.tf = (TransformerConfig){32, 2, 1, 64, 0.0, 1e-5};
    c.text.tf = (TransformerConfig){32, 2, 1, 64, 0.0, 1e-5};
    c.text.vocab = 50;
    c.text.max_len = L;
    c.embed_dim = 16;
    c.has_masker = 1;
    c.masker.hidden = 16;
    c.masker.budget = 0.3;
    c.masker.penalty = 0;
    clip_model_create(&f->m, &c);
    Rng r;
    rng_seed(&r, 21, 0);
    clip_model_init(&f->m, &r);
    for (int i = 0; i < B * 12 * S; i++) f->signal[i] = (float)rng_normal(&r);
    for (int b = 0; b < B; b++)
        for (int k = 0; k < 12 * NP; k++) /* sample 0 complete; others miss a lead or some tokens */
            f->present[b * 12 * NP + k] = b == 0 || (k / NP != b % 12 && (k * 7 + b) % 11 != 0);
    for (int i = 0; i < B * L; i++) f->ids[i] = 1 + (int32_t)rng_below(&r, 49), f->tmask[i] = (i % L) < 6 + (i / L) % 4;
}

/* Masked contrastive loss of the fixed batch with the masker's deterministic choice (no noise). */
static double masked_loss(Fixture *f, Graph *g, int backward_masker, uint8_t *removed_out) {
    graph_reset(g);
    ClipModel *m = &f->m;
    Tensor *x = tensor_copy_of(g, f->signal, SHAPE(B, 12, S));
    EcgEncoding e;
    memset(&e, 0, sizeof e);
    e.layout = token_layout(g, f->present, B, NP);
    Tensor *clean = ecg_embed_tokens(g, &m->ecg, x, &e.layout, NULL);
    MaskerOutput mo;
    masker_remove(g, &m->masker, &m->cfg.masker, clean, &e.layout, NP, 0.5, 0, -1, &mo);
    e.tokens = ecg_embed_tokens(g, &m->ecg, x, &e.layout, mo.keep);
    Tensor *z = ecg_encode_tokens(g, &m->ecg, &e, mo.pool_mask);
    Tensor *t = text_encode(g, &m->text, f->ids, f->tmask, B, L, NULL);
    Tensor *loss = clip_loss(g, z, t, m->logit_scale, CLIP_MAX_LOG_SCALE, NULL);
    if (backward_masker) graph_backward(g, op_scale(g, loss, -1));
    if (removed_out) memcpy(removed_out, mo.token_mask, (size_t)B * 12 * NP);
    return loss->data[0];
}

static void exact_structured_budget(void **state) {
    (void)state;
    Fixture *f = calloc(1, sizeof *f);
    make(f);
    Graph *g = graph_new(1 << 22);
    for (int random = 0; random < 2; random++) {
        graph_reset(g);
        Tensor *x = tensor_copy_of(g, f->signal, SHAPE(B, 12, S));
        const TokenLayout lay = token_layout(g, f->present, B, NP);
        Tensor *tok = ecg_embed_tokens(g, &f->m.ecg, x, &lay, NULL);
        MaskerOutput mo;
        masker_remove(g, random ? NULL : &f->m.masker, &f->m.cfg.masker, tok, &lay, NP, 0.5, 1, -1, &mo);
        for (int b = 0; b < B; b++) {
            const int want = (int)lround(0.3 * lay.count[b]);
            assert_int_equal(mo.n_removed[b], want);
            int kept = 0, whole_leads = 0;
            for (int k = 0; k < 12 * NP; k++) {
                const uint8_t p = f->present[b * 12 * NP + k], q = mo.token_mask[b * 12 * NP + k];
                assert_true(q <= p); /* nothing absent comes back */
                kept += q;
            }
            assert_int_equal(kept, lay.count[b] - want);
            for (int l = 0; l < 12; l++) {
                int had = 0, left = 0;
                for (int t = 0; t < NP; t++) had += f->present[b * 12 * NP + l * NP + t], left += mo.token_mask[b * 12 * NP + l * NP + t];
                whole_leads += had > 0 && left == 0;
            }
            /* the lead share of the budget is round(0.4 * K / NP) whole leads */
            assert_true(whole_leads >= (int)lround(0.4 * want / NP));
        }
    }
    graph_free(g);
    clip_model_free(&f->m);
    free(f);
}

static void masker_step_raises_and_encoder_step_lowers(void **state) {
    (void)state;
    Fixture *f = calloc(1, sizeof *f);
    make(f);
    ClipModel *m = &f->m;
    Graph *g = graph_new(1 << 22);
    g->training = 0; /* no dropout: the comparisons are exact functions of the weights */
    uint8_t only_masker[256], encoders[256];
    params_select(&m->params, "masker.", 1, only_masker);
    params_select(&m->params, "masker.", 0, encoders);
    AdamW opt;
    adamw_init(&opt, &m->params, 0.9, 0.999, 1e-8, 0.0);

    const double before = masked_loss(f, g, 0, NULL);
    params_set_requires_grad(&m->params, encoders, 0);
    for (int s = 0; s < 40; s++) {
        params_zero_grad(&m->params);
        masked_loss(f, g, 1, NULL);
        adamw_step_subset(&opt, &m->params, 0.02, only_masker);
    }
    params_set_requires_grad(&m->params, encoders, 1);
    uint8_t removed[B * 12 * NP];
    const double after = masked_loss(f, g, 0, removed);
    print_message("masked contrastive loss: %.4f before, %.4f after 40 masker steps\n", before, after);
    assert_true(after > before + 0.01);

    /* encoder step on the hard mask from the masker */
    double first = 0, last = 0;
    for (int s = 0; s < 15; s++) {
        graph_reset(g);
        params_zero_grad(&m->params);
        Tensor *x = tensor_copy_of(g, f->signal, SHAPE(B, 12, S));
        EcgEncoding ec, em;
        Tensor *zc = ecg_encode(g, &m->ecg, x, f->present, &ec);
        Tensor *zm = ecg_encode(g, &m->ecg, x, removed, &em);
        Tensor *t = text_encode(g, &m->text, f->ids, f->tmask, B, L, NULL);
        Tensor *loss = op_add(g, clip_loss(g, zc, t, m->logit_scale, CLIP_MAX_LOG_SCALE, NULL),
                              clip_loss(g, zm, t, m->logit_scale, CLIP_MAX_LOG_SCALE, NULL));
        loss = op_add(g, loss, selector_loss(g, &m->ecg, &em, t, 0.1));
        graph_backward(g, loss);
        adamw_step_subset(&opt, &m->params, 3e-3, encoders);
        if (s == 0) first = loss->data[0];
        last = loss->data[0];
    }
    print_message("encoder loss: %.4f at the first step, %.4f at the 15th\n", first, last);
    assert_true(last < first - 0.1);
    adamw_free(&opt);
    graph_free(g);
    clip_model_free(&f->m);
    free(f);
}

int main(void) {
    engine_init(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_structured_budget),
        cmocka_unit_test(masker_step_raises_and_encoder_step_lowers),
    };
    return cmocka_run_group_tests_name("masker", tests, NULL, NULL);
}
