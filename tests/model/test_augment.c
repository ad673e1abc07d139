/* Augmentations (model/augment.h): 3KG's geometry against hand-derived rotations and the
 * pseudo-inverse computed by numpy, its identity round trip on synthetic ECGs within the
 * projection's error, Einthoven and Goldberger for any rotation; random masking's ratio and
 * contiguous blocks; the standard augmentation's statistics; determinism per (seed, record, view)
 * whatever the batch and the thread count; the text form; and a speed figure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/parallel.h"
#include "data/preprocess.h"
#include "data/record.h"
#include "data/synth/synth.h"
#include "model/augment.h"
#include "testutil.h"

enum { L100 = 1000 }; /* 10 s at 100 Hz */

/* B synthetic records of L100 samples (noise_scale 0: clean) into [B, 12, L100]. */
static float *synth_batch(int B, float noise_scale, uint64_t seed) {
    SynthConfig c;
    synth_config_default(&c);
    c.seed = seed;
    c.noise_scale = noise_scale;
    float *x = malloc((size_t)B * N_LEADS * L100 * sizeof *x);
    for (int b = 0; b < B; b++) {
        EcgRecord r;
        synth_generate(&c, (uint64_t)b, &r);
        assert_int_equal(r.n_samples, L100);
        memcpy(x + (size_t)b * N_LEADS * L100, r.signal, (size_t)N_LEADS * L100 * sizeof *x);
        record_free(&r);
    }
    return x;
}

static int64_t *indices(int B, int64_t first) {
    int64_t *r = malloc((size_t)B * sizeof *r);
    for (int b = 0; b < B; b++) r[b] = first + b;
    return r;
}

/* ---- 3KG geometry ---- */

static void test_pinv_matches_numpy(void **state) {
    (void)state;
    double P[8][3];
    augment_3kg_back_matrix(P);
    /* numpy.linalg.pinv of the DESIGN appendix's inverse Dower matrix (SVD based) */
    static const double REF[8][3] = {
        {0.6321921788, -0.2345447528, 0.0596989723},  {0.2341911847, 1.065706971, -0.1314620345},
        {-0.5129177483, 0.1567311588, -0.9174558421}, {0.0435825321, 0.1635379221, -1.3867417746},
        {0.8829524047, 0.0982860805, -1.2784723845},  {1.2139742467, 0.1266052173, -0.6002388897},
        {1.1243614944, 0.1267026692, -0.0853567215},  {0.8342914696, 0.0762215039, 0.2267016221},
    };
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 3; j++) assert_true(fabs(P[i][j] - REF[i][j]) < 1e-9);
    /* Moore-Penrose: Dinv P = I (a right inverse), and P Dinv is symmetric (an orthogonal projection) */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 8; k++) s += AUG_INVERSE_DOWER[i][k] * P[k][j];
            assert_true(fabs(s - (i == j)) < 1e-12);
        }
    for (int a = 0; a < 8; a++)
        for (int b = 0; b < 8; b++) {
            double pab = 0, pba = 0;
            for (int k = 0; k < 3; k++) pab += P[a][k] * AUG_INVERSE_DOWER[k][b], pba += P[b][k] * AUG_INVERSE_DOWER[k][a];
            assert_true(fabs(pab - pba) < 1e-12);
        }
}

/* M (P e_from) = s · P e_to: what a rotation/scaling of the heart vector does seen through the leads
 * (Dinv P = I, so M P = P S R). */
static void check_maps(const double angle[3], const double scale[3], int from, int to, double s) {
    double M[8][8], P[8][3];
    augment_3kg_matrix(angle, scale, M);
    augment_3kg_back_matrix(P);
    for (int i = 0; i < 8; i++) {
        double y = 0;
        for (int k = 0; k < 8; k++) y += M[i][k] * P[k][from];
        assert_true(fabs(y - s * P[i][to]) < 1e-12);
    }
}

