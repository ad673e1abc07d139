/* The textual form of missingness protocols: canonical printing, lossless round trips, the
 * Challenge lead sets, the r × q grid, and a specific message for every kind of bad text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "data/missing.h"
#include "testutil.h"

/* parse → canonical text; the canonical text parses back to an equal protocol and prints the same */
static void assert_canonical(const char *text, const char *expected) {
    MissingProtocol p, q;
    char out[MISSING_TEXT_MAX], again[MISSING_TEXT_MAX];
    if (missing_parse(text, &p) != 0) fail_msg("%s: %s", text, scar_last_error());
    assert_int_equal(missing_format(&p, out, sizeof out), 0);
    if (strcmp(out, expected)) fail_msg("\"%s\" printed as \"%s\", expected \"%s\"", text, out, expected);
    assert_int_equal(missing_parse(out, &q), 0);
    assert_true(missing_equal(&p, &q));
    assert_int_equal(missing_format(&q, again, sizeof again), 0);
    assert_string_equal(out, again);
}

static void canonical_forms(void **state) {
    (void)state;
    assert_canonical("full", "full");
    assert_canonical("  full ", "full");
    assert_canonical("leads=I,II,III,aVR,aVL,aVF", "leads=I,II,III,aVR,aVL,aVF");
    assert_canonical("leads = v2 , i", "leads=I,V2"); /* canonical order and spelling */
    assert_canonical("leads=AVL,v6", "leads=aVL,V6");
    for (int n = 1; n <= 12; n++) {
        if (!missing_leadset_leads(n)) continue;
        char text[32];
        snprintf(text, sizeof text, "leadset=%d", n);
        assert_canonical(text, text);
    }
    assert_canonical("drop_leads=0.5", "drop_leads=0.5;seed=0");
    assert_canonical("drop_time=0.3;seed=7", "drop_time=0.3;seed=7");
    assert_canonical("drop_time=.30;blocks=3;seed=7", "drop_time=0.3;blocks=3;seed=7");
    assert_canonical("drop_time=0.3;blocks=1;seed=7", "drop_time=0.3;seed=7");
    assert_canonical("seed=7; drop_time=0.3 ;drop_leads=0.25", "drop_leads=0.25;drop_time=0.3;seed=7");
    assert_canonical("drop_leads=0;drop_time=1;seed=18446744073709551615",
                     "drop_leads=0;drop_time=1;seed=18446744073709551615");
    assert_canonical("evidence=primary", "evidence=primary");
    assert_canonical("labelset=super;evidence=primary+secondary", "evidence=primary+secondary;labelset=super");
    assert_canonical("adversarial=/tmp/m.safetensors;budget=0.3", "adversarial=/tmp/m.safetensors;budget=0.3");
    assert_canonical("budget=1;adversarial=runs/lr=3e-4/masker.st", "adversarial=runs/lr=3e-4/masker.st;budget=1");
    assert_canonical("leadset=6;evidence=primary;drop_time=0.1;seed=3", "leadset=6;drop_time=0.1;evidence=primary;seed=3");
    assert_canonical("leads=V1;drop_leads=0.5;drop_time=0.2;blocks=2;evidence=primary;labelset=sub;"
                     "adversarial=a.st;budget=0.25;seed=9",
                     "leads=V1;drop_leads=0.5;drop_time=0.2;blocks=2;evidence=primary;labelset=sub;"
                     "adversarial=a.st;budget=0.25;seed=9");
}

