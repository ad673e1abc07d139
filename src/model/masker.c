#include "model/masker.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"

MaskerConfig masker_config_default(void) {
    MaskerConfig c = {.hidden = 64, .budget = 0.3, .lead_share = 0.4, .segment_share = 0.3, .penalty = 0.1,
                      .tau_start = 1.0, .tau_end = 0.3};
    return c;
}

int masker_config_validate(const MaskerConfig *c, const char *what) {
    if (c->hidden < 1 || c->hidden > 4096) return scar_fail("%s: masker.hidden %d outside [1, 4096]", what, c->hidden);
    if (!(c->budget > 0 && c->budget < 1)) return scar_fail("%s: masker.budget %g outside (0, 1)", what, c->budget);
    if (!(c->lead_share >= 0 && c->segment_share >= 0 && c->lead_share + c->segment_share <= 1))
        return scar_fail("%s: masker.lead_share %g and segment_share %g must be >= 0 and sum to at most 1", what,
                         c->lead_share, c->segment_share);
    if (!(c->penalty >= 0)) return scar_fail("%s: masker.penalty %g must be >= 0", what, c->penalty);
    if (!(c->tau_start > 0 && c->tau_end > 0)) return scar_fail("%s: masker temperatures must be positive", what);
    return 0;
}

void masker_declare(Masker *m, ParamStore *ps, const MaskerConfig *cfg, int width, const char *prefix) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    const int H = cfg->hidden;
    char name[PARAM_NAME_LEN];
#define NAME(s) (snprintf(name, sizeof name, "%s.%s", prefix, s), name)
    m->ln_w = params_add(ps, NAME("ln_w"), SHAPE(width), 0);
    m->ln_b = params_add(ps, NAME("ln_b"), SHAPE(width), 0);
    m->w1 = params_add(ps, NAME("w1"), SHAPE(H, width), 1);
    m->b1 = params_add(ps, NAME("b1"), SHAPE(H), 0);
    m->tok_w = params_add(ps, NAME("tok_w"), SHAPE(1, H), 1);
    m->tok_b = params_add(ps, NAME("tok_b"), SHAPE(1), 0);
    m->lead_w = params_add(ps, NAME("lead_w"), SHAPE(1, H), 1);
    m->lead_b = params_add(ps, NAME("lead_b"), SHAPE(1), 0);
    m->seg_w = params_add(ps, NAME("seg_w"), SHAPE(1, H), 1);
    m->seg_b = params_add(ps, NAME("seg_b"), SHAPE(1), 0);
#undef NAME
}

void masker_init(Masker *m, Rng *rng) {
    init_constant(m->ln_w, 1);
    init_constant(m->ln_b, 0);
    init_normal(m->w1, rng, 0.1);
    init_constant(m->b1, 0);
    Tensor *heads[3][2] = {{m->tok_w, m->tok_b}, {m->lead_w, m->lead_b}, {m->seg_w, m->seg_b}};
    for (int k = 0; k < 3; k++) {
        init_normal(heads[k][0], rng, 0.1);
        init_constant(heads[k][1], 0);
    }
}

double masker_tau(const MaskerConfig *c, int64_t step, int64_t steps) {
    const double f = steps > 1 ? (double)step / (double)(steps - 1) : 1;
    return c->tau_start * pow(c->tau_end / c->tau_start, f < 0 ? 0 : f > 1 ? 1 : f);
}

/* Pooling matrix [B, G, T]: row (b, j) averages the present slots of sample b in group j (the
 * slot's lead, or its segment). */
static Tensor *group_pool(Graph *g, const TokenLayout *L, int n_groups, int n_patches, int by_lead) {
    Tensor *P = tensor_zeros(g, SHAPE(L->B, n_groups, L->T));
    for (int b = 0; b < L->B; b++) {
        int count[4096] = {0};
        for (int t = 0; t < L->T; t++) {
            const int32_t k = L->token[(size_t)b * L->T + t];
            if (k >= 0) count[by_lead ? k / n_patches : k % n_patches]++;
        }
        for (int t = 0; t < L->T; t++) {
            const int32_t k = L->token[(size_t)b * L->T + t];
            if (k < 0) continue;
            const int j = by_lead ? k / n_patches : k % n_patches;
            P->data[((size_t)b * n_groups + j) * L->T + t] = (real)1 / (real)count[j];
        }
    }
    return P;
}

/* sigmoid(scores / tau) masked to the eligible entries, averaged over the batch, squared and
 * averaged, over the squared expected rate: 1 when removals spread evenly, up to 1 / rate when
 * every sample removes the same entries. scores: [B, N]. */
