/* Reports: valid UTF-8 in both languages, truthful about rhythm and findings, hedged as the
 * statements' likelihoods say, varied in wording and order, and independent of the signal. */
#include <stdlib.h>
#include <string.h>

#include "data/synth/report.h"
#include "data/synth/statements.h"
#include "data/synth/synth.h"
#include "data/text.h"
#include "testutil.h"

static int has_any(const char *s, const char *const *words) {
    for (; *words; words++)
        if (strstr(s, *words)) return 1;
    return 0;
}

static int has_code(const SynthCase *k, ScpId id, float *likelihood) {
    for (int i = 0; i < k->n_codes; i++)
        if (k->codes[i].id == id) {
            if (likelihood) *likelihood = k->codes[i].likelihood;
            return 1;
        }
    return 0;
}

/* Lower-cased copy (ASCII letters only; the keywords are ASCII or lower case already). */
static char *lower(const char *s) {
    char *d = strdup(s);
    for (char *p = d; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p += 32;
    return d;
}

typedef struct {
    ScpId id;
    const char *en[6];
    const char *de[6];
} Keywords;

static const Keywords KEYWORDS[] = {
    {SCP_SR, {"sinus rhythm", NULL}, {"sinusrhythmus", NULL}},
    {SCP_SBRAD, {"bradycardia", "slow sinus", NULL}, {"bradykard", NULL}},
    {SCP_STACH, {"tachycardia", "fast sinus", NULL}, {"tachykard", NULL}},
    {SCP_AFIB, {"atrial fibrillation", NULL}, {"vorhofflimmern", NULL}},
    {SCP_NORM, {"normal", "no definite pathology", NULL}, {"normal", "normbereich", "kein pathologischer", "unauffällig", NULL}},
    {SCP_PVC, {"pvc", "ventricular", NULL}, {"ves", "ventrikuläre extrasystol", NULL}},
    {SCP_1AVB, {"av block", "atrioventricular block", NULL}, {"av-block", NULL}},
    {SCP_CLBBB, {"left bundle branch block", "lbbb", NULL}, {"linksschenkelblock", NULL}},
    {SCP_CRBBB, {"right bundle branch block", "rbbb", NULL}, {"rechtsschenkelblock", NULL}},
    {SCP_LAFB, {"left anterior", NULL}, {"linksanterior", NULL}},
    {SCP_LVH, {"hypertrophy", "lvh", NULL}, {"hypertrophie", NULL}},
    {SCP_ISCAN, {"anterior isch", "anterior leads", NULL}, {"anterior", NULL}},
    {SCP_ISCIN, {"inferior isch", "inferior leads", NULL}, {"inferior", NULL}},
    {SCP_ISCLA, {"lateral isch", "lateral leads", NULL}, {"lateral", NULL}},
    {SCP_ASMI, {"anteroseptal", NULL}, {"anteroseptal", NULL}},
    {SCP_AMI, {"anterior", NULL}, {"vorderwand", "anterior", NULL}},
    {SCP_IMI, {"inferior", NULL}, {"hinterwand", "inferior", NULL}},
    {SCP_LMI, {"lateral", NULL}, {"seitenwand", "lateral", NULL}},
};

static void reports_say_what_the_record_has(void **state) {
    (void)state;
    for (int lang = 0; lang < 2; lang++) {
        SynthConfig c;
        synth_config_default(&c);
        c.language = lang ? SYNTH_LANG_DE : SYNTH_LANG_EN;
        int non_ascii = 0;
        for (int i = 0; i < 600; i++) {
            SynthCase k;
            synth_case_draw(&c, (uint64_t)i, &k);
            size_t bad;
            assert_int_equal(text_utf8_check(k.report, strlen(k.report), &bad), 0);
            for (const char *p = k.report; *p; p++) non_ascii |= (unsigned char)*p >= 0x80;
            char *r = lower(k.report);
            for (size_t j = 0; j < sizeof KEYWORDS / sizeof KEYWORDS[0]; j++) {
                if (!has_code(&k, KEYWORDS[j].id, NULL)) continue;
                if (!has_any(r, lang ? KEYWORDS[j].de : KEYWORDS[j].en)) {
                    print_message("report of %s does not mention %s: '%s'\n", k.id, SCP_STATEMENTS[KEYWORDS[j].id].code,
                                  k.report);
                    fail();
                }
            }
            free(r);
            synth_case_free(&k);
        }
        /* English is ASCII; German has its umlauts */
        assert_int_equal(non_ascii, lang == 1);
    }
}

/* Statements said with less than certainty carry a hedge; certain ones none. */
static void hedges_follow_likelihoods(void **state) {
    (void)state;
    static const char *const EN_HEDGES[] = {"probable", "probably", "likely", "consistent with", "possible",
                                            "cannot rule out", "consider", "not excluded", NULL};
    SynthConfig c;
    synth_config_default(&c);
    c.priors.normal_fraction = 0;
    c.priors.cooccurrence = 0;
    for (int j = 0; j < N_CONDITIONS; j++) c.priors.weight[j] = j == COND_LVH ? 1.0f : 0.0f;
    int hedged = 0, plain = 0;
    for (int i = 0; i < 200; i++) {
        SynthCase k;
        synth_case_draw(&c, (uint64_t)i, &k);
        float like = 0;
        assert_true(has_code(&k, SCP_LVH, &like));
        char *r = lower(k.report);
        int says = has_any(r, EN_HEDGES);
        free(r);
        if (like < 100) {
            if (!says) print_message("%s: likelihood %g, no hedge: '%s'\n", k.id, (double)like, k.report);
            assert_true(says);
            hedged++;
        } else {
            assert_false(says);
            plain++;
        }
        synth_case_free(&k);
    }
    assert_true(hedged >= 20 && plain >= 100);
}

/* The same statements are written in many ways, rhythm mostly first but not always. */
static void wording_and_order_vary(void **state) {
    (void)state;
    SynthConfig c;
    synth_config_default(&c);
    c.priors.normal_fraction = 1;
    char *seen[200];
    int distinct = 0, rhythm_first = 0;
    for (int i = 0; i < 200; i++) {
        SynthCase k;
        synth_case_draw(&c, (uint64_t)i, &k);
        int known = 0;
        for (int j = 0; j < distinct; j++) known |= !strcmp(seen[j], k.report);
        if (!known) seen[distinct++] = strdup(k.report);
        char *r = lower(k.report);
        rhythm_first += strncmp(r, "sinus", 5) == 0 || strncmp(r, "normal sinus", 12) == 0 ||
                        strncmp(r, "regular sinus", 13) == 0;
        free(r);
        synth_case_free(&k);
    }
    print_message("%d distinct reports for 200 normal records; rhythm first in %d\n", distinct, rhythm_first);
    assert_true(distinct >= 30);
    assert_true(rhythm_first > 100 && rhythm_first < 200);
    for (int j = 0; j < distinct; j++) free(seen[j]);
}

/* The language changes the report only. */
static void language_changes_only_the_text(void **state) {
    (void)state;
    SynthConfig en, de;
    synth_config_default(&en);
    synth_config_default(&de);
    de.language = SYNTH_LANG_DE;
    for (int i = 0; i < 10; i++) {
        EcgRecord a, b;
        synth_generate(&en, (uint64_t)i, &a);
        synth_generate(&de, (uint64_t)i, &b);
        assert_memory_equal(a.signal, b.signal, sizeof(float) * N_LEADS * (size_t)a.n_samples);
        assert_memory_equal(a.labels, b.labels, sizeof a.labels);
        assert_int_equal(a.n_evidence, b.n_evidence);
        assert_true(strcmp(a.report, b.report) != 0);
        record_free(&a);
        record_free(&b);
    }
}

static void lead_lists_are_written_as_reports_write_them(void **state) {
    (void)state;
    char buf[64];
    format_leads(1u << LEAD_II | 1u << LEAD_III | 1u << LEAD_AVF, buf, sizeof buf);
    assert_string_equal(buf, "ii, iii, avf");
    format_leads(1u << LEAD_V1 | 1u << LEAD_V2 | 1u << LEAD_V3 | 1u << LEAD_V4, buf, sizeof buf);
    assert_string_equal(buf, "v1-v4");
    format_leads(1u << LEAD_I | 1u << LEAD_AVL | 1u << LEAD_V5 | 1u << LEAD_V6 | 1u << LEAD_V3, buf, sizeof buf);
    assert_string_equal(buf, "i, avl, v3, v5-v6");
    format_leads(0, buf, sizeof buf);
    assert_string_equal(buf, "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reports_say_what_the_record_has),
        cmocka_unit_test(hedges_follow_likelihoods),
        cmocka_unit_test(wording_and_order_vary),
        cmocka_unit_test(language_changes_only_the_text),
        cmocka_unit_test(lead_lists_are_written_as_reports_write_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
