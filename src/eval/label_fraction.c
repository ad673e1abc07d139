#include "eval/label_fraction.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"

typedef struct {
    int count, index;
} ClassCount;

static int cmp_rarest_first(const void *a, const void *b) {
    const ClassCount *x = a, *y = b;
    if (x->count != y->count) return (x->count > y->count) - (x->count < y->count);
    return (x->index > y->index) - (x->index < y->index);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int label_fraction_sample(const uint8_t *labels, int n_classes, const int *rows, int n_rows,
                          double fraction, uint64_t seed, int *out) {
    if (!(fraction > 0)) return scar_fail("label fraction %g: must be in (0, 1]", fraction);
    if (fraction >= 1) {
        memcpy(out, rows, sizeof *out * (size_t)n_rows);
        qsort(out, (size_t)n_rows, sizeof *out, cmp_int);
        return n_rows;
    }
    int C = n_classes;
    int *priority = xmalloc(sizeof *priority * (size_t)(n_rows ? n_rows : 1));
    memcpy(priority, rows, sizeof *priority * (size_t)n_rows);
    /* sort first so the result does not depend on the order the caller listed the rows in */
    qsort(priority, (size_t)n_rows, sizeof *priority, cmp_int);
    Rng r;
    rng_seed(&r, seed, 0);
    rng_shuffle_int(&r, priority, n_rows);

    ClassCount *classes = xmalloc(sizeof *classes * (size_t)C);
    for (int c = 0; c < C; c++) classes[c] = (ClassCount){0, c};
    int n_none = 0;
    for (int k = 0; k < n_rows; k++) {
        const uint8_t *y = labels + (size_t)priority[k] * C;
        int any = 0;
        for (int c = 0; c < C; c++) {
            classes[c].count += y[c] != 0;
            any |= y[c] != 0;
        }
        n_none += !any;
    }
    qsort(classes, (size_t)C, sizeof *classes, cmp_rarest_first);

    uint8_t *kept = xcalloc((size_t)(n_rows ? n_rows : 1), 1);   /* by priority rank */
    for (int q = 0; q < C; q++) {
        int c = classes[q].index, P = classes[q].count;
        if (P == 0) continue;
        int need = (int)lround(fraction * P);
        if (need < 1) need = 1;
        int have = 0;
        for (int k = 0; k < n_rows; k++)
            if (kept[k] && labels[(size_t)priority[k] * C + c]) have++;
        for (int k = 0; k < n_rows && have < need; k++)
            if (!kept[k] && labels[(size_t)priority[k] * C + c]) {
                kept[k] = 1;
                have++;
            }
    }
    int need_none = (int)lround(fraction * n_none);
    for (int k = 0; k < n_rows && need_none > 0; k++) {
        const uint8_t *y = labels + (size_t)priority[k] * C;
        int any = 0;
        for (int c = 0; c < C; c++) any |= y[c] != 0;
        if (!any) {
            kept[k] = 1;
            need_none--;
        }
    }

    int n_out = 0;
    for (int k = 0; k < n_rows; k++)
        if (kept[k]) out[n_out++] = priority[k];
    qsort(out, (size_t)n_out, sizeof *out, cmp_int);
    free(priority);
    free(classes);
    free(kept);
    return n_out;
}
