/* Tokenizer <-> compact JSON, and JSON files. The format string names the normalisation and
 * pre-tokenisation rules as well as the layout, so a change to either must change it. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/tokenizer.h"
#include "data/tokenizer_internal.h"

#define FORMAT "scar-bpe-1"
/* A tokenizer file is a few hundred kilobytes; anything far larger is not one. */
#define FILE_LIMIT (64u << 20)

char *tokenizer_to_json(const Tokenizer *tok) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", FORMAT);
    cJSON_AddBoolToObject(root, "lowercase", tok->lowercase);
    cJSON *specials = cJSON_AddArrayToObject(root, "special_tokens");
    for (int id = 0; id < TOKEN_N_SPECIAL; id++)
        cJSON_AddItemToArray(specials, cJSON_CreateString(TOKEN_SPECIAL_NAMES[id]));
    cJSON_AddNumberToObject(root, "vocab_size", tokenizer_vocab_size(tok));
    cJSON *merges = cJSON_AddArrayToObject(root, "merges");
    for (int i = 0; i < 2 * tok->n_merges; i++) cJSON_AddItemToArray(merges, cJSON_CreateNumber(tok->merges[i]));
    char *printed = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    char *json = xstrdup(printed);
    cJSON_free(printed);
    return json;
}

static const cJSON *field(const cJSON *root, const char *name) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!f) scar_fail("tokenizer JSON: missing field \"%s\"", name);
    return f;
}

/* An integer in [lo, hi] from a JSON number; -1 (with a message naming `what`) otherwise. */
static int json_int(const cJSON *v, long lo, long hi, const char *what, long *out) {
    if (!cJSON_IsNumber(v)) return scar_fail("tokenizer JSON: %s is not a number", what);
    double d = v->valuedouble;
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d))
        return scar_fail("tokenizer JSON: %s is %g, not an integer in %ld .. %ld", what, d, lo, hi);
    *out = (long)d;
    return 0;
}

static Tokenizer *from_tree(const cJSON *root) {
    if (!cJSON_IsObject(root)) {
        scar_fail("tokenizer JSON: not an object");
        return NULL;
    }
    const cJSON *format = field(root, "format");
    if (!format) return NULL;
    if (!cJSON_IsString(format) || strcmp(format->valuestring, FORMAT) != 0) {
        scar_fail("tokenizer JSON: format %s%s%s, expected \"" FORMAT "\"", cJSON_IsString(format) ? "\"" : "",
                  cJSON_IsString(format) ? format->valuestring : "(not a string)", cJSON_IsString(format) ? "\"" : "");
        return NULL;
    }
    const cJSON *lower = field(root, "lowercase");
    if (!lower) return NULL;
    if (!cJSON_IsBool(lower)) {
        scar_fail("tokenizer JSON: \"lowercase\" is not true or false");
        return NULL;
    }
    const cJSON *specials = field(root, "special_tokens");
    if (!specials) return NULL;
    if (!cJSON_IsArray(specials) || cJSON_GetArraySize(specials) != TOKEN_N_SPECIAL) {
        scar_fail("tokenizer JSON: \"special_tokens\" must be an array of %d names", TOKEN_N_SPECIAL);
        return NULL;
    }
    for (int id = 0; id < TOKEN_N_SPECIAL; id++) {
        const cJSON *s = cJSON_GetArrayItem(specials, id);
        if (!cJSON_IsString(s) || strcmp(s->valuestring, TOKEN_SPECIAL_NAMES[id]) != 0) {
            scar_fail("tokenizer JSON: special token %d must be \"%s\"", id, TOKEN_SPECIAL_NAMES[id]);
            return NULL;
        }
    }
    const cJSON *vocab = field(root, "vocab_size");
    long vocab_size = 0;
    if (!vocab || json_int(vocab, TOKEN_FIRST_MERGE, TOKENIZER_MAX_VOCAB, "\"vocab_size\"", &vocab_size) != 0)
        return NULL;
    const cJSON *merges = field(root, "merges");
    if (!merges) return NULL;
    if (!cJSON_IsArray(merges)) {
        scar_fail("tokenizer JSON: \"merges\" is not an array");
        return NULL;
    }
    int n = cJSON_GetArraySize(merges);
    if (n % 2 != 0) {
        scar_fail("tokenizer JSON: \"merges\" holds %d ids, not pairs", n);
        return NULL;
    }
    if (TOKEN_FIRST_MERGE + n / 2 != vocab_size) {
        scar_fail("tokenizer JSON: \"vocab_size\" %ld does not match %d merges (%d tokens)", vocab_size, n / 2,
                  TOKEN_FIRST_MERGE + n / 2);
        return NULL;
    }
    int32_t *ids = xmalloc(((size_t)n + 1) * sizeof *ids);
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, merges) {
        char what[64];
        snprintf(what, sizeof what, "merge %d, %s id", i / 2, i % 2 ? "right" : "left");
        long id = 0;
        if (json_int(v, 0, TOKENIZER_MAX_VOCAB - 1, what, &id) != 0) {
            free(ids);
            return NULL;
        }
        ids[i++] = (int32_t)id;
    }
    Tokenizer *tok = tokenizer_from_merges(cJSON_IsTrue(lower), ids, n / 2);
    free(ids);
    if (!tok) scar_fail_context("tokenizer JSON: ");
    return tok;
}

Tokenizer *tokenizer_from_json(const char *json) {
    if (!json) {
        scar_fail("tokenizer JSON: none given");
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(json, &end, 1); /* 1: nothing but white space may follow */
    if (!root) {
        scar_fail("tokenizer JSON: not valid JSON (at byte %td)", end ? end - json : (ptrdiff_t)0);
        return NULL;
    }
    Tokenizer *tok = from_tree(root);
    cJSON_Delete(root);
    return tok;
}

int tokenizer_save(const Tokenizer *tok, const char *path) {
    char *json = tokenizer_to_json(tok);
    size_t n = strlen(json);
    json[n] = '\n'; /* the terminating NUL becomes a final newline; the length says where to stop */
    AtomicFile f;
    int rc = atomic_file_begin(&f, path);
    if (rc == 0) rc = atomic_file_write(&f, json, n + 1);
    if (rc == 0) rc = atomic_file_commit(&f);
    free(json);
    return rc;
}

Tokenizer *tokenizer_load(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        scar_fail("%s: cannot open: %m", path);
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        scar_fail("%s: not a regular file", path);
        return NULL;
    }
    if ((uint64_t)st.st_size > FILE_LIMIT) {
        fclose(f);
        scar_fail("%s: %lld bytes, larger than any tokenizer (limit %u)", path, (long long)st.st_size, FILE_LIMIT);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    char *buf = xmalloc(size + 1);
    size_t n = fread(buf, 1, size, f);
    fclose(f);
    Tokenizer *tok = NULL;
    buf[n] = 0;
    if (n != size)
        scar_fail("%s: read %zu of %zu bytes", path, n, size);
    else if (strlen(buf) != n)
        scar_fail("%s: contains a NUL byte, not a tokenizer", path);
    else if (!(tok = tokenizer_from_json(buf)))
        scar_fail_context("%s: ", path);
    free(buf);
    return tok;
}
