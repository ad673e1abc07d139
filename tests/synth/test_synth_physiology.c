/* The generated signals measured the way calipers would (data/delineate.h), over many records per
 * class: rates inside each rhythm class's range, wide QRS only in bundle branch block, long PR in
 * first-degree AV block, irregular RR in atrial fibrillation, ST elevation with reciprocal
 * depression in infarction, ST depression in ischaemia, Sokolow-Lyon voltage in hypertrophy, left
 * axis in LAFB, lower voltages in women. Thresholds are the clinical ones (DESIGN appendix), not
 * values read off the generator. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/delineate.h"
#include "data/synth/synth.h"
#include "testutil.h"

#define RATE 250.0f

/* Records with exactly one condition (or none when cond < 0). */
static void one_condition(SynthConfig *c, int cond, uint64_t seed) {
    synth_config_default(c);
    c->seed = seed;
    c->rate_hz = RATE;
    if (cond < 0) {
        c->priors.normal_fraction = 1;
        return;
    }
    c->priors.normal_fraction = 0;
    c->priors.cooccurrence = 0;
    for (int k = 0; k < N_CONDITIONS; k++) c->priors.weight[k] = k == cond ? 1.0f : 0.0f;
}

typedef struct {
    int n;
    EcgMeasurements *m;
    int *sex;
    uint32_t *conditions;
} Measured;

static void measure(const SynthConfig *c, int n, Measured *out) {
    out->n = n;
    out->m = calloc((size_t)n, sizeof(EcgMeasurements));
    out->sex = calloc((size_t)n, sizeof(int));
    out->conditions = calloc((size_t)n, sizeof(uint32_t));
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 2) reduction(+ : failed)
    for (int i = 0; i < n; i++) {
        SynthCase k;
        synth_case_draw(c, (uint64_t)i, &k);
        EcgRecord r;
        synth_case_render(c, &k, c->rate_hz, &r);
        failed += ecg_delineate(r.signal, r.n_samples, r.rate_hz, ALL_LEADS_MASK, &out->m[i]) != 0;
        out->sex[i] = k.sex;
        out->conditions[i] = k.conditions;
        record_free(&r);
        synth_case_free(&k);
    }
    assert_int_equal(failed, 0);
}

