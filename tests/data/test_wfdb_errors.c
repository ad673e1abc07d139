/* Bad records on disk: each read fails (or reports its mismatch) with a message naming the file
 * and the problem, never crashes, and never sizes an allocation from an unchecked count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/wfdb_read.h"
#include "testutil.h"

static void put(const char *dir, const char *name, const char *text) {
    assert_int_equal(write_file_all(path_join(dir, name), text, strlen(text)), 0);
}

static void put_samples(const char *dir, const char *name, int n) {
    int16_t s[64];
    for (int i = 0; i < n; i++) s[i] = (int16_t)i;
    assert_int_equal(write_file_all(path_join(dir, name), s, (size_t)n * 2), 0);
}

static void expect_read_error(const char *dir, const char *rec, const char *what1, const char *what2) {
    WfdbRecord r;
    int rc = wfdb_read(path_join(dir, rec), &r);
    if (rc == 0) {
        wfdb_record_free(&r);
        fail_msg("%s was read without error (expected '%s')", rec, what1);
    }
    const char *msg = scar_last_error();
    if (!strstr(msg, what1) || (what2 && !strstr(msg, what2)))
        fail_msg("expected '%s'%s%s in: %s", what1, what2 ? " and " : "", what2 ? what2 : "", msg);
}

static void truncated_signal_file(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    put(dir, "t.hea", "t 2 100 10\nt.dat 16 200 16 0 0 0 0 I\nt.dat 16 200 16 0 0 0 0 II\n");
    put_samples(dir, "t.dat", 19); /* one sample short of 10 frames of 2 */
    expect_read_error(dir, "t", "t.dat is truncated", "need 40");
    put_samples(dir, "t.dat", 0);
    expect_read_error(dir, "t", "truncated", NULL);
    tmpdir_remove(dir);
}

static void absurd_counts(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    put_samples(dir, "a.dat", 20);
    /* lengths whose byte counts overflow 64 bits, or that are far beyond the file */
    put(dir, "a.hea", "a 1 100 2305843009213693951\na.dat 16 200 16 0 0 0 0 I\n");
    expect_read_error(dir, "a", "more than this reader takes", NULL);
    put(dir, "a.hea", "a 1 100 1000000\na.dat 16x2000 200 16 0 0 0 0 I\n");
    expect_read_error(dir, "a", "more than this reader takes", NULL);
    put(dir, "a.hea", "a 1 100 100000000\na.dat 16 200 16 0 0 0 0 I\n");
    expect_read_error(dir, "a", "a.dat is truncated", NULL);
    put(dir, "a.hea", "a 1 100 10\na.dat 16+9223372036854775807 200 16 0 0 0 0 I\n");
    expect_read_error(dir, "a", "malformed format field", NULL);
    put(dir, "a.hea", "a 1 100 10\na.dat 16+1000000 200 16 0 0 0 0 I\n");
    expect_read_error(dir, "a", "truncated", NULL);
    put(dir, "a.hea", "a 1 100 5\na.dat 16:999999999 200 16 0 0 0 0 I\n"); /* skewed past the end: no samples */
    WfdbRecord r;
    assert_int_equal(wfdb_read(path_join(dir, "a"), &r), 0);
    assert_int_equal(r.signals[0].digital[4], WFDB_NO_SAMPLE);
    wfdb_record_free(&r);
    tmpdir_remove(dir);
}

static void missing_files(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    expect_read_error(dir, "nothing", "nothing.hea: cannot open", NULL);
    put(dir, "m.hea", "m 1 100 10\nm_missing.dat 16 200 16 0 0 0 0 V1\n");
    expect_read_error(dir, "m", "m_missing.dat: cannot open", "signal 0 (V1)");
    put(dir, "ms.hea", "ms/2 1 100 20\nms_1 10\nms_2 10\n");
    expect_read_error(dir, "ms", "ms_1.hea: cannot open", "segment ms_1");
    tmpdir_remove(dir);
}

