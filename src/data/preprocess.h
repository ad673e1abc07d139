/* Preprocessing of canonical records: resampling to a target rate (anti-aliased, see resample.h),
 * baseline removal and band-pass (zero-phase Butterworth, see filter.h), an optional mains notch,
 * crop or pad to a fixed length, and per-lead normalisation. Samples that are not valid are bridged
 * by linear interpolation before filtering (so that a gap does not ring through the filters) and
 * are zero and marked not valid afterwards; evidence spans follow the resampling and the crop. */
#ifndef SCAR_DATA_PREPROCESS_H
#define SCAR_DATA_PREPROCESS_H

#include <stddef.h>

#include "data/record.h"

enum { NORMALIZE_NONE = 0, NORMALIZE_ZSCORE = 1 };
enum { CROP_START = 0, CROP_CENTER = 1 };

typedef struct {
    float rate_hz;     /* target rate; 0 keeps each record's rate */
    int n_samples;     /* fixed length at the target rate; 0 keeps each record's length */
    float highpass_hz; /* baseline removal cut-off; 0 = off */
    float lowpass_hz;  /* 0 = off (the resampler already removes what the target rate cannot hold) */
    float notch_hz;    /* mains frequency to remove (50 or 60); 0 = off */
    int normalize;     /* NORMALIZE_*: z-score each lead over its valid samples */
    int crop;          /* CROP_*: which part of a longer record to keep */
} PreprocessOptions;

typedef struct Preprocessor Preprocessor;

/* Checks the options (NULL with an error when they make no sense, e.g. a low-pass above half the
 * target rate). The preprocessor may be used from several threads at once. */
Preprocessor *preprocessor_new(const PreprocessOptions *opt);
void preprocessor_free(Preprocessor *p);
/* out = the preprocessed copy of in (record_init'ed here; record_free it). */
int preprocess_record(Preprocessor *p, const EcgRecord *in, EcgRecord *out);
/* The options as text ("rate=100 samples=1000 highpass=0.5 ..."), for a pack's source line. */
void preprocess_describe(const PreprocessOptions *opt, char *buf, size_t cap);

#endif
