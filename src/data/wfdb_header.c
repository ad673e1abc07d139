#include "data/wfdb_header.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "data/text.h"

#define MAX_HEADER_BYTES (16u << 20)

int wfdb_format_supported(int f) {
    switch (f) {
    case 0: case 8: case 16: case 24: case 32: case 61: case 80: case 160: case 212: case 310: case 311:
        return 1;
    default:
        return 0;
    }
}

/* One line of the header, bounded (not NUL-terminated in the source text). */
typedef struct {
    const char *p, *end;
    int lineno;
} Line;

static int is_blank(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* Next whitespace-separated token of the line into buf; 0 when there is none. */
static int next_token(Line *l, char *buf, size_t cap, size_t *tok_len) {
    while (l->p < l->end && is_blank((unsigned char)*l->p)) l->p++;
    if (l->p >= l->end) return 0;
    const char *s = l->p;
    while (l->p < l->end && !is_blank((unsigned char)*l->p)) l->p++;
    size_t n = (size_t)(l->p - s);
    *tok_len = n;
    if (n >= cap) n = cap - 1; /* callers check tok_len against their limit */
    memcpy(buf, s, n);
    buf[n] = 0;
    return 1;
}

static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out) {
    if (!*s) return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* A finite number, consuming the leading part of s; *rest points after it. */
static int parse_double_prefix(const char *s, double *out, const char **rest) {
    if (!*s || isspace((unsigned char)*s)) return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v)) return -1;
    /* strtod also takes "nan", "inf" and hexadecimal; a header has none of them */
    for (const char *q = s; q < end; q++)
        if (!(isdigit((unsigned char)*q) || *q == '.' || *q == '-' || *q == '+' || *q == 'e' || *q == 'E'))
            return -1;
    *out = v;
    *rest = end;
    return 0;
}

static int copy_bounded(char *dst, size_t cap, const char *src, size_t n) {
    if (n >= cap) return -1;
    memcpy(dst, src, n);
    dst[n] = 0;
    return 0;
}

/* format[xspf][:skew][+offset], each suffix at most once, in any order */
static int parse_format_spec(const char *tok, WfdbSignalSpec *s, const char *what, int lineno) {
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)tok[0])) goto bad;
    long f = strtol(tok, &end, 10);
    if (errno || f < 0 || f > 100000) goto bad;
    s->format = (int)f;
    s->spf = 1;
    s->skew = 0;
    s->offset = 0;
    int seen_x = 0, seen_skew = 0, seen_off = 0;
    while (*end) {
        char c = *end++;
        if (!isdigit((unsigned char)*end)) goto bad;
        errno = 0;
        long long v = strtoll(end, &end, 10);
        if (errno) goto bad;
        if (c == 'x' && !seen_x) {
            if (v < 1 || v > 1000000) goto bad;
            s->spf = (int)v;
            seen_x = 1;
        } else if (c == ':' && !seen_skew) {
            if (v > 1000000000) goto bad;
            s->skew = (int)v;
            seen_skew = 1;
        } else if (c == '+' && !seen_off) {
            if (v > ((int64_t)1 << 50)) goto bad;
            s->offset = v;
            seen_off = 1;
        } else {
            goto bad;
        }
    }
    if (!wfdb_format_supported(s->format))
        return scar_fail("%s: line %d: unknown sample format %d (supported: 0, 8, 16, 24, 32, 61, 80, "
                         "160, 212, 310, 311)", what, lineno, s->format);
    return 0;
bad:
    return scar_fail("%s: line %d: malformed format field '%s' (expected format[xN][:skew][+offset])",
                     what, lineno, tok);
}

/* gain[(baseline)][/units] */
static int parse_gain_spec(const char *tok, WfdbSignalSpec *s, const char *what, int lineno) {
    const char *rest;
    double g;
    if (parse_double_prefix(tok, &g, &rest) != 0) goto bad;
    s->gain_given = g != 0;
    s->gain = g != 0 ? g : WFDB_DEFAULT_GAIN;
    if (*rest == '(') {
        const char *close = strchr(rest, ')');
        if (!close) goto bad;
        char num[32];
        int64_t b;
        if (copy_bounded(num, sizeof num, rest + 1, (size_t)(close - rest - 1)) != 0 ||
            parse_i64(num, INT32_MIN, INT32_MAX, &b) != 0)
            goto bad;
        s->baseline = (int32_t)b;
        s->baseline_given = 1;
        rest = close + 1;
    }
    if (*rest == '/') {
        rest++;
        if (copy_bounded(s->units, sizeof s->units, rest, strlen(rest)) != 0) goto bad;
    } else if (*rest) {
        goto bad;
    }
    return 0;
bad:
    return scar_fail("%s: line %d: malformed gain field '%s' (expected gain[(baseline)][/units])", what,
                     lineno, tok);
}

