/* Applying missingness protocols: reduced lead sets, random lead and time drop (counts, averages,
 * contiguity, determinism by seed and record index whatever the thread count), evidence removal
 * from hand-made spans, the masker hook, sample masks and the patch remainder. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/missing.h"
#include "testutil.h"

#define L(x) (1u << LEAD_##x)

static MissingProtocol parse(const char *text) {
    MissingProtocol p;
    if (missing_parse(text, &p) != 0) fail_msg("%s: %s", text, scar_last_error());
    return p;
}

static MissingRecord all_leads(void) {
    MissingRecord r = {0};
    r.lead_available = ALL_LEADS_MASK;
    return r;
}

/* Leads with at least one present token. */
static uint16_t leads_present(const uint8_t *mask, int np) {
    uint16_t m = 0;
    for (int l = 0; l < N_LEADS; l++)
        for (int t = 0; t < np; t++)
            if (mask[l * np + t]) m |= (uint16_t)(1u << l);
    return m;
}

static int apply_ok(const MissingProtocol *p, const MissingRecord *r, int n, int patch, int64_t index, uint8_t *mask) {
    int present = missing_apply(p, r, n, patch, index, mask);
    if (present < 0) fail_msg("%s", scar_last_error());
    return present;
}

static void full_keeps_everything(void **state) {
    (void)state;
    MissingProtocol p = parse("full");
    MissingRecord r = all_leads();
    uint8_t mask[N_LEADS * 10];
    assert_int_equal(apply_ok(&p, &r, 1000, 100, 0, mask), N_LEADS * 10);
    for (int i = 0; i < N_LEADS * 10; i++) assert_int_equal(mask[i], 1);
    assert_int_equal(missing_n_patches(1050, 100), 10); /* the remainder is not a token */
    assert_int_equal(missing_n_patches(99, 100), 0);
    assert_int_equal(missing_apply(&p, &r, 99, 100, 0, mask), -1);
    assert_non_null(strstr(scar_last_error(), "no whole patch"));
}

static void reduced_lead_sets_keep_the_challenge_leads(void **state) {
    (void)state;
    static const struct {
        const char *text;
        uint16_t leads;
    } SETS[] = {
        {"leadset=12", ALL_LEADS_MASK},
        {"leadset=6", L(I) | L(II) | L(III) | L(AVR) | L(AVL) | L(AVF)},
        {"leadset=4", L(I) | L(II) | L(III) | L(V2)},
        {"leadset=3", L(I) | L(II) | L(V2)},
        {"leadset=2", L(I) | L(II)},
        {"leadset=1", L(I)},
        {"leads=V5,aVR", L(V5) | L(AVR)},
    };
    MissingRecord r = all_leads();
    uint8_t mask[N_LEADS * 20];
    for (size_t k = 0; k < sizeof SETS / sizeof SETS[0]; k++) {
        MissingProtocol p = parse(SETS[k].text);
        int present = apply_ok(&p, &r, 500, 25, 3, mask);
        assert_int_equal(leads_present(mask, 20), SETS[k].leads);
        assert_int_equal(present, 20 * __builtin_popcount(SETS[k].leads)); /* kept leads keep every patch */
    }
}

static void missing_leads_stay_missing(void **state) {
    (void)state;
    static const char *const PROTOCOLS[] = {"full", "leadset=4", "leads=V2,V3", "drop_leads=0.5;seed=1",
                                            "drop_time=0.4;blocks=2;seed=2", "drop_leads=0.25;drop_time=0.3;seed=3"};
    MissingRecord r = all_leads();
    r.lead_available = (uint16_t)(ALL_LEADS_MASK & ~(L(V2) | L(III) | L(AVF)));
    uint8_t mask[N_LEADS * 40];
    for (size_t k = 0; k < sizeof PROTOCOLS / sizeof PROTOCOLS[0]; k++) {
        MissingProtocol p = parse(PROTOCOLS[k]);
        for (int64_t i = 0; i < 50; i++) {
            apply_ok(&p, &r, 4000, 100, i, mask);
            assert_int_equal(leads_present(mask, 40) & ~r.lead_available, 0);
        }
    }
    MissingProtocol p = parse("leadset=4");
    apply_ok(&p, &r, 4000, 100, 0, mask);
    assert_int_equal(leads_present(mask, 40), L(I) | L(II));
}