static void test_3kg_rotation_order_and_scaling(void **state) {
    (void)state;
    const double one[3] = {1, 1, 1};
    /* right-handed rotations by 90 degrees: X takes Y to Z, Y takes Z to X, Z takes X to Y */
    check_maps((double[3]){90, 0, 0}, one, 1, 2, 1);
    check_maps((double[3]){0, 90, 0}, one, 2, 0, 1);
    check_maps((double[3]){0, 0, 90}, one, 0, 1, 1);
    /* about X first, then Y: Y -> Z -> X; then Z as well: -> Y */
    check_maps((double[3]){90, 90, 0}, one, 1, 0, 1);
    check_maps((double[3]){90, 90, 90}, one, 1, 1, 1);
    /* scaling per axis, after the rotation: Y -> Z, then times the Z scale */
    check_maps((double[3]){0, 0, 0}, (double[3]){2, 3, 4}, 0, 0, 2);
    check_maps((double[3]){0, 0, 0}, (double[3]){2, 3, 4}, 1, 1, 3);
    check_maps((double[3]){90, 0, 0}, (double[3]){2, 3, 4}, 1, 2, 4);
    /* a rotation keeps lengths: M P has the same singular values as P for any angles */
    double M[8][8], P[8][3], G[3][3] = {{0}}, H[3][3] = {{0}};
    augment_3kg_matrix((double[3]){-31, 17, 44}, one, M);
    augment_3kg_back_matrix(P);
    double MP[8][3];
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 3; j++) {
            MP[i][j] = 0;
            for (int k = 0; k < 8; k++) MP[i][j] += M[i][k] * P[k][j];
        }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            for (int k = 0; k < 8; k++) G[a][b] += MP[k][a] * MP[k][b], H[a][b] += P[k][a] * P[k][b];
    /* (M P)^T (M P) = R^T (P^T P) R has the trace of P^T P when R is orthogonal */
    assert_true(fabs((G[0][0] + G[1][1] + G[2][2]) - (H[0][0] + H[1][1] + H[2][2])) < 1e-9);
}

/* ---- 3KG on signals ---- */

static void options_3kg(AugmentOptions *o, double angle, double smin, double smax, double block) {
    augment_options_default(o);
    o->rot_max_deg = angle;
    o->scale3_min = smin;
    o->scale3_max = smax;
    o->block_ratio = block;
}

/* Over leads I, II, V1..V6 of record b: ||a - c||. */
static double dist8(const float *a, const float *c, int b) {
    static const int IND[8] = {LEAD_I, LEAD_II, LEAD_V1, LEAD_V2, LEAD_V3, LEAD_V4, LEAD_V5, LEAD_V6};
    double e = 0;
    for (int k = 0; k < 8; k++)
        for (int t = 0; t < L100; t++) {
            size_t i = ((size_t)b * N_LEADS + IND[k]) * L100 + t;
            double d = a[i] - (c ? c[i] : 0.0f);
            e += d * d;
        }
    return sqrt(e);
}

/* The same B synthetic records, clean and with the generator's default recording noise, optionally
 * high-passed at 0.5 Hz with a 50 Hz notch (the preprocessing a training pack gets). The noise
 * plan is drawn apart from the heart, so both share the same dipole signal. */
static void synth_pair(int B, int preprocess, float **clean, float **noisy) {
    PreprocessOptions po = {0};
    po.highpass_hz = 0.5f, po.notch_hz = 50;
    Preprocessor *pp = preprocess ? preprocessor_new(&po) : NULL;
    SynthConfig c;
    synth_config_default(&c);
    c.seed = 11;
    for (int which = 0; which < 2; which++) {
        float *x = malloc((size_t)B * N_LEADS * L100 * sizeof *x);
        c.noise_scale = (float)which;
        for (int b = 0; b < B; b++) {
            EcgRecord r, q, *use = &r;
            synth_generate(&c, (uint64_t)b, &r);
            if (pp) {
                assert_int_equal(preprocess_record(pp, &r, &q), 0);
                use = &q;
            }
            assert_int_equal(use->n_samples, L100);
            memcpy(x + (size_t)b * N_LEADS * L100, use->signal, (size_t)N_LEADS * L100 * sizeof *x);
            if (pp) record_free(&q);
            record_free(&r);
        }
        *(which ? noisy : clean) = x;
    }
    preprocessor_free(pp);
}

