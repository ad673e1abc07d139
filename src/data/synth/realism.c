#include "data/synth/realism.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/dataset.h"
#include "data/delineate.h"

#define MAX_REAL 16

void realism_feature_name(int f, char *buf, size_t cap) {
    if (f >= FEAT_R0 && f < FEAT_R0 + N_LEADS) snprintf(buf, cap, "R %s (mV)", LEAD_NAMES[f - FEAT_R0]);
    else if (f >= FEAT_T0 && f < FEAT_T0 + N_LEADS) snprintf(buf, cap, "T %s (mV)", LEAD_NAMES[f - FEAT_T0]);
    else {
        static const char *const OTHER[] = {"QRS (ms)", "PR (ms)", "QTc (ms)", "axis (deg)", "heart rate (/min)",
                                            "power 0.5-5 Hz (share)", "power 5-15 Hz (share)",
                                            "power 15-40 Hz (share)", "spectral centroid (Hz)"};
        snprintf(buf, cap, "%s", f >= FEAT_QRS && f < N_FEATURES ? OTHER[f - FEAT_QRS] : "?");
    }
}

/* In-place radix-2 FFT of n (a power of two) complex values. */
static void fft(double *re, double *im, int n) {
    for (int i = 1, j = 0; i < n; i++) {
        int bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i];
            re[i] = re[j];
            re[j] = t;
            t = im[i];
            im[i] = im[j];
            im[j] = t;
        }
    }
    for (int len = 2; len <= n; len <<= 1) {
        double ang = -2.0 * M_PI / len, wr = cos(ang), wi = sin(ang);
        for (int i = 0; i < n; i += len) {
            double cr = 1, ci = 0;
            for (int k = 0; k < len / 2; k++) {
                int a = i + k, b = i + k + len / 2;
                double xr = re[b] * cr - im[b] * ci, xi = re[b] * ci + im[b] * cr;
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
                double t = cr * wr - ci * wi;
                ci = cr * wi + ci * wr;
                cr = t;
            }
        }
    }
}

void realism_spectrum(const float *x, int n, float rate, float band_share[3], float *centroid) {
    int L = 1;
    while (L * 2 <= (int)(2.5f * rate) && L * 2 <= n) L *= 2;
    double *re = malloc(sizeof(double) * (size_t)L), *im = malloc(sizeof(double) * (size_t)L);
    double *psd = calloc((size_t)L / 2 + 1, sizeof(double));
    for (int start = 0; start + L <= n; start += L / 2) {
        double mean = 0;
        for (int i = 0; i < L; i++) mean += x[start + i];
        mean /= L;
        for (int i = 0; i < L; i++) {
            double w = 0.5 - 0.5 * cos(2.0 * M_PI * i / (L - 1));
            re[i] = (x[start + i] - mean) * w;
            im[i] = 0;
        }
        fft(re, im, L);
        for (int k = 0; k <= L / 2; k++) psd[k] += re[k] * re[k] + im[k] * im[k];
    }
    double band[3] = {0, 0, 0}, total = 0, moment = 0;
    for (int k = 0; k <= L / 2; k++) {
        double f = (double)k * rate / L;
        if (f < 0.5 || f >= 40) continue;
        band[f < 5 ? 0 : f < 15 ? 1 : 2] += psd[k];
        total += psd[k];
        moment += f * psd[k];
    }
    for (int b = 0; b < 3; b++) band_share[b] = total > 0 ? (float)(band[b] / total) : NAN;
    *centroid = total > 0 ? (float)(moment / total) : NAN;
    free(re);
    free(im);
    free(psd);
}

