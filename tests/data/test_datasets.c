/* Dataset adapters on the real fixtures (and on small folders written here in the real layouts):
 * labels, reports, metadata and splits of known records, facts read off the CSV files and headers
 * themselves; broken rows are errors that name the file, line and problem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "data/dataset.h"
#include "data/pack.h"
#include "data/pack_build.h"
#include "data/wfdb_write.h"
#include "testutil.h"

static const char *fx(const char *rel) { return path_join(fixtures_dir(), rel); }

static int has_class(const Dataset *d, const EcgRecord *r, int set, const char *name) {
    const LabelSchema *s = dataset_schema(d);
    for (int c = 0; c < s->n_classes[set]; c++)
        if (!strcmp(s->class_name[set][c], name)) return label_has(&r->labels[set], c);
    fail_msg("class %s not in set %d", name, set);
    return 0;
}

static int count_labels(const EcgRecord *r, int set) {
    int n = 0;
    for (int c = 0; c < SCAR_MAX_CLASSES; c++) n += label_has(&r->labels[set], c);
    return n;
}

static int find(const Dataset *d, const char *name) {
    for (int i = 0; i < dataset_count(d); i++)
        if (!strcmp(dataset_record_name(d, i), name)) return i;
    fail_msg("no record %s", name);
    return -1;
}

static void load(const Dataset *d, int i, EcgRecord *r) {
    char warn[512];
    if (dataset_load(d, i, r, warn, sizeof warn) < 0) fail_msg("%s", scar_last_error());
}

static void copy_file(const char *from, const char *to) {
    size_t n;
    char *b = read_file_all(from, &n);
    assert_non_null(b);
    assert_int_equal(write_file_all(to, b, n), 0);
    free(b);
}

static void ptbxl_schema_and_record_1(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    DatasetOptions o = {.csv = fx("ptbxl/ptbxl_database_fixture_rows.csv"), .prefer_rate = 100, .map = ECG_MAP_DEFAULTS};
    Dataset *d = dataset_open("ptbxl", fx("ptbxl"), &o);
    if (!d) fail_msg("%s", scar_last_error());
    const LabelSchema *s = dataset_schema(d);
    assert_int_equal(s->n_sets, 4);
    assert_string_equal(s->set_name[0], "super");
    assert_string_equal(s->set_name[3], "rhythm");
    assert_int_equal(s->n_classes[0], 5);
    assert_int_equal(s->n_classes[1], 23);
    assert_int_equal(s->n_classes[2], 19);
    assert_int_equal(s->n_classes[3], 12);
    static const char *super[] = {"CD", "HYP", "MI", "NORM", "STTC"};
    for (int c = 0; c < 5; c++) assert_string_equal(s->class_name[0][c], super[c]);
    assert_int_equal(dataset_count(d), 14);

    /* ecg_id 1: {'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}, fold 3, 56 years, sex 1 (female), 100 Hz file */
    EcgRecord r;
    load(d, find(d, "ecg_id 1"), &r);
    assert_string_equal(r.id, "1");
    assert_true(has_class(d, &r, 0, "NORM"));
    assert_int_equal(count_labels(&r, 0), 1);
    assert_true(has_class(d, &r, 1, "NORM"));
    assert_true(has_class(d, &r, 2, "LVOLT")); /* likelihood 0 still counts */
    assert_int_equal(count_labels(&r, 2), 1);
    assert_true(has_class(d, &r, 3, "SR"));
    assert_string_equal(r.report, "sinusrhythmus periphere niederspannung");
    assert_int_equal(r.age, 56);
    assert_int_equal(r.sex, SEX_FEMALE);
    assert_int_equal(r.fold, 3);
    assert_int_equal(r.split, SPLIT_TRAIN);
    assert_true(r.rate_hz == 100);
    assert_int_equal(r.n_samples, 1000);
    assert_int_equal(r.lead_available, ALL_LEADS_MASK);
    assert_float_equal(r.signal[0], -0.119f, 1e-6); /* lead I's initial value, -119 at 1000/mV */
    record_free(&r);

    /* ecg_id 10029: fold 10 is the test split; only a 500 Hz file exists, read despite preferring 100 */
    load(d, find(d, "ecg_id 10029"), &r);
    assert_int_equal(r.split, SPLIT_TEST);
    assert_true(r.rate_hz == 500);
    assert_int_equal(r.sex, SEX_MALE);
    assert_string_equal(r.report, "sinus rhythm. normal ecg.");
    record_free(&r);

    /* ecg_id 6000 has no waveform here */
    char warn[256];
    assert_int_equal(dataset_load(d, find(d, "ecg_id 6000"), &r, warn, sizeof warn), -1);
    assert_non_null(strstr(scar_last_error(), "ptbxl_database_fixture_rows.csv: line 5 (ecg_id 6000): no waveform"));
    assert_non_null(strstr(scar_last_error(), "records100/06000/06000_lr"));
    dataset_close(d);
}

