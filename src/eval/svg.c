#include "eval/svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/record.h"

static const char *const COLOURS[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"};

const char *svg_colour(int i) { return COLOURS[((i % 8) + 8) % 8]; }

void svg_escape(FILE *f, const char *text) {
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*p, f);
        }
    }
}

/* A "nice" tick step for a range (1, 2 or 5 times a power of ten). */
static double nice_step(double range, int target) {
    const double raw = range / (target > 0 ? target : 5), p = pow(10, floor(log10(raw)));
    const double m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

typedef struct {
    double x0, y0, w, h;        /* plot area in pixels */
    double xmin, xmax, ymin, ymax;
} Frame;

static double px(const Frame *fr, double x) { return fr->x0 + (x - fr->xmin) / (fr->xmax - fr->xmin) * fr->w; }
static double py(const Frame *fr, double y) { return fr->y0 + fr->h - (y - fr->ymin) / (fr->ymax - fr->ymin) * fr->h; }

static void header(FILE *f, int width, int height, const char *title) {
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            width, height, width, height);
    fprintf(f, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">", width / 2);
    svg_escape(f, title);
    fputs("</text>\n", f);
}

static void y_axis(FILE *f, const Frame *fr, const char *label) {
    const double step = nice_step(fr->ymax - fr->ymin, 5);
    for (double v = ceil(fr->ymin / step) * step; v <= fr->ymax + 1e-9; v += step) {
        const double y = py(fr, v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", fr->x0, y, fr->x0 + fr->w, y);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", fr->x0 - 6, y + 4, fabs(v) < 1e-12 ? 0 : v);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", fr->x0, fr->y0, fr->x0, fr->y0 + fr->h);
    fprintf(f, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\">", fr->x0 - 45, fr->y0 + fr->h / 2);
    svg_escape(f, label);
    fputs("</text>\n", f);
}

static void legend(FILE *f, double x, double y, const char *const *names, int n) {
    for (int i = 0; i < n; i++) {
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>", x, y + 18 * i, svg_colour(i));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 18, y + 18 * i + 11);
        svg_escape(f, names[i]);
        fputs("</text>\n", f);
    }
}

static void data_range(const SvgSeries *s, int n, double *lo, double *hi, int use_y) {
    *lo = INFINITY, *hi = -INFINITY;
    for (int k = 0; k < n; k++)
        for (int i = 0; i < s[k].n; i++) {
            const double v = use_y ? s[k].y[i] : s[k].x[i];
            if (isnan(v)) continue;
            const double a = use_y && s[k].lo && !isnan(s[k].lo[i]) ? s[k].lo[i] : v;
            const double b = use_y && s[k].hi && !isnan(s[k].hi[i]) ? s[k].hi[i] : v;
            if (a < *lo) *lo = a;
            if (b > *hi) *hi = b;
        }
    if (!(*lo < *hi)) *lo = isfinite(*lo) ? *lo - 0.5 : 0, *hi = isfinite(*hi) ? *hi + 0.5 : 1;
}

void svg_line_chart(FILE *f, const char *title, const char *x_label, const char *y_label, const SvgSeries *s,
                    int n_series, double y_min, double y_max) {
    const int W = 640, H = 360;
    Frame fr = {70, 40, 400, 270, 0, 1, y_min, y_max};
    data_range(s, n_series, &fr.xmin, &fr.xmax, 0);
    if (!(y_min < y_max)) {
        data_range(s, n_series, &fr.ymin, &fr.ymax, 1);
        const double pad = 0.05 * (fr.ymax - fr.ymin);
        fr.ymin -= pad, fr.ymax += pad;
    }
    header(f, W, H, title);
    y_axis(f, &fr, y_label);
    const double xs = nice_step(fr.xmax - fr.xmin, 5);
    for (double v = ceil(fr.xmin / xs) * xs; v <= fr.xmax + 1e-9; v += xs)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n", px(&fr, v), fr.y0 + fr.h + 16, fabs(v) < 1e-12 ? 0 : v);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", fr.x0, fr.y0 + fr.h, fr.x0 + fr.w, fr.y0 + fr.h);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", fr.x0 + fr.w / 2, fr.y0 + fr.h + 36);
    svg_escape(f, x_label);
    fputs("</text>\n", f);
    const char *names[16];
    for (int k = 0; k < n_series && k < 16; k++) {
        const SvgSeries *q = &s[k];
        names[k] = q->name;
        if (q->lo && q->hi) { /* interval band */
            fprintf(f, "<path fill=\"%s\" fill-opacity=\"0.15\" stroke=\"none\" d=\"", svg_colour(k));
            int first = 1;
            for (int i = 0; i < q->n; i++)
                if (!isnan(q->lo[i])) fprintf(f, "%s%.1f,%.1f ", first ? "M" : "L", px(&fr, q->x[i]), py(&fr, q->hi[i])), first = 0;
            for (int i = q->n - 1; i >= 0; i--)
                if (!isnan(q->lo[i])) fprintf(f, "L%.1f,%.1f ", px(&fr, q->x[i]), py(&fr, q->lo[i]));
            fputs("Z\"/>\n", f);
        }
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", svg_colour(k));
        for (int i = 0; i < q->n; i++)
            if (!isnan(q->y[i])) fprintf(f, "%.1f,%.1f ", px(&fr, q->x[i]), py(&fr, q->y[i]));
        fputs("\"/>\n", f);
        for (int i = 0; i < q->n; i++)
            if (!isnan(q->y[i]))
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%g: %.4f</title></circle>\n",
                        px(&fr, q->x[i]), py(&fr, q->y[i]), svg_colour(k), q->x[i], q->y[i]);
    }
    legend(f, fr.x0 + fr.w + 20, fr.y0, names, n_series < 16 ? n_series : 16);
    fputs("</svg>\n", f);
}

