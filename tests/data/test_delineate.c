/* The delineator against what is known independently: real fixture records (normal sinus rhythm,
 * atrial fibrillation, right bundle branch block as their own labels say), a naive R-peak count,
 * and the synthetic generator's ground-truth intervals. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "data/delineate.h"
#include "data/synth/synth.h"
#include "testutil.h"

static int load(const char *rel, EcgRecord *r) {
    DatasetOptions o = {.map = ECG_MAP_DEFAULTS};
    Dataset *d = dataset_open("wfdb", path_join(fixtures_dir(), rel), &o);
    if (!d) return -1;
    char warn[512];
    int rc = dataset_load(d, 0, r, warn, sizeof warn) < 0 ? -1 : 0;
    dataset_close(d);
    return rc;
}

/* R peaks counted the simplest way: in the lead with the largest deflection, local maxima of its
 * absolute value above 60% of the largest, at least 250 ms apart. */
static int naive_r_count(const EcgRecord *r, double *span_s) {
    int best = 0;
    float top = 0;
    for (int l = 0; l < N_LEADS; l++)
        for (int i = 0; i < r->n_samples; i++)
            if (fabsf(r->signal[(size_t)l * r->n_samples + i]) > top) {
                top = fabsf(r->signal[(size_t)l * r->n_samples + i]);
                best = l;
            }
    const float *x = r->signal + (size_t)best * r->n_samples;
    int n = 0, first = -1, last = -1, gap = (int)(0.25f * r->rate_hz);
    for (int i = 1; i + 1 < r->n_samples; i++) {
        float a = fabsf(x[i]);
        if (a < 0.6f * top || a < fabsf(x[i - 1]) || a < fabsf(x[i + 1])) continue;
        if (last >= 0 && i - last < gap) continue;
        if (first < 0) first = i;
        last = i;
        n++;
    }
    *span_s = (last - first) / r->rate_hz;
    return n;
}

static void real_normals(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    const char *recs[] = {"ptbxl/records500/00000/00005_hr", "ptbxl/records500/00000/00666_hr",
                          "ptbxl/records500/10000/10029_hr", "ptbxl/records100/00000/00001_lr", "cinc2020/A0002"};
    for (size_t k = 0; k < sizeof recs / sizeof recs[0]; k++) {
        EcgRecord r;
        assert_int_equal(load(recs[k], &r), 0);
        EcgMeasurements m;
        assert_int_equal(ecg_delineate(r.signal, r.n_samples, r.rate_hz, r.lead_available, &m), 0);
        double span;
        int peaks = naive_r_count(&r, &span);
        double naive_hr = 60.0 * (peaks - 1) / span;
        print_message("%s: HR %.1f (naive %.1f), QRS %.0f, PR %.0f, QTc %.0f, axis %.0f, irregularity %.3f\n", recs[k],
                      (double)m.hr_bpm, naive_hr, (double)m.qrs_ms, (double)m.pr_ms, (double)m.qtc_ms,
                      (double)m.axis_deg, (double)m.rr_irregularity);
        assert_true(fabs(m.hr_bpm - naive_hr) < 3);
        assert_true(m.qrs_ms >= 70 && m.qrs_ms <= 110);
        assert_true(m.has_p);
        assert_true(m.pr_ms >= 110 && m.pr_ms <= 210);
        assert_true(m.qtc_ms >= 350 && m.qtc_ms <= 460);
        assert_true(m.axis_deg >= -30 && m.axis_deg <= 90);
        assert_true(m.rr_irregularity < 0.08f);
        record_free(&r);
    }
}

/* Real atrial fibrillation: irregular and without P waves. Real right bundle branch block (CPSC's
 * label, which takes in incomplete blocks too): wider than any of the normals, mostly 120 ms or
 * more. */
static void real_arrhythmia_and_block(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    const char *af[] = {"cinc2020/A0003", "cinc2020/A0004", "cinc2020/A0007", "cinc2020/A0009"};
    int irregular = 0, no_p = 0;
    for (int k = 0; k < 4; k++) {
        EcgRecord r;
        assert_int_equal(load(af[k], &r), 0);
        EcgMeasurements m;
        assert_int_equal(ecg_delineate(r.signal, r.n_samples, r.rate_hz, r.lead_available, &m), 0);
        print_message("AF %s: irregularity %.3f, P %s\n", af[k], (double)m.rr_irregularity, m.has_p ? "found" : "none");
        irregular += m.rr_irregularity > 0.1f;
        no_p += !m.has_p;
        record_free(&r);
    }
    assert_true(irregular >= 3);
    assert_true(no_p >= 3);
    const char *rbbb[] = {"cinc2020/A0001", "cinc2020/A0006", "cinc2020/A0010"};
    int complete = 0;
    for (int k = 0; k < 3; k++) {
        EcgRecord r;
        assert_int_equal(load(rbbb[k], &r), 0);
        EcgMeasurements m;
        assert_int_equal(ecg_delineate(r.signal, r.n_samples, r.rate_hz, r.lead_available, &m), 0);
        print_message("RBBB %s: QRS %.0f ms\n", rbbb[k], (double)m.qrs_ms);
        assert_true(m.qrs_ms > 95);
        complete += m.qrs_ms >= 120;
        record_free(&r);
    }
    assert_true(complete >= 2);
}

/* On clean synthetic normals the intervals agree with the generator's own. */
static void synthetic_ground_truth(void **state) {
    (void)state;
    SynthConfig c;
    synth_config_default(&c);
    c.noise_scale = 0;
    c.rate_hz = 500;
    c.priors.normal_fraction = 1;
    for (int i = 0; i < 20; i++) {
        SynthCase k;
        synth_case_draw(&c, (uint64_t)i, &k);
        EcgRecord r;
        synth_case_render(&c, &k, c.rate_hz, &r);
        EcgMeasurements m;
        assert_int_equal(ecg_delineate(r.signal, r.n_samples, r.rate_hz, ALL_LEADS_MASK, &m), 0);
        BeatMarkers b;
        beat_markers(&k.heart.sinus, 60.0f / k.hr_bpm, &b);
        double qrs = 1000.0 * (b.qrs_end - b.qrs_on), pr = 1000.0 * (b.qrs_on - b.p_on);
        assert_true(fabs(m.hr_bpm - k.hr_bpm) < 1.0);
        assert_true(fabs(m.qrs_ms - qrs) < 15);
        assert_true(fabs(m.pr_ms - pr) < 25);
        assert_true(fabs(m.axis_deg - k.axis_deg) < 10);
        record_free(&r);
        synth_case_free(&k);
    }
}

static void refuses_what_cannot_be_measured(void **state) {
    (void)state;
    int n = 5000;
    float *x = calloc((size_t)N_LEADS * n, sizeof(float));
    EcgMeasurements m;
    assert_int_equal(ecg_delineate(x, n, 500, ALL_LEADS_MASK, &m), -1); /* flat: no QRS */
    assert_int_equal(ecg_delineate(x, n, 500, 0, &m), -1);              /* no leads */
    free(x);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_normals),
        cmocka_unit_test(real_arrhythmia_and_block),
        cmocka_unit_test(synthetic_ground_truth),
        cmocka_unit_test(refuses_what_cannot_be_measured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
