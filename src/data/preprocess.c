#include "data/preprocess.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/filter.h"
#include "data/resample.h"

#define MAX_CACHED 32

struct Preprocessor {
    PreprocessOptions opt;
    pthread_mutex_t lock;
    int n_cached;
    float cached_rate[MAX_CACHED];
    Resampler *cached[MAX_CACHED];
};

static int check_filters(const PreprocessOptions *o, double rate, const char *what) {
    double nyq = rate / 2;
    if (o->highpass_hz < 0 || o->lowpass_hz < 0 || o->notch_hz < 0)
        return scar_fail("%s: filter frequencies cannot be negative", what);
    if (o->highpass_hz >= nyq) return scar_fail("%s: high-pass %g Hz is not below half the rate (%g Hz)", what, o->highpass_hz, nyq);
    if (o->lowpass_hz >= nyq) return scar_fail("%s: low-pass %g Hz is not below half the rate (%g Hz)", what, o->lowpass_hz, nyq);
    if (o->lowpass_hz > 0 && o->highpass_hz >= o->lowpass_hz)
        return scar_fail("%s: high-pass %g Hz is not below low-pass %g Hz", what, o->highpass_hz, o->lowpass_hz);
    return 0;
}

Preprocessor *preprocessor_new(const PreprocessOptions *opt) {
    if (opt->rate_hz < 0 || !isfinite(opt->rate_hz) || opt->n_samples < 0) {
        scar_fail("preprocessing: the rate and length cannot be negative");
        return NULL;
    }
    if (opt->normalize != NORMALIZE_NONE && opt->normalize != NORMALIZE_ZSCORE) {
        scar_fail("preprocessing: unknown normalisation %d", opt->normalize);
        return NULL;
    }
    if (opt->crop != CROP_START && opt->crop != CROP_CENTER) {
        scar_fail("preprocessing: unknown crop mode %d", opt->crop);
        return NULL;
    }
    if (opt->rate_hz > 0 && check_filters(opt, opt->rate_hz, "preprocessing") != 0) return NULL;
    Preprocessor *p = xcalloc(1, sizeof *p);
    p->opt = *opt;
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

void preprocessor_free(Preprocessor *p) {
    if (!p) return;
    for (int i = 0; i < p->n_cached; i++) resampler_free(p->cached[i]);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* A resampler from `rate` to the target, built once per input rate. */
static const Resampler *get_resampler(Preprocessor *p, float rate, Resampler **owned) {
    *owned = NULL;
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->n_cached; i++)
        if (p->cached_rate[i] == rate) {
            Resampler *r = p->cached[i];
            pthread_mutex_unlock(&p->lock);
            return r;
        }
    Resampler *r = resampler_new(rate, p->opt.rate_hz);
    if (r && p->n_cached < MAX_CACHED) {
        p->cached_rate[p->n_cached] = rate;
        p->cached[p->n_cached++] = r;
    } else {
        *owned = r; /* cache full: the caller frees it */
    }
    pthread_mutex_unlock(&p->lock);
    return r;
}

/* Replace samples that are not valid by a straight line between the valid ones around them (the
 * nearest valid value at the ends). 0 when the lead has no valid sample. */
static int bridge_gaps(float *x, const uint8_t *v, int n) {
    int prev = -1;
    for (int i = 0; i < n; i++) {
        if (!v[i]) continue;
        if (prev < 0) {
            for (int k = 0; k < i; k++) x[k] = x[i];
        } else if (i - prev > 1) {
            for (int k = prev + 1; k < i; k++) x[k] = x[prev] + (x[i] - x[prev]) * (float)(k - prev) / (float)(i - prev);
        }
        prev = i;
    }
    if (prev < 0) return 0;
    for (int k = prev + 1; k < n; k++) x[k] = x[prev];
    return 1;
}

int preprocess_record(Preprocessor *p, const EcgRecord *in, EcgRecord *out) {
    const PreprocessOptions *o = &p->opt;
    double rate_in = in->rate_hz, rate = o->rate_hz > 0 ? o->rate_hz : rate_in;
    if (!(rate_in > 0)) return scar_fail("record %s: rate %g Hz", in->id, rate_in);
    if (o->rate_hz <= 0 && check_filters(o, rate, in->id) != 0) return -1;

    Resampler *owned = NULL;
    const Resampler *rs = NULL;
    int L = 1, M = 1, n1 = in->n_samples;
    if (rate != rate_in) {
        rs = get_resampler(p, in->rate_hz, &owned);
        if (!rs) return scar_fail_context("record %s: ", in->id);
        resampler_ratio(rs, &L, &M);
        n1 = resampler_out_len(rs, in->n_samples);
    }
    int N = o->n_samples > 0 ? o->n_samples : n1;
    int start = 0; /* first kept sample of the resampled record */
    if (n1 > N && o->crop == CROP_CENTER) start = (n1 - N) / 2;

    Biquad sec[3];
    int ns = 0;
    double lowest = 0;
    if (o->highpass_hz > 0) sec[ns++] = biquad_highpass(o->highpass_hz, rate), lowest = o->highpass_hz;
    if (o->lowpass_hz > 0) sec[ns++] = biquad_lowpass(o->lowpass_hz, rate), lowest = lowest > 0 ? lowest : o->lowpass_hz;
    if (o->notch_hz > 0 && o->notch_hz < rate / 2) {
        sec[ns++] = biquad_notch(o->notch_hz, 30.0, rate);
        if (lowest == 0) lowest = o->notch_hz / 30.0; /* the notch's bandwidth sets its ringing */
    }
    int pad = filtfilt_pad(lowest, rate, n1);

    record_init(out, (float)rate, N);
    memcpy(out->id, in->id, sizeof out->id);
    out->age = in->age;
    out->sex = in->sex;
    out->fold = in->fold;
    out->split = in->split;
    free(out->report);
    out->report = xstrdup(in->report ? in->report : "");
    memcpy(out->labels, in->labels, sizeof out->labels);

    float *x = xmalloc((size_t)(in->n_samples > 0 ? in->n_samples : 1) * sizeof *x);
    float *y = xmalloc((size_t)(n1 > 0 ? n1 : 1) * sizeof *y);
    uint8_t *vy = xmalloc((size_t)(n1 > 0 ? n1 : 1));
    double *scratch = xmalloc((size_t)(n1 + 2 * pad + 1) * sizeof *scratch);
    for (int l = 0; l < N_LEADS; l++) {
        if (!(in->lead_available >> l & 1)) continue;
        const float *src = in->signal + (size_t)l * (size_t)in->n_samples;
        const uint8_t *vs = in->valid + (size_t)l * (size_t)in->n_samples;
        memcpy(x, src, (size_t)in->n_samples * sizeof *x);
        if (!bridge_gaps(x, vs, in->n_samples)) continue;
        if (rs) {
            resampler_run(rs, x, in->n_samples, y, n1);
            /* an output sample is valid when the input samples on both sides of it are */
            for (int k = 0; k < n1; k++) {
                long long num = (long long)k * M;
                int a = (int)(num / L), b = a + (num % L != 0);
                if (b >= in->n_samples) b = in->n_samples - 1;
                vy[k] = vs[a < in->n_samples ? a : in->n_samples - 1] && vs[b];
            }
        } else {
            memcpy(y, x, (size_t)n1 * sizeof *y);
            memcpy(vy, vs, (size_t)n1);
        }
        if (ns) filtfilt(sec, ns, y, n1, pad, scratch);

        float *dst = out->signal + (size_t)l * (size_t)N;
        uint8_t *vd = out->valid + (size_t)l * (size_t)N;
        int keep = n1 - start < N ? n1 - start : N;
        double sum = 0, sum2 = 0;
        int count = 0;
        for (int i = 0; i < keep; i++) {
            vd[i] = vy[start + i];
            if (vd[i]) {
                double v = y[start + i];
                dst[i] = (float)v;
                sum += v;
                count++;
            }
        }
        if (!count) continue;
        if (o->normalize == NORMALIZE_ZSCORE) {
            double mean = sum / count;
            for (int i = 0; i < keep; i++)
                if (vd[i]) sum2 += (dst[i] - mean) * (dst[i] - mean);
            double sd = sqrt(sum2 / count);
            double inv = sd > 1e-6 ? 1.0 / sd : 1.0; /* a flat lead is only centred */
            for (int i = 0; i < keep; i++)
                if (vd[i]) dst[i] = (float)((dst[i] - mean) * inv);
        }
        out->lead_available |= (uint16_t)(1u << l);
    }
    free(x);
    free(y);
    free(vy);
    free(scratch);
    resampler_free(owned);

    if (in->n_evidence > 0 && in->evidence) {
        out->evidence = xmalloc((size_t)in->n_evidence * sizeof *out->evidence);
        for (int e = 0; e < in->n_evidence; e++) {
            EvidenceSpan s = in->evidence[e];
            long long t0 = (long long)floor((double)s.t0 * L / M) - start;
            long long t1 = (long long)ceil((double)s.t1 * L / M) - start;
            if (t0 < 0) t0 = 0;
            if (t1 > N) t1 = N;
            if (t1 <= t0) continue;
            s.t0 = (int32_t)t0;
            s.t1 = (int32_t)t1;
            out->evidence[out->n_evidence++] = s;
        }
        if (!out->n_evidence) {
            free(out->evidence);
            out->evidence = NULL;
        }
    }
    return 0;
}

void preprocess_describe(const PreprocessOptions *o, char *buf, size_t cap) {
    char rate[32], len[32];
    snprintf(rate, sizeof rate, o->rate_hz > 0 ? "%g" : "native", o->rate_hz);
    snprintf(len, sizeof len, o->n_samples > 0 ? "%d" : "native", o->n_samples);
    snprintf(buf, cap, "rate=%s samples=%s highpass=%g lowpass=%g notch=%g normalize=%s crop=%s", rate, len,
             o->highpass_hz, o->lowpass_hz, o->notch_hz, o->normalize == NORMALIZE_ZSCORE ? "zscore" : "none",
             o->crop == CROP_CENTER ? "center" : "start");
}
