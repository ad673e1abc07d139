#include "train/clip_train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"
#include "core/optim.h"
#include "core/progress.h"
#include "data/ecg_batch.h"
#include "model/clip_io.h"
#include "model/clip_loss.h"
#include "train/run_dir.h"
#include "train/run_state.h"
#include "train/train_run.h"

ClipTrainOptions clip_train_defaults(void) {
    ClipTrainOptions o;
    memset(&o, 0, sizeof o);
    o.model = clip_config_default();
    o.vocab = 1000;
    o.batch = 64;
    o.accum = 1;
    o.steps = 1000;
    o.warmup = 50;
    o.lr = 5e-4;
    o.min_lr = 1e-5;
    o.weight_decay = 0.05;
    o.beta1 = 0.9;
    o.beta2 = 0.98;
    o.clip_norm = 1.0;
    o.text_keep = 1.0;
    o.selector_weight = 1.0;
    o.selector_tau = 0.1;
    o.consistency_weight = 1.0;
    o.masker_lr = 5e-4;
    o.seed = 1;
    o.eval_every = 200;
    o.log_every = 10;
    o.max_loss = 1e3;
    o.progress = -1;
    return o;
}


static TrainState train_state(Run *r, Rng **rngs, int64_t **counters) {
    return run_state(&r->model.params, &r->opt, &r->g->rng, &r->step, &r->best_val_bits, rngs, counters);
}

static int save(Run *r, const char *name) {
    Rng *rngs[1];
    int64_t *counters[2];
    TrainState s = train_state(r, rngs, counters);
    char path[4096], step[32];
    snprintf(path, sizeof path, "%s/%s", r->o->out_dir, name);
    snprintf(step, sizeof step, "%lld", (long long)r->step);
    const char *kv[] = {"step", step, "source", pack_path(r->pack), NULL};
    if (clip_model_save(path, &r->model, r->tok, &s, kv) != 0) return -1;
    if (!strcmp(name, "last.safetensors")) r->saved_step = r->step;
    return 0;
}

/* A fresh model and tokenizer, or the state of the run in out_dir. */
static int start(Run *r) {
    const ClipTrainOptions *o = r->o;
    if (o->resume) {
        /* The model (shaped by the checkpoint's config) first, then the optimizer over its
         * parameters, then everything else: moments, the graph's RNG, the counters. */
        char path[4096];
        snprintf(path, sizeof path, "%s/last.safetensors", o->out_dir);
        if (clip_model_load(path, &r->model, &r->tok, NULL, NULL) != 0) return scar_fail_context("cannot resume: ");
        adamw_init(&r->opt, &r->model.params, o->beta1, o->beta2, 1e-8, o->weight_decay);
        Rng *rngs[1];
        int64_t *counters[2];
        TrainState s = train_state(r, rngs, counters);
        if (checkpoint_load(path, &s, NULL) != 0) return scar_fail_context("cannot resume: ");
        return 0;
    }
    const int n = r->n_train;
    r->reports = xmalloc((size_t)n * sizeof *r->reports);
    for (int i = 0; i < n; i++) r->reports[i] = pack_report(r->pack, r->train_idx[i]);
    TokenizerOptions topt = tokenizer_default_options();
    r->tok = tokenizer_train(r->reports, n, o->vocab, &topt);
    free(r->reports);
    r->reports = NULL;
    if (!r->tok) return scar_fail_context("%s: training the tokenizer on %d reports: ", pack_path(r->pack), n);
    ClipConfig cfg = o->model;
    cfg.text.vocab = tokenizer_vocab_size(r->tok);
    if (o->method == TRAIN_SCAR) {
        cfg.ecg.selector = !o->no_selector;
        cfg.has_masker = !o->no_masker;
    }
    if (cfg.ecg.n_patches == 0) cfg.ecg.n_patches = pack_samples(r->pack) / cfg.ecg.patch_len;
    if (cfg.ecg.n_patches < 1 || (int64_t)cfg.ecg.n_patches * cfg.ecg.patch_len > pack_samples(r->pack))
        return scar_fail("%s: records of %d samples do not hold %d patches of %d samples", pack_path(r->pack),
                         pack_samples(r->pack), cfg.ecg.n_patches ? cfg.ecg.n_patches : 1, cfg.ecg.patch_len);
    cfg.rate_hz = pack_rate(r->pack);
    if (clip_config_validate(&cfg, "model configuration") != 0) return -1;
    clip_model_create(&r->model, &cfg);
    Rng init;
    rng_seed(&init, o->seed, 0);
    clip_model_init(&r->model, &init);
    rng_seed(&r->g->rng, o->seed, 1);
    adamw_init(&r->opt, &r->model.params, o->beta1, o->beta2, 1e-8, o->weight_decay);
    r->best_val_bits = double_bits(NAN);
    return 0;
}

