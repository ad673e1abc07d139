/* WFDB header parsing: the quirks real files have, and malformed headers refused with a message
 * that names the file and the problem. */
#include <string.h>

#include "core/error.h"
#include "data/wfdb_header.h"
#include "testutil.h"

static int parse(const char *text, WfdbHeader *h) { return wfdb_header_parse(text, strlen(text), "t.hea", h); }

static void quirks_are_taken_in_stride(void **state) {
    (void)state;
    WfdbHeader h;
    const char *text =
        "# a comment before the record line\r\n"
        "\r\n"
        "rec 3 360/180(5) 1000 05-Feb-2020 11:39:16\r\n"
        "   # an indented comment between signal lines\n"
        "rec.dat 16 0(3)/uV 0 7 1 2 0 avr\n"
        "\n"
        "rec.dat 16 200 12 -4 # an inline comment\n"
        "rec.dat 16\n"
        "#<age>: 51\n";
    if (parse(text, &h) != 0) fail_msg("%s", scar_last_error());
    assert_string_equal(h.name, "rec");
    assert_int_equal(h.n_signals, 3);
    assert_true(h.fs == 360 && h.counter_freq == 180 && h.base_counter == 5);
    assert_int_equal(h.n_samples, 1000);
    assert_string_equal(h.base_time, "11:39:16");
    assert_string_equal(h.base_date, "05-Feb-2020");
    /* gain 0 means 200; the baseline is given; units uV; ADC resolution 0 kept as 0 */
    assert_true(h.signals[0].gain == WFDB_DEFAULT_GAIN && !h.signals[0].gain_given);
    assert_int_equal(h.signals[0].baseline, 3);
    assert_string_equal(h.signals[0].units, "uV");
    assert_int_equal(h.signals[0].adc_res, 0);
    assert_int_equal(h.signals[0].adc_zero, 7);
    assert_true(h.signals[0].has_init && h.signals[0].init_value == 1);
    assert_true(h.signals[0].has_checksum && h.signals[0].checksum == 2);
    assert_string_equal(h.signals[0].desc, "avr");
    /* no baseline: it equals the ADC zero; no units; no checksum */
    assert_int_equal(h.signals[1].baseline, -4);
    assert_string_equal(h.signals[1].units, "");
    assert_false(h.signals[1].has_checksum);
    /* only file and format: gain 200 */
    assert_true(h.signals[2].gain == WFDB_DEFAULT_GAIN);
    assert_string_equal(h.signals[2].desc, "");
    assert_non_null(strstr(h.comments, "a comment before the record line"));
    assert_non_null(strstr(h.comments, "an inline comment"));
    char v[16];
    assert_int_equal(wfdb_comment_value(&h, "Age", v, sizeof v), 0);
    assert_string_equal(v, "51");
    assert_int_equal(wfdb_comment_value(&h, "sex", v, sizeof v), -1);
    wfdb_header_free(&h);
}

static void format_fields(void **state) {
    (void)state;
    WfdbHeader h;
    assert_int_equal(parse("r 2 500 10\nr.mat 16x1+24 1000.0(0)/mv 16 0 1 2 0 I\nr.mat 16x1+24 1000 16 0 1 2 0 II\n", &h), 0);
    assert_int_equal(h.signals[0].format, 16);
    assert_int_equal(h.signals[0].spf, 1);
    assert_int_equal(h.signals[0].offset, 24);
    assert_string_equal(h.signals[0].units, "mv");
    wfdb_header_free(&h);
    assert_int_equal(parse("r 1 125 10\nr.dat 212x4:2+100 2000 12 0 168 -2716 0 III \n", &h), 0);
    assert_int_equal(h.signals[0].format, 212);
    assert_int_equal(h.signals[0].spf, 4);
    assert_int_equal(h.signals[0].skew, 2);
    assert_int_equal(h.signals[0].offset, 100);
    assert_string_equal(h.signals[0].desc, "III"); /* trailing blank trimmed */
    wfdb_header_free(&h);
    /* no sampling frequency: WFDB's default 250; no length: -1 */
    assert_int_equal(parse("r 0\n", &h), 0);
    assert_true(h.fs == WFDB_DEFAULT_FS);
    assert_int_equal(h.n_samples, -1);
    wfdb_header_free(&h);
    /* a multi-segment header */
    assert_int_equal(parse("m/3 2 100 30\nm_layout 0\nm_1 20\n~ 10\n", &h), 0);
    assert_int_equal(h.n_segments, 3);
    assert_string_equal(h.segments[2].name, "~");
    assert_int_equal(h.segments[1].n_samples, 20);
    wfdb_header_free(&h);
}

