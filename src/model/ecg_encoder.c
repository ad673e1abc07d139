#include "model/ecg_encoder.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"

void ecg_encoder_declare(EcgEncoder *enc, ParamStore *ps, const EcgEncoderConfig *cfg, const char *prefix) {
    memset(enc, 0, sizeof *enc);
    enc->cfg = *cfg;
    const int D = cfg->tf.width;
    char name[PARAM_NAME_LEN];
#define NAME(s) (snprintf(name, sizeof name, "%s.%s", prefix, s), name)
    enc->patch_w = params_add(ps, NAME("patch_w"), SHAPE(D, cfg->patch_len), 1);
    enc->patch_b = params_add(ps, NAME("patch_b"), SHAPE(D), 0);
    enc->lead_emb = params_add(ps, NAME("lead_emb"), SHAPE(ECG_LEADS, D), 0);
    enc->time_emb = params_add(ps, NAME("time_emb"), SHAPE(cfg->n_patches, D), 0);
    transformer_declare(&enc->tf, ps, &cfg->tf, NAME("tf"));
    enc->proj_w = params_add(ps, NAME("proj_w"), SHAPE(cfg->embed_dim, D), 1);
    if (cfg->selector) {
        enc->sel_w = params_add(ps, NAME("sel_w"), SHAPE(1, D), 1);
        enc->sel_b = params_add(ps, NAME("sel_b"), SHAPE(1), 0);
    }
#undef NAME
}

void ecg_encoder_init(EcgEncoder *enc, Rng *rng) {
    init_normal(enc->patch_w, rng, 0.02);
    init_constant(enc->patch_b, 0);
    init_normal(enc->lead_emb, rng, 0.02);
    init_normal(enc->time_emb, rng, 0.02);
    transformer_init(&enc->tf, rng);
    init_normal(enc->proj_w, rng, 0.02);
    if (enc->sel_w) { /* zero logits: the selector starts as mean pooling */
        init_constant(enc->sel_w, 0);
        init_constant(enc->sel_b, 0);
    }
}

void ecg_encoder_free(EcgEncoder *enc) { transformer_free(&enc->tf); }

TokenLayout token_layout(Graph *g, const uint8_t *token_mask, int B, int n_patches) {
    TokenLayout L = {.B = B, .T = 0};
    const int per_sample = ECG_LEADS * n_patches;
    L.count = graph_alloc(g, (size_t)B * sizeof(int32_t));
    for (int b = 0; b < B; b++) {
        int c = 0;
        for (int k = 0; k < per_sample; k++) c += token_mask[(size_t)b * per_sample + k] != 0;
        L.count[b] = c;
        if (c > L.T) L.T = c;
    }
    if (L.T == 0) L.T = 1; /* a batch with no token at all still has a (padding) slot */
    L.token = graph_alloc(g, (size_t)B * L.T * sizeof(int32_t));
    L.key_mask = graph_alloc(g, (size_t)B * L.T);
    for (int b = 0; b < B; b++) {
        int t = 0;
        for (int k = 0; k < per_sample; k++)
            if (token_mask[(size_t)b * per_sample + k]) L.token[(size_t)b * L.T + t++] = k;
        for (int s = 0; s < L.T; s++) {
            L.key_mask[(size_t)b * L.T + s] = s < t;
            if (s >= t) L.token[(size_t)b * L.T + s] = -1;
        }
    }
    return L;
}

Tensor *ecg_embed_tokens(Graph *g, const EcgEncoder *enc, Tensor *signal, const TokenLayout *layout, Tensor *keep) {
    const EcgEncoderConfig *c = &enc->cfg;
    const int B = layout->B, T = layout->T, P = c->patch_len, NP = c->n_patches, D = c->tf.width;
    if (signal->ndim != 3 || signal->shape[0] != B || signal->shape[1] != ECG_LEADS || signal->shape[2] < NP * P)
        graph_shape_error("ecg_embed_tokens", "signal must be [%d, 12, >= %d]", B, NP * P);
    Tensor *s = signal->shape[2] == NP * P ? signal : op_slice(g, signal, 2, 0, NP * P);
    Tensor *patches = op_reshape(g, s, SHAPE(B * ECG_LEADS * NP, P));     /* [B*12*NP, P] */
    int32_t *rows = graph_alloc(g, (size_t)B * T * sizeof(int32_t));
    int32_t *lead = graph_alloc(g, (size_t)B * T * sizeof(int32_t));
    int32_t *time = graph_alloc(g, (size_t)B * T * sizeof(int32_t));
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const int32_t k = layout->token[(size_t)b * T + t];
            rows[(size_t)b * T + t] = k < 0 ? -1 : b * ECG_LEADS * NP + k;
            lead[(size_t)b * T + t] = k < 0 ? 0 : k / NP;
            time[(size_t)b * T + t] = k < 0 ? 0 : k % NP;
        }
    Tensor *x = op_linear(g, op_gather_rows(g, patches, rows, B * T), enc->patch_w, enc->patch_b); /* [B*T, D] */
    if (keep) x = op_mul(g, x, keep);                                                              /* [B*T, 1] */
    x = op_add(g, x, op_embedding(g, enc->lead_emb, lead, B * T));
    x = op_add(g, x, op_embedding(g, enc->time_emb, time, B * T));
    return op_reshape(g, x, SHAPE(B, T, D));
}

Tensor *ecg_encode_tokens(Graph *g, const EcgEncoder *enc, EcgEncoding *e, const uint8_t *pool_mask) {
    const TokenLayout *L = &e->layout;
    e->pool_mask = pool_mask ? pool_mask : L->key_mask;
    e->states = transformer_forward(g, &enc->tf, e->tokens, L->key_mask);                /* [B, T, D] */
    if (enc->sel_w) {
        Tensor *logits = op_linear(g, e->states, enc->sel_w, enc->sel_b);                 /* [B, T, 1] */
        e->sel_logits = op_reshape(g, logits, SHAPE(L->B, L->T));
        e->weights = op_softmax(g, e->sel_logits, e->pool_mask);
    } else {
        e->sel_logits = NULL;
        Tensor *w = tensor_new(g, SHAPE(L->B, L->T));
        for (int b = 0; b < L->B; b++) {
            int n = 0;
            for (int t = 0; t < L->T; t++) n += e->pool_mask[(size_t)b * L->T + t] != 0;
            for (int t = 0; t < L->T; t++)
                w->data[(size_t)b * L->T + t] = e->pool_mask[(size_t)b * L->T + t] ? (real)1 / (real)n : 0;
        }
        e->weights = w;
    }
    e->pooled = op_pool_weighted(g, e->states, e->weights);                              /* [B, D] */
    e->embedding = op_linear(g, e->pooled, enc->proj_w, NULL);                           /* [B, E] */
    return e->embedding;
}

Tensor *ecg_encode(Graph *g, const EcgEncoder *enc, Tensor *signal, const uint8_t *token_mask, EcgEncoding *out) {
    EcgEncoding e;
    memset(&e, 0, sizeof e);
    e.layout = token_layout(g, token_mask, signal->shape[0], enc->cfg.n_patches);
    e.tokens = ecg_embed_tokens(g, enc, signal, &e.layout, NULL);                       /* [B, T, D] */
    Tensor *z = ecg_encode_tokens(g, enc, &e, NULL);
    if (out) *out = e;
    return z;
}