static void parsed_values(void **state) {
    (void)state;
    MissingProtocol p;
    assert_int_equal(missing_parse("leads=I,II,V2", &p), 0);
    assert_int_equal(p.parts, MISSING_LEADS);
    assert_int_equal(p.keep_leads, (1u << LEAD_I) | (1u << LEAD_II) | (1u << LEAD_V2));
    assert_int_equal(p.leadset, 0);
    assert_int_equal(missing_parse("drop_leads=0.25;drop_time=0.3;blocks=4;seed=11", &p), 0);
    assert_int_equal(p.parts, MISSING_DROP_LEADS | MISSING_DROP_TIME);
    assert_true(p.drop_leads == 0.25 && p.drop_time == 0.3);
    assert_int_equal(p.time_blocks, 4);
    assert_int_equal(p.seed, 11);
    assert_true(missing_is_random(&p));
    assert_int_equal(missing_parse("evidence=primary+secondary;labelset=rhythm", &p), 0);
    assert_int_equal(p.evidence, MISSING_EVIDENCE_PRIMARY_SECONDARY);
    assert_string_equal(p.labelset, "rhythm");
    assert_false(missing_is_random(&p));
    assert_int_equal(missing_parse("adversarial=m.st;budget=0.3", &p), 0);
    assert_string_equal(p.masker, "m.st");
    assert_true(p.budget == 0.3);
    assert_int_equal(missing_parse("full", &p), 0);
    assert_int_equal(p.parts, 0);
}

/* The 2021 Challenge sets, by name, exactly. */
static void challenge_lead_sets(void **state) {
    (void)state;
    static const struct {
        int n;
        const char *leads;
    } SETS[] = {{12, "I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6"}, {6, "I,II,III,aVR,aVL,aVF"}, {4, "I,II,III,V2"},
                {3, "I,II,V2"}, {2, "I,II"}, {1, "I"}};
    for (size_t k = 0; k < sizeof SETS / sizeof SETS[0]; k++) {
        char text[128], expect[128];
        snprintf(text, sizeof text, "leads=%s", SETS[k].leads);
        MissingProtocol by_name, by_set;
        assert_int_equal(missing_parse(text, &by_name), 0);
        snprintf(text, sizeof text, "leadset=%d", SETS[k].n);
        assert_int_equal(missing_parse(text, &by_set), 0);
        assert_int_equal(by_set.keep_leads, by_name.keep_leads);
        assert_int_equal(by_set.leadset, SETS[k].n);
        assert_int_equal(missing_leadset_leads(SETS[k].n), by_name.keep_leads);
        assert_int_equal(__builtin_popcount(by_set.keep_leads), SETS[k].n);
        assert_false(missing_equal(&by_name, &by_set)); /* the text form is kept: leads= is not leadset= */
        snprintf(expect, sizeof expect, "leads=%s", SETS[k].leads);
        assert_int_equal(missing_format(&by_name, text, sizeof text), 0);
        assert_string_equal(text, expect);
    }
    for (int n = 0; n <= 13; n++)
        if (n != 12 && n != 6 && n != 4 && n != 3 && n != 2 && n != 1) assert_int_equal(missing_leadset_leads(n), 0);
}

/* Protocols built field by field (every part, random values) survive format → parse. */
static void random_round_trips(void **state) {
    (void)state;
    Rng rng;
    rng_seed(&rng, 5, 0);
    static const int SETS[] = {12, 6, 4, 3, 2, 1};
    for (int trial = 0; trial < 3000; trial++) {
        MissingProtocol p, q;
        missing_full(&p);
        p.parts = rng_below(&rng, 32);
        if (p.parts & MISSING_LEADS) {
            if (rng_below(&rng, 2)) p.leadset = SETS[rng_below(&rng, 6)], p.keep_leads = missing_leadset_leads(p.leadset);
            else p.keep_leads = (uint16_t)(1 + rng_below(&rng, ALL_LEADS_MASK));
        }
        if (p.parts & MISSING_DROP_LEADS) p.drop_leads = rng_below(&rng, 3) ? rng_uniform_f64(&rng) : rng_below(&rng, 2);
        if (p.parts & MISSING_DROP_TIME) {
            p.drop_time = rng_uniform_f64(&rng);
            p.time_blocks = 1 + (int)rng_below(&rng, MISSING_MAX_BLOCKS);
        }
        if (missing_is_random(&p)) p.seed = rng_u64(&rng);
        if (p.parts & MISSING_EVIDENCE) {
            p.evidence = 1 + (int)rng_below(&rng, 2);
            if (rng_below(&rng, 2)) strcpy(p.labelset, rng_below(&rng, 2) ? "super" : "scored");
        }
        if (p.parts & MISSING_ADVERSARIAL) {
            snprintf(p.masker, sizeof p.masker, "runs/%u/masker=best.safetensors", (unsigned)rng_below(&rng, 1000));
            p.budget = 1.0 - rng_uniform_f64(&rng); /* (0, 1] */
        }
        char text[MISSING_TEXT_MAX];
        assert_int_equal(missing_format(&p, text, sizeof text), 0);
        if (missing_parse(text, &q) != 0) fail_msg("%s: %s", text, scar_last_error());
        if (!missing_equal(&p, &q)) fail_msg("%s does not round trip", text);
    }
}