/* Exact counts when r·n is whole, r·n on average otherwise, always at least one lead. */
static void lead_drop_counts(void **state) {
    (void)state;
    MissingRecord r = all_leads();
    uint8_t mask[N_LEADS * 10];
    static const struct {
        const char *text;
        int dropped;
    } EXACT[] = {{"drop_leads=0.25;seed=4", 3}, {"drop_leads=0.5;seed=4", 6}, {"drop_leads=0;seed=4", 0},
                 {"drop_leads=1;seed=4", 11}, {"drop_leads=0.75;drop_time=0.5;seed=4", 9}};
    for (size_t k = 0; k < sizeof EXACT / sizeof EXACT[0]; k++) {
        MissingProtocol p = parse(EXACT[k].text);
        for (int64_t i = 0; i < 500; i++) {
            apply_ok(&p, &r, 1000, 100, i, mask);
            assert_int_equal(N_LEADS - __builtin_popcount(leads_present(mask, 10)), EXACT[k].dropped);
        }
    }
    /* 0.3 × 12 = 3.6: three or four leads, 3.6 on average; every lead as often as any other */
    MissingProtocol p = parse("drop_leads=0.3;seed=5");
    const int n = 6000;
    long total = 0, per_lead[N_LEADS] = {0};
    for (int64_t i = 0; i < n; i++) {
        apply_ok(&p, &r, 1000, 100, i, mask);
        uint16_t gone = (uint16_t)(ALL_LEADS_MASK & ~leads_present(mask, 10));
        int d = __builtin_popcount(gone);
        assert_true(d == 3 || d == 4);
        total += d;
        for (int l = 0; l < N_LEADS; l++) per_lead[l] += (gone >> l) & 1u;
    }
    assert_true(fabs((double)total / n - 3.6) < 0.03);
    for (int l = 0; l < N_LEADS; l++) assert_true(fabs((double)per_lead[l] / n - 0.3) < 0.025);
    /* ratios apply to the available leads; a lone lead is never dropped */
    MissingRecord two = all_leads(), one = all_leads();
    two.lead_available = L(II) | L(V5);
    one.lead_available = L(V1);
    MissingProtocol all = parse("drop_leads=1;seed=1");
    for (int64_t i = 0; i < 100; i++) {
        apply_ok(&all, &two, 1000, 100, i, mask);
        assert_int_equal(__builtin_popcount(leads_present(mask, 10)), 1);
        assert_int_equal(leads_present(mask, 10) & ~two.lead_available, 0);
        apply_ok(&all, &one, 1000, 100, i, mask);
        assert_int_equal(leads_present(mask, 10), L(V1));
    }
}

/* A larger ratio drops a superset of the leads (same seed, same record). */
static void lead_drop_is_nested_across_ratios(void **state) {
    (void)state;
    MissingRecord r = all_leads();
    uint8_t mask[N_LEADS * 10];
    MissingProtocol p[4] = {parse("drop_leads=0.1;seed=3"), parse("drop_leads=0.3;seed=3"),
                            parse("drop_leads=0.55;seed=3"), parse("drop_leads=0.9;seed=3")};
    for (int64_t i = 0; i < 300; i++) {
        uint16_t prev = ALL_LEADS_MASK;
        for (int k = 0; k < 4; k++) {
            apply_ok(&p[k], &r, 1000, 100, i, mask);
            uint16_t kept = leads_present(mask, 10);
            assert_int_equal(kept & ~prev, 0);
            prev = kept;
        }
    }
}

/* The dropped patches of a record: [np] 1 = dropped in every lead, checked to be the same in all. */
static int dropped_patches(const uint8_t *mask, int np, uint16_t leads, uint8_t *dropped) {
    int first = -1, count = 0;
    for (int l = 0; l < N_LEADS; l++) {
        if (!((leads >> l) & 1u)) continue;
        if (first < 0) {
            first = l;
            for (int t = 0; t < np; t++) count += dropped[t] = !mask[l * np + t];
        } else {
            for (int t = 0; t < np; t++) assert_int_equal(!mask[l * np + t], dropped[t]);
        }
    }
    return count;
}

