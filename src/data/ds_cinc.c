/* The PhysioNet/CinC Challenge 2020/2021 layout (CPSC 2018, CPSC extra, Georgia, Chapman-Shaoxing,
 * Ningbo, PTB, PTB-XL, St Petersburg): a .hea and a .mat per record, metadata in comment lines
 * (`# Age: 74`, `# Sex: Male`, `# Dx: 164889003,59118001` or, in the CPSC 2018 release,
 * abbreviations such as `#Dx: RBBB` / `I-AVB` / `Normal`).
 *
 * Three label sets: "scored", the 2021 Challenge's 30 scored SNOMED CT codes with its equivalent
 * pairs merged (26 classes); "cpsc2018", the 9 classes of CPSC 2018; and "rhythm", the 8 rhythm
 * statements among the scored classes (AF AFL Brady NSR PR SA SB STach: arrhythmia classification
 * as in PTB-XL's rhythm set, which also leaves ectopic beats such as PAC and PVC to other sets). A
 * record whose Dx names no rhythm (CPSC 2018 states sinus rhythm only as "Normal") has no rhythm
 * label rather than a guessed one. The report is the names
 * of the record's diagnoses. Names come from this file's table for the codes it knows, and from
 * any Challenge dx_mapping CSV found in the folder (or given) for the rest; a code with no name
 * anywhere still counts for nothing but is not an error. A Dx entry that is neither a number nor a
 * known abbreviation is reported as a warning. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "data/csv.h"
#include "data/dataset_impl.h"
#include "data/text.h"

enum { SET_SCORED, SET_CPSC, SET_RHYTHM };

static const char *const SCORED[] = {"AF",   "AFL",    "BBB", "Brady", "LBBB", "RBBB", "IAVB", "IRBBB", "LAD",
                                     "LAnFB", "LQRSV", "NSIVCB", "NSR", "PAC", "PR",   "PRWP", "PVC",   "LPR",
                                     "LQT",  "QAb",    "RAD", "SA",    "SB",   "STach", "TAb", "TInv"};
#define N_SCORED ((int)(sizeof SCORED / sizeof SCORED[0]))
static const char *const CPSC[] = {"NORM", "AF", "IAVB", "LBBB", "RBBB", "PAC", "PVC", "STD", "STE"};
#define N_CPSC ((int)(sizeof CPSC / sizeof CPSC[0]))
static const char *const RHYTHM[] = {"AF", "AFL", "Brady", "NSR", "PR", "SA", "SB", "STach"}; /* scored names */
#define N_RHYTHM ((int)(sizeof RHYTHM / sizeof RHYTHM[0]))

typedef struct {
    const char *code, *abbrev, *name, *scored, *cpsc; /* class names in each set, NULL if none */
} DxCode;

/* The scored codes of the 2021 Challenge (equivalent pairs share a class) and CPSC 2018's. */
static const DxCode CODES[] = {
    {"164889003", "AF", "atrial fibrillation", "AF", "AF"},
    {"164890007", "AFL", "atrial flutter", "AFL", NULL},
    {"6374002", "BBB", "bundle branch block", "BBB", NULL},
    {"426627000", "Brady", "bradycardia", "Brady", NULL},
    {"733534002", "CLBBB", "complete left bundle branch block", "LBBB", "LBBB"},
    {"164909002", "LBBB", "left bundle branch block", "LBBB", "LBBB"},
    {"713427006", "CRBBB", "complete right bundle branch block", "RBBB", "RBBB"},
    {"59118001", "RBBB", "right bundle branch block", "RBBB", "RBBB"},
    {"270492004", "IAVB", "1st degree av block", "IAVB", "IAVB"},
    {"713426002", "IRBBB", "incomplete right bundle branch block", "IRBBB", NULL},
    {"39732003", "LAD", "left axis deviation", "LAD", NULL},
    {"445118002", "LAnFB", "left anterior fascicular block", "LAnFB", NULL},
    {"251146004", "LQRSV", "low qrs voltages", "LQRSV", NULL},
    {"698252002", "NSIVCB", "nonspecific intraventricular conduction disorder", "NSIVCB", NULL},
    {"426783006", "NSR", "sinus rhythm", "NSR", "NORM"},
    {"284470004", "PAC", "premature atrial contraction", "PAC", "PAC"},
    {"63593006", "SVPB", "supraventricular premature beats", "PAC", "PAC"},
    {"10370003", "PR", "pacing rhythm", "PR", NULL},
    {"365413008", "PRWP", "poor r wave progression", "PRWP", NULL},
    {"427172004", "PVC", "premature ventricular contractions", "PVC", "PVC"},
    {"17338001", "VPB", "ventricular premature beats", "PVC", "PVC"},
    {"164947007", "LPR", "prolonged pr interval", "LPR", NULL},
    {"111975006", "LQT", "prolonged qt interval", "LQT", NULL},
    {"164917005", "QAb", "q wave abnormal", "QAb", NULL},
    {"47665007", "RAD", "right axis deviation", "RAD", NULL},
    {"427393009", "SA", "sinus arrhythmia", "SA", NULL},
    {"426177001", "SB", "sinus bradycardia", "SB", NULL},
    {"427084000", "STach", "sinus tachycardia", "STach", NULL},
    {"164934002", "TAb", "t wave abnormal", "TAb", NULL},
    {"59931005", "TInv", "t wave inversion", "TInv", NULL},
    {"429622005", "STD", "st depression", NULL, "STD"},
    {"164931005", "STE", "st elevation", NULL, "STE"},
};
#define N_CODES ((int)(sizeof CODES / sizeof CODES[0]))

