/* Self-supervised ECG pretraining (DESIGN §1, second method): SimCLR's NT-Xent between two views
 * of each record -- two augmentations (none, standard, random masking, 3KG), or the two halves in
 * time of the record -- or, with adversarial masking, between a standard-augmented view and
 * masked views made by the mask generator:
 *     masker step:  encoder frozen, masks m_1..m_N from the generator, views x2 (1 - m_i),
 *                   ascend  mean_i NT-Xent(z(x1), z(x2 (1 - m_i)))  -  sparsity penalty;
 *     encoder step: the masks detached; descend the same NT-Xent.
 * Checkpoints (best by the NT-Xent of fixed validation batches, last), resume bit for bit,
 * log.jsonl, progress, stop on a NaN or exploding loss -- as the ECG-language loop. */
#ifndef SCAR_TRAIN_SSL_TRAIN_H
#define SCAR_TRAIN_SSL_TRAIN_H

#include <stdint.h>

#include "model/augment.h"
#include "model/ssl_model.h"

typedef struct {
    const char *pack_path, *out_dir;
    int resume;
    SslConfig model;            /* rate and samples follow the pack (half of it with halves) */
    AugKind aug;                /* the augmentation of both views (and the base of masked views) */
    AugmentOptions aug_opt;
    int adversarial;            /* views from the mask generator (model.has_masker is set) */
    int halves;                 /* positive pairs: the first and the second half of a record */
    int batch;
    int64_t steps, warmup;
    double lr, min_lr, weight_decay, clip_norm, masker_lr;
    uint64_t seed;
    int64_t log_every, eval_every, stop_after;
    int val_batches;            /* fixed validation batches for the best checkpoint (the last one
                                   shorter when the split runs out; none with fewer than 2 records:
                                   then no best.safetensors, only last.safetensors) */
    double max_loss;
    int progress;
} SslTrainOptions;

typedef struct {
    int64_t steps_done;
    double final_loss, best_val_loss, seconds, records_per_s; /* best_val_loss NaN: no validation */
} SslTrainResult;

SslTrainOptions ssl_train_defaults(void);
int ssl_train(const SslTrainOptions *o, SslTrainResult *res);

#endif