static void test_3kg_identity_roundtrip(void **state) {
    (void)state;
    const int B = 40;
    AugmentOptions o;
    options_3kg(&o, 0, 1, 1, 0);
    int64_t *rec = indices(B, 0);
    float *out = malloc((size_t)B * N_LEADS * L100 * sizeof *out);
    /* With R = S = I the round trip is x -> P Dinv x, the orthogonal projection onto the row space
     * of Dinv. Clean synthetic ECGs are Dower projections of a dipole, s = D d; over all directions
     * d the relative error ||s - P Dinv s|| / ||s|| is at most 0.2126% (the largest generalised
     * eigenvalue of ((I - P Dinv) D, D), numpy), so 0.22% bounds it with float rounding.
     * A recorded ECG x = s + n also holds noise n made at the electrodes, which no heart vector
     * explains: the projection removes its part off the subspace. Being the closest point of the
     * subspace to x, P Dinv x is no farther from x than P Dinv s is, so
     *     ||x - P Dinv x|| <= ||n|| + 0.0022 ||s||
     * whatever the noise: the round trip changes an ECG by at most its non-dipolar content. */
    for (int pre = 0; pre < 2; pre++) {
        float *clean = NULL, *noisy = NULL;
        synth_pair(B, pre, &clean, &noisy);
        double mean_c = 0, worst_c = 0, mean_n = 0, worst_n = 0, mean_noise = 0;
        assert_int_equal(augment_apply(AUG_3KG, &o, clean, NULL, out, NULL, B, L100, rec, 5, 0), 0);
        for (int b = 0; b < B; b++) {
            double r = dist8(out, clean, b) / dist8(clean, NULL, b);
            mean_c += r / B, worst_c = fmax(worst_c, r);
            assert_true(r < 0.0022);
            assert_true(r > 1e-5); /* not the identity: a projection onto 3 of 8 dimensions */
        }
        assert_int_equal(augment_apply(AUG_3KG, &o, noisy, NULL, out, NULL, B, L100, rec, 5, 0), 0);
        for (int b = 0; b < B; b++) {
            double s = dist8(clean, NULL, b), n = dist8(noisy, clean, b), e = dist8(out, noisy, b);
            assert_true(e <= n + 0.0022 * s);
            assert_true(dist8(out, clean, b) <= n + 0.0022 * s); /* and lands no farther from the heart's signal */
            mean_n += e / dist8(noisy, NULL, b) / B, worst_n = fmax(worst_n, e / dist8(noisy, NULL, b));
            mean_noise += n / dist8(noisy, NULL, b) / B;
        }
        print_message("3KG identity round trip%s: clean ECGs %.3f%% mean, %.3f%% worst; noisy ECGs %.2f%% mean, "
                      "%.2f%% worst (their noise: %.2f%% mean)\n",
                      pre ? " (0.5 Hz high-pass, 50 Hz notch)" : " (raw)", 100 * mean_c, 100 * worst_c, 100 * mean_n,
                      100 * worst_n, 100 * mean_noise);
        if (pre) {
            /* the limb leads are re-derived even at identity: III = II - I on the output */
            for (int b = 0; b < B; b++)
                for (int t = 0; t < L100; t++) {
                    const float *x = out + (size_t)b * N_LEADS * L100;
                    assert_true(x[LEAD_III * L100 + t] == x[LEAD_II * L100 + t] - x[LEAD_I * L100 + t]);
                }
            /* a fixed per-axis scaling of 2 doubles the identity output (the scaling reaches the signal) */
            float *twice = malloc((size_t)B * N_LEADS * L100 * sizeof *twice);
            AugmentOptions o2;
            options_3kg(&o2, 0, 2, 2, 0);
            assert_int_equal(augment_apply(AUG_3KG, &o2, noisy, NULL, twice, NULL, B, L100, rec, 5, 0), 0);
            for (size_t i = 0; i < (size_t)B * N_LEADS * L100; i++)
                assert_true(fabsf(twice[i] - 2 * out[i]) <= 1e-5f * (1 + fabsf(out[i])));
            free(twice);
        }
        free(noisy);
        free(clean);
    }
    free(out);
    free(rec);
}

