/* Sample formats against bytes worked out by hand from PhysioNet's signal(5), and the layout
 * features the fixtures do not cover (skew, byte offsets, samples per frame, variable-layout
 * multi-segment records with null segments), on small records written here. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "data/ecg_map.h"
#include "data/wfdb_format.h"
#include "data/wfdb_read.h"
#include "testutil.h"

static void hand_packed_bytes(void **state) {
    (void)state;
    int32_t out[3];
    /* 212: s0 = 0x001, s1 = 0xfff (-1): byte0 = low 8 of s0, byte1 = high nibbles (s1 << 4 | s0), byte2 = low 8 of s1 */
    const uint8_t b212[] = {0x01, 0xf0, 0xff};
    wfdb_decode(212, b212, 2, out);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], -1);
    /* 311: one 32-bit little-endian word = s0 | s1 << 10 | s2 << 20; (1, 2, 3) -> 0x00300801 */
    const uint8_t b311[] = {0x01, 0x08, 0x30, 0x00};
    wfdb_decode(311, b311, 3, out);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 2);
    assert_int_equal(out[2], 3);
    /* 310: word0 = s0 << 1 | (s2 & 31) << 11, word1 = s1 << 1 | (s2 >> 5) << 11; (1, 2, 3) -> 0x1802, 0x0004 */
    const uint8_t b310[] = {0x02, 0x18, 0x04, 0x00};
    wfdb_decode(310, b310, 3, out);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 2);
    assert_int_equal(out[2], 3);
    /* 310 negative: s2 = -1 (0x3ff): low 5 bits 31 in word0's top, high 5 bits 31 in word1's top */
    const uint8_t b310n[] = {0x00, 0xf8, 0x00, 0xf8};
    wfdb_decode(310, b310n, 3, out);
    assert_int_equal(out[2], -1);
    /* 61 is big-endian, 160 offset binary, 80 offset binary, 24 little-endian two's complement */
    const uint8_t b61[] = {0x12, 0x34};
    wfdb_decode(61, b61, 1, out);
    assert_int_equal(out[0], 0x1234);
    const uint8_t b160[] = {0x00, 0x80};
    wfdb_decode(160, b160, 1, out);
    assert_int_equal(out[0], 0);
    const uint8_t b80[] = {0x7f};
    wfdb_decode(80, b80, 1, out);
    assert_int_equal(out[0], -1);
    const uint8_t b24[] = {0xfe, 0xff, 0xff};
    wfdb_decode(24, b24, 1, out);
    assert_int_equal(out[0], -2);
}

static void byte_counts(void **state) {
    (void)state;
    size_t b;
    assert_int_equal(wfdb_format_bytes(212, 499, &b), 0);
    assert_int_equal(b, 749); /* the fixture's binformats.d5 */
    assert_int_equal(wfdb_format_bytes(310, 499, &b), 0);
    assert_int_equal(b, 666);
    assert_int_equal(wfdb_format_bytes(311, 499, &b), 0);
    assert_int_equal(b, 666);
    assert_int_equal(wfdb_format_bytes(310, 2, &b), 0);
    assert_int_equal(b, 4);
    assert_int_equal(wfdb_format_bytes(311, 2, &b), 0);
    assert_int_equal(b, 3);
    assert_int_equal(wfdb_format_samples_in(311, 3), 2);
    assert_int_equal(wfdb_format_samples_in(310, 3), 1);
    assert_int_not_equal(wfdb_format_bytes(32, SIZE_MAX / 2, &b), 0); /* overflow refused */
}

static void encode_decode_every_format(void **state) {
    (void)state;
    static const int formats[] = {8, 16, 24, 32, 61, 80, 160, 212, 310, 311};
    Rng rng;
    rng_seed(&rng, 3, 0);
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++)
        for (size_t n = 1; n <= 11; n++) {
            int32_t lo, hi, in[11], out[11];
            wfdb_format_range(formats[f], &lo, &hi);
            uint64_t span = (uint64_t)((int64_t)hi - (int64_t)lo + 1);
            for (size_t i = 0; i < n; i++) in[i] = (int32_t)((int64_t)lo + (int64_t)(rng_u64(&rng) % span));
            uint8_t bytes[64];
            size_t nb;
            assert_int_equal(wfdb_format_bytes(formats[f], n, &nb), 0);
            wfdb_encode(formats[f], in, n, bytes);
            wfdb_decode(formats[f], bytes, n, out);
            assert_memory_equal(in, out, n * sizeof *in);
            /* nb is the fewest bytes that hold n samples */
            assert_true(wfdb_format_samples_in(formats[f], nb) >= n);
            assert_true(wfdb_format_samples_in(formats[f], nb - 1) < n);
        }
}

