/* Every real record in the fixtures decodes with every checksum and initial value in its header
 * matching: the header's numbers are the reference, not this program's output. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "data/ecg_map.h"
#include "data/wfdb_read.h"
#include "testutil.h"

static const char *const RECORDS[] = {
    "wfdb/binformats", "wfdb/100", "wfdb/test01_00s", "wfdb/multi-segment/041s/041s",
    "wfdb/multi-segment/041s/041s01", "wfdb/multi-segment/041s/041s02", "ptb/s0010_re",
    "ptbxl/records100/00000/00001_lr", "ptbxl/records500/00000/00005_hr", "ptbxl/records500/00000/00666_hr",
    "ptbxl/records500/10000/10029_hr", "ludb/1", "ludb/2", "ludb/3", "ludb/4", "ludb/5",
    "cinc2020/A0001", "cinc2020/A0002", "cinc2020/A0003", "cinc2020/A0004", "cinc2020/A0005",
    "cinc2020/A0006", "cinc2020/A0007", "cinc2020/A0008", "cinc2020/A0009", "cinc2020/A0010",
    "cinc2021/E07500", "cinc2021/HR06000", "cinc2021/JS20000",
};
#define N_RECORDS (sizeof RECORDS / sizeof RECORDS[0])

static void read_fixture(const char *rel, WfdbRecord *r) {
    const char *path = path_join(fixtures_dir(), rel);
    if (wfdb_read(path, r) != 0) fail_msg("%s: %s", rel, scar_last_error());
}

static void every_fixture_matches_its_checksums(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    int signals = 0;
    for (size_t i = 0; i < N_RECORDS; i++) {
        WfdbRecord r;
        read_fixture(RECORDS[i], &r);
        assert_true(r.n_signals > 0);
        for (int j = 0; j < r.n_signals; j++) {
            const WfdbSignal *s = &r.signals[j];
            if (s->checksum != WFDB_CHECK_OK || s->init != WFDB_CHECK_OK)
                fail_msg("%s signal %d (%s): checksum %d (header %d, data %d), initial value %d (header %d, data %d)",
                         RECORDS[i], j, s->name, s->checksum, s->checksum_expected, s->checksum_computed, s->init,
                         s->init_expected, s->init_actual);
            signals++;
        }
        assert_true(wfdb_record_checks_ok(&r));
        wfdb_record_free(&r);
    }
    /* 10 + 2 + 4 + 7 + 7 + 7 + 15 + 12*4 + 12*5 + 12*10 + 12*3 signals */
    assert_int_equal(signals, 316);
}

/* Every format of binformats.hea: one signal each, odd sample count (499). */
static void every_sample_format_decodes(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    WfdbRecord r;
    read_fixture("wfdb/binformats", &r);
    static const int formats[] = {8, 16, 61, 80, 160, 212, 310, 311, 24, 32};
    assert_int_equal(r.n_signals, 10);
    for (int j = 0; j < 10; j++) {
        assert_int_equal(r.signals[j].format, formats[j]);
        assert_int_equal(r.signals[j].n, 499);
        assert_int_equal(r.signals[j].checksum, WFDB_CHECK_OK);
    }
    /* the initial values written in the header, for the widest formats */
    assert_int_equal(r.signals[8].digital[0], -8388599);
    assert_int_equal(r.signals[9].digital[0], -2147483638);
    wfdb_record_free(&r);
}

/* MIT-BIH record 100: its first samples are -0.145 mV (MLII) and -0.065 mV (V5), the textbook
 * values (ADC 995 and 1011 around zero 1024 at 200 adu/mV); 30 min 33 s at 360 Hz. */
static void mitbih_100_values(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    WfdbRecord r;
    read_fixture("wfdb/100", &r);
    assert_int_equal(r.n_frames, 650000);
    assert_true(r.fs == 360);
    assert_string_equal(r.signals[0].name, "MLII");
    assert_true(strstr(r.header.comments, "unnecessary comment") != NULL); /* the comment before the record line */
    assert_true(strstr(r.header.comments, "Aldomet, Inderal") != NULL);
    EcgRecord e;
    EcgMapOptions o = ECG_MAP_DEFAULTS;
    assert_int_equal(wfdb_to_ecg(&r, &o, &e), 0);
    assert_int_equal(e.lead_available, 1u << LEAD_V5); /* MLII is not one of the 12 standard leads */
    assert_float_equal(e.signal[(size_t)LEAD_V5 * (size_t)e.n_samples], -0.065f, 1e-6);
    assert_int_equal(e.n_samples, 650000);
    record_free(&e);
    wfdb_record_free(&r);
}

