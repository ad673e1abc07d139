#include "model/text_encoder.h"

#include <stdio.h>
#include <string.h>

#include "core/ops.h"

void text_encoder_declare(TextEncoder *enc, ParamStore *ps, const TextEncoderConfig *cfg, const char *prefix) {
    memset(enc, 0, sizeof *enc);
    enc->cfg = *cfg;
    const int D = cfg->tf.width;
    char name[PARAM_NAME_LEN];
#define NAME(s) (snprintf(name, sizeof name, "%s.%s", prefix, s), name)
    enc->tok_emb = params_add(ps, NAME("tok_emb"), SHAPE(cfg->vocab, D), 0);
    enc->pos_emb = params_add(ps, NAME("pos_emb"), SHAPE(cfg->max_len, D), 0);
    transformer_declare(&enc->tf, ps, &cfg->tf, NAME("tf"));
    enc->proj_w = params_add(ps, NAME("proj_w"), SHAPE(cfg->embed_dim, D), 1);
#undef NAME
}

void text_encoder_init(TextEncoder *enc, Rng *rng) {
    init_normal(enc->tok_emb, rng, 0.02);
    init_normal(enc->pos_emb, rng, 0.01);
    transformer_init(&enc->tf, rng);
    init_normal(enc->proj_w, rng, 0.02);
}

void text_encoder_free(TextEncoder *enc) { transformer_free(&enc->tf); }

int text_trim_batch(int32_t *ids, uint8_t *mask, int B, int max_len) {
    int L = 1;
    for (int b = 0; b < B; b++) {
        int n = 0;
        while (n < max_len && mask[(size_t)b * max_len + n]) n++;
        if (n > L) L = n;
    }
    for (int b = 1; b < B; b++) { /* rows move to lower addresses only: in place, front to back */
        memmove(ids + (size_t)b * L, ids + (size_t)b * max_len, (size_t)L * sizeof(int32_t));
        memmove(mask + (size_t)b * L, mask + (size_t)b * max_len, (size_t)L);
    }
    return L;
}

Tensor *text_encode(Graph *g, const TextEncoder *enc, const int32_t *ids, const uint8_t *mask, int B, int L,
                    TextEncoding *out) {
    const int D = enc->cfg.tf.width;
    if (L < 1 || L > enc->cfg.max_len) graph_shape_error("text_encode", "%d tokens per report, the encoder takes 1 to %d", L, enc->cfg.max_len);
    for (int i = 0; i < B * L; i++)
        if (ids[i] < 0 || ids[i] >= enc->cfg.vocab) graph_shape_error("text_encode", "token id %d outside the vocabulary of %d", ids[i], enc->cfg.vocab);
    int32_t *pos = graph_alloc(g, (size_t)B * L * sizeof(int32_t));
    for (int i = 0; i < B * L; i++) pos[i] = i % L;
    Tensor *x = op_add(g, op_embedding(g, enc->tok_emb, ids, B * L), op_embedding(g, enc->pos_emb, pos, B * L));
    TextEncoding e;
    e.states = transformer_forward(g, &enc->tf, op_reshape(g, x, SHAPE(B, L, D)), mask);
    Tensor *w = tensor_new(g, SHAPE(B, L));
    for (int b = 0; b < B; b++) {
        int n = 0;
        for (int t = 0; t < L; t++) n += mask[b * L + t] != 0;
        for (int t = 0; t < L; t++) w->data[b * L + t] = mask[b * L + t] ? (real)1 / (real)n : 0;
    }
    e.pooled = op_pool_weighted(g, e.states, w);
    e.embedding = op_linear(g, e.pooled, enc->proj_w, NULL);
    if (out) *out = e;
    return e.embedding;
}
