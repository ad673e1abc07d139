#include "core/npy.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/error.h"

static const char k_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};
/* numpy itself refuses headers over 10000 bytes by default; ours are under 200. */
#define HEADER_LIMIT 65536u
/* The writer aligns the data to this, as numpy does since format 1.0 (ARRAY_ALIGN). */
#define DATA_ALIGN 64

static const struct {
    char kind;
    int size;
    DType dtype;
} k_kinds[] = {
    {'b', 1, DTYPE_BOOL}, {'u', 1, DTYPE_U8},  {'i', 1, DTYPE_I8},  {'u', 2, DTYPE_U16},
    {'i', 2, DTYPE_I16},  {'f', 2, DTYPE_F16}, {'u', 4, DTYPE_U32}, {'i', 4, DTYPE_I32},
    {'f', 4, DTYPE_F32},  {'u', 8, DTYPE_U64}, {'i', 8, DTYPE_I64}, {'f', 8, DTYPE_F64},
};
#define NKINDS (int)(sizeof k_kinds / sizeof k_kinds[0])

/* numpy's spelling: '|' (no byte order) for one-byte types, '<' (little-endian) otherwise. */
static int dtype_descr(DType t, char *out) {
    for (int i = 0; i < NKINDS; i++)
        if (k_kinds[i].dtype == t) {
            snprintf(out, 8, "%c%c%d", k_kinds[i].size == 1 ? '|' : '<', k_kinds[i].kind,
                     k_kinds[i].size);
            return 0;
        }
    return -1;
}

/* ---------------------------------------------------------------------------------------------
 * Writing */

int npy_write(const char *path, const TensorRef *t) {
    size_t bytes;
    char descr[8];
    if (tensor_ref_bytes(t, &bytes) != 0) return scar_fail_context("%s: ", path);
    if (dtype_descr(t->dtype, descr) != 0)
        return scar_fail("%s: dtype %s has no .npy equivalent", path, dtype_name(t->dtype));
    if (bytes > 0 && !t->data) return scar_fail("%s: no data", path);

    char h[512 + DATA_ALIGN];
    int k = snprintf(h, 512, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int i = 0; i < t->ndim; i++)
        k += snprintf(h + k, 512 - (size_t)k, "%s%" PRId64, i ? ", " : "", t->shape[i]);
    k += snprintf(h + k, 512 - (size_t)k, "%s), }", t->ndim == 1 ? "," : "");
    /* Pad with spaces so that magic (6) + version (2) + length (2) + header + '\n' is a multiple
     * of DATA_ALIGN. */
    size_t len = (size_t)k, pad = (DATA_ALIGN - (10 + len + 1) % DATA_ALIGN) % DATA_ALIGN;
    memset(h + len, ' ', pad);
    len += pad;
    h[len++] = '\n';

    unsigned char pre[10];
    memcpy(pre, k_magic, 6);
    pre[6] = 1;
    pre[7] = 0;
    pre[8] = (unsigned char)(len & 0xff);
    pre[9] = (unsigned char)(len >> 8);
    AtomicFile f;
    if (atomic_file_begin(&f, path) != 0 || atomic_file_write(&f, pre, sizeof pre) != 0 ||
        atomic_file_write(&f, h, len) != 0 || (bytes && atomic_file_write(&f, t->data, bytes) != 0))
        return -1;
    return atomic_file_commit(&f);
}

/* ---------------------------------------------------------------------------------------------
 * Reading: the header dict, parsed as the small subset of Python literal syntax numpy writes. */

typedef struct {
    DType dtype;
    int ndim;
    int64_t shape[TENSORREF_MAX_DIMS];
    int fortran;
    size_t data_offset, nbytes;
} Header;

typedef struct {
    const char *start, *p, *end;
    const char *file;
} Lex;

static void skip_ws(Lex *l) {
    while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r'))
        l->p++;
}

static int malformed(const Lex *l, const char *expected) {
    return scar_fail("%s: malformed header: expected %s at byte %td of the header dict", l->file,
                     expected, l->p - l->start);
}