/* Einthoven and Goldberger on every sample where the three leads involved are kept, to float
 * rounding (2^-23 of |I| + |II|), for random rotations and scalings, with and without the blocks. */
static void check_limb_relations(const float *x, const uint8_t *v, int B, long *checked) {
    for (int b = 0; b < B; b++) {
        const float *r = x + (size_t)b * N_LEADS * L100;
        const uint8_t *rv = v + (size_t)b * N_LEADS * L100;
        for (int t = 0; t < L100; t++) {
            float I = r[LEAD_I * L100 + t], II = r[LEAD_II * L100 + t];
            if (!rv[LEAD_I * L100 + t] || !rv[LEAD_II * L100 + t]) continue;
            const float tol = 0x1p-23f * (fabsf(I) + fabsf(II));
            const float want[4] = {II - I, -(I + II) / 2, I - II / 2, II - I / 2};
            const int lead[4] = {LEAD_III, LEAD_AVR, LEAD_AVL, LEAD_AVF};
            for (int d = 0; d < 4; d++) {
                if (!rv[lead[d] * L100 + t]) continue;
                assert_true(fabsf(r[lead[d] * L100 + t] - want[d]) <= tol);
                (*checked)++;
            }
        }
    }
}

static void test_3kg_limb_leads(void **state) {
    (void)state;
    const int B = 16;
    float *in = synth_batch(B, 1, 3);
    float *out = malloc((size_t)B * N_LEADS * L100 * sizeof *out);
    uint8_t *v = malloc((size_t)B * N_LEADS * L100);
    int64_t *rec = indices(B, 100);
    AugmentOptions o;
    long checked = 0;
    options_3kg(&o, 45, 1, 1.5, 0);
    assert_int_equal(augment_apply(AUG_3KG, &o, in, NULL, out, v, B, L100, rec, 9, 0), 0);
    check_limb_relations(out, v, B, &checked);
    assert_int_equal(checked, (long)B * 4 * L100);
    /* the default: a 50% block zeroed per lead, placed independently */
    augment_options_default(&o);
    assert_int_equal(augment_apply(AUG_3KG, &o, in, NULL, out, v, B, L100, rec, 9, 1), 0);
    checked = 0;
    check_limb_relations(out, v, B, &checked);
    assert_true(checked > 0);
    for (int b = 0; b < B; b++)
        for (int l = 0; l < N_LEADS; l++) {
            const uint8_t *row = v + ((size_t)b * N_LEADS + l) * L100;
            const float *xr = out + ((size_t)b * N_LEADS + l) * L100;
            int removed = 0, runs = 0;
            for (int t = 0; t < L100; t++) {
                removed += !row[t];
                runs += !row[t] && (t == 0 || row[t - 1]);
                if (!row[t]) assert_true(xr[t] == 0.0f);
            }
            assert_int_equal(removed, L100 / 2);
            assert_int_equal(runs, 1);
        }
    /* rotated leads really change (the augmentation is not the identity) */
    double diff = 0, norm = 0;
    options_3kg(&o, 45, 1, 1.5, 0);
    assert_int_equal(augment_apply(AUG_3KG, &o, in, NULL, out, NULL, B, L100, rec, 9, 2), 0);
    for (size_t i = 0; i < (size_t)B * N_LEADS * L100; i++) diff += fabs(out[i] - in[i]), norm += fabs(in[i]);
    assert_true(diff > 0.05 * norm);
    free(rec);
    free(v);
    free(out);
    free(in);
}

