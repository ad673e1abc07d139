/* `scar pack` and `scar info` as a user runs them: help that tells the truth, nonsense options
 * refused with exit status 2, bad datasets refused with a message naming the file and the problem
 * and exit status 1, bad records skipped with a named warning, and never a half-written pack. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static void expect(const char *out, const char *what) {
    if (!strstr(out, what)) fail_msg("expected '%s' in:\n%s", what, out);
}

static int entries(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void copy(const char *from, const char *to) {
    size_t n;
    char *b = read_file_all(from, &n);
    assert_non_null(b);
    assert_int_equal(write_file_all(to, b, n), 0);
    free(b);
}

static void help_and_option_errors(void **state) {
    (void)state;
    char *out;
    assert_int_equal(run_scar(&out, "pack --help"), 0);
    static const char *const mentioned[] = {"ptbxl", "cinc", "ludb", "mimic", "wfdb", "--rate", "--seconds",
                                            "--highpass", "--lowpass", "--notch", "--normalize", "--crop",
                                            "--accept-checksum-mismatch", "--csv", "--dx-map", "--threads",
                                            "format version 1"};
    for (size_t k = 0; k < sizeof mentioned / sizeof mentioned[0]; k++) expect(out, mentioned[k]);
    free(out);
    assert_int_equal(run_scar(&out, "info --help"), 0);
    expect(out, "--list");
    free(out);
    assert_int_equal(run_scar(&out, "--help"), 0);
    expect(out, "pack");
    expect(out, "info");
    free(out);

    static const struct {
        const char *args, *expect;
    } bad[] = {
        {"pack", "--from KIND is required"},
        {"pack --from ptbxl x", "-o FILE is required"},
        {"pack --from physionet x -o y", "--from is one of ptbxl, cinc, ludb, mimic, wfdb; not 'physionet'"},
        {"pack --from ptbxl -o y", "the SRC folder is missing"},
        {"pack --from ptbxl a b -o y", "one dataset at a time"},
        {"pack --from ptbxl x -o y --rate abc", "--rate needs a number"},
        {"pack --from ptbxl x -o y --rate -100", "--rate needs a number"},
        {"pack --from ptbxl x -o y --seconds 0", "--seconds needs a number"},
        {"pack --from ptbxl x -o y --rate 100 --lowpass 80", "low-pass 80 Hz is not below half the rate"},
        {"pack --from ptbxl x -o y --rate 3 --seconds 0.5", "whole number of samples"},
        {"pack --from ptbxl x -o y --normalize minmax", "--normalize is none or zscore"},
        {"pack --from ptbxl x -o y --crop middle", "--crop is start or center"},
        {"pack --from ptbxl x -o y --threads 0", "--threads needs a whole number"},
        {"pack --from ptbxl x -o y --bogus", "unknown option '--bogus'"},
        {"pack --from ptbxl x -o", "-o needs a value"},
        {"info", "which file or record?"},
        {"info a b", "one file or record at a time"},
        {"info x --list -1", "--list needs a whole number"},
        {"info x --verbose", "unknown option '--verbose'"},
        {"bench data --records 10", "--records needs a whole number"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int rc = run_scar(&out, "%s", bad[k].args);
        if (rc != 2) fail_msg("'%s' exited %d, not 2:\n%s", bad[k].args, rc, out);
        expect(out, bad[k].expect);
        free(out);
    }
}

static void pack_ptbxl_fixtures_and_describe(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    char *dir = tmpdir_make(), *out;
    const char *fx = fixtures_dir();
    int rc = run_scar(&out, "pack --from ptbxl %s/ptbxl --csv %s/ptbxl/ptbxl_database_fixture_rows.csv -o %s/x.pack", fx, fx, dir);
    if (rc != 0) fail_msg("exit %d:\n%s", rc, out);
    expect(out, "4 of 14 records packed");
    expect(out, "10 skipped");
    expect(out, "warning: skipped");
    expect(out, "(ecg_id 6005): no waveform"); /* each skipped record is named */
    free(out);
    rc = run_scar(&out, "info %s/x.pack --list 4", dir);
    assert_int_equal(rc, 0);
    expect(out, "records: 4 at 100 Hz, 1000 samples (10.00 s) each");
    expect(out, "label set super (5 classes): CD 0 HYP 0 MI 0 NORM 4 STTC 0");
    expect(out, "splits: train 3, validation 0, test 1"); /* folds 3, 4, 7 and 10 */
    expect(out, "\"sinusrhythmus periphere niederspannung\"");
    free(out);
    assert_int_equal(entries(dir), 1);

    rc = run_scar(&out, "info %s/cinc2021/HR06000.hea", fx);
    assert_int_equal(rc, 0);
    expect(out, "ok (23323/23323)");
    expect(out, "leads present: I II III aVR aVL aVF V1 V2 V3 V4 V5 V6 (12 of 12)");
    expect(out, "every checksum and initial value in the header matches");
    free(out);
    tmpdir_remove(dir);
}

