/* Resampling, filters and the preprocessing pipeline, against analytic signals: a sine must come
 * out as the same sine, what the target rate cannot hold must not alias into it, constants stay
 * constant, and filters do what their response says. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/filter.h"
#include "data/preprocess.h"
#include "data/resample.h"
#include "testutil.h"

static const double RATES[] = {100, 250, 257, 360, 500, 1000};

/* Largest |y[k] - amp*sin(2 pi f k / rate)| over the middle 80% of y. */
static double sine_error(const float *y, int n, double f, double rate, double amp) {
    double worst = 0;
    for (int k = n / 10; k < n - n / 10; k++) {
        double e = fabs(y[k] - amp * sin(2 * M_PI * f * k / rate));
        if (e > worst) worst = e;
    }
    return worst;
}

static double peak(const float *y, int n) {
    double m = 0;
    for (int k = n / 10; k < n - n / 10; k++)
        if (fabs(y[k]) > m) m = fabs(y[k]);
    return m;
}

static void resampling_keeps_a_sine_between_every_pair_of_rates(void **state) {
    (void)state;
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 6; b++) {
            double ri = RATES[a], ro = RATES[b];
            Resampler *r = resampler_new(ri, ro);
            assert_non_null(r);
            int n = (int)(ri * 4);
            float *x = malloc((size_t)n * sizeof *x);
            double f = 0.3 * fmin(ri, ro) / 2; /* well inside the pass band */
            for (int i = 0; i < n; i++) x[i] = (float)sin(2 * M_PI * f * i / ri);
            int m = resampler_out_len(r, n);
            assert_int_equal(m, (int)ceil(n * ro / ri - 1e-9));
            float *y = malloc((size_t)m * sizeof *y);
            resampler_run(r, x, n, y, m);
            double e = sine_error(y, m, f, ro, 1.0);
            if (e > 2e-4) fail_msg("%g -> %g Hz: error %g", ri, ro, e);
            /* upsampling near the top of the pass band: images would show as error */
            if (ro > ri) {
                f = 0.75 * ri / 2;
                for (int i = 0; i < n; i++) x[i] = (float)sin(2 * M_PI * f * i / ri);
                resampler_run(r, x, n, y, m);
                e = sine_error(y, m, f, ro, 1.0);
                if (e > 1e-3) fail_msg("%g -> %g Hz at %g Hz: error %g", ri, ro, f, e);
            }
            free(x);
            free(y);
            resampler_free(r);
        }
}

/* A tone just above the target's Nyquist frequency would alias to just below it: it must vanish. */
static void downsampling_does_not_alias(void **state) {
    (void)state;
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < a; b++) {
            double ri = RATES[a], ro = RATES[b];
            if (ro >= ri) continue;
            Resampler *r = resampler_new(ri, ro);
            int n = (int)(ri * 4);
            float *x = malloc((size_t)n * sizeof *x);
            int m = resampler_out_len(r, n);
            float *y = malloc((size_t)m * sizeof *y);
            for (double fr = 1.02; fr < 2.5; fr += 0.37) {
                double f = fr * ro / 2;
                if (f >= ri / 2) break;
                for (int i = 0; i < n; i++) x[i] = (float)sin(2 * M_PI * f * i / ri);
                resampler_run(r, x, n, y, m);
                double db = 20 * log10(peak(y, m) + 1e-12);
                if (db > -65) fail_msg("%g -> %g Hz: a %g Hz tone comes through at %.1f dB", ri, ro, f, db);
            }
            free(x);
            free(y);
            resampler_free(r);
        }
}

