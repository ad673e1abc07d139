/* The adversarial mask generator (ssl_masker.h). This file uses only the core (graph, ops, params,
 * RNG) and `real`, so that its gradient test can compile it against the double-precision core. */
#include "model/ssl_masker.h"

#include <math.h>
#include <stdio.h>

#include "core/error.h"
#include "core/ops.h"

SslMaskerConfig ssl_masker_config_default(void) {
    SslMaskerConfig c = {.n_masks = 4, .per_lead = 1, .channels = 16, .depth = 3, .kernel = 7, .sharpness = 2.0,
                         .alpha = 1.0, .penalty_eps = 1e-3, .bn_momentum = 0.1, .bn_eps = 1e-5};
    return c;
}

int ssl_masker_config_validate(const SslMaskerConfig *c, const char *what) {
    if (c->n_masks < 1 || c->n_masks > 64) return scar_fail("%s: %d masks (1..64)", what, c->n_masks);
    if (c->per_lead != 0 && c->per_lead != 1) return scar_fail("%s: per_lead must be 0 or 1", what);
    if (c->channels < 1 || c->channels > 1024) return scar_fail("%s: %d channels (1..1024)", what, c->channels);
    if (c->depth < 1 || c->depth > SSL_MASKER_MAX_DEPTH)
        return scar_fail("%s: depth %d (1..%d)", what, c->depth, SSL_MASKER_MAX_DEPTH);
    if (c->kernel < 1 || c->kernel % 2 == 0 || c->kernel > 63)
        return scar_fail("%s: kernel %d must be odd, 1..63", what, c->kernel);
    if (!(c->sharpness >= 1 && c->sharpness <= 1e3)) return scar_fail("%s: sharpness %g must be in [1, 1000]", what, c->sharpness);
    if (!(c->alpha >= 0 && isfinite(c->alpha))) return scar_fail("%s: penalty weight %g must be >= 0", what, c->alpha);
    if (!(c->penalty_eps > 0 && c->penalty_eps < 0.5)) return scar_fail("%s: penalty eps %g must be in (0, 0.5)", what, c->penalty_eps);
    if (!(c->bn_momentum > 0 && c->bn_momentum <= 1)) return scar_fail("%s: batch norm momentum %g must be in (0, 1]", what, c->bn_momentum);
    if (!(c->bn_eps > 0)) return scar_fail("%s: batch norm eps %g must be > 0", what, c->bn_eps);
    return 0;
}

int ssl_masker_mask_leads(const SslMaskerConfig *c) { return c->per_lead ? 12 : 1; }

int ssl_masker_min_length(const SslMaskerConfig *c) { return 1 << c->depth; }

/* ---- parameters ---- */

/* "<base>.<field>" as a parameter (or buffer); a name past PARAM_NAME_LEN is a programming error. */
static Tensor *add_named(ParamStore *ps, const char *base, const char *field, int ndim, const int *shape, int decay,
                         int buffer) {
    char n[PARAM_NAME_LEN + 16];
    if (snprintf(n, sizeof n, "%s.%s", base, field) >= PARAM_NAME_LEN)
        graph_shape_error("ssl_masker", "parameter name \"%s.%s\" is too long", base, field);
    return buffer ? params_add_buffer(ps, n, ndim, shape) : params_add(ps, n, ndim, shape, decay);
}

static void declare_block(SslConvBlock *b, ParamStore *ps, const char *name, int cin, int cout, int k, int transposed) {
    b->w = transposed ? add_named(ps, name, "w", SHAPE(cin, cout, k), 1, 0) : add_named(ps, name, "w", SHAPE(cout, cin, k), 1, 0);
    b->bn_w = add_named(ps, name, "bn_w", SHAPE(cout), 0, 0);
    b->bn_b = add_named(ps, name, "bn_b", SHAPE(cout), 0, 0);
    b->bn_mean = add_named(ps, name, "bn_mean", SHAPE(cout), 0, 1);
    b->bn_var = add_named(ps, name, "bn_var", SHAPE(cout), 0, 1);
}