static int validate_and_save(Run *r, double loss) {
    const ClipTrainOptions *o = r->o;
    double score = o->validate ? o->validate(o->validate_ctx, &r->model, r->tok) : -loss;
    if (isnan(score)) return scar_fail_context("validation at step %lld: ", (long long)r->step);
    const double best = bits_double(r->best_val_bits);
    const int improved = isnan(best) || score > best;
    if (improved) r->best_val_bits = double_bits(score);
    if (r->log) {
        fprintf(r->log, "{\"step\": %lld, \"validation\": %.6f, \"best\": %s}\n", (long long)r->step, score,
                improved ? "true" : "false");
        fflush(r->log);
    }
    if (save(r, "last.safetensors") != 0) return -1;
    if (improved && save(r, "best.safetensors") != 0) return -1;
    return 0;
}

static void run_free(Run *r) {
    if (r->log) fclose(r->log);
    free(r->ids);
    free(r->text_mask);
    free(r->active_masker);
    free(r->active_encoders);
    free(r->removed_mask);
    free(r->train_idx);
    pack_sampler_free(&r->sampler);
    ecg_batch_free(&r->batch);
    if (r->opt.m) adamw_free(&r->opt);
    if (r->model.params.data) clip_model_free(&r->model);
    if (r->tok) tokenizer_free(r->tok);
    graph_free(r->g);
    if (r->pack) pack_close(r->pack);
}