static void constants_stay_constant_and_odd_ratios_are_refused(void **state) {
    (void)state;
    Resampler *r = resampler_new(257, 100);
    float x[514], y[200];
    for (int i = 0; i < 514; i++) x[i] = 1.25f;
    resampler_run(r, x, 514, y, 200);
    for (int k = 0; k < 200; k++) assert_float_equal(y[k], 1.25f, 2e-6);
    resampler_free(r);
    assert_null(resampler_new(100, 100 * M_PI));
    assert_non_null(strstr(scar_last_error(), "cannot resample"));
    assert_null(resampler_new(0, 100));
    assert_null(resampler_new(10007, 10009)); /* primes: a 10009/10007 ratio is not "small" */
    r = resampler_new(62.5, 100); /* 8/5 */
    int L, M;
    resampler_ratio(r, &L, &M);
    assert_int_equal(L, 8);
    assert_int_equal(M, 5);
    resampler_free(r);
}

static void butterworth_and_notch_responses(void **state) {
    (void)state;
    Biquad hp = biquad_highpass(0.5, 100), lp = biquad_lowpass(40, 500), nt = biquad_notch(50, 30, 500);
    /* Butterworth: 1/sqrt(2) at the cut-off, 1 far in the pass band */
    assert_float_equal(biquad_gain(&hp, 1, 0.5, 100), M_SQRT1_2, 1e-9);
    assert_float_equal(biquad_gain(&lp, 1, 40, 500), M_SQRT1_2, 1e-9);
    assert_float_equal(biquad_gain(&hp, 1, 20, 100), 1.0, 1e-3);
    assert_float_equal(biquad_gain(&lp, 1, 0, 500), 1.0, 1e-12);
    assert_true(biquad_gain(&nt, 1, 50, 500) < 1e-9);
    assert_float_equal(biquad_gain(&nt, 1, 10, 500), 1.0, 1e-3);
}

/* Baseline wander under a 5 Hz tone at 100 Hz: the high-pass leaves the tone and drops the rest. */
static void baseline_removal(void **state) {
    (void)state;
    int n = 3000;
    float *x = malloc((size_t)n * sizeof *x);
    for (int i = 0; i < n; i++) {
        double t = i / 100.0;
        x[i] = (float)(2.0 + 0.8 * sin(2 * M_PI * 0.05 * t) + sin(2 * M_PI * 5 * t));
    }
    Biquad hp = biquad_highpass(0.5, 100);
    filtfilt(&hp, 1, x, n, filtfilt_pad(0.5, 100, n), NULL);
    double e = sine_error(x, n, 5, 100, 1.0);
    if (e > 0.02) fail_msg("baseline removal leaves error %g", e);
    free(x);
}

/* Mains hum at 50 Hz on a 10 Hz tone at 500 Hz; and zero phase: a pulse's peak does not move. */
static void notch_and_zero_phase(void **state) {
    (void)state;
    int n = 5000;
    float *x = malloc((size_t)n * sizeof *x);
    for (int i = 0; i < n; i++) x[i] = (float)(sin(2 * M_PI * 10 * i / 500.0) + 0.5 * sin(2 * M_PI * 50 * i / 500.0));
    Biquad nt = biquad_notch(50, 30, 500);
    filtfilt(&nt, 1, x, n, filtfilt_pad(50.0 / 30, 500, n), NULL);
    double e = sine_error(x, n, 10, 500, 1.0);
    if (e > 0.01) fail_msg("notch leaves error %g", e);
    for (int i = 0; i < n; i++) x[i] = (float)exp(-0.5 * pow((i - 2000) / 15.0, 2));
    Biquad lp = biquad_lowpass(20, 500);
    filtfilt(&lp, 1, x, n, filtfilt_pad(20, 500, n), NULL);
    int arg = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[arg]) arg = i;
    assert_int_equal(arg, 2000);
    free(x);
}

static EcgRecord sine_record(float rate, int n, double f) {
    EcgRecord r;
    record_init(&r, rate, n);
    strcpy(r.id, "sine");
    for (int l = 0; l < N_LEADS; l++) {
        for (int i = 0; i < n; i++) {
            r.signal[(size_t)l * n + i] = (float)((l + 1) * 0.1 * sin(2 * M_PI * f * i / rate));
            r.valid[(size_t)l * n + i] = 1;
        }
    }
    r.lead_available = ALL_LEADS_MASK;
    return r;
}