void svg_bar_chart(FILE *f, const char *title, const char *y_label, const char *const *groups, int n_groups,
                   const char *const *series, int n_series, const double *values, const double *lo,
                   const double *hi, double y_min, double y_max) {
    const int W = 250 + (40 + 22 * n_series) * n_groups + 160, H = 380;
    Frame fr = {110, 40, W - 110 - 180, 250, 0, 1, y_min, y_max};
    if (!(y_min < y_max)) {
        fr.ymin = INFINITY, fr.ymax = -INFINITY;
        for (int i = 0; i < n_series * n_groups; i++)
            if (!isnan(values[i])) fr.ymin = fmin(fr.ymin, values[i]), fr.ymax = fmax(fr.ymax, values[i]);
        if (!(fr.ymin < fr.ymax)) fr.ymin = 0, fr.ymax = 1;
        fr.ymin = fmin(0, fr.ymin);
    }
    header(f, W, H, title);
    y_axis(f, &fr, y_label);
    const double gw = fr.w / n_groups, bw = 0.8 * gw / n_series;
    for (int g = 0; g < n_groups; g++) {
        for (int k = 0; k < n_series; k++) {
            const double v = values[k * n_groups + g];
            if (isnan(v)) continue;
            const double x = fr.x0 + g * gw + 0.1 * gw + k * bw, y = py(&fr, fmax(v, fr.ymin));
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %.4f</title></rect>\n",
                    x, y, bw * 0.9, fr.y0 + fr.h - y, svg_colour(k), series[k], v);
            if (lo && hi && !isnan(lo[k * n_groups + g]))
                fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", x + bw * 0.45,
                        py(&fr, lo[k * n_groups + g]), x + bw * 0.45, py(&fr, hi[k * n_groups + g]));
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" transform=\"rotate(-30 %.1f %.1f)\">",
                fr.x0 + (g + 0.5) * gw, fr.y0 + fr.h + 14, fr.x0 + (g + 0.5) * gw, fr.y0 + fr.h + 14);
        svg_escape(f, groups[g]);
        fputs("</text>\n", f);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", fr.x0, fr.y0 + fr.h, fr.x0 + fr.w, fr.y0 + fr.h);
    legend(f, fr.x0 + fr.w + 20, fr.y0, series, n_series);
    fputs("</svg>\n", f);
}

/* Geometry of a 12-lead panel: one lane per lead from y = 32, the trace from x = left over
 * `width` pixels for `span` samples. */
typedef struct {
    int W, H, lane, left;
    double width, span;
} EcgPanel;

static EcgPanel ecg_panel(double span, int right_margin, int footer_lines) {
    EcgPanel e = {900, 0, 46, 40, 0, span};
    e.H = 40 + e.lane * N_LEADS + 6 + 14 * footer_lines;
    e.width = e.W - e.left - right_margin;
    return e;
}

/* Lead names and traces (clipped to +-2 mV), drawn after any shading so that they stay on top. */
static void ecg_traces(FILE *f, const EcgPanel *e, const float *signal, int n_samples) {
    const int n = (int)e->span < n_samples ? (int)e->span : n_samples;
    for (int l = 0; l < N_LEADS; l++) {
        const double mid = 32 + e->lane * l + e->lane / 2.0;
        fprintf(f, "<text x=\"4\" y=\"%.1f\">%s</text>\n", mid + 4, LEAD_NAMES[l]);
        fprintf(f, "<polyline fill=\"none\" stroke=\"#222\" stroke-width=\"0.8\" points=\"");
        for (int i = 0; i < n; i++) {
            double v = signal[(size_t)l * n_samples + i];
            v = v > 2 ? 2 : v < -2 ? -2 : v;
            fprintf(f, "%.1f,%.1f ", e->left + e->width * i / e->span, mid - v * (e->lane / 4.5));
        }
        fputs("\"/>\n", f);
    }
}

