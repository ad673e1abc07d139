#include "data/synth/rhythm.h"

#include <math.h>
#include <stdlib.h>

#include "core/error.h"

#define TWO_PI 6.28318530717959

/* The earliest beat: early enough that the T wave of the beat before the record is inside. */
#define LEAD_IN_S 1.6

void rhythm_plan(const RhythmParams *p, float duration_s, Rng *r, BeatList *out) {
    double rr0 = 60.0 / p->mean_hr;
    int cap = (int)((duration_s + LEAD_IN_S + 2.0) / 0.25) + 8;
    Beat *beat = xmalloc(sizeof(Beat) * (size_t)cap);
    int n = 0;
    double t = -LEAD_IN_S + rng_uniform_f64(r) * rr0;
    double prev = t - rr0;
    while (t < duration_s + 0.6 && n < cap) {
        beat[n].t = t;
        beat[n].rr_prev = (float)(t - prev);
        beat[n].gain = 1.0f + 0.04f * (float)sin(TWO_PI * p->resp_hz * t + p->resp_phase);
        beat[n].kind = BEAT_CONDUCTED;
        n++;
        double rr;
        if (p->atrial_fibrillation) {
            rr = rr0 * exp(p->af_irregularity * rng_normal(r) - 0.5 * p->af_irregularity * p->af_irregularity);
            if (rr < 0.30) rr = 0.30 + 0.05 * rng_uniform_f64(r);
            if (rr > 2.0) rr = 2.0;
        } else {
            rr = rr0 * (1.0 + p->rsa * sin(TWO_PI * p->resp_hz * t + p->resp_phase) +
                        p->lf * sin(TWO_PI * 0.1 * t + p->lf_phase) + 0.006 * rng_normal(r));
        }
        prev = t;
        t += rr;
    }

    /* Premature ventricular beats: beat k is replaced by an ectopic beat at a coupling interval
     * after beat k-1. Candidates keep both neighbours conducted and the whole ectopic QRS inside. */
    int want = p->n_ectopic;
    for (int tries = 0; want > 0 && tries < 200; tries++) {
        int k = 1 + (int)rng_below(r, (uint32_t)(n - 2));
        if (beat[k].kind != BEAT_CONDUCTED || beat[k - 1].kind != BEAT_CONDUCTED || beat[k + 1].kind != BEAT_CONDUCTED)
            continue;
        if (k >= 2 && beat[k - 2].kind != BEAT_CONDUCTED) continue;
        double coupling = (0.50 + 0.18 * rng_uniform_f64(r)) * (beat[k].t - beat[k - 1].t);
        if (coupling < 0.28) coupling = 0.28;
        double te = beat[k - 1].t + coupling;
        if (te < 0.1 || te > duration_s - 0.3) continue;
        if (p->atrial_fibrillation) {
            beat[k].t = te;
            beat[k].rr_prev = (float)coupling;
            beat[k].kind = BEAT_ECTOPIC;
            beat[k + 1].rr_prev = (float)(beat[k + 1].t - te);
        } else {
            /* Keep the sinus beat as a P wave only and insert the ectopic beat before it. */
            if (n + 1 > cap) break;
            for (int j = n; j > k; j--) beat[j] = beat[j - 1];
            n++;
            beat[k].t = te;
            beat[k].rr_prev = (float)coupling;
            beat[k].gain = 1.0f;
            beat[k].kind = BEAT_ECTOPIC;
            beat[k + 1].kind = BEAT_P_ONLY;
            beat[k + 2].rr_prev = (float)(beat[k + 2].t - te);
        }
        want--;
    }
    out->beat = beat;
    out->n = n;
}

void beat_list_free(BeatList *b) {
    free(b->beat);
    b->beat = NULL;
    b->n = 0;
}
