/* Pre-norm transformer encoder: the trunk of the ECG and the text encoders.
 *
 *   for each block:  x = x + proj(attention(qkv(ln1(x)), key_mask))
 *                    x = x + fc2(gelu(fc1(ln2(x))))
 *   then             x = ln_f(x)
 *
 * Tokens absent from a sample (key_mask 0) are never attended to; their rows carry no meaning
 * (pool with op_pool_weighted over the present tokens). */
#ifndef SCAR_MODEL_TRANSFORMER_H
#define SCAR_MODEL_TRANSFORMER_H

#include <stdint.h>

#include "core/graph.h"
#include "core/params.h"
#include "core/rng.h"

typedef struct {
    int width;       /* D */
    int heads;
    int layers;
    int mlp;         /* hidden width of the MLP, usually 4 D */
    double dropout;  /* on the attention and MLP outputs while training */
    double ln_eps;
} TransformerConfig;

typedef struct {
    Tensor *ln1_w, *ln1_b;    /* [D] */
    Tensor *qkv_w, *qkv_b;    /* [3D, D], [3D] */
    Tensor *proj_w, *proj_b;  /* [D, D], [D] */
    Tensor *ln2_w, *ln2_b;    /* [D] */
    Tensor *fc1_w, *fc1_b;    /* [mlp, D], [mlp] */
    Tensor *fc2_w, *fc2_b;    /* [D, mlp], [D] */
} TransformerBlock;

typedef struct {
    TransformerConfig cfg;
    TransformerBlock *blocks; /* [layers] */
    Tensor *lnf_w, *lnf_b;    /* [D] */
} Transformer;

/* Declare the parameters as "<prefix>.blocks.<i>.<name>" in ps (before params_finalize). */
/* 0 when usable, else -1 with the error recorded naming `what` and the config's `section`. */
int transformer_config_validate(const TransformerConfig *tf, const char *what, const char *section);
void transformer_declare(Transformer *tf, ParamStore *ps, const TransformerConfig *cfg, const char *prefix);
/* GPT-2 style initial values (after params_finalize): weights N(0, 0.02), the residual projections
 * scaled by 1/sqrt(2 layers), biases 0, norms 1. */
void transformer_init(Transformer *tf, Rng *rng);
void transformer_free(Transformer *tf);

/* x: [B, T, D], key_mask: [B, T] or NULL                                    -> [B, T, D] */
Tensor *transformer_forward(Graph *g, const Transformer *tf, Tensor *x, const uint8_t *key_mask);

/* Matrix-product FLOPs of one forward pass over B samples of T tokens (for throughput figures). */
double transformer_forward_flops(const TransformerConfig *cfg, int B, int T);

/* Fill w with N(0, std) values. */
void init_normal(Tensor *w, Rng *rng, double std);
void init_constant(Tensor *w, float value);

#endif
