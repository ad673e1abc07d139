#include "eval/linear_probe.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/parallel.h"
#include "data/record.h"
#include "eval/label_fraction.h"
#include "eval/metrics.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void probe_free(LinearProbe *p) {
    free(p->mean);
    free(p->scale);
    free(p->coef);
    free(p->intercept);
    free(p->fitted);
    free(p->c_grid);
    free(p->val_macro_auroc);
    free(p->train_rows);
    memset(p, 0, sizeof *p);
}

static int check_features(const float *features, const int *rows, int n_rows, int d) {
    for (int k = 0; k < n_rows; k++) {
        const float *x = features + (size_t)rows[k] * d;
        for (int j = 0; j < d; j++)
            if (!isfinite(x[j])) return scar_fail("features: row %d, dimension %d is %g", rows[k], j, x[j]);
    }
    return 0;
}

static int check_labels(const uint8_t *labels, const int *rows, int n_rows, int C) {
    for (int k = 0; k < n_rows; k++)
        for (int c = 0; c < C; c++)
            if (labels[(size_t)rows[k] * C + c] > 1)
                return scar_fail("labels: row %d, class %d is %d (expected 0 or 1)", rows[k], c,
                                 labels[(size_t)rows[k] * C + c]);
    return 0;
}

/* Mean and standard deviation over the rows, two passes in double. A feature whose variance is
 * within the rounding error of its computation is constant and gets scale 1 (scikit-learn's
 * StandardScaler rule), so it is centred but not blown up. */
static void fit_standardiser(const float *features, const int *rows, int n_rows, int d, double *mean,
                             double *scale) {
    for (int j = 0; j < d; j++) mean[j] = scale[j] = 0;
    for (int k = 0; k < n_rows; k++)
        for (int j = 0; j < d; j++) mean[j] += features[(size_t)rows[k] * d + j];
    for (int j = 0; j < d; j++) mean[j] /= n_rows;
    for (int k = 0; k < n_rows; k++)
        for (int j = 0; j < d; j++) {
            double t = features[(size_t)rows[k] * d + j] - mean[j];
            scale[j] += t * t;
        }
    for (int j = 0; j < d; j++) {
        double var = scale[j] / n_rows, eps = DBL_EPSILON;
        double bound = n_rows * eps * var + (n_rows * mean[j] * eps) * (n_rows * mean[j] * eps);
        scale[j] = var <= bound ? 1.0 : sqrt(var);
    }
}

/* x [n_rows, d] = standardised features of the rows; y [n_rows, C] = their labels. */
static double *standardise(const float *features, const int *rows, int n_rows, int d, const double *mean,
                           const double *scale) {
    double *x = xmalloc(sizeof *x * (size_t)(n_rows ? n_rows : 1) * (d ? d : 1));
    for (int k = 0; k < n_rows; k++)
        for (int j = 0; j < d; j++)
            x[(size_t)k * d + j] = (features[(size_t)rows[k] * d + j] - mean[j]) / scale[j];
    return x;
}

static uint8_t *gather_labels(const uint8_t *labels, const int *rows, int n_rows, int C) {
    uint8_t *y = xmalloc((size_t)(n_rows ? n_rows : 1) * C);
    for (int k = 0; k < n_rows; k++) memcpy(y + (size_t)k * C, labels + (size_t)rows[k] * C, (size_t)C);
    return y;
}

/* Fit every class at every C of the ascending grid on x_tr [n_tr, d] / y_tr [n_tr, C], score the
 * validation rows x_val [n_val, d], keep the C with the best validation macro AUROC (the only C
 * when the grid has one value) and fill the probe's weights. */