/* A PTB-XL folder made here: chosen rows of the real CSVs, each pointing at a copy of record 1's
 * waveform, and rows broken on purpose. */
static char *make_ptbxl(const char *const *extra_rows) {
    char *dir = tmpdir_make();
    char *head = read_file_all(fx("ptbxl/ptbxl_database_head.csv"), NULL);
    char *rows = read_file_all(fx("ptbxl/ptbxl_database_fixture_rows.csv"), NULL);
    size_t cap = 1 << 16, n = 0;
    char *csv = malloc(cap);
    char *nl = strchr(head, '\n');
    n += (size_t)snprintf(csv + n, cap - n, "%.*s\n", (int)(nl - head), head); /* the header */
    static const char *const pick[] = {"\n1,", "\n7,", "\n547,"};
    for (int k = 0; k < 3; k++) {
        const char *p = strstr(head, pick[k]) + 1, *e = strchr(p, '\n');
        n += (size_t)snprintf(csv + n, cap - n, "%.*s\n", (int)(e - p), p);
    }
    static const char *const pick2[] = {"\n6001,", "\n6002,", "\n6003,"};
    for (int k = 0; k < 3; k++) {
        const char *p = strstr(rows, pick2[k]) + 1, *e = strchr(p, '\n');
        n += (size_t)snprintf(csv + n, cap - n, "%.*s\n", (int)(e - p), p);
    }
    for (int k = 0; extra_rows && extra_rows[k]; k++) n += (size_t)snprintf(csv + n, cap - n, "%s\n", extra_rows[k]);
    assert_int_equal(write_file_all(path_join(dir, "ptbxl_database.csv"), csv, n), 0);
    copy_file(fx("ptbxl/scp_statements.csv"), path_join(dir, "scp_statements.csv"));
    /* every row's records100 file: a copy of record 1 (its header names 00001_lr.dat beside it) */
    static const char *const ids[] = {"00001", "00007", "00547", "06001", "06002", "06003", "09990", "09991",
                                      "09992", "09993", "09994"};
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/records100", dir);
    mkdir(sub, 0755);
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        char folder[4200], name[4300];
        snprintf(folder, sizeof folder, "%s/records100/%.2s000", dir, ids[k]);
        mkdir(folder, 0755);
        snprintf(name, sizeof name, "%s/%s_lr.hea", folder, ids[k]);
        copy_file(fx("ptbxl/records100/00000/00001_lr.hea"), name);
        snprintf(name, sizeof name, "%s/00001_lr.dat", folder);
        copy_file(fx("ptbxl/records100/00000/00001_lr.dat"), name);
    }
    free(csv);
    free(head);
    free(rows);
    return dir;
}

