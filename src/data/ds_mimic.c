/* MIMIC-IV-ECG: record_list.csv (subject_id, study_id, path of each 10 s, 500 Hz record, relative
 * to the dataset folder) and machine_measurements.csv (per study: the machine's statements in
 * report_0 .. report_17, joined here into one report). Headers store the leads in the order
 * I, II, III, aVR, aVF, aVL, V1..V6; the canonical mapping puts them in place by name. There are
 * no diagnostic labels; splits are drawn per patient (subject_id), so that one patient's ECGs never
 * straddle training and test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/csv.h"
#include "data/dataset_impl.h"
#include "data/pack_format.h"
#include "data/text.h"

#define N_REPORT_COLS 18

typedef struct {
    char *key, *value;
} Entry;

typedef struct {
    Entry *slots;   /* open addressing, power-of-two size */
    size_t cap, n;
    char **report;  /* [d->n] per record, pointing into slots (NULL: no measurements row) */
    int *fold;      /* [d->n] */
    /* while streaming machine_measurements.csv */
    int c_study, c_report[N_REPORT_COLS];
    const char *what;
} Mimic;

static void mimic_free(void *impl) {
    Mimic *m = impl;
    if (!m) return;
    for (size_t i = 0; i < m->cap; i++) {
        free(m->slots[i].key);
        free(m->slots[i].value);
    }
    free(m->slots);
    free(m->report);
    free(m->fold);
    free(m);
}

static Entry *slot_for(Mimic *m, const char *key) {
    size_t h = (size_t)fnv1a(FNV_OFFSET, key, strlen(key)) & (m->cap - 1);
    while (m->slots[h].key && strcmp(m->slots[h].key, key)) h = (h + 1) & (m->cap - 1);
    return &m->slots[h];
}

static void map_put(Mimic *m, const char *key, char *value) {
    if (2 * (m->n + 1) > m->cap) {
        Entry *old = m->slots;
        size_t oc = m->cap;
        m->cap = oc ? 2 * oc : 1024;
        m->slots = xcalloc(m->cap, sizeof *m->slots);
        for (size_t i = 0; i < oc; i++)
            if (old[i].key) *slot_for(m, old[i].key) = old[i];
        free(old);
    }
    Entry *e = slot_for(m, key);
    if (e->key) { /* a repeated study: the later row wins */
        free(e->value);
        e->value = value;
        return;
    }
    e->key = xstrdup(key);
    e->value = value;
    m->n++;
}

static int measurement_row(void *ctx, int row, int line, char **f, int nf) {
    Mimic *m = ctx;
    (void)line;
    if (row == 0) {
        m->c_study = -1;
        for (int k = 0; k < N_REPORT_COLS; k++) m->c_report[k] = -1;
        for (int c = 0; c < nf; c++) {
            if (!strcmp(f[c], "study_id")) m->c_study = c;
            int k;
            char extra;
            if (sscanf(f[c], "report_%d%c", &k, &extra) == 1 && k >= 0 && k < N_REPORT_COLS) m->c_report[k] = c;
        }
        if (m->c_study < 0 || m->c_report[0] < 0)
            return scar_fail("%s: no study_id or report_0 column: not MIMIC-IV-ECG's machine_measurements.csv", m->what);
        return 0;
    }
    /* "Sinus rhythm", "Borderline ECG" -> "Sinus rhythm. Borderline ECG." */
    StrBuf b = {0};
    for (int k = 0; k < N_REPORT_COLS; k++) {
        if (m->c_report[k] < 0) continue;
        char *s = text_trim(f[m->c_report[k]]);
        if (!*s) continue;
        if (b.len) strbuf_puts(&b, " ");
        strbuf_puts(&b, s);
        size_t n = strlen(s);
        if (s[n - 1] != '.') strbuf_puts(&b, ".");
    }
    map_put(m, f[m->c_study], strbuf_take(&b));
    return 0;
}

static int mimic_load(const Dataset *d, int i, EcgRecord *out, char *warn, size_t cap) {
    const Mimic *m = d->impl;
    int rc = load_wfdb_ecg(d, d->paths[i], out, NULL, warn, cap);
    if (rc < 0) return -1;
    snprintf(out->id, sizeof out->id, "%s", d->names[i] + 6); /* "study 4068..." */
    out->fold = m->fold[i];
    out->split = split_from_fold(out->fold);
    record_set_report(out, m->report[i] ? m->report[i] : "");
    return rc;
}

static const DatasetOps MIMIC_OPS = {mimic_load, mimic_free};

int ds_mimic_open(Dataset *d) {
    Mimic *m = xcalloc(1, sizeof *m);
    d->impl = m;
    d->ops = &MIMIC_OPS;
    char *mm = path_cat(d->src, "machine_measurements.csv");
    char *rl = path_cat(d->src, "record_list.csv");
    size_t len;
    int rc = -1;
    char *data = text_read_file(mm, (size_t)8 << 30, &len);
    if (data) {
        m->what = mm;
        rc = csv_parse_stream(data, len, mm, measurement_row, m);
        free(data);
    }
    CsvTable t = {0};
    const char *keep[] = {"subject_id", "study_id", "path", NULL};
    if (rc == 0) rc = csv_read(rl, keep, &t);
    int cs = -1, cst = -1, cp = -1;
    if (rc == 0) {
        cs = csv_column(&t, "subject_id"), cst = csv_column(&t, "study_id"), cp = csv_column(&t, "path");
        if (cs < 0 || cst < 0 || cp < 0)
            rc = scar_fail("%s: needs the columns subject_id, study_id and path: not MIMIC-IV-ECG's record_list.csv", rl);
    }
    if (rc == 0) {
        m->report = xcalloc((size_t)(t.n_rows ? t.n_rows : 1), sizeof *m->report);
        m->fold = xcalloc((size_t)(t.n_rows ? t.n_rows : 1), sizeof *m->fold);
        for (int r = 0; r < t.n_rows; r++) {
            const char *rel = csv_cell(&t, r, cp);
            if (!rel[0] || rel[0] == '/') {
                rc = scar_fail("%s: line %d: record path '%s' is empty or absolute", rl, t.line[r], rel);
                break;
            }
            char name[128];
            snprintf(name, sizeof name, "study %.100s", csv_cell(&t, r, cst));
            char *path = path_cat(d->src, rel);
            ds_add(d, name, path);
            free(path);
            if (m->cap) {
                Entry *e = slot_for(m, csv_cell(&t, r, cst));
                m->report[d->n - 1] = e->key ? e->value : NULL;
            }
            m->fold[d->n - 1] = fold_from_key(csv_cell(&t, r, cs));
        }
    }
    csv_free(&t);
    free(mm);
    free(rl);
    return rc;
}
