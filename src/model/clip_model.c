#include "model/clip_model.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

ClipConfig clip_config_default(void) {
    ClipConfig c;
    memset(&c, 0, sizeof c);
    c.rate_hz = 100;
    c.embed_dim = 128;
    c.ecg.patch_len = 100;
    c.ecg.n_patches = 0; /* as many as the records hold: resolved when training starts */
    c.ecg.embed_dim = c.embed_dim;
    c.ecg.tf = (TransformerConfig){.width = 128, .heads = 4, .layers = 4, .mlp = 512, .dropout = 0.1, .ln_eps = 1e-5};
    c.text.vocab = 2000;
    c.text.max_len = 64;
    c.text.embed_dim = c.embed_dim;
    c.text.tf = (TransformerConfig){.width = 128, .heads = 4, .layers = 2, .mlp = 512, .dropout = 0.1, .ln_eps = 1e-5};
    c.masker = masker_config_default();
    return c;
}

/* Read an integer or real member into *dst, refusing non-numbers; unknown keys are caught by the
 * callers' key lists. */
static int get_num(const cJSON *obj, const char *key, double *dst, const char *what, const char *section) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return 0;
    if (!cJSON_IsNumber(v)) return scar_fail("%s: %s%s%s must be a number", what, section, *section ? "." : "", key);
    *dst = v->valuedouble;
    return 0;
}

static int check_keys(const cJSON *obj, const char *const *allowed, const char *what, const char *section) {
    for (const cJSON *it = obj->child; it; it = it->next) {
        int ok = 0;
        for (int i = 0; allowed[i]; i++) ok |= !strcmp(it->string, allowed[i]);
        if (!ok) return scar_fail("%s: unknown key '%s%s%s'", what, section, *section ? "." : "", it->string);
    }
    return 0;
}

/* A transformer section with two more whole-number keys (and "selector" for the ECG). */
static int read_tf(const cJSON *obj, TransformerConfig *tf, int *a, int *b, const char *a_key, const char *b_key,
                   int *selector, const char *what, const char *section) {
    if (!cJSON_IsObject(obj)) return scar_fail("%s: '%s' must be an object", what, section);
    double v[8] = {tf->width, tf->layers, tf->heads, tf->mlp, tf->dropout, *a, *b, selector ? *selector : 0};
    const char *names[8] = {"width", "layers", "heads", "mlp", "dropout", a_key, b_key, "selector"};
    const int n = selector ? 8 : 7;
    for (int i = 0; i < n; i++)
        if (get_num(obj, names[i], &v[i], what, section)) return -1;
    const char *const allowed[] = {"width", "layers", "heads", "mlp", "dropout", a_key, b_key, selector ? "selector" : NULL, NULL};
    if (check_keys(obj, allowed, what, section)) return -1;
    for (int i = 0; i < n; i++)
        if (i != 4 && v[i] != floor(v[i])) return scar_fail("%s: %s.%s must be a whole number", what, section, names[i]);
    tf->width = (int)v[0], tf->layers = (int)v[1], tf->heads = (int)v[2], tf->mlp = (int)v[3], tf->dropout = v[4];
    *a = (int)v[5], *b = (int)v[6];
    if (selector) *selector = v[7] != 0;
    return 0;
}

static int read_masker(const cJSON *obj, MaskerConfig *m, const char *what) {
    if (!cJSON_IsObject(obj)) return scar_fail("%s: 'masker' must be an object", what);
    const char *const keys[] = {"hidden", "budget", "lead_share", "segment_share", "penalty", "tau_start", "tau_end", NULL};
    if (check_keys(obj, keys, what, "masker")) return -1;
    double hidden = m->hidden;
    double *dst[7] = {&hidden, &m->budget, &m->lead_share, &m->segment_share, &m->penalty, &m->tau_start, &m->tau_end};
    for (int i = 0; i < 7; i++)
        if (get_num(obj, keys[i], dst[i], what, "masker")) return -1;
    if (hidden != floor(hidden)) return scar_fail("%s: masker.hidden must be a whole number", what);
    m->hidden = (int)hidden;
    return 0;
}

int clip_config_from_json(ClipConfig *cfg, const char *json, const char *what) {
    cJSON *root = cJSON_Parse(json);
    if (!root) return scar_fail("%s: not valid JSON (near '%.20s')", what, cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "");
    int rc = 0;
    const char *const top[] = {"rate_hz", "ecg", "text", "embed_dim", "masker", NULL};
    double rate = cfg->rate_hz, embed = cfg->embed_dim;
    if (!cJSON_IsObject(root)) rc = scar_fail("%s: the configuration must be a JSON object", what);
    if (!rc) rc = check_keys(root, top, what, "");
    if (!rc) rc = get_num(root, "rate_hz", &rate, what, "");
    if (!rc) rc = get_num(root, "embed_dim", &embed, what, "");
    const cJSON *e = rc ? NULL : cJSON_GetObjectItemCaseSensitive(root, "ecg");
    if (e) rc = read_tf(e, &cfg->ecg.tf, &cfg->ecg.patch_len, &cfg->ecg.n_patches, "patch_len", "n_patches",
                        &cfg->ecg.selector, what, "ecg");
    const cJSON *t = rc ? NULL : cJSON_GetObjectItemCaseSensitive(root, "text");
    if (t) rc = read_tf(t, &cfg->text.tf, &cfg->text.vocab, &cfg->text.max_len, "vocab", "max_len", NULL, what, "text");
    const cJSON *mk = rc ? NULL : cJSON_GetObjectItemCaseSensitive(root, "masker");
    if (mk) {
        rc = read_masker(mk, &cfg->masker, what);
        cfg->has_masker = 1;
    }
    if (!rc) {
        if (embed != floor(embed)) rc = scar_fail("%s: embed_dim must be a whole number", what);
        cfg->rate_hz = rate;
        cfg->embed_dim = cfg->ecg.embed_dim = cfg->text.embed_dim = (int)embed;
    }
    cJSON_Delete(root);
    return rc ? rc : clip_config_validate(cfg, what);
}

