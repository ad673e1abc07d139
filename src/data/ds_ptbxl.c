/* PTB-XL: ptbxl_database.csv + scp_statements.csv + records100/ and records500/.
 *
 * The four label sets come from scp_statements.csv, each in sorted order (as the usual benchmark
 * code's MultiLabelBinarizer has them): super = the diagnostic_class of the diagnostic statements
 * (5), sub = their diagnostic_subclass (23), form = the form statements (19), rhythm = the rhythm
 * statements (12). A record's labels in each set come from every code in its scp_codes, whatever
 * the likelihood (DESIGN appendix). Ages above 89 are stored as 300 in PTB-XL; they become 90. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/csv.h"
#include "data/dataset_impl.h"
#include "data/scp_codes.h"

enum { SET_SUPER, SET_SUB, SET_FORM, SET_RHYTHM, N_PTBXL_SETS };
static const char *const SET_NAMES[N_PTBXL_SETS] = {"super", "sub", "form", "rhythm"};

typedef struct {
    char code[SCP_CODE_LEN];
    int cls[N_PTBXL_SETS]; /* class in each set, -1 when the statement is not in it */
} Statement;

typedef struct {
    int n_statements;
    Statement *statements;
    CsvTable db;
    int c_id, c_patient, c_age, c_sex, c_report, c_codes, c_fold, c_lr, c_hr;
    float prefer_rate;
} Ptbxl;

static void ptbxl_free(void *impl) {
    Ptbxl *p = impl;
    if (!p) return;
    free(p->statements);
    csv_free(&p->db);
    free(p);
}

