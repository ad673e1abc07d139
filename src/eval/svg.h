/* Small SVG charts for reports: line charts (several series over a shared x axis), grouped bar
 * charts with optional error bars, and 12-lead ECG traces with token overlays. Each function
 * appends one self-contained <svg> element to an open FILE. */
#ifndef SCAR_EVAL_SVG_H
#define SCAR_EVAL_SVG_H

#include <stdint.h>
#include <stdio.h>

/* A colour per series index, colour-blind friendly (Okabe-Ito). */
const char *svg_colour(int i);

typedef struct {
    const char *name;
    int n;
    const double *x, *y;      /* [n]; NaN y values are skipped */
    const double *lo, *hi;    /* [n] interval, or NULL */
} SvgSeries;

/* Lines with markers (and shaded intervals when lo/hi are given). y_min >= y_max: from the data. */
void svg_line_chart(FILE *f, const char *title, const char *x_label, const char *y_label, const SvgSeries *s,
                    int n_series, double y_min, double y_max);

/* Grouped bars: n_groups groups (labels) of n_series bars; values [n_series][n_groups], NaN = no
 * bar; lo/hi (may be NULL) as error bars. */
void svg_bar_chart(FILE *f, const char *title, const char *y_label, const char *const *groups, int n_groups,
                   const char *const *series, int n_series, const double *values, const double *lo,
                   const double *hi, double y_min, double y_max);

/* A 12-lead ECG: signal [12][n_samples] (mV) at rate_hz, cut into tokens of patch_len samples.
 * removed [12][n_patches] (may be NULL): tokens drawn shaded red; weights [12][n_patches] (may be
 * NULL): the selector's pooling weight of each token, drawn as a blue bar under the trace;
 * primary [12][n_patches] (may be NULL): ground-truth primary evidence, outlined. */
void svg_ecg(FILE *f, const char *title, const float *signal, int n_samples, double rate_hz, int patch_len,
             int n_patches, const uint8_t *removed, const float *weights, const uint8_t *primary);

/* Write text with &, <, >, " escaped. */
void svg_escape(FILE *f, const char *text);

#endif