static void write_text(const char *dir, const char *name, const char *text) {
    assert_int_equal(write_file_all(path_join(dir, name), text, strlen(text)), 0);
}

/* Signal B is skewed by one frame; both start after a 4-byte preamble. Frames in the file:
 * (10, junk) (11, 20) (12, 21) (junk, 22). */
static void skew_and_byte_offset(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const int16_t frames[] = {10, 99, 11, 20, 12, 21, 77, 22};
    uint8_t bytes[4 + sizeof frames] = {0xde, 0xad, 0xbe, 0xef};
    memcpy(bytes + 4, frames, sizeof frames);
    assert_int_equal(write_file_all(path_join(dir, "sk.dat"), bytes, sizeof bytes), 0);
    write_text(dir, "sk.hea", "sk 2 100 3\nsk.dat 16+4 100/mV 16 0 10 33 0 A\nsk.dat 16:1+4 100/mV 16 0 20 63 0 B\n");
    WfdbRecord r;
    assert_int_equal(wfdb_read(path_join(dir, "sk"), &r), 0);
    const int32_t a[] = {10, 11, 12}, b[] = {20, 21, 22};
    assert_memory_equal(r.signals[0].digital, a, sizeof a);
    assert_memory_equal(r.signals[1].digital, b, sizeof b);
    assert_true(wfdb_record_checks_ok(&r));
    wfdb_record_free(&r);

    /* without the last frame, B's last sample is missing: reported as a checksum mismatch */
    assert_int_equal(write_file_all(path_join(dir, "sk.dat"), bytes, sizeof bytes - 4), 0);
    assert_int_equal(wfdb_read(path_join(dir, "sk"), &r), 0);
    assert_int_equal(r.signals[1].digital[2], WFDB_NO_SAMPLE);
    assert_int_equal(r.signals[1].checksum, WFDB_CHECK_MISMATCH);
    assert_int_equal(r.signals[0].checksum, WFDB_CHECK_OK);
    char msg[256];
    wfdb_record_check_message(&r, msg, sizeof msg);
    assert_non_null(strstr(msg, "signal 1 (B): checksum 63 in the header, 41 in the data"));
    wfdb_record_free(&r);
    tmpdir_remove(dir);
}

/* A at 3 samples per frame, B at 1: frame = A A A B. */
static void samples_per_frame(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const int16_t s[] = {1, 2, 3, 100, 4, 5, 6, 200};
    assert_int_equal(write_file_all(path_join(dir, "mf.dat"), s, sizeof s), 0);
    write_text(dir, "mf.hea", "mf 2 10 2\nmf.dat 16x3 1000/mV 16 0 1 21 0 V1\nmf.dat 16 1000/mV 16 0 100 300 0 V2\n");
    WfdbRecord r;
    assert_int_equal(wfdb_read(path_join(dir, "mf.hea"), &r), 0);
    const int32_t a[] = {1, 2, 3, 4, 5, 6}, b[] = {100, 200};
    assert_int_equal(r.signals[0].n, 6);
    assert_true(r.signals[0].rate == 30 && r.signals[1].rate == 10);
    assert_memory_equal(r.signals[0].digital, a, sizeof a);
    assert_memory_equal(r.signals[1].digital, b, sizeof b);
    assert_true(wfdb_record_checks_ok(&r));
    /* the canonical record runs at the fastest lead's rate; V2 is resampled up to it */
    EcgRecord e;
    EcgMapOptions o = {0};
    assert_int_equal(wfdb_to_ecg(&r, &o, &e), 0);
    assert_true(e.rate_hz == 30);
    assert_int_equal(e.n_samples, 6);
    assert_float_equal(e.signal[(size_t)LEAD_V1 * 6 + 5], 0.006f, 1e-7);
    assert_int_equal(e.lead_available, (1u << LEAD_V1) | (1u << LEAD_V2));
    record_free(&e);
    wfdb_record_free(&r);
    tmpdir_remove(dir);
}

