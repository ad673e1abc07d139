#include "eval/adversarial.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"
#include "model/clip_io.h"
#include "model/masker.h"

int adversarial_open(AdversarialMasker *a, const char *path) {
    memset(a, 0, sizeof *a);
    snprintf(a->path, sizeof a->path, "%s", path);
    if (clip_model_load(path, &a->model, &a->tok, NULL, NULL) != 0) return -1;
    if (!a->model.cfg.has_masker) {
        adversarial_close(a);
        return scar_fail("%s: this model has no masker (train one with scar pretrain --method scar)", path);
    }
    return 0;
}

void adversarial_close(AdversarialMasker *a) {
    if (a->model.params.data) clip_model_free(&a->model);
    if (a->tok) tokenizer_free(a->tok);
    memset(a, 0, sizeof *a);
}

static int remove_tokens(void *ctx, const MissingProtocol *p, const MissingRecord *rec, int n_patches, int patch_len,
                         int64_t record_index, uint8_t *token_mask) {
    AdversarialMasker *a = ctx;
    const ClipConfig *c = &a->model.cfg;
    if (patch_len != c->ecg.patch_len || n_patches < c->ecg.n_patches)
        return scar_fail("%s: its masker reads %d patches of %d samples; this model has %d of %d", a->path,
                         c->ecg.n_patches, c->ecg.patch_len, n_patches, patch_len);
    if (!rec->signal) return scar_fail("%s: the masker needs the record's signal", a->path);
    const int NP = c->ecg.n_patches, S = n_patches * patch_len;
    Graph *g = graph_new(8 << 20);
    g->grad_enabled = 0;
    g->training = 0;
    /* One record, in the masker's geometry: its first NP patches of every lead. */
    Tensor *x = tensor_new(g, SHAPE(1, 12, NP * patch_len));
    uint8_t present[12 * 4096];
    for (int l = 0; l < 12; l++) {
        memcpy(x->data + (size_t)l * NP * patch_len, rec->signal + (size_t)l * S, (size_t)NP * patch_len * sizeof(real));
        for (int t = 0; t < NP; t++) present[l * NP + t] = token_mask[l * n_patches + t];
    }
    const TokenLayout L = token_layout(g, present, 1, NP);
    Tensor *tokens = ecg_embed_tokens(g, &a->model.ecg, x, &L, NULL);
    MaskerOutput mo;
    if (a->random) rng_seed(&g->rng, a->seed, (uint64_t)record_index);
    masker_remove(g, a->random ? NULL : &a->model.masker, &c->masker, tokens, &L, NP, c->masker.tau_end, 0, p->budget, &mo);
    for (int l = 0; l < 12; l++)
        for (int t = 0; t < NP; t++) token_mask[l * n_patches + t] = mo.token_mask[l * NP + t];
    graph_free(g);
    return 0;
}

MissingMasker adversarial_masker(AdversarialMasker *a) {
    MissingMasker m = {remove_tokens, a};
    return m;
}
