#include "model/transformer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/ops.h"

void init_normal(Tensor *w, Rng *rng, double std) {
    for (int64_t i = 0; i < w->numel; i++) w->data[i] = (real)(std * rng_normal(rng));
}

void init_constant(Tensor *w, float value) {
    for (int64_t i = 0; i < w->numel; i++) w->data[i] = value;
}

int transformer_config_validate(const TransformerConfig *tf, const char *what, const char *section) {
    if (tf->width < 1 || tf->width > 4096) return scar_fail("%s: %s.width %d outside [1, 4096]", what, section, tf->width);
    if (tf->layers < 0 || tf->layers > 64) return scar_fail("%s: %s.layers %d outside [0, 64]", what, section, tf->layers);
    if (tf->heads < 1 || tf->width % tf->heads) return scar_fail("%s: %s.heads %d must divide width %d", what, section, tf->heads, tf->width);
    if (tf->mlp < 1 || tf->mlp > 65536) return scar_fail("%s: %s.mlp %d outside [1, 65536]", what, section, tf->mlp);
    if (!(tf->dropout >= 0 && tf->dropout < 1)) return scar_fail("%s: %s.dropout %g outside [0, 1)", what, section, tf->dropout);
    return 0;
}

void transformer_declare(Transformer *tf, ParamStore *ps, const TransformerConfig *cfg, const char *prefix) {
    tf->cfg = *cfg;
    const int D = cfg->width, M = cfg->mlp;
    tf->blocks = xcalloc((size_t)cfg->layers, sizeof *tf->blocks);
    char name[PARAM_NAME_LEN];
#define P(field, decay, ...)                                                   \
    (snprintf(name, sizeof name, "%s.blocks.%d.%s", prefix, l, #field),        \
     b->field = params_add(ps, name, SHAPE(__VA_ARGS__), decay))
    for (int l = 0; l < cfg->layers; l++) {
        TransformerBlock *b = &tf->blocks[l];
        P(ln1_w, 0, D), P(ln1_b, 0, D);
        P(qkv_w, 1, 3 * D, D), P(qkv_b, 0, 3 * D);
        P(proj_w, 1, D, D), P(proj_b, 0, D);
        P(ln2_w, 0, D), P(ln2_b, 0, D);
        P(fc1_w, 1, M, D), P(fc1_b, 0, M);
        P(fc2_w, 1, D, M), P(fc2_b, 0, D);
    }
#undef P
    snprintf(name, sizeof name, "%s.ln_f_w", prefix);
    tf->lnf_w = params_add(ps, name, SHAPE(D), 0);
    snprintf(name, sizeof name, "%s.ln_f_b", prefix);
    tf->lnf_b = params_add(ps, name, SHAPE(D), 0);
}

void transformer_init(Transformer *tf, Rng *rng) {
    const double resid_std = 0.02 / sqrt(2.0 * tf->cfg.layers);
    for (int l = 0; l < tf->cfg.layers; l++) {
        TransformerBlock *b = &tf->blocks[l];
        init_constant(b->ln1_w, 1), init_constant(b->ln1_b, 0);
        init_constant(b->ln2_w, 1), init_constant(b->ln2_b, 0);
        init_normal(b->qkv_w, rng, 0.02), init_constant(b->qkv_b, 0);
        init_normal(b->proj_w, rng, resid_std), init_constant(b->proj_b, 0);
        init_normal(b->fc1_w, rng, 0.02), init_constant(b->fc1_b, 0);
        init_normal(b->fc2_w, rng, resid_std), init_constant(b->fc2_b, 0);
    }
    init_constant(tf->lnf_w, 1), init_constant(tf->lnf_b, 0);
}

void transformer_free(Transformer *tf) {
    free(tf->blocks);
    tf->blocks = NULL;
}

Tensor *transformer_forward(Graph *g, const Transformer *tf, Tensor *x, const uint8_t *key_mask) {
    const TransformerConfig *c = &tf->cfg;
    for (int l = 0; l < c->layers; l++) {
        const TransformerBlock *b = &tf->blocks[l];
        Tensor *h = op_layernorm(g, x, b->ln1_w, b->ln1_b, c->ln_eps);      /* [B, T, D] */
        Tensor *qkv = op_linear(g, h, b->qkv_w, b->qkv_b);                 /* [B, T, 3D] */
        Tensor *a = op_attention(g, qkv, key_mask, c->heads);              /* [B, T, D] */
        a = op_dropout(g, op_linear(g, a, b->proj_w, b->proj_b), c->dropout);
        x = op_add(g, x, a);
        h = op_layernorm(g, x, b->ln2_w, b->ln2_b, c->ln_eps);
        Tensor *m = op_gelu(g, op_linear(g, h, b->fc1_w, b->fc1_b));       /* [B, T, mlp] */
        m = op_dropout(g, op_linear(g, m, b->fc2_w, b->fc2_b), c->dropout); /* [B, T, D] */
        x = op_add(g, x, m);
    }
    return op_layernorm(g, x, tf->lnf_w, tf->lnf_b, c->ln_eps);
}

double transformer_forward_flops(const TransformerConfig *cfg, int B, int T) {
    const double D = cfg->width, M = cfg->mlp, tokens = (double)B * T;
    const double per_token = 2 * (3 * D * D + D * D + 2 * D * M) + 2 * 2 * T * D; /* linears + QK^T, PV */
    return tokens * per_token * cfg->layers;
}
