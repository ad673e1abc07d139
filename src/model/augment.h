/* Augmentations of the self-supervised pretraining (DESIGN §1, second part), under one interface:
 * the views of a contrastive pair are made by augment_apply() with the same kind and options and
 * two view numbers. The adversarial masks are a network of their own (model/ssl_masker.h).
 *
 * Signals are batches [B, 12, L] in the canonical lead order (data/record.h), lead-major per
 * record, with an optional per-sample validity [B, 12, L] (1 = a real sample). The record's
 * invariant holds on output too: the signal is 0 wherever the validity is 0. Samples an
 * augmentation removes (masked blocks, the samples a shift leaves empty) are zeroed and their
 * validity cleared, so a caller can either feed the zeros to a convolutional encoder (the usual
 * setup of these baselines) or derive a token mask from the validity and drop them.
 *
 * Kinds and what they do to each record:
 *
 *   none      nothing.
 *   standard  per-lead amplitude scaling by a factor uniform in [scale_min, scale_max]
 *             (default 0.8-1.2); Gaussian noise of standard deviation noise × the lead's own
 *             standard deviation (default 0.05, over its valid samples: scale-free, so it fits
 *             mV and normalised signals alike, and a missing or flat lead stays untouched); a
 *             time shift of s samples, s uniform in [-round(shift·L), round(shift·L)] (default
 *             shift 0.1: ±1 s of a 10 s record), the same for every lead (leads stay aligned),
 *             the samples shifted in zeroed and invalid. Scaling and noise apply to valid
 *             samples only.
 *   random    random masking: each lead loses a ratio `mask_ratio` (default 0.5) of its samples
 *             in `mask_blocks` contiguous blocks (default 1), placed independently per lead
 *             (data/missing.h missing_draw_time_blocks: the count is stochastically rounded, so
 *             the ratio holds on average and exactly when ratio × L is whole).
 *   3kg       Gopal et al. 2021 ("3KG: contrastive learning of 12-lead electrocardiograms using
 *             physiologically-inspired augmentations"). The eight independent leads x = (I, II,
 *             V1..V6) become a vectorcardiogram v = Dinv x through the inverse Dower matrix
 *             (DESIGN appendix, AUG_INVERSE_DOWER); v is rotated by R = Rz(c) Ry(b) Rx(a) (a
 *             rotation about X first, then Y, then Z, about fixed axes), the three angles
 *             uniform in [-rot_max, rot_max] degrees (default 45), then scaled per axis by
 *             S = diag(sx, sy, sz), each uniform in [scale3_min, scale3_max] (default 1-1.5),
 *             and projected back with the exact Moore-Penrose pseudo-inverse of the inverse Dower
 *             matrix, P = Dinv^T (Dinv Dinv^T)^-1 (8 × 3, computed in double;
 *             augment_3kg_back_matrix): x' = P S R Dinv x, one 8 × 8 matrix per record. As in the
 *             reference implementation, P rather than the rounded Dower matrix, so that with R
 *             = S = I the map is the orthogonal projection of x onto the row space of Dinv (the
 *             closest a 3-D heart vector can come to the recorded leads). III, aVR, aVL and aVF
 *             are re-derived from the new I and II (Einthoven and Goldberger; the input's are
 *             ignored, and a derived sample is valid where I and II both are). Finally each lead loses one contiguous block of `block_ratio` (default
 *             0.5) of its samples, placed independently per lead.
 *             3KG needs the eight independent leads; a lead that is not recorded enters the
 *             projection as zeros (its output stays invalid) and biases the other leads, so
 *             pretrain 3KG on complete 12-lead data, as the paper does.
 *
 * Randomness: record b's draws come from rng_seed(seed ^ tag, record[b] · AUG_MAX_VIEWS + view)
 * only, so a view is the same whatever the batch it sits in, the batch order or the number of
 * threads. Records are processed in parallel (OpenMP), each by one thread. */
#ifndef SCAR_MODEL_AUGMENT_H
#define SCAR_MODEL_AUGMENT_H

#include <stddef.h>
#include <stdint.h>

