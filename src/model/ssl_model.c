#include "model/ssl_model.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"
#include "core/safetensors.h"

SslConfig ssl_config_default(int encoder) {
    SslConfig c;
    memset(&c, 0, sizeof c);
    c.encoder = encoder;
    c.rate_hz = 100;
    c.samples = 1000;
    c.resnet = resnet1d_config_default();
    c.transformer.patch_len = 100;
    c.transformer.n_patches = 10;
    c.transformer.embed_dim = 128;
    c.transformer.tf = (TransformerConfig){.width = 128, .heads = 4, .layers = 4, .mlp = 512, .dropout = 0.1, .ln_eps = 1e-5};
    c.head = projection_head_config_default(ssl_feature_dim(&c));
    c.temperature = NTXENT_DEFAULT_TEMPERATURE;
    c.masker = ssl_masker_config_default();
    c.masker.n_masks = 2;
    return c;
}

int ssl_feature_dim(const SslConfig *c) {
    return c->encoder == SSL_RESNET ? resnet1d_out_features(&c->resnet) : c->transformer.tf.width;
}

int ssl_config_validate(const SslConfig *c, const char *what) {
    if (c->encoder != SSL_RESNET && c->encoder != SSL_TRANSFORMER) return scar_fail("%s: unknown encoder", what);
    if (!(c->rate_hz >= 1 && c->rate_hz <= 10000)) return scar_fail("%s: rate_hz %g outside [1, 10000]", what, c->rate_hz);
    if (c->samples < 16 || c->samples > 10000000) return scar_fail("%s: samples %d outside [16, 1e7]", what, c->samples);
    if (c->encoder == SSL_RESNET && resnet1d_config_validate(&c->resnet, what)) return -1;
    if (c->encoder == SSL_TRANSFORMER) {
        if (c->transformer.patch_len < 1 || c->samples / c->transformer.patch_len < 1)
            return scar_fail("%s: transformer.patch_len %d does not fit %d samples", what, c->transformer.patch_len, c->samples);
        if (transformer_config_validate(&c->transformer.tf, what, "transformer")) return -1;
    }
    if (c->head.in_features != ssl_feature_dim(c)) return scar_fail("%s: the head takes %d features, the encoder gives %d", what, c->head.in_features, ssl_feature_dim(c));
    if (projection_head_config_validate(&c->head, what)) return -1;
    if (!(c->temperature > 0 && c->temperature <= 10)) return scar_fail("%s: temperature %g outside (0, 10]", what, c->temperature);
    if (c->has_masker) {
        if (ssl_masker_config_validate(&c->masker, what)) return -1;
        if (c->samples < ssl_masker_min_length(&c->masker))
            return scar_fail("%s: %d samples are fewer than the masker's %d", what, c->samples, ssl_masker_min_length(&c->masker));
    }
    return 0;
}

/* ---- JSON ---- */

static int num(const cJSON *o, const char *key, double *dst, const char *what) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) return 0;
    if (!cJSON_IsNumber(v)) return scar_fail("%s: %s must be a number", what, key);
    *dst = v->valuedouble;
    return 0;
}

static int whole(const cJSON *o, const char *key, int *dst, const char *what) {
    double v = *dst;
    if (num(o, key, &v, what)) return -1;
    if (v != floor(v) || fabs(v) > 1e9) return scar_fail("%s: %s must be a whole number", what, key);
    *dst = (int)v;
    return 0;
}

static int known(const cJSON *o, const char *const *keys, const char *what, const char *section) {
    for (const cJSON *it = o->child; it; it = it->next) {
        int ok = 0;
        for (int i = 0; keys[i]; i++) ok |= !strcmp(keys[i], it->string);
        if (!ok) return scar_fail("%s: unknown key '%s%s%s'", what, section, *section ? "." : "", it->string);
    }
    return 0;
}

