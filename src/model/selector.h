/* SCAR's adaptive selector (DESIGN §1): the ECG encoder pools its visible token states with learned
 * weights (model/ecg_encoder.h, cfg.selector), and those weights are supervised semantically. The
 * target weight of a visible token is a softmax, over the visible tokens, of the cosine between
 * that token's projected state and the report's embedding divided by tau (stop-gradient); the
 * loss is KL(target || weights). When the masker removes the primary evidence, this teaches the
 * selector to lean on the secondary evidence that still matches the report. */
#ifndef SCAR_MODEL_SELECTOR_H
#define SCAR_MODEL_SELECTOR_H

#include "model/ecg_encoder.h"

/* enc must have a selector; e from ecg_encode; text_emb [B, E] (read through a stop-gradient).
 * Returns the KL [1]. */
Tensor *selector_loss(Graph *g, const EcgEncoder *enc, const EcgEncoding *e, Tensor *text_emb, double tau);

#endif
