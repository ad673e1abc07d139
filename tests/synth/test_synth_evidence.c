/* The evidence map: the token query on hand-made spans, and on generated records that the spans
 * sit where the signal shows the diagnosis (the measured ST elevation is in the primary leads of an
 * infarct, the reciprocal depression in its secondary ones) and only for the record's own classes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/delineate.h"
#include "data/synth/evidence.h"
#include "data/synth/statements.h"
#include "data/synth/synth.h"
#include "testutil.h"

#define L(x) (1u << LEAD_##x)

static void token_query_on_hand_made_spans(void **state) {
    (void)state;
    EvidenceSpan s[] = {
        {1, 3, L(II) | L(III), 1, 95, 105},  /* primary, straddles patches 1 and 2 of 50 */
        {1, 3, L(III) | L(V1), 0, 0, 50},     /* secondary, patch 0 exactly */
        {1, 3, L(III), 0, 100, 140},          /* secondary under a primary: primary wins */
        {1, 4, L(I), 1, 200, 230},            /* another class */
        {2, 3, L(V6), 1, 0, 250},             /* another label set */
        {1, 3, L(V2), 1, 240, 260},           /* runs past the record's end (250): clipped */
    };
    int n = 250, P = 50, np = evidence_n_patches(n, P);
    assert_int_equal(np, 5);
    assert_int_equal(evidence_n_patches(251, 50), 6); /* a partial last patch counts */
    uint8_t *t = malloc((size_t)N_LEADS * np);
    int primary = evidence_tokens(s, 6, 1, 3, n, P, t);
    uint8_t want[N_LEADS][5] = {{0}};
    want[LEAD_II][1] = want[LEAD_II][2] = 2;
    want[LEAD_III][1] = want[LEAD_III][2] = 2;
    want[LEAD_III][0] = 1;
    want[LEAD_V1][0] = 1;
    want[LEAD_V2][4] = 2;
    assert_memory_equal(t, want, sizeof want);
    assert_int_equal(primary, 5);
    /* every class of the set */
    evidence_tokens(s, 6, 1, -1, n, P, t);
    assert_int_equal(t[LEAD_I * np + 4], 2);
    assert_int_equal(t[LEAD_II * np + 1], 2);
    /* patch of one sample: tokens are exactly the samples of the spans */
    uint8_t *u = malloc((size_t)N_LEADS * n);
    evidence_tokens(s, 6, 1, 4, n, 1, u);
    for (int i = 0; i < n; i++) assert_int_equal(u[LEAD_I * n + i], i >= 200 && i < 230 ? 2 : 0);
    free(u);
    free(t);
}

/* Spans are well formed, only for the record's positive classes, and every positive class has
 * primary evidence -- except NORM, read from the absence of findings: secondary evidence only. */
static void spans_belong_to_positive_classes(void **state) {
    (void)state;
    SynthConfig c;
    synth_config_default(&c);
    LabelSchema s;
    synth_label_schema(&s);
    for (int i = 0; i < 300; i++) {
        EcgRecord r;
        synth_generate(&c, (uint64_t)i, &r);
        int has_primary[SCAR_MAX_LABELSETS][SCAR_MAX_CLASSES] = {{0}}, has_any[SCAR_MAX_LABELSETS][SCAR_MAX_CLASSES] = {{0}};
        for (int k = 0; k < r.n_evidence; k++) {
            const EvidenceSpan *e = &r.evidence[k];
            assert_true(e->label_set < s.n_sets);
            assert_true(e->class_id < s.n_classes[e->label_set]);
            assert_true(label_has(&r.labels[e->label_set], e->class_id));
            assert_true(e->lead_mask != 0 && (e->lead_mask & ~ALL_LEADS_MASK) == 0);
            assert_true(e->t0 >= 0 && e->t0 < e->t1 && e->t1 <= r.n_samples);
            if (e->primary) has_primary[e->label_set][e->class_id] = 1;
            has_any[e->label_set][e->class_id] = 1;
        }
        for (int set = 0; set < s.n_sets; set++)
            for (int cl = 0; cl < s.n_classes[set]; cl++) {
                if (!label_has(&r.labels[set], cl)) continue;
                const int norm = !strcmp(s.class_name[set][cl], "NORM");
                assert_int_equal(has_primary[set][cl], !norm);
                assert_true(has_any[set][cl]);
            }
        record_free(&r);
    }
}

static uint16_t span_leads(const EcgRecord *r, int set, int cls, int primary, int st_window) {
    uint16_t m = 0;
    for (int k = 0; k < r->n_evidence; k++) {
        const EvidenceSpan *e = &r->evidence[k];
        if (e->label_set != set || e->class_id != cls || e->primary != primary) continue;
        /* ST-T spans are the long ones (> 100 ms), Q-wave spans 60 ms */
        int long_span = (e->t1 - e->t0) > 0.1f * r->rate_hz;
        if (st_window == long_span) m |= e->lead_mask;
    }
    return m;
}

