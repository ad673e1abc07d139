/* A 12-lead ECG delineator: the measurements a cardiologist takes with calipers, on any record
 * (real or synthetic) at any rate from 100 Hz.
 *
 * QRS complexes are found on the summed squared slopes of all leads; the dominant beats (those
 * that look like the median beat, so not the ectopic ones) are averaged by a per-sample median
 * into one representative beat after removing each beat's baseline (linear between the PQ
 * junctions of successive beats). On that beat: QRS onset and end where the spatial velocity
 * crosses a fraction of its peak, the P wave (if any) in the TP-PR interval, the T wave and its
 * end, amplitudes and the ST level relative to the PQ junction. Rate and RR irregularity come from
 * all beats. Records below 400 Hz are first upsampled (band-limited) to 500 Hz. */
#ifndef SCAR_DATA_DELINEATE_H
#define SCAR_DATA_DELINEATE_H

#include <stdint.h>

#include "data/record.h"

typedef struct {
    int n_beats;          /* QRS complexes found */
    int n_dominant;       /* of which dominant (averaged into the median beat) */
    int n_other;          /* beats inside the record that do not look like the median beat
                             (ectopic beats, artefacts); beats at the record's edges are neither */
    float hr_bpm;         /* 60 / mean RR over all beats */
    float rr_mean_s;
    float rr_irregularity; /* RMSSD / mean RR: ~0.01-0.06 in sinus rhythm, ~0.2-0.4 in AF */
    int has_p;            /* a P wave precedes the dominant QRS */
    float p_mv;           /* spatial peak of the P wave (mV) */
    float pr_ms;          /* P onset to QRS onset; NaN without P */
    float qrs_ms;         /* QRS onset to end (global, from all leads) */
    float qt_ms;          /* QRS onset to T end */
    float qtc_ms;         /* Bazett: QT / sqrt(RR) */
    float axis_deg;       /* frontal QRS axis from the net QRS areas in I and aVF */
    /* per lead, relative to the PQ junction (mV): */
    float r_mv[N_LEADS];  /* largest positive QRS deflection */
    float s_mv[N_LEADS];  /* largest negative QRS deflection (as a positive number) */
    float q_mv[N_LEADS];  /* negative deflection before the R peak (as a positive number) */
    float st_mv[N_LEADS]; /* ST level at J + 60 ms (J + 40 ms when RR < 0.6 s) */
    float t_mv[N_LEADS];  /* T peak (signed: the larger excursion) */
    float sokolow_mv;     /* S(V1) + max(R(V5), R(V6)) */
} EcgMeasurements;

/* Measure signal ([N_LEADS][n_samples] mV, lead-major) at rate_hz using the leads in lead_mask.
 * Needs at least 3 QRS complexes; -1 with a message otherwise. */
int ecg_delineate(const float *signal, int n_samples, float rate_hz, uint16_t lead_mask, EcgMeasurements *m);

/* The QRS fiducials (sample indices) found in a record: at most `cap` into out; returns how
 * many were found (may exceed cap). */
int ecg_detect_qrs(const float *signal, int n_samples, float rate_hz, uint16_t lead_mask, int *out, int cap);

#endif
