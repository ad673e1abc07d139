#include "train/ssl_train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"
#include "core/optim.h"
#include "core/progress.h"
#include "data/pack.h"
#include "train/run_dir.h"
#include "train/run_state.h"

SslTrainOptions ssl_train_defaults(void) {
    SslTrainOptions o;
    memset(&o, 0, sizeof o);
    o.model = ssl_config_default(SSL_RESNET);
    o.aug = AUG_RANDOM;
    augment_options_default(&o.aug_opt);
    o.batch = 64;
    o.steps = 1000;
    o.warmup = 50;
    o.lr = 1e-3;
    o.min_lr = 1e-5;
    o.weight_decay = 1e-4;
    o.clip_norm = 5.0;
    o.masker_lr = 1e-3;
    o.seed = 1;
    o.log_every = 10;
    o.eval_every = 200;
    o.val_batches = 4;
    o.max_loss = 1e3;
    o.progress = -1;
    return o;
}

typedef struct {
    const SslTrainOptions *o;
    Pack *pack;
    SslModel model;
    AdamW opt;
    Graph *g;
    PackSampler sampler;
    int *train_idx, n_train, *val_idx, n_val;
    int S, L;                   /* samples in the pack, samples per view */
    float *raw;                 /* [B, 12, S] */
    uint8_t *valid;             /* [B, 12, S] */
    float *v1, *v2;             /* [B, 12, L] the two views */
    float *masks;               /* [B, N, C, L] the masker's masks, detached for the encoder step */
    int64_t *records;           /* [B] */
    uint8_t *active_masker, *active_rest;
    int64_t step, best_bits, saved_step;
    double mask_mean;
    FILE *log;
} SslRun;

static TrainState state_of(SslRun *r, Rng **rngs, int64_t **counters) {
    return run_state(&r->model.params, &r->opt, &r->g->rng, &r->step, &r->best_bits, rngs, counters);
}

static int save(SslRun *r, const char *name) {
    Rng *rngs[1];
    int64_t *counters[2];
    TrainState s = state_of(r, rngs, counters);
    char path[4096], step[32], aug[AUG_TEXT_MAX], std[AUG_TEXT_MAX];
    snprintf(path, sizeof path, "%s/%s", r->o->out_dir, name);
    snprintf(step, sizeof step, "%lld", (long long)r->step);
    if (augment_format(r->o->aug, &r->o->aug_opt, std, sizeof std) != 0) return -1;
    if (r->o->adversarial) snprintf(aug, sizeof aug, "adv%s", strchr(std, ':')); /* adv's views: "standard:…" → "adv:…" */
    else snprintf(aug, sizeof aug, "%s", std);
    const char *kv[] = {"step", step, "source", pack_path(r->pack), "augmentation", aug, "pairs", r->o->halves ? "halves" : "views", NULL};
    if (ssl_model_save(path, &r->model, &s, kv) != 0) return -1;
    if (!strcmp(name, "last.safetensors")) r->saved_step = r->step;
    return 0;
}

/* The two views of records idx[0..B) for draw number `draw` (fresh augmentations every step;
 * fixed draws for the validation batches). */
static int make_views(SslRun *r, const int *idx, int B, uint64_t draw) {
    const SslTrainOptions *o = r->o;
    if (pack_batch(r->pack, idx, B, r->raw, r->valid, NULL) != 0) return -1;
    for (int i = 0; i < B; i++) r->records[i] = idx[i];
    const uint64_t seed = o->seed * 1000003u + draw;
    const AugKind kind = o->adversarial ? AUG_STANDARD : o->aug;
    if (o->halves) { /* views: the first and the second half of each lead */
        for (int i = 0; i < B; i++)
            for (int l = 0; l < 12; l++) {
                const float *src = r->raw + ((size_t)i * 12 + l) * r->S;
                memcpy(r->v1 + ((size_t)i * 12 + l) * r->L, src, (size_t)r->L * sizeof(float));
                memcpy(r->v2 + ((size_t)i * 12 + l) * r->L, src + r->L, (size_t)r->L * sizeof(float));
            }
        if (augment_apply(kind, &o->aug_opt, r->v1, NULL, r->v1, NULL, B, r->L, r->records, seed, 0)) return -1;
        return augment_apply(kind, &o->aug_opt, r->v2, NULL, r->v2, NULL, B, r->L, r->records, seed, 1);
    }
    if (augment_apply(kind, &o->aug_opt, r->raw, r->valid, r->v1, NULL, B, r->L, r->records, seed, 0)) return -1;
    return augment_apply(kind, &o->aug_opt, r->raw, r->valid, r->v2, NULL, B, r->L, r->records, seed, 1);
}