static int cmp_name(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* Add name to a set's class list if new (names kept sorted later). */
static int add_class(LabelSchema *s, int set, const char *name, const char *what) {
    if (!name[0]) return 0;
    for (int c = 0; c < s->n_classes[set]; c++)
        if (!strcmp(s->class_name[set][c], name)) return 0;
    if (s->n_classes[set] == SCAR_MAX_CLASSES) return scar_fail("%s: more than %d %s classes", what, SCAR_MAX_CLASSES, SET_NAMES[set]);
    if (strlen(name) >= SCAR_NAME_LEN) return scar_fail("%s: class name '%s' is too long", what, name);
    strcpy(s->class_name[set][s->n_classes[set]++], name);
    return 0;
}

static int find_class(const LabelSchema *s, int set, const char *name) {
    for (int c = 0; c < s->n_classes[set]; c++)
        if (!strcmp(s->class_name[set][c], name)) return c;
    return -1;
}

/* "1.0" / "1" / "" */
static int flag(const char *s) { return s[0] && atof(s) == 1.0; }

static int read_statements(Dataset *d, Ptbxl *p, const char *path) {
    CsvTable t;
    if (csv_read(path, NULL, &t) != 0) return -1;
    int c_code = 0, c_diag = csv_column(&t, "diagnostic"), c_form = csv_column(&t, "form");
    int c_rhythm = csv_column(&t, "rhythm"), c_class = csv_column(&t, "diagnostic_class");
    int c_sub = csv_column(&t, "diagnostic_subclass");
    if (c_diag < 0 || c_form < 0 || c_rhythm < 0 || c_class < 0 || c_sub < 0 || t.n_cols < 1) {
        csv_free(&t);
        return scar_fail("%s: not PTB-XL's scp_statements.csv (needs columns diagnostic, form, rhythm, "
                         "diagnostic_class, diagnostic_subclass)", path);
    }
    LabelSchema *s = &d->schema;
    s->n_sets = N_PTBXL_SETS;
    for (int k = 0; k < N_PTBXL_SETS; k++) strcpy(s->set_name[k], SET_NAMES[k]);
    int rc = 0;
    for (int r = 0; r < t.n_rows && rc == 0; r++) {
        const char *code = csv_cell(&t, r, c_code);
        if (!code[0] || strlen(code) >= SCP_CODE_LEN) {
            rc = scar_fail("%s: line %d: statement code '%s' is empty or too long", path, t.line[r], code);
            break;
        }
        if (flag(csv_cell(&t, r, c_diag))) {
            rc |= add_class(s, SET_SUPER, csv_cell(&t, r, c_class), path);
            rc |= add_class(s, SET_SUB, csv_cell(&t, r, c_sub), path);
        }
        if (flag(csv_cell(&t, r, c_form))) rc |= add_class(s, SET_FORM, code, path);
        if (flag(csv_cell(&t, r, c_rhythm))) rc |= add_class(s, SET_RHYTHM, code, path);
    }
    for (int k = 0; k < N_PTBXL_SETS && rc == 0; k++)
        qsort(s->class_name[k], (size_t)s->n_classes[k], SCAR_NAME_LEN, cmp_name);
    if (rc == 0) {
        p->n_statements = t.n_rows;
        p->statements = xcalloc((size_t)(t.n_rows ? t.n_rows : 1), sizeof *p->statements);
        for (int r = 0; r < t.n_rows; r++) {
            Statement *st = &p->statements[r];
            snprintf(st->code, sizeof st->code, "%s", csv_cell(&t, r, c_code));
            int diag = flag(csv_cell(&t, r, c_diag));
            st->cls[SET_SUPER] = diag ? find_class(s, SET_SUPER, csv_cell(&t, r, c_class)) : -1;
            st->cls[SET_SUB] = diag ? find_class(s, SET_SUB, csv_cell(&t, r, c_sub)) : -1;
            st->cls[SET_FORM] = flag(csv_cell(&t, r, c_form)) ? find_class(s, SET_FORM, st->code) : -1;
            st->cls[SET_RHYTHM] = flag(csv_cell(&t, r, c_rhythm)) ? find_class(s, SET_RHYTHM, st->code) : -1;
        }
    }
    csv_free(&t);
    return rc;
}

static const Statement *find_statement(const Ptbxl *p, const char *code) {
    for (int i = 0; i < p->n_statements; i++)
        if (!strcmp(p->statements[i].code, code)) return &p->statements[i];
    return NULL;
}

/* A whole number in a CSV cell written by pandas ("56.0", "3"); -1 when empty or not a number. */
static int cell_int(const char *s) {
    if (!s[0]) return -1;
    char *end;
    double v = strtod(s, &end);
    if (*end || !(v >= 0 && v < 1e9)) return -2;
    return (int)v;
}

static int ptbxl_load(const Dataset *d, int i, EcgRecord *out, char *warn, size_t cap) {
    const Ptbxl *p = d->impl;
    const CsvTable *t = &p->db;
    const char *id = csv_cell(t, i, p->c_id);
    char what[600];
    snprintf(what, sizeof what, "%s: line %d (ecg_id %s)", t->what, t->line[i], id);

    ScpCode codes[SCP_MAX_CODES];
    int nc = scp_codes_parse(csv_cell(t, i, p->c_codes), codes, SCP_MAX_CODES, what);
    if (nc < 0) return -1;
    int fold = cell_int(csv_cell(t, i, p->c_fold));
    if (fold < 1 || fold > 10) return scar_fail("%s: strat_fold '%s' is not 1..10", what, csv_cell(t, i, p->c_fold));
    const char *sex = csv_cell(t, i, p->c_sex);
    if (strcmp(sex, "0") && strcmp(sex, "1") && strcmp(sex, "0.0") && strcmp(sex, "1.0") && sex[0])
        return scar_fail("%s: sex '%s' is not 0 (male) or 1 (female)", what, sex);
    int age = cell_int(csv_cell(t, i, p->c_age));
    if (age < -1) return scar_fail("%s: age '%s' is not a number", what, csv_cell(t, i, p->c_age));

    /* the waveform: the preferred rate's file, else the other one */
    int low = p->prefer_rate > 0 && p->prefer_rate <= 100;
    const char *first = csv_cell(t, i, low ? p->c_lr : p->c_hr);
    const char *second = csv_cell(t, i, low ? p->c_hr : p->c_lr);
    char *path = NULL;
    const char *cand[2] = {first, second};
    for (int k = 0; k < 2 && !path; k++) {
        if (!cand[k][0]) continue;
        char *base = path_cat(d->src, cand[k]);
        char *hea = xmalloc(strlen(base) + 5);
        sprintf(hea, "%s.hea", base);
        if (file_exists(hea)) path = base;
        else free(base);
        free(hea);
    }
    if (!path) return scar_fail("%s: no waveform: neither %s nor %s exists under %s", what, first, second, d->src);
    int rc = load_wfdb_ecg(d, path, out, NULL, warn, cap);
    free(path);
    if (rc < 0) return -1;

    snprintf(out->id, sizeof out->id, "%s", id);
    out->age = age < 0 ? -1 : age > 89 ? 90 : age;
    out->sex = !sex[0] ? SEX_UNKNOWN : sex[0] == '0' ? SEX_MALE : SEX_FEMALE;
    out->fold = fold;
    out->split = split_from_fold(fold);
    record_set_report(out, csv_cell(t, i, p->c_report));
    for (int k = 0; k < nc; k++) {
        const Statement *st = find_statement(p, codes[k].code);
        if (!st) {
            record_free(out);
            return scar_fail("%s: scp_codes names '%s', which scp_statements.csv does not define", what, codes[k].code);
        }
        for (int s = 0; s < N_PTBXL_SETS; s++)
            if (st->cls[s] >= 0) label_set(&out->labels[s], st->cls[s]);
    }
    return rc;
}

static const DatasetOps PTBXL_OPS = {ptbxl_load, ptbxl_free};

int ds_ptbxl_open(Dataset *d) {
    Ptbxl *p = xcalloc(1, sizeof *p);
    d->impl = p;
    d->ops = &PTBXL_OPS;
    p->prefer_rate = d->opt.prefer_rate;
    char *stmts = d->opt.statements ? xstrdup(d->opt.statements) : path_cat(d->src, "scp_statements.csv");
    char *db = d->opt.csv ? xstrdup(d->opt.csv) : path_cat(d->src, "ptbxl_database.csv");
    int rc = read_statements(d, p, stmts);
    const char *keep[] = {"ecg_id", "patient_id", "age", "sex", "report", "scp_codes", "strat_fold",
                          "filename_lr", "filename_hr", NULL};
    if (rc == 0) rc = csv_read(db, keep, &p->db);
    if (rc == 0) {
        int *cols[] = {&p->c_id, &p->c_patient, &p->c_age, &p->c_sex, &p->c_report, &p->c_codes, &p->c_fold,
                       &p->c_lr, &p->c_hr};
        for (int k = 0; k < 9 && rc == 0; k++) {
            *cols[k] = csv_column(&p->db, keep[k]);
            if (*cols[k] < 0) rc = scar_fail("%s: no column '%s': not a PTB-XL database file", db, keep[k]);
        }
    }
    for (int r = 0; rc == 0 && r < p->db.n_rows; r++) {
        char name[128];
        snprintf(name, sizeof name, "ecg_id %s", csv_cell(&p->db, r, p->c_id));
        ds_add(d, name, NULL);
    }
    free(stmts);
    free(db);
    return rc;
}
