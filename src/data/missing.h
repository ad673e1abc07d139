/* Missingness protocols (DESIGN §6): which tokens of an ECG are removed, as one value that training
 * (random lead/time drop as augmentation), evaluation (reduced lead sets, evidence removal, the
 * r × q grid) and the command line (`--missing PROTOCOL`) share, with a textual form that is
 * parsed and printed losslessly and written into result files.
 *
 * Tokens. An ECG of N_LEADS × n_samples is cut into one token per (lead, time patch) of patch_len
 * samples: n_patches = n_samples / patch_len (integer division). The n_samples % patch_len samples
 * after the last whole patch belong to no token (the encoder never sees them); in a sample mask
 * they follow the last patch of their lead. A token mask is uint8 [N_LEADS][n_patches],
 * lead-major, 1 = present. A lead the source lacks (lead_available bit clear) is absent, and so is
 * a token none of whose samples is valid when the record's per-sample validity is given.
 *
 * Grammar (parts separated by ';', each at most once, in any order; spaces around ';', '=' and
 * ',' are ignored; `missing_format` prints the canonical order shown here):
 *
 *   full                        nothing removed (alone)
 *   leads=I,II,V2               keep only these leads (names as lead_from_name reads them)
 *   leadset=12|6|4|3|2|1        a PhysioNet/CinC Challenge 2021 reduced lead set (not with leads=)
 *   drop_leads=r                drop a ratio r in [0, 1] of the available leads (whole leads)
 *   drop_time=q                 drop a ratio q in [0, 1] of the time patches, in contiguous blocks
 *   blocks=k                    how many blocks drop_time uses (1..MISSING_MAX_BLOCKS, default 1)
 *   evidence=primary            remove the primary diagnostic evidence tokens
 *   evidence=primary+secondary  remove primary and secondary evidence
 *   labelset=NAME               with evidence: only this label set's diagnoses (any case; default all)
 *   adversarial=PATH            a trained masker removes tokens (needs budget=; see MissingMasker)
 *   budget=b                    with adversarial: fraction of the visible tokens, in (0, 1]
 *   seed=N                      with drop_leads / drop_time (default 0)
 *
 * Parts compose: the result is the tokens that survive every part (a lead selection, then random
 * lead drop among the leads left, time drop, evidence removal, then the masker on what is left).
 *
 * Random parts. The draws for record i come from streams derived from (seed, i) only, so the same
 * protocol text and record index give the same mask whatever the thread count or batch order.
 * Lead drop and time drop use separate streams: `drop_time=0.3;seed=7` removes the same blocks
 * with or without `drop_leads=`, and the leads dropped at ratio r are a subset of those dropped at
 * any larger ratio (same seed and record), so a grid degrades each record monotonically.
 *
 *   drop_leads=r: with n available (and selected) leads, k = floor(r·n + u), u uniform in [0, 1)
 *     (stochastic rounding: exactly r·n when that is a whole number, r·n on average otherwise),
 *     capped at n − 1 so that at least one lead is kept; the k leads are a uniform random subset.
 *   drop_time=q: m = floor(q·n_patches + u) patches, capped at n_patches − 1 (one patch is always
 *     kept), cut into min(k, m, n_patches − m + 1) blocks whose lengths differ by at most one,
 *     placed uniformly at random with at least one kept patch between two blocks. The same
 *     patches are removed in every lead: electrode motion and amplifier saturation hit all leads.
 *
 * Evidence removal. When the record carries evidence spans (synthetic data: the generator's
 * ground truth), a token is evidence when its lead is in a span's lead_mask and its patch
 * [p·P, (p+1)·P) overlaps the span's [t0, t1) by at least one sample. Any overlap, rather than
 * "at least half", because removal is meant to take the evidence away: a patch holding even a
 * fraction of an ST segment still shows it, and a half rule would leave those fragments visible
 * and overstate robustness. Without spans (real data) the record's positive classes are looked
 * up in the clinical class → leads map (data/clinical_leads.h) and every patch of those leads is
 * removed: the map has no timing, and a resting ECG repeats its evidence in every beat. Classes
 * the map does not know remove nothing (clinical_evidence_leads counts them, for a warning).
 * Evidence removal keeps no minimum: a record can lose every token (the return value says so). */
