/* WFDB writer: write -> read gives back the same digital samples exactly, with checksums and
 * initial values that match; the 212 encoder reproduces MIT-BIH's own file byte for byte. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/ecg_map.h"
#include "data/wfdb_header.h"
#include "data/wfdb_read.h"
#include "data/wfdb_write.h"
#include "testutil.h"

static int count_files(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void assert_same_samples(const WfdbRecord *a, const WfdbRecord *b) {
    assert_int_equal(a->n_signals, b->n_signals);
    assert_int_equal(a->n_frames, b->n_frames);
    assert_true(a->fs == b->fs);
    for (int j = 0; j < a->n_signals; j++) {
        assert_string_equal(a->signals[j].name, b->signals[j].name);
        assert_int_equal(a->signals[j].n, b->signals[j].n);
        assert_true(a->signals[j].gain == b->signals[j].gain);
        assert_int_equal(a->signals[j].baseline, b->signals[j].baseline);
        assert_memory_equal(a->signals[j].digital, b->signals[j].digital, (size_t)a->signals[j].n * sizeof(int32_t));
    }
}

/* Read a fixture, write it in `format`, read it back. */
static void round_trip(const char *rel, int format) {
    char *dir = tmpdir_make();
    WfdbRecord a, b;
    if (wfdb_read(path_join(fixtures_dir(), rel), &a) != 0) fail_msg("%s", scar_last_error());
    if (wfdb_write(dir, "copy", &a, format) != 0) fail_msg("%s: %s", rel, scar_last_error());
    if (wfdb_read(path_join(dir, "copy"), &b) != 0) fail_msg("%s", scar_last_error());
    assert_same_samples(&a, &b);
    assert_true(wfdb_record_checks_ok(&b));
    for (int j = 0; j < b.n_signals; j++) {
        assert_int_equal(b.signals[j].checksum, WFDB_CHECK_OK);
        assert_int_equal(b.signals[j].format, format);
        /* the checksum written is the original header's, modulo 2^16 (PTB-XL writes it unsigned) */
        if (a.header.signals && a.header.signals[j].has_checksum)
            assert_int_equal((uint16_t)b.header.signals[j].checksum, (uint16_t)a.header.signals[j].checksum);
    }
    assert_string_equal(a.header.comments ? a.header.comments : "", b.header.comments ? b.header.comments : "");
    wfdb_record_free(&a);
    wfdb_record_free(&b);
    tmpdir_remove(dir);
}

static void fixtures_round_trip_in_16(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    round_trip("ptbxl/records100/00000/00001_lr", 16);
    round_trip("cinc2020/A0001", 16);            /* from a .mat */
    round_trip("ptb/s0010_re", 16);              /* two files become one */
    round_trip("wfdb/multi-segment/041s/041s", 16); /* multi-segment, 4 samples per frame */
    round_trip("ludb/3", 16);
}

static void fixtures_round_trip_in_212(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    round_trip("wfdb/100", 212);
    round_trip("wfdb/multi-segment/041s/041s01", 212);
    round_trip("wfdb/binformats", 32); /* 8- to 32-bit samples together need 32 */
}

/* The MIT-BIH file is plain 212 with nothing else in it: our encoding must equal it. */
static void encoder_matches_mitbih_bytes(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    char *dir = tmpdir_make();
    WfdbRecord a;
    assert_int_equal(wfdb_read(path_join(fixtures_dir(), "wfdb/100"), &a), 0);
    assert_int_equal(wfdb_write(dir, "100", &a, 212), 0);
    size_t n1, n2;
    char *orig = read_file_all(path_join(fixtures_dir(), "wfdb/100.dat"), &n1);
    char *mine = read_file_all(path_join(dir, "100.dat"), &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(orig, mine, n1);
    free(orig);
    free(mine);
    wfdb_record_free(&a);
    tmpdir_remove(dir);
}

static void out_of_range_is_refused_and_writes_nothing(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    char *dir = tmpdir_make();
    WfdbRecord a;
    assert_int_equal(wfdb_read(path_join(fixtures_dir(), "wfdb/binformats"), &a), 0);
    assert_int_equal(wfdb_write(dir, "bad", &a, 16), -1);
    assert_non_null(strstr(scar_last_error(), "outside format 16's range"));
    assert_non_null(strstr(scar_last_error(), "sig 8, fmt 24"));
    assert_int_equal(count_files(dir), 0);
    assert_int_equal(wfdb_write(dir, "bad", &a, 8), -1); /* format 8 is read-only */
    assert_int_equal(count_files(dir), 0);
    wfdb_record_free(&a);
    tmpdir_remove(dir);
}

/* A canonical record out and back: values are the quantised millivolts, gaps stay gaps. */
static void canonical_record_round_trip(void **state) {
    (void)state;
    static const int formats[] = {16, 212};
    for (int f = 0; f < 2; f++) {
        char *dir = tmpdir_make();
        EcgRecord r;
        record_init(&r, 500, 250);
        r.lead_available = (1u << LEAD_I) | (1u << LEAD_AVL) | (1u << LEAD_V4);
        for (int l = 0; l < N_LEADS; l++)
            if (r.lead_available >> l & 1)
                for (int i = 0; i < 250; i++) {
                    r.signal[l * 250 + i] = (float)(sin(0.05 * i + l) * 1.5);
                    r.valid[l * 250 + i] = 1;
                }
        r.valid[LEAD_AVL * 250 + 100] = 0;
        r.signal[LEAD_AVL * 250 + 100] = 0;
        r.age = 56;
        r.sex = SEX_FEMALE;
        free(r.report);
        r.report = strdup("sinus rhythm.\nnormal ecg, Ä");
        assert_int_equal(wfdb_write_ecg(dir, "e", &r, formats[f], 0), 0);
        WfdbRecord w;
        assert_int_equal(wfdb_read(path_join(dir, "e"), &w), 0);
        assert_true(wfdb_record_checks_ok(&w));
        assert_int_equal(w.n_signals, 3);
        double gain = formats[f] == 16 ? 1000 : 200;
        assert_true(w.signals[0].gain == gain);
        EcgRecord back;
        EcgMapOptions o = ECG_MAP_DEFAULTS;
        assert_int_equal(wfdb_to_ecg(&w, &o, &back), 0);
        assert_int_equal(back.lead_available, r.lead_available);
        assert_true(back.rate_hz == 500);
        for (int l = 0; l < N_LEADS; l++)
            for (int i = 0; i < 250; i++) {
                size_t k = (size_t)l * 250 + (size_t)i;
                assert_int_equal(back.valid[k], r.valid[k]);
                float q = (float)(rint(r.signal[k] * gain) / gain);
                if (r.valid[k] && fabsf(back.signal[k] - q) > 1e-6f)
                    fail_msg("format %d lead %d sample %d: %g, quantised %g", formats[f], l, i, back.signal[k], q);
            }
        int age, sex;
        ecg_meta_from_comments(&w.header, &age, &sex);
        assert_int_equal(age, 56);
        assert_int_equal(sex, SEX_FEMALE);
        char rep[128];
        assert_int_equal(wfdb_comment_value(&w.header, "Report", rep, sizeof rep), 0);
        assert_string_equal(rep, "sinus rhythm. normal ecg, Ä");
        record_free(&back);
        wfdb_record_free(&w);
        record_free(&r);
        tmpdir_remove(dir);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixtures_round_trip_in_16),
        cmocka_unit_test(fixtures_round_trip_in_212),
        cmocka_unit_test(encoder_matches_mitbih_bytes),
        cmocka_unit_test(out_of_range_is_refused_and_writes_nothing),
        cmocka_unit_test(canonical_record_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