/* Runs of dropped patches; their starts and lengths into the arrays when given. */
static int runs(const uint8_t *dropped, int np, int *start, int *len) {
    int n = 0;
    for (int t = 0; t < np; t++) {
        if (!dropped[t] || (t > 0 && dropped[t - 1])) continue;
        int e = t;
        while (e < np && dropped[e]) e++;
        if (start) start[n] = t;
        if (len) len[n] = e - t;
        n++;
    }
    return n;
}

static void time_drop_blocks(void **state) {
    (void)state;
    MissingRecord r = all_leads();
    enum { NP = 50 };
    uint8_t mask[N_LEADS * NP], dropped[NP];
    /* one block of exactly 15 of 50 patches, the same in every lead, uniformly placed */
    MissingProtocol p = parse("drop_time=0.3;seed=8");
    const int n = 7200; /* 36 possible starts, ~200 each */
    int starts[NP - 15 + 1] = {0};
    for (int64_t i = 0; i < n; i++) {
        assert_int_equal(apply_ok(&p, &r, NP * 20, 20, i, mask), N_LEADS * (NP - 15));
        assert_int_equal(dropped_patches(mask, NP, ALL_LEADS_MASK, dropped), 15);
        int s, len;
        assert_int_equal(runs(dropped, NP, &s, &len), 1);
        assert_int_equal(len, 15);
        starts[s]++;
    }
    for (int s = 0; s <= NP - 15; s++) assert_true(starts[s] > 130 && starts[s] < 270);

    /* three separate blocks covering exactly 15 patches, lengths 5 each */
    p = parse("drop_time=0.3;blocks=3;seed=8");
    for (int64_t i = 0; i < 500; i++) {
        apply_ok(&p, &r, NP * 20, 20, i, mask);
        assert_int_equal(dropped_patches(mask, NP, ALL_LEADS_MASK, dropped), 15);
        int len[NP];
        assert_int_equal(runs(dropped, NP, NULL, len), 3);
        for (int b = 0; b < 3; b++) assert_int_equal(len[b], 5);
    }
    /* 16 of 50 into 3 blocks: lengths 6, 5, 5, the long one first, second or third alike */
    p = parse("drop_time=0.32;blocks=3;seed=8");
    int long_at[3] = {0};
    for (int64_t i = 0; i < 1500; i++) {
        apply_ok(&p, &r, NP * 20, 20, i, mask);
        assert_int_equal(dropped_patches(mask, NP, ALL_LEADS_MASK, dropped), 16);
        int len[NP];
        assert_int_equal(runs(dropped, NP, NULL, len), 3);
        assert_int_equal(len[0] + len[1] + len[2], 16);
        for (int b = 0; b < 3; b++) {
            assert_true(len[b] == 5 || len[b] == 6);
            long_at[b] += len[b] == 6;
        }
    }
    for (int b = 0; b < 3; b++) assert_true(long_at[b] > 400 && long_at[b] < 600);
    /* 12.5 patches on average: 12 or 13, one block */
    p = parse("drop_time=0.25;seed=9");
    long total = 0;
    for (int64_t i = 0; i < 4000; i++) {
        apply_ok(&p, &r, NP * 20, 20, i, mask);
        int d = dropped_patches(mask, NP, ALL_LEADS_MASK, dropped);
        assert_true(d == 12 || d == 13);
        assert_int_equal(runs(dropped, NP, NULL, NULL), 1);
        total += d;
    }
    assert_true(fabs(total / 4000.0 - 12.5) < 0.05);
    /* at most n − 1 patches: one is always kept; more blocks than room gives fewer blocks */
    p = parse("drop_time=1;blocks=5;seed=1");
    for (int64_t i = 0; i < 50; i++) {
        assert_int_equal(apply_ok(&p, &r, NP * 20, 20, i, mask), N_LEADS);
        assert_int_equal(dropped_patches(mask, NP, ALL_LEADS_MASK, dropped), NP - 1);
    }
    p = parse("drop_time=0.9;blocks=64;seed=1");
    for (int64_t i = 0; i < 50; i++) {
        apply_ok(&p, &r, NP * 20, 20, i, mask);
        assert_int_equal(dropped_patches(mask, NP, ALL_LEADS_MASK, dropped), 45);
        assert_int_equal(runs(dropped, NP, NULL, NULL), 6); /* 5 kept patches separate at most 6 blocks */
    }
}