/* Infarcts: primary leads are mostly territory leads and show the measured ST elevation; the
 * secondary ST leads show depression. */
static void infarct_evidence_is_where_the_st_changes_are(void **state) {
    (void)state;
    struct {
        int cond;
        const char *sub;
        uint16_t territory;
    } mi[] = {
        {COND_ASMI, "AMI", L(V1) | L(V2) | L(V3) | L(V4) | L(V5)},
        {COND_AMI, "AMI", L(V1) | L(V2) | L(V3) | L(V4) | L(V5)},
        {COND_IMI, "IMI", L(II) | L(III) | L(AVF)},
        {COND_LMI, "LMI", L(I) | L(AVL) | L(V4) | L(V5) | L(V6)},
    };
    LabelSchema s;
    synth_label_schema(&s);
    for (int k = 0; k < 4; k++) {
        SynthConfig c;
        synth_config_default(&c);
        c.rate_hz = 250;
        c.seed = 7 + (uint64_t)k;
        c.priors.normal_fraction = 0;
        c.priors.cooccurrence = 0;
        for (int j = 0; j < N_CONDITIONS; j++) c.priors.weight[j] = j == mi[k].cond ? 1.0f : 0.0f;
        int cls = -1;
        for (int j = 0; j < s.n_classes[LABELSET_SUB]; j++)
            if (!strcmp(s.class_name[LABELSET_SUB][j], mi[k].sub)) cls = j;
        assert_true(cls >= 0);
        double up = 0, down = 0;
        int n_up = 0, n_down = 0;
        for (int i = 0; i < 20; i++) {
            EcgRecord r;
            synth_generate(&c, (uint64_t)i, &r);
            uint16_t primary = span_leads(&r, LABELSET_SUB, cls, 1, 1);
            uint16_t secondary = span_leads(&r, LABELSET_SUB, cls, 0, 1);
            /* mostly territory leads (an anterior injury current also lifts aVL, as a proximal
             * LAD occlusion does) */
            int inside = __builtin_popcount(primary & mi[k].territory), outside = __builtin_popcount(primary & ~mi[k].territory);
            assert_true(inside >= 2);
            assert_true(inside > outside);
            assert_int_equal(primary & secondary, 0);
            EcgMeasurements m;
            assert_int_equal(ecg_delineate(r.signal, r.n_samples, r.rate_hz, ALL_LEADS_MASK, &m), 0);
            for (int l = 0; l < N_LEADS; l++) {
                if ((primary >> l) & 1u) up += m.st_mv[l], n_up++;
                if ((secondary >> l) & 1u) down += m.st_mv[l], n_down++;
            }
            record_free(&r);
        }
        up /= n_up;
        down /= n_down;
        print_message("%s: mean measured ST %.3f mV in primary leads, %.3f mV in secondary\n",
                      CONDITIONS[mi[k].cond].code, up, down);
        assert_true(up >= 0.15);
        assert_true(down <= -0.05);
    }
}

/* Primary tokens of a class exist at a typical patch size and cover the beats across the record. */
static void tokens_cover_the_record(void **state) {
    (void)state;
    SynthConfig c;
    synth_config_default(&c);
    c.priors.normal_fraction = 0;
    c.priors.cooccurrence = 0;
    for (int j = 0; j < N_CONDITIONS; j++) c.priors.weight[j] = j == COND_CLBBB ? 1.0f : 0.0f;
    LabelSchema s;
    synth_label_schema(&s);
    int cd = -1;
    for (int j = 0; j < s.n_classes[0]; j++)
        if (!strcmp(s.class_name[0][j], "CD")) cd = j;
    EcgRecord r;
    synth_generate(&c, 0, &r);
    int P = 50, np = evidence_n_patches(r.n_samples, P);
    uint8_t *t = malloc((size_t)N_LEADS * np);
    int primary = evidence_tokens(r.evidence, r.n_evidence, LABELSET_SUPER, cd, r.n_samples, P, t);
    assert_true(primary > 0);
    /* LBBB's primary leads only: I, aVL, V1, V2, V5, V6 */
    for (int l = 0; l < N_LEADS; l++)
        for (int p = 0; p < np; p++)
            if (t[l * np + p] == EVIDENCE_PRIMARY)
                assert_true((L(I) | L(AVL) | L(V1) | L(V2) | L(V5) | L(V6)) >> l & 1u);
    /* primary tokens in the first and the last quarter of the record (every beat has them) */
    int early = 0, late = 0;
    for (int p = 0; p < np; p++) {
        if (t[LEAD_V1 * np + p] != EVIDENCE_PRIMARY) continue;
        early |= p < np / 4;
        late |= p >= 3 * np / 4;
    }
    assert_true(early && late);
    free(t);
    record_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_query_on_hand_made_spans),
        cmocka_unit_test(spans_belong_to_positive_classes),
        cmocka_unit_test(infarct_evidence_is_where_the_st_changes_are),
        cmocka_unit_test(tokens_cover_the_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
