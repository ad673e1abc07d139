#include "data/delineate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/resample.h"

/* Fractions of the peak spatial velocity that mark QRS onset and end. */
#define QRS_VELOCITY_FRACTION 0.06f
#define QRS_END_FRACTION 0.10f
/* Fraction of the T wave's spatial peak that marks its end. */
#define T_END_FRACTION 0.15f
/* A P wave is there when its spatial peak reaches this (mV). */
#define P_MIN_MV 0.04f
/* ... and stands out of the beat-to-beat scatter by this factor. */
#define P_SCATTER_RATIO 1.5f
/* Beats whose QRS correlates with the median beat at least this much are dominant. */
#define DOMINANT_CORRELATION 0.85f

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static int n_leads_of(uint16_t mask, int lead[N_LEADS]) {
    int n = 0;
    for (int l = 0; l < N_LEADS; l++)
        if ((mask >> l) & 1u) lead[n++] = l;
    return n;
}

/* Centred moving average of width w (odd) by prefix sums, edges averaged over what exists. */
static void moving_average(const float *x, int n, int w, float *out) {
    double *ps = xmalloc(sizeof(double) * (size_t)(n + 1));
    ps[0] = 0;
    for (int i = 0; i < n; i++) ps[i + 1] = ps[i] + x[i];
    int h = w / 2;
    for (int i = 0; i < n; i++) {
        int lo = i - h < 0 ? 0 : i - h, hi = i + h >= n ? n - 1 : i + h;
        out[i] = (float)((ps[hi + 1] - ps[lo]) / (hi - lo + 1));
    }
    free(ps);
}

/* QRS detection signal: each lead band-passed (a 40 ms moving average minus a 150 ms one, which
 * keeps roughly 5-20 Hz: QRS slopes, not baseline, T waves or muscle noise), differenced over
 * +-10 ms, absolute values summed over leads and smoothed over 80 ms. */
static float *qrs_energy(const float *x, int n, float rate, const int *lead, int nl) {
    int w1 = (int)lroundf(0.04f * rate) | 1, w2 = (int)lroundf(0.15f * rate) | 1;
    int h = (int)lroundf(0.01f * rate);
    if (h < 1) h = 1;
    float *a = xmalloc(sizeof(float) * (size_t)n), *b = xmalloc(sizeof(float) * (size_t)n);
    float *e = xcalloc((size_t)n, sizeof(float));
    for (int k = 0; k < nl; k++) {
        const float *s = x + (size_t)lead[k] * n;
        moving_average(s, n, w1, a);
        moving_average(s, n, w2, b);
        for (int i = 0; i < n; i++) a[i] -= b[i];
        for (int i = h; i + h < n; i++) e[i] += fabsf(a[i + h] - a[i - h]);
    }
    moving_average(e, n, (int)lroundf(0.08f * rate) | 1, a);
    free(b);
    free(e);
    return a;
}

/* Local maxima of e above thr, at least `refractory` samples apart (the higher one wins). */
static int pick_peaks(const float *e, int n, float thr, int refractory, int *out, int cap) {
    int count = 0, last = -refractory - 1;
    for (int i = 1; i + 1 < n; i++) {
        if (e[i] < thr || e[i] <= e[i - 1] || e[i] < e[i + 1]) continue;
        if (count > 0 && i - last <= refractory) {
            if (e[i] > e[last]) {
                last = i;
                if (count <= cap) out[count - 1] = i;
            }
            continue;
        }
        if (count < cap) out[count] = i;
        count++;
        last = i;
    }
    return count;
}

/* III, aVR, aVL and aVF repeat what I and II hold (and their noise, six times over between them);
 * when I, II and a chest lead are there, detect on the independent leads only. */
static uint16_t independent_leads(uint16_t mask) {
    const uint16_t limb = (uint16_t)(1u << LEAD_I | 1u << LEAD_II);
    const uint16_t chest = (uint16_t)(0x3fu << LEAD_V1);
    if ((mask & limb) == limb && (mask & chest)) return (uint16_t)(mask & (limb | chest));
    return mask;
}

