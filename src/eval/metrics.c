#include "eval/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* ---- sorted view ---- */

typedef struct {
    double score;
    int index;
} ScoreIndex;

/* Decreasing score, then increasing index: a total order, so the view is deterministic (NaN, which
 * callers are meant to refuse beforehand, sorts last rather than breaking qsort's contract).
 * -0.0 and 0.0 compare equal and land in one tie group, as in scikit-learn. */
static int cmp_desc(const void *a, const void *b) {
    const ScoreIndex *x = a, *y = b;
    int xn = isnan(x->score), yn = isnan(y->score);
    if (xn != yn) return xn - yn;
    if (x->score > y->score) return -1;
    if (x->score < y->score) return 1;
    return (x->index > y->index) - (x->index < y->index);
}

void ranked_init(RankedScores *r, const double *scores, const uint8_t *labels, int n, int stride) {
    size_t cap = (size_t)(n > 0 ? n : 1);
    ScoreIndex *si = xmalloc(sizeof *si * cap);
    for (int i = 0; i < n; i++) {
        si[i].score = scores[(size_t)i * stride];
        si[i].index = i;
    }
    qsort(si, (size_t)n, sizeof *si, cmp_desc);
    r->n = n;
    r->order = xmalloc(sizeof *r->order * cap);
    r->label = xmalloc(cap);
    r->group_end = xmalloc(sizeof *r->group_end * cap);
    r->group_score = xmalloc(sizeof *r->group_score * cap);
    r->n_groups = 0;
    for (int k = 0; k < n; k++) {
        r->order[k] = si[k].index;
        r->label[k] = labels[(size_t)si[k].index * stride];
        if (k + 1 == n || si[k + 1].score != si[k].score) {
            r->group_score[r->n_groups] = si[k].score;
            r->group_end[r->n_groups++] = k + 1;
        }
    }
    free(si);
}

void ranked_free(RankedScores *r) {
    free(r->order);
    free(r->label);
    free(r->group_end);
    free(r->group_score);
    memset(r, 0, sizeof *r);
}

int ranked_prefix_at(const RankedScores *r, double threshold) {
    int prefix = 0;
    for (int g = 0; g < r->n_groups && r->group_score[g] >= threshold; g++) prefix = r->group_end[g];
    return prefix;
}

/* Walk the tie groups from the highest score down. For AUROC, every negative in a group is
 * outranked by all positives above it and ties with the group's own positives (one half each):
 * twice the Mann-Whitney U is an integer, so the sum is exact and divided once. For AUPRC, a group
 * holding positives raises recall by its positives / P at the precision reached after the group.
 * The inner loop is branch-free: labels are random, so a branch on them would mispredict. */
void ranked_evaluate(const RankedScores *r, const uint32_t *weight, int prefix, double *auroc,
                     double *auprc, Confusion *at_prefix) {
    uint64_t pos_above = 0, all_above = 0, twice_u = 0, tp_prefix = 0, pred_prefix = 0;
    double ap = 0;
    int k = 0;
    for (int g = 0; g < r->n_groups; g++) {
        uint64_t pg = 0, ag = 0;
        int end = r->group_end[g];
        if (weight) {
            for (; k < end; k++) {
                uint64_t w = weight[r->order[k]];
                pg += w * r->label[k];
                ag += w;
            }
        } else {
            for (; k < end; k++) pg += r->label[k];
            ag = (uint64_t)(end - (g ? r->group_end[g - 1] : 0));
        }
        uint64_t ng = ag - pg;
        twice_u += ng * (2 * pos_above + pg);
        pos_above += pg;
        all_above += ag;
        if (pg) ap += (double)pg * ((double)pos_above / (double)all_above);
        if (end == prefix) {
            tp_prefix = pos_above;
            pred_prefix = all_above;
        }
    }
    uint64_t P = pos_above, N = all_above - pos_above;
    /* twice_u: twice the number of (positive, negative) pairs the positive wins, a tie as one half. */
    if (auroc) *auroc = (P && N) ? (double)twice_u / (2.0 * (double)P * (double)N) : NAN;
    if (auprc) *auprc = P ? ap / (double)P : NAN;
    if (at_prefix) {
        at_prefix->tp = tp_prefix;
        at_prefix->fp = pred_prefix - tp_prefix;
        at_prefix->fn = P - tp_prefix;
        at_prefix->tn = N - (pred_prefix - tp_prefix);
    }
}