/* ---- random masking ---- */

static void test_random_masking(void **state) {
    (void)state;
    const int B = 200, L = 997;
    float *in = malloc((size_t)B * N_LEADS * L * sizeof *in), *out = malloc((size_t)B * N_LEADS * L * sizeof *out);
    uint8_t *v = malloc((size_t)B * N_LEADS * L);
    Rng r;
    rng_seed(&r, 4, 0);
    for (size_t i = 0; i < (size_t)B * N_LEADS * L; i++) in[i] = 1.0f + rng_uniform(&r); /* never 0 */
    int64_t *rec = indices(B, 7);
    AugmentOptions o;
    augment_options_default(&o);
    o.mask_ratio = 0.3; /* 299.1 samples of 997: 299 or 300, 299.1 on average */
    for (int blocks = 1; blocks <= 3; blocks += 2) {
        o.mask_blocks = blocks;
        assert_int_equal(augment_apply(AUG_RANDOM, &o, in, NULL, out, v, B, L, rec, 1, 0), 0);
        double total = 0;
        int differ = 0, first_start = -1;
        for (int b = 0; b < B; b++)
            for (int l = 0; l < N_LEADS; l++) {
                size_t base = ((size_t)b * N_LEADS + l) * L;
                int removed = 0, runs = 0, start = -1;
                for (int t = 0; t < L; t++) {
                    int gone = !v[base + t];
                    removed += gone;
                    if (gone && (t == 0 || v[base + t - 1])) runs++, start = start < 0 ? t : start;
                    assert_true(gone ? out[base + t] == 0.0f : out[base + t] == in[base + t]);
                }
                assert_true(removed == 299 || removed == 300);
                assert_int_equal(runs, blocks); /* contiguous blocks, exactly as many as asked */
                total += removed;
                if (b == 0 && l == 0) first_start = start;
                else if (b == 0 && start != first_start) differ = 1;
            }
        double mean = total / (B * N_LEADS);
        print_message("random masking, %d block(s): %.3f samples removed per lead on average (expected 299.1)\n", blocks, mean);
        assert_true(fabs(mean - 299.1) < 0.05); /* binomial sd of the mean: 0.46 / sqrt(2400) = 0.009 */
        assert_true(differ);                    /* leads get their own blocks */
    }
    free(rec);
    free(v);
    free(out);
    free(in);
}

/* ---- standard ---- */