typedef enum { AUG_NONE, AUG_STANDARD, AUG_RANDOM, AUG_3KG, N_AUG_KINDS } AugKind;

/* Views per record a seed can tell apart (view numbers 0 .. AUG_MAX_VIEWS-1). */
#define AUG_MAX_VIEWS 64
/* Room for augment_format's text. */
#define AUG_TEXT_MAX 256

typedef struct {
    /* standard */
    double scale_min, scale_max;   /* per-lead amplitude factor, uniform; 0 < min <= max */
    double noise;                  /* Gaussian noise sd as a fraction of the lead's sd, >= 0 */
    double shift;                  /* largest time shift as a fraction of L, in [0, 1) */
    /* random */
    double mask_ratio;             /* fraction of each lead zeroed, in [0, 1] */
    int mask_blocks;               /* contiguous blocks per lead, 1..MISSING_MAX_BLOCKS */
    /* 3kg */
    double rot_max_deg;            /* rotation angle range about each axis, in [0, 180] */
    double scale3_min, scale3_max; /* per-axis VCG scaling, uniform; 0 < min <= max */
    double block_ratio;            /* one block of this fraction zeroed per lead, in [0, 1] */
} AugmentOptions;

/* The defaults described above. */
void augment_options_default(AugmentOptions *o);
/* 0 when every field is in range, else -1 with scar_fail() naming the field. */
int augment_options_check(const AugmentOptions *o);

const char *augment_kind_name(AugKind k);   /* "none", "standard", "random", "3kg" */
/* The kind named (any case); -1 with a message listing the kinds when there is none. */
int augment_kind_parse(const char *name, AugKind *k);

/* Text form: a kind name, optionally followed by ':' and key=value pairs separated by ','
 * ("random:ratio=0.3,blocks=2", "3kg:angle=30,scale=1-1.25,block=0.5",
 * "standard:noise=0.1,scale=0.9-1.1,shift=0.05"). Keys by kind: standard: noise, scale, shift;
 * random: ratio, blocks; 3kg: angle, scale, block. A range a-b sets min and max, one number sets
 * both. Options not named keep their defaults. -1 with a message quoting the text on failure. */
int augment_parse(const char *text, AugKind *kind, AugmentOptions *o);
/* The canonical text of a kind and the options it uses (augment_parse reads it back). */
int augment_format(AugKind kind, const AugmentOptions *o, char *buf, size_t cap);

/* Augment B records of L samples per lead.
 * in: [B, 12, L]; valid_in: [B, 12, L] or NULL (every sample real);
 * out: [B, 12, L] (may be in: in place); valid_out: [B, 12, L] or NULL (may be valid_in);
 * record: [B] the records' indices in their dataset (what makes the draws reproducible);
 * view: 0 .. AUG_MAX_VIEWS-1 (two views of a pair use two numbers).
 * Returns 0, or -1 with a message (bad options, view or size). */
int augment_apply(AugKind kind, const AugmentOptions *o, const float *in, const uint8_t *valid_in, float *out,
                  uint8_t *valid_out, int B, int L, const int64_t *record, uint64_t seed, int view);

/* ---- 3KG's geometry (exposed for its tests and for plots) ------------------------------------ */

/* The eight independent leads in the order of the Dower matrices' columns: I, II, V1..V6. */
extern const int AUG_3KG_LEADS[8];
/* Inverse Dower matrix (Edenbrandt and Pahlm 1988; DESIGN appendix): (I, II, V1..V6) -> (X, Y, Z). */
extern const double AUG_INVERSE_DOWER[3][8];
/* P = pinv(AUG_INVERSE_DOWER) = Dinv^T (Dinv Dinv^T)^-1, [8][3], in double. */
void augment_3kg_back_matrix(double P[8][3]);
/* The record map x' = P S R Dinv x as out[8][8] (rows: output leads, columns: input leads, both
 * in AUG_3KG_LEADS order), for angles (a, b, c) in degrees about X, Y, Z and scales s[3]. */
void augment_3kg_matrix(const double angle_deg[3], const double scale[3], double out[8][8]);

#endif
