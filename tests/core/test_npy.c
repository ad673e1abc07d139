#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/npy.h"
#include "testutil.h"

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

/* A .npy file by hand: magic, version major.0, header length (2 bytes for 1.x, 4 otherwise),
 * the dict text as given (no padding added), then data_len pattern bytes. */
static unsigned char *craft_raw(int major, size_t hlen, const char *dict, size_t data_len,
                                size_t *n) {
    size_t pre = major == 1 ? 10 : 12, d = strlen(dict);
    *n = pre + d + data_len;
    unsigned char *b = malloc(*n);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = 0;
    for (size_t i = 8; i < pre; i++)
        b[i] = (unsigned char)(hlen >> (8 * (i - 8)));
    memcpy(b + pre, dict, d);
    for (size_t i = 0; i < data_len; i++)
        b[pre + d + i] = (unsigned char)(i * 13 + 3);
    return b;
}

static unsigned char *craft(const char *dict, size_t data_len, size_t *n) {
    return craft_raw(1, strlen(dict), dict, data_len, n);
}

/* Both entry points refuse the bytes, name the file and the problem, and leave *out empty. */
static void expect_bytes_fail(const unsigned char *bytes, size_t n, const char *what) {
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "hostile.npy");
    assert_int_equal(write_file_all(path, bytes, n), 0);
    NpyArray a;
    scar_clear_error();
    if (npy_read(path, &a) == 0) fail_msg("read a hostile file (expected: %s)", what);
    assert_error_names(path, what);
    assert_null(a.data);
    if (npy_from_memory(bytes, n, "mem:hostile", &a) == 0)
        fail_msg("accepted hostile bytes (expected: %s)", what);
    assert_error_names("mem:hostile", what);
    assert_null(a.data);
    tmpdir_remove(dir);
}

static void expect_dict_fails(const char *dict, size_t data_len, const char *what) {
    size_t n;
    unsigned char *b = craft(dict, data_len, &n);
    expect_bytes_fail(b, n, what);
    free(b);
}

static size_t read_crafted(const char *dict, size_t data_len, NpyArray *a, unsigned char **bytes) {
    size_t n;
    *bytes = craft(dict, data_len, &n);
    if (npy_from_memory(*bytes, n, "crafted", a) != 0)
        fail_msg("crafted file refused: %s", scar_last_error());
    return n;
}

/* ----------------------------------------------------------------------------------------------
 * Round trips */

static const DType k_npy_types[] = {DTYPE_BOOL, DTYPE_U8,  DTYPE_I8,  DTYPE_U16,
                                    DTYPE_I16,  DTYPE_F16, DTYPE_U32, DTYPE_I32,
                                    DTYPE_F32,  DTYPE_U64, DTYPE_I64, DTYPE_F64};
#define NTYPES (int)(sizeof k_npy_types / sizeof k_npy_types[0])

static const struct {
    int ndim;
    int64_t shape[TENSORREF_MAX_DIMS];
} k_shapes[] = {
    {0, {0}},
    {1, {5}},
    {2, {3, 0}},
    {5, {2, 3, 1, 2, 2}},
    {1, {0}},
    {2, {7, 3}},
    {8, {2, 1, 1, 2, 1, 1, 1, 3}},
};
#define NSHAPES (int)(sizeof k_shapes / sizeof k_shapes[0])