/* Masks depend only on protocol text, seed and record index. */
static void determinism_by_seed_and_index(void **state) {
    (void)state;
    enum { NP = 40, N = 64 };
    MissingRecord r = all_leads();
    MissingProtocol p = parse("drop_leads=0.5;drop_time=0.3;blocks=2;seed=7");
    MissingProtocol again = parse("seed=7;blocks=2;drop_time=0.3;drop_leads=0.5");
    static uint8_t serial[N][N_LEADS * NP], threaded[N][N_LEADS * NP];
    for (int i = 0; i < N; i++) apply_ok(&p, &r, NP * 10, 10, 1000 + i, serial[i]);
    int failed = 0;
#pragma omp parallel for num_threads(4) schedule(dynamic, 1) reduction(+ : failed)
    for (int i = N - 1; i >= 0; i--) failed += missing_apply(&again, &r, NP * 10, 10, 1000 + i, threaded[i]) < 0;
    assert_int_equal(failed, 0);
    assert_memory_equal(serial, threaded, sizeof serial);
    /* other records, other seeds: other masks */
    int same_index = 0, same_seed = 0;
    MissingProtocol other_seed = parse("drop_leads=0.5;drop_time=0.3;blocks=2;seed=8");
    uint8_t mask[N_LEADS * NP];
    for (int i = 0; i < N; i++) {
        same_index += !memcmp(serial[i], serial[(i + 1) % N], sizeof mask);
        apply_ok(&other_seed, &r, NP * 10, 10, 1000 + i, mask);
        same_seed += !memcmp(serial[i], mask, sizeof mask);
    }
    assert_true(same_index < 2 && same_seed < 2);
}

/* Lead and time drop draw from separate streams: adding one leaves the other's pattern alone. */
static void lead_and_time_streams_are_separate(void **state) {
    (void)state;
    enum { NP = 30 };
    MissingRecord r = all_leads();
    MissingProtocol time_only = parse("drop_time=0.3;seed=7"), both = parse("drop_leads=0.5;drop_time=0.3;seed=7"),
                    leads_only = parse("drop_leads=0.5;seed=7");
    uint8_t a[N_LEADS * NP], b[N_LEADS * NP], c[N_LEADS * NP], da[NP], db[NP];
    for (int64_t i = 0; i < 100; i++) {
        apply_ok(&time_only, &r, NP * 10, 10, i, a);
        apply_ok(&both, &r, NP * 10, 10, i, b);
        apply_ok(&leads_only, &r, NP * 10, 10, i, c);
        uint16_t kept = leads_present(b, NP);
        assert_int_equal(kept, leads_present(c, NP));
        dropped_patches(a, NP, ALL_LEADS_MASK, da);
        dropped_patches(b, NP, kept, db);
        assert_memory_equal(da, db, NP);
    }
}

/* Spans: V1, V2 over [25, 41) primary; II over [100, 110) secondary; aVF over [59, 61) primary;
 * a primary span of label set 1 on V6 over [0, 10); one reaching past both ends of the record. */
static const EvidenceSpan SPANS[] = {
    {0, 1, L(V1) | L(V2), 1, 25, 41}, {0, 1, L(II), 0, 100, 110}, {0, 2, L(AVF), 1, 59, 61},
    {1, 0, L(V6), 1, 0, 10},          {0, 3, L(V4), 1, -50, 5},   {0, 3, L(V3), 1, 195, 400},
};

static void expect_removed(uint8_t *expect, int np, uint16_t leads, int p0, int p1) {
    for (int l = 0; l < N_LEADS; l++)
        if (leads & (1u << l))
            for (int t = p0; t <= p1; t++) expect[l * np + t] = 0;
}