#ifndef SCAR_DATA_MISSING_H
#define SCAR_DATA_MISSING_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "data/record.h"

/* Parts of a protocol (MissingProtocol.parts); none set = full. */
enum {
    MISSING_LEADS = 1u << 0,       /* keep only keep_leads (leads= or leadset=) */
    MISSING_DROP_LEADS = 1u << 1,  /* random whole-lead drop */
    MISSING_DROP_TIME = 1u << 2,   /* random contiguous time blocks */
    MISSING_EVIDENCE = 1u << 3,    /* evidence removal */
    MISSING_ADVERSARIAL = 1u << 4, /* a trained masker */
};

/* What evidence= removes. */
enum { MISSING_EVIDENCE_PRIMARY = 1, MISSING_EVIDENCE_PRIMARY_SECONDARY = 2 };

#define MISSING_MAX_BLOCKS 64
#define MISSING_PATH_MAX 512
/* Enough for any protocol's text, the longest masker path included. */
#define MISSING_TEXT_MAX (MISSING_PATH_MAX + 256)

typedef struct {
    unsigned parts;               /* MISSING_* bits */
    uint16_t keep_leads;          /* MISSING_LEADS: bit l keeps lead l */
    int leadset;                  /* MISSING_LEADS from leadset=: 12, 6, 4, 3, 2 or 1; 0 from leads= */
    double drop_leads;            /* MISSING_DROP_LEADS: r in [0, 1] */
    double drop_time;             /* MISSING_DROP_TIME: q in [0, 1] */
    int time_blocks;              /* MISSING_DROP_TIME: 1..MISSING_MAX_BLOCKS (1 otherwise) */
    int evidence;                 /* MISSING_EVIDENCE: MISSING_EVIDENCE_* */
    char labelset[SCAR_NAME_LEN]; /* MISSING_EVIDENCE: a label set's name, "" for all of them */
    char masker[MISSING_PATH_MAX]; /* MISSING_ADVERSARIAL: the masker's checkpoint */
    double budget;                /* MISSING_ADVERSARIAL: in (0, 1] */
    uint64_t seed;                /* MISSING_DROP_LEADS / MISSING_DROP_TIME (0 otherwise) */
} MissingProtocol;

/* The protocol that removes nothing (every field in its unused state). */
void missing_full(MissingProtocol *p);
/* Parse the textual form. On failure -1 with a message that quotes the text and names the bad
 * part (unknown key or lead, out-of-range ratio, duplicated key, empty value, parts that do not
 * go together); *p is then left as `full`. */
int missing_parse(const char *text, MissingProtocol *p);
/* The canonical text (missing_parse gives back an equal protocol). -1 if p is not valid or the
 * text does not fit in cap bytes (MISSING_TEXT_MAX always does). */
int missing_format(const MissingProtocol *p, char *buf, size_t cap);
/* 0 if p is a protocol missing_parse could have produced, else -1 with the reason. */
int missing_validate(const MissingProtocol *p);
/* 1 when a and b are the same protocol (fields a part does not use are ignored). */
int missing_equal(const MissingProtocol *a, const MissingProtocol *b);
/* 1 when the protocol draws random numbers (its masks depend on seed and record index). */
int missing_is_random(const MissingProtocol *p);

/* The leads of a Challenge 2021 reduced set (12, 6, 4, 3, 2 or 1 leads); 0 for any other n. */
uint16_t missing_leadset_leads(int n_leads);

/* The joint r × q grid of random lead and time drop: out[i·n_q + j] gets drop_leads=r[i] and
 * drop_time=q[j] (a zero ratio leaves its part out; both zero is `full`), with the given blocks
 * and seed. out holds n_r·n_q protocols. -1 on an out-of-range ratio, block count or size. */
