/* CSV (RFC 4180) and PTB-XL's scp_codes dictionaries: the real file parses as Python's csv module
 * reads it; hand-made corner cases; and every kind of broken input is an error naming file and
 * line. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/csv.h"
#include "data/scp_codes.h"
#include "testutil.h"

static int parse(const char *text, CsvTable *t) { return csv_parse(text, strlen(text), "t.csv", NULL, t); }

/* Facts from Python's csv module on the same file: 521 rows of 28 fields; ecg_id 7's report has a
 * German capital umlaut; the last row is ecg_id 547, a Swedish report. */
static void real_ptbxl_csv(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    CsvTable t;
    if (csv_read(path_join(fixtures_dir(), "ptbxl/ptbxl_database_head.csv"), NULL, &t) != 0) fail_msg("%s", scar_last_error());
    assert_int_equal(t.n_rows, 521);
    assert_int_equal(t.n_cols, 28);
    int id = csv_column(&t, "ecg_id"), rep = csv_column(&t, "report"), codes = csv_column(&t, "scp_codes");
    int noise = csv_column(&t, "static_noise");
    assert_int_equal(id, 0);
    assert_int_equal(rep, 10);
    assert_string_equal(csv_cell(&t, 0, rep), "sinusrhythmus periphere niederspannung");
    assert_string_equal(csv_cell(&t, 0, codes), "{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}");
    assert_string_equal(csv_cell(&t, 0, noise), " , I-V1,  ");
    assert_string_equal(csv_cell(&t, 6, id), "7");
    assert_string_equal(csv_cell(&t, 6, rep),
                        "sinusrhythmus linkstyp t abnormal, wahrscheinlich    inferiorer myokardschaden qt-verlÄngerung");
    assert_string_equal(csv_cell(&t, 520, id), "547");
    assert_non_null(strstr(csv_cell(&t, 520, rep), "Ålder ej bestÄmmbar"));
    assert_int_equal(t.line[520], 522);
    csv_free(&t);
    /* only the columns asked for */
    const char *keep[] = {"report", "ecg_id", "no_such_column", NULL};
    assert_int_equal(csv_read(path_join(fixtures_dir(), "ptbxl/ptbxl_database_head.csv"), keep, &t), 0);
    assert_int_equal(t.n_cols, 2);
    assert_int_equal(csv_column(&t, "ecg_id"), 0); /* file order */
    assert_int_equal(csv_column(&t, "no_such_column"), -1);
    assert_string_equal(csv_cell(&t, 1, 1), "sinusbradykardie sonst normales ekg");
    csv_free(&t);
}

static void quoting_and_line_ends(void **state) {
    (void)state;
    CsvTable t;
    const char *text = "\xef\xbb\xbf" "a,b,c\r\n"
                       "1,\"x, \"\"quoted\"\"\",\r\n"
                       "\n"
                       "2,\"two\nlines\",\"\"\n"
                       "3,,last";
    if (parse(text, &t) != 0) fail_msg("%s", scar_last_error());
    assert_int_equal(t.n_rows, 3);
    assert_string_equal(t.col_name[0], "a"); /* the byte-order mark is not part of the name */
    assert_string_equal(csv_cell(&t, 0, 1), "x, \"quoted\"");
    assert_string_equal(csv_cell(&t, 0, 2), "");
    assert_string_equal(csv_cell(&t, 1, 1), "two\nlines");
    assert_string_equal(csv_cell(&t, 1, 2), "");
    assert_string_equal(csv_cell(&t, 2, 2), "last");
    assert_int_equal(t.line[0], 2);
    assert_int_equal(t.line[1], 4);
    assert_int_equal(t.line[2], 6); /* the quoted line break counts */
    csv_free(&t);
}

