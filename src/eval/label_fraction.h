/* Label fractions (1%, 5%, 10%, 100% ...): which training rows a probe or a fine-tuning run may
 * use, sampled per class so that rare classes are not lost (DESIGN §7).
 *
 * The rule, deterministic given the seed:
 *   1. fraction >= 1 keeps every candidate row.
 *   2. The candidate rows are put in a random priority order (Fisher-Yates, RNG stream (seed, 0)).
 *   3. Classes are visited from the rarest to the most common (ties: lower class index first).
 *      Class c, with P_c positives among the candidates, needs k_c = max(1, round(fraction * P_c))
 *      of them (0 when P_c = 0); positives of c already kept for earlier classes count, and more
 *      are added in priority order until k_c are kept.
 *   4. Rows with no positive class at all (a multi-label set's "nothing found") are kept in
 *      priority order up to round(fraction * N_0), N_0 being their number.
 * So every class that has positives keeps at least one; a single-label set keeps exactly k_c rows
 * of each class; in a multi-label set a common class may keep more than its share through
 * co-occurring rarer classes. round() is half away from zero. */
#ifndef SCAR_EVAL_LABEL_FRACTION_H
#define SCAR_EVAL_LABEL_FRACTION_H

#include <stdint.h>

/* From the candidate rows rows [n_rows] (indices into labels, e.g. the training split) of the
 * label matrix labels [*, C], the kept rows into out [n_rows] in increasing order; returns their
 * number, or -1 (scar_fail) when fraction is not positive (values above 1 mean 1). */
int label_fraction_sample(const uint8_t *labels, int n_classes, const int *rows, int n_rows,
                          double fraction, uint64_t seed, int *out);

#endif
