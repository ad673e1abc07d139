/* SCAR's adversarial masker (DESIGN §1): scores every present token, every lead and every time
 * segment from the (stop-gradient) token embeddings and removes the highest-scoring ones under a
 * budget, so that ECG-text alignment is hurt the most. Real missingness is structured, so the
 * budget is split between whole leads (an electrode off), whole segments (motion, saturation) and
 * free tokens.
 *
 * The choice is differentiable: Gumbel-sigmoid relaxation of each score, hard top-K in the forward
 * pass, straight-through gradients in the backward pass (core/ops.h op_gumbel_topk). A token is
 * kept when its lead, its segment and itself are all kept:
 *     keep = (1 - lead_removed) (1 - segment_removed) (1 - token_removed)
 * which carries the gradient to all three kinds of score.
 *
 * Exactly K = round(budget * visible) tokens go per sample: leads first (k_lead = round(lead share
 * * K / n_patches)), then segments (k_seg = round(segment share * K / 12)), then free tokens for
 * what is left; at least one lead, one segment and one token always stay. */
#ifndef SCAR_MODEL_MASKER_H
#define SCAR_MODEL_MASKER_H

#include <stdint.h>

#include "core/graph.h"
#include "core/params.h"
#include "model/ecg_encoder.h"

typedef struct {
    int hidden;             /* width of the scoring MLP */
    double budget;          /* fraction of each sample's visible tokens removed */
    double lead_share;      /* share of the budget spent on whole leads */
    double segment_share;   /* share spent on whole time segments; the rest on free tokens */
    double penalty;         /* weight of the anti-collapse penalty in the masker's loss */
    double tau_start, tau_end; /* Gumbel-sigmoid temperature, annealed geometrically over training */
} MaskerConfig;

typedef struct {
    MaskerConfig cfg;
    Tensor *ln_w, *ln_b;        /* [D] */
    Tensor *w1, *b1;            /* [H, D], [H]: shared first layer */
    Tensor *tok_w, *tok_b;      /* [1, H], [1] */
    Tensor *lead_w, *lead_b;    /* [1, H], [1] */
    Tensor *seg_w, *seg_b;      /* [1, H], [1] */
} Masker;

typedef struct {
    Tensor *keep;          /* [B * T, 1] 1 kept / 0 removed, gradients to the scores (straight-through) */
    uint8_t *removed;      /* [B, T] the hard removal per slot of the layout */
    uint8_t *token_mask;   /* [B, 12, n_patches] the present tokens minus the removed ones */
    uint8_t *pool_mask;    /* [B, T] present and not removed */
    int32_t *n_removed;    /* [B] */
    Tensor *penalty;       /* [1] anti-collapse penalty (NULL for random removal) */
} MaskerOutput;

MaskerConfig masker_config_default(void);
int masker_config_validate(const MaskerConfig *c, const char *what);
void masker_declare(Masker *m, ParamStore *ps, const MaskerConfig *cfg, int width, const char *prefix);
void masker_init(Masker *m, Rng *rng);

/* The Gumbel temperature at training step `step` of `steps`. */
double masker_tau(const MaskerConfig *c, int64_t step, int64_t steps);

/* Choose the tokens to remove for the samples of `layout` (their token embeddings `tokens`
 * [B, T, D], read through a stop-gradient). m NULL: random removal with the same budget split
 * (zero scores with Gumbel noise: uniform choices; the --no-masker ablation). noise: draw Gumbel
 * noise (training) or not (a deterministic worst case). budget < 0: the masker's own. */
void masker_remove(Graph *g, const Masker *m, const MaskerConfig *cfg, Tensor *tokens, const TokenLayout *layout,
                   int n_patches, double tau, int noise, double budget, MaskerOutput *out);

#endif
