/* The heart as a moving 3-D dipole (DESIGN §5). One beat is a sum of Gaussian waves in the beat's
 * time axis, each with its own amplitude, centre and width per axis (Frank axes: X to the
 * patient's left, Y to the feet, Z to the back). The dipole is projected onto I, II and V1-V6 with
 * the Dower matrix; III, aVR, aVL and aVF are derived from I and II, so Einthoven's and
 * Goldberger's relations hold exactly.
 *
 * Time runs from the QRS onset of the beat. Depolarisation waves (P, QRS) keep their timing at
 * every heart rate; repolarisation waves (ST, T) stretch with the preceding RR interval: the time
 * from the beat's repolarisation anchor (the end of its QRS) and the widths scale with RR^(1/3),
 * Fridericia's law applied to the JT interval. Their centres and widths are given at RR = 1 s. */
#ifndef SCAR_DATA_SYNTH_HEART_H
#define SCAR_DATA_SYNTH_HEART_H

#include "data/record.h"

enum { AXIS_X, AXIS_Y, AXIS_Z };

typedef enum {
    WAVE_P1, /* right atrial depolarisation */
    WAVE_P2, /* left atrial depolarisation */
    WAVE_Q,  /* initial (septal) ventricular forces */
    WAVE_RA, /* early anterior-apical forces (the R wave of V2-V3) */
    WAVE_R,  /* main left-ventricular forces */
    WAVE_S,  /* terminal (basal, posterior) forces */
    WAVE_X1, /* extra depolarisation: R' of RBBB, late hump of LBBB, second lobe of an ectopic beat */
    WAVE_X2, /* extra depolarisation: the initial forces pointing away from an infarct (Q wave) */
    WAVE_ST, /* injury current over the plateau: the ST deviation */
    WAVE_T1, /* repolarisation, slow ascending limb */
    WAVE_T2, /* repolarisation, peak and faster descent */
    N_WAVES
} WaveId;

#define FIRST_P_WAVE WAVE_P1
#define LAST_P_WAVE WAVE_P2
#define FIRST_QRS_WAVE WAVE_Q
#define LAST_QRS_WAVE WAVE_X2
#define FIRST_REPOL_WAVE WAVE_ST
#define LAST_REPOL_WAVE WAVE_T2

typedef struct {
    float amp[3];    /* mV along X, Y, Z */
    float centre[3]; /* s after the QRS onset (repolarisation waves: at RR = 1 s) */
    float width[3];  /* Gaussian sigma, s */
    /* A plateau is a train of `copies` Gaussians `spacing` s apart (close enough to merge into a
     * flat top, whose height is amp, tapering over its second half); a plain wave has copies = 1. */
    int copies;
    float spacing;
} Wave;

typedef struct {
    Wave wave[N_WAVES];
    float repol_anchor; /* s: where repolarisation timing is anchored (the end of the QRS) */
} BeatShape;

/* Lead vectors: the potential of lead l for a dipole d is dot(HEART_LEAD_VECTORS[l], d). The rows
 * of I, II, V1-V6 are the Dower matrix; the others follow from Einthoven and Goldberger. */
extern const float HEART_LEAD_VECTORS[N_LEADS][3];

/* Set a wave with the same centre and width on every axis. */
void wave_set(Wave *w, float ax, float ay, float az, float centre, float width);
/* Set a plateau of height (ax, ay, az): Gaussians of width `edge` centred from `start` to `end`,
 * reaching the height about 1.5 edge widths after start, holding it to the middle of the span and
 * tapering to zero by end + 2 edge widths: the injury current's ST deviation. */
void wave_plateau(Wave *w, float ax, float ay, float az, float start, float end, float edge);
/* Scale a wave's amplitude. */
void wave_scale(Wave *w, float k);
int wave_is_zero(const Wave *w);
/* Time extent [t0, t1] of wave w of a beat (centre -/+ 2.5 sigma over its non-zero axes) at
 * RR = rr. */
void wave_extent(const BeatShape *b, int w, float rr, float *t0, float *t1);
/* Set the repolarisation anchor to the end of the beat's QRS waves. */
void beat_anchor_repolarisation(BeatShape *b);

/* Markers of one beat at RR = rr, in s after the QRS onset: P onset (NaN without P waves), QRS
 * onset and end, T end. From the wave extents; the evidence map uses them. */
typedef struct {
    float p_on, qrs_on, qrs_end, t_end;
} BeatMarkers;
void beat_markers(const BeatShape *b, float rr, BeatMarkers *m);

/* The dipole of waves [w0, w1] of one beat at time t (s after QRS onset), for RR = rr. */
void beat_dipole_at(const BeatShape *b, int w0, int w1, float rr, float t, float d[3]);

/* Add waves [w0, w1] of one beat to the dipole buffers dip[axis][0..n) sampled at rate_hz. The
 * beat's QRS onset is at t_onset seconds; depolarisation amplitudes are scaled by dep_gain,
 * repolarisation ones by rep_gain. sigma_aa (s) widens every Gaussian by an equal-area Gaussian
 * kernel: the anti-alias filter of a recorder at this rate, applied analytically. */
void beat_render(const BeatShape *b, int w0, int w1, double t_onset, float rr, float dep_gain, float rep_gain,
                 float rate_hz, float sigma_aa, int n, float *const dip[3]);

/* Signal rows I, II, V1..V6 of a record from the dipole (row l = lead l, n samples per row). */
void heart_project(const float *const dip[3], int n, float *signal);
/* Rows III, aVR, aVL, aVF from rows I and II: III = II - I, aVR = -(I + II)/2, aVL = I - II/2,
 * aVF = II - I/2. */
void heart_derive_limb_leads(float *signal, int n);

/* Leads onto which vector v (mV) projects at least `threshold` (sign 1) or at most -threshold
 * (sign -1); bit l for lead l. */
uint16_t leads_projecting(const float v[3], float threshold, int sign);

/* Largest positive and negative deflection of the QRS waves alone in every lead (mV), from the
 * beat's own waves at 1 ms steps: what the generator uses to size a hypertrophied heart. */
void beat_qrs_extremes(const BeatShape *b, float max_mv[N_LEADS], float min_mv[N_LEADS]);

#endif
