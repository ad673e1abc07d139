#include "data/wfdb_read.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

#define PATH_CAP 4096

void wfdb_split_path(const char *path, char *dir, size_t dir_cap, char *name, size_t name_cap) {
    const char *slash = strrchr(path, '/');
    if (slash) {
        size_t n = (size_t)(slash - path);
        if (n == 0) n = 1; /* "/name" → "/" */
        snprintf(dir, dir_cap, "%.*s", (int)n, path);
        path = slash + 1;
    } else {
        snprintf(dir, dir_cap, ".");
    }
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".hea") == 0) n -= 4;
    snprintf(name, name_cap, "%.*s", (int)n, path);
}

static uint8_t *read_binary(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        scar_fail("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        scar_fail("%s: not a regular file", path);
        return NULL;
    }
    size_t n = (size_t)st.st_size, got = 0;
    uint8_t *buf = xmalloc(n ? n : 1);
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            close(fd);
            free(buf);
            scar_fail("%s: read error", path);
            return NULL;
        }
        got += (size_t)r;
    }
    close(fd);
    *len = n;
    return buf;
}

static void init_signal(WfdbSignal *s, const WfdbSignalSpec *sp, double fs, int64_t n_frames) {
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", sp->desc);
    snprintf(s->units, sizeof s->units, "%s", sp->units);
    snprintf(s->file, sizeof s->file, "%s", sp->file);
    s->format = sp->format;
    s->spf = sp->spf;
    s->adc_res = sp->adc_res;
    s->gain = sp->gain;
    s->baseline = sp->baseline;
    s->rate = fs * sp->spf;
    s->n = n_frames * sp->spf;
}

static void fill_no_sample(int32_t *d, int64_t n) {
    for (int64_t i = 0; i < n; i++) d[i] = WFDB_NO_SAMPLE;
}

/* The Challenge's .mat files: a MATLAB v4 matrix header (type, rows, columns, imaginary flag,
 * name length) then the name, then int16 samples column by column = frame by frame. When the
 * preamble is one, its shape must agree with the WFDB header. */
static int check_mat_preamble(const uint8_t *buf, size_t len, int64_t offset, int frame_size, int64_t n_frames,
                              const char *path) {
    if (offset < 20 || len < 20) return 0;
    int32_t f[5];
    memcpy(f, buf, sizeof f);
    if (f[0] != 30 || f[3] != 0 || f[4] < 1 || (int64_t)20 + f[4] != offset) return 0; /* not MATLAB v4 int16 */
    if (f[1] != frame_size || (int64_t)f[2] != n_frames)
        return scar_fail("%s: the MATLAB matrix is %d x %d but the header describes %d signals x %lld samples",
                         path, f[1], f[2], frame_size, (long long)n_frames);
    return 0;
}