static Tensor *project(Graph *g, SslModel *m, Tensor *x) { return projection_head_forward(g, &m->head, ssl_features(g, m, x)); }

/* NT-Xent of view 1 against the masked views of view 2 (masks: a tensor [B, N, C, L]). */
static Tensor *masked_loss(SslRun *r, Graph *g, Tensor *x1, Tensor *x2, Tensor *masks) {
    SslModel *m = &r->model;
    const int B = x1->shape[0], N = m->cfg.masker.n_masks;
    Tensor *views = ssl_masker_views(g, x2, masks);                                     /* [B, N, 12, L] */
    Tensor *z1 = project(g, m, x1);
    Tensor *loss = NULL;
    for (int i = 0; i < N; i++) {
        Tensor *v = op_reshape(g, op_slice(g, views, 1, i, 1), SHAPE(B, 12, r->L));
        Tensor *li = ntxent_loss(g, z1, project(g, m, v), m->cfg.temperature, NULL);
        loss = loss ? op_add(g, loss, li) : li;
    }
    return op_scale(g, loss, 1.0 / N);
}

/* One training step on the views in r->v1, r->v2; returns the loss (the encoder's). */
static double step_loss(SslRun *r, int B) {
    SslModel *m = &r->model;
    Graph *g = r->g;
    graph_reset(g);
    g->training = 1;
    g->grad_enabled = 1;
    Tensor *x1 = tensor_copy_of(g, r->v1, SHAPE(B, 12, r->L)), *x2 = tensor_copy_of(g, r->v2, SHAPE(B, 12, r->L));
    if (!r->o->adversarial) {
        Tensor *loss = ntxent_loss(g, project(g, m, x1), project(g, m, x2), m->cfg.temperature, NULL);
        if (isfinite(loss->data[0])) graph_backward(g, loss);
        return loss->data[0];
    }
    /* masker step: the encoder and the head frozen; ascent on the loss, the penalty against all or nothing */
    params_set_requires_grad(&m->params, r->active_rest, 0);
    Tensor *masks = ssl_masker_forward(g, &m->masker, x2);                             /* [B, N, C, L] */
    Tensor *adv = masked_loss(r, g, x1, x2, masks);
    Tensor *obj = op_sub(g, ssl_masker_penalty(g, masks, m->cfg.masker.alpha, m->cfg.masker.penalty_eps), adv);
    if (isfinite(adv->data[0])) graph_backward(g, obj);
    params_set_requires_grad(&m->params, r->active_rest, 1);
    memcpy(r->masks, masks->data, (size_t)masks->numel * sizeof(float));
    double s = 0;
    for (int64_t i = 0; i < masks->numel; i++) s += masks->data[i];
    r->mask_mean = s / (double)masks->numel;
    const int C = masks->shape[2];
    /* encoder step: the same masks, detached */
    graph_reset(g);
    x1 = tensor_copy_of(g, r->v1, SHAPE(B, 12, r->L));
    x2 = tensor_copy_of(g, r->v2, SHAPE(B, 12, r->L));
    Tensor *fixed = tensor_copy_of(g, r->masks, SHAPE(B, m->cfg.masker.n_masks, C, r->L));
    Tensor *loss = masked_loss(r, g, x1, x2, fixed);
    if (isfinite(loss->data[0])) graph_backward(g, loss);
    return loss->data[0];
}

/* Mean NT-Xent over the fixed validation batches (evaluation mode, fixed views; masked views use
 * the masker's masks as they are now). A validation split smaller than the batches ends in a
 * shorter batch, used when it has the 2 records NT-Xent needs; NaN when there is none. */
static double validation_loss(SslRun *r) {
    const SslTrainOptions *o = r->o;
    SslModel *m = &r->model;
    Graph *g = r->g;
    double total = 0;
    int used = 0;
    for (int k = 0; k < o->val_batches; k++) {
        const int start = k * o->batch, B = r->n_val - start < o->batch ? r->n_val - start : o->batch;
        if (B < 2) break;
        if (make_views(r, r->val_idx + start, B, 0x7a11000000ULL + (uint64_t)k) != 0) return NAN;
        graph_reset(g);
        g->training = 0;
        g->grad_enabled = 0;
        Tensor *x1 = tensor_copy_of(g, r->v1, SHAPE(B, 12, r->L)), *x2 = tensor_copy_of(g, r->v2, SHAPE(B, 12, r->L));
        Tensor *loss = o->adversarial ? masked_loss(r, g, x1, x2, ssl_masker_forward(g, &m->masker, x2))
                                      : ntxent_loss(g, project(g, m, x1), project(g, m, x2), m->cfg.temperature, NULL);
        total += loss->data[0];
        used++;
        g->grad_enabled = 1;
    }
    return used ? total / used : NAN;
}

