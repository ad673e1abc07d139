/* Symmetric InfoNCE (CLIP) between two batches whose rows are paired (row i of a with row i of b):
 *   za = a / |a|, zb = b / |b|,   logits = exp(clamp(logit_scale, 0, max_log_scale)) za zb^T   [B, B]
 *   loss = (CE(logits, i -> i) + CE(logits^T, i -> i)) / 2
 * The temperature is learnable (logit_scale = log 1/T); the clamp keeps 1/T <= exp(max_log_scale)
 * (CLIP: 100). The training loop also clamps the stored value after each step, so it can recover. */
#ifndef SCAR_MODEL_CLIP_LOSS_H
#define SCAR_MODEL_CLIP_LOSS_H

#include "core/graph.h"

#define CLIP_MAX_LOG_SCALE 4.605170185988091 /* log 100 */

/* a, b: [B, E]; logit_scale: [1]. Returns the loss [1]; *logits_out (if not NULL) gets [B, B]. */
Tensor *clip_loss(Graph *g, Tensor *a, Tensor *b, Tensor *logit_scale, double max_log_scale, Tensor **logits_out);

/* Fraction of rows i whose best match in logits [B, B] is column i (retrieval accuracy a -> b). */
double retrieval_accuracy(const Tensor *logits);

#endif