int ecg_detect_qrs(const float *signal, int n, float rate, uint16_t lead_mask, int *out, int cap) {
    int lead[N_LEADS], nl = n_leads_of(independent_leads(lead_mask), lead);
    if (nl == 0 || n < 3 || cap < 1) return 0;
    float *e = qrs_energy(signal, n, rate, lead, nl);
    float *sorted = xmalloc(sizeof(float) * (size_t)n);
    memcpy(sorted, e, sizeof(float) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(float), cmp_float);
    float thr = 0.3f * sorted[(size_t)(0.98 * (n - 1))];
    if (!(thr > 0)) { /* a flat record */
        free(sorted);
        free(e);
        return 0;
    }
    int refractory = (int)lroundf(0.22f * rate);
    int count = pick_peaks(e, n, thr, refractory, out, cap);
    /* Second pass: the threshold from the complexes themselves (30% of their median height). */
    if (count >= 3) {
        int m = count < cap ? count : cap;
        for (int i = 0; i < m; i++) sorted[i] = e[out[i]];
        qsort(sorted, (size_t)m, sizeof(float), cmp_float);
        count = pick_peaks(e, n, 0.3f * sorted[m / 2], refractory, out, cap);
    }
    /* A peak soon after a complex and much weaker than it is that complex's T wave; one shortly
     * before a much stronger complex is its P wave. */
    int kept = 0, shown = count < cap ? count : cap;
    int t_window = (int)lroundf(0.36f * rate), p_window = (int)lroundf(0.32f * rate);
    for (int i = 0; i < shown; i++) {
        if (kept > 0 && out[i] - out[kept - 1] < t_window && e[out[i]] < 0.5f * e[out[kept - 1]]) continue;
        if (i + 1 < shown && out[i + 1] - out[i] < p_window && e[out[i]] < 0.4f * e[out[i + 1]]) continue;
        out[kept++] = out[i];
    }
    count = kept + (count - shown);
    /* Fiducial: the energy centroid of the complex, stable against noise on the peak. */
    int half = (int)lroundf(0.05f * rate);
    for (int i = 0; i < count && i < cap; i++) {
        double w = 0, wt = 0;
        for (int j = out[i] - half; j <= out[i] + half; j++)
            if (j >= 0 && j < n) {
                w += e[j];
                wt += (double)e[j] * j;
            }
        if (w > 0) out[i] = (int)lround(wt / w);
    }
    free(sorted);
    free(e);
    return count;
}

/* Value of row s at fractional index t (linear interpolation, clamped). */
static float at(const float *s, int n, float t) {
    if (t <= 0) return s[0];
    if (t >= n - 1) return s[n - 1];
    int i = (int)t;
    float f = t - i;
    return s[i] * (1 - f) + s[i + 1] * f;
}

/* Subtract from every lead a baseline interpolated linearly between knots, one per beat, each the
 * mean of the signal over [fid + offset - span, fid + offset]. */
static void remove_baseline(const float *x, float *y, int n, float rate, const int *lead, int nl, const int *fid,
                            int nb, float offset_s, float span_s) {
    int span = (int)lroundf(span_s * rate);
    if (span < 1) span = 1;
    float *kt = xmalloc(sizeof(float) * (size_t)nb), *kv = xmalloc(sizeof(float) * (size_t)nb);
    for (int k = 0; k < nl; k++) {
        const float *s = x + (size_t)lead[k] * n;
        float *d = y + (size_t)lead[k] * n;
        int nk = 0;
        for (int b = 0; b < nb; b++) {
            int hi = fid[b] + (int)lroundf(offset_s * rate), lo = hi - span;
            if (lo < 0 || hi >= n) continue;
            double acc = 0;
            for (int i = lo; i <= hi; i++) acc += s[i];
            kt[nk] = 0.5f * (lo + hi);
            kv[nk] = (float)(acc / (hi - lo + 1));
            nk++;
        }
        if (nk == 0) {
            memcpy(d, s, sizeof(float) * (size_t)n);
            continue;
        }
        int j = 0;
        for (int i = 0; i < n; i++) {
            while (j + 1 < nk && kt[j + 1] <= i) j++;
            float base;
            if (i <= kt[0]) base = kv[0];
            else if (j + 1 >= nk) base = kv[nk - 1];
            else base = kv[j] + (kv[j + 1] - kv[j]) * (i - kt[j]) / (kt[j + 1] - kt[j]);
            d[i] = s[i] - base;
        }
    }
    free(kt);
    free(kv);
}