static int fit_and_select(const double *x_tr, const uint8_t *y_tr, int n_tr, const double *x_val,
                          const uint8_t *y_val, int n_val, const LogregOptions *solver, LinearProbe *p) {
    int d = p->d, C = p->n_classes, n_c = p->n_c, m = d + 1;
    double *wb_all = xmalloc(sizeof *wb_all * (size_t)n_c * C * m);          /* [n_c][C][d+1] */
    double *val_all = xmalloc(sizeof *val_all * (size_t)n_c * (n_val ? n_val : 1) * C); /* [n_c][n_val, C] */
    int *iterations = xcalloc((size_t)C, sizeof *iterations);
    char **failure = xcalloc((size_t)C, sizeof *failure);

#pragma omp parallel for schedule(dynamic, 1) num_threads(engine_threads())
    for (int c = 0; c < C; c++) {
        int pos = 0;
        for (int i = 0; i < n_tr; i++) pos += y_tr[(size_t)i * C + c];
        p->fitted[c] = pos > 0 && pos < n_tr;
        double *wb = xcalloc((size_t)m, sizeof *wb), *z = xmalloc(sizeof *z * (size_t)(n_val ? n_val : 1));
        if (!p->fitted[c]) wb[d] = log((pos + 0.5) / (n_tr - pos + 0.5));
        for (int k = 0; k < n_c && !failure[c]; k++) {
            LogregInfo info = {0};
            if (p->fitted[c] && logreg_fit(x_tr, y_tr + c, (size_t)C, n_tr, d, p->c_grid[k], solver, wb, &info) != 0)
                failure[c] = xstrdup(scar_last_error());
            iterations[c] += info.iterations;
            memcpy(wb_all + ((size_t)k * C + c) * m, wb, sizeof *wb * (size_t)m);
            logreg_decision(x_val, n_val, d, wb, z);
            for (int i = 0; i < n_val; i++) val_all[((size_t)k * n_val + i) * C + c] = z[i];
        }
        free(wb);
        free(z);
    }

    int rc = 0;
    for (int c = 0; c < C && rc == 0; c++)
        if (failure[c]) rc = scar_fail("linear probe: class %d: %s", c, failure[c]);
    p->newton_iterations = 0;
    for (int c = 0; c < C; c++) {
        p->newton_iterations += iterations[c];
        free(failure[c]);
    }
    free(failure);
    free(iterations);

    int best = 0;
    if (rc == 0) {
        double *per_class = xmalloc(sizeof *per_class * (size_t)C);
        for (int k = 0; k < n_c; k++) {
            p->val_macro_auroc[k] = n_val > 0 ? metric_auroc_classes(val_all + (size_t)k * n_val * C, y_val,
                                                                     n_val, C, per_class, NULL)
                                              : NAN;
            if (!isnan(p->val_macro_auroc[k]) &&
                (isnan(p->val_macro_auroc[best]) || p->val_macro_auroc[k] > p->val_macro_auroc[best]))
                best = k;
        }
        free(per_class);
        if (n_c > 1 && isnan(p->val_macro_auroc[best]))
            rc = scar_fail("linear probe: %s: cannot choose C among %d values",
                           n_val ? "no class has both positives and negatives in the validation split"
                                 : "no validation rows",
                           n_c);
    }
    if (rc == 0) {
        p->c_chosen = p->c_grid[best];
        for (int c = 0; c < C; c++) {
            const double *wb = wb_all + ((size_t)best * C + c) * m;
            memcpy(p->coef + (size_t)c * d, wb, sizeof *wb * (size_t)d);
            p->intercept[c] = wb[d];
        }
    }
    free(wb_all);
    free(val_all);
    return rc;
}

static void probe_alloc(LinearProbe *p, int d, int C, const double *grid, int n_c) {
    memset(p, 0, sizeof *p);
    p->d = d;
    p->n_classes = C;
    p->mean = xmalloc(sizeof *p->mean * (size_t)(d ? d : 1));
    p->scale = xmalloc(sizeof *p->scale * (size_t)(d ? d : 1));
    p->coef = xcalloc((size_t)C * (d ? d : 1), sizeof *p->coef);
    p->intercept = xcalloc((size_t)C, sizeof *p->intercept);
    p->fitted = xcalloc((size_t)C, 1);
    p->n_c = n_c;
    p->c_grid = xmalloc(sizeof *p->c_grid * (size_t)n_c);
    memcpy(p->c_grid, grid, sizeof *grid * (size_t)n_c);
    qsort(p->c_grid, (size_t)n_c, sizeof *p->c_grid, cmp_double);
    p->val_macro_auroc = xmalloc(sizeof *p->val_macro_auroc * (size_t)n_c);
}

static int check_grid(const double *grid, int n_c) {
    if (n_c <= 0) return scar_fail("linear probe: empty grid of C values");
    for (int k = 0; k < n_c; k++)
        if (!(grid[k] > 0) || !isfinite(grid[k]))
            return scar_fail("linear probe: C = %g in the grid (must be positive)", grid[k]);
    return 0;
}