static Tensor *collapse_index(Graph *g, Tensor *scores, const uint8_t *eligible, const int32_t *k, double tau) {
    const int B = scores->shape[0], N = scores->shape[1];
    double chosen = 0, possible = 0;
    Tensor *e = tensor_new(g, SHAPE(B, N));
    for (int b = 0; b < B; b++) {
        chosen += k[b];
        for (int j = 0; j < N; j++) {
            e->data[(size_t)b * N + j] = eligible[(size_t)b * N + j];
            possible += eligible[(size_t)b * N + j];
        }
    }
    if (chosen == 0 || possible == 0) return NULL;
    const double rate = chosen / possible;
    Tensor *avg = tensor_new(g, SHAPE(1, B));
    for (int b = 0; b < B; b++) avg->data[b] = (real)1 / (real)B;
    Tensor *p = op_mul(g, op_sigmoid(g, op_scale(g, scores, 1 / tau)), e);   /* [B, N] */
    Tensor *mean = op_matmul(g, avg, p, 0, 0);                                /* [1, N] */
    return op_scale(g, op_mean(g, op_mul(g, mean, mean)), 1 / (rate * rate));
}

/* A [B * n, 1] column gathered from sel [B, n] at index n * b + which(slot), zero for padding. */
static Tensor *per_slot(Graph *g, Tensor *sel, const TokenLayout *L, int n, int n_patches, int by_lead) {
    int32_t *idx = graph_alloc(g, (size_t)L->B * L->T * sizeof(int32_t));
    for (int b = 0; b < L->B; b++)
        for (int t = 0; t < L->T; t++) {
            const int32_t k = L->token[(size_t)b * L->T + t];
            idx[(size_t)b * L->T + t] = k < 0 ? -1 : b * n + (by_lead ? k / n_patches : k % n_patches);
        }
    Tensor *col = op_reshape(g, sel, SHAPE(L->B * n, 1));
    return op_gather_rows(g, col, idx, L->B * L->T);
}

