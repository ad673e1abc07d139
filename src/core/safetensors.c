#include "core/safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "core/atomic_file.h"
#include "core/error.h"

/* The reference implementation's bound: a larger header is an attack, not a model. */
#define HEADER_LIMIT 100000000u
/* JSON numbers arrive as doubles; below 2^53 every integer is exact. */
#define JSON_INT_LIMIT 9007199254740992.0

typedef struct {
    char *key, *value;
} Meta;

/* What a zero-size tensor's data points to: valid and aligned, never read. */
static const max_align_t k_empty;

struct SafeTensors {
    char *name; /* for messages */
    void *map;  /* the mmap'ed file, or NULL when reading from memory */
    size_t map_len;
    int n;
    TensorRef *t;              /* in data-offset order; names owned */
    const TensorRef **by_name; /* sorted by name, for binary search */
    int nmeta;
    Meta *meta;    /* sorted by key */
    void **copies; /* aligned copies of tensors misaligned in the file */
    int ncopies;
};

static int valid_utf8(const unsigned char *s, size_t n, size_t *bad_at) {
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0) {
            if (bad_at) *bad_at = i;
            return 0;
        }
        i += (size_t)k;
    }
    return 1;
}

static int cmp_by_name(const void *a, const void *b) {
    return strcmp((*(const TensorRef *const *)a)->name, (*(const TensorRef *const *)b)->name);
}

static int cmp_meta(const void *a, const void *b) {
    return strcmp(((const Meta *)a)->key, ((const Meta *)b)->key);
}

/* ---------------------------------------------------------------------------------------------
 * Writing */

typedef struct {
    const TensorRef *t;
    size_t bytes;
} Out;

/* Largest elements first keeps every tensor aligned to its element size (the data buffer starts
 * at a multiple of 8); the name breaks ties so the file does not depend on the input order. */
static int cmp_layout(const void *a, const void *b) {
    const Out *x = a, *y = b;
    size_t sx = dtype_size(x->t->dtype), sy = dtype_size(y->t->dtype);
    if (sx != sy) return sx > sy ? -1 : 1;
    return strcmp(x->t->name, y->t->name);
}

static cJSON *json_int(uint64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v); /* exact, unlike cJSON's double formatting */
    return cJSON_CreateRaw(buf);
}

static int check_write_args(const char *path, const TensorRef *tensors, int n,
                            const char *const *kv, Out *out) {
    for (int i = 0; i < n; i++) {
        const TensorRef *t = &tensors[i];
        if (!t->name) return scar_fail("%s: tensor %d has no name", path, i);
        if (!valid_utf8((const unsigned char *)t->name, strlen(t->name), NULL))
            return scar_fail("%s: tensor %d: name is not valid UTF-8", path, i);
        if (strcmp(t->name, "__metadata__") == 0)
            return scar_fail("%s: '__metadata__' is reserved and cannot name a tensor", path);
        if (tensor_ref_bytes(t, &out[i].bytes) != 0)
            return scar_fail_context("%s: tensor '%s': ", path, t->name);
        if (out[i].bytes > 0 && !t->data)
            return scar_fail("%s: tensor '%s': no data", path, t->name);
        out[i].t = t;
    }
    for (int i = 0; kv && kv[i]; i += 2) {
        if (!kv[i + 1]) return scar_fail("%s: metadata key '%s' has no value", path, kv[i]);
        if (!valid_utf8((const unsigned char *)kv[i], strlen(kv[i]), NULL) ||
            !valid_utf8((const unsigned char *)kv[i + 1], strlen(kv[i + 1]), NULL))
            return scar_fail("%s: metadata entry %d is not valid UTF-8", path, i / 2);
        for (int j = 0; j < i; j += 2)
            if (strcmp(kv[j], kv[i]) == 0)
                return scar_fail("%s: duplicate metadata key '%s'", path, kv[i]);
    }
    return 0;
}

