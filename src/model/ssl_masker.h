/* The adversarial mask generator of the self-supervised pretraining (DESIGN §1, second part): a
 * small 1-D U-Net reads the ECG and writes N soft masks; the views of the contrastive objective
 * are the signal times (1 - mask). The masker is trained to raise the SSL loss, the encoder to
 * lower it (alternating per batch, the masks detached in the encoder step: the training loop's
 * business), and a sparsity penalty keeps every mask away from covering nothing or everything.
 *
 * Network (c_d = channels · 2^d, L_0 = L, L_d = floor(L_{d-1} / 2); every "block" is a
 * convolution without bias, batch norm and ReLU; K = kernel, odd, "same" padding):
 *
 *   stem        block 12 -> c_0, K                                      [B, c_0, L]     skip 0
 *   down d=1..D block c_{d-1} -> c_d, kernel 4, stride 2, padding 1     [B, c_d, L_d]
 *               block c_d -> c_d, K                                     [B, c_d, L_d]   skip d
 *   up d=D..1   block, transposed c_d -> c_{d-1}, kernel 4, stride 2, padding 1, output
 *               padding L_{d-1} mod 2 (back to L_{d-1} exactly, odd lengths too)
 *               concatenated with skip d-1 along channels               [B, 2c_{d-1}, L_{d-1}]
 *               block 2c_{d-1} -> c_{d-1}, K                            [B, c_{d-1}, L_{d-1}]
 *   head        1 × 1 convolution with bias c_0 -> N·C                  [B, N·C, L] logits
 *
 * with C = 12 for per-lead masks and C = 1 for masks shared by the leads (broadcast over them).
 * L must be at least 2^D.
 *
 * Sharpened sigmoid: mask = sigmoid(k · logit), k = sharpness >= 1. A larger k pushes the masks
 * towards 0 and 1 (at k = 1 it is the plain sigmoid; a logit of ±3/k already gives 0.047/0.953).
 *
 * Sparsity penalty: for each sample b and mask n, m_bn = mean of mask n of sample b over its
 * C × L elements, and
 *     penalty = alpha / (B N) · sum_bn 1 / sin(pi · m_bn)
 * (the mean over masks and samples, so alpha is the penalty of one mask whatever N and B; it is
 * alpha at m = 1/2, 2·alpha at m = 1/6 or 5/6 and grows without bound towards 0 and 1). At 0 and
 * 1 the formula is infinite, so m is clamped into [eps, 1 - eps] (default eps = 1e-3: at most
 * alpha / sin(pi eps) = 318.3 alpha per mask) and the slope at the clamp point is passed back
 * (straight through): a collapsed mask is still pushed back, where a plain clamp's zero gradient
 * would leave it stuck. The masker's objective to maximise is SSL loss - penalty. */
#ifndef SCAR_MODEL_SSL_MASKER_H
#define SCAR_MODEL_SSL_MASKER_H

#include "core/graph.h"
#include "core/params.h"
#include "core/rng.h"

#define SSL_MASKER_MAX_DEPTH 6

typedef struct {
    int n_masks;        /* N >= 1 */
    int per_lead;       /* 1: masks [B, N, 12, L]; 0: one mask for all leads, [B, N, 1, L] */
    int channels;       /* c_0 >= 1, doubled at each level */
    int depth;          /* D in 1..SSL_MASKER_MAX_DEPTH */
    int kernel;         /* odd K >= 1 of the same-length convolutions */
    double sharpness;   /* k >= 1 in sigmoid(k · logit) */
    double alpha;       /* weight of the sparsity penalty, >= 0 */
    double penalty_eps; /* clamp of the mask mean, in (0, 0.5) */
    double bn_momentum; /* batch norm running statistics */
    double bn_eps;
} SslMaskerConfig;

/* One convolution + batch norm (+ ReLU). */
typedef struct {
    Tensor *w;                  /* [Cout, Cin, K]; transposed: [Cin, Cout, K] */
    Tensor *bn_w, *bn_b;        /* [Cout] */
    Tensor *bn_mean, *bn_var;   /* [Cout] running statistics (buffers, not trained) */
} SslConvBlock;

typedef struct {
    SslMaskerConfig cfg;
    SslConvBlock stem;
    SslConvBlock down[SSL_MASKER_MAX_DEPTH], down_conv[SSL_MASKER_MAX_DEPTH]; /* level d at [d-1] */
    SslConvBlock up[SSL_MASKER_MAX_DEPTH], up_conv[SSL_MASKER_MAX_DEPTH];
    Tensor *head_w, *head_b;    /* [N·C, c_0, 1], [N·C] */
} SslMasker;

/* N = 4 per-lead masks, c_0 = 16, D = 3, K = 7, k = 2, alpha = 1, eps = 1e-3, momentum 0.1,
 * batch norm eps 1e-5: 315,344 parameters, about 130 MFLOP per 12 × 1000 record forward. */
SslMaskerConfig ssl_masker_config_default(void);
/* 0 when valid, else -1 with scar_fail() naming the field (prefixed with `what`, e.g. "--masker"). */
int ssl_masker_config_validate(const SslMaskerConfig *c, const char *what);
/* C of the masks: 12 per lead, 1 shared. */
int ssl_masker_mask_leads(const SslMaskerConfig *c);
/* The shortest signal the network takes: 2^D. */
int ssl_masker_min_length(const SslMaskerConfig *c);

/* Declare the parameters as "<prefix>.stem.w", "<prefix>.down.<d>.bn_w", ..., "<prefix>.head.b"
 * (before params_finalize); the batch-norm statistics are buffers "<...>.bn_mean" / "bn_var". */
void ssl_masker_declare(SslMasker *m, ParamStore *ps, const SslMaskerConfig *cfg, const char *prefix);
/* Initial values (after params_finalize): convolutions He-normal (std sqrt(2 / fan-in)), the
 * head's weights N(0, 1 / c_0) and bias 0, batch norms 1 and 0, running statistics 0 and 1. */
void ssl_masker_init(SslMasker *m, Rng *rng);

/* signal: [B, 12, L], L >= 2^D                                   -> logits [B, N·C, L] */
Tensor *ssl_masker_logits(Graph *g, const SslMasker *m, Tensor *signal);
/* sigmoid(sharpness · x), any shape                               -> x's shape, in [0, 1] */
Tensor *ssl_mask_sharpen(Graph *g, Tensor *x, double sharpness);
/* The masks, differentiable in the masker's parameters.
 * signal: [B, 12, L]                                              -> [B, N, C, L] in [0, 1] */
Tensor *ssl_masker_forward(Graph *g, const SslMasker *m, Tensor *signal);

/* Views: signal × (1 - mask), a shared mask broadcast over the leads.
 * signal: [B, 12, L], masks: [B, N, 12, L] or [B, N, 1, L]         -> [B, N, 12, L]
 * (op_reshape to [B·N, 12, L] puts view n of sample b at row b·N + n). For the encoder step,
 * pass op_stop_gradient(g, masks). */
Tensor *ssl_masker_views(Graph *g, Tensor *signal, Tensor *masks);

/* The sparsity penalty above. masks: [B, N, C, L] in [0, 1]         -> [1] */
Tensor *ssl_masker_penalty(Graph *g, Tensor *masks, double alpha, double eps);

#endif
