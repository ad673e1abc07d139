#include "eval/downstream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"
#include "core/optim.h"
#include "core/progress.h"
#include "eval/bootstrap.h"
#include "eval/label_fraction.h"
#include "eval/linear_probe.h"
#include "eval/metrics.h"

static const int SPLITS[3] = {SPLIT_TRAIN, SPLIT_VAL, SPLIT_TEST};

int task_open(Task *t, const Pack *p, const char *task) {
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", task);
    const LabelSchema *s = pack_schema(p);
    int set = -1;
    const int sex = !strcmp(task, "sex");
    if (sex) {
        t->n_classes = 2;
        snprintf(t->class_name[0], SCAR_NAME_LEN, "male");
        snprintf(t->class_name[1], SCAR_NAME_LEN, "female");
    } else {
        for (int i = 0; i < s->n_sets; i++)
            if (!strcmp(s->set_name[i], task)) set = i;
        if (set < 0) return scar_fail("%s: no task '%s' (a label set of the pack, or sex)", pack_path(p), task);
        t->n_classes = s->n_classes[set];
        for (int c = 0; c < t->n_classes; c++) snprintf(t->class_name[c], SCAR_NAME_LEN, "%s", s->class_name[set][c]);
    }
    const int C = t->n_classes, n_all = pack_count(p);
    t->single_label = 1;
    for (int k = 0; k < 3; k++) {
        t->idx[k] = xmalloc((size_t)(n_all ? n_all : 1) * sizeof(int));
        t->labels[k] = xmalloc((size_t)(n_all ? n_all : 1) * C);
    }
    for (int i = 0; i < n_all; i++) {
        const int split = pack_split(p, i);
        int k = -1;
        for (int j = 0; j < 3; j++)
            if (split == SPLITS[j]) k = j;
        if (k < 0) continue;
        EcgRecord v;
        if (pack_get(p, i, &v) != 0) return -1;
        uint8_t *y = t->labels[k] + (size_t)t->n[k] * C;
        int count = 0;
        for (int c = 0; c < C; c++) {
            y[c] = sex ? (uint8_t)((c == 0 && v.sex == SEX_MALE) || (c == 1 && v.sex == SEX_FEMALE)) : (uint8_t)label_has(&v.labels[set], c);
            count += y[c];
        }
        if (count == 0) continue; /* unknown sex, or no class of the set */
        if (count != 1) t->single_label = 0;
        t->idx[k][t->n[k]++] = i;
    }
    if (t->n[0] == 0 || t->n[1] == 0 || t->n[2] == 0)
        return scar_fail("%s: task %s has %d training, %d validation and %d test records; every split needs some",
                         pack_path(p), task, t->n[0], t->n[1], t->n[2]);
    return 0;
}

void task_free(Task *t) {
    for (int k = 0; k < 3; k++) free(t->idx[k]), free(t->labels[k]);
    memset(t, 0, sizeof *t);
}

const char *class_status_text(ClassStatus s) {
    switch (s) {
    case CLASS_NO_TRAIN_POSITIVE: return "no training record";
    case CLASS_NO_TRAIN_NEGATIVE: return "on every training record";
    case CLASS_NO_TEST_POSITIVE: return "no test record";
    case CLASS_NO_TEST_NEGATIVE: return "on every test record";
    default: return "evaluated";
    }
}

/* Positives per class pos [C] among rows [n] (NULL: 0..n-1) of labels [*, C]. */
static void count_positives(const uint8_t *labels, const int *rows, int n, int C, int *pos) {
    for (int c = 0; c < C; c++) pos[c] = 0;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < C; c++) pos[c] += labels[(size_t)(rows ? rows[i] : i) * C + c];
}

/* "A, B (why); C (why)": the classes whose code[c] is nonzero, grouped by the text of the code. */
static void describe(const Task *t, const uint8_t *code, const char *(*text)(int), char *out, size_t cap) {
    size_t len = 0;
    out[0] = 0;
    for (int r = 1; r < 8; r++) {
        int first = 1;
        for (int c = 0; c < t->n_classes; c++) {
            if (code[c] != r || len >= cap) continue;
            len += (size_t)snprintf(out + len, cap - len, "%s%s", first ? (len ? "; " : "") : ", ", t->class_name[c]);
            first = 0;
        }
        if (!first && len < cap) len += (size_t)snprintf(out + len, cap - len, " (%s)", text(r));
    }
}