void ssl_masker_declare(SslMasker *m, ParamStore *ps, const SslMaskerConfig *cfg, const char *prefix) {
    m->cfg = *cfg;
    const int K = cfg->kernel, C = ssl_masker_mask_leads(cfg);
    char name[PARAM_NAME_LEN];
    snprintf(name, sizeof name, "%s.stem", prefix);
    declare_block(&m->stem, ps, name, 12, cfg->channels, K, 0);
    for (int d = 1; d <= cfg->depth; d++) {
        const int lo = cfg->channels << (d - 1), hi = cfg->channels << d;
        snprintf(name, sizeof name, "%s.down.%d", prefix, d - 1);
        declare_block(&m->down[d - 1], ps, name, lo, hi, 4, 0);
        snprintf(name, sizeof name, "%s.down_conv.%d", prefix, d - 1);
        declare_block(&m->down_conv[d - 1], ps, name, hi, hi, K, 0);
        snprintf(name, sizeof name, "%s.up.%d", prefix, d - 1);
        declare_block(&m->up[d - 1], ps, name, hi, lo, 4, 1);
        snprintf(name, sizeof name, "%s.up_conv.%d", prefix, d - 1);
        declare_block(&m->up_conv[d - 1], ps, name, 2 * lo, lo, K, 0);
    }
    m->head_w = add_named(ps, prefix, "head.w", SHAPE(cfg->n_masks * C, cfg->channels, 1), 1, 0);
    m->head_b = add_named(ps, prefix, "head.b", SHAPE(cfg->n_masks * C), 0, 0);
}

static void fill_normal(Tensor *t, Rng *rng, double std) {
    for (int64_t i = 0; i < t->numel; i++) t->data[i] = (real)(std * rng_normal(rng));
}

static void fill_constant(Tensor *t, double v) {
    for (int64_t i = 0; i < t->numel; i++) t->data[i] = (real)v;
}

/* fan_in: the inputs one output sums (a transposed convolution with stride 2 reaches each output
 * through half its kernel). */
static void init_block(SslConvBlock *b, Rng *rng, int fan_in) {
    fill_normal(b->w, rng, sqrt(2.0 / fan_in));
    fill_constant(b->bn_w, 1), fill_constant(b->bn_b, 0);
    fill_constant(b->bn_mean, 0), fill_constant(b->bn_var, 1);
}

void ssl_masker_init(SslMasker *m, Rng *rng) {
    const SslMaskerConfig *c = &m->cfg;
    init_block(&m->stem, rng, 12 * c->kernel);
    for (int d = 1; d <= c->depth; d++) {
        const int lo = c->channels << (d - 1), hi = c->channels << d;
        init_block(&m->down[d - 1], rng, lo * 4);
        init_block(&m->down_conv[d - 1], rng, hi * c->kernel);
        init_block(&m->up[d - 1], rng, hi * 2);
        init_block(&m->up_conv[d - 1], rng, 2 * lo * c->kernel);
    }
    fill_normal(m->head_w, rng, sqrt(1.0 / c->channels));
    fill_constant(m->head_b, 0);
}

/* ---- forward ---- */

static Tensor *block_bn_relu(Graph *g, const SslMasker *m, const SslConvBlock *b, Tensor *h) {
    h = op_batchnorm(g, h, b->bn_w, b->bn_b, b->bn_mean->data, b->bn_var->data, m->cfg.bn_momentum, m->cfg.bn_eps);
    return op_relu(g, h);
}

Tensor *ssl_masker_logits(Graph *g, const SslMasker *m, Tensor *signal) {
    const SslMaskerConfig *c = &m->cfg;
    char buf[64];
    if (signal->ndim != 3 || signal->shape[1] != 12)
        graph_shape_error("ssl_masker", "signal must be [B, 12, L], is %s", tensor_shape_str(signal, buf, sizeof buf));
    if (signal->shape[2] < ssl_masker_min_length(c))
        graph_shape_error("ssl_masker", "%d samples, fewer than the 2^%d the depth needs", signal->shape[2], c->depth);
    const int pad = c->kernel / 2;
    Tensor *skip[SSL_MASKER_MAX_DEPTH + 1];
    Tensor *h = block_bn_relu(g, m, &m->stem, op_conv1d(g, signal, m->stem.w, NULL, 1, pad, 1));
    skip[0] = h;
    for (int d = 1; d <= c->depth; d++) {
        h = block_bn_relu(g, m, &m->down[d - 1], op_conv1d(g, h, m->down[d - 1].w, NULL, 2, 1, 1));
        h = block_bn_relu(g, m, &m->down_conv[d - 1], op_conv1d(g, h, m->down_conv[d - 1].w, NULL, 1, pad, 1));
        skip[d] = h;
    }
    for (int d = c->depth; d >= 1; d--) {
        const int target = skip[d - 1]->shape[2];
        const int out_pad = target - 2 * h->shape[2]; /* 0 or 1: the length the halving floored away */
        Tensor *u = op_conv_transpose1d(g, h, m->up[d - 1].w, NULL, 2, 1, 1, out_pad);
        u = block_bn_relu(g, m, &m->up[d - 1], u);
        Tensor *cat[2] = {u, skip[d - 1]};
        h = op_concat(g, cat, 2, 1);
        h = block_bn_relu(g, m, &m->up_conv[d - 1], op_conv1d(g, h, m->up_conv[d - 1].w, NULL, 1, pad, 1));
    }
    return op_conv1d(g, h, m->head_w, m->head_b, 1, 0, 1);
}

