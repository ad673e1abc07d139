/* Resampling between sampling rates by a rational factor L/M (100, 250, 257, 360, 500, 1000 Hz and
 * any other pair whose ratio reduces to L, M <= 10000): polyphase filtering with a Kaiser-windowed
 * sinc low-pass that passes 0-80% of the lower of the two Nyquist frequencies (ripple < 0.05%) and
 * attenuates everything at and above that Nyquist frequency by at least 70 dB, so that nothing
 * aliases when going down and no images appear when going up. Each phase's taps sum to one: a
 * constant signal stays exactly constant. Edges are extended by repeating the end samples.
 *
 * A Resampler is immutable once built and can be shared between threads. */
#ifndef SCAR_DATA_RESAMPLE_H
#define SCAR_DATA_RESAMPLE_H

typedef struct Resampler Resampler;

/* NULL with an error when the ratio is not a small rational or a rate is not positive. */
Resampler *resampler_new(double rate_in, double rate_out);
void resampler_free(Resampler *r);
/* Output length for n_in input samples: ceil(n_in * L / M). */
int resampler_out_len(const Resampler *r, int n_in);
/* out[0..n_out): n_out may be any length (samples past the input's end see the repeated edge). */
void resampler_run(const Resampler *r, const float *in, int n_in, float *out, int n_out);
/* Taps per output sample (for benchmarks and tests). */
int resampler_taps(const Resampler *r);
void resampler_ratio(const Resampler *r, int *L, int *M);

#endif