static void pipeline_resample_crop_pad(void **state) {
    (void)state;
    EcgRecord in = sine_record(500, 6000, 7), out; /* 12 s */
    PreprocessOptions o = {.rate_hz = 100, .n_samples = 1000, .crop = CROP_CENTER};
    Preprocessor *p = preprocessor_new(&o);
    assert_int_equal(preprocess_record(p, &in, &out), 0);
    assert_true(out.rate_hz == 100);
    assert_int_equal(out.n_samples, 1000);
    assert_string_equal(out.id, "sine");
    /* centre crop: output sample k is input time 1 s + k / 100 s */
    for (int l = 0; l < N_LEADS; l += 5) {
        double worst = 0;
        for (int k = 0; k < 1000; k++) {
            double want = (l + 1) * 0.1 * sin(2 * M_PI * 7 * (1.0 + k / 100.0));
            worst = fmax(worst, fabs(out.signal[(size_t)l * 1000 + k] - want));
        }
        if (worst > 1e-4 * (l + 1)) fail_msg("lead %d: error %g", l, worst);
    }
    record_free(&out);
    preprocessor_free(p);
    record_free(&in);

    in = sine_record(500, 4000, 7); /* 8 s: padded to 10 s with samples that are not valid */
    o.crop = CROP_START;
    p = preprocessor_new(&o);
    assert_int_equal(preprocess_record(p, &in, &out), 0);
    assert_int_equal(out.valid[799], 1);
    assert_int_equal(out.valid[800], 0);
    assert_float_equal(out.signal[900], 0.0f, 0);
    assert_int_equal(out.lead_available, ALL_LEADS_MASK);
    record_free(&out);
    preprocessor_free(p);
    record_free(&in);
}

/* A gap of invalid samples stays marked, does not ring into its neighbours, and whole-invalid
 * leads become unavailable. */
static void gaps_and_availability(void **state) {
    (void)state;
    EcgRecord in = sine_record(500, 5000, 3), out;
    for (int i = 2000; i < 2500; i++) {
        in.valid[LEAD_II * 5000 + i] = 0;
        in.signal[LEAD_II * 5000 + i] = -1000; /* garbage behind the mask must not matter */
    }
    memset(in.valid + LEAD_V3 * 5000, 0, 5000);
    PreprocessOptions o = {.rate_hz = 100, .n_samples = 1000, .highpass_hz = 0.5f};
    Preprocessor *p = preprocessor_new(&o);
    assert_int_equal(preprocess_record(p, &in, &out), 0);
    const uint8_t *v = out.valid + LEAD_II * 1000;
    for (int k = 401; k < 499; k++) assert_int_equal(v[k], 0);
    assert_int_equal(v[390], 1);
    assert_int_equal(v[510], 1);
    /* the high-pass's slow tail spreads the bridged stretch a little way (its time constant is
     * 0.3 s, run twice); a second from the gap the signal is the sine again */
    double worst = 0;
    for (int k = 100; k < 900; k++)
        if (k < 300 || k > 600) worst = fmax(worst, fabs(out.signal[LEAD_II * 1000 + k] - 0.2 * sin(2 * M_PI * 3 * k / 100.0)));
    if (worst > 0.003) fail_msg("gap disturbs the valid samples: %g", worst);
    assert_int_equal(out.lead_available, ALL_LEADS_MASK & ~(1u << LEAD_V3));
    record_free(&out);
    preprocessor_free(p);
    /* without filters nothing spreads: the resampler's reach is a few samples */
    o.highpass_hz = 0;
    p = preprocessor_new(&o);
    assert_int_equal(preprocess_record(p, &in, &out), 0);
    worst = 0;
    for (int k = 100; k < 900; k++)
        if (k < 395 || k > 505) worst = fmax(worst, fabs(out.signal[LEAD_II * 1000 + k] - 0.2 * sin(2 * M_PI * 3 * k / 100.0)));
    if (worst > 1e-3) fail_msg("gap disturbs the valid samples: %g", worst);
    record_free(&out);
    preprocessor_free(p);
    record_free(&in);
}

