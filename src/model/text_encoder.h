/* Report encoder: token and position embeddings, a pre-norm transformer over the present tokens
 * (key mask from the tokenizer's padding), mean pooling, a projection into the shared space. */
#ifndef SCAR_MODEL_TEXT_ENCODER_H
#define SCAR_MODEL_TEXT_ENCODER_H

#include <stdint.h>

#include "core/graph.h"
#include "core/params.h"
#include "model/transformer.h"

typedef struct {
    int vocab;           /* token ids in [0, vocab) */
    int max_len;         /* tokens per report (the tokenizer pads or truncates to it) */
    int embed_dim;       /* shared ECG-text space */
    TransformerConfig tf;
} TextEncoderConfig;

typedef struct {
    TextEncoderConfig cfg;
    Tensor *tok_emb;     /* [vocab, D] */
    Tensor *pos_emb;     /* [max_len, D] */
    Transformer tf;
    Tensor *proj_w;      /* [E, D] */
} TextEncoder;

typedef struct {
    Tensor *states;      /* [B, L, D] */
    Tensor *pooled;      /* [B, D] */
    Tensor *embedding;   /* [B, E] */
} TextEncoding;

void text_encoder_declare(TextEncoder *enc, ParamStore *ps, const TextEncoderConfig *cfg, const char *prefix);
void text_encoder_init(TextEncoder *enc, Rng *rng);
void text_encoder_free(TextEncoder *enc);

/* ids: [B, L] token ids, mask: [B, L] 1 = a real token, L <= max_len (positions 0..L-1).
 * Returns the embedding [B, E]. */
Tensor *text_encode(Graph *g, const TextEncoder *enc, const int32_t *ids, const uint8_t *mask, int B, int L,
                    TextEncoding *out);

/* Tokenizer output is padded to max_len; reports are mostly much shorter. Re-lay ids and mask
 * [B, max_len] in place as [B, L] with L the longest row's real tokens (tokens sit at the front
 * of each row), so the encoder does not compute on padding. Returns L (at least 1). */
int text_trim_batch(int32_t *ids, uint8_t *mask, int B, int max_len);

#endif
