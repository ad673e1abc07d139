/* Example ECGs for a report: test records, one per diagnosis where possible, drawn as 12-lead
 * traces with the tokens the model's masker removes (when it has one), the selector's pooling
 * weights on the clean ECG, and the ground-truth primary evidence (when the pack has it). */
#ifndef SCAR_EVAL_REPORT_EXAMPLES_H
#define SCAR_EVAL_REPORT_EXAMPLES_H

#include <stdio.h>

int report_examples(FILE *html, const char *model_path, const char *pack_path, int n_examples);

#endif
