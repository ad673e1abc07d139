#include "model/clip_embed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"

static void normalise_rows(const Tensor *x, float *out) {
    const int n = x->shape[0], E = x->shape[1];
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < E; j++) s += (double)x->data[(size_t)i * E + j] * x->data[(size_t)i * E + j];
        const float inv = s > 0 ? (float)(1 / sqrt(s)) : 0;
        for (int j = 0; j < E; j++) out[(size_t)i * E + j] = x->data[(size_t)i * E + j] * inv;
    }
}

void clip_embed_batch(ClipModel *m, Graph *g, const EcgBatch *b, float *out) {
    graph_reset(g);
    g->grad_enabled = 0;
    g->training = 0;
    Tensor *x = tensor_copy_of(g, b->signal, SHAPE(b->B, ECG_LEADS, b->S));
    normalise_rows(ecg_encode(g, &m->ecg, x, b->token_mask, NULL), out);
}

int clip_embed_ecgs(ClipModel *m, const Pack *p, const int *idx, int n, const MissingProtocol *proto,
                    const MissingMasker *masker, int batch, float *out) {
    EcgBatch b;
    if (ecg_batch_init(&b, p, batch, m->cfg.ecg.patch_len, m->cfg.ecg.n_patches) != 0) return -1;
    Graph *g = graph_new(32 << 20);
    int rc = 0;
    for (int s = 0; s < n && !rc; s += batch) {
        const int k = n - s < batch ? n - s : batch;
        rc = ecg_batch_fill(&b, p, idx + s, k, proto, masker);
        if (!rc) clip_embed_batch(m, g, &b, out + (size_t)s * m->cfg.embed_dim);
    }
    graph_free(g);
    ecg_batch_free(&b);
    return rc;
}

int clip_embed_texts(ClipModel *m, const Tokenizer *tok, const char *const *texts, int n, int batch, float *out) {
    const int L = m->cfg.text.max_len;
    int32_t *ids = xmalloc((size_t)batch * L * sizeof(int32_t));
    uint8_t *mask = xmalloc((size_t)batch * L);
    Graph *g = graph_new(16 << 20);
    int rc = 0;
    for (int s = 0; s < n && !rc; s += batch) {
        const int k = n - s < batch ? n - s : batch;
        if (tokenizer_encode_batch(tok, texts + s, k, L, ids, mask, NULL) != 0) {
            rc = -1;
            break;
        }
        graph_reset(g);
        g->grad_enabled = 0;
        g->training = 0;
        const int Lb = text_trim_batch(ids, mask, k, L);
        normalise_rows(text_encode(g, &m->text, ids, mask, k, Lb, NULL), out + (size_t)s * m->cfg.embed_dim);
    }
    graph_free(g);
    free(ids);
    free(mask);
    return rc;
}
