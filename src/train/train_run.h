/* The state of one pretraining run, shared by the training loop (clip_train.c) and the step of
 * each method (clip_step.c, scar_step.c). Internal to train/. */
#ifndef SCAR_TRAIN_TRAIN_RUN_H
#define SCAR_TRAIN_TRAIN_RUN_H

#include <stdio.h>

#include "core/optim.h"
#include "data/ecg_batch.h"
#include "train/clip_train.h"

/* Everything one run holds. */
typedef struct {
    const ClipTrainOptions *o;
    Pack *pack;
    int *train_idx, n_train;
    Tokenizer *tok;
    ClipModel model;
    AdamW opt;
    Graph *g;
    EcgBatch batch;
    PackSampler sampler;
    MissingProtocol missing;
    int has_missing;
    int32_t *ids;              /* [batch, max_len] token ids of the batch's reports */
    uint8_t *text_mask;        /* [batch, max_len] */
    int text_len;              /* tokens per report in this batch (its longest) */
    uint8_t *active_masker;    /* [params] 1 for the masker's tensors (SCAR) */
    uint8_t *active_encoders;  /* [params] 1 for every other trainable tensor */
    uint8_t *removed_mask;     /* [batch, 12, n_patches] the masker's choice, kept for the encoder step */
    double masker_loss;        /* last step: the contrastive loss the masker saw (SCAR) */
    double removed_fraction;   /* last step: tokens removed / tokens present (SCAR) */
    const char **reports;
    int64_t step;              /* steps completed */
    int64_t best_val_bits;     /* best validation score, as the bits of a double (a counter) */
    int64_t saved_step;        /* step of the last checkpoint written by this invocation, -1 none */
    FILE *log;
} Run;

/* Draw the next micro-batch: records into r->batch (token masks under proto, NULL: as recorded),
 * reports (with sentence sampling when o->text_keep < 1) tokenized into r->ids / r->text_mask,
 * trimmed to r->text_len. */
int run_fill_batch(Run *r, int micro, const MissingProtocol *proto);

/* One micro-batch of each method: forward, loss, backward (gradients accumulate, scaled by
 * 1 / accum). Return the loss, NAN on error. */
double clip_micro_step(Run *r, int micro);
double scar_micro_step(Run *r, int micro);

#endif
