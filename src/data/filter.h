/* Zero-phase IIR filters for ECG preprocessing: second-order Butterworth high-pass (baseline
 * wander removal) and low-pass sections, and a notch for mains interference, each run forward and
 * backward (so the phase is zero and the magnitude response is the section's squared: -6 dB at the
 * cut-off). Edges are extended by odd reflection and the filter starts in its steady state, so a
 * record's first and last seconds are not swamped by the start-up transient. */
#ifndef SCAR_DATA_FILTER_H
#define SCAR_DATA_FILTER_H

typedef struct {
    double b0, b1, b2, a1, a2; /* y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2 */
} Biquad;

/* Designs (bilinear transform with pre-warping); frequencies in Hz, 0 < f < rate/2. */
Biquad biquad_highpass(double cutoff_hz, double rate_hz);
Biquad biquad_lowpass(double cutoff_hz, double rate_hz);
/* Notch of quality q (bandwidth f0/q). */
Biquad biquad_notch(double f0_hz, double q, double rate_hz);

/* Apply the sections in order, forward then backward, to x[0..n) in place. scratch holds at least
 * n + 2 * filtfilt_pad(...) doubles, or is NULL (then it is allocated here). */
void filtfilt(const Biquad *sections, int n_sections, float *x, int n, int pad, double *scratch);
/* Edge extension that covers the slowest section's transient: about rate/lowest_hz samples,
 * at most n - 1. */
int filtfilt_pad(double lowest_hz, double rate_hz, int n);

/* Magnitude response of one pass of the sections at f Hz. */
double biquad_gain(const Biquad *sections, int n_sections, double f_hz, double rate_hz);

#endif
