#include "data/filter.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>

#include "core/error.h"

/* Robert Bristow-Johnson's cookbook forms; Q = 1/sqrt(2) gives the Butterworth response. */
static Biquad normalise(double b0, double b1, double b2, double a0, double a1, double a2) {
    return (Biquad){b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
}

Biquad biquad_highpass(double fc, double fs) {
    double w = 2 * M_PI * fc / fs, c = cos(w), alpha = sin(w) / (2 * M_SQRT1_2);
    return normalise((1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + alpha, -2 * c, 1 - alpha);
}

Biquad biquad_lowpass(double fc, double fs) {
    double w = 2 * M_PI * fc / fs, c = cos(w), alpha = sin(w) / (2 * M_SQRT1_2);
    return normalise((1 - c) / 2, 1 - c, (1 - c) / 2, 1 + alpha, -2 * c, 1 - alpha);
}

Biquad biquad_notch(double f0, double q, double fs) {
    double w = 2 * M_PI * f0 / fs, c = cos(w), alpha = sin(w) / (2 * q);
    return normalise(1, -2 * c, 1, 1 + alpha, -2 * c, 1 - alpha);
}

double biquad_gain(const Biquad *s, int ns, double f, double fs) {
    double complex z1 = cexp(-I * 2 * M_PI * f / fs), z2 = z1 * z1;
    double g = 1;
    for (int k = 0; k < ns; k++)
        g *= cabs((s[k].b0 + s[k].b1 * z1 + s[k].b2 * z2) / (1 + s[k].a1 * z1 + s[k].a2 * z2));
    return g;
}

int filtfilt_pad(double lowest_hz, double rate_hz, int n) {
    int pad = lowest_hz > 0 ? (int)ceil(rate_hz / lowest_hz) : 0;
    if (pad < 12) pad = 12;
    if (pad > n - 1) pad = n - 1;
    return pad < 0 ? 0 : pad;
}

/* One section over y[0..n), direct form II transposed, starting in the steady state for a
 * constant input equal to y[0]. */
static void run_section(const Biquad *s, double *y, int n) {
    double x0 = y[0];
    double dc = (s->b0 + s->b1 + s->b2) / (1 + s->a1 + s->a2);
    double y0 = dc * x0;
    double z2 = s->b2 * x0 - s->a2 * y0;
    double z1 = s->b1 * x0 - s->a1 * y0 + z2;
    for (int i = 0; i < n; i++) {
        double x = y[i];
        double out = s->b0 * x + z1;
        z1 = s->b1 * x - s->a1 * out + z2;
        z2 = s->b2 * x - s->a2 * out;
        y[i] = out;
    }
}

void filtfilt(const Biquad *sections, int ns, float *x, int n, int pad, double *scratch) {
    if (n < 2 || ns == 0) return;
    if (pad > n - 1) pad = n - 1;
    if (pad < 0) pad = 0;
    int m = n + 2 * pad;
    double *y = scratch ? scratch : xmalloc((size_t)m * sizeof *y);
    /* odd reflection about the end samples keeps the signal and its slope continuous */
    for (int i = 0; i < pad; i++) y[i] = 2.0 * x[0] - x[pad - i];
    for (int i = 0; i < n; i++) y[pad + i] = x[i];
    for (int i = 0; i < pad; i++) y[pad + n + i] = 2.0 * x[n - 1] - x[n - 2 - i];
    for (int k = 0; k < ns; k++) run_section(&sections[k], y, m);
    for (int i = 0, j = m - 1; i < j; i++, j--) {
        double t = y[i];
        y[i] = y[j];
        y[j] = t;
    }
    for (int k = 0; k < ns; k++) run_section(&sections[k], y, m);
    for (int i = 0; i < n; i++) x[i] = (float)y[m - 1 - pad - i];
    if (!scratch) free(y);
}