static int check_unique_names(const char *path, const TensorRef *tensors, int n) {
    const TensorRef **s = xmalloc((size_t)n * sizeof *s);
    for (int i = 0; i < n; i++)
        s[i] = &tensors[i];
    qsort(s, (size_t)n, sizeof *s, cmp_by_name);
    int rc = 0;
    for (int i = 1; i < n && rc == 0; i++)
        if (strcmp(s[i - 1]->name, s[i]->name) == 0)
            rc = scar_fail("%s: duplicate tensor name '%s'", path, s[i]->name);
    free(s);
    return rc;
}

/* The JSON header for tensors in layout order, padded with spaces to a multiple of 8 bytes. */
static char *build_header(const Out *out, int n, const char *const *kv, size_t *len) {
    cJSON *root = cJSON_CreateObject();
    if (kv && kv[0]) {
        cJSON *md = cJSON_AddObjectToObject(root, "__metadata__");
        for (int i = 0; kv[i]; i += 2)
            cJSON_AddStringToObject(md, kv[i], kv[i + 1]);
    }
    uint64_t offset = 0;
    for (int i = 0; i < n; i++) {
        const TensorRef *t = out[i].t;
        cJSON *o = cJSON_AddObjectToObject(root, t->name);
        cJSON_AddStringToObject(o, "dtype", dtype_name(t->dtype));
        cJSON *shape = cJSON_AddArrayToObject(o, "shape");
        for (int d = 0; d < t->ndim; d++)
            cJSON_AddItemToArray(shape, json_int((uint64_t)t->shape[d]));
        cJSON *off = cJSON_AddArrayToObject(o, "data_offsets");
        cJSON_AddItemToArray(off, json_int(offset));
        offset += out[i].bytes;
        cJSON_AddItemToArray(off, json_int(offset));
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!json) {
        fprintf(stderr, "scar: out of memory printing a safetensors header\n");
        exit(1);
    }
    size_t k = strlen(json), padded = (k + 7) / 8 * 8;
    char *h = xmalloc(padded);
    memcpy(h, json, k);
    memset(h + k, ' ', padded - k);
    cJSON_free(json);
    *len = padded;
    return h;
}

int safetensors_write(const char *path, const TensorRef *tensors, int n,
                      const char *const *metadata_kv) {
    if (n < 0 || (n > 0 && !tensors)) return scar_fail("%s: invalid tensor list (n = %d)", path, n);
    Out *out = xmalloc((size_t)(n ? n : 1) * sizeof *out);
    size_t total = 0;
    if (check_write_args(path, tensors, n, metadata_kv, out) != 0 ||
        check_unique_names(path, tensors, n) != 0)
        goto fail;
    for (int i = 0; i < n; i++)
        if (size_add(total, out[i].bytes, &total) != 0) {
            scar_fail("%s: tensors add up to more bytes than can be addressed", path);
            goto fail;
        }
    qsort(out, (size_t)n, sizeof *out, cmp_layout);

    size_t hlen;
    char *header = build_header(out, n, metadata_kv, &hlen);
    unsigned char prefix[8];
    for (int i = 0; i < 8; i++)
        prefix[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    AtomicFile f;
    int rc = atomic_file_begin(&f, path);
    if (rc == 0) rc = atomic_file_write(&f, prefix, 8);
    if (rc == 0) rc = atomic_file_write(&f, header, hlen);
    for (int i = 0; i < n && rc == 0; i++)
        if (out[i].bytes) rc = atomic_file_write(&f, out[i].t->data, out[i].bytes);
    if (rc == 0) rc = atomic_file_commit(&f);
    free(header);
    free(out);
    return rc;
fail:
    free(out);
    return -1;
}

/* ---------------------------------------------------------------------------------------------
 * Reading */

typedef struct {
    TensorRef ref;
    uint64_t begin, end;
} Entry;

static int cmp_entry_names(const void *a, const void *b) {
    return strcmp(((const Entry *)a)->ref.name, ((const Entry *)b)->ref.name);
}

static int cmp_offsets(const void *a, const void *b) {
    const Entry *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return strcmp(x->ref.name, y->ref.name); /* zero-size tensors may share an offset */
}

enum { JSON_INT_OK, JSON_NOT_INT, JSON_NEGATIVE, JSON_TOO_LARGE };

static int json_uint(const cJSON *v, uint64_t *out) {
    if (!cJSON_IsNumber(v)) return JSON_NOT_INT;
    double d = v->valuedouble;
    if (d != floor(d)) return isinf(d) ? JSON_TOO_LARGE : JSON_NOT_INT;
    if (d < 0) return JSON_NEGATIVE;
    if (d > JSON_INT_LIMIT) return JSON_TOO_LARGE;
    *out = (uint64_t)d;
    return JSON_INT_OK;
}

static int parse_shape(const cJSON *shape, const char *file, const char *name, TensorRef *ref) {
    if (!cJSON_IsArray(shape))
        return scar_fail("%s: tensor '%s': shape is not an array", file, name);
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > TENSORREF_MAX_DIMS)
        return scar_fail("%s: tensor '%s': shape has %d dimensions (at most %d supported)", file,
                         name, ndim, TENSORREF_MAX_DIMS);
    ref->ndim = 0;
    for (const cJSON *d = shape->child; d; d = d->next) {
        uint64_t v = 0;
        switch (json_uint(d, &v)) {
        case JSON_NOT_INT:
            return scar_fail("%s: tensor '%s': shape is not an array of integers", file, name);
        case JSON_NEGATIVE:
            return scar_fail("%s: tensor '%s': shape has a negative dimension %g", file, name,
                             d->valuedouble);
        case JSON_TOO_LARGE:
            return scar_fail("%s: tensor '%s': shape dimension %g is out of range (overflow)", file,
                             name, d->valuedouble);
        }
        ref->shape[ref->ndim++] = (int64_t)v;
    }
    return 0;
}

