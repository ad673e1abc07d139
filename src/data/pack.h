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
/* Append one record (copied); its rate and length must match the writer's. */
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

#endif
