#include "data/ecg_map.h"

#include <ctype.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "data/resample.h"

double units_to_mv(const char *u) {
    if (!u[0] || !strcasecmp(u, "NU") || !strcasecmp(u, "mV")) return 1.0;
    if (!strcasecmp(u, "uV") || !strcmp(u, "\xc2\xb5V") || !strcmp(u, "\xce\xbcV")) return 1e-3;
    if (!strcmp(u, "V")) return 1e3;
    return 0;
}

/* Mark runs of one value lasting at least min_run samples as not valid. */
static void mark_flat_runs(const int32_t *d, int64_t n, int64_t min_run, uint8_t *valid) {
    int64_t i = 0;
    while (i < n) {
        int64_t j = i + 1;
        while (j < n && d[j] == d[i]) j++;
        if (d[i] != WFDB_NO_SAMPLE && j - i >= min_run) memset(valid + i, 0, (size_t)(j - i));
        i = j;
    }
}

int wfdb_to_ecg(const WfdbRecord *w, const EcgMapOptions *opt, EcgRecord *out) {
    const char *what = w->header.name;
    int src[N_LEADS];
    double rate = 0;
    int found = 0;
    for (int l = 0; l < N_LEADS; l++) src[l] = -1;
    for (int j = 0; j < w->n_signals; j++) {
        int l = lead_from_name(w->signals[j].name);
        if (l < 0 || src[l] >= 0) continue; /* not a standard lead, or a repeat: the first one wins */
        if (units_to_mv(w->signals[j].units) == 0)
            return scar_fail("record %s: lead %s has units '%s', which are not a voltage", what, LEAD_NAMES[l],
                             w->signals[j].units);
        src[l] = j;
        found++;
        if (w->signals[j].rate > rate) rate = w->signals[j].rate;
    }
    if (!found) {
        char names[256] = "";
        size_t o = 0;
        for (int j = 0; j < w->n_signals && o + 40 < sizeof names; j++)
            o += (size_t)snprintf(names + o, sizeof names - o, "%s'%s'", j ? ", " : "", w->signals[j].name);
        return scar_fail("record %s: no standard 12-lead ECG signal among its %d signals (%s)", what, w->n_signals,
                         names);
    }
    int64_t n = 0;
    for (int l = 0; l < N_LEADS; l++)
        if (src[l] >= 0) {
            const WfdbSignal *s = &w->signals[src[l]];
            int64_t m = (int64_t)llround((double)s->n * rate / s->rate);
            if (m > n) n = m;
        }
    if (n > INT32_MAX / N_LEADS) return scar_fail("record %s: %lld samples per lead is too long", what, (long long)n);
    record_init(out, (float)rate, (int)n);
    snprintf(out->id, sizeof out->id, "%.63s", w->header.name);

    for (int l = 0; l < N_LEADS; l++) {
        if (src[l] < 0) continue;
        const WfdbSignal *s = &w->signals[src[l]];
        double scale = units_to_mv(s->units) / s->gain;
        float *x = out->signal + (size_t)l * (size_t)n;
        uint8_t *v = out->valid + (size_t)l * (size_t)n;
        int64_t ns = s->n;
        float *tmp = x;
        uint8_t *vtmp = v;
        int other_rate = s->rate != rate;
        if (other_rate) {
            tmp = xmalloc((size_t)(ns ? ns : 1) * sizeof *tmp);
            vtmp = xmalloc((size_t)(ns ? ns : 1));
        }
        for (int64_t i = 0; i < ns; i++) {
            int32_t d = s->digital[i];
            int ok = d != WFDB_NO_SAMPLE;
            tmp[i] = ok ? (float)(((double)d - s->baseline) * scale) : 0.0f;
            vtmp[i] = (uint8_t)ok;
        }
        if (opt && opt->flat_seconds > 0) {
            double run = ceil(opt->flat_seconds * s->rate);
            int64_t min_run = run > (double)INT32_MAX ? INT32_MAX : (int64_t)run;
            mark_flat_runs(s->digital, ns, min_run < 2 ? 2 : min_run, vtmp);
            for (int64_t i = 0; i < ns; i++)
                if (!vtmp[i]) tmp[i] = 0;
        }
        if (other_rate) { /* a lead sampled more slowly than the fastest: bring it to that rate */
            Resampler *r = resampler_new(s->rate, rate);
            if (!r) {
                free(tmp);
                free(vtmp);
                record_free(out);
                return scar_fail_context("record %s: lead %s: ", what, LEAD_NAMES[l]);
            }
            resampler_run(r, tmp, (int)ns, x, (int)n);
            resampler_free(r);
            for (int64_t i = 0; i < n; i++) {
                int64_t k = (int64_t)((double)i * s->rate / rate);
                v[i] = k < ns ? vtmp[k] : 0;
                if (!v[i]) x[i] = 0;
            }
            free(tmp);
            free(vtmp);
        }
        int any = 0;
        for (int64_t i = 0; i < n && !any; i++) any = v[i];
        if (any) out->lead_available |= (uint16_t)(1u << l);
    }
    return 0;
}

int parse_age(const char *s) {
    while (isspace((unsigned char)*s)) s++;
    if (!isdigit((unsigned char)*s)) return -1;
    char *end;
    double a = strtod(s, &end);
    while (isspace((unsigned char)*end) || *end == '+') end++;
    if (*end && strncasecmp(end, "y", 1) != 0) return -1;
    if (!(a >= 0 && a < 150)) return -1;
    return (int)a;
}

int parse_sex(const char *s) {
    while (isspace((unsigned char)*s)) s++;
    if (!strcasecmp(s, "m") || !strcasecmp(s, "male")) return SEX_MALE;
    if (!strcasecmp(s, "f") || !strcasecmp(s, "female")) return SEX_FEMALE;
    return SEX_UNKNOWN;
}

void ecg_meta_from_comments(const WfdbHeader *h, int *age, int *sex) {
    char v[64];
    *age = wfdb_comment_value(h, "age", v, sizeof v) == 0 ? parse_age(v) : -1;
    *sex = wfdb_comment_value(h, "sex", v, sizeof v) == 0 ? parse_sex(v) : SEX_UNKNOWN;
}
