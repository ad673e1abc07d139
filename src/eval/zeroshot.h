/* Zero-shot classification with an ECG-language model: a class's embedding is the normalised mean
 * of its prompts' embeddings; an ECG's score for the class is the cosine between them. */
#ifndef SCAR_EVAL_ZEROSHOT_H
#define SCAR_EVAL_ZEROSHOT_H

#include "data/missing.h"
#include "data/pack.h"
#include "data/tokenizer.h"
#include "eval/prompts.h"
#include "model/clip_model.h"

/* out: [n_classes, E] normalised class embeddings. */
int zeroshot_class_embeddings(ClipModel *m, const Tokenizer *tok, const PromptSet *ps, float *out);
/* ecg: [n, E] and cls: [C, E], both normalised -> scores [n, C] = cosine similarities. */
void zeroshot_scores(const float *ecg, int n, const float *cls, int C, int E, double *scores);

/* Labels [n, C] of label set `set` for records idx[0..n) of a pack. */
int pack_label_matrix(const Pack *p, const int *idx, int n, int set, uint8_t *labels);

/* Zero-shot scores [n, C] for records idx[0..n) of a pack under a missingness protocol (NULL:
 * clean; masker for adversarial protocols, else NULL). */
int zeroshot_run(ClipModel *m, const Tokenizer *tok, const Pack *p, const int *idx, int n,
                 const PromptSet *ps, const MissingProtocol *proto, const MissingMasker *masker, double *scores);

#endif
