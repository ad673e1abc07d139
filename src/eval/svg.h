/* Small SVG charts for reports: line charts (several series over a shared x axis), grouped bar
 * charts with optional error bars, and 12-lead ECG traces with token overlays or soft shading.
 * Each function appends one self-contained <svg> element to an open FILE. */
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

/* Soft per-sample shading over a 12-lead ECG (what a self-supervised adversarial mask removes):
 * signal [12][n_samples] (mV) at rate_hz; shade [shade_rows][n_samples] in [0, 1], shade_rows 12
 * (a row per lead, with each lead's mean written at its right) or 1 (one row for all leads). Each
 * row's samples are put at levels svg_shade_level(); every run of consecutive samples at one level
 * q > 0 is a rectangle over the row's lane (over all lanes for a shared row), and the runs of one
 * row at one level make one <path class="shade"> of fill opacity 0.6 q / SVG_SHADE_LEVELS ("M"
 * starts each rectangle), written row by row, by rising level. notes: NULL-terminated lines under
 * the traces (may be NULL). Returns the number of runs (rectangles) drawn. */
#define SVG_SHADE_LEVELS 10
int svg_ecg_shaded(FILE *f, const char *title, const float *signal, int n_samples, double rate_hz, const float *shade,
                   int shade_rows, const char *const *notes);
/* floor(v x SVG_SHADE_LEVELS + 1/2) clamped into [0, SVG_SHADE_LEVELS]. */
int svg_shade_level(float v);

/* Write text with &, <, >, " escaped. */
void svg_escape(FILE *f, const char *text);

#endif
