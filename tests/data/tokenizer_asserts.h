/* Assertions shared by the tokenizer tests: normalised text, content tokens, decode round trips. */
#ifndef SCAR_TEST_TOKENIZER_ASSERTS_H
#define SCAR_TEST_TOKENIZER_ASSERTS_H

#include <stdlib.h>
#include <string.h>

#include "data/text_normalize.h"
#include "data/tokenizer.h"
#include "testutil.h"

static char *normalized(const char *text, int lowercase) {
    char *out;
    size_t len;
    assert_int_equal(text_normalize(text, strlen(text), lowercase ? TEXT_LOWERCASE : 0, &out, &len), 0);
    assert_int_equal(strlen(out), len);
    return out;
}

/* Content tokens of text (asserting success). */
static int tokens_of(const Tokenizer *tok, const char *text, int32_t **ids) {
    int n;
    assert_int_equal(tokenizer_tokenize(tok, text, ids, &n), 0);
    return n;
}

/* decode(tokenize(text)) must give the normalised text back. */
static void assert_round_trip(const Tokenizer *tok, const char *text) {
    int32_t *ids;
    int n = tokens_of(tok, text, &ids);
    char *back = tokenizer_decode(tok, ids, n);
    char *want = normalized(text, tokenizer_lowercase(tok));
    assert_non_null(back);
    assert_string_equal(back, want);
    free(back);
    free(want);
    free(ids);
}

#endif
