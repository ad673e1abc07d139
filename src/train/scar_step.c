/* One micro-batch of SCAR (DESIGN §1), alternating min-max:
 *   1. masker step: encoders frozen; the masker removes tokens (budgeted Gumbel top-K, straight-
 *      through); a removed token keeps its place but loses its content, so the loss is
 *      differentiable in the choice; gradient ascent on the masked ECG->text contrastive loss,
 *      plus the anti-collapse penalty. (Skipped with no_masker: random removal, same budget.)
 *   2. encoder step: the mask from step 1, detached and hard; removed tokens are dropped;
 *      loss = CLIP(clean) + CLIP(masked) + beta KL_selector + gamma |z_masked - sg(z_clean)|^2.
 * Gradients of the masker and of the encoders land in separate tensors of one store; the loop
 * updates each part with its own subset step. */
#include <math.h>
#include <string.h>

#include "core/ops.h"
#include "model/clip_loss.h"
#include "model/selector.h"
#include "train/train_run.h"

/* Step 1; leaves the hard removal in r->removed_mask. Returns the masked contrastive loss. */
static double masker_step(Run *r, Tensor *x, double tau) {
    const ClipTrainOptions *o = r->o;
    ClipModel *m = &r->model;
    Graph *g = r->g;
    const int B = o->batch, NP = m->cfg.ecg.n_patches;
    params_set_requires_grad(&m->params, r->active_encoders, 0);
    EcgEncoding e;
    memset(&e, 0, sizeof e);
    e.layout = token_layout(g, r->batch.token_mask, B, NP);
    Tensor *clean_tokens = ecg_embed_tokens(g, &m->ecg, x, &e.layout, NULL);              /* [B, T, D] */
    MaskerOutput mo;
    masker_remove(g, &m->masker, &m->cfg.masker, clean_tokens, &e.layout, NP, tau, 1, -1, &mo);
    e.tokens = ecg_embed_tokens(g, &m->ecg, x, &e.layout, mo.keep);                      /* content x keep */
    Tensor *z = ecg_encode_tokens(g, &m->ecg, &e, mo.pool_mask);                          /* [B, E] */
    Tensor *t = text_encode(g, &m->text, r->ids, r->text_mask, B, r->text_len, NULL);     /* no gradient */
    Tensor *masked = clip_loss(g, z, t, m->logit_scale, CLIP_MAX_LOG_SCALE, NULL);
    Tensor *objective = op_scale(g, masked, -1);                                          /* ascent */
    if (mo.penalty) objective = op_add(g, objective, op_scale(g, mo.penalty, m->cfg.masker.penalty));
    const double value = masked->data[0];
    if (isfinite(value)) graph_backward(g, op_scale(g, objective, 1.0 / o->accum));
    params_set_requires_grad(&m->params, r->active_encoders, 1);
    memcpy(r->removed_mask, mo.token_mask, (size_t)B * ECG_LEADS * NP);
    long removed = 0, present = 0;
    for (int b = 0; b < B; b++) removed += mo.n_removed[b], present += e.layout.count[b];
    r->removed_fraction = present ? (double)removed / (double)present : 0;
    return value;
}

/* The --no-masker ablation: random removal with the same budget split. */
static void random_removal(Run *r, Tensor *x, double tau) {
    ClipModel *m = &r->model;
    Graph *g = r->g;
    const int B = r->o->batch, NP = m->cfg.ecg.n_patches;
    const TokenLayout L = token_layout(g, r->batch.token_mask, B, NP);
    MaskerOutput mo;
    masker_remove(g, NULL, &m->cfg.masker, NULL, &L, NP, tau, 1, -1, &mo);
    memcpy(r->removed_mask, mo.token_mask, (size_t)B * ECG_LEADS * NP);
    long removed = 0, present = 0;
    for (int b = 0; b < B; b++) removed += mo.n_removed[b], present += L.count[b];
    r->removed_fraction = present ? (double)removed / (double)present : 0;
    (void)x;
}

double scar_micro_step(Run *r, int micro) {
    const ClipTrainOptions *o = r->o;
    ClipModel *m = &r->model;
    const int B = o->batch;
    if (run_fill_batch(r, micro, NULL) != 0) return NAN;
    Graph *g = r->g;
    const double tau = masker_tau(&m->cfg.masker, r->step, o->steps);

    graph_reset(g);
    g->training = 1;
    g->grad_enabled = 1;
    Tensor *x = tensor_copy_of(g, r->batch.signal, SHAPE(B, ECG_LEADS, r->batch.S));
    if (m->cfg.has_masker) r->masker_loss = masker_step(r, x, tau);
    else random_removal(r, x, tau);
    if (!isfinite(r->masker_loss) && m->cfg.has_masker) return NAN;

    graph_reset(g);
    x = tensor_copy_of(g, r->batch.signal, SHAPE(B, ECG_LEADS, r->batch.S));
    EcgEncoding ec, em;
    Tensor *zc = ecg_encode(g, &m->ecg, x, r->batch.token_mask, &ec);                    /* [B, E] clean */
    Tensor *zm = ecg_encode(g, &m->ecg, x, r->removed_mask, &em);                        /* [B, E] masked */
    Tensor *t = text_encode(g, &m->text, r->ids, r->text_mask, B, r->text_len, NULL);    /* [B, E] */
    Tensor *loss = op_add(g, clip_loss(g, zc, t, m->logit_scale, CLIP_MAX_LOG_SCALE, NULL),
                          clip_loss(g, zm, t, m->logit_scale, CLIP_MAX_LOG_SCALE, NULL));
    if (m->cfg.ecg.selector && o->selector_weight > 0) {
        Tensor *kl = op_add(g, selector_loss(g, &m->ecg, &ec, t, o->selector_tau), selector_loss(g, &m->ecg, &em, t, o->selector_tau));
        loss = op_add(g, loss, op_scale(g, kl, o->selector_weight));
    }
    if (!o->no_consistency && o->consistency_weight > 0) {
        Tensor *nc = op_stop_gradient(g, op_l2_normalize(g, zc, 1e-12));
        Tensor *mse = op_mse(g, op_l2_normalize(g, zm, 1e-12), nc); /* mean over B x E: scale to a sum over E */
        loss = op_add(g, loss, op_scale(g, mse, o->consistency_weight * m->cfg.embed_dim));
    }
    const double value = loss->data[0];
    if (isfinite(value)) graph_backward(g, op_scale(g, loss, 1.0 / o->accum));
    return value;
}
