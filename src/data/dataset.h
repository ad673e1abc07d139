/* Dataset adapters: a folder in one of the public layouts, turned into canonical records with
 * report text, labels and splits.
 *
 *   ptbxl  PTB-XL: ptbxl_database.csv (reports, scp_codes, strat_fold), scp_statements.csv (the
 *          super 5 / sub 23 / form 19 / rhythm 12 label sets), records100/ or records500/
 *   cinc   PhysioNet/CinC Challenge 2020/2021 layout (CPSC 2018, Georgia, Chapman-Shaoxing, Ningbo,
 *          PTB-XL as HR*): .hea + .mat, `# Dx:` SNOMED CT codes or CPSC abbreviations (the
 *          scored 26 / cpsc2018 9 / rhythm 8 label sets), SRC searched recursively
 *   ludb   LUDB: diagnoses in the header comments
 *   mimic  MIMIC-IV-ECG: record_list.csv + machine_measurements.csv (report_0..report_17)
 *   wfdb   any folder of WFDB records (or one record); comments become the report
 *
 * Opening reads the dataset's index (CSV files, or the list of headers) and fails on a broken one;
 * loading one record can fail on its own (a missing or truncated file, a nonsense scp_codes cell)
 * and callers skip it with a warning. Loading is thread-safe. Splits follow the dataset's folds
 * where it has them (PTB-XL strat_fold 1-8 train, 9 validation, 10 test); elsewhere a fold 1..10
 * is drawn from a hash of the patient (MIMIC) or record id and mapped the same way. */
#ifndef SCAR_DATA_DATASET_H
#define SCAR_DATA_DATASET_H

#include <stddef.h>

#include "data/ecg_map.h"
#include "data/record.h"

typedef struct {
    const char *csv;          /* ptbxl: the database CSV (default SRC/ptbxl_database.csv) */
    const char *statements;   /* ptbxl: scp_statements.csv (default SRC/scp_statements.csv) */
    float prefer_rate;        /* ptbxl: up to 100 reads records100 first, otherwise records500 first
                                 (each falls back to the other when a record's file is missing) */
    const char *dx_map;       /* cinc: extra code-to-name CSV (Dx,SNOMEDCTCode,Abbreviation,...);
                                 by default every *dx_mapping*.csv in SRC is used */
    int accept_checksum_mismatch; /* load records whose data do not match their header's checksums
                                     or initial values (with a warning) instead of refusing them */
    EcgMapOptions map;
} DatasetOptions;

typedef struct Dataset Dataset;

/* Kinds accepted by dataset_open, comma-separated, for help texts. */
extern const char *const DATASET_KINDS;

Dataset *dataset_open(const char *kind, const char *src, const DatasetOptions *opt);
void dataset_close(Dataset *d);
int dataset_count(const Dataset *d);
const LabelSchema *dataset_schema(const Dataset *d);
const char *dataset_kind(const Dataset *d);
/* What to call record i in messages (its id and file). */
const char *dataset_record_name(const Dataset *d, int i);
/* Record i at its own rate. 0 on success; 1 on success with a warning written to warn; -1 on
 * failure with the reason in scar_last_error(). */
int dataset_load(const Dataset *d, int i, EcgRecord *out, char *warn, size_t warn_cap);

/* Fold 1..10 from a key (FNV-1a hash), and the split a fold belongs to (1-8 train, 9 validation,
 * 10 test). */
int fold_from_key(const char *key);
int split_from_fold(int fold);

#endif
