/* The masker of a trained SCAR model as a missingness protocol for any model with the same token
 * geometry: `adversarial=PATH;budget=B` removes, from each record, the round(B x present) tokens
 * that PATH's masker scores highest (no Gumbel noise: a deterministic worst case under a budget),
 * structured into whole leads, whole segments and free tokens by its budget shares. */
#ifndef SCAR_EVAL_ADVERSARIAL_H
#define SCAR_EVAL_ADVERSARIAL_H

#include "data/missing.h"
#include "data/tokenizer.h"
#include "model/clip_model.h"

typedef struct {
    ClipModel model;
    Tokenizer *tok;
    char path[4096];
    int random;        /* 1: random removal with the same budget and structure (the reference the
                          masker is compared with); record i draws from stream (seed, i) */
    uint64_t seed;
} AdversarialMasker;

/* Load the SCAR checkpoint at path (it must carry a masker). */
int adversarial_open(AdversarialMasker *a, const char *path);
void adversarial_close(AdversarialMasker *a);
/* The callback to pass to missing_apply_masked / clip_embed_ecgs. */
MissingMasker adversarial_masker(AdversarialMasker *a);

#endif
