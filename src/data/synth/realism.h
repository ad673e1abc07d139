/* How close the synthetic normals come to real normal ECGs: the same measurements (delineator and
 * spectrum) on both, summarised per feature as the real records' range and the synthetic records'
 * spread, with the share of synthetic records inside the real range. The real normals are the
 * fixture records whose own labels say normal: PTB-XL rows whose super class is NORM, Challenge
 * records whose only scored label is sinus rhythm (NSR). */
#ifndef SCAR_DATA_SYNTH_REALISM_H
#define SCAR_DATA_SYNTH_REALISM_H

#include <stddef.h>
#include <stdio.h>

#include "data/record.h"
#include "data/synth/synth.h"

/* The measured features, in table order. */
enum {
    FEAT_R0 = 0,                  /* R amplitude, lead l: FEAT_R0 + l (mV) */
    FEAT_T0 = FEAT_R0 + N_LEADS,  /* T amplitude (signed), lead l: FEAT_T0 + l (mV) */
    FEAT_QRS = FEAT_T0 + N_LEADS, /* ms */
    FEAT_PR,                      /* ms */
    FEAT_QTC,                     /* ms, Bazett */
    FEAT_AXIS,                    /* degrees */
    FEAT_HR,                      /* per minute */
    FEAT_BAND_LOW,                /* share of 0.5-40 Hz power below 5 Hz, mean over leads */
    FEAT_BAND_MID,                /* share in 5-15 Hz */
    FEAT_BAND_HIGH,               /* share in 15-40 Hz */
    FEAT_CENTROID,                /* spectral centroid of 0.5-40 Hz, Hz */
    N_FEATURES
};

/* "R I (mV)", "T V2 (mV)", "QRS (ms)", ... into buf. */
void realism_feature_name(int f, char *buf, size_t cap);

/* The features of one record (NaN where a measurement is not possible, e.g. PR without P). */
int realism_features(const EcgRecord *r, float f[N_FEATURES]);

/* Share of the power of x[0..n) at rate in [lo, hi) Hz among [0.5, 40) Hz, and the centroid:
 * Welch's estimate with Hann windows of about 2.5 s, half overlapping. */
void realism_spectrum(const float *x, int n, float rate, float band_share[3], float *centroid);

typedef struct {
    float real_min, real_median, real_max;
    float synth_p5, synth_median, synth_p95;
    float synth_inside;   /* share of synthetic records within [real_min, real_max] */
    int n_real, n_synth;  /* records with the feature measured */
} FeatureSummary;

typedef struct {
    int n_real;
    char real_name[16][96]; /* which real records */
    int n_synth;
    FeatureSummary f[N_FEATURES];
    float real[16][N_FEATURES];
} RealismReport;

/* Load the real normal records from a fixtures folder (at their own rates). Returns how many
 * (records in *out, malloc'd; free each with record_free), or -1. */
int realism_real_normals(const char *fixtures, EcgRecord **out, char names[16][96]);

/* Measure the real records and n_synth synthetic normals of configuration c (its priors are
 * replaced by "all normal"), and summarise. */
int realism_compare(const EcgRecord *real, int n_real, char names[16][96], const SynthConfig *c, int n_synth,
                    RealismReport *rep);

/* The table in Markdown, with a closing count of features whose synthetic median falls inside the
 * real range. Returns that count. */
int realism_write_markdown(const RealismReport *rep, FILE *f);

/* A figure: per lead, the real records' R and T amplitudes as points and the synthetic 5-95%
 * range as a bar with its median. */
int realism_write_svg(const RealismReport *rep, const char *path);

#endif