static int parse_signal_line(Line *l, WfdbSignalSpec *s, const char *what) {
    char tok[512];
    size_t n;
    memset(s, 0, sizeof *s);
    s->gain = WFDB_DEFAULT_GAIN;
    s->spf = 1;
    if (!next_token(l, tok, sizeof tok, &n)) return scar_fail("%s: line %d: empty signal line", what, l->lineno);
    if (n >= sizeof s->file) return scar_fail("%s: line %d: signal file name too long", what, l->lineno);
    if (tok[0] == '/') return scar_fail("%s: line %d: absolute signal file path '%s' refused", what, l->lineno, tok);
    memcpy(s->file, tok, n + 1);
    if (!next_token(l, tok, sizeof tok, &n))
        return scar_fail("%s: line %d: signal line has no format field", what, l->lineno);
    if (n >= sizeof tok - 1) return scar_fail("%s: line %d: format field too long", what, l->lineno);
    if (parse_format_spec(tok, s, what, l->lineno) != 0) return -1;

    int64_t v;
    int have_zero = 0;
    if (next_token(l, tok, sizeof tok, &n)) {
        if (n >= sizeof tok - 1) return scar_fail("%s: line %d: gain field too long", what, l->lineno);
        if (parse_gain_spec(tok, s, what, l->lineno) != 0) return -1;
        /* the remaining numeric fields, in order; the description is the rest of the line */
        static const char *const names[] = {"ADC resolution", "ADC zero", "initial value", "checksum",
                                            "block size"};
        for (int k = 0; k < 5; k++) {
            if (!next_token(l, tok, sizeof tok, &n)) break;
            int64_t lo = INT32_MIN, hi = INT32_MAX;
            if (k == 0) lo = 0, hi = 64;
            if (k == 4) lo = 0;
            if (n >= 32 || parse_i64(tok, lo, hi, &v) != 0)
                return scar_fail("%s: line %d: malformed %s '%.40s'", what, l->lineno, names[k], tok);
            switch (k) {
            case 0: s->adc_res = (int)v; break;
            case 1: s->adc_zero = (int32_t)v; have_zero = 1; break;
            case 2: s->init_value = (int32_t)v; s->has_init = 1; break;
            case 3: s->checksum = (int32_t)v; s->has_checksum = 1; break;
            case 4: s->block_size = (int)v; break;
            }
            if (k == 4) {
                while (l->p < l->end && is_blank((unsigned char)*l->p)) l->p++;
                const char *e = l->end;
                while (e > l->p && is_blank((unsigned char)e[-1])) e--;
                size_t dn = (size_t)(e - l->p);
                if (dn >= sizeof s->desc) dn = sizeof s->desc - 1; /* long descriptions are cut */
                memcpy(s->desc, l->p, dn);
                s->desc[dn] = 0;
            }
        }
    }
    (void)have_zero;
    if (!s->baseline_given) s->baseline = s->adc_zero;
    return 0;
}

static void append_comment(char **buf, size_t *len, size_t *cap, const char *p, const char *end) {
    while (p < end && is_blank((unsigned char)*p)) p++;
    while (end > p && is_blank((unsigned char)end[-1])) end--;
    size_t n = (size_t)(end - p);
    if (*len + n + 2 > *cap) {
        *cap = (*len + n + 2) * 2;
        *buf = xrealloc(*buf, *cap);
    }
    if (*len) (*buf)[(*len)++] = '\n';
    memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = 0;
}