/* 041s: two segments of 1000 frames; I, III and V at 4 samples per frame (500 Hz). */
static void multi_segment_fixed_layout(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    WfdbRecord r, s1, s2;
    read_fixture("wfdb/multi-segment/041s/041s", &r);
    read_fixture("wfdb/multi-segment/041s/041s01", &s1);
    read_fixture("wfdb/multi-segment/041s/041s02", &s2);
    assert_int_equal(r.n_frames, 2000);
    assert_int_equal(r.n_signals, 7);
    assert_string_equal(r.signals[1].name, "I");
    assert_int_equal(r.signals[1].spf, 4);
    assert_int_equal(r.signals[1].n, 8000);
    assert_true(r.signals[1].rate == 500);
    for (int j = 0; j < 7; j++) {
        assert_int_equal(r.signals[j].n_segments_checked, 2);
        assert_memory_equal(r.signals[j].digital, s1.signals[j].digital, (size_t)s1.signals[j].n * 4);
        assert_memory_equal(r.signals[j].digital + s1.signals[j].n, s2.signals[j].digital, (size_t)s2.signals[j].n * 4);
    }
    /* the second segment starts with the initial values its own header states */
    assert_int_equal(r.signals[0].digital[4000], -103);
    assert_int_equal(r.signals[3].digital[1000], -715);
    EcgRecord e;
    EcgMapOptions o = ECG_MAP_DEFAULTS;
    assert_int_equal(wfdb_to_ecg(&r, &o, &e), 0);
    assert_int_equal(e.lead_available, (1u << LEAD_I) | (1u << LEAD_III));
    assert_true(e.rate_hz == 500);
    assert_int_equal(e.n_samples, 8000);
    /* gain 2000 adu per (default) mV, baseline = ADC zero 0 */
    assert_float_equal(e.signal[(size_t)LEAD_I * 8000], 2.0f / 2000.0f, 1e-7);
    record_free(&e);
    wfdb_record_free(&s2);
    wfdb_record_free(&s1);
    wfdb_record_free(&r);
}

/* Two signal files in one record: 12 leads in .dat, Frank leads in .xyz. */
static void two_signal_files(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    WfdbRecord r;
    read_fixture("ptb/s0010_re", &r);
    assert_int_equal(r.n_signals, 15);
    assert_string_equal(r.signals[12].file, "s0010_re.xyz");
    assert_string_equal(r.signals[12].name, "vx");
    assert_int_equal(r.signals[14].digital[0], -18);
    assert_true(strstr(r.header.comments, "Reason for admission: Myocardial infarction") != NULL);
    EcgRecord e;
    EcgMapOptions o = ECG_MAP_DEFAULTS;
    assert_int_equal(wfdb_to_ecg(&r, &o, &e), 0);
    assert_int_equal(e.lead_available, ALL_LEADS_MASK); /* lower-case names: i, ii, avr, v1, ... */
    assert_float_equal(e.signal[0], -489.0f / 2000.0f, 1e-7);
    int age, sex;
    ecg_meta_from_comments(&r.header, &age, &sex);
    assert_int_equal(age, 81);
    assert_int_equal(sex, SEX_FEMALE);
    record_free(&e);
    wfdb_record_free(&r);
}

/* Challenge .mat (16+24 and 16x1+24): the MATLAB preamble is skipped, leads in file order. */
static void challenge_mat_layout(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    WfdbRecord r;
    read_fixture("cinc2021/HR06000", &r);
    assert_int_equal(r.n_frames, 5000);
    assert_string_equal(r.signals[0].units, "mv"); /* lower-case units */
    EcgRecord e;
    EcgMapOptions o = ECG_MAP_DEFAULTS;
    assert_int_equal(wfdb_to_ecg(&r, &o, &e), 0);
    assert_int_equal(e.lead_available, ALL_LEADS_MASK);
    assert_float_equal(e.signal[(size_t)LEAD_V6 * 5000], 0.625f, 1e-6); /* initial value 625 at 1000/mV */
    record_free(&e);
    wfdb_record_free(&r);

    read_fixture("cinc2020/A0001", &r); /* a date before the time on the record line */
    assert_int_equal(r.n_frames, 7500);
    assert_string_equal(r.header.base_time, "11:39:16");
    assert_string_equal(r.header.base_date, "05-Feb-2020");
    wfdb_record_free(&r);
}

/* LUDB: per-lead gains and baselines, ADC resolution 0, lower-case lead names. */
static void ludb_gains_and_baselines(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    WfdbRecord r;
    read_fixture("ludb/1", &r);
    assert_true(r.signals[0].gain == 1716);
    assert_int_equal(r.signals[0].baseline, 6);
    assert_int_equal(r.signals[0].adc_res, 0);
    EcgRecord e;
    EcgMapOptions o = ECG_MAP_DEFAULTS;
    assert_int_equal(wfdb_to_ecg(&r, &o, &e), 0);
    assert_int_equal(e.lead_available, ALL_LEADS_MASK);
    /* lead i: initial value -120 at gain 1716 around baseline 6 */
    assert_float_equal(e.signal[0], (-120.0f - 6.0f) / 1716.0f, 1e-7);
    /* lead avf: initial 85, gain 698, baseline -1 */
    assert_float_equal(e.signal[(size_t)LEAD_AVF * 5000], 86.0f / 698.0f, 1e-6);
    record_free(&e);
    wfdb_record_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_fixture_matches_its_checksums),
        cmocka_unit_test(every_sample_format_decodes),
        cmocka_unit_test(mitbih_100_values),
        cmocka_unit_test(multi_segment_fixed_layout),
        cmocka_unit_test(two_signal_files),
        cmocka_unit_test(challenge_mat_layout),
        cmocka_unit_test(ludb_gains_and_baselines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
