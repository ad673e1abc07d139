#include "data/synth/noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/record.h"

#define TWO_PI 6.28318530717959f

const char *const NOISE_NAMES[N_NOISE_KINDS] = {"baseline", "mains", "muscle", "motion"};

enum { E_RA, E_LA, E_LL, E_V1, N_ELECTRODES = E_V1 + 6 };

static float uniform(Rng *r, float lo, float hi) { return lo + (hi - lo) * rng_uniform(r); }

void noise_render(const NoisePlan *p, float rate_hz, int n, Rng *r, float *signal) {
    float *e = xcalloc((size_t)N_ELECTRODES * (size_t)n, sizeof(float));
    float dt = 1.0f / rate_hz;

    /* Baseline wander: breathing (in phase at every electrode, different sizes) and a slow drift. */
    if (p->level[NOISE_BASELINE] > 0) {
        float resp_phase = uniform(r, 0, TWO_PI);
        for (int k = 0; k < N_ELECTRODES; k++) {
            float a_resp = p->level[NOISE_BASELINE] * uniform(r, 0.1f, 1.0f);
            float a_drift = p->level[NOISE_BASELINE] * uniform(r, 0.2f, 1.2f);
            float f_drift = uniform(r, 0.04f, 0.12f), ph = uniform(r, 0, TWO_PI);
            float *x = e + (size_t)k * n;
            for (int i = 0; i < n; i++) {
                float t = i * dt;
                x[i] += a_resp * sinf(TWO_PI * p->resp_hz * t + resp_phase) + a_drift * sinf(TWO_PI * f_drift * t + ph);
            }
        }
    }
    /* Mains hum with a slowly breathing amplitude. */
    if (p->level[NOISE_MAINS] > 0 && p->mains_hz < 0.4f * rate_hz) {
        float ph = uniform(r, 0, TWO_PI);
        for (int k = 0; k < N_ELECTRODES; k++) {
            float a = p->level[NOISE_MAINS] * uniform(r, 0.3f, 1.0f);
            float dph = uniform(r, -0.5f, 0.5f);
            float *x = e + (size_t)k * n;
            for (int i = 0; i < n; i++) {
                float t = i * dt;
                x[i] += a * (1.0f + 0.2f * sinf(TWO_PI * 0.3f * t)) * sinf(TWO_PI * p->mains_hz * t + ph + dph);
            }
        }
    }
    /* Muscle: white noise, differenced to tilt it toward high frequencies, in 1-3 bursts over a
     * lower background. */
    if (p->level[NOISE_MUSCLE] > 0) {
        float duration = n * dt;
        int bursts = 1 + (int)rng_below(r, 3);
        float bc[3], bw[3];
        for (int j = 0; j < bursts; j++) {
            bc[j] = uniform(r, 0, duration);
            bw[j] = uniform(r, 0.3f, 1.5f);
        }
        float *env = xmalloc(sizeof(float) * (size_t)n);
        for (int i = 0; i < n; i++) {
            env[i] = 0.35f;
            for (int j = 0; j < bursts; j++) {
                float z = (i * dt - bc[j]) / bw[j];
                env[i] += expf(-0.5f * z * z);
            }
        }
        for (int k = 0; k < N_ELECTRODES; k++) {
            float a = p->level[NOISE_MUSCLE] * (k <= E_LL ? 1.4f : 0.7f) * uniform(r, 0.5f, 1.0f);
            float *x = e + (size_t)k * n;
            float prev = (float)rng_normal(r);
            for (int i = 0; i < n; i++) {
                float w = (float)rng_normal(r);
                x[i] += a * env[i] * (w - prev) * 0.7071f;
                prev = w;
            }
        }
        free(env);
    }
    /* Electrode motion: a jump at one electrode that relaxes back (rise ~30 ms, decay 0.2-0.8 s). */
    for (int m = 0; m < p->motion_events && p->level[NOISE_MOTION] > 0; m++) {
        int k = (int)rng_below(r, N_ELECTRODES);
        float t0 = uniform(r, 0, n * dt), a = p->level[NOISE_MOTION] * uniform(r, 0.5f, 1.0f);
        if (rng_uniform(r) < 0.5f) a = -a;
        float rise = uniform(r, 0.02f, 0.05f), fall = uniform(r, 0.2f, 0.8f);
        float *x = e + (size_t)k * n;
        for (int i = (int)ceilf(t0 * rate_hz); i < n; i++) {
            float s = i * dt - t0;
            if (s > 8 * fall) break;
            x[i] += a * (expf(-s / fall) - expf(-s / rise));
        }
    }

    /* Leads from electrodes. */
    float *I = signal + (size_t)LEAD_I * n, *II = signal + (size_t)LEAD_II * n;
    const float *ra = e + (size_t)E_RA * n, *la = e + (size_t)E_LA * n, *ll = e + (size_t)E_LL * n;
    for (int i = 0; i < n; i++) {
        I[i] += la[i] - ra[i];
        II[i] += ll[i] - ra[i];
    }
    for (int v = 0; v < 6; v++) {
        float *row = signal + (size_t)(LEAD_V1 + v) * n;
        const float *ve = e + (size_t)(E_V1 + v) * n;
        for (int i = 0; i < n; i++) row[i] += ve[i] - (ra[i] + la[i] + ll[i]) * (1.0f / 3.0f);
    }
    free(e);
}
