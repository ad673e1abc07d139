#include "data/dataset.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "data/dataset_impl.h"
#include "data/pack_format.h"
#include "data/wfdb_read.h"

const char *const DATASET_KINDS = "ptbxl, cinc, ludb, mimic, wfdb";

int fold_from_key(const char *key) { return 1 + (int)(fnv1a(FNV_OFFSET, key, strlen(key)) % 10u); }

int split_from_fold(int fold) {
    if (fold >= 1 && fold <= 8) return SPLIT_TRAIN;
    if (fold == 9) return SPLIT_VAL;
    if (fold == 10) return SPLIT_TEST;
    return SPLIT_NONE;
}

char *path_cat(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void ds_add(Dataset *d, const char *name, const char *path) {
    if ((d->n & (d->n - 1)) == 0) { /* grow at powers of two */
        size_t cap = d->n ? 2 * (size_t)d->n : 1;
        d->names = xrealloc(d->names, cap * sizeof *d->names);
        d->paths = xrealloc(d->paths, cap * sizeof *d->paths);
    }
    d->names[d->n] = xstrdup(name);
    d->paths[d->n] = path ? xstrdup(path) : NULL;
    d->n++;
}

void record_set_report(EcgRecord *r, const char *text) {
    free(r->report);
    r->report = xstrdup(text ? text : "");
}

typedef struct {
    char **v;
    int n, cap;
} PathList;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int scan(const char *dir, PathList *out, int depth) {
    if (depth > 16) return 0; /* deeper than any dataset layout: a link loop */
    DIR *d = opendir(dir);
    if (!d) return scar_fail("%s: cannot open folder: %s", dir, strerror(errno));
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) && rc == 0) {
        if (e->d_name[0] == '.') continue;
        char *p = path_cat(dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = scan(p, out, depth + 1);
            free(p);
            continue;
        }
        size_t n = strlen(p);
        if (n > 4 && strcmp(p + n - 4, ".hea") == 0 && S_ISREG(st.st_mode)) {
            p[n - 4] = 0;
            if (out->n == out->cap) {
                out->cap = out->cap ? 2 * out->cap : 256;
                out->v = xrealloc(out->v, (size_t)out->cap * sizeof *out->v);
            }
            out->v[out->n++] = p;
        } else {
            free(p);
        }
    }
    closedir(d);
    return rc;
}

int list_headers(const char *dir, char ***paths, int *n) {
    PathList l = {0};
    if (scan(dir, &l, 0) != 0) {
        for (int i = 0; i < l.n; i++) free(l.v[i]);
        free(l.v);
        return -1;
    }
    if (l.n) qsort(l.v, (size_t)l.n, sizeof *l.v, cmp_str);
    *paths = l.v;
    *n = l.n;
    return 0;
}

int load_wfdb_ecg(const Dataset *d, const char *path, EcgRecord *out, WfdbHeader *hdr, char *warn, size_t cap) {
    WfdbRecord w;
    if (wfdb_read(path, &w) != 0) return -1;
    int rc = 0;
    if (!wfdb_record_checks_ok(&w)) {
        char msg[512];
        wfdb_record_check_message(&w, msg, sizeof msg);
        if (!d->opt.accept_checksum_mismatch) {
            wfdb_record_free(&w);
            return scar_fail("%s.hea: %s (the data do not match the header)", path, msg);
        }
        snprintf(warn, cap, "%s.hea: %s (kept: checksum mismatches accepted)", path, msg);
        rc = 1;
    }
    if (wfdb_to_ecg(&w, &d->opt.map, out) != 0) {
        scar_fail_context("%s: ", path);
        wfdb_record_free(&w);
        return -1;
    }
    if (hdr) {
        *hdr = w.header;
        memset(&w.header, 0, sizeof w.header);
    }
    wfdb_record_free(&w);
    return rc;
}

Dataset *dataset_open(const char *kind, const char *src, const DatasetOptions *opt) {
    Dataset *d = xcalloc(1, sizeof *d);
    DatasetOptions defaults = {0};
    defaults.map = ECG_MAP_DEFAULTS;
    d->opt = opt ? *opt : defaults;
    d->src = xstrdup(src);
    snprintf(d->kind, sizeof d->kind, "%s", kind);
    int rc;
    struct stat st;
    if (stat(src, &st) != 0 && strcmp(kind, "wfdb") != 0) {
        scar_fail("%s: no such folder", src);
        rc = -1;
    } else if (!strcmp(kind, "ptbxl")) {
        rc = ds_ptbxl_open(d);
    } else if (!strcmp(kind, "cinc")) {
        rc = ds_cinc_open(d, opt ? opt->dx_map : NULL);
    } else if (!strcmp(kind, "ludb")) {
        rc = ds_ludb_open(d);
    } else if (!strcmp(kind, "mimic")) {
        rc = ds_mimic_open(d);
    } else if (!strcmp(kind, "wfdb")) {
        rc = ds_wfdb_open(d);
    } else {
        rc = scar_fail("unknown dataset kind '%s' (one of: %s)", kind, DATASET_KINDS);
    }
    /* options' strings belong to the caller */
    d->opt.csv = d->opt.statements = d->opt.dx_map = NULL;
    if (rc != 0) {
        dataset_close(d);
        return NULL;
    }
    return d;
}

void dataset_close(Dataset *d) {
    if (!d) return;
    if (d->ops && d->ops->free_impl) d->ops->free_impl(d->impl);
    for (int i = 0; i < d->n; i++) {
        free(d->names[i]);
        free(d->paths[i]);
    }
    free(d->names);
    free(d->paths);
    free(d->src);
    free(d);
}

int dataset_count(const Dataset *d) { return d->n; }
const LabelSchema *dataset_schema(const Dataset *d) { return &d->schema; }
const char *dataset_kind(const Dataset *d) { return d->kind; }
const char *dataset_record_name(const Dataset *d, int i) { return d->names[i]; }

int dataset_load(const Dataset *d, int i, EcgRecord *out, char *warn, size_t warn_cap) {
    memset(out, 0, sizeof *out);
    if (warn_cap) warn[0] = 0;
    if (i < 0 || i >= d->n) return scar_fail("%s: record %d of %d", d->src, i, d->n);
    int rc = d->ops->load(d, i, out, warn, warn_cap);
    if (rc < 0) record_free(out);
    return rc;
}
