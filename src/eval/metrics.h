/* Classification metrics on scores and 0/1 labels (DESIGN §7), matching scikit-learn.
 *
 * Conventions used throughout the eval layer:
 *   - a score matrix is double [n, C] row-major (scores[i * C + c]: sample i, class c); higher means
 *     more likely positive; NaN scores are refused with an error naming the sample and class;
 *   - a label matrix is uint8 [n, C] row-major, multi-hot, every entry 0 or 1 (anything else is
 *     refused). A single-label set (rhythm, sex) is the same matrix with one 1 per row.
 *   - a metric that a class cannot have is NaN ("undefined") and is left out of the macro mean,
 *     and the number left out is reported: AUROC needs both positives and negatives; AUPRC and
 *     F1 need positives. Accuracy is always defined.
 *
 * AUROC is the Mann-Whitney statistic with tied scores counting one half (average ranks), computed
 * exactly in integers and divided once. AUPRC is scikit-learn's average_precision_score: the
 * step-wise sum over distinct thresholds (descending) of (recall_k - recall_{k-1}) * precision_k,
 * with tied scores forming one threshold.
 *
 * F1 and accuracy need a threshold per class, chosen on the validation split (metric_best_threshold)
 * and applied unchanged to the test split: predicted positive when score >= threshold.
 *
 * AUROC, AUPRC, F1 and accuracy also have a weighted form over a RankedScores view (weight = how
 * many times a sample is drawn), which is what the bootstrap (eval/bootstrap.h) uses: one sort per
 * class, then one O(n) pass per resample; its point estimates are the same pass with weights 1. */
#ifndef SCAR_EVAL_METRICS_H
#define SCAR_EVAL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "data/record.h"

/* ---- one class: scores [n], labels [n] (0/1); NaN when the metric is undefined ----
 * These trust their inputs: validate with metric_check_inputs first (a NaN score would rank
 * below every number rather than be reported). */
double metric_auroc(const double *scores, const uint8_t *labels, int n);
double metric_auprc(const double *scores, const uint8_t *labels, int n);

/* The validation score t that maximises F1 of (score >= t) over the distinct scores; on equal F1
 * (compared exactly, as fractions) the highest t. +INFINITY (predict nothing) when there are no
 * positives. scores [n], labels [n]. */
double metric_best_threshold(const double *scores, const uint8_t *labels, int n);
/* F1 and accuracy of (score >= threshold); F1 is NaN when there are no positives. [n] each. */
double metric_f1_at(const double *scores, const uint8_t *labels, int n, double threshold);
double metric_accuracy_at(const double *scores, const uint8_t *labels, int n, double threshold);
/* Top-1 accuracy of a single-label set: the fraction of rows whose highest score (first index on
 * ties, as numpy's argmax) is a labelled class. scores [n, C], labels [n, C]. */
double metric_top1_accuracy(const double *scores, const uint8_t *labels, int n, int n_classes);

/* ---- per class and macro over a score matrix ---- */

/* Refuse NaN scores and labels other than 0/1; `what` names the matrix in the message
 * ("test scores"). scores [n, C] (may be NULL to check labels only), labels [n, C]. */
int metric_check_inputs(const double *scores, const uint8_t *labels, int n, int n_classes,
                        const char *what);

/* Per-class values into per_class [C] (NaN where undefined; may be NULL); returns the macro mean over the
 * defined classes (NaN when none) and the number of undefined classes in *n_undefined (may be
 * NULL). scores [n, C], labels [n, C]. */
double metric_auroc_classes(const double *scores, const uint8_t *labels, int n, int n_classes,
                            double *per_class, int *n_undefined);
double metric_auprc_classes(const double *scores, const uint8_t *labels, int n, int n_classes,
                            double *per_class, int *n_undefined);
/* thresholds_out [C] from validation scores [n, C] and labels [n, C]. */
void metric_best_thresholds(const double *scores, const uint8_t *labels, int n, int n_classes,
                            double *thresholds_out);
/* At thresholds [C]: per-class F1 / accuracy into per_class [C], macro returned as above. */
double metric_f1_classes(const double *scores, const uint8_t *labels, int n, int n_classes,
                         const double *thresholds, double *per_class, int *n_undefined);
double metric_accuracy_classes(const double *scores, const uint8_t *labels, int n, int n_classes,
                               const double *thresholds, double *per_class);

/* Mean of the non-NaN values of v [n]; NaN when there are none; *n_nan counts the others. */
double metric_nanmean(const double *v, int n, int *n_nan);

/* Label matrix out [n, C] from one label set of n records' bit sets: bits [n] (e.g. a copy of
 * records[i].labels[set]). */
void labels_from_bits(const LabelBits *bits, int n, int n_classes, uint8_t *out);

/* ---- weighted evaluation over a sorted view (the bootstrap's inner loop) ---- */

/* Confusion counts (from ranked_evaluate: weighted, a sample drawn k times counts k times). */
typedef struct {
    uint64_t tp, fp, fn, tn;
} Confusion;
/* Counts of (score >= threshold) over scores [n, stride] and labels [n, stride]. */
Confusion confusion_at(const double *scores, const uint8_t *labels, int n, int stride, double threshold);
double confusion_f1(Confusion k);        /* NaN without positives */
double confusion_accuracy(Confusion k);  /* NaN without samples */

/* One class's samples in decreasing score order, ties together. Since the order is by score,
 * the samples predicted positive at any threshold are a prefix of it. */
typedef struct {
    int n;
    int n_groups;
    int *order;        /* [n] sample index at rank k (decreasing score; ties in index order) */
    uint8_t *label;    /* [n] label of sample order[k] */
    int *group_end;    /* [n_groups] one past the last rank of each run of equal scores */
    double *group_score; /* [n_groups] the score of each run */
} RankedScores;

/* Sort column `c` of scores [n, stride] with labels [n, stride] (stride = C for a matrix,
 * 1 for a vector: pass scores + c, labels + c). NaN scores are not allowed (checked by
 * metric_check_inputs). */
void ranked_init(RankedScores *r, const double *scores, const uint8_t *labels, int n, int stride);
void ranked_free(RankedScores *r);
/* How many ranks have score >= threshold (the prefix predicted positive). */
int ranked_prefix_at(const RankedScores *r, double threshold);

/* One pass over the sample multiset where sample i appears weight[i] times (weight [n] by sample
 * index; NULL = once each): AUROC, AUPRC (NaN where undefined) and the confusion counts of the
 * first `prefix` ranks predicted positive (ranked_prefix_at). Any output may be NULL. */
void ranked_evaluate(const RankedScores *r, const uint32_t *weight, int prefix, double *auroc,
                     double *auprc, Confusion *at_prefix);

#endif
