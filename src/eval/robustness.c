#include "eval/robustness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/progress.h"
#include "eval/adversarial.h"
#include "eval/cmrs.h"
#include "eval/linear_probe.h"
#include "eval/zeroshot.h"

char **robustness_default_protocols(const char *labelset, const char *masker_path, double budget, int *n) {
    char **list = xmalloc(32 * sizeof(char *));
    int k = 0;
    const int sets[] = {6, 4, 3, 2, 1};
    char buf[4200];
    for (int i = 0; i < 5; i++) {
        snprintf(buf, sizeof buf, "leadset=%d", sets[i]);
        list[k++] = xstrdup(buf);
    }
    const char *const r[] = {"0", "0.25", "0.5", "0.75"}, *const q[] = {"0", "0.25", "0.5"};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) {
            if (i == 0 && j == 0) continue;
            if (i == 0) snprintf(buf, sizeof buf, "drop_time=%s;seed=1", q[j]);
            else if (j == 0) snprintf(buf, sizeof buf, "drop_leads=%s;seed=1", r[i]);
            else snprintf(buf, sizeof buf, "drop_leads=%s;drop_time=%s;seed=1", r[i], q[j]);
            list[k++] = xstrdup(buf);
        }
    snprintf(buf, sizeof buf, "evidence=primary;labelset=%s", labelset);
    list[k++] = xstrdup(buf);
    if (masker_path) {
        snprintf(buf, sizeof buf, "adversarial=%s;budget=%g", masker_path, budget);
        list[k++] = xstrdup(buf);
    }
    *n = k;
    return list;
}

void robustness_free_list(char **list, int n) {
    for (int i = 0; i < n; i++) free(list[i]);
    free(list);
}

static cJSON *estimate_json(Estimate e) {
    cJSON *o = cJSON_CreateObject();
    const double v[3] = {e.value, e.lo, e.hi};
    const char *k[3] = {"value", "lo", "hi"};
    for (int i = 0; i < 3; i++) isnan(v[i]) ? cJSON_AddNullToObject(o, k[i]) : cJSON_AddNumberToObject(o, k[i], v[i]);
    cJSON_AddNumberToObject(o, "n_resamples", e.n_resamples);
    return o;
}

static void add_robustness(EvalResult *r, const Cmrs *c, double cosine) {
    if (!r->extra) r->extra = cJSON_CreateObject();
    cJSON *cm = cJSON_CreateObject();
    cJSON_AddItemToObject(cm, "overall", estimate_json(c->overall));
    cJSON *pc = cJSON_CreateArray();
    for (int k = 0; k < c->n_classes; k++) cJSON_AddItemToArray(pc, estimate_json(c->per_class[k]));
    cJSON_AddItemToObject(cm, "per_class", pc);
    cJSON_AddNumberToObject(cm, "decisions", (double)c->decisions);
    cJSON_AddItemToObject(r->extra, "cmrs", cm);
    if (!isnan(cosine)) cJSON_AddNumberToObject(r->extra, "embedding_cosine", cosine);
}

static double mean_cosine(const float *a, const float *b, int n, int E) {
    double s = 0;
    for (int i = 0; i < n; i++) {
        double d = 0;
        for (int j = 0; j < E; j++) d += (double)a[(size_t)i * E + j] * b[(size_t)i * E + j];
        s += d;
    }
    return n ? s / n : NAN;
}

/* Masker callbacks for adversarial protocols, one loaded model per distinct path. */
typedef struct {
    AdversarialMasker *m;
    int n;
} MaskerCache;

static int masker_for(MaskerCache *mc, const MissingProtocol *p, MissingMasker *out, int *has) {
    *has = 0;
    if (!(p->parts & MISSING_ADVERSARIAL)) return 0;
    for (int i = 0; i < mc->n; i++)
        if (!strcmp(mc->m[i].path, p->masker)) {
            *out = adversarial_masker(&mc->m[i]);
            *has = 1;
            return 0;
        }
    mc->m = xrealloc(mc->m, (size_t)(mc->n + 1) * sizeof *mc->m);
    if (adversarial_open(&mc->m[mc->n], p->masker) != 0) return -1;
    *out = adversarial_masker(&mc->m[mc->n++]);
    *has = 1;
    return 0;
}