int ssl_config_from_json(SslConfig *c, const char *json, const char *what) {
    cJSON *root = cJSON_Parse(json);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return scar_fail("%s: not a JSON object", what);
    }
    static const char *const top[] = {"encoder", "rate_hz", "samples", "resnet", "transformer", "head", "temperature", "masker", NULL};
    int rc = known(root, top, what, "");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "encoder");
    if (!rc && e) {
        if (cJSON_IsString(e) && !strcmp(e->valuestring, "resnet")) c->encoder = SSL_RESNET;
        else if (cJSON_IsString(e) && !strcmp(e->valuestring, "transformer")) c->encoder = SSL_TRANSFORMER;
        else rc = scar_fail("%s: encoder must be \"resnet\" or \"transformer\"", what);
    }
    if (!rc) rc = num(root, "rate_hz", &c->rate_hz, what) || whole(root, "samples", &c->samples, what) ||
                  num(root, "temperature", &c->temperature, what);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "resnet");
    if (!rc && r) {
        static const char *const k[] = {"base_width", NULL};
        rc = known(r, k, what, "resnet") || whole(r, "base_width", &c->resnet.base_width, what);
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "transformer");
    if (!rc && t) {
        static const char *const k[] = {"patch_len", "width", "layers", "heads", "mlp", "dropout", NULL};
        TransformerConfig *tf = &c->transformer.tf;
        rc = known(t, k, what, "transformer") || whole(t, "patch_len", &c->transformer.patch_len, what) ||
             whole(t, "width", &tf->width, what) || whole(t, "layers", &tf->layers, what) ||
             whole(t, "heads", &tf->heads, what) || whole(t, "mlp", &tf->mlp, what) || num(t, "dropout", &tf->dropout, what);
    }
    c->head.in_features = ssl_feature_dim(c);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(root, "head");
    if (!rc && h) {
        static const char *const k[] = {"hidden", "out", "bn", NULL};
        rc = known(h, k, what, "head") || whole(h, "hidden", &c->head.hidden, what) || whole(h, "out", &c->head.out, what) ||
             whole(h, "bn", &c->head.bn, what);
    } else if (!rc) {
        c->head.hidden = c->head.in_features;
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "masker");
    if (!rc && m) {
        static const char *const k[] = {"masks", "shared", "channels", "depth", "kernel", "sharpness", "alpha", NULL};
        int shared = !c->masker.per_lead;
        rc = known(m, k, what, "masker") || whole(m, "masks", &c->masker.n_masks, what) || whole(m, "shared", &shared, what) ||
             whole(m, "channels", &c->masker.channels, what) || whole(m, "depth", &c->masker.depth, what) ||
             whole(m, "kernel", &c->masker.kernel, what) || num(m, "sharpness", &c->masker.sharpness, what) ||
             num(m, "alpha", &c->masker.alpha, what);
        c->masker.per_lead = !shared;
        c->has_masker = 1;
    }
    cJSON_Delete(root);
    c->transformer.n_patches = c->transformer.patch_len > 0 ? c->samples / c->transformer.patch_len : 0;
    c->transformer.embed_dim = c->transformer.tf.width;
    return rc ? -1 : ssl_config_validate(c, what);
}

char *ssl_config_to_json(const SslConfig *c) {
    cJSON *root = cJSON_CreateObject(), *r = cJSON_CreateObject(), *t = cJSON_CreateObject(), *h = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "encoder", c->encoder == SSL_RESNET ? "resnet" : "transformer");
    cJSON_AddNumberToObject(root, "rate_hz", c->rate_hz);
    cJSON_AddNumberToObject(root, "samples", c->samples);
    cJSON_AddNumberToObject(r, "base_width", c->resnet.base_width);
    cJSON_AddNumberToObject(t, "patch_len", c->transformer.patch_len);
    cJSON_AddNumberToObject(t, "width", c->transformer.tf.width);
    cJSON_AddNumberToObject(t, "layers", c->transformer.tf.layers);
    cJSON_AddNumberToObject(t, "heads", c->transformer.tf.heads);
    cJSON_AddNumberToObject(t, "mlp", c->transformer.tf.mlp);
    cJSON_AddNumberToObject(t, "dropout", c->transformer.tf.dropout);
    cJSON_AddNumberToObject(h, "hidden", c->head.hidden);
    cJSON_AddNumberToObject(h, "out", c->head.out);
    cJSON_AddNumberToObject(h, "bn", c->head.bn);
    cJSON_AddItemToObject(root, "resnet", r);
    cJSON_AddItemToObject(root, "transformer", t);
    cJSON_AddItemToObject(root, "head", h);
    cJSON_AddNumberToObject(root, "temperature", c->temperature);
    if (c->has_masker) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddNumberToObject(m, "masks", c->masker.n_masks);
        cJSON_AddNumberToObject(m, "shared", !c->masker.per_lead);
        cJSON_AddNumberToObject(m, "channels", c->masker.channels);
        cJSON_AddNumberToObject(m, "depth", c->masker.depth);
        cJSON_AddNumberToObject(m, "kernel", c->masker.kernel);
        cJSON_AddNumberToObject(m, "sharpness", c->masker.sharpness);
        cJSON_AddNumberToObject(m, "alpha", c->masker.alpha);
        cJSON_AddItemToObject(root, "masker", m);
    }
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    char *out = xstrdup(s);
    cJSON_free(s);
    return out;
}

