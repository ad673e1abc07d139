/* Reading packs: the file is memory-mapped and everything but the signal blocks is checked when it
 * is opened (header fields, section bounds with overflow-checked arithmetic, the metadata hash,
 * every record's strings, labels and evidence against the schema), so that pack_get and
 * pack_batch can hand out pointers without checking again. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/rng.h"
#include "data/pack.h"
#include "data/pack_format.h"
#include "data/text.h"

_Static_assert(sizeof(EvidenceSpan) == 16, "EvidenceSpan is stored as 16 bytes");

struct Pack {
    char *path;
    const uint8_t *base;
    size_t len;
    int mapped;          /* base came from mmap */
    int n;
    float rate;
    int n_samples;
    uint64_t record_bytes, signal_off, table_off, evidence_off, n_evidence, text_off, text_bytes;
    LabelSchema schema;
    const char *source;
};

int pack_schema_decode(const uint8_t *in, LabelSchema *s, const char *what) {
    memset(s, 0, sizeof *s);
    uint32_t ns = get_u32(in);
    if (ns > SCAR_MAX_LABELSETS) return scar_fail("%s: %u label sets (at most %d)", what, ns, SCAR_MAX_LABELSETS);
    s->n_sets = (int)ns;
    const uint8_t *p = in + 4;
    for (int k = 0; k < s->n_sets; k++, p += SCAR_NAME_LEN + 4 + SCAR_MAX_CLASSES * SCAR_NAME_LEN) {
        if (!memchr(p, 0, SCAR_NAME_LEN) || !p[0]) return scar_fail("%s: label set %d has a broken name", what, k);
        memcpy(s->set_name[k], p, SCAR_NAME_LEN);
        uint32_t nc = get_u32(p + SCAR_NAME_LEN);
        if (nc > SCAR_MAX_CLASSES) return scar_fail("%s: label set %s has %u classes", what, s->set_name[k], nc);
        s->n_classes[k] = (int)nc;
        for (uint32_t c = 0; c < nc; c++) {
            const uint8_t *name = p + SCAR_NAME_LEN + 4 + c * SCAR_NAME_LEN;
            if (!memchr(name, 0, SCAR_NAME_LEN) || !name[0])
                return scar_fail("%s: class %u of label set %s has a broken name", what, c, s->set_name[k]);
            memcpy(s->class_name[k][c], name, SCAR_NAME_LEN);
        }
    }
    return 0;
}

/* [off, off + n) lies inside [PACK_HEADER_BYTES, len) */
static int section_ok(uint64_t off, uint64_t n, size_t len) {
    return off >= PACK_HEADER_BYTES && off <= len && n <= len - off;
}

static void hash_section(uint64_t *h, const uint8_t *base, size_t len, uint64_t off, uint64_t n) {
    if (section_ok(off, n, len)) *h = fnv1a(*h, base + off, (size_t)n);
}

uint64_t pack_meta_hash(const uint8_t *b, size_t len) {
    if (len < PACK_HEADER_BYTES) return 0;
    uint8_t h[PACK_HEADER_BYTES];
    memcpy(h, b, sizeof h);
    memset(h + H_META_HASH, 0, 8);
    uint64_t hash = fnv1a(FNV_OFFSET, h, sizeof h);
    uint64_t n = get_u64(b + H_N_RECORDS), ne = get_u64(b + H_N_EVIDENCE);
    uint64_t tb = n <= UINT64_MAX / PACK_ENTRY_BYTES ? n * PACK_ENTRY_BYTES : UINT64_MAX;
    uint64_t eb = ne <= UINT64_MAX / 16 ? ne * 16 : UINT64_MAX;
    hash_section(&hash, b, len, get_u64(b + H_TABLE_OFF), tb);
    hash_section(&hash, b, len, get_u64(b + H_EVIDENCE_OFF), eb);
    hash_section(&hash, b, len, get_u64(b + H_SCHEMA_OFF), get_u64(b + H_SCHEMA_BYTES));
    hash_section(&hash, b, len, get_u64(b + H_SOURCE_OFF), get_u64(b + H_SOURCE_BYTES));
    hash_section(&hash, b, len, get_u64(b + H_TEXT_OFF), get_u64(b + H_TEXT_BYTES));
    return hash;
}

static const uint8_t *entry(const Pack *p, int i) { return p->base + p->table_off + (uint64_t)i * PACK_ENTRY_BYTES; }

