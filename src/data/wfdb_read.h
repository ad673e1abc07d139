/* Reading WFDB records: the digital samples of every signal, with each signal's checksum and
 * initial value verified against the header (a mismatch is reported in the result, not hidden:
 * callers decide whether to refuse the record).
 *
 * Handles several signals per file (interleaved), several files per record, samples per frame
 * (multi-frequency records), skew, byte offsets (the Challenge's MATLAB v4 `.mat` files are format
 * 16 behind a 24-byte preamble: `16+24`, `16x1+24`), and multi-segment records in fixed layout and
 * in variable layout (a `_layout` segment of 0 samples naming the signals; `~` null segments and
 * signals a segment lacks read as "no sample"). Sizes derived from the header are checked against
 * the files before anything is allocated: a truncated file is an error that names it. */
#ifndef SCAR_DATA_WFDB_READ_H
#define SCAR_DATA_WFDB_READ_H

#include <stdint.h>

#include "data/wfdb_format.h"
#include "data/wfdb_header.h"

/* Records larger than this many samples (all signals together) are refused. */
#define WFDB_MAX_RECORD_SAMPLES ((int64_t)1 << 30)

typedef enum { WFDB_CHECK_ABSENT = 0, WFDB_CHECK_OK = 1, WFDB_CHECK_MISMATCH = 2 } WfdbCheck;

typedef struct {
    char name[WFDB_DESC_LEN];   /* the description: a lead name for ECG signals */
    char units[WFDB_UNITS_LEN]; /* as written; "" when absent */
    char file[WFDB_NAME_LEN];   /* signal file (of the first segment holding the signal) */
    int format, spf, adc_res;
    double gain;                /* ADC units per physical unit */
    int32_t baseline;           /* ADC value of physical zero */
    double rate;                /* samples per second: fs * spf */
    int64_t n;                  /* samples: frames * spf */
    int32_t *digital;           /* [n] ADC values; WFDB_NO_SAMPLE where there is none */

    /* verification against the header; over all segments for a multi-segment record */
    WfdbCheck checksum, init;
    int32_t checksum_expected, checksum_computed; /* the first mismatch's, else the last checked */
    int32_t init_expected, init_actual;
    int n_segments_checked;
    char mismatch_segment[WFDB_NAME_LEN]; /* segment of the first mismatch; "" for single records */
} WfdbSignal;

typedef struct {
    WfdbHeader header;  /* the record's own header (the master header of a multi-segment record) */
    double fs;          /* frames per second */
    int64_t n_frames;
    int n_signals;
    WfdbSignal *signals;
} WfdbRecord;

/* Read a record from "dir/name.hea" or "dir/name". */
int wfdb_read(const char *path, WfdbRecord *rec);
/* Read the record a parsed header describes; signal files are looked up in dir. The header is
 * moved into rec (do not free it separately). */
int wfdb_read_with_header(WfdbHeader *h, const char *dir, const char *what, WfdbRecord *rec);
void wfdb_record_free(WfdbRecord *rec);

/* True when every signal's checksum and initial value that the header states matched. */
int wfdb_record_checks_ok(const WfdbRecord *rec);
/* Describe the first mismatch ("signal 3 (V1): checksum 1234 in the header, 4321 in the data"). */
void wfdb_record_check_message(const WfdbRecord *rec, char *buf, size_t cap);

/* Split "a/b/name.hea" or "a/b/name" into its folder ("a/b", "." when none) and record name. */
void wfdb_split_path(const char *path, char *dir, size_t dir_cap, char *name, size_t name_cap);

#endif