/* ---- the model ---- */

void ssl_model_create(SslModel *m, const SslConfig *cfg) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->cfg.transformer.n_patches = cfg->samples / cfg->transformer.patch_len;
    m->cfg.transformer.embed_dim = cfg->transformer.tf.width;
    m->cfg.head.in_features = ssl_feature_dim(&m->cfg);
    params_init(&m->params);
    if (m->cfg.encoder == SSL_RESNET) resnet1d_declare(&m->resnet, &m->params, &m->cfg.resnet, "encoder");
    else ecg_encoder_declare(&m->tf, &m->params, &m->cfg.transformer, "encoder");
    projection_head_declare(&m->head, &m->params, &m->cfg.head, "head");
    if (m->cfg.has_masker) ssl_masker_declare(&m->masker, &m->params, &m->cfg.masker, "masker");
    params_finalize(&m->params);
}

void ssl_model_init(SslModel *m, Rng *rng) {
    if (m->cfg.encoder == SSL_RESNET) resnet1d_init(&m->resnet, rng);
    else ecg_encoder_init(&m->tf, rng);
    projection_head_init(&m->head, rng);
    if (m->cfg.has_masker) ssl_masker_init(&m->masker, rng);
}

void ssl_model_free(SslModel *m) {
    if (m->cfg.encoder == SSL_TRANSFORMER) ecg_encoder_free(&m->tf);
    params_free(&m->params);
}

Tensor *ssl_features(Graph *g, const SslModel *m, Tensor *signal) {
    if (m->cfg.encoder == SSL_RESNET) return resnet1d_forward(g, &m->resnet, signal);      /* [B, 8W] */
    /* The transformer sees every token; removed samples are zeros in their patches. */
    const int B = signal->shape[0], NP = m->cfg.transformer.n_patches;
    uint8_t *all = graph_alloc(g, (size_t)B * ECG_LEADS * NP);
    memset(all, 1, (size_t)B * ECG_LEADS * NP);
    EcgEncoding e;
    ecg_encode(g, &m->tf, signal, all, &e);
    return e.pooled;                                                                          /* [B, D] */
}

int ssl_model_save(const char *path, SslModel *m, TrainState *state, const char *const *extra_kv) {
    char *cfg = ssl_config_to_json(&m->cfg);
    int n = 0;
    while (extra_kv && extra_kv[n]) n++;
    const char **kv = xmalloc((size_t)(n + 5) * sizeof *kv);
    kv[0] = "kind", kv[1] = SSL_MODEL_KIND, kv[2] = "config", kv[3] = cfg;
    for (int i = 0; i < n; i++) kv[4 + i] = extra_kv[i];
    kv[4 + n] = NULL;
    TrainState weights = {.params = &m->params};
    TrainState *s = state ? state : &weights;
    s->params = &m->params;
    const int rc = checkpoint_save(path, s, kv);
    free(kv);
    free(cfg);
    return rc;
}

int ssl_model_load(const char *path, SslModel *m, TrainState *state) {
    SafeTensors *st = safetensors_open(path);
    if (!st) return -1;
    const char *kind = safetensors_metadata(st, "kind"), *json = safetensors_metadata(st, "config");
    if (!kind || strcmp(kind, SSL_MODEL_KIND) != 0 || !json) {
        safetensors_close(st);
        return scar_fail("%s: not a scar self-supervised model (no kind \"%s\" with a config)", path, SSL_MODEL_KIND);
    }
    SslConfig cfg = ssl_config_default(SSL_RESNET);
    cfg.has_masker = 0;
    const int rc = ssl_config_from_json(&cfg, json, path);
    safetensors_close(st);
    if (rc) return -1;
    ssl_model_create(m, &cfg);
    TrainState weights = {.params = &m->params};
    TrainState *s = state ? state : &weights;
    s->params = &m->params;
    if (checkpoint_load(path, s, NULL) != 0) {
        ssl_model_free(m);
        return -1;
    }
    return 0;
}