static int validate(Pack *p, const char *what) {
    const uint8_t *b = p->base;
    size_t len = p->len;
    uint16_t one = 1;
    uint8_t little;
    memcpy(&little, &one, 1);
    if (!little) return scar_fail("%s: packs are read on little-endian machines only", what);
    if (len < PACK_HEADER_BYTES || memcmp(b, PACK_MAGIC, 8) != 0) return scar_fail("%s: not a scar pack (no SCARPACK header)", what);
    uint32_t version = get_u32(b + H_VERSION);
    if (version != PACK_VERSION)
        return scar_fail("%s: pack format version %u; this build reads version %d (re-create it with `scar pack`)", what,
                         version, PACK_VERSION);
    if (get_u32(b + H_HEADER_BYTES) != PACK_HEADER_BYTES || get_u32(b + H_BYTE_ORDER) != PACK_BYTE_ORDER ||
        get_u32(b + H_N_LEADS) != N_LEADS || get_u64(b + H_ENTRY_BYTES) != PACK_ENTRY_BYTES ||
        get_u64(b + H_SCHEMA_BYTES) != PACK_SCHEMA_BYTES)
        return scar_fail("%s: damaged pack header (sizes of its parts are not those of format %d)", what, PACK_VERSION);
    for (size_t i = H_META_HASH + 8; i < PACK_HEADER_BYTES; i++)
        if (b[i]) return scar_fail("%s: damaged pack header (reserved bytes are not zero)", what);
    if (get_u64(b + H_FILE_BYTES) != len)
        return scar_fail("%s: the pack should be %llu bytes but is %zu (truncated or appended to)", what,
                         (unsigned long long)get_u64(b + H_FILE_BYTES), len);
    uint64_t n = get_u64(b + H_N_RECORDS);
    p->rate = get_f32(b + H_RATE);
    uint32_t ns = get_u32(b + H_N_SAMPLES);
    if (n > INT32_MAX) return scar_fail("%s: %llu records", what, (unsigned long long)n);
    if (!(p->rate > 0) || !isfinite(p->rate) || p->rate > 1e6) return scar_fail("%s: rate %g Hz", what, p->rate);
    if (ns == 0 || ns > (1u << 26)) return scar_fail("%s: %u samples per record", what, ns);
    p->n = (int)n;
    p->n_samples = (int)ns;
    p->record_bytes = get_u64(b + H_RECORD_BYTES);
    if (p->record_bytes != pack_record_bytes(p->n_samples)) return scar_fail("%s: record size does not match its length", what);
    p->signal_off = get_u64(b + H_SIGNAL_OFF);
    p->table_off = get_u64(b + H_TABLE_OFF);
    p->evidence_off = get_u64(b + H_EVIDENCE_OFF);
    p->n_evidence = get_u64(b + H_N_EVIDENCE);
    p->text_off = get_u64(b + H_TEXT_OFF);
    p->text_bytes = get_u64(b + H_TEXT_BYTES);
    uint64_t schema_off = get_u64(b + H_SCHEMA_OFF), source_off = get_u64(b + H_SOURCE_OFF);
    uint64_t source_bytes = get_u64(b + H_SOURCE_BYTES);
    /* every section inside the file; n <= 2^31 and record_bytes <= 2^33, so products fit */
    if (!section_ok(p->signal_off, n * p->record_bytes, len) || p->signal_off % 64 ||
        ((uintptr_t)(b + p->signal_off) & 3) || !section_ok(p->table_off, n * PACK_ENTRY_BYTES, len) ||
        p->n_evidence > len / 16 || !section_ok(p->evidence_off, p->n_evidence * 16, len) ||
        ((uintptr_t)(b + p->evidence_off) & 3) || !section_ok(schema_off, PACK_SCHEMA_BYTES, len) ||
        !section_ok(source_off, source_bytes, len) || !section_ok(p->text_off, p->text_bytes, len))
        return scar_fail("%s: damaged pack (a part lies outside the file)", what);
    if (get_u64(b + H_META_HASH) != pack_meta_hash(b, len))
        return scar_fail("%s: damaged pack (metadata checksum mismatch)", what);
    if (pack_schema_decode(b + schema_off, &p->schema, what) != 0) return -1;
    size_t bad;
    if (source_bytes == 0 || b[source_off + source_bytes - 1] != 0 ||
        strlen((const char *)b + source_off) != source_bytes - 1 ||
        text_utf8_check((const char *)b + source_off, (size_t)source_bytes - 1, &bad) != 0)
        return scar_fail("%s: damaged pack (source text)", what);
    p->source = (const char *)b + source_off;

    for (int i = 0; i < p->n; i++) {
        const uint8_t *e = entry(p, i);
        if (!memchr(e + E_ID, 0, 64)) return scar_fail("%s: record %d: damaged id", what, i);
        int32_t age = (int32_t)get_u32(e + E_AGE), sex = (int32_t)get_u32(e + E_SEX);
        int32_t fold = (int32_t)get_u32(e + E_FOLD), split = (int32_t)get_u32(e + E_SPLIT);
        if (age < -1 || age > 200 || sex < SEX_UNKNOWN || sex > SEX_FEMALE || fold < -1 || split < SPLIT_NONE ||
            split > SPLIT_TEST || (get_u16(e + E_LEADS) & ~ALL_LEADS_MASK))
            return scar_fail("%s: record %d (%s): damaged metadata", what, i, (const char *)e + E_ID);
        uint64_t t_off = get_u64(e + E_TEXT_OFF), t_len = get_u32(e + E_TEXT_LEN);
        if (t_off >= p->text_bytes || t_len >= p->text_bytes - t_off ||
            b[p->text_off + t_off + t_len] != 0 ||
            text_utf8_check((const char *)b + p->text_off + t_off, (size_t)t_len, &bad) != 0) /* also finds NULs */
            return scar_fail("%s: record %d (%s): damaged report text", what, i, (const char *)e + E_ID);
        uint64_t ev0 = get_u64(e + E_EVIDENCE_FIRST), nev = get_u32(e + E_N_EVIDENCE);
        if (ev0 > p->n_evidence || nev > p->n_evidence - ev0)
            return scar_fail("%s: record %d (%s): damaged evidence index", what, i, (const char *)e + E_ID);
        for (int k = 0; k < SCAR_MAX_LABELSETS; k++)
            for (int q = 0; q < SCAR_MAX_CLASSES / 64; q++) {
                uint64_t bits = get_u64(e + E_LABELS + 16 * k + 8 * q);
                int nc = k < p->schema.n_sets ? p->schema.n_classes[k] - 64 * q : 0;
                uint64_t allowed = nc >= 64 ? ~0ull : nc <= 0 ? 0 : ((1ull << nc) - 1);
                if (bits & ~allowed)
                    return scar_fail("%s: record %d (%s): labels outside the schema", what, i, (const char *)e + E_ID);
            }
    }
    for (uint64_t k = 0; k < p->n_evidence; k++) {
        const uint8_t *s = b + p->evidence_off + 16 * k;
        uint16_t set = get_u16(s), cls = get_u16(s + 2), leads = get_u16(s + 4), primary = get_u16(s + 6);
        int32_t t0 = (int32_t)get_u32(s + 8), t1 = (int32_t)get_u32(s + 12);
        if (set >= p->schema.n_sets || cls >= p->schema.n_classes[set] || (leads & ~ALL_LEADS_MASK) || primary > 1 ||
            t0 < 0 || t1 <= t0 || t1 > p->n_samples)
            return scar_fail("%s: evidence span %llu is damaged", what, (unsigned long long)k);
    }
    return 0;
}