int wfdb_header_parse(const char *text, size_t len, const char *what, WfdbHeader *h) {
    memset(h, 0, sizeof *h);
    h->fs = WFDB_DEFAULT_FS;
    h->n_samples = -1;
    if (memchr(text, 0, len)) return scar_fail("%s: not a WFDB header (contains NUL bytes)", what);

    /* Pass 1: split into lines, separate comments, count specification lines. */
    size_t n_lines = 0;
    for (size_t i = 0; i < len; i++) n_lines += text[i] == '\n';
    n_lines++;
    Line *lines = xcalloc(n_lines, sizeof *lines);
    size_t n_spec = 0, clen = 0, ccap = 64;
    char *comments = xmalloc(ccap);
    comments[0] = 0;
    const char *p = text, *end = text + len;
    int lineno = 0;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        lineno++;
        const char *q = p;
        while (q < e && is_blank((unsigned char)*q)) q++;
        if (q < e && *q == '#') {
            append_comment(&comments, &clen, &ccap, q + 1, e);
        } else if (q < e) {
            const char *hash = memchr(q, '#', (size_t)(e - q));
            if (hash) append_comment(&comments, &clen, &ccap, hash + 1, e);
            lines[n_spec].p = q;
            lines[n_spec].end = hash ? hash : e;
            lines[n_spec].lineno = lineno;
            n_spec++;
        }
        p = e < end ? e + 1 : end;
    }
    h->comments = comments;
    /* headers are ASCII by specification, but old records carry Latin-1 in their comments:
     * comments become report text, so they are made valid UTF-8 here */
    size_t bad;
    if (text_utf8_check(comments, clen, &bad) != 0) text_latin1_to_utf8(&h->comments);

    int rc = -1;
    char tok[512];
    size_t n;
    if (n_spec == 0) {
        scar_fail("%s: not a WFDB header (no record line)", what);
        goto done;
    }
    Line *rl = &lines[0];
    /* record line: name[/nseg] [nsig [fs[/counter[(base)]] [nsamp [time [date]]]]] */
    next_token(rl, tok, sizeof tok, &n);
    char *slash = strchr(tok, '/');
    int64_t nseg = 0, v;
    if (slash) {
        *slash = 0;
        if (parse_i64(slash + 1, 1, INT32_MAX, &nseg) != 0) {
            scar_fail("%s: line %d: malformed segment count '%.40s'", what, rl->lineno, slash + 1);
            goto done;
        }
    }
    if (!tok[0] || strlen(tok) >= sizeof h->name) {
        scar_fail("%s: line %d: missing or overlong record name", what, rl->lineno);
        goto done;
    }
    strcpy(h->name, tok);
    if (next_token(rl, tok, sizeof tok, &n)) {
        if (n >= 32 || parse_i64(tok, 0, INT32_MAX, &v) != 0) {
            scar_fail("%s: line %d: malformed signal count '%.40s'", what, rl->lineno, tok);
            goto done;
        }
        h->n_signals = (int)v;
    }
    if (next_token(rl, tok, sizeof tok, &n)) {
        const char *rest;
        double fs;
        if (n >= 64 || parse_double_prefix(tok, &fs, &rest) != 0 || !(fs > 0)) goto bad_fs;
        if (fs > WFDB_MAX_FS) {
            scar_fail("%s: line %d: sampling frequency %g Hz is beyond any recorder (at most %g)", what, rl->lineno,
                      fs, WFDB_MAX_FS);
            goto done;
        }
        h->fs = fs;
        if (*rest == '/') {
            if (parse_double_prefix(rest + 1, &h->counter_freq, &rest) != 0 || !(h->counter_freq > 0)) goto bad_fs;
            if (*rest == '(') {
                if (parse_double_prefix(rest + 1, &h->base_counter, &rest) != 0 || *rest != ')') goto bad_fs;
                rest++;
            }
        }
        if (*rest) goto bad_fs;
    }
    if (next_token(rl, tok, sizeof tok, &n)) {
        if (n >= 32 || parse_i64(tok, 0, INT64_MAX / 4, &v) != 0) {
            scar_fail("%s: line %d: malformed sample count '%.40s'", what, rl->lineno, tok);
            goto done;
        }
        h->n_samples = v;
    }
    /* base time and date: kept as written, whatever their order or form */
    while (next_token(rl, tok, sizeof tok, &n)) {
        char *dst = strchr(tok, ':') && !h->base_time[0] ? h->base_time : !h->base_date[0] ? h->base_date : NULL;
        if (dst && n < 32) strcpy(dst, tok);
    }

    if (nseg > 0) {
        if ((size_t)nseg != n_spec - 1) {
            scar_fail("%s: the record line announces %lld segments but %zu segment lines follow", what,
                      (long long)nseg, n_spec - 1);
            goto done;
        }
        h->n_segments = (int)nseg;
        h->segments = xcalloc((size_t)nseg, sizeof *h->segments);
        int64_t total = 0;
        for (int s = 0; s < h->n_segments; s++) {
            Line *sl = &lines[1 + s];
            WfdbSegmentSpec *sg = &h->segments[s];
            if (!next_token(sl, tok, sizeof tok, &n) || n >= sizeof sg->name || tok[0] == '/') {
                scar_fail("%s: line %d: malformed segment name", what, sl->lineno);
                goto done;
            }
            strcpy(sg->name, tok);
            if (!next_token(sl, tok, sizeof tok, &n) || n >= 32 || parse_i64(tok, 0, INT64_MAX / 4, &v) != 0) {
                scar_fail("%s: line %d: segment '%s' has a malformed or missing sample count", what,
                          sl->lineno, sg->name);
                goto done;
            }
            sg->n_samples = v;
            if (total > INT64_MAX / 4 - v) {
                scar_fail("%s: line %d: segment lengths overflow", what, sl->lineno);
                goto done;
            }
            total += v;
        }
        if (h->n_samples >= 0 && total != h->n_samples) {
            scar_fail("%s: the segments hold %lld samples but the record line says %lld", what,
                      (long long)total, (long long)h->n_samples);
            goto done;
        }
        h->n_samples = total;
    } else {
        if ((size_t)h->n_signals != n_spec - 1) {
            scar_fail("%s: the record line announces %d signals but %zu signal lines follow", what,
                      h->n_signals, n_spec - 1);
            goto done;
        }
        if (h->n_signals > 0) h->signals = xcalloc((size_t)h->n_signals, sizeof *h->signals);
        for (int s = 0; s < h->n_signals; s++)
            if (parse_signal_line(&lines[1 + s], &h->signals[s], what) != 0) goto done;
        /* signals sharing a file are interleaved and must be adjacent, with one format */
        for (int s = 1; s < h->n_signals; s++) {
            const WfdbSignalSpec *a = &h->signals[s - 1], *b = &h->signals[s];
            if (strcmp(a->file, b->file) == 0) {
                if (a->format != b->format) {
                    scar_fail("%s: signals %d and %d share file %s but have formats %d and %d", what, s - 1,
                              s, a->file, a->format, b->format);
                    goto done;
                }
            } else {
                for (int t = 0; t < s - 1; t++)
                    if (strcmp(h->signals[t].file, b->file) == 0 && strcmp(b->file, "~") != 0) {
                        scar_fail("%s: signal %d is in file %s, which earlier signals used but not the one "
                                  "before it (signals of one file must be adjacent)", what, s, b->file);
                        goto done;
                    }
            }
        }
    }
    rc = 0;
    goto done;
