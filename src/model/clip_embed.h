/* Inference with a trained ECG-language model: L2-normalised embeddings of ECGs (from a pack,
 * under a missingness protocol) and of texts, in batches, without recording gradients. */
#ifndef SCAR_MODEL_CLIP_EMBED_H
#define SCAR_MODEL_CLIP_EMBED_H

#include "data/ecg_batch.h"
#include "data/tokenizer.h"
#include "model/clip_model.h"

/* The encoder's forward on a filled batch: normalised embeddings [b->B, E] into out. */
void clip_embed_batch(ClipModel *m, Graph *g, const EcgBatch *b, float *out);

/* Records idx[0..n) of pack p under protocol `proto` (NULL: all present) -> out [n, E].
 * masker: for adversarial protocols, else NULL. */
int clip_embed_ecgs(ClipModel *m, const Pack *p, const int *idx, int n, const MissingProtocol *proto,
                    const MissingMasker *masker, int batch, float *out);

/* texts[0..n) -> out [n, E]. */
int clip_embed_texts(ClipModel *m, const Tokenizer *tok, const char *const *texts, int n, int batch, float *out);

#endif