/* CPSC 2018's own spellings */
static const struct {
    const char *abbrev, *code;
} CPSC_ABBREV[] = {{"Normal", "426783006"}, {"I-AVB", "270492004"}};

typedef struct {
    char *code, *abbrev, *name;
} ExtraCode;

typedef struct {
    int n_extra;
    ExtraCode *extra; /* from dx_mapping CSV files */
} Cinc;

static void cinc_free(void *impl) {
    Cinc *c = impl;
    if (!c) return;
    for (int i = 0; i < c->n_extra; i++) {
        free(c->extra[i].code);
        free(c->extra[i].abbrev);
        free(c->extra[i].name);
    }
    free(c->extra);
    free(c);
}

static int class_index(const char *const *names, int n, const char *name) {
    for (int i = 0; name && i < n; i++)
        if (!strcmp(names[i], name)) return i;
    return -1;
}

static int all_digits(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

/* The SNOMED code a Dx entry stands for (itself when numeric), or NULL. */
static const char *resolve(const Cinc *c, const char *tok) {
    if (all_digits(tok)) return tok;
    for (size_t k = 0; k < sizeof CPSC_ABBREV / sizeof CPSC_ABBREV[0]; k++)
        if (!strcasecmp(tok, CPSC_ABBREV[k].abbrev)) return CPSC_ABBREV[k].code;
    for (int k = 0; k < N_CODES; k++)
        if (!strcasecmp(tok, CODES[k].abbrev)) return CODES[k].code;
    for (int k = 0; k < c->n_extra; k++)
        if (!strcasecmp(tok, c->extra[k].abbrev)) return c->extra[k].code;
    return NULL;
}

static const DxCode *known(const char *code) {
    for (int k = 0; k < N_CODES; k++)
        if (!strcmp(code, CODES[k].code)) return &CODES[k];
    return NULL;
}

static const char *code_name(const Cinc *c, const char *code) {
    const DxCode *k = known(code);
    if (k) return k->name;
    for (int i = 0; i < c->n_extra; i++)
        if (!strcmp(code, c->extra[i].code)) return c->extra[i].name;
    return NULL;
}

static int read_dx_map(Cinc *c, const char *path) {
    CsvTable t;
    const char *keep[] = {"Dx", "SNOMEDCTCode", "Abbreviation", NULL};
    if (csv_read(path, keep, &t) != 0) return -1;
    int cd = csv_column(&t, "Dx"), cc = csv_column(&t, "SNOMEDCTCode"), ca = csv_column(&t, "Abbreviation");
    if (cd < 0 || cc < 0 || ca < 0) {
        csv_free(&t);
        return scar_fail("%s: a Dx mapping needs the columns Dx, SNOMEDCTCode and Abbreviation", path);
    }
    c->extra = xrealloc(c->extra, (size_t)(c->n_extra + t.n_rows + 1) * sizeof *c->extra);
    for (int r = 0; r < t.n_rows; r++) {
        if (!all_digits(csv_cell(&t, r, cc))) {
            scar_fail("%s: line %d: SNOMED CT code '%s' is not a number", path, t.line[r], csv_cell(&t, r, cc));
            csv_free(&t);
            return -1;
        }
        ExtraCode *e = &c->extra[c->n_extra++];
        e->code = xstrdup(csv_cell(&t, r, cc));
        e->abbrev = xstrdup(csv_cell(&t, r, ca));
        e->name = xstrdup(csv_cell(&t, r, cd));
    }
    csv_free(&t);
    return 0;
}

static int cinc_load(const Dataset *d, int i, EcgRecord *out, char *warn, size_t cap) {
    const Cinc *c = d->impl;
    WfdbHeader h;
    int rc = load_wfdb_ecg(d, d->paths[i], out, &h, warn, cap);
    if (rc < 0) return -1;
    ecg_meta_from_comments(&h, &out->age, &out->sex);
    out->fold = fold_from_key(out->id);
    out->split = split_from_fold(out->fold);
    char dx[4096];
    StrBuf report = {0};
    const char *named[64]; /* names already in the report */
    int n_named = 0;
    if (wfdb_comment_value(&h, "Dx", dx, sizeof dx) == 0) {
        char *save = NULL;
        for (char *tok = strtok_r(dx, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            text_trim(tok);
            if (!*tok) continue;
            const char *code = resolve(c, tok);
            if (!code) {
                if (rc == 0) snprintf(warn, cap, "%s.hea: Dx entry '%s' is neither a SNOMED CT code nor a known "
                                      "abbreviation (ignored)", d->paths[i], tok);
                rc = 1;
                continue;
            }
            const DxCode *k = known(code);
            if (k) {
                int s = class_index(SCORED, N_SCORED, k->scored), p = class_index(CPSC, N_CPSC, k->cpsc);
                int r = class_index(RHYTHM, N_RHYTHM, k->scored);
                if (s >= 0) label_set(&out->labels[SET_SCORED], s);
                if (p >= 0) label_set(&out->labels[SET_CPSC], p);
                if (r >= 0) label_set(&out->labels[SET_RHYTHM], r);
            }
            const char *name = code_name(c, code);
            int seen = 0;
            for (int k2 = 0; k2 < n_named && !seen; k2++) seen = named[k2] == name;
            if (name && !seen && n_named < 64) {
                named[n_named++] = name;
                if (report.len) strbuf_puts(&report, " ");
                strbuf_puts(&report, name);
                strbuf_puts(&report, ".");
            }
        }
    }
    char *text = strbuf_take(&report);
    free(out->report);
    out->report = text;
    wfdb_header_free(&h);
    return rc;
}

static const DatasetOps CINC_OPS = {cinc_load, cinc_free};

int ds_cinc_open(Dataset *d, const char *dx_map) {
    Cinc *c = xcalloc(1, sizeof *c);
    d->impl = c;
    d->ops = &CINC_OPS;
    LabelSchema *s = &d->schema;
    s->n_sets = 3;
    strcpy(s->set_name[SET_SCORED], "scored");
    strcpy(s->set_name[SET_CPSC], "cpsc2018");
    strcpy(s->set_name[SET_RHYTHM], "rhythm");
    s->n_classes[SET_SCORED] = N_SCORED;
    for (int k = 0; k < N_SCORED; k++) strcpy(s->class_name[SET_SCORED][k], SCORED[k]);
    s->n_classes[SET_CPSC] = N_CPSC;
    for (int k = 0; k < N_CPSC; k++) strcpy(s->class_name[SET_CPSC][k], CPSC[k]);
    s->n_classes[SET_RHYTHM] = N_RHYTHM;
    for (int k = 0; k < N_RHYTHM; k++) strcpy(s->class_name[SET_RHYTHM][k], RHYTHM[k]);

    if (dx_map) {
        if (read_dx_map(c, dx_map) != 0) return -1;
    } else { /* the Challenge's mapping files, when they sit beside the records */
        DIR *dir = opendir(d->src);
        if (!dir) return scar_fail("%s: cannot open folder", d->src);
        struct dirent *e;
        char **found = NULL;
        int nf = 0;
        while ((e = readdir(dir))) {
            size_t n = strlen(e->d_name);
            if (strstr(e->d_name, "dx_mapping") && n > 4 && !strcmp(e->d_name + n - 4, ".csv")) {
                found = xrealloc(found, (size_t)(nf + 1) * sizeof *found);
                found[nf++] = path_cat(d->src, e->d_name);
            }
        }
        closedir(dir);
        int rc = 0;
        for (int k = 0; k < nf; k++) { /* sorted for a deterministic order of names */
            for (int j = k + 1; j < nf; j++)
                if (strcmp(found[j], found[k]) < 0) {
                    char *t = found[k];
                    found[k] = found[j];
                    found[j] = t;
                }
            if (rc == 0) rc = read_dx_map(c, found[k]);
            free(found[k]);
        }
        free(found);
        if (rc != 0) return -1;
    }
    char **paths;
    int n;
    if (list_headers(d->src, &paths, &n) != 0) return -1;
    for (int k = 0; k < n; k++) {
        ds_add(d, paths[k], paths[k]);
        free(paths[k]);
    }
    free(paths);
    if (d->n == 0) return scar_fail("%s: no .hea files: not a Challenge-layout folder", d->src);
    return 0;
}
