/* WFDB header files (.hea): the record line, one line per signal, or one line per segment for a
 * multi-segment record, and comment lines. See PhysioNet's header(5).
 *
 * Lenient where real files differ from the specification (comments anywhere, also at the end of a
 * line; blank lines; CRLF; a date before the time or a malformed date: kept as text, never fatal;
 * gain 0 or absent means 200; a missing baseline equals the ADC zero), strict where a wrong guess
 * would corrupt the samples (unknown format, malformed numbers, a signal count that does not match
 * the signal lines). Counts are checked before anything is sized from them. */
#ifndef SCAR_DATA_WFDB_HEADER_H
#define SCAR_DATA_WFDB_HEADER_H

#include <stddef.h>
#include <stdint.h>

#define WFDB_DEFAULT_GAIN 200.0 /* ADC units per physical unit when the gain is 0 or absent */
#define WFDB_DEFAULT_FS 250.0   /* frames per second when the record line has none */
#define WFDB_MAX_FS 1e7         /* a larger sampling frequency is a damaged header */
#define WFDB_NAME_LEN 256
#define WFDB_DESC_LEN 128
#define WFDB_UNITS_LEN 32

typedef struct {
    char file[WFDB_NAME_LEN]; /* signal file, relative to the header's folder; "~" in a layout */
    int format;               /* 0, 8, 16, 24, 32, 61, 80, 160, 212, 310, 311 */
    int spf;                  /* samples per frame, >= 1 */
    int skew;                 /* frames by which this signal's samples are delayed in the file */
    int64_t offset;           /* byte offset of the first sample in the file */
    double gain;              /* ADC units per physical unit, never 0 */
    int32_t baseline;         /* ADC value of physical zero */
    char units[WFDB_UNITS_LEN]; /* as written ("mV", "mv", "uV", "NU", "mmHg"); "" when absent */
    int adc_res;              /* bits (0 in the file means the format's default) */
    int32_t adc_zero;
    int32_t init_value;       /* first sample, when has_init */
    int32_t checksum;         /* 16-bit sum of all samples, when has_checksum */
    int block_size;
    unsigned char has_init, has_checksum, gain_given, baseline_given;
    char desc[WFDB_DESC_LEN]; /* description: the lead name for ECG signals, trimmed */
} WfdbSignalSpec;

typedef struct {
    char name[WFDB_NAME_LEN]; /* segment record name; "~" for a null segment (no signals) */
    int64_t n_samples;        /* frames in this segment */
} WfdbSegmentSpec;

typedef struct {
    char name[WFDB_NAME_LEN];
    int n_signals;
    double fs;               /* frames per second */
    double counter_freq;     /* 0 when absent */
    double base_counter;
    int64_t n_samples;       /* frames; -1 when the record line has none */
    char base_time[32];      /* as written, "" when absent */
    char base_date[32];
    int n_segments;          /* 0: an ordinary record; > 0: a multi-segment record */
    WfdbSegmentSpec *segments; /* [n_segments] */
    WfdbSignalSpec *signals;   /* [n_signals] */
    char *comments;          /* comment text without the '#', one line each, '\n'-separated */
} WfdbHeader;

/* Parse header text. `what` names the source in messages (usually the file's path). */
int wfdb_header_parse(const char *text, size_t len, const char *what, WfdbHeader *h);
/* Read and parse a header file. */
int wfdb_header_read(const char *path, WfdbHeader *h);
void wfdb_header_free(WfdbHeader *h);

/* The value of a "key: value" comment line ("# Age: 74", "#<age>: 51", "Dx: 164934002,..."), key
 * compared without case and ignoring '<' '>'; copied into out (trimmed). 0 if found, -1 if not. */
int wfdb_comment_value(const WfdbHeader *h, const char *key, char *out, size_t out_len);

/* True for the sample formats this reader decodes. */
int wfdb_format_supported(int format);

#endif
