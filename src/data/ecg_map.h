/* From a WFDB record to the canonical record (DESIGN §4): leads found by name in any case and
 * order (MIMIC-IV-ECG's aVF-before-aVL included), ADC values to millivolts through each signal's
 * gain, baseline and units, "no sample" and flat-line runs marked in the validity mask. */
#ifndef SCAR_DATA_ECG_MAP_H
#define SCAR_DATA_ECG_MAP_H

#include "data/record.h"
#include "data/wfdb_read.h"

typedef struct {
    /* A run of one ADC value lasting at least this long is not a real sample (an electrode off
     * or a blanked stretch); 0 turns the check off. Real ECGs stay flat for under 0.25 s. */
    double flat_seconds;
} EcgMapOptions;
#define ECG_MAP_DEFAULTS ((EcgMapOptions){.flat_seconds = 1.0})

/* Millivolts per physical unit: mV (any case) 1, uV/µV 0.001, V 1000; absent or "NU" are taken as
 * mV (WFDB's default unit). 0 for anything that is not a voltage. */
double units_to_mv(const char *units);

/* Fill `out` (record_init'ed here) from the record's ECG leads. When the leads have different
 * rates (samples per frame), they are resampled to the highest. A lead with no valid sample is not
 * available. Error when no signal is a standard lead or a lead's units are not a voltage. The
 * record id is the header's record name; age, sex and report are left for the adapters. */
int wfdb_to_ecg(const WfdbRecord *w, const EcgMapOptions *opt, EcgRecord *out);

/* Age and sex from comment lines ("Age: 74", "<age>: 51", "Sex: Male", "<sex>: F"): -1 /
 * SEX_UNKNOWN when absent or unreadable. Ages like "89+" read as 89. */
void ecg_meta_from_comments(const WfdbHeader *h, int *age, int *sex);
/* Parse an age / sex string as above. */
int parse_age(const char *s);
int parse_sex(const char *s);

#endif