/* Read the signals [g0, g1) of h, which share one file. */
static int read_group(const WfdbHeader *h, int g0, int g1, const char *dir, const char *what, int64_t n_frames,
                      WfdbSignal *out) {
    const WfdbSignalSpec *first = &h->signals[g0];
    int format = first->format;
    int frame_size = 0, max_skew = 0;
    for (int j = g0; j < g1; j++) {
        frame_size += h->signals[j].spf;
        if (h->signals[j].skew > max_skew) max_skew = h->signals[j].skew;
    }
    if (format == 0 || strcmp(first->file, "~") == 0) { /* null signals: no data stored */
        for (int j = g0; j < g1; j++) {
            out[j].digital = xmalloc((size_t)(out[j].n ? out[j].n : 1) * sizeof(int32_t));
            fill_no_sample(out[j].digital, out[j].n);
        }
        return 0;
    }

    char path[PATH_CAP];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, first->file) >= sizeof path)
        return scar_fail("%s: signal file path too long", what);
    size_t len;
    uint8_t *buf = read_binary(path, &len);
    if (!buf) return scar_fail_context("%s: signal %d (%s): ", what, g0, first->desc);

    size_t need_samples, need_bytes, off = (size_t)first->offset;
    if (size_mul((size_t)n_frames, (size_t)frame_size, &need_samples) ||
        wfdb_format_bytes(format, need_samples, &need_bytes) || off > len || len - off < need_bytes) {
        scar_fail("%s: signal file %s is truncated: %zu bytes after offset %lld, but %lld frames of %d samples "
                  "in format %d need %zu", what, path, off > len ? (size_t)0 : len - off, (long long)first->offset,
                  (long long)n_frames, frame_size, format, need_bytes);
        free(buf);
        return -1;
    }
    if (check_mat_preamble(buf, len, first->offset, frame_size, n_frames, path) != 0) {
        free(buf);
        return -1;
    }

    /* sizes are checked against the file: now the samples can be allocated */
    for (int j = g0; j < g1; j++) out[j].digital = xmalloc((size_t)(out[j].n ? out[j].n : 1) * sizeof(int32_t));
    /* samples of skewed signals may run past the stated length: decode them when present */
    size_t want = need_samples + (size_t)max_skew * (size_t)frame_size;
    size_t avail = wfdb_format_samples_in(format, len - off);
    size_t n_dec = want < avail ? want : avail;
    int32_t *stream = xmalloc((n_dec ? n_dec : 1) * sizeof *stream);
    wfdb_decode(format, buf + off, n_dec, stream);
    free(buf);

    int *col_sig = xmalloc((size_t)frame_size * sizeof *col_sig);
    int *start = xmalloc((size_t)(g1 - g0) * sizeof *start);
    for (int j = g0, c = 0; j < g1; j++) {
        start[j - g0] = c;
        for (int k = 0; k < h->signals[j].spf; k++) col_sig[c++] = j - g0;
    }
    if (format == 8) { /* differences: add up per signal from its initial value */
        int32_t *acc = xcalloc((size_t)(g1 - g0), sizeof *acc);
        for (int j = g0; j < g1; j++) acc[j - g0] = h->signals[j].has_init ? h->signals[j].init_value : 0;
        for (size_t p = 0; p < n_dec; p++) {
            int32_t *a = &acc[col_sig[p % (size_t)frame_size]];
            *a = (int32_t)((uint32_t)*a + (uint32_t)stream[p]);
            stream[p] = *a;
        }
        free(acc);
    }

    int has_invalid;
    int32_t invalid = wfdb_format_invalid_value(format, &has_invalid);
    for (int j = g0; j < g1; j++) {
        const WfdbSignalSpec *sp = &h->signals[j];
        WfdbSignal *s = &out[j];
        uint32_t sum = 0;
        int spf = sp->spf;
        size_t base = (size_t)sp->skew * (size_t)frame_size + (size_t)start[j - g0];
        int64_t t = 0;
        for (int64_t f = 0; f < n_frames; f++) {
            size_t pos = base + (size_t)f * (size_t)frame_size;
            for (int k = 0; k < spf; k++, t++) {
                if (pos + (size_t)k >= n_dec) {
                    s->digital[t] = WFDB_NO_SAMPLE;
                    continue;
                }
                int32_t v = stream[pos + (size_t)k];
                sum += (uint32_t)v;
                s->digital[t] = (has_invalid && v == invalid) ? WFDB_NO_SAMPLE : v;
            }
        }
        if (sp->has_checksum) {
            s->checksum_expected = sp->checksum;
            /* in the header's own convention: PTB-XL writes checksums unsigned, others signed */
            s->checksum_computed = sp->checksum > 32767 ? (int32_t)(uint16_t)sum : (int32_t)(int16_t)(uint16_t)sum;
            s->checksum = ((uint16_t)sum == (uint16_t)(uint32_t)sp->checksum) ? WFDB_CHECK_OK : WFDB_CHECK_MISMATCH;
        }
        if (sp->has_init && s->n > 0) {
            size_t pos0 = base;
            s->init_expected = sp->init_value;
            s->init_actual = pos0 < n_dec ? stream[pos0] : WFDB_NO_SAMPLE;
            s->init = s->init_actual == sp->init_value ? WFDB_CHECK_OK : WFDB_CHECK_MISMATCH;
        }
        s->n_segments_checked = 1;
    }
    free(col_sig);
    free(start);
    free(stream);
    return 0;
}