/* Among test records with exactly one positive class of the label set that has primary evidence,
 * the fraction of the tokens removed that are primary-evidence tokens of that class (pooled over
 * records), for the masker and for random removal with the same budget and structure. */
static int evidence_hit(EvalContext *e, const MissingProtocol *adv, AdversarialMasker *am, cJSON *extra) {
    const LabelSchema *s = pack_schema(e->pack);
    const int P = e->model.cfg.ecg.patch_len, S = pack_samples(e->pack), all = missing_n_patches(S, P), C = e->n_classes;
    MissingProtocol evidence, full;
    char text[128];
    snprintf(text, sizeof text, "evidence=primary;labelset=%s", s->set_name[e->set]);
    if (missing_parse(text, &evidence) != 0) return -1;
    missing_full(&full);
    AdversarialMasker random = *am; /* shares the loaded model; never closed */
    random.random = 1;
    random.seed = e->seed;
    uint8_t *present = xmalloc((size_t)12 * all), *after = xmalloc((size_t)12 * all), *mask = xmalloc((size_t)12 * all);
    int64_t hit[2] = {0, 0}, removed[2] = {0, 0};
    int records = 0, rc = 0;
    const int T = e->target;
    for (int i = 0; i < e->split_n[T] && !rc; i++) {
        int k = 0;
        for (int c = 0; c < C; c++) k += e->labels[T][(size_t)i * C + c];
        if (k != 1) continue;
        EcgRecord v;
        const int idx = e->split_idx[T][i];
        if (pack_get(e->pack, idx, &v) != 0 || v.n_evidence == 0) continue;
        const MissingRecord mr = missing_record_of(&v, s);
        if (missing_apply(&full, &mr, S, P, idx, present) < 0 || missing_apply(&evidence, &mr, S, P, idx, after) < 0) {
            rc = -1;
            break;
        }
        int n_primary = 0;
        for (int t = 0; t < 12 * all; t++) n_primary += present[t] && !after[t];
        if (!n_primary) continue; /* a class read from the absence of findings (NORM) */
        records++;
        for (int r = 0; r < 2 && !rc; r++) {
            AdversarialMasker *which = r ? &random : am;
            const MissingMasker mm = adversarial_masker(which);
            memcpy(mask, present, (size_t)12 * all);
            rc = mm.remove(mm.ctx, adv, &mr, all, P, idx, mask);
            for (int t = 0; t < 12 * all && !rc; t++) {
                const int gone = present[t] && !mask[t];
                removed[r] += gone;
                hit[r] += gone && !after[t];
            }
        }
    }
    free(present), free(after), free(mask);
    if (rc || records == 0) return rc;
    const double m = removed[0] ? (double)hit[0] / (double)removed[0] : NAN, q = removed[1] ? (double)hit[1] / (double)removed[1] : NAN;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "masker", m);
    cJSON_AddNumberToObject(o, "random", q);
    if (q > 0) cJSON_AddNumberToObject(o, "ratio", m / q);
    cJSON_AddNumberToObject(o, "records", records);
    cJSON_AddItemToObject(extra, "evidence_hit", o);
    return 0;
}