static const char *status_text(int s) { return class_status_text((ClassStatus)s); }
static const char *validation_text(int s) { return s == 1 ? "no validation record" : "on every validation record"; }

int task_classes(const Task *t, const Pack *p, const int *train_rows, int n_train_rows, uint8_t *status, char *note,
                 size_t note_cap) {
    const int C = t->n_classes, n_tr = train_rows ? n_train_rows : t->n[0];
    int tr[SCAR_MAX_CLASSES], va[SCAR_MAX_CLASSES], te[SCAR_MAX_CLASSES], n_eval = 0, n_select = 0;
    count_positives(t->labels[0], train_rows, n_tr, C, tr);
    count_positives(t->labels[1], NULL, t->n[1], C, va);
    count_positives(t->labels[2], NULL, t->n[2], C, te);
    uint8_t val_code[SCAR_MAX_CLASSES];
    for (int c = 0; c < C; c++) {
        const int taught = tr[c] > 0 && tr[c] < n_tr;
        status[c] = tr[c] == 0 ? CLASS_NO_TRAIN_POSITIVE : tr[c] == n_tr ? CLASS_NO_TRAIN_NEGATIVE
                  : te[c] == 0 ? CLASS_NO_TEST_POSITIVE : te[c] == t->n[2] ? CLASS_NO_TEST_NEGATIVE : CLASS_EVALUATED;
        n_eval += status[c] == CLASS_EVALUATED;
        val_code[c] = !taught ? 0 : va[c] == 0 ? 1 : va[c] == t->n[1] ? 2 : 0;
        n_select += taught && !val_code[c];
    }
    char why[900];
    describe(t, status, status_text, why, sizeof why);
    if (n_eval == 0)
        return scar_fail("%s: task %s: no class can be evaluated (%d training, %d test records): %s", pack_path(p), t->name,
                         n_tr, t->n[2], why);
    if (n_select == 0) {
        char vwhy[900];
        describe(t, val_code, validation_text, vwhy, sizeof vwhy);
        return scar_fail("%s: task %s: the validation split (%d records) has no class the training records teach with "
                         "both positive and negative records, nothing to select on: %s", pack_path(p), t->name, t->n[1], vwhy);
    }
    if (note && note_cap) snprintf(note, note_cap, "%s", why);
    return 0;
}

/* The model's input from records of a pack: a ResNet reads the whole record (global pooling), a
 * transformer its first `samples` samples (its time embedding has that many patches). */
static int input_length(const SslModel *m, const Pack *p) {
    return m->cfg.encoder == SSL_RESNET ? pack_samples(p) : m->cfg.samples;
}

static void crop(const float *raw, int B, int S, int L, float *out) {
    for (int i = 0; i < B * 12; i++) memcpy(out + (size_t)i * L, raw + (size_t)i * S, (size_t)L * sizeof(float));
}

int ssl_extract_features(SslModel *m, const Pack *p, const int *idx, int n, float *out) {
    const int S = pack_samples(p), L = input_length(m, p), F = ssl_feature_dim(&m->cfg), B = 64;
    float *raw = xmalloc((size_t)B * 12 * S * sizeof(float)), *x = xmalloc((size_t)B * 12 * L * sizeof(float));
    Graph *g = graph_new(64 << 20);
    g->training = 0;
    g->grad_enabled = 0;
    int rc = 0;
    for (int s = 0; s < n && !rc; s += B) {
        const int k = n - s < B ? n - s : B;
        if ((rc = pack_batch(p, idx + s, k, raw, NULL, NULL)) != 0) break;
        crop(raw, k, S, L, x);
        graph_reset(g);
        Tensor *h = ssl_features(g, m, tensor_copy_of(g, x, SHAPE(k, 12, L)));
        memcpy(out + (size_t)s * F, h->data, (size_t)k * F * sizeof(float));
    }
    graph_free(g);
    free(raw), free(x);
    return rc;
}

