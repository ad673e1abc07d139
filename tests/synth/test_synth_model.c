/* The heart model's pieces: the Dower projection and the derived limb leads, waves and plateaus,
 * rendering at different rates, repolarisation timing, the beat plan (compensatory pauses) and
 * noise that stays consistent with Einthoven's relations. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/synth/heart.h"
#include "data/synth/rhythm.h"
#include "data/synth/synth.h"
#include "testutil.h"

/* The Dower matrix as DESIGN's appendix gives it (rows I, II, V1..V6). */
static const float DOWER[8][3] = {
    {0.632f, -0.235f, 0.059f},  {0.235f, 1.066f, -0.132f}, {-0.515f, 0.157f, -0.917f}, {0.044f, 0.164f, -1.387f},
    {0.882f, 0.098f, -1.277f},  {1.213f, 0.127f, -0.601f}, {1.125f, 0.127f, -0.086f},  {0.831f, 0.076f, 0.230f},
};
static const int DOWER_LEADS[8] = {LEAD_I, LEAD_II, LEAD_V1, LEAD_V2, LEAD_V3, LEAD_V4, LEAD_V5, LEAD_V6};

static void lead_vectors_are_dower_and_goldberger(void **state) {
    (void)state;
    for (int j = 0; j < 8; j++)
        for (int a = 0; a < 3; a++) assert_true(HEART_LEAD_VECTORS[DOWER_LEADS[j]][a] == DOWER[j][a]);
    for (int a = 0; a < 3; a++) {
        float I = DOWER[0][a], II = DOWER[1][a];
        assert_true(fabsf(HEART_LEAD_VECTORS[LEAD_III][a] - (II - I)) < 1e-6f);
        assert_true(fabsf(HEART_LEAD_VECTORS[LEAD_AVR][a] + (I + II) / 2) < 1e-6f);
        assert_true(fabsf(HEART_LEAD_VECTORS[LEAD_AVL][a] - (I - II / 2)) < 1e-6f);
        assert_true(fabsf(HEART_LEAD_VECTORS[LEAD_AVF][a] - (II - I / 2)) < 1e-6f);
    }
}

/* Einthoven and Goldberger hold sample by sample in generated records, noise included. */
static void limb_leads_obey_einthoven_and_goldberger(void **state) {
    (void)state;
    SynthConfig c;
    synth_config_default(&c);
    c.noise_scale = 3; /* plenty of electrode noise */
    for (int i = 0; i < 20; i++) {
        EcgRecord r;
        synth_generate(&c, (uint64_t)i, &r);
        int n = r.n_samples;
        const float *I = r.signal + (size_t)LEAD_I * n, *II = r.signal + (size_t)LEAD_II * n;
        double worst = 0;
        for (int t = 0; t < n; t++) {
            double e[4] = {r.signal[(size_t)LEAD_III * n + t] - (II[t] - I[t]),
                           r.signal[(size_t)LEAD_AVR * n + t] + (I[t] + II[t]) / 2,
                           r.signal[(size_t)LEAD_AVL * n + t] - (I[t] - II[t] / 2),
                           r.signal[(size_t)LEAD_AVF * n + t] - (II[t] - I[t] / 2)};
            for (int k = 0; k < 4; k++)
                if (fabs(e[k]) > worst) worst = fabs(e[k]);
        }
        assert_true(worst < 1e-5);
        /* Kirchhoff at the limbs: aVR + aVL + aVF = 0. */
        for (int t = 0; t < n; t++)
            assert_true(fabsf(r.signal[(size_t)LEAD_AVR * n + t] + r.signal[(size_t)LEAD_AVL * n + t] +
                              r.signal[(size_t)LEAD_AVF * n + t]) < 1e-5f);
        record_free(&r);
    }
}