/* Fit on the given training rows (already sampled) and select on the validation rows. */
static int train_on_rows(const ProbeData *data, const int *tr, int n_tr, const int *va, int n_va,
                         const double *grid, int n_c, const LogregOptions *solver, LinearProbe *out) {
    int d = data->d, C = data->n_classes;
    if (n_tr <= 0) return scar_fail("linear probe: no training rows");
    if (check_grid(grid, n_c) != 0) return -1;
    if (check_features(data->features, tr, n_tr, d) != 0 || check_features(data->features, va, n_va, d) != 0 ||
        check_labels(data->labels, tr, n_tr, C) != 0 || check_labels(data->labels, va, n_va, C) != 0)
        return -1;

    probe_alloc(out, d, C, grid, n_c);
    fit_standardiser(data->features, tr, n_tr, d, out->mean, out->scale);
    double *x_tr = standardise(data->features, tr, n_tr, d, out->mean, out->scale);
    double *x_va = standardise(data->features, va, n_va, d, out->mean, out->scale);
    uint8_t *y_tr = gather_labels(data->labels, tr, n_tr, C), *y_va = gather_labels(data->labels, va, n_va, C);
    int rc = fit_and_select(x_tr, y_tr, n_tr, x_va, y_va, n_va, solver, out);
    free(x_tr);
    free(x_va);
    free(y_tr);
    free(y_va);
    if (rc != 0) {
        probe_free(out);
        return -1;
    }
    out->train_rows = xmalloc(sizeof *out->train_rows * (size_t)n_tr);
    memcpy(out->train_rows, tr, sizeof *tr * (size_t)n_tr);
    out->n_train_rows = n_tr;
    return 0;
}

int probe_train(const ProbeData *data, double fraction, uint64_t seed, const ProbeOptions *opt,
                LinearProbe *out) {
    memset(out, 0, sizeof *out);
    static const double default_grid[] = PROBE_DEFAULT_GRID;
    const double *grid = opt && opt->c_grid ? opt->c_grid : default_grid;
    int n_c = opt && opt->c_grid ? opt->n_c : PROBE_DEFAULT_GRID_SIZE;
    LogregOptions solver = opt ? opt->solver : (LogregOptions){0};

    int *train = xmalloc(sizeof *train * (size_t)(data->n ? data->n : 1));
    int *val = xmalloc(sizeof *val * (size_t)(data->n ? data->n : 1));
    int n_train = 0, n_val = 0;
    for (int i = 0; i < data->n; i++) {
        if (data->split[i] == SPLIT_TRAIN) train[n_train++] = i;
        else if (data->split[i] == SPLIT_VAL) val[n_val++] = i;
    }
    int rc = -1;
    int *kept = xmalloc(sizeof *kept * (size_t)(n_train ? n_train : 1));
    if (check_labels(data->labels, train, n_train, data->n_classes) == 0) {
        int n_kept = label_fraction_sample(data->labels, data->n_classes, train, n_train, fraction, seed, kept);
        if (n_kept >= 0) rc = train_on_rows(data, kept, n_kept, val, n_val, grid, n_c, &solver, out);
    }
    free(train);
    free(val);
    free(kept);
    return rc;
}

int probe_fit(const float *features, const uint8_t *labels, int n, int d, int n_classes, double c_reg,
              const ProbeOptions *opt, LinearProbe *out) {
    memset(out, 0, sizeof *out);
    LogregOptions solver = opt ? opt->solver : (LogregOptions){0};
    int *rows = xmalloc(sizeof *rows * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) rows[i] = i;
    ProbeData data = {features, labels, NULL, n, d, n_classes};
    int rc = train_on_rows(&data, rows, n, NULL, 0, &c_reg, 1, &solver, out);
    free(rows);
    return rc;
}

void probe_scores(const LinearProbe *p, const float *features, int n, double *scores) {
    enum { BLOCK = 1024 };
    int d = p->d, C = p->n_classes;
    double *x = xmalloc(sizeof *x * BLOCK * (size_t)(d ? d : 1)), *z = xmalloc(sizeof *z * BLOCK);
    double *wb = xmalloc(sizeof *wb * (size_t)(d + 1));
    for (int r0 = 0; r0 < n; r0 += BLOCK) {
        int rows = n - r0 < BLOCK ? n - r0 : BLOCK;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < d; j++)
                x[(size_t)i * d + j] = (features[(size_t)(r0 + i) * d + j] - p->mean[j]) / p->scale[j];
        for (int c = 0; c < C; c++) {
            memcpy(wb, p->coef + (size_t)c * d, sizeof *wb * (size_t)d);
            wb[d] = p->intercept[c];
            logreg_decision(x, rows, d, wb, z);
            for (int i = 0; i < rows; i++) scores[(size_t)(r0 + i) * C + c] = z[i];
        }
    }
    free(x);
    free(z);
    free(wb);
}
