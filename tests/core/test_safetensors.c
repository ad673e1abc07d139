#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/safetensors.h"
#include "testutil.h"

/* The message names the file and says what is wrong. */
static void assert_error_names(const char *file, const char *what) {
    const char *e = scar_last_error();
    if (!strstr(e, file) || !strstr(e, what))
        fail_msg("error \"%s\" should name \"%s\" and say \"%s\"", e, file, what);
}

static int count_dir_entries(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* A file laid out by hand: 8-byte little-endian length, the header, data_len pattern bytes. */
static unsigned char *craft(uint64_t hlen, const char *header, size_t data_len, size_t *n) {
    size_t h = strlen(header);
    *n = 8 + h + data_len;
    unsigned char *b = malloc(*n);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(hlen >> (8 * i));
    memcpy(b + 8, header, h);
    for (size_t i = 0; i < data_len; i++)
        b[8 + h + i] = (unsigned char)(i * 7 + 1);
    return b;
}

/* Both entry points must refuse the bytes, naming the file (or the memory name) and the problem. */
static void expect_bytes_fail(const unsigned char *bytes, size_t n, const char *what) {
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "hostile.safetensors");
    assert_int_equal(write_file_all(path, bytes, n), 0);
    scar_clear_error();
    SafeTensors *st = safetensors_open(path);
    if (st) fail_msg("opened a hostile file (expected: %s)", what);
    assert_error_names(path, what);
    st = safetensors_from_memory(bytes, n, "mem:hostile");
    if (st) fail_msg("accepted hostile bytes (expected: %s)", what);
    assert_error_names("mem:hostile", what);
    tmpdir_remove(dir);
}

static void expect_header_fails(const char *header, size_t data_len, const char *what) {
    size_t n;
    unsigned char *b = craft(strlen(header), header, data_len, &n);
    expect_bytes_fail(b, n, what);
    free(b);
}

static SafeTensors *open_crafted(const char *header, size_t data_len, unsigned char **bytes) {
    size_t n;
    *bytes = craft(strlen(header), header, data_len, &n);
    SafeTensors *st = safetensors_from_memory(*bytes, n, "crafted");
    if (!st) fail_msg("crafted file refused: %s", scar_last_error());
    return st;
}

/* ----------------------------------------------------------------------------------------------
 * Round trips */

typedef struct {
    int ndim;
    int64_t shape[TENSORREF_MAX_DIMS];
} Shape;

static const Shape k_shapes[] = {
    {0, {0}},                      /* scalar */
    {1, {7}},                      /* 1-D, odd */
    {2, {3, 0}},                   /* zero-size */
    {5, {2, 3, 1, 2, 2}},          /* 5-D */
    {8, {1, 2, 1, 1, 2, 1, 1, 3}}, /* the most dimensions */
    {2, {4, 5}},
    {1, {0}},
    {3, {2, 1, 3}},
};
#define NSHAPES (int)(sizeof k_shapes / sizeof k_shapes[0])

typedef struct {
    TensorRef t[DTYPE_COUNT + 2];
    char names[DTYPE_COUNT + 2][64];
    unsigned char *data[DTYPE_COUNT + 2];
    int n;
} Set;

static void fill(Set *s, int i, const char *name, DType dt, const Shape *sh) {
    TensorRef *t = &s->t[i];
    snprintf(s->names[i], sizeof s->names[i], "%s", name);
    t->name = s->names[i];
    t->dtype = dt;
    t->ndim = sh->ndim;
    memcpy(t->shape, sh->shape, sizeof t->shape);
    size_t bytes;
    assert_int_equal(tensor_ref_bytes(t, &bytes), 0);
    s->data[i] = malloc(bytes ? bytes : 1);
    for (size_t k = 0; k < bytes; k++)
        s->data[i][k] = (unsigned char)(k * 31 + (size_t)i * 17 + 5);
    t->data = s->data[i];
}