static void roundtrip_every_dtype_and_shape(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "a.npy");
    for (int d = 0; d < NTYPES; d++)
        for (int s = 0; s < NSHAPES; s++) {
            TensorRef t = {.dtype = k_npy_types[d], .ndim = k_shapes[s].ndim};
            memcpy(t.shape, k_shapes[s].shape, sizeof t.shape);
            size_t bytes;
            assert_int_equal(tensor_ref_bytes(&t, &bytes), 0);
            unsigned char *data = malloc(bytes ? bytes : 1);
            for (size_t k = 0; k < bytes; k++)
                data[k] = (unsigned char)(k * 29 + (size_t)d * 7 + (size_t)s);
            if (t.dtype == DTYPE_BOOL)
                for (size_t k = 0; k < bytes; k++)
                    data[k] &= 1;
            t.data = data;
            assert_int_equal(npy_write(path, &t), 0);

            size_t len;
            unsigned char *file = (unsigned char *)read_file_all(path, &len);
            assert_memory_equal(file, "\x93NUMPY\x01\x00", 8);
            size_t hlen = file[8] | (size_t)file[9] << 8;
            assert_int_equal((10 + hlen) % 64, 0); /* data aligned as numpy writes it */
            assert_int_equal(file[10 + hlen - 1], '\n');
            assert_int_equal(len, 10 + hlen + bytes);
            free(file);

            NpyArray a;
            if (npy_read(path, &a) != 0) fail_msg("%s", scar_last_error());
            assert_int_equal(a.dtype, t.dtype);
            assert_int_equal(a.ndim, t.ndim);
            for (int k = 0; k < t.ndim; k++)
                assert_int_equal(a.shape[k], t.shape[k]);
            assert_int_equal(a.nbytes, bytes);
            assert_non_null(a.data);
            if (bytes) assert_memory_equal(a.data, data, bytes);
            npy_free(&a);
            assert_null(a.data);
            free(data);
        }
    assert_int_equal(count_dir_entries(dir), 1);
    tmpdir_remove(dir);
}

static void header_text_is_what_numpy_writes(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "h.npy");
    float x[12] = {0};
    const struct {
        int ndim;
        int64_t shape[2];
        DType dt;
        const char *dict;
    } cases[] = {
        {2, {3, 4}, DTYPE_F32, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"},
        {1, {5}, DTYPE_U8, "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }"},
        {0, {0}, DTYPE_I64, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }"},
        {1, {2}, DTYPE_BOOL, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TensorRef t = {.dtype = cases[i].dt,
                       .ndim = cases[i].ndim,
                       .shape = {cases[i].shape[0], cases[i].shape[1]},
                       .data = x};
        assert_int_equal(npy_write(path, &t), 0);
        char *file = read_file_all(path, NULL);
        assert_memory_equal(file + 10, cases[i].dict, strlen(cases[i].dict));
        for (size_t k = 10 + strlen(cases[i].dict); file[k] != '\n'; k++)
            assert_int_equal(file[k], ' ');
        free(file);
    }
    tmpdir_remove(dir);
}

static void writer_refuses_bad_input(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "w.npy");
    uint16_t x[4] = {0};
    TensorRef t = {.dtype = DTYPE_BF16, .ndim = 1, .shape = {4}, .data = x};
    assert_int_equal(npy_write(path, &t), -1);
    assert_error_names(path, "dtype BF16 has no .npy equivalent");
    t.dtype = DTYPE_F8_E4M3;
    assert_int_equal(npy_write(path, &t), -1);
    assert_error_names(path, "F8_E4M3");
    t.dtype = DTYPE_U16;
    t.shape[0] = -1;
    assert_int_equal(npy_write(path, &t), -1);
    assert_error_names(path, "negative dimension");
    t.shape[0] = 4;
    t.ndim = 9;
    assert_int_equal(npy_write(path, &t), -1);
    assert_error_names(path, "9 dimensions");
    t.ndim = 1;
    t.data = NULL;
    assert_int_equal(npy_write(path, &t), -1);
    assert_error_names(path, "no data");
    assert_int_equal(count_dir_entries(dir), 0);
    /* the target is a directory: the rename fails, the temporary file is removed */
    assert_int_equal(mkdir(path, 0755), 0);
    t.data = x;
    assert_int_equal(npy_write(path, &t), -1);
    assert_error_names(path, "rename");
    assert_int_equal(count_dir_entries(dir), 1);
    tmpdir_remove(dir);
}

/* Headers other writers may produce: other key order, double quotes, no trailing comma, Python 2
 * long literals, 16-byte alignment (old numpy), version 2.0, odd whitespace. */