/* A Challenge-layout folder with one good record and bad ones of every kind. */
static void bad_records_are_skipped_by_name(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    char *dir = tmpdir_make(), *out;
    char src[4096];
    snprintf(src, sizeof src, "%.4000s/cinc", dir);
    mkdir(src, 0755);
    const char *fx = fixtures_dir();
    char from[8192], to[8192];
    static const char *const names[] = {"A0002", "A0003", "A0004", "A0005", "A0006", "A0007"};
    for (int k = 0; k < 6; k++) {
        snprintf(from, sizeof from, "%s/cinc2020/%s.hea", fx, names[k]);
        snprintf(to, sizeof to, "%s/%s.hea", src, names[k]);
        copy(from, to);
        snprintf(from, sizeof from, "%s/cinc2020/%s.mat", fx, names[k]);
        snprintf(to, sizeof to, "%s/%s.mat", src, names[k]);
        copy(from, to);
    }
    /* A0003: truncated signal file */
    snprintf(to, sizeof to, "%s/A0003.mat", src);
    assert_int_equal(truncate(to, 50000), 0);
    /* A0004: absurd sample count; A0005: unknown format; A0006: a damaged sample; A0007: no .mat */
    snprintf(to, sizeof to, "%s/A0004.hea", src);
    char *h = read_file_all(to, NULL);
    char *p = strstr(h, " 5974 ");
    memcpy(p, " 9e99 ", 6);
    write_file_all(to, h, strlen(h));
    free(h);
    snprintf(to, sizeof to, "%s/A0005.hea", src);
    h = read_file_all(to, NULL);
    p = strstr(h, "16+24");
    memcpy(p, "17+24", 5);
    write_file_all(to, h, strlen(h));
    free(h);
    snprintf(to, sizeof to, "%s/A0006.mat", src);
    size_t n;
    char *m = read_file_all(to, &n);
    m[1000] ^= 0x55;
    write_file_all(to, m, n);
    free(m);
    snprintf(to, sizeof to, "%s/A0007.mat", src);
    remove(to);

    int rc = run_scar(&out, "pack --from cinc %s -o %s/c.pack", src, dir);
    if (rc != 0) fail_msg("exit %d:\n%s", rc, out);
    expect(out, "1 of 6 records packed");
    expect(out, "5 skipped");
    expect(out, "A0003.mat is truncated");
    expect(out, "A0004.hea: line 1: malformed sample count '9e99'");
    expect(out, "A0005.hea: line 2: unknown sample format 17");
    expect(out, "A0006.hea: signal 8 (V3): checksum -1737 in the header"); /* byte 1000: frame 40, signal 8 */
    expect(out, "the data do not match the header");
    expect(out, "A0007.mat: cannot open");
    free(out);
    /* the damaged record is kept when asked, and still named */
    rc = run_scar(&out, "pack --from cinc %s -o %s/c2.pack --accept-checksum-mismatch", src, dir);
    assert_int_equal(rc, 0);
    expect(out, "2 of 6 records packed");
    expect(out, "1 with warnings");
    expect(out, "kept: checksum mismatches accepted");
    free(out);

    /* scar info on the damaged record: the mismatch, and exit status 1 */
    rc = run_scar(&out, "info %s/A0006", src);
    assert_int_equal(rc, 1);
    expect(out, "MISMATCH");
    free(out);
    rc = run_scar(&out, "info %s/A0003.hea", src);
    assert_int_equal(rc, 1);
    expect(out, "A0003.mat is truncated");
    free(out);
    tmpdir_remove(dir);
}