/* One tensor per dtype, cycling through the shapes, plus names that need JSON escaping. */
static void make_set(Set *s) {
    memset(s, 0, sizeof *s);
    for (int d = 0; d < DTYPE_COUNT; d++) {
        char name[64];
        snprintf(name, sizeof name, "layer.%d.%s", d, dtype_name((DType)d));
        fill(s, d, name, (DType)d, &k_shapes[d % NSHAPES]);
    }
    fill(s, DTYPE_COUNT, "quote\"back\\slash\ttab", DTYPE_F32, &k_shapes[1]);
    fill(s, DTYPE_COUNT + 1, "\xce\xb1/\xce\xb2.weight", DTYPE_BF16,
         &k_shapes[3]); /* "α/β.weight" */
    s->n = DTYPE_COUNT + 2;
}

static void free_set(Set *s) {
    for (int i = 0; i < s->n; i++)
        free(s->data[i]);
}

static void assert_same_tensor(const TensorRef *want, const TensorRef *got) {
    assert_non_null(got);
    assert_string_equal(want->name, got->name);
    assert_int_equal(want->dtype, got->dtype);
    assert_int_equal(want->ndim, got->ndim);
    for (int d = 0; d < want->ndim; d++)
        assert_int_equal(want->shape[d], got->shape[d]);
    size_t bytes;
    assert_int_equal(tensor_ref_bytes(want, &bytes), 0);
    assert_non_null(got->data);
    if (bytes) assert_memory_equal(want->data, got->data, bytes);
    assert_int_equal((uintptr_t)got->data % dtype_size(got->dtype), 0);
}

static void roundtrip_every_dtype_and_shape(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "all.safetensors");
    Set s;
    make_set(&s);
    assert_int_equal(safetensors_write(path, s.t, s.n, NULL), 0);
    SafeTensors *st = safetensors_open(path);
    if (!st) fail_msg("%s", scar_last_error());
    assert_int_equal(safetensors_count(st), s.n);
    for (int i = 0; i < s.n; i++)
        assert_same_tensor(&s.t[i], safetensors_find(st, s.t[i].name));
    assert_null(safetensors_find(st, "absent"));
    assert_null(safetensors_at(st, s.n));
    assert_null(safetensors_at(st, -1));
    assert_null(safetensors_metadata(st, "format"));
    safetensors_close(st);
    free_set(&s);
    tmpdir_remove(dir);
}

/* The bytes on disk follow the spec: header length, JSON padded with spaces to 8, a data buffer
 * tiled by the tensors in order of decreasing element size. */
static void layout_follows_the_spec(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "layout.safetensors");
    Set s;
    make_set(&s);
    assert_int_equal(safetensors_write(path, s.t, s.n, NULL), 0);
    size_t len;
    unsigned char *b = (unsigned char *)read_file_all(path, &len);
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++)
        hlen |= (uint64_t)b[i] << (8 * i);
    assert_int_equal(hlen % 8, 0);
    assert_true(8 + hlen <= len);
    assert_int_equal(b[8], '{');
    size_t data = 0;
    for (int i = 0; i < s.n; i++) {
        size_t k;
        assert_int_equal(tensor_ref_bytes(&s.t[i], &k), 0);
        data += k;
    }
    assert_int_equal(len, 8 + hlen + data);
    /* the JSON ends with '}' and only spaces after it */
    size_t end = 8 + hlen;
    while (b[end - 1] == ' ')
        end--;
    assert_int_equal(b[end - 1], '}');
    assert_true(8 + hlen - end < 8);
    /* no __metadata__ key when none was given */
    assert_null(memmem(b, 8 + hlen, "__metadata__", 12));

    SafeTensors *st = safetensors_from_memory(b, len, path); /* b is malloc'ed: 16-byte aligned */
    assert_non_null(st);
    /* non-empty tensors are stored by decreasing element size, so all are aligned in place */
    const TensorRef *prev = NULL;
    for (int i = 0; i < safetensors_count(st); i++) {
        const TensorRef *c = safetensors_at(st, i);
        size_t k;
        assert_int_equal(tensor_ref_bytes(c, &k), 0);
        if (k == 0) continue;
        const unsigned char *p = c->data;
        assert_true(p >= b + 8 + hlen && p < b + len); /* in place, not a copy */
        if (prev) {
            assert_true(dtype_size(prev->dtype) >= dtype_size(c->dtype));
            assert_true((const unsigned char *)prev->data < p);
        }
        prev = c;
    }
    safetensors_close(st);
    free(b);
    free_set(&s);
    tmpdir_remove(dir);
}

