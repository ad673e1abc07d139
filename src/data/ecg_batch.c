#include "data/ecg_batch.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

int ecg_batch_init(EcgBatch *b, const Pack *p, int cap, int patch_len, int n_patches) {
    memset(b, 0, sizeof *b);
    const int S = pack_samples(p);
    if (patch_len < 1 || n_patches < 1 || (int64_t)patch_len * n_patches > S)
        return scar_fail("%s: records of %d samples cannot give %d patches of %d samples", pack_path(p), S, n_patches, patch_len);
    if (cap < 1) return scar_fail("batch size %d must be at least 1", cap);
    b->cap = cap;
    b->S = S;
    b->patch_len = patch_len;
    b->n_patches = n_patches;
    b->signal = xmalloc((size_t)cap * N_LEADS * S * sizeof(float));
    b->valid = xmalloc((size_t)cap * N_LEADS * S);
    b->lead_available = xmalloc((size_t)cap * sizeof(uint16_t));
    b->token_mask = xmalloc((size_t)cap * N_LEADS * n_patches);
    b->present = xmalloc((size_t)cap * sizeof(int32_t));
    return 0;
}

void ecg_batch_free(EcgBatch *b) {
    free(b->signal);
    free(b->valid);
    free(b->lead_available);
    free(b->token_mask);
    free(b->present);
    memset(b, 0, sizeof *b);
}

int ecg_batch_fill(EcgBatch *b, const Pack *p, const int *idx, int n, const MissingProtocol *proto,
                   const MissingMasker *masker) {
    if (n > b->cap) return scar_fail("batch of %d records exceeds the buffers' %d", n, b->cap);
    if (pack_batch(p, idx, n, b->signal, b->valid, b->lead_available) != 0) return -1;
    b->B = n;
    const int all = missing_n_patches(b->S, b->patch_len), NP = b->n_patches;
    MissingProtocol full;
    missing_full(&full);
    if (!proto) proto = &full;
    int rc = 0;
    uint8_t *tmp = xmalloc((size_t)N_LEADS * all);
    for (int i = 0; i < n && !rc; i++) {
        EcgRecord view;
        if (pack_get(p, idx[i], &view) != 0) {
            rc = -1;
            break;
        }
        const MissingRecord mr = missing_record_of(&view, pack_schema(p));
        if (missing_apply_masked(proto, &mr, b->S, b->patch_len, idx[i], masker, tmp) < 0) {
            rc = scar_fail_context("%s: record %s: ", pack_path(p), pack_id(p, idx[i]));
            break;
        }
        /* The encoder reads the first n_patches patches of each lead. */
        int present = 0;
        for (int l = 0; l < N_LEADS; l++)
            for (int t = 0; t < NP; t++) {
                uint8_t v = tmp[(size_t)l * all + t];
                b->token_mask[((size_t)i * N_LEADS + l) * NP + t] = v;
                present += v;
            }
        b->present[i] = present;
    }
    free(tmp);
    return rc;
}