static void ptbxl_labels_reports_and_bad_rows(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    /* rows in the database's 28 columns: id, patient, age, sex, 4 empty, device, date, report,
     * scp_codes, 4 empty, 3 flags, 6 empty, fold, the two file names */
    char bad[5][512];
    const char *fmt = "%s,1.0,%s,0,,,,,AT-6,1991-04-14 13:50:38,report,\"%s\",,,,,False,False,True,,,,,,,%s,"
                      "records100/09000/%s_lr,records500/09000/%s_hr";
    snprintf(bad[0], 512, fmt, "9990", "300.0", "{'NORM': 100.0}", "5", "09990", "09990");
    snprintf(bad[1], 512, fmt, "9991", "50.0", "{'NORM': 100.0", "5", "09991", "09991");
    snprintf(bad[2], 512, fmt, "9992", "50.0", "{'XYZ': 100.0}", "5", "09992", "09992");
    snprintf(bad[3], 512, fmt, "9993", "50.0", "{'NORM': 100.0}", "11", "09993", "09993");
    snprintf(bad[4], 512, fmt, "9994", "50.0", "{'NORM': 100.0}", "4", "missing", "missing");
    const char *extra[] = {bad[0], bad[1], bad[2], bad[3], bad[4], NULL};
    char *dir = make_ptbxl(extra);
    Dataset *d = dataset_open("ptbxl", dir, &(DatasetOptions){.prefer_rate = 100, .map = ECG_MAP_DEFAULTS});
    if (!d) fail_msg("%s", scar_last_error());
    assert_int_equal(dataset_count(d), 11);
    EcgRecord r;
    /* German report, capital umlaut intact */
    load(d, find(d, "ecg_id 7"), &r);
    assert_string_equal(r.report,
                        "sinusrhythmus linkstyp t abnormal, wahrscheinlich    inferiorer myokardschaden qt-verlÄngerung");
    record_free(&r);
    /* {'CRBBB': 100.0, 'LPFB': 100.0, 'ALMI': 100.0, 'PVC': 100.0, 'AFIB': 0.0} */
    load(d, find(d, "ecg_id 547"), &r);
    assert_true(has_class(d, &r, 0, "CD") && has_class(d, &r, 0, "MI"));
    assert_int_equal(count_labels(&r, 0), 2);
    assert_true(has_class(d, &r, 1, "CRBBB") && has_class(d, &r, 1, "LAFB/LPFB") && has_class(d, &r, 1, "AMI"));
    assert_int_equal(count_labels(&r, 1), 3);
    assert_true(has_class(d, &r, 2, "PVC"));
    assert_int_equal(count_labels(&r, 2), 1);
    assert_true(has_class(d, &r, 3, "AFIB"));
    assert_non_null(strstr(r.report, "Ålder ej bestÄmmbar"));
    record_free(&r);
    /* {'NST_': 100.0, 'SR': 0.0}: NST_ is both diagnostic (STTC) and a form statement */
    load(d, find(d, "ecg_id 6001"), &r);
    assert_true(has_class(d, &r, 0, "STTC") && has_class(d, &r, 1, "NST_") && has_class(d, &r, 2, "NST_"));
    assert_true(has_class(d, &r, 3, "SR"));
    record_free(&r);
    /* {'NORM': 100.0, 'IRBBB': 100.0, 'SBRAD': 0.0}, the report with a comma and percent signs */
    load(d, find(d, "ecg_id 6002"), &r);
    assert_true(has_class(d, &r, 0, "NORM") && has_class(d, &r, 0, "CD"));
    assert_true(has_class(d, &r, 1, "IRBBB") && has_class(d, &r, 3, "SBRAD"));
    assert_int_equal(count_labels(&r, 2), 0);
    assert_non_null(strstr(r.report, "Edit: NORM 80, IRBBB 50, NORM 55,6%"));
    assert_int_equal(r.sex, SEX_MALE);
    assert_int_equal(r.fold, 4);
    record_free(&r);
    /* ages above 89 are 300 in PTB-XL */
    load(d, find(d, "ecg_id 9990"), &r);
    assert_int_equal(r.age, 90);
    record_free(&r);
    static const struct {
        const char *name, *expect;
    } broken[] = {
        {"ecg_id 9991", "line 9 (ecg_id 9991): scp_codes '{'NORM': 100.0': expected ',' or '}'"},
        {"ecg_id 9992", "line 10 (ecg_id 9992): scp_codes names 'XYZ', which scp_statements.csv does not define"},
        {"ecg_id 9993", "line 11 (ecg_id 9993): strat_fold '11' is not 1..10"},
        {"ecg_id 9994", "line 12 (ecg_id 9994): no waveform: neither records100/09000/missing_lr"},
    };
    for (int k = 0; k < 4; k++) {
        char warn[256];
        assert_int_equal(dataset_load(d, find(d, broken[k].name), &r, warn, sizeof warn), -1);
        if (!strstr(scar_last_error(), broken[k].expect) || !strstr(scar_last_error(), "ptbxl_database.csv"))
            fail_msg("expected '%s' in '%s'", broken[k].expect, scar_last_error());
    }
    dataset_close(d);

    /* a folder without scp_statements.csv, and a database that is not PTB-XL's */
    remove(path_join(dir, "scp_statements.csv"));
    assert_null(dataset_open("ptbxl", dir, NULL));
    assert_non_null(strstr(scar_last_error(), "scp_statements.csv: cannot open"));
    copy_file(fx("ptbxl/scp_statements.csv"), path_join(dir, "scp_statements.csv"));
    assert_int_equal(write_file_all(path_join(dir, "ptbxl_database.csv"), "a,b\n1,2\n", 8), 0);
    assert_null(dataset_open("ptbxl", dir, NULL));
    assert_non_null(strstr(scar_last_error(), "no column 'ecg_id'"));
    tmpdir_remove(dir);
}

