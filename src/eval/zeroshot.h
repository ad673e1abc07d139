/* Zero-shot classification with an ECG-language model: a class's embedding is the normalised mean
 * of its prompts' embeddings; an ECG's score for the class is the cosine between them. */
#ifndef SCAR_EVAL_ZEROSHOT_H
#define SCAR_EVAL_ZEROSHOT_H

#include "data/missing.h"
#include "data/pack.h"
#include "data/tokenizer.h"
#include "eval/prompts.h"
#include "model/clip_model.h"

/* What an ECG is compared with: one normalised vector per class (the mean of its prompts'
 * embeddings, renormalised: CLIP's prompt ensembling), or, with ps->ensemble_max, every prompt's
 * vector, a class scoring its best-matching prompt (for classes that are unions of unlike
 * findings, such as conduction disturbances). */
typedef struct {
    int n_classes, n_vectors, E;
    int32_t *owner;   /* [n_vectors] the class of each vector */
    float *vectors;   /* [n_vectors, E] normalised */
} ClassEmbeddings;

int zeroshot_class_embeddings(ClipModel *m, const Tokenizer *tok, const PromptSet *ps, ClassEmbeddings *out);
void class_embeddings_free(ClassEmbeddings *c);
/* ecg: [n, E] normalised -> scores [n, C]: the cosine to the class, or to its best prompt. */
void zeroshot_scores(const float *ecg, int n, const ClassEmbeddings *c, double *scores);

/* Labels [n, C] of label set `set` for records idx[0..n) of a pack. */
int pack_label_matrix(const Pack *p, const int *idx, int n, int set, uint8_t *labels);

/* Zero-shot scores [n, C] for records idx[0..n) of a pack under a missingness protocol (NULL:
 * clean; masker for adversarial protocols, else NULL). */
int zeroshot_run(ClipModel *m, const Tokenizer *tok, const Pack *p, const int *idx, int n,
                 const PromptSet *ps, const MissingProtocol *proto, const MissingMasker *masker, double *scores);

#endif
