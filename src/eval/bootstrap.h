/* The whole set of test metrics of one evaluation (AUROC, AUPRC, F1, accuracy; per class and
 * macro) with bootstrap 95% intervals (DESIGN §7).
 *
 * Thresholds for F1 and accuracy are chosen per class on the validation split
 * (metric_best_threshold) and stay fixed; only the test split is resampled.
 *
 * Bootstrap: B resamples of the n test samples drawn with replacement; resample b uses the RNG
 * stream (seed, b), so the intervals are the same bits whatever the thread count. The interval is
 * the percentile interval: the (1-level)/2 and (1+level)/2 quantiles, with linear interpolation
 * between order statistics (numpy's default percentile), of the metric over the resamples in which
 * it is defined. A resample in which a class has no positives (or no negatives, for AUROC) gives
 * no value for that class; its macro value is the mean over the classes defined in that resample,
 * like the point estimate. Estimate.n_resamples says how many resamples an interval rests on. A
 * metric undefined on the full test set gets no interval. */
#ifndef SCAR_EVAL_BOOTSTRAP_H
#define SCAR_EVAL_BOOTSTRAP_H

#include <stdint.h>

enum { METRIC_AUROC, METRIC_AUPRC, METRIC_F1, METRIC_ACCURACY, N_METRICS };
extern const char *const METRIC_NAMES[N_METRICS];   /* "auroc", "auprc", "f1", "accuracy" */
/* METRIC_* for a name above; -1 if none. */
int metric_from_name(const char *name);

typedef struct {
    double value;       /* on the full test set; NaN when undefined */
    double lo, hi;      /* percentile interval; NaN without bootstrap or when undefined */
    int n_resamples;    /* resamples in which the metric was defined (0 without bootstrap) */
} Estimate;

typedef struct {
    /* Macro mean over the classes where the metric is defined. Accuracy of a single-label set is
     * instead top-1 (argmax) accuracy over the samples; of a multi-label set, the mean per-class
     * accuracy at the validation thresholds. */
    Estimate macro;
    Estimate *per_class;   /* [n_classes] */
    int n_undefined;       /* classes left out of the macro value (undefined on the full test set) */
} MetricSummary;

typedef struct {
    int n_classes;
    int n_samples;          /* test samples */
    int single_label;
    double *thresholds;     /* [n_classes] chosen on validation (+inf: no validation positives);
                               NULL without a validation split */
    int n_boot;
    uint64_t seed;
    double level;
    MetricSummary metric[N_METRICS];   /* indexed by METRIC_* */
} EvalMetrics;

typedef struct {
    int single_label;   /* 1: one class per sample (rhythm, sex): accuracy is top-1 */
    int n_boot;         /* resamples; 0: point estimates only */
    uint64_t seed;
    double level;       /* interval level; 0 means 0.95 */
    const uint8_t *left_out; /* [n_classes] nonzero: the class is left out as if undefined (its
                                per-class values NaN, not in the macro means; top-1 accuracy still
                                counts its samples); NULL: none */
} EvalOptions;

/* Metrics of test scores [n_test, C] against test labels [n_test, C], thresholds from validation
 * scores [n_val, C] and labels [n_val, C] (both NULL, n_val 0: no F1 or threshold accuracy; they
 * are then NaN with every class undefined, while top-1 accuracy is still computed). Validates the
 * inputs (NaN scores, labels not 0/1, a single-label row without exactly one class). Parallel
 * across resamples with OpenMP (engine_threads()). 0 or -1 (scar_fail). Free with
 * eval_metrics_free. */
int eval_metrics_compute(const double *test_scores, const uint8_t *test_labels, int n_test,
                         const double *val_scores, const uint8_t *val_labels, int n_val,
                         int n_classes, const EvalOptions *opt, EvalMetrics *out);
/* Allocate an empty EvalMetrics for n_classes (all values NaN); used by the result reader. */
void eval_metrics_alloc(EvalMetrics *m, int n_classes);
void eval_metrics_free(EvalMetrics *m);

/* Quantile q in [0, 1] of sorted [n] (ascending, n > 0) with linear interpolation. */
double percentile_sorted(const double *sorted, int n, double q);

#endif