static void cinc_labels_and_reports(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    Dataset *d = dataset_open("cinc", fx("cinc2020"), NULL);
    if (!d) fail_msg("%s", scar_last_error());
    assert_int_equal(dataset_count(d), 10);
    const LabelSchema *s = dataset_schema(d);
    assert_int_equal(s->n_classes[0], 26);
    assert_int_equal(s->n_classes[1], 9);
    assert_int_equal(s->n_sets, 3);
    assert_string_equal(s->set_name[2], "rhythm");
    assert_int_equal(s->n_classes[2], 8);
    EcgRecord r;
    load(d, 0, &r); /* A0001: #Dx: RBBB, 74, Male, 7500 samples at 500 Hz */
    assert_string_equal(r.id, "A0001");
    assert_true(has_class(d, &r, 0, "RBBB") && has_class(d, &r, 1, "RBBB"));
    assert_int_equal(count_labels(&r, 0) + count_labels(&r, 1), 2);
    assert_int_equal(count_labels(&r, 2), 0); /* no rhythm stated, none guessed */
    assert_string_equal(r.report, "right bundle branch block.");
    assert_int_equal(r.age, 74);
    assert_int_equal(r.sex, SEX_MALE);
    assert_int_equal(r.n_samples, 7500);
    assert_true(r.split >= SPLIT_TRAIN && r.split <= SPLIT_TEST);
    record_free(&r);
    load(d, 1, &r); /* A0002: Normal */
    assert_true(has_class(d, &r, 0, "NSR") && has_class(d, &r, 1, "NORM"));
    record_free(&r);
    load(d, 7, &r); /* A0008: STD is a CPSC class, not a scored one */
    assert_true(has_class(d, &r, 1, "STD"));
    assert_int_equal(count_labels(&r, 0), 0);
    assert_string_equal(r.report, "st depression.");
    record_free(&r);
    dataset_close(d);

    d = dataset_open("cinc", fx("cinc2021"), NULL); /* the dx_mapping CSVs beside the records name the rest */
    load(d, 2, &r); /* JS20000: 284470004 (PAC), 427084000 (STach), 698252002 (NSIVCB), 55930002 (unscored) */
    assert_true(has_class(d, &r, 0, "PAC") && has_class(d, &r, 0, "STach") && has_class(d, &r, 0, "NSIVCB"));
    assert_int_equal(count_labels(&r, 0), 3);
    assert_true(has_class(d, &r, 1, "PAC"));
    assert_true(has_class(d, &r, 2, "STach")); /* the rhythm set: PAC is an ectopic beat, not a rhythm */
    assert_int_equal(count_labels(&r, 2), 1);
    assert_string_equal(r.report, "premature atrial contraction. sinus tachycardia. nonspecific intraventricular "
                                  "conduction disorder. s t changes.");
    assert_int_equal(r.sex, SEX_FEMALE);
    record_free(&r);
    load(d, 1, &r); /* HR06000: 164934002 (TAb), 426783006 (NSR); units written "mv" */
    assert_true(has_class(d, &r, 0, "TAb") && has_class(d, &r, 0, "NSR") && has_class(d, &r, 1, "NORM"));
    record_free(&r);
    dataset_close(d);

    /* without the mapping files the unscored code has no name; a nonsense Dx entry is a warning */
    char *dir = tmpdir_make();
    copy_file(fx("cinc2021/E07500.mat"), path_join(dir, "E07500.mat"));
    char *hea = read_file_all(fx("cinc2021/E07500.hea"), NULL);
    assert_int_equal(write_file_all(path_join(dir, "E07500.hea"), hea, strlen(hea)), 0);
    char *p = strstr(hea, "# Dx: ");
    memcpy(p, "# Dx: X?", 8); /* "67741000119109" becomes "X?741000119109" */
    copy_file(fx("cinc2021/E07500.mat"), path_join(dir, "E07501.mat"));
    char *p2 = strstr(hea, "E07500.mat");
    while (p2) {
        p2[5] = '1';
        p2 = strstr(p2 + 1, "E07500.mat");
    }
    assert_int_equal(write_file_all(path_join(dir, "E07501.hea"), hea, strlen(hea)), 0);
    d = dataset_open("cinc", dir, NULL);
    load(d, 0, &r);
    assert_string_equal(r.report, "sinus bradycardia.");
    assert_true(has_class(d, &r, 0, "SB"));
    record_free(&r);
    char warn[512];
    assert_int_equal(dataset_load(d, 1, &r, warn, sizeof warn), 1);
    assert_non_null(strstr(warn, "E07501.hea: Dx entry 'X?741000119109' is neither a SNOMED CT code nor a known abbreviation"));
    assert_true(has_class(d, &r, 0, "SB")); /* the good entry still counts */
    record_free(&r);
    dataset_close(d);
    free(hea);
    tmpdir_remove(dir);
}