/* One ordinary (single-segment) record. */
static int read_single(WfdbHeader *h, const char *dir, const char *what, WfdbRecord *rec) {
    rec->fs = h->fs;
    int64_t n_frames = h->n_samples;
    if (n_frames < 0) { /* no length on the record line: the first signal file's length decides */
        n_frames = 0;
        if (h->n_signals > 0 && h->signals[0].format != 0 && strcmp(h->signals[0].file, "~") != 0) {
            int frame_size = 0;
            for (int j = 0; j < h->n_signals && strcmp(h->signals[j].file, h->signals[0].file) == 0; j++)
                frame_size += h->signals[j].spf;
            char path[PATH_CAP];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", dir, h->signals[0].file);
            if (stat(path, &st) != 0) return scar_fail("%s: cannot open: %s", path, strerror(errno));
            size_t bytes = (size_t)st.st_size > (size_t)h->signals[0].offset ? (size_t)st.st_size - (size_t)h->signals[0].offset : 0;
            n_frames = (int64_t)(wfdb_format_samples_in(h->signals[0].format, bytes) / (size_t)frame_size);
        }
    }
    int64_t total = 0;
    for (int j = 0; j < h->n_signals; j++) {
        if (n_frames > WFDB_MAX_RECORD_SAMPLES / h->signals[j].spf ||
            total > WFDB_MAX_RECORD_SAMPLES - n_frames * h->signals[j].spf)
            return scar_fail("%s: %lld frames of %d signals is more than this reader takes (%lld samples)", what,
                             (long long)n_frames, h->n_signals, (long long)WFDB_MAX_RECORD_SAMPLES);
        total += n_frames * h->signals[j].spf;
    }
    rec->n_frames = n_frames;
    rec->n_signals = h->n_signals;
    rec->signals = xcalloc((size_t)(h->n_signals ? h->n_signals : 1), sizeof *rec->signals);
    for (int j = 0; j < h->n_signals; j++) init_signal(&rec->signals[j], &h->signals[j], h->fs, n_frames);
    for (int g0 = 0; g0 < h->n_signals;) {
        int g1 = g0 + 1;
        while (g1 < h->n_signals && strcmp(h->signals[g1].file, h->signals[g0].file) == 0) g1++;
        if (read_group(h, g0, g1, dir, what, n_frames, rec->signals) != 0) return -1;
        g0 = g1;
    }
    return 0;
}

/* Copy a segment's signal into the record's, converting to the record's gain and baseline when the
 * segment's differ (as WFDB's own library does). */
static void place_segment_signal(WfdbSignal *dst, int64_t at, const WfdbSignal *src) {
    int same = src->gain == dst->gain && src->baseline == dst->baseline;
    for (int64_t i = 0; i < src->n; i++) {
        int32_t v = src->digital[i];
        if (v != WFDB_NO_SAMPLE && !same) {
            double x = ((double)v - src->baseline) * dst->gain / src->gain + dst->baseline;
            v = x >= INT32_MAX ? INT32_MAX : x <= INT32_MIN + 1.0 ? INT32_MIN + 1 : (int32_t)lrint(x);
        }
        dst->digital[at + i] = v;
    }
}

static void merge_checks(WfdbSignal *dst, const WfdbSignal *src, const char *segment) {
    int first_bad = dst->checksum != WFDB_CHECK_MISMATCH && dst->init != WFDB_CHECK_MISMATCH;
    if (src->checksum == WFDB_CHECK_MISMATCH || src->init == WFDB_CHECK_MISMATCH) {
        if (first_bad) {
            dst->checksum_expected = src->checksum_expected;
            dst->checksum_computed = src->checksum_computed;
            dst->init_expected = src->init_expected;
            dst->init_actual = src->init_actual;
            snprintf(dst->mismatch_segment, sizeof dst->mismatch_segment, "%s", segment);
        }
    } else if (first_bad && dst->n_segments_checked == 0) { /* the first segment's, for display */
        dst->checksum_expected = src->checksum_expected;
        dst->checksum_computed = src->checksum_computed;
        dst->init_expected = src->init_expected;
        dst->init_actual = src->init_actual;
    }
    if (src->checksum > dst->checksum) dst->checksum = src->checksum;
    if (src->init > dst->init) dst->init = src->init;
    dst->n_segments_checked++;
}

