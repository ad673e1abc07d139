/* Writing packs: signal blocks stream to a temporary file beside the target as records arrive;
 * metadata is kept in memory and written at close, then the header, then the file is synced and
 * renamed into place. A record that breaks the contract (wrong rate or length, report not UTF-8,
 * labels outside the schema, NaN samples, evidence outside the record) is refused before anything
 * of it is written, so the caller can skip it and go on. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "data/pack.h"
#include "data/pack_format.h"
#include "data/text.h"

struct PackWriter {
    char *path, *tmp;
    FILE *f;
    LabelSchema schema;
    float rate;
    int n_samples;
    uint64_t record_bytes;
    char *source;
    uint64_t n;
    uint8_t *table;          /* [n * PACK_ENTRY_BYTES] */
    size_t table_cap;
    EvidenceSpan *evidence;
    size_t n_evidence, evidence_cap;
    StrBuf text;
    uint8_t *block;          /* one signal block */
    int failed;              /* an I/O error happened: the pack cannot be finished */
};

void pack_schema_encode(const LabelSchema *s, uint8_t *out) {
    memset(out, 0, PACK_SCHEMA_BYTES);
    put_u32(out, (uint32_t)s->n_sets);
    uint8_t *p = out + 4;
    for (int k = 0; k < SCAR_MAX_LABELSETS; k++) {
        if (k < s->n_sets) {
            memcpy(p, s->set_name[k], SCAR_NAME_LEN);
            put_u32(p + SCAR_NAME_LEN, (uint32_t)s->n_classes[k]);
            memcpy(p + SCAR_NAME_LEN + 4, s->class_name[k], (size_t)s->n_classes[k] * SCAR_NAME_LEN);
        }
        p += SCAR_NAME_LEN + 4 + SCAR_MAX_CLASSES * SCAR_NAME_LEN;
    }
}

static int schema_valid(const LabelSchema *s, const char *what) {
    if (s->n_sets < 0 || s->n_sets > SCAR_MAX_LABELSETS)
        return scar_fail("%s: %d label sets (0 to %d)", what, s->n_sets, SCAR_MAX_LABELSETS);
    for (int k = 0; k < s->n_sets; k++) {
        if (!memchr(s->set_name[k], 0, SCAR_NAME_LEN) || !s->set_name[k][0])
            return scar_fail("%s: label set %d has no name or an unterminated one", what, k);
        if (s->n_classes[k] < 0 || s->n_classes[k] > SCAR_MAX_CLASSES)
            return scar_fail("%s: label set %s has %d classes (0 to %d)", what, s->set_name[k], s->n_classes[k],
                             SCAR_MAX_CLASSES);
        for (int c = 0; c < s->n_classes[k]; c++)
            if (!memchr(s->class_name[k][c], 0, SCAR_NAME_LEN) || !s->class_name[k][c][0])
                return scar_fail("%s: class %d of label set %s has no name or an unterminated one", what, c,
                                 s->set_name[k]);
    }
    return 0;
}