static void accepts_other_valid_headers(void **state) {
    (void)state;
    NpyArray a;
    unsigned char *b;
    size_t n =
        read_crafted("{\"shape\":(2,3),\"fortran_order\":False,\"descr\":\"<i2\"}\n", 12, &a, &b);
    assert_int_equal(a.dtype, DTYPE_I16);
    assert_int_equal(a.ndim, 2);
    assert_int_equal(a.shape[1], 3);
    assert_memory_equal(a.data, b + n - 12, 12);
    npy_free(&a);
    free(b);
    read_crafted("{ 'descr' : '<f8' , 'fortran_order' : False , 'shape' : ( 3L , 1L ) }   \n", 24,
                 &a, &b);
    assert_int_equal(a.dtype, DTYPE_F64);
    assert_int_equal(a.shape[0], 3);
    npy_free(&a);
    free(b);
    read_crafted("{'descr': '=f4', 'fortran_order': False, 'shape': (1,)}\t\r\n", 4, &a, &b);
    assert_int_equal(a.dtype, DTYPE_F32);
    npy_free(&a);
    free(b);
    read_crafted("{'descr': '<u1', 'fortran_order': True, 'shape': (), }", 1, &a, &b);
    assert_int_equal(a.dtype, DTYPE_U8);
    assert_int_equal(a.ndim, 0);
    npy_free(&a);
    free(b);
    const char *dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }  \n";
    b = craft_raw(2, strlen(dict), dict, 8, &n);
    assert_int_equal(npy_from_memory(b, n, "v2", &a), 0);
    assert_int_equal(a.shape[0], 2);
    assert_memory_equal(a.data, b + n - 8, 8);
    npy_free(&a);
    free(b);
}

/* Fortran order is transposed to C order: [[0,1,2],[3,4,5]] is stored column by column. */
static void fortran_order_becomes_c_order(void **state) {
    (void)state;
    const char *dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n";
    float col[6] = {0, 3, 1, 4, 2, 5}, want[6] = {0, 1, 2, 3, 4, 5};
    size_t n, d = strlen(dict);
    unsigned char *b = craft(dict, 0, &n);
    b = realloc(b, n + sizeof col);
    memcpy(b + 10 + d, col, sizeof col);
    NpyArray a;
    assert_int_equal(npy_from_memory(b, n + sizeof col, "f", &a), 0);
    assert_int_equal(a.ndim, 2);
    assert_memory_equal(a.data, want, sizeof want);
    npy_free(&a);
    free(b);
}

/* ----------------------------------------------------------------------------------------------
 * Against real NumPy: tests/ref/npy, written by tools/make_npy_fixtures.py. */

static double half_to_double(uint16_t h) {
    int e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
    return h & 0x8000 ? -v : v;
}

static double element(const NpyArray *a, size_t i) {
    const void *p = a->data;
    switch (a->dtype) {
    case DTYPE_BOOL:
    case DTYPE_U8: return ((const uint8_t *)p)[i];
    case DTYPE_I8: return ((const int8_t *)p)[i];
    case DTYPE_U16: return ((const uint16_t *)p)[i];
    case DTYPE_I16: return ((const int16_t *)p)[i];
    case DTYPE_F16: return half_to_double(((const uint16_t *)p)[i]);
    case DTYPE_U32: return ((const uint32_t *)p)[i];
    case DTYPE_I32: return ((const int32_t *)p)[i];
    case DTYPE_F32: return ((const float *)p)[i];
    case DTYPE_U64: return (double)((const uint64_t *)p)[i];
    case DTYPE_I64: return (double)((const int64_t *)p)[i];
    case DTYPE_F64: return ((const double *)p)[i];
    default: fail_msg("unexpected dtype %s", dtype_name(a->dtype));
    }
    return 0;
}

static cJSON *load_expected(char **text) {
    *text = read_file_all("tests/ref/npy/expected.json", NULL);
    assert_non_null(*text);
    cJSON *j = cJSON_Parse(*text);
    assert_non_null(j);
    return j;
}