static void fill_result(EvalResult *r, const char *task, const Task *t, const char *model, const Pack *p, double fraction,
                        uint64_t seed, const uint8_t *status) {
    memset(r, 0, sizeof *r);
    r->task = xstrdup(task);
    r->model = xstrdup(model);
    r->data = xstrdup(pack_path(p));
    r->protocol = xstrdup("clean");
    r->label_set = xstrdup(t->name);
    r->class_names = xmalloc((size_t)t->n_classes * sizeof(char *));
    for (int c = 0; c < t->n_classes; c++) r->class_names[c] = xstrdup(t->class_name[c]);
    r->seed = seed;
    r->extra = cJSON_CreateObject();
    cJSON_AddNumberToObject(r->extra, "label_fraction", fraction);
    cJSON *left = cJSON_AddArrayToObject(r->extra, "left_out");
    int n_eval = 0;
    for (int c = 0; c < t->n_classes; c++) {
        if (status[c] == CLASS_EVALUATED) {
            n_eval++;
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "class", t->class_name[c]);
        cJSON_AddStringToObject(o, "reason", class_status_text((ClassStatus)status[c]));
        cJSON_AddItemToArray(left, o);
    }
    cJSON_AddNumberToObject(r->extra, "evaluated_classes", n_eval);
}

static int metrics(const Task *t, const double *test, const double *val, int n_boot, uint64_t seed, const uint8_t *status,
                   EvalResult *r) {
    const EvalOptions opt = {.single_label = t->single_label, .n_boot = n_boot, .seed = seed, .level = 0.95, .left_out = status};
    return eval_metrics_compute(test, t->labels[2], t->n[2], val, t->labels[1], t->n[1], t->n_classes, &opt, &r->metrics);
}

int downstream_probe(SslModel *m, const Pack *p, const Task *t, double fraction, uint64_t seed, int n_boot, EvalResult *r) {
    const int F = ssl_feature_dim(&m->cfg), C = t->n_classes, n = t->n[0] + t->n[1];
    float *feat = xmalloc((size_t)n * F * sizeof(float)), *te = xmalloc((size_t)t->n[2] * F * sizeof(float));
    uint8_t *lab = xmalloc((size_t)n * C);
    int *split = xmalloc((size_t)n * sizeof(int));
    double *val = xmalloc((size_t)t->n[1] * C * sizeof(double)), *test = xmalloc((size_t)t->n[2] * C * sizeof(double));
    LinearProbe pr;
    memset(&pr, 0, sizeof pr);
    uint8_t status[SCAR_MAX_CLASSES];
    int rc = task_classes(t, p, NULL, 0, status, NULL, 0); /* before the work: the whole training split */
    if (!rc) rc = ssl_extract_features(m, p, t->idx[0], t->n[0], feat);
    if (!rc) rc = ssl_extract_features(m, p, t->idx[1], t->n[1], feat + (size_t)t->n[0] * F);
    if (!rc) rc = ssl_extract_features(m, p, t->idx[2], t->n[2], te);
    if (!rc) {
        memcpy(lab, t->labels[0], (size_t)t->n[0] * C);
        memcpy(lab + (size_t)t->n[0] * C, t->labels[1], (size_t)t->n[1] * C);
        for (int i = 0; i < n; i++) split[i] = i < t->n[0] ? SPLIT_TRAIN : SPLIT_VAL;
        const ProbeData d = {feat, lab, split, n, F, C};
        rc = probe_train(&d, fraction, seed, NULL, &pr);
    }
    if (!rc) rc = task_classes(t, p, pr.train_rows, pr.n_train_rows, status, NULL, 0); /* the rows kept */
    if (!rc) {
        probe_scores(&pr, feat + (size_t)t->n[0] * F, t->n[1], val);
        probe_scores(&pr, te, t->n[2], test);
        fill_result(r, "probe", t, "", p, fraction, seed, status);
        rc = metrics(t, test, val, n_boot, seed, status, r);
    }
    probe_free(&pr);
    free(feat), free(te), free(lab), free(split), free(val), free(test);
    return rc;
}