bad_fs:
    scar_fail("%s: line %d: malformed sampling frequency '%.40s'", what, rl->lineno, tok);
done:
    free(lines);
    if (rc != 0) wfdb_header_free(h);
    return rc;
}

int wfdb_header_read(const char *path, WfdbHeader *h) {
    memset(h, 0, sizeof *h);
    size_t len;
    char *text = text_read_file(path, MAX_HEADER_BYTES, &len);
    if (!text) return -1;
    int rc = wfdb_header_parse(text, len, path, h);
    free(text);
    return rc;
}

void wfdb_header_free(WfdbHeader *h) {
    free(h->segments);
    free(h->signals);
    free(h->comments);
    memset(h, 0, sizeof *h);
}

/* "key" matches "<Key>", "key", " KEY " */
static int key_matches(const char *p, const char *colon, const char *key) {
    while (p < colon && (is_blank((unsigned char)*p) || *p == '<')) p++;
    const char *e = colon;
    while (e > p && (is_blank((unsigned char)e[-1]) || e[-1] == '>')) e--;
    size_t n = strlen(key);
    return (size_t)(e - p) == n && strncasecmp(p, key, n) == 0;
}

int wfdb_comment_value(const WfdbHeader *h, const char *key, char *out, size_t out_len) {
    const char *p = h->comments;
    if (!p || !out_len) return -1;
    while (*p) {
        const char *e = strchr(p, '\n');
        if (!e) e = p + strlen(p);
        const char *colon = memchr(p, ':', (size_t)(e - p));
        if (colon && key_matches(p, colon, key)) {
            const char *v = colon + 1;
            while (v < e && is_blank((unsigned char)*v)) v++;
            const char *ve = e;
            while (ve > v && is_blank((unsigned char)ve[-1])) ve--;
            size_t n = (size_t)(ve - v);
            if (n >= out_len) n = out_len - 1;
            memcpy(out, v, n);
            out[n] = 0;
            return 0;
        }
        p = *e ? e + 1 : e;
    }
    return -1;
}
