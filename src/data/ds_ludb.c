/* LUDB (Lobachevsky University Electrocardiography Database): 500 Hz, 10 s records whose header
 * comments hold age, sex and the cardiologist's diagnoses, one statement per line after
 * `#<diagnoses>:`. The statements, joined, are the report; the label set "ludb" has the statement
 * kinds LUDB uses (rhythm, electrical axis, hypertrophies, conduction blocks, ischaemia, ...),
 * found by the phrases LUDB writes them with. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/dataset_impl.h"
#include "data/text.h"

typedef struct {
    const char *name;
    const char *phrase[4];
    const char *unless; /* a phrase that rules the class out (incomplete blocks, NSTEMI, ...) */
} LudbClass;

static const LudbClass CLASSES[] = {
    {"SR", {"rhythm: sinus rhythm"}, NULL},
    {"SBRAD", {"sinus bradycardia"}, NULL},
    {"STACH", {"sinus tachycardia"}, NULL},
    {"SARRH", {"sinus arrhythmia", "irregular sinus rhythm"}, NULL},
    {"AFIB", {"atrial fibrillation"}, NULL},
    {"AFLT", {"atrial flutter"}, NULL},
    {"PACE", {"pacing", "pacemaker"}, NULL},
    {"AXIS_NORMAL", {"axis of the heart: normal"}, NULL},
    {"AXIS_LEFT", {"left axis deviation"}, NULL},
    {"AXIS_RIGHT", {"right axis deviation"}, NULL},
    {"AXIS_VERTICAL", {"axis of the heart: vertical"}, NULL},
    {"AXIS_HORIZONTAL", {"axis of the heart: horizontal"}, NULL},
    {"LAH", {"left atrial hypertrophy"}, NULL},
    {"RAH", {"right atrial hypertrophy"}, NULL},
    {"LVH", {"left ventricular hypertrophy"}, NULL},
    {"RVH", {"right ventricular hypertrophy"}, NULL},
    {"LVO", {"left ventricular overload"}, NULL},
    {"IRBBB", {"incomplete right bundle branch block"}, NULL},
    {"CRBBB", {"right bundle branch block"}, "incomplete"},
    {"ILBBB", {"incomplete left bundle branch block"}, NULL},
    {"CLBBB", {"left bundle branch block"}, "incomplete"},
    {"LAFB", {"left anterior fascicular block", "left anterior hemiblock"}, NULL},
    {"LPFB", {"left posterior fascicular block", "left posterior hemiblock"}, NULL},
    {"AVB1", {"1st degree av block", "first degree av block", "i degree av block"}, "ii degree"},
    {"ISCH", {"ischemia"}, NULL},
    {"SCAR", {"scar formation"}, NULL},
    {"STEMI", {"stemi"}, "nstemi"},
    {"NSRA", {"non-specific repolarization abnormalities"}, NULL},
    {"ERS", {"early repolarization"}, NULL},
    {"PAC", {"atrial extrasystol"}, NULL},
    {"PVC", {"ventricular extrasystol"}, NULL},
    {"WPW", {"wpw", "wolff-parkinson-white"}, NULL},
};
#define N_CLASSES ((int)(sizeof CLASSES / sizeof CLASSES[0]))

static void label_statement(const char *line, LabelBits *bits) {
    char low[512];
    size_t n = strlen(line);
    if (n >= sizeof low) n = sizeof low - 1;
    for (size_t i = 0; i < n; i++) low[i] = (char)tolower((unsigned char)line[i]);
    low[n] = 0;
    for (int c = 0; c < N_CLASSES; c++) {
        if (CLASSES[c].unless && strstr(low, CLASSES[c].unless)) continue;
        for (int k = 0; k < 4 && CLASSES[c].phrase[k]; k++)
            if (strstr(low, CLASSES[c].phrase[k])) {
                label_set(bits, c);
                break;
            }
    }
}

static int ludb_load(const Dataset *d, int i, EcgRecord *out, char *warn, size_t cap) {
    WfdbHeader h;
    int rc = load_wfdb_ecg(d, d->paths[i], out, &h, warn, cap);
    if (rc < 0) return -1;
    ecg_meta_from_comments(&h, &out->age, &out->sex);
    out->fold = fold_from_key(out->id);
    out->split = split_from_fold(out->fold);
    /* the statements: every comment line after "<diagnoses>:" (and any text on that line) */
    StrBuf report = {0};
    int in_dx = 0;
    char *comments = xstrdup(h.comments ? h.comments : "");
    char *save = NULL;
    for (char *line = strtok_r(comments, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        text_trim(line);
        if (!in_dx) {
            char *colon = strchr(line, ':');
            if (colon && !strncmp(line, "<diagnoses>", 11)) {
                in_dx = 1;
                line = text_trim(colon + 1);
            } else {
                continue;
            }
        }
        if (!*line) continue;
        label_statement(line, &out->labels[0]);
        if (report.len) strbuf_puts(&report, " ");
        strbuf_puts(&report, line);
    }
    free(comments);
    char *text = strbuf_take(&report);
    free(out->report);
    out->report = text;
    wfdb_header_free(&h);
    return rc;
}

static const DatasetOps LUDB_OPS = {ludb_load, NULL};

int ds_ludb_open(Dataset *d) {
    d->ops = &LUDB_OPS;
    d->schema.n_sets = 1;
    strcpy(d->schema.set_name[0], "ludb");
    d->schema.n_classes[0] = N_CLASSES;
    for (int c = 0; c < N_CLASSES; c++) strcpy(d->schema.class_name[0][c], CLASSES[c].name);
    char **paths;
    int n;
    if (list_headers(d->src, &paths, &n) != 0) return -1;
    for (int k = 0; k < n; k++) {
        ds_add(d, paths[k], paths[k]);
        free(paths[k]);
    }
    free(paths);
    if (d->n == 0) return scar_fail("%s: no .hea files: not an LUDB folder", d->src);
    return 0;
}