int realism_features(const EcgRecord *r, float f[N_FEATURES]) {
    for (int k = 0; k < N_FEATURES; k++) f[k] = NAN;
    EcgMeasurements m;
    if (ecg_delineate(r->signal, r->n_samples, r->rate_hz, r->lead_available, &m) != 0) return -1;
    for (int l = 0; l < N_LEADS; l++)
        if ((r->lead_available >> l) & 1u) {
            f[FEAT_R0 + l] = m.r_mv[l];
            f[FEAT_T0 + l] = m.t_mv[l];
        }
    f[FEAT_QRS] = m.qrs_ms;
    f[FEAT_PR] = m.has_p ? m.pr_ms : NAN;
    f[FEAT_QTC] = m.qtc_ms;
    f[FEAT_AXIS] = m.axis_deg;
    f[FEAT_HR] = m.hr_bpm;
    /* Spectrum: mean over the leads with every sample valid. */
    double band[3] = {0, 0, 0}, cen = 0;
    int used = 0;
    for (int l = 0; l < N_LEADS; l++) {
        if (!((r->lead_available >> l) & 1u)) continue;
        const uint8_t *ok = r->valid + (size_t)l * r->n_samples;
        int all = 1;
        for (int i = 0; i < r->n_samples && all; i++) all = ok[i];
        if (!all) continue;
        float share[3], c;
        realism_spectrum(r->signal + (size_t)l * r->n_samples, r->n_samples, r->rate_hz, share, &c);
        if (isnan(c)) continue;
        for (int b = 0; b < 3; b++) band[b] += share[b];
        cen += c;
        used++;
    }
    if (used) {
        f[FEAT_BAND_LOW] = (float)(band[0] / used);
        f[FEAT_BAND_MID] = (float)(band[1] / used);
        f[FEAT_BAND_HIGH] = (float)(band[2] / used);
        f[FEAT_CENTROID] = (float)(cen / used);
    }
    return 0;
}

static int class_named(const LabelSchema *s, int set, const char *name) {
    for (int c = 0; c < s->n_classes[set]; c++)
        if (!strcmp(s->class_name[set][c], name)) return c;
    return -1;
}

static int set_named(const LabelSchema *s, const char *name) {
    for (int k = 0; k < s->n_sets; k++)
        if (!strcmp(s->set_name[k], name)) return k;
    return -1;
}

/* Keep record i of d when its labels in `set` are exactly {cls} (only = 1) or include cls. */
static void collect(Dataset *d, const char *set_name, const char *cls_name, int only, const char *tag, EcgRecord *out,
                    char names[16][96], int *n) {
    const LabelSchema *s = dataset_schema(d);
    int set = set_named(s, set_name);
    int cls = set >= 0 ? class_named(s, set, cls_name) : -1;
    if (cls < 0) return;
    for (int i = 0; i < dataset_count(d) && *n < MAX_REAL; i++) {
        EcgRecord r;
        char warn[512];
        if (dataset_load(d, i, &r, warn, sizeof warn) < 0) continue; /* a row without a waveform here */
        int keep = label_has(&r.labels[set], cls);
        if (keep && only)
            for (int c = 0; c < s->n_classes[set]; c++)
                if (c != cls && label_has(&r.labels[set], c)) keep = 0;
        if (!keep) {
            record_free(&r);
            continue;
        }
        snprintf(names[*n], 96, "%s %s (%g Hz)", tag, r.id, (double)r.rate_hz);
        out[(*n)++] = r;
    }
}

