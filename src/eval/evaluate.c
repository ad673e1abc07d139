#include "eval/evaluate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "eval/bootstrap.h"
#include "eval/linear_probe.h"
#include "eval/zeroshot.h"
#include "model/clip_embed.h"
#include "model/clip_io.h"

static const int SPLITS[3] = {SPLIT_TRAIN, SPLIT_VAL, SPLIT_TEST};

static int find_set(const LabelSchema *s, const char *name) {
    for (int i = 0; i < s->n_sets; i++)
        if (!strcmp(s->set_name[i], name)) return i;
    return -1;
}

int eval_open(EvalContext *e, const char *model_path, const char *pack_path, const char *labelset,
              const char *prompts_path, const char *language) {
    memset(e, 0, sizeof *e);
    e->model_path = model_path;
    e->pack_path = pack_path;
    e->n_boot = 1000;
    e->seed = 1;
    e->batch = 128;
    e->target = 2;
    if (clip_model_load(model_path, &e->model, &e->tok, NULL, NULL) != 0) return -1;
    e->pack = pack_open(pack_path);
    if (!e->pack) return -1;
    const LabelSchema *s = pack_schema(e->pack);
    if (s->n_sets == 0) return scar_fail("%s: the pack has no labels to evaluate against", pack_path);
    e->set = labelset ? find_set(s, labelset) : (find_set(s, "super") >= 0 ? find_set(s, "super") : 0);
    if (e->set < 0) return scar_fail("%s: no label set '%s'", pack_path, labelset);
    e->n_classes = s->n_classes[e->set];
    if (fabs(pack_rate(e->pack) - e->model.cfg.rate_hz) > 1e-3)
        return scar_fail("%s: records at %g Hz, but the model reads %g Hz (repack with --rate %g)", pack_path,
                         pack_rate(e->pack), e->model.cfg.rate_hz, e->model.cfg.rate_hz);
    for (int k = 0; k < 3; k++) {
        e->split_n[k] = pack_split_indices(e->pack, SPLITS[k], NULL);
        e->split_idx[k] = xmalloc((size_t)(e->split_n[k] ? e->split_n[k] : 1) * sizeof(int));
        pack_split_indices(e->pack, SPLITS[k], e->split_idx[k]);
        e->labels[k] = xmalloc((size_t)(e->split_n[k] ? e->split_n[k] : 1) * e->n_classes);
        if (pack_label_matrix(e->pack, e->split_idx[k], e->split_n[k], e->set, e->labels[k]) != 0) return -1;
    }
    if (e->split_n[2] == 0) return scar_fail("%s: the test split is empty", pack_path);
    return prompts_for_labelset(&e->prompts, s, e->set, prompts_path, language);
}

void eval_close(EvalContext *e) {
    if (e->model.params.data) clip_model_free(&e->model);
    if (e->tok) tokenizer_free(e->tok);
    if (e->pack) pack_close(e->pack);
    for (int k = 0; k < 3; k++) free(e->split_idx[k]), free(e->labels[k]);
    prompts_free(&e->prompts);
    memset(e, 0, sizeof *e);
}

static int split_slot(int split) { return split == SPLIT_TRAIN ? 0 : split == SPLIT_VAL ? 1 : 2; }

int eval_embed_split(EvalContext *e, int split, const MissingProtocol *proto, const MissingMasker *masker, float **out) {
    const int k = split_slot(split), E = e->model.cfg.embed_dim;
    *out = xmalloc((size_t)(e->split_n[k] ? e->split_n[k] : 1) * E * sizeof(float));
    return clip_embed_ecgs(&e->model, e->pack, e->split_idx[k], e->split_n[k], proto, masker, e->batch, *out);
}

static int single_label(const uint8_t *labels, int n, int C) {
    for (int i = 0; i < n; i++) {
        int s = 0;
        for (int c = 0; c < C; c++) s += labels[(size_t)i * C + c];
        if (s != 1) return 0;
    }
    return n > 0;
}

static void fill_result(EvalContext *e, EvalResult *r, const char *task, const MissingProtocol *proto) {
    memset(r, 0, sizeof *r);
    char text[512] = "clean";
    if (proto && missing_format(proto, text, sizeof text) < 0) snprintf(text, sizeof text, "?");
    r->task = xstrdup(task);
    r->model = xstrdup(e->model_path);
    r->data = xstrdup(e->pack_path);
    r->protocol = xstrdup(text);
    const LabelSchema *s = pack_schema(e->pack);
    r->label_set = xstrdup(s->set_name[e->set]);
    r->class_names = xmalloc((size_t)e->n_classes * sizeof(char *));
    for (int c = 0; c < e->n_classes; c++) r->class_names[c] = xstrdup(s->class_name[e->set][c]);
    r->seed = e->seed;
}

static int metrics_of(EvalContext *e, const double *test, const double *val, EvalResult *r) {
    const int t = e->target;
    const EvalOptions opt = {.single_label = single_label(e->labels[t], e->split_n[t], e->n_classes),
                             .n_boot = e->n_boot, .seed = e->seed, .level = 0.95};
    return eval_metrics_compute(test, e->labels[t], e->split_n[t], val, e->labels[1], e->split_n[1], e->n_classes,
                                &opt, &r->metrics);
}