Pack *pack_open_memory(const void *data, size_t len, const char *what) {
    Pack *p = xcalloc(1, sizeof *p);
    p->path = xstrdup(what);
    p->base = data;
    p->len = len;
    if (validate(p, what) != 0) {
        free(p->path);
        free(p);
        return NULL;
    }
    return p;
}

Pack *pack_open(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        scar_fail("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        scar_fail("%s: not a regular file", path);
        return NULL;
    }
    if ((size_t)st.st_size < PACK_HEADER_BYTES) {
        close(fd);
        scar_fail("%s: not a scar pack (%lld bytes)", path, (long long)st.st_size);
        return NULL;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        scar_fail("%s: cannot map: %s", path, strerror(errno));
        return NULL;
    }
    Pack *p = pack_open_memory(m, (size_t)st.st_size, path);
    if (!p) {
        munmap(m, (size_t)st.st_size);
        return NULL;
    }
    p->mapped = 1;
    return p;
}

void pack_close(Pack *p) {
    if (!p) return;
    if (p->mapped) munmap((void *)p->base, p->len);
    free(p->path);
    free(p);
}

int pack_count(const Pack *p) { return p->n; }
float pack_rate(const Pack *p) { return p->rate; }
int pack_samples(const Pack *p) { return p->n_samples; }
const LabelSchema *pack_schema(const Pack *p) { return &p->schema; }
const char *pack_source(const Pack *p) { return p->source; }
const char *pack_path(const Pack *p) { return p->path; }

