/* Robustness of a trained model under missingness protocols (DESIGN §6-7): for each protocol,
 * zero-shot metrics with bootstrap intervals, CMRS against the clean test scores (eval/cmrs.h) and
 * the mean cosine between clean and counterfactual embeddings; optionally the same for a linear
 * probe fitted on clean training embeddings. Adversarial protocols load the named SCAR masker. */
#ifndef SCAR_EVAL_ROBUSTNESS_H
#define SCAR_EVAL_ROBUSTNESS_H

#include "eval/evaluate.h"

typedef struct {
    const char *const *protocols;   /* [n_protocols] textual forms (data/missing.h) */
    int n_protocols;
    double probe_fraction;          /* > 0: also a linear probe at this label fraction */
    int progress;                   /* -1 automatic, 0 off, 1 on */
} RobustnessOptions;

/* The default protocol list for label set `labelset`: the Challenge reduced lead sets, the
 * lead x time grid, and evidence removal; adversarial removal by `masker_path` (NULL: none) with
 * `budget`. Returns a malloc'd array of malloc'd strings (free with robustness_free_list). */
char **robustness_default_protocols(const char *labelset, const char *masker_path, double budget, int *n);
void robustness_free_list(char **list, int n);

/* results: [1 + n_protocols] zero-shot results (clean first), followed by as many probe results
 * when probe_fraction > 0; each result's extra holds {"cmrs": ..., "embedding_cosine": ...}. */
int robustness_run(EvalContext *e, const RobustnessOptions *o, EvalResult **results, int *n_results);

#endif
