#include "eval/report_examples.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"
#include "core/safetensors.h"
#include "data/missing.h"
#include "data/pack.h"
#include "eval/adversarial.h"
#include "eval/report_ssl_masks.h"
#include "eval/svg.h"
#include "model/clip_io.h"
#include "model/ssl_model.h"

int report_pick_examples(const Pack *p, int *out, int want, int *set_out) {
    const LabelSchema *s = pack_schema(p);
    int set = 0;
    for (int i = 0; i < s->n_sets; i++)
        if (!strcmp(s->set_name[i], "super")) set = i;
    *set_out = set;
    const int n = pack_count(p), C = s->n_classes[set];
    int k = 0, used[SCAR_MAX_CLASSES] = {0};
    /* rounds: a new class each; one class each; then any test record (a small pack may have few
     * single-diagnosis records) */
    for (int round = 0; round < 3 && k < want; round++)
        for (int i = 0; i < n && k < want; i++) {
            EcgRecord v;
            if (pack_split(p, i) != SPLIT_TEST || pack_get(p, i, &v) != 0) continue;
            int cls = -1, count = 0;
            for (int c = 0; c < C; c++)
                if (label_has(&v.labels[set], c)) cls = c, count++;
            if (round < 2 && (count != 1 || (round == 0 && used[cls]))) continue;
            int dup = 0;
            for (int j = 0; j < k; j++) dup |= out[j] == i;
            if (dup) continue;
            if (cls >= 0) used[cls] = 1;
            out[k++] = i;
        }
    return k;
}

void report_example_title(const Pack *p, const EcgRecord *v, int set, char *title, size_t size) {
    const LabelSchema *s = pack_schema(p);
    int len = snprintf(title, size, "record %s:", v->id);
    for (int c = 0; c < s->n_classes[set] && len < (int)size; c++)
        if (label_has(&v->labels[set], c)) len += snprintf(title + len, size - (size_t)len, " %s", s->class_name[set][c]);
    if (len < (int)size) snprintf(title + len, size - (size_t)len, " -- \"%.120s\"", v->report);
}

int report_examples(FILE *html, const char *model_path, const char *pack_path, int n_examples) {
    /* the checkpoint's kind decides what there is to draw */
    SafeTensors *st = safetensors_open(model_path);
    if (!st) return -1;
    const char *kind = safetensors_metadata(st, "kind");
    const int ssl = kind && !strcmp(kind, SSL_MODEL_KIND);
    safetensors_close(st);
    if (ssl) return report_ssl_masks(html, model_path, pack_path, n_examples);
    AdversarialMasker am;
    memset(&am, 0, sizeof am);
    ClipModel *m;
    int has_masker = 0;
    if (adversarial_open(&am, model_path) == 0) has_masker = 1;
    else if (clip_model_load(model_path, &am.model, &am.tok, NULL, NULL) != 0) return -1;
    m = &am.model;
    Pack *p = pack_open(pack_path);
    if (!p) {
        adversarial_close(&am);
        return -1;
    }
    const LabelSchema *s = pack_schema(p);
    int set = 0;
    const int NP = m->cfg.ecg.n_patches, P = m->cfg.ecg.patch_len, S = pack_samples(p);
    int idx[64];
    const int n = report_pick_examples(p, idx, n_examples < 64 ? n_examples : 64, &set);
    fprintf(html, "<h2>Example ECGs</h2>\n<p>Model <code>");
    svg_escape(html, model_path);
    fprintf(html, "</code>%s.</p>\n", has_masker ? " (with its masker, at its training budget)" : " (no masker: no removal drawn)");
    MissingProtocol evidence;
    char text[128];
    snprintf(text, sizeof text, "evidence=primary;labelset=%s", s->set_name[set]);
    const int has_evidence = missing_parse(text, &evidence) == 0;
    Graph *g = graph_new(16 << 20);
    g->grad_enabled = 0;
    g->training = 0;
    const int all = missing_n_patches(S, P);
    uint8_t *present = xmalloc((size_t)12 * all), *removed = xmalloc((size_t)12 * NP), *primary = xmalloc((size_t)12 * NP);
    float *weights = xmalloc((size_t)12 * NP * sizeof(float));
    int rc = 0;
    for (int e = 0; e < n && !rc; e++) {
        EcgRecord v;
        pack_get(p, idx[e], &v);
        MissingRecord mr = missing_record_of(&v, s);
        MissingProtocol full;
        missing_full(&full);
        rc = missing_apply(&full, &mr, S, P, idx[e], present) < 0;
        /* primary evidence = what evidence removal takes away */
        memset(primary, 0, (size_t)12 * NP);
        if (!rc && has_evidence && v.n_evidence > 0) {
            uint8_t *after = xmalloc((size_t)12 * all);
            if (missing_apply(&evidence, &mr, S, P, idx[e], after) >= 0)
                for (int l = 0; l < 12; l++)
                    for (int t = 0; t < NP; t++) primary[l * NP + t] = present[l * all + t] && !after[l * all + t];
            free(after);
        }
        memset(removed, 0, (size_t)12 * NP);
        if (!rc && has_masker) {
            uint8_t *after = xmalloc((size_t)12 * all);
            memcpy(after, present, (size_t)12 * all);
            MissingMasker mm = adversarial_masker(&am);
            MissingProtocol adv;
            missing_full(&adv);
            adv.budget = m->cfg.masker.budget;
            rc = mm.remove(mm.ctx, &adv, &mr, all, P, idx[e], after);
            for (int l = 0; l < 12 && !rc; l++)
                for (int t = 0; t < NP; t++) removed[l * NP + t] = present[l * all + t] && !after[l * all + t];
            free(after);
        }
        /* the selector's weights on the clean ECG */
        memset(weights, 0, (size_t)12 * NP * sizeof(float));
        if (!rc) {
            graph_reset(g);
            Tensor *x = tensor_copy_of(g, v.signal, SHAPE(1, 12, S));
            uint8_t tm[12 * 4096];
            for (int l = 0; l < 12; l++)
                for (int t = 0; t < NP; t++) tm[l * NP + t] = present[l * all + t];
            EcgEncoding enc;
            ecg_encode(g, &m->ecg, x, tm, &enc);
            for (int t = 0; t < enc.layout.T; t++) {
                const int32_t k = enc.layout.token[t];
                if (k >= 0) weights[k] = enc.weights->data[t];
            }
        }
        if (rc) break;
        char title[512];
        report_example_title(p, &v, set, title, sizeof title);
        svg_ecg(html, title, v.signal, S, pack_rate(p), P, NP, has_masker ? removed : NULL, weights,
                v.n_evidence ? primary : NULL);
    }
    if (rc) scar_fail_context("%s: drawing the example ECGs: ", pack_path);
    free(present), free(removed), free(primary), free(weights);
    graph_free(g);
    pack_close(p);
    adversarial_close(&am);
    return rc ? -1 : 0;
}