Tensor *ssl_mask_sharpen(Graph *g, Tensor *x, double sharpness) {
    return op_sigmoid(g, sharpness == 1 ? x : op_scale(g, x, sharpness));
}

Tensor *ssl_masker_forward(Graph *g, const SslMasker *m, Tensor *signal) {
    const int B = signal->shape[0], L = signal->shape[2];
    Tensor *masks = ssl_mask_sharpen(g, ssl_masker_logits(g, m, signal), m->cfg.sharpness);
    return op_reshape(g, masks, SHAPE(B, m->cfg.n_masks, ssl_masker_mask_leads(&m->cfg), L));
}

Tensor *ssl_masker_views(Graph *g, Tensor *signal, Tensor *masks) {
    char a[64], b[64];
    if (signal->ndim != 3 || masks->ndim != 4 || masks->shape[0] != signal->shape[0] ||
        (masks->shape[2] != signal->shape[1] && masks->shape[2] != 1) || masks->shape[3] != signal->shape[2])
        graph_shape_error("ssl_masker_views", "signal %s and masks %s do not match", tensor_shape_str(signal, a, sizeof a),
                          tensor_shape_str(masks, b, sizeof b));
    const int B = signal->shape[0], C = signal->shape[1], L = signal->shape[2], N = masks->shape[1];
    Tensor *one = op_reshape(g, signal, SHAPE(B, 1, C, L));
    Tensor *tiled = one;
    if (N > 1) {
        Tensor **copies = graph_alloc(g, (size_t)N * sizeof *copies);
        for (int n = 0; n < N; n++) copies[n] = one;
        tiled = op_concat(g, copies, N, 1); /* [B, N, C, L] */
    }
    return op_sub(g, tiled, op_mul(g, tiled, masks)); /* signal - signal · mask */
}

/* ---- the sparsity penalty: an op of its own (sin has no op in the core) ----
 * in[0]: per-mask means [...]; out [1]; farg[0] alpha, farg[1] eps. */

static double clamp_mean(double m, double eps) { return m < eps ? eps : m > 1 - eps ? 1 - eps : m; }

static void sparsity_forward(Node *n) {
    const Tensor *mean = n->in[0];
    const double alpha = n->farg[0], eps = n->farg[1], pi = 3.14159265358979323846;
    double s = 0;
    for (int64_t i = 0; i < mean->numel; i++) s += 1 / sin(pi * clamp_mean(mean->data[i], eps));
    n->out->data[0] = (real)(alpha * s / (double)mean->numel);
}

static void sparsity_backward(Graph *g, Node *n) {
    Tensor *mean = n->in[0];
    if (!mean->requires_grad) return;
    const double alpha = n->farg[0], eps = n->farg[1], pi = 3.14159265358979323846;
    const double up = n->out->grad[0] * alpha / (double)mean->numel;
    real *dm = tensor_grad(g, mean);
    for (int64_t i = 0; i < mean->numel; i++) { /* d/dm 1/sin(pi m) = -pi cos(pi m) / sin^2(pi m), at the clamp */
        double m = clamp_mean(mean->data[i], eps), s = sin(pi * m);
        dm[i] += (real)(up * -pi * cos(pi * m) / (s * s));
    }
}

static const OpInfo OP_SPARSITY = {"sparsity_penalty", sparsity_forward, sparsity_backward, 0};

Tensor *ssl_masker_penalty(Graph *g, Tensor *masks, double alpha, double eps) {
    char buf[64];
    if (masks->ndim != 4) graph_shape_error("ssl_masker_penalty", "masks must be [B, N, C, L], are %s", tensor_shape_str(masks, buf, sizeof buf));
    if (!(eps > 0 && eps < 0.5)) graph_shape_error("ssl_masker_penalty", "eps %g not in (0, 0.5)", eps);
    const int B = masks->shape[0], N = masks->shape[1];
    Tensor *flat = op_reshape(g, masks, SHAPE(B, N, masks->shape[2] * masks->shape[3]));
    Tensor *mean = op_mean_last(g, flat); /* [B, N] */
    Node args = {.farg = {alpha, eps}};
    return graph_record(g, &OP_SPARSITY, &mean, 1, SHAPE(1), &args);
}