static int parse_offsets(const cJSON *off, const char *file, const char *name, Entry *e) {
    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2)
        return scar_fail("%s: tensor '%s': data_offsets is not two integers", file, name);
    uint64_t v[2] = {0, 0};
    int k = 0;
    for (const cJSON *d = off->child; d; d = d->next, k++) {
        switch (json_uint(d, &v[k])) {
        case JSON_NOT_INT:
            return scar_fail("%s: tensor '%s': data_offsets is not two integers", file, name);
        case JSON_NEGATIVE:
            return scar_fail("%s: tensor '%s': data_offsets has a negative value %g", file, name,
                             d->valuedouble);
        case JSON_TOO_LARGE:
            return scar_fail("%s: tensor '%s': data_offsets value %g is out of range (overflow)",
                             file, name, d->valuedouble);
        }
    }
    e->begin = v[0];
    e->end = v[1];
    return 0;
}

static int parse_entry(const cJSON *item, const char *file, size_t data_len, Entry *e) {
    const char *name = item->string;
    if (!cJSON_IsObject(item))
        return scar_fail("%s: tensor '%s': entry is not an object", file, name);
    const cJSON *dtype = NULL, *shape = NULL, *offsets = NULL;
    for (const cJSON *f = item->child; f; f = f->next) {
        const cJSON **slot = strcmp(f->string, "dtype") == 0          ? &dtype
                             : strcmp(f->string, "shape") == 0        ? &shape
                             : strcmp(f->string, "data_offsets") == 0 ? &offsets
                                                                      : NULL;
        if (!slot) return scar_fail("%s: tensor '%s': unknown field '%s'", file, name, f->string);
        if (*slot) return scar_fail("%s: tensor '%s': duplicate field '%s'", file, name, f->string);
        *slot = f;
    }
    const char *missing = !dtype ? "dtype" : !shape ? "shape" : !offsets ? "data_offsets" : NULL;
    if (missing) return scar_fail("%s: tensor '%s': missing %s", file, name, missing);

    e->ref.name = name;
    if (!cJSON_IsString(dtype))
        return scar_fail("%s: tensor '%s': dtype is not a string", file, name);
    if (dtype_from_name(dtype->valuestring, &e->ref.dtype) != 0)
        return scar_fail("%s: tensor '%s': unknown dtype '%s'", file, name, dtype->valuestring);
    if (parse_shape(shape, file, name, &e->ref) != 0 || parse_offsets(offsets, file, name, e) != 0)
        return -1;
    size_t bytes;
    if (tensor_ref_bytes(&e->ref, &bytes) != 0)
        return scar_fail_context("%s: tensor '%s': ", file, name);
    if (e->begin > e->end)
        return scar_fail("%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64
                         "] have begin > end",
                         file, name, e->begin, e->end);
    if (e->end > data_len)
        return scar_fail("%s: tensor '%s': data_offsets end %" PRIu64
                         " is beyond the data buffer (%zu bytes)",
                         file, name, e->end, data_len);
    if (bytes != e->end - e->begin) {
        char s[256];
        shape_format(e->ref.ndim, e->ref.shape, s, sizeof s);
        return scar_fail("%s: tensor '%s': size mismatch: shape %s of %s is %zu bytes but "
                         "data_offsets [%" PRIu64 ", %" PRIu64 "] hold %" PRIu64,
                         file, name, s, dtype_name(e->ref.dtype), bytes, e->begin, e->end,
                         e->end - e->begin);
    }
    return 0;
}