/* Ratios print as the shortest decimal that reads back exactly. */
static void ratios_print_short_and_exact(void **state) {
    (void)state;
    MissingProtocol p, q;
    char text[MISSING_TEXT_MAX];
    missing_full(&p);
    p.parts = MISSING_DROP_TIME;
    p.drop_time = 0.1 + 0.2; /* 0.30000000000000004 */
    assert_int_equal(missing_format(&p, text, sizeof text), 0);
    assert_string_equal(text, "drop_time=0.30000000000000004;seed=0");
    assert_int_equal(missing_parse(text, &q), 0);
    assert_true(q.drop_time == p.drop_time);
    p.drop_time = 1.0 / 3.0;
    assert_int_equal(missing_format(&p, text, sizeof text), 0);
    assert_int_equal(missing_parse(text, &q), 0);
    assert_true(q.drop_time == p.drop_time);
}

static void assert_rejected(const char *text, const char *needle) {
    MissingProtocol p;
    scar_clear_error();
    if (missing_parse(text, &p) != -1) fail_msg("\"%s\" was accepted", text);
    const char *msg = scar_last_error();
    if (!strstr(msg, needle)) fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, msg, needle);
    char quoted[MISSING_TEXT_MAX + 32];
    snprintf(quoted, sizeof quoted, "missing protocol \"%.300s\"", text);
    if (!strstr(msg, quoted)) fail_msg("\"%s\": message \"%s\" does not quote the protocol", text, msg);
    assert_int_equal(p.parts, 0); /* left as full */
}

