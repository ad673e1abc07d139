/* Any WFDB records: one record (SRC is its .hea or its path without the extension) or every
 * record under a folder. The segments of a multi-segment record are read through it, not on their
 * own. There are no labels; the header's comment lines become the report. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "data/dataset_impl.h"
#include "data/text.h"
#include "data/wfdb_read.h"

static int wfdb_load(const Dataset *d, int i, EcgRecord *out, char *warn, size_t cap) {
    WfdbHeader h;
    int rc = load_wfdb_ecg(d, d->paths[i], out, &h, warn, cap);
    if (rc < 0) return -1;
    ecg_meta_from_comments(&h, &out->age, &out->sex);
    out->fold = fold_from_key(out->id);
    out->split = split_from_fold(out->fold);
    char *text = xstrdup(h.comments ? h.comments : "");
    for (char *p = text; *p; p++)
        if (*p == '\n') *p = ' ';
    free(out->report);
    out->report = text;
    wfdb_header_free(&h);
    return rc;
}

static const DatasetOps WFDB_OPS = {wfdb_load, NULL};

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int ds_wfdb_open(Dataset *d) {
    d->ops = &WFDB_OPS;
    struct stat st;
    if (stat(d->src, &st) == 0 && S_ISDIR(st.st_mode)) {
        char **paths;
        int n;
        if (list_headers(d->src, &paths, &n) != 0) return -1;
        /* segments (and layouts) named by a multi-segment header in the same folder are not records */
        char **skip = NULL;
        int n_skip = 0;
        for (int k = 0; k < n; k++) {
            char *hea = xmalloc(strlen(paths[k]) + 5);
            strcpy(hea, paths[k]);
            strcat(hea, ".hea");
            WfdbHeader h;
            if (wfdb_header_read(hea, &h) == 0) {
                char dir[4096], name[WFDB_NAME_LEN];
                wfdb_split_path(paths[k], dir, sizeof dir, name, sizeof name);
                for (int s = 0; s < h.n_segments; s++) {
                    if (!strcmp(h.segments[s].name, "~")) continue;
                    skip = xrealloc(skip, (size_t)(n_skip + 1) * sizeof *skip);
                    skip[n_skip++] = path_cat(dir, h.segments[s].name);
                }
                wfdb_header_free(&h);
            } /* an unreadable header is reported when its record is loaded */
            free(hea);
        }
        if (n_skip) qsort(skip, (size_t)n_skip, sizeof *skip, cmp_str);
        for (int k = 0; k < n; k++) {
            if (!(n_skip && bsearch(&paths[k], skip, (size_t)n_skip, sizeof *skip, cmp_str))) ds_add(d, paths[k], paths[k]);
            free(paths[k]);
        }
        for (int s = 0; s < n_skip; s++) free(skip[s]);
        free(skip);
        free(paths);
        if (d->n == 0) return scar_fail("%s: no WFDB records (.hea files) in this folder", d->src);
        return 0;
    }
    /* one record */
    char *base = xstrdup(d->src);
    size_t n = strlen(base);
    if (n > 4 && !strcmp(base + n - 4, ".hea")) base[n - 4] = 0;
    char *hea = xmalloc(strlen(base) + 5);
    strcpy(hea, base);
    strcat(hea, ".hea");
    int ok = file_exists(hea);
    free(hea);
    if (!ok) {
        free(base);
        return scar_fail("%s: no such record or folder", d->src);
    }
    ds_add(d, base, base);
    free(base);
    return 0;
}