static void ludb_statements(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    Dataset *d = dataset_open("ludb", fx("ludb"), NULL);
    assert_int_equal(dataset_count(d), 5);
    EcgRecord r;
    load(d, 0, &r);
    assert_string_equal(r.id, "1");
    assert_int_equal(r.age, 51);
    assert_int_equal(r.sex, SEX_FEMALE);
    assert_true(strncmp(r.report, "Rhythm: Sinus bradycardia. Electric axis of the heart: left axis deviation.", 75) == 0);
    static const char *const one[] = {"SBRAD", "AXIS_LEFT", "LVH", "LVO", "NSRA"};
    for (int k = 0; k < 5; k++) assert_true(has_class(d, &r, 0, one[k]));
    assert_int_equal(count_labels(&r, 0), 5);
    record_free(&r);
    load(d, 3, &r); /* "Incomplete right bundle branch block", "Undefined ischemia/scar/supp.NSTEMI" */
    assert_true(has_class(d, &r, 0, "IRBBB"));
    assert_false(has_class(d, &r, 0, "CRBBB"));
    assert_true(has_class(d, &r, 0, "SCAR") && has_class(d, &r, 0, "ISCH"));
    assert_false(has_class(d, &r, 0, "STEMI"));
    assert_true(has_class(d, &r, 0, "SR"));
    record_free(&r);
    dataset_close(d);
}