static int parse_metadata(SafeTensors *st, const cJSON *md) {
    if (cJSON_IsNull(md)) return 0;
    if (!cJSON_IsObject(md)) return scar_fail("%s: __metadata__ is not an object", st->name);
    int m = cJSON_GetArraySize(md);
    st->meta = xcalloc((size_t)(m ? m : 1), sizeof *st->meta);
    for (const cJSON *v = md->child; v; v = v->next) {
        if (!cJSON_IsString(v))
            return scar_fail("%s: __metadata__ value for '%s' is not a string", st->name,
                             v->string);
        st->meta[st->nmeta].key = xstrdup(v->string);
        st->meta[st->nmeta++].value = xstrdup(v->valuestring);
    }
    qsort(st->meta, (size_t)st->nmeta, sizeof *st->meta, cmp_meta);
    for (int i = 1; i < st->nmeta; i++)
        if (strcmp(st->meta[i - 1].key, st->meta[i].key) == 0)
            return scar_fail("%s: duplicate __metadata__ key '%s'", st->name, st->meta[i].key);
    return 0;
}

/* The spec requires the tensors to tile the data buffer exactly: no overlap, no hole. */
static int check_coverage(const Entry *e, int n, size_t data_len, const char *file) {
    uint64_t at = 0;
    for (int i = 0; i < n; i++) {
        if (e[i].begin < at)
            return scar_fail("%s: tensors '%s' and '%s' overlap (data_offsets [%" PRIu64
                             ", %" PRIu64 "] and [%" PRIu64 ", %" PRIu64 "])",
                             file, e[i - 1].ref.name, e[i].ref.name, e[i - 1].begin, e[i - 1].end,
                             e[i].begin, e[i].end);
        if (e[i].begin > at)
            return scar_fail("%s: hole in the data buffer: bytes [%" PRIu64 ", %" PRIu64
                             ") belong to no tensor",
                             file, at, e[i].begin);
        at = e[i].end;
    }
    if (at != data_len)
        return scar_fail("%s: hole in the data buffer: bytes [%" PRIu64 ", %zu) at the end belong "
                         "to no tensor",
                         file, at, data_len);
    return 0;
}

/* The header bytes before JSON parsing: valid UTF-8 and no raw control characters (which JSON
 * forbids and which would cut names short as C strings). */
static int check_header_bytes(const unsigned char *h, size_t n, const char *file) {
    size_t bad;
    if (!valid_utf8(h, n, &bad))
        return scar_fail("%s: header is not valid UTF-8 (byte %zu)", file, bad);
    for (size_t i = 0; i < n; i++)
        if (h[i] < 0x20 && h[i] != '\t' && h[i] != '\n' && h[i] != '\r')
            return scar_fail("%s: header has a control character (0x%02x) at byte %zu", file, h[i],
                             i);
    return 0;
}

