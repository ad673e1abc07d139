/* ECG-report pretraining (DESIGN §1): the contrastive baseline (CLIP, with optional random
 * lead/time removal -- the "random masking" baseline -- and MERL's ECG-ECG term) and SCAR (the
 * adversarial masker and the adaptive selector, train/scar_step.c). One loop for both: AdamW with
 * warm-up and cosine decay, gradient clipping and accumulation, periodic validation through a
 * callback, best and last checkpoints, a JSON-lines log, a progress line, bit-identical resume,
 * and a stop with a message (keeping the last good checkpoint) on a NaN or exploding loss. */
#ifndef SCAR_TRAIN_CLIP_TRAIN_H
#define SCAR_TRAIN_CLIP_TRAIN_H

#include <stdint.h>

#include "data/tokenizer.h"
#include "model/clip_model.h"

/* Validation score of the current model (higher is better), e.g. zero-shot macro AUROC on the
 * validation split; NAN with scar_fail() on error. */
typedef double (*ClipValidateFn)(void *ctx, ClipModel *m, const Tokenizer *tok);

enum { TRAIN_CLIP, TRAIN_SCAR };

typedef struct {
    int method;                 /* TRAIN_CLIP or TRAIN_SCAR */
    const char *pack_path;      /* packed dataset with a train split */
    const char *out_dir;        /* checkpoints, config.json, log.jsonl */
    int resume;                 /* continue the run in out_dir from last.safetensors */
    ClipConfig model;           /* ecg.n_patches 0: as many patches as the pack's records hold */
    int vocab;                  /* tokenizer size to train to (from the train split's reports) */
    int batch, accum;           /* pairs per micro-batch, micro-batches per step */
    int64_t steps, warmup;
    double lr, min_lr, weight_decay, beta1, beta2, clip_norm;
    const char *train_missing;  /* protocol text applied afresh to every training ECG, or NULL */
    double merl_weight;         /* > 0: add MERL's ECG-ECG term between two dropout views */
    double text_keep;           /* < 1: each sentence of a report is kept with this probability (at
                                   least one), so the text encoder also meets single findings */
    /* SCAR (model.masker holds the masker's budget, shares, penalty and temperatures) */
    int no_masker;              /* random removal with the same budget instead of the masker */
    int no_selector;            /* mean pooling, no selector loss */
    int no_consistency;         /* no |z_masked - sg(z_clean)|^2 term */
    double selector_weight;     /* beta */
    double selector_tau;        /* temperature of the selector's targets */
    double consistency_weight;  /* gamma */
    double masker_lr;           /* the masker's peak learning rate (same schedule) */
    uint64_t seed;
    int64_t eval_every, log_every;
    int64_t stop_after;         /* > 0: stop (after saving last.safetensors) once this invocation
                                   has made that many steps; --resume continues the same schedule */
    double max_loss;            /* a loss above this, or not finite, stops the run */
    int progress;               /* 1 on, 0 off, -1 when stderr is a terminal */
    ClipValidateFn validate;    /* NULL: no validation, "best" follows the training loss */
    void *validate_ctx;
} ClipTrainOptions;

typedef struct {
    int64_t steps_done;
    double final_loss;
    double best_val;            /* best validation score (NAN without validation) */
    double pairs_per_s;         /* training throughput over this invocation */
    double seconds;
} ClipTrainResult;

ClipTrainOptions clip_train_defaults(void);
int clip_train(const ClipTrainOptions *o, ClipTrainResult *res);

#endif