static void plateau_is_flat_at_its_height(void **state) {
    (void)state;
    BeatShape b;
    memset(&b, 0, sizeof b);
    b.repol_anchor = 0.1f;
    wave_plateau(&b.wave[WAVE_ST], 0.3f, -0.2f, 0.1f, 0.08f, 0.28f, 0.022f);
    /* flat from 1.5 edge widths after the start to the middle, at the given height */
    for (float t = 0.115f; t <= 0.165f; t += 0.005f) {
        float d[3];
        beat_dipole_at(&b, WAVE_ST, WAVE_ST, 1.0f, t, d);
        assert_true(fabsf(d[0] - 0.3f) < 0.01f);
        assert_true(fabsf(d[1] + 0.2f) < 0.01f);
        assert_true(fabsf(d[2] - 0.1f) < 0.01f);
    }
    /* nothing long before, and falling gently at the end (no edge steeper than the rise) */
    float d[3];
    beat_dipole_at(&b, WAVE_ST, WAVE_ST, 1.0f, 0.0f, d);
    assert_true(fabsf(d[0]) < 0.01f);
    beat_dipole_at(&b, WAVE_ST, WAVE_ST, 1.0f, 0.17f, d);
    float prev = d[0], steepest_fall = 0;
    for (float t = 0.171f; t < 0.4f; t += 0.001f) {
        beat_dipole_at(&b, WAVE_ST, WAVE_ST, 1.0f, t, d);
        if (prev - d[0] > steepest_fall) steepest_fall = prev - d[0];
        prev = d[0];
    }
    float steepest_rise = 0;
    prev = 0;
    for (float t = 0.0f; t < 0.1f; t += 0.001f) {
        beat_dipole_at(&b, WAVE_ST, WAVE_ST, 1.0f, t, d);
        if (d[0] - prev > steepest_rise) steepest_rise = d[0] - prev;
        prev = d[0];
    }
    assert_true(steepest_fall < 0.5f * steepest_rise);
}

/* Repolarisation follows the rate (Fridericia on the JT interval); depolarisation does not. */
static void repolarisation_scales_with_rr(void **state) {
    (void)state;
    SynthConfig c;
    synth_config_default(&c);
    SynthCase k;
    synth_case_draw(&c, 3, &k);
    BeatMarkers slow, fast;
    beat_markers(&k.heart.sinus, 1.0f, &slow);
    beat_markers(&k.heart.sinus, 0.5f, &fast);
    assert_true(fabsf(slow.qrs_end - fast.qrs_end) < 1e-6f);
    assert_true(fabsf(slow.p_on - fast.p_on) < 1e-6f);
    float jt_slow = slow.t_end - k.heart.sinus.repol_anchor, jt_fast = fast.t_end - k.heart.sinus.repol_anchor;
    assert_true(fabsf(jt_fast / jt_slow - cbrtf(0.5f)) < 0.01f);
    synth_case_free(&k);
}

/* The same record rendered at 100 and 500 Hz (clean): the same waveform at the shared instants,
 * up to the anti-alias filter's smoothing of the sharpest waves. */
static void rates_render_the_same_beats(void **state) {
    (void)state;
    SynthConfig c;
    synth_config_default(&c);
    c.noise_scale = 0;
    for (int i = 0; i < 5; i++) {
        SynthCase k;
        synth_case_draw(&c, (uint64_t)i, &k);
        EcgRecord lo, hi;
        synth_case_render(&c, &k, 100.0f, &lo);
        synth_case_render(&c, &k, 500.0f, &hi);
        assert_int_equal(lo.n_samples * 5, hi.n_samples);
        double err = 0, peak = 0;
        for (int l = 0; l < N_LEADS; l++)
            for (int t = 0; t < lo.n_samples; t++) {
                float a = lo.signal[(size_t)l * lo.n_samples + t], b = hi.signal[(size_t)l * hi.n_samples + 5 * t];
                err += (a - b) * (a - b);
                peak += b * b;
            }
        assert_true(err < 0.02 * peak); /* within 2% of the signal's energy */
        assert_memory_equal(lo.labels, hi.labels, sizeof lo.labels);
        assert_string_equal(lo.report, hi.report);
        record_free(&lo);
        record_free(&hi);
        synth_case_free(&k);
    }
}