PackWriter *pack_writer_open(const char *path, const LabelSchema *schema, float rate_hz, int n_samples,
                             const char *source) {
    if (!(rate_hz > 0) || !isfinite(rate_hz) || n_samples <= 0 || n_samples > (1 << 26)) {
        scar_fail("%s: a pack needs a positive rate and length (got %g Hz, %d samples)", path, rate_hz, n_samples);
        return NULL;
    }
    LabelSchema empty = {0};
    if (!schema) schema = &empty;
    if (schema_valid(schema, path) != 0) return NULL;
    size_t sl = strlen(source ? source : ""), bad;
    if (text_utf8_check(source ? source : "", sl, &bad) != 0) {
        scar_fail("%s: the source description is not valid UTF-8", path);
        return NULL;
    }
    PackWriter *w = xcalloc(1, sizeof *w);
    w->path = xstrdup(path);
    w->tmp = xmalloc(strlen(path) + 16);
    sprintf(w->tmp, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(w->tmp);
    if (fd < 0) {
        scar_fail("%s: cannot create: %s", path, strerror(errno));
        free(w->tmp);
        free(w->path);
        free(w);
        return NULL;
    }
    fchmod(fd, file_creation_mode()); /* mkstemp's file is for its owner only */
    w->f = fdopen(fd, "wb");
    setvbuf(w->f, NULL, _IOFBF, 1 << 20);
    w->schema = *schema;
    w->rate = rate_hz;
    w->n_samples = n_samples;
    w->record_bytes = pack_record_bytes(n_samples);
    w->source = xstrdup(source ? source : "");
    w->block = xcalloc(1, (size_t)w->record_bytes);
    uint8_t zero[PACK_HEADER_BYTES] = {0}; /* the header is written last */
    if (fwrite(zero, 1, sizeof zero, w->f) != sizeof zero) {
        w->failed = 1;
        scar_fail("%s: write failed: %s", w->tmp, strerror(errno));
    }
    return w;
}

int pack_writer_count(const PackWriter *w) { return (int)w->n; }

/* Everything pack_open will check about a record, checked before it is written. */
static int record_valid(const PackWriter *w, const EcgRecord *r) {
    const char *id = memchr(r->id, 0, sizeof r->id) ? r->id : "(unterminated id)";
    if (!memchr(r->id, 0, sizeof r->id)) return scar_fail("%s: a record id is not NUL-terminated", w->path);
    if (r->rate_hz != w->rate || r->n_samples != w->n_samples)
        return scar_fail("%s: record %s is %g Hz x %d samples; the pack holds %g Hz x %d", w->path, id, r->rate_hz,
                         r->n_samples, w->rate, w->n_samples);
    if (r->lead_available & ~ALL_LEADS_MASK) return scar_fail("%s: record %s: lead mask 0x%x", w->path, id, r->lead_available);
    if (r->sex < SEX_UNKNOWN || r->sex > SEX_FEMALE) return scar_fail("%s: record %s: sex %d", w->path, id, r->sex);
    if (r->split < SPLIT_NONE || r->split > SPLIT_TEST) return scar_fail("%s: record %s: split %d", w->path, id, r->split);
    if (r->age < -1 || r->age > 200) return scar_fail("%s: record %s: age %d", w->path, id, r->age);
    if (r->fold < -1) return scar_fail("%s: record %s: fold %d", w->path, id, r->fold);
    const char *rep = r->report ? r->report : "";
    size_t bad, n = strlen(rep);
    if (n > UINT32_MAX - 1) return scar_fail("%s: record %s: report too long", w->path, id);
    if (text_utf8_check(rep, n, &bad) != 0)
        return scar_fail("%s: record %s: report is not valid UTF-8 (byte 0x%02x at offset %zu)", w->path, id,
                         (unsigned char)rep[bad], bad);
    for (int k = 0; k < SCAR_MAX_LABELSETS; k++)
        for (int c = 0; c < SCAR_MAX_CLASSES; c++)
            if (label_has(&r->labels[k], c) && (k >= w->schema.n_sets || c >= w->schema.n_classes[k]))
                return scar_fail("%s: record %s: label %d of set %d is outside the schema", w->path, id, c, k);
    if (r->n_evidence < 0 || (r->n_evidence > 0 && !r->evidence))
        return scar_fail("%s: record %s: %d evidence spans", w->path, id, r->n_evidence);
    for (int e = 0; e < r->n_evidence; e++) {
        const EvidenceSpan *s = &r->evidence[e];
        if (s->label_set >= w->schema.n_sets || s->class_id >= w->schema.n_classes[s->label_set] ||
            (s->lead_mask & ~ALL_LEADS_MASK) || s->primary > 1 || s->t0 < 0 || s->t1 <= s->t0 || s->t1 > r->n_samples)
            return scar_fail("%s: record %s: evidence span %d (set %d, class %d, leads 0x%x, samples %d..%d) does not "
                             "fit the schema or the record", w->path, id, e, s->label_set, s->class_id, s->lead_mask,
                             s->t0, s->t1);
    }
    size_t total = (size_t)N_LEADS * (size_t)r->n_samples;
    for (size_t i = 0; i < total; i++)
        if (!isfinite(r->signal[i])) return scar_fail("%s: record %s: sample %zu is not a finite number", w->path, id, i);
    return 0;
}

int pack_writer_add(PackWriter *w, const EcgRecord *r) {
    if (w->failed) {
        scar_fail("%s: an earlier write failed", w->path);
        return -2;
    }
    if (record_valid(w, r) != 0) return -1;
    if (w->n >= (uint64_t)INT32_MAX) return scar_fail("%s: more than %d records", w->path, INT32_MAX);
    size_t total = (size_t)N_LEADS * (size_t)r->n_samples;
    memcpy(w->block, r->signal, total * sizeof(float));
    memcpy(w->block + total * sizeof(float), r->valid, total);
    /* samples that are not valid are stored as 0 whatever the record held */
    float *sig = (float *)w->block;
    for (size_t i = 0; i < total; i++)
        if (!r->valid[i]) sig[i] = 0;
    if (fwrite(w->block, 1, (size_t)w->record_bytes, w->f) != (size_t)w->record_bytes) {
        w->failed = 1;
        scar_fail("%s: write failed: %s", w->tmp, strerror(errno));
        return -2;
    }
    if ((w->n + 1) * PACK_ENTRY_BYTES > w->table_cap) {
        w->table_cap = w->table_cap ? 2 * w->table_cap : 64 * PACK_ENTRY_BYTES;
        w->table = xrealloc(w->table, w->table_cap);
    }
    uint8_t *e = w->table + w->n * PACK_ENTRY_BYTES;
    memset(e, 0, PACK_ENTRY_BYTES);
    memcpy(e + E_ID, r->id, sizeof r->id);
    put_u32(e + E_AGE, (uint32_t)r->age);
    put_u32(e + E_SEX, (uint32_t)r->sex);
    put_u32(e + E_FOLD, (uint32_t)r->fold);
    put_u32(e + E_SPLIT, (uint32_t)r->split);
    put_u16(e + E_LEADS, r->lead_available);
    put_u32(e + E_N_EVIDENCE, (uint32_t)r->n_evidence);
    put_u64(e + E_EVIDENCE_FIRST, w->n_evidence);
    const char *rep = r->report ? r->report : "";
    size_t rl = strlen(rep);
    put_u64(e + E_TEXT_OFF, w->text.len);
    put_u32(e + E_TEXT_LEN, (uint32_t)rl);
    strbuf_append(&w->text, rep, rl + 1); /* with its NUL */
    for (int k = 0; k < SCAR_MAX_LABELSETS; k++)
        for (int q = 0; q < SCAR_MAX_CLASSES / 64; q++) put_u64(e + E_LABELS + 16 * k + 8 * q, r->labels[k].bits[q]);
    if (r->n_evidence > 0) {
        if (w->n_evidence + (size_t)r->n_evidence > w->evidence_cap) {
            w->evidence_cap = (w->n_evidence + (size_t)r->n_evidence) * 2;
            w->evidence = xrealloc(w->evidence, w->evidence_cap * sizeof *w->evidence);
        }
        memcpy(w->evidence + w->n_evidence, r->evidence, (size_t)r->n_evidence * sizeof *r->evidence);
        w->n_evidence += (size_t)r->n_evidence;
    }
    w->n++;
    return 0;
}

static void writer_free(PackWriter *w) {
    free(w->path);
    free(w->tmp);
    free(w->source);
    free(w->table);
    free(w->evidence);
    free(w->text.s);
    free(w->block);
    free(w);
}

void pack_writer_abort(PackWriter *w) {
    if (!w) return;
    if (w->f) fclose(w->f);
    unlink(w->tmp);
    writer_free(w);
}

/* Evidence spans as stored: the struct's own 16-byte layout, little-endian. */
static void encode_evidence(const EvidenceSpan *s, uint8_t *out) {
    put_u16(out, s->label_set);
    put_u16(out + 2, s->class_id);
    put_u16(out + 4, s->lead_mask);
    put_u16(out + 6, s->primary);
    put_u32(out + 8, (uint32_t)s->t0);
    put_u32(out + 12, (uint32_t)s->t1);
}

static int write_section(PackWriter *w, const void *data, size_t n, uint64_t *hash) {
    *hash = fnv1a(*hash, data, n);
    if (n && fwrite(data, 1, n, w->f) != n) return -1;
    return 0;
}

int pack_writer_close(PackWriter *w) {
    if (!w) return -1;
    if (w->failed) {
        scar_fail("%s: an earlier write failed; nothing was written", w->path);
        pack_writer_abort(w);
        return -1;
    }
    uint8_t h[PACK_HEADER_BYTES] = {0};
    uint64_t signal_off = PACK_HEADER_BYTES;
    uint64_t table_off = signal_off + w->n * w->record_bytes;
    uint64_t evidence_off = table_off + w->n * PACK_ENTRY_BYTES;
    uint64_t schema_off = evidence_off + w->n_evidence * sizeof(EvidenceSpan);
    uint64_t source_off = schema_off + PACK_SCHEMA_BYTES;
    uint64_t source_bytes = strlen(w->source) + 1;
    uint64_t text_off = source_off + source_bytes;
    uint64_t text_bytes = w->text.len;
    memcpy(h + H_MAGIC, PACK_MAGIC, 8);
    put_u32(h + H_VERSION, PACK_VERSION);
    put_u32(h + H_HEADER_BYTES, PACK_HEADER_BYTES);
    put_u32(h + H_BYTE_ORDER, PACK_BYTE_ORDER);
    put_u32(h + H_N_LEADS, N_LEADS);
    put_u64(h + H_N_RECORDS, w->n);
    put_f32(h + H_RATE, w->rate);
    put_u32(h + H_N_SAMPLES, (uint32_t)w->n_samples);
    put_u64(h + H_RECORD_BYTES, w->record_bytes);
    put_u64(h + H_SCHEMA_OFF, schema_off);
    put_u64(h + H_SCHEMA_BYTES, PACK_SCHEMA_BYTES);
    put_u64(h + H_SOURCE_OFF, source_off);
    put_u64(h + H_SOURCE_BYTES, source_bytes);
    put_u64(h + H_TABLE_OFF, table_off);
    put_u64(h + H_ENTRY_BYTES, PACK_ENTRY_BYTES);
    put_u64(h + H_SIGNAL_OFF, signal_off);
    put_u64(h + H_EVIDENCE_OFF, evidence_off);
    put_u64(h + H_N_EVIDENCE, w->n_evidence);
    put_u64(h + H_TEXT_OFF, text_off);
    put_u64(h + H_TEXT_BYTES, text_bytes);
    put_u64(h + H_FILE_BYTES, text_off + text_bytes);

    uint64_t hash = fnv1a(FNV_OFFSET, h, sizeof h);
    uint8_t *schema = xmalloc(PACK_SCHEMA_BYTES);
    pack_schema_encode(&w->schema, schema);
    uint8_t *ev = xmalloc(w->n_evidence * sizeof(EvidenceSpan) + 1);
    for (size_t i = 0; i < w->n_evidence; i++) encode_evidence(&w->evidence[i], ev + i * sizeof(EvidenceSpan));
    int bad = write_section(w, w->table, (size_t)w->n * PACK_ENTRY_BYTES, &hash) ||
              write_section(w, ev, w->n_evidence * sizeof(EvidenceSpan), &hash) ||
              write_section(w, schema, PACK_SCHEMA_BYTES, &hash) ||
              write_section(w, w->source, (size_t)source_bytes, &hash) ||
              write_section(w, w->text.s ? w->text.s : "", (size_t)text_bytes, &hash);
    free(schema);
    free(ev);
    put_u64(h + H_META_HASH, hash);
    bad = bad || fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof h, w->f) != sizeof h || fflush(w->f) != 0 ||
          fsync(fileno(w->f)) != 0;
    int e = errno;
    bad |= fclose(w->f) != 0;
    w->f = NULL;
    if (bad || rename(w->tmp, w->path) != 0) {
        if (!bad) e = errno;
        scar_fail("%s: write failed: %s", w->path, strerror(e));
        unlink(w->tmp);
        writer_free(w);
        return -1;
    }
    /* make the rename itself durable */
    char *dir_copy = xstrdup(w->path);
    int dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) { /* not every file system syncs directories; the file itself is already safe */
        fsync(dfd);
        close(dfd);
    }
    free(dir_copy);
    writer_free(w);
    return 0;
}
