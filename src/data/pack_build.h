/* Building a pack from a dataset: records are loaded and preprocessed in parallel (OpenMP), in
 * chunks, and written in dataset order, so the pack is the same whatever the thread count. A
 * record that cannot be loaded, preprocessed or packed is skipped with a warning that names it;
 * the pack is written only if at least one record made it, and only complete (pack.h). */
#ifndef SCAR_DATA_PACK_BUILD_H
#define SCAR_DATA_PACK_BUILD_H

#include "data/dataset.h"
#include "data/preprocess.h"

typedef struct {
    int threads; /* 0: OpenMP's default */
    int limit;   /* pack the first `limit` records only; 0: all */
    /* called after each chunk (from the calling thread) */
    void (*progress)(void *ctx, int done, int total);
    void *progress_ctx;
    /* one call per skipped record or warning, in dataset order; NULL prints to stderr */
    void (*warn)(void *ctx, const char *msg);
    void *warn_ctx;
} PackBuildOptions;

typedef struct {
    int total;    /* records looked at */
    int packed;
    int skipped;
    int warnings; /* records packed despite a warning */
} PackBuildStats;

/* The preprocessing must fix the rate and length (every record of a pack shares them). `source`
 * is stored in the pack. */
int pack_build(const Dataset *d, const PreprocessOptions *pp, const char *source, const PackBuildOptions *opt,
               const char *out_path, PackBuildStats *stats);

#endif