static void test_standard_statistics(void **state) {
    (void)state;
    const int B = 100, L = 500;
    const size_t n = (size_t)B * N_LEADS * L;
    float *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
    uint8_t *vin = malloc(n), *v = malloc(n);
    Rng r;
    rng_seed(&r, 8, 0);
    for (size_t i = 0; i < n; i++) in[i] = (float)(2 * sin(0.05 * (double)(i % L)) + rng_normal(&r)), vin[i] = 1;
    for (int b = 0; b < B; b++) /* lead V3 missing in every record */
        for (int t = 0; t < L; t++) in[((size_t)b * N_LEADS + LEAD_V3) * L + t] = 0, vin[((size_t)b * N_LEADS + LEAD_V3) * L + t] = 0;
    int64_t *rec = indices(B, 0);
    AugmentOptions o;

    /* scaling alone: a constant factor per lead, uniform in [0.8, 1.2] (mean 1, variance 0.4^2/12) */
    augment_options_default(&o);
    o.noise = 0, o.shift = 0;
    assert_int_equal(augment_apply(AUG_STANDARD, &o, in, vin, out, v, B, L, rec, 3, 0), 0);
    double s = 0, ss = 0, lo = 9, hi = 0;
    int m = 0;
    for (int b = 0; b < B; b++)
        for (int l = 0; l < N_LEADS; l++) {
            size_t base = ((size_t)b * N_LEADS + l) * L;
            if (l == LEAD_V3) {
                for (int t = 0; t < L; t++) assert_true(out[base + t] == 0.0f && !v[base + t]);
                continue;
            }
            double g = out[base] / (double)in[base];
            for (int t = 0; t < L; t++) assert_true(fabs(out[base + t] - g * in[base + t]) <= 1e-5 * (1 + fabs(in[base + t])));
            s += g, ss += g * g, m++;
            lo = fmin(lo, g), hi = fmax(hi, g);
        }
    double mean = s / m, var = ss / m - mean * mean;
    assert_true(lo >= 0.8 - 1e-6 && hi <= 1.2 + 1e-6);
    assert_true(fabs(mean - 1) < 0.01);                 /* sd of the mean: 0.115 / sqrt(1100) = 0.0035 */
    assert_true(fabs(var - 0.16 / 12) < 0.0025);

    /* noise alone: residual sd = 0.1 x the lead's sd, zero mean, Gaussian (kurtosis 3) */
    augment_options_default(&o);
    o.scale_min = o.scale_max = 1, o.shift = 0, o.noise = 0.1;
    assert_int_equal(augment_apply(AUG_STANDARD, &o, in, vin, out, v, B, L, rec, 3, 0), 0);
    double ratio_sum = 0, k4 = 0, k2 = 0, rmean = 0;
    int leads = 0;
    for (int b = 0; b < B; b++)
        for (int l = 0; l < N_LEADS; l++) {
            if (l == LEAD_V3) continue;
            size_t base = ((size_t)b * N_LEADS + l) * L;
            double a = 0, aa = 0, e2 = 0;
            for (int t = 0; t < L; t++) a += in[base + t], aa += in[base + t] * (double)in[base + t];
            double sd = sqrt((aa - a * a / L) / (L - 1));
            for (int t = 0; t < L; t++) {
                double e = (out[base + t] - in[base + t]) / sd;
                e2 += e * e, rmean += e, k2 += e * e, k4 += e * e * e * e;
            }
            ratio_sum += sqrt(e2 / L);
            leads++;
        }
    double cnt = (double)leads * L;
    double kurt = (k4 / cnt) / ((k2 / cnt) * (k2 / cnt));
    print_message("standard noise: residual sd %.4f x lead sd (0.1 asked), mean %.5f, kurtosis %.3f\n", ratio_sum / leads,
                  rmean / cnt, kurt);
    assert_true(fabs(ratio_sum / leads - 0.1) < 0.002);
    assert_true(fabs(rmean / cnt) < 0.002);
    assert_true(fabs(kurt - 3) < 0.1);
    for (int b = 0; b < B; b++) /* the missing lead got none */
        for (int t = 0; t < L; t++) assert_true(out[((size_t)b * N_LEADS + LEAD_V3) * L + t] == 0.0f);

    /* shift alone: the whole record moves by s in [-50, 50] samples, every lead alike */
    augment_options_default(&o);
    o.scale_min = o.scale_max = 1, o.noise = 0, o.shift = 0.1;
    assert_int_equal(augment_apply(AUG_STANDARD, &o, in, vin, out, v, B, L, rec, 3, 0), 0);
    double shift_sum = 0;
    int smin = 99, smax = -99;
    for (int b = 0; b < B; b++) {
        const size_t base0 = (size_t)b * N_LEADS * L;
        int found = -999;
        for (int s0 = -50; s0 <= 50 && found == -999; s0++) {
            int ok = 1;
            for (int t = 0; t < L && ok; t++) {
                int src = t - s0;
                float want = src >= 0 && src < L ? in[base0 + src] : 0.0f;
                ok = out[base0 + t] == want;
            }
            if (ok) found = s0;
        }
        assert_true(found != -999);
        for (int l = 0; l < N_LEADS; l++)
            for (int t = 0; t < L; t++) {
                size_t i = base0 + (size_t)l * L + t;
                int src = t - found;
                int inside = src >= 0 && src < L;
                assert_true(out[i] == (inside ? in[base0 + (size_t)l * L + src] : 0.0f));
                assert_true(v[i] == (inside ? vin[base0 + (size_t)l * L + src] : 0));
            }
        shift_sum += found;
        smin = found < smin ? found : smin;
        smax = found > smax ? found : smax;
    }
    print_message("standard shift: %d..%d samples, mean %.2f (uniform in -50..50)\n", smin, smax, shift_sum / B);
    assert_true(smin < -30 && smax > 30);
    assert_true(fabs(shift_sum / B) < 10); /* sd of the mean: 29.2 / 10 = 2.9 */
    free(rec);
    free(v);
    free(vin);
    free(out);
    free(in);
}