/* Broken datasets: nothing written, no temporary file left, exit status 1. */
static void broken_datasets_write_nothing(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    char *dir = tmpdir_make(), *out;
    const char *fx = fixtures_dir();
    char src[4200], path[4300];
    snprintf(src, sizeof src, "%s/ptbxl", dir);
    mkdir(src, 0755);
    snprintf(path, sizeof path, "%s/ptbxl/scp_statements.csv", fixtures_dir());
    char to[4300];
    snprintf(to, sizeof to, "%s/scp_statements.csv", src);
    copy(path, to);
    static const struct {
        const char *csv, *expect;
    } cases[] = {
        {"ecg_id,report\n1,\"unclosed\n", "ptbxl_database.csv: line 2: quoted field never closed"},
        {"ecg_id,report\n1,caf\xe9\n", "ptbxl_database.csv: line 2 (row 1), column 2: not valid UTF-8"},
        {"ecg_id,report\n1,a,b\n", "ptbxl_database.csv: line 2 (row 1) has 3 fields, the header has 2"},
        {"ecg_id,report\n1,x\n", "ptbxl_database.csv: no column 'patient_id'"},
    };
    snprintf(to, sizeof to, "%s/ptbxl_database.csv", src);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        write_file_all(to, cases[k].csv, strlen(cases[k].csv));
        int rc = run_scar(&out, "pack --from ptbxl %s -o %s/out.pack", src, dir);
        if (rc != 1) fail_msg("case %zu exited %d:\n%s", k, rc, out);
        expect(out, cases[k].expect);
        free(out);
        assert_int_equal(entries(dir), 1); /* only the source folder: no pack, no temporary */
    }
    /* every row bad: a nonsense scp_codes cell is named with its line; no pack */
    const char *rows = "ecg_id,patient_id,age,sex,report,scp_codes,strat_fold,filename_lr,filename_hr\n"
                       "1,2.0,50.0,0,x,\"{'NORM': lots}\",3,records100/00000/00001_lr,records500/00000/00001_hr\n";
    write_file_all(to, rows, strlen(rows));
    int rc = run_scar(&out, "pack --from ptbxl %s -o %s/out.pack", src, dir);
    assert_int_equal(rc, 1);
    expect(out, "line 2 (ecg_id 1): scp_codes '{'NORM': lots}': the likelihood of 'NORM' is not a number");
    expect(out, "no record could be packed (1 of 1 skipped); nothing was written");
    free(out);
    assert_int_equal(entries(dir), 1);

    rc = run_scar(&out, "pack --from ludb %s/no/such/folder -o %s/out.pack", dir, dir);
    assert_int_equal(rc, 1);
    expect(out, "no/such/folder: no such folder");
    free(out);
    rc = run_scar(&out, "pack --from wfdb %s/ludb -o %s/no/such/dir/out.pack", fx, dir);
    assert_int_equal(rc, 1);
    expect(out, "no/such/dir/out.pack: cannot create");
    free(out);
    assert_int_equal(entries(dir), 1);

    /* scar info on things that are not packs or records */
    rc = run_scar(&out, "info %s/nothing.hea", dir);
    assert_int_equal(rc, 1);
    expect(out, "nothing.hea: cannot open");
    free(out);
    snprintf(path, sizeof path, "%s/junk.pack", dir);
    write_file_all(path, "SCARPACK but not really", 23);
    rc = run_scar(&out, "info %s", path);
    assert_int_equal(rc, 1);
    expect(out, "junk.pack: not a scar pack");
    free(out);
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    write_file_all(path, "hello", 5);
    rc = run_scar(&out, "info %s", path);
    assert_int_equal(rc, 1);
    expect(out, "neither a pack nor a WFDB header");
    free(out);
    tmpdir_remove(dir);
}

/* The benchmark runs end to end on a small input and prints its figures beside the targets. */
static void data_benchmark_prints_figures(void **state) {
    (void)state;
    char *out;
    int rc = run_scar(&out, "bench data --records 256 --draws 3");
    if (rc != 0) fail_msg("exit %d:\n%s", rc, out);
    expect(out, "records/s");
    expect(out, "target: at least 1000 records/s on 2 cores");
    expect(out, "shuffled records");
    expect(out, "target: under 5 ms");
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_and_option_errors),
        cmocka_unit_test(pack_ptbxl_fixtures_and_describe),
        cmocka_unit_test(bad_records_are_skipped_by_name),
        cmocka_unit_test(broken_datasets_write_nothing),
        cmocka_unit_test(data_benchmark_prints_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