double metric_auroc(const double *scores, const uint8_t *labels, int n) {
    RankedScores r;
    ranked_init(&r, scores, labels, n, 1);
    double a;
    ranked_evaluate(&r, NULL, 0, &a, NULL, NULL);
    ranked_free(&r);
    return a;
}

double metric_auprc(const double *scores, const uint8_t *labels, int n) {
    RankedScores r;
    ranked_init(&r, scores, labels, n, 1);
    double a;
    ranked_evaluate(&r, NULL, 0, NULL, &a, NULL);
    ranked_free(&r);
    return a;
}

/* ---- thresholds ---- */

/* Predicting positive the top groups down to group g: F1 = 2 tp / (2 tp + fp + fn) = 2 tp / (tp + fp + P).
 * Candidates are compared exactly by cross-multiplying in integers, so equal F1 values tie
 * whatever the rounding, and the first (highest) threshold is kept. */
static double best_threshold_ranked(const RankedScores *r, const double *scores, int stride) {
    uint64_t P = 0;
    for (int k = 0; k < r->n; k++) P += r->label[k];
    if (P == 0) return INFINITY;
    uint64_t tp = 0, pred = 0, best_num = 0, best_den = 1;
    int best_rank = -1, k = 0;
    for (int g = 0; g < r->n_groups; g++) {
        int end = r->group_end[g];
        for (; k < end; k++) {
            tp += r->label[k];
            pred++;
        }
        uint64_t num = 2 * tp, den = pred + P;
        if (best_rank < 0 || num * best_den > best_num * den) {
            best_num = num;
            best_den = den;
            best_rank = end - 1;
        }
    }
    return scores[(size_t)r->order[best_rank] * stride];
}

double metric_best_threshold(const double *scores, const uint8_t *labels, int n) {
    RankedScores r;
    ranked_init(&r, scores, labels, n, 1);
    double t = best_threshold_ranked(&r, scores, 1);
    ranked_free(&r);
    return t;
}

Confusion confusion_at(const double *scores, const uint8_t *labels, int n, int stride, double threshold) {
    Confusion k = {0, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        int pred = scores[(size_t)i * stride] >= threshold;
        int y = labels[(size_t)i * stride] != 0;
        k.tp += pred && y;
        k.fp += pred && !y;
        k.fn += !pred && y;
        k.tn += !pred && !y;
    }
    return k;
}

double confusion_f1(Confusion k) {
    if (k.tp + k.fn == 0) return NAN;
    return 2.0 * (double)k.tp / (double)(2 * k.tp + k.fp + k.fn);
}

double confusion_accuracy(Confusion k) {
    uint64_t all = k.tp + k.fp + k.fn + k.tn;
    return all ? (double)(k.tp + k.tn) / (double)all : NAN;
}

double metric_f1_at(const double *scores, const uint8_t *labels, int n, double threshold) {
    return confusion_f1(confusion_at(scores, labels, n, 1, threshold));
}

double metric_accuracy_at(const double *scores, const uint8_t *labels, int n, double threshold) {
    return confusion_accuracy(confusion_at(scores, labels, n, 1, threshold));
}

double metric_top1_accuracy(const double *scores, const uint8_t *labels, int n, int n_classes) {
    if (n <= 0) return NAN;
    int correct = 0;
    for (int i = 0; i < n; i++) {
        const double *s = scores + (size_t)i * n_classes;
        int best = 0;
        for (int c = 1; c < n_classes; c++)
            if (s[c] > s[best]) best = c;
        correct += labels[(size_t)i * n_classes + best] != 0;
    }
    return (double)correct / n;
}

