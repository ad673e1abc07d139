#include "model/clip_io.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

int clip_model_save(const char *path, ClipModel *m, const Tokenizer *tok, TrainState *state,
                    const char *const *extra_kv) {
    char *cfg = clip_config_to_json(&m->cfg), *tj = tokenizer_to_json(tok);
    int n_extra = 0;
    while (extra_kv && extra_kv[n_extra]) n_extra++;
    const char **kv = xmalloc((size_t)(n_extra + 7) * sizeof *kv);
    kv[0] = "kind", kv[1] = CLIP_MODEL_KIND, kv[2] = "config", kv[3] = cfg, kv[4] = "tokenizer", kv[5] = tj;
    for (int i = 0; i < n_extra; i++) kv[6 + i] = extra_kv[i];
    kv[6 + n_extra] = NULL;
    TrainState weights_only = {.params = &m->params};
    TrainState *s = state ? state : &weights_only;
    s->params = &m->params;
    int rc = checkpoint_save(path, s, kv);
    free(kv);
    free(cfg);
    free(tj);
    return rc;
}

int clip_model_load(const char *path, ClipModel *m, Tokenizer **tok, TrainState *state, SafeTensors **keep) {
    SafeTensors *st = safetensors_open(path);
    if (!st) return -1;
    const char *kind = safetensors_metadata(st, "kind");
    const char *cfg_json = safetensors_metadata(st, "config"), *tok_json = safetensors_metadata(st, "tokenizer");
    if (!kind || strcmp(kind, CLIP_MODEL_KIND) != 0 || !cfg_json || !tok_json) {
        safetensors_close(st);
        return scar_fail("%s: not a scar ECG-language model (its metadata lacks kind '%s', config or tokenizer)", path, CLIP_MODEL_KIND);
    }
    ClipConfig cfg = clip_config_default();
    if (clip_config_from_json(&cfg, cfg_json, path) != 0) {
        safetensors_close(st);
        return -1;
    }
    Tokenizer *t = tokenizer_from_json(tok_json);
    safetensors_close(st);
    if (!t) return scar_fail_context("%s: tokenizer: ", path);
    const int vocab = tokenizer_vocab_size(t);
    if (vocab > cfg.text.vocab) {
        tokenizer_free(t);
        return scar_fail("%s: the tokenizer has %d tokens but the text encoder only %d", path, vocab, cfg.text.vocab);
    }
    clip_model_create(m, &cfg);
    TrainState weights_only = {.params = &m->params};
    TrainState *s = state ? state : &weights_only;
    s->params = &m->params;
    if (checkpoint_load(path, s, keep) != 0) {
        clip_model_free(m);
        tokenizer_free(t);
        return -1;
    }
    *tok = t;
    return 0;
}
