/* The beats of a record: when each fires, what kind it is, and the RR interval before it.
 * Sinus rhythm has heart-rate variability (respiratory sinus arrhythmia, a slower 0.1 Hz wave and
 * beat-to-beat jitter); atrial fibrillation conducts at irregularly irregular intervals; a
 * premature ventricular beat comes early and, in sinus rhythm, is followed by a full compensatory
 * pause: the sinus node keeps its pace, the sinus P wave of the blocked beat still fires (hidden in
 * the ectopic beat's ST-T) and the next conducted beat comes on time. */
#ifndef SCAR_DATA_SYNTH_RHYTHM_H
#define SCAR_DATA_SYNTH_RHYTHM_H

#include "core/rng.h"

typedef enum {
    BEAT_CONDUCTED, /* P wave (in sinus rhythm) and QRS-T */
    BEAT_ECTOPIC,   /* premature ventricular beat: QRS-T, no P */
    BEAT_P_ONLY,    /* a sinus P wave not conducted (inside the refractory period of an ectopic beat) */
} BeatKind;

typedef struct {
    double t;      /* QRS onset, s from the record start (for BEAT_P_ONLY: where it would have been) */
    float rr_prev; /* s since the previous QRS */
    float gain;    /* depolarisation amplitude factor (breathing moves the heart's axis and distance) */
    BeatKind kind;
} Beat;

typedef struct {
    int atrial_fibrillation;
    float mean_hr;        /* beats per minute */
    float rsa;            /* respiratory sinus arrhythmia: relative RR amplitude */
    float lf;             /* 0.1 Hz (Mayer wave) relative RR amplitude */
    float resp_hz, resp_phase, lf_phase;
    float af_irregularity; /* AF: standard deviation of log RR */
    int n_ectopic;        /* premature ventricular beats inside the record */
} RhythmParams;

typedef struct {
    Beat *beat;
    int n;
} BeatList;

/* Plan the beats covering [0, duration] (and enough before it for the first T waves). The
 * ectopic beats all fall inside the record, each preceded and followed by a conducted beat. */
void rhythm_plan(const RhythmParams *p, float duration_s, Rng *r, BeatList *out);
void beat_list_free(BeatList *b);

#endif