char *clip_config_to_json(const ClipConfig *c) {
    cJSON *root = cJSON_CreateObject(), *e = cJSON_CreateObject(), *t = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "rate_hz", c->rate_hz);
    cJSON_AddNumberToObject(e, "patch_len", c->ecg.patch_len);
    cJSON_AddNumberToObject(e, "n_patches", c->ecg.n_patches);
    cJSON_AddNumberToObject(e, "selector", c->ecg.selector);
    cJSON_AddNumberToObject(t, "vocab", c->text.vocab);
    cJSON_AddNumberToObject(t, "max_len", c->text.max_len);
    const TransformerConfig *tfs[2] = {&c->ecg.tf, &c->text.tf};
    cJSON *objs[2] = {e, t};
    for (int i = 0; i < 2; i++) {
        cJSON_AddNumberToObject(objs[i], "width", tfs[i]->width);
        cJSON_AddNumberToObject(objs[i], "layers", tfs[i]->layers);
        cJSON_AddNumberToObject(objs[i], "heads", tfs[i]->heads);
        cJSON_AddNumberToObject(objs[i], "mlp", tfs[i]->mlp);
        cJSON_AddNumberToObject(objs[i], "dropout", tfs[i]->dropout);
    }
    cJSON_AddItemToObject(root, "ecg", e);
    cJSON_AddItemToObject(root, "text", t);
    cJSON_AddNumberToObject(root, "embed_dim", c->embed_dim);
    if (c->has_masker) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddNumberToObject(m, "hidden", c->masker.hidden);
        cJSON_AddNumberToObject(m, "budget", c->masker.budget);
        cJSON_AddNumberToObject(m, "lead_share", c->masker.lead_share);
        cJSON_AddNumberToObject(m, "segment_share", c->masker.segment_share);
        cJSON_AddNumberToObject(m, "penalty", c->masker.penalty);
        cJSON_AddNumberToObject(m, "tau_start", c->masker.tau_start);
        cJSON_AddNumberToObject(m, "tau_end", c->masker.tau_end);
        cJSON_AddItemToObject(root, "masker", m);
    }
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    char *out = xstrdup(s);
    cJSON_free(s);
    return out;
}

int clip_config_validate(const ClipConfig *c, const char *what) {
    if (!(c->rate_hz >= 1 && c->rate_hz <= 10000)) return scar_fail("%s: rate_hz %g outside [1, 10000]", what, c->rate_hz);
    if (c->embed_dim < 1 || c->embed_dim > 4096) return scar_fail("%s: embed_dim %d outside [1, 4096]", what, c->embed_dim);
    if (c->ecg.patch_len < 1 || c->ecg.patch_len > 10000) return scar_fail("%s: ecg.patch_len %d outside [1, 10000]", what, c->ecg.patch_len);
    if (c->ecg.n_patches < 0 || c->ecg.n_patches > 4096) return scar_fail("%s: ecg.n_patches %d outside [0, 4096] (0: as many as the records hold)", what, c->ecg.n_patches);
    if (c->text.vocab < 8 || c->text.vocab > 1000000) return scar_fail("%s: text.vocab %d outside [8, 1000000]", what, c->text.vocab);
    if (c->text.max_len < 2 || c->text.max_len > 4096) return scar_fail("%s: text.max_len %d outside [2, 4096]", what, c->text.max_len);
    if (transformer_config_validate(&c->ecg.tf, what, "ecg") || transformer_config_validate(&c->text.tf, what, "text")) return -1;
    if (c->has_masker && masker_config_validate(&c->masker, what) != 0) return -1;
    return 0;
}

void clip_model_create(ClipModel *m, const ClipConfig *cfg) {
    if (cfg->ecg.n_patches < 1) {
        fprintf(stderr, "scar: clip_model_create: ecg.n_patches must be resolved (got %d)\n", cfg->ecg.n_patches);
        abort();
    }
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->cfg.ecg.embed_dim = m->cfg.text.embed_dim = cfg->embed_dim;
    m->cfg.ecg.tf.ln_eps = m->cfg.text.tf.ln_eps = 1e-5;
    params_init(&m->params);
    ecg_encoder_declare(&m->ecg, &m->params, &m->cfg.ecg, "ecg");
    text_encoder_declare(&m->text, &m->params, &m->cfg.text, "text");
    m->logit_scale = params_add(&m->params, "logit_scale", SHAPE(1), 0);
    if (m->cfg.has_masker) masker_declare(&m->masker, &m->params, &m->cfg.masker, m->cfg.ecg.tf.width, "masker");
    params_finalize(&m->params);
}

void clip_model_init(ClipModel *m, Rng *rng) {
    ecg_encoder_init(&m->ecg, rng);
    text_encoder_init(&m->text, rng);
    m->logit_scale->data[0] = (real)log(1 / 0.07);
    if (m->cfg.has_masker) masker_init(&m->masker, rng);
}

void clip_model_free(ClipModel *m) {
    ecg_encoder_free(&m->ecg);
    text_encoder_free(&m->text);
    params_free(&m->params);
}