static void reads_numpy_files(void **state) {
    (void)state;
    char *text;
    cJSON *j = load_expected(&text);
    const cJSON *e;
    int count = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "arrays")) {
        const char *path = path_join("tests/ref/npy", cJSON_GetObjectItem(e, "file")->valuestring);
        NpyArray a;
        if (npy_read(path, &a) != 0) fail_msg("%s", scar_last_error());
        assert_string_equal(dtype_name(a.dtype), cJSON_GetObjectItem(e, "dtype")->valuestring);
        const cJSON *shape = cJSON_GetObjectItem(e, "shape"),
                    *values = cJSON_GetObjectItem(e, "values");
        assert_int_equal(a.ndim, cJSON_GetArraySize(shape));
        for (int k = 0; k < a.ndim; k++)
            assert_int_equal(a.shape[k], (int64_t)cJSON_GetArrayItem(shape, k)->valuedouble);
        assert_int_equal(a.nbytes / dtype_size(a.dtype), cJSON_GetArraySize(values));
        size_t i = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, values) {
            double got = element(&a, i++);
            if (!(got == v->valuedouble) || signbit(got) != signbit(v->valuedouble))
                fail_msg("%s: element %zu is %.17g, numpy says %.17g", path, i - 1, got,
                         v->valuedouble);
        }
        npy_free(&a);
        count++;
    }
    assert_true(count >= 15);
    cJSON_Delete(j);
    free(text);
}

static void refuses_numpy_files_it_cannot_represent(void **state) {
    (void)state;
    char *text;
    cJSON *j = load_expected(&text);
    const cJSON *e;
    int count = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "refused")) {
        const char *path = path_join("tests/ref/npy", cJSON_GetObjectItem(e, "file")->valuestring);
        NpyArray a;
        assert_int_equal(npy_read(path, &a), -1);
        assert_error_names(path, cJSON_GetObjectItem(e, "error")->valuestring);
        count++;
    }
    assert_int_equal(count, 4);
    cJSON_Delete(j);
    free(text);
}

/* What numpy writes for a C-order array, version 1.0, is exactly what npy_write writes. */
static void writes_the_same_bytes_as_numpy(void **state) {
    (void)state;
    char *text;
    cJSON *j = load_expected(&text);
    char *dir = tmpdir_make();
    const cJSON *e;
    int compared = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "arrays")) {
        const char *file = cJSON_GetObjectItem(e, "file")->valuestring;
        char *ref = xstrdup(path_join("tests/ref/npy", file));
        size_t rlen;
        unsigned char *want = (unsigned char *)read_file_all(ref, &rlen);
        if (want[6] != 1 || strstr((const char *)want + 10, "True")) { /* only v1.0, C order */
            free(want);
            free(ref);
            continue;
        }
        NpyArray a;
        assert_int_equal(npy_read(ref, &a), 0);
        TensorRef t = {.dtype = a.dtype, .ndim = a.ndim, .data = a.data};
        memcpy(t.shape, a.shape, sizeof t.shape);
        const char *out = path_join(dir, file);
        assert_int_equal(npy_write(out, &t), 0);
        size_t len;
        char *got = read_file_all(out, &len);
        assert_int_equal(len, rlen);
        assert_memory_equal(got, want, len);
        free(got);
        free(want);
        free(ref);
        npy_free(&a);
        compared++;
    }
    assert_true(compared >= 12);
    tmpdir_remove(dir);
    cJSON_Delete(j);
    free(text);
}

/* ----------------------------------------------------------------------------------------------
 * Hostile files: one test per validation rule. */

static void truncated_preamble(void **state) {
    (void)state;
    expect_bytes_fail((const unsigned char *)"\x93NUMPY\x01", 7, "truncated");
    expect_bytes_fail((const unsigned char *)"", 0, "truncated");
    expect_bytes_fail((const unsigned char *)"\x93NUMPY\x02\x00\x10\x00\x00", 11, "truncated");
}

static void bad_magic(void **state) {
    (void)state;
    expect_bytes_fail((const unsigned char *)"\x93NUMPZ\x01\x00\x00\x00{}", 12, "bad magic");
    expect_bytes_fail((const unsigned char *)"PK\x03\x04 a zip, an .npz", 20, "bad magic");
}

static void unsupported_version(void **state) {
    (void)state;
    size_t n;
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (), }";
    unsigned char *b = craft(dict, 4, &n);
    b[6] = 4;
    expect_bytes_fail(b, n, "unsupported .npy version 4.0");
    b[6] = 1;
    b[7] = 1;
    expect_bytes_fail(b, n, "unsupported .npy version 1.1");
    b[6] = 0;
    b[7] = 0;
    expect_bytes_fail(b, n, "unsupported .npy version 0.0");
    free(b);
}