void masker_remove(Graph *g, const Masker *m, const MaskerConfig *cfg, Tensor *tokens, const TokenLayout *L,
                   int n_patches, double tau, int noise, double budget, MaskerOutput *out) {
    const int B = L->B, T = L->T, NP = n_patches;
    if (budget < 0) budget = cfg->budget;
    memset(out, 0, sizeof *out);

    /* Scores: [B, 12] leads, [B, NP] segments, [B, T] slots. */
    Tensor *s_lead, *s_seg, *s_tok;
    if (m) {
        Tensor *h = op_layernorm(g, op_stop_gradient(g, tokens), m->ln_w, m->ln_b, 1e-5);      /* [B, T, D] */
        Tensor *h1 = op_gelu(g, op_linear(g, h, m->w1, m->b1));                                 /* [B, T, H] */
        s_tok = op_reshape(g, op_linear(g, h1, m->tok_w, m->tok_b), SHAPE(B, T));
        Tensor *hl = op_matmul(g, group_pool(g, L, ECG_LEADS, NP, 1), h1, 0, 0);                 /* [B, 12, H] */
        s_lead = op_reshape(g, op_linear(g, hl, m->lead_w, m->lead_b), SHAPE(B, ECG_LEADS));
        Tensor *hs = op_matmul(g, group_pool(g, L, NP, NP, 0), h1, 0, 0);                        /* [B, NP, H] */
        s_seg = op_reshape(g, op_linear(g, hs, m->seg_w, m->seg_b), SHAPE(B, NP));
    } else {
        s_lead = tensor_zeros(g, SHAPE(B, ECG_LEADS));
        s_seg = tensor_zeros(g, SHAPE(B, NP));
        s_tok = tensor_zeros(g, SHAPE(B, T));
        noise = 1; /* zero scores + noise: uniform random choices */
    }

    /* Budgets and eligibility, stage by stage (each stage sees what the previous removed). */
    int32_t *K = graph_alloc(g, (size_t)B * sizeof(int32_t));
    int32_t *k_lead = graph_alloc(g, (size_t)B * sizeof(int32_t)), *k_seg = graph_alloc(g, (size_t)B * sizeof(int32_t));
    int32_t *k_tok = graph_alloc(g, (size_t)B * sizeof(int32_t));
    uint8_t *e_lead = graph_alloc(g, (size_t)B * ECG_LEADS), *e_seg = graph_alloc(g, (size_t)B * NP);
    uint8_t *e_tok = graph_alloc(g, (size_t)B * T);
    memset(e_lead, 0, (size_t)B * ECG_LEADS);
    for (int b = 0; b < B; b++) {
        K[b] = (int32_t)lround(budget * L->count[b]);
        int n_leads = 0;
        for (int t = 0; t < T; t++) {
            const int32_t k = L->token[(size_t)b * T + t];
            if (k >= 0 && !e_lead[b * ECG_LEADS + k / NP]) e_lead[b * ECG_LEADS + k / NP] = 1, n_leads++;
        }
        const int want = (int)lround(cfg->lead_share * K[b] / NP);
        k_lead[b] = want < n_leads - 1 ? want : (n_leads > 0 ? n_leads - 1 : 0);
    }
    Tensor *lead_sel = op_gumbel_topk(g, s_lead, e_lead, k_lead, tau, noise);                   /* [B, 12] */

    memset(e_seg, 0, (size_t)B * NP);
    for (int b = 0; b < B; b++) {
        int n_segs = 0;
        for (int t = 0; t < T; t++) {
            const int32_t k = L->token[(size_t)b * T + t];
            if (k >= 0 && lead_sel->data[b * ECG_LEADS + k / NP] == 0 && !e_seg[b * NP + k % NP])
                e_seg[b * NP + k % NP] = 1, n_segs++;
        }
        const int want = (int)lround(cfg->segment_share * K[b] / ECG_LEADS);
        k_seg[b] = want < n_segs - 1 ? want : (n_segs > 0 ? n_segs - 1 : 0);
    }
    Tensor *seg_sel = op_gumbel_topk(g, s_seg, e_seg, k_seg, tau, noise);                       /* [B, NP] */

    for (int b = 0; b < B; b++) {
        int removed = 0, left = 0;
        for (int t = 0; t < T; t++) {
            const int32_t k = L->token[(size_t)b * T + t];
            const int gone = k >= 0 && (lead_sel->data[b * ECG_LEADS + k / NP] != 0 || seg_sel->data[b * NP + k % NP] != 0);
            e_tok[(size_t)b * T + t] = k >= 0 && !gone;
            removed += gone;
            left += e_tok[(size_t)b * T + t];
        }
        const int want = K[b] - removed > 0 ? K[b] - removed : 0;
        k_tok[b] = want < left - 1 ? want : (left > 0 ? left - 1 : 0);
    }
    Tensor *tok_sel = op_gumbel_topk(g, s_tok, e_tok, k_tok, tau, noise);                       /* [B, T] */

    /* keep = (1 - lead) (1 - segment) (1 - token), per slot. */
    Tensor *ones = tensor_new(g, SHAPE(B * T, 1));
    for (int i = 0; i < B * T; i++) ones->data[i] = 1;
    Tensor *kl = op_sub(g, ones, per_slot(g, lead_sel, L, ECG_LEADS, NP, 1));
    Tensor *ks = op_sub(g, ones, per_slot(g, seg_sel, L, NP, NP, 0));
    Tensor *kt = op_sub(g, ones, op_reshape(g, tok_sel, SHAPE(B * T, 1)));
    out->keep = op_mul(g, op_mul(g, kl, ks), kt);                                               /* [B*T, 1] */

    out->removed = graph_alloc(g, (size_t)B * T);
    out->pool_mask = graph_alloc(g, (size_t)B * T);
    out->token_mask = graph_alloc(g, (size_t)B * ECG_LEADS * NP);
    out->n_removed = graph_alloc(g, (size_t)B * sizeof(int32_t));
    memset(out->token_mask, 0, (size_t)B * ECG_LEADS * NP);
    for (int b = 0; b < B; b++) {
        out->n_removed[b] = 0;
        for (int t = 0; t < T; t++) {
            const size_t s = (size_t)b * T + t;
            const int32_t k = L->token[s];
            const int gone = k >= 0 && out->keep->data[s] == 0;
            out->removed[s] = (uint8_t)gone;
            out->pool_mask[s] = (uint8_t)(k >= 0 && !gone);
            out->n_removed[b] += gone;
            if (k >= 0 && !gone) out->token_mask[(size_t)b * ECG_LEADS * NP + k] = 1;
        }
    }

    if (m && cfg->penalty > 0) {
        /* Token propensities on the (lead, patch) grid, so that slots of different samples align. */
        int32_t *grid = graph_alloc(g, (size_t)B * ECG_LEADS * NP * sizeof(int32_t));
        uint8_t *e_grid = graph_alloc(g, (size_t)B * ECG_LEADS * NP);
        for (int i = 0; i < B * ECG_LEADS * NP; i++) grid[i] = -1, e_grid[i] = 0;
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) {
                const int32_t k = L->token[(size_t)b * T + t];
                if (k >= 0) grid[(size_t)b * ECG_LEADS * NP + k] = b * T + t, e_grid[(size_t)b * ECG_LEADS * NP + k] = e_tok[(size_t)b * T + t];
            }
        Tensor *tok_grid = op_reshape(g, op_gather_rows(g, op_reshape(g, s_tok, SHAPE(B * T, 1)), grid, B * ECG_LEADS * NP),
                                      SHAPE(B, ECG_LEADS * NP));
        Tensor *parts[3] = {collapse_index(g, s_lead, e_lead, k_lead, tau), collapse_index(g, s_seg, e_seg, k_seg, tau),
                            collapse_index(g, tok_grid, e_grid, k_tok, tau)};
        for (int i = 0; i < 3; i++)
            if (parts[i]) out->penalty = out->penalty ? op_add(g, out->penalty, parts[i]) : parts[i];
    }
}