/* Each malformed header: an error naming the file and what is wrong. */
static void malformed_headers(void **state) {
    (void)state;
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"", "no record line"},
        {"# only comments\n", "no record line"},
        {"r 2 500 10\nr.dat 16 200 16 0 0 0 0 I\n", "announces 2 signals but 1 signal lines"},
        {"r 1000000 500 10\nr.dat 16\n", "announces 1000000 signals"},
        {"r 4294967296 500 10\n", "malformed signal count"},
        {"r -1 500 10\n", "malformed signal count"},
        {"r 1 abc 10\nr.dat 16\n", "malformed sampling frequency"},
        {"r 1 0 10\nr.dat 16\n", "malformed sampling frequency"},
        {"r 1 nan 10\nr.dat 16\n", "malformed sampling frequency"},
        {"r 1 1e37 10\nr.dat 16\n", "sampling frequency 1e+37 Hz is beyond any recorder"},
        {"r 1 500 ten\nr.dat 16\n", "malformed sample count"},
        {"r 1 500 99999999999999999999\nr.dat 16\n", "malformed sample count"},
        {"r 1 500 10\nr.dat 999\n", "unknown sample format 999"},
        {"r 1 500 10\nr.dat 16q\n", "malformed format field"},
        {"r 1 500 10\nr.dat 16x0\n", "malformed format field"},
        {"r 1 500 10\nr.dat 16x99999999999\n", "malformed format field"},
        {"r 1 500 10\nr.dat\n", "no format field"},
        {"r 1 500 10\nr.dat 16 abc/mV\n", "malformed gain field"},
        {"r 1 500 10\nr.dat 16 200(x)/mV\n", "malformed gain field"},
        {"r 1 500 10\nr.dat 16 inf\n", "malformed gain field"},
        {"r 1 500 10\nr.dat 16 200 16 0 0 zz\n", "malformed checksum"},
        {"r 1 500 10\nr.dat 16 200 99\n", "malformed ADC resolution"},
        {"r 1 500 10\n/etc/passwd 16\n", "absolute signal file path"},
        {"r 2 500 10\na.dat 16\nb.dat 212\n", NULL}, /* two files, two formats: fine */
        {"r 3 500 10\na.dat 16\nb.dat 16\na.dat 16\n", "must be adjacent"},
        {"r 2 500 10\na.dat 16\na.dat 212\n", "share file a.dat but have formats 16 and 212"},
        {"m/2 1 100 30\nm_1 20\n", "announces 2 segments but 1 segment lines"},
        {"m/2 1 100 30\nm_1 20\nm_2\n", "malformed or missing sample count"},
        {"m/2 1 100 30\nm_1 20\nm_2 11\n", "segments hold 31 samples but the record line says 30"},
        {"m/99999999999 1 100 30\n", "malformed segment count"},
        {"r\0 1 500", "NUL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        WfdbHeader h;
        size_t len = cases[i].expect && !strcmp(cases[i].expect, "NUL") ? 9 : strlen(cases[i].text);
        int rc = wfdb_header_parse(cases[i].text, len, "t.hea", &h);
        if (!cases[i].expect) {
            if (rc != 0) fail_msg("case %zu: %s", i, scar_last_error());
            wfdb_header_free(&h);
            continue;
        }
        if (rc == 0) fail_msg("case %zu (%s) was accepted", i, cases[i].expect);
        const char *msg = scar_last_error();
        if (!strstr(msg, cases[i].expect) || strncmp(msg, "t.hea", 5) != 0)
            fail_msg("case %zu: expected '%s' in '%s'", i, cases[i].expect, msg);
    }
}

/* Comments in Latin-1 (old records) become valid UTF-8 report text. */
static void latin1_comments_become_utf8(void **state) {
    (void)state;
    WfdbHeader h;
    const char text[] = "r 0\n# Diagnose: Vorhofflimmern, R\xfc" "ckbildung\n";
    assert_int_equal(wfdb_header_parse(text, strlen(text), "t.hea", &h), 0);
    assert_string_equal(h.comments, "Diagnose: Vorhofflimmern, R\xc3\xbc" "ckbildung");
    wfdb_header_free(&h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quirks_are_taken_in_stride),
        cmocka_unit_test(format_fields),
        cmocka_unit_test(malformed_headers),
        cmocka_unit_test(latin1_comments_become_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
