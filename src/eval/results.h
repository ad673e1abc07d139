/* Evaluation results as JSON files (DESIGN §7, §8): what was evaluated (model, data, missingness
 * protocol, label set), how (task, seed, bootstrap), by which scar and when, and every metric per
 * class and macro with its interval. Written atomically; read back by the report generator, which
 * loads many of them.
 *
 * Layout (format "scar-eval-result", format_version 1):
 *   {"format", "format_version", "scar_version", "timestamp" (UTC, ISO 8601), "task", "model",
 *    "data", "protocol", "label_set", "seed", "classes": [names], "n_test", "single_label",
 *    "accuracy": "top1" | "mean_per_class",
 *    "bootstrap": {"resamples", "seed", "level"},
 *    "thresholds": [per class] | null,
 *    "metrics": {"auroc" | "auprc" | "f1" | "accuracy":
 *                  {"macro": E, "n_undefined", "per_class": [E per class]}},
 *    "extra": {...}}
 * with E = {"value", "lo", "hi", "n_resamples"}. An undefined value (NaN) is written as null; so
 * is a threshold of +infinity (a class without validation positives: predict nothing), and the
 * reader maps them back. Seeds are numbers up to 2^53 and decimal strings above (JSON numbers are
 * doubles); the reader takes either. */
#ifndef SCAR_EVAL_RESULTS_H
#define SCAR_EVAL_RESULTS_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "eval/bootstrap.h"

#define RESULT_FORMAT "scar-eval-result"
#define RESULT_FORMAT_VERSION 1

typedef struct {
    char *task;            /* what produced the scores: "zeroshot", "probe", ... */
    char *model;           /* checkpoint path or model name */
    char *data;            /* dataset: pack path or name */
    char *protocol;        /* missingness protocol in its textual form ("clean" when none) */
    char *label_set;       /* "super", "rhythm", ... */
    char **class_names;    /* [metrics.n_classes] */
    uint64_t seed;         /* the evaluation's seed (label-fraction sample, prompts ...) */
    char *scar_version;    /* on writing: NULL means this build's SCAR_VERSION */
    char *timestamp;       /* on writing: NULL means now */
    EvalMetrics metrics;   /* n_classes, n_samples, thresholds, bootstrap settings, values */
    cJSON *extra;          /* optional object of task-specific values (label fraction, chosen C,
                              CMRS, ...); written as is, owned by the result */
} EvalResult;

/* Write r to path atomically (core/atomic_file.h). 0 or -1 (scar_fail naming path). */
int result_write(const EvalResult *r, const char *path);

/* Read a file written by result_write into out (every string and array allocated; free with
 * result_free). -1 (scar_fail) with a message naming path and what is wrong: unreadable, not JSON
 * (with the line), not a result, a newer format, a missing or mistyped field, lengths that
 * disagree with the class list. */
int result_read(const char *path, EvalResult *out);

void result_free(EvalResult *r);

/* Several results in one file: a JSON array of result objects (a robustness run: one per protocol
 * and task). results_read_all takes either a single result or an array; *out is malloc'd (free each
 * with result_free, then the array). */
int results_write_array(const EvalResult *rs, int n, const char *path);
int results_read_all(const char *path, EvalResult **out, int *n);

#endif