static void evidence_from_spans(void **state) {
    (void)state;
    enum { NP = 20 };
    MissingRecord r = all_leads();
    r.evidence = SPANS;
    r.n_evidence = (int)(sizeof SPANS / sizeof SPANS[0]);
    uint8_t mask[N_LEADS * NP], expect[N_LEADS * NP];
    memset(expect, 1, sizeof expect);
    expect_removed(expect, NP, L(V1) | L(V2), 2, 4); /* [25, 41) touches patches 2, 3 and 4 */
    expect_removed(expect, NP, L(AVF), 5, 6);        /* [59, 61) straddles 5 and 6 */
    expect_removed(expect, NP, L(V6), 0, 0);
    expect_removed(expect, NP, L(V4), 0, 0); /* clipped at 0 */
    expect_removed(expect, NP, L(V3), 19, 19); /* clipped at the end */
    MissingProtocol p = parse("evidence=primary");
    assert_int_equal(apply_ok(&p, &r, NP * 10, 10, 0, mask), N_LEADS * NP - 6 - 2 - 1 - 1 - 1);
    assert_memory_equal(mask, expect, sizeof mask);
    /* with secondary: II over [100, 110) is exactly patch 10, not its neighbours */
    expect_removed(expect, NP, L(II), 10, 10);
    p = parse("evidence=primary+secondary");
    apply_ok(&p, &r, NP * 10, 10, 0, mask);
    assert_memory_equal(mask, expect, sizeof mask);
    /* labelset= keeps only that set's spans: set 1 is "sub" here, its one span on V6 */
    LabelSchema schema = {0};
    schema.n_sets = 2;
    strcpy(schema.set_name[0], "super");
    strcpy(schema.set_name[1], "sub");
    LabelBits labels[2] = {{{0}}, {{0}}};
    r.schema = &schema;
    r.labels = labels;
    p = parse("evidence=primary;labelset=SUB");
    assert_int_equal(apply_ok(&p, &r, NP * 10, 10, 0, mask), N_LEADS * NP - 1);
    assert_int_equal(mask[LEAD_V6 * NP + 0], 0);
    p = parse("evidence=primary;labelset=form");
    assert_int_equal(missing_apply(&p, &r, NP * 10, 10, 0, mask), -1);
    assert_non_null(strstr(scar_last_error(), "labelset=form: no such label set (the data has: super, sub)"));
}

static void evidence_and_other_parts_compose(void **state) {
    (void)state;
    enum { NP = 20 };
    MissingRecord r = all_leads();
    r.evidence = SPANS;
    r.n_evidence = 1; /* V1, V2 over patches 2-4 */
    uint8_t mask[N_LEADS * NP];
    MissingProtocol p = parse("leadset=4;evidence=primary");
    /* I, II, III, V2 kept; V2 loses three patches */
    assert_int_equal(apply_ok(&p, &r, NP * 10, 10, 0, mask), 4 * NP - 3);
    /* evidence removal keeps no minimum: a record can lose every token */
    EvidenceSpan everything = {0, 0, ALL_LEADS_MASK, 1, 0, NP * 10};
    r.evidence = &everything;
    p = parse("evidence=primary");
    assert_int_equal(apply_ok(&p, &r, NP * 10, 10, 0, mask), 0);
}

static void evidence_needs_spans_or_labels(void **state) {
    (void)state;
    MissingRecord r = all_leads();
    MissingProtocol p = parse("evidence=primary");
    uint8_t mask[N_LEADS * 10];
    assert_int_equal(missing_apply(&p, &r, 100, 10, 0, mask), -1);
    assert_non_null(strstr(scar_last_error(), "neither evidence spans nor labels"));
    p = parse("evidence=primary;labelset=super");
    assert_int_equal(missing_apply(&p, &r, 100, 10, 0, mask), -1);
    assert_non_null(strstr(scar_last_error(), "no label schema"));
}