/* The same tensors in another order give the same bytes. */
static void output_does_not_depend_on_input_order(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    Set s;
    make_set(&s);
    TensorRef rev[DTYPE_COUNT + 2];
    for (int i = 0; i < s.n; i++)
        rev[i] = s.t[s.n - 1 - i];
    const char *md[] = {"step", "12", "format", "pt", NULL};
    assert_int_equal(safetensors_write(path_join(dir, "a"), s.t, s.n, md), 0);
    assert_int_equal(safetensors_write(path_join(dir, "b"), rev, s.n, md), 0);
    size_t la, lb;
    char *a = read_file_all(path_join(dir, "a"), &la), *b = read_file_all(path_join(dir, "b"), &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);
    free_set(&s);
    tmpdir_remove(dir);
}

static void metadata_round_trip(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "meta.safetensors");
    float w[3] = {1.5f, -2.0f, 3.25f};
    TensorRef t = {.name = "w", .dtype = DTYPE_F32, .ndim = 1, .shape = {3}, .data = w};
    const char *tricky = "quote \" backslash \\ newline \n unicode \xc3\xa9 \xe2\x9c\x93";
    const char *md[] = {"format", "pt", "note", tricky, "empty", "", "step", "123456", NULL};
    assert_int_equal(safetensors_write(path, &t, 1, md), 0);
    SafeTensors *st = safetensors_open(path);
    assert_non_null(st);
    assert_string_equal(safetensors_metadata(st, "format"), "pt");
    assert_string_equal(safetensors_metadata(st, "note"), tricky);
    assert_string_equal(safetensors_metadata(st, "empty"), "");
    assert_string_equal(safetensors_metadata(st, "step"), "123456");
    assert_null(safetensors_metadata(st, "absent"));
    safetensors_close(st);
    tmpdir_remove(dir);
}

static void no_tensors_at_all(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "empty.safetensors");
    assert_int_equal(safetensors_write(path, NULL, 0, NULL), 0);
    size_t len;
    char *b = read_file_all(path, &len);
    assert_int_equal(len, 16); /* 8-byte length + "{}" padded to 8 */
    assert_memory_equal(b + 8, "{}      ", 8);
    free(b);
    SafeTensors *st = safetensors_open(path);
    assert_non_null(st);
    assert_int_equal(safetensors_count(st), 0);
    assert_null(safetensors_find(st, "x"));
    safetensors_close(st);
    tmpdir_remove(dir);
}

/* Writes replace the file in one rename and leave no temporary file behind, even on failure. */
static void atomic_replace_and_cleanup(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "ckpt.safetensors");
    int64_t v1 = 1, v2 = 2;
    TensorRef t = {.name = "step", .dtype = DTYPE_I64, .ndim = 0, .data = &v1};
    assert_int_equal(safetensors_write(path, &t, 1, NULL), 0);
    t.data = &v2;
    assert_int_equal(safetensors_write(path, &t, 1, NULL), 0);
    assert_int_equal(count_dir_entries(dir), 1);
    SafeTensors *st = safetensors_open(path);
    const int64_t *step = safetensors_get(st, "step", DTYPE_I64, 0, NULL);
    assert_non_null(step);
    assert_int_equal(*step, 2);
    safetensors_close(st);

    /* the target is a directory: the rename fails and the temporary file goes away */
    const char *blocked = path_join(dir, "blocked.safetensors");
    assert_int_equal(mkdir(blocked, 0755), 0);
    assert_int_equal(safetensors_write(blocked, &t, 1, NULL), -1);
    assert_error_names(blocked, "rename");
    assert_int_equal(count_dir_entries(dir), 2);

    const char *nowhere = path_join(dir, "no/such/dir/x.safetensors");
    assert_int_equal(safetensors_write(nowhere, &t, 1, NULL), -1);
    assert_error_names(nowhere, "cannot create");
    tmpdir_remove(dir);
}

static void expect_write_fails(const TensorRef *t, int n, const char *const *md, const char *what) {
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "refused.safetensors");
    scar_clear_error();
    assert_int_equal(safetensors_write(path, t, n, md), -1);
    assert_error_names(path, what);
    assert_int_equal(count_dir_entries(dir), 0);
    tmpdir_remove(dir);
}