static int start(SslRun *r) {
    const SslTrainOptions *o = r->o;
    if (o->resume) {
        char path[4096];
        snprintf(path, sizeof path, "%s/last.safetensors", o->out_dir);
        if (ssl_model_load(path, &r->model, NULL) != 0) return scar_fail_context("cannot resume: ");
        adamw_init(&r->opt, &r->model.params, 0.9, 0.999, 1e-8, o->weight_decay);
        Rng *rngs[1];
        int64_t *counters[2];
        TrainState s = state_of(r, rngs, counters);
        if (checkpoint_load(path, &s, NULL) != 0) return scar_fail_context("cannot resume: ");
        return 0;
    }
    SslConfig c = o->model;
    c.rate_hz = pack_rate(r->pack);
    c.samples = o->halves ? pack_samples(r->pack) / 2 : pack_samples(r->pack);
    c.has_masker = o->adversarial;
    c.head.in_features = ssl_feature_dim(&c);
    if (c.head.hidden == 0) c.head.hidden = c.head.in_features;
    if (ssl_config_validate(&c, "model configuration") != 0) return -1;
    ssl_model_create(&r->model, &c);
    Rng init;
    rng_seed(&init, o->seed, 0);
    ssl_model_init(&r->model, &init);
    rng_seed(&r->g->rng, o->seed, 1);
    adamw_init(&r->opt, &r->model.params, 0.9, 0.999, 1e-8, o->weight_decay);
    r->best_bits = double_bits(NAN);
    return 0;
}

static void run_free(SslRun *r) {
    if (r->log) fclose(r->log);
    free(r->raw), free(r->valid), free(r->v1), free(r->v2), free(r->masks), free(r->records);
    free(r->train_idx), free(r->val_idx), free(r->active_masker), free(r->active_rest);
    pack_sampler_free(&r->sampler);
    if (r->opt.m) adamw_free(&r->opt);
    if (r->model.params.data) ssl_model_free(&r->model);
    graph_free(r->g);
    if (r->pack) pack_close(r->pack);
}

