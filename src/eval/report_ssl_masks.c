#include "eval/report_ssl_masks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"
#include "core/safetensors.h"
#include "data/pack.h"
#include "eval/report_examples.h"
#include "eval/svg.h"
#include "model/ssl_model.h"

/* The training metadata the page and the error messages quote ("" when absent). */
static int metadata(const char *path, char *aug, size_t n_aug, char *step, size_t n_step) {
    SafeTensors *st = safetensors_open(path);
    if (!st) return -1;
    const char *a = safetensors_metadata(st, "augmentation"), *s = safetensors_metadata(st, "step");
    snprintf(aug, n_aug, "%s", a ? a : "");
    snprintf(step, n_step, "%s", s ? s : "");
    safetensors_close(st);
    return 0;
}

static void draw(FILE *html, const SslModel *m, const Pack *p, const int *idx, int n, int set) {
    const SslMaskerConfig *mc = &m->cfg.masker;
    const int S = pack_samples(p), L = m->cfg.samples, N = mc->n_masks, C = ssl_masker_mask_leads(mc);
    float *raw = xmalloc((size_t)12 * S * sizeof(float)), *sig = xmalloc((size_t)12 * L * sizeof(float));
    Graph *g = graph_new(16 << 20);
    g->training = 0; /* batch norm on its running statistics: a record's masks do not depend on the others */
    g->grad_enabled = 0;
    for (int e = 0; e < n; e++) {
        EcgRecord v;
        pack_get(p, idx[e], &v);
        pack_batch(p, &idx[e], 1, raw, NULL, NULL); /* missing samples as zeros, as in training */
        for (int l = 0; l < 12; l++) memcpy(sig + (size_t)l * L, raw + (size_t)l * S, (size_t)L * sizeof(float));
        graph_reset(g);
        Tensor *masks = ssl_masker_forward(g, &m->masker, tensor_copy_of(g, sig, SHAPE(1, 12, L))); /* [1, N, C, L] */
        char title[512];
        report_example_title(p, &v, set, title, sizeof title);
        fprintf(html, "<h3>");
        svg_escape(html, title);
        fprintf(html, "</h3>\n");
        for (int k = 0; k < N; k++) {
            const float *mk = masks->data + (size_t)k * C * L;
            double sum = 0;
            int low = 0, high = 0; /* values near 0 (kept) and near 1 (removed); the rest only scale the signal */
            for (int i = 0; i < C * L; i++) sum += mk[i], low += mk[i] < 0.1f, high += mk[i] >= 0.9f;
            const double n_values = (double)C * L, removed = sum / n_values;
            char panel[600], caption[256], legend[256], hardness[256];
            snprintf(panel, sizeof panel, "record %s: mask %d of %d", v.id, k + 1, N);
            snprintf(caption, sizeof caption, "mask %d of %d: removes %.1f%% of the signal on average, keeps %.1f%% (its mean over %s%d samples)",
                     k + 1, N, 100 * removed, 100 * (1 - removed), C == 12 ? "12 leads x " : "", L);
            snprintf(legend, sizeof legend, "shading: the mask at each sample, darker = removed more (view = signal x (1 - mask))%s",
                     C == 12 ? "; right: each lead's mean" : "; one mask shared by the leads");
            snprintf(hardness, sizeof hardness, "values: %.1f%% below 0.1, %.1f%% soft (0.1 to 0.9: they scale the signal "
                     "rather than remove it), %.1f%% at 0.9 or above", 100 * low / n_values,
                     100 * (n_values - low - high) / n_values, 100 * high / n_values);
            const char *notes[] = {caption, hardness, legend, NULL};
            svg_ecg_shaded(html, panel, sig, L, m->cfg.rate_hz, mk, C, notes);
        }
    }
    graph_free(g);
    free(raw), free(sig);
}

int report_ssl_masks(FILE *html, const char *model_path, const char *pack_path, int n_examples) {
    char aug[128], step[32];
    if (metadata(model_path, aug, sizeof aug, step, sizeof step) != 0) return -1;
    SslModel m;
    if (ssl_model_load(model_path, &m, NULL) != 0) return -1;
    if (!m.cfg.has_masker) {
        ssl_model_free(&m);
        return scar_fail("%s: a self-supervised checkpoint (scar ssl --aug %s) without an adversarial masker: it has no "
                         "masks to draw; only scar ssl --aug adv checkpoints carry a mask generator",
                         model_path, *aug ? aug : "?");
    }
    Pack *p = pack_open(pack_path);
    if (!p) {
        ssl_model_free(&m);
        return -1;
    }
    int rc = 0, idx[64], set = 0, n = 0;
    if (fabs(pack_rate(p) - m.cfg.rate_hz) > 1e-3)
        rc = scar_fail("%s: records at %g Hz, but %s was trained at %g Hz", pack_path, pack_rate(p), model_path, m.cfg.rate_hz);
    else if (pack_samples(p) < m.cfg.samples)
        rc = scar_fail("%s: records of %d samples, fewer than the %d that %s reads", pack_path, pack_samples(p), m.cfg.samples, model_path);
    else if ((n = report_pick_examples(p, idx, n_examples < 64 ? n_examples : 64, &set)) == 0)
        rc = scar_fail("%s: no test-split records to draw", pack_path);
    if (!rc) {
        const SslMaskerConfig *mc = &m.cfg.masker;
        fprintf(html, "<h2>Example ECGs: what the adversarial masks remove</h2>\n<p>Self-supervised model <code>");
        svg_escape(html, model_path);
        fprintf(html, "</code>%s%s: its mask generator (%d mask%s %s, sharpness %g) in evaluation mode on %d test record%s of <code>",
                *step ? ", step " : "", step, mc->n_masks, mc->n_masks > 1 ? "s" : "",
                mc->per_lead ? "per lead" : "shared by the leads", mc->sharpness, n, n > 1 ? "s" : "");
        svg_escape(html, pack_path);
        fprintf(html, "</code>");
        if (pack_samples(p) > m.cfg.samples)
            fprintf(html, " (the first %d of their %d samples: what the model reads)", m.cfg.samples, pack_samples(p));
        fprintf(html, ", one panel per mask. The views the encoder learns from are the signal times (1 - mask): "
                      "shading shows where the adversary removes signal, darker where it removes more.</p>\n");
        draw(html, &m, p, idx, n, set);
    }
    pack_close(p);
    ssl_model_free(&m);
    return rc;
}