void svg_ecg(FILE *f, const char *title, const float *signal, int n_samples, double rate_hz, int patch_len,
             int n_patches, const uint8_t *removed, const float *weights, const uint8_t *primary) {
    const EcgPanel e = ecg_panel((double)n_patches * patch_len, 10, 1);
    const int lane = e.lane;
    header(f, e.W, e.H, title);
    float wmax = 0;
    for (int k = 0; weights && k < N_LEADS * n_patches; k++) wmax = weights[k] > wmax ? weights[k] : wmax;
    for (int l = 0; l < N_LEADS; l++) {
        const double top = 32 + lane * l;
        for (int t = 0; t < n_patches; t++) {
            const double x = e.left + e.width * t * patch_len / e.span, w = e.width * patch_len / e.span;
            if (removed && removed[l * n_patches + t])
                fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"#D55E00\" fill-opacity=\"0.25\"/>\n", x, top, w, lane - 4);
            if (primary && primary[l * n_patches + t])
                fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"none\" stroke=\"#009E73\" stroke-width=\"1.5\"/>\n", x + 1, top + 1, w - 2, lane - 6);
            if (weights && wmax > 0)
                fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"4\" fill=\"#0072B2\" fill-opacity=\"%.3f\"/>\n", x, top + lane - 8, w, weights[l * n_patches + t] / wmax);
        }
    }
    ecg_traces(f, &e, signal, n_samples);
    fprintf(f, "<text x=\"%d\" y=\"%d\">%.1f s; shaded: removed by the masker; outlined: primary evidence; blue: selector weight</text>\n",
            e.left, e.H - 6, e.span / rate_hz);
    fputs("</svg>\n", f);
}

int svg_shade_level(float v) {
    const double q = floor((double)v * SVG_SHADE_LEVELS + 0.5);
    return q <= 0 ? 0 : q >= SVG_SHADE_LEVELS ? SVG_SHADE_LEVELS : (int)q;
}

int svg_ecg_shaded(FILE *f, const char *title, const float *signal, int n_samples, double rate_hz, const float *shade,
                   int shade_rows, const char *const *notes) {
    int n_notes = 0;
    while (notes && notes[n_notes]) n_notes++;
    /* per-lead shading gets a right margin for each lead's mean */
    const EcgPanel e = ecg_panel(n_samples, shade_rows == N_LEADS ? 52 : 10, n_notes + 1);
    header(f, e.W, e.H, title);
    int runs = 0;
    uint8_t *level = xmalloc((size_t)n_samples);
    for (int r = 0; r < shade_rows; r++) {
        const float *row = shade + (size_t)r * n_samples;
        const double top = 32 + e.lane * (shade_rows == N_LEADS ? r : 0);
        const int height = shade_rows == N_LEADS ? e.lane - 4 : e.lane * N_LEADS - 4;
        int present[SVG_SHADE_LEVELS + 1] = {0};
        for (int i = 0; i < n_samples; i++) present[level[i] = (uint8_t)svg_shade_level(row[i])] = 1;
        /* one path per level, a rectangle per run of samples at that level: a noisy mask makes
         * thousands of runs, and a path keeps the page about three times smaller than a <rect> each */
        for (int q = 1; q <= SVG_SHADE_LEVELS; q++) {
            if (!present[q]) continue;
            fprintf(f, "<path class=\"shade\" fill=\"#D55E00\" fill-opacity=\"%.2f\" d=\"", 0.6 * q / SVG_SHADE_LEVELS);
            for (int i = 0; i < n_samples;) {
                int j = i + 1;
                while (j < n_samples && level[j] == level[i]) j++;
                if (level[i] == q) {
                    const double w = e.width * (j - i) / e.span;
                    fprintf(f, "M%.2f %.0fh%.2fv%dh-%.2fz", e.left + e.width * i / e.span, top, w, height, w);
                    runs++;
                }
                i = j;
            }
            fputs("\"/>\n", f);
        }
        if (shade_rows == N_LEADS) {
            double s = 0;
            for (int i = 0; i < n_samples; i++) s += row[i];
            fprintf(f, "<text x=\"%d\" y=\"%.1f\" fill=\"#A04000\">%.0f%%</text>\n", e.W - 44, top + e.lane / 2.0 + 4,
                    100 * s / n_samples);
        }
    }
    ecg_traces(f, &e, signal, n_samples);
    const double axis = 32 + e.lane * N_LEADS;
    fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>\n", e.left, axis, e.left + e.width, axis);
    const double seconds = n_samples / rate_hz, step = nice_step(seconds, 10);
    for (int k = 0; k * step <= seconds + 1e-9; k++) {
        const double x = e.left + e.width * k * step * rate_hz / e.span;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\" fill=\"#666\">%g s</text>\n",
                x, axis, x, axis + 4, x, axis + 14, k * step);
    }
    for (int k = 0; k < n_notes; k++) {
        fprintf(f, "<text x=\"%d\" y=\"%d\">", e.left, e.H - 6 - 14 * (n_notes - 1 - k));
        svg_escape(f, notes[k]);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
    free(level);
    return runs;
}
