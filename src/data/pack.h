/* Packed dataset (DESIGN §4): one versioned file holding many preprocessed records (signals,
 * validity, report text, labels per label set, metadata, splits, evidence maps), memory-mapped for
 * training so that an epoch never re-parses WFDB. All records of a pack share one rate and length.
 * The writer goes to a temporary file and renames it into place on close: a pack is never
 * half-written. */
#ifndef SCAR_DATA_PACK_H
#define SCAR_DATA_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "data/record.h"

typedef struct PackWriter PackWriter;
typedef struct Pack Pack;

/* Open a writer for records of n_samples at rate_hz; `source` names where they came from
 * ("ptbxl:/data/ptb-xl", "synth:seed=7"). NULL with scar_last_error() on failure. */
PackWriter *pack_writer_open(const char *path, const LabelSchema *schema, float rate_hz,
                             int n_samples, const char *source);
/* Append one record (copied); its rate and length must match the writer's. Returns 0; -1 when
 * the record is refused (it breaks the contract: rate, length, UTF-8 report, labels within the
 * schema, finite samples, evidence within the record) and nothing of it was written, so the writer
 * goes on; -2 after an I/O error, when the pack can no longer be finished. */
int pack_writer_add(PackWriter *w, const EcgRecord *r);
/* Finish the file and rename it into place; frees the writer either way. */
int pack_writer_close(PackWriter *w);
/* Give up: remove the temporary file and free the writer. */
void pack_writer_abort(PackWriter *w);

/* Map a pack read-only, validating its header and index. NULL with scar_last_error() on failure. */
Pack *pack_open(const char *path);
void pack_close(Pack *p);
int pack_count(const Pack *p);
float pack_rate(const Pack *p);
int pack_samples(const Pack *p);
const LabelSchema *pack_schema(const Pack *p);
/* A view of record i: pointers into the mapping, valid until pack_close (do not record_free). */
int pack_get(const Pack *p, int i, EcgRecord *view);

/* ---- additions (format version, memory packs, text, splits, batches) ---- */

/* The on-disk format version this build writes and reads (see pack_format.h for the layout). */
#define SCAR_PACK_FORMAT_VERSION 1

/* Records added so far. */
int pack_writer_count(const PackWriter *w);
/* Validate a pack held in memory (the buffer must outlive the Pack and be 4-byte aligned). */
Pack *pack_open_memory(const void *data, size_t len, const char *what);
const char *pack_source(const Pack *p);
const char *pack_path(const Pack *p);
/* Record i's report (UTF-8, "" when none) and id: pointers into the mapping. */
const char *pack_report(const Pack *p, int i);
const char *pack_id(const Pack *p, int i);
/* Record i's split (SPLIT_*). */
int pack_split(const Pack *p, int i);
/* The records of one split (SPLIT_TRAIN, SPLIT_VAL, SPLIT_TEST or SPLIT_NONE), in pack order,
 * written to idx when it is not NULL; returns how many there are. */
int pack_split_indices(const Pack *p, int split, int *idx);
/* Copy records idx[0..n) into batch buffers: signal [n][N_LEADS][n_samples] (mV, 0 where not
 * valid), valid [n][N_LEADS][n_samples] and lead_available [n] (each may be NULL). Indices out of
 * range are an error. */
int pack_batch(const Pack *p, const int *idx, int n, float *signal, uint8_t *valid, uint16_t *lead_available);

/* Shuffled batches from a pool of record indices: each epoch visits every index once in an order
 * drawn from (seed, epoch), the same for any thread count; a batch that runs past the end of an
 * epoch continues in the next one. */
typedef struct {
    int *pool;      /* [n] the indices, as given */
    int *order;     /* [n] the current epoch's order */
    int n, pos;
    uint64_t seed, epoch;
} PackSampler;
int pack_sampler_init(PackSampler *s, const int *pool, int n, uint64_t seed);
/* The next `batch` indices into idx. */
void pack_sampler_next(PackSampler *s, int batch, int *idx);
void pack_sampler_free(PackSampler *s);

#endif