static int peek(Lex *l, char c) {
    skip_ws(l);
    return l->p < l->end && *l->p == c;
}

static int expect(Lex *l, char c, const char *what) {
    if (!peek(l, c)) return malformed(l, what);
    l->p++;
    return 0;
}

/* A quoted string without escapes (numpy never writes any); *s and *n point into the header. */
static int parse_string(Lex *l, const char **s, size_t *n, const char *what) {
    skip_ws(l);
    if (l->p >= l->end || (*l->p != '\'' && *l->p != '"')) return malformed(l, what);
    char q = *l->p++;
    *s = l->p;
    while (l->p < l->end && *l->p != q) {
        if (*l->p == '\\')
            return scar_fail("%s: malformed header: escape sequence in a string", l->file);
        l->p++;
    }
    if (l->p >= l->end) return scar_fail("%s: malformed header: unterminated string", l->file);
    *n = (size_t)(l->p - *s);
    l->p++;
    return 0;
}

static int parse_dim(Lex *l, int64_t *v) {
    skip_ws(l);
    int neg = l->p < l->end && *l->p == '-';
    if (neg) l->p++;
    if (l->p >= l->end || *l->p < '0' || *l->p > '9') return malformed(l, "an integer in 'shape'");
    uint64_t x = 0;
    while (l->p < l->end && *l->p >= '0' && *l->p <= '9') {
        x = x * 10 + (uint64_t)(*l->p++ - '0');
        if (x > INT64_MAX) return scar_fail("%s: shape dimension out of range (overflow)", l->file);
    }
    if (l->p < l->end && *l->p == 'L') l->p++; /* Python 2 long literals, as old numpy wrote */
    if (neg && x > 0) return scar_fail("%s: shape has a negative dimension -%" PRIu64, l->file, x);
    *v = (int64_t)x;
    return 0;
}

/* (), (5,), (3, 4) or (3, 4,); "(5)" is an integer in Python, not a tuple. */
static int parse_shape(Lex *l, Header *h) {
    if (expect(l, '(', "a tuple for 'shape'") != 0) return -1;
    h->ndim = 0;
    if (peek(l, ')')) {
        l->p++;
        return 0;
    }
    for (;;) {
        if (h->ndim == TENSORREF_MAX_DIMS)
            return scar_fail("%s: shape has more than %d dimensions", l->file, TENSORREF_MAX_DIMS);
        if (parse_dim(l, &h->shape[h->ndim++]) != 0) return -1;
        if (peek(l, ',')) {
            l->p++;
            if (peek(l, ')')) break;
        } else if (peek(l, ')')) {
            if (h->ndim == 1) return malformed(l, "',' after the only dimension (a 1-tuple)");
            break;
        } else
            return malformed(l, "',' or ')' in 'shape'");
    }
    l->p++;
    return 0;
}

static int parse_descr(Lex *l, Header *h) {
    const char *s;
    size_t n;
    if (peek(l, '['))
        return scar_fail("%s: structured dtypes (a list 'descr') are not supported", l->file);
    if (parse_string(l, &s, &n, "a string for 'descr'") != 0) return -1;
    int shown = n > 40 ? 40 : (int)n;
    char order = n ? s[0] : 0, kind = n > 1 ? s[1] : 0;
    int size = 0, digits = 0;
    for (size_t i = 2; i < n && i < 5 && s[i] >= '0' && s[i] <= '9'; i++, digits++)
        size = size * 10 + (s[i] - '0');
    int found = -1;
    if (order && strchr("<>|=", order) && digits > 0 && (size_t)digits + 2 == n)
        for (int i = 0; i < NKINDS; i++)
            if (k_kinds[i].kind == kind && k_kinds[i].size == size) found = i;
    if (found < 0) return scar_fail("%s: unsupported dtype '%.*s'", l->file, shown, s);
    if (size > 1 && order == '>')
        return scar_fail("%s: big-endian dtype '%.*s' is not supported (save it little-endian: "
                         "a.astype('<%c%d'))",
                         l->file, shown, s, kind, size);
    if (size > 1 && order == '|')
        return scar_fail("%s: dtype '%.*s' has no byte order", l->file, shown, s);
    h->dtype = k_kinds[found].dtype;
    return 0;
}

