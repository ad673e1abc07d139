/* Applying a missingness protocol to one record: token and sample masks (data/missing.h). */
#include "data/missing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/rng.h"
#include "data/clinical_leads.h"

int missing_n_patches(int n_samples, int patch_len) {
    return patch_len < 1 || n_samples < patch_len ? 0 : n_samples / patch_len;
}

MissingRecord missing_record_of(const EcgRecord *r, const LabelSchema *schema) {
    MissingRecord m = {r->lead_available, r->valid, r->evidence, r->n_evidence, schema ? r->labels : NULL, schema, r->signal};
    return m;
}

/* 1 when any of the n validity flags is set. */
static int any_valid(const uint8_t *v, int n) {
    for (int i = 0; i < n; i++)
        if (v[i]) return 1;
    return 0;
}

/* ---- random parts ---- */

/* One stream per (record, part), and a tag in the seed so that the masks do not share numbers
 * with other users of rng_seed(seed, record_index) such as data shuffling. */
enum { STREAM_LEADS = 0, STREAM_TIME = 1, N_STREAMS = 2 };
static void part_stream(Rng *r, uint64_t seed, int64_t record_index, int part) {
    rng_seed(r, seed ^ 0x6d697373696e67ULL /* "missing" */, (uint64_t)record_index * N_STREAMS + (uint64_t)part);
}

/* floor(x + u) with u uniform in [0, 1): x on average, exactly x when x is whole (x is snapped to
 * a whole number within 1e-9 so that 0.3 × 10 drops exactly 3). */
static int stochastic_round(double x, Rng *r) {
    double u = rng_uniform_f64(r);
    double whole = round(x);
    if (fabs(x - whole) < 1e-9) return (int)whole;
    return (int)floor(x + u);
}

/* Drop round(r × n) of the n leads in `leads` (at least one kept). The draws do not depend on r,
 * so a larger ratio drops a superset of the leads a smaller one drops. */
static uint16_t drop_leads(uint16_t leads, double r, Rng *rng) {
    int order[N_LEADS], n = 0;
    for (int l = 0; l < N_LEADS; l++)
        if (leads & (1u << l)) order[n++] = l;
    if (n < 2) return leads;
    int k = stochastic_round(r * n, rng);
    rng_shuffle_int(rng, order, n);
    if (k > n - 1) k = n - 1;
    for (int i = 0; i < k; i++) leads &= (uint16_t)~(1u << order[i]);
    return leads;
}

/* Blocks of the chosen lengths are placed uniformly: choosing k distinct slots among the
 * n − m + 1 gaps around the n − m kept patches is a bijection onto the placements of k separated
 * blocks. */
void missing_draw_time_blocks(int n, double q, int blocks, Rng *rng, uint8_t *drop) {
    memset(drop, 0, (size_t)n);
    int m = stochastic_round(q * n, rng);
    if (m > n - 1) m = n - 1;
    if (m <= 0) return;
    int kept = n - m;
    int k = blocks;
    if (k > m) k = m;
    if (k > kept + 1) k = kept + 1;
    int len[MISSING_MAX_BLOCKS], slot[MISSING_MAX_BLOCKS];
    for (int j = 0; j < k; j++) len[j] = m / k + (j < m % k);
    rng_shuffle_int(rng, len, k);
    /* Floyd's sampling of k distinct slots from 0..kept */
    int n_slots = kept + 1, chosen = 0;
    for (int j = n_slots - k; j < n_slots; j++) {
        int t = (int)rng_below(rng, (uint32_t)j + 1), taken = 0;
        for (int i = 0; i < chosen; i++) taken |= slot[i] == t;
        slot[chosen++] = taken ? j : t;
    }
    for (int i = 1; i < k; i++) /* insertion sort: k is small */
        for (int j = i; j > 0 && slot[j - 1] > slot[j]; j--) {
            int t = slot[j];
            slot[j] = slot[j - 1];
            slot[j - 1] = t;
        }
    int before = 0; /* dropped patches in earlier blocks */
    for (int j = 0; j < k; j++) {
        int start = slot[j] + before;
        memset(drop + start, 1, (size_t)len[j]);
        before += len[j];
    }
}