/* Without spans: the clinical map of the record's classes, whole leads. */
static void evidence_falls_back_to_the_clinical_map(void **state) {
    (void)state;
    enum { NP = 10 };
    LabelSchema schema = {0};
    schema.n_sets = 2;
    strcpy(schema.set_name[0], "super");
    strcpy(schema.set_name[1], "sub");
    const char *super[] = {"NORM", "MI", "STTC", "CD", "HYP"}, *sub[] = {"NORM", "AMI", "IMI", "LMI", "CRBBB"};
    schema.n_classes[0] = schema.n_classes[1] = 5;
    for (int c = 0; c < 5; c++) strcpy(schema.class_name[0][c], super[c]), strcpy(schema.class_name[1][c], sub[c]);
    LabelBits labels[2] = {{{0}}, {{0}}};
    label_set(&labels[0], 1); /* MI */
    label_set(&labels[1], 2); /* IMI */
    MissingRecord r = all_leads();
    r.schema = &schema;
    r.labels = labels;
    uint8_t mask[N_LEADS * NP];
    MissingProtocol p = parse("evidence=primary");
    assert_int_equal(apply_ok(&p, &r, NP * 50, 50, 0, mask), 9 * NP);
    assert_int_equal(leads_present(mask, NP), ALL_LEADS_MASK & ~(L(II) | L(III) | L(AVF)));
    p = parse("evidence=primary+secondary");
    apply_ok(&p, &r, NP * 50, 50, 0, mask);
    assert_int_equal(leads_present(mask, NP), ALL_LEADS_MASK & ~(L(II) | L(III) | L(AVF) | L(I) | L(AVL)));
    /* normal: nothing local to remove */
    memset(labels, 0, sizeof labels);
    label_set(&labels[0], 0);
    label_set(&labels[1], 0);
    p = parse("evidence=primary");
    assert_int_equal(apply_ok(&p, &r, NP * 50, 50, 0, mask), N_LEADS * NP);
    /* spans, when present, win over the labels */
    memset(labels, 0, sizeof labels);
    label_set(&labels[1], 4); /* CRBBB would remove V1, V2 */
    EvidenceSpan span = {1, 4, L(V6), 1, 0, 50};
    r.evidence = &span;
    r.n_evidence = 1;
    assert_int_equal(apply_ok(&p, &r, NP * 50, 50, 0, mask), N_LEADS * NP - 1);
    r.evidence = NULL;
    r.n_evidence = 0;
    apply_ok(&p, &r, NP * 50, 50, 0, mask);
    assert_int_equal(leads_present(mask, NP), ALL_LEADS_MASK & ~(L(V1) | L(V2)));
}

/* A masker that removes the first `ctx` present tokens. */
static int remove_first(void *ctx, const MissingProtocol *p, const MissingRecord *rec, int n_patches, int patch_len,
                        int64_t record_index, uint8_t *mask) {
    (void)p, (void)rec, (void)patch_len, (void)record_index;
    int k = *(int *)ctx;
    for (int i = 0; i < N_LEADS * n_patches && k > 0; i++)
        if (mask[i]) mask[i] = 0, k--;
    return 0;
}

static int restore_all(void *ctx, const MissingProtocol *p, const MissingRecord *rec, int n_patches, int patch_len,
                       int64_t record_index, uint8_t *mask) {
    (void)ctx, (void)p, (void)rec, (void)patch_len, (void)record_index;
    memset(mask, 1, (size_t)N_LEADS * n_patches);
    return 0;
}

static void adversarial_needs_a_masker(void **state) {
    (void)state;
    enum { NP = 10 };
    MissingRecord r = all_leads();
    MissingProtocol p = parse("leadset=6;adversarial=runs/m.safetensors;budget=0.25");
    uint8_t mask[N_LEADS * NP];
    assert_int_equal(missing_apply(&p, &r, NP * 10, 10, 0, mask), -1);
    assert_non_null(strstr(scar_last_error(), "adversarial=runs/m.safetensors: applying it needs its trained masker"));
    int k = 15; /* 25% of the 60 tokens the lead set leaves */
    MissingMasker m = {remove_first, &k};
    assert_int_equal(missing_apply_masked(&p, &r, NP * 10, 10, 0, &m, mask), 60 - 15);
    k = 16;
    assert_int_equal(missing_apply_masked(&p, &r, NP * 10, 10, 0, &m, mask), -1);
    assert_non_null(strstr(scar_last_error(), "removed 16 of 60 tokens, over budget=0.25 (15)"));
    MissingMasker cheat = {restore_all, NULL};
    assert_int_equal(missing_apply_masked(&p, &r, NP * 10, 10, 0, &cheat, mask), -1);
    assert_non_null(strstr(scar_last_error(), "restored 60 removed tokens"));
}

/* The sample mask: the token mask spread over its samples, the tail following the last patch,
 * invalid samples out; a token with no valid sample is absent. */