/* Per-sample median over the chosen beats: M[k][j] for lead k, j in [0, W), beat window starting
 * at fid - pre. */
static void median_beat(const float *y, int n, const int *lead, int nl, const int *fid, const int *use, int nb,
                        int pre, int W, float *M) {
    float *col = xmalloc(sizeof(float) * (size_t)(nb > 0 ? nb : 1));
    for (int k = 0; k < nl; k++) {
        const float *s = y + (size_t)lead[k] * n;
        for (int j = 0; j < W; j++) {
            int c = 0;
            for (int b = 0; b < nb; b++) {
                if (!use[b]) continue;
                int i = fid[b] - pre + j;
                if (i >= 0 && i < n) col[c++] = s[i];
            }
            if (c == 0) {
                M[(size_t)k * W + j] = 0;
                continue;
            }
            qsort(col, (size_t)c, sizeof(float), cmp_float);
            M[(size_t)k * W + j] = c & 1 ? col[c / 2] : 0.5f * (col[c / 2 - 1] + col[c / 2]);
        }
    }
    free(col);
}

/* Spatial velocity of the median beat (leads smoothed over ~16 ms), mV/s. */
static void spatial_velocity(const float *M, int nl, int W, float rate, float *v) {
    int w = (int)lroundf(0.016f * rate) | 1;
    float *sm = xmalloc(sizeof(float) * (size_t)W);
    memset(v, 0, sizeof(float) * (size_t)W);
    for (int k = 0; k < nl; k++) {
        const float *m = M + (size_t)k * W;
        for (int j = 0; j < W; j++) {
            double acc = 0;
            int c = 0;
            for (int d = -w / 2; d <= w / 2; d++)
                if (j + d >= 0 && j + d < W) {
                    acc += m[j + d];
                    c++;
                }
            sm[j] = (float)(acc / c);
        }
        for (int j = 1; j + 1 < W; j++) {
            float d = (sm[j + 1] - sm[j - 1]) * 0.5f * rate;
            v[j] += d * d;
        }
    }
    for (int j = 0; j < W; j++) v[j] = sqrtf(v[j]);
    free(sm);
}

/* From index p in direction dir, the first place where f falls to thr or below without climbing
 * back above 1.8 thr within `hold` samples (a dip inside the complex, such as the apex of an
 * R' wave, is not its end; the slower repolarisation that follows is); the fractional index of
 * the crossing. Stops after `limit` samples. */
static float crossing(const float *f, int W, int p, int dir, float thr, int limit, int hold) {
    int j = p;
    for (;;) {
        int k = j + dir;
        if (k < 0 || k >= W || abs(k - p) > limit) return (float)j;
        if (f[k] <= thr) {
            int resumes = 0;
            for (int h = 1; h < hold && !resumes; h++) {
                int q = k + dir * h;
                if (q >= 0 && q < W && f[q] > 1.8f * thr) resumes = 1;
            }
            if (!resumes) return f[j] == f[k] ? (float)j : j + dir * (f[j] - thr) / (f[j] - f[k]);
        }
        j = k;
    }
}

static float correlation(const float *a, const float *b, int n) {
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (int i = 0; i < n; i++) {
        sa += a[i];
        sb += b[i];
        saa += (double)a[i] * a[i];
        sbb += (double)b[i] * b[i];
        sab += (double)a[i] * b[i];
    }
    double cov = sab - sa * sb / n, va = saa - sa * sa / n, vb = sbb - sb * sb / n;
    return va > 0 && vb > 0 ? (float)(cov / sqrt(va * vb)) : 0.0f;
}

