#include "data/synth/heart.h"

#include <math.h>
#include <string.h>

#define D_I {0.632f, -0.235f, 0.059f}
#define D_II {0.235f, 1.066f, -0.132f}
/* Derived rows as arithmetic on the Dower rows of I and II. */
#define ROW_III {0.235f - 0.632f, 1.066f + 0.235f, -0.132f - 0.059f}
#define ROW_AVR {-(0.632f + 0.235f) / 2, -(-0.235f + 1.066f) / 2, -(0.059f - 0.132f) / 2}
#define ROW_AVL {0.632f - 0.235f / 2, -0.235f - 1.066f / 2, 0.059f + 0.132f / 2}
#define ROW_AVF {0.235f - 0.632f / 2, 1.066f + 0.235f / 2, -0.132f - 0.059f / 2}

const float HEART_LEAD_VECTORS[N_LEADS][3] = {
    D_I, D_II, ROW_III, ROW_AVR, ROW_AVL, ROW_AVF,
    {-0.515f, 0.157f, -0.917f}, /* V1 */
    {0.044f, 0.164f, -1.387f},  /* V2 */
    {0.882f, 0.098f, -1.277f},  /* V3 */
    {1.213f, 0.127f, -0.601f},  /* V4 */
    {1.125f, 0.127f, -0.086f},  /* V5 */
    {0.831f, 0.076f, 0.230f},   /* V6 */
};

/* The independent leads, projected from the dipole; the others are derived. */
static const int PROJECTED[8] = {LEAD_I, LEAD_II, LEAD_V1, LEAD_V2, LEAD_V3, LEAD_V4, LEAD_V5, LEAD_V6};

void wave_set(Wave *w, float ax, float ay, float az, float centre, float width) {
    w->amp[0] = ax;
    w->amp[1] = ay;
    w->amp[2] = az;
    for (int k = 0; k < 3; k++) {
        w->centre[k] = centre;
        w->width[k] = width;
    }
    w->copies = 1;
    w->spacing = 0;
}

void wave_plateau(Wave *w, float ax, float ay, float az, float start, float end, float edge) {
    wave_set(w, ax, ay, az, start, edge);
    /* Gaussians at most 1.2 sigma apart sum to a top flat within about 1%. */
    int gaps = (int)ceilf((end - start) / (1.2f * edge));
    if (gaps < 1) gaps = 1;
    w->copies = gaps + 1;
    w->spacing = (end - start) / (float)gaps;
}

void wave_scale(Wave *w, float k) {
    for (int a = 0; a < 3; a++) w->amp[a] *= k;
}

int wave_is_zero(const Wave *w) { return w->amp[0] == 0 && w->amp[1] == 0 && w->amp[2] == 0; }

static int is_repol(int w) { return w >= FIRST_REPOL_WAVE && w <= LAST_REPOL_WAVE; }

/* Repolarisation timing: the JT interval (from the beat's anchor) scales with the cube root of the
 * preceding RR, as Fridericia's correction has it. */
static float repol_stretch(float rr) { return cbrtf(rr > 0.2f ? rr : 0.2f); }

/* The Gaussians of one axis of a wave at a given repolarisation stretch s: `n` copies from
 * centre c0, `step` apart, each of width sd and amplitude amp * copy_weight(c). A plateau's first
 * half is flat and its second half tapers linearly, so that the injury current hands over to the
 * T wave gently instead of dropping off an edge; amp is scaled so that the top of the sum is the
 * wave's amplitude. */
typedef struct {
    int n;
    float c0, step, sd, amp;
} Train;

static float copy_weight(int c, int n) {
    int flat = (n + 1) / 2;
    return c < flat ? 1.0f : (float)(n - c) / (float)(n - flat + 1);
}

static Train wave_train(const Wave *w, int a, int repol, float s, float anchor) {
    float k = repol ? s : 1.0f;
    Train t;
    t.n = w->copies > 1 ? w->copies : 1;
    t.c0 = repol ? anchor + (w->centre[a] - anchor) * s : w->centre[a];
    t.step = w->spacing * k;
    t.sd = w->width[a] * k;
    t.amp = w->amp[a];
    if (t.n > 1) {
        float top = 0;
        for (int at = 0; at < t.n; at++) {
            float sum = 0;
            for (int c = 0; c < t.n; c++) {
                float z = (float)(at - c) * w->spacing / w->width[a];
                sum += copy_weight(c, t.n) * expf(-0.5f * z * z);
            }
            if (sum > top) top = sum;
        }
        t.amp /= top;
    }
    return t;
}

void wave_extent(const BeatShape *b, int wi, float rr, float *t0, float *t1) {
    const Wave *w = &b->wave[wi];
    int repol = is_repol(wi);
    float s = repol ? repol_stretch(rr) : 1.0f;
    float lo = INFINITY, hi = -INFINITY;
    for (int a = 0; a < 3; a++) {
        if (w->amp[a] == 0) continue;
        Train t = wave_train(w, a, repol, s, b->repol_anchor);
        float first = t.c0, last = t.c0 + (float)(t.n - 1) * t.step;
        if (first - 2.5f * t.sd < lo) lo = first - 2.5f * t.sd;
        if (last + 2.5f * t.sd > hi) hi = last + 2.5f * t.sd;
    }
    *t0 = lo;
    *t1 = hi;
}