int clip_train(const ClipTrainOptions *o, ClipTrainResult *res) {
    Run r;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.saved_step = -1;
    if (o->batch < 2) return scar_fail("batch %d: contrastive training needs at least 2 pairs per batch", o->batch);
    if (o->accum < 1 || o->steps < 1) return scar_fail("accum and steps must be at least 1");
    if (o->train_missing) {
        if (missing_parse(o->train_missing, &r.missing) != 0) return -1;
        r.has_missing = 1;
    }
    if (run_dir_create(o->out_dir) != 0) return -1;
    r.pack = pack_open(o->pack_path);
    if (!r.pack) return -1;
    r.g = graph_new(64 << 20);
    int rc = 0;
    r.n_train = pack_split_indices(r.pack, SPLIT_TRAIN, NULL);
    if (r.n_train < o->batch) {
        rc = scar_fail("%s: %d training records, fewer than one batch of %d", o->pack_path, r.n_train, o->batch);
        goto done;
    }
    r.train_idx = xmalloc((size_t)r.n_train * sizeof(int));
    pack_split_indices(r.pack, SPLIT_TRAIN, r.train_idx);
    if ((rc = start(&r)) != 0) goto done;
    if ((rc = run_dir_write_text(o->out_dir, "config.json", clip_config_to_json(&r.model.cfg), 1)) != 0) goto done;
    if ((rc = ecg_batch_init(&r.batch, r.pack, o->batch, r.model.cfg.ecg.patch_len, r.model.cfg.ecg.n_patches)) != 0) goto done;
    if ((rc = pack_sampler_init(&r.sampler, r.train_idx, r.n_train, o->seed)) != 0) goto done;
    { /* the sampler is a pure function of (seed, draws so far): replay the draws already made */
        int *skip = xmalloc((size_t)o->batch * sizeof(int));
        for (int64_t i = 0; i < r.step * o->accum; i++) pack_sampler_next(&r.sampler, o->batch, skip);
        free(skip);
    }
    r.ids = xmalloc((size_t)o->batch * r.model.cfg.text.max_len * sizeof(int32_t));
    r.text_mask = xmalloc((size_t)o->batch * r.model.cfg.text.max_len);
    r.active_masker = xmalloc((size_t)r.model.params.n);
    r.active_encoders = xmalloc((size_t)r.model.params.n);
    params_select(&r.model.params, "masker.", 1, r.active_masker);
    params_select(&r.model.params, "masker.", 0, r.active_encoders);
    r.removed_mask = xmalloc((size_t)o->batch * ECG_LEADS * r.model.cfg.ecg.n_patches);
    if (o->method == TRAIN_SCAR && r.has_missing) {
        rc = scar_fail("SCAR removes tokens itself: --random-drop applies to the contrastive baseline only");
        goto done;
    }
    char log_path[4096];
    snprintf(log_path, sizeof log_path, "%s/log.jsonl", o->out_dir);
    r.log = fopen(log_path, o->resume ? "a" : "w");
    if (!r.log) {
        rc = scar_fail("%s: cannot write: %s", log_path, strerror(errno));
        goto done;
    }

    Progress prog;
    progress_begin(&prog, "pretraining", "steps", o->steps, o->progress);
    const int64_t first = r.step;
    double loss = NAN;
    char status[128];
    while (r.step < o->steps) {
        const double lr = lr_warmup_cosine(r.step, o->warmup, o->steps, o->lr, o->min_lr);
        params_zero_grad(&r.model.params);
        loss = 0;
        for (int a = 0; a < o->accum; a++) loss += (o->method == TRAIN_SCAR ? scar_micro_step(&r, a) : clip_micro_step(&r, a)) / o->accum;
        /* The masker and the encoders are clipped and updated apart (their losses pull in
         * opposite directions); for CLIP the masker part is empty. */
        const double masker_norm = r.model.cfg.has_masker ? clip_grad_norm_subset(&r.model.params, o->clip_norm, r.active_masker) : 0;
        const double norm = clip_grad_norm_subset(&r.model.params, o->clip_norm, r.active_encoders);
        if (!isfinite(loss) || loss > o->max_loss || !isfinite(norm) || !isfinite(masker_norm)) {
            progress_end(&prog, NULL);
            char kept[4200];
            if (r.saved_step >= 0) snprintf(kept, sizeof kept, "the last good checkpoint is %s/last.safetensors (step %lld)", o->out_dir, (long long)r.saved_step);
            else snprintf(kept, sizeof kept, "no checkpoint was written before it");
            rc = scar_fail("step %lld: the loss %s (loss %g, gradient norm %g); stopped: %s; try a lower --lr or a "
                           "smaller --clip-norm",
                           (long long)r.step + 1, isfinite(loss) && isfinite(norm) ? "exploded" : "is not finite",
                           loss, norm, kept);
            goto done;
        }
        adamw_step_subset(&r.opt, &r.model.params, lr, r.active_encoders);
        if (r.model.cfg.has_masker)
            adamw_step_subset(&r.opt, &r.model.params, o->masker_lr * lr / o->lr, r.active_masker);
        real *ls = r.model.logit_scale->data; /* keep 1/T within [1, 100], as CLIP does */
        *ls = *ls < 0 ? 0 : *ls > (real)CLIP_MAX_LOG_SCALE ? (real)CLIP_MAX_LOG_SCALE : *ls;
        r.step++;
        const double el = progress_elapsed(&prog);
        const double rate = el > 0 ? (double)(r.step - first) * o->batch * o->accum / el : 0;
        if (r.step % o->log_every == 0 || r.step == o->steps) {
            fprintf(r.log, "{\"step\": %lld, \"loss\": %.6f, \"lr\": %.3e, \"grad_norm\": %.4f, \"temperature\": %.5f, "
                           "\"pairs_per_s\": %.1f",
                    (long long)r.step, loss, lr, norm, exp(-(double)*ls), rate);
            if (o->method == TRAIN_SCAR)
                fprintf(r.log, ", \"masker_loss\": %.6f, \"removed\": %.4f, \"tau\": %.4f", r.masker_loss,
                        r.removed_fraction, masker_tau(&r.model.cfg.masker, r.step - 1, o->steps));
            fprintf(r.log, "}\n");
            fflush(r.log);
        }
        snprintf(status, sizeof status, "loss %.4f, %.0f pairs/s", loss, rate);
        progress_update(&prog, r.step, status);
        if (r.step % o->eval_every == 0 || r.step == o->steps)
            if ((rc = validate_and_save(&r, loss)) != 0) goto done;
        if (o->stop_after > 0 && r.step - first >= o->stop_after && r.step < o->steps) {
            if ((rc = save(&r, "last.safetensors")) != 0) goto done;
            break;
        }
    }
    progress_end(&prog, status);
    if (res) {
        res->steps_done = r.step;
        res->final_loss = loss;
        res->best_val = o->validate ? bits_double(r.best_val_bits) : NAN;
        res->seconds = progress_elapsed(&prog);
        res->pairs_per_s = res->seconds > 0 ? (double)(r.step - first) * o->batch * o->accum / res->seconds : 0;
    }
done:
    run_free(&r);
    return rc;
}