int realism_real_normals(const char *fixtures, EcgRecord **out, char names[16][96]) {
    EcgRecord *rec = xcalloc(MAX_REAL, sizeof(EcgRecord));
    int n = 0;
    char src[4096], csv[4200];
    snprintf(src, sizeof src, "%s/ptbxl", fixtures);
    snprintf(csv, sizeof csv, "%s/ptbxl_database_fixture_rows.csv", src);
    DatasetOptions o = {.csv = csv, .prefer_rate = 500, .map = ECG_MAP_DEFAULTS};
    Dataset *d = dataset_open("ptbxl", src, &o);
    if (d) {
        collect(d, "super", "NORM", 0, "PTB-XL", rec, names, &n);
        dataset_close(d);
    }
    static const char *const CINC[] = {"cinc2020", "cinc2021"};
    for (int k = 0; k < 2; k++) {
        snprintf(src, sizeof src, "%s/%s", fixtures, CINC[k]);
        DatasetOptions oc = {.map = ECG_MAP_DEFAULTS};
        d = dataset_open("cinc", src, &oc);
        if (!d) continue;
        collect(d, "scored", "NSR", 1, CINC[k], rec, names, &n);
        dataset_close(d);
    }
    scar_clear_error();
    if (n == 0) {
        free(rec);
        return scar_fail("%s: no real normal records found (PTB-XL NORM rows with waveforms, Challenge "
                         "records labelled only sinus rhythm)", fixtures);
    }
    *out = rec;
    return n;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static float sorted_quantile(const float *s, int n, float q) { return s[(int)lroundf(q * (float)(n - 1))]; }

int realism_compare(const EcgRecord *real, int n_real, char names[16][96], const SynthConfig *c, int n_synth,
                    RealismReport *rep) {
    memset(rep, 0, sizeof *rep);
    if (n_real < 1 || n_real > MAX_REAL) return scar_fail("%d real records: need 1 to %d", n_real, MAX_REAL);
    if (n_synth < 1) return scar_fail("%d synthetic records: need at least one", n_synth);
    rep->n_real = n_real;
    rep->n_synth = n_synth;
    for (int i = 0; i < n_real; i++) {
        snprintf(rep->real_name[i], sizeof rep->real_name[i], "%s", names[i]);
        if (realism_features(&real[i], rep->real[i]) != 0)
            return scar_fail_context("real record %s: ", names[i]);
    }
    SynthConfig normal = *c;
    normal.priors.normal_fraction = 1.0f;
    float *synth = xmalloc(sizeof(float) * (size_t)n_synth * N_FEATURES);
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 4)
    for (int i = 0; i < n_synth; i++) {
        EcgRecord r;
        synth_generate(&normal, (uint64_t)i, &r);
        if (realism_features(&r, synth + (size_t)i * N_FEATURES) != 0) {
#pragma omp atomic
            failed++;
            for (int k = 0; k < N_FEATURES; k++) synth[(size_t)i * N_FEATURES + k] = NAN;
        }
        record_free(&r);
    }
    float *col = xmalloc(sizeof(float) * (size_t)(n_synth > n_real ? n_synth : n_real));
    for (int k = 0; k < N_FEATURES; k++) {
        FeatureSummary *s = &rep->f[k];
        int m = 0;
        for (int i = 0; i < n_real; i++)
            if (!isnan(rep->real[i][k])) col[m++] = rep->real[i][k];
        s->n_real = m;
        if (m) {
            qsort(col, (size_t)m, sizeof(float), cmp_float);
            s->real_min = col[0];
            s->real_max = col[m - 1];
            s->real_median = m & 1 ? col[m / 2] : 0.5f * (col[m / 2 - 1] + col[m / 2]);
        }
        int q = 0, inside = 0;
        for (int i = 0; i < n_synth; i++) {
            float v = synth[(size_t)i * N_FEATURES + k];
            if (isnan(v)) continue;
            col[q++] = v;
            inside += m && v >= s->real_min && v <= s->real_max;
        }
        s->n_synth = q;
        if (q) {
            qsort(col, (size_t)q, sizeof(float), cmp_float);
            s->synth_p5 = sorted_quantile(col, q, 0.05f);
            s->synth_median = sorted_quantile(col, q, 0.5f);
            s->synth_p95 = sorted_quantile(col, q, 0.95f);
            s->synth_inside = (float)inside / (float)q;
        }
    }
    free(col);
    free(synth);
    if (failed > n_synth / 10) return scar_fail("%d of %d synthetic normals could not be delineated", failed, n_synth);
    return 0;
}

static int median_inside(const FeatureSummary *s) {
    return s->n_real > 0 && s->n_synth > 0 && s->synth_median >= s->real_min && s->synth_median <= s->real_max;
}