/* ---- evidence ---- */

static int labelset_index(const MissingProtocol *p, const MissingRecord *rec) {
    if (!p->labelset[0]) return -1;
    if (!rec->schema) {
        scar_fail("missing protocol labelset=%s: the record has no label schema", p->labelset);
        return -2;
    }
    for (int s = 0; s < rec->schema->n_sets; s++)
        if (!strcasecmp(rec->schema->set_name[s], p->labelset)) return s;
    char names[SCAR_MAX_LABELSETS * (SCAR_NAME_LEN + 2)] = "";
    for (int s = 0; s < rec->schema->n_sets && s < SCAR_MAX_LABELSETS; s++) {
        if (s) strcat(names, ", ");
        strncat(names, rec->schema->set_name[s], SCAR_NAME_LEN - 1);
    }
    scar_fail("missing protocol labelset=%s: no such label set (the data has: %s)", p->labelset, names);
    return -2;
}

/* Clear the evidence tokens: ground-truth spans when the record has them, else the clinical map
 * of its positive classes. mask: [N_LEADS][n_patches]. */
static int remove_evidence(const MissingProtocol *p, const MissingRecord *rec, int n_patches, int patch_len,
                           uint8_t *mask) {
    int set = labelset_index(p, rec);
    if (set == -2) return -1;
    int with_secondary = p->evidence == MISSING_EVIDENCE_PRIMARY_SECONDARY;
    if (rec->evidence && rec->n_evidence > 0) {
        long covered = (long)n_patches * patch_len; /* the tail after the last patch is in no token */
        for (int i = 0; i < rec->n_evidence; i++) {
            const EvidenceSpan *e = &rec->evidence[i];
            if ((set >= 0 && e->label_set != set) || (!e->primary && !with_secondary)) continue;
            long t0 = e->t0 < 0 ? 0 : e->t0, t1 = e->t1 > covered ? covered : e->t1;
            if (t1 <= t0) continue;
            /* any overlap: patch p holds [p·P, (p+1)·P), so the first and last patches touched */
            int p0 = (int)(t0 / patch_len), p1 = (int)((t1 - 1) / patch_len);
            for (int l = 0; l < N_LEADS; l++)
                if (e->lead_mask & (1u << l)) memset(mask + (size_t)l * n_patches + p0, 0, (size_t)(p1 - p0 + 1));
        }
        return 0;
    }
    if (!rec->schema || !rec->labels)
        return scar_fail("missing protocol evidence=: the record has neither evidence spans nor labels");
    uint16_t primary, secondary;
    clinical_evidence_leads(rec->schema, rec->labels, set, &primary, &secondary);
    uint16_t removed = with_secondary ? (uint16_t)(primary | secondary) : primary;
    for (int l = 0; l < N_LEADS; l++)
        if (removed & (1u << l)) memset(mask + (size_t)l * n_patches, 0, (size_t)n_patches);
    return 0;
}

/* ---- the masker ---- */

static int count_present(const uint8_t *mask, size_t n) {
    int c = 0;
    for (size_t i = 0; i < n; i++) c += mask[i] != 0;
    return c;
}

static int run_masker(const MissingProtocol *p, const MissingRecord *rec, int n_patches, int patch_len,
                      int64_t record_index, const MissingMasker *masker, uint8_t *mask) {
    if (!masker || !masker->remove)
        return scar_fail("missing protocol adversarial=%s: applying it needs its trained masker loaded "
                         "(missing_apply_masked with a MissingMasker)",
                         p->masker);
    size_t n = (size_t)N_LEADS * (size_t)n_patches;
    uint8_t *before = xmalloc(n);
    memcpy(before, mask, n);
    int rc = masker->remove(masker->ctx, p, rec, n_patches, patch_len, record_index, mask);
    if (rc == 0) {
        int present = count_present(before, n), removed = 0, added = 0;
        for (size_t i = 0; i < n; i++) {
            mask[i] = mask[i] != 0;
            removed += before[i] && !mask[i];
            added += !before[i] && mask[i];
        }
        int allowed = (int)ceil(p->budget * present - 1e-9);
        if (added) rc = scar_fail("missing protocol adversarial=%s: the masker restored %d removed tokens", p->masker, added);
        else if (removed > allowed)
            rc = scar_fail("missing protocol adversarial=%s: the masker removed %d of %d tokens, over budget=%g (%d)",
                           p->masker, removed, present, p->budget, allowed);
    }
    free(before);
    return rc;
}

