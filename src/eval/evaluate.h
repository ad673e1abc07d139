/* Evaluation jobs shared by the zeroshot, probe and robustness commands: a trained model and a
 * pack opened together, scores computed under a missingness protocol, metrics with bootstrap
 * intervals, and a result (eval/results.h) ready to print or write.
 *
 * Splits: zero-shot thresholds (for F1 and accuracy) are chosen on the validation split under the
 * same protocol as the test split (the deployment condition is known in advance). The linear probe
 * is fitted on clean training embeddings with its regularisation chosen on clean validation
 * embeddings, and tested under the protocol: how a probe trained on full ECGs holds up. */
#ifndef SCAR_EVAL_EVALUATE_H
#define SCAR_EVAL_EVALUATE_H

#include <stdio.h>

#include "data/missing.h"
#include "data/pack.h"
#include "data/tokenizer.h"
#include "eval/prompts.h"
#include "eval/results.h"
#include "model/clip_model.h"

typedef struct {
    const char *model_path, *pack_path;
    ClipModel model;
    Tokenizer *tok;
    Pack *pack;
    int set;                  /* label set index in the pack's schema */
    int n_classes;
    PromptSet prompts;
    int *split_idx[3];        /* records of SPLIT_TRAIN, SPLIT_VAL, SPLIT_TEST */
    int split_n[3];
    uint8_t *labels[3];       /* [split_n, C] */
    int n_boot;               /* bootstrap resamples (0: none) */
    uint64_t seed;
    int batch;                /* embedding batch */
    int target;               /* the split scored: 2 test (default), 1 validation (for tuning
                                 without looking at test; thresholds then come from it too) */
} EvalContext;

/* labelset NULL: "super" when the pack has it, else its first set. prompts_path may be NULL. */
int eval_open(EvalContext *e, const char *model_path, const char *pack_path, const char *labelset,
              const char *prompts_path, const char *language);
void eval_close(EvalContext *e);

/* Normalised ECG embeddings [n, E] of one split under a protocol (NULL: clean). */
int eval_embed_split(EvalContext *e, int split, const MissingProtocol *proto, const MissingMasker *masker, float **out);

/* Zero-shot on the test split under proto. test_scores (optional) receives the [n_test, C] scores
 * (malloc'd). Fills *r (free with result_free). */
int eval_zeroshot(EvalContext *e, const MissingProtocol *proto, const MissingMasker *masker, EvalResult *r,
                  double **test_scores);

/* Linear probe at a label fraction, tested under proto. test_scores as above. */
int eval_probe(EvalContext *e, const MissingProtocol *proto, const MissingMasker *masker, double fraction,
               EvalResult *r, double **test_scores);

/* A table of the result's per-class and macro metrics with intervals, to f. */
void eval_print(FILE *f, const EvalResult *r);

#endif
