#include "data/resample.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define MAX_FACTOR 10000
#define MAX_TABLE ((size_t)1 << 24)
#define ATTENUATION_DB 70.0
#define PASS_FRACTION 0.8 /* of the lower Nyquist frequency */

struct Resampler {
    int L, M;     /* output rate / input rate = L / M, in lowest terms */
    int K;        /* taps reach K input samples either side */
    int taps;     /* 2K + 1 */
    int stride;   /* taps rounded up to a multiple of 8 (zero padded) */
    float *coef;  /* [L][stride]: phase p, tap i multiplies x[q - K + i] */
};

static long long gcd_ll(long long a, long long b) {
    while (b) {
        long long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Modified Bessel function of the first kind, order 0 (power series). */
static double bessel_i0(double x) {
    double sum = 1, term = 1, q = x * x / 4;
    for (int k = 1; k < 200; k++) {
        term *= q / ((double)k * k);
        sum += term;
        if (term < sum * 1e-17) break;
    }
    return sum;
}

static int to_millihertz(double r, long long *out) {
    double m = r * 1000.0;
    double k = floor(m + 0.5);
    if (!(r > 0) || !isfinite(r) || m > 1e12 || fabs(m - k) > 1e-6 * (m > 1 ? m : 1)) return -1;
    *out = (long long)k;
    return 0;
}

Resampler *resampler_new(double rate_in, double rate_out) {
    long long a, b;
    if (to_millihertz(rate_in, &a) || to_millihertz(rate_out, &b) || a == 0 || b == 0) {
        scar_fail("cannot resample from %g Hz to %g Hz: rates must be positive multiples of 0.001 Hz", rate_in,
                  rate_out);
        return NULL;
    }
    long long g = gcd_ll(a, b);
    long long L = b / g, M = a / g;
    if (L > MAX_FACTOR || M > MAX_FACTOR) {
        scar_fail("cannot resample from %g Hz to %g Hz: the ratio %lld/%lld is not a small fraction", rate_in,
                  rate_out, L, M);
        return NULL;
    }
    Resampler *r = xcalloc(1, sizeof *r);
    r->L = (int)L;
    r->M = (int)M;
    if (L == 1 && M == 1) { /* identity: one tap */
        r->K = 0;
        r->taps = 1;
        r->stride = 8;
        r->coef = xcalloc(8, sizeof(float));
        r->coef[0] = 1;
        return r;
    }
    /* The prototype low-pass runs at the common rate rate_in * L (in units of its samples). */
    /* Frequencies in cycles per prototype sample. The lower Nyquist frequency, in cycles per input
     * sample, is 0.5 * min(1, L/M); the prototype runs L times faster. */
    double nyq_low = 0.5 * (L < M ? (double)L / (double)M : 1.0);
    double pass = PASS_FRACTION * nyq_low / (double)L, stop = nyq_low / (double)L;
    double fc = 0.5 * (pass + stop);
    double dw = 2 * M_PI * (stop - pass);
    double beta = 0.1102 * (ATTENUATION_DB - 8.7);
    long long N = (long long)ceil((ATTENUATION_DB - 8) / (2.285 * dw)) + 1;
    long long H = (N + 1) / 2;
    r->K = (int)(H / L) + 1;
    r->taps = 2 * r->K + 1;
    r->stride = (r->taps + 7) & ~7;
    if ((size_t)r->stride * (size_t)L > MAX_TABLE) {
        free(r);
        scar_fail("cannot resample from %g Hz to %g Hz: the filter would be too long", rate_in, rate_out);
        return NULL;
    }
    r->coef = xcalloc((size_t)r->stride * (size_t)L, sizeof(float));
    double i0b = bessel_i0(beta);
    double *h = xmalloc((size_t)r->taps * sizeof *h);
    for (int p = 0; p < L; p++) {
        double sum = 0;
        for (int i = 0; i < r->taps; i++) {
            long long t = p + (long long)(r->K - i) * L;
            double v = 0;
            if (llabs(t) <= H) {
                double x = 2 * fc * (double)t;
                double sinc = t == 0 ? 1.0 : sin(M_PI * x) / (M_PI * x);
                double u = (double)t / (double)H;
                v = 2 * fc * sinc * bessel_i0(beta * sqrt(1 - u * u)) / i0b;
            }
            h[i] = v;
            sum += v;
        }
        for (int i = 0; i < r->taps; i++) r->coef[(size_t)p * (size_t)r->stride + (size_t)i] = (float)(h[i] / sum);
    }
    free(h);
    return r;
}

void resampler_free(Resampler *r) {
    if (!r) return;
    free(r->coef);
    free(r);
}

int resampler_out_len(const Resampler *r, int n_in) {
    long long n = ((long long)n_in * r->L + r->M - 1) / r->M;
    return n > INT32_MAX ? INT32_MAX : (int)n;
}

int resampler_taps(const Resampler *r) { return r->taps; }

void resampler_ratio(const Resampler *r, int *L, int *M) {
    *L = r->L;
    *M = r->M;
}

/* Eight-wide vectors (AVX where the build targets it); four accumulators hide the latency of
 * the additions. A fixed order of additions keeps results identical from run to run. */
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

static inline float dot(const float *c, const float *x, int n) {
    v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 += *(const v8u *)(c + i) * *(const v8u *)(x + i);
        a1 += *(const v8u *)(c + i + 8) * *(const v8u *)(x + i + 8);
        a2 += *(const v8u *)(c + i + 16) * *(const v8u *)(x + i + 16);
        a3 += *(const v8u *)(c + i + 24) * *(const v8u *)(x + i + 24);
    }
    for (; i < n; i += 8) a0 += *(const v8u *)(c + i) * *(const v8u *)(x + i);
    v8 a = (a0 + a1) + (a2 + a3);
    return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}

void resampler_run(const Resampler *r, const float *in, int n_in, float *out, int n_out) {
    if (n_out <= 0) return;
    if (n_in <= 0) {
        memset(out, 0, (size_t)n_out * sizeof *out);
        return;
    }
    long long q_max = ((long long)(n_out - 1) * r->M) / r->L;
    /* padded copy: xp[K + m] = in[clamp(m)] for m in [-K, q_max + K + stride] */
    long long n_pad = q_max + 2LL * r->K + r->stride + 1;
    if (n_pad < (long long)n_in + 2LL * r->K) n_pad = (long long)n_in + 2LL * r->K;
    float *xp = xmalloc((size_t)n_pad * sizeof *xp);
    for (long long i = 0; i < n_pad; i++) {
        long long m = i - r->K;
        xp[i] = in[m < 0 ? 0 : m >= n_in ? n_in - 1 : m];
    }
    for (int k = 0; k < n_out; k++) {
        long long km = (long long)k * r->M;
        long long q = km / r->L;
        int p = (int)(km - q * r->L);
        const float *c = r->coef + (size_t)p * (size_t)r->stride;
        const float *x = xp + q; /* x[i] = in[q - K + i] */
        out[k] = dot(c, x, r->stride);
    }
    free(xp);
}
