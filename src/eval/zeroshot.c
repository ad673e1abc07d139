#include "eval/zeroshot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/clip_embed.h"

static void normalise(float *v, int E) {
    double n = 0;
    for (int j = 0; j < E; j++) n += (double)v[j] * v[j];
    const float inv = n > 0 ? (float)(1 / sqrt(n)) : 0;
    for (int j = 0; j < E; j++) v[j] *= inv;
}

int zeroshot_class_embeddings(ClipModel *m, const Tokenizer *tok, const PromptSet *ps, ClassEmbeddings *out) {
    const int E = m->cfg.embed_dim, C = ps->n_classes;
    int total = 0;
    for (int c = 0; c < C; c++) total += ps->n_texts[c];
    out->n_classes = C;
    out->E = E;
    out->n_vectors = ps->ensemble_max ? total : C;
    out->owner = xmalloc((size_t)out->n_vectors * sizeof(int32_t));
    out->vectors = xmalloc((size_t)out->n_vectors * E * sizeof(float));
    int v = 0;
    for (int c = 0; c < C; c++) {
        const int k = ps->n_texts[c];
        float *emb = xmalloc((size_t)k * E * sizeof(float));
        if (clip_embed_texts(m, tok, (const char *const *)ps->texts[c], k, k, emb) != 0) {
            free(emb);
            class_embeddings_free(out);
            return -1;
        }
        if (ps->ensemble_max) {
            for (int t = 0; t < k; t++, v++) {
                out->owner[v] = c;
                memcpy(out->vectors + (size_t)v * E, emb + (size_t)t * E, (size_t)E * sizeof(float));
            }
        } else {
            out->owner[v] = c;
            for (int j = 0; j < E; j++) {
                double s = 0;
                for (int t = 0; t < k; t++) s += emb[(size_t)t * E + j];
                out->vectors[(size_t)v * E + j] = (float)(s / k);
            }
            normalise(out->vectors + (size_t)v * E, E);
            v++;
        }
        free(emb);
    }
    return 0;
}

void class_embeddings_free(ClassEmbeddings *c) {
    free(c->owner);
    free(c->vectors);
    memset(c, 0, sizeof *c);
}

void zeroshot_scores(const float *ecg, int n, const ClassEmbeddings *c, double *scores) {
    const int C = c->n_classes, E = c->E;
#pragma omp parallel for schedule(static) if ((long)n * c->n_vectors * E > 100000)
    for (int i = 0; i < n; i++) {
        double *row = scores + (size_t)i * C;
        for (int k = 0; k < C; k++) row[k] = -INFINITY;
        for (int v = 0; v < c->n_vectors; v++) {
            double s = 0;
            for (int j = 0; j < E; j++) s += (double)ecg[(size_t)i * E + j] * c->vectors[(size_t)v * E + j];
            if (s > row[c->owner[v]]) row[c->owner[v]] = s;
        }
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
    const int E = m->cfg.embed_dim;
    float *ecg = xmalloc((size_t)(n ? n : 1) * E * sizeof(float));
    ClassEmbeddings cls;
    int rc = zeroshot_class_embeddings(m, tok, ps, &cls);
    if (!rc) rc = clip_embed_ecgs(m, p, idx, n, proto, masker, 128, ecg);
    if (!rc) zeroshot_scores(ecg, n, &cls, scores);
    if (cls.vectors) class_embeddings_free(&cls);
    free(ecg);
    return rc;
}