static void writer_refuses_bad_input(void **state) {
    (void)state;
    float x[4] = {0};
    TensorRef ok = {.name = "a", .dtype = DTYPE_F32, .ndim = 1, .shape = {4}, .data = x};
    TensorRef two[2] = {ok, ok};
    expect_write_fails(two, 2, NULL, "duplicate tensor name 'a'");
    TensorRef t = ok;
    t.name = "__metadata__";
    expect_write_fails(&t, 1, NULL, "reserved");
    t = ok;
    t.name = NULL;
    expect_write_fails(&t, 1, NULL, "no name");
    t = ok;
    t.name = "bad\xff";
    expect_write_fails(&t, 1, NULL, "UTF-8");
    t = ok;
    t.ndim = 9;
    expect_write_fails(&t, 1, NULL, "9 dimensions");
    t = ok;
    t.shape[0] = -4;
    expect_write_fails(&t, 1, NULL, "negative dimension -4");
    t = ok;
    t.ndim = 3;
    t.shape[0] = t.shape[1] = t.shape[2] = (int64_t)1 << 30;
    expect_write_fails(&t, 1, NULL, "overflow");
    t = ok;
    t.dtype = DTYPE_COUNT;
    expect_write_fails(&t, 1, NULL, "invalid dtype");
    t = ok;
    t.data = NULL;
    expect_write_fails(&t, 1, NULL, "no data");
    const char *odd[] = {"key", NULL};
    expect_write_fails(&ok, 1, odd, "metadata key 'key' has no value");
    const char *dup[] = {"k", "1", "k", "2", NULL};
    expect_write_fails(&ok, 1, dup, "duplicate metadata key 'k'");
    const char *bad[] = {"k", "\xc3", NULL};
    expect_write_fails(&ok, 1, bad, "UTF-8");
}

static void get_checks_name_dtype_and_shape(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "w.safetensors");
    float w[6] = {1, 2, 3, 4, 5, 6};
    int64_t ids[2] = {7, 8};
    TensorRef t[2] = {{.name = "w", .dtype = DTYPE_F32, .ndim = 2, .shape = {2, 3}, .data = w},
                      {.name = "ids", .dtype = DTYPE_I64, .ndim = 1, .shape = {2}, .data = ids}};
    assert_int_equal(safetensors_write(path, t, 2, NULL), 0);
    SafeTensors *st = safetensors_open(path);
    assert_non_null(st);
    const float *got = safetensors_get_f32(st, "w", 2, (int64_t[]){2, 3});
    assert_non_null(got);
    assert_memory_equal(got, w, sizeof w);
    assert_null(safetensors_get_f32(st, "v", 2, (int64_t[]){2, 3}));
    assert_error_names(path, "tensor 'v' is missing");
    assert_null(safetensors_get_f32(st, "w", 2, (int64_t[]){3, 2}));
    assert_error_names(path, "tensor 'w' has shape [2, 3], expected [3, 2]");
    assert_null(safetensors_get_f32(st, "w", 1, (int64_t[]){6}));
    assert_error_names(path, "expected [6]");
    assert_null(safetensors_get_f32(st, "ids", 1, (int64_t[]){2}));
    assert_error_names(path, "tensor 'ids' is I64, expected F32");
    assert_non_null(safetensors_get(st, "ids", DTYPE_I64, 1, (int64_t[]){2}));
    safetensors_close(st);
    tmpdir_remove(dir);
}

/* Files other writers may produce are accepted: pretty-printed JSON, a tensor misaligned in the
 * buffer (handed out aligned anyway), null metadata, zero-size tensors anywhere. */
