/* Internals shared by the dataset adapters (data/ds_*.c). */
#ifndef SCAR_DATA_DATASET_IMPL_H
#define SCAR_DATA_DATASET_IMPL_H

#include "data/dataset.h"
#include "data/wfdb_header.h"

typedef struct {
    int (*load)(const Dataset *d, int i, EcgRecord *out, char *warn, size_t warn_cap);
    void (*free_impl)(void *impl);
} DatasetOps;

struct Dataset {
    const DatasetOps *ops;
    char kind[16];
    char *src;
    DatasetOptions opt;   /* string fields point into strings owned by the caller: not kept */
    LabelSchema schema;
    int n;
    char **names;         /* [n] for messages */
    char **paths;         /* [n] record paths (header without .hea); NULL entries when unused */
    void *impl;
};

/* Adapters: fill d (n, names, paths, schema, ops, impl) or fail. */
int ds_ptbxl_open(Dataset *d);
int ds_cinc_open(Dataset *d, const char *dx_map);
int ds_ludb_open(Dataset *d);
int ds_mimic_open(Dataset *d);
int ds_wfdb_open(Dataset *d);

/* Every "*.hea" under dir (recursively, sorted), as paths without the extension. */
int list_headers(const char *dir, char ***paths, int *n);
/* Read a WFDB record and map it to the canonical record; its header is moved into *hdr (free
 * with wfdb_header_free) when hdr is not NULL. Checksum or initial-value mismatches fail unless
 * the options accept them (then 1 and a warning). */
int load_wfdb_ecg(const Dataset *d, const char *path, EcgRecord *out, WfdbHeader *hdr, char *warn, size_t cap);
/* Set a record's report (copied). */
void record_set_report(EcgRecord *r, const char *text);
/* Add a name to the dataset's list (names and paths grow together). */
void ds_add(Dataset *d, const char *name, const char *path);
/* "a/b" joined; the result is malloc'd. */
char *path_cat(const char *a, const char *b);
int file_exists(const char *path);

#endif
