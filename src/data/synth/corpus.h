/* Writing a synthetic corpus to disk: records [0, n) of a configuration, generated in parallel
 * (each record from its own random streams, so the bytes do not depend on the thread count) and
 * written in order, either into a pack or as a PTB-XL-shaped folder. Both are atomic: a pack goes
 * through the pack writer's temporary file, a folder is built under a temporary name beside its
 * destination and renamed into place when complete. */
#ifndef SCAR_DATA_SYNTH_CORPUS_H
#define SCAR_DATA_SYNTH_CORPUS_H

#include "data/synth/synth.h"

/* Called from the writing thread after each round of records is written (done of total). */
typedef void (*SynthProgressFn)(void *ctx, long done, long total);

/* A pack of n records at the configuration's rate and length, with the synthetic label schema,
 * reports and evidence maps. threads <= 0: OpenMP's default. */
int synth_write_pack(const SynthConfig *c, long n, const char *path, int threads, SynthProgressFn progress,
                     void *ctx);

/* A PTB-XL-shaped folder: records100/NNNNN/<id>_lr (100 Hz) and records500/NNNNN/<id>_hr (500 Hz),
 * WFDB format 16 at 1000 units per mV, the same beats, waves and noise plan at both rates;
 * ptbxl_database.csv in PTB-XL's columns (report, scp_codes dict with likelihoods, strat_fold,
 * filenames, heart_axis, ...; ages over 89 written as 300, as PTB-XL does); scp_statements.csv with the statements used. `dir` must not exist
 * or be an empty folder. The configuration's own rate is not used. */
int synth_write_ptbxl(const SynthConfig *c, long n, const char *dir, int threads, SynthProgressFn progress,
                      void *ctx);

/* One row of ptbxl_database.csv for a case (no trailing newline; malloc'd). */
char *synth_ptbxl_row(const SynthCase *k);
/* The header line of ptbxl_database.csv (no trailing newline). */
extern const char *const SYNTH_PTBXL_HEADER;

#endif
