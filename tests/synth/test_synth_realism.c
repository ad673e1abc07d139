/* Synthetic normals against the real normal ECGs of the fixtures: the features measured the same
 * way on both, the synthetic medians inside the real records' ranges; and the pieces of the
 * comparison (which records count as real normals, the spectrum, the table and the figure). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/synth/realism.h"
#include "testutil.h"

static void spectrum_of_known_signals(void **state) {
    (void)state;
    int n = 5000;
    float rate = 500, *x = malloc(sizeof(float) * (size_t)n);
    float share[3], centroid;
    /* a 10 Hz sine: all power in 5-15 Hz, centroid 10 Hz */
    for (int i = 0; i < n; i++) x[i] = sinf(2 * (float)M_PI * 10 * i / rate);
    realism_spectrum(x, n, rate, share, &centroid);
    assert_true(share[1] > 0.99f);
    assert_true(fabsf(centroid - 10) < 0.2f);
    /* 2 Hz and 25 Hz at equal amplitude: half below 5 Hz, half above 15 Hz */
    for (int i = 0; i < n; i++) x[i] = sinf(2 * (float)M_PI * 2 * i / rate) + sinf(2 * (float)M_PI * 25 * i / rate);
    realism_spectrum(x, n, rate, share, &centroid);
    assert_true(fabsf(share[0] - 0.5f) < 0.02f && fabsf(share[2] - 0.5f) < 0.02f);
    assert_true(fabsf(centroid - 13.5f) < 0.5f);
    free(x);
}

static void real_normals_are_the_normal_fixtures(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    EcgRecord *rec;
    char names[16][96];
    int n = realism_real_normals(fixtures_dir(), &rec, names);
    assert_int_equal(n, 5);
    const char *want[] = {"PTB-XL 1 ", "PTB-XL 5 ", "PTB-XL 666 ", "PTB-XL 10029 ", "cinc2020 A0002 "};
    for (int k = 0; k < 5; k++) {
        int found = 0;
        for (int i = 0; i < n; i++) found |= strncmp(names[i], want[k], strlen(want[k])) == 0;
        assert_true(found);
    }
    for (int i = 0; i < n; i++) record_free(&rec[i]);
    free(rec);
}

static void synthetic_normals_fall_inside_the_real_ranges(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    EcgRecord *rec;
    char names[16][96];
    int n = realism_real_normals(fixtures_dir(), &rec, names);
    assert_true(n >= 1);
    SynthConfig c;
    synth_config_default(&c);
    c.rate_hz = 500;
    RealismReport *rep = malloc(sizeof *rep);
    assert_int_equal(realism_compare(rec, n, names, &c, 120, rep), 0);
    int inside = 0, lead_inside = 0;
    for (int k = 0; k < N_FEATURES; k++) {
        const FeatureSummary *s = &rep->f[k];
        assert_true(s->n_synth >= 100);
        int in = s->synth_median >= s->real_min && s->synth_median <= s->real_max;
        inside += in;
        if (k < FEAT_QRS) lead_inside += in;
        char name[40];
        realism_feature_name(k, name, sizeof name);
        if (!in) print_message("outside: %s, synthetic median %.3f, real %.3f..%.3f\n", name, (double)s->synth_median,
                               (double)s->real_min, (double)s->real_max);
    }
    print_message("%d of %d features with the synthetic median inside the real range\n", inside, N_FEATURES);
    assert_true(inside >= N_FEATURES - 3);
    assert_true(lead_inside >= 2 * N_LEADS - 2);
    /* the spectral shares of each record add up to one */
    for (int i = 0; i < rep->n_real; i++)
        assert_true(fabsf(rep->real[i][FEAT_BAND_LOW] + rep->real[i][FEAT_BAND_MID] + rep->real[i][FEAT_BAND_HIGH] - 1) <
                    1e-3f);
    /* the table and the figure */
    char *dir = tmpdir_make();
    char md[4096], svg[4096];
    snprintf(md, sizeof md, "%s", path_join(dir, "t.md"));
    snprintf(svg, sizeof svg, "%s", path_join(dir, "f.svg"));
    FILE *f = fopen(md, "wb");
    assert_int_equal(realism_write_markdown(rep, f), inside);
    fclose(f);
    assert_int_equal(realism_write_svg(rep, svg), 0);
    char *t = read_file_all(md, NULL), *g = read_file_all(svg, NULL);
    assert_non_null(strstr(t, "| R V5 (mV) |"));
    assert_non_null(strstr(t, "| QRS (ms) |"));
    assert_non_null(strstr(g, "<svg"));
    assert_non_null(strstr(g, ">aVF</text>"));
    free(t);
    free(g);
    tmpdir_remove(dir);
    free(rep);
    for (int i = 0; i < n; i++) record_free(&rec[i]);
    free(rec);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spectrum_of_known_signals),
        cmocka_unit_test(real_normals_are_the_normal_fixtures),
        cmocka_unit_test(synthetic_normals_fall_inside_the_real_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
