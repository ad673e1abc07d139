/* SimCLR's contrastive objective: the projection head and the NT-Xent loss.
 *
 * Projection head (encoder features h [N, F] -> projections z [N, P]):
 *   bn = 1 (default, SimCLR):  z = fc2(ReLU(BN(fc1(h))))    fc1 without bias (BN shifts instead)
 *   bn = 0:                    z = fc2(ReLU(fc1(h)))        fc1 with bias
 * The loss is computed on z; downstream tasks use the encoder features h (SimCLR discards the head).
 * Parameter names: "<prefix>.fc1_w" [H, F], "<prefix>.fc1_b" [H] (bn = 0),
 * "<prefix>.bn_{w,b,mean,var}" [H] (bn = 1), "<prefix>.fc2_w" [P, H], "<prefix>.fc2_b" [P].
 *
 * NT-Xent for two views z1, z2 [B, P] whose rows are paired (row i of z1 and row i of z2 are views
 * of the same sample):
 *   z = l2_normalize(concat(z1, z2))                            [2B, P]
 *   s = z z^T / temperature                                     [2B, 2B], the diagonal left out
 *   loss = mean over anchors a of -log softmax(s[a, b != a])[partner(a)],  partner(i) = i + B mod 2B
 * i.e. each anchor must pick its other view among the 2B - 1 other projections of the batch. */
#ifndef SCAR_MODEL_NTXENT_H
#define SCAR_MODEL_NTXENT_H

#include "core/graph.h"
#include "core/params.h"
#include "core/rng.h"
#include "model/batchnorm_layer.h"

#define NTXENT_DEFAULT_TEMPERATURE 0.1

typedef struct {
    int in_features;   /* F: the encoder's features */
    int hidden;        /* H: hidden width (SimCLR: F) */
    int out;           /* P: projection size (128) */
    int bn;            /* 1: linear-BN-ReLU-linear; 0: linear-ReLU-linear */
} ProjectionHeadConfig;

typedef struct {
    ProjectionHeadConfig cfg;
    Tensor *fc1_w, *fc1_b;    /* [H, F], [H] or NULL (bn = 1) */
    BatchNormLayer bn;        /* [H] (bn = 1) */
    Tensor *fc2_w, *fc2_b;    /* [P, H], [P] */
} ProjectionHead;

/* hidden = in_features, out = 128, bn = 1. */
ProjectionHeadConfig projection_head_config_default(int in_features);
/* 0 when usable, else -1 with the error recorded naming `what`. */
int projection_head_config_validate(const ProjectionHeadConfig *cfg, const char *what);
void projection_head_declare(ProjectionHead *h, ParamStore *ps, const ProjectionHeadConfig *cfg, const char *prefix);
/* PyTorch's nn.Linear initial values: weights and biases uniform in +-1/sqrt(fan_in); BN scale 1,
 * shift 0, running mean 0, variance 1. */
void projection_head_init(ProjectionHead *h, Rng *rng);
/* x: [N, F]                                                                  -> [N, P] */
Tensor *projection_head_forward(Graph *g, const ProjectionHead *h, Tensor *x);

/* z1, z2: [B, P] with B >= 1, temperature > 0. Returns the loss [1]; *logits_out (if not NULL)
 * gets the similarity logits s [2B, 2B] (the diagonal included, as computed). */
Tensor *ntxent_loss(Graph *g, Tensor *z1, Tensor *z2, double temperature, Tensor **logits_out);

/* Fraction of the 2B anchors whose most similar other projection in logits [2B, 2B] is their
 * partner (top-1 accuracy of the contrastive task, for logs). */
double ntxent_accuracy(const Tensor *logits);

#endif