static int parse(SafeTensors *st, const unsigned char *buf, size_t len) {
    const char *file = st->name;
    if (len < 8)
        return scar_fail("%s: truncated: %zu bytes, shorter than the 8-byte header length", file,
                         len);
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++)
        hlen |= (uint64_t)buf[i] << (8 * i);
    if (hlen > HEADER_LIMIT)
        return scar_fail("%s: header length %" PRIu64 " is absurd (limit %u bytes)", file, hlen,
                         HEADER_LIMIT);
    if (hlen > len - 8)
        return scar_fail("%s: truncated: header length %" PRIu64
                         " runs past the end of the file (%zu bytes)",
                         file, hlen, len);
    const unsigned char *data = buf + 8 + hlen;
    size_t data_len = len - 8 - (size_t)hlen;
    if (check_header_bytes(buf + 8, (size_t)hlen, file) != 0) return -1;

    /* cJSON wants a terminated string; the header is followed by tensor bytes. */
    char *text = xmalloc((size_t)hlen + 1);
    memcpy(text, buf + 8, (size_t)hlen);
    text[hlen] = 0;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 0);
    Entry *e = NULL;
    int rc = -1;
    if (!root) {
        scar_fail("%s: header is not valid JSON (error near byte %td)", file, end ? end - text : 0);
        goto out;
    }
    for (const char *p = end; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            scar_fail("%s: header has bytes after the JSON object (byte %td)", file, p - text);
            goto out;
        }
    if (!cJSON_IsObject(root)) {
        scar_fail("%s: header is not a JSON object", file);
        goto out;
    }

    int count = cJSON_GetArraySize(root), n = 0;
    const cJSON *md = NULL;
    e = xcalloc((size_t)(count ? count : 1), sizeof *e);
    for (const cJSON *item = root->child; item; item = item->next) {
        if (strcmp(item->string, "__metadata__") == 0) {
            if (md) {
                scar_fail("%s: duplicate __metadata__", file);
                goto out;
            }
            md = item;
            continue;
        }
        if (parse_entry(item, file, data_len, &e[n]) != 0) goto out;
        n++;
    }
    if (md && parse_metadata(st, md) != 0) goto out;
    qsort(e, (size_t)n, sizeof *e, cmp_entry_names);
    for (int i = 1; i < n; i++)
        if (strcmp(e[i - 1].ref.name, e[i].ref.name) == 0) {
            scar_fail("%s: duplicate tensor name '%s'", file, e[i].ref.name);
            goto out;
        }
    qsort(e, (size_t)n, sizeof *e, cmp_offsets);
    if (check_coverage(e, n, data_len, file) != 0) goto out;

    st->t = xcalloc((size_t)(n ? n : 1), sizeof *st->t);
    st->by_name = xmalloc((size_t)(n ? n : 1) * sizeof *st->by_name);
    st->copies = xmalloc((size_t)(n ? n : 1) * sizeof *st->copies);
    for (int i = 0; i < n; i++) {
        TensorRef *t = &st->t[i];
        *t = e[i].ref;
        t->name = xstrdup(e[i].ref.name);
        st->n++;
        const unsigned char *p = data + e[i].begin;
        size_t bytes = (size_t)(e[i].end - e[i].begin), esz = dtype_size(t->dtype);
        if (bytes == 0)
            p = (const unsigned char *)&k_empty;
        else if ((uintptr_t)p % esz) {
            void *copy = xmalloc(bytes); /* malloc alignment covers every element size */
            memcpy(copy, p, bytes);
            st->copies[st->ncopies++] = copy;
            p = copy;
        }
        t->data = p;
        st->by_name[i] = t;
    }
    qsort(st->by_name, (size_t)n, sizeof *st->by_name, cmp_by_name);
    rc = 0;