/* ---- the whole protocol ---- */

int missing_apply_masked(const MissingProtocol *p, const MissingRecord *rec, int n_samples, int patch_len,
                         int64_t record_index, const MissingMasker *masker, uint8_t *token_mask) {
    if (missing_validate(p) < 0) return -1;
    int np = missing_n_patches(n_samples, patch_len);
    if (np == 0)
        return scar_fail("missing protocol: %d samples hold no whole patch of %d samples", n_samples, patch_len);
    if ((long)N_LEADS * np > 1L << 30) return scar_fail("missing protocol: %d patches per lead is too many", np);

    uint16_t leads = rec->lead_available & ALL_LEADS_MASK;
    if (p->parts & MISSING_LEADS) leads &= p->keep_leads;
    Rng rng;
    if (p->parts & MISSING_DROP_LEADS) {
        part_stream(&rng, p->seed, record_index, STREAM_LEADS);
        leads = drop_leads(leads, p->drop_leads, &rng);
    }
    for (int l = 0; l < N_LEADS; l++) {
        uint8_t *row = token_mask + (size_t)l * np;
        memset(row, (leads >> l) & 1u, (size_t)np);
        if (!rec->valid || !((leads >> l) & 1u)) continue;
        /* a token none of whose samples is real is not there */
        const uint8_t *v = rec->valid + (size_t)l * n_samples;
        for (int t = 0; t < np; t++)
            row[t] = (uint8_t)any_valid(v + (size_t)t * patch_len, patch_len);
    }
    if (p->parts & MISSING_DROP_TIME) {
        uint8_t *drop = xmalloc((size_t)np);
        part_stream(&rng, p->seed, record_index, STREAM_TIME);
        missing_draw_time_blocks(np, p->drop_time, p->time_blocks, &rng, drop);
        for (int l = 0; l < N_LEADS; l++)
            for (int t = 0; t < np; t++)
                if (drop[t]) token_mask[(size_t)l * np + t] = 0;
        free(drop);
    }
    if ((p->parts & MISSING_EVIDENCE) && remove_evidence(p, rec, np, patch_len, token_mask) < 0) return -1;
    if ((p->parts & MISSING_ADVERSARIAL) &&
        run_masker(p, rec, np, patch_len, record_index, masker, token_mask) < 0)
        return -1;
    return count_present(token_mask, (size_t)N_LEADS * np);
}

int missing_apply(const MissingProtocol *p, const MissingRecord *rec, int n_samples, int patch_len,
                  int64_t record_index, uint8_t *token_mask) {
    return missing_apply_masked(p, rec, n_samples, patch_len, record_index, NULL, token_mask);
}

long missing_apply_samples(const MissingProtocol *p, const MissingRecord *rec, int n_samples, int patch_len,
                           int64_t record_index, const MissingMasker *masker, uint8_t *sample_mask) {
    int np = missing_n_patches(n_samples, patch_len);
    uint8_t *tokens = xmalloc((size_t)N_LEADS * (size_t)(np ? np : 1));
    long kept = -1;
    if (missing_apply_masked(p, rec, n_samples, patch_len, record_index, masker, tokens) >= 0) {
        kept = 0;
        for (int l = 0; l < N_LEADS; l++) {
            const uint8_t *row = tokens + (size_t)l * np;
            const uint8_t *v = rec->valid ? rec->valid + (size_t)l * n_samples : NULL;
            uint8_t *out = sample_mask + (size_t)l * n_samples;
            for (int t = 0; t < n_samples; t++) {
                int patch = t / patch_len < np ? t / patch_len : np - 1; /* the tail follows the last patch */
                out[t] = row[patch] && (!v || v[t]);
                kept += out[t];
            }
        }
    }
    free(tokens);
    return kept;
}