static void bad_texts_rejected(void **state) {
    (void)state;
    assert_rejected("", "empty protocol");
    assert_rejected("   ", "empty protocol");
    assert_rejected("leads=I,XYZ", "unknown lead \"XYZ\"");
    assert_rejected("leads=I,,II", "empty lead name");
    assert_rejected("leads=I,i", "lead I listed twice");
    assert_rejected("leadset=5", "leadset=5: the Challenge 2021 lead sets are 12, 6, 4, 3, 2 and 1");
    assert_rejected("leadset=six", "leadset=six");
    assert_rejected("leadset=0", "leadset=0");
    assert_rejected("leads=I;leadset=6", "leads= and leadset= cannot both be given");
    assert_rejected("drop_time=1.5", "drop_time=1.5 is out of range");
    assert_rejected("drop_leads=-0.1", "drop_leads=-0.1 is out of range");
    assert_rejected("drop_leads=abc", "drop_leads=abc is not a number");
    assert_rejected("drop_leads=0.5x", "drop_leads=0.5x is not a number");
    assert_rejected("drop_leads=nan", "drop_leads=nan is not a number");
    assert_rejected("drop_leads=inf", "drop_leads=inf is not a number");
    assert_rejected("drop_time=", "empty value for \"drop_time\"");
    assert_rejected("drop_time= ;seed=1", "empty value for \"drop_time\"");
    assert_rejected("foo=1", "unknown key \"foo\"");
    assert_rejected("Leads=I", "unknown key \"Leads\"");
    assert_rejected("time=0.3", "did you mean drop_time?");
    assert_rejected("drop_time=0.1;seed=1;seed=2", "key \"seed\" given twice");
    assert_rejected("drop_leads=0.1;drop_leads=0.2", "key \"drop_leads\" given twice");
    assert_rejected("full;seed=1", "\"full\" cannot be combined");
    assert_rejected("drop_leads=0.5;full", "\"full\" cannot be combined");
    assert_rejected("drop_leads=0.5;;seed=1", "empty part");
    assert_rejected("drop_leads=0.5;", "empty part");
    assert_rejected("leads", "\"leads\" is not key=value");
    assert_rejected("=3", "no key before '='");
    assert_rejected("blocks=2", "blocks= needs drop_time=");
    assert_rejected("drop_time=0.2;blocks=0", "blocks=0 is out of range: 1..64");
    assert_rejected("drop_time=0.2;blocks=65", "blocks=65 is out of range: 1..64");
    assert_rejected("drop_time=0.2;blocks=two", "blocks=two is not a whole number");
    assert_rejected("evidence=all", "evidence=all: expected evidence=primary or evidence=primary+secondary");
    assert_rejected("evidence=secondary", "evidence=secondary: expected");
    assert_rejected("labelset=super", "labelset= needs evidence=");
    assert_rejected("evidence=primary;labelset=a_label_set_name_that_is_far_too_long", "names are at most 31");
    assert_rejected("adversarial=m.st", "adversarial= needs budget=");
    assert_rejected("budget=0.3", "budget= needs adversarial=");
    assert_rejected("adversarial=m.st;budget=0", "budget=0 is out of range: a ratio in (0, 1]");
    assert_rejected("adversarial=m.st;budget=1.01", "budget=1.01 is out of range");
    assert_rejected("seed=7", "seed= needs a random part");
    assert_rejected("evidence=primary;seed=7", "seed= needs a random part");
    assert_rejected("drop_time=0.1;seed=-1", "seed=-1 is not a non-negative whole number");
    assert_rejected("drop_time=0.1;seed=7.5", "seed=7.5 is not a non-negative whole number");
    assert_rejected("drop_time=0.1;seed=99999999999999999999", "does not fit in 64 bits");

    char long_path[MISSING_PATH_MAX + 64];
    snprintf(long_path, sizeof long_path, "adversarial=");
    memset(long_path + 12, 'a', MISSING_PATH_MAX);
    long_path[12 + MISSING_PATH_MAX] = 0;
    strcat(long_path, ";budget=0.5");
    MissingProtocol p;
    assert_int_equal(missing_parse(long_path, &p), -1);
    assert_non_null(strstr(scar_last_error(), "the path is too long"));
}

static void invalid_structs_refused(void **state) {
    (void)state;
    MissingProtocol p;
    char text[MISSING_TEXT_MAX];
    missing_full(&p);
    p.parts = MISSING_LEADS; /* no leads */
    assert_int_equal(missing_format(&p, text, sizeof text), -1);
    p.keep_leads = 0x1000; /* beyond the 12 leads */
    assert_int_equal(missing_validate(&p), -1);
    p.keep_leads = 3;
    p.leadset = 6; /* does not match */
    assert_int_equal(missing_validate(&p), -1);
    missing_full(&p);
    p.parts = MISSING_EVIDENCE;
    p.evidence = MISSING_EVIDENCE_PRIMARY;
    strcpy(p.labelset, " super"); /* would not read back */
    assert_int_equal(missing_validate(&p), -1);
    missing_full(&p);
    p.parts = MISSING_ADVERSARIAL;
    p.budget = 0.5;
    strcpy(p.masker, "a;b");
    assert_int_equal(missing_validate(&p), -1);
    missing_full(&p);
    p.parts = 1u << 7;
    assert_int_equal(missing_validate(&p), -1);
    /* too small a buffer */
    assert_int_equal(missing_parse("leads=I,II,III,aVR,aVL,aVF", &p), 0);
    assert_int_equal(missing_format(&p, text, 10), -1);
    assert_int_equal(missing_format(&p, text, sizeof text), 0);
}