const char *pack_report(const Pack *p, int i) {
    return (const char *)p->base + p->text_off + get_u64(entry(p, i) + E_TEXT_OFF);
}

const char *pack_id(const Pack *p, int i) { return (const char *)entry(p, i) + E_ID; }
int pack_split(const Pack *p, int i) { return (int32_t)get_u32(entry(p, i) + E_SPLIT); }

int pack_get(const Pack *p, int i, EcgRecord *v) {
    if (i < 0 || i >= p->n) return scar_fail("%s: record %d of %d", p->path, i, p->n);
    const uint8_t *e = entry(p, i);
    memset(v, 0, sizeof *v);
    v->rate_hz = p->rate;
    v->n_samples = p->n_samples;
    const uint8_t *block = p->base + p->signal_off + (uint64_t)i * p->record_bytes;
    v->signal = (float *)(uintptr_t)block;
    v->valid = (uint8_t *)(uintptr_t)(block + (size_t)N_LEADS * (size_t)p->n_samples * sizeof(float));
    v->lead_available = get_u16(e + E_LEADS);
    memcpy(v->id, e + E_ID, sizeof v->id);
    v->age = (int32_t)get_u32(e + E_AGE);
    v->sex = (int32_t)get_u32(e + E_SEX);
    v->fold = (int32_t)get_u32(e + E_FOLD);
    v->split = (int32_t)get_u32(e + E_SPLIT);
    v->report = (char *)(uintptr_t)pack_report(p, i);
    for (int k = 0; k < SCAR_MAX_LABELSETS; k++)
        for (int q = 0; q < SCAR_MAX_CLASSES / 64; q++) v->labels[k].bits[q] = get_u64(e + E_LABELS + 16 * k + 8 * q);
    v->n_evidence = (int)get_u32(e + E_N_EVIDENCE);
    v->evidence = v->n_evidence ? (EvidenceSpan *)(uintptr_t)(p->base + p->evidence_off + 16 * get_u64(e + E_EVIDENCE_FIRST))
                                : NULL;
    return 0;
}

int pack_split_indices(const Pack *p, int split, int *idx) {
    int n = 0;
    for (int i = 0; i < p->n; i++)
        if (pack_split(p, i) == split) {
            if (idx) idx[n] = i;
            n++;
        }
    return n;
}

int pack_batch(const Pack *p, const int *idx, int n, float *signal, uint8_t *valid, uint16_t *leads) {
    for (int b = 0; b < n; b++)
        if (idx[b] < 0 || idx[b] >= p->n) return scar_fail("%s: batch index %d is not a record (0..%d)", p->path, idx[b], p->n - 1);
    size_t per = (size_t)N_LEADS * (size_t)p->n_samples;
    /* one thread: the copy is bound by memory bandwidth, and waking a team costs more than it saves */
    for (int b = 0; b < n; b++) {
        const uint8_t *block = p->base + p->signal_off + (uint64_t)idx[b] * p->record_bytes;
        if (signal) memcpy(signal + (size_t)b * per, block, per * sizeof(float));
        if (valid) memcpy(valid + (size_t)b * per, block + per * sizeof(float), per);
        if (leads) leads[b] = get_u16(entry(p, idx[b]) + E_LEADS);
    }
    return 0;
}

static void shuffle_epoch(PackSampler *s) {
    Rng r;
    rng_seed(&r, s->seed, s->epoch);
    memcpy(s->order, s->pool, (size_t)s->n * sizeof *s->order);
    rng_shuffle_int(&r, s->order, s->n);
    s->pos = 0;
}

int pack_sampler_init(PackSampler *s, const int *pool, int n, uint64_t seed) {
    memset(s, 0, sizeof *s);
    if (n <= 0) return scar_fail("sampler: no records to draw from");
    s->pool = xmalloc((size_t)n * sizeof *s->pool);
    s->order = xmalloc((size_t)n * sizeof *s->order);
    memcpy(s->pool, pool, (size_t)n * sizeof *pool);
    s->n = n;
    s->seed = seed;
    shuffle_epoch(s);
    return 0;
}

void pack_sampler_next(PackSampler *s, int batch, int *idx) {
    for (int b = 0; b < batch; b++) {
        if (s->pos == s->n) {
            s->epoch++;
            shuffle_epoch(s);
        }
        idx[b] = s->order[s->pos++];
    }
}

void pack_sampler_free(PackSampler *s) {
    free(s->pool);
    free(s->order);
    memset(s, 0, sizeof *s);
}