static void accepts_other_valid_layouts(void **state) {
    (void)state;
    unsigned char *bytes;
    SafeTensors *st =
        open_crafted("{\n  \"a\": {\"dtype\": \"U8\", \"shape\": [3], \"data_offsets\": [0, 3]},\n"
                     "  \"z\": {\"dtype\": \"F64\", \"shape\": [0, 2], \"data_offsets\": [3, 3]},\n"
                     "  \"b\": {\"data_offsets\": [3, 11], \"shape\": [2], \"dtype\": \"F32\"},\n"
                     "  \"__metadata__\": null\n}\n   ",
                     11, &bytes);
    assert_int_equal(safetensors_count(st), 3);
    const TensorRef *b = safetensors_find(st, "b");
    assert_non_null(b);
    assert_int_equal((uintptr_t)b->data % 4, 0);
    size_t hlen = 0;
    for (int i = 0; i < 8; i++)
        hlen |= (size_t)bytes[i] << (8 * i);
    assert_memory_equal(b->data, bytes + 8 + hlen + 3, 8);
    assert_string_equal(safetensors_at(st, 0)->name, "a");
    assert_int_equal(safetensors_find(st, "z")->ndim, 2);
    assert_null(safetensors_metadata(st, "anything"));
    safetensors_close(st);
    free(bytes);
}

/* The committed reference file was built by tools/make_safetensors_fixture.py straight from the
 * spec (its own layout: unsorted, misaligned, pretty JSON); its contents are listed in a JSON file.
 */
static void reads_python_reference(void **state) {
    (void)state;
    char *js = read_file_all("tests/ref/safetensors/reference.json", NULL);
    assert_non_null(js);
    cJSON *ref = cJSON_Parse(js);
    assert_non_null(ref);
    const char *path = "tests/ref/safetensors/reference.safetensors";
    SafeTensors *st = safetensors_open(path);
    if (!st) fail_msg("%s", scar_last_error());
    const cJSON *tensors = cJSON_GetObjectItem(ref, "tensors");
    assert_int_equal(safetensors_count(st), cJSON_GetArraySize(tensors));
    const cJSON *e;
    cJSON_ArrayForEach(e, tensors) {
        const char *name = cJSON_GetObjectItem(e, "name")->valuestring;
        const TensorRef *t = safetensors_find(st, name);
        if (!t) fail_msg("reference tensor '%s' not found", name);
        assert_string_equal(dtype_name(t->dtype), cJSON_GetObjectItem(e, "dtype")->valuestring);
        const cJSON *shape = cJSON_GetObjectItem(e, "shape");
        assert_int_equal(t->ndim, cJSON_GetArraySize(shape));
        for (int d = 0; d < t->ndim; d++)
            assert_int_equal(t->shape[d], (int64_t)cJSON_GetArrayItem(shape, d)->valuedouble);
        const char *hex = cJSON_GetObjectItem(e, "hex")->valuestring;
        size_t bytes;
        assert_int_equal(tensor_ref_bytes(t, &bytes), 0);
        assert_int_equal(strlen(hex), 2 * bytes);
        for (size_t k = 0; k < bytes; k++) {
            unsigned v;
            sscanf(hex + 2 * k, "%2x", &v);
            assert_int_equal(((const unsigned char *)t->data)[k], v);
        }
        assert_int_equal((uintptr_t)t->data % dtype_size(t->dtype), 0);
    }
    /* a known value decoded, not just bytes: weight[1][2] == -0.375 */
    const float *w = safetensors_get_f32(st, "weight", 2, (int64_t[]){2, 3});
    assert_non_null(w);
    assert_true(w[5] == -0.375f);
    const cJSON *md = cJSON_GetObjectItem(ref, "metadata");
    cJSON_ArrayForEach(e, md)
        assert_string_equal(safetensors_metadata(st, e->string), e->valuestring);
    safetensors_close(st);
    cJSON_Delete(ref);
    free(js);
}

/* ----------------------------------------------------------------------------------------------
 * Hostile files: one test per validation rule. */

static void truncated_shorter_than_length(void **state) {
    (void)state;
    expect_bytes_fail((const unsigned char *)"\x10\0\0\0\0", 5, "truncated");
    expect_bytes_fail((const unsigned char *)"", 0, "truncated");
}

static void truncated_header_runs_past_end(void **state) {
    (void)state;
    size_t n;
    unsigned char *b = craft(100, "{}", 0, &n);
    expect_bytes_fail(b, n, "runs past the end of the file");
    free(b);
}

static void header_length_absurd(void **state) {
    (void)state;
    size_t n;
    unsigned char *b = craft((uint64_t)1 << 62, "{}", 0, &n);
    expect_bytes_fail(b, n, "absurd");
    free(b);
    b = craft(UINT64_MAX, "{}", 0, &n); /* 8 + length would wrap around */
    expect_bytes_fail(b, n, "absurd");
    free(b);
}

