/* The synthetic ECG-report corpus (DESIGN §5): record i of a corpus is a pure function of the
 * configuration and i. Its case (patient, conditions, heart, beats, noise plan, report) is drawn
 * from random streams of its own, so that records can be generated in any order, on any number
 * of threads, and rendered again at another sampling rate (the PTB-XL layout writes 100 and
 * 500 Hz) with the same beats, waves, labels and report. */
#ifndef SCAR_DATA_SYNTH_SYNTH_H
#define SCAR_DATA_SYNTH_SYNTH_H

#include <stdint.h>

#include "data/record.h"
#include "data/synth/conditions.h"
#include "data/synth/mechanisms.h"
#include "data/synth/noise.h"
#include "data/synth/rhythm.h"

typedef enum { SYNTH_LANG_EN, SYNTH_LANG_DE } SynthLanguage;

typedef struct {
    uint64_t seed;
    float rate_hz;       /* sampling rate of the generated signals */
    float duration_s;    /* record length */
    ConditionPriors priors;
    float noise_scale;   /* multiplies every noise level; 0 gives clean signals */
    float noise_mv[N_NOISE_KINDS]; /* typical amplitude of each kind of noise (mV) */
    float mains_hz;      /* 50 or 60 */
    SynthLanguage language;
    int split_seeds;           /* 1: record i has fold 1 + i % 10 (folds 1-8 train, 9 validation, */
    uint64_t split_seed[3];    /* 10 test) and is drawn from split_seed[train, validation, test] */
} SynthConfig;

void synth_config_default(SynthConfig *c);
/* 0 when every field is sensible; otherwise -1 with a message naming the field. */
int synth_config_check(const SynthConfig *c);
/* Samples per record: round(duration * rate). */
int synth_n_samples(const SynthConfig *c, float rate_hz);

typedef struct {
    uint64_t index;
    char id[16];          /* "00001" for index 0, as PTB-XL numbers its records */
    int age, sex, fold;   /* fold 1..10 as PTB-XL's strat_fold */
    uint32_t conditions;  /* COND_BIT mask */
    Hedge hedge[N_CONDITIONS];
    int n_codes;
    SynthCode codes[MAX_RECORD_CODES];
    Heart heart;
    RhythmParams rhythm;
    BeatList beats;
    float hr_bpm;         /* mean rate of the beats inside the record */
    float axis_deg;       /* frontal QRS axis of the conducted beat (from its QRS areas in I and aVF) */
    NoisePlan noise;
    char *report;         /* UTF-8 */
} SynthCase;

/* Draw case `index` (free it with synth_case_free). */
void synth_case_draw(const SynthConfig *c, uint64_t index, SynthCase *k);
void synth_case_free(SynthCase *k);

/* Render a case at rate_hz into r (allocated here: record_free it): signals, validity, metadata,
 * report, labels of every label set and the evidence map. */
void synth_case_render(const SynthConfig *c, const SynthCase *k, float rate_hz, EcgRecord *r);

/* Draw and render record `index` at the configuration's rate. */
void synth_generate(const SynthConfig *c, uint64_t index, EcgRecord *r);

/* The source string a pack records for this configuration ("synth:seed=7,rate=100,..."). */
void synth_describe(const SynthConfig *c, char *buf, int size);

#endif
