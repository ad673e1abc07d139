#include "eval/bootstrap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "eval/metrics.h"

const char *const METRIC_NAMES[N_METRICS] = {"auroc", "auprc", "f1", "accuracy"};

int metric_from_name(const char *name) {
    for (int m = 0; m < N_METRICS; m++)
        if (!strcmp(name, METRIC_NAMES[m])) return m;
    return -1;
}

double percentile_sorted(const double *sorted, int n, double q) {
    double pos = q * (n - 1);
    int lo = (int)floor(pos);
    if (lo >= n - 1) return sorted[n - 1];
    if (lo < 0) return sorted[0];
    return sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]);
}

static Estimate estimate_nan(void) { return (Estimate){NAN, NAN, NAN, 0}; }

void eval_metrics_alloc(EvalMetrics *m, int n_classes) {
    memset(m, 0, sizeof *m);
    m->n_classes = n_classes;
    m->level = 0.95;
    for (int k = 0; k < N_METRICS; k++) {
        m->metric[k].macro = estimate_nan();
        m->metric[k].per_class = xmalloc(sizeof(Estimate) * (size_t)(n_classes > 0 ? n_classes : 1));
        for (int c = 0; c < n_classes; c++) m->metric[k].per_class[c] = estimate_nan();
    }
}

void eval_metrics_free(EvalMetrics *m) {
    for (int k = 0; k < N_METRICS; k++) free(m->metric[k].per_class);
    free(m->thresholds);
    memset(m, 0, sizeof *m);
}

static int check_single_label(const uint8_t *labels, int n, int n_classes, const char *what) {
    for (int i = 0; i < n; i++) {
        int ones = 0;
        for (int c = 0; c < n_classes; c++) ones += labels[(size_t)i * n_classes + c];
        if (ones != 1)
            return scar_fail("%s: sample %d has %d classes, a single-label set needs exactly one", what, i,
                             ones);
    }
    return 0;
}

/* Per-sample data the resamples read, prepared once. */
typedef struct {
    int n, C, single_label, have_thresholds;
    RankedScores *ranked;   /* [C] */
    int *prefix;            /* [C] ranks predicted positive at the class's threshold */
    uint8_t *top1_correct;  /* [n] single-label sets only */
    const uint8_t *left_out; /* [C] or NULL (EvalOptions.left_out) */
} Prepared;