void beat_markers(const BeatShape *b, float rr, BeatMarkers *m) {
    float lo, hi;
    m->p_on = NAN;
    m->qrs_on = INFINITY;
    m->qrs_end = -INFINITY;
    m->t_end = -INFINITY;
    for (int w = 0; w < N_WAVES; w++) {
        if (wave_is_zero(&b->wave[w])) continue;
        wave_extent(b, w, rr, &lo, &hi);
        if (w <= LAST_P_WAVE) {
            if (isnan(m->p_on) || lo < m->p_on) m->p_on = lo;
        } else if (w <= LAST_QRS_WAVE) {
            if (lo < m->qrs_on) m->qrs_on = lo;
            if (hi > m->qrs_end) m->qrs_end = hi;
        } else if (w != WAVE_ST && hi > m->t_end) {
            m->t_end = hi;
        }
    }
    if (!isfinite(m->qrs_on)) m->qrs_on = m->qrs_end = 0;
    if (!isfinite(m->t_end)) m->t_end = m->qrs_end;
}

void beat_anchor_repolarisation(BeatShape *b) {
    float hi = 0, lo, end;
    for (int w = FIRST_QRS_WAVE; w <= LAST_QRS_WAVE; w++) {
        if (wave_is_zero(&b->wave[w])) continue;
        wave_extent(b, w, 1.0f, &lo, &end);
        if (end > hi) hi = end;
    }
    b->repol_anchor = hi;
}

void beat_dipole_at(const BeatShape *b, int w0, int w1, float rr, float t, float d[3]) {
    float s = repol_stretch(rr);
    d[0] = d[1] = d[2] = 0;
    for (int w = w0; w <= w1; w++) {
        const Wave *wv = &b->wave[w];
        for (int a = 0; a < 3; a++) {
            if (wv->amp[a] == 0) continue;
            Train tr = wave_train(wv, a, is_repol(w), s, b->repol_anchor);
            for (int c = 0; c < tr.n; c++) {
                float z = (t - tr.c0 - (float)c * tr.step) / tr.sd;
                d[a] += tr.amp * copy_weight(c, tr.n) * expf(-0.5f * z * z);
            }
        }
    }
}

void beat_render(const BeatShape *b, int w0, int w1, double t_onset, float rr, float dep_gain, float rep_gain,
                 float rate_hz, float sigma_aa, int n, float *const dip[3]) {
    float s = repol_stretch(rr);
    double dt = 1.0 / rate_hz;
    for (int w = w0; w <= w1; w++) {
        const Wave *wv = &b->wave[w];
        int repol = is_repol(w);
        float gain = repol ? rep_gain : dep_gain;
        for (int a = 0; a < 3; a++) {
            if (wv->amp[a] == 0) continue;
            Train tr = wave_train(wv, a, repol, s, b->repol_anchor);
            float sd = sqrtf(tr.sd * tr.sd + sigma_aa * sigma_aa);
            float amp = tr.amp * gain * (tr.sd / sd); /* equal area: the filter keeps the wave's integral */
            float inv = 1.0f / sd;
            float *out = dip[a];
            for (int cp = 0; cp < tr.n; cp++) {
                double c = t_onset + (double)(tr.c0 + (float)cp * tr.step);
                float a_cp = amp * copy_weight(cp, tr.n);
                int i0 = (int)ceil((c - 4.0 * sd) * rate_hz), i1 = (int)floor((c + 4.0 * sd) * rate_hz);
                if (i0 < 0) i0 = 0;
                if (i1 > n - 1) i1 = n - 1;
                for (int i = i0; i <= i1; i++) {
                    float z = (float)(i * dt - c) * inv;
                    out[i] += a_cp * expf(-0.5f * z * z);
                }
            }
        }
    }
}

void heart_project(const float *const dip[3], int n, float *signal) {
    for (int j = 0; j < 8; j++) {
        int l = PROJECTED[j];
        const float *v = HEART_LEAD_VECTORS[l];
        float *row = signal + (size_t)l * n;
        for (int i = 0; i < n; i++) row[i] = v[0] * dip[0][i] + v[1] * dip[1][i] + v[2] * dip[2][i];
    }
}

void heart_derive_limb_leads(float *signal, int n) {
    const float *I = signal + (size_t)LEAD_I * n, *II = signal + (size_t)LEAD_II * n;
    float *III = signal + (size_t)LEAD_III * n, *aVR = signal + (size_t)LEAD_AVR * n;
    float *aVL = signal + (size_t)LEAD_AVL * n, *aVF = signal + (size_t)LEAD_AVF * n;
    for (int i = 0; i < n; i++) {
        III[i] = II[i] - I[i];
        aVR[i] = -(I[i] + II[i]) * 0.5f;
        aVL[i] = I[i] - II[i] * 0.5f;
        aVF[i] = II[i] - I[i] * 0.5f;
    }
}

void beat_qrs_extremes(const BeatShape *b, float max_mv[N_LEADS], float min_mv[N_LEADS]) {
    for (int l = 0; l < N_LEADS; l++) max_mv[l] = min_mv[l] = 0;
    for (int ms = -60; ms <= 260; ms++) {
        float d[3];
        beat_dipole_at(b, FIRST_QRS_WAVE, LAST_QRS_WAVE, 1.0f, ms * 1e-3f, d);
        for (int l = 0; l < N_LEADS; l++) {
            const float *v = HEART_LEAD_VECTORS[l];
            float x = v[0] * d[0] + v[1] * d[1] + v[2] * d[2];
            if (x > max_mv[l]) max_mv[l] = x;
            if (x < min_mv[l]) min_mv[l] = x;
        }
    }
}

uint16_t leads_projecting(const float v[3], float threshold, int sign) {
    uint16_t m = 0;
    for (int l = 0; l < N_LEADS; l++) {
        const float *a = HEART_LEAD_VECTORS[l];
        float x = (float)sign * (a[0] * v[0] + a[1] * v[1] + a[2] * v[2]);
        if (x >= threshold) m |= (uint16_t)(1u << l);
    }
    return m;
}