static int delineate_at_rate(const float *signal, int n, float rate, uint16_t lead_mask, EcgMeasurements *m) {
    memset(m, 0, sizeof *m);
    m->pr_ms = m->qrs_ms = m->qt_ms = m->qtc_ms = m->axis_deg = NAN;
    int lead[N_LEADS], nl = n_leads_of(lead_mask, lead);
    if (nl == 0) return scar_fail("delineate: no leads");
    int cap = (int)(n / (0.2f * rate)) + 4;
    int *fid = xmalloc(sizeof(int) * (size_t)cap);
    int nb = ecg_detect_qrs(signal, n, rate, lead_mask, fid, cap);
    if (nb > cap) nb = cap;
    m->n_beats = nb;
    if (nb < 3) {
        free(fid);
        return scar_fail("delineate: %d QRS complexes found, need 3", nb);
    }

    /* Rate and irregularity from all beats. */
    double sum = 0, ssd = 0;
    for (int b = 1; b < nb; b++) sum += fid[b] - fid[b - 1];
    for (int b = 2; b < nb; b++) {
        double d = (fid[b] - fid[b - 1]) - (fid[b - 1] - fid[b - 2]);
        ssd += d * d;
    }
    double rr = sum / (nb - 1) / rate;
    m->rr_mean_s = (float)rr;
    m->hr_bpm = (float)(60.0 / rr);
    m->rr_irregularity = nb >= 3 ? (float)(sqrt(ssd / (nb - 2)) / rate / rr) : 0.0f;

    /* The representative beat. */
    int pre = (int)lroundf(0.45f * rate), post = (int)lroundf(0.6f * rate), W = pre + post;
    float *y = xcalloc((size_t)N_LEADS * (size_t)n, sizeof(float));
    float *M = xmalloc(sizeof(float) * (size_t)nl * (size_t)W), *v = xmalloc(sizeof(float) * (size_t)W);
    int *use = xmalloc(sizeof(int) * (size_t)nb);
    for (int b = 0; b < nb; b++) use[b] = fid[b] - pre >= 0 && fid[b] + post <= n;
    int usable = 0;
    for (int b = 0; b < nb; b++) usable += use[b];
    if (usable < 2)
        for (int b = 0; b < nb; b++) use[b] = 1;

    /* Pass 1: baseline knots 60 ms before the fiducials; locate the QRS onset. */
    remove_baseline(signal, y, n, rate, lead, nl, fid, nb, -0.06f, 0.02f);
    median_beat(y, n, lead, nl, fid, use, nb, pre, W, M);
    spatial_velocity(M, nl, W, rate, v);
    int lim = (int)lroundf(0.08f * rate);
    int p = pre;
    for (int j = pre - lim; j <= pre + lim; j++)
        if (j >= 0 && j < W && v[j] > v[p]) p = j;
    int hold = (int)lroundf(0.03f * rate);
    if (hold < 1) hold = 1;
    float onset = crossing(v, W, p, -1, QRS_VELOCITY_FRACTION * v[p], (int)lroundf(0.15f * rate), hold);

    /* Pass 2: knots at the PQ junction; dominant beats only. */
    remove_baseline(signal, y, n, rate, lead, nl, fid, nb, (onset - pre) / rate - 0.004f, 0.012f);
    median_beat(y, n, lead, nl, fid, use, nb, pre, W, M);
    {
        int half = (int)lroundf(0.1f * rate), len = 2 * half + 1;
        float *a = xmalloc(sizeof(float) * (size_t)(nl * len)), *bm = xmalloc(sizeof(float) * (size_t)(nl * len));
        int dominant = 0;
        for (int k = 0; k < nl; k++)
            for (int j = 0; j < len; j++) bm[k * len + j] = M[(size_t)k * W + pre - half + j];
        for (int b = 0; b < nb; b++) {
            if (!use[b]) continue;
            if (fid[b] - half < 0 || fid[b] + half >= n) {
                use[b] = 0;
                continue;
            }
            for (int k = 0; k < nl; k++)
                for (int j = 0; j < len; j++) a[k * len + j] = y[(size_t)lead[k] * n + fid[b] - half + j];
            use[b] = correlation(a, bm, nl * len) >= DOMINANT_CORRELATION;
            dominant += use[b];
            m->n_other += !use[b];
        }
        free(a);
        free(bm);
        m->n_dominant = dominant;
        if (dominant >= 1) median_beat(y, n, lead, nl, fid, use, nb, pre, W, M);
    }

    spatial_velocity(M, nl, W, rate, v);
    p = pre;
    for (int j = pre - lim; j <= pre + lim; j++)
        if (j >= 0 && j < W && v[j] > v[p]) p = j;
    float thr = QRS_VELOCITY_FRACTION * v[p];
    onset = crossing(v, W, p, -1, thr, (int)lroundf(0.15f * rate), hold);
    /* A higher fraction for the end: repolarisation (a rising, elevated ST segment above all)
     * already moves the dipole while the terminal QRS fades. */
    float thr_end = QRS_END_FRACTION * v[p];
    float offset = crossing(v, W, p, +1, thr_end, (int)lroundf(0.2f * rate), hold);
    m->qrs_ms = (offset - onset) / rate * 1000.0f;

    /* Amplitudes relative to the PQ junction. */
    float base[N_LEADS] = {0};
    int i_on = (int)ceilf(onset), i_off = (int)floorf(offset);
    int span = (int)lroundf(0.012f * rate);
    float area_i = 0, area_avf = 0;
    int k_i = -1, k_avf = -1, k_v1 = -1, k_v5 = -1, k_v6 = -1;
    for (int k = 0; k < nl; k++) {
        const float *mk = M + (size_t)k * W;
        double acc = 0;
        int c = 0;
        for (int j = (int)floorf(onset) - span; j <= (int)floorf(onset); j++)
            if (j >= 0) {
                acc += mk[j];
                c++;
            }
        base[k] = c ? (float)(acc / c) : 0;
        float r = 0, s = 0;
        int r_at = i_on;
        for (int j = i_on; j <= i_off; j++) {
            float d = mk[j] - base[k];
            if (d > r) {
                r = d;
                r_at = j;
            }
            if (-d > s) s = -d;
        }
        float q = 0;
        for (int j = i_on; j < r_at; j++)
            if (base[k] - mk[j] > q) q = base[k] - mk[j];
        int l = lead[k];
        m->r_mv[l] = r;
        m->s_mv[l] = s;
        m->q_mv[l] = q;
        float area = 0;
        for (int j = i_on; j <= i_off; j++) area += mk[j] - base[k];
        if (l == LEAD_I) k_i = k, area_i = area;
        if (l == LEAD_AVF) k_avf = k, area_avf = area;
        if (l == LEAD_V1) k_v1 = k;
        if (l == LEAD_V5) k_v5 = k;
        if (l == LEAD_V6) k_v6 = k;
        float st_at = offset + (rr < 0.6 ? 0.04f : 0.06f) * rate;
        m->st_mv[l] = at(mk, W, st_at) - base[k];
    }
    if (k_i >= 0 && k_avf >= 0) m->axis_deg = atan2f(area_avf, area_i) * (180.0f / 3.14159265f);
    if (k_v1 >= 0 && (k_v5 >= 0 || k_v6 >= 0))
        m->sokolow_mv = m->s_mv[LEAD_V1] + fmaxf(k_v5 >= 0 ? m->r_mv[LEAD_V5] : 0, k_v6 >= 0 ? m->r_mv[LEAD_V6] : 0);

    /* T wave: from J + 60 ms to before the next beat. */
    int t0 = (int)ceilf(offset + 0.06f * rate);
    int t1 = pre + (int)lroundf(0.8f * (float)rr * rate);
    if (t1 > W - 1) t1 = W - 1;
    float *g = xmalloc(sizeof(float) * (size_t)W);
    for (int j = 0; j < W; j++) {
        double acc = 0;
        for (int k = 0; k < nl; k++) {
            double d = M[(size_t)k * W + j] - base[k];
            acc += d * d;
        }
        g[j] = (float)sqrt(acc);
    }
    float t_end = NAN;
    if (t1 > t0) {
        for (int k = 0; k < nl; k++) {
            const float *mk = M + (size_t)k * W;
            float best = 0;
            for (int j = t0; j <= t1; j++)
                if (fabsf(mk[j] - base[k]) > fabsf(best)) best = mk[j] - base[k];
            m->t_mv[lead[k]] = best;
        }
        int tp = t0;
        for (int j = t0; j <= t1; j++)
            if (g[j] > g[tp]) tp = j;
        /* Thresholds from the floor after the peak, not from zero: real TP segments sit a little
         * off the PQ junction. */
        float floor_after = g[tp];
        for (int j = tp; j <= t1; j++)
            if (g[j] < floor_after) floor_after = g[j];
        t_end = crossing(g, W, tp, +1, floor_after + T_END_FRACTION * (g[tp] - floor_after), t1 - tp, 1);
        m->qt_ms = (t_end - onset) / rate * 1000.0f;
        m->qtc_ms = m->qt_ms / sqrtf((float)rr);
    }

    /* P wave: between the previous beat's T end and the QRS onset. */
    int p1 = (int)floorf(onset - 0.02f * rate);
    int p0 = pre - (int)lroundf(0.45f * rate);
    if (!isnan(t_end)) {
        int prev_t_end = (int)ceilf(t_end - (float)rr * rate) + (int)lroundf(0.02f * rate);
        if (prev_t_end > p0) p0 = prev_t_end;
    }
    if (p0 < 0) p0 = 0;
    if (p1 - p0 >= 3) {
        int pp = p0;
        for (int j = p0; j <= p1; j++)
            if (g[j] > g[pp]) pp = j;
        float peak = g[pp];
        /* A wave, not a ramp: it falls to half its peak before the window starts. */
        float floor_before = peak;
        for (int j = p0; j < pp; j++)
            if (g[j] < floor_before) floor_before = g[j];
        int falls = floor_before < 0.5f * peak;
        /* A P wave repeats beat after beat: its height must stand out of the beats' scatter
         * around the median (fibrillatory waves do not lock to the QRS and fail here). */
        double scatter = 0;
        int count = 0;
        for (int b = 0; b < nb; b++) {
            if (!use[b] || fid[b] - pre + p0 < 0 || fid[b] - pre + p1 >= n) continue;
            for (int j = p0; j <= p1; j++) {
                double acc = 0;
                for (int k = 0; k < nl; k++) {
                    double d = y[(size_t)lead[k] * n + fid[b] - pre + j] - M[(size_t)k * W + j];
                    acc += d * d;
                }
                scatter += sqrt(acc);
                count++;
            }
        }
        if (count) scatter /= count;
        if (peak - floor_before >= P_MIN_MV && peak - floor_before >= P_SCATTER_RATIO * scatter && falls && pp < p1) {
            m->has_p = 1;
            m->p_mv = peak;
            float p_on = crossing(g, W, pp, -1, floor_before + 0.2f * (peak - floor_before), pp - p0, 1);
            m->pr_ms = (onset - p_on) / rate * 1000.0f;
        }
    }
    free(g);
    free(y);
    free(M);
    free(v);
    free(use);
    free(fid);
    return 0;
}

/* Below this rate the measurements are taken on the signal upsampled (band-limited) to
 * DELINEATE_RATE: a 100 Hz QRS is only ten samples long. */
#define DELINEATE_MIN_RATE 400.0f
#define DELINEATE_RATE 500.0f

int ecg_delineate(const float *signal, int n, float rate, uint16_t lead_mask, EcgMeasurements *m) {
    if (rate >= DELINEATE_MIN_RATE) return delineate_at_rate(signal, n, rate, lead_mask, m);
    Resampler *rs = resampler_new(rate, DELINEATE_RATE);
    if (!rs) {
        scar_clear_error();
        return delineate_at_rate(signal, n, rate, lead_mask, m);
    }
    int n_up = resampler_out_len(rs, n);
    float *up = xcalloc((size_t)N_LEADS * (size_t)n_up, sizeof(float));
    for (int l = 0; l < N_LEADS; l++)
        if ((lead_mask >> l) & 1u)
            resampler_run(rs, signal + (size_t)l * n, n, up + (size_t)l * n_up, n_up);
    resampler_free(rs);
    int rc = delineate_at_rate(up, n_up, DELINEATE_RATE, lead_mask, m);
    free(up);
    return rc;
}