static void measured_free(Measured *m) {
    free(m->m);
    free(m->sex);
    free(m->conditions);
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Quantile q of n values (sorted copy). */
static float quantile(const float *v, int n, float q) {
    float *s = malloc(sizeof(float) * (size_t)n);
    memcpy(s, v, sizeof(float) * (size_t)n);
    qsort(s, (size_t)n, sizeof(float), cmp_float);
    float x = s[(int)(q * (float)(n - 1) + 0.5f)];
    free(s);
    return x;
}

#define FIELD(ms, expr, out)                                 \
    do {                                                     \
        for (int i_ = 0; i_ < (ms)->n; i_++) {               \
            const EcgMeasurements *m = &(ms)->m[i_];         \
            (out)[i_] = (float)(expr);                       \
            (void)m;                                         \
        }                                                    \
    } while (0)

static int count_true(const Measured *ms, int (*pred)(const EcgMeasurements *, const void *), const void *arg) {
    int k = 0;
    for (int i = 0; i < ms->n; i++) k += pred(&ms->m[i], arg);
    return k;
}

static int hr_in(const EcgMeasurements *m, const void *arg) {
    const float *r = arg;
    return m->hr_bpm >= r[0] && m->hr_bpm <= r[1];
}

static void heart_rate_in_class_range(void **state) {
    (void)state;
    struct {
        int cond;
        float lo, hi;
    } cls[] = {{-1, 60, 100}, {COND_SBRAD, 30, 60}, {COND_STACH, 100, 180}};
    for (int k = 0; k < 3; k++) {
        SynthConfig c;
        one_condition(&c, cls[k].cond, 11 + (uint64_t)k);
        Measured ms;
        measure(&c, 40, &ms);
        float range[2] = {cls[k].lo, cls[k].hi};
        int inside = count_true(&ms, hr_in, range);
        print_message("rate class %d: %d of 40 inside [%g, %g]\n", k, inside, (double)range[0], (double)range[1]);
        assert_true(inside >= 39);
        measured_free(&ms);
    }
}

static void qrs_wide_only_in_bundle_branch_block(void **state) {
    (void)state;
    const int bbb[2] = {COND_CLBBB, COND_CRBBB};
    for (int k = 0; k < 2; k++) {
        SynthConfig c;
        one_condition(&c, bbb[k], 21 + (uint64_t)k);
        Measured ms;
        measure(&c, 40, &ms);
        int wide = 0;
        for (int i = 0; i < ms.n; i++) wide += ms.m[i].qrs_ms >= 120;
        print_message("%s: %d of 40 with QRS >= 120 ms\n", CONDITIONS[bbb[k]].code, wide);
        assert_true(wide >= 39);
        measured_free(&ms);
    }
    /* Every other condition, alone and in combinations. */
    SynthConfig c;
    synth_config_default(&c);
    c.seed = 23;
    c.rate_hz = RATE;
    c.priors.normal_fraction = 0.2f;
    c.priors.weight[COND_CLBBB] = c.priors.weight[COND_CRBBB] = 0;
    Measured ms;
    measure(&c, 160, &ms);
    float *qrs = malloc(sizeof(float) * 160);
    int narrow = 0;
    for (int i = 0; i < ms.n; i++) {
        qrs[i] = ms.m[i].qrs_ms;
        narrow += qrs[i] < 110;
    }
    print_message("without BBB: %d of 160 with QRS < 110 ms, median %.1f ms\n", narrow, (double)quantile(qrs, 160, 0.5f));
    assert_true(narrow >= 157);
    assert_true(quantile(qrs, 160, 0.5f) >= 80 && quantile(qrs, 160, 0.5f) <= 100);
    free(qrs);
    measured_free(&ms);
}

static void pr_long_in_first_degree_block(void **state) {
    (void)state;
    SynthConfig c;
    one_condition(&c, COND_1AVB, 31);
    Measured ms;
    measure(&c, 40, &ms);
    int with_p = 0, long_pr = 0;
    for (int i = 0; i < ms.n; i++)
        if (ms.m[i].has_p) {
            with_p++;
            long_pr += ms.m[i].pr_ms > 200;
        }
    print_message("1AVB: P found in %d of 40, PR > 200 ms in %d of them\n", with_p, long_pr);
    assert_true(with_p >= 36);
    assert_int_equal(long_pr, with_p);
    measured_free(&ms);

    one_condition(&c, -1, 32);
    measure(&c, 40, &ms);
    int normal_pr = 0;
    with_p = 0;
    for (int i = 0; i < ms.n; i++)
        if (ms.m[i].has_p) {
            with_p++;
            normal_pr += ms.m[i].pr_ms >= 100 && ms.m[i].pr_ms <= 200;
        }
    print_message("normal: P found in %d of 40, PR 100-200 ms in %d\n", with_p, normal_pr);
    assert_true(with_p >= 38);
    assert_true(normal_pr >= with_p - 1);
    measured_free(&ms);
}

static void rr_irregular_in_atrial_fibrillation(void **state) {
    (void)state;
    SynthConfig c;
    Measured af, sinus;
    one_condition(&c, COND_AFIB, 41);
    measure(&c, 40, &af);
    one_condition(&c, -1, 42);
    measure(&c, 40, &sinus);
    float a[40], s[40];
    int af_with_p = 0;
    for (int i = 0; i < 40; i++) {
        a[i] = af.m[i].rr_irregularity;
        s[i] = sinus.m[i].rr_irregularity;
        af_with_p += af.m[i].has_p;
    }
    float a10 = quantile(a, 40, 0.1f), s90 = quantile(s, 40, 0.9f);
    print_message("RR irregularity: AF median %.3f (10th pct %.3f), sinus median %.3f (90th pct %.3f); "
                  "P found in %d AF records\n",
                  (double)quantile(a, 40, 0.5f), (double)a10, (double)quantile(s, 40, 0.5f), (double)s90, af_with_p);
    assert_true(quantile(a, 40, 0.5f) > 5 * quantile(s, 40, 0.5f));
    assert_true(a10 > 2 * s90);
    assert_true(af_with_p <= 4);
    measured_free(&af);
    measured_free(&sinus);
}

/* Territory and reciprocal leads (DESIGN appendix): anterior V1-V4 (septal V1-V3), inferior II,
 * III, aVF, lateral I, aVL, V5, V6. */
#define L(x) (1u << LEAD_##x)
static int count_leads(const float *st, uint16_t mask, float threshold, int sign) {
    int n = 0;
    for (int l = 0; l < N_LEADS; l++)
        if ((mask >> l) & 1u) n += sign * st[l] >= threshold;
    return n;
}

static float mean_over(const float *st, uint16_t mask) {
    float s = 0;
    int n = 0;
    for (int l = 0; l < N_LEADS; l++)
        if ((mask >> l) & 1u) {
            s += st[l];
            n++;
        }
    return s / (float)n;
}

static void st_elevation_in_infarct_territory_with_reciprocal_depression(void **state) {
    (void)state;
    struct {
        int cond;
        uint16_t territory, reciprocal;
    } mi[] = {
        {COND_ASMI, L(V1) | L(V2) | L(V3), L(II) | L(III) | L(AVF)},
        {COND_AMI, L(V1) | L(V2) | L(V3) | L(V4), L(II) | L(III) | L(AVF)},
        {COND_IMI, L(II) | L(III) | L(AVF), L(I) | L(AVL)},
        {COND_LMI, L(I) | L(AVL) | L(V5) | L(V6), L(III) | L(AVF)},
    };
    for (int k = 0; k < 4; k++) {
        SynthConfig c;
        one_condition(&c, mi[k].cond, 51 + (uint64_t)k);
        Measured ms;
        measure(&c, 30, &ms);
        int elevated = 0, reciprocal = 0;
        float recip[30];
        for (int i = 0; i < ms.n; i++) {
            elevated += count_leads(ms.m[i].st_mv, mi[k].territory, 0.1f, 1) >= 2;
            recip[i] = mean_over(ms.m[i].st_mv, mi[k].reciprocal);
            reciprocal += recip[i] < 0;
        }
        print_message("%s: ST >= 0.1 mV in 2 territory leads in %d of 30; reciprocal mean < 0 in %d, median %.3f mV\n",
                      CONDITIONS[mi[k].cond].code, elevated, reciprocal, (double)quantile(recip, 30, 0.5f));
        assert_true(elevated >= 29);
        assert_true(reciprocal >= 26);
        assert_true(quantile(recip, 30, 0.5f) <= -0.05f);
        measured_free(&ms);
    }
}

static void st_depression_in_ischaemic_territory(void **state) {
    (void)state;
    struct {
        int cond;
        uint16_t territory;
    } isc[] = {{COND_ISCAN, L(V1) | L(V2) | L(V3) | L(V4)},
               {COND_ISCIN, L(II) | L(III) | L(AVF)},
               {COND_ISCLA, L(I) | L(AVL) | L(V5) | L(V6)}};
    for (int k = 0; k < 3; k++) {
        SynthConfig c;
        one_condition(&c, isc[k].cond, 61 + (uint64_t)k);
        Measured ms;
        measure(&c, 30, &ms);
        int depressed = 0;
        for (int i = 0; i < ms.n; i++) depressed += count_leads(ms.m[i].st_mv, isc[k].territory, 0.05f, -1) >= 2;
        print_message("%s: ST <= -0.05 mV in 2 territory leads in %d of 30\n", CONDITIONS[isc[k].cond].code, depressed);
        assert_true(depressed >= 29);
        measured_free(&ms);
    }
    /* and none of that in normal records */
    SynthConfig c;
    one_condition(&c, -1, 64);
    Measured ms;
    measure(&c, 40, &ms);
    int flat = 0;
    for (int i = 0; i < ms.n; i++) {
        float worst = 0;
        for (int l = 0; l < N_LEADS; l++)
            if (fabsf(ms.m[i].st_mv[l]) > worst) worst = fabsf(ms.m[i].st_mv[l]);
        flat += worst < 0.1f;
    }
    print_message("normal: every ST within 0.1 mV in %d of 40\n", flat);
    assert_true(flat >= 38);
    measured_free(&ms);
}

static void sokolow_lyon_in_hypertrophy(void **state) {
    (void)state;
    SynthConfig c;
    one_condition(&c, COND_LVH, 71);
    Measured ms;
    measure(&c, 40, &ms);
    int high = 0;
    for (int i = 0; i < ms.n; i++) high += ms.m[i].sokolow_mv >= 3.5f;
    print_message("LVH: Sokolow-Lyon >= 3.5 mV in %d of 40\n", high);
    assert_true(high >= 39);
    measured_free(&ms);
    one_condition(&c, -1, 72);
    measure(&c, 40, &ms);
    int low = 0;
    for (int i = 0; i < ms.n; i++) low += ms.m[i].sokolow_mv < 3.5f;
    print_message("normal: Sokolow-Lyon < 3.5 mV in %d of 40\n", low);
    assert_true(low >= 39);
    measured_free(&ms);
}

static void left_axis_in_anterior_fascicular_block(void **state) {
    (void)state;
    SynthConfig c;
    one_condition(&c, COND_LAFB, 81);
    Measured ms;
    measure(&c, 40, &ms);
    int left = 0;
    for (int i = 0; i < ms.n; i++) left += ms.m[i].axis_deg < -30 && ms.m[i].axis_deg >= -90;
    print_message("LAFB: axis in [-90, -30) in %d of 40\n", left);
    assert_true(left >= 39);
    measured_free(&ms);
    one_condition(&c, -1, 82);
    measure(&c, 40, &ms);
    int normal = 0;
    for (int i = 0; i < ms.n; i++) normal += ms.m[i].axis_deg >= -30 && ms.m[i].axis_deg <= 90;
    print_message("normal: axis in [-30, 90] in %d of 40\n", normal);
    assert_true(normal >= 38);
    measured_free(&ms);
}

/* QRS voltage summed over the leads: women lower on average, by a clear margin. */
static void women_have_lower_amplitudes(void **state) {
    (void)state;
    SynthConfig c;
    one_condition(&c, -1, 91);
    Measured ms;
    measure(&c, 200, &ms);
    double sum[2] = {0, 0}, sq[2] = {0, 0};
    int n[2] = {0, 0};
    for (int i = 0; i < ms.n; i++) {
        double v = 0;
        for (int l = 0; l < N_LEADS; l++) v += ms.m[i].r_mv[l] + ms.m[i].s_mv[l];
        int f = ms.sex[i] == SEX_FEMALE;
        sum[f] += v;
        sq[f] += v * v;
        n[f]++;
    }
    assert_true(n[0] >= 60 && n[1] >= 60);
    double mean[2], var[2];
    for (int f = 0; f < 2; f++) {
        mean[f] = sum[f] / n[f];
        var[f] = sq[f] / n[f] - mean[f] * mean[f];
    }
    double t = (mean[0] - mean[1]) / sqrt(var[0] / n[0] + var[1] / n[1]);
    print_message("summed QRS voltage: men %.2f mV (n=%d), women %.2f mV (n=%d), t = %.1f\n", mean[0], n[0], mean[1],
                  n[1], t);
    assert_true(mean[1] < 0.9 * mean[0]);
    assert_true(t > 3);
    measured_free(&ms);
}

static void premature_beats_stand_out_from_the_dominant_beat(void **state) {
    (void)state;
    SynthConfig c;
    one_condition(&c, COND_PVC, 101);
    Measured ms;
    measure(&c, 30, &ms);
    int seen = 0;
    for (int i = 0; i < ms.n; i++) seen += ms.m[i].n_other >= 1;
    print_message("PVC: a beat unlike the dominant one in %d of 30\n", seen);
    assert_true(seen >= 27);
    measured_free(&ms);
    one_condition(&c, -1, 102);
    measure(&c, 30, &ms);
    int clean = 0;
    for (int i = 0; i < ms.n; i++) clean += ms.m[i].n_other == 0;
    print_message("normal: every beat like the dominant one in %d of 30\n", clean);
    assert_true(clean >= 28);
    measured_free(&ms);
}

/* The corpus's default rate (100 Hz, as PTB-XL's records100): a mixed corpus, each record's
 * conditions checked against the same calipers. */
static void calipers_hold_at_the_default_rate(void **state) {
    (void)state;
    SynthConfig c;
    synth_config_default(&c);
    c.seed = 111;
    Measured ms;
    measure(&c, 200, &ms);
    int n_bbb = 0, wide = 0, n_other = 0, narrow = 0, n_rate = 0, rate_ok = 0, n_lvh = 0, lvh_ok = 0;
    for (int i = 0; i < ms.n; i++) {
        const EcgMeasurements *m = &ms.m[i];
        uint32_t k = ms.conditions[i];
        if (k & (COND_BIT(COND_CLBBB) | COND_BIT(COND_CRBBB))) {
            n_bbb++;
            wide += m->qrs_ms >= 120;
        } else {
            n_other++;
            narrow += m->qrs_ms < 110;
        }
        if (!(k & COND_BIT(COND_AFIB))) {
            n_rate++;
            float lo = k & COND_BIT(COND_SBRAD) ? 30 : k & COND_BIT(COND_STACH) ? 100 : 60;
            float hi = k & COND_BIT(COND_SBRAD) ? 60 : k & COND_BIT(COND_STACH) ? 180 : 100;
            rate_ok += m->hr_bpm >= lo && m->hr_bpm <= hi;
        }
        if (k & COND_BIT(COND_LVH)) {
            n_lvh++;
            lvh_ok += m->sokolow_mv >= 3.5f;
        }
    }
    print_message("100 Hz: BBB wide %d/%d, others narrow %d/%d, sinus rate in class %d/%d, LVH voltage %d/%d\n", wide,
                  n_bbb, narrow, n_other, rate_ok, n_rate, lvh_ok, n_lvh);
    assert_true(n_bbb >= 10 && n_lvh >= 10);
    assert_true(wide >= n_bbb - 1);
    assert_true(narrow >= n_other - 2);
    assert_true(rate_ok >= n_rate - 2);
    assert_true(lvh_ok >= n_lvh - 1);
    measured_free(&ms);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(heart_rate_in_class_range),
        cmocka_unit_test(qrs_wide_only_in_bundle_branch_block),
        cmocka_unit_test(pr_long_in_first_degree_block),
        cmocka_unit_test(rr_irregular_in_atrial_fibrillation),
        cmocka_unit_test(st_elevation_in_infarct_territory_with_reciprocal_depression),
        cmocka_unit_test(st_depression_in_ischaemic_territory),
        cmocka_unit_test(sokolow_lyon_in_hypertrophy),
        cmocka_unit_test(left_axis_in_anterior_fascicular_block),
        cmocka_unit_test(women_have_lower_amplitudes),
        cmocka_unit_test(premature_beats_stand_out_from_the_dominant_beat),
        cmocka_unit_test(calipers_hold_at_the_default_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