/* ---- determinism ---- */

static void test_determinism(void **state) {
    (void)state;
    const int B = 12, L = 300;
    const size_t rec_n = (size_t)N_LEADS * L, n = (size_t)B * rec_n;
    float *in = malloc(n * sizeof *in), *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    uint8_t *va = malloc(n), *vb = malloc(n);
    Rng r;
    rng_seed(&r, 1, 0);
    for (size_t i = 0; i < n; i++) in[i] = (float)rng_normal(&r);
    int64_t *rec = indices(B, 1000);
    int64_t perm[12];
    for (int i = 0; i < B; i++) perm[i] = rec[(i * 5 + 3) % B]; /* another order */
    float *in_perm = malloc(n * sizeof *in_perm);
    for (int i = 0; i < B; i++) memcpy(in_perm + i * rec_n, in + (perm[i] - 1000) * rec_n, rec_n * sizeof *in);
    AugmentOptions o;
    augment_options_default(&o);
    for (int k = 0; k < N_AUG_KINDS; k++) {
        engine_init(1);
        assert_int_equal(augment_apply((AugKind)k, &o, in, NULL, a, va, B, L, rec, 77, 0), 0);
        engine_init(2);
        assert_int_equal(augment_apply((AugKind)k, &o, in, NULL, b, vb, B, L, rec, 77, 0), 0);
        assert_memory_equal(a, b, n * sizeof *a);
        assert_memory_equal(va, vb, n);
        /* in place gives the same */
        memcpy(b, in, n * sizeof *b);
        assert_int_equal(augment_apply((AugKind)k, &o, b, NULL, b, vb, B, L, rec, 77, 0), 0);
        assert_memory_equal(a, b, n * sizeof *a);
        /* the same record in another batch position gives the same view */
        assert_int_equal(augment_apply((AugKind)k, &o, in_perm, NULL, b, vb, B, L, perm, 77, 0), 0);
        for (int i = 0; i < B; i++)
            assert_memory_equal(b + i * rec_n, a + (perm[i] - 1000) * rec_n, rec_n * sizeof *a);
        /* another view or seed differs (except for none) */
        assert_int_equal(augment_apply((AugKind)k, &o, in, NULL, b, vb, B, L, rec, 77, 1), 0);
        int same_view = !memcmp(a, b, n * sizeof *a);
        assert_int_equal(augment_apply((AugKind)k, &o, in, NULL, b, vb, B, L, rec, 78, 0), 0);
        int same_seed = !memcmp(a, b, n * sizeof *a);
        assert_int_equal(same_view, k == AUG_NONE);
        assert_int_equal(same_seed, k == AUG_NONE);
    }
    engine_init(0);
    free(in_perm);
    free(rec);
    free(vb);
    free(va);
    free(b);
    free(a);
    free(in);
}

/* ---- options and text ---- */