static int read_multi(WfdbHeader *h, const char *dir, const char *what, WfdbRecord *rec) {
    rec->fs = h->fs;
    rec->n_frames = h->n_samples;
    char path[PATH_CAP];
    int first_seg = 0, variable = 0;
    WfdbHeader layout;
    memset(&layout, 0, sizeof layout);
    /* the layout: a leading segment of 0 samples (variable layout), else the first real segment */
    while (first_seg < h->n_segments && strcmp(h->segments[first_seg].name, "~") == 0) first_seg++;
    if (first_seg == h->n_segments) return scar_fail("%s: every segment is a null segment ('~')", what);
    snprintf(path, sizeof path, "%s/%s.hea", dir, h->segments[first_seg].name);
    if (wfdb_header_read(path, &layout) != 0) return scar_fail_context("%s: segment %s: ", what, h->segments[first_seg].name);
    if (layout.n_segments > 0) {
        wfdb_header_free(&layout);
        return scar_fail("%s: segment %s is itself a multi-segment record", what, h->segments[first_seg].name);
    }
    variable = h->segments[first_seg].n_samples == 0 && first_seg == 0;

    int64_t total = 0;
    for (int j = 0; j < layout.n_signals; j++) {
        if (rec->n_frames > WFDB_MAX_RECORD_SAMPLES / layout.signals[j].spf ||
            total > WFDB_MAX_RECORD_SAMPLES - rec->n_frames * layout.signals[j].spf) {
            wfdb_header_free(&layout);
            return scar_fail("%s: %lld frames of %d signals is more than this reader takes", what,
                             (long long)rec->n_frames, layout.n_signals);
        }
        total += rec->n_frames * layout.signals[j].spf;
    }
    rec->n_signals = layout.n_signals;
    rec->signals = xcalloc((size_t)(layout.n_signals ? layout.n_signals : 1), sizeof *rec->signals);
    for (int j = 0; j < layout.n_signals; j++) {
        init_signal(&rec->signals[j], &layout.signals[j], h->fs, rec->n_frames);
        if (variable) rec->signals[j].file[0] = 0;
        rec->signals[j].n_segments_checked = 0;
        rec->signals[j].digital = xmalloc((size_t)(rec->signals[j].n ? rec->signals[j].n : 1) * sizeof(int32_t));
        fill_no_sample(rec->signals[j].digital, rec->signals[j].n);
    }
    wfdb_header_free(&layout);

    int64_t at = 0; /* frame where the current segment starts */
    for (int s = 0; s < h->n_segments; s++) {
        const WfdbSegmentSpec *sg = &h->segments[s];
        if (strcmp(sg->name, "~") == 0 || sg->n_samples == 0) { /* gap, or the layout itself */
            at += sg->n_samples;
            continue;
        }
        WfdbHeader sh;
        snprintf(path, sizeof path, "%s/%s.hea", dir, sg->name);
        if (wfdb_header_read(path, &sh) != 0) return scar_fail_context("%s: segment %s: ", what, sg->name);
        if (sh.n_segments > 0) {
            wfdb_header_free(&sh);
            return scar_fail("%s: segment %s is itself a multi-segment record", what, sg->name);
        }
        if (sh.n_samples >= 0 && sh.n_samples != sg->n_samples) {
            long long got = (long long)sh.n_samples;
            wfdb_header_free(&sh);
            return scar_fail("%s: segment %s has %lld samples but the record lists it with %lld", what, sg->name,
                             got, (long long)sg->n_samples);
        }
        if (!variable && sh.n_signals != rec->n_signals) {
            int got = sh.n_signals;
            wfdb_header_free(&sh);
            return scar_fail("%s: segment %s has %d signals but the fixed layout has %d", what, sg->name, got,
                             rec->n_signals);
        }
        sh.n_samples = sg->n_samples;
        WfdbRecord seg;
        memset(&seg, 0, sizeof seg);
        if (read_single(&sh, dir, path, &seg) != 0) {
            seg.header = sh;
            wfdb_record_free(&seg);
            return -1;
        }
        seg.header = sh;
        for (int j = 0; j < rec->n_signals; j++) {
            WfdbSignal *dst = &rec->signals[j];
            const WfdbSignal *src = NULL;
            if (!variable) {
                src = &seg.signals[j];
            } else {
                for (int k = 0; k < seg.n_signals && !src; k++)
                    if (strcmp(seg.signals[k].name, dst->name) == 0) src = &seg.signals[k];
            }
            if (!src) continue; /* a signal this segment lacks: no samples there */
            if (src->spf != dst->spf) {
                scar_fail("%s: segment %s: signal %s has %d samples per frame, the layout %d", what, sg->name,
                          dst->name, src->spf, dst->spf);
                wfdb_record_free(&seg);
                return -1;
            }
            place_segment_signal(dst, at * dst->spf, src);
            merge_checks(dst, src, sg->name);
            if (!dst->file[0]) snprintf(dst->file, sizeof dst->file, "%s", src->file);
        }
        wfdb_record_free(&seg);
        at += sg->n_samples;
    }
    return 0;
}

