/* CMRS, the Counterfactual Missingness Resolution Score (DESIGN §1; our precise definition).
 *
 * For sample i with positive classes P_i and negative classes N_i and class scores s (zero-shot
 * cosines or probe logits), the decisions the model gets right on the fully observed ECG are the
 * pairs (p, n) in P_i x N_i with s_p > s_n. CMRS under a missingness protocol is the fraction of
 * those decisions that stay right on the counterfactual ECG (s'_p > s'_n). It lies in [0, 1], is
 * scale-free (only orderings matter), and works for multi-label data.
 *   overall: pooled over all samples' decisions;
 *   per class c: over the decisions whose positive is c (how well class c's findings survive).
 * A sample with no positive or no negative class, or no correct clean decision, contributes
 * nothing; CMRS is NaN when no decision is correct anywhere. Ties are not correct (strict >). */
#ifndef SCAR_EVAL_CMRS_H
#define SCAR_EVAL_CMRS_H

#include <stdint.h>

#include "eval/bootstrap.h"

typedef struct {
    Estimate overall;
    Estimate *per_class;     /* [n_classes] */
    int n_classes;
    int64_t decisions;       /* correct clean decisions (the denominator of overall) */
} Cmrs;

/* clean, missing: scores [n, C]; labels [n, C] (0/1). n_boot resamples of the samples (0: none),
 * seeded, percentile intervals at `level` (0: 0.95). Free with cmrs_free. */
int cmrs_compute(const double *clean, const double *missing, const uint8_t *labels, int n, int n_classes,
                 int n_boot, uint64_t seed, double level, Cmrs *out);
void cmrs_free(Cmrs *c);

#endif