static void header_runs_past_end(void **state) {
    (void)state;
    size_t n;
    unsigned char *b =
        craft_raw(1, 500, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4, &n);
    expect_bytes_fail(b, n, "runs past the end of the file");
    free(b);
    b = craft_raw(3, 0xffffffffu, "{}", 0, &n);
    expect_bytes_fail(b, n, "absurd");
    free(b);
    b = craft_raw(2, 70000, "{}", 0, &n);
    expect_bytes_fail(b, n, "absurd");
    free(b);
}

static void header_binary_bytes(void **state) {
    (void)state;
    size_t n;
    unsigned char *b = craft("{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n", 4, &n);
    b[20] = 0;
    expect_bytes_fail(b, n, "malformed header: byte 0x00");
    b[20] = 0xc3;
    expect_bytes_fail(b, n, "malformed header: byte 0xc3");
    free(b);
}

#define HOSTILE(fn, dict, data_len, what)        \
    static void fn(void **state) {               \
        (void)state;                             \
        expect_dict_fails(dict, data_len, what); \
    }

#define D(descr, fortran, shape) \
    "{'descr': " descr ", 'fortran_order': " fortran ", 'shape': " shape ", }\n"

HOSTILE(dict_empty_header, "", 0, "expected '{'")
HOSTILE(dict_not_a_dict, "[1, 2]\n", 0, "expected '{'")
HOSTILE(dict_missing_key, "{'descr': '<f4', 'shape': (1,), }\n", 4, "header lacks 'fortran_order'")
HOSTILE(dict_unexpected_key, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n", 4,
        "unexpected key 'x'")
HOSTILE(dict_duplicate_key,
        "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}\n", 4,
        "duplicate key 'descr'")
HOSTILE(dict_key_not_quoted, "{descr: '<f4'}\n", 4, "expected a quoted key")
HOSTILE(dict_missing_colon, "{'descr' '<f4'}\n", 4, "expected ':'")
HOSTILE(dict_missing_comma, "{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}\n", 4,
        "expected ',' or '}'")
HOSTILE(dict_unterminated, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)\n", 4,
        "expected ',' or '}'")
HOSTILE(dict_unterminated_string, "{'descr': '<f4\n", 4, "unterminated string")
HOSTILE(dict_escape_in_string, "{'descr': '<f\\4'}\n", 4, "escape sequence")
HOSTILE(dict_trailing_garbage, D("'<f4'", "False", "(1,)") "x", 4, "expected the end of the header")
HOSTILE(descr_big_endian, D("'>f8'", "False", "(1,)"), 8, "big-endian dtype '>f8' is not supported")
HOSTILE(descr_unknown, D("'<c8'", "False", "(1,)"), 8, "unsupported dtype '<c8'")
HOSTILE(descr_unicode, D("'<U10'", "False", "(1,)"), 40, "unsupported dtype '<U10'")
HOSTILE(descr_no_byte_order, D("'|f4'", "False", "(1,)"), 4, "dtype '|f4' has no byte order")
HOSTILE(descr_bad_size, D("'<f3'", "False", "(1,)"), 3, "unsupported dtype '<f3'")
HOSTILE(descr_structured, D("[('a', '<f4')]", "False", "(1,)"), 4, "structured dtypes")
HOSTILE(descr_not_string, D("4", "False", "(1,)"), 4, "expected a string for 'descr'")
HOSTILE(fortran_not_bool, D("'<f4'", "0", "(1,)"), 4, "'fortran_order' is not True or False")
HOSTILE(shape_not_tuple, D("'<f4'", "False", "[1]"), 4, "expected a tuple for 'shape'")
HOSTILE(shape_one_tuple_without_comma, D("'<f4'", "False", "(1)"), 4, "a 1-tuple")
HOSTILE(shape_negative, D("'<f4'", "False", "(-2, 3)"), 4, "negative dimension -2")
HOSTILE(shape_not_integer, D("'<f4'", "False", "(1.5,)"), 4, "expected ',' or ')'")
HOSTILE(shape_empty_element, D("'<f4'", "False", "(,)"), 4, "an integer in 'shape'")
HOSTILE(shape_dimension_overflow, D("'<f4'", "False", "(99999999999999999999,)"), 4,
        "out of range (overflow)")