#define HOSTILE(fn, header, data_len, what)          \
    static void fn(void **state) {                   \
        (void)state;                                 \
        expect_header_fails(header, data_len, what); \
    }

#define T(name, body) "\"" name "\":{" body "}"
#define F32_4 "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]"

HOSTILE(header_empty, "", 0, "not valid JSON")
HOSTILE(header_not_json, "{\"a\": ", 0, "not valid JSON")
HOSTILE(header_not_object, "[1, 2]", 0, "not a JSON object")
HOSTILE(header_trailing_bytes, "{} x", 0, "after the JSON object")
HOSTILE(header_invalid_utf8, "{\"\xff\": 1}", 0, "not valid UTF-8")
HOSTILE(header_control_character, "{\"a\x01\": {}}", 0, "control character")
HOSTILE(entry_not_object, "{\"a\": [1]}", 0, "tensor 'a': entry is not an object")
HOSTILE(entry_missing_field, "{" T("a", "\"dtype\":\"F32\",\"shape\":[1]") "}", 4,
        "tensor 'a': missing data_offsets")
HOSTILE(entry_unknown_field, "{" T("a", F32_4 ",\"extra\":1") "}", 4, "unknown field 'extra'")
HOSTILE(entry_duplicate_field, "{" T("a", F32_4 ",\"dtype\":\"I32\"") "}", 4,
        "duplicate field 'dtype'")
HOSTILE(dtype_unknown, "{" T("a", "\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]") "}", 4,
        "unknown dtype 'F33'")
HOSTILE(dtype_not_string, "{" T("a", "\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]") "}", 4,
        "dtype is not a string")
HOSTILE(shape_not_array, "{" T("a", "\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,4]") "}", 4,
        "shape is not an array")
HOSTILE(shape_negative, "{" T("a", "\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]") "}",
        4, "negative dimension -1")
HOSTILE(shape_fraction, "{" T("a", "\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]") "}",
        4, "not an array of integers")
HOSTILE(shape_string, "{" T("a", "\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]") "}",
        4, "not an array of integers")
HOSTILE(shape_dimension_huge,
        "{" T("a", "\"dtype\":\"F32\",\"shape\":[1e300],\"data_offsets\":[0,4]") "}", 4,
        "out of range (overflow)")
HOSTILE(shape_product_overflows,
        "{" T("a",
              "\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,4]") "}",
        4, "overflow")
HOSTILE(shape_bytes_overflow,
        "{" T("a",
              "\"dtype\":\"F64\",\"shape\":[4294967296,2147483648],\"data_offsets\":[0,4]") "}",
        4, "too many bytes (overflow)")
HOSTILE(shape_too_many_dims,
        "{" T("a", "\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]") "}", 4,
        "9 dimensions")
HOSTILE(offsets_one_value, "{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]") "}",
        4, "data_offsets is not two integers")
HOSTILE(offsets_three_values,
        "{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]") "}", 8,
        "data_offsets is not two integers")
HOSTILE(offsets_not_numbers,
        "{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",4]") "}", 4,
        "data_offsets is not two integers")
HOSTILE(offsets_not_array, "{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{}") "}", 4,
        "data_offsets is not two integers")
HOSTILE(offsets_negative, "{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]") "}",
        4, "negative value")
HOSTILE(offsets_begin_after_end,
        "{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]") "}", 4, "begin > end")
HOSTILE(offsets_beyond_buffer,
        "{" T("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]") "}", 4,
        "beyond the data buffer (4 bytes)")
HOSTILE(offsets_overflow,
        "{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551620]") "}",
        4, "out of range (overflow)")
HOSTILE(size_mismatch, "{" T("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]") "}", 4,
        "size mismatch: shape [2] of F32 is 8 bytes")
HOSTILE(duplicate_names,
        "{" T("a", F32_4) "," T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]") "}",
        8, "duplicate tensor name 'a'")
HOSTILE(ranges_overlap,
        "{" T("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]") "," T(
            "b", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]") "}",
        12, "'a' and 'b' overlap")