out:
    free(e);
    cJSON_Delete(root);
    free(text);
    return rc;
}

SafeTensors *safetensors_from_memory(const void *buf, size_t len, const char *name) {
    SafeTensors *st = xcalloc(1, sizeof *st);
    st->name = xstrdup(name ? name : "(memory)");
    if (parse(st, buf, len) != 0) {
        safetensors_close(st);
        return NULL;
    }
    return st;
}

SafeTensors *safetensors_open(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        scar_fail("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        scar_fail("%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    size_t len = (size_t)sb.st_size;
    void *map = NULL;
    if (len >= 8) { /* shorter files fail in parse() with the "truncated" message */
        map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            scar_fail("%s: cannot map: %s", path, strerror(errno));
            close(fd);
            return NULL;
        }
    }
    close(fd);
    SafeTensors *st = xcalloc(1, sizeof *st);
    st->name = xstrdup(path);
    st->map = map;
    st->map_len = len;
    if (parse(st, map, len) != 0) {
        safetensors_close(st);
        return NULL;
    }
    return st;
}

void safetensors_close(SafeTensors *st) {
    if (!st) return;
    for (int i = 0; i < st->n; i++)
        free((char *)st->t[i].name);
    for (int i = 0; i < st->ncopies; i++)
        free(st->copies[i]);
    for (int i = 0; i < st->nmeta; i++) {
        free(st->meta[i].key);
        free(st->meta[i].value);
    }
    if (st->map) munmap(st->map, st->map_len);
    free(st->copies);
    free(st->by_name);
    free(st->t);
    free(st->meta);
    free(st->name);
    free(st);
}

int safetensors_count(const SafeTensors *st) { return st->n; }

const TensorRef *safetensors_at(const SafeTensors *st, int i) {
    return i >= 0 && i < st->n ? &st->t[i] : NULL;
}

const TensorRef *safetensors_find(const SafeTensors *st, const char *name) {
    TensorRef key = {.name = name};
    const TensorRef *kp = &key;
    const TensorRef **hit =
        bsearch(&kp, st->by_name, (size_t)st->n, sizeof *st->by_name, cmp_by_name);
    return hit ? *hit : NULL;
}

const char *safetensors_metadata(const SafeTensors *st, const char *key) {
    if (st->nmeta == 0) return NULL; /* st->meta may be NULL, which bsearch must not get */
    Meta k = {.key = (char *)key};
    const Meta *hit = bsearch(&k, st->meta, (size_t)st->nmeta, sizeof *st->meta, cmp_meta);
    return hit ? hit->value : NULL;
}

const void *safetensors_get(const SafeTensors *st, const char *name, DType dtype, int ndim,
                            const int64_t *shape) {
    const TensorRef *t = safetensors_find(st, name);
    if (!t) {
        scar_fail("%s: tensor '%s' is missing", st->name, name);
        return NULL;
    }
    if (t->dtype != dtype) {
        scar_fail("%s: tensor '%s' is %s, expected %s", st->name, name, dtype_name(t->dtype),
                  dtype_name(dtype));
        return NULL;
    }
    if (ndim < 0 || ndim > TENSORREF_MAX_DIMS || t->ndim != ndim ||
        (ndim > 0 && memcmp(t->shape, shape, (size_t)ndim * sizeof *shape) != 0)) {
        char have[256], want[256];
        shape_format(t->ndim, t->shape, have, sizeof have);
        if (ndim < 0 || ndim > TENSORREF_MAX_DIMS)
            snprintf(want, sizeof want, "%d dimensions", ndim);
        else
            shape_format(ndim, shape, want, sizeof want);
        scar_fail("%s: tensor '%s' has shape %s, expected %s", st->name, name, have, want);
        return NULL;
    }
    return t->data;
}

const float *safetensors_get_f32(const SafeTensors *st, const char *name, int ndim,
                                 const int64_t *shape) {
    return safetensors_get(st, name, DTYPE_F32, ndim, shape);
}