static void bad_multi_segment_records(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    put(dir, "self.hea", "self/1 1 100 10\nself 10\n");
    expect_read_error(dir, "self", "is itself a multi-segment record", NULL);
    put(dir, "f.hea", "f/2 1 100 20\nf_1 10\nf_2 10\n");
    put(dir, "f_1.hea", "f_1 1 100 10\nf_1.dat 16 200 16 0 0 45 0 I\n");
    put_samples(dir, "f_1.dat", 10);
    put(dir, "f_2.hea", "f_2 2 100 10\nf_2.dat 16 200 16 0 0 0 0 I\nf_2.dat 16 200 16 0 0 0 0 II\n");
    put_samples(dir, "f_2.dat", 20);
    expect_read_error(dir, "f", "segment f_2 has 2 signals but the fixed layout has 1", NULL);
    put(dir, "f_2.hea", "f_2 1 100 9\nf_2.dat 16 200 16 0 0 0 0 I\n");
    expect_read_error(dir, "f", "segment f_2 has 9 samples but the record lists it with 10", NULL);
    put(dir, "n.hea", "n/2 1 100 20\n~ 10\n~ 10\n");
    expect_read_error(dir, "n", "every segment is a null segment", NULL);
    tmpdir_remove(dir);
}

/* A Challenge .mat whose MATLAB preamble disagrees with its header. */
static void mat_preamble_mismatch(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    uint8_t buf[24 + 2 * 2 * 3];
    int32_t pre[5] = {30, 2, 4, 0, 4}; /* int16, 2 rows, 4 columns */
    memcpy(buf, pre, sizeof pre);
    memcpy(buf + 20, "val", 4);
    memset(buf + 24, 0, sizeof buf - 24);
    assert_int_equal(write_file_all(path_join(dir, "x.mat"), buf, sizeof buf), 0);
    put(dir, "x.hea", "x 2 500 3\nx.mat 16+24 1000/mV 16 0 0 0 0 I\nx.mat 16+24 1000/mV 16 0 0 0 0 II\n");
    expect_read_error(dir, "x", "x.mat: the MATLAB matrix is 2 x 4", "2 signals x 3 samples");
    tmpdir_remove(dir);
}

/* A damaged byte: the record is read, and the mismatch is in the result for callers to act on. */
static void checksum_mismatch_is_reported(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    char *dir = tmpdir_make();
    size_t n;
    char *hea = read_file_all(path_join(fixtures_dir(), "ptbxl/records100/00000/00001_lr.hea"), NULL);
    char *dat = read_file_all(path_join(fixtures_dir(), "ptbxl/records100/00000/00001_lr.dat"), &n);
    dat[2 * 12 * 500 + 2 * 3] ^= 0x10; /* lead AVR (signal 3), frame 500 */
    assert_int_equal(write_file_all(path_join(dir, "00001_lr.hea"), hea, strlen(hea)), 0);
    assert_int_equal(write_file_all(path_join(dir, "00001_lr.dat"), dat, n), 0);
    WfdbRecord r;
    assert_int_equal(wfdb_read(path_join(dir, "00001_lr"), &r), 0);
    assert_false(wfdb_record_checks_ok(&r));
    for (int j = 0; j < 12; j++) assert_int_equal(r.signals[j].checksum, j == 3 ? WFDB_CHECK_MISMATCH : WFDB_CHECK_OK);
    char msg[256];
    wfdb_record_check_message(&r, msg, sizeof msg);
    assert_non_null(strstr(msg, "signal 3 (AVR): checksum 64423 in the header"));
    wfdb_record_free(&r);

    /* a wrong initial value in the header is reported the same way */
    char *p = strstr(hea, " 86 64423");
    memcpy(p, " 87", 3);
    assert_int_equal(write_file_all(path_join(dir, "00001_lr.hea"), hea, strlen(hea)), 0);
    assert_int_equal(wfdb_read(path_join(dir, "00001_lr"), &r), 0);
    assert_int_equal(r.signals[3].init, WFDB_CHECK_MISMATCH);
    assert_int_equal(r.signals[3].init_expected, 87);
    assert_int_equal(r.signals[3].init_actual, 86);
    wfdb_record_free(&r);
    free(hea);
    free(dat);
    tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(truncated_signal_file),
        cmocka_unit_test(absurd_counts),
        cmocka_unit_test(missing_files),
        cmocka_unit_test(bad_multi_segment_records),
        cmocka_unit_test(mat_preamble_mismatch),
        cmocka_unit_test(checksum_mismatch_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