static void equality_ignores_unused_fields(void **state) {
    (void)state;
    MissingProtocol a, b;
    missing_full(&a);
    missing_full(&b);
    b.seed = 99;
    b.drop_time = 0.5;
    strcpy(b.labelset, "sub");
    assert_true(missing_equal(&a, &b));
    assert_int_equal(missing_parse("drop_time=0.3;seed=1", &a), 0);
    assert_int_equal(missing_parse("drop_time=0.3;seed=2", &b), 0);
    assert_false(missing_equal(&a, &b));
    assert_int_equal(missing_parse("drop_time=0.3;blocks=2;seed=1", &b), 0);
    assert_false(missing_equal(&a, &b));
}

static void grid_of_ratios(void **state) {
    (void)state;
    const double r[] = {0, 0.25, 0.5}, q[] = {0, 0.3};
    MissingProtocol grid[6];
    assert_int_equal(missing_grid(r, 3, q, 2, 1, 7, grid), 0);
    static const char *const EXPECT[6] = {"full",
                                          "drop_time=0.3;seed=7",
                                          "drop_leads=0.25;seed=7",
                                          "drop_leads=0.25;drop_time=0.3;seed=7",
                                          "drop_leads=0.5;seed=7",
                                          "drop_leads=0.5;drop_time=0.3;seed=7"};
    char text[MISSING_TEXT_MAX];
    for (int i = 0; i < 6; i++) {
        assert_int_equal(missing_format(&grid[i], text, sizeof text), 0);
        assert_string_equal(text, EXPECT[i]);
    }
    MissingProtocol *parsed;
    int n;
    assert_int_equal(missing_grid_parse("drop_leads=0, 0.25,0.5;drop_time=0,0.3;seed=7", &parsed, &n), 0);
    assert_int_equal(n, 6);
    for (int i = 0; i < 6; i++) assert_true(missing_equal(&parsed[i], &grid[i]));
    free(parsed);
    assert_int_equal(missing_grid_parse("drop_time=0.1,0.2;blocks=3", &parsed, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(missing_format(&parsed[1], text, sizeof text), 0);
    assert_string_equal(text, "drop_time=0.2;blocks=3;seed=0");
    free(parsed);

    assert_int_equal(missing_grid(r, 3, q, 2, 0, 7, grid), -1);
    const double bad[] = {0.5, 1.5};
    assert_int_equal(missing_grid(bad, 2, q, 2, 1, 7, grid), -1);
    assert_non_null(strstr(scar_last_error(), "drop_leads=1.5"));
    assert_int_equal(missing_grid_parse("evidence=primary", &parsed, &n), -1);
    assert_non_null(strstr(scar_last_error(), "a grid takes drop_leads=, drop_time=, blocks= and seed="));
    assert_null(parsed);
    assert_int_equal(missing_grid_parse("drop_leads=0,,0.5", &parsed, &n), -1);
    assert_non_null(strstr(scar_last_error(), "empty value in its list"));
    assert_int_equal(missing_grid_parse("drop_leads=0,2", &parsed, &n), -1);
    assert_non_null(strstr(scar_last_error(), "drop_leads=2 is out of range"));
    assert_int_equal(missing_grid_parse("", &parsed, &n), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canonical_forms),
        cmocka_unit_test(parsed_values),
        cmocka_unit_test(challenge_lead_sets),
        cmocka_unit_test(random_round_trips),
        cmocka_unit_test(ratios_print_short_and_exact),
        cmocka_unit_test(bad_texts_rejected),
        cmocka_unit_test(invalid_structs_refused),
        cmocka_unit_test(equality_ignores_unused_fields),
        cmocka_unit_test(grid_of_ratios),
    };
    return cmocka_run_group_tests_name("missing_text", tests, NULL, NULL);
}