static void result_of(EvalContext *e, EvalResult *r, const char *task, const char *protocol, const double *test,
                      const double *val, int *rc) {
    if (*rc) return;
    memset(r, 0, sizeof *r);
    const LabelSchema *s = pack_schema(e->pack);
    r->task = xstrdup(task);
    r->model = xstrdup(e->model_path);
    r->data = xstrdup(e->pack_path);
    r->protocol = xstrdup(protocol);
    r->label_set = xstrdup(s->set_name[e->set]);
    r->class_names = xmalloc((size_t)e->n_classes * sizeof(char *));
    for (int c = 0; c < e->n_classes; c++) r->class_names[c] = xstrdup(s->class_name[e->set][c]);
    r->seed = e->seed;
    const int T = e->target;
    int single = 1;
    for (int i = 0; i < e->split_n[T] && single; i++) {
        int k = 0;
        for (int c = 0; c < e->n_classes; c++) k += e->labels[T][(size_t)i * e->n_classes + c];
        single = k == 1;
    }
    const EvalOptions opt = {.single_label = single, .n_boot = e->n_boot, .seed = e->seed, .level = 0.95};
    *rc = eval_metrics_compute(test, e->labels[T], e->split_n[T], val, e->labels[1], e->split_n[1], e->n_classes, &opt,
                               &r->metrics);
}

