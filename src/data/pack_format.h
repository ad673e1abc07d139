/* The on-disk layout of a pack (format version 1), shared by the writer and the reader. Internal
 * to data/: everything else goes through pack.h.
 *
 *   [0, 256)         header (fields below, little-endian)
 *   [256, ...)       signal blocks, one per record, each record_bytes long (a multiple of 64):
 *                    float32 signal [N_LEADS][n_samples] then uint8 valid [N_LEADS][n_samples]
 *   table            one 192-byte entry per record (metadata, labels, where its text and
 *                    evidence are)
 *   evidence         EvidenceSpan[n_evidence] (16 bytes each, as in record.h)
 *   schema           the label schema, fixed size (SCHEMA_BYTES)
 *   source           NUL-terminated UTF-8: where the records came from and how they were prepared
 *   text             every record's report, NUL-terminated UTF-8, one after another
 *
 * meta_hash (FNV-1a, 64 bit) covers the header (with the hash field zero) and every section but the
 * signal blocks, so that damaged metadata is caught when the pack is opened; the reader also checks
 * every offset, count, string and label against the schema. */
#ifndef SCAR_DATA_PACK_FORMAT_H
#define SCAR_DATA_PACK_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "data/record.h"

#define PACK_MAGIC "SCARPACK"
#define PACK_VERSION 1
#define PACK_HEADER_BYTES 256
#define PACK_BYTE_ORDER 0x01020304u
#define PACK_ENTRY_BYTES 192
#define PACK_SCHEMA_BYTES (4 + SCAR_MAX_LABELSETS * (SCAR_NAME_LEN + 4 + SCAR_MAX_CLASSES * SCAR_NAME_LEN))

/* header field offsets */
enum {
    H_MAGIC = 0, H_VERSION = 8, H_HEADER_BYTES = 12, H_BYTE_ORDER = 16, H_N_LEADS = 20, H_N_RECORDS = 24,
    H_RATE = 32, H_N_SAMPLES = 36, H_RECORD_BYTES = 40, H_SCHEMA_OFF = 48, H_SCHEMA_BYTES = 56,
    H_SOURCE_OFF = 64, H_SOURCE_BYTES = 72, H_TABLE_OFF = 80, H_ENTRY_BYTES = 88, H_SIGNAL_OFF = 96,
    H_EVIDENCE_OFF = 104, H_N_EVIDENCE = 112, H_TEXT_OFF = 120, H_TEXT_BYTES = 128, H_FILE_BYTES = 136,
    H_META_HASH = 144
};
/* table entry field offsets */
enum {
    E_ID = 0, E_AGE = 64, E_SEX = 68, E_FOLD = 72, E_SPLIT = 76, E_LEADS = 80, E_N_EVIDENCE = 84,
    E_EVIDENCE_FIRST = 88, E_TEXT_OFF = 96, E_TEXT_LEN = 104, E_LABELS = 112
};

static inline uint64_t pack_record_bytes(int n_samples) {
    uint64_t b = (uint64_t)N_LEADS * (uint64_t)n_samples * 5u;
    return (b + 63u) & ~(uint64_t)63u;
}

static inline void put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put_u32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static inline void put_u64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static inline uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t get_u64(const uint8_t *p) { return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }
static inline void put_f32(uint8_t *p, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    put_u32(p, u);
}
static inline float get_f32(const uint8_t *p) {
    uint32_t u = get_u32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

#define FNV_OFFSET 0xcbf29ce484222325ull
static inline uint64_t fnv1a(uint64_t h, const void *data, size_t n) {
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* The serialised schema (n_sets, then per set: name, n_classes, class names), and back. */
void pack_schema_encode(const LabelSchema *s, uint8_t *out);
/* 0, or -1 with an error when a name is not NUL-terminated or a count is out of range. */
int pack_schema_decode(const uint8_t *in, LabelSchema *s, const char *what);
/* The hash of a pack's metadata: header (hash field as zero) and the sections listed above. */
uint64_t pack_meta_hash(const uint8_t *base, size_t len);

#endif
