/* Class prompts for zero-shot classification: each class of a label set maps to one or more
 * texts; a class's text embedding is the normalised mean of its prompts' embeddings (prompt
 * ensembling). Built-in prompts cover the classes of the synthetic corpus, PTB-XL (super, sub,
 * form, rhythm), CPSC 2018 and the Challenge 2020/2021 scored classes, in English and German.
 *
 * A prompts file is JSON: {"NORM": ["normal ecg", "within normal limits"], "MI": [...], ...}
 * (class name -> a string or a list of strings); classes it does not name fall back to the
 * built-in prompts. */
#ifndef SCAR_EVAL_PROMPTS_H
#define SCAR_EVAL_PROMPTS_H

#include "data/record.h"

#define PROMPTS_MAX 16

typedef struct {
    int n_classes;
    int n_texts[SCAR_MAX_CLASSES];
    char *texts[SCAR_MAX_CLASSES][PROMPTS_MAX];
    int ensemble_max;   /* score a class by its best-matching prompt instead of the mean embedding */
} PromptSet;

/* Prompts for label set `set` of schema: from `path` (NULL: built-in only) and the built-in table
 * in `language` ("en" or "de"). A class with no prompt anywhere is an error naming it. */
int prompts_for_labelset(PromptSet *ps, const LabelSchema *schema, int set, const char *path, const char *language);
void prompts_free(PromptSet *ps);

/* The built-in prompts of one class name in a language; NULL-terminated, or NULL if unknown. */
const char *const *prompts_builtin(const char *class_name, const char *language);

#endif
