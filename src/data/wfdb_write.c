#include "data/wfdb_write.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "data/text.h"
#include "data/wfdb_format.h"

#define PATH_CAP 4096

static int format_writable(int f) {
    return f == 16 || f == 212 || f == 24 || f == 32 || f == 61 || f == 80 || f == 160 || f == 310 || f == 311;
}

static int format_bits(int f) {
    switch (f) {
    case 80: return 8;
    case 212: return 12;
    case 310: case 311: return 10;
    case 24: return 24;
    case 32: return 32;
    default: return 16;
    }
}

/* Write `n` bytes to a temporary file beside `path`, then rename it into place. */
static int write_atomic(const char *path, const void *data, size_t n) {
    char tmp[PATH_CAP + 16];
    snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) return scar_fail("%s: cannot create: %s", path, strerror(errno));
    fchmod(fd, file_creation_mode()); /* mkstemp's file is for its owner only */
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(tmp);
        return scar_fail("%s: cannot create: %s", path, strerror(errno));
    }
    size_t w = fwrite(data, 1, n, f);
    int bad = w != n || fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return scar_fail("%s: write failed: %s", path, strerror(e));
    }
    return 0;
}

typedef struct {
    const char *desc, *units;
    double gain;
    int32_t baseline;
    int spf;
    int64_t n;
    const int32_t *digital;
} OutSignal;

static int write_signals(const char *dir, const char *name, double fs, int64_t n_frames, int n_sig,
                         const OutSignal *sig, int format, const char *comments) {
    char path[PATH_CAP];
    if (!format_writable(format)) return scar_fail("WFDB writer: format %d is not one it writes (16 or 212, "
                                                   "or 24, 32, 61, 80, 160, 310, 311)", format);
    int frame = 0;
    for (int j = 0; j < n_sig; j++) frame += sig[j].spf;
    size_t n_total, bytes;
    if (size_mul((size_t)n_frames, (size_t)frame, &n_total) || wfdb_format_bytes(format, n_total, &bytes))
        return scar_fail("%s: record too large to write", name);
    int has_inv;
    int32_t inv = wfdb_format_invalid_value(format, &has_inv), lo, hi;
    wfdb_format_range(format, &lo, &hi);

    int32_t *stream = xmalloc((n_total ? n_total : 1) * sizeof *stream);
    uint32_t *sum = xcalloc((size_t)(n_sig ? n_sig : 1), sizeof *sum);
    size_t p = 0;
    for (int64_t f = 0; f < n_frames; f++)
        for (int j = 0; j < n_sig; j++)
            for (int k = 0; k < sig[j].spf; k++) {
                int32_t v = sig[j].digital[f * sig[j].spf + k];
                if (v == WFDB_NO_SAMPLE) {
                    v = inv;
                } else if (v < lo || v > hi) {
                    free(stream);
                    free(sum);
                    return scar_fail("%s: signal %d (%s): sample %lld is %d, outside format %d's range [%d, %d]",
                                     name, j, sig[j].desc, (long long)(f * sig[j].spf + k), v, format, lo, hi);
                }
                stream[p++] = v;
                sum[j] += (uint32_t)v;
            }
    uint8_t *bytes_out = xmalloc(bytes ? bytes : 1);
    wfdb_encode(format, stream, n_total, bytes_out);

    /* the header */
    size_t cap = 512 + (size_t)n_sig * 1024 + (comments ? 2 * strlen(comments) + 16 : 0);
    char *hea = xmalloc(cap);
    size_t h = (size_t)snprintf(hea, cap, "%s %d %.12g %lld\n", name, n_sig, fs, (long long)n_frames);
    for (int j = 0; j < n_sig; j++) {
        char fmt[32];
        snprintf(fmt, sizeof fmt, sig[j].spf > 1 ? "%dx%d" : "%d", format, sig[j].spf);
        int32_t init = sig[j].n > 0 ? (sig[j].digital[0] == WFDB_NO_SAMPLE ? inv : sig[j].digital[0]) : 0;
        h += (size_t)snprintf(hea + h, cap - h, "%s.dat %s %.12g(%d)%s%s %d 0 %d %d 0 %s\n", name, fmt, sig[j].gain,
                              sig[j].baseline, sig[j].units[0] ? "/" : "", sig[j].units, format_bits(format), init,
                              (int)(int16_t)(uint16_t)sum[j], sig[j].desc);
    }
    if (comments)
        for (const char *c = comments; *c;) {
            const char *e = strchr(c, '\n');
            size_t n = e ? (size_t)(e - c) : strlen(c);
            h += (size_t)snprintf(hea + h, cap - h, "# %.*s\n", (int)n, c);
            c += n + (e ? 1 : 0);
        }

    int rc = 0;
    snprintf(path, sizeof path, "%s/%s.dat", dir, name);
    if (write_atomic(path, bytes_out, bytes) != 0) rc = -1;
    snprintf(path, sizeof path, "%s/%s.hea", dir, name);
    if (rc == 0 && write_atomic(path, hea, h) != 0) rc = -1;
    free(hea);
    free(bytes_out);
    free(stream);
    free(sum);
    return rc;
}

