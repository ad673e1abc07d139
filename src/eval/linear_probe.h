/* Linear probe (DESIGN §7): logistic regression on frozen embeddings.
 *
 * One binary L2-regularised logistic regression per class (one-vs-rest), for multi-label sets
 * (PTB-XL super, sub, form) and single-label ones (rhythm, sex) alike, solved in double by Newton's
 * method (eval/logreg.h) to scikit-learn's LogisticRegression(C) optimum. Features are standardised
 * with the mean and standard deviation (population, ddof 0; 1 for a constant feature, as
 * scikit-learn's StandardScaler) of the training rows actually used.
 *
 * probe_train: the training rows are the SPLIT_TRAIN rows at a label fraction
 * (eval/label_fraction.h); one probe is fitted per C of a grid (warm-started from the previous C);
 * the C with the best macro AUROC on the SPLIT_VAL rows is kept (ties: the smaller C). Rows of
 * SPLIT_TEST (and any other split) are never read, so the choice cannot see test labels.
 * Classes run in parallel (one per OpenMP thread); each class's work is serial, so results are the
 * same bits for any thread count. */
#ifndef SCAR_EVAL_LINEAR_PROBE_H
#define SCAR_EVAL_LINEAR_PROBE_H

#include <stdint.h>

#include "eval/logreg.h"

/* scikit-learn's C (inverse regularisation strength), on standardised features. */
#define PROBE_DEFAULT_GRID {1e-3, 1e-2, 1e-1, 1.0, 10.0}
#define PROBE_DEFAULT_GRID_SIZE 5

typedef struct {
    const double *c_grid;   /* [n_c] candidate C values; NULL: PROBE_DEFAULT_GRID */
    int n_c;
    LogregOptions solver;   /* zeros: the solver's defaults */
} ProbeOptions;

/* The embeddings of a whole dataset and how its rows are split. */
typedef struct {
    const float *features;   /* [n, d] */
    const uint8_t *labels;   /* [n, n_classes] multi-hot (eval/metrics.h conventions) */
    const int *split;        /* [n] SPLIT_TRAIN / SPLIT_VAL / SPLIT_TEST (data/record.h) */
    int n, d, n_classes;
} ProbeData;

typedef struct {
    int d, n_classes;
    double *mean, *scale;     /* [d] standardisation: (x - mean) / scale */
    double *coef;             /* [n_classes, d] weights on standardised features */
    double *intercept;        /* [n_classes] */
    uint8_t *fitted;          /* [n_classes] 0: the training rows had no positives (or no negatives)
                                 for the class; its weights are 0 and its intercept the smoothed
                                 log-odds log((P + 0.5) / (N + 0.5)), a constant score */
    double c_chosen;          /* the C kept */
    int n_c;
    double *c_grid;           /* [n_c] the grid, ascending */
    double *val_macro_auroc;  /* [n_c] the selection curve (NaN without validation rows) */
    int *train_rows;          /* [n_train_rows] rows of the data the probe was fitted on */
    int n_train_rows;
    int newton_iterations;    /* summed over classes and grid (for benchmarks) */
} LinearProbe;

/* Fit, select and keep the best probe as described above. fraction in (0, 1] (1 = all training
 * rows), seed for the label-fraction sample. 0 or -1 (scar_fail: no training rows, NaN features,
 * no validation class with both positives and negatives while the grid has several values ...).
 * Free with probe_free. */
int probe_train(const ProbeData *data, double fraction, uint64_t seed, const ProbeOptions *opt,
                LinearProbe *out);

/* One C, no selection: fit on all n rows of features [n, d] and labels [n, C] (standardised with
 * their own statistics). */
int probe_fit(const float *features, const uint8_t *labels, int n, int d, int n_classes, double c_reg,
              const ProbeOptions *opt, LinearProbe *out);

/* Decision values (logits; the probability is their logistic sigmoid) scores [n, C] of
 * features [n, d]. */
void probe_scores(const LinearProbe *p, const float *features, int n, double *scores);

void probe_free(LinearProbe *p);

#endif