int wfdb_read_with_header(WfdbHeader *h, const char *dir, const char *what, WfdbRecord *rec) {
    memset(rec, 0, sizeof *rec);
    rec->header = *h;
    memset(h, 0, sizeof *h);
    int rc = rec->header.n_segments > 0 ? read_multi(&rec->header, dir, what, rec)
                                        : read_single(&rec->header, dir, what, rec);
    if (rc != 0) wfdb_record_free(rec);
    return rc;
}

int wfdb_read(const char *path, WfdbRecord *rec) {
    char dir[PATH_CAP], name[WFDB_NAME_LEN], hea[PATH_CAP + WFDB_NAME_LEN + 8];
    memset(rec, 0, sizeof *rec);
    wfdb_split_path(path, dir, sizeof dir, name, sizeof name);
    snprintf(hea, sizeof hea, "%s/%s.hea", dir, name);
    WfdbHeader h;
    if (wfdb_header_read(hea, &h) != 0) return -1;
    return wfdb_read_with_header(&h, dir, hea, rec);
}

void wfdb_record_free(WfdbRecord *rec) {
    if (rec->signals)
        for (int j = 0; j < rec->n_signals; j++) free(rec->signals[j].digital);
    free(rec->signals);
    wfdb_header_free(&rec->header);
    memset(rec, 0, sizeof *rec);
}

int wfdb_record_checks_ok(const WfdbRecord *rec) {
    for (int j = 0; j < rec->n_signals; j++)
        if (rec->signals[j].checksum == WFDB_CHECK_MISMATCH || rec->signals[j].init == WFDB_CHECK_MISMATCH) return 0;
    return 1;
}

void wfdb_record_check_message(const WfdbRecord *rec, char *buf, size_t cap) {
    if (cap) buf[0] = 0;
    for (int j = 0; j < rec->n_signals; j++) {
        const WfdbSignal *s = &rec->signals[j];
        const char *seg = s->mismatch_segment;
        if (s->checksum == WFDB_CHECK_MISMATCH) {
            snprintf(buf, cap, "signal %d (%s)%s%s: checksum %d in the header, %d in the data (mod 65536)", j,
                     s->name, seg[0] ? " in segment " : "", seg, s->checksum_expected, s->checksum_computed);
            return;
        }
        if (s->init == WFDB_CHECK_MISMATCH) {
            snprintf(buf, cap, "signal %d (%s)%s%s: initial value %d in the header, %d in the data", j, s->name,
                     seg[0] ? " in segment " : "", seg, s->init_expected, s->init_actual);
            return;
        }
    }
}
