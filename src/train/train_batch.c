/* Drawing training micro-batches: records from the shuffled sampler, token masks under a
 * protocol, reports tokenized (with sentence sampling) and trimmed to the batch's longest. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/text_encoder.h"
#include "train/train_run.h"

/* A report with some of its sentences left out: sentences end at '.' or ';'; each is kept with
 * probability keep, at least one; order is preserved. Writes into out (capacity cap). */
static void sample_sentences(const char *report, double keep, Rng *rng, char *out, size_t cap) {
    const char *start[64];
    size_t len[64];
    int n = 0;
    for (const char *s = report; *s && n < 64;) {
        while (*s == ' ' || *s == '.' || *s == ';') s++;
        if (!*s) break;
        const char *e = s;
        while (*e && *e != '.' && *e != ';') e++;
        /* a '.' inside a number ("0.2 mv") is not a sentence end */
        while (*e == '.' && e > s && e[-1] >= '0' && e[-1] <= '9' && e[1] >= '0' && e[1] <= '9') {
            e++;
            while (*e && *e != '.' && *e != ';') e++;
        }
        start[n] = s;
        len[n++] = (size_t)(e - s);
        s = e;
    }
    size_t w = 0;
    int kept = 0, forced = n ? (int)rng_below(rng, (uint32_t)n) : 0;
    uint64_t chosen = 0;
    for (int i = 0; i < n; i++)
        if (rng_uniform_f64(rng) < keep) chosen |= (uint64_t)1 << i, kept++;
    if (!kept && n) chosen |= (uint64_t)1 << forced;
    for (int i = 0; i < n; i++) {
        if (!(chosen >> i & 1)) continue;
        if (w && w + 2 < cap) out[w++] = '.', out[w++] = ' ';
        size_t k = len[i] < cap - w - 1 ? len[i] : cap - w - 1;
        memcpy(out + w, start[i], k);
        w += k;
    }
    out[w] = 0;
}

int run_fill_batch(Run *r, int micro, const MissingProtocol *proto) {
    const ClipTrainOptions *o = r->o;
    const int B = o->batch, L = r->model.cfg.text.max_len;
    const uint64_t draw = (uint64_t)(r->step * o->accum + micro); /* a fresh draw every micro-batch */
    int *idx = xmalloc((size_t)B * sizeof(int));
    pack_sampler_next(&r->sampler, B, idx);
    MissingProtocol p;
    if (proto) {
        p = *proto;
        p.seed = o->seed * 1000003u + draw;
    }
    if (ecg_batch_fill(&r->batch, r->pack, idx, B, proto ? &p : NULL, NULL) != 0) {
        free(idx);
        return -1;
    }
    const char **texts = xmalloc((size_t)B * sizeof *texts);
    char *sampled = NULL;
    const size_t cap = 2048;
    if (o->text_keep < 1) sampled = xmalloc((size_t)B * cap);
    for (int i = 0; i < B; i++) {
        texts[i] = pack_report(r->pack, idx[i]);
        if (!sampled) continue;
        Rng rr;
        rng_seed(&rr, o->seed ^ 0x7e47ULL, draw * (uint64_t)B + (uint64_t)i);
        sample_sentences(texts[i], o->text_keep, &rr, sampled + (size_t)i * cap, cap);
        texts[i] = sampled + (size_t)i * cap;
    }
    const int rc = tokenizer_encode_batch(r->tok, texts, B, L, r->ids, r->text_mask, NULL);
    free(texts);
    free(sampled);
    free(idx);
    if (rc != 0) return -1;
    r->text_len = text_trim_batch(r->ids, r->text_mask, B, L);
    return 0;
}
