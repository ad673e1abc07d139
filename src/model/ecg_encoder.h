/* ECG encoder over spatio-temporal tokens (DESIGN §1): every lead is cut into time patches of
 * patch_len samples; one token per (lead, patch). A shared linear patch embedding, learned lead and
 * time embeddings, a pre-norm transformer, pooling over the present tokens, and a projection into
 * the shared ECG-text space.
 *
 * Absent tokens (missing leads, removed segments) are dropped from the sequence, not zeroed: each
 * sample's present tokens are packed to the front, the batch is padded to its longest sample and a
 * key mask hides the padding. Fewer tokens cost less compute. */
#ifndef SCAR_MODEL_ECG_ENCODER_H
#define SCAR_MODEL_ECG_ENCODER_H

#include <stdint.h>

#include "core/graph.h"
#include "core/params.h"
#include "model/transformer.h"

#define ECG_LEADS 12

typedef struct {
    int patch_len;        /* samples per token */
    int selector;         /* 1: pool with the adaptive selector's learned weights (SCAR), else mean */
    int n_patches;        /* time patches per lead: the encoder reads n_patches * patch_len samples */
    int embed_dim;        /* shared ECG-text space */
    TransformerConfig tf;
} EcgEncoderConfig;

typedef struct {
    EcgEncoderConfig cfg;
    Tensor *patch_w, *patch_b;  /* [D, patch_len], [D] */
    Tensor *lead_emb;           /* [12, D] */
    Tensor *time_emb;           /* [n_patches, D] */
    Transformer tf;
    Tensor *proj_w;             /* [E, D] */
    Tensor *sel_w, *sel_b;      /* [1, D], [1]: selector logits (cfg.selector only; zero = mean) */
} EcgEncoder;

/* The token layout of one batch: which (lead, patch) sits in each slot of the packed sequence. */
typedef struct {
    int B, T;                   /* samples, slots per sample (the longest sample's token count) */
    int32_t *token;             /* [B, T] lead * n_patches + patch, or -1 for padding */
    uint8_t *key_mask;          /* [B, T] 1 = a present token */
    int32_t *count;             /* [B] present tokens per sample */
} TokenLayout;

/* What one forward pass exposes (the masker and the selector of SCAR read the intermediates). */
typedef struct {
    TokenLayout layout;
    Tensor *tokens;             /* [B, T, D] token embeddings (patch + lead + time), before the trunk */
    Tensor *states;             /* [B, T, D] transformer output */
    const uint8_t *pool_mask;   /* [B, T] slots pooled over (present, and not removed by a masker) */
    Tensor *sel_logits;         /* [B, T] selector logits, NULL without a selector */
    Tensor *weights;            /* [B, T] pooling weights */
    Tensor *pooled;             /* [B, D] */
    Tensor *embedding;          /* [B, E] projection (not normalised) */
} EcgEncoding;

void ecg_encoder_declare(EcgEncoder *enc, ParamStore *ps, const EcgEncoderConfig *cfg, const char *prefix);
void ecg_encoder_init(EcgEncoder *enc, Rng *rng);
void ecg_encoder_free(EcgEncoder *enc);

/* Pack the present tokens of token_mask [B, 12, n_patches] (1 = present) into a layout (arena). */
TokenLayout token_layout(Graph *g, const uint8_t *token_mask, int B, int n_patches);

/* Patch + lead + time embeddings of the present tokens.
 * signal: [B, 12, S] with S >= n_patches * patch_len (samples past that are ignored);
 * keep: [B * T, 1] scales each slot's patch content (the masker step's differentiable removal:
 * a removed token keeps its place and position but loses its content), or NULL -> [B, T, D] */
Tensor *ecg_embed_tokens(Graph *g, const EcgEncoder *enc, Tensor *signal, const TokenLayout *layout, Tensor *keep);

/* Trunk, pooling (selector or mean over pool_mask, NULL = the present tokens) and projection
 * from token embeddings; fills *out (its layout and tokens set by the caller). Returns [B, E]. */
Tensor *ecg_encode_tokens(Graph *g, const EcgEncoder *enc, EcgEncoding *out, const uint8_t *pool_mask);

/* The whole encoder on the tokens of token_mask [B, 12, n_patches]. Fills *out (may be NULL) and
 * returns the embedding [B, E]. */
Tensor *ecg_encode(Graph *g, const EcgEncoder *enc, Tensor *signal, const uint8_t *token_mask, EcgEncoding *out);

#endif