static void broken_csv(void **state) {
    (void)state;
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"", "empty: no header row"},
        {"a,b\n1,\"open\n2,3\n", "line 2: quoted field never closed"},
        {"a,b\n1,x\"y\n", "line 2: quote inside an unquoted field"},
        {"a,b\n1,\"x\"y\n", "line 2: unexpected character 'y' after a closing quote"},
        {"a,b\n1,2,3\n", "line 2 (row 1) has 3 fields, the header has 2"},
        {"a,b\n1\n", "line 2 (row 1) has 1 fields"},
        {"a,b\n1,caf\xe9\n", "line 2 (row 1), column 2: not valid UTF-8"},
        {"a,b\n1,\xc0\xaf\n", "not valid UTF-8"},           /* an overlong '/' */
        {"a,b\n1,\xed\xa0\x80\n", "not valid UTF-8"},       /* a UTF-16 surrogate */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CsvTable t;
        if (parse(cases[i].text, &t) == 0) fail_msg("case %zu accepted", i);
        if (!strstr(scar_last_error(), cases[i].expect) || strncmp(scar_last_error(), "t.csv: ", 7) != 0)
            fail_msg("case %zu: expected '%s' in '%s'", i, cases[i].expect, scar_last_error());
    }
    CsvTable t;
    assert_int_equal(csv_parse("a\n\0b\n", 5, "t.csv", NULL, &t), -1);
    assert_non_null(strstr(scar_last_error(), "NUL byte"));
    assert_int_equal(csv_read("/nonexistent/ptbxl_database.csv", NULL, &t), -1);
    assert_non_null(strstr(scar_last_error(), "/nonexistent/ptbxl_database.csv: cannot open"));
}

static void scp_codes_dictionaries(void **state) {
    (void)state;
    ScpCode c[SCP_MAX_CODES];
    assert_int_equal(scp_codes_parse("{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}", c, SCP_MAX_CODES, "x"), 3);
    assert_string_equal(c[0].code, "NORM");
    assert_true(c[0].likelihood == 100.0);
    assert_string_equal(c[1].code, "LVOLT");
    assert_true(c[2].likelihood == 0.0);
    assert_int_equal(scp_codes_parse("{}", c, SCP_MAX_CODES, "x"), 0);
    assert_int_equal(scp_codes_parse(" { \"LAO/LAE\" : 50 , 'PRC(S)':15.5, } ", c, SCP_MAX_CODES, "x"), 2);
    assert_string_equal(c[0].code, "LAO/LAE");
    assert_true(c[1].likelihood == 15.5);

    static const struct {
        const char *text, *expect;
    } bad[] = {
        {"", "not a dictionary"},
        {"NORM: 100", "not a dictionary"},
        {"{'NORM': 100.0", "expected ',' or '}'"},
        {"{NORM: 100.0}", "expected a quoted code"},
        {"{'NORM: 100.0}", "not allowed in a code"},
        {"{'NORM' 100.0}", "expected ':'"},
        {"{'NORM': }", "not a number"},
        {"{'NORM': abc}", "not a number"},
        {"{'NORM': nan}", "not a number"},
        {"{'NORM': 1e999}", "not a number"},
        {"{'NORM': 0x10}", "not a number"},
        {"{'NORM': 150.0}", "outside 0..100"},
        {"{'NORM': -1}", "outside 0..100"},
        {"{'NORM': 100, 'NORM': 0}", "appears twice"},
        {"{'': 100}", "code of 0 characters"},
        {"{'ABCDEFGHIJKLMNOPQRSTUVWXYZ': 100}", "code of 26 characters"},
        {"{'NORM': 100} extra", "text after the closing"},
        {"{'NO RM': 100}", "not allowed in a code"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (scp_codes_parse(bad[i].text, c, SCP_MAX_CODES, "ptbxl_database.csv: line 9") >= 0)
            fail_msg("case %zu '%s' accepted", i, bad[i].text);
        if (!strstr(scar_last_error(), bad[i].expect) || !strstr(scar_last_error(), "ptbxl_database.csv: line 9"))
            fail_msg("case %zu: expected '%s' in '%s'", i, bad[i].expect, scar_last_error());
    }
    assert_int_equal(scp_codes_parse("{'A': 1, 'B': 2, 'C': 3}", c, 2, "x"), -1);
    assert_non_null(strstr(scar_last_error(), "more than 2 codes"));
}

/* Every scp_codes cell of the real file parses. */
static void every_real_scp_codes_cell_parses(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    CsvTable t;
    const char *keep[] = {"scp_codes", NULL};
    assert_int_equal(csv_read(path_join(fixtures_dir(), "ptbxl/ptbxl_database_head.csv"), keep, &t), 0);
    int total = 0;
    for (int r = 0; r < t.n_rows; r++) {
        ScpCode c[SCP_MAX_CODES];
        int n = scp_codes_parse(csv_cell(&t, r, 0), c, SCP_MAX_CODES, "head");
        if (n < 1) fail_msg("row %d: %s", r, scar_last_error());
        total += n;
    }
    assert_true(total > 521);
    csv_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_ptbxl_csv),
        cmocka_unit_test(quoting_and_line_ends),
        cmocka_unit_test(broken_csv),
        cmocka_unit_test(scp_codes_dictionaries),
        cmocka_unit_test(every_real_scp_codes_cell_parses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
