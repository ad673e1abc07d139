/* One record's heart: the normal beat of a patient of this age and sex, changed by the mechanism
 * of each condition rather than painted on a lead. Conduction blocks re-route the ventricular
 * activation (slower, differently directed depolarisation waves, with secondary repolarisation
 * changes); an infarct adds initial forces pointing away from its territory (Q waves) and an
 * injury current pointing at it (ST elevation there, reciprocal depression opposite); ischaemia
 * adds an injury current pointing away from its territory and turns its T waves; hypertrophy
 * enlarges the left-ventricular forces until the voltage criterion holds. */
#ifndef SCAR_DATA_SYNTH_MECHANISMS_H
#define SCAR_DATA_SYNTH_MECHANISMS_H

#include <stdint.h>

#include "core/rng.h"
#include "data/synth/heart.h"

typedef enum { TERRITORY_NONE = -1, TERRITORY_ANTEROSEPTAL, TERRITORY_ANTERIOR, TERRITORY_INFERIOR,
               TERRITORY_LATERAL } Territory;

/* The leads facing a territory (bit l: lead l): anteroseptal V1-V3, anterior V1-V4, inferior II,
 * III, aVF, lateral I, aVL, V5, V6. */
uint16_t territory_leads(Territory t);

typedef struct {
    BeatShape sinus;      /* a conducted beat (its P waves unused in AF) */
    BeatShape ectopic;    /* a premature ventricular beat (no P waves) */
    float pr_s;           /* P onset to QRS onset */
    float qtc_s;          /* Fridericia-corrected QT */
    float axis_rotation_deg;
    /* The injury current of an infarct (pointing at its territory) or of ischaemia (pointing
     * away), in mV; zero when neither. The evidence map reads ST deviations from it. */
    float st_vector[3];
    Territory infarct, ischaemia;
    int q_waves;          /* the infarct has pathological Q waves (otherwise hyperacute only) */
    int t_inversion;      /* ischaemic T waves are inverted in the territory's leads */
    float sokolow_mv;     /* S(V1) + max R(V5, V6) of the beat's own QRS waves */
    /* fibrillatory waves of atrial fibrillation: amplitude (mV), rate (Hz), direction */
    float f_amp, f_hz, f_dir[3];
} Heart;

/* Where the heart's findings show (bit l: lead l), from its own vectors:
 *   leads with pathological Q waves: the infarct's initial forces project to -0.1 mV or less
 *   (aVR, whose QRS is negative in health, is not read for Q waves); 0 without Q waves */
uint16_t heart_q_wave_leads(const Heart *h);
/*   leads whose T wave peaks at -0.1 mV or less */
uint16_t heart_inverted_t_leads(const Heart *h);

/* Build the heart of a record with these conditions (COND_BIT mask) for a patient of this age
 * and sex (SEX_MALE / SEX_FEMALE). All draws come from r. */
void heart_build(uint32_t conditions, int age, int sex, Rng *r, Heart *h);

#endif