static int parse_bool(Lex *l, int *v) {
    skip_ws(l);
    size_t left = (size_t)(l->end - l->p);
    if (left >= 4 && memcmp(l->p, "True", 4) == 0)
        *v = 1, l->p += 4;
    else if (left >= 5 && memcmp(l->p, "False", 5) == 0)
        *v = 0, l->p += 5;
    else
        return scar_fail("%s: malformed header: 'fortran_order' is not True or False", l->file);
    return 0;
}

static int parse_dict(Lex *l, Header *h) {
    int seen[3] = {0, 0, 0};
    static const char *const keys[3] = {"descr", "fortran_order", "shape"};
    if (expect(l, '{', "'{'") != 0) return -1;
    for (;;) {
        if (peek(l, '}')) break;
        const char *k;
        size_t n;
        if (parse_string(l, &k, &n, "a quoted key") != 0 || expect(l, ':', "':'") != 0) return -1;
        int which = -1;
        for (int i = 0; i < 3; i++)
            if (strlen(keys[i]) == n && memcmp(keys[i], k, n) == 0) which = i;
        if (which < 0)
            return scar_fail("%s: unexpected key '%.*s' in the header", l->file,
                             n > 40 ? 40 : (int)n, k);
        if (seen[which])
            return scar_fail("%s: duplicate key '%s' in the header", l->file, keys[which]);
        seen[which] = 1;
        int rc = which == 0   ? parse_descr(l, h)
                 : which == 1 ? parse_bool(l, &h->fortran)
                              : parse_shape(l, h);
        if (rc != 0) return -1;
        if (peek(l, ','))
            l->p++;
        else if (!peek(l, '}'))
            return malformed(l, "',' or '}'");
    }
    l->p++;
    skip_ws(l);
    if (l->p != l->end) return malformed(l, "the end of the header after '}'");
    for (int i = 0; i < 3; i++)
        if (!seen[i]) return scar_fail("%s: header lacks '%s'", l->file, keys[i]);
    return 0;
}

/* Validate everything before the data: `buf` holds the first `avail` bytes of a file of
 * `file_size` bytes (all of the header if the header fits in the file). */
