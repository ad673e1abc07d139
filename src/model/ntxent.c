#include "model/ntxent.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"

ProjectionHeadConfig projection_head_config_default(int in_features) {
    ProjectionHeadConfig c = {in_features, in_features, 128, 1};
    return c;
}

int projection_head_config_validate(const ProjectionHeadConfig *c, const char *what) {
    if (c->in_features < 1 || c->hidden < 1 || c->out < 1 || c->in_features > 65536 || c->hidden > 65536 || c->out > 65536)
        return scar_fail("%s: projection head sizes %d -> %d -> %d must lie in [1, 65536]", what, c->in_features,
                         c->hidden, c->out);
    if (c->bn != 0 && c->bn != 1) return scar_fail("%s: projection head bn must be 0 or 1", what);
    return 0;
}

void projection_head_declare(ProjectionHead *h, ParamStore *ps, const ProjectionHeadConfig *cfg, const char *prefix) {
    memset(h, 0, sizeof *h);
    h->cfg = *cfg;
    char name[PARAM_NAME_LEN];
    snprintf(name, sizeof name, "%s.fc1_w", prefix);
    h->fc1_w = params_add(ps, name, SHAPE(cfg->hidden, cfg->in_features), 1);
    if (cfg->bn) {
        snprintf(name, sizeof name, "%s.bn", prefix);
        batchnorm_layer_declare(&h->bn, ps, name, cfg->hidden, BN_DEFAULT_MOMENTUM, BN_DEFAULT_EPS);
    } else {
        snprintf(name, sizeof name, "%s.fc1_b", prefix);
        h->fc1_b = params_add(ps, name, SHAPE(cfg->hidden), 0);
    }
    snprintf(name, sizeof name, "%s.fc2_w", prefix);
    h->fc2_w = params_add(ps, name, SHAPE(cfg->out, cfg->hidden), 1);
    snprintf(name, sizeof name, "%s.fc2_b", prefix);
    h->fc2_b = params_add(ps, name, SHAPE(cfg->out), 0);
}

static void init_uniform(Tensor *t, Rng *rng, double bound) {
    for (int64_t i = 0; i < t->numel; i++) t->data[i] = (real)(bound * (2 * rng_uniform_f64(rng) - 1));
}

void projection_head_init(ProjectionHead *h, Rng *rng) {
    const double b1 = 1 / sqrt((double)h->cfg.in_features), b2 = 1 / sqrt((double)h->cfg.hidden);
    init_uniform(h->fc1_w, rng, b1);
    if (h->fc1_b) init_uniform(h->fc1_b, rng, b1);
    if (h->cfg.bn) batchnorm_layer_init(&h->bn);
    init_uniform(h->fc2_w, rng, b2);
    init_uniform(h->fc2_b, rng, b2);
}

Tensor *projection_head_forward(Graph *g, const ProjectionHead *h, Tensor *x) {
    if (x->ndim != 2 || x->shape[1] != h->cfg.in_features)
        graph_shape_error("projection_head", "input must be [N, %d]", h->cfg.in_features);
    Tensor *a = op_linear(g, x, h->fc1_w, h->fc1_b);                     /* [N, H] */
    a = h->cfg.bn ? batchnorm_layer_add_relu(g, &h->bn, a, NULL, 1) : op_relu(g, a);
    return op_linear(g, a, h->fc2_w, h->fc2_b);                          /* [N, P] */
}

Tensor *ntxent_loss(Graph *g, Tensor *z1, Tensor *z2, double temperature, Tensor **logits_out) {
    if (z1->ndim != 2 || !tensor_same_shape(z1, z2) || z1->shape[0] < 1)
        graph_shape_error("ntxent", "z1 and z2 must both be [B, P] with B >= 1");
    if (!(temperature > 0)) graph_shape_error("ntxent", "temperature %g must be positive", temperature);
    const int B = z1->shape[0], N = 2 * B;
    Tensor *views[2] = {z1, z2};
    Tensor *z = op_l2_normalize(g, op_concat(g, views, 2, 0), 1e-12);  /* [2B, P] */
    Tensor *logits = op_scale(g, op_matmul(g, z, z, 0, 1), 1 / temperature); /* [2B, 2B] */
    /* The anchor itself is no candidate: masked out of the softmax (exactly, not by a large
     * negative number). */
    uint8_t *others = graph_alloc(g, (size_t)N * N);
    memset(others, 1, (size_t)N * N);
    for (int i = 0; i < N; i++) others[(size_t)i * N + i] = 0;
    Tensor *logp = op_log_softmax(g, logits, others);                    /* [2B, 2B] */
    /* log p(partner | anchor), picked as rows of logp seen as [(2B)^2, 1] */
    int32_t *pick = graph_alloc(g, (size_t)N * sizeof(int32_t));
    for (int i = 0; i < N; i++) pick[i] = (int32_t)((int64_t)i * N + (i + B) % N);
    Tensor *pos = op_gather_rows(g, op_reshape(g, logp, SHAPE(N * N, 1)), pick, N); /* [2B, 1] */
    if (logits_out) *logits_out = logits;
    return op_scale(g, op_mean(g, pos), -1);
}

double ntxent_accuracy(const Tensor *logits) {
    const int N = logits->shape[0], B = N / 2;
    int hits = 0;
    for (int i = 0; i < N; i++) {
        int best = -1;
        for (int j = 0; j < N; j++)
            if (j != i && (best < 0 || logits->data[(size_t)i * N + j] > logits->data[(size_t)i * N + best])) best = j;
        hits += best == (i + B) % N;
    }
    return N ? (double)hits / N : 0;
}
