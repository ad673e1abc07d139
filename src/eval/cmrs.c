#include "eval/cmrs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"

/* Per sample and class: correct clean decisions with that positive, and how many survive. */
static void count_decisions(const double *clean, const double *missing, const uint8_t *labels, int n, int C,
                            int64_t *correct, int64_t *kept) {
    for (int i = 0; i < n; i++) {
        const double *s = clean + (size_t)i * C, *m = missing + (size_t)i * C;
        const uint8_t *y = labels + (size_t)i * C;
        for (int p = 0; p < C; p++) {
            int64_t cr = 0, kp = 0;
            if (y[p])
                for (int q = 0; q < C; q++)
                    if (!y[q] && s[p] > s[q]) {
                        cr++;
                        kp += m[p] > m[q];
                    }
            correct[(size_t)i * C + p] = cr;
            kept[(size_t)i * C + p] = kp;
        }
    }
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Ratio of kept to correct over the samples drawn (weight w[i] times), for one class (c >= 0) or
 * all classes (c < 0). */
static double ratio(const int64_t *correct, const int64_t *kept, const int *w, int n, int C, int c) {
    int64_t num = 0, den = 0;
    for (int i = 0; i < n; i++) {
        if (!w[i]) continue;
        for (int p = c < 0 ? 0 : c; p < (c < 0 ? C : c + 1); p++) {
            den += (int64_t)w[i] * correct[(size_t)i * C + p];
            num += (int64_t)w[i] * kept[(size_t)i * C + p];
        }
    }
    return den ? (double)num / (double)den : NAN;
}

static Estimate interval(double value, double *draws, int n_boot, double level) {
    Estimate e = {value, NAN, NAN, 0};
    int k = 0;
    for (int b = 0; b < n_boot; b++)
        if (!isnan(draws[b])) draws[k++] = draws[b];
    e.n_resamples = k;
    if (k > 0 && !isnan(value)) {
        qsort(draws, (size_t)k, sizeof(double), cmp_double);
        e.lo = percentile_sorted(draws, k, (1 - level) / 2);
        e.hi = percentile_sorted(draws, k, 1 - (1 - level) / 2);
    }
    return e;
}

int cmrs_compute(const double *clean, const double *missing, const uint8_t *labels, int n, int C, int n_boot,
                 uint64_t seed, double level, Cmrs *out) {
    memset(out, 0, sizeof *out);
    if (n < 0 || C < 1) return scar_fail("CMRS: %d samples of %d classes", n, C);
    for (int64_t i = 0; i < (int64_t)n * C; i++)
        if (isnan(clean[i]) || isnan(missing[i])) return scar_fail("CMRS: a score of sample %lld is NaN", (long long)(i / C));
    if (level <= 0) level = 0.95;
    const size_t nc = (size_t)(n ? n : 1) * C;
    int64_t *correct = xmalloc(nc * sizeof(int64_t)), *kept = xmalloc(nc * sizeof(int64_t));
    count_decisions(clean, missing, labels, n, C, correct, kept);
    int *w = xmalloc((size_t)(n ? n : 1) * sizeof(int));
    for (int i = 0; i < n; i++) w[i] = 1;
    out->n_classes = C;
    out->per_class = xcalloc((size_t)C, sizeof(Estimate));
    for (int i = 0; i < n; i++)
        for (int p = 0; p < C; p++) out->decisions += correct[(size_t)i * C + p];
    const double overall = ratio(correct, kept, w, n, C, -1);
    double *draws = xmalloc((size_t)(C + 1) * (size_t)(n_boot ? n_boot : 1) * sizeof(double));
    /* Resample b draws the same samples for every class: one stream per resample. */
#pragma omp parallel for schedule(static) if (n_boot > 8)
    for (int b = 0; b < n_boot; b++) {
        int *wb = xcalloc((size_t)(n ? n : 1), sizeof(int));
        Rng r;
        rng_seed(&r, seed, (uint64_t)b);
        for (int i = 0; i < n; i++) wb[rng_below(&r, (uint32_t)n)]++;
        draws[b] = ratio(correct, kept, wb, n, C, -1);
        for (int c = 0; c < C; c++) draws[(size_t)(c + 1) * n_boot + b] = ratio(correct, kept, wb, n, C, c);
        free(wb);
    }
    out->overall = interval(overall, draws, n_boot, level);
    for (int c = 0; c < C; c++)
        out->per_class[c] = interval(ratio(correct, kept, w, n, C, c), draws + (size_t)(c + 1) * n_boot, n_boot, level);
    free(draws), free(w), free(correct), free(kept);
    return 0;
}

void cmrs_free(Cmrs *c) {
    free(c->per_class);
    memset(c, 0, sizeof *c);
}
