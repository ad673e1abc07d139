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

/* task: a label set's name, or "sex" (records of unknown sex left out), with a record's label set
 * or sex as it is in the pack; records without any class of the task are left out (a record
 * stating no rhythm is not a negative for every rhythm). Fails when a split has no record. */
int task_open(Task *t, const Pack *p, const char *task);
void task_free(Task *t);

/* Which classes an evaluation scores. A class is left out of the macro means (its per-class values
 * NaN, as undefined) when the training rows cannot teach it or the test split cannot score it:
 * checked in this order, the first reason found counts. */
typedef enum {
    CLASS_EVALUATED = 0,
    CLASS_NO_TRAIN_POSITIVE,   /* no training row has it: nothing to learn it from */
    CLASS_NO_TRAIN_NEGATIVE,   /* every training row has it */
    CLASS_NO_TEST_POSITIVE,    /* AUROC undefined on the test split */
    CLASS_NO_TEST_NEGATIVE,
} ClassStatus;
/* "no training record", ... */
const char *class_status_text(ClassStatus s);

/* status [n_classes] of every class, from training rows train_rows [n_train_rows] (indices into
 * the task's training split; NULL: all of it. The label-fraction sample keeps a positive of every
 * class the split has, so only CLASS_NO_TRAIN_NEGATIVE can depend on the fraction). Fails (-1,
 * scar_fail naming the pack, the task, the split and each class with its reason) when no class is
 * evaluated, or when the validation split has no taught class with both positive and negative
 * records (nothing to select on); status is filled either way. Otherwise 0, and in note (may be
 * NULL) a line naming the classes left out, grouped by reason ("" when none). */
int task_classes(const Task *t, const Pack *p, const int *train_rows, int n_train_rows, uint8_t *status,
                 char *note, size_t note_cap);

/* Encoder features [n, F] of records idx (evaluation mode). */
int ssl_extract_features(SslModel *m, const Pack *p, const int *idx, int n, float *out);

/* Both protocols check the task's classes (task_classes) on the rows the label fraction keeps and
 * fail as it does; the classes left out are listed in the result's extra.left_out ({"class",
 * "reason"}), and extra.evaluated_classes counts the rest. */
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
