/* What the generator decides for a record before drawing a single sample: its conditions
 * (diagnoses by mechanism), how they co-occur, and the PTB-XL statements and labels that follow. */
#ifndef SCAR_DATA_SYNTH_CONDITIONS_H
#define SCAR_DATA_SYNTH_CONDITIONS_H

#include <stdint.h>

#include "core/rng.h"
#include "data/record.h"
#include "data/synth/statements.h"

typedef enum {
    COND_SBRAD, COND_STACH, COND_AFIB, /* rhythm: at most one */
    COND_PVC,
    COND_1AVB, COND_CLBBB, COND_CRBBB, COND_LAFB,
    COND_LVH,
    COND_ISCAN, COND_ISCIN, COND_ISCLA, /* subendocardial ischaemia, by territory: at most one */
    COND_ASMI, COND_AMI, COND_IMI, COND_LMI, /* infarction, by territory: at most one */
    N_CONDITIONS
} Condition;

typedef enum {
    COND_KIND_RATE,       /* a sinus rate outside 60-100/min: the ECG can still be "normal" */
    COND_KIND_RHYTHM,     /* replaces sinus rhythm */
    COND_KIND_FORM,       /* an extra beat form: the ECG can still be "normal" */
    COND_KIND_DIAGNOSTIC, /* a diagnostic statement: the ECG is not normal */
} ConditionKind;

typedef struct {
    const char *code; /* the SCP code, also the name on the command line (--prior IMI=2) */
    ScpId statement;
    ConditionKind kind;
    float weight;     /* default relative frequency among abnormal records */
    float age_shift;  /* years added to the mean age of records with it */
    float male_shift; /* added to the probability of a male patient */
} ConditionInfo;

extern const ConditionInfo CONDITIONS[N_CONDITIONS];

#define COND_BIT(c) ((uint32_t)1 << (c))
#define COND_MI_MASK (COND_BIT(COND_ASMI) | COND_BIT(COND_AMI) | COND_BIT(COND_IMI) | COND_BIT(COND_LMI))
#define COND_ISC_MASK (COND_BIT(COND_ISCAN) | COND_BIT(COND_ISCIN) | COND_BIT(COND_ISCLA))
#define COND_RHYTHM_MASK (COND_BIT(COND_SBRAD) | COND_BIT(COND_STACH) | COND_BIT(COND_AFIB))

/* Condition index for an SCP code, -1 if none. */
int condition_from_code(const char *code);

/* Conditions that cannot be present together with c (one rhythm; one infarct territory; no
 * ischaemia label beside an infarct; LBBB masks the others' ventricular signs; AF has no PR). */
uint32_t condition_excludes(Condition c);

/* How the conditions of a corpus are drawn. */
typedef struct {
    float normal_fraction;        /* records drawn with no condition at all (NORM, SR) */
    float cooccurrence;           /* chance that an abnormal record takes one more condition */
    float weight[N_CONDITIONS];   /* relative frequency of each condition (>= 0) */
} ConditionPriors;

void condition_priors_default(ConditionPriors *p);

/* Draw one record's conditions: none with probability normal_fraction; otherwise one condition,
 * then while a draw under `cooccurrence` succeeds (at most 4 in all) one more among those still
 * compatible, by weight times the pair affinity (RBBB with LAFB, LVH with lateral ischaemia,
 * infarcts with PVCs) that real corpora show. */
uint32_t conditions_draw(const ConditionPriors *p, Rng *r);

/* Hedge of a diagnostic statement in the report, and its PTB-XL likelihood. */
typedef enum { HEDGE_NONE, HEDGE_PROBABLE, HEDGE_POSSIBLE } Hedge;
float hedge_likelihood(Hedge h);

/* A statement of a record as PTB-XL codes it: the code and its likelihood (0 for rhythm and form
 * statements, 100/80/50 for a diagnostic one said plainly, as probable or as possible). */
typedef struct {
    ScpId id;
    float likelihood;
} SynthCode;
#define MAX_RECORD_CODES 16

/* The statements of a record with these conditions and findings: the rhythm, NORM when nothing
 * diagnostic is present and the rhythm is sinus, the diagnostic statements, and the form
 * statements of what the signal shows (PVC, Q waves, ST depression, T inversion). */
int conditions_to_codes(uint32_t conditions, const Hedge hedge[N_CONDITIONS], int q_waves, int t_inversion,
                        SynthCode codes[MAX_RECORD_CODES]);

/* Multi-hot labels of every label set (LABELSET_*) from a record's statements. */
void codes_to_labels(const SynthCode *codes, int n, LabelBits labels[SCAR_MAX_LABELSETS]);

#endif