/* Without noise the baseline between beats sits at zero. */
static void clean_signals_rest_at_zero(void **state) {
    (void)state;
    SynthConfig c;
    synth_config_default(&c);
    c.noise_scale = 0;
    c.priors.normal_fraction = 1;
    c.rate_hz = 500;
    SynthCase k;
    synth_case_draw(&c, 0, &k);
    EcgRecord r;
    synth_case_render(&c, &k, c.rate_hz, &r);
    /* 40 ms before each P wave onset inside the record: the previous T wave has ended */
    int checked = 0;
    for (int b = 1; b < k.beats.n; b++) {
        const Beat *x = &k.beats.beat[b];
        BeatMarkers m;
        beat_markers(&k.heart.sinus, x->rr_prev, &m);
        double t = x->t + m.p_on - 0.04;
        int i = (int)lround(t * c.rate_hz);
        if (i < 0 || i >= r.n_samples) continue;
        for (int l = 0; l < N_LEADS; l++) assert_true(fabsf(r.signal[(size_t)l * r.n_samples + i]) < 0.02f);
        checked++;
    }
    assert_true(checked >= 5);
    record_free(&r);
    synth_case_free(&k);
}

/* A premature beat in sinus rhythm: early, then a full compensatory pause (the sinus node keeps
 * its pace: coupling + pause = two sinus cycles), its sinus P wave still there. */
static void premature_beats_have_compensatory_pauses(void **state) {
    (void)state;
    RhythmParams p = {.atrial_fibrillation = 0, .mean_hr = 60, .rsa = 0, .lf = 0, .resp_hz = 0.25f, .n_ectopic = 2};
    Rng r;
    rng_seed(&r, 5, 0);
    BeatList b;
    rhythm_plan(&p, 10.0f, &r, &b);
    int found = 0;
    for (int i = 1; i + 2 < b.n; i++) {
        if (b.beat[i].kind != BEAT_ECTOPIC) continue;
        found++;
        assert_true(b.beat[i].t >= 0 && b.beat[i].t < 10);
        double coupling = b.beat[i].t - b.beat[i - 1].t, pause = b.beat[i + 2].t - b.beat[i].t;
        assert_true(coupling < 0.75);                      /* premature */
        assert_int_equal(b.beat[i + 1].kind, BEAT_P_ONLY); /* the blocked sinus beat */
        assert_true(fabs(coupling + pause - 2.0) < 0.05);  /* compensatory */
        assert_int_equal(b.beat[i - 1].kind, BEAT_CONDUCTED);
        assert_int_equal(b.beat[i + 2].kind, BEAT_CONDUCTED);
    }
    assert_int_equal(found, 2);
    beat_list_free(&b);
}

/* Sinus rhythm varies with breathing; atrial fibrillation is irregular at every beat. */
static void rhythm_variability(void **state) {
    (void)state;
    RhythmParams sinus = {.mean_hr = 70, .rsa = 0.04f, .lf = 0.01f, .resp_hz = 0.25f};
    RhythmParams af = {.atrial_fibrillation = 1, .mean_hr = 90, .af_irregularity = 0.2f};
    Rng r;
    rng_seed(&r, 9, 0);
    BeatList a, b;
    rhythm_plan(&sinus, 60, &r, &a);
    rhythm_plan(&af, 60, &r, &b);
    double sd[2];
    BeatList *lists[2] = {&a, &b};
    for (int k = 0; k < 2; k++) {
        double s = 0, s2 = 0;
        int n = 0;
        for (int i = 2; i < lists[k]->n; i++) {
            double d = lists[k]->beat[i].rr_prev - lists[k]->beat[i - 1].rr_prev;
            s += d;
            s2 += d * d;
            n++;
        }
        sd[k] = sqrt(s2 / n - (s / n) * (s / n));
    }
    assert_true(sd[0] > 0.002);      /* not a metronome */
    assert_true(sd[1] > 5 * sd[0]); /* AF far more irregular */
    beat_list_free(&a);
    beat_list_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lead_vectors_are_dower_and_goldberger),
        cmocka_unit_test(limb_leads_obey_einthoven_and_goldberger),
        cmocka_unit_test(plateau_is_flat_at_its_height),
        cmocka_unit_test(repolarisation_scales_with_rr),
        cmocka_unit_test(rates_render_the_same_beats),
        cmocka_unit_test(clean_signals_rest_at_zero),
        cmocka_unit_test(premature_beats_have_compensatory_pauses),
        cmocka_unit_test(rhythm_variability),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