/* Metric values of one (weighted) sample set: value[k * C + c], macro[k]. */
static void evaluate_weighted(const Prepared *p, const uint32_t *w, double *value, double *macro) {
    int C = p->C, n = p->n;
    for (int c = 0; c < C; c++) {
        Confusion k;
        ranked_evaluate(&p->ranked[c], w, p->have_thresholds ? p->prefix[c] : 0, &value[METRIC_AUROC * C + c],
                        &value[METRIC_AUPRC * C + c], &k);
        value[METRIC_F1 * C + c] = p->have_thresholds ? confusion_f1(k) : NAN;
        value[METRIC_ACCURACY * C + c] = p->have_thresholds ? confusion_accuracy(k) : NAN;
        if (p->left_out && p->left_out[c])
            for (int m = 0; m < N_METRICS; m++) value[m * C + c] = NAN;
    }
    for (int k = 0; k < N_METRICS; k++) macro[k] = metric_nanmean(value + (size_t)k * C, C, NULL);
    if (p->single_label) {
        uint64_t right = 0, all = 0;
        for (int i = 0; i < n; i++) {
            uint64_t wi = w ? w[i] : 1;
            right += wi * p->top1_correct[i];
            all += wi;
        }
        macro[METRIC_ACCURACY] = all ? (double)right / (double)all : NAN;
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile interval of the defined values among samples[b * stride] for b < B. */
static void interval(const double *samples, int B, size_t stride, double level, double *scratch,
                     Estimate *e) {
    int m = 0;
    if (isnan(e->value)) return;   /* undefined on the full test set: no interval */
    for (int b = 0; b < B; b++) {
        double v = samples[(size_t)b * stride];
        if (!isnan(v)) scratch[m++] = v;
    }
    e->n_resamples = m;
    if (m == 0) return;
    qsort(scratch, (size_t)m, sizeof *scratch, cmp_double);
    e->lo = percentile_sorted(scratch, m, (1 - level) / 2);
    e->hi = percentile_sorted(scratch, m, (1 + level) / 2);
}

int eval_metrics_compute(const double *test_scores, const uint8_t *test_labels, int n_test,
                         const double *val_scores, const uint8_t *val_labels, int n_val,
                         int n_classes, const EvalOptions *opt, EvalMetrics *out) {
    memset(out, 0, sizeof *out);
    int C = n_classes, n = n_test;
    double level = opt->level > 0 ? opt->level : 0.95;
    if (opt->n_boot < 0) return scar_fail("bootstrap: %d resamples", opt->n_boot);
    if (!(level > 0 && level < 1)) return scar_fail("bootstrap: interval level %g not in (0, 1)", level);
    if (n <= 0) return scar_fail("test split: no samples");
    if (metric_check_inputs(test_scores, test_labels, n, C, "test split") != 0) return -1;
    int have_val = val_scores != NULL && n_val > 0;
    if (have_val && metric_check_inputs(val_scores, val_labels, n_val, C, "validation split") != 0) return -1;
    if (opt->single_label) {
        if (check_single_label(test_labels, n, C, "test split") != 0) return -1;
        if (have_val && check_single_label(val_labels, n_val, C, "validation split") != 0) return -1;
    }

    eval_metrics_alloc(out, C);
    out->n_samples = n;
    out->single_label = opt->single_label;
    out->n_boot = opt->n_boot;
    out->seed = opt->seed;
    out->level = level;

    Prepared p = {.n = n, .C = C, .single_label = opt->single_label, .have_thresholds = have_val, .left_out = opt->left_out};
    p.ranked = xmalloc(sizeof *p.ranked * (size_t)C);
    for (int c = 0; c < C; c++) ranked_init(&p.ranked[c], test_scores + c, test_labels + c, n, C);
    if (have_val) {
        out->thresholds = xmalloc(sizeof(double) * (size_t)C);
        metric_best_thresholds(val_scores, val_labels, n_val, C, out->thresholds);
        p.prefix = xmalloc(sizeof *p.prefix * (size_t)C);
        for (int c = 0; c < C; c++) p.prefix[c] = ranked_prefix_at(&p.ranked[c], out->thresholds[c]);
    }
    if (opt->single_label) {
        p.top1_correct = xmalloc((size_t)n);
        for (int i = 0; i < n; i++) {
            const double *row = test_scores + (size_t)i * C;
            p.top1_correct[i] = metric_top1_accuracy(row, test_labels + (size_t)i * C, 1, C) == 1.0;
        }
    }

    /* point estimates: every sample once */
    double *value = xmalloc(sizeof(double) * N_METRICS * (size_t)C);
    double macro[N_METRICS];
    evaluate_weighted(&p, NULL, value, macro);
    for (int k = 0; k < N_METRICS; k++) {
        MetricSummary *s = &out->metric[k];
        for (int c = 0; c < C; c++) s->per_class[c].value = value[(size_t)k * C + c];
        metric_nanmean(value + (size_t)k * C, C, &s->n_undefined);
        s->macro.value = macro[k];
    }
    if (opt->single_label) out->metric[METRIC_ACCURACY].n_undefined = 0;
    free(value);

    int B = opt->n_boot;
    if (B > 0) {
        /* boot_value[b][k * C + c] and boot_macro[b][k] */
        double *boot_value = xmalloc(sizeof(double) * (size_t)B * N_METRICS * C);
        double *boot_macro = xmalloc(sizeof(double) * (size_t)B * N_METRICS);
#pragma omp parallel num_threads(engine_threads())
        {
            uint32_t *w = xmalloc(sizeof *w * (size_t)n);
#pragma omp for schedule(static)
            for (int b = 0; b < B; b++) {
                Rng r;
                rng_seed(&r, opt->seed, (uint64_t)b);
                memset(w, 0, sizeof *w * (size_t)n);
                for (int i = 0; i < n; i++) w[rng_below(&r, (uint32_t)n)]++;
                evaluate_weighted(&p, w, boot_value + (size_t)b * N_METRICS * C, boot_macro + (size_t)b * N_METRICS);
            }
            free(w);
        }
        double *scratch = xmalloc(sizeof(double) * (size_t)B);
        for (int k = 0; k < N_METRICS; k++) {
            MetricSummary *s = &out->metric[k];
            for (int c = 0; c < C; c++)
                interval(boot_value + (size_t)k * C + c, B, (size_t)N_METRICS * C, level, scratch, &s->per_class[c]);
            interval(boot_macro + k, B, N_METRICS, level, scratch, &s->macro);
        }
        free(scratch);
        free(boot_value);
        free(boot_macro);
    }

    for (int c = 0; c < C; c++) ranked_free(&p.ranked[c]);
    free(p.ranked);
    free(p.prefix);
    free(p.top1_correct);
    return 0;
}