FinetuneOptions finetune_defaults(void) {
    FinetuneOptions o = {.steps = 300, .batch = 32, .eval_every = 50, .lr = 1e-3, .weight_decay = 1e-4, .seed = 1, .progress = -1};
    return o;
}

/* Scores [n, C] of the encoder + head in evaluation mode. */
static int scores_of(SslModel *m, const Tensor *hw, const Tensor *hb, const Pack *p, const int *idx, int n, double *out) {
    const int F = ssl_feature_dim(&m->cfg), C = hw->shape[0];
    float *feat = xmalloc((size_t)(n ? n : 1) * F * sizeof(float));
    const int rc = ssl_extract_features(m, p, idx, n, feat);
    for (int i = 0; i < n && !rc; i++)
        for (int c = 0; c < C; c++) {
            double s = hb->data[c];
            for (int j = 0; j < F; j++) s += (double)hw->data[(size_t)c * F + j] * feat[(size_t)i * F + j];
            out[(size_t)i * C + c] = s;
        }
    free(feat);
    return rc;
}

/* Validation macro AUROC over the classes the training rows teach (scores [n, C], labels [n, C]). */
static double taught_auroc(const double *scores, const uint8_t *labels, int n, int C, const uint8_t *status) {
    double per_class[SCAR_MAX_CLASSES], sum = 0;
    int k = 0;
    metric_auroc_classes(scores, labels, n, C, per_class, NULL);
    for (int c = 0; c < C; c++)
        if (status[c] != CLASS_NO_TRAIN_POSITIVE && status[c] != CLASS_NO_TRAIN_NEGATIVE && !isnan(per_class[c]))
            sum += per_class[c], k++;
    return k ? sum / k : NAN;
}