static void sample_masks(void **state) {
    (void)state;
    enum { S = 1050, P = 100, NP = 10 };
    static uint8_t valid[N_LEADS * S], samples[N_LEADS * S];
    memset(valid, 1, sizeof valid);
    memset(valid + LEAD_I * S + 200, 0, 100);  /* lead I, patch 2 wholly invalid */
    memset(valid + LEAD_II * S + 310, 0, 50); /* lead II, patch 3 half invalid */
    EvidenceSpan span = {0, 0, L(V1), 1, 950, 1000}; /* the last whole patch of V1 */
    EvidenceSpan tail = {0, 0, L(V2), 1, 1010, 1040}; /* only in the remainder: no token */
    EvidenceSpan spans[2] = {span, tail};
    MissingRecord r = all_leads();
    r.valid = valid;
    r.evidence = spans;
    r.n_evidence = 2;
    MissingProtocol p = parse("evidence=primary");
    uint8_t tokens[N_LEADS * NP];
    assert_int_equal(apply_ok(&p, &r, S, P, 0, tokens), N_LEADS * NP - 2);
    assert_int_equal(tokens[LEAD_I * NP + 2], 0);
    assert_int_equal(tokens[LEAD_II * NP + 3], 1);
    assert_int_equal(tokens[LEAD_V1 * NP + 9], 0);
    assert_int_equal(tokens[LEAD_V2 * NP + 9], 1);
    long kept = missing_apply_samples(&p, &r, S, P, 0, NULL, samples);
    assert_int_equal(kept, (long)N_LEADS * S - 100 - 50 - 150);
    for (int t = 900; t < S; t++) assert_int_equal(samples[LEAD_V1 * S + t], 0); /* tail follows patch 9 */
    assert_int_equal(samples[LEAD_V1 * S + 899], 1);
    for (int t = 0; t < S; t++) assert_int_equal(samples[LEAD_V2 * S + t], 1);
    assert_int_equal(samples[LEAD_II * S + 309], 1);
    assert_int_equal(samples[LEAD_II * S + 310], 0);
    /* patch_len 1: spans at sample precision */
    r.valid = NULL;
    r.n_evidence = 1;
    kept = missing_apply_samples(&p, &r, S, 1, 0, NULL, samples);
    assert_int_equal(kept, (long)N_LEADS * S - 50);
    assert_int_equal(samples[LEAD_V1 * S + 949], 1);
    assert_int_equal(samples[LEAD_V1 * S + 950], 0);
    assert_int_equal(samples[LEAD_V1 * S + 999], 0);
    assert_int_equal(samples[LEAD_V1 * S + 1000], 1);
    /* random parts at sample level match their token masks */
    p = parse("drop_leads=0.5;drop_time=0.3;seed=2");
    r.n_evidence = 0;
    apply_ok(&p, &r, S, P, 77, tokens);
    missing_apply_samples(&p, &r, S, P, 77, NULL, samples);
    for (int l = 0; l < N_LEADS; l++)
        for (int t = 0; t < S; t++) assert_int_equal(samples[l * S + t], tokens[l * NP + (t / P < NP ? t / P : NP - 1)]);
    assert_int_equal(missing_apply_samples(&p, &r, 50, P, 0, NULL, samples), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_keeps_everything),
        cmocka_unit_test(reduced_lead_sets_keep_the_challenge_leads),
        cmocka_unit_test(missing_leads_stay_missing),
        cmocka_unit_test(lead_drop_counts),
        cmocka_unit_test(lead_drop_is_nested_across_ratios),
        cmocka_unit_test(time_drop_blocks),
        cmocka_unit_test(determinism_by_seed_and_index),
        cmocka_unit_test(lead_and_time_streams_are_separate),
        cmocka_unit_test(evidence_from_spans),
        cmocka_unit_test(evidence_and_other_parts_compose),
        cmocka_unit_test(evidence_needs_spans_or_labels),
        cmocka_unit_test(evidence_falls_back_to_the_clinical_map),
        cmocka_unit_test(adversarial_needs_a_masker),
        cmocka_unit_test(sample_masks),
    };
    return cmocka_run_group_tests_name("missing_apply", tests, NULL, NULL);
}