static int parse_header(const unsigned char *buf, size_t avail, size_t file_size, const char *file,
                        Header *h) {
    memset(h, 0, sizeof *h);
    if (avail < 10)
        return scar_fail("%s: truncated: %zu bytes, shorter than the .npy preamble", file, avail);
    if (memcmp(buf, k_magic, 6) != 0) return scar_fail("%s: not a .npy file (bad magic)", file);
    unsigned major = buf[6], minor = buf[7];
    if (major < 1 || major > 3 || minor != 0)
        return scar_fail("%s: unsupported .npy version %u.%u (1.0, 2.0 and 3.0 are read)", file,
                         major, minor);
    size_t pre = major == 1 ? 10 : 12, hlen;
    if (avail < pre)
        return scar_fail("%s: truncated: %zu bytes, shorter than the .npy preamble", file, avail);
    hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
    if (major > 1) hlen |= (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
    if (hlen > HEADER_LIMIT)
        return scar_fail("%s: header length %zu is absurd (limit %u bytes)", file, hlen,
                         HEADER_LIMIT);
    if (pre + hlen > file_size)
        return scar_fail(
            "%s: truncated: header length %zu runs past the end of the file (%zu bytes)", file,
            hlen, file_size);
    for (size_t i = pre; i < pre + hlen; i++)
        if (buf[i] == 0 || buf[i] >= 0x80)
            return scar_fail("%s: malformed header: byte 0x%02x at offset %zu", file, buf[i], i);

    Lex l = {(const char *)buf + pre, (const char *)buf + pre, (const char *)buf + pre + hlen,
             file};
    if (parse_dict(&l, h) != 0) return -1;
    TensorRef t = {.dtype = h->dtype, .ndim = h->ndim};
    memcpy(t.shape, h->shape, sizeof t.shape);
    if (tensor_ref_bytes(&t, &h->nbytes) != 0) return scar_fail_context("%s: ", file);
    h->data_offset = pre + hlen;
    if (file_size - h->data_offset != h->nbytes) {
        char s[256];
        shape_format(h->ndim, h->shape, s, sizeof s);
        return scar_fail(
            "%s: size mismatch: shape %s of %s needs %zu bytes of data, the file has %zu", file, s,
            dtype_name(h->dtype), h->nbytes, file_size - h->data_offset);
    }
    return 0;
}

/* Fortran (column-major) to C order: walk the C index like an odometer, last axis fastest, and
 * keep the matching Fortran offset up to date. */
static void fortran_to_c(const unsigned char *src, unsigned char *dst, const Header *h,
                         size_t esz) {
    size_t stride[TENSORREF_MAX_DIMS], idx[TENSORREF_MAX_DIMS] = {0}, off = 0, numel = h->nbytes / esz;
    for (int k = 0; k < h->ndim; k++)
        stride[k] = k ? stride[k - 1] * (size_t)h->shape[k - 1] : 1;
    for (size_t i = 0; i < numel; i++) {
        memcpy(dst + i * esz, src + off * esz, esz);
        for (int k = h->ndim - 1; k >= 0; k--) {
            if (++idx[k] < (size_t)h->shape[k]) {
                off += stride[k];
                break;
            }
            off -= (idx[k] - 1) * stride[k];
            idx[k] = 0;
        }
    }
}

/* Hand `data` (h->nbytes, as stored) over to `out` in C order. */
static void finish(const Header *h, void *data, NpyArray *out) {
    if (h->fortran && h->ndim > 1 && h->nbytes > 0) {
        void *c = xmalloc(h->nbytes);
        fortran_to_c(data, c, h, dtype_size(h->dtype));
        free(data);
        data = c;
    }
    out->dtype = h->dtype;
    out->ndim = h->ndim;
    memcpy(out->shape, h->shape, sizeof out->shape);
    out->data = data;
    out->nbytes = h->nbytes;
}

int npy_from_memory(const void *buf, size_t len, const char *name, NpyArray *out) {
    Header h;
    memset(out, 0, sizeof *out);
    if (!name) name = "(memory)";
    if (parse_header(buf, len, len, name, &h) != 0) return -1;
    void *data = xmalloc(h.nbytes);
    if (h.nbytes) memcpy(data, (const unsigned char *)buf + h.data_offset, h.nbytes);
    finish(&h, data, out);
    return 0;
}

static int read_at(int fd, void *buf, size_t n, size_t off, const char *path) {
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0)
            return scar_fail("%s: read failed: %s", path,
                             r < 0 ? strerror(errno) : "file shrank while reading");
        p += r;
        n -= (size_t)r;
        off += (size_t)r;
    }
    return 0;
}

int npy_read(const char *path, NpyArray *out) {
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return scar_fail("%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return scar_fail("%s: not a regular file", path);
    }
    size_t size = (size_t)sb.st_size, avail = size < 12 + HEADER_LIMIT ? size : 12 + HEADER_LIMIT;
    unsigned char *head = xmalloc(avail);
    Header h;
    int rc = read_at(fd, head, avail, 0, path);
    if (rc == 0) rc = parse_header(head, avail, size, path, &h);
    free(head);
    void *data = NULL;
    if (rc == 0) {
        data = xmalloc(h.nbytes);
        rc = read_at(fd, data, h.nbytes, h.data_offset, path);
    }
    close(fd);
    if (rc != 0) {
        free(data);
        return -1;
    }
    finish(&h, data, out);
    return 0;
}

void npy_free(NpyArray *a) {
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}
