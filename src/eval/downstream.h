/* Downstream evaluation of self-supervised encoders (DESIGN §1, second method): a task from a pack
 * -- a label set (the rhythm set: arrhythmia classification) or "sex" (from the metadata) -- and
 * two protocols at a label fraction sampled per class from the training split:
 *   probe:    logistic regression on frozen encoder features (eval/linear_probe.h);
 *   finetune: the encoder and a linear head trained end to end, the step kept by validation
 *             macro AUROC; from a pretrained encoder, or from scratch (the supervised baseline).
 * Selection uses the validation split only; the test split is scored once at the end. */
#ifndef SCAR_EVAL_DOWNSTREAM_H
#define SCAR_EVAL_DOWNSTREAM_H

#include "data/pack.h"
#include "eval/results.h"
#include "model/ssl_model.h"

typedef struct {
    char name[SCAR_NAME_LEN];
    int n_classes;
    char class_name[SCAR_MAX_CLASSES][SCAR_NAME_LEN];
    int single_label;          /* every record has exactly one class */
    int *idx[3];               /* records of train, validation, test with a label */
    int n[3];
    uint8_t *labels[3];        /* [n, C] */
} Task;

/* task: a label set's name, or "sex" (records of unknown sex left out). */
int task_open(Task *t, const Pack *p, const char *task);
void task_free(Task *t);

/* Encoder features [n, F] of records idx (evaluation mode). */
int ssl_extract_features(SslModel *m, const Pack *p, const int *idx, int n, float *out);

int downstream_probe(SslModel *m, const Pack *p, const Task *t, double fraction, uint64_t seed, int n_boot,
                     EvalResult *r);

typedef struct {
    int steps, batch, eval_every;
    double lr, weight_decay;
    uint64_t seed;
    int progress;
} FinetuneOptions;

FinetuneOptions finetune_defaults(void);
/* Trains m's encoder in place (from whatever weights it has). */
int downstream_finetune(SslModel *m, const Pack *p, const Task *t, double fraction, const FinetuneOptions *o,
                        int n_boot, EvalResult *r);

#endif