int wfdb_write(const char *dir, const char *name, const WfdbRecord *rec, int format) {
    OutSignal *sig = xcalloc((size_t)(rec->n_signals ? rec->n_signals : 1), sizeof *sig);
    for (int j = 0; j < rec->n_signals; j++) {
        const WfdbSignal *s = &rec->signals[j];
        sig[j] = (OutSignal){s->name, s->units, s->gain, s->baseline, s->spf, s->n, s->digital};
    }
    int rc = write_signals(dir, name, rec->fs, rec->n_frames, rec->n_signals, sig, format, rec->header.comments);
    free(sig);
    return rc;
}

int wfdb_write_ecg(const char *dir, const char *name, const EcgRecord *r, int format, double gain) {
    if (!format_writable(format)) return scar_fail("WFDB writer: format %d is not one it writes", format);
    if (gain <= 0) gain = format == 212 ? 200 : format == 310 || format == 311 ? 100 : format == 80 ? 20 : 1000;
    int32_t lo, hi;
    wfdb_format_range(format, &lo, &hi);
    int n_sig = 0;
    OutSignal sig[N_LEADS];
    int32_t *dig = xmalloc((size_t)N_LEADS * (size_t)(r->n_samples ? r->n_samples : 1) * sizeof *dig);
    for (int l = 0; l < N_LEADS; l++) {
        if (!(r->lead_available >> l & 1)) continue;
        int32_t *d = dig + (size_t)n_sig * (size_t)r->n_samples;
        const float *x = r->signal + (size_t)l * (size_t)r->n_samples;
        const uint8_t *ok = r->valid + (size_t)l * (size_t)r->n_samples;
        for (int i = 0; i < r->n_samples; i++) {
            double v = rint((double)x[i] * gain);
            d[i] = !ok[i] || !isfinite(v) ? WFDB_NO_SAMPLE : v < lo ? lo : v > hi ? hi : (int32_t)v;
        }
        sig[n_sig++] = (OutSignal){LEAD_NAMES[l], "mV", gain, 0, 1, r->n_samples, d};
    }
    StrBuf c = {0};
    char line[96];
    if (r->age >= 0) {
        snprintf(line, sizeof line, "Age: %d\n", r->age);
        strbuf_puts(&c, line);
    }
    if (r->sex != SEX_UNKNOWN) strbuf_puts(&c, r->sex == SEX_FEMALE ? "Sex: Female\n" : "Sex: Male\n");
    if (r->report && r->report[0]) {
        strbuf_puts(&c, "Report: ");
        for (const char *p = r->report; *p; p++) strbuf_append(&c, *p == '\n' || *p == '\r' ? " " : p, 1);
        strbuf_puts(&c, "\n");
    }
    char *comments = strbuf_take(&c);
    size_t cl = strlen(comments);
    if (cl && comments[cl - 1] == '\n') comments[cl - 1] = 0;
    int rc = write_signals(dir, name, r->rate_hz, r->n_samples, n_sig, sig, format, comments);
    free(comments);
    free(dig);
    return rc;
}
