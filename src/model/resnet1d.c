#include "model/resnet1d.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"

static const int STAGE_MULT[RESNET1D_STAGES] = {1, 2, 4, 8};

ResNet1dConfig resnet1d_config_default(void) {
    ResNet1dConfig c = {12, 64, BN_DEFAULT_MOMENTUM, BN_DEFAULT_EPS};
    return c;
}

int resnet1d_config_validate(const ResNet1dConfig *c, const char *what) {
    if (c->in_channels < 1 || c->in_channels > 1024)
        return scar_fail("%s: resnet in_channels %d outside [1, 1024]", what, c->in_channels);
    if (c->base_width < 1 || c->base_width > 1024)
        return scar_fail("%s: resnet base_width %d outside [1, 1024]", what, c->base_width);
    if (!(c->bn_momentum >= 0 && c->bn_momentum <= 1))
        return scar_fail("%s: resnet bn_momentum %g outside [0, 1]", what, c->bn_momentum);
    if (!(c->bn_eps > 0)) return scar_fail("%s: resnet bn_eps %g must be positive", what, c->bn_eps);
    return 0;
}

int resnet1d_out_features(const ResNet1dConfig *cfg) { return cfg->base_width * STAGE_MULT[RESNET1D_STAGES - 1]; }

void resnet1d_declare(ResNet1d *m, ParamStore *ps, const ResNet1dConfig *cfg, const char *prefix) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    const double mom = cfg->bn_momentum, eps = cfg->bn_eps;
    char name[PARAM_NAME_LEN];
    snprintf(name, sizeof name, "%s.stem.conv_w", prefix);
    m->stem_w = params_add(ps, name, SHAPE(cfg->base_width, cfg->in_channels, 7), 1);
    snprintf(name, sizeof name, "%s.stem.bn", prefix);
    batchnorm_layer_declare(&m->stem_bn, ps, name, cfg->base_width, mom, eps);
    int cin = cfg->base_width;
    for (int s = 0; s < RESNET1D_STAGES; s++)
        for (int i = 0; i < RESNET1D_BLOCKS_PER_STAGE; i++) {
            ResNet1dBlock *b = &m->blocks[s * RESNET1D_BLOCKS_PER_STAGE + i];
            b->cin = cin;
            b->cout = cfg->base_width * STAGE_MULT[s];
            b->stride = (s > 0 && i == 0) ? 2 : 1;
            char p[PARAM_NAME_LEN - 16];
            snprintf(p, sizeof p, "%s.layer%d.%d", prefix, s + 1, i);
            snprintf(name, sizeof name, "%s.conv1_w", p);
            b->conv1_w = params_add(ps, name, SHAPE(b->cout, b->cin, 3), 1);
            snprintf(name, sizeof name, "%s.bn1", p);
            batchnorm_layer_declare(&b->bn1, ps, name, b->cout, mom, eps);
            snprintf(name, sizeof name, "%s.conv2_w", p);
            b->conv2_w = params_add(ps, name, SHAPE(b->cout, b->cout, 3), 1);
            snprintf(name, sizeof name, "%s.bn2", p);
            batchnorm_layer_declare(&b->bn2, ps, name, b->cout, mom, eps);
            if (b->stride != 1 || b->cin != b->cout) {
                snprintf(name, sizeof name, "%s.down_w", p);
                b->down_w = params_add(ps, name, SHAPE(b->cout, b->cin, 1), 1);
                snprintf(name, sizeof name, "%s.down_bn", p);
                batchnorm_layer_declare(&b->down_bn, ps, name, b->cout, mom, eps);
            }
            cin = b->cout;
        }
}

/* torchvision: kaiming_normal_(mode="fan_out", nonlinearity="relu"). */
static void init_conv(Tensor *w, Rng *rng) {
    const double std = sqrt(2.0 / ((double)w->shape[0] * w->shape[2]));
    for (int64_t i = 0; i < w->numel; i++) w->data[i] = (real)(std * rng_normal(rng));
}

void resnet1d_init(ResNet1d *m, Rng *rng) {
    init_conv(m->stem_w, rng);
    batchnorm_layer_init(&m->stem_bn);
    for (int k = 0; k < RESNET1D_STAGES * RESNET1D_BLOCKS_PER_STAGE; k++) {
        ResNet1dBlock *b = &m->blocks[k];
        init_conv(b->conv1_w, rng);
        batchnorm_layer_init(&b->bn1);
        init_conv(b->conv2_w, rng);
        batchnorm_layer_init(&b->bn2);
        if (b->down_w) {
            init_conv(b->down_w, rng);
            batchnorm_layer_init(&b->down_bn);
        }
    }
}

/* x: [B, cin, L] -> [B, cout, (L-1)/stride + 1] */
static Tensor *block_forward(Graph *g, const ResNet1dBlock *b, Tensor *x) {
    Tensor *h = op_conv1d(g, x, b->conv1_w, NULL, b->stride, 1, 1);      /* [B, cout, L'] */
    h = batchnorm_layer_add_relu(g, &b->bn1, h, NULL, 1);               /* ReLU(BN(h)) */
    h = op_conv1d(g, h, b->conv2_w, NULL, 1, 1, 1);                      /* [B, cout, L'] */
    Tensor *shortcut = x;
    if (b->down_w) shortcut = batchnorm_layer_forward(g, &b->down_bn, op_conv1d(g, x, b->down_w, NULL, b->stride, 0, 1));
    return batchnorm_layer_add_relu(g, &b->bn2, h, shortcut, 1);        /* ReLU(BN(h) + shortcut) */
}

Tensor *resnet1d_forward(Graph *g, const ResNet1d *m, Tensor *x) {
    if (x->ndim != 3 || x->shape[1] != m->cfg.in_channels)
        graph_shape_error("resnet1d", "input must be [B, %d, L], has %d dims and %d channels", m->cfg.in_channels, x->ndim,
                          x->ndim > 1 ? x->shape[1] : 0);
    Tensor *h = op_conv1d(g, x, m->stem_w, NULL, 2, 3, 1);                /* [B, W, (L-1)/2+1] */
    h = batchnorm_layer_add_relu(g, &m->stem_bn, h, NULL, 1);
    h = op_maxpool1d(g, h, 3, 2, 1);                                      /* [B, W, L/4 about] */
    for (int k = 0; k < RESNET1D_STAGES * RESNET1D_BLOCKS_PER_STAGE; k++)
        h = block_forward(g, &m->blocks[k], h);                           /* [B, 8W, L/32 about] */
    return op_mean_last(g, h);                                            /* [B, 8W] */
}

double resnet1d_forward_flops(const ResNet1dConfig *cfg, int B, int L) {
    const double W = cfg->base_width;
    int len = (L - 1) / 2 + 1;                                            /* stem conv */
    double f = 2.0 * W * cfg->in_channels * 7 * len;
    len = (len - 1) / 2 + 1;                                              /* max-pool */
    double cin = W;
    for (int s = 0; s < RESNET1D_STAGES; s++)
        for (int i = 0; i < RESNET1D_BLOCKS_PER_STAGE; i++) {
            const double cout = W * STAGE_MULT[s];
            if (s > 0 && i == 0) len = (len - 1) / 2 + 1;
            f += 2.0 * cout * cin * 3 * len + 2.0 * cout * cout * 3 * len;
            if (cin != cout || (s > 0 && i == 0)) f += 2.0 * cout * cin * len;
            cin = cout;
        }
    return f * B;
}
