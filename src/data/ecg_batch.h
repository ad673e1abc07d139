/* ECG batches for the encoders: records of a pack copied into one buffer and their token masks
 * under a missingness protocol (data/missing.h). Used by training (random drop, a fresh draw per
 * step) and by evaluation (a fixed protocol per record). */
#ifndef SCAR_DATA_ECG_BATCH_H
#define SCAR_DATA_ECG_BATCH_H

#include <stdint.h>

#include "data/missing.h"
#include "data/pack.h"

typedef struct {
    int cap;                  /* records the buffers hold */
    int B;                    /* records in the batch now */
    int S;                    /* samples per lead (the pack's) */
    int patch_len;
    int n_patches;            /* tokens per lead the encoder reads (<= S / patch_len) */
    float *signal;            /* [cap, 12, S] mV, 0 where not valid */
    uint8_t *valid;           /* [cap, 12, S] */
    uint16_t *lead_available; /* [cap] */
    uint8_t *token_mask;      /* [cap, 12, n_patches] 1 = present */
    int32_t *present;         /* [cap] present tokens per record */
} EcgBatch;

/* Buffers for up to `cap` records of pack p, read as n_patches tokens of patch_len per lead. */
int ecg_batch_init(EcgBatch *b, const Pack *p, int cap, int patch_len, int n_patches);
void ecg_batch_free(EcgBatch *b);

/* Copy records idx[0..n) and compute their token masks under protocol `proto` (NULL: every token
 * of an available lead with valid samples). The protocol's randomness is drawn from its seed and
 * each record's pack index. masker: for adversarial protocols, else NULL. */
int ecg_batch_fill(EcgBatch *b, const Pack *p, const int *idx, int n, const MissingProtocol *proto,
                   const MissingMasker *masker);

#endif