HOSTILE(shape_product_overflow, D("'<f4'", "False", "(4294967296, 4294967296)"), 4, "overflow")
HOSTILE(shape_bytes_overflow, D("'<f8'", "False", "(4294967296, 2147483648)"), 4,
        "too many bytes (overflow)")
HOSTILE(shape_too_many_dims, D("'<f4'", "False", "(1, 1, 1, 1, 1, 1, 1, 1, 1)"), 4,
        "more than 8 dimensions")
HOSTILE(data_truncated, D("'<f4'", "False", "(2, 3)"), 20,
        "size mismatch: shape [2, 3] of F32 needs 24 bytes of data, the file has 20")
HOSTILE(data_trailing_bytes, D("'<i2'", "False", "(3,)"), 7,
        "needs 6 bytes of data, the file has 7")
HOSTILE(data_for_empty_array, D("'<f4'", "False", "(0, 5)"), 1, "needs 0 bytes")

static void missing_file(void **state) {
    (void)state;
    NpyArray a;
    assert_int_equal(npy_read("/nonexistent/a.npy", &a), -1);
    assert_error_names("/nonexistent/a.npy", "cannot open");
    assert_int_equal(npy_read("tests", &a), -1);
    assert_error_names("tests", "not a regular file");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrip_every_dtype_and_shape),
        cmocka_unit_test(header_text_is_what_numpy_writes),
        cmocka_unit_test(writer_refuses_bad_input),
        cmocka_unit_test(accepts_other_valid_headers),
        cmocka_unit_test(fortran_order_becomes_c_order),
        cmocka_unit_test(reads_numpy_files),
        cmocka_unit_test(refuses_numpy_files_it_cannot_represent),
        cmocka_unit_test(writes_the_same_bytes_as_numpy),
        cmocka_unit_test(missing_file),
        cmocka_unit_test(truncated_preamble),
        cmocka_unit_test(bad_magic),
        cmocka_unit_test(unsupported_version),
        cmocka_unit_test(header_runs_past_end),
        cmocka_unit_test(header_binary_bytes),
        cmocka_unit_test(dict_empty_header),
        cmocka_unit_test(dict_not_a_dict),
        cmocka_unit_test(dict_missing_key),
        cmocka_unit_test(dict_unexpected_key),
        cmocka_unit_test(dict_duplicate_key),
        cmocka_unit_test(dict_key_not_quoted),
        cmocka_unit_test(dict_missing_colon),
        cmocka_unit_test(dict_missing_comma),
        cmocka_unit_test(dict_unterminated),
        cmocka_unit_test(dict_unterminated_string),
        cmocka_unit_test(dict_escape_in_string),
        cmocka_unit_test(dict_trailing_garbage),
        cmocka_unit_test(descr_big_endian),
        cmocka_unit_test(descr_unknown),
        cmocka_unit_test(descr_unicode),
        cmocka_unit_test(descr_no_byte_order),
        cmocka_unit_test(descr_bad_size),
        cmocka_unit_test(descr_structured),
        cmocka_unit_test(descr_not_string),
        cmocka_unit_test(fortran_not_bool),
        cmocka_unit_test(shape_not_tuple),
        cmocka_unit_test(shape_one_tuple_without_comma),
        cmocka_unit_test(shape_negative),
        cmocka_unit_test(shape_not_integer),
        cmocka_unit_test(shape_empty_element),
        cmocka_unit_test(shape_dimension_overflow),
        cmocka_unit_test(shape_product_overflow),
        cmocka_unit_test(shape_bytes_overflow),
        cmocka_unit_test(shape_too_many_dims),
        cmocka_unit_test(data_truncated),
        cmocka_unit_test(data_trailing_bytes),
        cmocka_unit_test(data_for_empty_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