int realism_write_markdown(const RealismReport *rep, FILE *f) {
    fprintf(f, "Synthetic normals (%d records) against real normal ECGs (%d records:", rep->n_synth, rep->n_real);
    for (int i = 0; i < rep->n_real; i++) fprintf(f, "%s %s", i ? "," : "", rep->real_name[i]);
    fprintf(f, ").\nBoth measured by the same delineator and spectrum.\n\n");
    fprintf(f, "| feature | real min | real median | real max | synth 5%% | synth median | synth 95%% | "
               "synth inside real range | median inside |\n");
    fprintf(f, "|---|---:|---:|---:|---:|---:|---:|---:|:---:|\n");
    int inside = 0, counted = 0;
    for (int k = 0; k < N_FEATURES; k++) {
        const FeatureSummary *s = &rep->f[k];
        int big = k >= FEAT_QRS && k <= FEAT_HR;
        const char *fmt = big ? "%.0f" : k >= FEAT_BAND_LOW && k <= FEAT_BAND_HIGH ? "%.3f" : "%.2f";
        char v[6][32];
        float x[6] = {s->real_min, s->real_median, s->real_max, s->synth_p5, s->synth_median, s->synth_p95};
        for (int j = 0; j < 6; j++) snprintf(v[j], 32, fmt, (double)x[j]);
        int in = median_inside(s);
        if (s->n_real && s->n_synth) {
            counted++;
            inside += in;
        }
        char name[40];
        realism_feature_name(k, name, sizeof name);
        fprintf(f, "| %s | %s | %s | %s | %s | %s | %s | %.0f%% | %s |\n", name, v[0], v[1], v[2],
                v[3], v[4], v[5], 100.0 * s->synth_inside, in ? "yes" : "**no**");
    }
    fprintf(f, "\n%d of %d features have the synthetic median inside the real records' range.\n", inside, counted);
    return inside;
}

/* ---- figure ---- */

static double map(double v, double lo, double hi, double a, double b) { return a + (v - lo) / (hi - lo) * (b - a); }

int realism_write_svg(const RealismReport *rep, const char *path) {
    FILE *f = fopen(path, "wb");
    if (!f) return scar_fail("%s: cannot create", path);
    const int W = 900, H = 620, left = 70, right = 20, panel_h = 240;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            W, H);
    fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"14\">Synthetic normals (bars: 5-95%%, tick: median; n=%d) "
               "vs real normals (dots; n=%d)</text>\n",
            left, rep->n_synth, rep->n_real);
    for (int p = 0; p < 2; p++) {
        int base = p == 0 ? FEAT_R0 : FEAT_T0;
        double lo = p == 0 ? 0 : -0.6, hi = p == 0 ? 2.5 : 0.8;
        int top = 40 + p * (panel_h + 50), bottom = top + panel_h;
        fprintf(f, "<text x=\"10\" y=\"%d\">%s</text>\n", top - 6, p == 0 ? "R amplitude (mV)" : "T amplitude (mV)");
        for (double g = lo; g <= hi + 1e-9; g += p == 0 ? 0.5 : 0.2) {
            double y = map(g, lo, hi, bottom, top);
            fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, W - right, y, y);
            fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n", left - 6, y + 4, g);
        }
        double step = (double)(W - left - right) / N_LEADS;
        for (int l = 0; l < N_LEADS; l++) {
            const FeatureSummary *s = &rep->f[base + l];
            double x = left + step * (l + 0.5);
            double y5 = map(s->synth_p5, lo, hi, bottom, top), y95 = map(s->synth_p95, lo, hi, bottom, top);
            double ym = map(s->synth_median, lo, hi, bottom, top);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"%.1f\" fill=\"#9ecae1\"/>", x - 7, y95,
                    y5 - y95 > 1 ? y5 - y95 : 1);
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#08519c\" stroke-width=\"2\"/>",
                    x - 9, x + 9, ym, ym);
            for (int i = 0; i < rep->n_real; i++) {
                float v = rep->real[i][base + l];
                if (isnan(v)) continue;
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#d62728\"/>", x + 14 + 3 * (i % 4),
                        map(v, lo, hi, bottom, top));
            }
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, bottom + 16, LEAD_NAMES[l]);
        }
    }
    fprintf(f, "</svg>\n");
    return fclose(f) == 0 ? 0 : scar_fail("%s: write error", path);
}