static void zscore_and_evidence(void **state) {
    (void)state;
    EcgRecord in = sine_record(500, 6000, 2), out;
    for (int i = 0; i < 6000; i++) in.signal[LEAD_V1 * 6000 + i] += 3.0f; /* an offset */
    EvidenceSpan spans[3] = {
        {.label_set = 0, .class_id = 1, .lead_mask = 1u << LEAD_V1, .primary = 1, .t0 = 1000, .t1 = 1500},
        {.label_set = 0, .class_id = 2, .lead_mask = 3, .primary = 0, .t0 = 0, .t1 = 400},      /* cropped away */
        {.label_set = 0, .class_id = 3, .lead_mask = 4, .primary = 0, .t0 = 5000, .t1 = 6000}, /* partly kept */
    };
    in.evidence = malloc(sizeof spans);
    memcpy(in.evidence, spans, sizeof spans);
    in.n_evidence = 3;
    PreprocessOptions o = {.rate_hz = 100, .n_samples = 1000, .normalize = NORMALIZE_ZSCORE, .crop = CROP_CENTER};
    Preprocessor *p = preprocessor_new(&o);
    assert_int_equal(preprocess_record(p, &in, &out), 0);
    for (int l = 0; l < N_LEADS; l++) {
        double s = 0, s2 = 0;
        for (int k = 0; k < 1000; k++) s += out.signal[l * 1000 + k];
        double mean = s / 1000;
        for (int k = 0; k < 1000; k++) s2 += pow(out.signal[l * 1000 + k] - mean, 2);
        assert_float_equal(mean, 0.0, 1e-5);
        assert_float_equal(sqrt(s2 / 1000), 1.0, 1e-4);
    }
    /* 500 -> 100 Hz divides times by 5; the centre crop of 1200 to 1000 samples starts at 100 */
    assert_int_equal(out.n_evidence, 2);
    assert_int_equal(out.evidence[0].t0, 100);
    assert_int_equal(out.evidence[0].t1, 200);
    assert_int_equal(out.evidence[0].class_id, 1);
    assert_int_equal(out.evidence[1].t0, 900);
    assert_int_equal(out.evidence[1].t1, 1000);
    record_free(&out);
    preprocessor_free(p);
    record_free(&in);
}

static void nonsense_options_are_refused(void **state) {
    (void)state;
    PreprocessOptions o = {.rate_hz = 100, .lowpass_hz = 60};
    assert_null(preprocessor_new(&o));
    assert_non_null(strstr(scar_last_error(), "low-pass 60 Hz is not below half the rate"));
    o = (PreprocessOptions){.rate_hz = 100, .highpass_hz = 10, .lowpass_hz = 5};
    assert_null(preprocessor_new(&o));
    o = (PreprocessOptions){.rate_hz = -1};
    assert_null(preprocessor_new(&o));
    o = (PreprocessOptions){.normalize = 7};
    assert_null(preprocessor_new(&o));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resampling_keeps_a_sine_between_every_pair_of_rates),
        cmocka_unit_test(downsampling_does_not_alias),
        cmocka_unit_test(constants_stay_constant_and_odd_ratios_are_refused),
        cmocka_unit_test(butterworth_and_notch_responses),
        cmocka_unit_test(baseline_removal),
        cmocka_unit_test(notch_and_zero_phase),
        cmocka_unit_test(pipeline_resample_crop_pad),
        cmocka_unit_test(gaps_and_availability),
        cmocka_unit_test(zscore_and_evidence),
        cmocka_unit_test(nonsense_options_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