static void test_text_form(void **state) {
    (void)state;
    AugKind k;
    AugmentOptions o, back;
    char buf[AUG_TEXT_MAX];
    assert_int_equal(augment_parse("random:ratio=0.3,blocks=2", &k, &o), 0);
    assert_int_equal(k, AUG_RANDOM);
    assert_true(o.mask_ratio == 0.3 && o.mask_blocks == 2);
    assert_int_equal(augment_parse("3KG:angle=30,scale=1-1.25,block=0.4", &k, &o), 0);
    assert_int_equal(k, AUG_3KG);
    assert_true(o.rot_max_deg == 30 && o.scale3_min == 1 && o.scale3_max == 1.25 && o.block_ratio == 0.4);
    assert_int_equal(augment_parse("standard:noise=0.1,scale=0.9-1.1,shift=0.05", &k, &o), 0);
    assert_true(o.noise == 0.1 && o.scale_min == 0.9 && o.scale_max == 1.1 && o.shift == 0.05);
    for (int kind = 0; kind < N_AUG_KINDS; kind++) {
        augment_options_default(&o);
        o.noise = 0.123456789012, o.mask_ratio = 1.0 / 3, o.block_ratio = 0.7, o.scale3_max = 1.7;
        assert_int_equal(augment_format((AugKind)kind, &o, buf, sizeof buf), 0);
        assert_int_equal(augment_parse(buf, &k, &back), 0);
        assert_int_equal(k, kind);
        char again[AUG_TEXT_MAX];
        assert_int_equal(augment_format(k, &back, again, sizeof again), 0);
        assert_string_equal(buf, again);
    }
    assert_int_equal(augment_parse("none", &k, &o), 0);
    assert_int_equal(k, AUG_NONE);
    const char *bad[] = {"rotate", "random:ratio=1.5", "random:angle=3", "3kg:scale=1.5-1", "standard:noise=-1",
                         "random:blocks=0", "random:blocks=2.5", "3kg:angle=200", "random:ratio", "none:ratio=0.1",
                         "standard:shift=1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(augment_parse(bad[i], &k, &o), -1);
        assert_true(strlen(scar_last_error()) > 0);
    }
    augment_options_default(&o);
    int64_t rec0 = 0;
    float x[12 * 8] = {0};
    assert_int_equal(augment_apply(AUG_RANDOM, &o, x, NULL, x, NULL, 1, 8, &rec0, 0, AUG_MAX_VIEWS), -1);
}

/* ---- speed ---- */

static void test_speed(void **state) {
    (void)state;
    const int B = 512;
    const size_t n = (size_t)B * N_LEADS * L100;
    float *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
    uint8_t *v = malloc(n);
    Rng r;
    rng_seed(&r, 2, 0);
    for (size_t i = 0; i < n; i++) in[i] = (float)rng_normal(&r);
    int64_t *rec = indices(B, 0);
    AugmentOptions o;
    augment_options_default(&o);
    engine_init(0);
    for (int k = 1; k < N_AUG_KINDS; k++) {
        double best = 1e30;
        for (int rep = 0; rep < 3; rep++) {
            double t0 = omp_get_wtime();
            assert_int_equal(augment_apply((AugKind)k, &o, in, NULL, out, v, B, L100, rec, 1, rep), 0);
            best = fmin(best, omp_get_wtime() - t0);
        }
        print_message("augment %-8s %9.0f records/s (12 x 1000 samples, %d threads)\n", augment_kind_name((AugKind)k),
                      B / best, engine_threads());
    }
    free(rec);
    free(v);
    free(out);
    free(in);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinv_matches_numpy),     cmocka_unit_test(test_3kg_rotation_order_and_scaling),
        cmocka_unit_test(test_3kg_identity_roundtrip), cmocka_unit_test(test_3kg_limb_leads),
        cmocka_unit_test(test_random_masking),         cmocka_unit_test(test_standard_statistics),
        cmocka_unit_test(test_determinism),            cmocka_unit_test(test_text_form),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