int missing_grid(const double *r, int n_r, const double *q, int n_q, int blocks, uint64_t seed,
                 MissingProtocol *out);
/* The same grid from text: "drop_leads=0,0.25,0.5;drop_time=0,0.3;blocks=2;seed=7" (each of the
 * two lists optional, taken as {0} when absent). *out is malloc'd (free() it), *n its length. */
int missing_grid_parse(const char *text, MissingProtocol **out, int *n);

/* What a protocol needs to know about a record. Build it with missing_record_of() from an
 * EcgRecord, or by hand. */
typedef struct {
    uint16_t lead_available;        /* bit l: the source has lead l */
    const uint8_t *valid;           /* [N_LEADS][n_samples] 1 = real sample; NULL = all valid */
    const EvidenceSpan *evidence;   /* [n_evidence] ground-truth spans; NULL/0 = unknown (real data) */
    int n_evidence;
    const LabelBits *labels;        /* [schema->n_sets] positive classes; NULL = no labels */
    const LabelSchema *schema;      /* names of the label sets and classes; NULL = no labels */
    const float *signal;            /* [N_LEADS][n_samples] mV, for an adversarial masker; may be NULL */
} MissingRecord;

MissingRecord missing_record_of(const EcgRecord *r, const LabelSchema *schema);

/* The adversarial part: a trained masker that removes tokens. `remove` receives the token mask
 * the other parts left ([N_LEADS][n_patches], 1 = present) and clears the tokens it removes; it
 * may clear at most ceil(budget × present tokens) and never set one (both are checked). It
 * returns 0, or -1 with scar_fail(). */
typedef struct {
    int (*remove)(void *ctx, const MissingProtocol *p, const MissingRecord *rec, int n_patches, int patch_len,
                  int64_t record_index, uint8_t *token_mask);
    void *ctx;
} MissingMasker;

/* n_samples / patch_len; 0 when patch_len < 1 or n_samples < patch_len. */
int missing_n_patches(int n_samples, int patch_len);

/* The time-drop draw on its own (the drop_time= rule above, for augmentations that cut blocks
 * from one lead at a time): drop[0..n) gets 1 on m = round(q × n) of n slots (stochastic
 * rounding, n − 1 at most) in min(blocks, m, n − m + 1) contiguous blocks, placed uniformly with
 * at least one kept slot between two blocks. q in [0, 1], 1 <= blocks <= MISSING_MAX_BLOCKS. */
void missing_draw_time_blocks(int n, double q, int blocks, Rng *rng, uint8_t *drop);

/* Apply protocol p to record number record_index (its position in the dataset or split: what
 * makes random masks reproducible) of n_samples samples cut into patches of patch_len.
 * token_mask: [N_LEADS][n_samples / patch_len], written in full. Returns the number of present
 * tokens (0 is possible under evidence removal or when the record has no leads), or -1 with a
 * message: no whole patch, an invalid protocol, evidence removal without spans or labels, an
 * unknown labelset=, or an adversarial protocol (it needs missing_apply_masked). */
int missing_apply(const MissingProtocol *p, const MissingRecord *rec, int n_samples, int patch_len,
                  int64_t record_index, uint8_t *token_mask);
/* The same with a masker for the adversarial part (masker may be NULL for other protocols). */
int missing_apply_masked(const MissingProtocol *p, const MissingRecord *rec, int n_samples, int patch_len,
                         int64_t record_index, const MissingMasker *masker, uint8_t *token_mask);
/* The per-sample form, for augmentations that work on the signal: sample_mask [N_LEADS][n_samples]
 * is 1 where the sample is kept, i.e. its token is present (the tail after the last whole patch
 * follows that last patch) and the sample is valid. patch_len is the granularity of time blocks
 * and evidence (1: spans and blocks at sample precision). Returns the number of kept samples or
 * -1. */
long missing_apply_samples(const MissingProtocol *p, const MissingRecord *rec, int n_samples, int patch_len,
                           int64_t record_index, const MissingMasker *masker, uint8_t *sample_mask);

#endif
