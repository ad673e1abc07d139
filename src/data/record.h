/* The canonical ECG record (DESIGN §4): what every reader produces and every consumer takes.
 *
 * Leads are always stored in the order I, II, III, aVR, aVL, aVF, V1..V6 whatever the source's
 * order or spelling; a lead the source lacks has its availability bit clear and zeros in
 * `signal` with `valid` = 0. Samples are in millivolts. */
#ifndef SCAR_DATA_RECORD_H
#define SCAR_DATA_RECORD_H

#include <stdint.h>

enum {
    LEAD_I, LEAD_II, LEAD_III, LEAD_AVR, LEAD_AVL, LEAD_AVF,
    LEAD_V1, LEAD_V2, LEAD_V3, LEAD_V4, LEAD_V5, LEAD_V6,
    N_LEADS
};
#define ALL_LEADS_MASK ((uint16_t)0x0fff)

extern const char *const LEAD_NAMES[N_LEADS];
/* Lead index for a name in any case and the usual spellings ("AVR", "aVR", "avr"); -1 if none. */
int lead_from_name(const char *name);

enum { SEX_UNKNOWN = -1, SEX_MALE = 0, SEX_FEMALE = 1 };
enum { SPLIT_NONE = -1, SPLIT_TRAIN = 0, SPLIT_VAL = 1, SPLIT_TEST = 2 };

/* Label sets: a dataset names up to SCAR_MAX_LABELSETS sets (PTB-XL: super, sub, form, rhythm;
 * the Challenge: its scored classes; the synthetic corpus: its own), each with up to
 * SCAR_MAX_CLASSES classes. A record holds one multi-hot bit set per label set. */
#define SCAR_MAX_LABELSETS 4
#define SCAR_MAX_CLASSES 128
#define SCAR_NAME_LEN 32

typedef struct {
    int n_sets;
    char set_name[SCAR_MAX_LABELSETS][SCAR_NAME_LEN];
    int n_classes[SCAR_MAX_LABELSETS];
    char class_name[SCAR_MAX_LABELSETS][SCAR_MAX_CLASSES][SCAR_NAME_LEN];
} LabelSchema;

typedef struct {
    uint64_t bits[SCAR_MAX_CLASSES / 64];
} LabelBits;

static inline int label_has(const LabelBits *b, int c) { return (int)((b->bits[c >> 6] >> (c & 63)) & 1u); }
static inline void label_set(LabelBits *b, int c) { b->bits[c >> 6] |= (uint64_t)1 << (c & 63); }

/* Where a diagnosis shows in the signal (known exactly for synthetic data): a set of leads over a
 * time window. `primary` evidence is what a cardiologist reads the diagnosis from (ST elevation in
 * V1-V4 for anterior infarction); secondary evidence also supports it (reciprocal depression). */
typedef struct {
    uint16_t label_set;   /* index into the schema's sets */
    uint16_t class_id;    /* class within that set */
    uint16_t lead_mask;   /* bit l: lead l */
    uint16_t primary;     /* 1 primary, 0 secondary */
    int32_t t0, t1;       /* samples [t0, t1) at the record's rate */
} EvidenceSpan;

typedef struct {
    /* signal */
    float rate_hz;
    int n_samples;
    float *signal;            /* [N_LEADS][n_samples] mV, lead-major; 0 where not valid */
    uint8_t *valid;           /* [N_LEADS][n_samples] 1 = a real sample (not -32768, NaN, flat) */
    uint16_t lead_available;  /* bit l: the source has lead l */

    /* metadata */
    char id[64];              /* the dataset's record id ("00001", "A0001", "HR06000") */
    int age;                  /* years; -1 unknown */
    int sex;                  /* SEX_* */
    int fold;                 /* the dataset's fold (PTB-XL strat_fold 1..10); -1 none */
    int split;                /* SPLIT_* */
    char *report;             /* UTF-8 free text; "" when none */
    LabelBits labels[SCAR_MAX_LABELSETS];

    int n_evidence;
    EvidenceSpan *evidence;   /* [n_evidence]; NULL when unknown (real data) */
} EcgRecord;

/* Allocate signal and validity (zeroed, all leads unavailable) for n_samples at rate_hz. */
void record_init(EcgRecord *r, float rate_hz, int n_samples);
/* Free what record_init and the readers allocated, and zero the struct. */
void record_free(EcgRecord *r);

#endif
