/* One micro-batch of the contrastive baseline: symmetric InfoNCE between the (optionally randomly
 * masked) ECGs and their reports, plus MERL's ECG-ECG term when asked. */
#include <math.h>

#include "core/ops.h"
#include "model/clip_loss.h"
#include "train/train_run.h"

double clip_micro_step(Run *r, int micro) {
    const ClipTrainOptions *o = r->o;
    ClipModel *m = &r->model;
    const int B = o->batch;
    if (run_fill_batch(r, micro, r->has_missing ? &r->missing : NULL) != 0) return NAN;
    Graph *g = r->g;
    graph_reset(g);
    g->training = 1;
    g->grad_enabled = 1;
    Tensor *x = tensor_copy_of(g, r->batch.signal, SHAPE(B, ECG_LEADS, r->batch.S));    /* [B, 12, S] */
    Tensor *e = ecg_encode(g, &m->ecg, x, r->batch.token_mask, NULL);                    /* [B, E] */
    Tensor *t = text_encode(g, &m->text, r->ids, r->text_mask, B, r->text_len, NULL);    /* [B, E] */
    Tensor *loss = clip_loss(g, e, t, m->logit_scale, CLIP_MAX_LOG_SCALE, NULL);
    if (o->merl_weight > 0) { /* MERL: a second dropout view of the same ECGs, aligned with the first */
        Tensor *e2 = ecg_encode(g, &m->ecg, x, r->batch.token_mask, NULL);
        loss = op_add(g, loss, op_scale(g, clip_loss(g, e, e2, m->logit_scale, CLIP_MAX_LOG_SCALE, NULL), o->merl_weight));
    }
    const double value = loss->data[0];
    if (isfinite(value)) graph_backward(g, op_scale(g, loss, 1.0 / o->accum));
    return value;
}