/* Variable layout: a layout segment naming II (gain 100) and V1 (gain 200, baseline 5); segment 1
 * has II only; then a null segment; segment 2 has V1 and II, II at gain 50 (rescaled to 100). */
static void multi_segment_variable_layout(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    write_text(dir, "vl.hea", "vl/4 2 100 8\nvl_layout 0\nvl_1 3\n~ 2\nvl_2 3\n");
    write_text(dir, "vl_layout.hea", "vl_layout 2 100 0\n~ 0 100/mV 16 0 0 0 0 II\n~ 0 200(5)/mV 16 0 0 0 0 V1\n");
    write_text(dir, "vl_1.hea", "vl_1 1 100 3\nvl_1.dat 16 100/mV 16 0 1 6 0 II\n");
    const int16_t d1[] = {1, 2, 3};
    assert_int_equal(write_file_all(path_join(dir, "vl_1.dat"), d1, sizeof d1), 0);
    write_text(dir, "vl_2.hea", "vl_2 2 100 3\nvl_2.dat 16 200(5)/mV 16 0 5 75 0 V1\nvl_2.dat 16 50/mV 16 0 7 24 0 II\n");
    const int16_t d2[] = {5, 7, 25, 8, 45, 9};
    assert_int_equal(write_file_all(path_join(dir, "vl_2.dat"), d2, sizeof d2), 0);

    WfdbRecord r;
    if (wfdb_read(path_join(dir, "vl"), &r) != 0) fail_msg("%s", scar_last_error());
    assert_int_equal(r.n_frames, 8);
    assert_int_equal(r.n_signals, 2);
    const int32_t X = WFDB_NO_SAMPLE;
    const int32_t ii[] = {1, 2, 3, X, X, 14, 16, 18}, v1[] = {X, X, X, X, X, 5, 25, 45};
    assert_memory_equal(r.signals[0].digital, ii, sizeof ii);
    assert_memory_equal(r.signals[1].digital, v1, sizeof v1);
    assert_true(wfdb_record_checks_ok(&r));
    assert_int_equal(r.signals[0].n_segments_checked, 2);
    assert_int_equal(r.signals[1].n_segments_checked, 1);

    EcgRecord e;
    EcgMapOptions o = ECG_MAP_DEFAULTS;
    assert_int_equal(wfdb_to_ecg(&r, &o, &e), 0);
    const float *x = e.signal + (size_t)LEAD_II * 8;
    const uint8_t *v = e.valid + (size_t)LEAD_II * 8;
    assert_float_equal(x[0], 0.01f, 1e-7);
    assert_float_equal(x[7], 0.18f, 1e-7);
    assert_int_equal(v[3], 0);
    assert_int_equal(v[4], 0);
    assert_float_equal(x[3], 0.0f, 0);
    assert_float_equal(e.signal[(size_t)LEAD_V1 * 8 + 6], 0.1f, 1e-7);
    assert_int_equal(e.valid[(size_t)LEAD_V1 * 8 + 4], 0);
    assert_int_equal(e.lead_available, (1u << LEAD_II) | (1u << LEAD_V1));
    record_free(&e);
    wfdb_record_free(&r);
    tmpdir_remove(dir);
}