int eval_zeroshot(EvalContext *e, const MissingProtocol *proto, const MissingMasker *masker, EvalResult *r,
                  double **test_scores) {
    const int C = e->n_classes;
    double *val = xmalloc((size_t)(e->split_n[1] ? e->split_n[1] : 1) * C * sizeof(double));
    const int t = e->target;
    double *test = xmalloc((size_t)e->split_n[t] * C * sizeof(double));
    int rc = zeroshot_run(&e->model, e->tok, e->pack, e->split_idx[1], e->split_n[1], &e->prompts, proto, masker, val);
    if (!rc) rc = zeroshot_run(&e->model, e->tok, e->pack, e->split_idx[t], e->split_n[t], &e->prompts, proto, masker, test);
    if (!rc) {
        fill_result(e, r, e->target == 2 ? "zeroshot" : "zeroshot (validation split)", proto);
        rc = metrics_of(e, test, val, r);
    }
    free(val);
    if (test_scores && !rc) *test_scores = test;
    else free(test);
    return rc;
}

int eval_probe(EvalContext *e, const MissingProtocol *proto, const MissingMasker *masker, double fraction,
               EvalResult *r, double **test_scores) {
    const int C = e->n_classes, E = e->model.cfg.embed_dim;
    const int n_tr = e->split_n[0], n_va = e->split_n[1], n_te = e->split_n[e->target], n = n_tr + n_va;
    if (n_tr == 0) return scar_fail("%s: the train split is empty: nothing to fit a probe on", e->pack_path);
    float *tr = NULL, *va = NULL, *te = NULL;
    int rc = eval_embed_split(e, SPLIT_TRAIN, NULL, NULL, &tr);
    if (!rc) rc = eval_embed_split(e, SPLIT_VAL, NULL, NULL, &va);
    if (!rc) rc = eval_embed_split(e, e->target == 2 ? SPLIT_TEST : SPLIT_VAL, proto, masker, &te);
    float *feat = xmalloc((size_t)n * E * sizeof(float));
    uint8_t *lab = xmalloc((size_t)n * C);
    int *split = xmalloc((size_t)n * sizeof(int));
    double *val_scores = xmalloc((size_t)(n_va ? n_va : 1) * C * sizeof(double));
    double *scores = xmalloc((size_t)n_te * C * sizeof(double));
    LinearProbe p;
    memset(&p, 0, sizeof p);
    if (!rc) {
        memcpy(feat, tr, (size_t)n_tr * E * sizeof(float));
        memcpy(feat + (size_t)n_tr * E, va, (size_t)n_va * E * sizeof(float));
        memcpy(lab, e->labels[0], (size_t)n_tr * C);
        memcpy(lab + (size_t)n_tr * C, e->labels[1], (size_t)n_va * C);
        for (int i = 0; i < n; i++) split[i] = i < n_tr ? SPLIT_TRAIN : SPLIT_VAL;
        const ProbeData d = {feat, lab, split, n, E, C};
        rc = probe_train(&d, fraction, e->seed, NULL, &p);
    }
    if (!rc) {
        probe_scores(&p, va, n_va, val_scores);
        probe_scores(&p, te, n_te, scores);
        fill_result(e, r, e->target == 2 ? "probe" : "probe (validation split)", proto);
        rc = metrics_of(e, scores, val_scores, r);
        if (!rc) {
            r->extra = cJSON_CreateObject();
            cJSON_AddNumberToObject(r->extra, "label_fraction", fraction);
            cJSON_AddNumberToObject(r->extra, "c_chosen", p.c_chosen);
            cJSON_AddNumberToObject(r->extra, "train_rows", p.n_train_rows);
        }
    }
    probe_free(&p);
    free(tr), free(va), free(te), free(feat), free(lab), free(split), free(val_scores);
    if (test_scores && !rc) *test_scores = scores;
    else free(scores);
    return rc;
}

static void print_estimate(FILE *f, Estimate v) {
    if (isnan(v.value)) fprintf(f, " %17s", "-");
    else if (isnan(v.lo)) fprintf(f, " %17.3f", v.value);
    else fprintf(f, " %5.3f [%.3f,%.3f]", v.value, v.lo, v.hi);
}

void eval_print(FILE *f, const EvalResult *r) {
    const EvalMetrics *m = &r->metrics;
    fprintf(f, "%s, %s, label set %s, protocol %s, %d test records%s\n", r->task, r->model, r->label_set, r->protocol,
            m->n_samples, m->n_boot ? " (95% bootstrap intervals)" : "");
    fprintf(f, "%-12s %17s %17s %17s %17s\n", "class", "AUROC", "AUPRC", "F1", "accuracy");
    for (int c = 0; c < m->n_classes; c++) {
        fprintf(f, "%-12s", r->class_names[c]);
        for (int k = 0; k < N_METRICS; k++) print_estimate(f, m->metric[k].per_class[c]);
        fprintf(f, "\n");
    }
    fprintf(f, "%-12s", "macro");
    for (int k = 0; k < N_METRICS; k++) print_estimate(f, m->metric[k].macro);
    fprintf(f, "\n");
}
