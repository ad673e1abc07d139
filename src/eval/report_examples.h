/* Example ECGs for a report: test records, one per diagnosis where possible, drawn as 12-lead
 * traces. For an ECG-language checkpoint: the tokens its masker removes (when it has one), the
 * selector's pooling weights on the clean ECG, and the ground-truth primary evidence (when the
 * pack has it). For a self-supervised checkpoint (kind "scar-ssl"): the soft masks of its
 * adversarial mask generator (report_ssl_masks.h); one without a generator is an error. */
#ifndef SCAR_EVAL_REPORT_EXAMPLES_H
#define SCAR_EVAL_REPORT_EXAMPLES_H

#include <stddef.h>
#include <stdio.h>

#include "data/pack.h"

int report_examples(FILE *html, const char *model_path, const char *pack_path, int n_examples);

/* Up to `want` test records of p into out: one positive class of the "super" label set (else the
 * first set, written to *set) each, a different class first, then any test records; returns how
 * many. */
int report_pick_examples(const Pack *p, int *out, int want, int *set);
/* "record ID: CLASS... -- \"report\"" (the report cut at 120 bytes) into title. */
void report_example_title(const Pack *p, const EcgRecord *v, int set, char *title, size_t size);

#endif