/* -32768 in format 16 is "no sample"; a long run of one value is a flat line. */
static void no_sample_and_flat_line(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    int16_t s[2 * 300];
    for (int i = 0; i < 300; i++) {
        s[2 * i] = (int16_t)(i % 7);      /* AVF: a changing signal */
        s[2 * i + 1] = i < 150 ? 5 : -3;  /* aVL: flat for 1.5 s, then flat for 1.5 s */
    }
    s[2 * 10] = -32768;
    uint32_t sum0 = 0, sum1 = 0;
    for (int i = 0; i < 300; i++) sum0 += (uint32_t)(int32_t)s[2 * i], sum1 += (uint32_t)(int32_t)s[2 * i + 1];
    char hea[256];
    snprintf(hea, sizeof hea, "ns 2 100 300\nns.dat 16 1000/mV 16 0 0 %d 0 AVF\nns.dat 16 1000/mV 16 0 5 %d 0 aVL\n",
             (int)(int16_t)(uint16_t)sum0, (int)(int16_t)(uint16_t)sum1);
    write_text(dir, "ns.hea", hea);
    assert_int_equal(write_file_all(path_join(dir, "ns.dat"), s, sizeof s), 0);
    WfdbRecord r;
    assert_int_equal(wfdb_read(path_join(dir, "ns"), &r), 0);
    assert_true(wfdb_record_checks_ok(&r)); /* the checksum counts -32768 as written */
    assert_int_equal(r.signals[0].digital[10], WFDB_NO_SAMPLE);
    EcgRecord e;
    EcgMapOptions o = ECG_MAP_DEFAULTS;
    assert_int_equal(wfdb_to_ecg(&r, &o, &e), 0);
    assert_int_equal(e.valid[(size_t)LEAD_AVF * 300 + 10], 0);
    assert_int_equal(e.valid[(size_t)LEAD_AVF * 300 + 11], 1);
    assert_int_equal(e.lead_available, 1u << LEAD_AVF); /* aVL was flat throughout */
    record_free(&e);
    o.flat_seconds = 0;
    assert_int_equal(wfdb_to_ecg(&r, &o, &e), 0);
    assert_int_equal(e.lead_available, (1u << LEAD_AVF) | (1u << LEAD_AVL));
    assert_float_equal(e.signal[(size_t)LEAD_AVL * 300 + 200], -0.003f, 1e-8);
    record_free(&e);
    wfdb_record_free(&r);
    tmpdir_remove(dir);
}

/* MIMIC-IV-ECG's order (aVF before aVL), spellings in any case, uV units. */
static void lead_order_and_units(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *names[12] = {"I", "II", "III", "aVR", "aVF", "aVL", "V1", "V2", "V3", "V4", "V5", "V6"};
    char hea[2048];
    int o = snprintf(hea, sizeof hea, "mo 12 500 1\n");
    int16_t s[12];
    for (int j = 0; j < 12; j++) {
        s[j] = (int16_t)(100 * (j + 1));
        o += snprintf(hea + o, sizeof hea - (size_t)o, "mo.dat 16 1(0)/uV 16 0 %d %d 0 %s\n", s[j], s[j], names[j]);
    }
    write_text(dir, "mo.hea", hea);
    assert_int_equal(write_file_all(path_join(dir, "mo.dat"), s, sizeof s), 0);
    WfdbRecord r;
    assert_int_equal(wfdb_read(path_join(dir, "mo"), &r), 0);
    EcgRecord e;
    EcgMapOptions opt = ECG_MAP_DEFAULTS;
    assert_int_equal(wfdb_to_ecg(&r, &opt, &e), 0);
    assert_float_equal(e.signal[LEAD_AVF], 0.5f, 1e-7); /* 500 uV, the file's fifth signal */
    assert_float_equal(e.signal[LEAD_AVL], 0.6f, 1e-7);
    assert_float_equal(e.signal[LEAD_V6], 1.2f, 1e-7);
    record_free(&e);
    wfdb_record_free(&r);
    assert_int_equal(lead_from_name("avr"), LEAD_AVR);
    assert_int_equal(lead_from_name("AVL"), LEAD_AVL);
    assert_int_equal(lead_from_name(" v3 "), LEAD_V3);
    assert_int_equal(lead_from_name("MLII"), -1);
    assert_true(units_to_mv("mv") == 1 && units_to_mv("") == 1 && units_to_mv("NU") == 1);
    assert_true(units_to_mv("uV") == 1e-3 && units_to_mv("mmHg") == 0);
    tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_packed_bytes),
        cmocka_unit_test(byte_counts),
        cmocka_unit_test(encode_decode_every_format),
        cmocka_unit_test(skew_and_byte_offset),
        cmocka_unit_test(samples_per_frame),
        cmocka_unit_test(multi_segment_variable_layout),
        cmocka_unit_test(no_sample_and_flat_line),
        cmocka_unit_test(lead_order_and_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