HOSTILE(ranges_hole_between,
        "{" T("a", F32_4) "," T("b", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]") "}",
        12, "hole in the data buffer: bytes [4, 8)")
HOSTILE(ranges_hole_at_start,
        "{" T("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]") "}", 8,
        "hole in the data buffer: bytes [0, 4)")
HOSTILE(ranges_hole_at_end, "{" T("a", F32_4) "}", 8, "bytes [4, 8) at the end")
HOSTILE(ranges_data_without_tensors, "{}", 3, "bytes [0, 3) at the end")
HOSTILE(metadata_not_object, "{\"__metadata__\": [\"a\"]}", 0, "__metadata__ is not an object")
HOSTILE(metadata_value_not_string, "{\"__metadata__\": {\"step\": 7}}", 0,
        "__metadata__ value for 'step' is not a string")
HOSTILE(metadata_duplicate_key, "{\"__metadata__\": {\"k\": \"1\", \"k\": \"2\"}}", 0,
        "duplicate __metadata__ key 'k'")
HOSTILE(metadata_twice, "{\"__metadata__\": {}, \"__metadata__\": {}}", 0, "duplicate __metadata__")

static void missing_file(void **state) {
    (void)state;
    assert_null(safetensors_open("/nonexistent/x.safetensors"));
    assert_error_names("/nonexistent/x.safetensors", "cannot open");
    assert_null(safetensors_open("tests"));
    assert_error_names("tests", "not a regular file");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrip_every_dtype_and_shape),
        cmocka_unit_test(layout_follows_the_spec),
        cmocka_unit_test(output_does_not_depend_on_input_order),
        cmocka_unit_test(metadata_round_trip),
        cmocka_unit_test(no_tensors_at_all),
        cmocka_unit_test(atomic_replace_and_cleanup),
        cmocka_unit_test(writer_refuses_bad_input),
        cmocka_unit_test(get_checks_name_dtype_and_shape),
        cmocka_unit_test(accepts_other_valid_layouts),
        cmocka_unit_test(reads_python_reference),
        cmocka_unit_test(missing_file),
        cmocka_unit_test(truncated_shorter_than_length),
        cmocka_unit_test(truncated_header_runs_past_end),
        cmocka_unit_test(header_length_absurd),
        cmocka_unit_test(header_empty),
        cmocka_unit_test(header_not_json),
        cmocka_unit_test(header_not_object),
        cmocka_unit_test(header_trailing_bytes),
        cmocka_unit_test(header_invalid_utf8),
        cmocka_unit_test(header_control_character),
        cmocka_unit_test(entry_not_object),
        cmocka_unit_test(entry_missing_field),
        cmocka_unit_test(entry_unknown_field),
        cmocka_unit_test(entry_duplicate_field),
        cmocka_unit_test(dtype_unknown),
        cmocka_unit_test(dtype_not_string),
        cmocka_unit_test(shape_not_array),
        cmocka_unit_test(shape_negative),
        cmocka_unit_test(shape_fraction),
        cmocka_unit_test(shape_string),
        cmocka_unit_test(shape_dimension_huge),
        cmocka_unit_test(shape_product_overflows),
        cmocka_unit_test(shape_bytes_overflow),
        cmocka_unit_test(shape_too_many_dims),
        cmocka_unit_test(offsets_one_value),
        cmocka_unit_test(offsets_three_values),
        cmocka_unit_test(offsets_not_numbers),
        cmocka_unit_test(offsets_not_array),
        cmocka_unit_test(offsets_negative),
        cmocka_unit_test(offsets_begin_after_end),
        cmocka_unit_test(offsets_beyond_buffer),
        cmocka_unit_test(offsets_overflow),
        cmocka_unit_test(size_mismatch),
        cmocka_unit_test(duplicate_names),
        cmocka_unit_test(ranges_overlap),
        cmocka_unit_test(ranges_hole_between),
        cmocka_unit_test(ranges_hole_at_start),
        cmocka_unit_test(ranges_hole_at_end),
        cmocka_unit_test(ranges_data_without_tensors),
        cmocka_unit_test(metadata_not_object),
        cmocka_unit_test(metadata_value_not_string),
        cmocka_unit_test(metadata_duplicate_key),
        cmocka_unit_test(metadata_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