/* ---- matrices ---- */

int metric_check_inputs(const double *scores, const uint8_t *labels, int n, int n_classes,
                        const char *what) {
    if (n < 0 || n_classes <= 0) return scar_fail("%s: bad shape [%d, %d]", what, n, n_classes);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < n_classes; c++) {
            size_t at = (size_t)i * n_classes + c;
            if (scores && isnan(scores[at]))
                return scar_fail("%s: score of sample %d, class %d is NaN", what, i, c);
            if (labels[at] > 1)
                return scar_fail("%s: label of sample %d, class %d is %d (expected 0 or 1)", what, i, c,
                                 labels[at]);
        }
    return 0;
}

double metric_nanmean(const double *v, int n, int *n_nan) {
    double sum = 0;
    int used = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(v[i])) {
            sum += v[i];
            used++;
        }
    if (n_nan) *n_nan = n - used;
    return used ? sum / used : NAN;
}

static double ranked_classes(const double *scores, const uint8_t *labels, int n, int n_classes,
                             double *per_class, int *n_undefined, int want_auroc) {
    double local[SCAR_MAX_CLASSES], *values = per_class ? per_class : local;
    if (!per_class && n_classes > SCAR_MAX_CLASSES) values = xmalloc((size_t)n_classes * sizeof(double));
    for (int c = 0; c < n_classes; c++) {
        RankedScores r;
        ranked_init(&r, scores + c, labels + c, n, n_classes);
        ranked_evaluate(&r, NULL, 0, want_auroc ? &values[c] : NULL, want_auroc ? NULL : &values[c], NULL);
        ranked_free(&r);
    }
    const double macro = metric_nanmean(values, n_classes, n_undefined);
    if (values != per_class && values != local) free(values);
    return macro;
}

double metric_auroc_classes(const double *scores, const uint8_t *labels, int n, int n_classes,
                            double *per_class, int *n_undefined) {
    return ranked_classes(scores, labels, n, n_classes, per_class, n_undefined, 1);
}

double metric_auprc_classes(const double *scores, const uint8_t *labels, int n, int n_classes,
                            double *per_class, int *n_undefined) {
    return ranked_classes(scores, labels, n, n_classes, per_class, n_undefined, 0);
}

void metric_best_thresholds(const double *scores, const uint8_t *labels, int n, int n_classes,
                            double *thresholds_out) {
    for (int c = 0; c < n_classes; c++) {
        RankedScores r;
        ranked_init(&r, scores + c, labels + c, n, n_classes);
        thresholds_out[c] = best_threshold_ranked(&r, scores + c, n_classes);
        ranked_free(&r);
    }
}

double metric_f1_classes(const double *scores, const uint8_t *labels, int n, int n_classes,
                         const double *thresholds, double *per_class, int *n_undefined) {
    for (int c = 0; c < n_classes; c++)
        per_class[c] = confusion_f1(confusion_at(scores + c, labels + c, n, n_classes, thresholds[c]));
    return metric_nanmean(per_class, n_classes, n_undefined);
}

double metric_accuracy_classes(const double *scores, const uint8_t *labels, int n, int n_classes,
                               const double *thresholds, double *per_class) {
    for (int c = 0; c < n_classes; c++)
        per_class[c] = confusion_accuracy(confusion_at(scores + c, labels + c, n, n_classes, thresholds[c]));
    return metric_nanmean(per_class, n_classes, NULL);
}

void labels_from_bits(const LabelBits *bits, int n, int n_classes, uint8_t *out) {
    for (int i = 0; i < n; i++)
        for (int c = 0; c < n_classes; c++) out[(size_t)i * n_classes + c] = (uint8_t)label_has(&bits[i], c);
}