int robustness_run(EvalContext *e, const RobustnessOptions *o, EvalResult **results, int *n_results) {
    const int C = e->n_classes, E = e->model.cfg.embed_dim, P = o->n_protocols;
    const int T = e->target; /* the scored split: test, or validation when tuning */
    const int target_split = T == 2 ? SPLIT_TEST : SPLIT_VAL;
    const int nva = e->split_n[1], nte = e->split_n[T], with_probe = o->probe_fraction > 0;
    const int n_out = (1 + P) * (with_probe ? 2 : 1);
    EvalResult *res = xcalloc((size_t)n_out, sizeof *res);
    int done = 0, rc = 0;
    MissingProtocol *protos = xcalloc((size_t)(P ? P : 1), sizeof *protos);
    for (int i = 0; i < P && !rc; i++) rc = missing_parse(o->protocols[i], &protos[i]);
    ClassEmbeddings cls;
    memset(&cls, 0, sizeof cls);
    if (!rc) rc = zeroshot_class_embeddings(&e->model, e->tok, &e->prompts, &cls);
    float *clean_te = NULL, *clean_va = NULL, *tr = NULL;
    double *clean_zs = xmalloc((size_t)nte * C * sizeof(double)), *zs = xmalloc((size_t)nte * C * sizeof(double));
    double *zs_va = xmalloc((size_t)(nva ? nva : 1) * C * sizeof(double));
    double *clean_pr = xmalloc((size_t)nte * C * sizeof(double)), *pr = xmalloc((size_t)nte * C * sizeof(double));
    double *pr_va = xmalloc((size_t)(nva ? nva : 1) * C * sizeof(double));
    LinearProbe probe;
    memset(&probe, 0, sizeof probe);
    MaskerCache mc = {0};
    Progress prog;
    progress_begin(&prog, "robustness", "protocols", 1 + P, o->progress);

    if (!rc) rc = eval_embed_split(e, target_split, NULL, NULL, &clean_te);
    if (!rc) rc = eval_embed_split(e, SPLIT_VAL, NULL, NULL, &clean_va);
    if (!rc) {
        zeroshot_scores(clean_te, nte, &cls, clean_zs);
        zeroshot_scores(clean_va, nva, &cls, zs_va);
        result_of(e, &res[done], "zeroshot", "clean", clean_zs, zs_va, &rc);
        if (!rc) done++;
    }
    if (!rc && with_probe) { /* fitted once, on clean training embeddings; C chosen on clean validation */
        const int ntr = e->split_n[0], n = ntr + nva;
        rc = eval_embed_split(e, SPLIT_TRAIN, NULL, NULL, &tr);
        float *feat = xmalloc((size_t)(n ? n : 1) * E * sizeof(float));
        uint8_t *lab = xmalloc((size_t)(n ? n : 1) * C);
        int *split = xmalloc((size_t)(n ? n : 1) * sizeof(int));
        if (!rc) {
            memcpy(feat, tr, (size_t)ntr * E * sizeof(float));
            memcpy(feat + (size_t)ntr * E, clean_va, (size_t)nva * E * sizeof(float));
            memcpy(lab, e->labels[0], (size_t)ntr * C);
            memcpy(lab + (size_t)ntr * C, e->labels[1], (size_t)nva * C);
            for (int i = 0; i < n; i++) split[i] = i < ntr ? SPLIT_TRAIN : SPLIT_VAL;
            const ProbeData d = {feat, lab, split, n, E, C};
            rc = probe_train(&d, o->probe_fraction, e->seed, NULL, &probe);
        }
        free(feat), free(lab), free(split);
        if (!rc) {
            probe_scores(&probe, clean_te, nte, clean_pr);
            probe_scores(&probe, clean_va, nva, pr_va);
        }
    }
    progress_update(&prog, 1, NULL);

    EvalResult *probe_res = xcalloc((size_t)(1 + P), sizeof *probe_res);
    int probe_done = 0;
    if (!rc && with_probe) {
        result_of(e, &probe_res[0], "probe", "clean", clean_pr, pr_va, &rc);
        if (!rc) {
            probe_res[0].extra = cJSON_CreateObject();
            cJSON_AddNumberToObject(probe_res[0].extra, "label_fraction", o->probe_fraction);
            probe_done = 1;
        }
    }
    for (int i = 0; i < P && !rc; i++) {
        MissingMasker mm;
        int has = 0;
        if ((rc = masker_for(&mc, &protos[i], &mm, &has)) != 0) break;
        float *te = NULL, *va = NULL;
        rc = eval_embed_split(e, target_split, &protos[i], has ? &mm : NULL, &te);
        if (!rc) rc = eval_embed_split(e, SPLIT_VAL, &protos[i], has ? &mm : NULL, &va);
        if (!rc) {
            const double cosine = mean_cosine(clean_te, te, nte, E);
            zeroshot_scores(te, nte, &cls, zs);
            zeroshot_scores(va, nva, &cls, zs_va);
            result_of(e, &res[done], "zeroshot", o->protocols[i], zs, zs_va, &rc);
            Cmrs c;
            if (!rc) rc = cmrs_compute(clean_zs, zs, e->labels[T], nte, C, e->n_boot, e->seed, 0.95, &c);
            if (!rc) {
                add_robustness(&res[done], &c, cosine);
                cmrs_free(&c);
                if (has) /* the masker's aim: how much of what it removes is the diagnostic evidence */
                    for (int j = 0; j < mc.n; j++)
                        if (!strcmp(mc.m[j].path, protos[i].masker)) rc = evidence_hit(e, &protos[i], &mc.m[j], res[done].extra);
                done++;
            }
            if (!rc && with_probe) {
                probe_scores(&probe, te, nte, pr);
                result_of(e, &probe_res[probe_done], "probe", o->protocols[i], pr, pr_va, &rc);
                if (!rc) rc = cmrs_compute(clean_pr, pr, e->labels[T], nte, C, e->n_boot, e->seed, 0.95, &c);
                if (!rc) {
                    add_robustness(&probe_res[probe_done], &c, cosine);
                    cJSON_AddNumberToObject(probe_res[probe_done].extra, "label_fraction", o->probe_fraction);
                    probe_done++;
                    cmrs_free(&c);
                }
            }
        }
        free(te), free(va);
        if (rc) scar_fail_context("protocol %s: ", o->protocols[i]);
        progress_update(&prog, 2 + i, NULL);
    }
    progress_end(&prog, NULL);
    for (int i = 0; i < probe_done; i++) res[done++] = probe_res[i];
    free(probe_res);
    probe_free(&probe);
    for (int i = 0; i < mc.n; i++) adversarial_close(&mc.m[i]);
    free(mc.m);
    free(protos), class_embeddings_free(&cls), free(clean_te), free(clean_va), free(tr);
    free(clean_zs), free(zs), free(zs_va), free(clean_pr), free(pr), free(pr_va);
    if (rc) {
        for (int i = 0; i < done; i++) result_free(&res[i]);
        free(res);
        return -1;
    }
    *results = res;
    *n_results = done;
    return 0;
}
