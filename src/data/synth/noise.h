/* Recording noise, generated at the electrodes (RA, LA, LL, V1-V6) and seen by the leads the way
 * a recorder sees it: I = LA - RA, II = LL - RA, Vi = Vi - (RA + LA + LL)/3. So one loose electrode
 * disturbs exactly the leads that use it, and the derived limb leads keep Einthoven's relations.
 *   baseline wander  breathing and slow drift of the electrode-skin potential (0.05-0.5 Hz)
 *   mains hum        50 or 60 Hz pickup, different at each electrode
 *   muscle noise     broadband EMG, in bursts, stronger at the limb electrodes
 *   electrode motion a sudden jump that settles over a fraction of a second, at one electrode */
#ifndef SCAR_DATA_SYNTH_NOISE_H
#define SCAR_DATA_SYNTH_NOISE_H

#include "core/rng.h"

enum { NOISE_BASELINE, NOISE_MAINS, NOISE_MUSCLE, NOISE_MOTION, N_NOISE_KINDS };
extern const char *const NOISE_NAMES[N_NOISE_KINDS];

/* A record's noise: one amplitude (mV) per kind; motion is the size of a motion artefact, and
 * there is none when it is 0. */
typedef struct {
    float level[N_NOISE_KINDS];
    float mains_hz;
    float resp_hz;        /* breathing, shared with the heart's rhythm */
    int motion_events;    /* how many motion artefacts */
} NoisePlan;

/* Add the noise to rows I, II, V1..V6 of signal ([N_LEADS][n] at rate_hz); the derived limb leads
 * are computed afterwards. Mains hum is left out where the recorder's anti-alias filter would
 * remove it (mains above 0.4 x rate). */
void noise_render(const NoisePlan *p, float rate_hz, int n, Rng *r, float *signal);

#endif
