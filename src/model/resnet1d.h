/* The 1-D ResNet-18 commonly used as the ECG encoder in self-supervised ECG work:
 *
 *   stem:    conv k7 s2 p3 (no bias) -> BN -> ReLU -> max-pool k3 s2 p1        [B, W, L/4]
 *   stages:  4 x 2 BasicBlocks, channels W, 2W, 4W, 8W, strides 1, 2, 2, 2
 *            block(x) = ReLU(BN(conv3(ReLU(BN(conv3_s(x))))) + shortcut(x)),
 *            shortcut = x, or conv k1 s (no bias) -> BN where the stride or the width changes
 *   head:    mean over time                                                    [B, 8W]
 *
 * W is the base width (64 for the standard ResNet-18). Lengths follow the usual formulas:
 * L -> (L-1)/2+1 (stem conv) -> (L'-1)/2+1 (pool) -> halved (rounded up) at stages 2, 3, 4.
 *
 * Input [B, C_in, L], leads in the canonical order I, II, III, aVR, aVL, aVF, V1-V6 when
 * C_in = 12. A missing lead arrives as zeros: the encoder has no notion of absence, so a lead of
 * zeros is simply a flat signal (the augmentations and maskers decide what is removed).
 *
 * Batch norm follows g->training: batch statistics and running-statistics updates while
 * training, the running statistics in evaluation. Parameter names: "<prefix>.stem.conv_w",
 * "<prefix>.stem.bn_{w,b,mean,var}", "<prefix>.layer<s>.<i>.{conv1_w, bn1_*, conv2_w, bn2_*,
 * down_w, down_bn_*}" (s = 1..4, i = 0..1), as PyTorch's layout of the same model
 * (tools/torch_resnet1d.py). */
#ifndef SCAR_MODEL_RESNET1D_H
#define SCAR_MODEL_RESNET1D_H

#include "core/graph.h"
#include "core/params.h"
#include "core/rng.h"
#include "model/batchnorm_layer.h"

#define RESNET1D_STAGES 4
#define RESNET1D_BLOCKS_PER_STAGE 2

typedef struct {
    int in_channels;     /* leads, 12 for a standard ECG */
    int base_width;      /* channels of the first stage, W (64 for ResNet-18) */
    double bn_momentum;  /* running-statistics update rate (0.1) */
    double bn_eps;       /* (1e-5) */
} ResNet1dConfig;

typedef struct {
    int cin, cout, stride;
    Tensor *conv1_w;          /* [cout, cin, 3], stride `stride`, padding 1 */
    BatchNormLayer bn1;       /* [cout] */
    Tensor *conv2_w;          /* [cout, cout, 3], stride 1, padding 1 */
    BatchNormLayer bn2;       /* [cout] */
    Tensor *down_w;           /* [cout, cin, 1], stride `stride`; NULL for the identity shortcut */
    BatchNormLayer down_bn;   /* [cout] (when down_w) */
} ResNet1dBlock;

typedef struct {
    ResNet1dConfig cfg;
    Tensor *stem_w;           /* [W, C_in, 7] */
    BatchNormLayer stem_bn;   /* [W] */
    ResNet1dBlock blocks[RESNET1D_STAGES * RESNET1D_BLOCKS_PER_STAGE];
} ResNet1d;

/* 12 leads, width 64, BN momentum 0.1, eps 1e-5. */
ResNet1dConfig resnet1d_config_default(void);
/* 0 when usable, else -1 with the error recorded (core/error.h) naming `what`. */
int resnet1d_config_validate(const ResNet1dConfig *cfg, const char *what);
/* Features per sample at the output: 8 W. */
int resnet1d_out_features(const ResNet1dConfig *cfg);

/* Declare every tensor under `prefix` in ps (before params_finalize). */
void resnet1d_declare(ResNet1d *m, ParamStore *ps, const ResNet1dConfig *cfg, const char *prefix);
/* torchvision's initial values (after params_finalize): convolutions Kaiming-normal with fan-out
 * and ReLU gain (std = sqrt(2 / (C_out K))), BN scale 1, shift 0, running mean 0, variance 1. */
void resnet1d_init(ResNet1d *m, Rng *rng);

/* x: [B, C_in, L] with L >= 1                                              -> [B, 8W] */
Tensor *resnet1d_forward(Graph *g, const ResNet1d *m, Tensor *x);

/* Multiply-add FLOPs (2 per multiply-add) of the convolutions in one forward pass of B samples of
 * length L (for throughput figures; a training step is about 3 times this). */
double resnet1d_forward_flops(const ResNet1dConfig *cfg, int B, int L);

#endif
