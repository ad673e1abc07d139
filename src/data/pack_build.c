#include "data/pack_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/error.h"
#include "data/pack.h"

#define CHUNK 128

typedef struct {
    EcgRecord rec;
    int status; /* 0 ok, 1 ok with warning, -1 skipped */
    char msg[1024];
} Slot;

static void say(const PackBuildOptions *o, const char *msg) {
    if (o && o->warn) o->warn(o->warn_ctx, msg);
    else fprintf(stderr, "%s\n", msg);
}

int pack_build(const Dataset *d, const PreprocessOptions *pp, const char *source, const PackBuildOptions *opt,
               const char *out_path, PackBuildStats *st) {
    PackBuildStats stats = {0};
    if (!(pp->rate_hz > 0) || pp->n_samples <= 0)
        return scar_fail("%s: a pack needs a fixed rate and length (got rate %g, %d samples)", out_path, pp->rate_hz,
                         pp->n_samples);
    Preprocessor *prep = preprocessor_new(pp);
    if (!prep) return -1;
    PackWriter *w = pack_writer_open(out_path, dataset_schema(d), pp->rate_hz, pp->n_samples, source);
    if (!w) {
        preprocessor_free(prep);
        return -1;
    }
    int total = dataset_count(d);
    if (opt && opt->limit > 0 && opt->limit < total) total = opt->limit;
    Slot *slots = xcalloc(CHUNK, sizeof *slots);
    int threads = opt && opt->threads > 0 ? opt->threads : 0;
    (void)threads;
    int rc = 0;
    for (int c0 = 0; c0 < total && rc == 0; c0 += CHUNK) {
        int n = total - c0 < CHUNK ? total - c0 : CHUNK;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 2) num_threads(threads > 0 ? threads : omp_get_max_threads())
#endif
        for (int k = 0; k < n; k++) {
            Slot *s = &slots[k];
            EcgRecord raw;
            char warn[1024];
            memset(&s->rec, 0, sizeof s->rec);
            s->msg[0] = 0;
            int r = dataset_load(d, c0 + k, &raw, warn, sizeof warn);
            if (r < 0) {
                snprintf(s->msg, sizeof s->msg, "%s", scar_last_error());
                s->status = -1;
                continue;
            }
            if (preprocess_record(prep, &raw, &s->rec) != 0) {
                snprintf(s->msg, sizeof s->msg, "%s", scar_last_error());
                s->status = -1;
                record_free(&raw);
                continue;
            }
            record_free(&raw);
            s->status = r;
            if (r == 1) snprintf(s->msg, sizeof s->msg, "%s", warn);
        }
        for (int k = 0; k < n; k++) {
            Slot *s = &slots[k];
            char line[1400];
            const char *name = dataset_record_name(d, c0 + k);
            int added = s->status >= 0 ? pack_writer_add(w, &s->rec) : 0;
            if (added != 0) {
                if (added == -2) rc = -1; /* the disk, not the record: stop */
                snprintf(s->msg, sizeof s->msg, "%s", scar_last_error());
                s->status = -1;
            }
            /* messages name the file already; the record's name is added when they do not */
            int named = strstr(s->msg, name) != NULL;
            if (s->status < 0) {
                stats.skipped++;
                snprintf(line, sizeof line, "warning: skipped %s%s%s", named ? "" : name, named ? "" : ": ", s->msg);
                say(opt, line);
            } else {
                stats.packed++;
                if (s->status == 1) {
                    stats.warnings++;
                    snprintf(line, sizeof line, "warning: %s%s%s", named ? "" : name, named ? "" : ": ", s->msg);
                    say(opt, line);
                }
            }
            record_free(&s->rec);
        }
        stats.total += n;
        if (opt && opt->progress) opt->progress(opt->progress_ctx, stats.total, total);
    }
    free(slots);
    preprocessor_free(prep);
    if (rc == 0 && stats.packed == 0) {
        pack_writer_abort(w);
        rc = scar_fail("%s: no record could be packed (%d of %d skipped); nothing was written", out_path,
                       stats.skipped, stats.total);
    } else if (rc != 0) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", scar_last_error());
        pack_writer_abort(w);
        rc = scar_fail("%s; nothing was written", msg);
    } else if (pack_writer_close(w) != 0) {
        rc = -1;
    }
    if (st) *st = stats;
    return rc;
}