int ssl_train(const SslTrainOptions *o, SslTrainResult *res) {
    SslRun r;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.saved_step = -1;
    if (o->batch < 2) return scar_fail("batch %d: NT-Xent needs at least 2 records per batch", o->batch);
    if (o->halves && o->model.encoder == SSL_TRANSFORMER && o->adversarial)
        return scar_fail("adversarial masks with halves: choose one way of making views");
    if (augment_options_check(&o->aug_opt) != 0) return -1;
    if (run_dir_create(o->out_dir) != 0) return -1;
    r.pack = pack_open(o->pack_path);
    if (!r.pack) return -1;
    r.g = graph_new(64 << 20);
    int rc = 0;
    r.n_train = pack_split_indices(r.pack, SPLIT_TRAIN, NULL);
    r.n_val = pack_split_indices(r.pack, SPLIT_VAL, NULL);
    if (r.n_train < o->batch) {
        rc = scar_fail("%s: %d training records, fewer than one batch of %d", o->pack_path, r.n_train, o->batch);
        goto done;
    }
    r.train_idx = xmalloc((size_t)r.n_train * sizeof(int));
    r.val_idx = xmalloc((size_t)(r.n_val ? r.n_val : 1) * sizeof(int));
    pack_split_indices(r.pack, SPLIT_TRAIN, r.train_idx);
    pack_split_indices(r.pack, SPLIT_VAL, r.val_idx);
    if ((rc = start(&r)) != 0) goto done;
    r.S = pack_samples(r.pack);
    r.L = r.model.cfg.samples;
    if (r.L > r.S || (o->halves && 2 * r.L > r.S)) {
        rc = scar_fail("%s: records of %d samples, the model reads %d%s", o->pack_path, r.S, r.L, o->halves ? " per half" : "");
        goto done;
    }
    const size_t per = (size_t)o->batch * 12;
    r.raw = xmalloc(per * r.S * sizeof(float));
    r.valid = xmalloc(per * r.S);
    r.v1 = xmalloc(per * r.L * sizeof(float));
    r.v2 = xmalloc(per * r.L * sizeof(float));
    r.records = xmalloc((size_t)o->batch * sizeof(int64_t));
    if (o->adversarial) r.masks = xmalloc(per * (size_t)r.model.cfg.masker.n_masks * r.L * sizeof(float));
    r.active_masker = xmalloc((size_t)r.model.params.n);
    r.active_rest = xmalloc((size_t)r.model.params.n);
    params_select(&r.model.params, "masker.", 1, r.active_masker);
    params_select(&r.model.params, "masker.", 0, r.active_rest);
    {
        char *cfg = ssl_config_to_json(&r.model.cfg);
        if ((rc = run_dir_write_text(o->out_dir, "config.json", cfg, 1)) != 0) goto done;
    }
    if ((rc = pack_sampler_init(&r.sampler, r.train_idx, r.n_train, o->seed)) != 0) goto done;
    {
        int *skip = xmalloc((size_t)o->batch * sizeof(int));
        for (int64_t i = 0; i < r.step; i++) pack_sampler_next(&r.sampler, o->batch, skip);
        free(skip);
    }
    char log_path[4096];
    snprintf(log_path, sizeof log_path, "%s/log.jsonl", o->out_dir);
    if (!(r.log = fopen(log_path, o->resume ? "a" : "w"))) {
        rc = scar_fail("%s: cannot write: %s", log_path, strerror(errno));
        goto done;
    }
    Progress prog;
    progress_begin(&prog, "ssl pretraining", "steps", o->steps, o->progress);
    const int64_t first = r.step;
    double loss = NAN;
    char status[128] = "";
    int *idx = xmalloc((size_t)o->batch * sizeof(int));
    while (r.step < o->steps) {
        const double lr = lr_warmup_cosine(r.step, o->warmup, o->steps, o->lr, o->min_lr);
        pack_sampler_next(&r.sampler, o->batch, idx);
        if ((rc = make_views(&r, idx, o->batch, (uint64_t)r.step)) != 0) break;
        params_zero_grad(&r.model.params);
        loss = step_loss(&r, o->batch);
        const double mnorm = o->adversarial ? clip_grad_norm_subset(&r.model.params, o->clip_norm, r.active_masker) : 0;
        const double norm = clip_grad_norm_subset(&r.model.params, o->clip_norm, r.active_rest);
        if (!isfinite(loss) || loss > o->max_loss || !isfinite(norm) || !isfinite(mnorm)) {
            progress_end(&prog, NULL);
            char kept[4200];
            if (r.saved_step >= 0) snprintf(kept, sizeof kept, "the last good checkpoint is %s/last.safetensors (step %lld)", o->out_dir, (long long)r.saved_step);
            else snprintf(kept, sizeof kept, "no checkpoint was written before it");
            rc = scar_fail("step %lld: the loss %s (loss %g, gradient norm %g); stopped: %s", (long long)r.step + 1,
                           isfinite(loss) ? "exploded" : "is not finite", loss, norm, kept);
            break;
        }
        adamw_step_subset(&r.opt, &r.model.params, lr, r.active_rest);
        if (o->adversarial) adamw_step_subset(&r.opt, &r.model.params, o->masker_lr * lr / o->lr, r.active_masker);
        r.step++;
        const double el = progress_elapsed(&prog), rate = el > 0 ? (double)(r.step - first) * o->batch / el : 0;
        if (r.step % o->log_every == 0 || r.step == o->steps) {
            fprintf(r.log, "{\"step\": %lld, \"loss\": %.6f, \"lr\": %.3e, \"grad_norm\": %.4f, \"records_per_s\": %.1f",
                    (long long)r.step, loss, lr, norm, rate);
            if (o->adversarial) fprintf(r.log, ", \"mask_mean\": %.4f", r.mask_mean);
            fprintf(r.log, "}\n");
            fflush(r.log);
        }
        snprintf(status, sizeof status, "loss %.4f, %.0f records/s", loss, rate);
        progress_update(&prog, r.step, status);
        if (r.step % o->eval_every == 0 || r.step == o->steps) {
            const double v = validation_loss(&r);
            const double best = bits_double(r.best_bits);
            const int improved = !isnan(v) && (isnan(best) || v < best);
            if (improved) r.best_bits = double_bits(v);
            char vtext[32] = "null"; /* JSON has no NaN */
            if (!isnan(v)) snprintf(vtext, sizeof vtext, "%.6f", v);
            fprintf(r.log, "{\"step\": %lld, \"validation_loss\": %s, \"best\": %s}\n", (long long)r.step, vtext, improved ? "true" : "false");
            fflush(r.log);
            if ((rc = save(&r, "last.safetensors")) != 0) break;
            if (improved && (rc = save(&r, "best.safetensors")) != 0) break;
        }
        if (o->stop_after > 0 && r.step - first >= o->stop_after && r.step < o->steps) {
            rc = save(&r, "last.safetensors");
            break;
        }
    }
    free(idx);
    if (!rc) progress_end(&prog, status);
    if (!rc && res) {
        res->steps_done = r.step;
        res->final_loss = loss;
        res->best_val_loss = bits_double(r.best_bits);
        res->seconds = progress_elapsed(&prog);
        res->records_per_s = res->seconds > 0 ? (double)(r.step - first) * o->batch / res->seconds : 0;
    }
done:
    run_free(&r);
    return rc;
}