int downstream_finetune(SslModel *m, const Pack *p, const Task *t, double fraction, const FinetuneOptions *o, int n_boot,
                        EvalResult *r) {
    const int F = ssl_feature_dim(&m->cfg), C = t->n_classes, S = pack_samples(p), L = input_length(m, p), B = o->batch;
    int *rows = xmalloc((size_t)t->n[0] * sizeof(int));
    int *all = xmalloc((size_t)t->n[0] * sizeof(int));
    for (int i = 0; i < t->n[0]; i++) all[i] = i;
    const int kept = label_fraction_sample(t->labels[0], C, all, t->n[0], fraction, o->seed, rows);
    free(all);
    uint8_t status[SCAR_MAX_CLASSES];
    if (kept <= 0 || task_classes(t, p, rows, kept, status, NULL, 0) != 0) {
        free(rows);
        return kept == 0 ? scar_fail("label fraction %g keeps no training record", fraction) : -1;
    }
    /* The linear head, in a store of its own; the encoder's tensors are those named "encoder.". */
    ParamStore hs;
    params_init(&hs);
    Tensor *hw = params_add(&hs, "head_w", SHAPE(C, F), 1), *hb = params_add(&hs, "head_b", SHAPE(C), 0);
    params_finalize(&hs);
    Rng rng;
    rng_seed(&rng, o->seed, 77);
    for (int64_t i = 0; i < hw->numel; i++) hw->data[i] = (real)(rng_normal(&rng) / sqrt((double)F));
    uint8_t *enc = xmalloc((size_t)m->params.n);
    params_select(&m->params, "encoder.", 1, enc);
    AdamW oe, oh;
    adamw_init(&oe, &m->params, 0.9, 0.999, 1e-8, o->weight_decay);
    adamw_init(&oh, &hs, 0.9, 0.999, 1e-8, o->weight_decay);
    real *best = xmalloc((size_t)(m->params.total + hs.total) * sizeof(real));
    double best_auc = -1;
    int64_t best_step = 0;
    float *raw = xmalloc((size_t)B * 12 * S * sizeof(float)), *x = xmalloc((size_t)B * 12 * L * sizeof(float));
    double *val = xmalloc((size_t)t->n[1] * C * sizeof(double)), *test = xmalloc((size_t)t->n[2] * C * sizeof(double));
    int *batch = xmalloc((size_t)B * sizeof(int)), *batch_row = xmalloc((size_t)B * sizeof(int)), *order = xmalloc((size_t)kept * sizeof(int));
    int32_t *target = xmalloc((size_t)B * sizeof(int32_t));
    Graph *g = graph_new(64 << 20);
    rng_seed(&g->rng, o->seed, 78);
    Rng shuffle;
    rng_seed(&shuffle, o->seed, 79);
    for (int i = 0; i < kept; i++) order[i] = rows[i];
    int pos = kept, rc = 0;
    Progress prog;
    progress_begin(&prog, "fine-tuning", "steps", o->steps, o->progress);
    for (int step = 0; step < o->steps && !rc; step++) {
        for (int b = 0; b < B; b++) { /* a reshuffled pass over the kept rows, then the next */
            if (pos == kept) rng_shuffle_int(&shuffle, order, kept), pos = 0;
            batch[b] = t->idx[0][order[pos]];
            batch_row[b] = order[pos];
            const uint8_t *y = t->labels[0] + (size_t)order[pos] * C;
            target[b] = 0;
            for (int c = 0; c < C; c++)
                if (y[c]) target[b] = c;
            pos++;
        }
        if ((rc = pack_batch(p, batch, B, raw, NULL, NULL)) != 0) break;
        crop(raw, B, S, L, x);
        graph_reset(g);
        g->training = 1;
        g->grad_enabled = 1;
        params_zero_grad(&m->params);
        params_zero_grad(&hs);
        Tensor *logits = op_linear(g, ssl_features(g, m, tensor_copy_of(g, x, SHAPE(B, 12, L))), hw, hb); /* [B, C] */
        Tensor *loss;
        if (t->single_label) loss = op_cross_entropy(g, logits, target);
        else {
            Tensor *y = tensor_new(g, SHAPE(B, C));
            for (int b = 0; b < B; b++)
                for (int c = 0; c < C; c++) y->data[b * C + c] = t->labels[0][(size_t)batch_row[b] * C + c];
            loss = op_bce_logits(g, logits, y, NULL);
        }
        if (!isfinite(loss->data[0])) {
            rc = scar_fail("fine-tuning step %d: the loss is not finite", step + 1);
            break;
        }
        graph_backward(g, loss);
        clip_grad_norm(&m->params, 5.0);
        const double lr = lr_warmup_cosine(step, o->steps / 10, o->steps, o->lr, o->lr * 0.01);
        adamw_step_subset(&oe, &m->params, lr, enc);
        adamw_step(&oh, &hs, lr);
        progress_update(&prog, step + 1, NULL);
        if ((step + 1) % o->eval_every == 0 || step + 1 == o->steps) {
            if ((rc = scores_of(m, hw, hb, p, t->idx[1], t->n[1], val)) != 0) break;
            const double auc = taught_auroc(val, t->labels[1], t->n[1], C, status);
            if (!isnan(auc) && auc > best_auc) { /* keep the weights of the best validation step */
                best_auc = auc;
                best_step = step + 1;
                memcpy(best, m->params.data, (size_t)m->params.total * sizeof(real));
                memcpy(best + m->params.total, hs.data, (size_t)hs.total * sizeof(real));
            }
        }
    }
    progress_end(&prog, NULL);
    if (!rc && best_auc < 0) rc = scar_fail("fine-tuning: no validation AUROC was defined");
    if (!rc) {
        memcpy(m->params.data, best, (size_t)m->params.total * sizeof(real));
        memcpy(hs.data, best + m->params.total, (size_t)hs.total * sizeof(real));
        rc = scores_of(m, hw, hb, p, t->idx[1], t->n[1], val);
        if (!rc) rc = scores_of(m, hw, hb, p, t->idx[2], t->n[2], test);
    }
    if (!rc) {
        fill_result(r, "finetune", t, "", p, fraction, o->seed, status);
        cJSON_AddNumberToObject(r->extra, "best_step", (double)best_step);
        cJSON_AddNumberToObject(r->extra, "train_rows", kept);
        rc = metrics(t, test, val, n_boot, o->seed, status, r);
    }
    graph_free(g);
    adamw_free(&oe), adamw_free(&oh);
    params_free(&hs);
    free(enc), free(best), free(raw), free(x), free(val), free(test), free(batch), free(batch_row), free(order), free(target), free(rows);
    return rc;
}