/* MIMIC-IV-ECG's layout, written here: leads stored I, II, III, aVR, aVF, aVL, V1..V6. */
static void mimic_layout(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *rl = "subject_id,study_id,file_name,ecg_time,path\n"
                     "10000032,40689238,40689238,2180-07-23 08:44:00,files/p1000/p10000032/s40689238/40689238\n"
                     "10000032,44458630,44458630,2180-07-23 09:54:00,files/p1000/p10000032/s44458630/44458630\n"
                     "10000117,45090959,45090959,2181-03-04 17:14:00,files/p1000/p10000117/s45090959/45090959\n";
    assert_int_equal(write_file_all(path_join(dir, "record_list.csv"), rl, strlen(rl)), 0);
    char mm[4096];
    int o = snprintf(mm, sizeof mm, "subject_id,study_id,cart_id,ecg_time");
    for (int k = 0; k < 18; k++) o += snprintf(mm + o, sizeof mm - (size_t)o, ",report_%d", k);
    o += snprintf(mm + o, sizeof mm - (size_t)o, ",bandwidth,filtering,rr_interval\n");
    o += snprintf(mm + o, sizeof mm - (size_t)o,
                  "10000032,40689238,6848296,2180-07-23 08:44:00,Sinus rhythm,\"Possible right atrial abnormality, "
                  "borderline\",Borderline ECG.,,,,,,,,,,,,,,,,0.5-150 Hz,60 Hz notch Baseline filter,659\n");
    o += snprintf(mm + o, sizeof mm - (size_t)o,
                  "10000117,45090959,6848296,2181-03-04 17:14:00,Sinus tachycardia,,,,,,,,,,,,,,,,,,0.5-150 Hz,,500\n");
    assert_int_equal(write_file_all(path_join(dir, "machine_measurements.csv"), mm, (size_t)o), 0);
    static const char *const studies[] = {"p10000032/s40689238/40689238", "p10000032/s44458630/44458630"};
    static const char *const order[12] = {"I", "II", "III", "aVR", "aVF", "aVL", "V1", "V2", "V3", "V4", "V5", "V6"};
    for (int s = 0; s < 2; s++) {
        char folder[4200];
        snprintf(folder, sizeof folder, "%s/files", dir);
        mkdir(folder, 0755);
        snprintf(folder, sizeof folder, "%s/files/p1000", dir);
        mkdir(folder, 0755);
        snprintf(folder, sizeof folder, "%s/files/p1000/%.9s", dir, studies[s]);
        mkdir(folder, 0755);
        snprintf(folder, sizeof folder, "%s/files/p1000/%.19s", dir, studies[s]);
        mkdir(folder, 0755);
        const char *name = studies[s] + 20;
        char hea[2048];
        int h = snprintf(hea, sizeof hea, "%s 12 500 5000 08:44:00 23/07/2180\n", name);
        int16_t *samples = calloc(12 * 5000, sizeof *samples);
        for (int j = 0; j < 12; j++) {
            for (int t = 0; t < 5000; t++) samples[t * 12 + j] = (int16_t)(100 * (j + 1) + (t % 50));
            long sum = 0;
            for (int t = 0; t < 5000; t++) sum += samples[t * 12 + j];
            h += snprintf(hea + h, sizeof hea - (size_t)h, "%s.dat 16 200.0(0)/mV 16 0 %d %d 0 %s\n", name,
                          samples[j], (int)(int16_t)(uint16_t)sum, order[j]);
        }
        char path[4400];
        snprintf(path, sizeof path, "%s/%s.hea", folder, name);
        assert_int_equal(write_file_all(path, hea, (size_t)h), 0);
        snprintf(path, sizeof path, "%s/%s.dat", folder, name);
        assert_int_equal(write_file_all(path, samples, 12 * 5000 * 2), 0);
        free(samples);
    }
    Dataset *d = dataset_open("mimic", dir, NULL);
    if (!d) fail_msg("%s", scar_last_error());
    assert_int_equal(dataset_count(d), 3);
    assert_int_equal(dataset_schema(d)->n_sets, 0);
    EcgRecord a, b;
    load(d, 0, &a);
    assert_string_equal(a.id, "40689238");
    assert_string_equal(a.report, "Sinus rhythm. Possible right atrial abnormality, borderline. Borderline ECG.");
    /* the fifth stored signal is aVF: 500 adu = 2.5 mV at 200 adu/mV; the sixth, aVL, 3.0 mV */
    assert_float_equal(a.signal[(size_t)LEAD_AVF * 5000], 2.5f, 1e-6);
    assert_float_equal(a.signal[(size_t)LEAD_AVL * 5000], 3.0f, 1e-6);
    assert_float_equal(a.signal[(size_t)LEAD_V6 * 5000], 6.0f, 1e-6);
    load(d, 1, &b);
    assert_string_equal(b.report, ""); /* no machine_measurements row for this study */
    assert_int_equal(a.fold, b.fold);  /* one patient, one fold */
    assert_int_equal(a.split, b.split);
    record_free(&a);
    record_free(&b);
    char warn[256];
    assert_int_equal(dataset_load(d, 2, &a, warn, sizeof warn), -1); /* listed, but its files are missing */
    assert_non_null(strstr(scar_last_error(), "files/p1000/p10000117/s45090959/45090959.hea: cannot open"));
    dataset_close(d);

    remove(path_join(dir, "machine_measurements.csv"));
    assert_null(dataset_open("mimic", dir, NULL));
    assert_non_null(strstr(scar_last_error(), "machine_measurements.csv: cannot open"));
    tmpdir_remove(dir);
}

