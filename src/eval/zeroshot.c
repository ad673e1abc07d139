#include "eval/zeroshot.h"

#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "model/clip_embed.h"

int zeroshot_class_embeddings(ClipModel *m, const Tokenizer *tok, const PromptSet *ps, float *out) {
    const int E = m->cfg.embed_dim;
    for (int c = 0; c < ps->n_classes; c++) {
        const int k = ps->n_texts[c];
        float *emb = xmalloc((size_t)k * E * sizeof(float));
        if (clip_embed_texts(m, tok, (const char *const *)ps->texts[c], k, k, emb) != 0) {
            free(emb);
            return -1;
        }
        double norm = 0;
        for (int j = 0; j < E; j++) {
            double s = 0;
            for (int t = 0; t < k; t++) s += emb[(size_t)t * E + j];
            out[(size_t)c * E + j] = (float)(s / k);
            norm += (s / k) * (s / k);
        }
        for (int j = 0; j < E; j++) out[(size_t)c * E + j] = norm > 0 ? (float)(out[(size_t)c * E + j] / sqrt(norm)) : 0;
        free(emb);
    }
    return 0;
}

void zeroshot_scores(const float *ecg, int n, const float *cls, int C, int E, double *scores) {
#pragma omp parallel for schedule(static) if ((long)n * C * E > 100000)
    for (int i = 0; i < n; i++)
        for (int c = 0; c < C; c++) {
            double s = 0;
            for (int j = 0; j < E; j++) s += (double)ecg[(size_t)i * E + j] * cls[(size_t)c * E + j];
            scores[(size_t)i * C + c] = s;
        }
}

int pack_label_matrix(const Pack *p, const int *idx, int n, int set, uint8_t *labels) {
    const int C = pack_schema(p)->n_classes[set];
    for (int i = 0; i < n; i++) {
        EcgRecord v;
        if (pack_get(p, idx[i], &v) != 0) return -1;
        for (int c = 0; c < C; c++) labels[(size_t)i * C + c] = (uint8_t)label_has(&v.labels[set], c);
    }
    return 0;
}

int zeroshot_run(ClipModel *m, const Tokenizer *tok, const Pack *p, const int *idx, int n,
                 const PromptSet *ps, const MissingProtocol *proto, const MissingMasker *masker, double *scores) {
    const int E = m->cfg.embed_dim, C = ps->n_classes;
    float *cls = xmalloc((size_t)C * E * sizeof(float)), *ecg = xmalloc((size_t)(n ? n : 1) * E * sizeof(float));
    int rc = zeroshot_class_embeddings(m, tok, ps, cls);
    if (!rc) rc = clip_embed_ecgs(m, p, idx, n, proto, masker, 128, ecg);
    if (!rc) zeroshot_scores(ecg, n, cls, C, E, scores);
    free(cls);
    free(ecg);
    return rc;
}