static void wfdb_folders_and_unknown_kinds(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    Dataset *d = dataset_open("wfdb", fx("wfdb"), NULL);
    if (!d) fail_msg("%s", scar_last_error());
    /* 041s01 and 041s02 are segments of 041s, read through it */
    assert_int_equal(dataset_count(d), 4);
    int multi = 0;
    for (int i = 0; i < dataset_count(d); i++) {
        assert_null(strstr(dataset_record_name(d, i), "041s0"));
        multi += strstr(dataset_record_name(d, i), "multi-segment/041s/041s") != NULL;
    }
    assert_int_equal(multi, 1);
    dataset_close(d);
    d = dataset_open("wfdb", fx("ptb/s0010_re.hea"), NULL);
    assert_int_equal(dataset_count(d), 1);
    EcgRecord r;
    load(d, 0, &r);
    assert_non_null(strstr(r.report, "Reason for admission: Myocardial infarction"));
    assert_int_equal(r.age, 81);
    record_free(&r);
    dataset_close(d);
    assert_null(dataset_open("physionet", fx("wfdb"), NULL));
    assert_non_null(strstr(scar_last_error(), "unknown dataset kind 'physionet'"));
    assert_null(dataset_open("ludb", "/nonexistent/ludb", NULL));
    assert_non_null(strstr(scar_last_error(), "/nonexistent/ludb: no such folder"));
}

/* The pack holds what the adapter loads, and does not depend on the thread count. */
static void pack_build_is_deterministic(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    char *dir = tmpdir_make();
    Dataset *d = dataset_open("cinc", fx("cinc2020"), NULL);
    PreprocessOptions pp = {.rate_hz = 100, .n_samples = 1000, .highpass_hz = 0.5f};
    PackBuildStats st;
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/a.pack", dir);
    snprintf(b, sizeof b, "%s/b.pack", dir);
    assert_int_equal(pack_build(d, &pp, "cinc", &(PackBuildOptions){.threads = 1}, a, &st), 0);
    assert_int_equal(st.packed, 10);
    assert_int_equal(pack_build(d, &pp, "cinc", &(PackBuildOptions){.threads = 2}, b, &st), 0);
    size_t na, nb;
    char *fa = read_file_all(a, &na), *fb = read_file_all(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(fa, fb, na);
    Pack *p = pack_open(a);
    EcgRecord v, r;
    pack_get(p, 0, &v);
    load(d, 0, &r);
    assert_string_equal(v.id, r.id);
    assert_string_equal(v.report, r.report);
    assert_memory_equal(v.labels, r.labels, sizeof r.labels);
    assert_int_equal(v.age, r.age);
    assert_int_equal(v.n_samples, 1000);
    record_free(&r);
    pack_close(p);
    free(fa);
    free(fb);
    dataset_close(d);
    tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ptbxl_schema_and_record_1),
        cmocka_unit_test(ptbxl_labels_reports_and_bad_rows),
        cmocka_unit_test(cinc_labels_and_reports),
        cmocka_unit_test(ludb_statements),
        cmocka_unit_test(mimic_layout),
        cmocka_unit_test(wfdb_folders_and_unknown_kinds),
        cmocka_unit_test(pack_build_is_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
